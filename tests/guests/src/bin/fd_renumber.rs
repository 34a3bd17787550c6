//! `fd_renumber`: over an open file, over a preopen, over stdio, onto
//! itself, and with fds that are not open.

use guest::*;

fn main() {
    let dir = sandbox();

    section("renumber over an open file");
    ok(create_file(dir, "one", b"first file"), "create one");
    ok(create_file(dir, "two", b"second file"), "create two");
    let from = ok(
        path_open(
            dir,
            0,
            "one",
            0,
            RIGHTS_FD_READ | RIGHTS_FD_SEEK | RIGHTS_FD_FILESTAT_GET,
            0,
            0,
        ),
        "open one",
    );
    let to = ok(
        path_open(dir, 0, "two", 0, RIGHTS_FD_READ | RIGHTS_FD_WRITE, 0, 0),
        "open two",
    );
    let mut buf = [0u8; 5];
    eq(ok(fd_read(from, &mut buf), "read one"), 5, "read 5 bytes of one");
    let st_from = ok(fd_fdstat_get(from), "fdstat one");
    ok(fd_renumber(from, to), "renumber one over two");
    errno(fd_fdstat_get(from), Errno::BADF, "the old number is closed");
    errno(fd_close(from), Errno::BADF, "closing the old number");
    eq(
        ok(fd_fdstat_get(to), "fdstat of the new number"),
        st_from,
        "the fd keeps its fdstat",
    );
    // Same open file description: the cursor moved with it.
    let mut rest = [0u8; 16];
    let n = ok(fd_read(to, &mut rest), "read through the new number");
    eq(&rest[..n], &b" file"[..], "the rest of one, from its cursor");
    errno(
        fd_write(to, &[b"x"]),
        Errno::BADF,
        "the new number has one's access mode, not two's",
    );
    eq(
        ok(read_file(dir, "two"), "read two"),
        b"second file".to_vec(),
        "two is unchanged",
    );

    section("renumber onto itself");
    ok(fd_renumber(to, to), "renumber to itself");
    ok(fd_fdstat_get(to), "still open after renumbering onto itself");

    section("fds that are not open");
    ok(fd_close(to), "close");
    errno(fd_renumber(to, 1), Errno::BADF, "from a closed fd");
    errno(fd_renumber(1, to), Errno::BADF, "to a closed fd");
    errno(fd_renumber(1, 9999), Errno::BADF, "to a never-opened fd");
    ok(fd_fdstat_get(1), "stdout stays open after a failed renumber");

    section("renumber a file over a preopen");
    let other = find_preopen("/other").unwrap_or_else(|| fail("no preopen /other"));
    let f = ok(
        path_open(dir, 0, "one", 0, RIGHTS_FD_READ | RIGHTS_FD_FILESTAT_GET, 0, 0),
        "open one",
    );
    let before = ok(fd_filestat_get(f), "filestat one");
    ok(fd_renumber(f, other), "renumber over /other");
    errno(fd_prestat_get(other), Errno::BADF, "/other's number holds a file now");
    eq(
        ok(fd_filestat_get(other), "filestat").ino,
        before.ino,
        "same file behind the new number",
    );
    eq(find_preopen("/other"), None, "/other is gone");
    ok(fd_close(other), "close");

    section("renumber a preopen");
    let spare = ok(path_open(dir, 0, "two", 0, RIGHTS_FD_READ, 0, 0), "open two");
    let st = ok(fd_filestat_get(dir), "filestat /sandbox");
    ok(fd_renumber(dir, spare), "renumber /sandbox over the spare fd");
    errno(fd_fdstat_get(dir), Errno::BADF, "old number closed");
    let p = ok(fd_prestat_get(spare), "prestat at the new number");
    eq(
        ok(fd_prestat_dir_name(spare, p.pr_name_len), "name"),
        b"/sandbox".to_vec(),
        "still the /sandbox preopen",
    );
    let moved = ok(fd_filestat_get(spare), "filestat at the new number");
    eq((moved.dev, moved.ino), (st.dev, st.ino), "same directory");
    ok(create_file(spare, "three", b"3"), "the moved preopen still works");

    section("renumber stdout over stderr");
    ok(fd_renumber(1, 2), "renumber 1 -> 2");
    errno(fd_write(1, &[b"lost\n"]), Errno::BADF, "fd 1 is closed");
    ok(fd_write(2, &[b"- written to fd 2\n"]), "fd 2 is now the old stdout");
    ok(fd_write(2, &[b"done\n"]), "done");
}
