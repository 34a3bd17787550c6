//! `path_open`: creation flags, missing paths, trailing slashes, `..` and
//! absolute paths, bad path bytes, unknown flag bits, nonblocking opens.

use guest::*;

const R: u64 = RIGHTS_FD_READ;
const RW: u64 = RIGHTS_FD_READ | RIGHTS_FD_WRITE;

fn filetype(fd: Fd) -> u8 {
    ok(fd_fdstat_get(fd), "fdstat").fs_filetype
}

fn opens(dir: Fd, path: &str, oflags: u32, base: u64, kind: u8, what: &str) {
    let fd = ok(path_open(dir, 0, path, oflags, base, 0, 0), what);
    eq(filetype(fd), kind, format!("{what}: file type"));
    ok(fd_close(fd), format!("{what}: close"));
}

fn main() {
    let dir = sandbox();
    ok(path_create_directory(dir, "dir"), "mkdir dir");
    ok(path_create_directory(dir, "dir/nested"), "mkdir dir/nested");
    ok(create_file(dir, "file", b"content"), "create file");

    section("creat and excl");
    let fd = ok(
        path_open(dir, 0, "new", OFLAGS_CREAT | OFLAGS_EXCL, RW, 0, 0),
        "create new",
    );
    eq(filetype(fd), FILETYPE_REGULAR_FILE, "a regular file");
    eq(ok(path_filestat_get(dir, 0, "new"), "stat new").size, 0, "empty");
    ok(fd_close(fd), "close");
    errno(
        path_open(dir, 0, "new", OFLAGS_CREAT | OFLAGS_EXCL, RW, 0, 0),
        Errno::EXIST,
        "excl on a file",
    );
    errno(
        path_open(dir, 0, "dir", OFLAGS_CREAT | OFLAGS_EXCL, R, 0, 0),
        Errno::EXIST,
        "excl on a directory",
    );
    opens(
        dir,
        "file",
        OFLAGS_CREAT,
        RW,
        FILETYPE_REGULAR_FILE,
        "creat on an existing file",
    );
    eq(
        ok(read_file(dir, "file"), "read"),
        b"content".to_vec(),
        "creat without trunc keeps content",
    );
    errno(
        path_open(dir, 0, "dir", OFLAGS_CREAT, R, 0, 0),
        Errno::ISDIR,
        "creat on a directory",
    );
    errno(
        path_open(dir, 0, "nope/new", OFLAGS_CREAT, RW, 0, 0),
        Errno::NOENT,
        "creat in a missing directory",
    );

    section("missing paths");
    errno(path_open(dir, 0, "missing", 0, R, 0, 0), Errno::NOENT, "missing file");
    errno(
        path_open(dir, 0, "missing/x", 0, R, 0, 0),
        Errno::NOENT,
        "below a missing directory",
    );
    errno(path_open(dir, 0, "file/x", 0, R, 0, 0), Errno::NOTDIR, "below a file");
    errno(path_open(dir, 0, "", 0, R, 0, 0), Errno::NOENT, "an empty path");

    section("directories");
    let own = ok(fd_fdstat_get(dir), "fdstat of the preopen");
    let d = ok(
        path_open(dir, 0, ".", 0, own.fs_rights_base, own.fs_rights_inheriting, 0),
        "reopen . with the preopen's own rights",
    );
    let got = ok(fd_fdstat_get(d), "fdstat").fs_rights_base;
    eq(got & own.fs_rights_base, own.fs_rights_base, "at least the preopen's rights");
    eq(got & (RIGHTS_FD_WRITE | RIGHTS_FD_SEEK), 0, "but no write or seek");
    ok(fd_close(d), "close");
    opens(
        dir,
        ".",
        OFLAGS_DIRECTORY,
        0,
        FILETYPE_DIRECTORY,
        "oflags::directory with no rights",
    );
    errno(
        path_open(dir, 0, ".", OFLAGS_DIRECTORY, RIGHTS_FD_READ | RIGHTS_FD_WRITE, 0, 0),
        Errno::ISDIR,
        "a directory asked for reading and writing",
    );
    opens(dir, "dir", 0, R, FILETYPE_DIRECTORY, "a directory without oflags");
    opens(
        dir,
        "dir",
        OFLAGS_DIRECTORY,
        R,
        FILETYPE_DIRECTORY,
        "a directory with oflags::directory",
    );
    opens(
        dir,
        ".",
        OFLAGS_DIRECTORY,
        R,
        FILETYPE_DIRECTORY,
        "the directory itself",
    );
    errno(
        path_open(dir, 0, "file", OFLAGS_DIRECTORY, R, 0, 0),
        Errno::NOTDIR,
        "oflags::directory on a file",
    );
    errno(
        path_open(dir, 0, "dir", 0, RW, 0, 0),
        Errno::ISDIR,
        "a directory for writing",
    );
    errno(
        path_open(dir, 0, "new-dir", OFLAGS_CREAT | OFLAGS_DIRECTORY, R, 0, 0),
        Errno::INVAL,
        "creat with oflags::directory",
    );
    errno(
        path_open(1, 0, "file", 0, R, 0, 0),
        Errno::NOTDIR,
        "a file as the directory fd",
    );

    section("trailing slashes");
    errno(path_open(dir, 0, "file/", 0, R, 0, 0), Errno::NOTDIR, "file/");
    errno(path_open(dir, 0, "file///", 0, R, 0, 0), Errno::NOTDIR, "file///");
    errno(
        path_open(dir, 0, "file/", OFLAGS_CREAT, RW, 0, 0),
        Errno::ISDIR,
        "file/ with creat",
    );
    errno(
        path_open(dir, 0, "fresh/", OFLAGS_CREAT, RW, 0, 0),
        Errno::ISDIR,
        "a new name with / and creat",
    );
    errno(path_open(dir, 0, "missing/", 0, R, 0, 0), Errno::NOENT, "missing/");
    opens(dir, "dir/", 0, R, FILETYPE_DIRECTORY, "dir/");
    opens(dir, "dir///", 0, R, FILETYPE_DIRECTORY, "dir///");
    opens(
        dir,
        "dir/nested/",
        OFLAGS_DIRECTORY,
        R,
        FILETYPE_DIRECTORY,
        "dir/nested/",
    );

    section("dot and dot-dot inside the sandbox");
    opens(dir, "./file", 0, R, FILETYPE_REGULAR_FILE, "./file");
    opens(dir, "dir/../file", 0, R, FILETYPE_REGULAR_FILE, "dir/../file");
    opens(
        dir,
        "dir/.//nested/../../dir/nested/..///./../file",
        0,
        R,
        FILETYPE_REGULAR_FILE,
        "a winding path",
    );

    section("escapes");
    errno(path_open(dir, 0, "..", 0, R, 0, 0), Errno::PERM, "..");
    errno(path_open(dir, 0, "../file", 0, R, 0, 0), Errno::PERM, "../file");
    errno(
        path_open(dir, 0, "dir/../../file", 0, R, 0, 0),
        Errno::PERM,
        "dir/../../file",
    );
    errno(
        path_open(dir, 0, "dir/nested/../../..", 0, R, 0, 0),
        Errno::PERM,
        "dir/nested/../../..",
    );
    errno(path_open(dir, 0, "/file", 0, R, 0, 0), Errno::PERM, "an absolute path");
    errno(path_open(dir, 0, "/", 0, R, 0, 0), Errno::PERM, "the root");
    errno(
        path_open(dir, 0, "../escape", OFLAGS_CREAT, RW, 0, 0),
        Errno::PERM,
        "creating outside",
    );
    let sub = ok(
        path_open(dir, 0, "dir", OFLAGS_DIRECTORY, RIGHTS_DIR, RIGHTS_ALL, 0),
        "open dir",
    );
    errno(
        path_open(sub, 0, "../file", 0, R, 0, 0),
        Errno::PERM,
        "an opened subdirectory is a sandbox too",
    );
    opens(sub, "nested/..", 0, R, FILETYPE_DIRECTORY, "nested/.. inside dir");

    section("path bytes");
    errno(path_open(dir, 0, "file\0", 0, R, 0, 0), Errno::INVAL, "a trailing NUL");
    errno(path_open(dir, 0, "fi\0le", 0, R, 0, 0), Errno::INVAL, "an inner NUL");
    errno(path_open(dir, 0, b"\xff\xfe", 0, R, 0, 0), Errno::ILSEQ, "not UTF-8");
    let long = "a".repeat(40_000);
    errno(
        path_open(dir, 0, &long, 0, R, 0, 0),
        Errno::NAMETOOLONG,
        "a 40000-byte path",
    );
    let long_name = "b".repeat(300);
    errno(
        path_open(dir, 0, &long_name, OFLAGS_CREAT, RW, 0, 0),
        Errno::NAMETOOLONG,
        "a 300-byte name",
    );

    section("unknown flag bits");
    errno(path_open(dir, 0, "file", 16, R, 0, 0), Errno::INVAL, "oflags bit 16");
    errno(path_open(dir, 2, "file", 0, R, 0, 0), Errno::INVAL, "lookupflags bit 2");
    errno(path_open(dir, 0, "file", 0, R, 0, 32), Errno::INVAL, "fdflags bit 32");

    section("nonblocking opens");
    let d = ok(path_open(dir, 0, ".", 0, 0, 0, FDFLAGS_NONBLOCK), "open . nonblocking");
    eq(filetype(d), FILETYPE_DIRECTORY, "a directory");
    ok(fd_close(d), "close");
    let f = ok(
        path_open(dir, 0, "file", 0, R, 0, FDFLAGS_NONBLOCK),
        "open a file nonblocking",
    );
    eq(
        ok(fd_fdstat_get(f), "fdstat").fs_flags,
        FDFLAGS_NONBLOCK as u16,
        "nonblock is reported",
    );
    let mut buf = [0u8; 16];
    eq(
        ok(fd_read(f, &mut buf), "nonblocking read"),
        7,
        "a regular file reads at once",
    );
    ok(fd_close(f), "close");

    section("append at open");
    let f = ok(path_open(dir, 0, "file", 0, RW, 0, FDFLAGS_APPEND), "open for append");
    eq(
        ok(fd_fdstat_get(f), "fdstat").fs_flags,
        FDFLAGS_APPEND as u16,
        "append is reported",
    );
    ok(fd_write(f, &[b"+"]), "append");
    eq(
        ok(read_file(dir, "file"), "read"),
        b"content+".to_vec(),
        "appended at open",
    );
    done();
}
