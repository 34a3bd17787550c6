//! `fd_filestat_set_times`: exact timestamps, `*_NOW`, each time alone,
//! `fstflags` validation, directories and rights.

use guest::*;

const T1: u64 = 1_000_000_123_456_789; // 2001-09-09T01:46:40.123456789Z
const T2: u64 = 1_600_000_000_987_654_321; // 2020-09-13T12:26:40.987654321Z

fn times(fd: Fd) -> (u64, u64) {
    let st = ok(fd_filestat_get(fd), "filestat");
    (st.atim, st.mtim)
}

fn main() {
    let dir = sandbox();
    let fd = ok(
        path_open(
            dir,
            0,
            "f",
            OFLAGS_CREAT,
            RIGHTS_FD_FILESTAT_SET_TIMES | RIGHTS_FD_FILESTAT_GET,
            0,
            0,
        ),
        "create f",
    );

    section("exact times");
    ok(
        fd_filestat_set_times(fd, T1, T2, FSTFLAGS_ATIM | FSTFLAGS_MTIM),
        "set both",
    );
    eq(times(fd), (T1, T2), "both times, to the nanosecond");

    section("one at a time");
    ok(fd_filestat_set_times(fd, T2, 0, FSTFLAGS_ATIM), "set atim only");
    eq(times(fd), (T2, T2), "atim changed, mtim kept");
    ok(fd_filestat_set_times(fd, 0, T1, FSTFLAGS_MTIM), "set mtim only");
    eq(times(fd), (T2, T1), "mtim changed, atim kept");
    ok(fd_filestat_set_times(fd, 5, 5, 0), "no flags");
    eq(times(fd), (T2, T1), "no flags change nothing");

    section("now");
    let before = ok(clock_time_get(CLOCKID_REALTIME, 0), "realtime");
    ok(fd_filestat_set_times(fd, 0, 0, FSTFLAGS_MTIM_NOW), "mtim = now");
    let after = ok(clock_time_get(CLOCKID_REALTIME, 0), "realtime");
    let (a, m) = times(fd);
    eq(a, T2, "atim kept");
    // File systems may round to their granularity (at most 2 s).
    check(
        m + 2_000_000_000 >= before && m <= after + 2_000_000_000,
        format!("mtim {m} is now"),
    );
    ok(
        fd_filestat_set_times(fd, 0, T1, FSTFLAGS_ATIM_NOW | FSTFLAGS_MTIM),
        "atim = now, mtim = T1",
    );
    let (a, m) = times(fd);
    check(a + 2_000_000_000 >= before, format!("atim {a} is now"));
    eq(m, T1, "mtim set");

    section("fstflags validation");
    ok(
        fd_filestat_set_times(fd, T1, T1, FSTFLAGS_ATIM | FSTFLAGS_MTIM),
        "reset",
    );
    errno(
        fd_filestat_set_times(fd, T2, T2, FSTFLAGS_ATIM | FSTFLAGS_ATIM_NOW),
        Errno::INVAL,
        "ATIM with ATIM_NOW",
    );
    errno(
        fd_filestat_set_times(fd, T2, T2, FSTFLAGS_MTIM | FSTFLAGS_MTIM_NOW),
        Errno::INVAL,
        "MTIM with MTIM_NOW",
    );
    errno(
        fd_filestat_set_times(fd, T2, T2, FSTFLAGS_ATIM | FSTFLAGS_MTIM | FSTFLAGS_MTIM_NOW),
        Errno::INVAL,
        "a valid atim does not excuse an invalid mtim",
    );
    for bit in [16, 32, 0x8000] {
        errno(
            fd_filestat_set_times(fd, T2, T2, FSTFLAGS_MTIM | bit),
            Errno::INVAL,
            format!("unknown fstflags bit {bit:#x}"),
        );
    }
    eq(times(fd), (T1, T1), "failed calls changed nothing");

    section("rights are not capabilities");
    let ro = ok(
        path_open(dir, 0, "f", 0, RIGHTS_FD_READ, 0, 0),
        "open asking only fd_read",
    );
    ok(fd_filestat_set_times(ro, T2, T2, FSTFLAGS_MTIM), "set times without asking the right");
    eq(ok(fd_filestat_get(ro), "filestat without asking the right").mtim, T2, "the time was set");
    ok(fd_filestat_set_times(ro, T1, T1, FSTFLAGS_MTIM), "and set back");
    ok(fd_close(ro), "close");

    section("directories");
    ok(path_create_directory(dir, "d"), "mkdir d");
    let d = ok(
        path_open(dir, 0, "d", OFLAGS_DIRECTORY, RIGHTS_DIR, RIGHTS_ALL, 0),
        "open d",
    );
    ok(
        fd_filestat_set_times(d, T1, T2, FSTFLAGS_ATIM | FSTFLAGS_MTIM),
        "set times of a directory",
    );
    eq(times(d), (T1, T2), "directory times");
    errno(
        fd_filestat_set_times(d, T1, T2, FSTFLAGS_ATIM | FSTFLAGS_ATIM_NOW),
        Errno::INVAL,
        "ATIM with ATIM_NOW on a directory",
    );
    done();
}
