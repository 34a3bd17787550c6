//! `fd_*`: operations on open descriptors.
//!
//! Rights are reported, not enforced (see
//! [`RightsCell`](crate::table::RightsCell)): only reads and writes check the
//! fd's access mode, and give `EBADF` without it. Calls on a
//! directory fd that only files support give `EBADF`, as on Wasmtime's
//! hosts (POSIX would say `EISDIR` for reads).

use super::conv::{self, Whence};
use super::poll::wait_ready;
use crate::bindings::preview1::types::{
    CiovecArray, Dircookie, Fdstat, Filesize, Filestat, Fstflags, IovecArray, Prestat, PrestatDir, Rights, Size,
};
use crate::memory::{read_into_guest, write_bytes, write_from_guest};
use crate::ready::Interest;
use crate::table::{Entry, FileEntry};
use crate::types::{Advice, FdFlags, FileType};
use crate::{Error, Result, WasiCtx};
use std::sync::Arc;
use wiggle::{GuestMemory, GuestPtr};

/// Runs `op` until it does not return `EAGAIN`, waiting for `interest` in
/// between unless the fd is non-blocking (then `EAGAIN` goes to the guest).
///
/// The first attempt runs before any future is entered, so the common case
/// (the operation completes) costs one synchronous call; only an `EAGAIN`
/// reaches the waiting loop (and its one allocation).
#[inline]
pub(crate) async fn retry<T>(
    ctx: &WasiCtx,
    f: &FileEntry,
    interest: Interest,
    mut op: impl FnMut() -> Result<T>,
) -> Result<T> {
    match op() {
        // Boxed: the waiting state machine is large, and keeping it out of
        // line keeps every call's future small (it is built and moved on
        // every call, and only a call that must wait needs it).
        Err(e) if e.is_again() && !f.nonblocking() => Box::pin(wait_and_retry(ctx, f, interest, op)).await,
        r => r,
    }
}

/// The slow path of [`retry`]: wait, try again, until done.
async fn wait_and_retry<T>(
    ctx: &WasiCtx,
    f: &FileEntry,
    interest: Interest,
    mut op: impl FnMut() -> Result<T>,
) -> Result<T> {
    loop {
        wait_ready(ctx, f.file().pollable(), interest).await?;
        match op() {
            Err(e) if e.is_again() && !f.nonblocking() => continue,
            r => return r,
        }
    }
}

/// `fd_advise(fd, offset, len, advice)`, like `posix_fadvise`.
/// Errors: `EBADF` (not open), `EINVAL`
/// (offset + len overflows); `ESPIPE` on streams where the backend says so.
pub(crate) fn advise(ctx: &WasiCtx, fd: u32, offset: Filesize, len: Filesize, advice: Advice) -> Result<()> {
    match ctx.table().get(fd)? {
        Entry::File(f) => {
            offset.checked_add(len).ok_or_else(Error::inval)?;
            f.file().advise(offset, len, advice)
        }
        Entry::Dir(_) => Ok(()),
    }
}

/// `fd_allocate(fd, offset, len)`, like `posix_fallocate`.
/// Not supported, as on both of Wasmtime's preview1 hosts (preview2 dropped
/// it; it is Linux-specific and unsupported by many filesystems).
/// Errors: `EBADF` (not open, or a directory), else always `ENOTSUP`.
pub(crate) fn allocate(ctx: &WasiCtx, fd: u32, _offset: Filesize, _len: Filesize) -> Result<()> {
    ctx.table().get_file(fd)?;
    Err(Error::notsup())
}

/// `fd_close(fd)`, like `close`. Preopens can be closed too. The file itself
/// closes when no call still uses it.
/// Errors: `EBADF` (not open).
pub(crate) fn close(ctx: &WasiCtx, fd: u32) -> Result<()> {
    ctx.table().remove(fd).map(drop)
}

/// `fd_datasync(fd)`, like `fdatasync`. A file that is still flushing
/// (returns `EAGAIN`) is waited for, like a blocking write.
/// Errors: `EBADF`, `EIO`.
pub(crate) async fn datasync(ctx: &WasiCtx, fd: u32) -> Result<()> {
    match ctx.table().get(fd)? {
        Entry::File(f) => retry(ctx, &f, Interest::WRITE, || f.file().datasync()).await,
        Entry::Dir(_) => Ok(()),
    }
}

/// `fd_sync(fd)`, like `fsync`; waits like `fd_datasync`.
/// Errors: `EBADF`, `EIO`.
pub(crate) async fn sync(ctx: &WasiCtx, fd: u32) -> Result<()> {
    match ctx.table().get(fd)? {
        Entry::File(f) => retry(ctx, &f, Interest::WRITE, || f.file().sync()).await,
        Entry::Dir(_) => Ok(()),
    }
}

/// `fd_fdstat_get(fd) -> fdstat`: type, flags and rights (like `fcntl(F_GETFL)`).
/// Errors: `EBADF`.
pub(crate) fn fdstat_get(ctx: &WasiCtx, fd: u32) -> Result<Fdstat> {
    match ctx.table().get(fd)? {
        Entry::File(f) => {
            let mut flags = f.file().get_fdflags()?;
            flags.set(FdFlags::NONBLOCK, f.nonblocking());
            Ok(Fdstat {
                fs_filetype: conv::filetype(f.file().get_filetype()?),
                fs_flags: conv::fdflags_out(flags),
                fs_rights_base: f.rights().base(),
                fs_rights_inheriting: f.rights().inheriting(),
            })
        }
        Entry::Dir(d) => Ok(Fdstat {
            fs_filetype: conv::filetype(FileType::Directory),
            fs_flags: conv::fdflags_out(FdFlags::empty()),
            fs_rights_base: d.rights().base(),
            fs_rights_inheriting: d.rights().inheriting(),
        }),
    }
}

/// `fd_fdstat_set_flags(fd, flags)`, like `fcntl(F_SETFL)`: `NONBLOCK` is
/// kept per fd; `APPEND` (and the sync flags, where the backend can) go to
/// the file. Works from any thread of the program.
/// Errors: `EBADF`,
/// `ENOTSUP` (a flag the file cannot change).
pub(crate) fn fdstat_set_flags(ctx: &WasiCtx, fd: u32, flags: FdFlags) -> Result<()> {
    match ctx.table().get(fd)? {
        Entry::File(f) => {
            let want = flags - FdFlags::NONBLOCK;
            if f.file().get_fdflags()? != want {
                f.file().set_fdflags(want)?;
            }
            f.set_nonblocking(flags.contains(FdFlags::NONBLOCK));
            Ok(())
        }
        Entry::Dir(_) => {
            if (flags - FdFlags::NONBLOCK).is_empty() {
                Ok(())
            } else {
                Err(Error::notsup())
            }
        }
    }
}

/// `fd_fdstat_set_rights(fd, base, inheriting)`: not supported, as on both of
/// Wasmtime's preview1 hosts (rights are not capabilities here).
/// Errors: `EBADF` (not open), else always `ENOTSUP`.
pub(crate) fn fdstat_set_rights(ctx: &WasiCtx, fd: u32, _base: Rights, _inheriting: Rights) -> Result<()> {
    ctx.table().get(fd)?;
    Err(Error::notsup())
}

/// `fd_filestat_get(fd) -> filestat`, like `fstat`.
/// Errors: `EBADF`, `EIO`.
pub(crate) fn filestat_get(ctx: &WasiCtx, fd: u32) -> Result<Filestat> {
    let st = match ctx.table().get(fd)? {
        Entry::File(f) => f.file().get_filestat()?,
        Entry::Dir(d) => d.dir().get_filestat()?,
    };
    Ok(conv::filestat(st))
}

/// `fd_filestat_set_size(fd, size)`, like `ftruncate`.
/// Errors: `EBADF` (not open, or a directory), `EINVAL` (not a
/// regular file, or size beyond `i64::MAX`), `EFBIG`.
pub(crate) fn filestat_set_size(ctx: &WasiCtx, fd: u32, size: Filesize) -> Result<()> {
    let f = ctx.table().get_file(fd)?;
    if i64::try_from(size).is_err() {
        return Err(Error::inval());
    }
    f.file().set_filestat_size(size)
}

/// `fd_filestat_set_times(fd, atim, mtim, fst_flags)`, like `futimens`.
/// Errors: `EBADF`, `EINVAL` (a time both set and "now", or
/// unknown flag bits), `EPERM`.
pub(crate) fn filestat_set_times(ctx: &WasiCtx, fd: u32, atim: u64, mtim: u64, fst: Fstflags) -> Result<()> {
    let (a, m) = conv::set_times(atim, mtim, fst)?;
    match ctx.table().get(fd)? {
        Entry::File(f) => f.file().set_times(a, m),
        Entry::Dir(d) => d.dir().set_own_times(a, m),
    }
}

/// The file at `fd` for an I/O call: `EBADF` for a directory or closed fd.
#[inline]
fn io_file(ctx: &WasiCtx, fd: u32) -> Result<Arc<FileEntry>> {
    ctx.table().get_file(fd)
}

/// `fd_read(fd, iovs) -> nread`, like `readv`: fills the iovecs in order,
/// in place in guest memory. Waits while nothing is available, unless the
/// fd is non-blocking. 0 means end of file.
/// Errors: `EBADF` (not open, a directory, or not open for reading),
/// `EAGAIN` (non-blocking and nothing to read),
/// `EFAULT` (an iovec outside memory), `EIO`.
pub(crate) async fn read(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, iovs: IovecArray) -> Result<Size> {
    let f = match ctx.table().get(fd)? {
        Entry::File(f) => f,
        Entry::Dir(_) => return Err(Error::badf()),
    };
    f.rights().require(Rights::FD_READ)?;
    let n = retry(ctx, &f, Interest::READ, || {
        read_into_guest(mem, iovs, |bufs| f.file().read_vectored(bufs))
    })
    .await?;
    conv::size(n)
}

/// `fd_pread(fd, iovs, offset) -> nread`, like `preadv`; the cursor stays.
/// Errors: as `fd_read`; `ESPIPE` for streams.
pub(crate) async fn pread(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: IovecArray,
    offset: Filesize,
) -> Result<Size> {
    let f = match ctx.table().get(fd)? {
        Entry::File(f) => f,
        Entry::Dir(_) => return Err(Error::badf()),
    };
    f.rights().require(Rights::FD_READ)?;
    require_position(&f)?;
    let n = retry(ctx, &f, Interest::READ, || {
        read_into_guest(mem, iovs, |bufs| f.file().read_vectored_at(bufs, offset))
    })
    .await?;
    conv::size(n)
}

/// `fd_write(fd, iovs) -> nwritten`, like `writev`: the guest's bytes go to
/// the file in place (shared memory: copied in bounded chunks, never torn
/// between threads). Waits while the file cannot take data, unless
/// non-blocking.
/// Errors: `EBADF` (not open, a directory, not open for writing),
/// `EAGAIN`, `EPIPE`, `EFAULT`, `ENOSPC`, `EIO`.
pub(crate) async fn write(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, iovs: CiovecArray) -> Result<Size> {
    let f = io_file(ctx, fd)?;
    f.rights().require(Rights::FD_WRITE)?;
    let n = write_all_chunks(ctx, &f, mem, iovs, None).await?;
    conv::size(n)
}

/// `fd_pwrite(fd, iovs, offset) -> nwritten`, like `pwritev`; the cursor
/// stays. In append mode the data lands at the offset asked for where the
/// host allows it (Linux appends).
/// Errors: as `fd_write`; `ESPIPE` for streams.
pub(crate) async fn pwrite(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: CiovecArray,
    offset: Filesize,
) -> Result<Size> {
    let f = io_file(ctx, fd)?;
    f.rights().require(Rights::FD_WRITE)?;
    require_position(&f)?;
    let n = write_all_chunks(ctx, &f, mem, iovs, Some(offset)).await?;
    conv::size(n)
}

/// Whether `p` is an OS descriptor (there are none outside Unix).
pub(crate) fn is_os_fd(p: crate::Pollable<'_>) -> bool {
    #[cfg(unix)]
    {
        matches!(p, crate::Pollable::Fd(_))
    }
    #[cfg(not(unix))]
    {
        let _ = p;
        false
    }
}

async fn write_all_chunks(
    ctx: &WasiCtx,
    f: &FileEntry,
    mem: &GuestMemory<'_>,
    iovs: CiovecArray,
    offset: Option<u64>,
) -> Result<u64> {
    let file = f.file();
    let once = |bufs: &[std::io::IoSlice<'_>], at: u64| match offset {
        None => file.write_vectored(bufs),
        Some(o) => file.write_vectored_at(bufs, o.saturating_add(at)),
    };
    let shared = matches!(mem, GuestMemory::Shared(_));
    // One whole-write at a time per stream fd for threads (shared memory):
    // held across the waits below, so that another thread's write never
    // lands between the parts of this one.
    let _writer = if shared && is_os_fd(file.pollable()) {
        Some(WriterToken::acquire(ctx, f).await?)
    } else {
        None
    };
    let mut done = retry(ctx, f, Interest::WRITE, || {
        // Shared memory is written in chunks; the fd's write lock keeps one
        // call's chunks together. Waiting (in `retry`) happens outside it.
        let _chunks = shared.then(|| crate::ready::lock(&f.chunked_write));
        write_from_guest(mem, iovs, once)
    })
    .await?;
    // A blocking write to a stream (a pipe, a socket, a bridged preview2
    // stream) writes everything, as `write(2)` does on a blocking pipe,
    // waiting in the scheduler between parts (so the program's exit
    // interrupts it). Files and non-blocking fds keep the short count.
    if done > 0 && !f.nonblocking() && !matches!(file.pollable(), crate::Pollable::Always) {
        let total = crate::memory::write_len(mem, iovs)?;
        while done < total {
            let r = {
                let _chunks = shared.then(|| crate::ready::lock(&f.chunked_write));
                crate::memory::write_from_guest_after(mem, iovs, done, once)
            };
            match r {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.is_again() => wait_ready(ctx, file.pollable(), Interest::WRITE).await?,
                Err(_) => break,
            }
        }
    }
    Ok(done)
}

/// Marks a stream fd as being written by one `fd_write` of a threaded
/// program until dropped. Waiting for it goes through the scheduler (1 ms
/// steps), so the program's exit interrupts it; the token is `Send`, unlike
/// a mutex guard, as it lives across waits.
struct WriterToken(usize);

fn writers() -> &'static std::sync::Mutex<Vec<usize>> {
    static WRITERS: std::sync::Mutex<Vec<usize>> = std::sync::Mutex::new(Vec::new());
    &WRITERS
}

impl WriterToken {
    async fn acquire(ctx: &WasiCtx, f: &FileEntry) -> Result<WriterToken> {
        // The entry's address names it while the caller holds it.
        let key = f as *const FileEntry as usize;
        loop {
            {
                let mut w = crate::ready::lock(writers());
                if !w.contains(&key) {
                    w.push(key);
                    return Ok(WriterToken(key));
                }
            }
            wait_ready(ctx, crate::Pollable::Always, Interest::WRITE).await?;
        }
    }
}

impl Drop for WriterToken {
    fn drop(&mut self) {
        let mut w = crate::ready::lock(writers());
        if let Some(k) = w.iter().position(|&x| x == self.0) {
            w.swap_remove(k);
        }
    }
}

/// `fd_prestat_get(fd) -> prestat`: the name length of a preopened directory.
/// Errors: `EBADF` (not open, or not a preopen).
pub(crate) fn prestat_get(ctx: &WasiCtx, fd: u32) -> Result<Prestat> {
    let d = preopen(ctx, fd)?;
    let len = d.preopen_path().map(str::len).unwrap_or(0);
    Ok(Prestat::Dir(PrestatDir {
        pr_name_len: u32::try_from(len).map_err(|_| Error::overflow())?,
    }))
}

fn preopen(ctx: &WasiCtx, fd: u32) -> Result<Arc<crate::table::DirEntry>> {
    match ctx.table().get(fd)? {
        Entry::Dir(d) if d.preopen_path().is_some() => Ok(d),
        _ => Err(Error::badf()),
    }
}

/// `fd_prestat_dir_name(fd, buf, len)`: writes the preopen's name (no NUL).
/// Errors: `EBADF` (not a preopen), `ENAMETOOLONG` (`len` shorter than the
/// name; nothing written), `EFAULT`.
pub(crate) fn prestat_dir_name(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    buf: GuestPtr<u8>,
    len: Size,
) -> Result<()> {
    let d = preopen(ctx, fd)?;
    let name = d.preopen_path().unwrap_or("").as_bytes();
    if name.len() > len as usize {
        return Err(Error::nametoolong());
    }
    write_bytes(mem, buf, name)
}

/// `fd_readdir(fd, buf, len, cookie) -> used`: entries from `cookie` on,
/// each a 24-byte `dirent` then its name, the last possibly cut short; a
/// result below `len` means the end was reached. `.` and `..` come first.
/// The listing is taken once at cookie 0 and served by cookie after that, so
/// listing a directory is linear in its size.
/// Errors: `EBADF` (not open), `ENOTDIR` (a file), `EFAULT`, `EIO`.
pub(crate) fn readdir(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    buf: GuestPtr<u8>,
    len: Size,
    cookie: Dircookie,
) -> Result<Size> {
    let d = ctx.table().get_dir(fd)?;
    crate::memory::check_region(mem, buf.offset(), len)?;
    let listing = {
        let mut cache = crate::ready::lock(&d.listing);
        match &*cache {
            Some(l) if cookie != 0 => l.clone(),
            _ => {
                let l = Arc::new(list_with_dots(d.dir())?);
                *cache = Some(l.clone());
                l
            }
        }
    };
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    let mut used = 0usize;
    let cap = len as usize;
    for (i, e) in listing.iter().enumerate().skip(start) {
        if used >= cap {
            break;
        }
        let mut head = [0u8; 24];
        head[0..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        head[8..16].copy_from_slice(&e.inode.to_le_bytes());
        head[16..20].copy_from_slice(&(e.name.len() as u32).to_le_bytes());
        head[20] = conv::filetype(e.filetype) as u8;
        for part in [&head[..], e.name.as_bytes()] {
            let take = part.len().min(cap - used);
            let at = buf.offset() + used as u32;
            write_bytes(mem, GuestPtr::new(at), &part[..take])?;
            used += take;
        }
    }
    conv::size(used as u64)
}

fn list_with_dots(dir: &dyn crate::WasiDir) -> Result<Vec<crate::ReaddirEntity>> {
    let me = dir.get_filestat()?;
    let mut v = vec![
        crate::ReaddirEntity {
            name: ".".into(),
            inode: me.inode,
            filetype: FileType::Directory,
        },
        crate::ReaddirEntity {
            name: "..".into(),
            inode: 0,
            filetype: FileType::Directory,
        },
    ];
    v.extend(dir.read_dir()?);
    Ok(v)
}

/// `fd_renumber(fd, to)`: moves `fd` to `to`, closing what `to` held.
/// Errors: `EBADF` if either is not open.
pub(crate) fn renumber(ctx: &WasiCtx, fd: u32, to: u32) -> Result<()> {
    ctx.table().renumber(fd, to)
}

/// `fd_seek(fd, offset, whence) -> new_offset`, like `lseek`.
/// Errors: `EBADF` (not open), `ESPIPE` (a stream),
/// `EBADF` (a directory: it has no position in preview1, and wasi-testsuite
/// accepts `EBADF`, `EISDIR` or `ENOTCAPABLE`, not `ESPIPE`), `EINVAL`
/// (negative result).
pub(crate) fn seek(ctx: &WasiCtx, fd: u32, offset: i64, whence: Whence) -> Result<Filesize> {
    let f = match ctx.table().get(fd)? {
        Entry::File(f) => f,
        Entry::Dir(_) => return Err(Error::badf()),
    };
    require_position(&f)?;
    f.file().seek(conv::seek_from(offset, whence)?)
}

/// `ESPIPE` unless `f` has a position: a stream (pipe, socket, terminal,
/// stdio: anything but a regular file or block device) has none, as
/// `lseek`/`pread` say on a pipe.
fn require_position(f: &FileEntry) -> Result<()> {
    match f.file().get_filetype()? {
        FileType::RegularFile | FileType::BlockDevice => Ok(()),
        _ => Err(Error::spipe()),
    }
}

/// `fd_tell(fd) -> offset`, like `lseek(fd, 0, SEEK_CUR)`.
/// Errors: `EBADF` (not open, or a directory), `ESPIPE` (a stream).
pub(crate) fn tell(ctx: &WasiCtx, fd: u32) -> Result<Filesize> {
    let f = match ctx.table().get(fd)? {
        Entry::File(f) => f,
        Entry::Dir(_) => return Err(Error::badf()),
    };
    require_position(&f)?;
    f.file().seek(std::io::SeekFrom::Current(0))
}
