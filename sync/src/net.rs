//! Sockets: preopened TCP listeners and the connections accepted on them.
//!
//! Both hold non-blocking host sockets, so no call ever waits in the kernel:
//! a call that cannot make progress fails with `EAGAIN`, and the core waits
//! on [`Pollable::Fd`] and retries (or hands `EAGAIN` to a guest fd in
//! non-blocking mode). Sends use `MSG_NOSIGNAL`, so a peer that has gone
//! away gives `EPIPE` rather than a `SIGPIPE` to the embedding process.

use crate::io::no_intr;
use rustix::fd::{AsFd, BorrowedFd};
use rustix::net::{RecvAncillaryBuffer, RecvFlags, ReturnFlags, SendAncillaryBuffer, SendFlags, Shutdown};
use std::any::Any;
use std::io::{IoSlice, IoSliceMut};
use wasi_common_compat::{Error, FdFlags, FileType, Filestat, Pollable, Result, RiFlags, RoFlags, SdFlags, WasiFile};

/// A listening TCP socket handed to the guest.
#[derive(Debug)]
pub struct TcpListener(std::net::TcpListener);

impl TcpListener {
    /// Wraps a std listener, making it non-blocking.
    /// Errors: what `fcntl(F_SETFL)` gives (`EBADF`).
    pub fn from_std(l: std::net::TcpListener) -> Result<Self> {
        l.set_nonblocking(true)?;
        Ok(TcpListener(l))
    }

    /// The wrapped listener.
    pub fn as_std(&self) -> &std::net::TcpListener {
        &self.0
    }
}

/// `fstat` of a socket, reported as a stream socket.
fn socket_filestat(fd: BorrowedFd<'_>) -> Result<Filestat> {
    let mut st = crate::filestat_of(fd)?;
    st.filetype = FileType::SocketStream;
    Ok(st)
}

impl WasiFile for TcpListener {
    fn as_any(&self) -> &dyn Any {
        self
    }

    /// [`FileType::SocketStream`].
    fn get_filetype(&self) -> Result<FileType> {
        Ok(FileType::SocketStream)
    }

    /// `fstat`, typed [`FileType::SocketStream`]. Errors: `EBADF`.
    fn get_filestat(&self) -> Result<Filestat> {
        socket_filestat(self.0.as_fd())
    }

    /// The host socket (readable when a connection is pending).
    fn pollable(&self) -> Pollable<'_> {
        Pollable::Fd(self.0.as_fd())
    }

    /// `accept`: a pending connection as a non-blocking [`TcpStream`]
    /// (`NONBLOCK` in `fdflags` is applied by the context).
    /// Errors: `EAGAIN` (nothing pending), `ECONNABORTED`, `EMFILE`/`ENFILE`
    /// (host limits), `EINVAL` (not listening).
    fn sock_accept(&self, _fdflags: FdFlags) -> Result<Box<dyn WasiFile>> {
        let (stream, _peer) = self.0.accept()?;
        Ok(Box::new(TcpStream::from_std(stream)?))
    }

    /// A listener has no data: `ENOTCONN`, as `read(2)` on one gives.
    fn read_vectored(&self, _bufs: &mut [IoSliceMut<'_>]) -> Result<u64> {
        Err(Error::errno(wasi_common_compat::Errno::Notconn))
    }

    /// A listener takes no data: `ENOTCONN`, as `write(2)` on one gives.
    fn write_vectored(&self, _bufs: &[IoSlice<'_>]) -> Result<u64> {
        Err(Error::errno(wasi_common_compat::Errno::Notconn))
    }

    /// `shutdown` on a listener, with the host's answer (which varies by
    /// kernel: shutting down the read side may stop the listener).
    /// Errors: `ENOTCONN` (where the host refuses), `EINVAL` (no direction).
    fn sock_shutdown(&self, how: SdFlags) -> Result<()> {
        shutdown(self.0.as_fd(), how)
    }
}

/// A connected TCP stream (one accepted from a [`TcpListener`], or handed to
/// the guest by the embedder).
#[derive(Debug)]
pub struct TcpStream(std::net::TcpStream);

impl TcpStream {
    /// Wraps a std stream, making it non-blocking (and, on macOS, which has
    /// no `MSG_NOSIGNAL`, setting `SO_NOSIGPIPE`, so that a send to a closed
    /// peer is `EPIPE` and never `SIGPIPE`).
    /// Errors: what `fcntl(F_SETFL)` (or `setsockopt`) gives (`EBADF`).
    pub fn from_std(s: std::net::TcpStream) -> Result<Self> {
        s.set_nonblocking(true)?;
        #[cfg(target_vendor = "apple")]
        rustix::net::sockopt::set_socket_nosigpipe(&s, true)?;
        Ok(TcpStream(s))
    }

    /// The wrapped stream.
    pub fn as_std(&self) -> &std::net::TcpStream {
        &self.0
    }

    fn fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }

    /// One `recvmsg` into `bufs` with `flags` (non-blocking).
    fn recv_once(&self, bufs: &mut [IoSliceMut<'_>], flags: RecvFlags) -> Result<(usize, ReturnFlags)> {
        let mut control = RecvAncillaryBuffer::new(&mut []);
        let m = no_intr(|| rustix::net::recvmsg(self.fd(), bufs, &mut control, flags | RecvFlags::DONTWAIT))?;
        Ok((m.bytes, m.flags))
    }
}

fn shutdown(fd: BorrowedFd<'_>, how: SdFlags) -> Result<()> {
    let how = match (how.contains(SdFlags::RD), how.contains(SdFlags::WR)) {
        (true, true) => Shutdown::Both,
        (true, false) => Shutdown::Read,
        (false, true) => Shutdown::Write,
        (false, false) => return Err(Error::inval()),
    };
    Ok(rustix::net::shutdown(fd, how)?)
}

impl WasiFile for TcpStream {
    fn as_any(&self) -> &dyn Any {
        self
    }

    /// [`FileType::SocketStream`].
    fn get_filetype(&self) -> Result<FileType> {
        Ok(FileType::SocketStream)
    }

    /// `fstat`, typed [`FileType::SocketStream`]. Errors: `EBADF`.
    fn get_filestat(&self) -> Result<Filestat> {
        socket_filestat(self.fd())
    }

    /// The host socket.
    fn pollable(&self) -> Pollable<'_> {
        Pollable::Fd(self.fd())
    }

    /// `recvmsg`; 0 once the peer has shut down its side.
    /// Errors: `EAGAIN` (nothing received yet), `ECONNRESET`, `ENOTCONN`.
    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<u64> {
        Ok(self.recv_once(bufs, RecvFlags::empty())?.0 as u64)
    }

    /// `sendmsg(MSG_NOSIGNAL)`; may send less than all.
    /// Errors: `EAGAIN` (the send buffer is full), `EPIPE` (our side was
    /// shut down, or the peer is gone), `ECONNRESET`.
    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<u64> {
        self.sock_send(bufs)
    }

    /// A connection does not listen: `EINVAL`, as `accept(2)` on one gives.
    fn sock_accept(&self, _fdflags: FdFlags) -> Result<Box<dyn WasiFile>> {
        Err(Error::inval())
    }

    /// `recvmsg` with `RECV_PEEK` (`MSG_PEEK`: the data stays queued);
    /// `RECV_WAITALL` receives what is queued, like a plain receive (the
    /// core repeats it until the buffers are full). `RECV_DATA_TRUNCATED` is never set (a stream has no
    /// message boundaries).
    /// Errors: `EAGAIN` (nothing received yet), `ECONNRESET`, `ENOTCONN`.
    fn sock_recv(&self, bufs: &mut [IoSliceMut<'_>], flags: RiFlags) -> Result<(u64, RoFlags)> {
        if flags.contains(RiFlags::RECV_PEEK) {
            // Peeking takes nothing, so waiting for all of it would spin; a
            // peek returns what is queued now.
            let (n, _) = self.recv_once(bufs, RecvFlags::PEEK)?;
            return Ok((n as u64, RoFlags::empty()));
        }
        // `RECV_WAITALL` is the caller's loop (the core's `sock_recv` waits
        // between receives through the scheduler, where the program's exit
        // and `NONBLOCK` are seen); here it receives what is queued.
        let n = self.recv_once(bufs, RecvFlags::empty())?.0 as u64;
        Ok((n, RoFlags::empty()))
    }

    /// `sendmsg(MSG_NOSIGNAL)`; may send less than all.
    /// Errors: `EAGAIN`, `EPIPE`, `ECONNRESET`.
    fn sock_send(&self, bufs: &[IoSlice<'_>]) -> Result<u64> {
        let mut control = SendAncillaryBuffer::default();
        // macOS has no `MSG_NOSIGNAL`: its streams carry `SO_NOSIGPIPE` instead.
        #[cfg(not(target_vendor = "apple"))]
        let flags = SendFlags::NOSIGNAL | SendFlags::DONTWAIT;
        #[cfg(target_vendor = "apple")]
        let flags = SendFlags::DONTWAIT;
        let n = no_intr(|| rustix::net::sendmsg(self.fd(), bufs, &mut control, flags))?;
        Ok(n as u64)
    }

    /// `shutdown` of one or both directions.
    /// Errors: `ENOTCONN` (not connected), `EINVAL` (no direction given).
    fn sock_shutdown(&self, how: SdFlags) -> Result<()> {
        shutdown(self.fd(), how)
    }

    /// `FIONREAD`: bytes queued for reading (0 where the host cannot tell).
    fn num_ready_bytes(&self) -> Result<u64> {
        Ok(rustix::io::ioctl_fionread(self.fd()).unwrap_or(0))
    }
}
