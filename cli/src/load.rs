//! From the command line to a compiled module: the engine configuration
//! (`-O`/`-C`/`-W` through `wasmtime-cli-flags`, the compilation cache on
//! by default as in `wasmtime run`, what threaded modules need), reading the
//! module (`.wasm`, `.wat`, `.cwasm`, `-` for stdin), compiling it, and the
//! `--preload` modules.

use crate::options::RunArgs;
use crate::wasi_opts::WasiPlan;
use std::borrow::Cow;
use std::path::Path;
use wasmtime::error::Context as _;
use wasmtime::{Config, Engine, Module, Precompiled, Result, bail};

/// A compiled module and the engine it was compiled for.
pub struct Loaded {
    pub engine: Engine,
    pub module: Module,
    /// True if the module runs as a wasi-threads program: it imports
    /// `wasi::thread-spawn` or a shared memory (or `-S threads=y` says so).
    pub threaded: bool,
    /// The `--preload` modules, compiled for the same engine.
    pub preloads: Vec<(String, Module)>,
}

/// Reads `path` (`-` is stdin).
/// Errors: the file cannot be read.
pub fn read_module(path: &Path) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .context("failed to read the module from stdin")?;
        return Ok(bytes);
    }
    std::fs::read(path).with_context(|| format!("failed to open wasm module {path:?}"))
}

/// True if the module imports `wasi::thread-spawn` or a shared memory. Only
/// the sections before the code are read.
fn imports_threads(wasm: &[u8]) -> Result<bool> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload? {
            wasmparser::Payload::ImportSection(imports) => {
                for i in imports.into_imports() {
                    let i = i?;
                    let spawn = i.module == "wasi" && matches!(i.name, "thread-spawn" | "thread_spawn");
                    let shared = matches!(i.ty, wasmparser::TypeRef::Memory(m) if m.shared);
                    if spawn || shared {
                        return Ok(true);
                    }
                }
                return Ok(false);
            }
            wasmparser::Payload::FunctionSection(_)
            | wasmparser::Payload::MemorySection(_)
            | wasmparser::Payload::ExportSection(_)
            | wasmparser::Payload::CodeSectionStart { .. } => return Ok(false),
            _ => {}
        }
    }
    Ok(false)
}

/// The engine configuration `args` asks for. Must run before anything reads
/// `args.common`'s fields (it fills them in from `-O`/`-W`/... and
/// `--config`). `-W timeout` turns on epoch interruption, as in `wasmtime
/// run`.
/// Errors: an option is invalid or needs a Wasmtime feature not built in,
/// or the cache configuration cannot be read.
pub fn engine_config(args: &mut RunArgs) -> Result<Config> {
    let mut config = args.common.config(None)?;
    if args.common.wasm.timeout.is_some() {
        config.epoch_interruption(true);
    }
    Ok(config)
}

/// What threaded programs need on top of `base`, unless the command line
/// turned the threads proposals off explicitly (`w` is its `-W` options).
fn threaded_config(w: &wasmtime_cli_flags::WasmOptions, base: &Config) -> Config {
    let mut config = base.clone();
    if w.threads != Some(false) && w.shared_memory != Some(false) {
        wasi_common_compat_threads::configure(&mut config);
    } else {
        config.epoch_interruption(true);
    }
    config
}

/// The core wasm of a `.wasm` or `.wat` file's `bytes`, and whether it runs
/// as a wasi-threads program (`-S threads` if given, else its imports).
/// Errors: the text does not parse, or it is a component.
fn core_module<'a>(path: &Path, bytes: &'a [u8], threads: Option<bool>) -> Result<(Cow<'a, [u8]>, bool)> {
    let wasm = wat::parse_bytes(bytes).with_context(|| format!("failed to parse {}", path.display()))?;
    if wasmparser::Parser::is_component(&wasm) {
        bail!("{}", COMPONENTS);
    }
    let threaded = match threads {
        Some(t) => t,
        None => imports_threads(&wasm)?,
    };
    Ok((wasm, threaded))
}

/// Loads and compiles the module of `args` (and its `--preload`s) with the
/// configuration `base` (from [`engine_config`]).
/// Errors: the file cannot be read; it is a component; it is precompiled
/// without `--allow-precompiled`, or for another configuration; it does
/// not validate or compile.
pub fn load(args: &RunArgs, plan: &WasiPlan, base: &Config) -> Result<Loaded> {
    let path = args.module();
    let bytes = read_module(path)?;
    let (engine, module, threaded) = match Engine::detect_precompiled(&bytes) {
        Some(Precompiled::Component) => bail!("{}", COMPONENTS),
        Some(Precompiled::Module) => {
            if !args.allow_precompiled {
                bail!("running a precompiled module requires the `--allow-precompiled` flag");
            }
            let (engine, module) = deserialize(args, plan, base, &bytes)?;
            let threaded = match plan.threads {
                Some(t) => t,
                None => wasi_common_compat_threads::is_threaded(&module),
            };
            (engine, module, threaded)
        }
        None => {
            let (wasm, threaded) = core_module(path, &bytes, plan.threads)?;
            let config = if threaded {
                threaded_config(&args.common.wasm, base)
            } else {
                base.clone()
            };
            let engine = Engine::new(&config)?;
            let module = Module::new(&engine, &wasm)?;
            (engine, module, threaded)
        }
    };
    if threaded && let Some(why) = wasi_common_compat_threads::diagnose(&module) {
        bail!("{why}");
    }
    let mut preloads = Vec::new();
    for (name, path) in &args.preloads {
        let bytes = read_module(path)?;
        let m = match Engine::detect_precompiled(&bytes) {
            Some(Precompiled::Module) if args.allow_precompiled => precompiled(&engine, &bytes)?,
            Some(_) => bail!("`--preload {name}`: a precompiled file needs `--allow-precompiled` and must be a module"),
            None => Module::new(&engine, wat::parse_bytes(&bytes)?)
                .with_context(|| format!("failed to compile preload `{name}` at `{}`", path.display()))?,
        };
        preloads.push((name.clone(), m));
    }
    Ok(Loaded {
        engine,
        module,
        threaded,
        preloads,
    })
}

const COMPONENTS: &str =
    "this is a WebAssembly component: wasi-compat runs preview1 core modules (run components with `wasmtime run`)";

/// A `.cwasm` on the engine it was compiled for: tried with `base` first,
/// then with the threaded configuration (`wasi-compat compile` compiles
/// threaded modules with it).
fn deserialize(args: &RunArgs, plan: &WasiPlan, base: &Config, bytes: &[u8]) -> Result<(Engine, Module)> {
    let engine = Engine::new(base)?;
    let first = match precompiled(&engine, bytes) {
        Ok(m) => return Ok((engine, m)),
        Err(e) => e,
    };
    if plan.threads == Some(false) {
        return Err(first);
    }
    let engine = Engine::new(&threaded_config(&args.common.wasm, base))?;
    match precompiled(&engine, bytes) {
        Ok(m) => Ok((engine, m)),
        Err(_) => Err(first),
    }
}

/// Deserializes a precompiled module.
/// Errors: it was compiled by another Wasmtime version or for another
/// configuration (the artifact records them and Wasmtime checks).
#[allow(
    unsafe_code,
    reason = "loading a precompiled module the user vouched for with --allow-precompiled"
)]
fn precompiled(engine: &Engine, bytes: &[u8]) -> Result<Module> {
    // SAFETY: `Module::deserialize` trusts that `bytes` is an artifact made
    // by `Engine::precompile_module` (it checks the version and the
    // configuration, not the machine code). Running a `.cwasm` takes
    // `--allow-precompiled`, with which the user vouches for the file, as
    // with `wasmtime run --allow-precompiled`.
    unsafe { Module::deserialize(engine, bytes) }
}

/// `wasi-compat compile`: the arguments.
#[derive(clap::Args)]
pub struct CompileArgs {
    #[command(flatten)]
    pub common: wasmtime_cli_flags::CommonOptions,

    /// Where to write the compiled module (default: the input's name with
    /// the extension `.cwasm`).
    #[arg(short = 'o', long, value_name = "OUTPUT")]
    pub output: Option<std::path::PathBuf>,

    /// The module to compile (`.wasm` or `.wat`).
    #[arg(value_name = "MODULE")]
    pub module: std::path::PathBuf,
}

/// Compiles a module ahead of time into a `.cwasm` that `wasi-compat run
/// --allow-precompiled` (and `wasmtime run --allow-precompiled`, on the
/// same Wasmtime version and settings) runs without compiling. A threaded
/// module (one importing `wasi::thread-spawn` or a shared memory) is
/// compiled with the settings threaded programs run with.
/// Errors: the module cannot be read, is a component, does not validate,
/// or the output cannot be written.
pub fn compile(mut args: CompileArgs) -> Result<()> {
    let mut config = args.common.config(None)?;
    let bytes = read_module(&args.module)?;
    let (wasm, threaded) = core_module(&args.module, &bytes, args.common.wasi.threads)?;
    if threaded {
        config = threaded_config(&args.common.wasm, &config);
    }
    let engine = Engine::new(&config)?;
    let compiled = engine.precompile_module(&wasm)?;
    let output = args
        .output
        .take()
        .unwrap_or_else(|| args.module.with_extension("cwasm"));
    std::fs::write(&output, compiled).with_context(|| format!("failed to write {}", output.display()))?;
    Ok(())
}
