//! `path_rename` (files, directories, trailing slashes, replacing, across
//! directory fds) and `path_link` (hard links).

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

    section("rename files");
    ok(create_file(dir, "a", b"A"), "create a");
    ok(path_rename(dir, "a", dir, "b"), "rename a -> b");
    check(!exists(dir, "a"), "a is gone");
    eq(ok(read_file(dir, "b"), "read b"), b"A".to_vec(), "b has a's content");
    ok(create_file(dir, "c", b"C"), "create c");
    ok(path_rename(dir, "c", dir, "b"), "rename c over b");
    eq(ok(read_file(dir, "b"), "read b"), b"C".to_vec(), "b was replaced");
    ok(path_rename(dir, "b", dir, "b"), "rename onto itself");
    eq(ok(read_file(dir, "b"), "read b"), b"C".to_vec(), "b unchanged");
    errno(
        path_rename(dir, "missing", dir, "x"),
        Errno::NOENT,
        "rename a missing file",
    );
    errno(path_rename(dir, "b/", dir, "x"), Errno::NOTDIR, "rename b/");
    errno(path_rename(dir, "b", dir, "x/"), Errno::NOTDIR, "rename b to x/");
    errno(
        path_rename(dir, "b", dir, "missing/x"),
        Errno::NOENT,
        "rename into a missing directory",
    );

    section("rename directories");
    ok(path_create_directory(dir, "src"), "mkdir src");
    ok(create_file(dir, "src/inner", b"in"), "create src/inner");
    ok(path_rename(dir, "src", dir, "dst"), "rename src -> dst");
    eq(
        ok(read_file(dir, "dst/inner"), "read dst/inner"),
        b"in".to_vec(),
        "contents moved",
    );
    ok(path_create_directory(dir, "empty"), "mkdir empty");
    ok(path_rename(dir, "dst", dir, "empty"), "rename over an empty directory");
    check(exists(dir, "empty/inner") && !exists(dir, "dst"), "empty was replaced");
    ok(path_create_directory(dir, "other"), "mkdir other");
    errno(
        path_rename(dir, "other", dir, "empty"),
        Errno::NOTEMPTY,
        "rename over a non-empty directory",
    );
    errno(
        path_rename(dir, "b", dir, "other"),
        Errno::ISDIR,
        "rename a file over a directory",
    );
    errno(
        path_rename(dir, "other", dir, "b"),
        Errno::NOTDIR,
        "rename a directory over a file",
    );
    errno(
        path_rename(dir, "other", dir, "other/sub"),
        Errno::INVAL,
        "rename a directory into itself",
    );
    check(
        exists(dir, "other") && exists(dir, "b"),
        "failed renames changed nothing",
    );

    section("directories with trailing slashes");
    ok(path_rename(dir, "other/", dir, "moved"), "source with /");
    ok(path_rename(dir, "moved", dir, "other/"), "target with /");
    ok(path_rename(dir, "other/", dir, "moved/"), "both with /");
    ok(path_rename(dir, "moved", dir, "other"), "neither");
    check(exists(dir, "other") && !exists(dir, "moved"), "back where it started");

    section("rename across directory fds");
    let o = ok(
        path_open(dir, 0, "other", OFLAGS_DIRECTORY, RIGHTS_DIR, RIGHTS_ALL, 0),
        "open other",
    );
    ok(path_rename(dir, "b", o, "b-in-other"), "rename into other's fd");
    eq(
        ok(read_file(dir, "other/b-in-other"), "read"),
        b"C".to_vec(),
        "moved across fds",
    );
    ok(path_rename(o, "b-in-other", dir, "b"), "and back");
    errno(
        path_rename(dir, "b", o, "../escape"),
        Errno::PERM,
        "rename out of the target's sandbox",
    );
    errno(
        path_rename(o, "../b", o, "x"),
        Errno::PERM,
        "rename from outside the source's sandbox",
    );
    check(exists(dir, "b"), "b stayed");

    section("hard links");
    ok(create_file(dir, "file", b"linked"), "create file");
    ok(path_link(dir, 0, "file", dir, "hard"), "link file -> hard");
    let s1 = ok(path_filestat_get(dir, 0, "file"), "stat file");
    let s2 = ok(path_filestat_get(dir, 0, "hard"), "stat hard");
    eq((s1.dev, s1.ino), (s2.dev, s2.ino), "same inode");
    eq((s1.nlink, s2.nlink), (2, 2), "two links");
    ok(path_link(dir, 0, "file", o, "hard2"), "link into another directory fd");
    eq(ok(path_filestat_get(dir, 0, "file"), "stat").nlink, 3, "three links");
    ok(path_unlink_file(dir, "file"), "unlink the first name");
    eq(
        ok(read_file(dir, "hard"), "read hard"),
        b"linked".to_vec(),
        "the data lives on",
    );
    eq(ok(path_filestat_get(dir, 0, "hard"), "stat").nlink, 2, "two links left");

    section("hard link errors");
    ok(create_file(dir, "file", b"again"), "create file");
    errno(
        path_link(dir, 0, "file", dir, "hard"),
        Errno::EXIST,
        "link onto an existing file",
    );
    errno(path_link(dir, 0, "file", dir, "file"), Errno::EXIST, "link onto itself");
    errno(
        path_link(dir, 0, "file", dir, "other"),
        Errno::EXIST,
        "link onto a directory",
    );
    errno(
        path_link(dir, 0, "other", dir, "dirlink"),
        Errno::PERM,
        "link a directory",
    );
    errno(
        path_link(dir, 0, "missing", dir, "x"),
        Errno::NOENT,
        "link a missing file",
    );
    errno(
        path_link(dir, 0, "file", dir, "link/"),
        Errno::NOENT,
        "link to a name ending in /",
    );
    errno(
        path_link(dir, 0, "file", dir, "../escape"),
        Errno::PERM,
        "link outside the sandbox",
    );
    ok(path_symlink("nowhere", dir, "dangling"), "symlink dangling");
    errno(
        path_link(dir, 0, "file", dir, "dangling"),
        Errno::EXIST,
        "link onto a dangling link",
    );
    errno(
        path_link(dir, LOOKUPFLAGS_SYMLINK_FOLLOW, "dangling", dir, "x"),
        Errno::INVAL,
        "symlink_follow on the source is refused",
    );
    errno(
        path_link(dir, 2, "file", dir, "x"),
        Errno::INVAL,
        "unknown lookupflags bit",
    );
    ok(
        path_link(dir, 0, "dangling", dir, "dangling2"),
        "a hard link to a symlink itself",
    );
    eq(
        ok(path_filestat_get(dir, 0, "dangling2"), "stat").filetype,
        FILETYPE_SYMBOLIC_LINK,
        "a link",
    );
    done();
}
