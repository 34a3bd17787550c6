//! Sockets. (stub: to be implemented)
use std::any::Any;
use wasi_common_compat::{Result, WasiFile};

/// A listening TCP socket.
pub struct TcpListener(std::net::TcpListener);

impl TcpListener {
    /// Wraps a std listener (made non-blocking).
    pub fn from_std(l: std::net::TcpListener) -> Result<Self> {
        l.set_nonblocking(true)?;
        Ok(TcpListener(l))
    }
}

impl WasiFile for TcpListener {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A connected TCP stream.
pub struct TcpStream(std::net::TcpStream);

impl WasiFile for TcpStream {
    fn as_any(&self) -> &dyn Any {
        self
    }
}
