//! [`MemFile`]: an open regular file of a tree.
//!
//! Each open is its own file description, as after `open(2)`: its own
//! cursor, access mode and flags; the bytes are the node's, shared by every
//! fd and name of the file. A write holds the file's byte lock while it
//! copies (so one `fd_write` is never interleaved with another, and an
//! `APPEND` write lands at the end atomically); reads share the lock.
//!
//! The cursor is locked for the length of a cursor read or write, so two
//! threads using one fd each get whole, consecutive ranges, as on Linux.

use crate::data::{MAX_FILE_SIZE, PAGE};
use crate::node::{Kind, Node, lock, read, write};
use crate::tree::Fs;
use std::any::Any;
use std::io::{IoSlice, IoSliceMut, SeekFrom};
use std::sync::{Arc, Mutex};
use wasi_common_compat::{Error, FdFlags, FileType, Filestat, Result, SystemTimeSpec, WasiFile};

/// An open regular file of a [`MemFs`](crate::MemFs) tree.
pub struct MemFile {
    fs: Arc<Fs>,
    node: Arc<Node>,
    cursor: Mutex<u64>,
    flags: Mutex<FdFlags>,
    readable: bool,
    writable: bool,
}

impl std::fmt::Debug for MemFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemFile")
            .field("inode", &self.node.ino)
            .field("readable", &self.readable)
            .field("writable", &self.writable)
            .finish()
    }
}

/// The flags a file keeps, normalized as Linux reports them: `SYNC` and
/// `RSYNC` both mean `O_SYNC`, which `F_GETFL` shows as all three sync flags.
fn normalize(flags: FdFlags) -> FdFlags {
    let mut f = flags & (FdFlags::APPEND | FdFlags::DSYNC);
    if flags.intersects(FdFlags::SYNC | FdFlags::RSYNC) {
        f |= FdFlags::DSYNC | FdFlags::RSYNC | FdFlags::SYNC;
    }
    f
}

const SYNC_FLAGS: FdFlags = FdFlags::DSYNC.union(FdFlags::RSYNC).union(FdFlags::SYNC);

impl MemFile {
    pub(crate) fn new(fs: Arc<Fs>, node: Arc<Node>, readable: bool, writable: bool, flags: FdFlags) -> MemFile {
        MemFile {
            fs,
            node,
            cursor: Mutex::new(0),
            flags: Mutex::new(normalize(flags)),
            readable,
            writable,
        }
    }

    fn data(&self) -> Result<&std::sync::RwLock<crate::data::Data>> {
        match &self.node.kind {
            Kind::File(d) => Ok(d),
            // Only regular files are opened as a MemFile.
            _ => Err(Error::badf()),
        }
    }

    fn append(&self) -> bool {
        lock(&self.flags).contains(FdFlags::APPEND)
    }

    /// Writes at `offset` (or at the end if `append`); returns the count and
    /// where the write ended.
    fn write_inner(&self, bufs: &[IoSlice<'_>], offset: u64) -> Result<(u64, u64)> {
        if !self.writable {
            return Err(Error::badf());
        }
        let len: u64 = bufs.iter().map(|b| b.len() as u64).sum();
        let mut data = write(self.data()?);
        let at = if self.append() { data.size() } else { offset };
        if len == 0 {
            return Ok((0, at));
        }
        if at.checked_add(len).is_none_or(|end| end > MAX_FILE_SIZE) {
            return Err(Error::errno(wasi_common_compat::Errno::Fbig));
        }
        self.node.budget().charge_bytes(data.pages_missing(at, len) * PAGE)?;
        let n = data.write_at(bufs, at);
        drop(data);
        lock(&self.node.meta).touch(self.fs.now());
        Ok((n, at + n))
    }
}

/// The time a [`SystemTimeSpec`] names, "now" read from the tree's clock.
pub(crate) fn time_of_spec(fs: &Fs, t: SystemTimeSpec) -> std::time::SystemTime {
    match t {
        SystemTimeSpec::SymbolicNow => fs.now(),
        SystemTimeSpec::Absolute(t) => t,
    }
}

/// Sets a node's times (`utimensat`); the status change time becomes now.
pub(crate) fn set_node_times(fs: &Fs, node: &Node, atim: Option<SystemTimeSpec>, mtim: Option<SystemTimeSpec>) {
    let now = fs.now();
    let mut m = lock(&node.meta);
    if let Some(a) = atim {
        m.atim = time_of_spec(fs, a);
    }
    if let Some(t) = mtim {
        m.mtim = time_of_spec(fs, t);
    }
    m.ctim = now;
}

impl WasiFile for MemFile {
    fn as_any(&self) -> &dyn Any {
        self
    }

    /// Always [`FileType::RegularFile`].
    fn get_filetype(&self) -> Result<FileType> {
        Ok(FileType::RegularFile)
    }

    /// `APPEND` and the sync flags given at open (`SYNC` or `RSYNC` show as
    /// `DSYNC | RSYNC | SYNC`, as Linux reports `O_SYNC`). Never fails.
    fn get_fdflags(&self) -> Result<FdFlags> {
        Ok(*lock(&self.flags))
    }

    /// Turns `APPEND` on or off. The sync flags are fixed at open (as on
    /// Linux, where `F_SETFL` ignores them; the sync backend refuses a
    /// change, and so does this).
    /// Errors: `ENOTSUP` (a change of `DSYNC`, `RSYNC` or `SYNC`).
    fn set_fdflags(&self, flags: FdFlags) -> Result<()> {
        let mut f = lock(&self.flags);
        if normalize(flags) & SYNC_FLAGS != *f & SYNC_FLAGS {
            return Err(Error::notsup().context("sync flags cannot change after open"));
        }
        f.set(FdFlags::APPEND, flags.contains(FdFlags::APPEND));
        Ok(())
    }

    /// The node's attributes (`fstat`); the device is the tree's. Never fails.
    fn get_filestat(&self) -> Result<Filestat> {
        Ok(self.node.filestat(self.fs.dev))
    }

    /// `ftruncate`: shrinking frees pages, growing leaves a hole (free until
    /// written). The cursor does not move.
    /// Errors: `EINVAL` (not open for writing, or beyond `i64::MAX`).
    fn set_filestat_size(&self, size: u64) -> Result<()> {
        if !self.writable || size > MAX_FILE_SIZE {
            return Err(Error::inval());
        }
        let freed = write(self.data()?).set_size(size);
        self.node.budget().release_bytes(freed);
        lock(&self.node.meta).touch(self.fs.now());
        Ok(())
    }

    /// `futimens`; [`SystemTimeSpec::SymbolicNow`] is the tree's clock (the
    /// context's, when preopened through the sync builder). Never fails.
    fn set_times(&self, atim: Option<SystemTimeSpec>, mtim: Option<SystemTimeSpec>) -> Result<()> {
        set_node_times(&self.fs, &self.node, atim, mtim);
        Ok(())
    }

    /// `fallocate(mode 0)`: allocates every page of the range (charged to
    /// the budget) and grows the file to `offset + len` if it is shorter.
    /// Errors: `EBADF` (not open for writing), `EFBIG` (past `i64::MAX`),
    /// `ENOSPC` (the budget), `EINVAL` (`len` 0).
    fn allocate(&self, offset: u64, len: u64) -> Result<()> {
        if !self.writable {
            return Err(Error::badf());
        }
        if len == 0 {
            return Err(Error::inval());
        }
        if offset.checked_add(len).is_none_or(|end| end > MAX_FILE_SIZE) {
            return Err(Error::errno(wasi_common_compat::Errno::Fbig));
        }
        let mut data = write(self.data()?);
        self.node
            .budget()
            .charge_bytes(data.pages_missing(offset, len) * PAGE)?;
        let grows = offset + len > data.size();
        data.allocate(offset, len);
        drop(data);
        if grows {
            lock(&self.node.meta).touch(self.fs.now());
        }
        Ok(())
    }

    /// `readv` at the cursor, which moves past what was read.
    /// Errors: `EBADF` (not open for reading).
    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<u64> {
        if !self.readable {
            return Err(Error::badf());
        }
        let mut cursor = lock(&self.cursor);
        let n = read(self.data()?).read_at(bufs, *cursor);
        *cursor += n;
        Ok(n)
    }

    /// `preadv`; the cursor stays.
    /// Errors: `EBADF` (not open for reading), `EINVAL` (an offset past
    /// `i64::MAX`).
    fn read_vectored_at(&self, bufs: &mut [IoSliceMut<'_>], offset: u64) -> Result<u64> {
        if !self.readable {
            return Err(Error::badf());
        }
        if offset > MAX_FILE_SIZE {
            return Err(Error::inval());
        }
        Ok(read(self.data()?).read_at(bufs, offset))
    }

    /// `writev` at the cursor, or at the end in append mode; the cursor
    /// moves past what was written. A write past the end leaves a hole of
    /// zeros. All or nothing: a write the budget cannot hold writes nothing.
    /// Errors: `EBADF` (not open for writing), `ENOSPC` (the byte budget),
    /// `EFBIG` (past `i64::MAX`).
    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<u64> {
        let mut cursor = lock(&self.cursor);
        let (n, end) = self.write_inner(bufs, *cursor)?;
        *cursor = end;
        Ok(n)
    }

    /// `pwritev`; the cursor stays. In append mode the bytes go to the end
    /// whatever the offset, as on Linux.
    /// Errors: as [`write_vectored`](Self::write_vectored), and `EINVAL` (an
    /// offset past `i64::MAX`).
    fn write_vectored_at(&self, bufs: &[IoSlice<'_>], offset: u64) -> Result<u64> {
        if offset > MAX_FILE_SIZE {
            return Err(Error::inval());
        }
        self.write_inner(bufs, offset).map(|(n, _)| n)
    }

    /// `lseek`; positions past the end are allowed (a later write leaves a
    /// hole). Errors: `EINVAL` (a negative result or one past `i64::MAX`).
    fn seek(&self, pos: SeekFrom) -> Result<u64> {
        let mut cursor = lock(&self.cursor);
        let base = match pos {
            SeekFrom::Start(o) => {
                if o > MAX_FILE_SIZE {
                    return Err(Error::inval());
                }
                *cursor = o;
                return Ok(o);
            }
            SeekFrom::Current(_) => *cursor,
            SeekFrom::End(_) => read(self.data()?).size(),
        };
        let delta = match pos {
            SeekFrom::Current(d) | SeekFrom::End(d) => d,
            SeekFrom::Start(_) => 0,
        };
        let new = i64::try_from(base)
            .ok()
            .and_then(|b| b.checked_add(delta))
            .filter(|&n| n >= 0)
            .ok_or_else(Error::inval)?;
        *cursor = new as u64;
        Ok(new as u64)
    }

    /// Bytes from the cursor to the end (what `poll_oneoff` reports).
    fn num_ready_bytes(&self) -> Result<u64> {
        let pos = *lock(&self.cursor);
        Ok(read(self.data()?).size().saturating_sub(pos))
    }
}
