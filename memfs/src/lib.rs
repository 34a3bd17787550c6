//! # wasi-common-compat-memfs
//!
//! An in-memory filesystem for guests of [`wasi_common_compat`]: a tree of
//! directories, regular files and symlinks held entirely in the host's
//! memory, served to a guest through the core's [`WasiDir`] and
//! [`WasiFile`](wasi_common_compat::WasiFile) traits. It opens no host path
//! (only the explicit copy-in and write-out helpers touch the host).
//!
//! - [`MemFs`]: a tree (cheap to clone; clones are the same tree). Build one
//!   empty ([`MemFs::new`]), from a map of paths to bytes
//!   ([`MemFs::from_map`]), from a host directory ([`MemFs::from_host_dir`]),
//!   or from a tar stream ([`MemFs::from_tar`], feature `tar`).
//! - [`MemFs::root`] gives the [`MemDir`] to preopen; the sync crate's
//!   `WasiCtxBuilder::preopened_memfs` does that and gives the tree the
//!   context's realtime clock, so `*_NOW` timestamps and the times of writes
//!   follow a deterministic context's virtual clock.
//! - [`MemFs::snapshot`] freezes the whole tree into a [`Snapshot`] (cheap
//!   to clone), which can be inspected, restored into a new tree
//!   ([`Snapshot::restore`]) or written out to a host directory.
//! - A byte budget and an inode budget ([`Config`]) bound what a guest can
//!   make the host allocate: past them, calls fail with `ENOSPC`.
//!
//! Semantics follow Linux, as the sync backend does: the sandbox (no `..`,
//! absolute path or symlink leaves the preopened directory: `EPERM`),
//! trailing slashes, `ELOOP` after 40 links, hard links and `nlink`,
//! `rename` over files and empty directories, open files that outlive their
//! names, sparse files, `O_APPEND`. Deliberate differences are listed in the
//! project's RATIONALE.md ("memfs" entries): no access times on reads, no
//! permissions, no device files or FIFOs.
//!
//! ```
//! use wasi_common_compat::{FileType, OFlags, OpenOptions, OpenResult, WasiDir, FdFlags};
//! use wasi_common_compat_memfs::MemFs;
//!
//! let fs = MemFs::from_map(Default::default(), [("etc/motd", b"hello".to_vec())]).unwrap();
//! let root = fs.root();
//! assert_eq!(root.get_path_filestat("etc/motd", false).unwrap().size, 5);
//! let opts = OpenOptions {
//!     follow: true,
//!     oflags: OFlags::CREATE,
//!     read: true,
//!     write: true,
//!     fdflags: FdFlags::empty(),
//! };
//! let OpenResult::File(f) = root.open_file("etc/new", opts).unwrap() else { panic!() };
//! f.write_vectored(&[std::io::IoSlice::new(b"written by a guest")]).unwrap();
//! let snap = fs.snapshot();
//! assert_eq!(snap.read("etc/new").unwrap(), b"written by a guest");
//! let copy = snap.restore(Default::default()).unwrap();
//! assert_eq!(copy.read_file("etc/motd").unwrap(), b"hello");
//! assert_eq!(root.get_path_filestat("etc", false).unwrap().filetype, FileType::Directory);
//! ```
//!
//! # Writing your own `WasiDir`
//! Anything that implements [`WasiDir`] can be preopened. This read-only
//! directory serves files from a `HashMap`; every method it does not
//! implement keeps the trait's default (`ENOTSUP`):
//!
#![doc = concat!("```\n", include_str!("../doc/map_dir.rs"), include_str!("../doc/map_dir_usage.rs"), "```")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod budget;
mod build;
mod data;
mod dir;
mod file;
mod host;
mod node;
mod ops;
mod resolve;
mod snapshot;
#[cfg(feature = "tar")]
mod tar;
mod tree;

pub use budget::Usage;
pub use data::{MAX_FILE_SIZE, PAGE};
pub use dir::MemDir;
pub use file::MemFile;
pub use resolve::MAX_SYMLINKS;
pub use snapshot::Snapshot;
pub use tree::NAME_MAX;

use std::sync::Arc;
use wasi_common_compat::clocks::{SystemClock, WasiSystemClock};
use wasi_common_compat::{Result, WasiDir};

/// The default byte budget: 256 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;
/// The default inode budget: 65 536 files, directories and symlinks.
pub const DEFAULT_MAX_INODES: u64 = 65_536;

/// How to make a tree: its budgets and its clock.
#[derive(Clone)]
pub struct Config {
    max_bytes: u64,
    max_inodes: u64,
    clock: Option<Arc<dyn WasiSystemClock>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_bytes: DEFAULT_MAX_BYTES,
            max_inodes: DEFAULT_MAX_INODES,
            clock: None,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("max_bytes", &self.max_bytes)
            .field("max_inodes", &self.max_inodes)
            .field("clock", &self.clock.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl Config {
    /// [`DEFAULT_MAX_BYTES`], [`DEFAULT_MAX_INODES`], the host's realtime clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// Caps the bytes of file pages, names and symlink targets.
    pub fn max_bytes(mut self, n: u64) -> Self {
        self.max_bytes = n;
        self
    }

    /// Caps the number of files, directories and symlinks (the root counts).
    pub fn max_inodes(mut self, n: u64) -> Self {
        self.max_inodes = n;
        self
    }

    /// The clock for timestamps ("now"). Default: the host's realtime clock.
    pub fn clock(mut self, clock: Arc<dyn WasiSystemClock>) -> Self {
        self.clock = Some(clock);
        self
    }

    fn budget(&self) -> Arc<budget::Budget> {
        Arc::new(budget::Budget::new(self.max_bytes, self.max_inodes))
    }

    fn clock_or_host(&self) -> Arc<dyn WasiSystemClock> {
        self.clock.clone().unwrap_or_else(|| Arc::new(SystemClock))
    }
}

/// An in-memory tree. Clones are handles on the same tree; it lives while
/// a handle, a [`MemDir`] or an open file of it does.
#[derive(Clone)]
pub struct MemFs {
    fs: Arc<tree::Fs>,
}

impl std::fmt::Debug for MemFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemFs")
            .field("dev", &self.fs.dev)
            .field("usage", &self.usage())
            .finish()
    }
}

impl Default for MemFs {
    fn default() -> Self {
        Self::new()
    }
}

/// The inode number of a new tree's root.
const ROOT_INO: u64 = 1;

impl MemFs {
    /// An empty tree with the default [`Config`].
    pub fn new() -> Self {
        Self::with_config(Config::default())
    }

    /// An empty tree.
    pub fn with_config(config: Config) -> Self {
        MemFs {
            fs: Arc::new(tree::Fs::new(config.budget(), config.clock_or_host(), ROOT_INO, None)),
        }
    }

    /// The root directory, to preopen (`Box::new(fs.root())`).
    pub fn root(&self) -> MemDir {
        MemDir {
            fs: self.fs.clone(),
            node: self.fs.root.clone(),
        }
    }

    /// What the tree uses against its budgets.
    pub fn usage(&self) -> Usage {
        self.fs.budget.usage()
    }

    /// Replaces the clock that timestamps read (the sync builder passes the
    /// context's realtime clock here).
    pub fn set_clock(&self, clock: Arc<dyn WasiSystemClock>) {
        self.fs.set_clock(clock);
    }

    /// The whole contents of the regular file at `path` (symlinks followed,
    /// beneath the root).
    /// Errors: `ENOENT`, `EISDIR`, `ENOTDIR`, `ELOOP`, `EPERM` (escape).
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        build::read_file(&self.root(), path)
    }

    /// Creates or replaces the regular file at `path` with `bytes`, making
    /// missing parent directories (a host-side convenience, as for
    /// [`from_map`](Self::from_map)).
    /// Errors: `EPERM` (a `..` component), `ENOTDIR` (a parent is a file),
    /// `EISDIR` (`path` is a directory), `ENAMETOOLONG`, `ENOSPC`.
    pub fn write_file(&self, path: &str, bytes: &[u8]) -> Result<()> {
        build::Builder::new(&self.fs).file(path, bytes, None).map(drop)
    }

    /// A tree holding `files` (relative paths, `/`-separated; parent
    /// directories are made; a leading `/` is ignored).
    /// Errors: `EPERM` (a `..` component), `ENOTDIR` (a path below a file),
    /// `EISDIR`, `ENAMETOOLONG`, `ENOSPC` (past the budget).
    pub fn from_map<P, B>(config: Config, files: impl IntoIterator<Item = (P, B)>) -> Result<Self>
    where
        P: AsRef<str>,
        B: AsRef<[u8]>,
    {
        let fs = Self::with_config(config);
        let b = build::Builder::new(&fs.fs);
        for (path, bytes) in files {
            b.file(path.as_ref(), bytes.as_ref(), None)?;
        }
        Ok(fs)
    }

    /// A copy of the host directory `path` (directories, regular files with
    /// their access and modification times, symlinks as they are, hard
    /// links kept as links). Entries of other types (FIFOs, sockets,
    /// devices) and names that are not UTF-8 are left out. Nothing refers
    /// to the host afterwards.
    /// Errors: the host's (`ENOENT`, `ENOTDIR`, `EACCES`, `EIO`), `ENOSPC`
    /// (the tree does not fit the budget).
    pub fn from_host_dir(config: Config, path: impl AsRef<std::path::Path>) -> Result<Self> {
        let fs = Self::with_config(config);
        host::copy_in(&fs.fs, path.as_ref())?;
        Ok(fs)
    }

    /// A tree holding the entries of a tar stream: directories, regular
    /// files (with their modification times), symlinks and hard links;
    /// other entry types are skipped. Leading `/` and `./` are ignored.
    /// Errors: `EPERM` (an entry with a `..` component), `EIO` (a malformed
    /// stream, or a hard link to a path not seen before), `ENOSPC`, and
    /// the errors of [`from_map`](Self::from_map).
    #[cfg(feature = "tar")]
    pub fn from_tar(config: Config, reader: impl std::io::Read) -> Result<Self> {
        let fs = Self::with_config(config);
        tar::copy_in(&fs.fs, reader)?;
        Ok(fs)
    }

    /// Freezes the tree: every name, node and byte reachable from the root,
    /// with inode numbers and times (files that were unlinked but are still
    /// open are not part of it). Each file is copied under its own lock, so
    /// a file written meanwhile is seen either before or after a write.
    pub fn snapshot(&self) -> Snapshot {
        snapshot::take(&self.fs)
    }

    /// Writes the tree into the host directory `path` (made if missing):
    /// see [`Snapshot::write_to_host_dir`].
    /// Errors: the host's.
    pub fn write_to_host_dir(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        self.snapshot().write_to_host_dir(path)
    }
}

/// `dir` as a memfs directory, if it is one (for embedders holding a
/// `Box<dyn WasiDir>`).
pub fn as_memdir(dir: &dyn WasiDir) -> Option<&MemDir> {
    dir.as_any().downcast_ref::<MemDir>()
}
