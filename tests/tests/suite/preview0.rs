//! `wasi_unstable` (preview0): the guest, and ABI differences from WAT.

use crate::abi::{EBADF, EFAULT, EINVAL, END, SENTINEL, i, iovec, l};
use wasi_common_compat_tests::*;

guest_test!(preview0_fs, |run| {
    run.sandbox().exec().unwrap().assert_sections(&[
        "whence is cur, end, set",
        "filestat has a 32-bit nlink",
        "fdstat",
        "clock subscriptions carry an identifier",
    ]);
});

const P0: &str = "wasi_unstable";

const IMPORTS: &[AbiImport<'static>] = &[
    (P0, "fd_seek", "i32 i64 i32 i32", "i32"),
    (P0, "fd_write", "i32 i32 i32 i32", "i32"),
    (P0, "fd_close", "i32", "i32"),
    (P0, "fd_filestat_get", "i32 i32", "i32"),
    (P0, "path_open", "i32 i32 i32 i32 i32 i64 i64 i32 i32", "i32"),
    (P0, "poll_oneoff", "i32 i32 i32 i32", "i32"),
    (P0, "clock_time_get", "i32 i64 i32", "i32"),
];

fn call(s: &mut Session, name: &str, args: &[wasmtime::Val]) -> i32 {
    s.call_i32(&format!("{P0}.{name}"), args)
        .unwrap_or_else(|e| panic!("{name} trapped: {e:?}"))
}

per_backend!(preview0_abi, |backend| {
    let mut s = Run::wat(&abi_module(IMPORTS, 1, Some(1)), backend)
        .sandbox()
        .session()
        .unwrap();
    let out = 4096;

    // A 10-byte file to seek in.
    s.write(512, b"f").unwrap();
    let rights: i64 = (1 << 1) | (1 << 2) | (1 << 5) | (1 << 6) | (1 << 21);
    let e = call(
        &mut s,
        "path_open",
        &[i(3), i(0), i(512), i(1), i(1), l(rights), l(0), i(0), i(out)],
    );
    assert_eq!(e, 0, "p0 path_open");
    let fd = s.read_u32(out as u32).unwrap() as i32;
    s.write(1024, b"0123456789").unwrap();
    iovec(&mut s, 0, 1024, 10);
    assert_eq!(call(&mut s, "fd_write", &[i(fd), i(0), i(1), i(out)]), 0);

    // whence: cur = 0, end = 1, set = 2.
    let seek = |s: &mut Session, off: i64, whence: i32| {
        s.write(out as u32, &[0xAA; 8]).unwrap();
        let e = call(s, "fd_seek", &[i(fd), l(off), i(whence), i(out)]);
        (e, s.read_u64(out as u32).unwrap())
    };
    assert_eq!(seek(&mut s, 3, 2), (0, 3), "whence 2 is SET");
    assert_eq!(seek(&mut s, 2, 0), (0, 5), "whence 0 is CUR");
    assert_eq!(seek(&mut s, -1, 1), (0, 9), "whence 1 is END");
    assert_eq!(seek(&mut s, 0, 3), (EINVAL, 0xAAAA_AAAA_AAAA_AAAA), "whence 3");
    assert_eq!(seek(&mut s, -1, 2), (EINVAL, 0xAAAA_AAAA_AAAA_AAAA), "SET -1");

    // filestat: 56 bytes, nlink (u32) at 20, size at 24; nothing after 56.
    s.write(2048, &[0xAA; 72]).unwrap();
    assert_eq!(call(&mut s, "fd_filestat_get", &[i(fd), i(2048)]), 0);
    assert_eq!(s.read(2048 + 16, 1).unwrap(), [4], "filetype regular_file at 16");
    assert_eq!(s.read_u32(2048 + 20).unwrap(), 1, "nlink (u32) at 20");
    assert_eq!(s.read_u64(2048 + 24).unwrap(), 10, "size at 24");
    assert_eq!(s.read(2048 + 56, 16).unwrap(), vec![0xAA; 16], "nothing past 56 bytes");
    assert_eq!(
        call(&mut s, "fd_filestat_get", &[i(fd), i(END - 56)]),
        0,
        "56 bytes at the end of memory suffice"
    );

    // poll_oneoff: 56-byte subscriptions; the clock's id is at 24.
    let mut sub = [0u8; 56];
    sub[0..8].copy_from_slice(&9u64.to_le_bytes());
    sub[16..24].copy_from_slice(&0x1234u64.to_le_bytes()); // identifier
    sub[24..28].copy_from_slice(&1u32.to_le_bytes()); // monotonic
    s.write(3000, &sub).unwrap();
    s.write_u32(out as u32, SENTINEL).unwrap();
    assert_eq!(call(&mut s, "poll_oneoff", &[i(3000), i(3200), i(1), i(out)]), 0);
    assert_eq!(s.read_u32(out as u32).unwrap(), 1, "one event");
    assert_eq!(s.read_u64(3200).unwrap(), 9, "userdata");
    assert_eq!(
        call(&mut s, "poll_oneoff", &[i(3000), i(3200), i(0), i(out)]),
        EINVAL,
        "no subscriptions"
    );
    sub[24..28].copy_from_slice(&4u32.to_le_bytes());
    s.write(3000, &sub).unwrap();
    assert_eq!(
        call(&mut s, "poll_oneoff", &[i(3000), i(3200), i(1), i(out)]),
        EINVAL,
        "clock id 4"
    );

    // Errors are the same numbers as in preview1.
    assert_eq!(
        call(&mut s, "clock_time_get", &[i(4), l(0), i(out)]),
        EINVAL,
        "clock id 4"
    );
    iovec(&mut s, 0, (END - 2) as u32, 8);
    assert_eq!(
        call(&mut s, "fd_write", &[i(fd), i(0), i(1), i(out)]),
        EFAULT,
        "buffer across the end"
    );
    assert_eq!(call(&mut s, "fd_close", &[i(fd)]), 0);
    assert_eq!(call(&mut s, "fd_close", &[i(fd)]), EBADF, "closed");
    assert_eq!(
        call(&mut s, "fd_seek", &[i(fd), l(0), i(0), i(out)]),
        EBADF,
        "seek on a closed fd"
    );
});
