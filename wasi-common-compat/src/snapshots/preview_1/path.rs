//! `path_*`: operations on paths relative to a directory fd.
//!
//! Every path is resolved by the directory's [`WasiDir`](crate::WasiDir)
//! implementation, which keeps it inside that directory (see its docs).
//! Common errors of every call here: `EBADF` (the fd is not open),
//! `ENOTDIR` (the fd is not a directory), `EILSEQ` (the path is not UTF-8), `EINVAL` (the
//! path holds a NUL byte), `ENAMETOOLONG` (longer than [`MAX_PATH`]),
//! `ENOENT` (empty path), `EFAULT` (the path is outside memory).

use super::conv;
use crate::bindings::preview1::types::{Filestat, Fstflags, Lookupflags, Rights, Size};
use crate::dir::{OpenOptions, OpenResult, Opening, PendingOpen};
use crate::table::{DirEntry, Entry, FileEntry, RightsCell, rights_of_opened_file};
use crate::types::{FdFlags, OFlags};
use crate::{Error, Result, WasiCtx};
use std::sync::Arc;
use wiggle::{GuestMemory, GuestPtr};

/// Longest path accepted, in bytes.
pub const MAX_PATH: u32 = 32 * 1024;

/// Reads a guest path. Errors: see the module docs.
pub(crate) fn read_path(mem: &GuestMemory<'_>, path: GuestPtr<str>) -> Result<String> {
    if path.len() > MAX_PATH {
        return Err(Error::nametoolong());
    }
    let s = mem.as_cow_str(path)?.into_owned();
    if s.is_empty() {
        return Err(Error::noent());
    }
    if s.contains('\0') {
        return Err(Error::inval());
    }
    Ok(s)
}

/// The directory at `fd`. No right is checked: rights are not capabilities
/// (see [`RightsCell`]).
fn dir_at(ctx: &WasiCtx, fd: u32) -> Result<Arc<DirEntry>> {
    ctx.table().get_dir(fd)
}

fn follow(flags: Lookupflags) -> bool {
    flags.contains(Lookupflags::SYMLINK_FOLLOW)
}

/// `path_create_directory(fd, path)`, like `mkdirat`.
/// Errors: `EEXIST`, `ENOENT` (a parent is missing), `ENOTDIR`, `EPERM`
/// (outside the directory), and the module's.
pub(crate) fn create_directory(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, path: GuestPtr<str>) -> Result<()> {
    let d = dir_at(ctx, fd)?;
    d.dir().create_dir(&read_path(mem, path)?)
}

/// `path_filestat_get(fd, flags, path) -> filestat`, like `fstatat`; follows
/// a final symlink only with `symlink_follow`.
/// Errors: `ENOENT`, `ELOOP`, `ENOTDIR` (a trailing slash on a file), and
/// the module's.
pub(crate) fn filestat_get(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: Lookupflags,
    path: GuestPtr<str>,
) -> Result<Filestat> {
    let d = dir_at(ctx, fd)?;
    Ok(conv::filestat(
        d.dir().get_path_filestat(&read_path(mem, path)?, follow(flags))?,
    ))
}

/// `path_filestat_set_times(fd, flags, path, atim, mtim, fst_flags)`, like
/// `utimensat`.
/// Errors: `EINVAL` (a time both given and "now"), `ENOENT`, `EPERM`, and
/// the module's.
#[expect(clippy::too_many_arguments, reason = "the ABI's parameters")]
pub(crate) fn filestat_set_times(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: Lookupflags,
    path: GuestPtr<str>,
    atim: u64,
    mtim: u64,
    fst: Fstflags,
) -> Result<()> {
    let d = dir_at(ctx, fd)?;
    let (a, m) = conv::set_times(atim, mtim, fst)?;
    d.dir().set_times(&read_path(mem, path)?, a, m, follow(flags))
}

/// `path_link(old_fd, old_flags, old_path, new_fd, new_path)`, like `linkat`.
/// Errors: `EEXIST`, `ENOENT`, `EPERM` (a directory), `EXDEV`, and the module's.
pub(crate) fn link(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_fd: u32,
    old_flags: Lookupflags,
    old_path: GuestPtr<str>,
    new_fd: u32,
    new_path: GuestPtr<str>,
) -> Result<()> {
    let src = dir_at(ctx, old_fd)?;
    let dst = dir_at(ctx, new_fd)?;
    if follow(old_flags) {
        // Hard links to the target of a symlink are not offered: the host's
        // linkat(AT_SYMLINK_FOLLOW) could reach outside the sandbox.
        return Err(Error::inval());
    }
    if dst.dir().is_read_only() {
        return Err(Error::perm());
    }
    let (o, n) = (read_path(mem, old_path)?, read_path(mem, new_path)?);
    src.dir().hard_link(&o, dst.dir(), &n)
}

/// `path_open(fd, dirflags, path, oflags, base, inheriting, fdflags) -> fd`,
/// like `openat`. A file is opened for writing if `fd_write` is asked for or
/// `creat` or `trunc` is set, and for reading if `fd_read` is asked for or it
/// is not opened for writing; the inheriting rights are ignored. The new fd
/// reports the rights of its access mode (see [`RightsCell`]).
/// Errors: `ENOTSUP` (`dsync`, `rsync` or `sync` asked for), `EEXIST` (`creat|excl`), `ENOENT`, `ENOTDIR` (`directory` on a file, or a
/// trailing slash on one), `EISDIR` (a directory opened for writing),
/// `ELOOP` (a final symlink without `symlink_follow`), `EMFILE` (fd cap), and
/// the module's.
#[expect(clippy::too_many_arguments, reason = "the ABI's parameters")]
pub(crate) async fn open(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    dirflags: Lookupflags,
    path: GuestPtr<str>,
    oflags: OFlags,
    base: Rights,
    inheriting: Rights,
    fdflags: FdFlags,
) -> Result<u32> {
    let d = dir_at(ctx, fd)?;
    let path = read_path(mem, path)?;
    let _ = inheriting;
    if fdflags.intersects(FdFlags::DSYNC | FdFlags::RSYNC | FdFlags::SYNC) {
        // As on both of Wasmtime's hosts: the synchronous-I/O flags are not
        // supported at open.
        return Err(Error::notsup());
    }
    // The access mode, as on Wasmtime: `fd_write` asks for writing, and so do
    // `O_CREAT` and `O_TRUNC`; `fd_read`, or not asking for `fd_write`, asks
    // for reading.
    let write = base.contains(Rights::FD_WRITE) || oflags.intersects(OFlags::CREATE | OFlags::TRUNCATE);
    let read = base.contains(Rights::FD_READ) || !base.contains(Rights::FD_WRITE);
    let opts = OpenOptions {
        follow: follow(dirflags),
        oflags,
        read,
        write,
        fdflags,
    };
    let opened = match d.dir().begin_open(&path, opts)? {
        Opening::Done(r) => r,
        Opening::Pending(p) => finish_open(ctx, p).await?,
    };
    let entry = match opened {
        OpenResult::File(file) => {
            let rights = rights_of_opened_file(read, write, file.get_filetype()?);
            Entry::File(Arc::new(FileEntry::new(
                file,
                RightsCell::new(rights, rights),
                fdflags.contains(FdFlags::NONBLOCK),
            )))
        }
        OpenResult::Dir(dir) => crate::ctx::opened_dir_entry(dir),
    };
    ctx.table().push(entry)
}

/// Waits for a pending open (a FIFO's other end) in the context's
/// scheduler, so that the program's exit ends the wait; dropping `p` then
/// abandons the open.
async fn finish_open(ctx: &WasiCtx, mut p: Box<dyn PendingOpen>) -> Result<OpenResult> {
    loop {
        if let Some(r) = p.try_finish()? {
            return Ok(r);
        }
        super::poll::wait_any(ctx, &p.pollables()).await?;
    }
}

/// `path_readlink(fd, path, buf, len) -> used`, like `readlinkat`: writes the
/// link's target (no NUL), cut to `len` bytes.
/// Errors: `EINVAL` (not a symlink), `ENOENT`, and the module's.
pub(crate) fn readlink(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: GuestPtr<str>,
    buf: GuestPtr<u8>,
    len: Size,
) -> Result<Size> {
    let d = dir_at(ctx, fd)?;
    let target = d.dir().read_link(&read_path(mem, path)?)?;
    let bytes = target.to_str().ok_or_else(Error::ilseq)?.as_bytes();
    let n = bytes.len().min(len as usize);
    crate::memory::write_bytes(mem, buf, &bytes[..n])?;
    conv::size(n as u64)
}

/// `path_remove_directory(fd, path)`, like `unlinkat(AT_REMOVEDIR)`.
/// Errors: `ENOTEMPTY`, `ENOTDIR`, `ENOENT`, `EBUSY`/`EPERM` (`.`), and the module's.
pub(crate) fn remove_directory(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, path: GuestPtr<str>) -> Result<()> {
    let d = dir_at(ctx, fd)?;
    d.dir().remove_dir(&read_path(mem, path)?)
}

/// `path_rename(fd, old_path, new_fd, new_path)`, like `renameat`.
/// Errors: `ENOENT`, `ENOTEMPTY`/`EEXIST`, `EISDIR`, `ENOTDIR`, `EXDEV`
/// (directories of different backends), and the module's.
pub(crate) fn rename(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    old: GuestPtr<str>,
    new_fd: u32,
    new: GuestPtr<str>,
) -> Result<()> {
    let src = dir_at(ctx, fd)?;
    let dst = dir_at(ctx, new_fd)?;
    if dst.dir().is_read_only() {
        return Err(Error::perm());
    }
    let (o, n) = (read_path(mem, old)?, read_path(mem, new)?);
    src.dir().rename(&o, dst.dir(), &n)
}

/// `path_symlink(old_path, fd, new_path)`, like `symlinkat`: creates
/// `new_path` pointing to `old_path` (which need not exist).
/// Errors: `EEXIST`, `ENOENT`, `EPERM` (an absolute target), and the module's.
pub(crate) fn symlink(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    old: GuestPtr<str>,
    fd: u32,
    new: GuestPtr<str>,
) -> Result<()> {
    let d = dir_at(ctx, fd)?;
    let (o, n) = (read_path(mem, old)?, read_path(mem, new)?);
    d.dir().symlink(&o, &n)
}

/// `path_unlink_file(fd, path)`, like `unlinkat(0)`.
/// Errors: `EISDIR` (a directory), `ENOENT`, `ENOTDIR` (a trailing slash on
/// a file), and the module's.
pub(crate) fn unlink_file(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, path: GuestPtr<str>) -> Result<()> {
    let d = dir_at(ctx, fd)?;
    d.dir().unlink_file(&read_path(mem, path)?)
}
