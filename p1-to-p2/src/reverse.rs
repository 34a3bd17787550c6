//! The reverse direction, for migration: a preview1 [`WasiFile`] consumed as
//! a preview2 [`InputStream`] / [`OutputStream`] (each is also a
//! [`Pollable`]), so preview2 code can read and write preview1-world files.

#![allow(
    unsafe_code,
    reason = "registering a duplicate descriptor with tokio's reactor is an unsafe call (its SAFETY note says why it holds)"
)]

use crate::errors::stream_error;
use bytes::{Bytes, BytesMut};
use std::io::{IoSlice, IoSliceMut};
use std::sync::Arc;
use wasi_common_compat::memory::CHUNK;
use wasi_common_compat::{Interest, WasiFile};
use wasmtime_wasi_io::async_trait;
use wasmtime_wasi_io::poll::Pollable;
use wasmtime_wasi_io::streams::{InputStream, OutputStream, StreamError, StreamResult};

/// Waits until `file` is ready for `interest`: in-process sources through
/// their wakers, OS descriptors through the current tokio runtime's reactor
/// (on a duplicate of the descriptor, so registrations never clash), and
/// anything else at once.
async fn wait_ready(file: &dyn WasiFile, interest: Interest) {
    match file.pollable() {
        wasi_common_compat::Pollable::Always => {}
        wasi_common_compat::Pollable::Source(src) => {
            std::future::poll_fn(|cx| src.poll_ready(interest, cx)).await;
        }
        wasi_common_compat::Pollable::Fd(fd) => {
            let Ok(dup) = rustix::io::fcntl_dupfd_cloexec(fd, 0) else {
                return;
            };
            let tokio_interest = if interest.contains(Interest::WRITE) {
                tokio::io::Interest::WRITABLE
            } else {
                tokio::io::Interest::READABLE
            };
            // The reactor of the current runtime, or the crate's own.
            let rt = tokio::runtime::Handle::try_current()
                .ok()
                .or_else(crate::ambient_runtime);
            let Some(rt) = rt else { return };
            let registered = {
                let _enter = rt.enter();
                // SAFETY: `dup` is an `OwnedFd` moved into the `AsyncFd`, so
                // it stays open and names the same description for the
                // `AsyncFd`'s whole life.
                unsafe { tokio::io::unix::AsyncFd::register_with_interest(dup, tokio_interest) }
            };
            // Registration fails for descriptors epoll cannot watch (regular
            // files), which are always ready anyway.
            if let Ok(afd) = registered {
                let _ = afd.ready(tokio_interest).await;
            }
        }
    }
}

/// A p1 file read as a p2 [`InputStream`]. Reads are at most
/// [`CHUNK`](wasi_common_compat::memory::CHUNK) bytes; `EAGAIN` is "nothing
/// yet" (empty bytes), end of file is `Closed`, other errnos are
/// `LastOperationFailed`. `ready()` needs a tokio runtime for OS descriptors.
///
/// ```
/// use std::sync::Arc;
/// use wasi_common_compat::pipe::ReadPipe;
/// use wasi_common_compat_p1_to_p2::FileInputStream;
/// use wasmtime_wasi_io::streams::InputStream;
/// let mut s = FileInputStream::new(Arc::new(ReadPipe::from("data")));
/// assert_eq!(&s.read(16).unwrap()[..], b"data");
/// assert!(s.read(16).is_err()); // closed: end of file
/// ```
pub struct FileInputStream {
    file: Arc<dyn WasiFile>,
}

impl FileInputStream {
    /// Wraps `file`.
    pub fn new(file: Arc<dyn WasiFile>) -> Self {
        FileInputStream { file }
    }
}

#[async_trait]
impl Pollable for FileInputStream {
    async fn ready(&mut self) {
        wait_ready(&*self.file, Interest::READ).await
    }
}

#[async_trait]
impl InputStream for FileInputStream {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        let n = size.min(CHUNK);
        if n == 0 {
            return Ok(Bytes::new());
        }
        let mut buf = BytesMut::zeroed(n);
        match self.file.read_vectored(&mut [IoSliceMut::new(&mut buf)]) {
            Ok(0) => Err(StreamError::Closed),
            Ok(k) => {
                buf.truncate(k as usize);
                Ok(buf.freeze())
            }
            Err(e) if e.is_again() => Ok(Bytes::new()),
            Err(e) => Err(stream_error(e)),
        }
    }
}

/// A p1 file written as a p2 [`OutputStream`]. Bytes accepted by `write`
/// are handed to the file at once where it takes them; the rest waits in a
/// buffer of at most one permit ([`CHUNK`](wasi_common_compat::memory::CHUNK)
/// bytes) and `check_write` reports 0 until it drains. `flush` drains the
/// buffer and then syncs the file. A file error is reported by the next
/// `check_write` or `flush`; `EPIPE` is `Closed`.
pub struct FileOutputStream {
    file: Arc<dyn WasiFile>,
    pending: Bytes,
    flush_requested: bool,
    error: Option<StreamError>,
}

impl FileOutputStream {
    /// Wraps `file`.
    pub fn new(file: Arc<dyn WasiFile>) -> Self {
        FileOutputStream {
            file,
            pending: Bytes::new(),
            flush_requested: false,
            error: None,
        }
    }

    /// Writes as much of the pending bytes as the file takes now.
    fn drain(&mut self) {
        while !self.pending.is_empty() && self.error.is_none() {
            match self.file.write_vectored(&[IoSlice::new(&self.pending)]) {
                Ok(0) => break,
                Ok(n) => {
                    let _ = self.pending.split_to((n as usize).min(self.pending.len()));
                }
                Err(e) if e.is_again() => break,
                Err(e) => self.error = Some(stream_error(e)),
            }
        }
    }

    fn take_error(&mut self) -> StreamResult<()> {
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[async_trait]
impl Pollable for FileOutputStream {
    async fn ready(&mut self) {
        if !self.pending.is_empty() || self.flush_requested {
            wait_ready(&*self.file, Interest::WRITE).await
        }
    }
}

#[async_trait]
impl OutputStream for FileOutputStream {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.take_error()?;
        if !self.pending.is_empty() || bytes.len() > CHUNK {
            return Err(StreamError::trap("write exceeds the permit of check_write"));
        }
        self.pending = bytes;
        self.drain();
        self.take_error()
    }

    fn flush(&mut self) -> StreamResult<()> {
        self.take_error()?;
        self.flush_requested = true;
        self.drain();
        self.take_error()
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        self.drain();
        self.take_error()?;
        if !self.pending.is_empty() {
            return Ok(0);
        }
        if self.flush_requested {
            match self.file.sync() {
                Ok(()) => self.flush_requested = false,
                Err(e) if e.is_again() => return Ok(0),
                Err(e) => {
                    self.flush_requested = false;
                    return Err(stream_error(e));
                }
            }
        }
        Ok(CHUNK)
    }
}
