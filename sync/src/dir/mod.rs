//! Host directories, through cap-std.
//!
//! # The sandbox
//! Every guest path is resolved by cap-std relative to the directory's own
//! descriptor: on Linux with `openat2(RESOLVE_BENEATH)` where the kernel has
//! it, else component by component. No `..`, absolute path or symbolic link
//! reaches outside the directory; an attempt fails with `EPERM` (cap-std's
//! escape error, mapped in `host_err`). Nothing here touches an ambient path.
//!
//! # Linux semantics
//! cap-std gives each call the meaning of its POSIX namesake, with a few
//! differences in how trailing slashes are treated; this module restores
//! Linux's where a guest can tell: `rmdir("dir/")` works; `rename` of a file
//! to or from a path with a trailing slash is `ENOTDIR`; `symlink` or `link`
//! to "name/" is `EEXIST` or `ENOENT`; `lstat("file/")` is `ENOTDIR`. Each
//! such fix says why where it is made, and `tests/paths.rs` checks them all
//! against the answers Linux gives.
//!
//! # Windows names
//! On Windows, a guest path with a device name (`NUL`, `COM1.txt`) or a
//! drive or stream prefix (`C:`, `name:stream`) in any component is refused
//! with `EPERM` before cap-std sees it (see `winpath`).

mod fifo;
mod open;
mod stat;
mod winpath;

use crate::file::set_fd_times;
use rustix::fd::AsFd;
use std::any::Any;
use std::io::ErrorKind;
use std::path::PathBuf;
use wasi_common_compat::{
    Error, FileType, Filestat, OpenOptions, OpenResult, Opening, ReaddirEntity, Result, SystemTimeSpec, WasiDir,
};

/// A host directory opened through cap-std. See the module docs for the
/// sandbox it keeps.
pub struct Dir(cap_std::fs::Dir);

impl std::fmt::Debug for Dir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Dir").field(&self.0.as_fd()).finish()
    }
}

impl Dir {
    /// Wraps a cap-std directory; the guest can reach what is beneath it and
    /// nothing else.
    pub fn from_cap_std(dir: cap_std::fs::Dir) -> Self {
        Dir(dir)
    }

    /// The wrapped cap-std directory.
    pub fn as_cap_std(&self) -> &cap_std::fs::Dir {
        &self.0
    }

    /// Unwraps into the cap-std directory.
    pub fn into_cap_std(self) -> cap_std::fs::Dir {
        self.0
    }

    /// The error of creating a non-directory at `path`, which ends in a
    /// slash. Linux never does (namei's `filename_create`): an existing
    /// name, of any type and not followed, gives `EEXIST`, a missing one
    /// `ENOENT`, after the parents resolve. cap-std would instead resolve
    /// "name/" as the directory "name", giving `ENOTDIR` for a file.
    fn slash_name_error(&self, path: &str) -> Error {
        match self.0.symlink_metadata(strip_trailing_slashes(path)) {
            Ok(_) => Error::exist(),
            Err(e) => host_err(e),
        }
    }

    /// `dir` as one of ours, for the two-directory calls.
    /// Errors: `EXDEV` if it is another implementation.
    fn same_kind(dir: &dyn WasiDir) -> Result<&Dir> {
        dir.as_any()
            .downcast_ref::<Dir>()
            .ok_or_else(|| Error::xdev().context("the other directory is not a host directory"))
    }
}

/// Maps a cap-std error to the guest's.
///
/// cap-std reports an attempt to leave the sandbox (`..` too far up, an
/// absolute path, a symlink pointing outside, an absolute symlink target) as
/// an [`std::io::Error`] of kind `PermissionDenied` with no OS code, which
/// the core's by-kind mapping would call `EACCES`. WASI calls this `EPERM`
/// (its tests accept `EPERM` or `ENOTCAPABLE`), and `EACCES` would wrongly
/// suggest a permission problem on a file that exists, so this one case is
/// mapped here; everything else goes through the core's `From<io::Error>`.
pub(crate) fn host_err(e: std::io::Error) -> Error {
    if e.raw_os_error().is_none() && e.kind() == ErrorKind::PermissionDenied {
        Error::perm().context(e)
    } else {
        e.into()
    }
}

/// True if `path` ends with `/` and is more than `/` alone (which is an
/// absolute path, refused anyway).
fn has_trailing_slash(path: &str) -> bool {
    path.len() > 1 && path.ends_with('/')
}

/// `path` without its trailing slashes (unless that leaves nothing).
fn strip_trailing_slashes(path: &str) -> &str {
    match path.trim_end_matches('/') {
        "" => path,
        p => p,
    }
}

/// The cap-std form of a time to set.
fn cap_time(t: Option<SystemTimeSpec>) -> Option<cap_fs_ext::SystemTimeSpec> {
    t.map(|t| match t {
        SystemTimeSpec::SymbolicNow => cap_fs_ext::SystemTimeSpec::SymbolicNow,
        SystemTimeSpec::Absolute(t) => cap_fs_ext::SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(t)),
    })
}

impl WasiDir for Dir {
    fn as_any(&self) -> &dyn Any {
        self
    }

    /// `openat` beneath this directory. `CREATE`, `EXCLUSIVE`, `TRUNCATE`,
    /// `APPEND` and the sync flags reach the host as `openat` takes them (so
    /// `CREATE` works without write access); with neither read nor write
    /// asked for, the file is opened for reading. A FIFO opened without
    /// `NONBLOCK` waits in `open(2)` for its other end, as natively
    /// (`path_open` uses [`begin_open`](WasiDir::begin_open), which does
    /// not block the thread).
    /// Errors: `ENOENT`, `EEXIST` (`CREATE|EXCLUSIVE`), `ENOTDIR` (`DIRECTORY`
    /// on a non-directory, or a trailing slash on one), `EISDIR` (a
    /// directory for writing), `ELOOP` (a final symlink without `follow`, or
    /// a loop), `EINVAL` (`DIRECTORY|CREATE`), `EPERM` (escape), `EACCES`,
    /// `ENXIO` (a FIFO for writing with no reader).
    fn open_file(&self, path: &str, opts: OpenOptions) -> Result<OpenResult> {
        winpath::check(path)?;
        open::open(&self.0, path, &opts)
    }

    /// As [`open_file`](WasiDir::open_file), but a FIFO opened without
    /// `NONBLOCK` whose other end is not there yet is
    /// [`Opening::Pending`]: a helper thread waits in `open(2)`, and
    /// abandoning the open (the program's exit) releases it.
    /// Errors: those of `open_file`.
    fn begin_open(&self, path: &str, opts: OpenOptions) -> Result<Opening> {
        winpath::check(path)?;
        open::begin(&self.0, path, &opts)
    }

    /// `mkdirat` (mode 0777 before umask); a trailing slash is allowed.
    /// Errors: `EEXIST`, `ENOENT` (a parent is missing), `ENOTDIR`, `EPERM`
    /// (escape), `EACCES`, `ENOSPC`.
    fn create_dir(&self, path: &str) -> Result<()> {
        winpath::check(path)?;
        self.0.create_dir(path).map_err(host_err)
    }

    /// Every entry but `.` and `..`, in the host's order, with inode and
    /// type (`d_type`; a symlink is [`FileType::SymbolicLink`], a FIFO
    /// [`FileType::Unknown`]). Names that are not UTF-8 cannot be named by a
    /// guest and are left out. Errors: `EACCES`, `EIO`.
    fn read_dir(&self) -> Result<Vec<ReaddirEntity>> {
        stat::read_dir(&self.0)
    }

    /// `symlinkat(target, link_path)`. `target` is stored as given and only
    /// resolved (inside the sandbox) when the link is followed.
    /// Errors: `EPERM` (an absolute `target`, or `link_path` escaping),
    /// `EEXIST` (the name exists, without a trailing slash, or as a
    /// directory with one), `ENOENT` (a parent of `link_path` is missing, or
    /// a trailing slash on a name that does not exist), `ENOTDIR` (a parent
    /// is a file, or a trailing slash on a file), `EACCES`.
    fn symlink(&self, target: &str, link_path: &str) -> Result<()> {
        winpath::check(target)?;
        winpath::check(link_path)?;
        if has_trailing_slash(link_path) {
            // "file/" names no directory: `ENOTDIR`, as on Wasmtime's hosts.
            let stripped = strip_trailing_slashes(link_path);
            if self.0.symlink_metadata(stripped).is_ok_and(|md| !md.is_dir()) {
                return Err(Error::notdir());
            }
            return Err(self.slash_name_error(link_path));
        }
        cap_fs_ext::DirExt::symlink(&self.0, target, link_path).map_err(host_err)
    }

    /// `unlinkat(AT_REMOVEDIR)`.
    /// Errors: `ENOTEMPTY`, `ENOTDIR` (a file, or a symlink even with a
    /// trailing slash), `ENOENT`, `EINVAL` (a path ending in `.`, or a
    /// directory named with a trailing slash), `EBUSY`,
    /// `EPERM` (escape), `EACCES`.
    fn remove_dir(&self, path: &str) -> Result<()> {
        winpath::check(path)?;
        // "dir/" is `EINVAL`, as on both of Wasmtime's hosts (cap-std
        // resolves it to "dir/."), where Linux would remove it. Stripping
        // keeps the other answers: "file/" and "symlink/" give ENOTDIR.
        let stripped = strip_trailing_slashes(path);
        if stripped.len() != path.len() && self.0.symlink_metadata(stripped).is_ok_and(|md| md.is_dir()) {
            return Err(Error::inval());
        }
        self.0.remove_dir(stripped).map_err(host_err)
    }

    /// `unlinkat(0)`: removes a file or a symlink (never its target).
    /// Errors: `EISDIR` (a directory, with or without a trailing slash),
    /// `ENOTDIR` (a trailing slash on a non-directory), `ENOENT`, `EPERM`
    /// (escape), `EACCES`.
    fn unlink_file(&self, path: &str) -> Result<()> {
        winpath::check(path)?;
        // cap-std resolves "name/" as the directory "name" plus "." (so a file
        // gives ENOTDIR and a directory EISDIR, as on Linux).
        self.0.remove_file(path).map_err(host_err)
    }

    /// `readlinkat`: the link's contents as stored (an absolute target made
    /// on the host is shown, though following it fails).
    /// Errors: `EINVAL` (not a symlink), `ENOENT`, `ENOTDIR`, `EPERM`
    /// (escape), `EACCES`.
    fn read_link(&self, path: &str) -> Result<PathBuf> {
        winpath::check(path)?;
        self.0.read_link_contents(path).map_err(host_err)
    }

    /// `fstat` of this directory. Errors: `EIO`.
    fn get_filestat(&self) -> Result<Filestat> {
        crate::filestat_of(self.0.as_fd())
    }

    /// `fstatat`, following a final symlink if `follow` (its target must be
    /// in the sandbox).
    /// Errors: `ENOENT`, `ENOTDIR` (a trailing slash on a file), `ELOOP`,
    /// `EPERM` (escape), `EACCES`.
    fn get_path_filestat(&self, path: &str, follow: bool) -> Result<Filestat> {
        winpath::check(path)?;
        stat::path_filestat(&self.0, path, follow)
    }

    /// `renameat` into `dest_dir` (one of ours). Trailing slashes are allowed
    /// on directories only, as on Linux.
    /// Errors: `EXDEV` (`dest_dir` is another implementation, or another
    /// filesystem), `ENOENT`, `ENOTEMPTY`, `EISDIR` (a file over a
    /// directory), `ENOTDIR` (a directory over a file, or a trailing slash
    /// with a file), `EINVAL` (a directory into itself), `EPERM` (escape),
    /// `EACCES`.
    fn rename(&self, path: &str, dest_dir: &dyn WasiDir, dest_path: &str) -> Result<()> {
        winpath::check(path)?;
        winpath::check(dest_path)?;
        let dest = Self::same_kind(dest_dir)?;
        if has_trailing_slash(path) || has_trailing_slash(dest_path) {
            // cap-std drops the destination's trailing slash, so moving a
            // file to "name/" would succeed; Linux says ENOTDIR. A trailing
            // slash anywhere means the source must be a directory (not a
            // symlink to one).
            let md = self
                .0
                .symlink_metadata(strip_trailing_slashes(path))
                .map_err(host_err)?;
            if !md.is_dir() {
                return Err(Error::notdir());
            }
        }
        self.0.rename(path, &dest.0, dest_path).map_err(host_err)
    }

    /// `linkat(0)`: a new name `target_path` in `target_dir` (one of ours)
    /// for the file at `path` (a symlink is linked itself).
    /// Errors: `EXDEV`, `EEXIST` (the new name exists, with or without a
    /// trailing slash), `ENOENT` (`path` is missing, or a trailing slash on a
    /// new name that does not exist), `EPERM` (a directory, or escape),
    /// `ENOTDIR` (a trailing slash on a file `path`), `EMLINK`, `EACCES`.
    fn hard_link(&self, path: &str, target_dir: &dyn WasiDir, target_path: &str) -> Result<()> {
        winpath::check(path)?;
        winpath::check(target_path)?;
        let dest = Self::same_kind(target_dir)?;
        if has_trailing_slash(target_path) {
            // Linux looks the source up first, then refuses the new name.
            stat::path_filestat(&self.0, path, false)?;
            return Err(dest.slash_name_error(target_path));
        }
        self.0.hard_link(path, &dest.0, target_path).map_err(host_err)
    }

    /// `utimensat`, of a final symlink itself unless `follow`.
    /// [`SystemTimeSpec::SymbolicNow`] is the host's current time.
    /// Errors: `ENOENT`, `ENOTDIR`, `ELOOP`, `EPERM` (not the owner, or
    /// escape), `EACCES`.
    fn set_times(
        &self,
        path: &str,
        atim: Option<SystemTimeSpec>,
        mtim: Option<SystemTimeSpec>,
        follow: bool,
    ) -> Result<()> {
        winpath::check(path)?;
        use cap_fs_ext::DirExt;
        let target = if follow {
            self.final_target(path)?
        } else {
            PathBuf::from(path)
        };
        self.0
            .set_symlink_times(target, cap_time(atim), cap_time(mtim))
            .map_err(host_err)
    }

    /// `futimens` of this directory.
    /// Errors: `EPERM`/`EACCES` (not the owner), `EIO`.
    fn set_own_times(&self, atim: Option<SystemTimeSpec>, mtim: Option<SystemTimeSpec>) -> Result<()> {
        match set_fd_times(self.0.as_fd(), atim, mtim) {
            // A directory opened by cap-std may hold an `O_PATH` descriptor,
            // which `futimens` refuses; set the times through "." instead.
            Err(e) if e.as_errno() == Some(wasi_common_compat::Errno::Badf) => {
                use cap_fs_ext::DirExt;
                self.0.set_times(".", cap_time(atim), cap_time(mtim)).map_err(host_err)
            }
            r => r,
        }
    }
}

/// Most symlinks followed in one resolution (Linux's `MAXSYMLINKS`).
const MAX_SYMLINKS: usize = 40;

impl Dir {
    /// `path` with its final symlinks resolved (each target relative to the
    /// link's directory, inside the sandbox like any path), so that times
    /// can be set with `utimensat(AT_SYMLINK_NOFOLLOW)` on the target
    /// itself. cap-std's following `set_times` opens the file to set them,
    /// which blocks forever on a FIFO with no writer; `utimensat` needs no
    /// open. Errors: `ELOOP` (more than [`MAX_SYMLINKS`]), `EPERM` (an
    /// absolute or escaping target); others are left to the call made on
    /// the result.
    fn final_target(&self, path: &str) -> Result<PathBuf> {
        let mut p = PathBuf::from(path);
        for _ in 0..MAX_SYMLINKS {
            match self.0.symlink_metadata(&p) {
                Ok(md) if md.file_type().is_symlink() => {
                    let link = self.0.read_link_contents(&p).map_err(host_err)?;
                    if link.is_absolute() {
                        return Err(Error::perm());
                    }
                    p = match p.parent() {
                        Some(dir) => dir.join(link),
                        None => link,
                    };
                }
                _ => return Ok(p),
            }
        }
        Err(Error::loop_())
    }
}

/// The preview1 type of a cap-std file type.
fn filetype_of(ft: cap_std::fs::FileType) -> FileType {
    use cap_std::fs::FileTypeExt;
    if ft.is_dir() {
        FileType::Directory
    } else if ft.is_file() {
        FileType::RegularFile
    } else if ft.is_symlink() {
        FileType::SymbolicLink
    } else if ft.is_char_device() {
        FileType::CharacterDevice
    } else if ft.is_block_device() {
        FileType::BlockDevice
    } else if ft.is_socket() {
        FileType::SocketStream
    } else {
        FileType::Unknown
    }
}
