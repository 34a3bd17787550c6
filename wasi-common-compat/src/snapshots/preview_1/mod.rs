//! `wasi_snapshot_preview1`: the wiggle trait implemented on [`WasiCtx`].
//!
//! The trait impl here is a thin dispatch; each function's body lives in the
//! file of its spec group (`args_environ`, `clock`, `fd`, `path`, `poll`,
//! `proc`, `random`, `sock`) with its documentation: parameters, the errnos it
//! returns and when, what it writes to guest memory, and the POSIX call it
//! mirrors. `wasi_unstable` (preview0) translates and calls the same bodies.

pub(crate) mod args_environ;
pub(crate) mod clock;
pub(crate) mod conv;
pub(crate) mod fd;
pub(crate) mod path;
pub(crate) mod poll;
pub(crate) mod proc;
pub(crate) mod random;
pub(crate) mod sock;

use crate::bindings::preview1::types::{
    self as t, Advice, CiovecArray, Clockid, Dircookie, Errno, Exitcode, Fd, Fdflags, Fdstat, Filedelta, Filesize,
    Filestat, Fstflags, IovecArray, Lookupflags, Oflags, Prestat, Riflags, Rights, Roflags, Sdflags, Siflags, Signal,
    Size, Timestamp, Whence,
};
use crate::bindings::preview1::wasi_snapshot_preview1::WasiSnapshotPreview1;
use crate::{Error, WasiCtx};
use wiggle::{GuestMemory, GuestPtr};

impl t::UserErrorConversion for WasiCtx {
    fn errno_from_error(&mut self, e: Error) -> wiggle::error::Result<Errno> {
        e.into_errno_or_trap()
    }
}

impl WasiSnapshotPreview1 for WasiCtx {
    async fn args_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        argv: GuestPtr<GuestPtr<u8>>,
        buf: GuestPtr<u8>,
    ) -> Result<(), Error> {
        args_environ::args_get(self, mem, argv, buf)
    }
    async fn args_sizes_get(&mut self, _mem: &mut GuestMemory<'_>) -> Result<(Size, Size), Error> {
        args_environ::args_sizes_get(self)
    }
    async fn environ_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        env: GuestPtr<GuestPtr<u8>>,
        buf: GuestPtr<u8>,
    ) -> Result<(), Error> {
        args_environ::environ_get(self, mem, env, buf)
    }
    async fn environ_sizes_get(&mut self, _mem: &mut GuestMemory<'_>) -> Result<(Size, Size), Error> {
        args_environ::environ_sizes_get(self)
    }
    async fn clock_res_get(&mut self, _mem: &mut GuestMemory<'_>, id: Clockid) -> Result<Timestamp, Error> {
        clock::res_get(self, id)
    }
    async fn clock_time_get(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        id: Clockid,
        precision: Timestamp,
    ) -> Result<Timestamp, Error> {
        clock::time_get(self, id, precision)
    }
    async fn fd_advise(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: Fd,
        offset: Filesize,
        len: Filesize,
        advice: Advice,
    ) -> Result<(), Error> {
        fd::advise(self, fd.into(), offset, len, conv::advice(advice))
    }
    async fn fd_allocate(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: Fd,
        offset: Filesize,
        len: Filesize,
    ) -> Result<(), Error> {
        fd::allocate(self, fd.into(), offset, len)
    }
    async fn fd_close(&mut self, _mem: &mut GuestMemory<'_>, fd: Fd) -> Result<(), Error> {
        fd::close(self, fd.into())
    }
    async fn fd_datasync(&mut self, _mem: &mut GuestMemory<'_>, fd: Fd) -> Result<(), Error> {
        fd::datasync(self, fd.into()).await
    }
    async fn fd_fdstat_get(&mut self, _mem: &mut GuestMemory<'_>, fd: Fd) -> Result<Fdstat, Error> {
        fd::fdstat_get(self, fd.into())
    }
    async fn fd_fdstat_set_flags(&mut self, _mem: &mut GuestMemory<'_>, fd: Fd, flags: Fdflags) -> Result<(), Error> {
        fd::fdstat_set_flags(self, fd.into(), conv::fdflags_in(flags))
    }
    async fn fd_fdstat_set_rights(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: Fd,
        base: Rights,
        inheriting: Rights,
    ) -> Result<(), Error> {
        fd::fdstat_set_rights(self, fd.into(), base, inheriting)
    }
    async fn fd_filestat_get(&mut self, _mem: &mut GuestMemory<'_>, fd: Fd) -> Result<Filestat, Error> {
        fd::filestat_get(self, fd.into())
    }
    async fn fd_filestat_set_size(&mut self, _mem: &mut GuestMemory<'_>, fd: Fd, size: Filesize) -> Result<(), Error> {
        fd::filestat_set_size(self, fd.into(), size)
    }
    async fn fd_filestat_set_times(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: Fd,
        atim: Timestamp,
        mtim: Timestamp,
        fst: Fstflags,
    ) -> Result<(), Error> {
        fd::filestat_set_times(self, fd.into(), atim, mtim, fst)
    }
    async fn fd_pread(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        iovs: IovecArray,
        offset: Filesize,
    ) -> Result<Size, Error> {
        fd::pread(self, mem, fd.into(), iovs, offset).await
    }
    async fn fd_prestat_get(&mut self, _mem: &mut GuestMemory<'_>, fd: Fd) -> Result<Prestat, Error> {
        fd::prestat_get(self, fd.into())
    }
    async fn fd_prestat_dir_name(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        path: GuestPtr<u8>,
        len: Size,
    ) -> Result<(), Error> {
        fd::prestat_dir_name(self, mem, fd.into(), path, len)
    }
    async fn fd_pwrite(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        iovs: CiovecArray,
        offset: Filesize,
    ) -> Result<Size, Error> {
        fd::pwrite(self, mem, fd.into(), iovs, offset).await
    }
    async fn fd_read(&mut self, mem: &mut GuestMemory<'_>, fd: Fd, iovs: IovecArray) -> Result<Size, Error> {
        fd::read(self, mem, fd.into(), iovs).await
    }
    async fn fd_readdir(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        buf: GuestPtr<u8>,
        len: Size,
        cookie: Dircookie,
    ) -> Result<Size, Error> {
        fd::readdir(self, mem, fd.into(), buf, len, cookie)
    }
    async fn fd_renumber(&mut self, _mem: &mut GuestMemory<'_>, fd: Fd, to: Fd) -> Result<(), Error> {
        fd::renumber(self, fd.into(), to.into())
    }
    async fn fd_seek(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: Fd,
        offset: Filedelta,
        whence: Whence,
    ) -> Result<Filesize, Error> {
        fd::seek(self, fd.into(), offset, conv::whence(whence))
    }
    async fn fd_sync(&mut self, _mem: &mut GuestMemory<'_>, fd: Fd) -> Result<(), Error> {
        fd::sync(self, fd.into()).await
    }
    async fn fd_tell(&mut self, _mem: &mut GuestMemory<'_>, fd: Fd) -> Result<Filesize, Error> {
        fd::tell(self, fd.into())
    }
    async fn fd_write(&mut self, mem: &mut GuestMemory<'_>, fd: Fd, iovs: CiovecArray) -> Result<Size, Error> {
        fd::write(self, mem, fd.into(), iovs).await
    }
    async fn path_create_directory(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        path: GuestPtr<str>,
    ) -> Result<(), Error> {
        path::create_directory(self, mem, fd.into(), path)
    }
    async fn path_filestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        flags: Lookupflags,
        path: GuestPtr<str>,
    ) -> Result<Filestat, Error> {
        path::filestat_get(self, mem, fd.into(), flags, path)
    }
    async fn path_filestat_set_times(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        flags: Lookupflags,
        path: GuestPtr<str>,
        atim: Timestamp,
        mtim: Timestamp,
        fst: Fstflags,
    ) -> Result<(), Error> {
        path::filestat_set_times(self, mem, fd.into(), flags, path, atim, mtim, fst)
    }
    async fn path_link(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_fd: Fd,
        old_flags: Lookupflags,
        old_path: GuestPtr<str>,
        new_fd: Fd,
        new_path: GuestPtr<str>,
    ) -> Result<(), Error> {
        path::link(self, mem, old_fd.into(), old_flags, old_path, new_fd.into(), new_path)
    }
    async fn path_open(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        dirflags: Lookupflags,
        path: GuestPtr<str>,
        oflags: Oflags,
        base: Rights,
        inheriting: Rights,
        fdflags: Fdflags,
    ) -> Result<Fd, Error> {
        path::open(
            self,
            mem,
            fd.into(),
            dirflags,
            path,
            conv::oflags_in(oflags),
            base,
            inheriting,
            conv::fdflags_in(fdflags),
        )
        .await
        .map(Fd::from)
    }
    async fn path_readlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        path: GuestPtr<str>,
        buf: GuestPtr<u8>,
        len: Size,
    ) -> Result<Size, Error> {
        path::readlink(self, mem, fd.into(), path, buf, len)
    }
    async fn path_remove_directory(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        path: GuestPtr<str>,
    ) -> Result<(), Error> {
        path::remove_directory(self, mem, fd.into(), path)
    }
    async fn path_rename(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        old: GuestPtr<str>,
        new_fd: Fd,
        new: GuestPtr<str>,
    ) -> Result<(), Error> {
        path::rename(self, mem, fd.into(), old, new_fd.into(), new)
    }
    async fn path_symlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old: GuestPtr<str>,
        fd: Fd,
        new: GuestPtr<str>,
    ) -> Result<(), Error> {
        path::symlink(self, mem, old, fd.into(), new)
    }
    async fn path_unlink_file(&mut self, mem: &mut GuestMemory<'_>, fd: Fd, path: GuestPtr<str>) -> Result<(), Error> {
        path::unlink_file(self, mem, fd.into(), path)
    }
    async fn poll_oneoff(
        &mut self,
        mem: &mut GuestMemory<'_>,
        subs: GuestPtr<t::Subscription>,
        events: GuestPtr<t::Event>,
        n: Size,
    ) -> Result<Size, Error> {
        poll::poll_oneoff(self, mem, subs, events, n).await
    }
    async fn proc_exit(&mut self, _mem: &mut GuestMemory<'_>, status: Exitcode) -> wiggle::error::Error {
        proc::exit(self, status)
    }
    async fn proc_raise(&mut self, _mem: &mut GuestMemory<'_>, sig: Signal) -> Result<(), Error> {
        proc::raise(self, sig)
    }
    async fn sched_yield(&mut self, _mem: &mut GuestMemory<'_>) -> Result<(), Error> {
        proc::sched_yield(self).await
    }
    async fn random_get(&mut self, mem: &mut GuestMemory<'_>, buf: GuestPtr<u8>, len: Size) -> Result<(), Error> {
        random::get(self, mem, buf, len)
    }
    async fn sock_accept(&mut self, _mem: &mut GuestMemory<'_>, fd: Fd, flags: Fdflags) -> Result<Fd, Error> {
        sock::accept(self, fd.into(), conv::fdflags_in(flags))
            .await
            .map(Fd::from)
    }
    async fn sock_recv(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        data: IovecArray,
        flags: Riflags,
    ) -> Result<(Size, Roflags), Error> {
        sock::recv(self, mem, fd.into(), data, flags).await
    }
    async fn sock_send(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        data: CiovecArray,
        flags: Siflags,
    ) -> Result<Size, Error> {
        sock::send(self, mem, fd.into(), data, flags).await
    }
    async fn sock_shutdown(&mut self, _mem: &mut GuestMemory<'_>, fd: Fd, how: Sdflags) -> Result<(), Error> {
        sock::shutdown(self, fd.into(), how)
    }
}
