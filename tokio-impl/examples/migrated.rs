//! An embedding written for `wasi-common` 46 on tokio, after its migration to
//! `wasi-common-compat` (see MIGRATION.md): an async store on a
//! `current_thread` runtime, a preopened directory, arguments and
//! environment, the linker, the run, and the guest's exit status.
//!
//! ```sh
//! cargo run --release -p wasi-common-compat-tokio --example migrated -- [MODULE.wasm] [ARGS]...
//! ```
//!
//! Without a module it runs a small built-in guest that prints its
//! arguments, one per line, and exits with their number as its status (so
//! `-- - a b` prints `-`, `a`, `b` and exits with 3). The comments marked
//! "46:" show what each step was before.

use wasi_common_compat::I32Exit;
use wasmtime::{Config, Engine, Linker, Module, Store};

/// Prints its arguments (`args_get`, then the NULs turned into newlines) and
/// calls `proc_exit(argc)`.
const BUILT_IN_GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 2)
  (func (export "_start")
    (local $i i32) (local $end i32)
    ;; argc at 0, the size of the strings at 4; pointers at 1024, strings at 4096.
    (if (call $sizes (i32.const 0) (i32.const 4)) (then unreachable))
    (if (i32.gt_u (i32.load (i32.const 0)) (i32.const 768)) (then unreachable))
    (if (i32.gt_u (i32.load (i32.const 4)) (i32.const 65536)) (then unreachable))
    (if (call $args (i32.const 1024) (i32.const 4096)) (then unreachable))
    (local.set $i (i32.const 4096))
    (local.set $end (i32.add (i32.const 4096) (i32.load (i32.const 4))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (if (i32.eqz (i32.load8_u (local.get $i))) (then (i32.store8 (local.get $i) (i32.const 10))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    ;; one iovec at 16 over the strings; the count written lands at 24.
    (i32.store (i32.const 16) (i32.const 4096))
    (i32.store (i32.const 20) (i32.load (i32.const 4)))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
    (call $exit (i32.load (i32.const 0)))))"#;

/// The status `wasmtime run` gives a trap (128 + SIGABRT), which
/// `wasi_common::maybe_exit_on_error` used too.
const TRAP_STATUS: i32 = 134;

#[tokio::main(flavor = "current_thread")]
async fn main() -> wasmtime::Result<()> {
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.is_empty() {
        argv.push("-".to_owned());
    }
    // 46: the same (the wasmtime types did not change with the migration).
    let engine = Engine::new(&Config::new())?;
    let module = match argv[0].as_str() {
        "-" => Module::new(&engine, BUILT_IN_GUEST)?,
        path => Module::from_file(&engine, path)?,
    };

    // 46: let mut linker = Linker::new(&engine);
    //     wasi_common::tokio::add_to_linker(&mut linker, |cx| cx)?;
    let mut linker: Linker<wasi_common_compat::WasiCtx> = Linker::new(&engine);
    wasi_common_compat_tokio::add_to_linker(&mut linker, |cx| cx)?;

    // 46: a `&mut self` builder, a cap-std directory, an infallible build:
    //     let dir = cap_std::fs::Dir::open_ambient_dir(".", cap_std::ambient_authority())?;
    //     let ctx = wasi_common::tokio::WasiCtxBuilder::new()
    //         .inherit_stdio()
    //         .args(&argv)?
    //         .env("GREETING", "hello")?
    //         .preopened_dir(dir, ".")?
    //         .build();
    // Now: the builder is taken and returned by value, the directory is
    // opened from its host path, and `build` returns a `Result`. This is the
    // tokio crate's own builder: its context waits through tokio.
    let ctx = wasi_common_compat_tokio::WasiCtxBuilder::new()
        .inherit_stdio()
        .args(&argv)?
        .env("GREETING", "hello")?
        .preopened_dir(".", ".")?
        .build()?;

    // 46: the same calls.
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate_async(&mut store, &module).await?;
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
    let result = start.call_async(&mut store, ()).await;

    // 46: `wasi_common::maybe_exit_on_error(e)` (feature `exit`) exited the
    // process for an `I32Exit` or a trap. There is no such function now:
    // take the status from `I32Exit` (`proc_exit`), give a trap its own.
    let status = match result {
        Ok(()) => 0,
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(I32Exit(status)) => *status,
            None if e.is::<wasmtime::Trap>() => {
                eprintln!("Error: {e:?}");
                TRAP_STATUS
            }
            None => return Err(e),
        },
    };
    // Drop the store (and its files) before exiting.
    drop(store);
    std::process::exit(status)
}
