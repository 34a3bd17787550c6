//! `fd_close`: closing files, stdio and preopened directories; fd numbers
//! are reused lowest first.

use guest::*;

fn main() {
    let dir = sandbox();
    let other = find_preopen("/other").unwrap_or_else(|| fail("no preopen named /other"));
    check(other > dir, "/other comes after /sandbox");

    section("close a file");
    let a = ok(path_open(dir, 0, "a", OFLAGS_CREAT, RIGHTS_FILE, 0, 0), "create a");
    let b = ok(path_open(dir, 0, "b", OFLAGS_CREAT, RIGHTS_FILE, 0, 0), "create b");
    check(a > other && b > a, "new fds come after the preopens");
    ok(fd_close(a), "close a");
    errno(fd_close(a), Errno::BADF, "close a twice");
    errno(fd_write(a, &[b"x"]), Errno::BADF, "write to closed a");
    ok(fd_fdstat_get(b), "b is still open");
    let again = ok(path_open(dir, 0, "a", 0, RIGHTS_FILE, 0, 0), "reopen a");
    eq(again, a, "the lowest free fd is reused");
    ok(fd_close(again), "close a");
    ok(fd_close(b), "close b");

    section("close a preopen");
    ok(fd_close(dir), "close /sandbox");
    errno(fd_prestat_get(dir), Errno::BADF, "prestat of the closed preopen");
    errno(fd_fdstat_get(dir), Errno::BADF, "fdstat of the closed preopen");
    errno(
        path_open(dir, 0, "a", 0, RIGHTS_FILE, 0, 0),
        Errno::BADF,
        "open through the closed preopen",
    );
    errno(fd_close(dir), Errno::BADF, "close the preopen twice");
    let p = ok(fd_prestat_get(other), "prestat of /other");
    eq(p.pr_name_len, 6, "name length of /other");
    eq(
        ok(fd_prestat_dir_name(other, 6), "name of /other"),
        b"/other".to_vec(),
        "name of /other",
    );
    ok(create_file(other, "still-works", b"yes"), "create a file in /other");
    eq(find_preopen("/sandbox"), None, "the closed preopen is not found");
    // The freed number is the lowest free one again.
    let f = ok(
        path_open(other, 0, "still-works", 0, RIGHTS_FD_READ, 0, 0),
        "open in /other",
    );
    eq(f, dir, "the preopen's number is reused");
    errno(fd_prestat_get(f), Errno::BADF, "the new fd is not a preopen");
    ok(fd_close(f), "close it");

    section("close stdout");
    ok(fd_write(1, &[b"before close\n"]), "write to stdout");
    ok(fd_close(1), "close stdout");
    errno(fd_write(1, &[b"after close\n"]), Errno::BADF, "write to closed stdout");
    // Report the end on stderr, since stdout is gone.
    ok(fd_write(2, &[b"done\n"]), "write to stderr");
}
