//! The glue's own tests, through the real ABI on wasmi (the guest suite of
//! the workspace runs every guest program on this glue too, from the
//! `wasi-common-compat-tests` crate, which may depend on Wasmtime).

use super::*;
use wasi_common_compat::pipe::{ReadPipe, WritePipe};
use wasi_common_compat::{Errno, I32Exit};
use wasmi::{Engine, Instance, Module, Store};

const EINVAL: i32 = Errno::Inval as i32;
const EFAULT: i32 = Errno::Fault as i32;
const EBADF: i32 = Errno::Badf as i32;

struct Guest {
    store: Store<WasiCtx>,
    instance: Instance,
}

impl Guest {
    fn new(wat: &str, ctx: WasiCtx) -> Guest {
        let engine = Engine::default();
        let module = Module::new(&engine, wat).unwrap();
        let mut linker = Linker::new(&engine);
        add_to_linker(&mut linker, |cx: &mut WasiCtx| cx).unwrap();
        let mut store = Store::new(&engine, ctx);
        let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
        Guest { store, instance }
    }

    fn call(&mut self, name: &str, args: (i32, i32)) -> Result<i32, wasmi::Error> {
        let f = self
            .instance
            .get_typed_func::<(i32, i32), i32>(&self.store, name)
            .unwrap();
        f.call(&mut self.store, args)
    }

    fn write(&mut self, at: usize, bytes: &[u8]) {
        let m = self.instance.get_memory(&self.store, "memory").unwrap();
        m.write(&mut self.store, at, bytes).unwrap();
    }

    fn read(&self, at: usize, len: usize) -> Vec<u8> {
        let m = self.instance.get_memory(&self.store, "memory").unwrap();
        let mut buf = vec![0; len];
        m.read(&self.store, at, &mut buf).unwrap();
        buf
    }

    fn u32_at(&self, at: usize) -> u32 {
        let b = self.read(at, 4);
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
}

/// A module with one page of memory whose export `write(iovs, n)` is
/// `fd_write(1, iovs, n, 1000)` and `read(iovs, n)` is `fd_read(0, iovs, n, 1000)`,
/// in module `module`, plus `write_out`, `seek`, `grow`, `yield` and `exit`.
fn io_module(module: &str) -> String {
    format!(
        r#"(module
          (import "{module}" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
          (import "{module}" "fd_read" (func $r (param i32 i32 i32 i32) (result i32)))
          (import "{module}" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
          (import "{module}" "proc_exit" (func $exit (param i32)))
          (import "{module}" "sched_yield" (func $yield (result i32)))
          (memory (export "memory") 1)
          (func (export "write") (param i32 i32) (result i32)
            (call $w (i32.const 1) (local.get 0) (local.get 1) (i32.const 1000)))
          (func (export "write_out") (param i32 i32) (result i32)
            (call $w (i32.const 1) (local.get 0) (i32.const 1) (local.get 1)))
          (func (export "read") (param i32 i32) (result i32)
            (call $r (i32.const 0) (local.get 0) (local.get 1) (i32.const 1000)))
          (func (export "seek") (param i32 i32) (result i32)
            (call $seek (local.get 0) (i64.const 0) (local.get 1) (i32.const 1000)))
          (func (export "grow") (param i32 i32) (result i32)
            (memory.grow (local.get 0)))
          (func (export "yield") (param i32 i32) (result i32) (call $yield))
          (func (export "exit") (param i32 i32) (result i32)
            (call $exit (local.get 0)) (i32.const -1)))"#
    )
}

fn ctx_with_stdio(stdin: &[u8]) -> (WasiCtx, WritePipe) {
    let out = WritePipe::new_in_memory();
    let ctx = WasiCtx::builder()
        .stdin(Box::new(ReadPipe::from_bytes(stdin.to_vec())))
        .stdout(Box::new(out.clone()))
        .build()
        .unwrap();
    (ctx, out)
}

/// Puts an iovec `(buf, len)` at `at`.
fn iovec(g: &mut Guest, at: usize, buf: u32, len: u32) {
    let mut b = buf.to_le_bytes().to_vec();
    b.extend_from_slice(&len.to_le_bytes());
    g.write(at, &b);
}

/// The names of a witx file's functions.
fn witx_names(path: &str) -> Vec<String> {
    let text = std::fs::read_to_string(format!(
        "{}/../wasi-common-compat/witx/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut names: Vec<String> = text
        .split("(@interface func (export \"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_witx_function_is_defined() {
    let engine = Engine::default();
    let mut linker = Linker::<WasiCtx>::new(&engine);
    let [p1, p0] = defined_functions(&mut linker, |cx| cx).unwrap();
    let sorted = |l: &[&str]| {
        let mut v: Vec<String> = l.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    };
    let want1 = witx_names("preview1/wasi_snapshot_preview1.witx");
    let want0 = witx_names("preview0/wasi_unstable.witx");
    assert_eq!(want1.len(), 46);
    assert_eq!(want0.len(), 45);
    assert_eq!(sorted(p1), want1);
    assert_eq!(sorted(p0), want0);
}

#[test]
fn defining_twice_is_an_error_unless_shadowing() {
    let engine = Engine::default();
    let mut linker = Linker::<WasiCtx>::new(&engine);
    add_to_linker(&mut linker, |cx| cx).unwrap();
    assert!(add_to_linker(&mut linker, |cx| cx).is_err());
    linker.allow_shadowing(true);
    add_to_linker(&mut linker, |cx| cx).unwrap();
}

#[test]
fn write_and_read_in_place_on_both_snapshots() {
    for module in ["wasi_snapshot_preview1", "wasi_unstable"] {
        let (ctx, out) = ctx_with_stdio(b"input bytes");
        let mut g = Guest::new(&io_module(module), ctx);
        g.write(100, b"hello, ");
        g.write(200, b"world");
        iovec(&mut g, 0, 100, 7);
        iovec(&mut g, 8, 200, 5);
        assert_eq!(g.call("write", (0, 2)).unwrap(), 0, "{module}");
        assert_eq!(g.u32_at(1000), 12);
        assert_eq!(out.contents(), b"hello, world");
        // Two disjoint buffers, filled in order.
        iovec(&mut g, 0, 300, 5);
        iovec(&mut g, 8, 400, 64);
        assert_eq!(g.call("read", (0, 2)).unwrap(), 0);
        assert_eq!(g.u32_at(1000), 11);
        assert_eq!(g.read(300, 5), b"input");
        assert_eq!(g.read(400, 7), b" bytes\0");
    }
}

#[test]
fn bounds_are_the_memory_length() {
    let (ctx, out) = ctx_with_stdio(b"");
    let mut g = Guest::new(&io_module("wasi_snapshot_preview1"), ctx);
    // A buffer ending exactly at the end of the page is fine...
    g.write(65_535, b"!");
    iovec(&mut g, 0, 65_535, 1);
    assert_eq!(g.call("write", (0, 1)).unwrap(), 0);
    assert_eq!(out.contents(), b"!");
    // ...one byte further is EFAULT, and nothing is written.
    iovec(&mut g, 0, 65_535, 2);
    assert_eq!(g.call("write", (0, 1)).unwrap(), EFAULT);
    // So is an iovec array past the end.
    assert_eq!(g.call("write", (65_532, 1)).unwrap(), EFAULT);
    assert_eq!(out.contents(), b"!");
    // After memory.grow the cached handle sees the new length.
    assert_eq!(g.call("grow", (1, 0)).unwrap(), 1);
    g.write(70_000, b"grown");
    iovec(&mut g, 0, 70_000, 5);
    assert_eq!(g.call("write", (0, 1)).unwrap(), 0);
    assert_eq!(out.contents(), b"!grown");
}

#[test]
fn a_result_pointer_outside_memory_traps() {
    let (ctx, out) = ctx_with_stdio(b"");
    let mut g = Guest::new(&io_module("wasi_snapshot_preview1"), ctx);
    g.write(100, b"x");
    iovec(&mut g, 0, 100, 1);
    let err = g.call("write_out", (0, 65_536)).unwrap_err();
    assert_eq!(exit_status(&err), None);
    assert!(err.downcast_ref::<Trap>().is_some(), "{err:?}");
    // The write took effect: the guest just cannot be told.
    assert_eq!(out.contents(), b"x");
}

#[test]
fn unknown_whence_is_einval_and_bad_fd_is_ebadf() {
    let (ctx, _out) = ctx_with_stdio(b"");
    let mut g = Guest::new(&io_module("wasi_snapshot_preview1"), ctx);
    assert_eq!(g.call("seek", (1, 7)).unwrap(), EINVAL);
    assert_eq!(g.call("seek", (99, 0)).unwrap(), EBADF);
}

#[test]
fn proc_exit_ends_the_call_with_its_status() {
    let (ctx, _out) = ctx_with_stdio(b"");
    let exit_handle = ctx.clone();
    let mut g = Guest::new(&io_module("wasi_snapshot_preview1"), ctx);
    let err = g.call("exit", (42, 0)).unwrap_err();
    assert_eq!(exit_status(&err), Some(42), "{err:?}");
    assert!(err.downcast_ref::<Trap>().is_none());
    assert_eq!(exit_handle.exit_status(), Some(42));
    // Later WASI calls of the ended program that check for an exit (those
    // that may wait) end the same way.
    let err = g.call("yield", (0, 0)).unwrap_err();
    assert_eq!(exit_status(&err), Some(42));
}

#[test]
fn an_exit_requested_by_the_host_ends_the_next_waiting_call() {
    let (ctx, _out) = ctx_with_stdio(b"");
    let mut g = Guest::new(&io_module("wasi_unstable"), ctx.clone());
    assert_eq!(g.call("yield", (0, 0)).unwrap(), 0);
    ctx.request_exit(3);
    assert_eq!(exit_status(&g.call("yield", (0, 0)).unwrap_err()), Some(3));
}

#[test]
fn a_module_without_memory_gets_efault() {
    let (ctx, _out) = ctx_with_stdio(b"");
    let mut g = Guest::new(
        r#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))
          (func (export "write") (param i32 i32) (result i32)
            (call $w (i32.const 1) (local.get 0) (local.get 1) (i32.const 0)))
          (func (export "yield") (param i32 i32) (result i32) (call $y)))"#,
        ctx,
    );
    assert_eq!(g.call("write", (0, 1)).unwrap(), EFAULT);
    assert_eq!(g.call("yield", (0, 0)).unwrap(), 0);
}

#[test]
fn trap_keeps_the_core_error() {
    let t = Trap(wiggle::error::Error::new(I32Exit(1)));
    assert!(t.error().downcast_ref::<I32Exit>().is_some());
    assert!(t.to_string().starts_with("WASI call failed"));
}

/// The message is the error's context chain, one line, without the
/// backtrace the core error may carry (`RUST_BACKTRACE=1`): formatting a
/// trap must not resolve symbols (slow, and ~180 MB resident once).
#[test]
fn trap_message_is_the_chain_without_a_backtrace() {
    let e = wiggle::error::Error::msg("inner").context("outer");
    let t = Trap(e);
    assert_eq!(t.to_string(), "WASI call failed: outer: inner");
}
