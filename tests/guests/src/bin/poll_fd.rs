//! `poll_oneoff` on regular files, directories, stdout, bad fds and fds
//! without the right: files are always ready, errors come back as events
//! without waiting for the other subscriptions.

use guest::*;

const MS: u64 = 1_000_000;

fn mono() -> u64 {
    ok(clock_time_get(CLOCKID_MONOTONIC, 0), "monotonic clock")
}

fn find(evs: &[Event], userdata: u64) -> Event {
    *evs.iter()
        .find(|e| e.userdata == userdata)
        .unwrap_or_else(|| fail(&format!("no event for userdata {userdata}: {evs:?}")))
}

fn main() {
    let dir = sandbox();
    ok(create_file(dir, "ten", b"0123456789"), "create ten");
    let rw = RIGHTS_FD_READ | RIGHTS_FD_WRITE | RIGHTS_FD_SEEK;
    let f = ok(path_open(dir, 0, "ten", 0, rw, 0, 0), "open ten");

    section("a regular file is ready for reading and writing");
    let t0 = mono();
    let subs = [
        Subscription::fd(1, f, false),
        Subscription::fd(2, f, true),
        Subscription::clock(3, CLOCKID_MONOTONIC, 10_000 * MS, false),
    ];
    let evs = ok(poll_oneoff(&subs), "poll");
    check(mono() - t0 < 5_000 * MS, "returned without waiting for the clock");
    eq(evs.len(), 2, "two events");
    let r = find(&evs, 1);
    eq(
        (r.type_, Errno(r.error)),
        (EVENTTYPE_FD_READ, Errno::SUCCESS),
        "read event",
    );
    eq(r.nbytes, 10, "bytes left to read from the start");
    eq(r.flags, 0, "no hangup");
    let w = find(&evs, 2);
    eq(
        (w.type_, Errno(w.error)),
        (EVENTTYPE_FD_WRITE, Errno::SUCCESS),
        "write event",
    );

    section("nbytes follows the cursor");
    ok(fd_seek(f, 4, WHENCE_SET), "seek to 4");
    let evs = ok(poll_oneoff(&[Subscription::fd(1, f, false)]), "poll");
    eq(find(&evs, 1).nbytes, 6, "bytes left after the cursor");
    ok(fd_seek(f, 0, WHENCE_END), "seek to the end");
    let evs = ok(poll_oneoff(&[Subscription::fd(1, f, false)]), "poll");
    let e = find(&evs, 1);
    eq(
        (Errno(e.error), e.nbytes),
        (Errno::SUCCESS, 0),
        "ready with 0 bytes at the end",
    );

    section("stdout is ready for writing");
    let evs = ok(poll_oneoff(&[Subscription::fd(5, 1, true)]), "poll");
    let e = find(&evs, 5);
    eq(
        (e.type_, Errno(e.error)),
        (EVENTTYPE_FD_WRITE, Errno::SUCCESS),
        "stdout write event",
    );

    section("a bad fd fails the whole call, at once (as on Wasmtime)");
    let wo = ok(path_open(dir, 0, "ten", 0, RIGHTS_FD_WRITE, 0, 0), "open write-only");
    let ro = ok(path_open(dir, 0, "ten", 0, RIGHTS_FD_READ, 0, 0), "open read-only");
    let t0 = mono();
    let cases = [
        (4000, false, "a closed fd"),
        (dir, false, "a directory"),
        (wo, false, "reading a file not open for reading"),
        (ro, true, "writing a file not open for writing"),
        (0xFFFF_FFFF, true, "fd 0xffffffff"),
    ];
    for (fd, write, what) in cases {
        let subs = [
            Subscription::clock(10, CLOCKID_MONOTONIC, 10_000 * MS, false),
            Subscription::fd(11, f, false),
            Subscription::fd(12, fd, write),
        ];
        errno(poll_oneoff(&subs), Errno::BADF, what);
    }
    check(mono() - t0 < 5_000 * MS, "returned without waiting for the clock");
    done();
}
