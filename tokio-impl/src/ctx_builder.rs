//! [`WasiCtxBuilder`]: the sync backend's builder with [`TokioSched`] as the
//! scheduler, as a type of this crate.
//!
//! It is its own type (not a re-export of
//! [`wasi_common_compat_sync::WasiCtxBuilder`]) so that code migrated from
//! `wasi_common::tokio::WasiCtxBuilder::new()` by renaming the crate gets a
//! context whose waits go through tokio. With the sync builder an async
//! store would still work, but every wait (`poll_oneoff`, a read on an empty
//! pipe, stdin) would block the executor thread in `poll(2)`.
//!
//! Every method forwards to the sync builder's method of the same name, but
//! one: `preopened_cap_std_dir`, whose argument type belongs to cap-std, on
//! which this crate does not depend. Preopen a `cap_std::fs::Dir` with
//! [`preopened_virtual_dir`](WasiCtxBuilder::preopened_virtual_dir)`(Box::new(Dir::from_cap_std(dir)), guest)`,
//! which is what the sync method does. [`into_sync`](WasiCtxBuilder::into_sync)
//! (or `From`) hands over the sync builder, scheduler included, for code
//! that takes one.

use crate::TokioSched;
use std::path::Path;
use wasi_common_compat::clocks::WasiClocks;
use wasi_common_compat::random::WasiRandom;
use wasi_common_compat::{Result, WasiCtx, WasiDir, WasiFile, WasiSched};
use wasi_common_compat_sync::WasiCtxBuilder as SyncBuilder;
use wasi_common_compat_sync::memfs::MemFs;

/// Builds a [`WasiCtx`] for async stores: host files, directories, stdio,
/// sockets and pipes as in [`wasi_common_compat_sync::WasiCtxBuilder`], with
/// [`TokioSched`] as the scheduler. Stdio defaults to empty stdin and
/// discarding stdout/stderr until set or inherited.
///
/// Methods take and return the builder by value: chain them, or reassign
/// (`b = b.arg("x")?;`).
///
/// ```
/// use wasi_common_compat_tokio::WasiCtxBuilder;
///
/// let ctx = WasiCtxBuilder::new()
///     .inherit_stdio()
///     .args(["prog.wasm", "--verbose"])?
///     .env("GREETING", "hello")?
///     .preopened_dir(".", "/")?
///     .build()?;
/// // fds 0-2 are stdio, fd 3 the preopened directory.
/// assert_eq!(ctx.table().len(), 4);
///
/// // Code that takes the sync builder gets it, scheduler included.
/// let sync: wasi_common_compat_sync::WasiCtxBuilder = WasiCtxBuilder::new().arg("prog")?.into();
/// let _ = sync.build()?;
/// # Ok::<(), wasi_common_compat_tokio::Error>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct WasiCtxBuilder {
    inner: SyncBuilder,
}

impl Default for WasiCtxBuilder {
    /// As [`WasiCtxBuilder::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl From<WasiCtxBuilder> for SyncBuilder {
    /// As [`WasiCtxBuilder::into_sync`].
    fn from(b: WasiCtxBuilder) -> Self {
        b.into_sync()
    }
}

impl WasiCtxBuilder {
    /// A builder with the [`TokioSched`] scheduler and nothing else set.
    /// Never fails.
    pub fn new() -> Self {
        WasiCtxBuilder {
            inner: SyncBuilder::new().sched(Box::new(TokioSched)),
        }
    }

    /// The sync backend's builder holding everything set so far, the
    /// scheduler ([`TokioSched`], unless replaced) included, for code that
    /// takes a [`wasi_common_compat_sync::WasiCtxBuilder`]. Never fails.
    pub fn into_sync(self) -> SyncBuilder {
        self.inner
    }

    fn map(self, f: impl FnOnce(SyncBuilder) -> SyncBuilder) -> Self {
        WasiCtxBuilder { inner: f(self.inner) }
    }

    fn try_map(self, f: impl FnOnce(SyncBuilder) -> Result<SyncBuilder>) -> Result<Self> {
        Ok(WasiCtxBuilder { inner: f(self.inner)? })
    }

    /// Gives the guest the host's stdin (waited on through the reactor).
    /// Never fails.
    pub fn inherit_stdin(self) -> Self {
        self.map(|b| b.inherit_stdin())
    }

    /// Gives the guest the host's stdout. Never fails.
    pub fn inherit_stdout(self) -> Self {
        self.map(|b| b.inherit_stdout())
    }

    /// Gives the guest the host's stderr. Never fails.
    pub fn inherit_stderr(self) -> Self {
        self.map(|b| b.inherit_stderr())
    }

    /// Gives the guest the host's stdin, stdout and stderr. Never fails.
    pub fn inherit_stdio(self) -> Self {
        self.map(|b| b.inherit_stdio())
    }

    /// Sets stdin (fd 0) to any file: a pipe, a bridged stream, a virtual
    /// file. Never fails.
    pub fn stdin(self, f: Box<dyn WasiFile>) -> Self {
        self.map(|b| b.stdin(f))
    }

    /// Sets stdout (fd 1). Never fails.
    pub fn stdout(self, f: Box<dyn WasiFile>) -> Self {
        self.map(|b| b.stdout(f))
    }

    /// Sets stderr (fd 2). Never fails.
    pub fn stderr(self, f: Box<dyn WasiFile>) -> Self {
        self.map(|b| b.stderr(f))
    }

    /// Appends one argument (the first is `argv[0]`).
    /// Errors: `EILSEQ` if it holds a NUL byte; `E2BIG` if the arguments
    /// would exceed 4 GiB in all.
    pub fn arg(self, arg: &str) -> Result<Self> {
        self.try_map(|b| b.arg(arg))
    }

    /// Appends arguments, in order. Errors: as [`arg`](Self::arg), for the
    /// first argument that fails (the builder is dropped).
    pub fn args<S: AsRef<str>>(self, args: impl IntoIterator<Item = S>) -> Result<Self> {
        self.try_map(|b| b.args(args))
    }

    /// Appends the host process's arguments.
    /// Errors: `EILSEQ` if one is not UTF-8 or holds a NUL byte; `E2BIG`
    /// as for [`arg`](Self::arg).
    pub fn inherit_args(self) -> Result<Self> {
        self.try_map(|b| b.inherit_args())
    }

    /// Adds `key=value` to the environment.
    /// Errors: `EINVAL` if `key` is empty or holds `=`; `EILSEQ` if either
    /// holds a NUL byte; `E2BIG` if the environment would exceed 4 GiB.
    pub fn env(self, key: &str, value: &str) -> Result<Self> {
        self.try_map(|b| b.env(key, value))
    }

    /// Adds several variables, in order (any iterator of pairs of string
    /// likes: `[("A", "1")]`, `&[(String, String)]`, a `HashMap`).
    /// Errors: as [`env`](Self::env), for the first pair that fails.
    pub fn envs<K: AsRef<str>, V: AsRef<str>>(self, vars: impl IntoIterator<Item = (K, V)>) -> Result<Self> {
        self.try_map(|b| b.envs(vars))
    }

    /// Adds the host process's environment (variables whose name or value
    /// is not UTF-8 are skipped). Errors: as [`env`](Self::env).
    pub fn inherit_env(self) -> Result<Self> {
        self.try_map(|b| b.inherit_env())
    }

    /// Preopens the host directory `host` as `guest` (fds from 3, in the
    /// order added).
    /// Errors: what opening `host` gives (`ENOENT`, `ENOTDIR`, `EACCES`).
    pub fn preopened_dir(self, host: impl AsRef<Path>, guest: impl Into<String>) -> Result<Self> {
        self.try_map(|b| b.preopened_dir(host, guest))
    }

    /// Preopens any directory implementation as `guest`: a virtual one, or
    /// an opened cap-std directory as `Box::new(`[`Dir`](crate::Dir)`::from_cap_std(dir))`.
    /// Never fails.
    pub fn preopened_virtual_dir(self, dir: Box<dyn WasiDir>, guest: impl Into<String>) -> Self {
        self.map(|b| b.preopened_virtual_dir(dir, guest))
    }

    /// Preopens the root of an in-memory tree as `guest` (see
    /// [`wasi_common_compat_sync::WasiCtxBuilder::preopened_memfs`]: the
    /// tree's clock becomes the context's realtime clock at
    /// [`build`](Self::build)). Never fails.
    pub fn preopened_memfs(self, tree: MemFs, guest: impl Into<String>) -> Self {
        self.map(|b| b.preopened_memfs(tree, guest))
    }

    /// Hands the guest a listening TCP socket, at the fd after the
    /// preopened directories (so that libc's scan of preopens finds them
    /// all). Errors: what making the socket non-blocking gives (`EBADF`).
    pub fn preopened_socket(self, listener: std::net::TcpListener) -> Result<Self> {
        self.try_map(|b| b.preopened_socket(listener))
    }

    /// Sets the clocks. Default: the host's. Never fails.
    pub fn clocks(self, clocks: WasiClocks) -> Self {
        self.map(|b| b.clocks(clocks))
    }

    /// Sets the random source. Default: the host's `getrandom(2)`.
    /// Never fails.
    pub fn random(self, random: Box<dyn WasiRandom>) -> Self {
        self.map(|b| b.random(random))
    }

    /// Replaces [`TokioSched`] with `sched`. In an async store that
    /// scheduler's waits must not block (one that does, such as the sync
    /// backend's `PollSched`, blocks the executor thread). Never fails.
    pub fn sched(self, sched: Box<dyn WasiSched>) -> Self {
        self.map(|b| b.sched(sched))
    }

    /// Reproducible runs (see [`wasi_common_compat::deterministic`]): virtual
    /// clocks, seeded randomness, and sleeps that advance virtual time; waits
    /// on files and pipes still go through [`TokioSched`]. Never fails.
    pub fn deterministic(self, seed: u64) -> Self {
        self.map(|b| b.deterministic(seed))
    }

    /// Caps the number of open fds (stdio and preopens included; at least
    /// 3). Never fails; a cap too low for the preopens fails
    /// [`build`](Self::build).
    pub fn max_open_fds(self, max: u32) -> Self {
        self.map(|b| b.max_open_fds(max))
    }

    /// Builds the context.
    /// Errors: `EMFILE` if stdio, the preopened directories and the
    /// preopened sockets do not fit under the fd cap.
    pub fn build(self) -> Result<WasiCtx> {
        self.inner.build()
    }
}
