//! Calls that used to block the host thread where they must not:
//! `sock_recv(RECV_WAITALL)` on a non-blocking socket (defect 7), and
//! `path_filestat_set_times` following a symlink to a FIFO (defect 6).

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;
use wasi_common_compat_tests::*;

/// Accepts on fd 3 with `NONBLOCK` (retrying on `EAGAIN`), then receives
/// with `RECV_WAITALL` into 8 bytes (retrying on `EAGAIN`); the peer sent 3
/// and keeps the connection open. Exit 0 if the receive returned 1..8
/// bytes, not waiting for the rest.
const WAITALL_NONBLOCK: &str = r#"(module
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1 1)
  (func $nap
    (i64.store (i32.const 1024) (i64.const 0))
    (i32.store8 (i32.const 1032) (i32.const 0))
    (i32.store (i32.const 1040) (i32.const 1))
    (i64.store (i32.const 1048) (i64.const 1000000))
    (drop (call $poll (i32.const 1024) (i32.const 1100) (i32.const 1) (i32.const 1200))))
  (func (export "_start") (local $e i32)
    (block $ok (loop $l
      (local.set $e (call $accept (i32.const 3) (i32.const 4) (i32.const 200)))
      (br_if $ok (i32.eqz (local.get $e)))
      (if (i32.ne (local.get $e) (i32.const 6)) (then (call $exit (i32.const 1))))
      (call $nap)
      (br $l)))
    (i32.store (i32.const 300) (i32.const 400))
    (i32.store (i32.const 304) (i32.const 8))
    (block $got (loop $l
      (local.set $e (call $recv (i32.load (i32.const 200)) (i32.const 300) (i32.const 1)
        (i32.const 2) (i32.const 500) (i32.const 504)))
      (br_if $got (i32.eqz (local.get $e)))
      (if (i32.ne (local.get $e) (i32.const 6)) (then (call $exit (i32.const 2))))
      (call $nap)
      (br $l)))
    (if (i32.eqz (i32.load (i32.const 500))) (then (call $exit (i32.const 3))))
    (if (i32.ge_u (i32.load (i32.const 500)) (i32.const 8)) (then (call $exit (i32.const 4))))
    (call $exit (i32.const 0))))"#;

per_backend!(recv_waitall_on_a_nonblocking_socket_does_not_block, |backend| {
    let _serial = crate::serial();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let peer = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"abc").unwrap();
        // Keep the connection open (no end of stream) until the run is over.
        let _ = done_rx.recv_timeout(Duration::from_secs(30));
    });
    let out = Run::wat(WAITALL_NONBLOCK, backend)
        .listener(listener)
        .timeout(Duration::from_secs(10))
        .exec()
        .unwrap();
    drop(done_tx);
    peer.join().unwrap();
    out.assert_exit(0);
});

/// Sets the times of "fifo" and of "link" (a symlink to it), following
/// symlinks, to 10^18 ns; exit 1 or 2 on an error.
const SET_TIMES: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_filestat_set_times" (func $times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 100) "fifo")
  (data (i32.const 200) "link")
  (func (export "_start")
    (if (call $times (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 4)
          (i64.const 1000000000000000000) (i64.const 1000000000000000000) (i32.const 5))
      (then (call $exit (i32.const 1))))
    (if (call $times (i32.const 3) (i32.const 1) (i32.const 200) (i32.const 4)
          (i64.const 1000000000000000000) (i64.const 1000000000000000000) (i32.const 5))
      (then (call $exit (i32.const 2))))
    (call $exit (i32.const 0))))"#;

per_backend!(set_times_following_a_symlink_to_a_fifo_does_not_block, |backend| {
    let _serial = crate::serial();
    if matches!(backend, Backend::Memfs | Backend::WasmiMemfs) {
        // memfs holds no FIFOs (a copied-in tree skips special files), so
        // there is nothing to block on there.
        println!("not applicable on {backend:?}: memfs has no FIFOs");
        return;
    }
    let run = Run::wat(SET_TIMES, backend).sandbox().timeout(Duration::from_secs(10));
    let dir = run.sandbox_path().unwrap().to_path_buf();
    let st = std::process::Command::new("mkfifo")
        .arg(dir.join("fifo"))
        .status()
        .unwrap();
    assert!(st.success(), "mkfifo");
    std::os::unix::fs::symlink("fifo", dir.join("link")).unwrap();
    let out = run.exec().unwrap();
    out.assert_exit(0);
    let md = std::fs::symlink_metadata(dir.join("fifo")).unwrap();
    let mtime = md.modified().unwrap().duration_since(std::time::UNIX_EPOCH).unwrap();
    assert_eq!(mtime.as_secs(), 1_000_000_000, "the FIFO's own mtime was set");
    let link = std::fs::symlink_metadata(dir.join("link")).unwrap();
    let lmtime = link.modified().unwrap().duration_since(std::time::UNIX_EPOCH).unwrap();
    assert_ne!(lmtime.as_secs(), 1_000_000_000, "the link itself is untouched");
});
