//! ABI corner cases through the real imports, from WAT: pointers outside
//! memory (`EFAULT`), lengths near 4 GiB, iovec arrays claiming millions of
//! entries, unknown enum and flag values (`EINVAL`), closed and bad fds
//! (`EBADF`), `poll_oneoff` with no subscriptions, results that cannot be
//! written (a trap), and a module with no memory. Out-pointers are filled
//! with sentinels first: a failed call writes nothing.

use wasi_common_compat_tests::*;
use wasmtime::Val;

const P1: &str = "wasi_snapshot_preview1";

pub(crate) const EBADF: i32 = 8;
pub(crate) const EFAULT: i32 = 21;
pub(crate) const EINVAL: i32 = 28;
pub(crate) const ENAMETOOLONG: i32 = 37;
pub(crate) const SENTINEL: u32 = 0xAAAA_AAAA;

/// Every preview1 import the corner cases call, with its wasm signature.
pub(crate) const IMPORTS: &[AbiImport<'static>] = &[
    (P1, "args_get", "i32 i32", "i32"),
    (P1, "args_sizes_get", "i32 i32", "i32"),
    (P1, "environ_get", "i32 i32", "i32"),
    (P1, "clock_time_get", "i32 i64 i32", "i32"),
    (P1, "fd_advise", "i32 i64 i64 i32", "i32"),
    (P1, "fd_close", "i32", "i32"),
    (P1, "fd_fdstat_set_flags", "i32 i32", "i32"),
    (P1, "fd_filestat_set_times", "i32 i64 i64 i32", "i32"),
    (P1, "fd_prestat_dir_name", "i32 i32 i32", "i32"),
    (P1, "fd_pread", "i32 i32 i32 i64 i32", "i32"),
    (P1, "fd_pwrite", "i32 i32 i32 i64 i32", "i32"),
    (P1, "fd_read", "i32 i32 i32 i32", "i32"),
    (P1, "fd_readdir", "i32 i32 i32 i64 i32", "i32"),
    (P1, "fd_seek", "i32 i64 i32 i32", "i32"),
    (P1, "fd_write", "i32 i32 i32 i32", "i32"),
    (P1, "path_open", "i32 i32 i32 i32 i32 i64 i64 i32 i32", "i32"),
    (P1, "poll_oneoff", "i32 i32 i32 i32", "i32"),
    (P1, "random_get", "i32 i32", "i32"),
    (P1, "sched_yield", "", "i32"),
    (P1, "sock_shutdown", "i32 i32", "i32"),
];

/// The end of the one page of memory the sessions have.
pub(crate) const END: i32 = 65536;

/// An i32 argument from any i32 or u32 value (u32 values keep their bits).
pub(crate) fn i(v: impl Into<i64>) -> Val {
    Val::I32(v.into() as i32)
}

pub(crate) fn l(v: i64) -> Val {
    Val::I64(v)
}

/// A session over a module with one fixed page of memory.
pub(crate) fn session(run: Run) -> Session {
    run.session().unwrap()
}

pub(crate) fn module(backend: Backend) -> Run {
    Run::wat(&abi_module(IMPORTS, 1, Some(1)), backend)
}

/// Calls `wasi_snapshot_preview1.<name>`; panics on a trap.
pub(crate) fn call(s: &mut Session, name: &str, args: &[Val]) -> i32 {
    s.call_i32(&format!("{P1}.{name}"), args)
        .unwrap_or_else(|e| panic!("{name} trapped: {e:?}"))
}

/// Writes an iovec `{buf, len}` at `at`.
pub(crate) fn iovec(s: &mut Session, at: u32, buf: u32, len: u32) {
    s.write_u32(at, buf).unwrap();
    s.write_u32(at + 4, len).unwrap();
}

per_backend!(efault_on_iovecs, |backend| {
    let mut s = session(module(backend).stdin("abc"));
    s.write(1024, b"hello").unwrap();
    let out = 2048;
    let check = |s: &mut Session, name: &str, args: &[Val], what: &str| {
        s.write_u32(out, SENTINEL).unwrap();
        assert_eq!(call(s, name, args), EFAULT, "{name}: {what}");
        assert_eq!(s.read_u32(out).unwrap(), SENTINEL, "{name}: {what}: result untouched");
    };
    for (fd, name) in [(1, "fd_write"), (0, "fd_read")] {
        check(&mut s, name, &[i(fd), i(END), i(1), i(out)], "iovec array past the end");
        check(
            &mut s,
            name,
            &[i(fd), i(END - 4), i(1), i(out)],
            "iovec array across the end",
        );
        check(&mut s, name, &[i(fd), i(-8), i(1), i(out)], "iovec array at 4 GiB - 8");
        iovec(&mut s, 0, (END - 3) as u32, 10);
        check(&mut s, name, &[i(fd), i(0), i(1), i(out)], "buffer across the end");
        iovec(&mut s, 0, 16, 0xFFFF_FFF0);
        check(&mut s, name, &[i(fd), i(0), i(1), i(out)], "length near 4 GiB");
        iovec(&mut s, 0, 0xFFFF_FFFF, 2);
        check(&mut s, name, &[i(fd), i(0), i(1), i(out)], "buffer at 4 GiB - 1");
        // A valid first iovec does not excuse a bad second one.
        iovec(&mut s, 0, 1024, 5);
        iovec(&mut s, 8, END as u32, 1);
        check(&mut s, name, &[i(fd), i(0), i(2), i(out)], "second iovec past the end");
    }
    assert_eq!(s.stdout(), b"", "no partial write");
    // Nothing was consumed from stdin by the failed reads.
    iovec(&mut s, 0, 1024, 16);
    assert_eq!(call(&mut s, "fd_read", &[i(0), i(0), i(1), i(out)]), 0);
    assert_eq!(s.read_u32(out).unwrap(), 3);
    assert_eq!(s.read(1024, 3).unwrap(), b"abc");
});

per_backend!(iovec_arrays_claiming_millions_of_entries, |backend| {
    let mut s = session(module(backend));
    // The data and the result live past the first 1024 iovecs (8 KiB) of the
    // array at 0, which are all empty but the first.
    let (data, out) = (0x8000, 0x8100);
    s.write(data, b"hello").unwrap();
    iovec(&mut s, 0, data, 5);
    // 16 Mi entries (128 MiB, more than memory) and 4 Gi - 1 entries: the
    // host uses the first iovecs (the rest are empty) and never the claimed
    // size; the call is a short write of what it used.
    for n in [0x0100_0000, -1] {
        s.write_u32(out, SENTINEL).unwrap();
        assert_eq!(
            call(&mut s, "fd_write", &[i(1), i(0), i(n), i(out)]),
            0,
            "fd_write of {n:#x} iovecs"
        );
        assert_eq!(s.read_u32(out).unwrap(), 5, "nwritten");
    }
    assert_eq!(s.stdout(), b"hellohello");
    // An array whose entries run off the end of memory.
    iovec(&mut s, (END - 8) as u32, data, 0);
    assert_eq!(call(&mut s, "fd_write", &[i(1), i(END - 8), i(-1), i(out)]), EFAULT);
});

per_backend!(efault_on_other_buffers, |backend| {
    let mut s = session(module(backend).sandbox().arg("prog").arg("argument").env("K", "V"));
    let out = 4096u32;

    // random_get: nothing written, whatever part is in bounds.
    s.write(END as u32 - 100, &[0x55; 100]).unwrap();
    assert_eq!(call(&mut s, "random_get", &[i(END - 100), i(200)]), EFAULT);
    assert_eq!(
        s.read(END as u32 - 100, 100).unwrap(),
        vec![0x55; 100],
        "random_get wrote nothing"
    );
    assert_eq!(
        call(&mut s, "random_get", &[i(16), i(-1)]),
        EFAULT,
        "random_get of 4 GiB - 1"
    );
    assert_eq!(
        call(&mut s, "random_get", &[i(END), i(0)]),
        0,
        "random_get of 0 bytes at the end"
    );

    // args_get / environ_get into too-small memory: "prog\0argument\0" is
    // 14 bytes, two pointers are 8.
    s.write(END as u32 - 16, &[0x55; 16]).unwrap();
    assert_eq!(
        call(&mut s, "args_get", &[i(END - 4), i(0)]),
        EFAULT,
        "argv across the end"
    );
    assert_eq!(
        call(&mut s, "args_get", &[i(0), i(END - 10)]),
        EFAULT,
        "argv_buf across the end"
    );
    assert_eq!(
        call(&mut s, "environ_get", &[i(END - 2), i(0)]),
        EFAULT,
        "environ across the end"
    );
    assert_eq!(s.read(END as u32 - 16, 16).unwrap(), vec![0x55; 16], "nothing written");
    assert_eq!(
        call(&mut s, "args_get", &[i(END - 8), i(END - 24)]),
        0,
        "exactly at the end fits"
    );
    assert_eq!(s.read(END as u32 - 24, 14).unwrap(), b"prog\0argument\0");
    assert_eq!(
        s.read(END as u32 - 10, 2).unwrap(),
        [0x55; 2],
        "nothing between the strings and argv"
    );
    assert_eq!(s.read_u32(END as u32 - 8).unwrap(), END as u32 - 24);
    assert_eq!(s.read_u32(END as u32 - 4).unwrap(), END as u32 - 19);

    // fd_prestat_dir_name: the name fits the length but not memory.
    assert_eq!(call(&mut s, "fd_prestat_dir_name", &[i(3), i(END - 4), i(8)]), EFAULT);
    assert_eq!(
        call(&mut s, "fd_prestat_dir_name", &[i(3), i(0), i(-1)]),
        0,
        "a 4 GiB length is fine"
    );
    assert_eq!(s.read(0, 8).unwrap(), b"/sandbox");

    // fd_readdir: the buffer is checked as a whole.
    s.write_u32(out, SENTINEL).unwrap();
    assert_eq!(
        call(&mut s, "fd_readdir", &[i(3), i(END - 8), i(64), l(0), i(out as i32)]),
        EFAULT
    );
    assert_eq!(
        call(&mut s, "fd_readdir", &[i(3), i(0), i(-1), l(0), i(out as i32)]),
        EFAULT
    );
    assert_eq!(s.read_u32(out).unwrap(), SENTINEL);

    // path_open: the path outside memory, and a path length near 4 GiB.
    let open = |s: &mut Session, path: i32, len: i32| {
        s.write_u32(out, SENTINEL).unwrap();
        let e = call(
            s,
            "path_open",
            &[i(3), i(0), i(path), i(len), i(0), l(0), l(0), i(0), i(out as i32)],
        );
        assert_eq!(s.read_u32(out).unwrap(), SENTINEL, "no fd written");
        e
    };
    assert_eq!(open(&mut s, END - 2, 4), EFAULT, "path across the end");
    assert_eq!(open(&mut s, -1, 2), EFAULT, "path at 4 GiB - 1");
    assert_eq!(open(&mut s, 0, -1), ENAMETOOLONG, "path length 4 GiB - 1");

    // fd_pread / fd_pwrite on a file of the sandbox.
    s.write(512, b"file").unwrap();
    let rights: i64 = (1 << 1) | (1 << 2) | (1 << 6); // fd_read | fd_seek | fd_write
    let e = call(
        &mut s,
        "path_open",
        &[i(3), i(0), i(512), i(4), i(1), l(rights), l(0), i(0), i(out as i32)],
    );
    assert_eq!(e, 0, "create a file");
    let fd = s.read_u32(out).unwrap() as i32;
    iovec(&mut s, 0, (END - 2) as u32, 4);
    assert_eq!(
        call(&mut s, "fd_pwrite", &[i(fd), i(0), i(1), l(0), i(out as i32)]),
        EFAULT
    );
    assert_eq!(
        call(&mut s, "fd_pread", &[i(fd), i(0), i(1), l(0), i(out as i32)]),
        EFAULT
    );
    assert_eq!(
        call(&mut s, "fd_pread", &[i(fd), i(END), i(1), l(0), i(out as i32)]),
        EFAULT
    );
});

per_backend!(results_outside_memory_trap, |backend| {
    // The call takes effect, then its result cannot be written: a trap.
    let mut s = session(module(backend));
    s.write(1024, b"hi").unwrap();
    iovec(&mut s, 0, 1024, 2);
    let r = s.call_i32(&format!("{P1}.fd_write"), &[i(1), i(0), i(1), i(END)]);
    let e = r.expect_err("writing nwritten outside memory traps");
    assert!(
        e.downcast_ref::<wasi_common_compat::I32Exit>().is_none(),
        "a trap, not an exit: {e:?}"
    );
    assert_eq!(s.stdout(), b"hi", "the write itself happened");

    let mut s = session(module(backend));
    for (name, args) in [
        ("args_sizes_get", vec![i(END), i(0)]),
        ("args_sizes_get", vec![i(0), i(END - 2)]),
        ("clock_time_get", vec![i(1), l(0), i(END - 4)]),
        ("clock_time_get", vec![i(0), l(0), i(-1)]),
    ] {
        let r = s.call_i32(&format!("{P1}.{name}"), &args);
        assert!(r.is_err(), "{name} with its result outside memory traps, got {r:?}");
    }
});

per_backend!(einval_on_unknown_values, |backend| {
    let mut s = session(module(backend));
    let out = 4096;
    let check = |s: &mut Session, name: &str, args: &[Val], what: &str| {
        s.write_u32(out, SENTINEL).unwrap();
        assert_eq!(call(s, name, args), EINVAL, "{name}: {what}");
        assert_eq!(s.read_u32(out).unwrap(), SENTINEL, "{name}: {what}: nothing written");
    };
    for w in [3, 4, 255, 256, -1] {
        check(&mut s, "fd_seek", &[i(1), l(0), i(w), i(out)], &format!("whence {w}"));
    }
    for c in [4, 5, -1] {
        check(
            &mut s,
            "clock_time_get",
            &[i(c), l(0), i(out)],
            &format!("clock id {c}"),
        );
    }
    for f in [0x20, 0x40, 0x1_0000, -1] {
        check(&mut s, "fd_fdstat_set_flags", &[i(1), i(f)], &format!("fdflags {f:#x}"));
    }
    for a in [6, 7, 0x100, -1] {
        check(&mut s, "fd_advise", &[i(1), l(0), l(0), i(a)], &format!("advice {a}"));
    }
    for f in [0x10, 0x20, -1] {
        check(
            &mut s,
            "fd_filestat_set_times",
            &[i(1), l(0), l(0), i(f)],
            &format!("fstflags {f:#x}"),
        );
        // Argument values are checked before the fd.
        check(
            &mut s,
            "fd_filestat_set_times",
            &[i(999), l(0), l(0), i(f)],
            "fstflags before a bad fd",
        );
    }
    check(
        &mut s,
        "fd_filestat_set_times",
        &[i(1), l(0), l(0), i(1 | 2)],
        "ATIM with ATIM_NOW",
    );
    for h in [0, 4, 0x100] {
        check(&mut s, "sock_shutdown", &[i(1), i(h)], &format!("sdflags {h:#x}"));
    }
    s.write(512, b"x").unwrap();
    let open = |oflags: i32, dirflags: i32, base: i64, inh: i64, fdflags: i32| {
        vec![
            i(999),
            i(dirflags),
            i(512),
            i(1),
            i(oflags),
            l(base),
            l(inh),
            i(fdflags),
            i(out),
        ]
    };
    check(&mut s, "path_open", &open(0x10, 0, 0, 0, 0), "oflags 0x10");
    check(&mut s, "path_open", &open(0x1_0000, 0, 0, 0, 0), "oflags above 16 bits");
    check(&mut s, "path_open", &open(0, 2, 0, 0, 0), "lookupflags 2");
    check(&mut s, "path_open", &open(0, 0, 1 << 30, 0, 0), "rights bit 30");
    check(
        &mut s,
        "path_open",
        &open(0, 0, 0, i64::MIN, 0),
        "inheriting rights bit 63",
    );
    check(&mut s, "path_open", &open(0, 0, 0, 0, 0x20), "fdflags 0x20");
});

per_backend!(ebadf_on_closed_and_bad_fds, |backend| {
    let mut s = session(module(backend));
    s.write(1024, b"x").unwrap();
    iovec(&mut s, 0, 1024, 1);
    for fd in [3, 1000, 0x7FFF_FFFF, -1] {
        assert_eq!(
            call(&mut s, "fd_write", &[i(fd), i(0), i(1), i(2048)]),
            EBADF,
            "fd_write({fd})"
        );
        assert_eq!(call(&mut s, "fd_close", &[i(fd)]), EBADF, "fd_close({fd})");
        assert_eq!(
            call(&mut s, "fd_seek", &[i(fd), l(0), i(0), i(2048)]),
            EBADF,
            "fd_seek({fd})"
        );
    }
    assert_eq!(call(&mut s, "fd_close", &[i(1)]), 0, "close stdout");
    assert_eq!(
        call(&mut s, "fd_write", &[i(1), i(0), i(1), i(2048)]),
        EBADF,
        "write to closed stdout"
    );
    assert_eq!(call(&mut s, "fd_close", &[i(1)]), EBADF, "close it again");
    assert_eq!(s.stdout(), b"");
});

per_backend!(poll_oneoff_bad_counts_and_pointers, |backend| {
    let mut s = session(module(backend));
    // One clock subscription (relative, 0 ns) at 0; events at 1024.
    let mut sub = [0u8; 48];
    sub[0..8].copy_from_slice(&7u64.to_le_bytes());
    sub[16..20].copy_from_slice(&1u32.to_le_bytes());
    s.write(0, &sub).unwrap();
    let out = 4096;
    let poll = |s: &mut Session, subs: i32, events: i32, n: i32| {
        s.write_u32(out as u32, SENTINEL).unwrap();
        let e = call(s, "poll_oneoff", &[i(subs), i(events), i(n), i(out)]);
        let written = s.read_u32(out as u32).unwrap();
        (e, written)
    };
    assert_eq!(poll(&mut s, 0, 1024, 0), (EINVAL, SENTINEL), "no subscriptions");
    assert_eq!(poll(&mut s, 0, 1024, 65_537), (EINVAL, SENTINEL), "more than 65536");
    assert_eq!(poll(&mut s, 0, 1024, -1), (EINVAL, SENTINEL), "4 Gi - 1 subscriptions");
    assert_eq!(
        poll(&mut s, 0, 1024, 65_536),
        (EFAULT, SENTINEL),
        "65536 subscriptions beyond memory"
    );
    assert_eq!(
        poll(&mut s, END - 24, 1024, 1),
        (EFAULT, SENTINEL),
        "subscription across the end"
    );
    assert_eq!(poll(&mut s, 0, END - 16, 1), (EFAULT, SENTINEL), "event across the end");
    assert_eq!(poll(&mut s, 0, -32, 1), (EFAULT, SENTINEL), "events at 4 GiB - 32");
    assert_eq!(poll(&mut s, 0, 1024, 1), (0, 1), "the same subscription, in bounds");
    assert_eq!(s.read(1024, 8).unwrap(), 7u64.to_le_bytes(), "its userdata");
});

per_backend!(module_without_memory, |backend| {
    // Calls that touch no memory work; those that need memory get EFAULT.
    let wat = r#"(module
        (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))
        (import "wasi_snapshot_preview1" "fd_close" (func $c (param i32) (result i32)))
        (func (export "write") (result i32) (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (func (export "yield") (result i32) (call $y))
        (func (export "close") (result i32) (call $c (i32.const 2))))"#;
    let mut s = Run::wat(wat, backend).session().unwrap();
    assert_eq!(s.call_i32("yield", &[]).unwrap(), 0);
    assert_eq!(s.call_i32("close", &[]).unwrap(), 0);
    assert_eq!(s.call_i32("write", &[]).unwrap(), EFAULT);
});
