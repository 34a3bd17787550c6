//! Exit interrupts a write to a full stdout pipe (issue 12, defect 4): the
//! program's `proc_exit` in one thread ends the process promptly while
//! another thread (the main one, or a spawned one) is blocked writing to a
//! stdout pipe nobody reads. The latency is from the
//! guest's mark on stderr (written just before `proc_exit`) to the exit.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The writer fills stdout with 64 KiB writes forever; the other sleeps
/// 100 ms, writes "mark\n" to stderr and exits with 7.
fn program(main_writes: bool) -> String {
    let write_forever = "(i32.store (i32.const 16) (i32.const 4096)) (i32.store (i32.const 20) (i32.const 65536))
        (loop $l (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))) (br $l))";
    let mark_and_exit = "(call $sleep)
        (i32.store (i32.const 32) (i32.const 200)) (i32.store (i32.const 36) (i32.const 5))
        (drop (call $write (i32.const 2) (i32.const 32) (i32.const 1) (i32.const 40)))
        (call $exit (i32.const 7))";
    let (thread, main) = if main_writes {
        (mark_and_exit, format!("(call $spawn_one) {write_forever}"))
    } else {
        (write_forever, format!("(call $spawn_one) {mark_and_exit}"))
    };
    format!(
        r#"(module
  (import "env" "memory" (memory 2 2 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (data (i32.const 200) "mark\n")
  (func $sleep
    (i32.store (i32.const 528) (i32.const 1))
    (i64.store (i32.const 536) (i64.const 100000000))
    (drop (call $poll (i32.const 512) (i32.const 600) (i32.const 1) (i32.const 700))))
  (func $spawn_one
    (if (i32.le_s (call $spawn (i32.const 0)) (i32.const 0)) (then unreachable)))
  (func (export "wasi_thread_start") (param i32 i32) {thread})
  (func (export "_start") {main}))"#
    )
}

/// Runs the program with stdout a pipe nobody reads; returns the exit
/// status and the latency from the mark to the exit.
fn run(main_writes: bool, stdio: &str) -> (Option<i32>, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full_pipe.wat");
    std::fs::write(&path, program(main_writes)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasi-compat"))
        .args(["run", "--stdio", stdio])
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Hold stdout open, never reading it.
    let _stdout = child.stdout.take();
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        let mut seen = Vec::new();
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            if seen.windows(5).any(|w| w == b"mark\n") {
                let _ = tx.send(Instant::now());
                break;
            }
        }
        let _ = std::io::copy(&mut stderr, &mut std::io::sink());
    });
    let t0 = Instant::now();
    let mark = rx.recv_timeout(Duration::from_secs(20));
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t0.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("stdio {stdio}, main writes {main_writes}: still running after 20 s");
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let end = Instant::now();
    let mark = mark.expect("the guest wrote its mark");
    (status.code(), end.duration_since(mark))
}

#[test]
fn exit_interrupts_a_write_to_a_full_stdout_pipe() {
    // `--stdio p2` serves stdout through the bridge from a stream whose
    // writes never block (wasmtime-wasi's own writes with `write_all`).
    for stdio in ["os", "p2"] {
        for main_writes in [true, false] {
            let who = if main_writes { "main" } else { "a thread" };
            let mut lat = Vec::new();
            for _ in 0..3 {
                let (code, l) = run(main_writes, stdio);
                assert_eq!(code, Some(7), "stdio {stdio}, {who} blocked in write");
                lat.push(l);
            }
            lat.sort();
            println!(
                "stdio {stdio}, {who} blocked writing a full pipe: exit latency median {:?}, max {:?}",
                lat[1], lat[2]
            );
            assert!(
                lat[1] < Duration::from_millis(100),
                "stdio {stdio}, {who}: median {:?}",
                lat[1]
            );
            assert!(
                lat[2] < Duration::from_secs(1),
                "stdio {stdio}, {who}: max {:?}",
                lat[2]
            );
        }
    }
}

/// One `fd_write` of 200 000 bytes to a stdout pipe that is read slowly
/// (so it fills) writes everything, as `write(2)` does on a blocking pipe,
/// in an unthreaded program (the fast path hands it to the general one).
#[test]
fn a_big_write_to_a_slow_stdout_pipe_is_whole() {
    let wat = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 8)
  (func (export "_start")
    (i32.store (i32.const 16) (i32.const 4096))
    (i32.store (i32.const 20) (i32.const 200000))
    (if (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)) (then (call $exit (i32.const 1))))
    (if (i32.ne (i32.load (i32.const 24)) (i32.const 200000)) (then (call $exit (i32.const 2))))
    (call $exit (i32.const 0))))"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big_write.wat");
    std::fs::write(&path, wat).unwrap();
    for stdio in ["os", "p2"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wasi-compat"))
            .args(["run", "--stdio", stdio])
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "stdio {stdio}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(bytes.len(), 200_000, "stdio {stdio}");
    }
}
