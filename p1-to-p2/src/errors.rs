//! Stream errors and preview1 errors, each way, in one place.
//!
//! A closed stream is end of file to a read and `EPIPE` to a write; a
//! failed operation is `EIO` (logged, with the stream's cause as context);
//! a stream's trap stays a trap. The reverse direction (a preview1 file seen
//! as a preview2 stream) maps `EPIPE` back to closed, other errnos to a
//! failed operation, and a trap to a trap.

use wasi_common_compat::{Error, Result};
use wasmtime_wasi_io::streams::StreamError;

/// Maps a stream error of a read: closed is end of file.
pub(crate) fn read_error(e: StreamError) -> Result<u64> {
    match e {
        StreamError::Closed => Ok(0),
        StreamError::LastOperationFailed(cause) => {
            tracing::warn!(error = %cause, "bridged input stream failed");
            Err(Error::io().context(cause))
        }
        StreamError::Trap(t) => Err(Error::trap(t)),
    }
}

/// Maps a stream error of a write or flush: closed is `EPIPE`.
pub(crate) fn write_error(e: StreamError) -> Error {
    match e {
        StreamError::Closed => Error::pipe(),
        StreamError::LastOperationFailed(cause) => {
            tracing::warn!(error = %cause, "bridged output stream failed");
            Error::io().context(cause)
        }
        StreamError::Trap(t) => Error::trap(t),
    }
}

/// Maps a preview1 error to the stream error of the reverse direction.
pub(crate) fn stream_error(e: Error) -> StreamError {
    match e.as_errno() {
        Some(wasi_common_compat::Errno::Pipe) => StreamError::Closed,
        Some(_) => StreamError::LastOperationFailed(wasmtime::Error::new(e)),
        None => StreamError::Trap(wasmtime::Error::new(e)),
    }
}
