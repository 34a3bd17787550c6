//! Symbolic links: loops, dangling links, `symlink_follow`, reading links,
//! links that lead outside the sandbox, trailing slashes on link names.

use guest::*;

const R: u64 = RIGHTS_FD_READ;
const FOLLOW: u32 = LOOKUPFLAGS_SYMLINK_FOLLOW;

fn main() {
    let dir = sandbox();
    ok(path_create_directory(dir, "dir"), "mkdir dir");
    ok(create_file(dir, "file", b"file content"), "create file");

    section("links to a file and a directory");
    ok(path_symlink("file", dir, "flink"), "symlink flink -> file");
    ok(path_symlink("dir", dir, "dlink"), "symlink dlink -> dir");
    let f = ok(path_open(dir, FOLLOW, "flink", 0, R, 0, 0), "open flink, following");
    eq(ok(read_to_end(f), "read"), b"file content".to_vec(), "reads the target");
    ok(fd_close(f), "close");
    errno(
        path_open(dir, 0, "flink", 0, R, 0, 0),
        Errno::LOOP,
        "open flink without following",
    );
    errno(
        path_open(dir, FOLLOW, "flink", OFLAGS_DIRECTORY, R, 0, 0),
        Errno::NOTDIR,
        "flink as a directory",
    );
    let d = ok(
        path_open(dir, FOLLOW, "dlink", OFLAGS_DIRECTORY, R, 0, 0),
        "open dlink as a directory",
    );
    eq(
        ok(fd_fdstat_get(d), "fdstat").fs_filetype,
        FILETYPE_DIRECTORY,
        "a directory",
    );
    ok(fd_close(d), "close");
    errno(
        path_open(dir, 0, "dlink", OFLAGS_DIRECTORY, R, 0, 0),
        Errno::LOOP,
        "dlink as a directory without following (ELOOP, as on Wasmtime)",
    );
    ok(
        create_file(dir, "dlink/inner", b"i"),
        "a link in the middle of a path is followed",
    );
    eq(
        ok(read_file(dir, "dir/inner"), "read dir/inner"),
        b"i".to_vec(),
        "it landed in dir",
    );

    section("filestat of links");
    let st = ok(path_filestat_get(dir, 0, "flink"), "stat flink");
    eq(st.filetype, FILETYPE_SYMBOLIC_LINK, "the link itself");
    eq(st.size, 4, "a link's size is its target's length");
    let st = ok(path_filestat_get(dir, FOLLOW, "flink"), "stat flink, following");
    eq(st.filetype, FILETYPE_REGULAR_FILE, "the target");
    eq(st.size, 12, "the target's size");
    eq(
        ok(path_filestat_get(dir, 0, "dlink/"), "stat dlink/").filetype,
        FILETYPE_DIRECTORY,
        "dlink/ is the dir",
    );
    errno(
        path_filestat_get(dir, 0, "flink/"),
        Errno::NOTDIR,
        "flink/ is not a directory",
    );

    section("readlink");
    let mut buf = [0xEEu8; 8];
    eq(
        ok(path_readlink(dir, "flink", &mut buf), "readlink flink"),
        4,
        "bytes used",
    );
    eq(&buf, b"file\xEE\xEE\xEE\xEE", "the target, no NUL, nothing after");
    let mut small = [0xEEu8; 6];
    eq(
        ok(path_readlink(dir, "dlink", &mut small[..2]), "readlink into 2 bytes"),
        2,
        "truncated to the buffer",
    );
    eq(&small, b"di\xEE\xEE\xEE\xEE", "the start of the target");
    eq(
        ok(path_readlink(dir, "dlink", &mut []), "readlink into 0 bytes"),
        0,
        "nothing fits",
    );
    errno(path_readlink(dir, "file", &mut buf), Errno::INVAL, "readlink of a file");
    errno(
        path_readlink(dir, "dir", &mut buf),
        Errno::INVAL,
        "readlink of a directory",
    );
    errno(
        path_readlink(dir, "missing", &mut buf),
        Errno::NOENT,
        "readlink of a missing path",
    );

    section("loops");
    ok(path_symlink("loop", dir, "loop"), "symlink loop -> loop");
    ok(path_symlink("l2", dir, "l1"), "symlink l1 -> l2");
    ok(path_symlink("l1", dir, "l2"), "symlink l2 -> l1");
    for name in ["loop", "l1"] {
        errno(
            path_open(dir, FOLLOW, name, 0, R, 0, 0),
            Errno::LOOP,
            format!("open {name}, following"),
        );
        errno(
            path_open(dir, 0, name, 0, R, 0, 0),
            Errno::LOOP,
            format!("open {name} without following"),
        );
        errno(
            path_filestat_get(dir, FOLLOW, name),
            Errno::LOOP,
            format!("stat {name}, following"),
        );
        let st = ok(path_filestat_get(dir, 0, name), format!("stat {name}"));
        eq(st.filetype, FILETYPE_SYMBOLIC_LINK, format!("{name} is a link"));
    }
    errno(
        path_open(dir, 0, "loop/x", 0, R, 0, 0),
        Errno::LOOP,
        "a loop in the middle of a path",
    );
    errno(
        path_open(dir, FOLLOW, "loop", OFLAGS_CREAT, RIGHTS_FD_WRITE, 0, 0),
        Errno::LOOP,
        "creat through a loop",
    );

    section("dangling links");
    ok(path_symlink("target", dir, "dangling"), "symlink dangling -> target");
    errno(
        path_open(dir, FOLLOW, "dangling", 0, R, 0, 0),
        Errno::NOENT,
        "open dangling, following",
    );
    errno(
        path_open(dir, 0, "dangling", 0, R, 0, 0),
        Errno::LOOP,
        "open dangling without following",
    );
    errno(
        path_open(dir, 0, "dangling", OFLAGS_DIRECTORY, R, 0, 0),
        Errno::LOOP,
        "dangling as a directory without following (ELOOP, as on Wasmtime)",
    );
    errno(
        path_filestat_get(dir, FOLLOW, "dangling"),
        Errno::NOENT,
        "stat dangling, following",
    );
    eq(
        ok(path_filestat_get(dir, 0, "dangling"), "stat").filetype,
        FILETYPE_SYMBOLIC_LINK,
        "a link",
    );
    let f = ok(
        path_open(dir, FOLLOW, "dangling", OFLAGS_CREAT, RIGHTS_FD_WRITE, 0, 0),
        "creat through a dangling link",
    );
    ok(fd_write(f, &[b"made"]), "write");
    ok(fd_close(f), "close");
    eq(
        ok(read_file(dir, "target"), "read target"),
        b"made".to_vec(),
        "the target was created",
    );

    section("links that lead outside");
    ok(path_symlink("../outside", dir, "up"), "symlink up -> ../outside");
    ok(path_symlink("dir/../../x", dir, "up2"), "symlink up2 -> dir/../../x");
    for name in ["up", "up2"] {
        errno(
            path_open(dir, FOLLOW, name, 0, R, 0, 0),
            Errno::PERM,
            format!("open {name}, following"),
        );
        errno(
            path_filestat_get(dir, FOLLOW, name),
            Errno::PERM,
            format!("stat {name}, following"),
        );
        errno(
            path_open(dir, 0, format!("{name}/x"), 0, R, 0, 0),
            Errno::PERM,
            format!("{name}/x"),
        );
    }
    errno(
        path_open(dir, FOLLOW, "up", OFLAGS_CREAT, RIGHTS_FD_WRITE, 0, 0),
        Errno::PERM,
        "creat through a link leading outside",
    );
    let mut buf = [0u8; 32];
    let n = ok(path_readlink(dir, "up", &mut buf), "readlink up");
    eq(&buf[..n], b"../outside", "reading such a link is fine");
    errno(
        path_symlink("/etc/passwd", dir, "abs"),
        Errno::PERM,
        "a link to an absolute path",
    );
    // `hostabs` was made by the host (an absolute target, outside).
    errno(
        path_open(dir, FOLLOW, "hostabs", 0, R, 0, 0),
        Errno::PERM,
        "open a host-made absolute link",
    );
    errno(
        path_filestat_get(dir, FOLLOW, "hostabs"),
        Errno::PERM,
        "stat a host-made absolute link",
    );
    eq(
        ok(path_filestat_get(dir, 0, "hostabs"), "lstat").filetype,
        FILETYPE_SYMBOLIC_LINK,
        "a link",
    );

    section("link names with trailing slashes");
    errno(
        path_symlink("source", dir, "new/"),
        Errno::NOENT,
        "a new name ending in /",
    );
    errno(
        path_symlink("source", dir, "dir/"),
        Errno::EXIST,
        "an existing directory with /",
    );
    errno(
        path_symlink("source", dir, "dir"),
        Errno::EXIST,
        "an existing directory",
    );
    errno(
        path_symlink("source", dir, "file/"),
        Errno::NOTDIR,
        "an existing file with / (ENOTDIR, as on Wasmtime)",
    );
    errno(path_symlink("source", dir, "file"), Errno::EXIST, "an existing file");
    errno(path_symlink("source", dir, "flink"), Errno::EXIST, "an existing link");

    section("unlinking a link leaves the target");
    ok(path_unlink_file(dir, "flink"), "unlink flink");
    errno(path_filestat_get(dir, 0, "flink"), Errno::NOENT, "flink is gone");
    ok(path_filestat_get(dir, 0, "file"), "file is still there");
    ok(path_unlink_file(dir, "dlink"), "unlink dlink");
    ok(path_filestat_get(dir, 0, "dir"), "dir is still there");
    ok(path_unlink_file(dir, "loop"), "unlink loop");
    ok(path_unlink_file(dir, "dangling"), "unlink dangling");
    done();
}
