//! [`OutputStreamFile`]: a preview2 `OutputStream` as a preview1 fd.

use crate::errors::write_error;
use crate::slot::{Slot, ambient_runtime};
use bytes::BytesMut;
use std::any::Any;
use std::io::IoSlice;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use wasi_common_compat::memory::CHUNK;
use wasi_common_compat::{Error, FileType, Filestat, Interest, Pollable, ReadySource, Result, WasiFile};
use wasmtime_wasi_io::streams::{DynOutputStream, StreamError};

/// Serves a [`DynOutputStream`] as a writable p1 fd (stdout, stderr, any fd).
///
/// - `fd_write`: the `check_write` permit protocol. Never more than permitted
///   is written; the iovecs go out in order, as many as the permits allow
///   (at most [`CHUNK`](wasi_common_compat::memory::CHUNK) bytes per
///   `write`); with no permit the call waits on `ready()` (or gives `EAGAIN`
///   on a non-blocking fd).
/// - `fd_sync`/`fd_datasync`: `flush`, then wait until `check_write` is
///   ready again (the flush completed).
/// - A closed stream gives `EPIPE`; `LastOperationFailed` is `EIO` (logged);
///   `Trap` traps.
/// - File type [`FileType::Unknown`] (preview1's type for pipes) unless set
///   with [`with_filetype`](Self::with_filetype); `fd_seek` gives `ESPIPE`;
///   reading gives `EBADF`.
pub struct OutputStreamFile {
    slot: Slot<DynOutputStream>,
    filetype: FileType,
    flushing: AtomicBool,
}

impl OutputStreamFile {
    /// Wraps `stream`.
    pub fn new(stream: DynOutputStream) -> Self {
        OutputStreamFile {
            slot: Slot::new(stream, ambient_runtime()),
            filetype: FileType::Unknown,
            flushing: AtomicBool::new(false),
        }
    }

    /// Reports `filetype` instead of `Unknown` (a terminal is a `CharacterDevice`).
    #[must_use]
    pub fn with_filetype(mut self, filetype: FileType) -> Self {
        self.filetype = filetype;
        self
    }
}

/// Copies the next `n` bytes of `bufs` after skipping `skip`.
fn gather(bufs: &[IoSlice<'_>], mut skip: usize, n: usize) -> BytesMut {
    let mut out = BytesMut::with_capacity(n);
    for b in bufs {
        if skip >= b.len() {
            skip -= b.len();
            continue;
        }
        let take = (b.len() - skip).min(n - out.len());
        out.extend_from_slice(&b[skip..skip + take]);
        skip = 0;
        if out.len() == n {
            break;
        }
    }
    out
}

impl ReadySource for OutputStreamFile {
    fn poll_ready(&self, _interest: Interest, cx: &mut Context<'_>) -> Poll<()> {
        self.slot.poll_ready(cx)
    }
}

impl WasiFile for OutputStreamFile {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn get_filetype(&self) -> Result<FileType> {
        Ok(self.filetype)
    }

    fn isatty(&self) -> bool {
        self.filetype == FileType::CharacterDevice
    }

    fn pollable(&self) -> Pollable<'_> {
        Pollable::Source(self)
    }

    fn get_filestat(&self) -> Result<Filestat> {
        Ok(Filestat::of_type(self.filetype))
    }

    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<u64> {
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if total == 0 {
            return Ok(0);
        }
        let r = self.slot.with(|s| -> Result<usize> {
            let mut done = 0;
            while done < total {
                let permit = s.check_write().map_err(write_error)?;
                if permit == 0 {
                    break;
                }
                let n = permit.min(total - done).min(CHUNK);
                s.write(gather(bufs, done, n).freeze()).map_err(write_error)?;
                done += n;
            }
            Ok(done)
        });
        match r {
            None => Err(Error::again()),
            Some(Ok(0)) => {
                self.slot.progress(false);
                Err(Error::again())
            }
            Some(Ok(n)) => {
                self.slot.progress(true);
                Ok(n as u64)
            }
            Some(Err(e)) => Err(e),
        }
    }

    fn sync(&self) -> Result<()> {
        let r = self.slot.with(|s| -> Result<bool> {
            if !self.flushing.swap(true, Ordering::AcqRel) {
                match s.flush() {
                    Ok(()) => {}
                    Err(StreamError::Closed) => {
                        self.flushing.store(false, Ordering::Release);
                        return Ok(true);
                    }
                    Err(e) => {
                        self.flushing.store(false, Ordering::Release);
                        return Err(write_error(e));
                    }
                }
            }
            match s.check_write() {
                Ok(0) => Ok(false),
                Ok(_) | Err(StreamError::Closed) => {
                    self.flushing.store(false, Ordering::Release);
                    Ok(true)
                }
                Err(e) => {
                    self.flushing.store(false, Ordering::Release);
                    Err(write_error(e))
                }
            }
        });
        match r {
            Some(Ok(true)) => Ok(()),
            Some(Ok(false)) | None => Err(Error::again()),
            Some(Err(e)) => Err(e),
        }
    }

    fn datasync(&self) -> Result<()> {
        self.sync()
    }
}
