//! Every call that takes an fd answers `EBADF` for an fd that is not open:
//! never opened, far beyond the table, or closed.

use guest::*;

fn all_ebadf(fd: Fd) {
    let what = |call: &str| format!("{call}({fd:#x})");
    let mut buf = [0u8; 16];
    let data = b"data";
    errno(fd_advise(fd, 0, 1, ADVICE_NORMAL), Errno::BADF, what("fd_advise"));
    errno(fd_allocate(fd, 0, 1), Errno::BADF, what("fd_allocate"));
    errno(fd_datasync(fd), Errno::BADF, what("fd_datasync"));
    errno(fd_sync(fd), Errno::BADF, what("fd_sync"));
    errno(fd_fdstat_get(fd), Errno::BADF, what("fd_fdstat_get"));
    errno(fd_fdstat_set_flags(fd, 0), Errno::BADF, what("fd_fdstat_set_flags"));
    errno(
        fd_fdstat_set_rights(fd, 0, 0),
        Errno::BADF,
        what("fd_fdstat_set_rights"),
    );
    errno(fd_filestat_get(fd), Errno::BADF, what("fd_filestat_get"));
    errno(fd_filestat_set_size(fd, 0), Errno::BADF, what("fd_filestat_set_size"));
    errno(
        fd_filestat_set_times(fd, 0, 0, FSTFLAGS_MTIM),
        Errno::BADF,
        what("fd_filestat_set_times"),
    );
    errno(fd_pread(fd, &mut buf, 0), Errno::BADF, what("fd_pread"));
    errno(fd_pwrite(fd, &[data], 0), Errno::BADF, what("fd_pwrite"));
    errno(fd_read(fd, &mut buf), Errno::BADF, what("fd_read"));
    errno(fd_write(fd, &[data]), Errno::BADF, what("fd_write"));
    errno(fd_prestat_get(fd), Errno::BADF, what("fd_prestat_get"));
    errno(fd_prestat_dir_name(fd, 16), Errno::BADF, what("fd_prestat_dir_name"));
    errno(fd_readdir(fd, &mut buf, 0), Errno::BADF, what("fd_readdir"));
    errno(fd_seek(fd, 0, WHENCE_CUR), Errno::BADF, what("fd_seek"));
    errno(fd_tell(fd), Errno::BADF, what("fd_tell"));
    errno(fd_close(fd), Errno::BADF, what("fd_close"));
    errno(fd_renumber(fd, 1), Errno::BADF, what("fd_renumber(bad, 1)"));
    errno(fd_renumber(1, fd), Errno::BADF, what("fd_renumber(1, bad)"));
    errno(path_open(fd, 0, "x", 0, 0, 0, 0), Errno::BADF, what("path_open"));
    errno(
        path_create_directory(fd, "x"),
        Errno::BADF,
        what("path_create_directory"),
    );
    errno(
        path_remove_directory(fd, "x"),
        Errno::BADF,
        what("path_remove_directory"),
    );
    errno(path_unlink_file(fd, "x"), Errno::BADF, what("path_unlink_file"));
    errno(path_filestat_get(fd, 0, "x"), Errno::BADF, what("path_filestat_get"));
    errno(
        path_filestat_set_times(fd, 0, "x", 0, 0, 0),
        Errno::BADF,
        what("path_filestat_set_times"),
    );
    errno(path_readlink(fd, "x", &mut buf), Errno::BADF, what("path_readlink"));
    errno(path_symlink("t", fd, "x"), Errno::BADF, what("path_symlink"));
    errno(path_rename(fd, "x", fd, "y"), Errno::BADF, what("path_rename"));
    errno(path_link(fd, 0, "x", fd, "y"), Errno::BADF, what("path_link"));
    errno(sock_accept(fd, 0), Errno::BADF, what("sock_accept"));
    errno(sock_recv(fd, &mut buf, 0), Errno::BADF, what("sock_recv"));
    errno(sock_send(fd, data, 0), Errno::BADF, what("sock_send"));
    errno(sock_shutdown(fd, SDFLAGS_RD), Errno::BADF, what("sock_shutdown"));

    // A bad fd fails the whole poll_oneoff call, as on Wasmtime's hosts.
    for write in [false, true] {
        errno(poll_oneoff(&[Subscription::fd(77, fd, write)]), Errno::BADF, what("poll_oneoff"));
    }
}

fn main() {
    let dir = sandbox();

    section("never opened");
    all_ebadf(1000);
    all_ebadf(dir + 1);

    section("far beyond the table");
    all_ebadf(0x7FFF_FFFF);
    all_ebadf(0xFFFF_FFFF);

    section("closed file");
    let fd = ok(path_open(dir, 0, "f", OFLAGS_CREAT, RIGHTS_FILE, 0, 0), "create f");
    ok(fd_close(fd), "close f");
    all_ebadf(fd);

    section("closed directory");
    ok(path_create_directory(dir, "d"), "mkdir d");
    let d = ok(
        path_open(dir, 0, "d", OFLAGS_DIRECTORY, RIGHTS_DIR, RIGHTS_ALL, 0),
        "open d",
    );
    ok(fd_close(d), "close d");
    all_ebadf(d);

    section("closed stdin");
    ok(fd_close(0), "close stdin");
    all_ebadf(0);

    section("closed fds are not reused by renumber");
    errno(fd_renumber(dir, 0), Errno::BADF, "renumber onto the closed stdin");
    ok(fd_fdstat_get(dir), "the source of a failed renumber stays open");
    done();
}
