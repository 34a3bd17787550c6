//! Waits at the process's descriptor limit (defect 8), and `poll_oneoff`
//! with more subscriptions than `RLIMIT_NOFILE` naming one host descriptor
//! (defect 9). Runs in a child process with `ulimit -n 256` (this test
//! binary running only `fd_limit_child`), so that no other test shares the
//! exhausted descriptor table.

use std::process::Command;
use wasi_common_compat_tests::*;

const CHILD_ENV: &str = "WCC_FD_LIMIT_CHILD";
/// Subscriptions on one host descriptor: more than the child's limit.
const SUBS: u32 = 600;

/// The guest: 1. opens "." until the host says `EMFILE`; 2. sleeps 1 ms;
/// 3. polls `SUBS` read subscriptions on the listener (fd 4) and a 10 ms
/// clock; 4. closes what it opened; 5. polls again. Exit status 0 if every
/// step worked, else the number of the failed step (10 + ... for details).
fn guest() -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 100) ".")
  ;; a relative monotonic clock of $ns at $at, userdata $ud
  (func $clock (param $at i32) (param $ud i64) (param $ns i64)
    (i64.store (local.get $at) (local.get $ud))
    (i32.store8 (i32.add (local.get $at) (i32.const 8)) (i32.const 0))
    (i32.store (i32.add (local.get $at) (i32.const 16)) (i32.const 1))
    (i64.store (i32.add (local.get $at) (i32.const 24)) (local.get $ns))
    (i64.store (i32.add (local.get $at) (i32.const 32)) (i64.const 0))
    (i32.store16 (i32.add (local.get $at) (i32.const 40)) (i32.const 0)))
  ;; SUBS fd_read subscriptions on fd 4 and one 10 ms clock (userdata 9999)
  (func $many (param $step i32) (local $i i32) (local $at i32)
    (loop $l
      (local.set $at (i32.add (i32.const 4096) (i32.mul (local.get $i) (i32.const 48))))
      (i64.store (local.get $at) (i64.extend_i32_u (i32.add (local.get $i) (i32.const 1))))
      (i32.store8 (i32.add (local.get $at) (i32.const 8)) (i32.const 1))
      (i32.store (i32.add (local.get $at) (i32.const 16)) (i32.const 4))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const {SUBS}))))
    (call $clock (i32.add (i32.const 4096) (i32.const {clock_at})) (i64.const 9999) (i64.const 10000000))
    (if (call $poll (i32.const 4096) (i32.const 40000) (i32.const {n}) (i32.const 104))
      (then (call $exit (i32.add (i32.const 10) (local.get $step)))))
    (if (i32.ne (i32.load (i32.const 104)) (i32.const 1))
      (then (call $exit (i32.add (i32.const 20) (local.get $step)))))
    (if (i64.ne (i64.load (i32.const 40000)) (i64.const 9999))
      (then (call $exit (i32.add (i32.const 30) (local.get $step))))))
  (func (export "_start") (local $e i32) (local $n i32) (local $fd i32)
    (block $full (loop $l
      (local.set $e (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 1)
        (i32.const 2) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 108)))
      (br_if $full (local.get $e))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $l)))
    ;; EMFILE
    (if (i32.ne (local.get $e) (i32.const 33)) (then (call $exit (i32.const 1))))
    (if (i32.lt_u (local.get $n) (i32.const 10)) (then (call $exit (i32.const 1))))
    (call $clock (i32.const 2048) (i64.const 7) (i64.const 1000000))
    (if (call $poll (i32.const 2048) (i32.const 2200) (i32.const 1) (i32.const 104))
      (then (call $exit (i32.const 2))))
    (call $many (i32.const 3))
    (local.set $fd (i32.const 5))
    (loop $c
      (drop (call $close (local.get $fd)))
      (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
      (br_if $c (i32.lt_u (local.get $fd) (i32.add (local.get $n) (i32.const 5)))))
    (call $many (i32.const 5))))"#,
        clock_at = SUBS * 48,
        n = SUBS + 1,
    )
}

per_backend!(waits_work_at_the_fd_limit, |backend| {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 256 && exec \"$0\" --exact fd_limit::fd_limit_child --ignored --nocapture --test-threads=1")
        .arg(exe)
        .env(CHILD_ENV, backend.name())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("fd limit held") && stdout.contains("1 passed"),
        "the child failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
});

#[test]
#[ignore = "run alone in a child process by waits_work_at_the_fd_limit"]
fn fd_limit_child() {
    let Ok(name) = std::env::var(CHILD_ENV) else {
        eprintln!("not started by waits_work_at_the_fd_limit: nothing tested");
        return;
    };
    let backend = *Backend::ALL.iter().find(|b| b.name() == name).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let out = Run::wat(&guest(), backend)
        .sandbox()
        .listener(listener)
        .timeout(std::time::Duration::from_secs(20))
        .exec()
        .unwrap();
    out.assert_exit(0);
    println!("fd limit held on {backend}");
}
