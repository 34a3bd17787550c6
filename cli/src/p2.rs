//! Stdio through preview2 streams over the p1-to-p2 bridge (`--stdio p2`),
//! to check that a module behaves the same on the stream backends: stdin is
//! wasmtime-wasi's stream; stdout and stderr are [`FdOutputStream`]s, whose
//! writes never block (wasmtime-wasi's stdout stream writes with a blocking
//! `write_all`, which nothing can interrupt when the pipe is full, so a
//! program could not exit while a thread was writing).

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;
use wasi_common_compat::FileType;
use wasi_common_compat_p1_to_p2::{InputStreamFile, OutputStreamFile};
use wasi_common_compat_sync::WasiCtxBuilder;
use wasmtime_wasi::cli::{StdinStream, StdoutStream};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi_io::poll::Pollable;
use wasmtime_wasi_io::streams::{OutputStream, StreamError, StreamResult};

/// The type a stream reports: a character device on a terminal, else
/// unknown (as Wasmtime reports stdio).
fn kind(tty: bool) -> FileType {
    if tty {
        FileType::CharacterDevice
    } else {
        FileType::Unknown
    }
}

fn with_streams(b: WasiCtxBuilder, i: &dyn StdinStream, o: &dyn StdoutStream, e: &dyn StdoutStream) -> WasiCtxBuilder {
    b.stdin(Box::new(
        InputStreamFile::new(i.p2_stream()).with_filetype(kind(i.is_terminal())),
    ))
    .stdout(Box::new(
        OutputStreamFile::new(o.p2_stream()).with_filetype(kind(o.is_terminal())),
    ))
    .stderr(Box::new(
        OutputStreamFile::new(e.p2_stream()).with_filetype(kind(e.is_terminal())),
    ))
}

/// The process's stdio as preview2 streams: wasmtime-wasi's stdin,
/// [`FdOutputStream`]s for stdout and stderr (if a descriptor cannot be
/// duplicated, wasmtime-wasi's stream for it).
pub fn os_stdio(b: WasiCtxBuilder) -> WasiCtxBuilder {
    let i = wasmtime_wasi::cli::stdin();
    let out: Box<dyn StdoutStream> = match FdOutputStream::new(std::io::stdout().as_fd()) {
        Ok(s) => Box::new(s),
        Err(_) => Box::new(wasmtime_wasi::cli::stdout()),
    };
    let err: Box<dyn StdoutStream> = match FdOutputStream::new(std::io::stderr().as_fd()) {
        Ok(s) => Box::new(s),
        Err(_) => Box::new(wasmtime_wasi::cli::stderr()),
    };
    with_streams(b, &i, &*out, &*err)
}

/// The most a pipe takes without blocking once `poll(2)` says it is
/// writable (POSIX's `PIPE_BUF`, which Linux guarantees as one free buffer).
const PIPE_BUF: usize = 4096;

/// A host descriptor (the process's stdout or stderr) as a preview2 output
/// stream that never blocks the thread: `check_write` asks `poll(2)` whether
/// the descriptor is writable and then grants at most [`PIPE_BUF`] bytes for
/// a pipe or socket (a write that size cannot block), and `ready()` waits
/// for writability on tokio's reactor, where the bridge's wait (and so the
/// program's exit) can abandon it. Regular files and terminals are always
/// writable.
#[derive(Clone)]
pub struct FdOutputStream {
    fd: Arc<OwnedFd>,
    stream: bool,
    terminal: bool,
}

impl FdOutputStream {
    /// A stream writing to a duplicate of `fd`.
    /// Errors: the descriptor cannot be duplicated or inspected.
    pub fn new(fd: BorrowedFd<'_>) -> std::io::Result<Self> {
        let fd = rustix::io::fcntl_dupfd_cloexec(fd, 0)?;
        let mode = rustix::fs::fstat(&fd)?.st_mode;
        let kind = rustix::fs::FileType::from_raw_mode(mode);
        let stream = matches!(kind, rustix::fs::FileType::Fifo | rustix::fs::FileType::Socket);
        let terminal = rustix::termios::isatty(&fd);
        Ok(FdOutputStream {
            fd: Arc::new(fd),
            stream,
            terminal,
        })
    }

    fn writable(&self) -> bool {
        let mut fds = [rustix::event::PollFd::new(&*self.fd, rustix::event::PollFlags::OUT)];
        let zero = rustix::event::Timespec { tv_sec: 0, tv_nsec: 0 };
        match rustix::event::poll(&mut fds, Some(&zero)) {
            Ok(n) => n > 0 && !fds[0].revents().is_empty(),
            // Let the write itself report the error.
            Err(_) => true,
        }
    }
}

impl StdoutStream for FdOutputStream {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        // Only components ask for it; this host serves preview1 modules.
        Box::new(tokio::io::sink())
    }
}

impl wasmtime_wasi::cli::IsTerminal for FdOutputStream {
    fn is_terminal(&self) -> bool {
        self.terminal
    }
}

fn stream_error(e: rustix::io::Errno) -> StreamError {
    if e == rustix::io::Errno::PIPE {
        StreamError::Closed
    } else {
        StreamError::LastOperationFailed(wasmtime::Error::new(std::io::Error::from(e)))
    }
}

impl OutputStream for FdOutputStream {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            match rustix::io::write(&*self.fd, rest) {
                Ok(0) => return Err(StreamError::Closed),
                Ok(n) => rest = &rest[n..],
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(stream_error(e)),
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        if !self.stream {
            return Ok(1 << 20);
        }
        Ok(if self.writable() { PIPE_BUF } else { 0 })
    }
}

#[wasmtime_wasi_io::async_trait]
impl Pollable for FdOutputStream {
    async fn ready(&mut self) {
        if !self.stream || self.writable() {
            return;
        }
        // Registering needs a reactor (the bridge enters its runtime);
        // without one the bridge retries, backing off.
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let Ok(dup) = rustix::io::fcntl_dupfd_cloexec(&*self.fd, 0) else {
            return;
        };
        // SAFETY: the `AsyncFd` owns `dup`, which stays open and names the
        // same file description until the `AsyncFd` is dropped (deregistered
        // first, then closed by `OwnedFd`).
        #[allow(unsafe_code, reason = "registering a duplicate descriptor with tokio's reactor")]
        let registered =
            unsafe { tokio::io::unix::AsyncFd::register_with_interest(dup, tokio::io::Interest::WRITABLE) };
        let Ok(afd) = registered else {
            return;
        };
        loop {
            let Ok(mut guard) = afd.writable().await else {
                return;
            };
            if self.writable() {
                return;
            }
            guard.clear_ready();
        }
    }
}

/// `stdin` bytes and two output pipes through wasmtime-wasi's memory pipes.
pub fn memory_stdio(b: WasiCtxBuilder, stdin: &[u8], out: &MemoryOutputPipe, err: &MemoryOutputPipe) -> WasiCtxBuilder {
    let i = MemoryInputPipe::new(stdin.to_vec());
    with_streams(b, &i, out, err)
}
