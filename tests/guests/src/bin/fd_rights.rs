//! Rights: what `path_open` grants, `fd_fdstat_set_rights` dropping them,
//! never adding them back, and inheritance through directories.

use guest::*;

const DIR_RIGHTS: u64 = RIGHTS_DIR;

fn rights(fd: Fd) -> (u64, u64) {
    let st = ok(fd_fdstat_get(fd), "fdstat");
    (st.fs_rights_base, st.fs_rights_inheriting)
}

fn main() {
    let dir = sandbox();

    section("a preopen");
    let (base, inh) = rights(dir);
    eq(base & DIR_RIGHTS, DIR_RIGHTS, "a preopen has every directory right");
    eq(
        base & (RIGHTS_FD_READ | RIGHTS_FD_WRITE | RIGHTS_FD_SEEK | RIGHTS_FD_TELL),
        0,
        "but no file I/O rights",
    );
    eq(
        inh & (DIR_RIGHTS | RIGHTS_FILE),
        DIR_RIGHTS | RIGHTS_FILE,
        "it passes on file and directory rights",
    );

    section("a file gets what it asks for");
    let asked = RIGHTS_FD_READ | RIGHTS_FD_WRITE | RIGHTS_FD_SEEK | RIGHTS_FD_TELL;
    let fd = ok(path_open(dir, 0, "f", OFLAGS_CREAT, asked, 0, 0), "create f");
    eq(rights(fd), (asked, 0), "the rights asked for");
    ok(fd_write(fd, &[b"0123"]), "write");
    ok(fd_seek(fd, 0, WHENCE_SET), "rewind");
    let mut buf = [0u8; 4];
    eq(ok(fd_read(fd, &mut buf), "read"), 4, "read");

    section("dropping rights");
    ok(
        fd_fdstat_set_rights(fd, asked & !(RIGHTS_FD_READ | RIGHTS_FD_WRITE), 0),
        "drop read and write",
    );
    eq(rights(fd), (RIGHTS_FD_SEEK | RIGHTS_FD_TELL, 0), "what is left");
    errno(fd_read(fd, &mut buf), Errno::NOTCAPABLE, "read after dropping it");
    errno(fd_write(fd, &[b"x"]), Errno::NOTCAPABLE, "write after dropping it");
    eq(ok(fd_seek(fd, 1, WHENCE_SET), "seek"), 1, "seek still works");

    section("rights cannot come back");
    errno(
        fd_fdstat_set_rights(fd, asked, 0),
        Errno::NOTCAPABLE,
        "adding back read and write",
    );
    errno(
        fd_fdstat_set_rights(fd, RIGHTS_FD_SEEK, RIGHTS_FD_READ),
        Errno::NOTCAPABLE,
        "adding an inheriting right",
    );
    eq(
        rights(fd),
        (RIGHTS_FD_SEEK | RIGHTS_FD_TELL, 0),
        "unchanged by the failed calls",
    );
    ok(
        fd_fdstat_set_rights(fd, RIGHTS_FD_SEEK | RIGHTS_FD_TELL, 0),
        "setting the same rights",
    );
    ok(fd_fdstat_set_rights(fd, 0, 0), "dropping everything");
    eq(rights(fd), (0, 0), "no rights left");
    errno(fd_tell(fd), Errno::NOTCAPABLE, "tell without rights");
    ok(fd_fdstat_get(fd), "fdstat needs no right");
    ok(fd_close(fd), "close needs no right");

    section("unknown rights bits");
    let fd = ok(path_open(dir, 0, "f", 0, RIGHTS_FD_READ, 0, 0), "open f");
    errno(
        fd_fdstat_set_rights(fd, RIGHTS_FD_READ | 1 << 40, 0),
        Errno::INVAL,
        "base with bit 40",
    );
    errno(
        fd_fdstat_set_rights(fd, RIGHTS_FD_READ, 1 << 63),
        Errno::INVAL,
        "inheriting with bit 63",
    );
    errno(
        path_open(dir, 0, "f", 0, RIGHTS_FD_READ | 1 << 30, 0, 0),
        Errno::INVAL,
        "path_open asking bit 30",
    );
    eq(rights(fd), (RIGHTS_FD_READ, 0), "unchanged");
    ok(fd_close(fd), "close");

    section("inheritance through a directory");
    ok(path_create_directory(dir, "sub"), "mkdir sub");
    let sub = ok(
        path_open(
            dir,
            0,
            "sub",
            OFLAGS_DIRECTORY,
            DIR_RIGHTS,
            RIGHTS_FD_READ | RIGHTS_FD_SEEK | RIGHTS_PATH_OPEN,
            0,
        ),
        "open sub",
    );
    eq(
        rights(sub),
        (DIR_RIGHTS, RIGHTS_FD_READ | RIGHTS_FD_SEEK | RIGHTS_PATH_OPEN),
        "sub's rights",
    );
    let g = ok(
        path_open(sub, 0, "g", OFLAGS_CREAT, RIGHTS_FD_READ | RIGHTS_FD_WRITE, 0, 0),
        "create sub/g",
    );
    eq(
        rights(g),
        (RIGHTS_FD_READ, 0),
        "a file gets only rights its directory passes on",
    );
    errno(fd_write(g, &[b"x"]), Errno::NOTCAPABLE, "write was not inherited");
    ok(fd_close(g), "close");
    let g = ok(
        path_open(
            sub,
            0,
            "g",
            0,
            RIGHTS_FD_READ | RIGHTS_FD_SEEK,
            RIGHTS_FD_READ | RIGHTS_FD_WRITE,
            0,
        ),
        "open sub/g asking inheriting rights",
    );
    eq(
        rights(g),
        (RIGHTS_FD_READ | RIGHTS_FD_SEEK, RIGHTS_FD_READ),
        "inheriting rights are capped too",
    );
    ok(fd_close(g), "close");

    section("directory rights gate path calls");
    let (base, inh) = rights(sub);
    ok(
        fd_fdstat_set_rights(sub, base & !RIGHTS_PATH_CREATE_FILE, inh),
        "drop path_create_file",
    );
    errno(
        path_open(sub, 0, "new", OFLAGS_CREAT, RIGHTS_FD_READ, 0, 0),
        Errno::NOTCAPABLE,
        "creat without path_create_file",
    );
    ok(
        path_open(sub, 0, "g", 0, RIGHTS_FD_READ, 0, 0),
        "opening an existing file is still allowed",
    );
    ok(
        fd_fdstat_set_rights(sub, base & !(RIGHTS_PATH_CREATE_FILE | RIGHTS_PATH_OPEN), inh),
        "drop path_open",
    );
    errno(
        path_open(sub, 0, "g", 0, RIGHTS_FD_READ, 0, 0),
        Errno::NOTCAPABLE,
        "open without path_open",
    );
    let keep = base & !(RIGHTS_PATH_CREATE_FILE | RIGHTS_PATH_OPEN | RIGHTS_FD_READDIR | RIGHTS_PATH_FILESTAT_GET);
    ok(
        fd_fdstat_set_rights(sub, keep, inh),
        "drop fd_readdir and path_filestat_get",
    );
    let mut buf = [0u8; 64];
    errno(
        fd_readdir(sub, &mut buf, 0),
        Errno::NOTCAPABLE,
        "readdir without fd_readdir",
    );
    errno(
        path_filestat_get(sub, 0, "g"),
        Errno::NOTCAPABLE,
        "stat without path_filestat_get",
    );
    let keep = keep & !(RIGHTS_PATH_CREATE_DIRECTORY | RIGHTS_PATH_UNLINK_FILE | RIGHTS_PATH_SYMLINK);
    ok(fd_fdstat_set_rights(sub, keep, inh), "drop mkdir, unlink, symlink");
    errno(
        path_create_directory(sub, "x"),
        Errno::NOTCAPABLE,
        "mkdir without the right",
    );
    errno(
        path_unlink_file(sub, "g"),
        Errno::NOTCAPABLE,
        "unlink without the right",
    );
    errno(
        path_symlink("g", sub, "l"),
        Errno::NOTCAPABLE,
        "symlink without the right",
    );
    ok(path_filestat_get(dir, 0, "sub/g"), "g is still there");
    done();
}
