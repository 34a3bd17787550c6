//! Fault injection (issue 12, item 5): files and stdio whose reads and
//! writes come back short or fail with `EIO`/`ENOSPC`, through real guests
//! on every backend. A short count must lose or repeat no byte (the guest
//! loops, as programs do); an injected errno must reach the guest as that
//! errno, with the host alive and the fd still usable.

use wasi_common_compat::Errno;
use wasi_common_compat_tests::faults::{Faults, FaultyDir};
use wasi_common_compat_tests::*;

per_backend!(
    /// stdin reads at most 7 bytes a call, stdout takes at most 3: the
    /// echo guest still copies all 50 000 bytes, in order.
    short_stdio_moves_every_byte,
    |backend| {
        let input: Vec<u8> = (0..50_000u32).map(|i| (i * 13 + i / 256) as u8).collect();
        let (inf, outf) = (Faults::new().short(7), Faults::new().short(3));
        let out = Run::guest("stdio_echo", backend)
            .stdin(input.clone())
            .stdio_faults(Some(inf.clone()), Some(outf.clone()))
            .exec()
            .unwrap();
        out.assert_exit(0).assert_stderr("read 50000 bytes\n");
        assert!(out.stdout == input, "stdout is stdin ({} of {} bytes)", out.stdout.len(), input.len());
        assert_eq!(inf.counts().0, 50_000, "bytes read through the faulty stdin");
        assert_eq!(outf.counts().1, 50_000, "bytes written through the faulty stdout");
    }
);

per_backend!(
    /// stdout fails with `ENOSPC` after 1 000 bytes: the guest's write gets
    /// `ENOSPC` (its own report says so), nothing past the budget appears,
    /// and the run ends as the guest decides (its failure status), not in
    /// a host panic.
    enospc_on_stdout_reaches_the_guest,
    |backend| {
        let input = vec![b'x'; 10_000];
        let out = Run::guest("stdio_echo", backend)
            .stdin(input)
            .stdio_faults(None, Some(Faults::new().fail_writes(1_000, Errno::Nospc)))
            .exec()
            .unwrap();
        assert_eq!(out.stdout.len(), 1_000, "exactly the budget was written");
        let err = out.stderr_str();
        assert!(err.contains("write to stdout") && err.contains("NOSPC"), "{err}");
        assert_ne!(out.status, Status::Exit(0), "the guest reports the failure");
    }
);

/// The file guest: writes 300 bytes to `f` (one `fd_write` of 300 bytes in
/// three iovecs), reads them back with `fd_pread`, and exits with: 0 if it
/// all worked; 2 if the open failed; 10 + errno of a failed write; 50 +
/// errno of a failed read;
/// 100 if a short count lost or repeated bytes (the loops below retry short
/// counts until everything moved).
const FILE_GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread" (func $pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "f")
  (func (export "_start") (local $fd i32) (local $e i32) (local $done i32) (local $i i32)
    ;; bytes 0..300 at 1000: i % 251
    (loop $fill
      (i32.store8 (i32.add (i32.const 1000) (local.get $i)) (i32.rem_u (local.get $i) (i32.const 251)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 300))))
    (local.set $e (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 1)
      (i32.const 1) (i64.const 0x1fffffff) (i64.const 0) (i32.const 0) (i32.const 200)))
    (if (local.get $e) (then (call $exit (i32.const 2))))
    (local.set $fd (i32.load (i32.const 200)))
    ;; write until 300 bytes went out: iovecs at 300 over [1000+done, 1300)
    (loop $w
      (i32.store (i32.const 300) (i32.add (i32.const 1000) (local.get $done)))
      (i32.store (i32.const 304) (i32.sub (i32.const 300) (local.get $done)))
      (local.set $e (call $write (local.get $fd) (i32.const 300) (i32.const 1) (i32.const 204)))
      (if (local.get $e) (then (call $exit (i32.add (i32.const 10) (local.get $e)))))
      (local.set $done (i32.add (local.get $done) (i32.load (i32.const 204))))
      (br_if $w (i32.lt_u (local.get $done) (i32.const 300))))
    (if (i32.ne (local.get $done) (i32.const 300)) (then (call $exit (i32.const 100))))
    ;; read back into 2000.. with pread at offset done
    (local.set $done (i32.const 0))
    (loop $r
      (i32.store (i32.const 320) (i32.add (i32.const 2000) (local.get $done)))
      (i32.store (i32.const 324) (i32.sub (i32.const 300) (local.get $done)))
      (local.set $e (call $pread (local.get $fd) (i32.const 320) (i32.const 1) (i64.extend_i32_u (local.get $done)) (i32.const 208)))
      (if (local.get $e) (then (call $exit (i32.add (i32.const 50) (local.get $e)))))
      (if (i32.eqz (i32.load (i32.const 208))) (then (call $exit (i32.const 100))))
      (local.set $done (i32.add (local.get $done) (i32.load (i32.const 208))))
      (br_if $r (i32.lt_u (local.get $done) (i32.const 300))))
    (local.set $i (i32.const 0))
    (loop $cmp
      (if (i32.ne (i32.load8_u (i32.add (i32.const 1000) (local.get $i))) (i32.load8_u (i32.add (i32.const 2000) (local.get $i))))
        (then (call $exit (i32.const 100))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $cmp (i32.lt_u (local.get $i) (i32.const 300))))
    (if (call $close (local.get $fd)) (then (call $exit (i32.const 3))))
    (call $exit (i32.const 0))))"#;

/// Runs the file guest over a sandbox wrapped in a [`FaultyDir`] with
/// `faults`; the exit status.
fn file_guest(backend: Backend, faults: Faults) -> i32 {
    let sandbox = tempfile::tempdir().unwrap();
    let dir: Box<dyn wasi_common_compat::WasiDir> = if matches!(backend, Backend::Memfs | Backend::WasmiMemfs) {
        Box::new(wasi_common_compat_memfs::MemFs::new().root())
    } else {
        let d = cap_std::fs::Dir::open_ambient_dir(sandbox.path(), cap_std::ambient_authority()).unwrap();
        Box::new(wasi_common_compat_sync::Dir::from_cap_std(d))
    };
    let out = Run::wat(FILE_GUEST, backend)
        .preopen_dir_object(Box::new(FaultyDir::new(dir, faults)), "/faulty")
        .exec()
        .unwrap();
    match &out.status {
        Status::Exit(code) => *code,
        other => panic!(
            "{backend:?}: the guest did not exit: {other:?}, stderr {}",
            out.stderr_str()
        ),
    }
}

per_backend!(
    /// A file whose reads and writes move 1 or 17 bytes a call: every byte
    /// arrives once, in place.
    short_file_reads_and_writes_lose_nothing,
    |backend| {
        for n in [1, 17] {
            let f = Faults::new().short(n);
            assert_eq!(file_guest(backend, f.clone()), 0, "short counts of {n}");
            assert_eq!(f.counts(), (300, 300, 0));
        }
    }
);

per_backend!(
    /// `ENOSPC` on a write and `EIO` on a read reach the guest as those
    /// errnos (and after a partial write, the count the guest saw is the
    /// bytes that went out).
    eio_and_enospc_on_a_file_reach_the_guest,
    |backend| {
        let nospc = Errno::Nospc as i32;
        let io = Errno::Io as i32;
        let f = Faults::new().fail_writes(0, Errno::Nospc);
        assert_eq!(file_guest(backend, f.clone()), 10 + nospc, "ENOSPC at once");
        assert_eq!(f.counts().2, 1);
        let f = Faults::new().fail_writes(120, Errno::Nospc);
        assert_eq!(file_guest(backend, f.clone()), 10 + nospc, "ENOSPC after 120 bytes");
        assert_eq!(f.counts().1, 120, "120 bytes went out before it");
        let f = Faults::new().fail_reads(0, Errno::Io);
        assert_eq!(file_guest(backend, f), 50 + io, "EIO on read");
        let f = Faults::new().fail_reads(200, Errno::Io).short(64);
        assert_eq!(file_guest(backend, f.clone()), 50 + io, "EIO after 200 bytes read");
        assert_eq!(f.counts().0, 200);
    }
);

/// Opens "." under fd 3 until an open fails; exits with the number of
/// opens that worked if the failure was `EMFILE`, else 100 + errno. After
/// closing one, an open must work again (else 99).
const FD_CAP_GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) ".")
  (func $open_dot (result i32)
    (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 1)
      (i32.const 2) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 200)))
  (func (export "_start") (local $e i32) (local $n i32)
    (block $full (loop $l
      (local.set $e (call $open_dot))
      (br_if $full (local.get $e))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $n) (i32.const 90)))))
    (if (i32.ne (local.get $e) (i32.const 33)) (then (call $exit (i32.add (i32.const 100) (local.get $e)))))
    (if (call $close (i32.const 5)) (then (call $exit (i32.const 98))))
    (if (call $open_dot) (then (call $exit (i32.const 99))))
    (call $exit (local.get $n))))"#;

per_backend!(
    /// The fd-table cap: with `max_open_fds(16)` (stdio and the preopen
    /// included), the guest's 13th open gets `EMFILE`, the host goes on, and
    /// closing an fd lets the next open work.
    the_fd_cap_gives_emfile_and_recovers,
    |backend| {
        let out = Run::wat(FD_CAP_GUEST, backend).sandbox().max_open_fds(16).exec().unwrap();
        out.assert_exit(12);
    }
);
