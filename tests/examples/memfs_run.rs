//! `memfs_run [--env K=V]... [--dir HOST::GUEST]... MODULE [ARGS]...`: runs
//! a `wasm32-wasip1` module like `wasmtime run`, with every `--dir` copied
//! into an in-memory tree (`wasi-common-compat-memfs`) instead of preopened
//! from the host. Nothing the guest does reaches the host directory.
//!
//! It takes the command lines of the official wasi-testsuite's runner, so
//! the suite can run with memfs preopens:
//! `python3 wasi-testsuite-run.py DIR "$PWD/target/release/examples/memfs_run"`.
//! Exit status: the guest's, 134 for a trap, 2 for a bad command line.

use wasi_common_compat::I32Exit;
use wasi_common_compat_memfs::{Config, MemFs};
use wasmtime::{Engine, Linker, Module, Store};

fn main() {
    std::process::exit(match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {e:?}");
            134
        }
    });
}

fn run() -> wasmtime::Result<i32> {
    let mut args = std::env::args().skip(1);
    let mut builder = wasi_common_compat_sync::WasiCtxBuilder::new().inherit_stdio();
    let module_path = loop {
        match args.next().as_deref() {
            Some("--env") => {
                let kv = args.next().unwrap_or_default();
                let (k, v) = kv.split_once('=').unwrap_or((&kv, ""));
                builder = builder.env(k, v)?;
            }
            Some("--dir") => {
                let spec = args.next().unwrap_or_default();
                let (host, guest) = spec.split_once("::").unwrap_or((&spec, &spec));
                let tree = MemFs::from_host_dir(Config::new(), host)?;
                builder = builder.preopened_memfs(tree, guest);
            }
            Some(m) => break m.to_owned(),
            None => {
                eprintln!("usage: memfs_run [--env K=V]... [--dir HOST::GUEST]... MODULE [ARGS]...");
                return Ok(2);
            }
        }
    };
    builder = builder.arg(&module_path)?.args(args)?;
    let engine = Engine::default();
    let module = Module::from_file(&engine, &module_path)?;
    let mut linker = Linker::new(&engine);
    wasi_common_compat_sync::add_to_linker(&mut linker, |cx| cx)?;
    let mut store = Store::new(&engine, builder.build()?);
    let instance = linker.instantiate(&mut store, &module)?;
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(0),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(exit.0 & 0xff),
            None => Err(e),
        },
    }
}
