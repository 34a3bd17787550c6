//! The harness of the guest test suite.
//!
//! The build script compiles the guest programs in `guests/` for
//! `wasm32-wasip1`; [`GUESTS`] lists them and [`guest_path`] finds their
//! `.wasm` files. A [`Run`] executes one module (a guest, a file, or WAT text)
//! in-process against a [`Backend`] with the arguments, environment,
//! preopened directories, stdin and sockets it is given, captures stdout and
//! stderr, and returns an [`Outcome`]: the exit status (0 when `_start`
//! returns, the `proc_exit` status, or the trap) and the captured bytes.
//! A [`Session`] instantiates a module without running it, for calling
//! imports one by one through the real ABI and inspecting guest memory.
//!
//! The threaded guests ([`THREADS_GUESTS`], built for
//! `wasm32-wasip1-threads`) run through `wasi-common-compat-threads`'s
//! [`WasiThreads`] on the sync backend: [`Run::threads_guest`] (or
//! [`Run::threads`] for any module), with [`threads_test!`] making their
//! tests.
//!
//! Tests run on every backend: [`guest_test!`] and [`per_backend!`] expand
//! one `#[test]` per [`Backend`] variant. Adding a variant fails to compile
//! until [`per_backend!`] lists it too.
//!
//! A run that takes longer than its timeout (30 s by default) is stopped:
//! waiting WASI calls are woken through the context's exit, running wasm is
//! interrupted at the next epoch tick, and the status is
//! [`Status::TimedOut`].

#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::fmt;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use wasi_common_compat::pipe::{PipeWriter, ReadPipe, WritePipe};
use wasi_common_compat::{I32Exit, WasiCtx};
use wasi_common_compat_memfs::{Config as MemfsConfig, MemFs};
use wasi_common_compat_p1_to_p2::{FileInputStream, InputStreamFile, OutputStreamFile};
use wasi_common_compat_threads::{ThreadsOptions, WasiThreads};
use wasmtime::error::Context as _;
use wasmtime::{Config, Engine, Func, Instance, Linker, Memory, Module, Store, UpdateDeadline, Val};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};

include!(concat!(env!("OUT_DIR"), "/guests.rs"));

pub mod expected;
pub mod faults;
pub mod wasmi_route;

/// The `.wasm` file of the guest program `name` (one of [`GUESTS`]).
///
/// # Panics
/// If `name` is not a guest program: a test naming a guest that does not
/// exist is a bug in the test.
pub fn guest_path(name: &str) -> PathBuf {
    if !GUESTS.contains(&name) {
        panic!("no guest program named {name:?}; the guests are {GUESTS:?}");
    }
    Path::new(GUEST_DIR).join(format!("{name}.wasm"))
}

/// The `.wasm` file of the threaded guest program `name` (one of
/// [`THREADS_GUESTS`]).
///
/// # Panics
/// If `name` is not a threaded guest program.
pub fn threads_guest_path(name: &str) -> PathBuf {
    if !THREADS_GUESTS.contains(&name) {
        panic!("no threaded guest program named {name:?}; they are {THREADS_GUESTS:?}");
    }
    Path::new(THREADS_GUEST_DIR).join(format!("{name}.wasm"))
}

/// A host implementation the suite runs guests against.
///
/// Adding a variant: build its context and linker in `Run::prepare` and say
/// how it calls wasm (a `Driver`), then add it to [`Backend::ALL`] and to
/// [`per_backend!`] (which refuses to compile until it is listed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// `wasi-common-compat-sync`: OS files, directories and sockets through
    /// cap-std, the `poll(2)` scheduler, `add_to_linker_sync`.
    Sync,
    /// `wasi-common-compat-tokio`: the same host objects, waits through
    /// tokio (`TokioSched`), `add_to_linker_async`, driven by `call_async`
    /// on a current-thread runtime.
    Tokio,
    /// The sync backend with stdio served through the p1-to-p2 bridge:
    /// stdin is a `wasmtime-wasi` `MemoryInputPipe` (or, for
    /// [`Run::stdin_pipe`], the host pipe seen as a preview2 `InputStream`),
    /// stdout and stderr are `MemoryOutputPipe`s, each behind
    /// `InputStreamFile` / `OutputStreamFile`.
    P2,
    /// The sync backend's context on the wasmi interpreter, through
    /// `wasi-common-compat-wasmi` (see [`wasmi_route`]): [`Run::exec`] and
    /// [`Run::session`]; threaded runs are Wasmtime's only.
    Wasmi,
    /// The sync backend with every preopened directory served from memory
    /// (`wasi-common-compat-memfs`): each host directory given to the run
    /// (the sandbox included) is copied into a tree of its own before the
    /// run and written back over the host directory after it, so tests set
    /// up fixtures and inspect results on the host as for the other
    /// backends, while the guest only ever touches memory.
    Memfs,
    /// [`Backend::Wasmi`] with the preopens on memfs as [`Backend::Memfs`]
    /// serves them: the engine-free stack alone (no Wasmtime, no host paths).
    WasmiMemfs,
}

impl Backend {
    /// Every backend.
    pub const ALL: &[Backend] = &[
        Backend::Sync,
        Backend::Tokio,
        Backend::P2,
        Backend::Wasmi,
        Backend::Memfs,
        Backend::WasmiMemfs,
    ];

    /// True for the backends that run on wasmi instead of Wasmtime (their
    /// runs take `Run::exec_wasmi` and `Run::session_wasmi`).
    pub fn on_wasmi(self) -> bool {
        matches!(self, Backend::Wasmi | Backend::WasmiMemfs)
    }

    /// A short lowercase name (the test function's name).
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sync => "sync",
            Backend::Tokio => "tokio",
            Backend::P2 => "p2",
            Backend::Wasmi => "wasmi",
            Backend::Memfs => "memfs",
            Backend::WasmiMemfs => "wasmi_memfs",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Expands one `#[test]` per [`Backend`] inside a module `$name`:
/// `per_backend!(name, |backend| { ... })`.
#[macro_export]
macro_rules! per_backend {
    ($(#[$attr:meta])* $name:ident, |$backend:ident| $body:block) => {
        $(#[$attr])*
        mod $name {
            #[allow(unused_imports, reason = "not every test module uses everything of its parent")]
            use super::*;

            fn body($backend: $crate::Backend) $body

            #[test]
            fn sync() {
                body($crate::Backend::Sync)
            }

            #[test]
            fn tokio() {
                body($crate::Backend::Tokio)
            }

            #[test]
            fn p2() {
                body($crate::Backend::P2)
            }

            #[test]
            fn wasmi() {
                body($crate::Backend::Wasmi)
            }

            #[test]
            fn memfs() {
                body($crate::Backend::Memfs)
            }

            #[test]
            fn wasmi_memfs() {
                body($crate::Backend::WasmiMemfs)
            }

            // Fails to compile when a backend is added but not listed above.
            const _: fn($crate::Backend) = |b| match b {
                $crate::Backend::Sync | $crate::Backend::Tokio | $crate::Backend::P2 | $crate::Backend::Wasmi | $crate::Backend::Memfs | $crate::Backend::WasmiMemfs => {}
            };
        }
    };
}

/// The tests of guest program `$guest`: a public module of that name (the
/// build-time coverage check refers to its `COVERED`) with one `#[test]`
/// per backend, each running `$body` with `$run`, a [`Run`] of the guest on
/// that backend (and `$backend`, the backend, if named):
/// `guest_test!(fd_seek, |run| { ... })`, `guest_test!(x, |run, backend| { ... })`.
#[macro_export]
macro_rules! guest_test {
    ($guest:ident, |$run:ident| $body:block) => {
        $crate::guest_test!($guest, |$run, _backend| $body);
    };
    ($guest:ident, |$run:ident, $backend:ident| $body:block) => {
        pub mod $guest {
            #[allow(
                unused_imports,
                reason = "not every test module uses everything of its parent"
            )]
            use super::*;

            /// Marks guest `$guest` as run by a test (see the coverage check).
            pub const COVERED: () = ();

            $crate::per_backend!(tests, |$backend| {
                let $run = $crate::Run::guest(stringify!($guest), $backend);
                $body
            });
        }
    };
}

/// The tests of threaded guest program `$guest` (one of [`THREADS_GUESTS`]):
/// a public module of that name (the build-time coverage check refers to
/// its `COVERED`) with one `#[test]`, `sync`, running `$body` with `$run`, a
/// [`Run::threads_guest`] of the guest: `threads_test!(threads_mutex, |run| { ... })`.
/// Threaded programs run on the sync backend only (see [`Run::threads`]).
#[macro_export]
macro_rules! threads_test {
    ($guest:ident, |$run:ident| $body:block) => {
        pub mod $guest {
            #[allow(
                unused_imports,
                reason = "not every test module uses everything of its parent"
            )]
            use super::*;

            /// Marks guest `$guest` as run by a test (see the coverage check).
            pub const COVERED: () = ();

            #[test]
            fn sync() {
                let $run = $crate::Run::threads_guest(stringify!($guest));
                $body
            }

            #[test]
            fn memfs() {
                let $run = $crate::Run::threads_guest_on(stringify!($guest), $crate::Backend::Memfs);
                $body
            }
        }
    };
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// `_start` returned (0) or the guest called `proc_exit` (its status).
    Exit(i32),
    /// The guest trapped (the message includes the wasm backtrace).
    Trap(String),
    /// The run was stopped after its timeout.
    TimedOut,
}

/// The result of a [`Run`].
pub struct Outcome {
    /// How the run ended.
    pub status: Status,
    /// Everything the guest wrote to fd 1.
    pub stdout: Vec<u8>,
    /// Everything the guest wrote to fd 2.
    pub stderr: Vec<u8>,
    /// The `/sandbox` directory, kept until the outcome is dropped.
    pub sandbox: Option<tempfile::TempDir>,
    /// For a threaded run: spawned threads still alive when the run
    /// returned (left behind after the shutdown grace); 0 otherwise.
    pub threads_left: u32,
}

impl Outcome {
    /// stdout as text (lossy).
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text (lossy).
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Panics, showing the output, unless the status is `Exit(code)`.
    #[track_caller]
    pub fn assert_exit(&self, code: i32) -> &Self {
        if self.status != Status::Exit(code) {
            panic!("expected exit status {code}, got {:?}\n{self}", self.status);
        }
        self
    }

    /// Panics, showing the output, unless stdout is exactly `expected`.
    #[track_caller]
    pub fn assert_stdout(&self, expected: &str) -> &Self {
        if self.stdout != expected.as_bytes() {
            panic!("stdout differs\n--- expected stdout:\n{expected}\n{self}");
        }
        self
    }

    /// Panics, showing the output, unless stderr is exactly `expected`.
    #[track_caller]
    pub fn assert_stderr(&self, expected: &str) -> &Self {
        if self.stderr != expected.as_bytes() {
            panic!("stderr differs\n--- expected stderr:\n{expected}\n{self}");
        }
        self
    }

    /// Panics unless the guest exited 0 having printed exactly these
    /// sections (`- name` lines) and then `done`, with nothing on stderr.
    #[track_caller]
    pub fn assert_sections(&self, sections: &[&str]) -> &Self {
        let mut expected: String = sections.iter().map(|s| format!("- {s}\n")).collect();
        expected.push_str("done\n");
        self.assert_exit(0).assert_stdout(&expected).assert_stderr("")
    }

    /// Panics unless the guest trapped.
    #[track_caller]
    pub fn assert_trap(&self) -> &str {
        match &self.status {
            Status::Trap(msg) => msg,
            other => panic!("expected a trap, got {other:?}\n{self}"),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "--- status: {:?}", self.status)?;
        writeln!(f, "--- stdout:\n{}", self.stdout_str())?;
        write!(f, "--- stderr:\n{}", self.stderr_str())
    }
}

impl fmt::Debug for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A captured output stream of a run: a host [`WritePipe`], or on
/// [`Backend::P2`] a `wasmtime-wasi` `MemoryOutputPipe`. Clones share the
/// bytes, so a test can watch the output while the guest runs.
#[derive(Clone)]
pub enum Captured {
    /// A preview1 in-memory pipe (the sync and tokio backends).
    Pipe(WritePipe),
    /// A preview2 memory stream, bridged to the guest by `OutputStreamFile`.
    P2(MemoryOutputPipe),
}

/// Most bytes a [`Backend::P2`] run's stdout or stderr keeps (a guest that
/// writes more gets an error, as from any full `MemoryOutputPipe`).
const P2_OUTPUT_CAPACITY: usize = 64 << 20;

impl Captured {
    fn new(backend: Backend) -> Captured {
        match backend {
            Backend::P2 => Captured::P2(MemoryOutputPipe::new(P2_OUTPUT_CAPACITY)),
            Backend::Sync | Backend::Tokio | Backend::Wasmi | Backend::Memfs | Backend::WasmiMemfs => {
                Captured::Pipe(WritePipe::new_in_memory())
            }
        }
    }

    /// Everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        match self {
            Captured::Pipe(p) => p.contents(),
            Captured::P2(p) => p.contents().to_vec(),
        }
    }

    /// The guest's end: the pipe itself, or the stream behind the bridge.
    fn guest_file(&self) -> Box<dyn wasi_common_compat::WasiFile> {
        match self {
            Captured::Pipe(p) => Box::new(p.clone()),
            Captured::P2(p) => Box::new(OutputStreamFile::new(Box::new(p.clone()))),
        }
    }
}

enum Source {
    Guest(String),
    ThreadsGuest(String),
    File(PathBuf),
    Wat(String),
}

enum Stdin {
    Bytes(Vec<u8>),
    Pipe(ReadPipe),
}

/// One execution of a module, configured builder-style, run by
/// [`exec`](Run::exec) (or instantiated by [`session`](Run::session)).
///
/// Defaults: `argv = [<guest>.wasm]` (no arguments for WAT), no
/// environment, no preopens, empty stdin, a 30 s timeout.
pub struct Run {
    backend: Backend,
    source: Source,
    args: Vec<String>,
    env: Vec<(String, String)>,
    dirs: Vec<(PathBuf, String)>,
    sandbox: Option<tempfile::TempDir>,
    stdin: Stdin,
    stdout: Captured,
    stderr: Captured,
    listeners: Vec<TcpListener>,
    timeout: Duration,
    threads: Option<ThreadsOptions>,
    error: Option<wasmtime::Error>,
    /// memfs trees to preopen after the host directories.
    memfs_preopens: Vec<(MemFs, String)>,
    /// Read-only preopens (host path, guest path), after `dirs`.
    read_only: Vec<(PathBuf, String)>,
    /// Faults injected into stdin and stdout.
    stdin_faults: Option<faults::Faults>,
    stdout_faults: Option<faults::Faults>,
    /// `WasiCtxBuilder::deterministic(seed)`, if set.
    deterministic: Option<u64>,
    /// `WasiCtxBuilder::max_open_fds`.
    max_fds: Option<u32>,
    /// Directory objects to preopen after the host directories.
    objects: Vec<(Box<dyn wasi_common_compat::WasiDir>, String)>,
    /// On [`Backend::Memfs`]: each preopen's tree and the host directory it
    /// was copied from (and is written back to).
    trees: Vec<(MemFs, PathBuf)>,
}

impl Run {
    fn new(source: Source, backend: Backend) -> Run {
        Run {
            backend,
            source,
            args: Vec::new(),
            env: Vec::new(),
            dirs: Vec::new(),
            sandbox: None,
            stdin: Stdin::Bytes(Vec::new()),
            stdout: Captured::new(backend),
            stderr: Captured::new(backend),
            listeners: Vec::new(),
            timeout: Duration::from_secs(30),
            threads: None,
            error: None,
            memfs_preopens: Vec::new(),
            read_only: Vec::new(),
            stdin_faults: None,
            stdout_faults: None,
            deterministic: None,
            max_fds: None,
            objects: Vec::new(),
            trees: Vec::new(),
        }
    }

    /// A run of guest program `name` (see [`GUESTS`]), with
    /// `argv[0] = "<name>.wasm"`.
    pub fn guest(name: &str, backend: Backend) -> Run {
        let mut r = Run::new(Source::Guest(name.to_owned()), backend);
        r.args.push(format!("{name}.wasm"));
        r
    }

    /// A run of threaded guest program `name` (see [`THREADS_GUESTS`])
    /// through [`WasiThreads`] on the sync backend, with
    /// `argv[0] = "<name>.wasm"`.
    pub fn threads_guest(name: &str) -> Run {
        Run::threads_guest_on(name, Backend::Sync)
    }

    /// [`threads_guest`](Run::threads_guest) on `backend` (sync or memfs).
    pub fn threads_guest_on(name: &str, backend: Backend) -> Run {
        let mut r = Run::new(Source::ThreadsGuest(name.to_owned()), backend).threads();
        r.args.push(format!("{name}.wasm"));
        r
    }

    /// Runs the module as a `wasm32-wasip1-threads` program: through
    /// [`WasiThreads`] (default [`ThreadsOptions`]) on an engine with the
    /// threads proposal, `_start` on the calling thread. Only the sync
    /// backend (with host or memfs preopens) runs threaded programs; on
    /// another the run fails.
    pub fn threads(mut self) -> Run {
        if !matches!(self.backend, Backend::Sync | Backend::Memfs) {
            self.fail(wasmtime::Error::msg("threaded programs run on the sync backend only"));
        }
        self.threads.get_or_insert_with(ThreadsOptions::default);
        self
    }

    /// Caps the live spawned threads of a threaded run (see [`Run::threads`]).
    pub fn max_threads(mut self, n: u32) -> Run {
        self.threads.get_or_insert_with(ThreadsOptions::default).max_threads = n;
        self
    }

    /// A run of the module in file `path` (`.wasm`, or WAT text), with
    /// `argv[0]` = the path as given.
    pub fn file(path: impl Into<PathBuf>, backend: Backend) -> Run {
        let path = path.into();
        let mut r = Run::new(Source::File(path.clone()), backend);
        r.args.push(path.to_string_lossy().into_owned());
        r
    }

    /// A run of a module given as WAT text (no arguments).
    pub fn wat(text: &str, backend: Backend) -> Run {
        Run::new(Source::Wat(text.to_owned()), backend)
    }

    /// Appends an argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Run {
        self.args.push(arg.into());
        self
    }

    /// Appends arguments.
    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Run {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Adds `key=value` to the environment.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Run {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Preopens host directory `host` as `guest` (in the order added; the
    /// sandbox, if any, comes first).
    pub fn preopen(mut self, host: impl Into<PathBuf>, guest: impl Into<String>) -> Run {
        self.dirs.push((host.into(), guest.into()));
        self
    }

    /// Caps the guest's open fds at `max` (stdio and preopens included).
    pub fn max_open_fds(mut self, max: u32) -> Run {
        self.max_fds = Some(max);
        self
    }

    /// Makes the guest's stdin and stdout go wrong as `stdin` and `stdout`
    /// say (see [`faults`]), on any backend.
    pub fn stdio_faults(mut self, stdin: Option<faults::Faults>, stdout: Option<faults::Faults>) -> Run {
        self.stdin_faults = stdin;
        self.stdout_faults = stdout;
        self
    }

    /// Preopens host directory `host` as `guest`, read-only (after the
    /// other host directories): on the memfs backends a copy of it in
    /// memory, read-only.
    pub fn preopen_read_only(mut self, host: impl Into<PathBuf>, guest: impl Into<String>) -> Run {
        self.read_only.push((host.into(), guest.into()));
        self
    }

    /// Preopens the root of a memfs tree as `guest` (after the host
    /// directories), on any backend; keep a clone of `tree` to inspect it.
    pub fn preopen_memfs(mut self, tree: MemFs, guest: impl Into<String>) -> Run {
        self.memfs_preopens.push((tree, guest.into()));
        self
    }

    /// Runs with `WasiCtxBuilder::deterministic(seed)`: virtual clocks and
    /// seeded randomness.
    pub fn deterministic(mut self, seed: u64) -> Run {
        self.deterministic = Some(seed);
        self
    }

    /// Preopens any [`WasiDir`](wasi_common_compat::WasiDir) (a virtual
    /// directory) as `guest`, after the host directories, on every backend.
    pub fn preopen_dir_object(mut self, dir: Box<dyn wasi_common_compat::WasiDir>, guest: impl Into<String>) -> Run {
        self.objects.push((dir, guest.into()));
        self
    }

    /// Creates an empty temporary directory and preopens it as `/sandbox`
    /// (the first preopen, fd 3). It lives as long as the [`Outcome`].
    pub fn sandbox(mut self) -> Run {
        match tempfile::Builder::new().prefix("wcc-sandbox-").tempdir() {
            Ok(d) => self.sandbox = Some(d),
            Err(e) => self.fail(wasmtime::Error::new(e).context("cannot create the sandbox directory")),
        }
        self
    }

    /// The host path of the sandbox, if [`sandbox`](Run::sandbox) made one
    /// (to put fixtures in it before the run).
    pub fn sandbox_path(&self) -> Option<&Path> {
        self.sandbox.as_ref().map(tempfile::TempDir::path)
    }

    /// Sets stdin to these bytes, then end of file.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Run {
        self.stdin = Stdin::Bytes(bytes.into());
        self
    }

    /// Sets stdin to an empty pipe the host fills through the returned
    /// writer (dropping it is end of file).
    pub fn stdin_pipe(mut self, capacity: usize) -> (Run, PipeWriter) {
        let (r, w) = ReadPipe::channel(capacity);
        self.stdin = Stdin::Pipe(r);
        (self, w)
    }

    /// A handle on the captured stdout, to watch it while the guest runs.
    pub fn stdout_handle(&self) -> Captured {
        self.stdout.clone()
    }

    /// Hands the guest a listening TCP socket (after the preopened
    /// directories).
    pub fn listener(mut self, listener: TcpListener) -> Run {
        self.listeners.push(listener);
        self
    }

    /// Changes the timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Run {
        self.timeout = timeout;
        self
    }

    fn fail(&mut self, e: wasmtime::Error) {
        self.error.get_or_insert(e);
    }

    fn module(&self, engine: &Engine) -> wasmtime::Result<Module> {
        match &self.source {
            Source::Guest(name) => cached_module(engine, &guest_path(name)),
            Source::ThreadsGuest(name) => cached_module(engine, &threads_guest_path(name)),
            Source::File(path) => {
                Module::from_file(engine, path).with_context(|| format!("cannot compile {}", path.display()))
            }
            Source::Wat(text) => Module::new(engine, text).context("cannot compile the WAT module"),
        }
    }

    /// Builds the context for this run's backend (the sandbox stays in
    /// `self`, to outlive the run).
    fn build_ctx(&mut self) -> wasmtime::Result<WasiCtx> {
        let stdin = std::mem::replace(&mut self.stdin, Stdin::Bytes(Vec::new()));
        let stdin: Box<dyn wasi_common_compat::WasiFile> = match (self.backend, stdin) {
            (Backend::P2, Stdin::Bytes(b)) => Box::new(InputStreamFile::new(Box::new(MemoryInputPipe::new(b)))),
            (Backend::P2, Stdin::Pipe(p)) => {
                Box::new(InputStreamFile::new(Box::new(FileInputStream::new(Arc::new(p)))))
            }
            (
                Backend::Sync | Backend::Tokio | Backend::Wasmi | Backend::Memfs | Backend::WasmiMemfs,
                Stdin::Bytes(b),
            ) => Box::new(ReadPipe::from_bytes(b)),
            (
                Backend::Sync | Backend::Tokio | Backend::Wasmi | Backend::Memfs | Backend::WasmiMemfs,
                Stdin::Pipe(p),
            ) => Box::new(p),
        };
        let stdin: Box<dyn wasi_common_compat::WasiFile> = match &self.stdin_faults {
            Some(f) => Box::new(faults::FaultyFile::new(stdin, f.clone())),
            None => stdin,
        };
        let stdout = match &self.stdout_faults {
            Some(f) => Box::new(faults::FaultyFile::new(self.stdout.guest_file(), f.clone())),
            None => self.stdout.guest_file(),
        };
        let mut dirs: Vec<(PathBuf, String)> = Vec::new();
        if let Some(s) = &self.sandbox {
            dirs.push((s.path().to_path_buf(), "/sandbox".to_owned()));
        }
        dirs.extend(self.dirs.iter().cloned());
        let base = match self.backend {
            Backend::Sync | Backend::P2 | Backend::Wasmi | Backend::Memfs | Backend::WasmiMemfs => {
                wasi_common_compat_sync::WasiCtxBuilder::new()
            }
            Backend::Tokio => wasi_common_compat_tokio::builder().into_sync(),
        };
        let mut b = base
            .stdin(stdin)
            .stdout(stdout)
            .stderr(self.stderr.guest_file())
            .args(&self.args)?;
        for (k, v) in &self.env {
            b = b.env(k, v)?;
        }
        for (host, guest) in dirs {
            if matches!(self.backend, Backend::Memfs | Backend::WasmiMemfs) {
                let tree = MemFs::from_host_dir(MemfsConfig::new(), &host)
                    .with_context(|| format!("cannot copy {} into memory", host.display()))?;
                self.trees.push((tree.clone(), host));
                b = b.preopened_memfs(tree, guest);
                continue;
            }
            b = b
                .preopened_dir(&host, guest)
                .with_context(|| format!("cannot preopen {}", host.display()))?;
        }
        for (host, guest) in self.read_only.drain(..) {
            if matches!(self.backend, Backend::Memfs | Backend::WasmiMemfs) {
                let tree = MemFs::from_host_dir(MemfsConfig::new(), &host)
                    .with_context(|| format!("cannot copy {} into memory", host.display()))?;
                self.trees.push((tree.clone(), host));
                b = b.preopened_memfs_read_only(tree, guest);
                continue;
            }
            b = b
                .preopened_dir_read_only(&host, guest)
                .with_context(|| format!("cannot preopen {}", host.display()))?;
        }
        for (tree, guest) in self.memfs_preopens.drain(..) {
            b = b.preopened_memfs(tree, guest);
        }
        if let Some(max) = self.max_fds {
            b = b.max_open_fds(max);
        }
        if let Some(seed) = self.deterministic {
            b = b.deterministic(seed);
        }
        for (dir, guest) in self.objects.drain(..) {
            b = b.preopened_virtual_dir(dir, guest);
        }
        for l in self.listeners.drain(..) {
            b = b.preopened_socket(l)?;
        }
        Ok(b.build()?)
    }

    /// The compiled module, a store holding the context (with the timeout's
    /// epoch callback), a linker for the backend, and the backend's driver.
    fn prepare(&mut self) -> wasmtime::Result<Prepared> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let engine = engine()?;
        let module = self.module(engine)?;
        let ctx = self.build_ctx()?;
        let exit_handle = ctx.clone();
        let mut linker: Linker<WasiCtx> = Linker::new(engine);
        let driver = match self.backend {
            Backend::Sync | Backend::P2 | Backend::Memfs => {
                wasi_common_compat_sync::add_to_linker(&mut linker, |cx| cx)?;
                Driver::Sync
            }
            Backend::Tokio => {
                wasi_common_compat_tokio::add_to_linker(&mut linker, |cx| cx)?;
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .context("cannot start a tokio runtime")?;
                Driver::Tokio(rt)
            }
            Backend::Wasmi | Backend::WasmiMemfs => {
                return Err(wasmtime::Error::msg("wasmi runs take `Run::exec_wasmi`"));
            }
        };
        let mut store = Store::new(engine, ctx);
        let timed_out = Arc::new(AtomicBool::new(false));
        let flag = timed_out.clone();
        store.epoch_deadline_callback(move |_| {
            Ok(if flag.load(Ordering::Acquire) {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Continue(1)
            })
        });
        store.set_epoch_deadline(1);
        Ok(Prepared {
            module,
            linker,
            store,
            driver,
            timed_out,
            exit_handle,
        })
    }

    /// Instantiates the module without running it (see [`Session`]).
    pub fn session(mut self) -> wasmtime::Result<Session> {
        if self.backend.on_wasmi() {
            return self.session_wasmi();
        }
        let Prepared {
            module,
            linker,
            mut store,
            driver,
            ..
        } = self.prepare()?;
        let instance = driver.instantiate(&linker, &mut store, &module)?;
        let memory = instance.get_memory(&mut store, "memory");
        Ok(Session {
            engine: SessionEngine::Wasmtime {
                driver,
                store,
                instance,
                memory,
            },
            stdout: self.stdout,
            stderr: self.stderr,
            _sandbox: self.sandbox,
        })
    }

    /// Runs `_start` to the end and returns the outcome. Errors are the
    /// harness's (a module that does not compile, a preopen that does not
    /// exist); what the guest does is in the [`Outcome`].
    pub fn exec(mut self) -> wasmtime::Result<Outcome> {
        if let Some(opts) = self.threads.take() {
            return self.exec_threads(opts);
        }
        if self.backend.on_wasmi() {
            return self.exec_wasmi();
        }
        let Prepared {
            module,
            linker,
            mut store,
            driver,
            timed_out,
            exit_handle,
        } = self.prepare()?;
        let instance = driver.instantiate(&linker, &mut store, &module)?;
        let start = instance
            .get_func(&mut store, "_start")
            .context("the module has no `_start` function")?;

        let result = with_timeout(self.timeout, &timed_out, exit_handle, || {
            driver.call(&mut store, start, &[], &mut [])
        });
        Ok(self.outcome(result, &timed_out, 0))
    }

    /// [`exec`](Run::exec) for a threaded run.
    fn exec_threads(mut self, opts: ThreadsOptions) -> wasmtime::Result<Outcome> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let engine = threads_engine()?;
        let module = self.module(engine)?;
        let ctx = self.build_ctx()?;
        let exit_handle = ctx.clone();
        let mut linker: Linker<WasiCtx> = Linker::new(engine);
        wasi_common_compat_sync::add_to_linker(&mut linker, |cx| cx)?;
        let program = WasiThreads::new(engine, &module, linker, |cx| cx, |cx: &WasiCtx| cx.clone(), opts)?;
        let timed_out = Arc::new(AtomicBool::new(false));
        let result = with_timeout(self.timeout, &timed_out, exit_handle, || program.run(ctx));
        Ok(self.outcome(result, &timed_out, program.live_threads()))
    }

    fn outcome(self, result: wasmtime::Result<()>, timed_out: &AtomicBool, threads_left: u32) -> Outcome {
        for (tree, host) in &self.trees {
            write_back(tree, host);
        }
        let status = if timed_out.load(Ordering::Acquire) {
            Status::TimedOut
        } else {
            match result {
                Ok(()) => Status::Exit(0),
                Err(e) => match e.downcast_ref::<I32Exit>() {
                    Some(I32Exit(code)) => Status::Exit(*code),
                    None => Status::Trap(format!("{e:?}")),
                },
            }
        };
        Outcome {
            status,
            stdout: self.stdout.contents(),
            stderr: self.stderr.contents(),
            sandbox: self.sandbox,
            threads_left,
        }
    }
}

/// Replaces the contents of host directory `host` with `tree`'s (a
/// [`Backend::Memfs`] run's results, for the test to inspect).
///
/// # Panics
/// If the host directory cannot be rewritten: the test's view of the
/// guest's results would be wrong.
fn write_back(tree: &MemFs, host: &Path) {
    let entries = std::fs::read_dir(host).unwrap_or_else(|e| panic!("cannot list {}: {e}", host.display()));
    for e in entries.flatten() {
        let p = e.path();
        let r = match std::fs::symlink_metadata(&p) {
            Ok(md) if md.is_dir() => std::fs::remove_dir_all(&p),
            _ => std::fs::remove_file(&p),
        };
        r.unwrap_or_else(|e| panic!("cannot clear {}: {e}", p.display()));
    }
    if let Err(e) = tree.write_to_host_dir(host) {
        panic!("cannot write the memfs tree back to {}: {e:?}", host.display());
    }
}

/// Runs `f`; if it takes longer than `timeout`, sets `timed_out` and ends
/// the program through its context (waiting WASI calls wake; the caller's
/// epoch callback stops running wasm).
fn with_timeout<R>(timeout: Duration, timed_out: &Arc<AtomicBool>, exit_handle: WasiCtx, f: impl FnOnce() -> R) -> R {
    let (done, finished) = mpsc::channel::<()>();
    let flag = timed_out.clone();
    let watchdog = std::thread::spawn(move || {
        if finished.recv_timeout(timeout) == Err(mpsc::RecvTimeoutError::Timeout) {
            flag.store(true, Ordering::Release);
            exit_handle.request_exit(TIMEOUT_EXIT);
        }
    });
    let r = f();
    drop(done);
    let _ = watchdog.join();
    r
}

/// What [`Run::prepare`] sets up.
struct Prepared {
    module: Module,
    linker: Linker<WasiCtx>,
    store: Store<WasiCtx>,
    driver: Driver,
    timed_out: Arc<AtomicBool>,
    exit_handle: WasiCtx,
}

/// How a backend calls into wasm: directly, or `*_async` on a runtime.
enum Driver {
    Sync,
    Tokio(tokio::runtime::Runtime),
}

impl Driver {
    fn instantiate(
        &self,
        linker: &Linker<WasiCtx>,
        store: &mut Store<WasiCtx>,
        module: &Module,
    ) -> wasmtime::Result<Instance> {
        match self {
            Driver::Sync => linker.instantiate(store, module),
            Driver::Tokio(rt) => rt.block_on(linker.instantiate_async(store, module)),
        }
    }

    fn call(&self, store: &mut Store<WasiCtx>, func: Func, args: &[Val], results: &mut [Val]) -> wasmtime::Result<()> {
        match self {
            Driver::Sync => func.call(store, args, results),
            Driver::Tokio(rt) => rt.block_on(func.call_async(store, args, results)),
        }
    }
}

/// The exit status a timed-out run is ended with (reported as
/// [`Status::TimedOut`]).
const TIMEOUT_EXIT: i32 = 124;

/// An instantiated module whose exports are called one at a time, with
/// access to its memory: for ABI corner cases written in WAT.
pub struct Session {
    engine: SessionEngine,
    stdout: Captured,
    stderr: Captured,
    _sandbox: Option<tempfile::TempDir>,
}

/// What a [`Session`] runs on.
enum SessionEngine {
    Wasmtime {
        driver: Driver,
        store: Store<WasiCtx>,
        instance: Instance,
        memory: Option<Memory>,
    },
    Wasmi(Box<wasmi_route::WasmiSession>),
}

fn no_memory() -> wasmtime::Error {
    wasmtime::Error::msg("the module exports no memory named `memory`")
}

impl Session {
    /// Calls export `name` with i32/i64 arguments; returns its results.
    /// Errors: a trap, an exit (downcast to [`I32Exit`]), or a missing export.
    pub fn call(&mut self, name: &str, args: &[Val]) -> wasmtime::Result<Vec<Val>> {
        let (driver, store, instance) = match &mut self.engine {
            SessionEngine::Wasmtime {
                driver,
                store,
                instance,
                ..
            } => (driver, store, instance),
            SessionEngine::Wasmi(w) => return w.call(name, args),
        };
        let func = instance
            .get_func(&mut *store, name)
            .with_context(|| format!("the module exports no function {name:?}"))?;
        let n = func.ty(&*store).results().len();
        let mut results = vec![Val::I32(0); n];
        driver.call(store, func, args, &mut results)?;
        Ok(results)
    }

    /// Calls export `name`, which returns one i32 (an errno for the
    /// wrappers [`abi_module`] makes).
    pub fn call_i32(&mut self, name: &str, args: &[Val]) -> wasmtime::Result<i32> {
        match self.call(name, args)?.as_slice() {
            [Val::I32(v)] => Ok(*v),
            other => Err(wasmtime::Error::msg(format!("{name} returned {other:?}, not one i32"))),
        }
    }

    /// Copies `bytes` into guest memory at `offset`.
    pub fn write(&mut self, offset: u32, bytes: &[u8]) -> wasmtime::Result<()> {
        match &mut self.engine {
            SessionEngine::Wasmtime { store, memory, .. } => {
                memory.ok_or_else(no_memory)?.write(store, offset as usize, bytes)?;
            }
            SessionEngine::Wasmi(w) => w.write(offset, bytes)?,
        }
        Ok(())
    }

    /// Writes a little-endian u32 at `offset`.
    pub fn write_u32(&mut self, offset: u32, v: u32) -> wasmtime::Result<()> {
        self.write(offset, &v.to_le_bytes())
    }

    /// Reads `len` bytes of guest memory at `offset`.
    pub fn read(&self, offset: u32, len: usize) -> wasmtime::Result<Vec<u8>> {
        let mut buf = vec![0u8; len];
        match &self.engine {
            SessionEngine::Wasmtime { store, memory, .. } => {
                memory.ok_or_else(no_memory)?.read(store, offset as usize, &mut buf)?;
            }
            SessionEngine::Wasmi(w) => w.read(offset, &mut buf)?,
        }
        Ok(buf)
    }

    /// Reads a little-endian u32 at `offset`.
    pub fn read_u32(&self, offset: u32) -> wasmtime::Result<u32> {
        let b = self.read(offset, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads a little-endian u64 at `offset`.
    pub fn read_u64(&self, offset: u32) -> wasmtime::Result<u64> {
        let b = self.read(offset, 8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(&b);
        Ok(u64::from_le_bytes(a))
    }

    /// The size of guest memory in bytes.
    pub fn memory_size(&self) -> wasmtime::Result<usize> {
        match &self.engine {
            SessionEngine::Wasmtime { store, memory, .. } => Ok(memory.ok_or_else(no_memory)?.data_size(store)),
            SessionEngine::Wasmi(w) => w.memory_size(),
        }
    }

    /// Everything written to stdout so far.
    pub fn stdout(&self) -> Vec<u8> {
        self.stdout.contents()
    }

    /// Everything written to stderr so far.
    pub fn stderr(&self) -> Vec<u8> {
        self.stderr.contents()
    }
}

/// An import to re-export from [`abi_module`]: `(module, name, params,
/// results)` with WAT value types, e.g.
/// `("wasi_snapshot_preview1", "fd_write", "i32 i32 i32 i32", "i32")`.
pub type AbiImport<'a> = (&'a str, &'a str, &'a str, &'a str);

/// WAT text of a module with `pages` pages of memory (exported as `memory`,
/// at most `max_pages` if given) that imports each function in `imports` and
/// exports a wrapper named `<module>.<name>` calling it with the same
/// arguments, so tests call the host through the real ABI with any values.
pub fn abi_module(imports: &[AbiImport<'_>], pages: u32, max_pages: Option<u32>) -> String {
    let mut wat = String::from("(module\n");
    for (i, (module, name, params, results)) in imports.iter().enumerate() {
        wat.push_str(&format!(
            "  (import {module:?} {name:?} (func $f{i} (param {params}) (result {results})))\n"
        ));
    }
    match max_pages {
        Some(max) => wat.push_str(&format!("  (memory (export \"memory\") {pages} {max})\n")),
        None => wat.push_str(&format!("  (memory (export \"memory\") {pages})\n")),
    }
    for (i, (module, name, params, results)) in imports.iter().enumerate() {
        let n = params.split_whitespace().count();
        let gets: String = (0..n).map(|k| format!(" (local.get {k})")).collect();
        let result = if results.trim().is_empty() {
            String::new()
        } else {
            format!(" (result {results})")
        };
        wat.push_str(&format!(
            "  (func (export \"{module}.{name}\") (param {params}){result} (call $f{i}{gets}))\n"
        ));
    }
    wat.push_str(")\n");
    wat
}

/// The engine every test of the process shares (async calls need no special
/// configuration in Wasmtime 48), with epoch interruption for timeouts (a
/// thread ticks the epoch every 100 ms).
fn engine() -> wasmtime::Result<&'static Engine> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    let r = ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(|e| format!("{e:?}"))?;
        let ticker = engine.weak();
        std::thread::spawn(move || {
            while let Some(e) = ticker.upgrade() {
                e.increment_epoch();
                drop(e);
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Ok(engine)
    });
    r.as_ref().map_err(|e| wasmtime::Error::msg(e.clone()))
}

/// The engine of threaded runs: the threads proposal, shared memories and
/// epoch interruption (`wasi_common_compat_threads::configure`). No ticker:
/// a program that ends bumps the epoch itself to stop its busy threads.
fn threads_engine() -> wasmtime::Result<&'static Engine> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    let r = ENGINE.get_or_init(|| {
        let mut config = Config::new();
        wasi_common_compat_threads::configure(&mut config);
        Engine::new(&config).map_err(|e| format!("{e:?}"))
    });
    r.as_ref().map_err(|e| wasmtime::Error::msg(e.clone()))
}

/// Guest modules (by path), compiled once per process for the first engine
/// that asks (each guest set normally runs on one engine).
fn cached_module(engine: &Engine, path: &Path) -> wasmtime::Result<Module> {
    type Cache = std::sync::Mutex<std::collections::HashMap<String, Arc<OnceLock<Module>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let slot = {
        let cache = CACHE.get_or_init(Default::default);
        let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(path.display().to_string()).or_default().clone()
    };
    if let Some(m) = slot.get() {
        if Engine::same(m.engine(), engine) {
            return Ok(m.clone());
        }
        // A guest run on the other engine (a wasip1 guest through
        // `Run::threads`): compiled for it, not cached.
        return Module::from_file(engine, path).with_context(|| format!("cannot compile {}", path.display()));
    }
    if !path.is_file() {
        return Err(wasmtime::Error::msg(format!(
            "{} is missing (the guest build output was removed?): `touch tests/build.rs` rebuilds the guests",
            path.display()
        )));
    }
    let m = Module::from_file(engine, path).with_context(|| format!("cannot compile {}", path.display()))?;
    Ok(slot.get_or_init(|| m).clone())
}

/// Resident and peak memory of this process, from `/proc/self/status`
/// (kB): `(VmRSS, VmHWM, VmPeak)`.
pub fn memory_usage_kb() -> wasmtime::Result<(u64, u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").context("cannot read /proc/self/status")?;
    let field = |name: &str| -> wasmtime::Result<u64> {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .with_context(|| format!("no {name} in /proc/self/status"))?;
        let v = line[name.len()..].trim().trim_end_matches("kB").trim();
        v.parse::<u64>().with_context(|| format!("cannot parse {line:?}"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?, field("VmPeak:")?))
}
