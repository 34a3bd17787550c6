//! The [`WasiDir`] trait: anything a guest can hold as a directory fd.
//!
//! Paths given to these methods are the guest's, relative to this directory,
//! exactly as the guest passed them (trailing slashes included). An
//! implementation resolves them without ever leaving the directory: no `..`,
//! absolute path or symbolic link may reach outside it (`EPERM` or `ENOENT`
//! for attempts, as the host would report for a path that does not exist in
//! the sandbox). The `sync` backend does this with cap-std.
//!
//! Defaults follow the crate rule (see [`crate::file`]): operations a backend
//! cannot perform give `ENOTSUP`.

use crate::file::WasiFile;
use crate::ready::Pollable;
use crate::types::{FdFlags, Filestat, OFlags, ReaddirEntity, SystemTimeSpec};
use crate::{Error, Result};
use std::any::Any;
use std::path::PathBuf;

/// What `path_open` produced.
pub enum OpenResult {
    /// A file (or stream, device, socket).
    File(Box<dyn WasiFile>),
    /// A directory.
    Dir(Box<dyn WasiDir>),
}

/// What [`WasiDir::begin_open`] gives: the open's result, or an open that
/// waits for something outside the program (the other end of a FIFO).
pub enum Opening {
    /// Opened (or failed at once).
    Done(OpenResult),
    /// Still waiting; the context waits on its pollables (and on the
    /// program's exit) and asks again.
    Pending(Box<dyn PendingOpen>),
}

impl Opening {
    /// The same opening with `f` applied to its result, now or when it
    /// finishes (a wrapping directory wraps what it opens this way).
    pub fn map(self, f: fn(OpenResult) -> OpenResult) -> Opening {
        match self {
            Opening::Done(r) => Opening::Done(f(r)),
            Opening::Pending(p) => Opening::Pending(Box::new(MapPending(p, f))),
        }
    }
}

impl std::fmt::Debug for Opening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Opening::Done(OpenResult::File(_)) => "Done(File)",
            Opening::Done(OpenResult::Dir(_)) => "Done(Dir)",
            Opening::Pending(_) => "Pending",
        })
    }
}

/// An open that has not finished: see [`Opening::Pending`].
///
/// Dropping it abandons the open (the program is exiting): a drop must not
/// block, and must not leave anything of the host behind that outlives the
/// open (a helper thread blocked in `open(2)` is released, for instance).
pub trait PendingOpen: Send + Sync {
    /// What to wait on (for reading) before asking again: at least one
    /// pollable. A wake-up may be spurious.
    fn pollables(&self) -> Vec<Pollable<'_>>;

    /// The result if the open has finished, else `Ok(None)`.
    /// Errors: those of [`WasiDir::open_file`].
    fn try_finish(&mut self) -> Result<Option<OpenResult>>;
}

struct MapPending(Box<dyn PendingOpen>, fn(OpenResult) -> OpenResult);

impl PendingOpen for MapPending {
    fn pollables(&self) -> Vec<Pollable<'_>> {
        self.0.pollables()
    }
    fn try_finish(&mut self) -> Result<Option<OpenResult>> {
        Ok(self.0.try_finish()?.map(self.1))
    }
}

/// How to open a path: the arguments of `path_open` after rights are decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Follow a symbolic link in the last component.
    pub follow: bool,
    /// Create / exclusive / truncate / must-be-directory.
    pub oflags: OFlags,
    /// Open for reading.
    pub read: bool,
    /// Open for writing.
    pub write: bool,
    /// Flags for the new file (`NONBLOCK` is kept by the context; a backend may
    /// ignore it).
    pub fdflags: FdFlags,
}

/// A directory a guest can hold as an fd.
pub trait WasiDir: Send + Sync + 'static {
    /// For downcasting (e.g. to check that a rename target is the same kind).
    fn as_any(&self) -> &dyn Any;

    /// Opens `path` (`openat`). With [`OFlags::DIRECTORY`] the result must be a
    /// directory; a directory opened without it is returned as
    /// [`OpenResult::Dir`] too (the guest may then `fd_readdir` it).
    /// Errors: `ENOENT`, `EEXIST` (create+exclusive), `ENOTDIR`, `EISDIR` (a
    /// directory opened for writing), `ELOOP` (a symlink with `follow` off, or
    /// a loop), `EPERM` (escape), `EACCES`, `ENOTSUP` (default).
    fn open_file(&self, _path: &str, _opts: OpenOptions) -> Result<OpenResult> {
        Err(Error::notsup())
    }

    /// Starts opening `path`, as `path_open` does: like [`open_file`]
    /// (which a host calling directly uses, and which may block), but an
    /// open that must wait for something outside the program (a FIFO
    /// opened without `NONBLOCK` waits for its other end) is returned as
    /// [`Opening::Pending`], so the context can wait for it in its
    /// scheduler, where the program's exit ends the wait. The default is
    /// [`open_file`], finished at once.
    /// Errors: those of [`open_file`].
    ///
    /// [`open_file`]: WasiDir::open_file
    fn begin_open(&self, path: &str, opts: OpenOptions) -> Result<Opening> {
        self.open_file(path, opts).map(Opening::Done)
    }

    /// Creates a directory (`mkdirat`).
    /// Errors: `EEXIST`, `ENOENT`, `ENOTDIR`, `ENOTSUP` (default).
    fn create_dir(&self, _path: &str) -> Result<()> {
        Err(Error::notsup())
    }

    /// Every entry of this directory except `.` and `..`, in a stable order
    /// (the context adds `.` and `..` and pages through the list by cookie).
    /// Errors: `EIO`, `ENOTSUP` (default).
    fn read_dir(&self) -> Result<Vec<ReaddirEntity>> {
        Err(Error::notsup())
    }

    /// Creates a symbolic link at `link_path` holding `target` (`symlinkat`).
    /// Errors: `EEXIST`, `ENOENT`, `EPERM` (absolute target where not allowed),
    /// `ENOTSUP` (default).
    fn symlink(&self, _target: &str, _link_path: &str) -> Result<()> {
        Err(Error::notsup())
    }

    /// Removes an empty directory (`unlinkat(AT_REMOVEDIR)`).
    /// Errors: `ENOTEMPTY`, `ENOTDIR`, `ENOENT`, `ENOTSUP` (default).
    fn remove_dir(&self, _path: &str) -> Result<()> {
        Err(Error::notsup())
    }

    /// Removes a non-directory (`unlinkat`).
    /// Errors: `EISDIR` (or `EPERM` on some hosts), `ENOENT`, `ENOTDIR`,
    /// `ENOTSUP` (default).
    fn unlink_file(&self, _path: &str) -> Result<()> {
        Err(Error::notsup())
    }

    /// The target of the symbolic link at `path` (`readlinkat`).
    /// Errors: `EINVAL` (not a link), `ENOENT`, `ENOTSUP` (default).
    fn read_link(&self, _path: &str) -> Result<PathBuf> {
        Err(Error::notsup())
    }

    /// Attributes of this directory (`fstat`). Default: type only.
    fn get_filestat(&self) -> Result<Filestat> {
        Ok(Filestat::of_type(crate::FileType::Directory))
    }

    /// Attributes of `path` (`fstatat`), following a final symlink if `follow`.
    /// Errors: `ENOENT`, `ENOTDIR`, `ELOOP`, `ENOTSUP` (default).
    fn get_path_filestat(&self, _path: &str, _follow: bool) -> Result<Filestat> {
        Err(Error::notsup())
    }

    /// Renames `path` to `dest_path` in `dest_dir` (`renameat`). `dest_dir` is
    /// of the same implementation (`EXDEV` otherwise).
    /// Errors: `ENOENT`, `EEXIST`/`ENOTEMPTY`, `EISDIR`, `ENOTDIR`, `EXDEV`,
    /// `ENOTSUP` (default).
    fn rename(&self, _path: &str, _dest_dir: &dyn WasiDir, _dest_path: &str) -> Result<()> {
        Err(Error::notsup())
    }

    /// Creates a hard link `target_path` in `target_dir` to `path` (`linkat`).
    /// Errors: `ENOENT`, `EEXIST`, `EPERM` (directories), `EXDEV`, `ENOTSUP` (default).
    fn hard_link(&self, _path: &str, _target_dir: &dyn WasiDir, _target_path: &str) -> Result<()> {
        Err(Error::notsup())
    }

    /// Sets times of `path` (`utimensat`); `None` leaves one unchanged.
    /// Errors: `ENOENT`, `EPERM`, `ENOTSUP` (default).
    fn set_times(
        &self,
        _path: &str,
        _atim: Option<SystemTimeSpec>,
        _mtim: Option<SystemTimeSpec>,
        _follow: bool,
    ) -> Result<()> {
        Err(Error::notsup())
    }

    /// Sets times of this directory itself (`futimens`).
    /// Errors: `EPERM`, `ENOTSUP` (default).
    fn set_own_times(&self, _atim: Option<SystemTimeSpec>, _mtim: Option<SystemTimeSpec>) -> Result<()> {
        Err(Error::notsup())
    }

    /// True if nothing in this directory may be changed (a host read-only
    /// preopen, see [`crate::read_only::ReadOnlyDir`]): the context then
    /// refuses it as the destination of `path_rename` and `path_link` with
    /// `EPERM`, whichever directory the source is in. Default: false.
    fn is_read_only(&self) -> bool {
        false
    }
}
