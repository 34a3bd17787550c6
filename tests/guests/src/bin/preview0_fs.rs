//! `wasi_unstable` (preview0) calls whose ABI differs from preview1:
//! `whence` order (cur, end, set), the 56-byte `filestat` with a 32-bit
//! `nlink`, and the 56-byte clock subscription.

use guest::*;

const MS: u64 = 1_000_000;

fn main() {
    let dir = sandbox();

    section("whence is cur, end, set");
    let fd = ok(
        p0::path_open(
            dir,
            "f",
            OFLAGS_CREAT,
            RIGHTS_FD_READ | RIGHTS_FD_WRITE | RIGHTS_FD_SEEK | RIGHTS_FD_TELL | RIGHTS_FD_FILESTAT_GET,
            0,
            0,
        ),
        "p0 path_open",
    );
    eq(ok(p0::fd_write(fd, b"0123456789"), "p0 fd_write"), 10, "written");
    eq(ok(p0::fd_seek(fd, 2, p0::WHENCE_SET), "SET (2) to 2"), 2, "SET");
    eq(ok(p0::fd_seek(fd, 3, p0::WHENCE_CUR), "CUR (0) +3"), 5, "CUR");
    eq(ok(p0::fd_seek(fd, -4, p0::WHENCE_END), "END (1) -4"), 6, "END");
    eq(ok(p0::fd_tell(fd), "p0 fd_tell"), 6, "tell");
    let mut b = [0u8; 2];
    eq(ok(p0::fd_read(fd, &mut b), "p0 fd_read"), 2, "read");
    eq(&b, b"67", "read at the cursor");
    errno(p0::fd_seek(fd, -1, p0::WHENCE_SET), Errno::INVAL, "SET -1");
    errno(p0::fd_seek(fd, 0, 3), Errno::INVAL, "whence 3");
    // The same numbers mean other things in preview1.
    eq(ok(fd_seek(fd, 1, 0), "p1 whence 0 is SET"), 1, "p1 SET");
    eq(ok(p0::fd_seek(fd, 1, 0), "p0 whence 0 is CUR"), 2, "p0 CUR");

    section("filestat has a 32-bit nlink");
    ok(p0::path_link(dir, "f", dir, "g"), "p0 path_link");
    let (st, tail) = ok(p0::fd_filestat_get_raw(fd), "p0 fd_filestat_get");
    eq(st.filetype, FILETYPE_REGULAR_FILE, "filetype");
    eq(st.nlink, 2, "nlink");
    eq(st.size, 10, "size at offset 24");
    eq(tail, [0xAA; 8], "nothing written past 56 bytes");
    let p1 = ok(fd_filestat_get(fd), "p1 fd_filestat_get");
    eq(
        (st.dev, st.ino, st.atim, st.mtim, st.ctim),
        (p1.dev, p1.ino, p1.atim, p1.mtim, p1.ctim),
        "same as p1",
    );
    let ps = ok(p0::path_filestat_get(dir, 0, "g"), "p0 path_filestat_get");
    eq((ps.ino, ps.nlink, ps.size), (st.ino, 2, 10), "by path");
    errno(p0::path_filestat_get(dir, 0, "missing"), Errno::NOENT, "missing");

    section("fdstat");
    let fs = ok(p0::fd_fdstat_get(fd), "p0 fd_fdstat_get");
    eq(fs.fs_filetype, FILETYPE_REGULAR_FILE, "filetype");
    check(fs.fs_rights_base & RIGHTS_FD_SEEK != 0, "rights");
    ok(p0::fd_close(fd), "p0 fd_close");
    errno(p0::fd_close(fd), Errno::BADF, "p0 fd_close twice");

    section("clock subscriptions carry an identifier");
    let t0 = ok(p0::clock_time_get(CLOCKID_MONOTONIC), "p0 clock_time_get");
    let subs = [
        p0::Subscription::clock(7, 0x1234, CLOCKID_MONOTONIC, 10_000 * MS),
        p0::Subscription::clock(8, 0x5678, CLOCKID_MONOTONIC, 15 * MS),
    ];
    let evs = ok(p0::poll_oneoff(&subs), "p0 poll_oneoff");
    let t1 = ok(p0::clock_time_get(CLOCKID_MONOTONIC), "p0 clock_time_get");
    eq(evs.len(), 1, "one event");
    eq(
        (evs[0].userdata, Errno(evs[0].error), evs[0].type_),
        (8, Errno::SUCCESS, EVENTTYPE_CLOCK),
        "the 15 ms clock",
    );
    check(t1 - t0 >= 15 * MS, "waited 15 ms");
    check(t1 - t0 < 5_000 * MS, "not 10 s");
    errno(
        p0::poll_oneoff(&[p0::Subscription::fd_read(9, 4000)]),
        Errno::BADF,
        "p0 poll on a bad fd fails the call",
    );
    done();
}
