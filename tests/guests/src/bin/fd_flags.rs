//! `fd_fdstat_set_flags` (append on and off, nonblock, unknown bits),
//! `fd_advise` and `fd_allocate`.

use guest::*;

const RW: u64 = RIGHTS_FD_READ
    | RIGHTS_FD_WRITE
    | RIGHTS_FD_SEEK
    | RIGHTS_FD_TELL
    | RIGHTS_FD_FDSTAT_SET_FLAGS
    | RIGHTS_FD_ADVISE
    | RIGHTS_FD_ALLOCATE
    | RIGHTS_FD_FILESTAT_GET;

fn flags(fd: Fd) -> u16 {
    ok(fd_fdstat_get(fd), "fdstat").fs_flags
}

fn main() {
    let dir = sandbox();
    let fd = ok(path_open(dir, 0, "f", OFLAGS_CREAT, RW, 0, 0), "create f");

    section("append on and off");
    eq(flags(fd), 0, "no flags at first");
    ok(fd_write(fd, &[b"0123456789"]), "write 10 bytes");
    ok(fd_fdstat_set_flags(fd, FDFLAGS_APPEND), "set append");
    eq(flags(fd), FDFLAGS_APPEND as u16, "append is reported");
    ok(fd_seek(fd, 0, WHENCE_SET), "rewind");
    ok(fd_write(fd, &[b"AB"]), "write in append mode");
    eq(ok(read_file(dir, "f"), "read"), b"0123456789AB".to_vec(), "appended");
    ok(fd_fdstat_set_flags(fd, 0), "clear append");
    eq(flags(fd), 0, "append cleared");
    ok(fd_seek(fd, 0, WHENCE_SET), "rewind");
    ok(fd_write(fd, &[b"ab"]), "write without append");
    eq(
        ok(read_file(dir, "f"), "read"),
        b"ab23456789AB".to_vec(),
        "overwrote at the cursor",
    );

    section("nonblock");
    ok(fd_fdstat_set_flags(fd, FDFLAGS_NONBLOCK), "set nonblock");
    eq(flags(fd), FDFLAGS_NONBLOCK as u16, "nonblock is reported");
    ok(fd_seek(fd, 0, WHENCE_SET), "rewind");
    let mut buf = [0u8; 4];
    eq(
        ok(fd_read(fd, &mut buf), "nonblocking read of a file"),
        4,
        "files are always ready",
    );
    ok(fd_fdstat_set_flags(fd, FDFLAGS_NONBLOCK | FDFLAGS_APPEND), "set both");
    eq(
        flags(fd),
        (FDFLAGS_NONBLOCK | FDFLAGS_APPEND) as u16,
        "both are reported",
    );
    ok(fd_fdstat_set_flags(fd, 0), "clear both");
    eq(flags(fd), 0, "cleared");
    ok(fd_fdstat_set_flags(0, FDFLAGS_NONBLOCK), "nonblock on stdin");
    eq(flags(0), FDFLAGS_NONBLOCK as u16, "stdin reports nonblock");
    ok(fd_fdstat_set_flags(0, 0), "blocking stdin again");

    section("unknown flag bits");
    for bit in [32, 64, 0x8000] {
        errno(
            fd_fdstat_set_flags(fd, bit),
            Errno::INVAL,
            format!("fdflags bit {bit:#x}"),
        );
    }
    eq(flags(fd), 0, "unchanged");

    section("rights are not capabilities");
    let ro = ok(
        path_open(dir, 0, "f", 0, RIGHTS_FD_READ, 0, 0),
        "open asking only fd_read",
    );
    ok(fd_fdstat_set_flags(ro, FDFLAGS_APPEND), "set flags without asking the right");
    ok(fd_advise(ro, 0, 1, ADVICE_NORMAL), "advise without asking the right");
    ok(fd_close(ro), "close");

    section("advise");
    for advice in [
        ADVICE_NORMAL,
        ADVICE_SEQUENTIAL,
        ADVICE_RANDOM,
        ADVICE_WILLNEED,
        ADVICE_DONTNEED,
        ADVICE_NOREUSE,
    ] {
        ok(fd_advise(fd, 0, 100, advice), format!("advice {advice}"));
    }
    ok(fd_advise(fd, 1 << 40, 0, ADVICE_NORMAL), "advice past the end");
    for advice in [6, 255, 0xFFFF_FFFF] {
        errno(
            fd_advise(fd, 0, 1, advice),
            Errno::INVAL,
            format!("unknown advice {advice}"),
        );
    }
    errno(
        fd_advise(fd, u64::MAX, 2, ADVICE_NORMAL),
        Errno::INVAL,
        "offset + len overflows",
    );

    section("allocate is not supported (as on Wasmtime)");
    errno(fd_allocate(fd, 0, 100), Errno::NOTSUP, "allocate 100 bytes");
    errno(fd_allocate(fd, 0, 0), Errno::NOTSUP, "allocate 0 bytes");
    errno(fd_allocate(dir, 0, 1), Errno::BADF, "allocate on a directory");
    eq(ok(fd_filestat_get(fd), "filestat").size, 12, "the file is unchanged");
    done();
}
