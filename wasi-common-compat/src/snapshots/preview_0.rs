//! `wasi_unstable` (preview0): each function translates its arguments and
//! results and calls the preview1 body; nothing is implemented twice.
//!
//! The differences from preview1 are in types only: `whence` is ordered
//! cur/end/set, `filestat.nlink` is 32 bits (larger counts saturate), a clock
//! subscription carries an extra `identifier` (ignored), and there is no
//! `sock_accept` (nor its right).

use super::preview_1::{self as p1, conv};
use crate::bindings::preview0::types as t0;
use crate::bindings::preview0::wasi_unstable::WasiUnstable;
use crate::bindings::preview1::types as t1;
use crate::{Error, Result, WasiCtx};
use wiggle::{GuestMemory, GuestPtr};

impl t0::UserErrorConversion for WasiCtx {
    fn errno_from_error(&mut self, e: Error) -> wiggle::error::Result<t0::Errno> {
        Ok(errno(e.into_errno_or_trap()?))
    }
}

fn fd(f: t0::Fd) -> u32 {
    u32::from(f)
}

fn iovs(p: t0::IovecArray) -> t1::IovecArray {
    GuestPtr::new(p.offset())
}

fn ciovs(p: t0::CiovecArray) -> t1::CiovecArray {
    GuestPtr::new(p.offset())
}

fn rights_in(r: t0::Rights) -> t1::Rights {
    t1::Rights::from_bits_truncate(r.bits())
}

fn rights_out(r: t1::Rights) -> t0::Rights {
    t0::Rights::from_bits_truncate(r.bits())
}

fn fdflags(f: t0::Fdflags) -> crate::FdFlags {
    crate::FdFlags::from_bits_truncate(f.bits())
}

fn lookup(f: t0::Lookupflags) -> t1::Lookupflags {
    t1::Lookupflags::from_bits_truncate(f.bits())
}

fn fstflags(f: t0::Fstflags) -> t1::Fstflags {
    t1::Fstflags::from_bits_truncate(f.bits())
}

fn clockid(c: t0::Clockid) -> t1::Clockid {
    match c {
        t0::Clockid::Realtime => t1::Clockid::Realtime,
        t0::Clockid::Monotonic => t1::Clockid::Monotonic,
        t0::Clockid::ProcessCputimeId => t1::Clockid::ProcessCputimeId,
        t0::Clockid::ThreadCputimeId => t1::Clockid::ThreadCputimeId,
    }
}

fn filetype(f: t1::Filetype) -> t0::Filetype {
    t0::Filetype::try_from(u8::from(f)).unwrap_or(t0::Filetype::Unknown)
}

fn filestat(s: t1::Filestat) -> t0::Filestat {
    t0::Filestat {
        dev: s.dev,
        ino: s.ino,
        filetype: filetype(s.filetype),
        nlink: u32::try_from(s.nlink).unwrap_or(u32::MAX),
        size: s.size,
        atim: s.atim,
        mtim: s.mtim,
        ctim: s.ctim,
    }
}

/// The `wasi_unstable` errno of a preview1 one (the same numbers; the one
/// place they are converted).
fn errno(e: t1::Errno) -> t0::Errno {
    t0::Errno::try_from(e as u16).unwrap_or(t0::Errno::Io)
}

fn eventtype(e: t1::Eventtype) -> t0::Eventtype {
    match e {
        t1::Eventtype::Clock => t0::Eventtype::Clock,
        t1::Eventtype::FdRead => t0::Eventtype::FdRead,
        t1::Eventtype::FdWrite => t0::Eventtype::FdWrite,
    }
}

impl WasiUnstable for WasiCtx {
    async fn args_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        argv: GuestPtr<GuestPtr<u8>>,
        buf: GuestPtr<u8>,
    ) -> Result<()> {
        p1::args_environ::args_get(self, mem, argv, buf)
    }
    async fn args_sizes_get(&mut self, _mem: &mut GuestMemory<'_>) -> Result<(t0::Size, t0::Size)> {
        p1::args_environ::args_sizes_get(self)
    }
    async fn environ_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        env: GuestPtr<GuestPtr<u8>>,
        buf: GuestPtr<u8>,
    ) -> Result<()> {
        p1::args_environ::environ_get(self, mem, env, buf)
    }
    async fn environ_sizes_get(&mut self, _mem: &mut GuestMemory<'_>) -> Result<(t0::Size, t0::Size)> {
        p1::args_environ::environ_sizes_get(self)
    }
    async fn clock_res_get(&mut self, _mem: &mut GuestMemory<'_>, id: t0::Clockid) -> Result<t0::Timestamp> {
        p1::clock::res_get(self, clockid(id))
    }
    async fn clock_time_get(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        id: t0::Clockid,
        precision: t0::Timestamp,
    ) -> Result<t0::Timestamp> {
        p1::clock::time_get(self, clockid(id), precision)
    }
    async fn fd_advise(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        f: t0::Fd,
        offset: u64,
        len: u64,
        advice: t0::Advice,
    ) -> Result<()> {
        let a = t1::Advice::try_from(u8::from(advice)).map_err(|_| Error::inval())?;
        p1::fd::advise(self, fd(f), offset, len, conv::advice(a))
    }
    async fn fd_allocate(&mut self, _mem: &mut GuestMemory<'_>, f: t0::Fd, offset: u64, len: u64) -> Result<()> {
        p1::fd::allocate(self, fd(f), offset, len)
    }
    async fn fd_close(&mut self, _mem: &mut GuestMemory<'_>, f: t0::Fd) -> Result<()> {
        p1::fd::close(self, fd(f))
    }
    async fn fd_datasync(&mut self, _mem: &mut GuestMemory<'_>, f: t0::Fd) -> Result<()> {
        p1::fd::datasync(self, fd(f)).await
    }
    async fn fd_fdstat_get(&mut self, _mem: &mut GuestMemory<'_>, f: t0::Fd) -> Result<t0::Fdstat> {
        let s = p1::fd::fdstat_get(self, fd(f))?;
        Ok(t0::Fdstat {
            fs_filetype: filetype(s.fs_filetype),
            fs_flags: t0::Fdflags::from_bits_truncate(s.fs_flags.bits()),
            fs_rights_base: rights_out(s.fs_rights_base),
            fs_rights_inheriting: rights_out(s.fs_rights_inheriting),
        })
    }
    async fn fd_fdstat_set_flags(&mut self, _mem: &mut GuestMemory<'_>, f: t0::Fd, flags: t0::Fdflags) -> Result<()> {
        p1::fd::fdstat_set_flags(self, fd(f), fdflags(flags))
    }
    async fn fd_fdstat_set_rights(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        f: t0::Fd,
        base: t0::Rights,
        inh: t0::Rights,
    ) -> Result<()> {
        p1::fd::fdstat_set_rights(self, fd(f), rights_in(base), rights_in(inh))
    }
    async fn fd_filestat_get(&mut self, _mem: &mut GuestMemory<'_>, f: t0::Fd) -> Result<t0::Filestat> {
        p1::fd::filestat_get(self, fd(f)).map(filestat)
    }
    async fn fd_filestat_set_size(&mut self, _mem: &mut GuestMemory<'_>, f: t0::Fd, size: u64) -> Result<()> {
        p1::fd::filestat_set_size(self, fd(f), size)
    }
    async fn fd_filestat_set_times(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        f: t0::Fd,
        atim: u64,
        mtim: u64,
        fst: t0::Fstflags,
    ) -> Result<()> {
        p1::fd::filestat_set_times(self, fd(f), atim, mtim, fstflags(fst))
    }
    async fn fd_pread(
        &mut self,
        mem: &mut GuestMemory<'_>,
        f: t0::Fd,
        v: t0::IovecArray,
        offset: u64,
    ) -> Result<t0::Size> {
        p1::fd::pread(self, mem, fd(f), iovs(v), offset).await
    }
    async fn fd_prestat_get(&mut self, _mem: &mut GuestMemory<'_>, f: t0::Fd) -> Result<t0::Prestat> {
        let t1::Prestat::Dir(d) = p1::fd::prestat_get(self, fd(f))?;
        Ok(t0::Prestat::Dir(t0::PrestatDir {
            pr_name_len: d.pr_name_len,
        }))
    }
    async fn fd_prestat_dir_name(
        &mut self,
        mem: &mut GuestMemory<'_>,
        f: t0::Fd,
        path: GuestPtr<u8>,
        len: t0::Size,
    ) -> Result<()> {
        p1::fd::prestat_dir_name(self, mem, fd(f), path, len)
    }
    async fn fd_pwrite(
        &mut self,
        mem: &mut GuestMemory<'_>,
        f: t0::Fd,
        v: t0::CiovecArray,
        offset: u64,
    ) -> Result<t0::Size> {
        p1::fd::pwrite(self, mem, fd(f), ciovs(v), offset).await
    }
    async fn fd_read(&mut self, mem: &mut GuestMemory<'_>, f: t0::Fd, v: t0::IovecArray) -> Result<t0::Size> {
        p1::fd::read(self, mem, fd(f), iovs(v)).await
    }
    async fn fd_readdir(
        &mut self,
        mem: &mut GuestMemory<'_>,
        f: t0::Fd,
        buf: GuestPtr<u8>,
        len: t0::Size,
        cookie: u64,
    ) -> Result<t0::Size> {
        p1::fd::readdir(self, mem, fd(f), buf, len, cookie)
    }
    async fn fd_renumber(&mut self, _mem: &mut GuestMemory<'_>, f: t0::Fd, to: t0::Fd) -> Result<()> {
        p1::fd::renumber(self, fd(f), fd(to))
    }
    async fn fd_seek(&mut self, _mem: &mut GuestMemory<'_>, f: t0::Fd, offset: i64, whence: t0::Whence) -> Result<u64> {
        let w = match whence {
            t0::Whence::Cur => conv::Whence::Cur,
            t0::Whence::End => conv::Whence::End,
            t0::Whence::Set => conv::Whence::Set,
        };
        p1::fd::seek(self, fd(f), offset, w)
    }
    async fn fd_sync(&mut self, _mem: &mut GuestMemory<'_>, f: t0::Fd) -> Result<()> {
        p1::fd::sync(self, fd(f)).await
    }
    async fn fd_tell(&mut self, _mem: &mut GuestMemory<'_>, f: t0::Fd) -> Result<u64> {
        p1::fd::tell(self, fd(f))
    }
    async fn fd_write(&mut self, mem: &mut GuestMemory<'_>, f: t0::Fd, v: t0::CiovecArray) -> Result<t0::Size> {
        p1::fd::write(self, mem, fd(f), ciovs(v)).await
    }
    async fn path_create_directory(&mut self, mem: &mut GuestMemory<'_>, f: t0::Fd, path: GuestPtr<str>) -> Result<()> {
        p1::path::create_directory(self, mem, fd(f), path)
    }
    async fn path_filestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        f: t0::Fd,
        flags: t0::Lookupflags,
        path: GuestPtr<str>,
    ) -> Result<t0::Filestat> {
        p1::path::filestat_get(self, mem, fd(f), lookup(flags), path).map(filestat)
    }
    async fn path_filestat_set_times(
        &mut self,
        mem: &mut GuestMemory<'_>,
        f: t0::Fd,
        flags: t0::Lookupflags,
        path: GuestPtr<str>,
        atim: u64,
        mtim: u64,
        fst: t0::Fstflags,
    ) -> Result<()> {
        p1::path::filestat_set_times(self, mem, fd(f), lookup(flags), path, atim, mtim, fstflags(fst))
    }
    async fn path_link(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_fd: t0::Fd,
        old_flags: t0::Lookupflags,
        old_path: GuestPtr<str>,
        new_fd: t0::Fd,
        new_path: GuestPtr<str>,
    ) -> Result<()> {
        p1::path::link(self, mem, fd(old_fd), lookup(old_flags), old_path, fd(new_fd), new_path)
    }
    async fn path_open(
        &mut self,
        mem: &mut GuestMemory<'_>,
        f: t0::Fd,
        dirflags: t0::Lookupflags,
        path: GuestPtr<str>,
        oflags: t0::Oflags,
        base: t0::Rights,
        inheriting: t0::Rights,
        flags: t0::Fdflags,
    ) -> Result<t0::Fd> {
        let o = crate::OFlags::from_bits_truncate(oflags.bits());
        p1::path::open(
            self,
            mem,
            fd(f),
            lookup(dirflags),
            path,
            o,
            rights_in(base),
            rights_in(inheriting),
            fdflags(flags),
        )
        .await
        .map(t0::Fd::from)
    }
    async fn path_readlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        f: t0::Fd,
        path: GuestPtr<str>,
        buf: GuestPtr<u8>,
        len: t0::Size,
    ) -> Result<t0::Size> {
        p1::path::readlink(self, mem, fd(f), path, buf, len)
    }
    async fn path_remove_directory(&mut self, mem: &mut GuestMemory<'_>, f: t0::Fd, path: GuestPtr<str>) -> Result<()> {
        p1::path::remove_directory(self, mem, fd(f), path)
    }
    async fn path_rename(
        &mut self,
        mem: &mut GuestMemory<'_>,
        f: t0::Fd,
        old: GuestPtr<str>,
        new_fd: t0::Fd,
        new: GuestPtr<str>,
    ) -> Result<()> {
        p1::path::rename(self, mem, fd(f), old, fd(new_fd), new)
    }
    async fn path_symlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old: GuestPtr<str>,
        f: t0::Fd,
        new: GuestPtr<str>,
    ) -> Result<()> {
        p1::path::symlink(self, mem, old, fd(f), new)
    }
    async fn path_unlink_file(&mut self, mem: &mut GuestMemory<'_>, f: t0::Fd, path: GuestPtr<str>) -> Result<()> {
        p1::path::unlink_file(self, mem, fd(f), path)
    }
    async fn poll_oneoff(
        &mut self,
        mem: &mut GuestMemory<'_>,
        subs: GuestPtr<t0::Subscription>,
        events: GuestPtr<t0::Event>,
        n: t0::Size,
    ) -> Result<t0::Size> {
        poll_oneoff(self, mem, subs, events, n).await
    }
    async fn proc_exit(&mut self, _mem: &mut GuestMemory<'_>, status: t0::Exitcode) -> wiggle::error::Error {
        p1::proc::exit(self, status)
    }
    async fn proc_raise(&mut self, _mem: &mut GuestMemory<'_>, _sig: t0::Signal) -> Result<()> {
        Err(Error::notsup())
    }
    async fn sched_yield(&mut self, _mem: &mut GuestMemory<'_>) -> Result<()> {
        p1::proc::sched_yield(self).await
    }
    async fn random_get(&mut self, mem: &mut GuestMemory<'_>, buf: GuestPtr<u8>, len: t0::Size) -> Result<()> {
        p1::random::get(self, mem, buf, len)
    }
    async fn sock_recv(
        &mut self,
        mem: &mut GuestMemory<'_>,
        f: t0::Fd,
        v: t0::IovecArray,
        flags: t0::Riflags,
    ) -> Result<(t0::Size, t0::Roflags)> {
        let (n, ro) = p1::sock::recv(self, mem, fd(f), iovs(v), t1::Riflags::from_bits_truncate(flags.bits())).await?;
        Ok((n, t0::Roflags::from_bits_truncate(ro.bits())))
    }
    async fn sock_send(
        &mut self,
        mem: &mut GuestMemory<'_>,
        f: t0::Fd,
        v: t0::CiovecArray,
        flags: t0::Siflags,
    ) -> Result<t0::Size> {
        p1::sock::send(self, mem, fd(f), ciovs(v), flags).await
    }
    async fn sock_shutdown(&mut self, _mem: &mut GuestMemory<'_>, f: t0::Fd, how: t0::Sdflags) -> Result<()> {
        p1::sock::shutdown(self, fd(f), t1::Sdflags::from_bits_truncate(how.bits()))
    }
}

/// preview0's `poll_oneoff`: decodes its subscriptions (48 bytes, with the
/// clock `identifier`), waits like preview1 and writes its events.
async fn poll_oneoff(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    subs: GuestPtr<t0::Subscription>,
    events: GuestPtr<t0::Event>,
    n: u32,
) -> Result<u32> {
    use p1::poll::{MAX_SUBSCRIPTIONS, Sub, SubKind};
    if n == 0 || n > MAX_SUBSCRIPTIONS {
        return Err(Error::inval());
    }
    let size = <t0::Subscription as wiggle::GuestType>::guest_size();
    crate::memory::check_region(mem, subs.offset(), n * size)?;
    crate::memory::check_region(mem, events.offset(), n * <t0::Event as wiggle::GuestType>::guest_size())?;
    let arr = subs.as_array(n);
    let mut decoded = Vec::with_capacity(n as usize);
    for i in 0..n {
        let s = mem.read(crate::memory::element(arr, i)?)?;
        let kind = match s.u {
            t0::SubscriptionU::Clock(c) => SubKind::Clock {
                id: clockid(c.id),
                timeout: c.timeout,
                abstime: c.flags.contains(t0::Subclockflags::SUBSCRIPTION_CLOCK_ABSTIME),
            },
            t0::SubscriptionU::FdRead(f) => SubKind::Fd {
                fd: fd(f.file_descriptor),
                write: false,
            },
            t0::SubscriptionU::FdWrite(f) => SubKind::Fd {
                fd: fd(f.file_descriptor),
                write: true,
            },
        };
        decoded.push(Sub {
            userdata: s.userdata,
            kind,
        });
    }
    let evs = p1::poll::poll_core(ctx, &decoded).await?;
    let out = events.as_array(n);
    for (i, e) in evs.iter().enumerate() {
        mem.write(
            crate::memory::element(out, i as u32)?,
            t0::Event {
                userdata: e.userdata,
                error: errno(e.error),
                type_: eventtype(e.type_),
                fd_readwrite: t0::EventFdReadwrite {
                    nbytes: e.nbytes,
                    flags: if e.hangup {
                        t0::Eventrwflags::FD_READWRITE_HANGUP
                    } else {
                        t0::Eventrwflags::empty()
                    },
                },
            },
        )?;
    }
    u32::try_from(evs.len()).map_err(|_| Error::overflow())
}
