//! `path_open` on a host directory.
//!
//! The flags reach the host exactly as `openat(2)` takes them, so that the
//! guest sees Linux's answers:
//! - `CREATE`, `EXCLUSIVE`, `TRUNCATE` and `APPEND` are passed as raw open
//!   flags rather than through cap-std's builder, which (like std's) refuses
//!   `O_CREAT` on a descriptor not open for writing and turns `APPEND` into
//!   write access; POSIX allows both (`open(path, O_RDONLY | O_CREAT)`).
//!   The sync flags are raw bits too (see [`crate::file`]: cap-std's `dsync`
//!   would set `O_SYNC`).
//! - A guest that asks for neither reading nor writing (rights that need
//!   neither, e.g. only `fd_filestat_get`) gets a read-only descriptor.
//! - With `fdflags::nonblock`, opening a FIFO does not wait for the other
//!   end (and opening one for writing with no reader gives `ENXIO`), as on
//!   Linux. Without it, opening a FIFO waits for the other end, as a native
//!   program would, but not in `open(2)` on the guest's thread: `path_open`
//!   ([`begin`]) opens with `O_NONBLOCK` first, and a FIFO that would have
//!   waited becomes a pending open (see `fifo`) that the context waits for
//!   in its scheduler, where the program's exit ends the wait. The flag is
//!   left on regular files and directories, where it changes nothing on
//!   local filesystems (no extra `fcntl` per open; the guest's `NONBLOCK`
//!   is the context's, never read back from the host), and cleared on
//!   devices and sockets, whose reads and writes it would change.
//!   Reads and writes of streams never block the thread either way: a
//!   stream checks readiness first and waits through the scheduler (see
//!   [`crate::file`]).

use super::{Dir, host_err};
use cap_fs_ext::{FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt};
use cap_std::fs::OpenOptionsExt;
use rustix::fs::OFlags as HostFlags;
use wasi_common_compat::{Error, FdFlags, FileType, OFlags, OpenOptions, OpenResult, Opening, Result};

/// Opens `path` beneath `dir` as `opts` says, waiting in `open(2)` if the
/// host does (a FIFO's other end). See [`Dir`]'s `open_file`.
pub(super) fn open(dir: &cap_std::fs::Dir, path: &str, opts: &OpenOptions) -> Result<OpenResult> {
    if opts.oflags.contains(OFlags::DIRECTORY) {
        return open_dir(dir, path, opts);
    }
    let file = dir.open_with(path, &host_options(opts, false)).map_err(host_err)?;
    opened_file(file, opts)
}

/// [`opened`] after an `fstat` of `file`.
/// Errors: `EISDIR` (a directory opened for writing), `EBADF`, `EIO`.
pub(super) fn opened_file(file: cap_std::fs::File, opts: &OpenOptions) -> Result<OpenResult> {
    let st = rustix::fs::fstat(&file)?;
    opened(file, st.st_mode, opts)
}

/// `path_open`'s open: as [`open`], except that an open that would wait for
/// a FIFO's other end is returned pending (see the module docs).
pub(super) fn begin(dir: &cap_std::fs::Dir, path: &str, opts: &OpenOptions) -> Result<Opening> {
    // Directories, non-blocking opens and read-write opens (of a FIFO,
    // they never wait on Linux) cannot wait for a peer.
    let cannot_wait = opts.fdflags.contains(FdFlags::NONBLOCK)
        || opts.oflags.contains(OFlags::DIRECTORY)
        || (opts.read && opts.write);
    if cannot_wait {
        return open(dir, path, opts).map(Opening::Done);
    }
    match dir.open_with(path, &host_options(opts, true)) {
        Ok(file) => {
            let st = rustix::fs::fstat(&file)?;
            if rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Fifo && !opts.write {
                return super::fifo::reader(dir, path, opts, file);
            }
            if !matches!(
                rustix::fs::FileType::from_raw_mode(st.st_mode),
                rustix::fs::FileType::RegularFile | rustix::fs::FileType::Directory
            ) {
                clear_nonblock(&file)?;
            }
            opened(file, st.st_mode, opts).map(Opening::Done)
        }
        // A FIFO for writing with no reader yet (or another file that
        // `ENXIO` names: `fifo::writer` checks).
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::NXIO.raw_os_error()) && opts.write => {
            super::fifo::writer(dir, path, opts, host_err(e))
        }
        // `O_NONBLOCK` made an open fail that would have waited for
        // something else (a lease break): open as asked.
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => open(dir, path, opts).map(Opening::Done),
        Err(e) => Err(host_err(e)),
    }
}

/// Clears `O_NONBLOCK` on a host file opened with it.
/// Errors: `EBADF` (not expected).
pub(super) fn clear_nonblock(file: &cap_std::fs::File) -> Result<()> {
    let fl = rustix::fs::fcntl_getfl(file)?;
    rustix::fs::fcntl_setfl(file, fl - HostFlags::NONBLOCK)?;
    Ok(())
}

/// What a non-directory open gives, from the file and its `st_mode`: a
/// file, or a directory (opened without `O_DIRECTORY`).
/// Errors: `EISDIR` (a directory opened for writing).
fn opened(file: cap_std::fs::File, mode: rustix::fs::RawMode, opts: &OpenOptions) -> Result<OpenResult> {
    let filetype = crate::filetype_from_mode(mode);
    if filetype == FileType::Directory {
        // The host refuses a directory for writing itself (EISDIR); this
        // keeps the rule whatever the flags were.
        if opts.write {
            return Err(Error::isdir());
        }
        let d = cap_std::fs::Dir::from_std_file(file.into_std());
        return Ok(OpenResult::Dir(Box::new(Dir::from_cap_std(d))));
    }
    // The host descriptor keeps `O_NONBLOCK` only where the guest asked.
    let host_nonblock = opts.fdflags.contains(FdFlags::NONBLOCK);
    Ok(OpenResult::File(Box::new(crate::File::with_filetype(
        file,
        filetype,
        host_nonblock,
    ))))
}

/// `O_DIRECTORY`: the path must name a directory (after following a final
/// symlink only if `follow`).
fn open_dir(dir: &cap_std::fs::Dir, path: &str, opts: &OpenOptions) -> Result<OpenResult> {
    if opts.oflags.contains(OFlags::CREATE) {
        // Linux refuses O_CREAT | O_DIRECTORY (since 6.4; before, it could
        // create a regular file). Directories are made with create_dir.
        return Err(Error::inval());
    }
    let d = if opts.follow {
        dir.open_dir(path).map_err(host_err)?
    } else {
        cap_fs_ext::DirExt::open_dir_nofollow(dir, path).map_err(|e| {
            // A final symlink not followed is `ELOOP`, as on Wasmtime's
            // hosts (`O_NOFOLLOW`), not `ENOTDIR`.
            // Only a final component that names an entry can be an
            // unfollowed link ("l/", "l/." follow it).
            let last = path.rsplit('/').next().unwrap_or_default();
            let named = !matches!(last, "" | "." | "..");
            let link = named && dir.symlink_metadata(path).is_ok_and(|md| md.file_type().is_symlink());
            if link { Error::loop_() } else { host_err(e) }
        })?
    };
    if opts.write {
        // Found a directory, which cannot be opened for writing.
        return Err(Error::isdir());
    }
    Ok(OpenResult::Dir(Box::new(Dir::from_cap_std(d))))
}

/// The cap-std options for a non-directory open, with `O_NONBLOCK` if the
/// guest asked for it or `nonblock`; see the module docs.
pub(super) fn host_options(opts: &OpenOptions, nonblock: bool) -> cap_std::fs::OpenOptions {
    let mut raw = HostFlags::empty();
    if nonblock || opts.fdflags.contains(FdFlags::NONBLOCK) {
        raw |= HostFlags::NONBLOCK;
    }
    if opts.oflags.contains(OFlags::CREATE) {
        raw |= HostFlags::CREATE;
        if opts.oflags.contains(OFlags::EXCLUSIVE) {
            raw |= HostFlags::EXCL;
        }
    }
    if opts.oflags.contains(OFlags::TRUNCATE) {
        raw |= HostFlags::TRUNC;
    }
    if opts.fdflags.contains(FdFlags::APPEND) {
        raw |= HostFlags::APPEND;
    }
    raw |= crate::file::host_sync_flags(opts.fdflags);
    let mut o = cap_std::fs::OpenOptions::new();
    o.read(opts.read || !opts.write)
        .write(opts.write)
        .follow(if opts.follow {
            FollowSymlinks::Yes
        } else {
            FollowSymlinks::No
        })
        .maybe_dir(true);
    // The raw bits of `OFlags` are the host's `int` open flags.
    o.custom_flags(raw.bits() as i32);
    o
}
