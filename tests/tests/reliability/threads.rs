//! Threaded programs that used to leak or escape: an eventfd per thread
//! that ever waited, a panicking host function in a spawned thread, and
//! threads spawned just before the program ends.

use std::time::{Duration, Instant};
use wasi_common_compat::WasiCtx;
use wasi_common_compat_tests::*;
use wasi_common_compat_threads::{ThreadsOptions, WasiThreads, configure};
use wasmtime::{Config, Engine, Linker, Module};

pub(crate) fn engine() -> Engine {
    let mut config = Config::new();
    configure(&mut config);
    Engine::new(&config).unwrap()
}

/// Runs `wat` as a threaded program on the sync backend, with `extra`
/// adding host functions to the linker. Returns the result, how long
/// `run` took, and the threads left alive.
pub(crate) fn run_program(
    wat: &str,
    extra: impl FnOnce(&mut Linker<WasiCtx>),
    opts: ThreadsOptions,
) -> (wasmtime::Result<()>, Duration, u32) {
    let ctx = wasi_common_compat_sync::WasiCtxBuilder::new().build().unwrap();
    run_program_with(wat, extra, opts, ctx)
}

/// [`run_program`] with a given context.
pub(crate) fn run_program_with(
    wat: &str,
    extra: impl FnOnce(&mut Linker<WasiCtx>),
    opts: ThreadsOptions,
    ctx: WasiCtx,
) -> (wasmtime::Result<()>, Duration, u32) {
    let engine = engine();
    let module = Module::new(&engine, wat).unwrap();
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    wasi_common_compat_sync::add_to_linker(&mut linker, |cx| cx).unwrap();
    extra(&mut linker);
    let program = WasiThreads::new(&engine, &module, linker, |cx| cx, |cx: &WasiCtx| cx.clone(), opts).unwrap();
    let t0 = Instant::now();
    let r = program.run(ctx);
    (r, t0.elapsed(), program.live_threads())
}

/// Descriptors open in this process.
pub(crate) fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// `_start` spawns `n` threads one after another; each sleeps once in
/// `poll_oneoff` (1 us), then says it is done; the main thread waits for
/// it before the next spawn.
fn spawn_cycles(n: u32) -> String {
    format!(
        r#"(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "wasi_thread_start") (param i32 i32)
    (if (call $poll (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 160)) (then unreachable))
    (i32.atomic.store (i32.const 0) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1))))
  (func (export "_start") (local $i i32) (local $tid i32)
    ;; a relative monotonic clock subscription of 1000 ns at 64
    (i32.store (i32.const 80) (i32.const 1))
    (i64.store (i32.const 88) (i64.const 1000))
    (loop $next
      (i32.atomic.store (i32.const 0) (i32.const 0))
      (local.set $tid (call $spawn (i32.const 0)))
      ;; at the cap (a thread counts until its store is gone): try again
      (if (i32.le_s (local.get $tid) (i32.const 0))
        (then (drop (call $poll (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 160))) (br $next)))
      (block $done (loop $wait
        (br_if $done (i32.atomic.load (i32.const 0)))
        (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 100000000)))
        (br $wait)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const {n}))))))"#
    )
}

/// Defect 2: each thread that waited once left its eventfd open (its waker
/// stayed registered with the exit state). 1 500 such threads must leave
/// the process's descriptor count where it was.
#[test]
fn threads_that_waited_leave_no_eventfd() {
    let _serial = crate::serial();
    // Warm up (the engine's and runtime's own descriptors).
    let (r, _, _) = run_program(&spawn_cycles(10), |_| {}, ThreadsOptions::default());
    r.unwrap();
    let before = open_fds();
    let (r, took, left) = run_program(&spawn_cycles(1500), |_| {}, ThreadsOptions::default());
    r.unwrap();
    // Threads count out just before their OS thread is gone.
    std::thread::sleep(Duration::from_millis(100));
    let after = open_fds();
    println!("1500 threads that slept once: fds {before} -> {after}, {took:?}");
    assert_eq!(left, 0);
    // Other tests of this binary may hold a few descriptors meanwhile.
    assert!(
        after < before + 100,
        "descriptors grew from {before} to {after} over 1500 threads"
    );
}

/// Item 5: 10 000 spawn/exit cycles keep the host's descriptors and memory
/// flat.
#[test]
fn ten_thousand_spawn_cycles_stay_flat() {
    let _serial = crate::serial();
    let (r, _, _) = run_program(&spawn_cycles(200), |_| {}, ThreadsOptions::default());
    r.unwrap();
    let fds0 = open_fds();
    let (rss0, _, _) = memory_usage_kb().unwrap();
    let (r, took, left) = run_program(&spawn_cycles(10_000), |_| {}, ThreadsOptions::default());
    r.unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let fds1 = open_fds();
    let (rss1, _, _) = memory_usage_kb().unwrap();
    println!("10000 spawn/exit cycles in {took:?}: fds {fds0} -> {fds1}, RSS {rss0} kB -> {rss1} kB");
    assert_eq!(left, 0);
    assert!(fds1 < fds0 + 100, "descriptors grew from {fds0} to {fds1}");
    // A leak of a thread's store or stack (>= 8 KiB each) would be 80 MB.
    assert!(rss1 < rss0 + 32 * 1024, "RSS grew from {rss0} kB to {rss1} kB");
}

/// A host function that panics, called from a spawned thread (or the main
/// thread): the program ends as for a trap, promptly, and no thread is left
/// counted.
fn panicking_program(in_thread: bool) -> String {
    let (thread, main) = if in_thread {
        (
            "(call $boom)",
            "(if (i32.le_s (call $spawn (i32.const 0)) (i32.const 0)) (then unreachable))
             (loop $l (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 1000000))) (br $l))",
        )
    } else {
        ("", "(call $boom)")
    };
    format!(
        r#"(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "host" "boom" (func $boom))
  (func (export "wasi_thread_start") (param i32 i32) {thread})
  (func (export "_start") {main}))"#
    )
}

fn boom_host() {
    panic!("boom from the host")
}

fn boom(linker: &mut Linker<WasiCtx>) {
    linker.func_wrap("host", "boom", boom_host).unwrap();
}

/// Defect 3: a panicking host call in a spawned thread reported success
/// after the 5 s grace and leaked the live count.
#[test]
fn panicking_host_call_in_a_thread_is_a_trap() {
    let _serial = crate::serial();
    let (r, took, left) = run_program(&panicking_program(true), boom, ThreadsOptions::default());
    println!("host panic in a spawned thread: {took:?}");
    let e = r.expect_err("the program must fail");
    assert!(format!("{e:?}").contains("boom from the host"), "{e:?}");
    assert_eq!(left, 0, "the panicking thread counted out");
    assert!(took < Duration::from_secs(2), "ended after {took:?}, not at once");
}

#[test]
fn panicking_host_call_in_the_main_thread_is_a_trap() {
    let _serial = crate::serial();
    let (r, _, left) = run_program(&panicking_program(false), boom, ThreadsOptions::default());
    let e = r.expect_err("the program must fail");
    assert!(format!("{e:?}").contains("boom from the host"), "{e:?}");
    assert_eq!(left, 0);
}

/// Defect 5: `_start` spawns threads and returns (or traps) at once; the
/// threads set their epoch deadline after the one-time bump and kept
/// running. They must be stopped, and `run` must return with none left.
fn spawn_and_leave(thread: &str, main_end: &str) -> String {
    format!(
        r#"(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (func (export "wasi_thread_start") (param i32 i32) {thread})
  (func (export "_start")
    (drop (call $spawn (i32.const 0)))
    (drop (call $spawn (i32.const 0)))
    (drop (call $spawn (i32.const 0)))
    (drop (call $spawn (i32.const 0)))
    {main_end}))"#
    )
}

#[test]
fn threads_spawned_just_before_the_end_are_stopped() {
    let _serial = crate::serial();
    let busy = "(loop $l (br $l))";
    let wait = "(loop $l (drop (memory.atomic.wait32 (i32.const 64) (i32.const 0) (i64.const -1))) (br $l))";
    for (what, thread) in [("busy", busy), ("atomic.wait", wait)] {
        for (how, end, ok) in [("returns", "", true), ("traps", "unreachable", false)] {
            for _ in 0..5 {
                let opts = ThreadsOptions {
                    shutdown_grace: Duration::from_secs(5),
                    ..ThreadsOptions::default()
                };
                let (r, took, left) = run_program(&spawn_and_leave(thread, end), |_| {}, opts);
                println!("{what} threads, main {how}: run returned after {took:?}");
                assert_eq!(r.is_ok(), ok, "{what}/{how}: {r:?}");
                assert_eq!(left, 0, "{what}/{how}: threads left running");
                assert!(took < Duration::from_secs(1), "{what}/{how}: took {took:?}");
            }
        }
    }
}
