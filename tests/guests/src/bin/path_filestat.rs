//! `path_filestat_get` and `path_filestat_set_times`, against
//! `fd_filestat_get` and with links, trailing slashes, and bad flags.

use guest::*;

const T1: u64 = 1_111_111_111_222_222_222;
const T2: u64 = 1_234_567_890_123_456_789;
const FOLLOW: u32 = LOOKUPFLAGS_SYMLINK_FOLLOW;

fn main() {
    let dir = sandbox();
    ok(create_file(dir, "file", b"twelve bytes"), "create file");
    ok(path_create_directory(dir, "dir"), "mkdir dir");
    ok(path_symlink("file", dir, "link"), "symlink link -> file");

    section("filestat agrees with fd_filestat_get");
    let st = ok(path_filestat_get(dir, 0, "file"), "stat file");
    eq(st.filetype, FILETYPE_REGULAR_FILE, "file type");
    eq(st.size, 12, "size");
    eq(st.nlink, 1, "nlink");
    let fd = ok(path_open(dir, 0, "file", 0, RIGHTS_FD_FILESTAT_GET, 0, 0), "open file");
    let fst = ok(fd_filestat_get(fd), "fd_filestat_get");
    eq(fst, st, "the same record both ways");
    ok(fd_close(fd), "close");
    let ds = ok(path_filestat_get(dir, 0, "dir"), "stat dir");
    eq(ds.filetype, FILETYPE_DIRECTORY, "dir type");
    eq(ds.dev, st.dev, "same device");
    check(ds.ino != st.ino, "different inodes");
    let me = ok(fd_filestat_get(dir), "filestat of the preopen");
    let dot = ok(path_filestat_get(dir, 0, "."), "stat .");
    eq(
        (me.dev, me.ino, me.filetype),
        (dot.dev, dot.ino, FILETYPE_DIRECTORY),
        ". is the preopen",
    );
    eq(
        ok(path_filestat_get(dir, 0, "dir/.."), "stat dir/..").ino,
        me.ino,
        "dir/.. is the preopen",
    );

    section("links");
    eq(
        ok(path_filestat_get(dir, 0, "link"), "lstat").filetype,
        FILETYPE_SYMBOLIC_LINK,
        "the link",
    );
    eq(
        ok(path_filestat_get(dir, FOLLOW, "link"), "stat").ino,
        st.ino,
        "following reaches file",
    );

    section("errors");
    errno(path_filestat_get(dir, 0, "file/"), Errno::NOTDIR, "file/");
    errno(path_filestat_get(dir, 0, "missing"), Errno::NOENT, "missing");
    errno(path_filestat_get(dir, 0, "file/x"), Errno::NOTDIR, "below a file");
    errno(path_filestat_get(dir, 0, ".."), Errno::PERM, "..");
    errno(path_filestat_get(dir, 0, "/etc"), Errno::PERM, "an absolute path");
    errno(
        path_filestat_get(dir, 2, "file"),
        Errno::INVAL,
        "unknown lookupflags bit",
    );
    errno(
        path_filestat_get(dir, 0x8000_0000, "file"),
        Errno::INVAL,
        "lookupflags bit 31",
    );
    errno(path_filestat_get(0, 0, "file"), Errno::NOTDIR, "stdin as the directory");

    section("set times by path");
    ok(
        path_filestat_set_times(dir, 0, "file", T1, T2, FSTFLAGS_ATIM | FSTFLAGS_MTIM),
        "set both",
    );
    let s = ok(path_filestat_get(dir, 0, "file"), "stat");
    eq((s.atim, s.mtim), (T1, T2), "both set");
    ok(
        path_filestat_set_times(dir, 0, "file", 0, T1, FSTFLAGS_MTIM),
        "set mtim",
    );
    let s = ok(path_filestat_get(dir, 0, "file"), "stat");
    eq((s.atim, s.mtim), (T1, T1), "only mtim changed");
    ok(
        path_filestat_set_times(dir, 0, "dir", T2, T2, FSTFLAGS_ATIM | FSTFLAGS_MTIM),
        "a directory",
    );
    let s = ok(path_filestat_get(dir, 0, "dir"), "stat dir");
    eq((s.atim, s.mtim), (T2, T2), "directory times");

    section("set times on links");
    ok(
        path_filestat_set_times(dir, FOLLOW, "link", T2, T2, FSTFLAGS_ATIM | FSTFLAGS_MTIM),
        "through the link",
    );
    let s = ok(path_filestat_get(dir, 0, "file"), "stat file");
    eq((s.atim, s.mtim), (T2, T2), "following sets the target's times");
    ok(
        path_filestat_set_times(dir, 0, "link", T1, T1, FSTFLAGS_ATIM | FSTFLAGS_MTIM),
        "on the link itself",
    );
    let l = ok(path_filestat_get(dir, 0, "link"), "lstat link");
    eq((l.atim, l.mtim), (T1, T1), "the link's own times");
    let s = ok(path_filestat_get(dir, 0, "file"), "stat file");
    eq((s.atim, s.mtim), (T2, T2), "the target is untouched");

    section("set times errors");
    let both = |f| path_filestat_set_times(dir, 0, "file", T1, T1, f);
    errno(
        both(FSTFLAGS_ATIM | FSTFLAGS_ATIM_NOW),
        Errno::INVAL,
        "ATIM with ATIM_NOW",
    );
    errno(
        both(FSTFLAGS_MTIM | FSTFLAGS_MTIM_NOW),
        Errno::INVAL,
        "MTIM with MTIM_NOW",
    );
    errno(both(FSTFLAGS_MTIM | 0x10), Errno::INVAL, "unknown fstflags bit");
    errno(
        path_filestat_set_times(dir, 0, "missing", T1, T1, FSTFLAGS_MTIM),
        Errno::NOENT,
        "a missing file",
    );
    errno(
        path_filestat_set_times(dir, 0, "../x", T1, T1, FSTFLAGS_MTIM),
        Errno::PERM,
        "outside the sandbox",
    );
    let s = ok(path_filestat_get(dir, 0, "file"), "stat file");
    eq((s.atim, s.mtim), (T2, T2), "failed calls changed nothing");
    done();
}
