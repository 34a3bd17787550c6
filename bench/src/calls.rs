//! Wasmtime's own cost of one host call on this machine, from a
//! synchronous and from an async store: the part of the tokio column's
//! ratio to sync that no WASI host can remove.
//!
//! A WAT module calls an import with `fd_write`'s signature (four `i32`s,
//! one `i32` back) in a loop. The sync store's import is a `func_wrap`
//! closure answering 0; the async store's is a `func_wrap_async` closure
//! answering 0 with a zero-sized ready future (what this project's async
//! fast path returns), driven by `call_async` on a current_thread runtime.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;
use wasmtime::{Caller, Engine, Linker, Module, Result, Store};

const WAT: &str = r#"
(module
  (import "h" "f" (func $f (param i32 i32 i32 i32) (result i32)))
  (func (export "run") (param $n i32) (local $i i32)
    (loop $l
      (drop (call $f (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 32)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))))
"#;

/// The ready answer 0, zero-sized.
struct Zero;

impl Future for Zero {
    type Output = Result<i32>;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(Ok(0))
    }
}

/// Nanoseconds per call, medians of `runs` interleaved runs of `calls`
/// calls: (sync, async).
pub fn measure(calls: u32, runs: usize) -> Result<(f64, f64)> {
    let engine = Engine::default();
    let module = Module::new(&engine, WAT)?;
    let mut sync: Linker<()> = Linker::new(&engine);
    sync.func_wrap(
        "h",
        "f",
        |_: Caller<'_, ()>, _: i32, _: i32, _: i32, _: i32| -> Result<i32> { Ok(0) },
    )?;
    let mut asy: Linker<()> = Linker::new(&engine);
    asy.func_wrap_async("h", "f", |_: Caller<'_, ()>, _: (i32, i32, i32, i32)| {
        let f: Box<dyn Future<Output = Result<i32>> + Send> = Box::new(Zero);
        f
    })?;
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let (mut s, mut a) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        let mut store = Store::new(&engine, ());
        let run = sync
            .instantiate(&mut store, &module)?
            .get_typed_func::<i32, ()>(&mut store, "run")?;
        let t = Instant::now();
        run.call(&mut store, calls as i32)?;
        s.push(t.elapsed().as_nanos() as f64 / f64::from(calls));

        let ns = rt.block_on(async {
            let mut store = Store::new(&engine, ());
            let run = asy
                .instantiate_async(&mut store, &module)
                .await?
                .get_typed_func::<i32, ()>(&mut store, "run")?;
            let t = Instant::now();
            run.call_async(&mut store, calls as i32).await?;
            Ok::<_, wasmtime::Error>(t.elapsed().as_nanos() as f64 / f64::from(calls))
        })?;
        a.push(ns);
    }
    Ok((median(&mut s), median(&mut a)))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
