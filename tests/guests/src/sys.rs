//! Raw `wasi_snapshot_preview1` imports, declared from the spec's ABI.
//!
//! Every parameter is a plain integer or pointer of the wasm type the ABI
//! lowers it to (enums and flags as `u32`, so tests can pass values the spec
//! does not define). Every function except `proc_exit` returns the errno as
//! `u32` (0 = success).

#![allow(missing_docs)]

use crate::types::{Ciovec, Event, Fdstat, Filestat, Iovec, Prestat, Subscription};

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    pub fn args_get(argv: *mut *mut u8, argv_buf: *mut u8) -> u32;
    pub fn args_sizes_get(argc: *mut usize, argv_buf_size: *mut usize) -> u32;
    pub fn environ_get(environ: *mut *mut u8, environ_buf: *mut u8) -> u32;
    pub fn environ_sizes_get(count: *mut usize, buf_size: *mut usize) -> u32;
    pub fn clock_res_get(id: u32, resolution: *mut u64) -> u32;
    pub fn clock_time_get(id: u32, precision: u64, time: *mut u64) -> u32;
    pub fn fd_advise(fd: u32, offset: u64, len: u64, advice: u32) -> u32;
    pub fn fd_allocate(fd: u32, offset: u64, len: u64) -> u32;
    pub fn fd_close(fd: u32) -> u32;
    pub fn fd_datasync(fd: u32) -> u32;
    pub fn fd_fdstat_get(fd: u32, stat: *mut Fdstat) -> u32;
    pub fn fd_fdstat_set_flags(fd: u32, flags: u32) -> u32;
    pub fn fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64) -> u32;
    pub fn fd_filestat_get(fd: u32, stat: *mut Filestat) -> u32;
    pub fn fd_filestat_set_size(fd: u32, size: u64) -> u32;
    pub fn fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, fst_flags: u32) -> u32;
    pub fn fd_pread(fd: u32, iovs: *const Iovec, iovs_len: usize, offset: u64, nread: *mut usize) -> u32;
    pub fn fd_prestat_get(fd: u32, prestat: *mut Prestat) -> u32;
    pub fn fd_prestat_dir_name(fd: u32, path: *mut u8, path_len: usize) -> u32;
    pub fn fd_pwrite(fd: u32, iovs: *const Ciovec, iovs_len: usize, offset: u64, nwritten: *mut usize) -> u32;
    pub fn fd_read(fd: u32, iovs: *const Iovec, iovs_len: usize, nread: *mut usize) -> u32;
    pub fn fd_readdir(fd: u32, buf: *mut u8, buf_len: usize, cookie: u64, bufused: *mut usize) -> u32;
    pub fn fd_renumber(fd: u32, to: u32) -> u32;
    pub fn fd_seek(fd: u32, offset: i64, whence: u32, newoffset: *mut u64) -> u32;
    pub fn fd_sync(fd: u32) -> u32;
    pub fn fd_tell(fd: u32, offset: *mut u64) -> u32;
    pub fn fd_write(fd: u32, iovs: *const Ciovec, iovs_len: usize, nwritten: *mut usize) -> u32;
    pub fn path_create_directory(fd: u32, path: *const u8, path_len: usize) -> u32;
    pub fn path_filestat_get(fd: u32, flags: u32, path: *const u8, path_len: usize, stat: *mut Filestat) -> u32;
    pub fn path_filestat_set_times(
        fd: u32,
        flags: u32,
        path: *const u8,
        path_len: usize,
        atim: u64,
        mtim: u64,
        fst_flags: u32,
    ) -> u32;
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
    pub fn path_readlink(
        fd: u32,
        path: *const u8,
        path_len: usize,
        buf: *mut u8,
        buf_len: usize,
        bufused: *mut usize,
    ) -> u32;
    pub fn path_remove_directory(fd: u32, path: *const u8, path_len: usize) -> u32;
    pub fn path_rename(
        fd: u32,
        old_path: *const u8,
        old_path_len: usize,
        new_fd: u32,
        new_path: *const u8,
        new_path_len: usize,
    ) -> u32;
    pub fn path_symlink(
        old_path: *const u8,
        old_path_len: usize,
        fd: u32,
        new_path: *const u8,
        new_path_len: usize,
    ) -> u32;
    pub fn path_unlink_file(fd: u32, path: *const u8, path_len: usize) -> u32;
    pub fn poll_oneoff(
        subs: *const Subscription,
        events: *mut Event,
        nsubscriptions: usize,
        nevents: *mut usize,
    ) -> u32;
    pub fn proc_exit(code: u32) -> !;
    pub fn proc_raise(sig: u32) -> u32;
    pub fn sched_yield() -> u32;
    pub fn random_get(buf: *mut u8, buf_len: usize) -> u32;
    pub fn sock_accept(fd: u32, flags: u32, opened: *mut u32) -> u32;
    pub fn sock_recv(
        fd: u32,
        ri_data: *const Iovec,
        ri_data_len: usize,
        ri_flags: u32,
        ro_datalen: *mut usize,
        ro_flags: *mut u16,
    ) -> u32;
    pub fn sock_send(fd: u32, si_data: *const Ciovec, si_data_len: usize, si_flags: u32, so_datalen: *mut usize)
    -> u32;
    pub fn sock_shutdown(fd: u32, how: u32) -> u32;
}
