//! `fd_seek` and `fd_tell`: every whence, offsets before the start, past the
//! end, unknown whence values, directories, streams and rights.

use guest::*;

fn main() {
    let dir = sandbox();
    ok(create_file(dir, "ten", b"0123456789"), "create ten");
    let fd = ok(
        path_open(dir, 0, "ten", 0, RIGHTS_FD_READ | RIGHTS_FD_SEEK | RIGHTS_FD_TELL, 0, 0),
        "open ten",
    );

    section("whence");
    eq(ok(fd_tell(fd), "tell"), 0, "starts at 0");
    eq(ok(fd_seek(fd, 3, WHENCE_SET), "SET 3"), 3, "SET 3");
    eq(ok(fd_seek(fd, 2, WHENCE_CUR), "CUR +2"), 5, "CUR +2");
    eq(ok(fd_seek(fd, -1, WHENCE_CUR), "CUR -1"), 4, "CUR -1");
    eq(ok(fd_seek(fd, 0, WHENCE_CUR), "CUR 0"), 4, "CUR 0");
    eq(ok(fd_tell(fd), "tell"), 4, "tell agrees");
    let mut b = [0u8; 1];
    ok(fd_read(fd, &mut b), "read");
    eq(b[0], b'4', "read at the cursor");
    eq(ok(fd_seek(fd, 0, WHENCE_END), "END 0"), 10, "END 0");
    eq(ok(fd_seek(fd, -3, WHENCE_END), "END -3"), 7, "END -3");
    eq(ok(fd_seek(fd, 5, WHENCE_END), "END +5"), 15, "past the end is allowed");
    eq(
        ok(fd_read(fd, &mut b), "read past the end"),
        0,
        "reading past the end gives 0",
    );

    section("before the start");
    ok(fd_seek(fd, 4, WHENCE_SET), "SET 4");
    errno(fd_seek(fd, -1, WHENCE_SET), Errno::INVAL, "SET -1");
    errno(fd_seek(fd, -5, WHENCE_CUR), Errno::INVAL, "CUR -5 from 4");
    errno(fd_seek(fd, -11, WHENCE_END), Errno::INVAL, "END -11");
    errno(fd_seek(fd, i64::MIN, WHENCE_SET), Errno::INVAL, "SET i64::MIN");
    eq(ok(fd_tell(fd), "tell"), 4, "a failed seek leaves the cursor");

    section("unknown whence");
    for w in [3, 4, 255, 256, 0xFFFF_FFFF] {
        errno(fd_seek(fd, 0, w), Errno::INVAL, format!("whence {w}"));
    }
    eq(ok(fd_tell(fd), "tell"), 4, "the cursor did not move");

    section("seeking needs no right (rights are not capabilities)");
    let tell_only = ok(
        path_open(dir, 0, "ten", 0, RIGHTS_FD_READ | RIGHTS_FD_TELL, 0, 0),
        "open with tell only",
    );
    eq(ok(fd_tell(tell_only), "tell"), 0, "tell");
    eq(ok(fd_seek(tell_only, 0, WHENCE_CUR), "CUR 0"), 0, "CUR 0 is a tell");
    eq(ok(fd_seek(tell_only, 1, WHENCE_SET), "SET 1 without the seek right"), 1, "SET 1");
    eq(ok(fd_seek(tell_only, 0, WHENCE_END), "END 0 without the seek right"), 10, "END 0");
    let none = ok(path_open(dir, 0, "ten", 0, RIGHTS_FD_READ, 0, 0), "open with neither");
    eq(ok(fd_tell(none), "tell without the tell right"), 0, "tell");
    eq(ok(fd_seek(none, 3, WHENCE_CUR), "CUR 3 without either right"), 3, "CUR 3");

    section("directories cannot seek");
    let d = ok(
        path_open(dir, 0, ".", OFLAGS_DIRECTORY, RIGHTS_FD_SEEK | RIGHTS_FD_READDIR, 0, 0),
        "open . with the seek right asked",
    );
    let st = ok(fd_fdstat_get(d), "fdstat of the directory");
    eq(st.fs_filetype, FILETYPE_DIRECTORY, "it is a directory");
    eq(
        st.fs_rights_base & RIGHTS_FD_SEEK,
        0,
        "a directory does not get the seek right",
    );
    for (w, name) in [(WHENCE_SET, "SET"), (WHENCE_CUR, "CUR"), (WHENCE_END, "END")] {
        errno(fd_seek(d, 0, w), Errno::BADF, format!("seek {name} on a directory"));
        errno(fd_seek(dir, 0, w), Errno::BADF, format!("seek {name} on a preopen"));
    }
    errno(fd_tell(d), Errno::BADF, "tell on a directory");
    errno(fd_tell(dir), Errno::BADF, "tell on a preopen");

    section("streams cannot seek");
    for fd in [0, 1, 2] {
        errno(
            fd_seek(fd, 0, WHENCE_CUR),
            Errno::SPIPE,
            format!("seek on stdio fd {fd}"),
        );
        errno(
            fd_seek(fd, 0, WHENCE_SET),
            Errno::SPIPE,
            format!("seek SET on stdio fd {fd}"),
        );
        errno(fd_tell(fd), Errno::SPIPE, format!("tell on stdio fd {fd}"));
    }
    done();
}
