//! File I/O from many threads over one fd table.

use std::fs;
use wasi_common_compat_tests::expected::{check_fs_pool, check_thread_lines};
use wasi_common_compat_tests::*;

threads_test!(threads_fs_pool, |run| {
    let out = run.sandbox().exec().unwrap();
    out.assert_exit(0)
        .assert_stderr("")
        .assert_stdout("- pool\n- results\njobs 48, kept 16, log 3072 bytes\ndone\n");
    assert_eq!(out.threads_left, 0);
    check_fs_pool(out.sandbox.as_ref().unwrap().path(), 48).unwrap();
});

threads_test!(threads_stdout_lines, |run| {
    for mode in ["raw", "std"] {
        let out = Run::threads_guest("threads_stdout_lines").arg(mode).exec().unwrap();
        out.assert_exit(0).assert_stderr("12 threads wrote 150 lines each\n");
        if let Err(e) = check_thread_lines(&out.stdout, mode, 12, 150) {
            panic!("{mode}: {e}");
        }
        assert_eq!(out.threads_left, 0);
    }
    // The checker itself catches a torn line.
    let out = run.arg("raw").exec().unwrap();
    let mut torn = out.stdout.clone();
    let at = torn.iter().position(|&b| b == b'\n').unwrap() / 2;
    torn.insert(at, b'\n');
    assert!(check_thread_lines(&torn, "raw", 12, 150).is_err());
});

threads_test!(threads_fd_race, |run| {
    let out = run.sandbox().exec().unwrap();
    out.assert_sections(&[
        "close races reads",
        "two threads close one fd",
        "close races writes",
        "the table afterwards",
    ]);
    assert_eq!(out.threads_left, 0);
    let sandbox = out.sandbox.as_ref().unwrap().path();
    for i in 0..8 {
        assert_eq!(
            fs::read(sandbox.join(format!("new-{i}"))).unwrap(),
            format!("file {i}").into_bytes()
        );
    }
});

threads_test!(threads_fd_shared, |run| {
    let out = run.sandbox().exec().unwrap();
    out.assert_sections(&[
        "opened on one thread, used on another",
        "a directory opened on a thread",
        "fd_fdstat_set_flags on another thread",
        "renumber and close seen across threads",
    ]);
    assert_eq!(out.threads_left, 0);
    let sandbox = out.sandbox.as_ref().unwrap().path();
    for i in 0..4 {
        assert_eq!(
            fs::read(sandbox.join(format!("f{i}"))).unwrap(),
            format!("written by another thread to f{i}").into_bytes()
        );
    }
    assert_eq!(fs::read(sandbox.join("sub/inner")).unwrap(), b"in sub");
    assert_eq!(fs::read(sandbox.join("ra")).unwrap(), b"to ra");
    let flags = fs::read(sandbox.join("flags")).unwrap();
    assert_eq!(&flags[..12], b"zz23456789AB", "{:?}", String::from_utf8_lossy(&flags));
});

/// Small reads and writes on shared memory (the threaded fast path) and
/// the cases it leaves to the general path, in one program: `_start`
/// creates "f" in the sandbox (fd 3) and exits with the number of the
/// first check that failed (0: all passed).
const SHARED_SMALL_IO: &str = r#"(module
  (import "env" "memory" (memory 2 2 shared))
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (data (i32.const 100) "f")
  (data (i32.const 200) "hello")
  (data (i32.const 300) " world!")
  (func $check (param $ok i32) (param $n i32)
    (if (i32.eqz (local.get $ok)) (then (call $exit (local.get $n)))))
  (func (export "_start") (local $fd i32)
    ;; creat | trunc, read and write
    (call $check (i32.eqz (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 1)
      (i32.const 9) (i64.const 66) (i64.const 0) (i32.const 0) (i32.const 108))) (i32.const 1))
    (local.set $fd (i32.load (i32.const 108)))
    ;; three iovecs: "hello", an empty one, " world!"
    (i32.store (i32.const 0) (i32.const 200)) (i32.store (i32.const 4) (i32.const 5))
    (i32.store (i32.const 8) (i32.const 250)) (i32.store (i32.const 12) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 300)) (i32.store (i32.const 20) (i32.const 7))
    (call $check (i32.eqz (call $write (local.get $fd) (i32.const 0) (i32.const 3) (i32.const 40))) (i32.const 2))
    (call $check (i32.eq (i32.load (i32.const 40)) (i32.const 12)) (i32.const 3))
    ;; a buffer past the end of memory: EFAULT, nothing written
    (i32.store (i32.const 24) (i32.const 131070)) (i32.store (i32.const 28) (i32.const 4))
    (call $check (i32.eq (call $write (local.get $fd) (i32.const 24) (i32.const 1) (i32.const 40)) (i32.const 21)) (i32.const 4))
    ;; 5000 bytes (more than PIPE_BUF: the general path)
    (i32.store (i32.const 24) (i32.const 10000)) (i32.store (i32.const 28) (i32.const 5000))
    (call $check (i32.eqz (call $write (local.get $fd) (i32.const 24) (i32.const 1) (i32.const 40))) (i32.const 5))
    (call $check (i32.eq (i32.load (i32.const 40)) (i32.const 5000)) (i32.const 6))
    ;; read the first 12 bytes back into 60000
    (call $check (i32.eqz (call $seek (local.get $fd) (i64.const 0) (i32.const 0) (i32.const 48))) (i32.const 7))
    (i32.store (i32.const 32) (i32.const 60000)) (i32.store (i32.const 36) (i32.const 12))
    (call $check (i32.eqz (call $read (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 40))) (i32.const 8))
    (call $check (i32.eq (i32.load (i32.const 40)) (i32.const 12)) (i32.const 9))
    (call $check (i32.eq (i32.load (i32.const 60000)) (i32.load (i32.const 200))) (i32.const 10))
    (call $check (i32.eq (i32.load8_u (i32.const 60004)) (i32.const 111)) (i32.const 10))
    (call $check (i32.eq (i32.load8_u (i32.const 60005)) (i32.const 32)) (i32.const 11))
    (call $check (i32.eq (i32.load (i32.const 60008)) (i32.load (i32.const 303))) (i32.const 12))
    ;; a result pointer outside memory is a trap (checked by the test)
    (drop (call $write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 131072)))
    (call $exit (i32.const 99))))"#;

#[test]
fn small_io_on_shared_memory_is_exact() {
    let out = Run::wat(SHARED_SMALL_IO, Backend::Sync)
        .sandbox()
        .threads()
        .exec()
        .unwrap();
    let msg = out.assert_trap().to_owned();
    assert!(msg.contains("out of bounds") || msg.contains("Pointer"), "{msg}");
    let bytes = fs::read(out.sandbox.as_ref().unwrap().path().join("f")).unwrap();
    assert_eq!(bytes.len(), 12 + 5000);
    assert_eq!(&bytes[..12], b"hello world!");
    // The last write (at the position after the read) took effect although
    // its result could not be written, as on Wasmtime's hosts.
    assert_eq!(&bytes[12..17], b"hello");
}
