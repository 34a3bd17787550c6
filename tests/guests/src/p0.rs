//! `wasi_unstable` (preview0) imports, for the calls whose ABI differs from
//! preview1 or that the preview0 tests use: `whence` is ordered
//! `cur = 0, end = 1, set = 2`; `filestat.nlink` is a `u32` (56-byte
//! record); a clock subscription carries an extra `identifier` (56-byte
//! subscription).

#![allow(missing_docs)]

use crate::types::{Ciovec, Errno, Event, Fd, Fdstat, Iovec, result};

pub const WHENCE_CUR: u32 = 0;
pub const WHENCE_END: u32 = 1;
pub const WHENCE_SET: u32 = 2;

/// preview0 `filestat`: 56 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filestat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u32,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

/// preview0 `subscription`: 56 bytes; a clock's payload starts with an
/// `identifier` (u64 at 16), then `id` (u32 at 24), `timeout` (u64 at 32),
/// `precision` (u64 at 40), `flags` (u16 at 48).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Subscription {
    pub userdata: u64,
    pub tag: u8,
    _pad: [u8; 7],
    pub identifier_or_fd: u64,
    pub id: u32,
    pub timeout: u64,
    pub precision: u64,
    pub flags: u16,
}

impl Subscription {
    pub fn clock(userdata: u64, identifier: u64, id: u32, timeout: u64) -> Self {
        Subscription {
            userdata,
            tag: crate::types::EVENTTYPE_CLOCK,
            identifier_or_fd: identifier,
            id,
            timeout,
            ..Default::default()
        }
    }

    pub fn fd_read(userdata: u64, fd: Fd) -> Self {
        Subscription {
            userdata,
            tag: crate::types::EVENTTYPE_FD_READ,
            identifier_or_fd: u64::from(fd),
            ..Default::default()
        }
    }
}

const _: () = {
    assert!(size_of::<Filestat>() == 56);
    assert!(std::mem::offset_of!(Filestat, nlink) == 20);
    assert!(std::mem::offset_of!(Filestat, size) == 24);
    assert!(size_of::<Subscription>() == 56);
    assert!(std::mem::offset_of!(Subscription, identifier_or_fd) == 16);
    assert!(std::mem::offset_of!(Subscription, id) == 24);
    assert!(std::mem::offset_of!(Subscription, timeout) == 32);
    assert!(std::mem::offset_of!(Subscription, flags) == 48);
};

pub mod sys {
    use super::*;

    #[link(wasm_import_module = "wasi_unstable")]
    unsafe extern "C" {
        pub fn args_sizes_get(argc: *mut usize, argv_buf_size: *mut usize) -> u32;
        pub fn clock_time_get(id: u32, precision: u64, time: *mut u64) -> u32;
        pub fn fd_close(fd: u32) -> u32;
        pub fn fd_fdstat_get(fd: u32, stat: *mut Fdstat) -> u32;
        pub fn fd_filestat_get(fd: u32, stat: *mut Filestat) -> u32;
        pub fn fd_prestat_get(fd: u32, prestat: *mut crate::types::Prestat) -> u32;
        pub fn fd_read(fd: u32, iovs: *const Iovec, iovs_len: usize, nread: *mut usize) -> u32;
        pub fn fd_seek(fd: u32, offset: i64, whence: u32, newoffset: *mut u64) -> u32;
        pub fn fd_tell(fd: u32, offset: *mut u64) -> u32;
        pub fn fd_write(fd: u32, iovs: *const Ciovec, iovs_len: usize, nwritten: *mut usize) -> u32;
        pub fn path_filestat_get(fd: u32, flags: u32, path: *const u8, path_len: usize, stat: *mut Filestat) -> u32;
        pub fn path_link(
            old_fd: u32,
            old_flags: u32,
            old_path: *const u8,
            old_path_len: usize,
            new_fd: u32,
            new_path: *const u8,
            new_path_len: usize,
        ) -> u32;
        pub fn path_open(
            fd: u32,
            dirflags: u32,
            path: *const u8,
            path_len: usize,
            oflags: u32,
            fs_rights_base: u64,
            fs_rights_inheriting: u64,
            fdflags: u32,
            opened: *mut u32,
        ) -> u32;
        pub fn poll_oneoff(
            subs: *const Subscription,
            events: *mut Event,
            nsubscriptions: usize,
            nevents: *mut usize,
        ) -> u32;
    }
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

pub fn fd_write(fd: Fd, data: &[u8]) -> Result<usize, Errno> {
    let iov = Ciovec {
        buf: data.as_ptr(),
        buf_len: data.len(),
    };
    let mut n = usize::MAX;
    result(unsafe { sys::fd_write(fd, &iov, 1, &mut n) })?;
    Ok(n)
}

pub fn fd_read(fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
    let iov = Iovec {
        buf: buf.as_mut_ptr(),
        buf_len: buf.len(),
    };
    let mut n = usize::MAX;
    result(unsafe { sys::fd_read(fd, &iov, 1, &mut n) })?;
    Ok(n)
}

pub fn fd_close(fd: Fd) -> Result<(), Errno> {
    result(unsafe { sys::fd_close(fd) })
}

pub fn fd_fdstat_get(fd: Fd) -> Result<Fdstat, Errno> {
    let mut st = Fdstat::default();
    result(unsafe { sys::fd_fdstat_get(fd, &mut st) })?;
    Ok(st)
}

/// `fd_filestat_get` into a 64-byte buffer filled with `0xAA` first; returns
/// the record and the 8 bytes after it (which a preview0 host must not touch).
pub fn fd_filestat_get_raw(fd: Fd) -> Result<(Filestat, [u8; 8]), Errno> {
    #[repr(C, align(8))]
    struct Buf([u8; 64]);
    let mut buf = Buf([0xAA; 64]);
    result(unsafe { sys::fd_filestat_get(fd, buf.0.as_mut_ptr().cast()) })?;
    let st = unsafe { std::ptr::read(buf.0.as_ptr().cast::<Filestat>()) };
    let mut tail = [0u8; 8];
    tail.copy_from_slice(&buf.0[56..64]);
    Ok((st, tail))
}

pub fn path_filestat_get(dir: Fd, flags: u32, path: &str) -> Result<Filestat, Errno> {
    let mut st = Filestat::default();
    result(unsafe { sys::path_filestat_get(dir, flags, path.as_ptr(), path.len(), &mut st) })?;
    Ok(st)
}

pub fn path_link(old_dir: Fd, old: &str, new_dir: Fd, new: &str) -> Result<(), Errno> {
    result(unsafe { sys::path_link(old_dir, 0, old.as_ptr(), old.len(), new_dir, new.as_ptr(), new.len()) })
}

pub fn path_open(dir: Fd, path: &str, oflags: u32, base: u64, inheriting: u64, fdflags: u32) -> Result<Fd, Errno> {
    let mut fd = u32::MAX;
    result(unsafe {
        sys::path_open(
            dir,
            0,
            path.as_ptr(),
            path.len(),
            oflags,
            base,
            inheriting,
            fdflags,
            &mut fd,
        )
    })?;
    Ok(fd)
}

pub fn poll_oneoff(subs: &[Subscription]) -> Result<Vec<Event>, Errno> {
    let mut events = vec![Event::default(); subs.len().max(1)];
    let mut n = usize::MAX;
    result(unsafe { sys::poll_oneoff(subs.as_ptr(), events.as_mut_ptr(), subs.len(), &mut n) })?;
    events.truncate(n.min(subs.len()));
    Ok(events)
}

pub fn clock_time_get(id: u32) -> Result<u64, Errno> {
    let mut t = u64::MAX;
    result(unsafe { sys::clock_time_get(id, 0, &mut t) })?;
    Ok(t)
}
