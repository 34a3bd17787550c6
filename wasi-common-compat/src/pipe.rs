//! In-memory pipes: [`ReadPipe`] (the guest reads) and [`WritePipe`] (the
//! guest writes). Both are pollable in `poll_oneoff` (they are
//! [`ReadySource`]s), in the same call as OS descriptors.
//!
//! - [`ReadPipe::from`] bytes or a string: the guest reads them, then end of file.
//! - [`ReadPipe::channel`]: the host feeds data later through a [`PipeWriter`];
//!   the guest's reads wait (or give `EAGAIN` in non-blocking mode) until data
//!   arrives or the writer closes.
//! - [`WritePipe::new_in_memory`]: captures everything written; inspect it with
//!   [`WritePipe::contents`] on a clone.
//! - [`WritePipe::channel`]: a bounded pipe drained by the host through a
//!   [`PipeReader`]; the guest waits when it is full (backpressure) and gets
//!   `EPIPE` once the reader is dropped.
//!
//! ```
//! use wasi_common_compat::pipe::{ReadPipe, WritePipe};
//! use wasi_common_compat::WasiFile;
//! let stdin = ReadPipe::from("hello");
//! let mut buf = [0u8; 8];
//! let n = stdin.read_vectored(&mut [std::io::IoSliceMut::new(&mut buf)]).unwrap();
//! assert_eq!(&buf[..n as usize], b"hello");
//! let stdout = WritePipe::new_in_memory();
//! stdout.write_vectored(&[std::io::IoSlice::new(b"out")]).unwrap();
//! assert_eq!(stdout.contents(), b"out");
//! ```

use crate::file::WasiFile;
use crate::ready::{Interest, Pollable, ReadySource, WakerSet, lock};
use crate::types::{FileType, Filestat};
use crate::{Error, Result};
use std::any::Any;
use std::collections::VecDeque;
use std::io::{IoSlice, IoSliceMut, Read, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll};

struct State {
    data: VecDeque<u8>,
    capacity: usize,
    /// No more data will be written (the writing end is gone).
    write_closed: bool,
    /// Nobody will read any more (the reading end is gone).
    read_closed: bool,
}

struct Buffer {
    state: Mutex<State>,
    readable: WakerSet,
    writable: WakerSet,
    changed: Condvar,
}

impl Buffer {
    fn new(data: VecDeque<u8>, capacity: usize, write_closed: bool) -> Arc<Self> {
        Arc::new(Buffer {
            state: Mutex::new(State {
                data,
                capacity,
                write_closed,
                read_closed: false,
            }),
            readable: WakerSet::new(),
            writable: WakerSet::new(),
            changed: Condvar::new(),
        })
    }

    fn notify(&self) {
        self.readable.wake_all();
        self.writable.wake_all();
        self.changed.notify_all();
    }

    /// Reads what is there; `EAGAIN` if empty and not closed; 0 at end.
    fn read(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<u64> {
        let n = {
            let mut s = lock(&self.state);
            if s.data.is_empty() {
                return if s.write_closed || bufs.iter().all(|b| b.is_empty()) {
                    Ok(0)
                } else {
                    Err(Error::again())
                };
            }
            let mut n = 0;
            for b in bufs.iter_mut() {
                let k = s.data.read(b).unwrap_or(0);
                n += k;
                if k < b.len() {
                    break;
                }
            }
            n
        };
        if n > 0 {
            self.notify();
        }
        Ok(n as u64)
    }

    /// Writes what fits; `EAGAIN` if full; `EPIPE` if the reader is gone.
    fn write(&self, bufs: &[IoSlice<'_>]) -> Result<u64> {
        let n = {
            let mut s = lock(&self.state);
            if s.read_closed {
                return Err(Error::pipe());
            }
            let total: usize = bufs.iter().map(|b| b.len()).sum();
            if total == 0 {
                return Ok(0);
            }
            let room = s.capacity.saturating_sub(s.data.len());
            if room == 0 {
                return Err(Error::again());
            }
            let mut n = 0;
            for b in bufs {
                let k = b.len().min(room - n);
                s.data.extend(&b[..k]);
                n += k;
                if n == room {
                    break;
                }
            }
            n
        };
        self.notify();
        Ok(n as u64)
    }

    fn poll(&self, interest: Interest, cx: &mut Context<'_>) -> Poll<()> {
        let s = lock(&self.state);
        let ready = if interest.contains(Interest::READ) {
            !s.data.is_empty() || s.write_closed
        } else {
            s.read_closed || s.data.len() < s.capacity
        };
        if ready {
            return Poll::Ready(());
        }
        // Registered under the state lock, so a concurrent change cannot slip
        // between the check and the registration.
        if interest.contains(Interest::READ) {
            self.readable.register(cx.waker());
        } else {
            self.writable.register(cx.waker());
        }
        Poll::Pending
    }

    fn len(&self) -> usize {
        lock(&self.state).data.len()
    }

    fn close_write(&self) {
        lock(&self.state).write_closed = true;
        self.notify();
    }

    fn close_read(&self) {
        {
            let mut s = lock(&self.state);
            s.read_closed = true;
            s.data.clear();
        }
        self.notify();
    }
}

/// Closes one side of a buffer when the last handle of that side drops.
struct End {
    buf: Arc<Buffer>,
    reading: bool,
}

impl Drop for End {
    fn drop(&mut self) {
        if self.reading {
            self.buf.close_read();
        } else {
            self.buf.close_write();
        }
    }
}

enum ReadInner {
    Buffer(Arc<End>),
    Reader(Arc<Mutex<Box<dyn Read + Send>>>),
}

/// A pipe the guest reads from. Cloning shares the same data.
#[derive(Clone)]
pub struct ReadPipe {
    inner: Arc<ReadInner>,
}

impl ReadPipe {
    /// A pipe holding `bytes`, then end of file.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        let data: Vec<u8> = bytes.into();
        let cap = data.len();
        let buf = Buffer::new(data.into(), cap, true);
        ReadPipe {
            inner: Arc::new(ReadInner::Buffer(Arc::new(End { buf, reading: true }))),
        }
    }

    /// A pipe reading from `reader` on demand (each guest read is one
    /// `Read::read`, which may block the calling thread).
    pub fn new(reader: impl Read + Send + 'static) -> Self {
        ReadPipe {
            inner: Arc::new(ReadInner::Reader(Arc::new(Mutex::new(Box::new(reader))))),
        }
    }

    /// An empty pipe the host fills through the returned [`PipeWriter`],
    /// holding at most `capacity` unread bytes (at least 1).
    pub fn channel(capacity: usize) -> (ReadPipe, PipeWriter) {
        let buf = Buffer::new(VecDeque::new(), capacity.max(1), false);
        let reader = ReadPipe {
            inner: Arc::new(ReadInner::Buffer(Arc::new(End {
                buf: buf.clone(),
                reading: true,
            }))),
        };
        let writer = PipeWriter {
            end: Arc::new(End { buf, reading: false }),
        };
        (reader, writer)
    }
}

impl From<&str> for ReadPipe {
    fn from(s: &str) -> Self {
        Self::from_bytes(s.as_bytes())
    }
}

impl From<String> for ReadPipe {
    fn from(s: String) -> Self {
        Self::from_bytes(s.into_bytes())
    }
}

impl From<Vec<u8>> for ReadPipe {
    fn from(v: Vec<u8>) -> Self {
        Self::from_bytes(v)
    }
}

impl From<&[u8]> for ReadPipe {
    fn from(v: &[u8]) -> Self {
        Self::from_bytes(v)
    }
}

impl ReadySource for ReadPipe {
    fn poll_ready(&self, interest: Interest, cx: &mut Context<'_>) -> Poll<()> {
        match &*self.inner {
            ReadInner::Buffer(end) if interest.contains(Interest::READ) => end.buf.poll(interest, cx),
            _ => Poll::Ready(()),
        }
    }
}

impl WasiFile for ReadPipe {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn get_filetype(&self) -> Result<FileType> {
        Ok(FileType::Unknown)
    }
    fn pollable(&self) -> Pollable<'_> {
        match &*self.inner {
            ReadInner::Buffer(_) => Pollable::Source(self),
            ReadInner::Reader(_) => Pollable::Always,
        }
    }
    fn get_filestat(&self) -> Result<Filestat> {
        Ok(Filestat::of_type(FileType::Unknown))
    }
    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<u64> {
        match &*self.inner {
            ReadInner::Buffer(end) => end.buf.read(bufs),
            ReadInner::Reader(r) => Ok(lock(r).read_vectored(bufs)? as u64),
        }
    }
    fn num_ready_bytes(&self) -> Result<u64> {
        match &*self.inner {
            ReadInner::Buffer(end) => Ok(end.buf.len() as u64),
            ReadInner::Reader(_) => Ok(0),
        }
    }
}

/// The host's end of a [`ReadPipe::channel`]: pushes data to the guest.
/// Dropping it (or [`PipeWriter::close`]) gives the guest end of file after
/// the data already pushed.
pub struct PipeWriter {
    end: Arc<End>,
}

impl PipeWriter {
    /// Writes as much of `data` as fits now; `Ok(0)` if the pipe is full.
    /// Errors: `EPIPE` if the guest closed its end.
    pub fn try_write(&self, data: &[u8]) -> Result<usize> {
        match self.end.buf.write(&[IoSlice::new(data)]) {
            Ok(n) => Ok(n as usize),
            Err(e) if e.is_again() => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Writes all of `data`, blocking this thread while the pipe is full.
    /// Errors: `EPIPE` if the guest closed its end.
    pub fn write_all(&self, mut data: &[u8]) -> Result<()> {
        let buf = &self.end.buf;
        while !data.is_empty() {
            let n = self.try_write(data)?;
            data = &data[n..];
            if n == 0 {
                let s = lock(&buf.state);
                if !s.read_closed && s.data.len() >= s.capacity {
                    drop(buf.changed.wait(s).unwrap_or_else(|p| p.into_inner()));
                }
            }
        }
        Ok(())
    }

    /// Polls to write `data`: `Ready(Ok(n))` once some bytes were taken
    /// (`n > 0` unless `data` is empty), `Pending` while the pipe is full (the
    /// waker is woken when the guest reads).
    /// Errors: `EPIPE` if the guest closed its end.
    pub fn poll_write(&self, cx: &mut Context<'_>, data: &[u8]) -> Poll<Result<usize>> {
        loop {
            if self.end.buf.poll(Interest::WRITE, cx).is_pending() {
                return Poll::Pending;
            }
            match self.try_write(data) {
                Ok(0) if !data.is_empty() => continue,
                r => return Poll::Ready(r),
            }
        }
    }

    /// Writes all of `data`, waiting asynchronously while the pipe is full.
    /// Errors: `EPIPE` if the guest closed its end.
    pub async fn write_all_async(&self, mut data: &[u8]) -> Result<()> {
        while !data.is_empty() {
            let n = std::future::poll_fn(|cx| self.poll_write(cx, data)).await?;
            data = &data[n..];
        }
        Ok(())
    }

    /// True once the guest closed its end (further writes give `EPIPE`).
    pub fn is_reader_closed(&self) -> bool {
        lock(&self.end.buf.state).read_closed
    }

    /// Closes the pipe: the guest reads what is left, then end of file.
    pub fn close(self) {}
}

enum WriteInner {
    Buffer(Arc<End>),
    Capture(Arc<Mutex<Vec<u8>>>),
    Writer(Arc<Mutex<Box<dyn Write + Send>>>),
}

/// A pipe the guest writes to. Cloning shares the same destination.
#[derive(Clone)]
pub struct WritePipe {
    inner: Arc<WriteInner>,
}

impl WritePipe {
    /// Captures everything the guest writes, without bound; read it with
    /// [`contents`](Self::contents) (keep a clone).
    pub fn new_in_memory() -> Self {
        WritePipe {
            inner: Arc::new(WriteInner::Capture(Arc::default())),
        }
    }

    /// Writes through to `writer` (each guest write is one `Write::write`,
    /// which may block the calling thread).
    pub fn new(writer: impl Write + Send + 'static) -> Self {
        WritePipe {
            inner: Arc::new(WriteInner::Writer(Arc::new(Mutex::new(Box::new(writer))))),
        }
    }

    /// A bounded pipe drained by the host through the returned [`PipeReader`],
    /// holding at most `capacity` unread bytes (at least 1).
    pub fn channel(capacity: usize) -> (WritePipe, PipeReader) {
        let buf = Buffer::new(VecDeque::new(), capacity.max(1), false);
        let w = WritePipe {
            inner: Arc::new(WriteInner::Buffer(Arc::new(End {
                buf: buf.clone(),
                reading: false,
            }))),
        };
        let r = PipeReader {
            end: Arc::new(End { buf, reading: true }),
        };
        (w, r)
    }

    /// Everything captured so far (empty for pipes that are not captures).
    pub fn contents(&self) -> Vec<u8> {
        match &*self.inner {
            WriteInner::Capture(v) => lock(v).clone(),
            _ => Vec::new(),
        }
    }
}

impl ReadySource for WritePipe {
    fn poll_ready(&self, interest: Interest, cx: &mut Context<'_>) -> Poll<()> {
        match &*self.inner {
            WriteInner::Buffer(end) if interest.contains(Interest::WRITE) => end.buf.poll(interest, cx),
            _ => Poll::Ready(()),
        }
    }
}

impl WasiFile for WritePipe {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn get_filetype(&self) -> Result<FileType> {
        Ok(FileType::Unknown)
    }
    fn pollable(&self) -> Pollable<'_> {
        match &*self.inner {
            WriteInner::Buffer(_) => Pollable::Source(self),
            _ => Pollable::Always,
        }
    }
    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<u64> {
        match &*self.inner {
            WriteInner::Buffer(end) => end.buf.write(bufs),
            WriteInner::Capture(v) => {
                let mut v = lock(v);
                let mut n = 0;
                for b in bufs {
                    v.extend_from_slice(b);
                    n += b.len();
                }
                Ok(n as u64)
            }
            WriteInner::Writer(w) => Ok(lock(w).write_vectored(bufs)? as u64),
        }
    }
    fn sync(&self) -> Result<()> {
        if let WriteInner::Writer(w) = &*self.inner {
            lock(w).flush()?;
        }
        Ok(())
    }
    fn datasync(&self) -> Result<()> {
        self.sync()
    }
}

/// The host's end of a [`WritePipe::channel`]: receives what the guest writes.
/// Dropping it makes the guest's further writes fail with `EPIPE`.
pub struct PipeReader {
    end: Arc<End>,
}

impl PipeReader {
    /// Takes what is buffered now (may be empty).
    pub fn try_read(&self, buf: &mut [u8]) -> usize {
        self.end
            .buf
            .read(&mut [IoSliceMut::new(buf)])
            .map(|n| n as usize)
            .unwrap_or(0)
    }

    /// Reads, blocking this thread until data arrives; 0 once the guest's end
    /// is closed and everything was read.
    pub fn read_blocking(&self, buf: &mut [u8]) -> usize {
        let b = &self.end.buf;
        loop {
            match b.read(&mut [IoSliceMut::new(buf)]) {
                Ok(n) => return n as usize,
                Err(_) => {
                    let s = lock(&b.state);
                    if s.data.is_empty() && !s.write_closed {
                        drop(b.changed.wait(s).unwrap_or_else(|p| p.into_inner()));
                    }
                }
            }
        }
    }

    /// Polls to read into `buf`: `Ready(n)` with `n > 0` bytes, or `Ready(0)`
    /// once the guest's end is closed and everything was read; `Pending`
    /// while the pipe is empty (the waker is woken when the guest writes).
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<usize> {
        loop {
            if self.end.buf.poll(Interest::READ, cx).is_pending() {
                return Poll::Pending;
            }
            match self.end.buf.read(&mut [IoSliceMut::new(buf)]) {
                Ok(n) => return Poll::Ready(n as usize),
                Err(_) => continue,
            }
        }
    }

    /// Reads, waiting asynchronously until data arrives; 0 once the guest's
    /// end is closed and everything was read.
    pub async fn read_async(&self, buf: &mut [u8]) -> usize {
        std::future::poll_fn(|cx| self.poll_read(cx, buf)).await
    }

    /// True once the guest's end is closed and nothing is left to read.
    pub fn is_finished(&self) -> bool {
        let s = lock(&self.end.buf.state);
        s.write_closed && s.data.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_read_waits_then_eof() {
        let (r, w) = ReadPipe::channel(4);
        let mut b = [0u8; 8];
        assert!(r.read_vectored(&mut [IoSliceMut::new(&mut b)]).unwrap_err().is_again());
        assert_eq!(w.try_write(b"abcdef").unwrap(), 4);
        assert_eq!(r.read_vectored(&mut [IoSliceMut::new(&mut b)]).unwrap(), 4);
        drop(w);
        assert_eq!(r.read_vectored(&mut [IoSliceMut::new(&mut b)]).unwrap(), 0);
    }

    #[test]
    fn write_channel_backpressure_and_epipe() {
        let (w, r) = WritePipe::channel(3);
        assert_eq!(w.write_vectored(&[IoSlice::new(b"hello")]).unwrap(), 3);
        assert!(w.write_vectored(&[IoSlice::new(b"x")]).unwrap_err().is_again());
        let mut b = [0u8; 8];
        assert_eq!(r.try_read(&mut b), 3);
        assert_eq!(&b[..3], b"hel");
        drop(r);
        assert_eq!(
            w.write_vectored(&[IoSlice::new(b"x")]).unwrap_err().as_errno(),
            Some(crate::Errno::Pipe)
        );
    }

    #[test]
    fn vectored_read_fills_in_order() {
        let r = ReadPipe::from("abcdef");
        let (mut a, mut b) = ([0u8; 2], [0u8; 3]);
        let n = r
            .read_vectored(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)])
            .unwrap();
        assert_eq!(n, 5);
        assert_eq!((&a, &b), (b"ab", b"cde"));
    }
}
