//! `path_*`: operations on paths relative to a directory fd.
//!
//! Every path is resolved by the directory's [`WasiDir`](crate::WasiDir)
//! implementation, which keeps it inside that directory (see its docs).
//! Common errors of every call here: `EBADF` (the fd is not open),
//! `ENOTDIR` (the fd is not a directory), `ENOTCAPABLE` (the directory fd
//! lacks the call's right), `EILSEQ` (the path is not UTF-8), `EINVAL` (the
//! path holds a NUL byte), `ENAMETOOLONG` (longer than [`MAX_PATH`]),
//! `ENOENT` (empty path), `EFAULT` (the path is outside memory).

use super::conv;
use crate::bindings::preview1::types::{Filestat, Fstflags, Lookupflags, Rights, Size};
use crate::dir::{OpenOptions, OpenResult};
use crate::table::{DirEntry, Entry, FileEntry, RightsCell, rights_for};
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

fn dir_with(ctx: &WasiCtx, fd: u32, right: Rights) -> Result<Arc<DirEntry>> {
    let d = ctx.table().get_dir(fd)?;
    d.rights().require(right)?;
    Ok(d)
}

fn follow(flags: Lookupflags) -> bool {
    flags.contains(Lookupflags::SYMLINK_FOLLOW)
}

/// `path_create_directory(fd, path)`, like `mkdirat`.
/// Errors: `EEXIST`, `ENOENT` (a parent is missing), `ENOTDIR`, `EPERM`
/// (outside the directory), and the module's.
pub(crate) fn create_directory(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, path: GuestPtr<str>) -> Result<()> {
    let d = dir_with(ctx, fd, Rights::PATH_CREATE_DIRECTORY)?;
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
    let d = dir_with(ctx, fd, Rights::PATH_FILESTAT_GET)?;
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
    let d = dir_with(ctx, fd, Rights::PATH_FILESTAT_SET_TIMES)?;
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
    let src = dir_with(ctx, old_fd, Rights::PATH_LINK_SOURCE)?;
    let dst = dir_with(ctx, new_fd, Rights::PATH_LINK_TARGET)?;
    if follow(old_flags) {
        // Hard links to the target of a symlink are not offered: the host's
        // linkat(AT_SYMLINK_FOLLOW) could reach outside the sandbox.
        return Err(Error::inval());
    }
    let (o, n) = (read_path(mem, old_path)?, read_path(mem, new_path)?);
    src.dir().hard_link(&o, dst.dir(), &n)
}

/// `path_open(fd, dirflags, path, oflags, base, inheriting, fdflags) -> fd`,
/// like `openat`. The new fd's rights are those asked for, within the
/// directory's inheriting rights, minus those that do not apply to what was
/// opened. It is opened for reading if `fd_read` or `fd_readdir` is asked for,
/// for writing if `fd_write`, `fd_allocate` or `fd_filestat_set_size`
/// is (or `trunc` is set).
/// Errors: `ENOTCAPABLE` (no `path_open` right, or `creat` without
/// `path_create_file`, or `trunc` without `path_filestat_set_size`),
/// `EEXIST` (`creat|excl`), `ENOENT`, `ENOTDIR` (`directory` on a file, or a
/// trailing slash on one), `EISDIR` (a directory opened for writing),
/// `ELOOP` (a final symlink without `symlink_follow`), `EMFILE` (fd cap), and
/// the module's.
#[expect(clippy::too_many_arguments, reason = "the ABI's parameters")]
pub(crate) fn open(
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
    let d = dir_with(ctx, fd, Rights::PATH_OPEN)?;
    if oflags.contains(OFlags::CREATE) {
        d.rights().require(Rights::PATH_CREATE_FILE)?;
    }
    if oflags.contains(OFlags::TRUNCATE) {
        d.rights().require(Rights::PATH_FILESTAT_SET_SIZE)?;
    }
    let path = read_path(mem, path)?;
    let allowed = d.rights().inheriting();
    let (base, inheriting) = (base & allowed, inheriting & allowed);
    let read = base.intersects(Rights::FD_READ | Rights::FD_READDIR);
    // `fd_datasync` does not imply writing: `fdatasync` works on a read-only
    // descriptor, and directories hold that right (a guest reopening "." with
    // its preopen's rights must get the directory, not `EISDIR`).
    let write = base.intersects(Rights::FD_WRITE | Rights::FD_ALLOCATE | Rights::FD_FILESTAT_SET_SIZE)
        || oflags.contains(OFlags::TRUNCATE);
    let opts = OpenOptions {
        follow: follow(dirflags),
        oflags,
        read,
        write,
        fdflags,
    };
    let entry = match d.dir().open_file(&path, opts)? {
        OpenResult::File(file) => {
            let applicable = rights_for(file.get_filetype()?);
            Entry::File(Arc::new(FileEntry::new(
                file,
                RightsCell::new(base & applicable, inheriting),
                fdflags.contains(FdFlags::NONBLOCK),
            )))
        }
        OpenResult::Dir(dir) => {
            let (dir_base, dir_inh) = crate::table::rights_of_dir();
            crate::ctx::new_dir_entry(dir, base & dir_base, inheriting & dir_inh)
        }
    };
    ctx.table().push(entry)
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
    let d = dir_with(ctx, fd, Rights::PATH_READLINK)?;
    let target = d.dir().read_link(&read_path(mem, path)?)?;
    let bytes = target.to_str().ok_or_else(Error::ilseq)?.as_bytes();
    let n = bytes.len().min(len as usize);
    crate::memory::write_bytes(mem, buf, &bytes[..n])?;
    conv::size(n as u64)
}

/// `path_remove_directory(fd, path)`, like `unlinkat(AT_REMOVEDIR)`.
/// Errors: `ENOTEMPTY`, `ENOTDIR`, `ENOENT`, `EBUSY`/`EPERM` (`.`), and the module's.
pub(crate) fn remove_directory(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, path: GuestPtr<str>) -> Result<()> {
    let d = dir_with(ctx, fd, Rights::PATH_REMOVE_DIRECTORY)?;
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
    let src = dir_with(ctx, fd, Rights::PATH_RENAME_SOURCE)?;
    let dst = dir_with(ctx, new_fd, Rights::PATH_RENAME_TARGET)?;
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
    let d = dir_with(ctx, fd, Rights::PATH_SYMLINK)?;
    let (o, n) = (read_path(mem, old)?, read_path(mem, new)?);
    d.dir().symlink(&o, &n)
}

/// `path_unlink_file(fd, path)`, like `unlinkat(0)`.
/// Errors: `EISDIR` (a directory), `ENOENT`, `ENOTDIR` (a trailing slash on
/// a file), and the module's.
pub(crate) fn unlink_file(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, path: GuestPtr<str>) -> Result<()> {
    let d = dir_with(ctx, fd, Rights::PATH_UNLINK_FILE)?;
    d.dir().unlink_file(&read_path(mem, path)?)
}
