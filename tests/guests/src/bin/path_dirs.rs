//! `path_create_directory`, `path_remove_directory`, `path_unlink_file`:
//! existing and missing paths, trailing slashes, non-empty directories,
//! files versus directories, escapes.

use guest::*;

fn exists(dir: Fd, path: &str) -> bool {
    match path_filestat_get(dir, 0, path) {
        Ok(_) => true,
        Err(Errno::NOENT) => false,
        Err(e) => fail(&format!("stat {path}: {e:?}")),
    }
}

fn main() {
    let dir = sandbox();
    ok(create_file(dir, "file", b"x"), "create file");

    section("create_directory");
    ok(path_create_directory(dir, "d"), "mkdir d");
    eq(
        ok(path_filestat_get(dir, 0, "d"), "stat d").filetype,
        FILETYPE_DIRECTORY,
        "d is a directory",
    );
    errno(
        path_create_directory(dir, "d"),
        Errno::EXIST,
        "mkdir an existing directory",
    );
    errno(path_create_directory(dir, "file"), Errno::EXIST, "mkdir over a file");
    errno(
        path_create_directory(dir, "missing/x"),
        Errno::NOENT,
        "mkdir below a missing directory",
    );
    errno(
        path_create_directory(dir, "file/x"),
        Errno::NOTDIR,
        "mkdir below a file",
    );
    ok(path_create_directory(dir, "slash/"), "mkdir with a trailing slash");
    check(exists(dir, "slash"), "slash exists");
    ok(path_create_directory(dir, "d/inner"), "mkdir d/inner");
    ok(path_create_directory(dir, "d/x"), "mkdir d/x");
    ok(path_create_directory(dir, "d/./x/../y"), "mkdir through x/.. inside");
    check(exists(dir, "d/y"), "d/y was made");
    ok(path_remove_directory(dir, "d/x"), "rmdir d/x");
    errno(
        path_create_directory(dir, "d/nope/../z"),
        Errno::NOENT,
        "a missing directory before ..",
    );
    check(!exists(dir, "d/z"), "d/z was not made");
    errno(
        path_create_directory(dir, "../escape"),
        Errno::PERM,
        "mkdir outside the sandbox",
    );
    errno(
        path_create_directory(dir, "/abs"),
        Errno::PERM,
        "mkdir at an absolute path",
    );
    errno(path_create_directory(dir, ""), Errno::NOENT, "mkdir of an empty path");

    section("remove_directory");
    errno(
        path_remove_directory(dir, "d"),
        Errno::NOTEMPTY,
        "rmdir a non-empty directory",
    );
    ok(path_remove_directory(dir, "d/inner"), "rmdir d/inner");
    errno(
        path_remove_directory(dir, "d/y/"),
        Errno::INVAL,
        "rmdir with a trailing slash (EINVAL, as on Wasmtime)",
    );
    check(exists(dir, "d/y"), "d/y is still there");
    ok(path_remove_directory(dir, "d/y"), "rmdir d/y");
    ok(path_remove_directory(dir, "d"), "rmdir the now empty d");
    check(!exists(dir, "d"), "d is gone");
    errno(
        path_remove_directory(dir, "d"),
        Errno::NOENT,
        "rmdir a missing directory",
    );
    errno(path_remove_directory(dir, "file"), Errno::NOTDIR, "rmdir a file");
    errno(path_remove_directory(dir, "file/"), Errno::NOTDIR, "rmdir file/");
    ok(path_symlink("slash", dir, "slink"), "symlink slink -> slash");
    errno(
        path_remove_directory(dir, "slink"),
        Errno::NOTDIR,
        "rmdir a link to a directory",
    );
    check(exists(dir, "slash"), "the link's target is kept");
    errno(
        path_remove_directory(dir, "../sandbox"),
        Errno::PERM,
        "rmdir outside the sandbox",
    );

    section("unlink_file");
    errno(path_unlink_file(dir, "slash"), Errno::ISDIR, "unlink a directory");
    errno(
        path_unlink_file(dir, "slash/"),
        Errno::ISDIR,
        "unlink a directory with /",
    );
    errno(path_unlink_file(dir, "file/"), Errno::NOTDIR, "unlink file/");
    errno(path_unlink_file(dir, "missing"), Errno::NOENT, "unlink a missing file");
    errno(
        path_unlink_file(dir, "missing/x"),
        Errno::NOENT,
        "unlink below a missing directory",
    );
    errno(
        path_unlink_file(dir, "../file"),
        Errno::PERM,
        "unlink outside the sandbox",
    );
    ok(path_unlink_file(dir, "slink"), "unlink a link to a directory");
    check(
        exists(dir, "slash") && !exists(dir, "slink"),
        "the link is gone, its target is not",
    );
    ok(path_unlink_file(dir, "file"), "unlink file");
    check(!exists(dir, "file"), "file is gone");
    errno(path_unlink_file(dir, "file"), Errno::NOENT, "unlink it again");

    section("an open file outlives its name");
    ok(create_file(dir, "held", b"still here"), "create held");
    let fd = ok(path_open(dir, 0, "held", 0, RIGHTS_FD_READ, 0, 0), "open held");
    ok(path_unlink_file(dir, "held"), "unlink held");
    eq(
        ok(read_to_end(fd), "read"),
        b"still here".to_vec(),
        "reading after unlink",
    );
    ok(fd_close(fd), "close");

    section("an open directory can be removed");
    ok(path_create_directory(dir, "gone"), "mkdir gone");
    let d = ok(
        path_open(dir, 0, "gone", OFLAGS_DIRECTORY, RIGHTS_DIR, RIGHTS_ALL, 0),
        "open gone",
    );
    ok(path_remove_directory(dir, "gone"), "rmdir gone while open");
    errno(
        path_open(d, 0, "x", OFLAGS_CREAT, RIGHTS_FD_WRITE, 0, 0),
        Errno::NOENT,
        "create in a removed directory",
    );
    ok(fd_close(d), "close");
    done();
}
