//! The wasi-threads proposal's cases, as WAT programs run through
//! [`WasiThreads`]: spawning (and failing to), and a program ending from the
//! main thread or another one while the rest are blocked in
//! `memory.atomic.wait`, busy, or inside a WASI call (a sleep, a read).

use wasi_common_compat::pipe::ReadPipe;
use wasi_common_compat::{I32Exit, WasiCtx};
use wasi_common_compat_threads::{ThreadsOptions, WasiThreads, configure};
use wasmtime::{Config, Engine, Linker, Module};

/// Memory layout: 0 = the thread's "I am in position" flag; 4 = the tid the
/// thread saw; 8 = the start argument it saw; 16.. = scratch for WASI calls.
fn program(main_tail: &str, thread_body: &str, spawn_check: bool) -> String {
    format!(
        r#"(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (func $sleep (param $ns i64)
    ;; each thread sleeps with its own scratch (by tid parity of the flag)
    (local $b i32)
    (local.set $b (select (i32.const 1024) (i32.const 2048) (i32.atomic.load (i32.const 12))))
    (i32.atomic.store (i32.const 12) (i32.const 1))
    (i64.store (local.get $b) (i64.const 0))
    (i32.store8 (i32.add (local.get $b) (i32.const 8)) (i32.const 0))
    (i32.store (i32.add (local.get $b) (i32.const 16)) (i32.const 1))
    (i64.store (i32.add (local.get $b) (i32.const 24)) (local.get $ns))
    (i64.store (i32.add (local.get $b) (i32.const 32)) (i64.const 0))
    (i32.store16 (i32.add (local.get $b) (i32.const 40)) (i32.const 0))
    (if (call $poll (local.get $b) (i32.add (local.get $b) (i32.const 64)) (i32.const 1) (i32.add (local.get $b) (i32.const 96)))
      (then unreachable)))
  (func $read_stdin
    (i32.store (i32.const 16) (i32.const 256))
    (i32.store (i32.const 20) (i32.const 16))
    (drop (call $read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24))))
  (func $block_forever
    (drop (memory.atomic.wait32 (i32.const 200) (i32.const 0) (i64.const -1))))
  (func $busy_forever (loop $l (br $l)))
  (func $in_position
    (i32.atomic.store (i32.const 0) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1))))
  (func $await_position
    (block $done (loop $l
      (br_if $done (i32.atomic.load (i32.const 0)))
      (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 1000000)))
      (br $l))))
  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (i32.store (i32.const 4) (local.get $tid))
    (i32.store (i32.const 8) (local.get $arg))
    {thread_body})
  (func (export "_start") (local $tid i32)
    (local.set $tid (call $spawn (i32.const 12345)))
    {check}
    {main_tail}))"#,
        check = if spawn_check {
            "(if (i32.le_s (local.get $tid) (i32.const 0)) (then unreachable))"
        } else {
            ""
        },
    )
}

struct Outcome {
    status: Result<i32, String>,
    live_after: u32,
}

fn run_with(wat: &str, stdin: Option<ReadPipe>, opts: ThreadsOptions, engine: &Engine) -> Outcome {
    let module = Module::new(engine, wat).unwrap();
    let mut linker: Linker<WasiCtx> = Linker::new(engine);
    wasi_common_compat::linker::add_to_linker_sync(&mut linker, |cx| cx).unwrap();
    let program = WasiThreads::new(engine, &module, linker, |cx| cx, |cx: &WasiCtx| cx.clone(), opts).unwrap();
    let mut b = wasi_common_compat_sync::WasiCtxBuilder::new();
    if let Some(p) = stdin {
        b = b.stdin(Box::new(p));
    }
    let status = match program.run(b.build().unwrap()) {
        Ok(()) => Ok(0),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(x) => Ok(x.0),
            None => Err(format!("{e:?}")),
        },
    };
    Outcome {
        status,
        live_after: program.live_threads(),
    }
}

fn engine() -> Engine {
    let mut c = Config::new();
    configure(&mut c);
    Engine::new(&c).unwrap()
}

fn run(wat: &str) -> Outcome {
    let (pipe, writer) = ReadPipe::channel(16);
    let out = run_with(wat, Some(pipe), ThreadsOptions::default(), &engine());
    drop(writer);
    out
}

const BLOCK: &str = "(call $in_position) (call $block_forever)";
const BUSY: &str = "(call $in_position) (call $busy_forever)";
const WASI_SLEEP: &str = "(call $in_position) (call $sleep (i64.const 60000000000))";
const WASI_READ: &str = "(call $in_position) (call $read_stdin)";

#[test]
fn spawn_passes_tid_and_argument() {
    let wat = program(
        "(call $await_position)
         (if (i32.ne (i32.load (i32.const 4)) (local.get $tid)) (then unreachable))
         (if (i32.ne (i32.load (i32.const 8)) (i32.const 12345)) (then unreachable))
         (if (i32.gt_u (local.get $tid) (i32.const 0x1FFFFFFF)) (then unreachable))
         (call $exit (i32.const 22))",
        "(call $in_position)",
        true,
    );
    let o = run(&wat);
    assert_eq!(o.status, Ok(22));
    assert_eq!(o.live_after, 0);
}

#[test]
fn spawn_without_entry_point_fails_and_program_continues() {
    let wat = r#"(module
      (import "env" "memory" (memory 1 1 shared))
      (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (func (export "_start")
        (if (i32.ge_s (call $spawn (i32.const 0)) (i32.const 0)) (then unreachable))
        (call $exit (i32.const 7))))"#;
    assert_eq!(run(wat).status, Ok(7));
    // An entry point of the wrong type is no entry point either.
    let wat = r#"(module
      (import "env" "memory" (memory 1 1 shared))
      (import "wasi" "thread_spawn" (func $spawn (param i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (func (export "wasi_thread_start") (param i32))
      (func (export "_start")
        (if (i32.ge_s (call $spawn (i32.const 0)) (i32.const 0)) (then unreachable))
        (call $exit (i32.const 8))))"#;
    assert_eq!(run(wat).status, Ok(8));
}

#[test]
fn spawn_beyond_the_cap_fails_with_eagain() {
    let wat = program(
        "(call $await_position)
         ;; a second thread is over the cap of 1
         (if (i32.ne (call $spawn (i32.const 0)) (i32.const -6)) (then unreachable))
         (call $exit (i32.const 5))",
        BLOCK,
        true,
    );
    let opts = ThreadsOptions {
        max_threads: 1,
        ..ThreadsOptions::default()
    };
    let (pipe, _w) = ReadPipe::channel(1);
    let o = run_with(&wat, Some(pipe), opts, &engine());
    assert_eq!(o.status, Ok(5));
    assert_eq!(o.live_after, 0);
}

fn exit_from_main_while_thread(state: &str) {
    let wat = program(
        "(call $await_position) (call $sleep (i64.const 20000000)) (call $exit (i32.const 99))",
        state,
        true,
    );
    let o = run(&wat);
    assert_eq!(o.status, Ok(99), "thread state: {state}");
    assert_eq!(o.live_after, 0, "every thread stopped (thread state: {state})");
}

#[test]
fn exit_from_main_while_thread_blocks_in_atomic_wait() {
    exit_from_main_while_thread(BLOCK);
}

#[test]
fn exit_from_main_while_thread_is_busy() {
    exit_from_main_while_thread(BUSY);
}

#[test]
fn exit_from_main_while_thread_sleeps_in_wasi() {
    exit_from_main_while_thread(WASI_SLEEP);
}

#[test]
fn exit_from_main_while_thread_reads_stdin() {
    exit_from_main_while_thread(WASI_READ);
}

fn exit_from_thread_while_main(state: &str) {
    let wat = program(
        &format!("(call $await_position) {}", state.replace("(call $in_position) ", "")),
        "(call $in_position) (call $sleep (i64.const 20000000)) (call $exit (i32.const 98))",
        true,
    );
    let o = run(&wat);
    assert_eq!(o.status, Ok(98), "main state: {state}");
    assert_eq!(o.live_after, 0);
}

#[test]
fn exit_from_thread_while_main_blocks_in_atomic_wait() {
    exit_from_thread_while_main(BLOCK);
}

#[test]
fn exit_from_thread_while_main_is_busy() {
    exit_from_thread_while_main(BUSY);
}

#[test]
fn exit_from_thread_while_main_sleeps_in_wasi() {
    exit_from_thread_while_main(WASI_SLEEP);
}

#[test]
fn exit_from_thread_while_main_reads_stdin() {
    exit_from_thread_while_main(WASI_READ);
}

fn return_from_main_while_thread(state: &str) {
    let wat = program("(call $await_position) (call $sleep (i64.const 20000000))", state, true);
    let o = run(&wat);
    assert_eq!(
        o.status,
        Ok(0),
        "returning from _start ends the program with 0 ({state})"
    );
    assert_eq!(o.live_after, 0);
}

#[test]
fn return_from_main_while_thread_blocks() {
    return_from_main_while_thread(BLOCK);
}

#[test]
fn return_from_main_while_thread_is_busy() {
    return_from_main_while_thread(BUSY);
}

#[test]
fn return_from_main_while_thread_sleeps() {
    return_from_main_while_thread(WASI_SLEEP);
}

#[test]
fn return_from_main_while_thread_reads_stdin() {
    return_from_main_while_thread(WASI_READ);
}

#[test]
fn a_thread_returning_ends_alone() {
    let wat = program(
        "(call $await_position) (call $sleep (i64.const 20000000)) (call $exit (i32.const 3))",
        "(call $in_position)",
        true,
    );
    assert_eq!(run(&wat).status, Ok(3));
}

#[test]
fn a_trapping_thread_ends_the_program_with_its_trap() {
    let wat = program(
        "(call $block_forever)",
        "(call $sleep (i64.const 10000000)) unreachable",
        true,
    );
    let o = run(&wat);
    let err = o.status.unwrap_err();
    assert!(
        err.contains("unreachable"),
        "the program ends with the thread's trap: {err}"
    );
    assert_eq!(o.live_after, 0);
}

#[test]
fn two_programs_in_one_host_one_traps_the_other_completes() {
    let engine = engine();
    let trapping = program(
        "(call $block_forever)",
        "(call $sleep (i64.const 30000000)) unreachable",
        true,
    );
    let healthy = program(
        "(call $await_position) (call $sleep (i64.const 100000000)) (call $exit (i32.const 11))",
        "(call $in_position) (call $busy_forever)",
        true,
    );
    let (e1, e2) = (engine.clone(), engine.clone());
    let a = std::thread::spawn(move || {
        let (pipe, _w) = ReadPipe::channel(1);
        run_with(&trapping, Some(pipe), ThreadsOptions::default(), &e1)
    });
    let b = std::thread::spawn(move || {
        let (pipe, _w) = ReadPipe::channel(1);
        run_with(&healthy, Some(pipe), ThreadsOptions::default(), &e2)
    });
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    assert!(a.status.is_err(), "the first program trapped");
    assert_eq!(
        b.status,
        Ok(11),
        "the second is unaffected by the first's trap (and its epoch bump)"
    );
    assert_eq!((a.live_after, b.live_after), (0, 0));
}

#[test]
fn shared_fd_table_across_threads() {
    // The thread opens nothing, but closes stdin (fd 0); the main thread then
    // sees EBADF on fd_read(0): one table for all threads.
    let wat = program(
        "(call $await_position)
         (i32.store (i32.const 16) (i32.const 256))
         (i32.store (i32.const 20) (i32.const 4))
         (if (i32.ne (call $read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)) (i32.const 8))
           (then unreachable))
         (call $exit (i32.const 4))",
        "(drop (call $close (i32.const 0))) (call $in_position)",
        true,
    )
    .replace(
        r#"(import "wasi_snapshot_preview1" "fd_read""#,
        r#"(import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read""#,
    );
    assert_eq!(run(&wat).status, Ok(4));
}
