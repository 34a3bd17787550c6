//! `fd_read`, `fd_write`, `fd_pread`, `fd_pwrite` on regular files: vectors,
//! cursors, end of file, holes, rights, and append mode with `fd_pwrite`.

use guest::*;

const RW: u64 = RIGHTS_FD_READ
    | RIGHTS_FD_WRITE
    | RIGHTS_FD_SEEK
    | RIGHTS_FD_TELL
    | RIGHTS_FD_FILESTAT_GET
    | RIGHTS_FD_SYNC
    | RIGHTS_FD_DATASYNC;

fn main() {
    let dir = sandbox();
    let fd = ok(
        path_open(dir, 0, "file", OFLAGS_CREAT | OFLAGS_EXCL, RW, 0, 0),
        "create file",
    );

    section("vectored write");
    let n = ok(fd_write(fd, &[b"hello", b"", b", ", b"world"]), "fd_write 4 iovecs");
    eq(n, 12, "bytes written");
    eq(ok(fd_tell(fd), "tell"), 12, "cursor after write");
    eq(
        ok(fd_write(fd, &[]), "fd_write of no iovecs"),
        0,
        "zero iovecs write nothing",
    );
    eq(
        ok(fd_write(fd, &[b""]), "fd_write of an empty iovec"),
        0,
        "an empty iovec writes nothing",
    );
    eq(ok(fd_tell(fd), "tell"), 12, "cursor unchanged");

    section("vectored read");
    ok(fd_seek(fd, 0, WHENCE_SET), "rewind");
    let (mut a, mut b, mut c) = ([0u8; 3], [0u8; 0], [0u8; 20]);
    let n = ok(fd_readv(fd, &mut [&mut a, &mut b, &mut c]), "fd_read 3 iovecs");
    eq(n, 12, "bytes read");
    eq(&a, b"hel", "first iovec");
    eq(&c[..9], b"lo, world", "third iovec");
    eq(&c[9..], &[0u8; 11][..], "rest of the third iovec untouched");
    eq(ok(fd_read(fd, &mut c), "read at end"), 0, "end of file reads 0");
    eq(
        ok(fd_read(fd, &mut []), "zero-length read"),
        0,
        "a zero-length read gives 0",
    );

    section("pread and pwrite keep the cursor");
    ok(fd_seek(fd, 2, WHENCE_SET), "seek to 2");
    let mut buf = [0u8; 5];
    eq(ok(fd_pread(fd, &mut buf, 7), "pread at 7"), 5, "pread bytes");
    eq(&buf, b"world", "pread data");
    eq(ok(fd_tell(fd), "tell"), 2, "pread left the cursor");
    eq(
        ok(fd_pread(fd, &mut buf, 10), "pread near the end"),
        2,
        "short pread at the end",
    );
    eq(&buf[..2], b"ld", "short pread data");
    eq(
        ok(fd_pread(fd, &mut buf, 100), "pread past the end"),
        0,
        "pread past the end reads 0",
    );
    eq(ok(fd_pwrite(fd, &[b"J", b"ELLO"], 0), "pwrite at 0"), 5, "pwrite bytes");
    eq(ok(fd_tell(fd), "tell"), 2, "pwrite left the cursor");
    eq(
        ok(read_file(dir, "file"), "read back"),
        b"JELLO, world".to_vec(),
        "content after pwrite",
    );

    section("pwrite past the end leaves a hole of zeros");
    eq(ok(fd_pwrite(fd, &[b"!"], 15), "pwrite at 15"), 1, "pwrite bytes");
    eq(
        ok(read_file(dir, "file"), "read back"),
        b"JELLO, world\0\0\0!".to_vec(),
        "hole content",
    );
    eq(ok(fd_filestat_get(fd), "filestat").size, 16, "size after pwrite");

    section("write at the cursor overwrites");
    ok(fd_seek(fd, 7, WHENCE_SET), "seek to 7");
    eq(ok(fd_write(fd, &[b"WORLD"]), "write"), 5, "bytes written");
    eq(ok(fd_tell(fd), "tell"), 12, "cursor advanced");
    eq(
        ok(read_file(dir, "file"), "read back"),
        b"JELLO, WORLD\0\0\0!".to_vec(),
        "content",
    );

    section("sync");
    ok(fd_sync(fd), "fd_sync");
    ok(fd_datasync(fd), "fd_datasync");
    ok(fd_close(fd), "close");

    section("the access mode decides what an fd may do");
    let ro = ok(path_open(dir, 0, "file", 0, RIGHTS_FD_READ, 0, 0), "open read-only");
    errno(fd_write(ro, &[b"x"]), Errno::BADF, "write on a read-only fd");
    errno(fd_pwrite(ro, &[b"x"], 0), Errno::BADF, "pwrite on a read-only fd");
    eq(
        ok(fd_pread(ro, &mut buf, 0), "pread"),
        5,
        "pread without asking for the seek right",
    );
    eq(ok(fd_read(ro, &mut buf), "read"), 5, "read on a read-only fd");
    ok(fd_close(ro), "close");
    let wo = ok(path_open(dir, 0, "file", 0, RIGHTS_FD_WRITE, 0, 0), "open write-only");
    errno(fd_read(wo, &mut buf), Errno::BADF, "read on a write-only fd");
    eq(ok(fd_write(wo, &[b"j"]), "write"), 1, "write on a write-only fd");
    ok(fd_close(wo), "close");
    eq(
        ok(read_file(dir, "file"), "read back").first(),
        Some(&b'j'),
        "the write landed at 0",
    );

    section("append mode");
    ok(create_file(dir, "log", b"abcd"), "create log");
    let ap = ok(
        path_open(dir, 0, "log", 0, RW, 0, FDFLAGS_APPEND),
        "open log for append",
    );
    eq(
        ok(fd_fdstat_get(ap), "fdstat").fs_flags,
        FDFLAGS_APPEND as u16,
        "fdstat shows append",
    );
    eq(ok(fd_tell(ap), "tell"), 0, "cursor starts at 0");
    eq(ok(fd_write(ap, &[b"ef"]), "append write"), 2, "bytes written");
    eq(
        ok(fd_tell(ap), "tell"),
        6,
        "an appending write leaves the cursor at the end",
    );
    ok(fd_seek(ap, 1, WHENCE_SET), "seek to 1");
    ok(fd_write(ap, &[b"gh"]), "append write after a seek");
    eq(
        ok(read_file(dir, "log"), "read log"),
        b"abcdefgh".to_vec(),
        "writes go to the end",
    );
    // pwrite on an append-mode fd: Linux appends, whatever the offset.
    eq(
        ok(fd_pwrite(ap, &[b"XY"], 0), "pwrite at 0 in append mode"),
        2,
        "bytes written",
    );
    eq(
        ok(read_file(dir, "log"), "read log"),
        b"abcdefghXY".to_vec(),
        "pwrite appended",
    );
    eq(ok(fd_tell(ap), "tell"), 8, "pwrite left the cursor");
    let mut all = [0u8; 10];
    eq(
        ok(fd_pread(ap, &mut all, 0), "pread in append mode"),
        10,
        "pread reads at the offset",
    );
    eq(&all, b"abcdefghXY", "pread data");
    ok(fd_close(ap), "close");
    done();
}
