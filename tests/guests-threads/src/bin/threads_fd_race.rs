//! `fd_close` racing other calls on the same fd from other threads: reads
//! see either the file's bytes or `EBADF`, never anything else; two closes
//! of one fd give one success and one `EBADF`. Afterwards the table is
//! sound: new opens get the lowest free numbers and work, the preopen is
//! still there, closed numbers are `EBADF`.

use guest::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread;

const SIZE: usize = 200_000;

fn pattern() -> Vec<u8> {
    (0..SIZE).map(|i| (i % 251) as u8).collect()
}

fn spin(n: u32) {
    for _ in 0..n {
        std::hint::spin_loop();
    }
}

fn main() {
    let dir = sandbox();
    ok(create_file(dir, "data", &pattern()), "create data");
    let pat = Arc::new(pattern());

    section("close races reads");
    let mut interrupted = 0;
    for round in 0..150u32 {
        let fd = ok(path_open(dir, 0, "data", 0, RIGHTS_FILE, 0, 0), "open data");
        let started = Arc::new(AtomicBool::new(false));
        let (p, s) = (pat.clone(), started.clone());
        let reader = thread::spawn(move || {
            let mut buf = vec![0u8; if round % 2 == 0 { 512 } else { 100_000 }];
            let mut reads = 0u32;
            loop {
                // pread at varying offsets, and plain reads that move the cursor.
                let off = (reads as usize * 4099) % SIZE;
                let r = if reads % 2 == 0 {
                    fd_pread(fd, &mut buf, off as u64).map(|n| (n, off))
                } else {
                    fd_seek(fd, off as i64, WHENCE_SET)
                        .and_then(|_| fd_read(fd, &mut buf))
                        .map(|n| (n, off))
                };
                s.store(true, Ordering::Release);
                match r {
                    Ok((n, off)) => {
                        let want = buf.len().min(SIZE - off);
                        // Reads into shared memory may be short (the host
                        // copies at most 64 KiB per call); never empty here.
                        check(n > 0 && n <= want, format!("{n} bytes read of {want} asked"));
                        if buf.len() <= 4096 {
                            eq(n, want, "a small read from an open fd is whole");
                        }
                        check(buf[..n] == p[off..off + n], "the file's bytes");
                    }
                    Err(e) => {
                        eq(e, Errno::BADF, "a read of a closed fd");
                        return reads;
                    }
                }
                reads += 1;
            }
        });
        while !started.load(Ordering::Acquire) {
            thread::yield_now();
        }
        spin(round * 97 % 5000);
        ok(fd_close(fd), "close while another thread reads");
        let reads = reader.join().unwrap();
        if reads < 1000 {
            interrupted += 1;
        }
        errno(fd_fdstat_get(fd), Errno::BADF, "the closed fd");
    }
    check(interrupted > 0, "some reads were cut short by the close");

    section("two threads close one fd");
    for round in 0..150u32 {
        let fd = ok(path_open(dir, 0, "data", 0, RIGHTS_FD_READ, 0, 0), "open data");
        let go = Arc::new(AtomicU32::new(0));
        let closers: Vec<_> = (0..2)
            .map(|_| {
                let go = go.clone();
                thread::spawn(move || {
                    go.fetch_add(1, Ordering::SeqCst);
                    while go.load(Ordering::SeqCst) < 2 {
                        std::hint::spin_loop();
                    }
                    spin(round % 7 * 10);
                    fd_close(fd)
                })
            })
            .collect();
        let rs: Vec<_> = closers.into_iter().map(|h| h.join().unwrap()).collect();
        let oks = rs.iter().filter(|r| r.is_ok()).count();
        eq(oks, 1, format!("one close succeeds: {rs:?}"));
        check(
            rs.iter().all(|r| matches!(r, Ok(()) | Err(Errno::BADF))),
            format!("the other is EBADF: {rs:?}"),
        );
    }

    section("close races writes");
    for round in 0..50u32 {
        let fd = ok(
            path_open(dir, 0, "scratch", OFLAGS_CREAT | OFLAGS_TRUNC, RIGHTS_FILE, 0, 0),
            "open scratch",
        );
        let writer = thread::spawn(move || {
            let chunk = [b'w'; 4096];
            let mut n = 0u64;
            loop {
                match fd_write(fd, &[&chunk]) {
                    Ok(k) => {
                        eq(k, 4096, "a whole write");
                        n += 1;
                    }
                    Err(e) => {
                        eq(e, Errno::BADF, "a write to a closed fd");
                        return n;
                    }
                }
            }
        });
        spin(round * 301 % 20000);
        thread::yield_now();
        ok(fd_close(fd), "close while another thread writes");
        let n = writer.join().unwrap();
        let st = ok(path_filestat_get(dir, 0, "scratch"), "stat scratch");
        eq(st.size, n * 4096, "the file holds exactly the writes that succeeded");
    }

    section("the table afterwards");
    let first = dir + 1;
    let fds: Vec<Fd> = (0..8)
        .map(|i| {
            ok(
                path_open(dir, 0, format!("new-{i}"), OFLAGS_CREAT, RIGHTS_FILE, 0, 0),
                "open new",
            )
        })
        .collect();
    eq(
        fds.clone(),
        (first..first + 8).collect::<Vec<_>>(),
        "new fds are the lowest free numbers",
    );
    for (i, &fd) in fds.iter().enumerate() {
        ok(write_all(fd, format!("file {i}").as_bytes()), "write");
        errno(fd_prestat_get(fd), Errno::BADF, "a file is not a preopen");
    }
    errno(fd_fdstat_get(first + 8), Errno::BADF, "the next number is not open");
    eq(find_preopen("/sandbox"), Some(dir), "the preopen is still there");
    for &fd in &fds {
        ok(fd_close(fd), "close");
    }
    for i in 0..8 {
        eq(
            ok(read_file(dir, &format!("new-{i}")), "read back"),
            format!("file {i}").into_bytes(),
            "content",
        );
    }
    eq(ok(read_file(dir, "data"), "read data"), pattern(), "data is unchanged");
    done();
}
