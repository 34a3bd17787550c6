//! The bridge driven by real wasm guests: purpose-built streams for spurious
//! wakeups, failures and closes; a 1 GiB push through a 64 KiB buffer; early
//! close by the guest; backpressure both ways. (The 1 GiB push, which
//! measures this process's memory, has a test binary of its own.)

use bytes::Bytes;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
mod common;

use common::{CAT, PRODUCE, run, set_global};
use wasi_common_compat::{WasiCtx, WasiFile};
use wasi_common_compat_p1_to_p2::push::{PushError, push_source, sink};
use wasi_common_compat_p1_to_p2::{FileInputStream, FileOutputStream, InputStreamFile, OutputStreamFile};
use wasmtime_wasi_io::async_trait;
use wasmtime_wasi_io::poll::Pollable;
use wasmtime_wasi_io::streams::{InputStream, OutputStream, StreamError, StreamResult};

/// A producer that wakes its reader `spurious` times with nothing to read
/// (each after a real sleep, like a slow source), then delivers `data`, then
/// closes.
struct SlowProducer {
    spurious: usize,
    reads: Arc<AtomicUsize>,
    data: Option<Bytes>,
}

#[async_trait]
impl Pollable for SlowProducer {
    async fn ready(&mut self) {
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

impl InputStream for SlowProducer {
    fn read(&mut self, _size: usize) -> StreamResult<Bytes> {
        let n = self.reads.fetch_add(1, Ordering::SeqCst);
        if n < self.spurious {
            return Ok(Bytes::new());
        }
        self.data.take().ok_or(StreamError::Closed)
    }
}

#[test]
fn spurious_wakeups_still_deliver() {
    let reads = Arc::new(AtomicUsize::new(0));
    let stdin = SlowProducer {
        spurious: 100,
        reads: reads.clone(),
        data: Some(Bytes::from_static(b"finally")),
    };
    let out = wasi_common_compat::pipe::WritePipe::new_in_memory();
    let ctx = WasiCtx::builder()
        .stdin(Box::new(InputStreamFile::new(Box::new(stdin))))
        .stdout(Box::new(out.clone()))
        .build()
        .unwrap();
    let r = run(CAT, ctx, |_, _| {});
    assert_eq!(r.status, 0);
    assert_eq!(out.contents(), b"finally");
    assert!(
        reads.load(Ordering::SeqCst) >= 101,
        "every spurious wakeup is one more read"
    );
}

/// A stream whose `ready()` always resolves at once but which has nothing
/// for a while: the bridge must back off rather than spin, and still deliver.
struct HotSpinner {
    empties: usize,
    data: Option<Bytes>,
}

#[async_trait]
impl Pollable for HotSpinner {
    async fn ready(&mut self) {}
}

impl InputStream for HotSpinner {
    fn read(&mut self, _size: usize) -> StreamResult<Bytes> {
        if self.empties > 0 {
            self.empties -= 1;
            return Ok(Bytes::new());
        }
        self.data.take().ok_or(StreamError::Closed)
    }
}

#[test]
fn immediately_ready_but_empty_stream_is_not_fatal() {
    let out = wasi_common_compat::pipe::WritePipe::new_in_memory();
    let ctx = WasiCtx::builder()
        .stdin(Box::new(InputStreamFile::new(Box::new(HotSpinner {
            empties: 40,
            data: Some(Bytes::from_static(b"ok")),
        }))))
        .stdout(Box::new(out.clone()))
        .build()
        .unwrap();
    assert_eq!(run(CAT, ctx, |_, _| {}).status, 0);
    assert_eq!(out.contents(), b"ok");
}

/// Delivers `first`, then fails.
struct FailsMidway {
    first: Option<Bytes>,
}

#[async_trait]
impl Pollable for FailsMidway {
    async fn ready(&mut self) {}
}

impl InputStream for FailsMidway {
    fn read(&mut self, _size: usize) -> StreamResult<Bytes> {
        match self.first.take() {
            Some(b) => Ok(b),
            None => Err(StreamError::LastOperationFailed(wasmtime::format_err!("disk on fire"))),
        }
    }
}

#[test]
fn stream_failing_midway_is_eio_and_host_lives() {
    let out = wasi_common_compat::pipe::WritePipe::new_in_memory();
    let ctx = WasiCtx::builder()
        .stdin(Box::new(InputStreamFile::new(Box::new(FailsMidway {
            first: Some(Bytes::from_static(b"abc")),
        }))))
        .stdout(Box::new(out.clone()))
        .build()
        .unwrap();
    let r = run(CAT, ctx, |_, _| {});
    assert_eq!(r.status, 100 + wasi_common_compat::Errno::Io as i32);
    assert_eq!(out.contents(), b"abc");
}

#[test]
fn poll_nbytes_reads_ahead_and_keeps_bytes_and_errors_for_fd_read() {
    use std::io::IoSliceMut;
    let f = InputStreamFile::new(Box::new(FailsMidway {
        first: Some(Bytes::from_static(b"abc")),
    }));
    assert_eq!(f.num_ready_bytes().unwrap(), 3, "exact count, read ahead");
    assert_eq!(f.num_ready_bytes().unwrap(), 3, "asking again reads nothing more");
    let mut two = [0u8; 2];
    assert_eq!(f.read_vectored(&mut [IoSliceMut::new(&mut two)]).unwrap(), 2);
    assert_eq!(&two, b"ab");
    assert_eq!(f.num_ready_bytes().unwrap(), 1, "the rest stays kept");
    let mut more = [0u8; 8];
    assert_eq!(f.read_vectored(&mut [IoSliceMut::new(&mut more)]).unwrap(), 1);
    assert_eq!(more[0], b'c');
    // The failure found by a read-ahead is reported by the next read.
    assert_eq!(f.num_ready_bytes().unwrap(), 0);
    let e = f.read_vectored(&mut [IoSliceMut::new(&mut more)]).unwrap_err();
    assert_eq!(e.as_errno(), Some(wasi_common_compat::Errno::Io));
}

/// An output stream that is closed.
struct ClosedOutput;

#[async_trait]
impl Pollable for ClosedOutput {
    async fn ready(&mut self) {}
}

impl OutputStream for ClosedOutput {
    fn write(&mut self, _bytes: Bytes) -> StreamResult<()> {
        Err(StreamError::Closed)
    }
    fn flush(&mut self) -> StreamResult<()> {
        Err(StreamError::Closed)
    }
    fn check_write(&mut self) -> StreamResult<usize> {
        Err(StreamError::Closed)
    }
}

#[test]
fn closed_streams_are_eof_and_epipe() {
    // Input: end of file at once.
    let ctx = WasiCtx::builder()
        .stdin(Box::new(InputStreamFile::new(Box::new(HotSpinner {
            empties: 0,
            data: None,
        }))))
        .build()
        .unwrap();
    let r = run(CAT, ctx, |_, _| {});
    assert_eq!((r.status, r.total), (0, 0));
    // Output: EPIPE on the first write.
    let ctx = WasiCtx::builder()
        .stdout(Box::new(OutputStreamFile::new(Box::new(ClosedOutput))))
        .build()
        .unwrap();
    let r = run(PRODUCE, ctx, |s, i| set_global(s, i, "size", wasmtime::Val::I64(10)));
    assert_eq!(r.status, 200 + wasi_common_compat::Errno::Pipe as i32);
}

#[test]
fn guest_closing_early_is_seen_by_host() {
    let (stdin, pusher) = push_source(4096);
    let ctx = WasiCtx::builder().stdin(Box::new(stdin)).build().unwrap();
    let producer = std::thread::spawn(move || {
        let chunk = [1u8; 1000];
        let mut sent = 0usize;
        loop {
            match pusher.push_blocking(chunk) {
                Ok(()) => sent += chunk.len(),
                Err(PushError::GuestClosed) => return (sent, pusher.guest_closed()),
            }
            assert!(
                sent < 100 << 20,
                "the host never learned that the guest stopped reading"
            );
        }
    });
    let r = run(CAT, ctx, |s, i| {
        set_global(s, i, "count_only", wasmtime::Val::I32(1));
        set_global(s, i, "close_after", wasmtime::Val::I64(10_000));
    });
    assert_eq!(r.status, 0);
    assert!(r.total >= 10_000);
    let (sent, closed) = producer.join().unwrap();
    assert!(closed);
    // Everything pushed was either read or is still in the 4 KiB buffer.
    assert!(
        sent as i64 <= r.total + 4096,
        "sent {sent}: more than read ({}) plus one buffer",
        r.total
    );
}

#[test]
fn slow_guest_backpressures_the_host() {
    let (stdin, pusher) = push_source(1024);
    // Nothing reads yet: the buffer takes its capacity and no more.
    assert_eq!(pusher.try_push([0u8; 4096]).unwrap(), 1024);
    assert_eq!(pusher.try_push([0u8; 10]).unwrap(), 0);
    let ctx = WasiCtx::builder().stdin(Box::new(stdin)).build().unwrap();
    let producer = std::thread::spawn(move || {
        for _ in 0..1024 {
            pusher.push_blocking([0u8; 1024]).unwrap();
        }
    });
    let r = run(CAT, ctx, |s, i| set_global(s, i, "count_only", wasmtime::Val::I32(1)));
    producer.join().unwrap();
    assert_eq!((r.status, r.total), (0, 1024 + 1024 * 1024));
}

#[test]
fn sink_receives_every_byte_with_backpressure_on_the_guest() {
    const SIZE: usize = 10 << 20;
    let (stdout, sink) = sink(4096);
    let ctx = WasiCtx::builder().stdout(Box::new(stdout)).build().unwrap();
    let receiver = std::thread::spawn(move || {
        let mut got = 0usize;
        let mut largest = 0usize;
        while let Some(chunk) = sink.recv_blocking() {
            got += chunk.len();
            largest = largest.max(chunk.len());
        }
        (got, largest)
    });
    let r = run(PRODUCE, ctx, |s, i| {
        set_global(s, i, "size", wasmtime::Val::I64(SIZE as i64))
    });
    assert_eq!(r.status, 0);
    let (got, largest) = receiver.join().unwrap();
    assert_eq!(got, SIZE);
    assert!(largest <= 4096, "at most the buffer's capacity waits at a time");
}

#[test]
fn dropped_sink_gives_epipe() {
    let (stdout, sink) = sink(4096);
    drop(sink);
    let ctx = WasiCtx::builder().stdout(Box::new(stdout)).build().unwrap();
    let r = run(PRODUCE, ctx, |s, i| set_global(s, i, "size", wasmtime::Val::I64(100)));
    assert_eq!(r.status, 200 + wasi_common_compat::Errno::Pipe as i32);
}

#[test]
fn wasmtime_wasi_streams_work_in_a_sync_embedding() {
    // `AsyncReadStream` spawns a tokio task, so it is created in a runtime
    // context; the guest then runs on this (non-tokio) thread.
    let data: &'static [u8] = b"through tokio";
    let stream =
        wasmtime_wasi::runtime::with_ambient_tokio_runtime(|| wasmtime_wasi::p2::pipe::AsyncReadStream::new(data));
    let stdout = wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(1 << 16);
    let ctx = wasi_common_compat_sync::WasiCtxBuilder::new()
        .stdin(Box::new(InputStreamFile::new(Box::new(stream))))
        .stdout(Box::new(OutputStreamFile::new(Box::new(stdout.clone()))))
        .build()
        .unwrap();
    assert_eq!(run(CAT, ctx, |_, _| {}).status, 0);
    assert_eq!(&stdout.contents()[..], data);
}

#[test]
fn p1_files_serve_preview2_consumers() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // A channel pipe: the reader waits until the host writes.
        let (pipe, writer) = wasi_common_compat::pipe::ReadPipe::channel(16);
        let mut input = FileInputStream::new(Arc::new(pipe));
        let feeder = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            writer.write_all_async(b"hello p2").await.unwrap();
        });
        let got = input.blocking_read(64).await.unwrap();
        assert_eq!(&got[..], b"hello p2");
        feeder.await.unwrap();
        assert!(matches!(input.blocking_read(64).await, Err(StreamError::Closed)));

        // Output through the check_write protocol into a bounded pipe.
        let (pipe, reader) = wasi_common_compat::pipe::WritePipe::channel(8);
        let file: Arc<dyn WasiFile> = Arc::new(pipe);
        let mut output = FileOutputStream::new(file);
        let drain = tokio::spawn(async move {
            let mut all = Vec::new();
            let mut buf = [0u8; 4];
            loop {
                let n = reader.read_async(&mut buf).await;
                if n == 0 {
                    break all;
                }
                all.extend_from_slice(&buf[..n]);
            }
        });
        output
            .blocking_write_and_flush(Bytes::from_static(b"0123456789abcdef"))
            .await
            .unwrap();
        drop(output);
        assert_eq!(drain.await.unwrap(), b"0123456789abcdef");
    });
}
