//! stdio: copies stdin to stdout in chunks of various sizes, reports on
//! stderr, and checks what each stdio fd refuses.

use guest::*;

fn main() {
    let input = ok(read_to_end(0), "read stdin to the end");
    eq(
        ok(fd_read(0, &mut [0u8; 8]), "read after the end"),
        0,
        "end of file stays",
    );
    // Write in uneven pieces, through one and several iovecs.
    let mut rest = &input[..];
    let mut piece = 1;
    while !rest.is_empty() {
        let k = piece.min(rest.len());
        let (a, b) = rest[..k].split_at(k / 2);
        let n = ok(fd_write(1, &[a, b]), "write to stdout");
        check(n > 0, "stdout takes bytes");
        rest = &rest[n..];
        piece = piece * 3 + 1;
    }
    let report = format!("read {} bytes\n", input.len());
    ok(write_all(2, report.as_bytes()), "write to stderr");

    let mut buf = [0u8; 4];
    errno(fd_read(1, &mut buf), Errno::BADF, "reading stdout");
    errno(fd_read(2, &mut buf), Errno::BADF, "reading stderr");
    errno(fd_write(0, &[b"x"]), Errno::BADF, "writing stdin");
    errno(fd_pread(0, &mut buf, 0), Errno::SPIPE, "pread on stdin");
    errno(fd_pwrite(1, &[b"x"], 0), Errno::SPIPE, "pwrite on stdout");
    errno(fd_prestat_get(0), Errno::BADF, "stdin is not a preopen");
    for fd in [0, 1, 2] {
        let st = ok(fd_fdstat_get(fd), format!("fdstat of {fd}"));
        check(
            st.fs_filetype != FILETYPE_DIRECTORY,
            format!("fd {fd} is not a directory"),
        );
        eq(
            st.fs_rights_base & (RIGHTS_FD_SEEK | RIGHTS_FD_TELL),
            0,
            format!("fd {fd} has no seek rights"),
        );
        errno(
            path_open(fd, 0, "x", 0, 0, 0, 0),
            Errno::NOTDIR,
            format!("path_open relative to {fd}"),
        );
    }
    ok(fd_sync(1), "fd_sync on stdout");
    ok(fd_datasync(2), "fd_datasync on stderr");
}
