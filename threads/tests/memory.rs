//! A threaded module that imports its shared memory without exporting it:
//! every WASI call of every thread must find the memory `WasiThreads` gave
//! the context, on the fast path (one iovec) and the general path (five),
//! call after call (the handle is lent to each call and put back).

use wasi_common_compat::WasiCtx;
use wasi_common_compat::pipe::WritePipe;
use wasi_common_compat_threads::{ThreadsOptions, WasiThreads, configure};
use wasmtime::{Config, Engine, Linker, Module};

/// Memory: 0 = the thread's done flag; 64.. = iovecs; 256.. = the bytes
/// "abcde"; 512 = nwritten.
const WAT: &str = r#"(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (data (i32.const 256) "abcde")
  ;; writes "a" with one iovec (the fast path) at iovec array $at
  (func $one (param $at i32)
    (i32.store (local.get $at) (i32.const 256))
    (i32.store (i32.add (local.get $at) (i32.const 4)) (i32.const 1))
    (if (call $write (i32.const 1) (local.get $at) (i32.const 1) (i32.add (local.get $at) (i32.const 100)))
      (then unreachable))
    (if (i32.ne (i32.load (i32.add (local.get $at) (i32.const 100))) (i32.const 1)) (then unreachable)))
  ;; writes "abcde" with five one-byte iovecs (the general path)
  (func $five (param $at i32) (local $i i32)
    (loop $l
      (i32.store (i32.add (local.get $at) (i32.mul (local.get $i) (i32.const 8)))
                 (i32.add (i32.const 256) (local.get $i)))
      (i32.store (i32.add (i32.add (local.get $at) (i32.mul (local.get $i) (i32.const 8))) (i32.const 4))
                 (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 5))))
    (if (call $write (i32.const 1) (local.get $at) (i32.const 5) (i32.add (local.get $at) (i32.const 100)))
      (then unreachable))
    (if (i32.ne (i32.load (i32.add (local.get $at) (i32.const 100))) (i32.const 5)) (then unreachable)))
  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (call $one (i32.const 1024))
    (call $five (i32.const 1024))
    (call $one (i32.const 1024))
    (i32.atomic.store (i32.const 0) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1))))
  (func (export "_start")
    (call $one (i32.const 64))
    (call $five (i32.const 64))
    (call $one (i32.const 64))
    (if (i32.le_s (call $spawn (i32.const 0)) (i32.const 0)) (then unreachable))
    (block $done (loop $l
      (br_if $done (i32.atomic.load (i32.const 0)))
      (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 1000000)))
      (br $l)))
    (call $one (i32.const 64))))"#;

/// A threads engine and the module of [`WAT`].
fn engine_and_module() -> (Engine, Module) {
    let mut c = Config::new();
    configure(&mut c);
    let engine = Engine::new(&c).unwrap();
    let module = Module::new(&engine, WAT).unwrap();
    (engine, module)
}

/// Runs the module as a threaded program on the sync backend with `ctx`.
fn run(engine: &Engine, module: &Module, ctx: WasiCtx) {
    let mut linker: Linker<WasiCtx> = Linker::new(engine);
    wasi_common_compat_sync::add_to_linker(&mut linker, |cx| cx).unwrap();
    let program = WasiThreads::new(
        engine,
        module,
        linker,
        |cx| cx,
        |cx: &WasiCtx| cx.clone(),
        ThreadsOptions::default(),
    )
    .unwrap();
    program.run(ctx).unwrap();
}

#[test]
fn imported_shared_memory_serves_every_call_of_every_thread() {
    let (engine, module) = engine_and_module();
    assert!(
        module.exports().all(|e| e.name() != "memory"),
        "the module must not export its memory"
    );
    let out = WritePipe::new_in_memory();
    let ctx = wasi_common_compat_sync::WasiCtxBuilder::new()
        .stdout(Box::new(out.clone()))
        .build()
        .unwrap();
    run(&engine, &module, ctx);
    assert_eq!(String::from_utf8(out.contents()).unwrap(), "aabcdeaaabcdeaa");
}

/// The open host descriptors of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

#[test]
fn a_finished_program_releases_its_context() {
    let (engine, module) = engine_and_module();
    let dir = std::env::temp_dir();
    let run_once = || {
        let ctx = wasi_common_compat_sync::WasiCtxBuilder::new()
            .stdout(Box::new(WritePipe::new_in_memory()))
            .preopened_dir(&dir, "/tmp")
            .unwrap()
            .build()
            .unwrap();
        run(&engine, &module, ctx);
    };
    run_once();
    let before = open_fds();
    for _ in 0..20 {
        run_once();
    }
    let after = open_fds();
    assert!(
        after < before + 5,
        "each finished program kept descriptors open: {before} -> {after}"
    );
}
