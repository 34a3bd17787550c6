//! One fd table for all threads: fds opened on one thread are used, renumbered
//! and closed on others; `fd_fdstat_set_flags` from a thread that is not the
//! main one changes the fd for everybody.

use guest::*;
use std::fs;
use std::io::Write;
use std::sync::mpsc;
use std::thread;

fn main() {
    let dir = sandbox();

    section("opened on one thread, used on another");
    let (tx, rx) = mpsc::channel::<Fd>();
    let opener = thread::spawn(move || {
        for i in 0..4 {
            let fd = ok(
                path_open(dir, 0, format!("f{i}"), OFLAGS_CREAT | OFLAGS_TRUNC, RIGHTS_FILE, 0, 0),
                "open on the opener thread",
            );
            tx.send(fd).unwrap();
        }
    });
    let writer = thread::spawn(move || {
        let mut fds = Vec::new();
        for (i, fd) in rx.into_iter().enumerate() {
            ok(
                write_all(fd, format!("written by another thread to f{i}").as_bytes()),
                "write",
            );
            fds.push(fd);
        }
        fds
    });
    opener.join().unwrap();
    let fds = writer.join().unwrap();
    eq(fds.len(), 4, "fds handed over");
    for (i, fd) in fds.into_iter().enumerate() {
        ok(fd_seek(fd, 0, WHENCE_SET), "seek on the main thread");
        let mut buf = [0u8; 64];
        let n = ok(fd_read(fd, &mut buf), "read on the main thread");
        eq(
            &buf[..n],
            format!("written by another thread to f{i}").as_bytes(),
            "content",
        );
        ok(fd_close(fd), "close on the main thread");
    }
    // std's File moves between threads the same way.
    let mut f = fs::File::create("/sandbox/std").unwrap();
    thread::spawn(move || {
        f.write_all(b"std file written on a thread").unwrap();
    })
    .join()
    .unwrap();
    eq(
        fs::read("/sandbox/std").unwrap(),
        b"std file written on a thread".to_vec(),
        "std file",
    );

    section("a directory opened on a thread");
    ok(path_create_directory(dir, "sub"), "mkdir sub");
    let sub = thread::spawn(move || {
        ok(
            path_open(dir, 0, "sub", OFLAGS_DIRECTORY, RIGHTS_DIR, RIGHTS_FILE | RIGHTS_DIR, 0),
            "open sub",
        )
    })
    .join()
    .unwrap();
    ok(
        create_file(sub, "inner", b"in sub"),
        "create through the thread's dir fd",
    );
    eq(ok(read_file(dir, "sub/inner"), "read"), b"in sub".to_vec(), "content");

    section("fd_fdstat_set_flags on another thread");
    let fd = ok(
        path_open(dir, 0, "flags", OFLAGS_CREAT | OFLAGS_TRUNC, RIGHTS_FILE, 0, 0),
        "open flags",
    );
    ok(write_all(fd, b"0123456789"), "write");
    eq(ok(fd_fdstat_get(fd), "fdstat").fs_flags, 0, "no flags yet");
    thread::spawn(move || ok(fd_fdstat_set_flags(fd, FDFLAGS_APPEND), "set APPEND on a thread"))
        .join()
        .unwrap();
    eq(
        ok(fd_fdstat_get(fd), "fdstat").fs_flags,
        FDFLAGS_APPEND as u16,
        "the main thread sees APPEND",
    );
    ok(fd_seek(fd, 0, WHENCE_SET), "seek to 0");
    ok(write_all(fd, b"AB"), "write in append mode");
    eq(
        ok(read_file(dir, "flags"), "read"),
        b"0123456789AB".to_vec(),
        "appended, not overwritten",
    );
    // Flags set on one thread while another writes: every write lands whole.
    let toggler = thread::spawn(move || {
        for i in 0..200 {
            let flags = if i % 2 == 0 { 0 } else { FDFLAGS_APPEND };
            ok(fd_fdstat_set_flags(fd, flags), "toggle APPEND");
        }
        ok(fd_fdstat_set_flags(fd, 0), "clear APPEND");
    });
    for _ in 0..200 {
        ok(fd_pwrite(fd, &[b"xy"], 0), "pwrite during toggling");
    }
    toggler.join().unwrap();
    eq(
        ok(fd_fdstat_get(fd), "fdstat").fs_flags,
        0,
        "the main thread sees the flags cleared",
    );
    let end = ok(fd_seek(fd, 0, WHENCE_END), "seek to end");
    ok(fd_seek(fd, 0, WHENCE_SET), "seek to 0");
    ok(write_all(fd, b"zz"), "write without APPEND");
    let content = ok(read_file(dir, "flags"), "read");
    eq(content.len() as u64, end, "no append after the flags were cleared");
    eq(&content[..2], b"zz", "written at the cursor");
    // Rights are not capabilities: an fd opened asking only fd_read changes
    // its flags from another thread too.
    let ro = ok(
        path_open(dir, 0, "flags", 0, RIGHTS_FD_READ, 0, 0),
        "open asking only fd_read",
    );
    thread::spawn(move || ok(fd_fdstat_set_flags(ro, FDFLAGS_APPEND), "set flags on another thread"))
        .join()
        .unwrap();
    ok(fd_close(ro), "close");
    ok(fd_close(fd), "close flags");

    section("renumber and close seen across threads");
    let a = ok(
        path_open(dir, 0, "ra", OFLAGS_CREAT | OFLAGS_TRUNC, RIGHTS_FILE, 0, 0),
        "open ra",
    );
    let b = ok(
        path_open(dir, 0, "rb", OFLAGS_CREAT | OFLAGS_TRUNC, RIGHTS_FILE, 0, 0),
        "open rb",
    );
    thread::spawn(move || ok(fd_renumber(a, b), "renumber a over b on a thread"))
        .join()
        .unwrap();
    errno(fd_fdstat_get(a), Errno::BADF, "a is gone for the main thread");
    ok(write_all(b, b"to ra"), "write through b");
    eq(ok(read_file(dir, "ra"), "read ra"), b"to ra".to_vec(), "b is now ra");
    eq(ok(read_file(dir, "rb"), "read rb"), Vec::<u8>::new(), "rb untouched");
    thread::spawn(move || ok(fd_close(b), "close on a thread"))
        .join()
        .unwrap();
    errno(fd_write(b, &[b"x"]), Errno::BADF, "closed for the main thread");
    done();
}
