//! `sock_*`, and `poll_oneoff` on sockets.

use crate::poll::wait_for;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use wasi_common_compat_tests::*;

guest_test!(sock_errors, |run| {
    run.sandbox()
        .exec()
        .unwrap()
        .assert_sections(&["not sockets", "bad fds", "unknown flag bits"]);
});

guest_test!(sock_accept, |run| {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let run = run.listener(listener);
    let stdout = run.stdout_handle();
    let finished = Arc::new(AtomicBool::new(false));
    let f = finished.clone();
    let client = std::thread::spawn(move || -> Option<Vec<u8>> {
        if !wait_for(&stdout, "listening\n", &f) {
            return None;
        }
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"ping").unwrap();
        let mut got = Vec::new();
        // The guest shuts down writing after its reply: end of stream.
        s.read_to_end(&mut got).unwrap();
        Some(got)
    });
    let out = run.exec().unwrap();
    finished.store(true, Ordering::Release);
    let got = client.join().unwrap();
    out.assert_exit(0).assert_stderr("").assert_stdout(
        "- the listener\n\
         - nothing pending\n\
         listening\n\
         - a connection arrives\n\
         - receive\n\
         - send and shut down\n\
         - the peer closes\n\
         done\n",
    );
    assert_eq!(got.as_deref(), Some(&b"pong!"[..]), "what the guest sent");
});
