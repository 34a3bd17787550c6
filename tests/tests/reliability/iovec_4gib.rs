//! An iovec array that starts just below 4 GiB in a 4 GiB memory: the
//! array's second entry would lie at or past address 2^32. The host used to
//! panic in wiggle (`GuestPtr<[T]>::get`, "just performed bounds check");
//! every call that walks iovecs must answer `EFAULT` instead, in unshared
//! and in shared memory.

use wasi_common_compat_tests::*;
use wasmtime::Val;

const EFAULT: i32 = 21;
const P1: &str = "wasi_snapshot_preview1";
const P0: &str = "wasi_unstable";
/// 4 GiB of memory, in pages.
const PAGES: u32 = 65_536;
/// One valid iovec here; the second of the array would start at 2^32.
const ARRAY: u32 = 0xFFFF_FFF8;
const DATA: u32 = 0x1000;
const OUT: u32 = 0x2000;
const SENTINEL: u32 = 0xAAAA_AAAA;

const IMPORTS: &[AbiImport<'static>] = &[
    (P1, "fd_read", "i32 i32 i32 i32", "i32"),
    (P1, "fd_write", "i32 i32 i32 i32", "i32"),
    (P1, "fd_pread", "i32 i32 i32 i64 i32", "i32"),
    (P1, "fd_pwrite", "i32 i32 i32 i64 i32", "i32"),
    (P1, "path_open", "i32 i32 i32 i32 i32 i64 i64 i32 i32", "i32"),
    (P1, "sock_recv", "i32 i32 i32 i32 i32 i32", "i32"),
    (P1, "sock_send", "i32 i32 i32 i32 i32", "i32"),
    (P0, "fd_write", "i32 i32 i32 i32", "i32"),
    (P0, "fd_read", "i32 i32 i32 i32", "i32"),
    (P0, "fd_pread", "i32 i32 i32 i64 i32", "i32"),
    (P0, "fd_pwrite", "i32 i32 i32 i64 i32", "i32"),
];

fn i(v: u32) -> Val {
    Val::I32(v as i32)
}

/// `(module.name, args)` of every iovec-walking call, on `file` (a file of
/// the sandbox opened for reading and writing).
fn calls(file: u32) -> Vec<(String, Vec<Val>)> {
    let a = |fd: u32| vec![i(fd), i(ARRAY), i(2), i(OUT)];
    let p = |fd: u32| vec![i(fd), i(ARRAY), i(2), Val::I64(0), i(OUT)];
    vec![
        (format!("{P1}.fd_read"), a(0)),
        (format!("{P1}.fd_write"), a(1)),
        (format!("{P1}.fd_pread"), p(file)),
        (format!("{P1}.fd_pwrite"), p(file)),
        // The iovec walk comes before the socket check: any readable or
        // writable fd reaches it.
        (
            format!("{P1}.sock_recv"),
            vec![i(0), i(ARRAY), i(2), i(0), i(OUT), i(OUT + 4)],
        ),
        (format!("{P1}.sock_send"), vec![i(1), i(ARRAY), i(2), i(0), i(OUT)]),
        (format!("{P0}.fd_write"), a(1)),
        (format!("{P0}.fd_read"), a(0)),
        (format!("{P0}.fd_pread"), p(file)),
        (format!("{P0}.fd_pwrite"), p(file)),
    ]
}

per_backend!(iovec_array_below_4gib_is_efault, |backend| {
    let _serial = crate::serial();
    let wat = abi_module(IMPORTS, PAGES, Some(PAGES));
    let mut s = Run::wat(&wat, backend).sandbox().stdin("abc").session().unwrap();
    assert_eq!(s.memory_size().unwrap(), 1 << 32);
    // Open (create) a file of the sandbox for fd_pread / fd_pwrite.
    s.write(DATA, b"f").unwrap();
    let rights: i64 = (1 << 1) | (1 << 2) | (1 << 6); // fd_read | fd_seek | fd_write
    let args = [
        i(3),
        i(0),
        i(DATA),
        i(1),
        i(1),
        Val::I64(rights),
        Val::I64(0),
        i(0),
        i(OUT),
    ];
    assert_eq!(s.call_i32(&format!("{P1}.path_open"), &args).unwrap(), 0);
    let file = s.read_u32(OUT).unwrap();
    s.write_u32(ARRAY, DATA).unwrap();
    s.write_u32(ARRAY + 4, 1).unwrap();
    for (name, args) in calls(file) {
        s.write_u32(OUT, SENTINEL).unwrap();
        let r = s.call_i32(&name, &args);
        assert_eq!(r.ok(), Some(EFAULT), "{name} on an iovec array at {ARRAY:#x}");
        assert_eq!(s.read_u32(OUT).unwrap(), SENTINEL, "{name}: nothing written");
    }
    assert_eq!(s.stdout(), b"", "no partial write");
});

/// The same in shared memory (a threaded program, whose iovecs go through
/// the bounce buffer): `_start` makes each call and exits with the index of
/// the first that did not give `EFAULT` (0 if all did).
#[test]
fn shared_memory_iovec_array_below_4gib_is_efault() {
    let _serial = crate::serial();
    let mut body = String::new();
    let calls = [
        ("$w1", 1), // fd_write(1)
        ("$r1", 0), // fd_read(0)
        ("$w0", 1),
        ("$r0", 0),
    ];
    for (k, (f, fd)) in calls.iter().enumerate() {
        body.push_str(&format!(
            "(if (i32.ne (call {f} (i32.const {fd}) (i32.const {ARRAY}) (i32.const 2) (i32.const {OUT})) (i32.const {EFAULT}))
               (then (call $exit (i32.const {}))))\n",
            k + 1
        ));
    }
    for (k, f) in ["$send", "$recv"].iter().enumerate() {
        let extra = if *f == "$recv" {
            format!("(i32.const 0) (i32.const {OUT}) (i32.const {})", OUT + 4)
        } else {
            format!("(i32.const 0) (i32.const {OUT})")
        };
        let fd = if *f == "$recv" { 0 } else { 1 };
        body.push_str(&format!(
            "(if (i32.ne (call {f} (i32.const {fd}) (i32.const {ARRAY}) (i32.const 2) {extra}) (i32.const {EFAULT}))
               (then (call $exit (i32.const {}))))\n",
            k + 10
        ));
    }
    let wat = format!(
        r#"(module
          (import "env" "memory" (memory {PAGES} {PAGES} shared))
          (import "{P1}" "fd_write" (func $w1 (param i32 i32 i32 i32) (result i32)))
          (import "{P1}" "fd_read" (func $r1 (param i32 i32 i32 i32) (result i32)))
          (import "{P0}" "fd_write" (func $w0 (param i32 i32 i32 i32) (result i32)))
          (import "{P0}" "fd_read" (func $r0 (param i32 i32 i32 i32) (result i32)))
          (import "{P1}" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
          (import "{P1}" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
          (import "{P1}" "proc_exit" (func $exit (param i32)))
          (func (export "_start")
            (i32.store (i32.const {ARRAY}) (i32.const {DATA}))
            (i32.store (i32.const {}) (i32.const 1))
            {body}
            (call $exit (i32.const 0))))"#,
        ARRAY + 4
    );
    let out = Run::wat(&wat, Backend::Sync).stdin("abc").threads().exec().unwrap();
    out.assert_exit(0);
    assert_eq!(out.stdout, b"", "no partial write");
}
