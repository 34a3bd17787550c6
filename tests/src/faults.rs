//! Fault injection for tests: [`FaultyFile`] wraps any
//! [`WasiFile`] and makes its reads and writes short, or fail with a chosen
//! errno once a byte budget is spent; [`FaultyDir`] wraps a directory so
//! that every file opened from it is faulty. A test drives a guest through
//! them and checks that the guest sees exactly those results (no host
//! panic, no lost or duplicated bytes, the errno it was given).

use std::any::Any;
use std::io::{IoSlice, IoSliceMut, SeekFrom};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use wasi_common_compat::{
    Errno, Error, FdFlags, FileType, Filestat, OpenOptions, OpenResult, Pollable, ReaddirEntity, Result,
    SystemTimeSpec, WasiDir, WasiFile,
};

/// What goes wrong, and when. Shared by every file made with it (clones
/// share the counters).
#[derive(Clone, Default)]
pub struct Faults(Arc<Mutex<Plan>>);

#[derive(Default)]
struct Plan {
    /// Each read and write moves at most this many bytes.
    short: Option<usize>,
    /// Reads fail with this errno once this many bytes were read.
    read_fail: Option<(u64, Errno)>,
    /// Writes fail with this errno once this many bytes were written.
    write_fail: Option<(u64, Errno)>,
    read: u64,
    written: u64,
    /// How many calls failed on purpose.
    failed: u64,
}

impl Faults {
    /// No faults yet.
    pub fn new() -> Faults {
        Faults::default()
    }

    /// Every read and write moves at most `n` bytes (at least one).
    pub fn short(self, n: usize) -> Faults {
        self.plan().short = Some(n.max(1));
        self
    }

    /// Reads fail with `errno` after `after` bytes.
    pub fn fail_reads(self, after: u64, errno: Errno) -> Faults {
        self.plan().read_fail = Some((after, errno));
        self
    }

    /// Writes fail with `errno` after `after` bytes (a write that would
    /// cross the budget is cut at it).
    pub fn fail_writes(self, after: u64, errno: Errno) -> Faults {
        self.plan().write_fail = Some((after, errno));
        self
    }

    /// Bytes read and written so far, and the number of failed calls.
    pub fn counts(&self) -> (u64, u64, u64) {
        let p = self.plan();
        (p.read, p.written, p.failed)
    }

    fn plan(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many of `want` bytes the next read may move, or its error.
    fn allow(&self, want: usize, write: bool) -> Result<usize> {
        let mut p = self.plan();
        let (done, fail) = if write {
            (p.written, p.write_fail)
        } else {
            (p.read, p.read_fail)
        };
        let mut n = p.short.map_or(want, |s| want.min(s));
        if let Some((after, errno)) = fail {
            let left = after.saturating_sub(done);
            if left == 0 && want > 0 {
                p.failed += 1;
                return Err(Error::errno(errno));
            }
            n = n.min(usize::try_from(left).unwrap_or(usize::MAX));
        }
        Ok(n)
    }

    fn moved(&self, n: u64, write: bool) {
        let mut p = self.plan();
        if write {
            p.written += n;
        } else {
            p.read += n;
        }
    }
}

/// Cuts `bufs` to `n` bytes in total.
fn cut<'a>(bufs: &'a [IoSlice<'_>], n: usize) -> Vec<IoSlice<'a>> {
    let mut left = n;
    let mut out = Vec::new();
    for b in bufs {
        if left == 0 {
            break;
        }
        let take = b.len().min(left);
        out.push(IoSlice::new(&b[..take]));
        left -= take;
    }
    out
}

/// A file whose reads and writes go wrong as its [`Faults`] say.
pub struct FaultyFile {
    inner: Box<dyn WasiFile>,
    faults: Faults,
}

impl FaultyFile {
    /// Wraps `inner`.
    pub fn new(inner: Box<dyn WasiFile>, faults: Faults) -> Self {
        FaultyFile { inner, faults }
    }

    fn read_with(
        &self,
        bufs: &mut [IoSliceMut<'_>],
        f: impl FnOnce(&mut [IoSliceMut<'_>]) -> Result<u64>,
    ) -> Result<u64> {
        let want: usize = bufs.iter().map(|b| b.len()).sum();
        let n = self.faults.allow(want, false)?;
        if n == want {
            let got = f(bufs)?;
            self.faults.moved(got, false);
            return Ok(got);
        }
        // Read into a bounce buffer of the allowed size, then spread it.
        let mut tmp = vec![0u8; n];
        let got = f(&mut [IoSliceMut::new(&mut tmp)])?;
        let mut rest = &tmp[..got as usize];
        for b in bufs.iter_mut() {
            if rest.is_empty() {
                break;
            }
            let k = b.len().min(rest.len());
            b[..k].copy_from_slice(&rest[..k]);
            rest = &rest[k..];
        }
        self.faults.moved(got, false);
        Ok(got)
    }

    fn write_with(&self, bufs: &[IoSlice<'_>], f: impl FnOnce(&[IoSlice<'_>]) -> Result<u64>) -> Result<u64> {
        let want: usize = bufs.iter().map(|b| b.len()).sum();
        let n = self.faults.allow(want, true)?;
        let parts = cut(bufs, n);
        let put = f(&parts)?;
        self.faults.moved(put, true);
        Ok(put)
    }
}

impl WasiFile for FaultyFile {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn get_filetype(&self) -> Result<FileType> {
        self.inner.get_filetype()
    }
    fn isatty(&self) -> bool {
        self.inner.isatty()
    }
    fn pollable(&self) -> Pollable<'_> {
        self.inner.pollable()
    }
    fn get_fdflags(&self) -> Result<FdFlags> {
        self.inner.get_fdflags()
    }
    fn set_fdflags(&self, flags: FdFlags) -> Result<()> {
        self.inner.set_fdflags(flags)
    }
    fn get_filestat(&self) -> Result<Filestat> {
        self.inner.get_filestat()
    }
    fn set_filestat_size(&self, size: u64) -> Result<()> {
        self.inner.set_filestat_size(size)
    }
    fn set_times(&self, atim: Option<SystemTimeSpec>, mtim: Option<SystemTimeSpec>) -> Result<()> {
        self.inner.set_times(atim, mtim)
    }
    fn sync(&self) -> Result<()> {
        self.inner.sync()
    }
    fn datasync(&self) -> Result<()> {
        self.inner.datasync()
    }
    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<u64> {
        self.read_with(bufs, |b| self.inner.read_vectored(b))
    }
    fn read_vectored_at(&self, bufs: &mut [IoSliceMut<'_>], offset: u64) -> Result<u64> {
        self.read_with(bufs, |b| self.inner.read_vectored_at(b, offset))
    }
    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<u64> {
        self.write_with(bufs, |b| self.inner.write_vectored(b))
    }
    fn write_vectored_at(&self, bufs: &[IoSlice<'_>], offset: u64) -> Result<u64> {
        self.write_with(bufs, |b| self.inner.write_vectored_at(b, offset))
    }
    fn seek(&self, pos: SeekFrom) -> Result<u64> {
        self.inner.seek(pos)
    }
    fn num_ready_bytes(&self) -> Result<u64> {
        self.inner.num_ready_bytes()
    }
}

/// A directory whose files (and those of its subdirectories) are
/// [`FaultyFile`]s sharing one [`Faults`].
pub struct FaultyDir {
    inner: Box<dyn WasiDir>,
    faults: Faults,
}

impl FaultyDir {
    /// Wraps `inner`.
    pub fn new(inner: Box<dyn WasiDir>, faults: Faults) -> Self {
        FaultyDir { inner, faults }
    }
}

impl WasiDir for FaultyDir {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn open_file(&self, path: &str, opts: OpenOptions) -> Result<OpenResult> {
        Ok(match self.inner.open_file(path, opts)? {
            OpenResult::File(f) => OpenResult::File(Box::new(FaultyFile::new(f, self.faults.clone()))),
            OpenResult::Dir(d) => OpenResult::Dir(Box::new(FaultyDir::new(d, self.faults.clone()))),
        })
    }
    fn create_dir(&self, path: &str) -> Result<()> {
        self.inner.create_dir(path)
    }
    fn read_dir(&self) -> Result<Vec<ReaddirEntity>> {
        self.inner.read_dir()
    }
    fn symlink(&self, target: &str, link_path: &str) -> Result<()> {
        self.inner.symlink(target, link_path)
    }
    fn remove_dir(&self, path: &str) -> Result<()> {
        self.inner.remove_dir(path)
    }
    fn unlink_file(&self, path: &str) -> Result<()> {
        self.inner.unlink_file(path)
    }
    fn read_link(&self, path: &str) -> Result<PathBuf> {
        self.inner.read_link(path)
    }
    fn get_filestat(&self) -> Result<Filestat> {
        self.inner.get_filestat()
    }
    fn get_path_filestat(&self, path: &str, follow: bool) -> Result<Filestat> {
        self.inner.get_path_filestat(path, follow)
    }
    fn set_times(
        &self,
        path: &str,
        atim: Option<SystemTimeSpec>,
        mtim: Option<SystemTimeSpec>,
        follow: bool,
    ) -> Result<()> {
        self.inner.set_times(path, atim, mtim, follow)
    }
    fn set_own_times(&self, atim: Option<SystemTimeSpec>, mtim: Option<SystemTimeSpec>) -> Result<()> {
        self.inner.set_own_times(atim, mtim)
    }
}
