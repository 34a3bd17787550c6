//! Rights, as Wasmtime's preview1 hosts treat them: reported by
//! `fd_fdstat_get`, never enforced as capabilities (a directory opened with
//! no rights works fully), `fd_fdstat_set_rights` not supported; the rights
//! asked of `path_open` (and `creat`/`trunc`) choose a file's access mode,
//! and reads/writes outside it fail with `EBADF`.

use guest::*;

/// What a preopen reports: the directory rights guest libraries expect.
const PREOPEN: u64 = RIGHTS_DIR & !RIGHTS_PATH_FILESTAT_SET_SIZE;
const POSITION: u64 = RIGHTS_FD_SEEK | RIGHTS_FD_TELL;

fn rights(fd: Fd) -> (u64, u64) {
    let st = ok(fd_fdstat_get(fd), "fdstat");
    (st.fs_rights_base, st.fs_rights_inheriting)
}

fn main() {
    let dir = sandbox();

    section("a preopen");
    let (base, inh) = rights(dir);
    eq(base, PREOPEN, "a preopen reports the directory rights");
    eq(inh & (PREOPEN | RIGHTS_FILE), PREOPEN | RIGHTS_FILE, "it passes on file and directory rights");

    section("a file reports the rights of its access mode");
    let asked = RIGHTS_FD_READ | RIGHTS_FD_WRITE | POSITION;
    let fd = ok(path_open(dir, 0, "f", OFLAGS_CREAT, asked, 0, 0), "create f");
    let (base, inh) = rights(fd);
    eq(base & asked, asked, "read, write and position");
    eq(inh, base, "inheriting rights mirror the base rights");
    ok(fd_write(fd, &[b"0123"]), "write");
    ok(fd_seek(fd, 0, WHENCE_SET), "rewind");
    let mut buf = [0u8; 4];
    eq(ok(fd_read(fd, &mut buf), "read"), 4, "read");
    let ro = ok(path_open(dir, 0, "f", 0, RIGHTS_FD_READ, 0, 0), "open f read-only");
    eq(rights(ro).0 & (RIGHTS_FD_READ | RIGHTS_FD_WRITE), RIGHTS_FD_READ, "read-only: no fd_write");
    let wo = ok(path_open(dir, 0, "f", 0, RIGHTS_FD_WRITE, 0, 0), "open f write-only");
    eq(rights(wo).0 & (RIGHTS_FD_READ | RIGHTS_FD_WRITE), RIGHTS_FD_WRITE, "write-only: no fd_read");
    errno(fd_write(ro, &[b"x"]), Errno::BADF, "write on the read-only fd");
    errno(fd_read(wo, &mut buf), Errno::BADF, "read on the write-only fd");
    ok(fd_close(ro), "close");
    ok(fd_close(wo), "close");

    section("fd_fdstat_set_rights is not supported");
    errno(fd_fdstat_set_rights(fd, RIGHTS_FD_SEEK, 0), Errno::NOTSUP, "dropping rights of a file");
    errno(fd_fdstat_set_rights(dir, 0, 0), Errno::NOTSUP, "dropping rights of a directory");
    eq(rights(fd).0 & asked, asked, "the rights did not change");
    eq(ok(fd_write(fd, &[b"4"]), "write"), 1, "writing still works");
    ok(fd_close(fd), "close");
    errno(fd_fdstat_set_rights(fd, 0, 0), Errno::BADF, "a closed fd");

    section("rights asked for with no access mode");
    let none = ok(path_open(dir, 0, "f", 0, 0, 0, 0), "open f with no rights");
    eq(ok(fd_read(none, &mut buf), "read"), 4, "it is open for reading");
    errno(fd_write(none, &[b"x"]), Errno::BADF, "but not for writing");
    eq(ok(fd_seek(none, 1, WHENCE_SET), "seek"), 1, "seeking needs no right");
    eq(ok(fd_tell(none), "tell"), 1, "nor does telling");
    ok(fd_close(none), "close");
    let c = ok(path_open(dir, 0, "c", OFLAGS_CREAT, RIGHTS_FD_READ, 0, 0), "creat asking only fd_read");
    eq(ok(fd_write(c, &[b"abc"]), "write"), 3, "creat opens for writing");
    ok(fd_close(c), "close");
    let t = ok(path_open(dir, 0, "c", OFLAGS_TRUNC, RIGHTS_FD_READ, 0, 0), "trunc asking only fd_read");
    eq(ok(fd_filestat_get(t), "fstat").size, 0, "truncated");
    eq(ok(fd_write(t, &[b"z"]), "write"), 1, "trunc opens for writing");
    ok(fd_close(t), "close");

    section("unknown rights bits");
    let fd = ok(path_open(dir, 0, "f", 0, RIGHTS_FD_READ, 0, 0), "open f");
    errno(fd_fdstat_set_rights(fd, RIGHTS_FD_READ | 1 << 40, 0), Errno::INVAL, "base with bit 40");
    errno(fd_fdstat_set_rights(fd, RIGHTS_FD_READ, 1 << 63), Errno::INVAL, "inheriting with bit 63");
    errno(path_open(dir, 0, "f", 0, RIGHTS_FD_READ | 1 << 30, 0, 0), Errno::INVAL, "path_open asking bit 30");
    ok(fd_close(fd), "close");

    section("a directory opened with no rights works fully");
    ok(path_create_directory(dir, "sub"), "mkdir sub");
    let sub = ok(path_open(dir, 0, "sub", OFLAGS_DIRECTORY, 0, 0, 0), "open sub with no rights");
    let (base, inh) = rights(sub);
    eq(base & (RIGHTS_PATH_OPEN | RIGHTS_FD_READDIR), RIGHTS_PATH_OPEN | RIGHTS_FD_READDIR, "it reports directory rights");
    eq(base & (RIGHTS_FD_WRITE | RIGHTS_FD_SEEK), 0, "but no write or seek");
    eq(inh, base, "inheriting mirrors base");
    let g = ok(path_open(sub, 0, "g", OFLAGS_CREAT, RIGHTS_FD_READ | RIGHTS_FD_WRITE, 0, 0), "create sub/g");
    eq(ok(fd_write(g, &[b"x"]), "write"), 1, "a file in it is writable (inheriting rights are ignored)");
    ok(fd_close(g), "close");
    ok(path_create_directory(sub, "d"), "mkdir in it");
    ok(path_symlink("g", sub, "l"), "symlink in it");
    ok(path_filestat_get(sub, 0, "g"), "stat in it");
    let mut listing = [0u8; 256];
    let n = ok(fd_readdir(sub, &mut listing, 0), "readdir of it");
    check(n > 0, "the listing has entries");
    ok(path_rename(sub, "g", sub, "h"), "rename in it");
    ok(path_unlink_file(sub, "l"), "unlink in it");
    ok(path_remove_directory(sub, "d"), "rmdir in it");
    ok(path_filestat_get(dir, 0, "sub/h"), "h is there");
    ok(fd_close(sub), "close");
    done();
}
