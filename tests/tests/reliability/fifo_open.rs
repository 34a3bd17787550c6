//! Opening a FIFO without `nonblock` (defect 4, the last case): the open
//! waits for the other end as natively, whichever end comes first and
//! however fast a writer comes and goes, and the program's end (here the
//! run's timeout, which ends the program through its context as an exit in
//! another thread does) ends the wait and releases what waited for it.
//! Threaded programs are covered by `exit_latency` (a thread in such an
//! open while another exits).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wasi_common_compat_tests::*;

/// Opens "fifo" in fd 3 for reading, blocking, and copies it to stdout
/// until end of file. Exit 0, or 40 + the errno of a failed open.
const READER: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 100) "fifo")
  (func (export "_start") (local $e i32) (local $fd i32)
    (local.set $e (call $open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 4) (i32.const 0)
      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 200)))
    (if (local.get $e) (then (call $exit (i32.add (i32.const 40) (local.get $e)))))
    (local.set $fd (i32.load (i32.const 200)))
    (block $eof (loop $l
      (i32.store (i32.const 300) (i32.const 1000))
      (i32.store (i32.const 304) (i32.const 1000))
      (if (call $read (local.get $fd) (i32.const 300) (i32.const 1) (i32.const 308)) (then (call $exit (i32.const 2))))
      (br_if $eof (i32.eqz (i32.load (i32.const 308))))
      (i32.store (i32.const 304) (i32.load (i32.const 308)))
      (if (call $write (i32.const 1) (i32.const 300) (i32.const 1) (i32.const 312)) (then (call $exit (i32.const 3))))
      (br $l)))
    (call $exit (i32.const 0))))"#;

/// Opens "fifo" in fd 3 for writing, blocking, and writes "from the guest".
/// Exit 0, or 40 + the errno of a failed open.
const WRITER: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 100) "fifo")
  (data (i32.const 1000) "from the guest")
  (func (export "_start") (local $e i32)
    (local.set $e (call $open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 4) (i32.const 0)
      (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 200)))
    (if (local.get $e) (then (call $exit (i32.add (i32.const 40) (local.get $e)))))
    (i32.store (i32.const 300) (i32.const 1000))
    (i32.store (i32.const 304) (i32.const 14))
    (if (call $write (i32.load (i32.const 200)) (i32.const 300) (i32.const 1) (i32.const 308)) (then (call $exit (i32.const 2))))
    (call $exit (i32.const 0))))"#;

/// A run of `wat` in a sandbox holding the FIFO "fifo"; `None` on memfs,
/// which holds no FIFOs.
fn with_fifo(wat: &str, backend: Backend, timeout: Duration) -> Option<(Run, PathBuf)> {
    if matches!(backend, Backend::Memfs | Backend::WasmiMemfs) {
        println!("not applicable on {backend:?}: memfs has no FIFOs");
        return None;
    }
    let run = Run::wat(wat, backend).sandbox().timeout(timeout);
    let fifo = run.sandbox_path().unwrap().join("fifo");
    let st = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(st.success(), "mkfifo");
    Some((run, fifo))
}

/// True if something holds `fifo` open for reading (a non-blocking open
/// for writing succeeds only then).
fn has_reader(fifo: &Path) -> bool {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(fifo)
        .is_ok()
}

per_backend!(a_reader_waits_for_a_writer_that_comes_later, |backend| {
    let Some((run, fifo)) = with_fifo(READER, backend, Duration::from_secs(20)) else {
        return;
    };
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        // Connected without writing for a while: the guest's read waits.
        std::thread::sleep(Duration::from_millis(100));
        f.write_all(b"late writer").unwrap();
    });
    let t = Instant::now();
    let out = run.exec().unwrap();
    writer.join().unwrap();
    out.assert_exit(0).assert_stdout("late writer");
    assert!(
        t.elapsed() >= Duration::from_millis(200),
        "the open waited for the writer"
    );
});

per_backend!(a_writer_that_comes_and_goes_at_once_is_not_missed, |backend| {
    // The writer is already waiting for a reader when the guest opens; it
    // writes and closes as soon as its open returns (`echo x > fifo`), in
    // microseconds, possibly before the host's helper is in `open(2)`.
    for round in 0..20 {
        let Some((run, fifo)) = with_fifo(READER, backend, Duration::from_secs(20)) else {
            return;
        };
        let writer = std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            f.write_all(b"quick").unwrap();
        });
        std::thread::sleep(Duration::from_millis(20));
        let out = run.exec().unwrap();
        writer.join().unwrap();
        assert_eq!(out.status, Status::Exit(0), "round {round}: {out}");
        out.assert_stdout("quick");
    }
});

per_backend!(a_writer_waits_for_a_reader_that_comes_later, |backend| {
    let Some((run, fifo)) = with_fifo(WRITER, backend, Duration::from_secs(20)) else {
        return;
    };
    let reader = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        let mut got = String::new();
        std::fs::File::open(&fifo).unwrap().read_to_string(&mut got).unwrap();
        got
    });
    let t = Instant::now();
    let out = run.exec().unwrap();
    out.assert_exit(0);
    assert_eq!(reader.join().unwrap(), "from the guest");
    assert!(
        t.elapsed() >= Duration::from_millis(200),
        "the open waited for the reader"
    );
});

per_backend!(the_end_of_the_program_ends_a_fifo_open_and_releases_it, |backend| {
    for (what, wat) in [("reading", READER), ("writing", WRITER)] {
        let Some((run, fifo)) = with_fifo(wat, backend, Duration::from_millis(300)) else {
            return;
        };
        let t = Instant::now();
        let out = run.exec().unwrap();
        let took = t.elapsed();
        assert_eq!(out.status, Status::TimedOut, "{what}: {out}");
        assert!(took < Duration::from_secs(3), "{what}: the run took {took:?}");
        // The host's wait in `open(2)` was released: nothing holds the FIFO
        // (a helper still waiting to read would count as a reader). Give
        // the released helper a moment to close.
        let deadline = Instant::now() + Duration::from_secs(2);
        while has_reader(&fifo) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(!has_reader(&fifo), "{what}: something still has the FIFO open");
        drop(out);
    }
});

per_backend!(nonblock_opens_do_not_wait, |backend| {
    // With `fdflags::nonblock` (4): a reader opens at once, a writer with
    // no reader gets ENXIO (errno 60), as on Linux.
    let nb = |wat: &str| {
        wat.replace(
            "(i64.const 0) (i32.const 0) (i32.const 200)",
            "(i64.const 0) (i32.const 4) (i32.const 200)",
        )
    };
    let Some((run, _fifo)) = with_fifo(&nb(WRITER), backend, Duration::from_secs(10)) else {
        return;
    };
    run.exec().unwrap().assert_exit(40 + 60);
    let Some((run, _fifo)) = with_fifo(&nb(READER), backend, Duration::from_secs(10)) else {
        return;
    };
    // Opened at once; with no writer the read is end of file, as on Linux.
    run.exec().unwrap().assert_exit(0).assert_stdout("");
});
