//! A `WasiDir`/`WasiFile` written from scratch (the read-only `MapDir` of
//! memfs's crate documentation, the same source) served to a guest.

use wasi_common_compat_tests::*;

#[allow(dead_code, reason = "the documentation's example, used in part here")]
mod map_dir {
    include!("../../../memfs/doc/map_dir.rs");
}

/// Opens `hello.txt` in the preopen (fd 3) for reading, copies it to
/// stdout, then tries to open it for writing and exits with that errno.
const GUEST: &str = r#"
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hello.txt")
  (func (export "_start") (local $e i32)
    (local.set $e (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 9)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 200)))
    (if (local.get $e) (then (call $proc_exit (i32.add (i32.const 100) (local.get $e)))))
    (i32.store (i32.const 300) (i32.const 1000))
    (i32.store (i32.const 304) (i32.const 4096))
    (local.set $e (call $fd_read (i32.load (i32.const 200)) (i32.const 300) (i32.const 1) (i32.const 400)))
    (if (local.get $e) (then (call $proc_exit (i32.add (i32.const 150) (local.get $e)))))
    (i32.store (i32.const 304) (i32.load (i32.const 400)))
    (drop (call $fd_write (i32.const 1) (i32.const 300) (i32.const 1) (i32.const 404)))
    (call $proc_exit (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 9)
      (i32.const 0) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 200))))
)
"#;

/// `EROFS` in preview1's numbering.
const EROFS: i32 = 69;

per_backend!(a_map_dir_serves_a_guest, |backend| {
    let dir = map_dir::MapDir::new([("hello.txt".to_string(), b"hello from a map".to_vec())]);
    let out = Run::wat(GUEST, backend)
        .preopen_dir_object(Box::new(dir), "/data")
        .exec()
        .unwrap();
    out.assert_exit(EROFS)
        .assert_stdout("hello from a map")
        .assert_stderr("");
});
