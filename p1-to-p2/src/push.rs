//! Host-driven data: a [`push_source`] the host pushes chunks into while the
//! guest reads them from a p1 fd, and a [`sink`] that hands the host each
//! chunk the guest writes.
//!
//! Both are bounded: at most `capacity` bytes wait between host and guest.
//! A host that pushes faster than the guest reads waits (`push` is async,
//! `push_blocking` blocks the thread, `try_push` reports how much fit), so a
//! blob larger than guest or host memory streams through in constant memory.
//! A guest that closes its fd early is seen by the host as
//! [`PushError::GuestClosed`] (and [`Pusher::guest_closed`]). On the sink
//! side a guest that writes faster than the host receives waits in
//! `fd_write` (backpressure), and gets `EPIPE` once the host drops the
//! [`Sink`].
//!
//! ```
//! use wasi_common_compat_p1_to_p2::push::push_source;
//! use wasi_common_compat::WasiFile;
//! let (file, pusher) = push_source(4);
//! assert_eq!(pusher.try_push(b"abcdef").unwrap(), 4); // bounded
//! let mut buf = [0u8; 8];
//! let n = file.read_vectored(&mut [std::io::IoSliceMut::new(&mut buf)]).unwrap();
//! assert_eq!(&buf[..n as usize], b"abcd");
//! pusher.close();
//! assert_eq!(file.read_vectored(&mut [std::io::IoSliceMut::new(&mut buf)]).unwrap(), 0);
//! ```

use bytes::{Bytes, BytesMut};
use wasi_common_compat::memory::CHUNK;
use wasi_common_compat::pipe::{PipeReader, PipeWriter, ReadPipe, WritePipe};

/// Why a push failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushError {
    /// The guest closed its fd; nobody will read what is pushed.
    GuestClosed,
}

impl std::fmt::Display for PushError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the guest closed its end")
    }
}

impl std::error::Error for PushError {}

/// A p1 fd (install it with `WasiCtx::insert_file` or as stdin) fed by the
/// returned [`Pusher`], holding at most `capacity` unread bytes.
pub fn push_source(capacity: usize) -> (ReadPipe, Pusher) {
    let (file, writer) = ReadPipe::channel(capacity);
    (file, Pusher { writer })
}

/// The host's end of a [`push_source`]. Dropping it (or [`close`](Self::close))
/// gives the guest end of file after what was pushed.
pub struct Pusher {
    writer: PipeWriter,
}

fn closed(e: wasi_common_compat::Error) -> PushError {
    let _ = e;
    PushError::GuestClosed
}

impl Pusher {
    /// Pushes all of `chunk`, waiting (asynchronously) while the buffer is full.
    /// Errors: [`PushError::GuestClosed`].
    pub async fn push(&self, chunk: impl AsRef<[u8]>) -> Result<(), PushError> {
        self.writer.write_all_async(chunk.as_ref()).await.map_err(closed)
    }

    /// Pushes all of `chunk`, blocking this thread while the buffer is full.
    /// Errors: [`PushError::GuestClosed`].
    pub fn push_blocking(&self, chunk: impl AsRef<[u8]>) -> Result<(), PushError> {
        self.writer.write_all(chunk.as_ref()).map_err(closed)
    }

    /// Pushes what fits now; returns how many bytes were taken (0 if full).
    /// Errors: [`PushError::GuestClosed`].
    pub fn try_push(&self, chunk: impl AsRef<[u8]>) -> Result<usize, PushError> {
        self.writer.try_write(chunk.as_ref()).map_err(closed)
    }

    /// True once the guest closed its fd.
    pub fn guest_closed(&self) -> bool {
        self.writer.is_reader_closed()
    }

    /// Ends the data: the guest reads what is left, then end of file.
    pub fn close(self) {}
}

/// A p1 fd the guest writes to, whose bytes the host receives through the
/// returned [`Sink`] in chunks of at most
/// [`CHUNK`] bytes; at most `capacity`
/// bytes wait between them.
pub fn sink(capacity: usize) -> (WritePipe, Sink) {
    let (file, reader) = WritePipe::channel(capacity);
    (file, Sink { reader })
}

/// The host's end of a [`sink`]. Dropping it makes the guest's further
/// writes fail with `EPIPE`.
pub struct Sink {
    reader: PipeReader,
}

impl Sink {
    /// The next chunk the guest wrote, waiting asynchronously for one; `None`
    /// once the guest closed its fd and everything was received.
    pub async fn recv(&self) -> Option<Bytes> {
        let mut buf = BytesMut::zeroed(CHUNK);
        let n = self.reader.read_async(&mut buf).await;
        (n > 0).then(|| {
            buf.truncate(n);
            buf.freeze()
        })
    }

    /// As [`recv`](Self::recv), blocking this thread.
    pub fn recv_blocking(&self) -> Option<Bytes> {
        let mut buf = BytesMut::zeroed(CHUNK);
        let n = self.reader.read_blocking(&mut buf);
        (n > 0).then(|| {
            buf.truncate(n);
            buf.freeze()
        })
    }

    /// What the guest wrote so far, without waiting (may be empty).
    pub fn try_recv(&self) -> Bytes {
        let mut buf = BytesMut::zeroed(CHUNK);
        let n = self.reader.try_read(&mut buf);
        buf.truncate(n);
        buf.freeze()
    }

    /// True once the guest closed its fd and nothing is left to receive.
    pub fn is_finished(&self) -> bool {
        self.reader.is_finished()
    }
}
