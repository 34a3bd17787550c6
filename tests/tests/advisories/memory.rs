//! Advisories about guest memory and host memory.

use super::*;

per_backend!(
    /// GHSA-852m-cvvp-9p4w (Wasmtime): huge iovec counts, path lengths,
    /// `random_get` and `poll_oneoff` sizes made the host allocate what the
    /// guest claimed. Each is answered with an errno (or a short transfer) and
    /// the host's resident memory stays flat over many rounds.
    ghsa_852m_cvvp_9p4w_huge_sizes_do_not_allocate,
    |backend| {
    let _serial = crate::serial();
    let mut g = Guest::new(backend, |_, _| {});
    g.s.write(BUF, b"x").unwrap();
    g.s.write(0, &[0; 8192]).unwrap();
    g.s.write_u32(0, BUF).unwrap();
    g.s.write_u32(4, 1).unwrap();
    let (rss0, _, _) = memory_usage_kb().unwrap();
    for _ in 0..200 {
        // 4 Gi - 1 iovecs: a short write of what the first 1024 hold.
        assert_eq!(g.p1("fd_write", &[i(1), i(0), i(u32::MAX), i(OUT)]), 0);
        assert_eq!(g.p1("fd_read", &[i(0), i(0), i(u32::MAX), i(OUT)]), 0);
        // An iovec of 4 GiB - 16 bytes (outside the first 1024 iovecs of
        // the array at 0, which are all empty but the first).
        g.s.write_u32(0x9000, 16).unwrap();
        g.s.write_u32(0x9004, 0xFFFF_FFF0).unwrap();
        assert_eq!(g.p1("fd_write", &[i(1), i(0x9000), i(1), i(OUT)]), EFAULT);
        assert_eq!(g.p1("fd_read", &[i(0), i(0x9000), i(1), i(OUT)]), EFAULT);
        assert_eq!(g.p1("random_get", &[i(16), i(u32::MAX)]), EFAULT);
        let open = [i(3), i(0), i(16), i(u32::MAX), i(0), l(0), l(0), i(0), i(OUT)];
        assert_eq!(g.p1("path_open", &open), ENAMETOOLONG);
        assert_eq!(g.p1("poll_oneoff", &[i(0), i(BUF), i(u32::MAX), i(OUT)]), EINVAL);
        assert_eq!(g.p1("poll_oneoff", &[i(0), i(BUF), i(65_536), i(OUT)]), EFAULT);
    }
    let (rss1, _, _) = memory_usage_kb().unwrap();
    println!("huge sizes x 200: RSS {rss0} kB -> {rss1} kB");
    assert!(rss1 < rss0 + 32 * 1024, "RSS grew from {rss0} kB to {rss1} kB");
});

per_backend!(
    /// GHSA-j366-h8gg-77pm (wasi-common): `wasi_unstable` (preview0) skipped
    /// bounds checks that preview1 made. The same hostile arguments get the
    /// same answers through preview0.
    ghsa_j366_h8gg_77pm_preview0_has_the_same_bounds,
    |backend| {
    let _serial = crate::serial();
    let mut g = Guest::new(backend, |_, _| {});
    let p0 = |n: &str| format!("{P0}.{n}");
    let end = 4 * 65536u32;
    // The iovec array past the end, across it, at 4 GiB - 8.
    for (arr, what) in [
        (end, "past the end"),
        (end - 4, "across the end"),
        (u32::MAX - 7, "at 4 GiB - 8"),
    ] {
        for name in ["fd_write", "fd_read"] {
            let fd = if name == "fd_write" { 1 } else { 0 };
            assert_eq!(
                g.call(&p0(name), &[i(fd), i(arr), i(2), i(OUT)]),
                EFAULT,
                "{name}: {what}"
            );
        }
    }
    // A buffer of 4 GiB - 16, and one across the end.
    g.s.write_u32(8, 16).unwrap();
    g.s.write_u32(12, 0xFFFF_FFF0).unwrap();
    g.s.write_u32(16, end - 3).unwrap();
    g.s.write_u32(20, 10).unwrap();
    for arr in [8, 16] {
        assert_eq!(g.call(&p0("fd_write"), &[i(1), i(arr), i(1), i(OUT)]), EFAULT);
        assert_eq!(g.call(&p0("fd_read"), &[i(0), i(arr), i(1), i(OUT)]), EFAULT);
    }
    assert_eq!(g.call(&p0("random_get"), &[i(end - 10), i(20)]), EFAULT);
    let open = [i(3), i(0), i(16), i(u32::MAX), i(0), l(0), l(0), i(0), i(OUT)];
    assert_eq!(g.call(&p0("path_open"), &open), ENAMETOOLONG);
    assert_eq!(g.call(&p0("poll_oneoff"), &[i(0), i(BUF), i(0), i(OUT)]), EINVAL);
    assert_eq!(g.call(&p0("poll_oneoff"), &[i(0), i(BUF), i(u32::MAX), i(OUT)]), EINVAL);
    assert_eq!(g.call(&p0("poll_oneoff"), &[i(end - 8), i(BUF), i(1), i(OUT)]), EFAULT);
    assert_eq!(g.s.stdout(), b"", "nothing written");
});

/// Writes 1 MiB from memory 512 times to fd 1 and fd 2.
const FLOOD: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 17 17)
  (func (export "_start") (local $k i32)
    (i32.store (i32.const 0) (i32.const 65536))
    (i32.store (i32.const 4) (i32.const 1048576))
    (loop $l
      (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (drop (call $w (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (i32.const 512))))))"#;

/// GHSA-gqmc-89g8-p25r (Wasmtime): stdio writes with no sink configured
/// were buffered without bound. With no stdio given to the builder, 1 GiB
/// written to stdout and stderr leaves the host's memory flat (sync and
/// tokio builders).
#[test]
fn ghsa_gqmc_89g8_p25r_stdio_without_a_sink_does_not_buffer() {
    let _serial = crate::serial();
    use wasmtime::{Config, Engine, Linker, Module, Store};
    let engine = Engine::new(&Config::new()).unwrap();
    let module = Module::new(&engine, FLOOD).unwrap();
    let (rss0, _, _) = memory_usage_kb().unwrap();
    {
        let mut linker: Linker<wasi_common_compat::WasiCtx> = Linker::new(&engine);
        wasi_common_compat_sync::add_to_linker(&mut linker, |cx| cx).unwrap();
        let ctx = wasi_common_compat_sync::WasiCtxBuilder::new().build().unwrap();
        let mut store = Store::new(&engine, ctx);
        let inst = linker.instantiate(&mut store, &module).unwrap();
        let start = inst.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
        start.call(&mut store, ()).unwrap();
    }
    {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut linker: Linker<wasi_common_compat::WasiCtx> = Linker::new(&engine);
        wasi_common_compat_tokio::add_to_linker(&mut linker, |cx| cx).unwrap();
        let ctx = wasi_common_compat_tokio::builder().build().unwrap();
        let mut store = Store::new(&engine, ctx);
        rt.block_on(async {
            let inst = linker.instantiate_async(&mut store, &module).await.unwrap();
            let start = inst.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
            start.call_async(&mut store, ()).await.unwrap();
        });
    }
    let (rss1, _, _) = memory_usage_kb().unwrap();
    println!("2 x 1 GiB to stdio with no sink: RSS {rss0} kB -> {rss1} kB");
    assert!(rss1 < rss0 + 64 * 1024, "RSS grew from {rss0} kB to {rss1} kB");
}

/// GHSA-hc7m-r6v8-hg9q (wasi-common): host calls formed Rust references
/// into shared memory, which other threads write concurrently (undefined
/// behaviour). Here every copy to and from shared memory is a raw copy
/// through a bounce buffer; this drives those paths (fd_write, fd_read,
/// random_get, args_get) while another thread keeps storing into the same
/// bytes, and checks the program runs to its end with the expected status.
#[test]
fn ghsa_hc7m_r6v8_hg9q_shared_memory_io_while_another_thread_writes() {
    let _serial = crate::serial();
    let wat = r#"(module
  (import "env" "memory" (memory 2 2 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $r (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $rand (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "wasi_thread_start") (param i32 i32) (local $k i32)
    (loop $l
      (i32.atomic.store (i32.and (i32.mul (local.get $k) (i32.const 4)) (i32.const 0xFFFC)) (local.get $k))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $l)))
  (func (export "_start") (local $k i32)
    (if (i32.le_s (call $spawn (i32.const 0)) (i32.const 0)) (then unreachable))
    (loop $l
      (i32.store (i32.const 65536) (i32.const 1024))
      (i32.store (i32.const 65540) (i32.const 4096))
      (if (call $w (i32.const 1) (i32.const 65536) (i32.const 1) (i32.const 65544)) (then (call $exit (i32.const 1))))
      (drop (call $r (i32.const 0) (i32.const 65536) (i32.const 1) (i32.const 65544)))
      (if (call $rand (i32.const 2048) (i32.const 8192)) (then (call $exit (i32.const 2))))
      (if (call $args (i32.const 4096) (i32.const 8192)) (then (call $exit (i32.const 3))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (i32.const 2000))))
    (call $exit (i32.const 42))))"#;
    let out = Run::wat(wat, Backend::Sync)
        .arg("prog")
        .arg("argument")
        .stdin(vec![7u8; 1 << 20])
        .threads()
        .exec()
        .unwrap();
    out.assert_exit(42);
    assert_eq!(out.stdout.len(), 2000 * 4096, "every write complete");
}
