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
//! - `O_NONBLOCK` reaches the host only when the guest asks for
//!   `fdflags::nonblock`: then opening a FIFO does not wait for the other end
//!   (and opening one for writing with no reader gives `ENXIO`), as on Linux.
//!   Without it, opening a FIFO waits for the other end, as a native program
//!   would. Reads and writes never block the thread either way: a stream
//!   checks readiness first and waits through the scheduler (see
//!   [`crate::file`]). On regular files the flag changes nothing on local
//!   filesystems, so it is left as opened (no extra `fcntl` per open).

use super::{Dir, host_err};
use cap_fs_ext::{FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt};
use cap_std::fs::OpenOptionsExt;
use rustix::fs::OFlags as HostFlags;
use wasi_common_compat::{Error, FdFlags, FileType, OFlags, OpenOptions, OpenResult, Result};

/// Opens `path` beneath `dir` as `opts` says. See [`Dir`]'s `open_file`.
pub(super) fn open(dir: &cap_std::fs::Dir, path: &str, opts: &OpenOptions) -> Result<OpenResult> {
    if opts.oflags.contains(OFlags::DIRECTORY) {
        return open_dir(dir, path, opts);
    }
    let file = dir.open_with(path, &host_options(opts)).map_err(host_err)?;
    let st = rustix::fs::fstat(&file)?;
    let filetype = crate::filetype_from_mode(st.st_mode);
    if filetype == FileType::Directory {
        // The host refuses a directory for writing itself (EISDIR); this
        // keeps the rule whatever the flags were.
        if opts.write {
            return Err(Error::isdir());
        }
        let d = cap_std::fs::Dir::from_std_file(file.into_std());
        return Ok(OpenResult::Dir(Box::new(Dir::from_cap_std(d))));
    }
    Ok(OpenResult::File(Box::new(crate::File::with_filetype(file, filetype))))
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

/// The cap-std options for a non-directory open; see the module docs.
fn host_options(opts: &OpenOptions) -> cap_std::fs::OpenOptions {
    let mut raw = HostFlags::empty();
    if opts.fdflags.contains(FdFlags::NONBLOCK) {
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
