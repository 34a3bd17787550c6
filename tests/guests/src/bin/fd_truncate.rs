//! Truncation: `fd_filestat_set_size` (shrink, grow, rights, directories,
//! sizes beyond `i64`) and `path_open` with `oflags::trunc`.

use guest::*;

fn size(dir: Fd, name: &str) -> u64 {
    ok(path_filestat_get(dir, 0, name), format!("stat {name}")).size
}

fn main() {
    let dir = sandbox();
    ok(create_file(dir, "f", b"0123456789"), "create f");
    let rights = RIGHTS_FD_READ | RIGHTS_FD_WRITE | RIGHTS_FD_SEEK | RIGHTS_FD_TELL | RIGHTS_FD_FILESTAT_SET_SIZE;
    let fd = ok(
        path_open(dir, 0, "f", 0, rights | RIGHTS_FD_FILESTAT_GET, 0, 0),
        "open f",
    );

    section("shrink");
    ok(fd_seek(fd, 8, WHENCE_SET), "seek to 8");
    ok(fd_filestat_set_size(fd, 4), "set size 4");
    eq(ok(fd_filestat_get(fd), "filestat").size, 4, "size after shrinking");
    eq(
        ok(read_file(dir, "f"), "read"),
        b"0123".to_vec(),
        "content after shrinking",
    );
    eq(ok(fd_tell(fd), "tell"), 8, "the cursor is not moved by truncation");

    section("grow");
    ok(fd_filestat_set_size(fd, 7), "set size 7");
    eq(size(dir, "f"), 7, "size after growing");
    eq(
        ok(read_file(dir, "f"), "read"),
        b"0123\0\0\0".to_vec(),
        "growing adds zeros",
    );
    ok(fd_write(fd, &[b"X"]), "write at the old cursor");
    eq(
        ok(read_file(dir, "f"), "read"),
        b"0123\0\0\0\0X".to_vec(),
        "write at 8 after growing to 7",
    );

    section("to zero and back");
    ok(fd_filestat_set_size(fd, 0), "set size 0");
    eq(size(dir, "f"), 0, "empty");
    ok(fd_filestat_set_size(fd, 0), "set size 0 again");
    ok(fd_filestat_set_size(fd, 3), "set size 3");
    eq(ok(read_file(dir, "f"), "read"), b"\0\0\0".to_vec(), "zeros only");

    section("sizes beyond i64");
    errno(fd_filestat_set_size(fd, 1 << 63), Errno::INVAL, "set size 2^63");
    errno(fd_filestat_set_size(fd, u64::MAX), Errno::INVAL, "set size 2^64-1");
    eq(size(dir, "f"), 3, "size unchanged");

    section("rights and kinds");
    let ro = ok(path_open(dir, 0, "f", 0, RIGHTS_FD_READ, 0, 0), "open read-only");
    errno(
        fd_filestat_set_size(ro, 0),
        Errno::INVAL,
        "set size on a file not open for writing (ftruncate's EINVAL)",
    );
    ok(fd_close(ro), "close");
    errno(fd_filestat_set_size(dir, 0), Errno::BADF, "set size on a directory");
    eq(size(dir, "f"), 3, "size unchanged");
    ok(fd_close(fd), "close f");

    section("open with trunc");
    ok(create_file(dir, "t", b"some content"), "create t");
    let t = ok(
        path_open(dir, 0, "t", OFLAGS_TRUNC, RIGHTS_FD_READ, 0, 0),
        "open t with trunc",
    );
    eq(size(dir, "t"), 0, "trunc empties the file");
    let mut buf = [0u8; 4];
    eq(ok(fd_read(t, &mut buf), "read"), 0, "nothing to read");
    ok(fd_close(t), "close");
    ok(create_file(dir, "t", b"again"), "refill t");
    let t = ok(path_open(dir, 0, "t", 0, RIGHTS_FD_READ, 0, 0), "open t without trunc");
    eq(size(dir, "t"), 5, "no trunc, no truncation");
    ok(fd_close(t), "close");
    let t = ok(
        path_open(dir, 0, "t", OFLAGS_CREAT | OFLAGS_TRUNC, RIGHTS_FD_WRITE, 0, 0),
        "open t with creat|trunc",
    );
    eq(size(dir, "t"), 0, "creat|trunc on an existing file truncates");
    ok(fd_close(t), "close");

    section("trunc needs no right of the directory (rights are not capabilities)");
    ok(path_create_directory(dir, "sub"), "mkdir sub");
    let sub = ok(path_open(dir, 0, "sub", OFLAGS_DIRECTORY, 0, 0, 0), "open sub with no rights");
    ok(create_file(sub, "g", b"cut me"), "create sub/g");
    errno(fd_fdstat_set_rights(sub, 0, 0), Errno::NOTSUP, "rights cannot be dropped");
    let g = ok(path_open(sub, 0, "g", OFLAGS_TRUNC, RIGHTS_FD_READ, 0, 0), "trunc asking only fd_read");
    ok(fd_close(g), "close g");
    eq(ok(read_file(sub, "g"), "read g"), Vec::<u8>::new(), "g was truncated");
    ok(fd_close(sub), "close sub");
    done();
}
