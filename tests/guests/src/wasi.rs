//! Thin wrappers over [`crate::sys`]: slices in, `Result<_, Errno>` out.
//! Nothing here hides an errno or retries.

use crate::sys;
use crate::types::*;

fn ptr_len(p: &[u8]) -> (*const u8, usize) {
    (p.as_ptr(), p.len())
}

pub fn fd_write(fd: Fd, bufs: &[&[u8]]) -> Result<usize, Errno> {
    let iovs: Vec<Ciovec> = bufs
        .iter()
        .map(|b| Ciovec {
            buf: b.as_ptr(),
            buf_len: b.len(),
        })
        .collect();
    let mut n = usize::MAX;
    result(unsafe { sys::fd_write(fd, iovs.as_ptr(), iovs.len(), &mut n) })?;
    Ok(n)
}

/// Writes all of `data` (looping on short writes).
pub fn write_all(fd: Fd, mut data: &[u8]) -> Result<(), Errno> {
    while !data.is_empty() {
        let n = fd_write(fd, &[data])?;
        if n == 0 {
            return Err(Errno(29));
        }
        data = &data[n..];
    }
    Ok(())
}

pub fn fd_pwrite(fd: Fd, bufs: &[&[u8]], offset: u64) -> Result<usize, Errno> {
    let iovs: Vec<Ciovec> = bufs
        .iter()
        .map(|b| Ciovec {
            buf: b.as_ptr(),
            buf_len: b.len(),
        })
        .collect();
    let mut n = usize::MAX;
    result(unsafe { sys::fd_pwrite(fd, iovs.as_ptr(), iovs.len(), offset, &mut n) })?;
    Ok(n)
}

pub fn fd_read(fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
    fd_readv(fd, &mut [buf])
}

pub fn fd_readv(fd: Fd, bufs: &mut [&mut [u8]]) -> Result<usize, Errno> {
    let iovs: Vec<Iovec> = bufs
        .iter_mut()
        .map(|b| Iovec {
            buf: b.as_mut_ptr(),
            buf_len: b.len(),
        })
        .collect();
    let mut n = usize::MAX;
    result(unsafe { sys::fd_read(fd, iovs.as_ptr(), iovs.len(), &mut n) })?;
    Ok(n)
}

/// Reads until end of file.
pub fn read_to_end(fd: Fd) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = fd_read(fd, &mut buf)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

pub fn fd_pread(fd: Fd, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
    let iov = Iovec {
        buf: buf.as_mut_ptr(),
        buf_len: buf.len(),
    };
    let mut n = usize::MAX;
    result(unsafe { sys::fd_pread(fd, &iov, 1, offset, &mut n) })?;
    Ok(n)
}

pub fn fd_seek(fd: Fd, offset: i64, whence: u32) -> Result<u64, Errno> {
    let mut pos = u64::MAX;
    result(unsafe { sys::fd_seek(fd, offset, whence, &mut pos) })?;
    Ok(pos)
}

pub fn fd_tell(fd: Fd) -> Result<u64, Errno> {
    let mut pos = u64::MAX;
    result(unsafe { sys::fd_tell(fd, &mut pos) })?;
    Ok(pos)
}

pub fn fd_close(fd: Fd) -> Result<(), Errno> {
    result(unsafe { sys::fd_close(fd) })
}

pub fn fd_sync(fd: Fd) -> Result<(), Errno> {
    result(unsafe { sys::fd_sync(fd) })
}

pub fn fd_datasync(fd: Fd) -> Result<(), Errno> {
    result(unsafe { sys::fd_datasync(fd) })
}

pub fn fd_renumber(fd: Fd, to: Fd) -> Result<(), Errno> {
    result(unsafe { sys::fd_renumber(fd, to) })
}

pub fn fd_advise(fd: Fd, offset: u64, len: u64, advice: u32) -> Result<(), Errno> {
    result(unsafe { sys::fd_advise(fd, offset, len, advice) })
}

pub fn fd_allocate(fd: Fd, offset: u64, len: u64) -> Result<(), Errno> {
    result(unsafe { sys::fd_allocate(fd, offset, len) })
}

pub fn fd_fdstat_get(fd: Fd) -> Result<Fdstat, Errno> {
    let mut st = Fdstat::default();
    result(unsafe { sys::fd_fdstat_get(fd, &mut st) })?;
    Ok(st)
}

pub fn fd_fdstat_set_flags(fd: Fd, flags: u32) -> Result<(), Errno> {
    result(unsafe { sys::fd_fdstat_set_flags(fd, flags) })
}

pub fn fd_fdstat_set_rights(fd: Fd, base: u64, inheriting: u64) -> Result<(), Errno> {
    result(unsafe { sys::fd_fdstat_set_rights(fd, base, inheriting) })
}

pub fn fd_filestat_get(fd: Fd) -> Result<Filestat, Errno> {
    let mut st = Filestat::default();
    result(unsafe { sys::fd_filestat_get(fd, &mut st) })?;
    Ok(st)
}

pub fn fd_filestat_set_size(fd: Fd, size: u64) -> Result<(), Errno> {
    result(unsafe { sys::fd_filestat_set_size(fd, size) })
}

pub fn fd_filestat_set_times(fd: Fd, atim: u64, mtim: u64, fst: u32) -> Result<(), Errno> {
    result(unsafe { sys::fd_filestat_set_times(fd, atim, mtim, fst) })
}

pub fn fd_prestat_get(fd: Fd) -> Result<Prestat, Errno> {
    let mut p = Prestat::default();
    result(unsafe { sys::fd_prestat_get(fd, &mut p) })?;
    Ok(p)
}

/// The preopen's name, read into a buffer of `len` bytes.
pub fn fd_prestat_dir_name(fd: Fd, len: usize) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; len];
    result(unsafe { sys::fd_prestat_dir_name(fd, buf.as_mut_ptr(), len) })?;
    Ok(buf)
}

/// `fd_readdir` into `buf`; returns the bytes used.
pub fn fd_readdir(fd: Fd, buf: &mut [u8], cookie: u64) -> Result<usize, Errno> {
    let mut used = usize::MAX;
    result(unsafe { sys::fd_readdir(fd, buf.as_mut_ptr(), buf.len(), cookie, &mut used) })?;
    Ok(used)
}

pub fn path_open(
    dir: Fd,
    dirflags: u32,
    path: impl AsRef<[u8]>,
    oflags: u32,
    base: u64,
    inheriting: u64,
    fdflags: u32,
) -> Result<Fd, Errno> {
    let (p, l) = ptr_len(path.as_ref());
    let mut fd = u32::MAX;
    result(unsafe { sys::path_open(dir, dirflags, p, l, oflags, base, inheriting, fdflags, &mut fd) })?;
    Ok(fd)
}

pub fn path_create_directory(dir: Fd, path: impl AsRef<[u8]>) -> Result<(), Errno> {
    let (p, l) = ptr_len(path.as_ref());
    result(unsafe { sys::path_create_directory(dir, p, l) })
}

pub fn path_remove_directory(dir: Fd, path: impl AsRef<[u8]>) -> Result<(), Errno> {
    let (p, l) = ptr_len(path.as_ref());
    result(unsafe { sys::path_remove_directory(dir, p, l) })
}

pub fn path_unlink_file(dir: Fd, path: impl AsRef<[u8]>) -> Result<(), Errno> {
    let (p, l) = ptr_len(path.as_ref());
    result(unsafe { sys::path_unlink_file(dir, p, l) })
}

pub fn path_filestat_get(dir: Fd, flags: u32, path: impl AsRef<[u8]>) -> Result<Filestat, Errno> {
    let (p, l) = ptr_len(path.as_ref());
    let mut st = Filestat::default();
    result(unsafe { sys::path_filestat_get(dir, flags, p, l, &mut st) })?;
    Ok(st)
}

pub fn path_filestat_set_times(
    dir: Fd,
    flags: u32,
    path: impl AsRef<[u8]>,
    atim: u64,
    mtim: u64,
    fst: u32,
) -> Result<(), Errno> {
    let (p, l) = ptr_len(path.as_ref());
    result(unsafe { sys::path_filestat_set_times(dir, flags, p, l, atim, mtim, fst) })
}

pub fn path_link(
    old_dir: Fd,
    old_flags: u32,
    old: impl AsRef<[u8]>,
    new_dir: Fd,
    new: impl AsRef<[u8]>,
) -> Result<(), Errno> {
    let (op, ol) = ptr_len(old.as_ref());
    let (np, nl) = ptr_len(new.as_ref());
    result(unsafe { sys::path_link(old_dir, old_flags, op, ol, new_dir, np, nl) })
}

/// `path_readlink` into `buf`; returns the bytes used.
pub fn path_readlink(dir: Fd, path: impl AsRef<[u8]>, buf: &mut [u8]) -> Result<usize, Errno> {
    let (p, l) = ptr_len(path.as_ref());
    let mut used = usize::MAX;
    result(unsafe { sys::path_readlink(dir, p, l, buf.as_mut_ptr(), buf.len(), &mut used) })?;
    Ok(used)
}

pub fn path_rename(dir: Fd, old: impl AsRef<[u8]>, new_dir: Fd, new: impl AsRef<[u8]>) -> Result<(), Errno> {
    let (op, ol) = ptr_len(old.as_ref());
    let (np, nl) = ptr_len(new.as_ref());
    result(unsafe { sys::path_rename(dir, op, ol, new_dir, np, nl) })
}

/// Creates `new` (in `dir`) pointing to `target`.
pub fn path_symlink(target: impl AsRef<[u8]>, dir: Fd, new: impl AsRef<[u8]>) -> Result<(), Errno> {
    let (op, ol) = ptr_len(target.as_ref());
    let (np, nl) = ptr_len(new.as_ref());
    result(unsafe { sys::path_symlink(op, ol, dir, np, nl) })
}

/// Polls `subs`; returns the events written.
pub fn poll_oneoff(subs: &[Subscription]) -> Result<Vec<Event>, Errno> {
    let mut events = vec![Event::default(); subs.len().max(1)];
    let mut n = usize::MAX;
    result(unsafe { sys::poll_oneoff(subs.as_ptr(), events.as_mut_ptr(), subs.len(), &mut n) })?;
    if n > subs.len() {
        crate::check::fail(&format!(
            "poll_oneoff reported {n} events for {} subscriptions",
            subs.len()
        ));
    }
    events.truncate(n);
    Ok(events)
}

pub fn clock_time_get(id: u32, precision: u64) -> Result<u64, Errno> {
    let mut t = u64::MAX;
    result(unsafe { sys::clock_time_get(id, precision, &mut t) })?;
    Ok(t)
}

pub fn clock_res_get(id: u32) -> Result<u64, Errno> {
    let mut t = u64::MAX;
    result(unsafe { sys::clock_res_get(id, &mut t) })?;
    Ok(t)
}

pub fn random_get(buf: &mut [u8]) -> Result<(), Errno> {
    result(unsafe { sys::random_get(buf.as_mut_ptr(), buf.len()) })
}

pub fn sched_yield() -> Result<(), Errno> {
    result(unsafe { sys::sched_yield() })
}

pub fn proc_raise(sig: u32) -> Result<(), Errno> {
    result(unsafe { sys::proc_raise(sig) })
}

pub fn proc_exit(code: u32) -> ! {
    unsafe { sys::proc_exit(code) }
}

pub fn sock_accept(fd: Fd, flags: u32) -> Result<Fd, Errno> {
    let mut new = u32::MAX;
    result(unsafe { sys::sock_accept(fd, flags, &mut new) })?;
    Ok(new)
}

/// Returns (bytes received, roflags).
pub fn sock_recv(fd: Fd, buf: &mut [u8], flags: u32) -> Result<(usize, u16), Errno> {
    let iov = Iovec {
        buf: buf.as_mut_ptr(),
        buf_len: buf.len(),
    };
    let (mut n, mut ro) = (usize::MAX, u16::MAX);
    result(unsafe { sys::sock_recv(fd, &iov, 1, flags, &mut n, &mut ro) })?;
    Ok((n, ro))
}

pub fn sock_send(fd: Fd, data: &[u8], flags: u32) -> Result<usize, Errno> {
    let iov = Ciovec {
        buf: data.as_ptr(),
        buf_len: data.len(),
    };
    let mut n = usize::MAX;
    result(unsafe { sys::sock_send(fd, &iov, 1, flags, &mut n) })?;
    Ok(n)
}

pub fn sock_shutdown(fd: Fd, how: u32) -> Result<(), Errno> {
    result(unsafe { sys::sock_shutdown(fd, how) })
}

fn string_list(
    sizes: unsafe extern "C" fn(*mut usize, *mut usize) -> u32,
    get: unsafe extern "C" fn(*mut *mut u8, *mut u8) -> u32,
) -> Result<Vec<Vec<u8>>, Errno> {
    let (mut count, mut size) = (0usize, 0usize);
    result(unsafe { sizes(&mut count, &mut size) })?;
    let mut ptrs = vec![std::ptr::null_mut::<u8>(); count];
    let mut buf = vec![0u8; size];
    result(unsafe { get(ptrs.as_mut_ptr(), buf.as_mut_ptr()) })?;
    let base = buf.as_ptr() as usize;
    let mut out = Vec::with_capacity(count);
    for p in ptrs {
        let start = (p as usize).wrapping_sub(base);
        if start >= size {
            crate::check::fail(&format!("string pointer {p:?} outside the buffer"));
        }
        let len = buf[start..].iter().position(|&b| b == 0).unwrap_or_else(|| {
            crate::check::fail("string without NUL terminator");
        });
        out.push(buf[start..start + len].to_vec());
    }
    Ok(out)
}

/// The arguments, via `args_sizes_get` + `args_get`.
pub fn args() -> Result<Vec<Vec<u8>>, Errno> {
    string_list(sys::args_sizes_get, sys::args_get)
}

/// The environment, via `environ_sizes_get` + `environ_get`.
pub fn environ() -> Result<Vec<Vec<u8>>, Errno> {
    string_list(sys::environ_sizes_get, sys::environ_get)
}

/// The first preopen named `name`, scanning fds from 3 until `EBADF`.
pub fn find_preopen(name: &str) -> Option<Fd> {
    for fd in 3.. {
        match fd_prestat_get(fd) {
            Ok(p) if p.tag == PREOPENTYPE_DIR => {
                if fd_prestat_dir_name(fd, p.pr_name_len).is_ok_and(|n| n == name.as_bytes()) {
                    return Some(fd);
                }
            }
            Ok(_) => {}
            Err(Errno::BADF) => return None,
            Err(_) => {}
        }
    }
    None
}

/// The scratch directory the harness preopens as `/sandbox`.
pub fn sandbox() -> Fd {
    find_preopen("/sandbox").unwrap_or_else(|| crate::check::fail("no preopen named /sandbox"))
}

/// Creates (or truncates) `path` in `dir` with `data`.
pub fn create_file(dir: Fd, path: &str, data: &[u8]) -> Result<(), Errno> {
    let fd = path_open(dir, 0, path, OFLAGS_CREAT | OFLAGS_TRUNC, RIGHTS_FD_WRITE, 0, 0)?;
    let r = write_all(fd, data);
    fd_close(fd)?;
    r
}

/// The whole content of `path` in `dir`.
pub fn read_file(dir: Fd, path: &str) -> Result<Vec<u8>, Errno> {
    let fd = path_open(dir, 0, path, 0, RIGHTS_FD_READ, 0, 0)?;
    let r = read_to_end(fd);
    fd_close(fd)?;
    r
}

/// One decoded `fd_readdir` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub next: u64,
    pub ino: u64,
    pub kind: u8,
    pub name: Vec<u8>,
}

/// Decodes the whole entries in `buf[..used]`; a cut-off last entry is
/// left out (its header is returned as the second value if present).
pub fn parse_dirents(buf: &[u8]) -> (Vec<DirEntry>, Option<Dirent>) {
    let mut out = Vec::new();
    let mut at = 0;
    while buf.len() - at >= 24 {
        let h = &buf[at..at + 24];
        let d = Dirent {
            d_next: u64::from_le_bytes(h[0..8].try_into().unwrap_or_default()),
            d_ino: u64::from_le_bytes(h[8..16].try_into().unwrap_or_default()),
            d_namlen: u32::from_le_bytes(h[16..20].try_into().unwrap_or_default()),
            d_type: h[20],
        };
        let end = at + 24 + d.d_namlen as usize;
        if end > buf.len() {
            return (out, Some(d));
        }
        out.push(DirEntry {
            next: d.d_next,
            ino: d.d_ino,
            kind: d.d_type,
            name: buf[at + 24..end].to_vec(),
        });
        at = end;
    }
    (out, None)
}

/// Every entry of `dir`, read with a buffer of `bufsize` bytes, following
/// cookies (an entry that does not fit is read again with a larger buffer).
pub fn read_dir_all(dir: Fd, bufsize: usize) -> Result<Vec<DirEntry>, Errno> {
    let mut out: Vec<DirEntry> = Vec::new();
    let mut cookie = 0;
    let mut size = bufsize;
    for _ in 0..100_000 {
        let mut buf = vec![0u8; size];
        let used = fd_readdir(dir, &mut buf, cookie)?;
        let (entries, partial) = parse_dirents(&buf[..used]);
        if let Some(last) = entries.last() {
            cookie = last.next;
        }
        let got = entries.len();
        out.extend(entries);
        if used < size {
            return Ok(out);
        }
        if got == 0 {
            // Not even one entry fit: grow the buffer to the entry's size.
            size = match partial {
                Some(d) => 24 + d.d_namlen as usize,
                None => size * 2,
            };
        } else {
            size = bufsize;
        }
    }
    crate::check::fail("fd_readdir never reached the end of the directory")
}
