//! The reference host of `diff`: `wasmtime-wasi` 48's preview1 (and its
//! `wasi_unstable`), in this process on the same engine and compiled module,
//! or an external command taking `wasmtime run`-style flags (`--against`).

use crate::determinism::{DiffClock, DiffRandom};
use crate::exec::{CAPTURE_LIMIT, Outcome};
use crate::load::Loaded;
use std::io::Write as _;
use std::process::{Command, Stdio};
use wasmtime::error::Context as _;
use wasmtime::{Linker, Result, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};

/// What a reference run gives back.
pub struct Ran {
    pub outcome: Outcome,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// The inputs of one reference run, as [`crate::exec::Setup`] gives ours.
pub struct RefSetup<'a> {
    pub argv: &'a [String],
    pub env: &'a [(String, String)],
    /// Preopens (host, guest), read-write.
    pub dirs: &'a [(String, String)],
    pub stdin: &'a [u8],
    pub clock: DiffClock,
    pub random: DiffRandom,
    pub seed: u64,
}

/// Runs `loaded` on wasmtime-wasi's preview1 with what `setup` says.
/// Errors: the module is threaded (wasmtime-wasi 48 has no wasi-threads), or
/// the context could not be built (a preopen did not open).
pub fn run_wasmtime_wasi(loaded: &Loaded, setup: &RefSetup<'_>) -> Result<Ran> {
    if loaded.threaded {
        wasmtime::bail!("the reference host (wasmtime-wasi 48) cannot run threaded modules; use --against");
    }
    let (out, err) = (
        MemoryOutputPipe::new(CAPTURE_LIMIT),
        MemoryOutputPipe::new(CAPTURE_LIMIT),
    );
    let mut b = wasmtime_wasi::WasiCtxBuilder::new();
    b.args(setup.argv)
        .envs(setup.env)
        .stdin(MemoryInputPipe::new(setup.stdin.to_vec()))
        .stdout(out.clone())
        .stderr(err.clone())
        .wall_clock(setup.clock)
        .monotonic_clock(setup.clock.monotonic())
        .secure_random(setup.random.clone())
        .insecure_random(DiffRandom::new(setup.seed ^ 0x5555))
        .insecure_random_seed(u128::from(setup.seed));
    for (host, guest) in setup.dirs {
        b.preopened_dir(host, guest, wasmtime_wasi::FsPerms::ReadWrite)
            .with_context(|| format!("failed to open directory {host:?}"))?;
    }
    let ctx = b.build_p1();
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&loaded.engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |cx| cx)?;
    wasmtime_wasi::p0::add_to_linker_sync(&mut linker, |cx| cx)?;
    let mut store = Store::new(&loaded.engine, ctx);
    let result = (|| {
        let instance = linker.instantiate(&mut store, &loaded.module)?;
        if let Some(init) = instance.get_func(&mut store, "_initialize") {
            init.typed::<(), ()>(&store)?.call(&mut store, ())?;
        }
        let entry = instance
            .get_func(&mut store, "")
            .or_else(|| instance.get_func(&mut store, "_start"));
        match entry {
            Some(f) => f.typed::<(), ()>(&store)?.call(&mut store, ()),
            None => Ok(()),
        }
    })();
    let outcome = match result {
        Err(e) if e.downcast_ref::<wasmtime_wasi::I32Exit>().is_some() => {
            let status = e.downcast_ref::<wasmtime_wasi::I32Exit>().map_or(0, |x| x.0);
            Outcome::Exit(status)
        }
        r => Outcome::of(r),
    };
    drop(store);
    Ok(Ran {
        outcome,
        stdout: out.contents().to_vec(),
        stderr: err.contents().to_vec(),
    })
}

/// Runs `CMD [--dir HOST::GUEST]... [--env NAME=VALUE]... MODULE ARGS...`
/// with `stdin` piped in. `cmd` is split on white space (the first word is
/// the program). The outcome is the process's exit status (134 counts as a
/// trap, a death by signal as a trap too). Errors: the command did not start.
pub fn run_command(
    cmd: &str,
    module: &std::path::Path,
    guest_args: &[String],
    env: &[(String, String)],
    dirs: &[(String, String)],
    stdin: &[u8],
) -> Result<Ran> {
    let mut words = cmd.split_whitespace();
    let Some(program) = words.next() else {
        wasmtime::bail!("--against needs a command");
    };
    let mut c = Command::new(program);
    c.args(words);
    for (host, guest) in dirs {
        c.arg("--dir").arg(format!("{host}::{guest}"));
    }
    for (k, v) in env {
        c.arg("--env").arg(format!("{k}={v}"));
    }
    c.arg(module).args(guest_args);
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().with_context(|| format!("failed to start {program}"))?;
    if let Some(mut pipe) = child.stdin.take() {
        let bytes = stdin.to_vec();
        // Fed from a thread, so a child that does not read stdin cannot
        // block us while its output pipes fill.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let output = child.wait_with_output()?;
    let outcome = match output.status.code() {
        Some(134) | None => Outcome::Trap(wasmtime::format_err!("{program} exited with {}", output.status)),
        Some(code) => Outcome::Exit(code),
    };
    Ok(Ran {
        outcome,
        stdout: output.stdout,
        stderr: output.stderr,
    })
}
