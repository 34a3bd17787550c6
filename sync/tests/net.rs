//! Preopened TCP listeners and accepted streams through the `WasiFile` trait.

use std::io::{IoSlice, IoSliceMut, Read, Write};
use std::net::{Shutdown, TcpStream as StdStream};
use wasi_common_compat::{Errno, FdFlags, FileType, Pollable, RiFlags, SdFlags, WasiFile};
use wasi_common_compat_sync::TcpListener;

fn listener() -> (TcpListener, std::net::SocketAddr) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    (TcpListener::from_std(l).expect("wrap"), addr)
}

fn errno<T>(r: wasi_common_compat::Result<T>) -> Errno {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.as_errno().expect("errno"),
    }
}

/// Accepts, retrying while the connection is still on its way.
fn accept(l: &TcpListener) -> Box<dyn WasiFile> {
    for _ in 0..500 {
        match l.sock_accept(FdFlags::empty()) {
            Ok(s) => return s,
            Err(e) if e.is_again() => std::thread::sleep(std::time::Duration::from_millis(2)),
            Err(e) => panic!("accept: {e:?}"),
        }
    }
    panic!("no connection arrived")
}

/// Waits until `s` has at least `n` bytes queued.
fn wait_for(s: &dyn WasiFile, n: u64) {
    for _ in 0..500 {
        if s.num_ready_bytes().expect("FIONREAD") >= n {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    panic!("data did not arrive")
}

#[test]
fn listener_accepts_and_says_eagain_when_idle() {
    let (l, addr) = listener();
    assert_eq!(l.get_filetype().expect("type"), FileType::SocketStream);
    assert_eq!(l.get_filestat().expect("fstat").filetype, FileType::SocketStream);
    assert!(matches!(l.pollable(), Pollable::Fd(_)));
    assert_eq!(errno(l.sock_accept(FdFlags::empty())), Errno::Again);
    let _client = StdStream::connect(addr).expect("connect");
    let s = accept(&l);
    assert_eq!(s.get_filetype().expect("type"), FileType::SocketStream);
    assert!(matches!(s.pollable(), Pollable::Fd(_)));
    assert_eq!(errno(l.sock_accept(FdFlags::empty())), Errno::Again);
}

#[test]
fn stream_recv_peek_send_shutdown() {
    let (l, addr) = listener();
    let mut client = StdStream::connect(addr).expect("connect");
    let s = accept(&l);
    let mut buf = [0u8; 16];
    assert_eq!(errno(s.read_vectored(&mut [IoSliceMut::new(&mut buf)])), Errno::Again);
    assert_eq!(
        errno(s.sock_recv(&mut [IoSliceMut::new(&mut buf)], RiFlags::empty())),
        Errno::Again
    );
    client.write_all(b"hello").expect("client write");
    wait_for(&*s, 5);
    let (n, _) = s
        .sock_recv(&mut [IoSliceMut::new(&mut buf)], RiFlags::RECV_PEEK)
        .expect("peek");
    assert_eq!(&buf[..n as usize], b"hello");
    assert_eq!(s.num_ready_bytes().expect("FIONREAD"), 5, "peek leaves the data");
    let (mut a, mut b) = ([0u8; 2], [0u8; 8]);
    let (n, _) = s
        .sock_recv(
            &mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)],
            RiFlags::empty(),
        )
        .expect("recv");
    assert_eq!(n, 5);
    assert_eq!((&a, &b[..3]), (b"he", &b"llo"[..]));
    let n = s.sock_send(&[IoSlice::new(b"wor"), IoSlice::new(b"ld")]).expect("send");
    assert_eq!(n, 5);
    assert_eq!(s.write_vectored(&[IoSlice::new(b"!")]).expect("write"), 1);
    let mut got = [0u8; 6];
    client.read_exact(&mut got).expect("client read");
    assert_eq!(&got, b"world!");
    s.sock_shutdown(SdFlags::WR).expect("shutdown");
    assert_eq!(client.read(&mut got).expect("client read eof"), 0);
    assert_eq!(errno(s.sock_send(&[IoSlice::new(b"x")])), Errno::Pipe);
    client.shutdown(Shutdown::Write).expect("client shutdown");
    for _ in 0..500 {
        match s.read_vectored(&mut [IoSliceMut::new(&mut buf)]) {
            Ok(0) => return,
            Err(e) if e.is_again() => std::thread::sleep(std::time::Duration::from_millis(2)),
            r => panic!("expected end of stream, got {r:?}"),
        }
    }
    panic!("no end of stream");
}

/// At the backend `RECV_WAITALL` receives what is queued and never waits
/// (the core's `sock_recv` repeats it, waiting through the scheduler, until
/// the buffers are full: `tests/tests/reliability/sock_waitall.rs`).
#[test]
fn recv_waitall_receives_what_is_queued() {
    let (l, addr) = listener();
    let mut client = StdStream::connect(addr).expect("connect");
    let s = accept(&l);
    client.write_all(b"abc").expect("write");
    wait_for(&*s, 3);
    let mut buf = [0u8; 8];
    let (n, _) = s
        .sock_recv(&mut [IoSliceMut::new(&mut buf)], RiFlags::RECV_WAITALL)
        .expect("recv waitall");
    assert_eq!(n, 3, "what was queued, without waiting for the rest");
    assert_eq!(&buf[..3], b"abc");
    assert!(
        s.sock_recv(&mut [IoSliceMut::new(&mut buf)], RiFlags::RECV_WAITALL)
            .is_err_and(|e| e.is_again()),
        "nothing queued: EAGAIN"
    );
    drop(client);
    // The peer closing: end of stream.
    for _ in 0..500 {
        match s.sock_recv(&mut [IoSliceMut::new(&mut buf)], RiFlags::RECV_WAITALL) {
            Ok((0, _)) => return,
            Err(e) if e.is_again() => std::thread::sleep(std::time::Duration::from_millis(2)),
            r => panic!("expected end of stream, got {r:?}"),
        }
    }
    panic!("no end of stream");
}

#[test]
fn listener_has_no_data() {
    let (l, _addr) = listener();
    let mut buf = [0u8; 4];
    assert_eq!(errno(l.read_vectored(&mut [IoSliceMut::new(&mut buf)])), Errno::Notconn);
    assert_eq!(errno(l.write_vectored(&[IoSlice::new(b"x")])), Errno::Notconn);
    assert_eq!(errno(l.sock_shutdown(SdFlags::empty())), Errno::Inval);
}
