//! Defect 10: on tokio, `poll_oneoff` polled an in-process source once per
//! subscription on every wakeup, so 65 536 subscriptions on one bridged
//! stdin made each wakeup cost 65 536 polls (`--runtime tokio --stdio p2`:
//! 65 536 subscriptions and a 200 ms clock took 3.4 s). Each distinct
//! source must be polled once per round: here a stdin that is never ready
//! counts its polls while the guest waits on 65 536 read subscriptions of
//! it and a 50 ms clock.

use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use wasi_common_compat::{FileType, Interest, Pollable, ReadySource, WasiCtx, WasiFile};
use wasmtime::{Config, Engine, Linker, Module, Store};

struct NeverReady(Arc<AtomicU64>);

impl ReadySource for NeverReady {
    fn poll_ready(&self, _interest: Interest, _cx: &mut Context<'_>) -> Poll<()> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Poll::Pending
    }
}

impl WasiFile for NeverReady {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn get_filetype(&self) -> wasi_common_compat::Result<FileType> {
        Ok(FileType::CharacterDevice)
    }
    fn pollable(&self) -> Pollable<'_> {
        Pollable::Source(self)
    }
}

const N: u32 = 65_536;

fn guest() -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 100)
  (func (export "_start") (local $i i32) (local $at i32)
    (loop $l
      (local.set $at (i32.mul (local.get $i) (i32.const 48)))
      (i32.store8 (i32.add (local.get $at) (i32.const 8)) (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const {last}))))
    (local.set $at (i32.mul (i32.const {last}) (i32.const 48)))
    (i64.store (local.get $at) (i64.const 99))
    (i32.store (i32.add (local.get $at) (i32.const 16)) (i32.const 1))
    (i64.store (i32.add (local.get $at) (i32.const 24)) (i64.const 50000000))
    (if (call $poll (i32.const 0) (i32.const 4000000) (i32.const {N}) (i32.const 6000000))
      (then (call $exit (i32.const 1))))
    (if (i32.ne (i32.load (i32.const 6000000)) (i32.const 1)) (then (call $exit (i32.const 2))))
    (if (i64.ne (i64.load (i32.const 4000000)) (i64.const 99)) (then (call $exit (i32.const 3))))
    (call $exit (i32.const 0))))"#,
        last = N - 1
    )
}

#[test]
fn tokio_polls_each_source_once_per_round() {
    let _serial = crate::serial();
    let polls = Arc::new(AtomicU64::new(0));
    let engine = Engine::new(&Config::new()).unwrap();
    let module = Module::new(&engine, guest()).unwrap();
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    wasi_common_compat_tokio::add_to_linker(&mut linker, |cx| cx).unwrap();
    let ctx = wasi_common_compat_tokio::builder()
        .stdin(Box::new(NeverReady(polls.clone())))
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut store = Store::new(&engine, ctx);
    let r = rt.block_on(async {
        let inst = linker.instantiate_async(&mut store, &module).await?;
        let start = inst.get_typed_func::<(), ()>(&mut store, "_start")?;
        start.call_async(&mut store, ()).await
    });
    let e = r.expect_err("the guest exits");
    let code = e.downcast_ref::<wasi_common_compat::I32Exit>().map(|e| e.0);
    assert_eq!(code, Some(0), "{e:?}");
    let n = polls.load(Ordering::Relaxed);
    println!("{N} subscriptions on one source: {n} polls of it");
    assert!(n < u64::from(N), "the source was polled {n} times");
}
