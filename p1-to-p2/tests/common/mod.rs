//! Helpers shared by the bridge's test binaries: the guests and a runner.

#![allow(dead_code, reason = "each test binary uses a subset")]

use wasi_common_compat::{I32Exit, WasiCtx};
use wasmtime::{Engine, Linker, Module, Store};

/// Reads fd 0 in chunks of up to 64 KiB until end of file. Every chunk is
/// written to fd 1 unless the `$count_only` global is set; the total goes to
/// the exported `total` global. A failed read exits with the errno and sets
/// the exported `failed_in` to 100; a failed write sets it to 200 (the run's
/// status is then `failed_in + errno`: exit statuses stop at 125). With `$close_after` non-zero, fd 0 is
/// closed once that many bytes were read, and the guest exits normally.
pub const CAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 2)
  (global $total (export "total") (mut i64) (i64.const 0))
  (global $failed_in (export "failed_in") (mut i32) (i32.const 0))
  (global $count_only (export "count_only") (mut i32) (i32.const 0))
  (global $close_after (export "close_after") (mut i64) (i64.const 0))
  (func (export "_start")
    (local $err i32) (local $n i32)
    (loop $copy
      (i32.store (i32.const 0) (i32.const 65536))
      (i32.store (i32.const 4) (i32.const 65536))
      (local.set $err (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (if (local.get $err) (then (global.set $failed_in (i32.const 100)) (call $exit (local.get $err))))
      (local.set $n (i32.load (i32.const 8)))
      (if (local.get $n) (then
        (global.set $total (i64.add (global.get $total) (i64.extend_i32_u (local.get $n))))
        (if (i32.eqz (global.get $count_only)) (then
          (i32.store (i32.const 4) (local.get $n))
          (local.set $err (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))
          (if (local.get $err) (then (global.set $failed_in (i32.const 200)) (call $exit (local.get $err))))))
        (if (i32.and (i64.ne (global.get $close_after) (i64.const 0))
                     (i64.ge_u (global.get $total) (global.get $close_after)))
          (then (drop (call $close (i32.const 0))) (return)))
        (br $copy))))))"#;

/// Writes `$size` bytes (a 64 KiB buffer, repeatedly) to fd 1, then syncs
/// it; a failed write exits with the errno and `failed_in` 200, a failed
/// sync with `failed_in` 150 (see [`CAT`]).
pub const PRODUCE: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_sync" (func $sync (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 2)
  (global $size (export "size") (mut i64) (i64.const 0))
  (global $failed_in (export "failed_in") (mut i32) (i32.const 0))
  (func (export "_start")
    (local $err i32) (local $left i64) (local $n i32)
    (local.set $left (global.get $size))
    (block $done
      (loop $more
        (br_if $done (i64.eqz (local.get $left)))
        (local.set $n (i32.wrap_i64 (select (local.get $left) (i64.const 65536)
          (i64.lt_u (local.get $left) (i64.const 65536)))))
        (i32.store (i32.const 0) (i32.const 65536))
        (i32.store (i32.const 4) (local.get $n))
        (local.set $err (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (if (local.get $err) (then (global.set $failed_in (i32.const 200)) (call $exit (local.get $err))))
        (local.set $left (i64.sub (local.get $left) (i64.extend_i32_u (i32.load (i32.const 8)))))
        (br $more)))
    (local.set $err (call $sync (i32.const 1)))
    (if (local.get $err) (then (global.set $failed_in (i32.const 150)) (call $exit (local.get $err))))))"#;

pub struct Run {
    pub status: i32,
    pub total: i64,
}

pub fn run(wat: &str, ctx: WasiCtx, setup: impl FnOnce(&mut Store<WasiCtx>, &wasmtime::Instance)) -> Run {
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    let mut linker = Linker::new(&engine);
    wasi_common_compat::linker::add_to_linker_sync(&mut linker, |cx: &mut WasiCtx| cx).unwrap();
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    setup(&mut store, &instance);
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
    let status = match start.call(&mut store, ()) {
        Ok(()) => 0,
        Err(e) => e
            .downcast_ref::<I32Exit>()
            .map(|x| x.0)
            .unwrap_or_else(|| panic!("trap: {e:?}")),
    };
    let total = match instance.get_global(&mut store, "total") {
        Some(g) => g.get(&mut store).i64().unwrap(),
        None => 0,
    };
    let failed_in = match instance.get_global(&mut store, "failed_in") {
        Some(g) => g.get(&mut store).i32().unwrap(),
        None => 0,
    };
    let status = if status != 0 { failed_in + status } else { status };
    Run { status, total }
}

pub fn set_global(store: &mut Store<WasiCtx>, instance: &wasmtime::Instance, name: &str, v: wasmtime::Val) {
    instance
        .get_global(&mut *store, name)
        .unwrap()
        .set(&mut *store, v)
        .unwrap();
}

/// Resident set size of this process in bytes.
pub fn rss() -> u64 {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = s.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}
