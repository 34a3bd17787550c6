//! [`WasiCtxBuilder`]: a context on the host OS (host preopens, sockets,
//! stdio, memfs trees) with the [`PollSched`] scheduler.

use crate::{Dir, PollSched, Result, TcpListener, WasiCtx, stdio};
use std::path::Path;
use wasi_common_compat::{Error, WasiDir, WasiFile};

/// Builds a [`WasiCtx`] on the host OS. Stdio defaults to empty stdin and
/// discarding stdout/stderr until set or inherited; the scheduler is
/// [`PollSched`].
pub struct WasiCtxBuilder {
    inner: wasi_common_compat::WasiCtxBuilder,
    sockets: Vec<Box<dyn WasiFile>>,
    memfs: Vec<wasi_common_compat_memfs::MemFs>,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl WasiCtxBuilder {
    /// A builder with the [`PollSched`] scheduler and nothing else set.
    pub fn new() -> Self {
        WasiCtxBuilder {
            inner: wasi_common_compat::WasiCtxBuilder::new().sched(Box::new(PollSched)),
            sockets: Vec::new(),
            memfs: Vec::new(),
        }
    }

    /// Gives the guest the host's stdin.
    pub fn inherit_stdin(mut self) -> Self {
        self.inner = self.inner.stdin(Box::new(stdio::stdin()));
        self
    }

    /// Gives the guest the host's stdout.
    pub fn inherit_stdout(mut self) -> Self {
        self.inner = self.inner.stdout(Box::new(stdio::stdout()));
        self
    }

    /// Gives the guest the host's stderr.
    pub fn inherit_stderr(mut self) -> Self {
        self.inner = self.inner.stderr(Box::new(stdio::stderr()));
        self
    }

    /// Gives the guest the host's stdin, stdout and stderr.
    pub fn inherit_stdio(self) -> Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// Sets stdin to any file (a pipe, a bridged stream, a virtual file).
    pub fn stdin(mut self, f: Box<dyn WasiFile>) -> Self {
        self.inner = self.inner.stdin(f);
        self
    }

    /// Sets stdout.
    pub fn stdout(mut self, f: Box<dyn WasiFile>) -> Self {
        self.inner = self.inner.stdout(f);
        self
    }

    /// Sets stderr.
    pub fn stderr(mut self, f: Box<dyn WasiFile>) -> Self {
        self.inner = self.inner.stderr(f);
        self
    }

    /// Appends one argument (the first is `argv[0]`).
    /// Errors: `EILSEQ` if it holds a NUL byte.
    pub fn arg(mut self, arg: &str) -> Result<Self> {
        self.inner = self.inner.arg(arg)?;
        Ok(self)
    }

    /// Appends arguments. Errors: as [`arg`](Self::arg).
    pub fn args<S: AsRef<str>>(mut self, args: impl IntoIterator<Item = S>) -> Result<Self> {
        self.inner = self.inner.args(args)?;
        Ok(self)
    }

    /// Appends the host process's arguments.
    /// Errors: `EILSEQ` if one is not UTF-8 or holds a NUL byte.
    pub fn inherit_args(mut self) -> Result<Self> {
        for a in std::env::args_os() {
            let a = a.into_string().map_err(|_| Error::ilseq())?;
            self.inner = self.inner.arg(&a)?;
        }
        Ok(self)
    }

    /// Adds `key=value` to the environment.
    /// Errors: `EINVAL` (empty key or one with `=`), `EILSEQ` (NUL).
    pub fn env(mut self, key: &str, value: &str) -> Result<Self> {
        self.inner = self.inner.env(key, value)?;
        Ok(self)
    }

    /// Adds several variables. Errors: as [`env`](Self::env).
    pub fn envs<K: AsRef<str>, V: AsRef<str>>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Result<Self> {
        self.inner = self.inner.envs(vars)?;
        Ok(self)
    }

    /// Adds the host process's environment (variables that are not UTF-8
    /// are skipped).
    /// Errors: as [`env`](Self::env).
    pub fn inherit_env(mut self) -> Result<Self> {
        for (k, v) in std::env::vars_os() {
            if let (Ok(k), Ok(v)) = (k.into_string(), v.into_string()) {
                self.inner = self.inner.env(&k, &v)?;
            }
        }
        Ok(self)
    }

    /// Preopens the host directory `host` as `guest` (fds from 3, in order).
    /// Errors: what opening `host` gives (`ENOENT`, `ENOTDIR`, `EACCES`).
    pub fn preopened_dir(mut self, host: impl AsRef<Path>, guest: impl Into<String>) -> Result<Self> {
        let d = cap_std::fs::Dir::open_ambient_dir(host.as_ref(), cap_std::ambient_authority())?;
        self.inner = self.inner.preopened_dir(Box::new(Dir::from_cap_std(d)), guest);
        Ok(self)
    }

    /// Preopens the host directory `host` as `guest`, read-only: the guest
    /// can open files for reading, list and stat, but creating, writing,
    /// truncating, renaming, linking, removing and setting times give
    /// `EPERM` (see [`wasi_common_compat::read_only`]).
    /// Errors: what opening `host` gives (`ENOENT`, `ENOTDIR`, `EACCES`).
    ///
    /// ```no_run
    /// let ctx = wasi_common_compat_sync::WasiCtxBuilder::new()
    ///     .preopened_dir_read_only("/usr/share/data", "/data")?
    ///     .build()?;
    /// # Ok::<(), wasi_common_compat::Error>(())
    /// ```
    pub fn preopened_dir_read_only(mut self, host: impl AsRef<Path>, guest: impl Into<String>) -> Result<Self> {
        let d = cap_std::fs::Dir::open_ambient_dir(host.as_ref(), cap_std::ambient_authority())?;
        let dir = wasi_common_compat::read_only::ReadOnlyDir::new(Box::new(Dir::from_cap_std(d)));
        self.inner = self.inner.preopened_dir(Box::new(dir), guest);
        Ok(self)
    }

    /// Preopens the root of an in-memory tree as `guest`, read-only (as
    /// [`preopened_dir_read_only`](Self::preopened_dir_read_only) for a host
    /// directory).
    pub fn preopened_memfs_read_only(
        mut self,
        tree: wasi_common_compat_memfs::MemFs,
        guest: impl Into<String>,
    ) -> Self {
        let dir = wasi_common_compat::read_only::ReadOnlyDir::new(Box::new(tree.root()));
        self.inner = self.inner.preopened_dir(Box::new(dir), guest);
        self.memfs.push(tree);
        self
    }

    /// Preopens an already opened cap-std directory as `guest` (the form the
    /// deleted `wasi-common` builder took).
    pub fn preopened_cap_std_dir(mut self, dir: cap_std::fs::Dir, guest: impl Into<String>) -> Self {
        self.inner = self.inner.preopened_dir(Box::new(Dir::from_cap_std(dir)), guest);
        self
    }

    /// Preopens any directory implementation (a virtual one) as `guest`.
    pub fn preopened_virtual_dir(mut self, dir: Box<dyn WasiDir>, guest: impl Into<String>) -> Self {
        self.inner = self.inner.preopened_dir(dir, guest);
        self
    }

    /// Preopens the root of an in-memory tree as `guest` (fds from 3, in
    /// order with the other preopens). Nothing on the host is touched: build
    /// the tree with [`MemFs::new`](wasi_common_compat_memfs::MemFs::new)
    /// (empty) or [`MemFs::from_host_dir`](wasi_common_compat_memfs::MemFs::from_host_dir)
    /// (a copy) and keep a clone to inspect or snapshot what the guest did.
    /// When the context is built, the tree's clock becomes the context's
    /// realtime clock, so the times it records follow
    /// [`deterministic`](Self::deterministic) runs too (times recorded
    /// before, when the tree was made, came from its own
    /// [`Config::clock`](wasi_common_compat_memfs::Config::clock)).
    pub fn preopened_memfs(mut self, tree: wasi_common_compat_memfs::MemFs, guest: impl Into<String>) -> Self {
        self.inner = self.inner.preopened_dir(Box::new(tree.root()), guest);
        self.memfs.push(tree);
        self
    }

    /// Hands the guest a listening TCP socket; it gets the fd after the
    /// preopened directories (so that libc's scan of preopens, which stops
    /// at the first fd that is not a directory, finds them all).
    /// Errors: `EIO` if the socket cannot be made non-blocking.
    pub fn preopened_socket(mut self, listener: std::net::TcpListener) -> Result<Self> {
        self.sockets.push(Box::new(TcpListener::from_std(listener)?));
        Ok(self)
    }

    /// Sets the clocks.
    pub fn clocks(mut self, clocks: wasi_common_compat::clocks::WasiClocks) -> Self {
        self.inner = self.inner.clocks(clocks);
        self
    }

    /// Sets the random source.
    pub fn random(mut self, r: Box<dyn wasi_common_compat::random::WasiRandom>) -> Self {
        self.inner = self.inner.random(r);
        self
    }

    /// Replaces the scheduler.
    pub fn sched(mut self, s: Box<dyn wasi_common_compat::WasiSched>) -> Self {
        self.inner = self.inner.sched(s);
        self
    }

    /// Reproducible runs (see [`wasi_common_compat::deterministic`]).
    pub fn deterministic(mut self, seed: u64) -> Self {
        self.inner = self.inner.deterministic(seed);
        self
    }

    /// Caps the number of open fds.
    pub fn max_open_fds(mut self, max: u32) -> Self {
        self.inner = self.inner.max_open_fds(max);
        self
    }

    /// Builds the context.
    /// Errors: `EMFILE` if the preopens exceed the fd cap.
    pub fn build(mut self) -> Result<WasiCtx> {
        if !self.memfs.is_empty() {
            let clock = self.inner.shared_system_clock();
            for tree in &self.memfs {
                tree.set_clock(clock.clone());
            }
        }
        let ctx = self.inner.build()?;
        for s in self.sockets {
            ctx.push_file(s)?;
        }
        Ok(ctx)
    }
}
