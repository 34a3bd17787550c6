//! Read-only preopens: [`ReadOnlyDir`] wraps any [`WasiDir`] (a host
//! directory, a memfs tree, your own) so that a guest can read and list it
//! but change nothing in it: creating, truncating, writing, renaming,
//! linking, removing, making directories or symlinks and setting times all
//! give `EPERM`, in the directory, in every subdirectory opened from it, and
//! through every file opened from it; and the context refuses it as the
//! destination of `path_rename`/`path_link` from a writable directory. The
//! same answers as `wasmtime-wasi`'s read-only preopens (`DirPerms::READ`,
//! `FilePerms::READ`), and the cases of GHSA-2r75-cxrj-cmph (`O_TRUNC`) and
//! GHSA-4ch3-9j33-3pmj (`path_link`/`path_rename` destinations).
//!
//! ```
//! use wasi_common_compat::read_only::ReadOnlyDir;
//! use wasi_common_compat::{FdFlags, OFlags, OpenOptions, WasiDir};
//! # struct Empty;
//! # impl WasiDir for Empty { fn as_any(&self) -> &dyn std::any::Any { self } }
//! let dir = ReadOnlyDir::new(Box::new(Empty));
//! let opts = OpenOptions { follow: true, oflags: OFlags::empty(), read: true, write: true, fdflags: FdFlags::empty() };
//! assert!(matches!(dir.open_file("f", opts), Err(e) if e.as_errno() == Some(wasi_common_compat::Errno::Perm)));
//! assert!(dir.is_read_only());
//! ```

use crate::dir::{OpenOptions, OpenResult, Opening, WasiDir};
use crate::file::WasiFile;
use crate::ready::Pollable;
use crate::types::{
    Advice, FdFlags, FileType, Filestat, OFlags, ReaddirEntity, RiFlags, RoFlags, SdFlags, SystemTimeSpec,
};
use crate::{Error, Result};
use std::any::Any;
use std::io::{IoSlice, IoSliceMut, SeekFrom};
use std::path::PathBuf;

/// A directory the guest may read but not change. See the module docs.
pub struct ReadOnlyDir(Box<dyn WasiDir>);

impl ReadOnlyDir {
    /// Wraps `dir`; everything opened from it is read-only too.
    pub fn new(dir: Box<dyn WasiDir>) -> Self {
        ReadOnlyDir(dir)
    }

    /// The wrapped directory.
    pub fn inner(&self) -> &dyn WasiDir {
        &*self.0
    }
}

/// A file opened from a [`ReadOnlyDir`]: reads go through; writes, size and
/// time changes and allocation give `EPERM`.
pub struct ReadOnlyFile(Box<dyn WasiFile>);

impl ReadOnlyFile {
    /// Wraps `file`.
    pub fn new(file: Box<dyn WasiFile>) -> Self {
        ReadOnlyFile(file)
    }
}

fn perm<T>() -> Result<T> {
    Err(Error::perm())
}

/// `EPERM` for an open that would change something: write access (unless
/// opened as a directory), `creat`, `excl` or `trunc`.
fn refuse_changes(opts: &OpenOptions) -> Result<()> {
    let write = opts.write && !opts.oflags.contains(OFlags::DIRECTORY);
    if write
        || opts
            .oflags
            .intersects(OFlags::CREATE | OFlags::EXCLUSIVE | OFlags::TRUNCATE)
    {
        return perm();
    }
    Ok(())
}

/// What a read-only directory gives out: its files and directories wrapped.
fn read_only(r: OpenResult) -> OpenResult {
    match r {
        OpenResult::File(f) => OpenResult::File(Box::new(ReadOnlyFile(f))),
        OpenResult::Dir(d) => OpenResult::Dir(Box::new(ReadOnlyDir(d))),
    }
}

impl WasiDir for ReadOnlyDir {
    fn as_any(&self) -> &dyn Any {
        self
    }

    /// Opens for reading only. Errors: `EPERM` for write access (to what
    /// is not opened as a directory), `creat`, `excl` or `trunc`; else the
    /// wrapped directory's.
    fn open_file(&self, path: &str, opts: OpenOptions) -> Result<OpenResult> {
        refuse_changes(&opts)?;
        Ok(read_only(self.0.open_file(path, opts)?))
    }

    /// [`open_file`](WasiDir::open_file)'s checks, then the wrapped
    /// directory's `begin_open`, whose result is wrapped when it finishes.
    fn begin_open(&self, path: &str, opts: OpenOptions) -> Result<Opening> {
        refuse_changes(&opts)?;
        Ok(self.0.begin_open(path, opts)?.map(read_only))
    }

    fn create_dir(&self, _path: &str) -> Result<()> {
        perm()
    }

    fn read_dir(&self) -> Result<Vec<ReaddirEntity>> {
        self.0.read_dir()
    }

    fn symlink(&self, _target: &str, _link_path: &str) -> Result<()> {
        perm()
    }

    fn remove_dir(&self, _path: &str) -> Result<()> {
        perm()
    }

    fn unlink_file(&self, _path: &str) -> Result<()> {
        perm()
    }

    fn read_link(&self, path: &str) -> Result<PathBuf> {
        self.0.read_link(path)
    }

    fn get_filestat(&self) -> Result<Filestat> {
        self.0.get_filestat()
    }

    fn get_path_filestat(&self, path: &str, follow: bool) -> Result<Filestat> {
        self.0.get_path_filestat(path, follow)
    }

    /// Errors: `EPERM` (nothing leaves a read-only directory, not even by
    /// renaming).
    fn rename(&self, _path: &str, _dest_dir: &dyn WasiDir, _dest_path: &str) -> Result<()> {
        perm()
    }

    /// Errors: `EPERM` (a link elsewhere would make the file writable).
    fn hard_link(&self, _path: &str, _target_dir: &dyn WasiDir, _target_path: &str) -> Result<()> {
        perm()
    }

    fn set_times(
        &self,
        _path: &str,
        _atim: Option<SystemTimeSpec>,
        _mtim: Option<SystemTimeSpec>,
        _follow: bool,
    ) -> Result<()> {
        perm()
    }

    fn set_own_times(&self, _atim: Option<SystemTimeSpec>, _mtim: Option<SystemTimeSpec>) -> Result<()> {
        perm()
    }

    fn is_read_only(&self) -> bool {
        true
    }
}

impl WasiFile for ReadOnlyFile {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn get_filetype(&self) -> Result<FileType> {
        self.0.get_filetype()
    }
    fn isatty(&self) -> bool {
        self.0.isatty()
    }
    fn pollable(&self) -> Pollable<'_> {
        self.0.pollable()
    }
    fn get_fdflags(&self) -> Result<FdFlags> {
        self.0.get_fdflags()
    }
    /// Errors: `EPERM` for `append`; else the wrapped file's.
    fn set_fdflags(&self, flags: FdFlags) -> Result<()> {
        if flags.contains(FdFlags::APPEND) {
            return perm();
        }
        self.0.set_fdflags(flags)
    }
    fn get_filestat(&self) -> Result<Filestat> {
        self.0.get_filestat()
    }
    fn set_filestat_size(&self, _size: u64) -> Result<()> {
        perm()
    }
    fn set_times(&self, _atim: Option<SystemTimeSpec>, _mtim: Option<SystemTimeSpec>) -> Result<()> {
        perm()
    }
    fn advise(&self, offset: u64, len: u64, advice: Advice) -> Result<()> {
        self.0.advise(offset, len, advice)
    }
    fn allocate(&self, _offset: u64, _len: u64) -> Result<()> {
        perm()
    }
    fn datasync(&self) -> Result<()> {
        self.0.datasync()
    }
    fn sync(&self) -> Result<()> {
        self.0.sync()
    }
    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<u64> {
        self.0.read_vectored(bufs)
    }
    fn read_vectored_at(&self, bufs: &mut [IoSliceMut<'_>], offset: u64) -> Result<u64> {
        self.0.read_vectored_at(bufs, offset)
    }
    fn write_vectored(&self, _bufs: &[IoSlice<'_>]) -> Result<u64> {
        Err(Error::badf())
    }
    fn write_vectored_at(&self, _bufs: &[IoSlice<'_>], _offset: u64) -> Result<u64> {
        Err(Error::badf())
    }
    fn seek(&self, pos: SeekFrom) -> Result<u64> {
        self.0.seek(pos)
    }
    fn num_ready_bytes(&self) -> Result<u64> {
        self.0.num_ready_bytes()
    }
    fn sock_accept(&self, fdflags: FdFlags) -> Result<Box<dyn WasiFile>> {
        self.0.sock_accept(fdflags)
    }
    fn sock_recv(&self, bufs: &mut [IoSliceMut<'_>], flags: RiFlags) -> Result<(u64, RoFlags)> {
        self.0.sock_recv(bufs, flags)
    }
    fn sock_send(&self, _bufs: &[IoSlice<'_>]) -> Result<u64> {
        Err(Error::badf())
    }
    fn sock_shutdown(&self, how: SdFlags) -> Result<()> {
        self.0.sock_shutdown(how)
    }
}
