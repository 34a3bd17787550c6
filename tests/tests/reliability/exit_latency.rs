//! Item 2: `proc_exit` or a trap in any thread ends the whole program
//! within 100 ms whatever the other threads are doing. Each case runs a
//! program whose one thread gets into position (busy, parked in
//! `memory.atomic.wait`, sleeping, in `poll_oneoff`, reading a pipe stdin,
//! accepting or receiving on a socket, just spawned) while the other ends
//! the program; the latency is from the host function `mark`, called just
//! before the end, to the return of `WasiThreads::run`.

use crate::threads::run_program_with;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasi_common_compat::WasiCtx;
use wasi_common_compat::pipe::ReadPipe;
use wasi_common_compat_threads::ThreadsOptions;
use wasmtime::Linker;

/// The blocking part of each case (run by the thread in position).
const CASES: &[(&str, &str)] = &[
    ("busy", "(loop $l (br $l))"),
    (
        "memory.atomic.wait",
        "(loop $l (drop (memory.atomic.wait32 (i32.const 600) (i32.const 0) (i64.const -1))) (br $l))",
    ),
    ("sleep", "(call $sleep (i32.const 2048) (i64.const 3600000000000))"),
    ("poll_oneoff on stdin and a clock", "(call $poll_stdin)"),
    ("fd_read of stdin", "(call $read_stdin)"),
    (
        "sock_accept",
        "(drop (call $accept (i32.const 3) (i32.const 0) (i32.const 700)))",
    ),
    ("sock_recv waitall", "(call $recv_waitall)"),
    // In these two cases fd 3 is a directory holding the FIFOs "r" and
    // "w", whose other ends nobody opens (and the listener is fd 4).
    (
        "path_open of a FIFO for reading",
        "(call $open_fifo (i32.const 100) (i64.const 2))",
    ),
    (
        "path_open of a FIFO for writing",
        "(call $open_fifo (i32.const 104) (i64.const 64))",
    ),
];

fn program(block: &str, exiter_is_main: bool, end: &str) -> String {
    let (thread, main) = if exiter_is_main {
        (
            format!("(call $in_position) {block}"),
            format!(
                "(call $spawn_one) (call $await_position) (call $sleep (i32.const 1024) (i64.const 20000000)) (call $mark) {end}"
            ),
        )
    } else {
        (
            format!("(call $await_position) (call $sleep (i32.const 1024) (i64.const 20000000)) (call $mark) {end}"),
            format!("(call $spawn_one) (call $in_position) {block}"),
        )
    };
    format!(
        r#"(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "host" "mark" (func $mark))
  (data (i32.const 100) "r")
  (data (i32.const 104) "w")
  ;; opens the one-byte path at $path with rights $rights (fd_read or
  ;; fd_write), blocking (no fdflags)
  (func $open_fifo (param $path i32) (param $rights i64)
    (drop (call $open (i32.const 3) (i32.const 1) (local.get $path) (i32.const 1) (i32.const 0)
      (local.get $rights) (i64.const 0) (i32.const 0) (i32.const 108))))
  (func $clock (param $at i32) (param $ns i64)
    (i64.store (local.get $at) (i64.const 0))
    (i32.store8 (i32.add (local.get $at) (i32.const 8)) (i32.const 0))
    (i32.store (i32.add (local.get $at) (i32.const 16)) (i32.const 1))
    (i64.store (i32.add (local.get $at) (i32.const 24)) (local.get $ns))
    (i64.store (i32.add (local.get $at) (i32.const 32)) (i64.const 0))
    (i32.store16 (i32.add (local.get $at) (i32.const 40)) (i32.const 0)))
  (func $sleep (param $at i32) (param $ns i64)
    (call $clock (local.get $at) (local.get $ns))
    (drop (call $poll (local.get $at) (i32.add (local.get $at) (i32.const 128)) (i32.const 1) (i32.add (local.get $at) (i32.const 256)))))
  (func $poll_stdin
    (call $clock (i32.const 3000) (i64.const 3600000000000))
    (i64.store (i32.const 3048) (i64.const 1))
    (i32.store8 (i32.const 3056) (i32.const 1))
    (i32.store (i32.const 3064) (i32.const 0))
    (drop (call $poll (i32.const 3000) (i32.const 3200) (i32.const 2) (i32.const 3300))))
  (func $read_stdin
    (i32.store (i32.const 16) (i32.const 256))
    (i32.store (i32.const 20) (i32.const 16))
    (drop (call $read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24))))
  (func $recv_waitall
    (if (call $accept (i32.const 3) (i32.const 0) (i32.const 700)) (then unreachable))
    (i32.store (i32.const 800) (i32.const 900))
    (i32.store (i32.const 804) (i32.const 64))
    (drop (call $recv (i32.load (i32.const 700)) (i32.const 800) (i32.const 1) (i32.const 2) (i32.const 810) (i32.const 814))))
  (func $spawn_one
    (if (i32.le_s (call $spawn (i32.const 0)) (i32.const 0)) (then unreachable)))
  (func $in_position
    (i32.atomic.store (i32.const 0) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1))))
  (func $await_position
    (block $done (loop $l
      (br_if $done (i32.atomic.load (i32.const 0)))
      (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 1000000)))
      (br $l))))
  (func (export "wasi_thread_start") (param i32 i32) {thread})
  (func (export "_start") {main}))"#
    )
}

/// Spawns four threads doing `block` and ends the program at once.
fn just_spawned(block: &str, end: &str) -> String {
    format!(
        r#"(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "host" "mark" (func $mark))
  (func (export "wasi_thread_start") (param i32 i32) {block})
  (func (export "_start")
    (drop (call $spawn (i32.const 0)))
    (drop (call $spawn (i32.const 0)))
    (drop (call $spawn (i32.const 0)))
    (drop (call $spawn (i32.const 0)))
    (call $mark) {end}))"#
    )
}

/// Runs one program; returns the latency from `mark` to `run` returning.
fn latency(case: &str, wat: &str, expect_exit: Option<i32>) -> Duration {
    let marked: Arc<Mutex<Option<Instant>>> = Arc::default();
    let m = marked.clone();
    let extra = move |l: &mut Linker<WasiCtx>| {
        l.func_wrap("host", "mark", move || {
            *m.lock().unwrap() = Some(Instant::now());
        })
        .unwrap();
    };
    // stdin: a pipe nobody writes; fd 3: a listener.
    let (stdin, _writer) = ReadPipe::channel(64);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // Only the receiving case has a client: `sock_accept` must block.
    let connect = case.starts_with("sock_recv");
    let client = std::thread::spawn(move || {
        if connect {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(b"abc").unwrap();
            std::thread::sleep(Duration::from_secs(3));
        }
    });
    let fifos = tempfile::tempdir().unwrap();
    for name in ["r", "w"] {
        let st = std::process::Command::new("mkfifo")
            .arg(fifos.path().join(name))
            .status()
            .unwrap();
        assert!(st.success(), "mkfifo");
    }
    let mut builder = wasi_common_compat_sync::WasiCtxBuilder::new().stdin(Box::new(stdin));
    if case.starts_with("path_open") {
        builder = builder.preopened_dir(fifos.path(), "fifos").unwrap();
    }
    let ctx = builder.preopened_socket(listener).unwrap().build().unwrap();
    let opts = ThreadsOptions {
        shutdown_grace: Duration::from_secs(5),
        ..ThreadsOptions::default()
    };
    let (r, _took, left) = run_program_with(wat, extra, opts, ctx);
    let end = Instant::now();
    match expect_exit {
        Some(0) => assert!(r.is_ok(), "{case}: {r:?}"),
        Some(code) => {
            let e = r.unwrap_err_or_else(case);
            assert_eq!(
                e.downcast_ref::<wasi_common_compat::I32Exit>().map(|e| e.0),
                Some(code),
                "{case}: {e:?}"
            );
        }
        None => assert!(
            r.as_ref()
                .is_err_and(|e| e.downcast_ref::<wasi_common_compat::I32Exit>().is_none()),
            "{case}: a trap, got {r:?}"
        ),
    }
    assert_eq!(left, 0, "threads left running");
    drop(client); // not joined: it holds its connection a while
    let at = marked.lock().unwrap().expect("mark was called");
    end.duration_since(at)
}

trait UnwrapErr {
    fn unwrap_err_or_else(self, case: &str) -> wasmtime::Error;
}

impl UnwrapErr for wasmtime::Result<()> {
    fn unwrap_err_or_else(self, case: &str) -> wasmtime::Error {
        match self {
            Ok(()) => panic!("{case}: expected an exit status, the program succeeded"),
            Err(e) => e,
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Generous for a loaded CI machine; the median must meet the 100 ms bound.
const HARD_CAP: Duration = Duration::from_secs(1);
const BOUND: Duration = Duration::from_millis(100);
const RUNS: usize = 5;

#[test]
fn exit_latency_is_bounded_in_every_case() {
    let _serial = crate::serial();
    let mut report = Vec::new();
    let mut worst = Duration::ZERO;
    for (name, block) in CASES {
        for (who, main_exits) in [("main exits", true), ("a thread exits", false)] {
            for (how, end, expect) in [
                ("proc_exit(7)", "(call $exit (i32.const 7))", Some(7)),
                ("trap", "unreachable", None),
            ] {
                let case = format!("{name}, {who}, {how}");
                let runs: Vec<Duration> = (0..RUNS)
                    .map(|_| latency(&case, &program(block, main_exits, end), expect))
                    .collect();
                let max = *runs.iter().max().unwrap();
                let med = median(runs);
                worst = worst.max(max);
                report.push(format!(
                    "{name:34} {who:15} {how:12} median {med:>10.2?} max {max:>10.2?}"
                ));
                assert!(med < BOUND, "{name}, {who}, {how}: median {med:?}");
                assert!(max < HARD_CAP, "{name}, {who}, {how}: max {max:?}");
            }
        }
    }
    for (name, block) in [("busy", CASES[0].1), ("memory.atomic.wait", CASES[1].1)] {
        for (how, end, expect) in [
            ("returns", "", Some(0)),
            ("proc_exit(7)", "(call $exit (i32.const 7))", Some(7)),
            ("trap", "unreachable", None),
        ] {
            let case = format!("just spawned {name}, main {how}");
            let runs: Vec<Duration> = (0..RUNS)
                .map(|_| latency(&case, &just_spawned(block, end), expect))
                .collect();
            let max = *runs.iter().max().unwrap();
            let med = median(runs);
            worst = worst.max(max);
            report.push(format!(
                "just spawned, {name:20} main {how:15} median {med:>10.2?} max {max:>10.2?}"
            ));
            assert!(med < BOUND, "just spawned {name}, {how}: median {med:?}");
            assert!(max < HARD_CAP, "just spawned {name}, {how}: max {max:?}");
        }
    }
    println!("exit latency, {RUNS} runs per case (mark -> run returns):");
    for line in report {
        println!("  {line}");
    }
    println!("  worst: {worst:?}");
}
