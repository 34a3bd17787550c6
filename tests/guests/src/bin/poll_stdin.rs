//! `poll_oneoff` and reads on a stdin pipe the host fills late: not ready,
//! then ready with the byte count, nonblocking reads, end of file.
//! The host writes `hello` after this guest prints `waiting`, then closes
//! the pipe after it prints `drained`.

use guest::*;

const MS: u64 = 1_000_000;

fn main() {
    section("nothing to read yet");
    let subs = [
        Subscription::fd(1, 0, false),
        Subscription::clock(2, CLOCKID_MONOTONIC, 30 * MS, false),
    ];
    let evs = ok(poll_oneoff(&subs), "poll");
    eq(evs.len(), 1, "one event");
    eq(evs[0].userdata, 2, "only the clock fired");

    section("nonblocking read of an empty pipe");
    ok(fd_fdstat_set_flags(0, FDFLAGS_NONBLOCK), "set nonblock");
    let mut buf = [0u8; 16];
    errno(fd_read(0, &mut buf), Errno::AGAIN, "nonblocking read with no data");
    ok(fd_fdstat_set_flags(0, 0), "blocking again");

    println!("waiting");
    section("the host writes");
    let subs = [
        Subscription::fd(1, 0, false),
        Subscription::clock(2, CLOCKID_MONOTONIC, 20_000 * MS, false),
    ];
    let evs = ok(poll_oneoff(&subs), "poll");
    eq(evs.len(), 1, "one event");
    let e = evs[0];
    eq(
        (e.userdata, e.type_, Errno(e.error)),
        (1, EVENTTYPE_FD_READ, Errno::SUCCESS),
        "stdin is readable",
    );
    eq(e.nbytes, 5, "five bytes ready");
    let n = ok(fd_read(0, &mut buf), "read");
    eq(&buf[..n], b"hello", "the host's bytes");
    ok(fd_fdstat_set_flags(0, FDFLAGS_NONBLOCK), "set nonblock");
    errno(fd_read(0, &mut buf), Errno::AGAIN, "drained");
    ok(fd_fdstat_set_flags(0, 0), "blocking again");

    println!("drained");
    section("end of file");
    let evs = ok(
        poll_oneoff(&[Subscription::fd(3, 0, false)]),
        "poll until the host closes",
    );
    eq(evs.len(), 1, "one event");
    eq(
        (evs[0].userdata, Errno(evs[0].error)),
        (3, Errno::SUCCESS),
        "readable at end of file",
    );
    eq(ok(fd_read(0, &mut buf), "read at end of file"), 0, "end of file");
    eq(ok(fd_read(0, &mut buf), "read again"), 0, "still end of file");
    done();
}
