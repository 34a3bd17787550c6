//! The tokio backend driven by wasm guests: many guests on one
//! current-thread runtime, cancellation, poll_oneoff errors per
//! subscription, sleeps.

use std::time::{Duration, Instant};
use wasi_common_compat::pipe::{ReadPipe, WritePipe};
use wasi_common_compat::{I32Exit, WasiCtx};
use wasmtime::{Config, Engine, Linker, Module, Store};

/// Reads fd 0 once (up to 64 bytes) and writes what it got to fd 1; a
/// failed read exits with the errno.
const ECHO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $err i32)
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 64))
    (local.set $err (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (if (local.get $err) (then (call $exit (local.get $err))))
    (i32.store (i32.const 4) (i32.load (i32.const 8)))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

/// One poll_oneoff over: a relative clock of $ns nanoseconds (userdata 1),
/// fd_read on fd 77, which is not open (userdata 2), and fd_read on fd 0
/// (userdata 3). Exported globals: `rc` (poll_oneoff's errno), `nevents`,
/// and `err2`, `type2` for the event whose userdata is 2 (or -1 if none).
const POLL: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $ns (export "ns") (mut i64) (i64.const 0))
  (global $rc (export "rc") (mut i32) (i32.const -1))
  (global $nevents (export "nevents") (mut i32) (i32.const -1))
  (global $err2 (export "err2") (mut i32) (i32.const -1))
  (global $type2 (export "type2") (mut i32) (i32.const -1))
  (func (export "_start")
    (local $i i32) (local $e i32)
    ;; subscription 0 at 0: clock
    (i64.store (i32.const 0) (i64.const 1))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))          ;; monotonic
    (i64.store (i32.const 24) (global.get $ns))
    (i64.store (i32.const 32) (i64.const 0))
    (i32.store16 (i32.const 40) (i32.const 0))
    ;; subscription 1 at 48: fd_read on 77
    (i64.store (i32.const 48) (i64.const 2))
    (i32.store8 (i32.const 56) (i32.const 1))
    (i32.store (i32.const 64) (i32.const 77))
    ;; subscription 2 at 96: fd_read on 0
    (i64.store (i32.const 96) (i64.const 3))
    (i32.store8 (i32.const 104) (i32.const 1))
    (i32.store (i32.const 112) (i32.const 0))
    (global.set $rc (call $poll (i32.const 0) (i32.const 256) (i32.const 3) (i32.const 1024)))
    (global.set $nevents (i32.load (i32.const 1024)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (global.get $nevents)))
        (local.set $e (i32.add (i32.const 256) (i32.mul (local.get $i) (i32.const 32))))
        (if (i64.eq (i64.load (local.get $e)) (i64.const 2)) (then
          (global.set $err2 (i32.load16_u (i32.add (local.get $e) (i32.const 8))))
          (global.set $type2 (i32.load8_u (i32.add (local.get $e) (i32.const 10))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))"#;

/// Sleeps $ns nanoseconds through a clock-only poll_oneoff.
const SLEEP: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $ns (export "ns") (mut i64) (i64.const 0))
  (func (export "_start")
    (i64.store (i32.const 0) (i64.const 9))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (global.get $ns))
    (drop (call $poll (i32.const 0) (i32.const 256) (i32.const 1) (i32.const 1024)))))"#;

fn engine() -> Engine {
    Engine::new(&Config::new()).unwrap()
}

fn linker(engine: &Engine) -> Linker<WasiCtx> {
    let mut l = Linker::new(engine);
    wasi_common_compat_tokio::add_to_linker(&mut l, |cx| cx).unwrap();
    l
}

async fn run_async(
    engine: &Engine,
    linker: &Linker<WasiCtx>,
    module: &Module,
    ctx: WasiCtx,
    globals: &[(&str, wasmtime::Val)],
) -> (i32, Store<WasiCtx>, wasmtime::Instance) {
    let mut store = Store::new(engine, ctx);
    let instance = linker.instantiate_async(&mut store, module).await.unwrap();
    for (name, v) in globals {
        instance
            .get_global(&mut store, name)
            .unwrap()
            .set(&mut store, *v)
            .unwrap();
    }
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
    let status = match start.call_async(&mut store, ()).await {
        Ok(()) => 0,
        Err(e) => e
            .downcast_ref::<I32Exit>()
            .map(|x| x.0)
            .unwrap_or_else(|| panic!("trap: {e:?}")),
    };
    (status, store, instance)
}

fn global_i32(store: &mut Store<WasiCtx>, i: &wasmtime::Instance, name: &str) -> i32 {
    i.get_global(&mut *store, name).unwrap().get(&mut *store).i32().unwrap()
}

#[test]
fn hundred_guests_on_one_current_thread_runtime() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let engine = engine();
        let linker = linker(&engine);
        let module = Module::new(&engine, ECHO).unwrap();
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let mut blocked = Vec::new();
                let mut feeders = Vec::new();
                let mut quick = Vec::new();
                for i in 0..100 {
                    let out = WritePipe::new_in_memory();
                    let stdin = if i % 2 == 0 {
                        let (pipe, feeder) = ReadPipe::channel(64);
                        feeders.push(feeder);
                        pipe
                    } else {
                        ReadPipe::from(format!("quick {i}"))
                    };
                    let ctx = wasi_common_compat_tokio::builder()
                        .stdin(Box::new(stdin))
                        .stdout(Box::new(out.clone()))
                        .build()
                        .unwrap();
                    let (e, l, m) = (engine.clone(), linker.clone(), module.clone());
                    let task = tokio::task::spawn_local(async move { run_async(&e, &l, &m, ctx, &[]).await.0 });
                    if i % 2 == 0 {
                        blocked.push((task, out))
                    } else {
                        quick.push((task, out, i))
                    }
                }
                // The 50 guests with data finish while the other 50 wait on
                // their pipes, all on this one thread.
                for (task, out, i) in quick {
                    assert_eq!(task.await.unwrap(), 0);
                    assert_eq!(out.contents(), format!("quick {i}").as_bytes());
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
                assert!(
                    blocked.iter().all(|(t, _)| !t.is_finished()),
                    "guests without input must still wait"
                );
                for (k, f) in feeders.iter().enumerate() {
                    f.write_all_async(format!("fed {k}").as_bytes()).await.unwrap();
                }
                for (k, (task, out)) in blocked.into_iter().enumerate() {
                    assert_eq!(task.await.unwrap(), 0);
                    assert_eq!(out.contents(), format!("fed {k}").as_bytes());
                }
            })
            .await;
    });
}

#[test]
fn works_on_a_multi_thread_runtime() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let engine = engine();
        let linker = linker(&engine);
        let module = Module::new(&engine, ECHO).unwrap();
        let (pipe, feeder) = ReadPipe::channel(64);
        let out = WritePipe::new_in_memory();
        let ctx = wasi_common_compat_tokio::builder()
            .stdin(Box::new(pipe))
            .stdout(Box::new(out.clone()))
            .build()
            .unwrap();
        let guest = tokio::spawn(async move { run_async(&engine, &linker, &module, ctx, &[]).await.0 });
        tokio::time::sleep(Duration::from_millis(10)).await;
        feeder.write_all_async(b"multi").await.unwrap();
        assert_eq!(guest.await.unwrap(), 0);
        assert_eq!(out.contents(), b"multi");
    });
}

#[test]
fn dropping_a_running_call_leaves_the_context_usable() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let engine = engine();
        let linker = linker(&engine);
        let module = Module::new(&engine, ECHO).unwrap();
        let (pipe, feeder) = ReadPipe::channel(64);
        let out = WritePipe::new_in_memory();
        let ctx = wasi_common_compat_tokio::builder()
            .stdin(Box::new(pipe))
            .stdout(Box::new(out.clone()))
            .build()
            .unwrap();
        // The first guest blocks in fd_read; its call is dropped mid-wait.
        let first = tokio::time::timeout(
            Duration::from_millis(20),
            run_async(&engine, &linker, &module, ctx.clone(), &[]),
        )
        .await;
        assert!(first.is_err(), "the call was still waiting and got cancelled");
        // The same program state serves a new instance: the pipe still
        // delivers, the fd table is intact.
        assert_eq!(ctx.table().len(), 3);
        feeder.write_all_async(b"after cancel").await.unwrap();
        let (status, _, _) = run_async(&engine, &linker, &module, ctx.clone(), &[]).await;
        assert_eq!(status, 0);
        assert_eq!(out.contents(), b"after cancel");
    });
}

#[test]
fn a_bad_fd_fails_the_poll_at_once_among_good_subscriptions() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let engine = engine();
        let linker = linker(&engine);
        let module = Module::new(&engine, POLL).unwrap();
        let (pipe, _feeder) = ReadPipe::channel(8);
        let ctx = wasi_common_compat_tokio::builder()
            .stdin(Box::new(pipe))
            .build()
            .unwrap();
        let (status, mut store, inst) = run_async(
            &engine,
            &linker,
            &module,
            ctx,
            &[("ns", wasmtime::Val::I64(5_000_000_000))],
        )
        .await;
        assert_eq!(status, 0);
        // The bad fd fails the whole call at once with EBADF (as on
        // Wasmtime's hosts), without waiting for the 5 s clock or the pipe;
        // no event is written.
        assert_eq!(
            global_i32(&mut store, &inst, "rc"),
            wasi_common_compat::Errno::Badf as i32
        );
        assert_eq!(global_i32(&mut store, &inst, "nevents"), 0);
        assert_eq!(global_i32(&mut store, &inst, "err2"), -1);
    });
}

#[test]
fn sleeps_never_wake_early() {
    // Accuracy is measured by the benchmark (poll_clock), not asserted here;
    // what the spec requires is that the clock has passed the deadline.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let engine = engine();
        let linker = linker(&engine);
        let module = Module::new(&engine, SLEEP).unwrap();
        for ns in [1, 1_000, 250_000, 2_000_000] {
            let t = Instant::now();
            let ctx = wasi_common_compat_tokio::builder().build().unwrap();
            let (status, _, _) = run_async(&engine, &linker, &module, ctx, &[("ns", wasmtime::Val::I64(ns))]).await;
            assert_eq!(status, 0);
            assert!(t.elapsed() >= Duration::from_nanos(ns as u64), "woke before {ns} ns");
        }
    });
}

/// wasmtime-wasi's own preview2 streams (which need tokio) as stdio of an
/// async store, through the p1-to-p2 bridge, on both runtime flavours: the
/// guest waits in `fd_read` for bytes a task on the same runtime writes
/// later (on a current-thread runtime that task can only run if the wait
/// yields), and its output lands in a `MemoryOutputPipe`. No nested-runtime
/// panic, no blocked executor.
#[test]
fn wasmtime_wasi_streams_as_stdio_on_both_runtime_flavours() {
    use tokio::io::AsyncWriteExt;
    use wasi_common_compat_p1_to_p2::{InputStreamFile, OutputStreamFile};
    use wasmtime_wasi::p2::pipe::{AsyncReadStream, MemoryOutputPipe};

    let engine = engine();
    let module = Module::new(&engine, ECHO).unwrap();
    let linker = linker(&engine);
    let flavours = [
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    ];
    for rt in flavours {
        let (status, out) = rt.block_on(async {
            let (mut writer, reader) = tokio::io::duplex(64);
            let stdout = MemoryOutputPipe::new(1 << 16);
            let ctx = wasi_common_compat_tokio::builder()
                .stdin(Box::new(InputStreamFile::new(Box::new(AsyncReadStream::new(reader)))))
                .stdout(Box::new(OutputStreamFile::new(Box::new(stdout.clone()))))
                .build()
                .unwrap();
            let late = tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(30)).await;
                writer.write_all(b"late bytes").await.unwrap();
                writer.flush().await.unwrap();
                // Keep the stream open until the guest is done reading.
                tokio::time::sleep(Duration::from_millis(200)).await;
            });
            let (status, _, _) = run_async(&engine, &linker, &module, ctx, &[]).await;
            late.await.unwrap();
            (status, stdout.contents())
        });
        assert_eq!(status, 0);
        assert_eq!(&out[..], b"late bytes");
    }
}
