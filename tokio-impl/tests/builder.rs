//! The tokio crate's `WasiCtxBuilder` gives contexts whose waits go through
//! tokio: a guest sleeping in `poll_oneoff` in an async store on a
//! `current_thread` runtime lets another task of that runtime run meanwhile.
//! The sync backend's builder, in the same place, blocks the thread (the
//! trap a crate rename from `wasi_common::tokio::WasiCtxBuilder` used to
//! fall into), which the control case checks, so the test tells the two
//! apart.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use wasi_common_compat::WasiCtx;
use wasmtime::{Config, Engine, Linker, Module, Store};

/// Sleeps 200 ms through a clock-only `poll_oneoff` (a relative monotonic
/// clock subscription), then returns.
const SLEEP_200MS: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i64.store (i32.const 0) (i64.const 7))            ;; userdata
    (i32.store8 (i32.const 8) (i32.const 0))           ;; eventtype clock
    (i32.store (i32.const 16) (i32.const 1))           ;; monotonic
    (i64.store (i32.const 24) (i64.const 200000000))   ;; 200 ms
    (i64.store (i32.const 32) (i64.const 0))           ;; precision
    (i32.store16 (i32.const 40) (i32.const 0))         ;; relative
    (if (call $poll (i32.const 0) (i32.const 256) (i32.const 1) (i32.const 1024))
      (then unreachable))))"#;

const SLEEP: Duration = Duration::from_millis(200);

/// Runs the sleeping guest with `ctx` in an async store on a fresh
/// `current_thread` runtime, with a task spawned on the same runtime that
/// sets a flag after 10 ms. Returns whether the flag was set when the
/// guest's call returned (read before anything else awaits), and how long
/// the call took.
fn other_task_ran_during_sleep(ctx: WasiCtx) -> (bool, Duration) {
    let engine = Engine::new(&Config::new()).unwrap();
    let module = Module::new(&engine, SLEEP_200MS).unwrap();
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    wasi_common_compat_tokio::add_to_linker(&mut linker, |cx| cx).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut store = Store::new(&engine, ctx);
        let instance = linker.instantiate_async(&mut store, &module).await.unwrap();
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        let other = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            flag.store(true, Ordering::SeqCst);
        });
        let t = Instant::now();
        start.call_async(&mut store, ()).await.unwrap();
        let elapsed = t.elapsed();
        let during = ran.load(Ordering::SeqCst);
        other.await.unwrap();
        (during, elapsed)
    })
}

#[test]
fn tokio_builder_context_waits_through_tokio() {
    for (name, ctx) in [
        (
            "WasiCtxBuilder::new()",
            wasi_common_compat_tokio::WasiCtxBuilder::new().build().unwrap(),
        ),
        ("builder()", wasi_common_compat_tokio::builder().build().unwrap()),
        (
            "WasiCtxBuilder::default() with stdio and args",
            wasi_common_compat_tokio::WasiCtxBuilder::default()
                .inherit_stdio()
                .args(["guest.wasm", "x"])
                .unwrap()
                .env("K", "v")
                .unwrap()
                .build()
                .unwrap(),
        ),
    ] {
        let (during, elapsed) = other_task_ran_during_sleep(ctx);
        assert!(elapsed >= SLEEP, "{name}: the guest slept only {elapsed:?}");
        assert!(during, "{name}: the other task did not run while the guest slept");
    }
}

#[test]
fn into_sync_keeps_the_tokio_scheduler() {
    let b: wasi_common_compat_sync::WasiCtxBuilder = wasi_common_compat_tokio::builder().into();
    let (during, _) = other_task_ran_during_sleep(b.build().unwrap());
    assert!(during, "From: the scheduler was lost");
    let b = wasi_common_compat_tokio::builder()
        .into_sync()
        .arg("guest.wasm")
        .unwrap();
    let (during, _) = other_task_ran_during_sleep(b.build().unwrap());
    assert!(during, "into_sync: the scheduler was lost");
}

/// The control: the sync backend's builder blocks the only thread for the
/// whole sleep, so the other task cannot run until the guest returns.
#[test]
fn sync_builder_context_blocks_the_thread() {
    let ctx = wasi_common_compat_sync::WasiCtxBuilder::new().build().unwrap();
    let (during, elapsed) = other_task_ran_during_sleep(ctx);
    assert!(elapsed >= SLEEP, "the guest slept only {elapsed:?}");
    assert!(!during, "the poll(2) scheduler unexpectedly yielded to the runtime");
}
