//! A preopened TCP listener: finding it, nonblocking accept with nothing
//! pending, polling it, accepting, receiving (with `recv_peek`), sending,
//! shutting down. The host connects after this guest prints `listening`,
//! sends `ping`, reads until end of stream and expects `pong!`.

use guest::*;

const MS: u64 = 1_000_000;

fn listener() -> Fd {
    for fd in 3..64 {
        match fd_fdstat_get(fd) {
            Ok(st) if st.fs_filetype == FILETYPE_SOCKET_STREAM => return fd,
            Ok(_) => {}
            Err(Errno::BADF) => break,
            Err(e) => fail(&format!("fdstat {fd}: {e:?}")),
        }
    }
    fail("no socket among the preopened fds")
}

fn main() {
    section("the listener");
    let l = listener();
    let st = ok(fd_fdstat_get(l), "fdstat");
    check(
        st.fs_rights_base & RIGHTS_SOCK_ACCEPT != 0,
        "a listener has sock_accept",
    );
    errno(fd_prestat_get(l), Errno::BADF, "a socket is not a preopen");
    errno(fd_seek(l, 0, WHENCE_CUR), Errno::SPIPE, "a socket cannot seek");

    section("nothing pending");
    ok(fd_fdstat_set_flags(l, FDFLAGS_NONBLOCK), "nonblocking listener");
    errno(sock_accept(l, 0), Errno::AGAIN, "accept with nothing pending");
    let subs = [
        Subscription::fd(1, l, false),
        Subscription::clock(2, CLOCKID_MONOTONIC, 20 * MS, false),
    ];
    let evs = ok(poll_oneoff(&subs), "poll");
    eq(evs.len(), 1, "one event");
    eq(evs[0].userdata, 2, "only the clock fired");

    println!("listening");
    section("a connection arrives");
    let subs = [
        Subscription::fd(1, l, false),
        Subscription::clock(2, CLOCKID_MONOTONIC, 20_000 * MS, false),
    ];
    let evs = ok(poll_oneoff(&subs), "poll");
    eq(evs.len(), 1, "one event");
    let e = evs[0];
    eq(
        (e.userdata, e.type_, Errno(e.error)),
        (1, EVENTTYPE_FD_READ, Errno::SUCCESS),
        "the listener is readable",
    );
    errno(
        sock_accept(l, FDFLAGS_APPEND),
        Errno::INVAL,
        "accept with a flag other than nonblock",
    );
    let c = ok(sock_accept(l, 0), "accept");
    let cst = ok(fd_fdstat_get(c), "fdstat of the connection");
    eq(cst.fs_filetype, FILETYPE_SOCKET_STREAM, "a stream socket");
    eq(cst.fs_flags, 0, "blocking, as asked");
    eq(cst.fs_rights_base & RIGHTS_SOCK_ACCEPT, 0, "a connection cannot accept");
    check(cst.fs_rights_base & RIGHTS_FD_READ != 0, "but can read");
    errno(sock_accept(c, 0), Errno::INVAL, "accept on a connection (not listening)");

    section("receive");
    // The host sent "ping"; wait for all of it to arrive.
    let evs = ok(poll_oneoff(&[Subscription::fd(3, c, false)]), "poll the connection");
    eq(Errno(evs[0].error), Errno::SUCCESS, "readable");
    let mut buf = [0u8; 16];
    let (n, ro) = ok(sock_recv(c, &mut buf[..2], RIFLAGS_RECV_PEEK), "peek");
    eq((&buf[..n], ro), (&b"pi"[..], 0), "peek sees the start");
    let (n, _) = ok(sock_recv(c, &mut buf, 0), "recv");
    let mut got = buf[..n].to_vec();
    while got.len() < 4 {
        let (n, _) = ok(sock_recv(c, &mut buf, 0), "recv the rest");
        check(n > 0, "the peer does not close before sending ping");
        got.extend_from_slice(&buf[..n]);
    }
    eq(got, b"ping".to_vec(), "the peeked bytes are received again");
    ok(fd_fdstat_set_flags(c, FDFLAGS_NONBLOCK), "nonblocking connection");
    errno(sock_recv(c, &mut buf, 0), Errno::AGAIN, "nothing more to receive yet");
    errno(fd_read(c, &mut buf), Errno::AGAIN, "fd_read agrees");
    ok(fd_fdstat_set_flags(c, 0), "blocking again");

    section("send and shut down");
    let evs = ok(poll_oneoff(&[Subscription::fd(4, c, true)]), "poll for writing");
    eq(
        (evs[0].type_, Errno(evs[0].error)),
        (EVENTTYPE_FD_WRITE, Errno::SUCCESS),
        "writable",
    );
    eq(ok(sock_send(c, b"pong", 0), "send"), 4, "sent");
    errno(sock_send(c, b"x", 1), Errno::INVAL, "send with a flag");
    eq(ok(fd_write(c, &[b"!"]), "fd_write on a socket"), 1, "written");
    errno(sock_shutdown(c, 0), Errno::INVAL, "shutdown with no direction");
    ok(sock_shutdown(c, SDFLAGS_WR), "shut down writing");
    errno(
        sock_send(c, b"late", 0),
        Errno::PIPE,
        "send after shutting down writing",
    );

    section("the peer closes");
    let (n, _) = ok(sock_recv(c, &mut buf, 0), "recv until the peer closes");
    eq(n, 0, "end of stream");
    ok(fd_close(c), "close the connection");
    ok(fd_close(l), "close the listener");
    done();
}
