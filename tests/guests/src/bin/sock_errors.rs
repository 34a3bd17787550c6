//! `sock_*` on descriptors that are not sockets, and bad arguments.

use guest::*;

fn main() {
    let dir = sandbox();
    ok(create_file(dir, "file", b"x"), "create file");
    let f = ok(
        path_open(dir, 0, "file", 0, RIGHTS_FD_READ | RIGHTS_FD_WRITE, 0, 0),
        "open file",
    );
    let mut buf = [0u8; 8];

    section("not sockets");
    for (fd, what) in [(0, "stdin"), (1, "stdout"), (f, "a file"), (dir, "a directory")] {
        errno(
            sock_recv(fd, &mut buf, 0),
            Errno::NOTSOCK,
            format!("sock_recv on {what}"),
        );
        errno(sock_send(fd, b"x", 0), Errno::NOTSOCK, format!("sock_send on {what}"));
        errno(
            sock_shutdown(fd, SDFLAGS_RD | SDFLAGS_WR),
            Errno::NOTSOCK,
            format!("sock_shutdown on {what}"),
        );
        errno(sock_accept(fd, 0), Errno::NOTSOCK, format!("sock_accept on {what}"));
    }

    section("bad fds");
    errno(sock_recv(4000, &mut buf, 0), Errno::BADF, "sock_recv");
    errno(sock_send(4000, b"x", 0), Errno::BADF, "sock_send");
    errno(sock_shutdown(4000, SDFLAGS_RD), Errno::BADF, "sock_shutdown");
    errno(sock_accept(4000, 0), Errno::BADF, "sock_accept");

    section("unknown flag bits");
    errno(sock_recv(0, &mut buf, 4), Errno::INVAL, "riflags bit 2");
    errno(sock_shutdown(0, 4), Errno::INVAL, "sdflags bit 2");
    errno(sock_accept(0, 0x40), Errno::INVAL, "fdflags bit 6 on accept");
    done();
}
