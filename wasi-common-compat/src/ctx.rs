//! [`WasiCtx`], the state of one WASI program, and its [`WasiCtxBuilder`].
//!
//! A context is `Clone + Send + Sync`. Clones share everything: the fd table,
//! arguments, environment, clocks, randomness, scheduler and the exit state,
//! so every thread of a `wasm32-wasip1-threads` program holds a clone of one
//! context. (The only per-clone state is the cached guest-memory handle of
//! the engine glue, Wasmtime's or another's, which belongs to one store.)

use crate::bindings::preview1::types::Rights;
use crate::clocks::WasiClocks;
use crate::dir::WasiDir;
use crate::file::WasiFile;
use crate::pipe::{ReadPipe, WritePipe};
use crate::random::{OsRandom, WasiRandom};
use crate::ready::{Interest, ReadySource, lock};
use crate::sched::{ParkSched, WasiSched};
use crate::table::{DEFAULT_MAX_FDS, DirEntry, Entry, FileEntry, RightsCell, Table, rights_for};
use crate::{Error, Result};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Arguments or environment, pre-encoded the way `args_get`/`environ_get`
/// write them: NUL-terminated strings, one after another.
#[derive(Debug, Default, Clone)]
pub(crate) struct StringList {
    pub(crate) blob: Vec<u8>,
    pub(crate) offsets: Vec<u32>,
}

impl StringList {
    fn push(&mut self, s: &str) -> Result<()> {
        if s.as_bytes().contains(&0) {
            return Err(Error::ilseq().context("argument or environment string contains NUL"));
        }
        let off = u32::try_from(self.blob.len()).map_err(|_| Error::errno(crate::Errno::TooBig))?;
        let end = self.blob.len() + s.len() + 1;
        if u32::try_from(end).is_err() {
            return Err(Error::errno(crate::Errno::TooBig));
        }
        self.offsets.push(off);
        self.blob.extend_from_slice(s.as_bytes());
        self.blob.push(0);
        Ok(())
    }
}

/// The exit state shared by every thread of a program.
///
/// Waits register their waker for the exit through an [`ExitWait`], which
/// removes it again when the wait ends: a thread that waited once and then
/// ended leaves nothing behind (its waker, and with it the scheduler's
/// per-thread eventfd, is released with the thread).
pub(crate) struct ExitState {
    exited: AtomicBool,
    status: AtomicI32,
    waiters: Mutex<Vec<(u64, Waker)>>,
    next_wait: AtomicU64,
    hooks: Mutex<Vec<Box<dyn Fn() + Send + Sync>>>,
}

impl ExitState {
    fn new() -> Self {
        ExitState {
            exited: AtomicBool::new(false),
            status: AtomicI32::new(0),
            waiters: Mutex::new(Vec::new()),
            next_wait: AtomicU64::new(0),
            hooks: Mutex::new(Vec::new()),
        }
    }

    fn wake_all(&self) {
        let wakers = std::mem::take(&mut *lock(&self.waiters));
        for (_, w) in wakers {
            w.wake();
        }
    }
}

/// One wait's subscription to the program's exit: ready once the program
/// exited. Its waker is registered while the wait runs and removed when the
/// `ExitWait` is dropped.
pub(crate) struct ExitWait<'a> {
    state: &'a ExitState,
    id: u64,
}

impl ReadySource for ExitWait<'_> {
    fn poll_ready(&self, _interest: Interest, cx: &mut Context<'_>) -> Poll<()> {
        let e = self.state;
        if e.exited.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        {
            let mut w = lock(&e.waiters);
            match w.iter_mut().find(|(id, _)| *id == self.id) {
                Some((_, old)) if old.will_wake(cx.waker()) => {}
                Some((_, old)) => old.clone_from(cx.waker()),
                None => w.push((self.id, cx.waker().clone())),
            }
        }
        if e.exited.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for ExitWait<'_> {
    fn drop(&mut self) {
        let mut w = lock(&self.state.waiters);
        if let Some(k) = w.iter().position(|(id, _)| *id == self.id) {
            w.swap_remove(k);
        }
    }
}

pub(crate) struct Shared {
    pub(crate) table: Table,
    pub(crate) args: StringList,
    pub(crate) env: StringList,
    pub(crate) clocks: WasiClocks,
    pub(crate) random: Box<dyn WasiRandom>,
    pub(crate) sched: Box<dyn WasiSched>,
    pub(crate) exit: ExitState,
}

/// The state of one WASI program. See the module docs.
pub struct WasiCtx {
    pub(crate) shared: Arc<Shared>,
    #[cfg(feature = "wasmtime")]
    pub(crate) memory: crate::linker::MemoryCache,
    /// Another engine's glue's guest-memory handle (see [`crate::engine`]).
    pub(crate) engine_memory: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl Clone for WasiCtx {
    /// A handle to the same program state. The clone starts with no cached
    /// memory handle, so it can serve another store (another thread).
    fn clone(&self) -> Self {
        WasiCtx {
            shared: self.shared.clone(),
            #[cfg(feature = "wasmtime")]
            memory: Default::default(),
            engine_memory: None,
        }
    }
}

impl WasiCtx {
    /// A builder with no arguments, no environment, empty stdin, stdout and
    /// stderr that discard, the host's clocks and randomness, and [`ParkSched`].
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }

    /// The fd table.
    pub fn table(&self) -> &Table {
        &self.shared.table
    }

    pub(crate) fn sched(&self) -> &dyn WasiSched {
        &*self.shared.sched
    }

    /// Installs `file` at the lowest free fd with the rights that fit its type.
    /// Errors: `EMFILE` at the fd cap.
    pub fn push_file(&self, file: Box<dyn WasiFile>) -> Result<u32> {
        let rights = file_rights(&*file)?;
        self.table()
            .push(Entry::File(Arc::new(FileEntry::new(file, rights, false))))
    }

    /// Installs `file` at `fd`, closing what was there.
    /// Errors: `EMFILE` if `fd` is beyond the fd cap.
    pub fn insert_file(&self, fd: u32, file: Box<dyn WasiFile>) -> Result<()> {
        let rights = file_rights(&*file)?;
        self.table()
            .insert_at(fd, Entry::File(Arc::new(FileEntry::new(file, rights, false))))
    }

    /// Installs `dir` at the lowest free fd as a preopen named `guest_path`.
    /// Errors: `EMFILE` at the fd cap.
    pub fn push_dir(&self, dir: Box<dyn WasiDir>, guest_path: &str) -> Result<u32> {
        self.table().push(dir_entry(dir, Some(guest_path.to_owned())))
    }

    /// Installs `dir` at `fd` as a preopen named `guest_path`, closing what was there.
    /// Errors: `EMFILE` if `fd` is beyond the fd cap.
    pub fn insert_dir(&self, fd: u32, dir: Box<dyn WasiDir>, guest_path: &str) -> Result<()> {
        self.table().insert_at(fd, dir_entry(dir, Some(guest_path.to_owned())))
    }

    /// Replaces stdin (fd 0). It reports the one right `fd_read` (so it is
    /// read-only: `fd_write` on it gives `EBADF`), as Wasmtime's hosts do.
    /// Errors: `EMFILE` if the fd cap is below 3.
    pub fn set_stdin(&self, f: Box<dyn WasiFile>) -> Result<()> {
        self.insert_stdio(0, f, Rights::FD_READ)
    }

    /// Replaces stdout (fd 1). It reports the one right `fd_write`.
    /// Errors: `EMFILE` if the fd cap is below 3.
    pub fn set_stdout(&self, f: Box<dyn WasiFile>) -> Result<()> {
        self.insert_stdio(1, f, Rights::FD_WRITE)
    }

    /// Replaces stderr (fd 2). It reports the one right `fd_write`.
    /// Errors: `EMFILE` if the fd cap is below 3.
    pub fn set_stderr(&self, f: Box<dyn WasiFile>) -> Result<()> {
        self.insert_stdio(2, f, Rights::FD_WRITE)
    }

    fn insert_stdio(&self, fd: u32, f: Box<dyn WasiFile>, rights: Rights) -> Result<()> {
        let rights = RightsCell::new(rights, rights);
        self.table()
            .insert_at(fd, Entry::File(Arc::new(FileEntry::new(f, rights, false))))
    }

    /// The exit status, once some thread of the program called `proc_exit`
    /// (or [`request_exit`](Self::request_exit) was called).
    pub fn exit_status(&self) -> Option<i32> {
        let e = &self.shared.exit;
        e.exited
            .load(Ordering::Acquire)
            .then(|| e.status.load(Ordering::Acquire))
    }

    /// Ends the program with `status` (the first request wins): threads
    /// waiting in WASI calls wake and unwind with [`crate::I32Exit`], later
    /// WASI calls fail the same way, and exit hooks run. Returns the status
    /// in effect.
    pub fn request_exit(&self, status: i32) -> i32 {
        let e = &self.shared.exit;
        let hooks = {
            let mut hooks = lock(&e.hooks);
            if e.exited.load(Ordering::Acquire) {
                return e.status.load(Ordering::Acquire);
            }
            e.status.store(status, Ordering::Release);
            e.exited.store(true, Ordering::Release);
            std::mem::take(&mut *hooks)
        };
        e.wake_all();
        // Run outside the lock: a hook may itself call `request_exit`.
        for h in hooks {
            h();
        }
        status
    }

    /// Runs `hook` once when the program exits (at once if it has). The
    /// threads support uses this to stop threads that are not in a WASI call.
    pub fn on_exit(&self, hook: Box<dyn Fn() + Send + Sync>) {
        let e = &self.shared.exit;
        {
            let mut hooks = lock(&e.hooks);
            if !e.exited.load(Ordering::Acquire) {
                hooks.push(hook);
                return;
            }
        }
        hook();
    }

    /// `Err(exit)` if the program has exited: the check every waiting call makes.
    #[inline]
    pub(crate) fn check_exit(&self) -> Result<()> {
        match self.exit_status() {
            Some(s) => Err(Error::exit(s)),
            None => Ok(()),
        }
    }

    /// A subscription to the program's exit for one wait (see [`ExitWait`]).
    pub(crate) fn exit_wait(&self) -> ExitWait<'_> {
        let state = &self.shared.exit;
        ExitWait {
            state,
            id: state.next_wait.fetch_add(1, Ordering::Relaxed),
        }
    }
}

fn file_rights(file: &dyn WasiFile) -> Result<RightsCell> {
    let base = rights_for(file.get_filetype()?);
    Ok(RightsCell::new(base, Rights::empty()))
}

fn dir_entry(dir: Box<dyn WasiDir>, preopen: Option<String>) -> Entry {
    let (base, inheriting) = crate::table::rights_of_preopen();
    Entry::Dir(Arc::new(DirEntry::new(dir, RightsCell::new(base, inheriting), preopen)))
}

/// The entry of a directory opened with `path_open`.
pub(crate) fn opened_dir_entry(dir: Box<dyn WasiDir>) -> Entry {
    let rights = crate::table::rights_of_opened_dir();
    Entry::Dir(Arc::new(DirEntry::new(dir, RightsCell::new(rights, rights), None)))
}

/// Builds a [`WasiCtx`]. Backends (`sync`, `tokio-impl`) wrap this with host
/// conveniences (inherited stdio, host directories, their scheduler).
///
/// ```
/// use wasi_common_compat::{WasiCtx, pipe::{ReadPipe, WritePipe}};
/// let out = WritePipe::new_in_memory();
/// let ctx = WasiCtx::builder()
///     .arg("prog").unwrap()
///     .env("KEY", "value").unwrap()
///     .stdin(Box::new(ReadPipe::from("input")))
///     .stdout(Box::new(out.clone()))
///     .build()
///     .unwrap();
/// assert_eq!(ctx.table().len(), 3);
/// ```
pub struct WasiCtxBuilder {
    args: StringList,
    env: StringList,
    stdio: [Option<Box<dyn WasiFile>>; 3],
    preopens: Vec<(Box<dyn WasiDir>, String)>,
    clocks: WasiClocks,
    random: Box<dyn WasiRandom>,
    sched: Box<dyn WasiSched>,
    max_fds: u32,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl WasiCtxBuilder {
    /// See [`WasiCtx::builder`].
    pub fn new() -> Self {
        WasiCtxBuilder {
            args: StringList::default(),
            env: StringList::default(),
            stdio: [None, None, None],
            preopens: Vec::new(),
            clocks: WasiClocks::host(),
            random: Box::new(OsRandom),
            sched: Box::new(ParkSched),
            max_fds: DEFAULT_MAX_FDS,
        }
    }

    /// Appends one argument (the first is the program name, `argv[0]`).
    /// Errors: `EILSEQ` if it contains NUL; `E2BIG` past 4 GiB in all.
    pub fn arg(mut self, arg: &str) -> Result<Self> {
        self.args.push(arg)?;
        Ok(self)
    }

    /// Appends arguments. Errors: as [`arg`](Self::arg).
    pub fn args<S: AsRef<str>>(mut self, args: impl IntoIterator<Item = S>) -> Result<Self> {
        for a in args {
            self.args.push(a.as_ref())?;
        }
        Ok(self)
    }

    /// Adds `key=value` to the environment.
    /// Errors: `EILSEQ` if either contains NUL; `EINVAL` if `key` contains `=`
    /// or is empty.
    pub fn env(mut self, key: &str, value: &str) -> Result<Self> {
        if key.is_empty() || key.contains('=') {
            return Err(Error::inval().context("environment variable name is empty or has '='"));
        }
        self.env.push(&format!("{key}={value}"))?;
        Ok(self)
    }

    /// Adds several variables. Errors: as [`env`](Self::env).
    pub fn envs<K: AsRef<str>, V: AsRef<str>>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Result<Self> {
        for (k, v) in vars {
            self = self.env(k.as_ref(), v.as_ref())?;
        }
        Ok(self)
    }

    /// Sets stdin (fd 0). Default: empty (end of file).
    pub fn stdin(mut self, f: Box<dyn WasiFile>) -> Self {
        self.stdio[0] = Some(f);
        self
    }

    /// Sets stdout (fd 1). Default: discards.
    pub fn stdout(mut self, f: Box<dyn WasiFile>) -> Self {
        self.stdio[1] = Some(f);
        self
    }

    /// Sets stderr (fd 2). Default: discards.
    pub fn stderr(mut self, f: Box<dyn WasiFile>) -> Self {
        self.stdio[2] = Some(f);
        self
    }

    /// Adds a preopened directory, visible to the guest as `guest_path`
    /// (fds from 3, in the order added).
    pub fn preopened_dir(mut self, dir: Box<dyn WasiDir>, guest_path: impl Into<String>) -> Self {
        self.preopens.push((dir, guest_path.into()));
        self
    }

    /// Sets the clocks. Default: the host's.
    pub fn clocks(mut self, clocks: WasiClocks) -> Self {
        self.clocks = clocks;
        self
    }

    /// A handle on the realtime clock set so far, for host objects that
    /// timestamp what a guest does (an in-memory filesystem's `*_NOW` and
    /// write times), so they read the same clock as `clock_time_get` (a
    /// deterministic context's virtual one). The context keeps using the
    /// same clock; call this after [`clocks`](Self::clocks) or
    /// [`deterministic`](Self::deterministic).
    pub fn shared_system_clock(&mut self) -> Arc<dyn crate::clocks::WasiSystemClock> {
        let placeholder: Box<dyn crate::clocks::WasiSystemClock> = Box::new(crate::clocks::SystemClock);
        let clock: Arc<dyn crate::clocks::WasiSystemClock> =
            Arc::from(std::mem::replace(&mut self.clocks.system, placeholder));
        self.clocks.system = Box::new(clock.clone());
        clock
    }

    /// Sets the random source. Default: [`OsRandom`].
    pub fn random(mut self, random: Box<dyn WasiRandom>) -> Self {
        self.random = random;
        self
    }

    /// Sets the scheduler. Default: [`ParkSched`].
    pub fn sched(mut self, sched: Box<dyn WasiSched>) -> Self {
        self.sched = sched;
        self
    }

    /// Replaces the scheduler with `f(current)` (to wrap it).
    pub fn map_sched(mut self, f: impl FnOnce(Box<dyn WasiSched>) -> Box<dyn WasiSched>) -> Self {
        let cur = std::mem::replace(&mut self.sched, Box::new(ParkSched));
        self.sched = f(cur);
        self
    }

    /// Caps the number of open fds (stdio and preopens included; at least 3).
    /// Default: [`DEFAULT_MAX_FDS`].
    pub fn max_open_fds(mut self, max: u32) -> Self {
        self.max_fds = max.max(3);
        self
    }

    /// True if a preopen or a stdio stream was set (for backends' defaults).
    pub fn has_stdio(&self, fd: usize) -> bool {
        self.stdio.get(fd).is_some_and(Option::is_some)
    }

    /// Builds the context.
    /// Errors: `EMFILE` if the preopens exceed the fd cap.
    pub fn build(self) -> Result<WasiCtx> {
        let ctx = WasiCtx {
            shared: Arc::new(Shared {
                table: Table::new(self.max_fds),
                args: self.args,
                env: self.env,
                clocks: self.clocks,
                random: self.random,
                sched: self.sched,
                exit: ExitState::new(),
            }),
            #[cfg(feature = "wasmtime")]
            memory: Default::default(),
            engine_memory: None,
        };
        let [stdin, stdout, stderr] = self.stdio;
        ctx.set_stdin(stdin.unwrap_or_else(|| Box::new(ReadPipe::from_bytes(Vec::new()))))?;
        ctx.set_stdout(stdout.unwrap_or_else(|| Box::new(WritePipe::new(std::io::sink()))))?;
        ctx.set_stderr(stderr.unwrap_or_else(|| Box::new(WritePipe::new(std::io::sink()))))?;
        for (dir, path) in self.preopens {
            ctx.push_dir(dir, &path)?;
        }
        Ok(ctx)
    }
}
