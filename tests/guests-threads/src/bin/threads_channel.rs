//! `std::sync::mpsc` between threads: many producers, a bounded channel
//! with backpressure, a rendezvous channel, disconnection, `recv_timeout`.

use guest::*;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

fn main() {
    section("many producers, one consumer");
    let (tx, rx) = mpsc::channel::<(u32, u32)>();
    let hs: Vec<_> = (0..6)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..1000 {
                    tx.send((p, i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut next = [0u32; 6];
    let mut n = 0;
    // Ends when every sender is gone.
    for (p, i) in rx {
        eq(i, next[p as usize], format!("producer {p}'s next message"));
        next[p as usize] += 1;
        n += 1;
    }
    eq(n, 6000, "messages received");
    for h in hs {
        h.join().unwrap();
    }

    section("bounded channel");
    let (tx, rx) = mpsc::sync_channel::<u64>(2);
    let producer = thread::spawn(move || {
        for i in 0..200u64 {
            tx.send(i * i).unwrap();
        }
        // A full buffer makes try_send fail, not block.
        tx.send(u64::MAX).unwrap();
        tx.send(u64::MAX).unwrap();
        matches!(tx.try_send(0), Err(mpsc::TrySendError::Full(0)))
    });
    for i in 0..200u64 {
        eq(rx.recv().unwrap(), i * i, "in order");
        if i % 50 == 0 {
            thread::sleep(Duration::from_millis(5));
        }
    }
    // The producer fills the buffer (2) and finds it full.
    let full = producer.join().unwrap();
    check(full, "try_send on a full channel is Full");
    eq(rx.recv().unwrap(), u64::MAX, "the first buffered message");
    eq(rx.recv().unwrap(), u64::MAX, "the second buffered message");
    check(rx.recv().is_err(), "disconnected once the producer is gone");

    section("rendezvous");
    let (tx, rx) = mpsc::sync_channel::<String>(0);
    let (back_tx, back_rx) = mpsc::channel::<usize>();
    let echo = thread::spawn(move || {
        for s in rx {
            back_tx.send(s.len()).unwrap();
        }
    });
    for w in ["a", "bb", "ccc", "dddd"] {
        tx.send(w.to_owned()).unwrap();
        eq(back_rx.recv().unwrap(), w.len(), "echoed length");
    }
    drop(tx);
    echo.join().unwrap();
    check(back_rx.recv().is_err(), "the echo thread's sender is gone");

    section("recv_timeout");
    let (tx, rx) = mpsc::channel::<u8>();
    let t0 = Instant::now();
    check(
        matches!(
            rx.recv_timeout(Duration::from_millis(50)),
            Err(mpsc::RecvTimeoutError::Timeout)
        ),
        "nothing sent: Timeout",
    );
    check(t0.elapsed() >= Duration::from_millis(50), "waited the whole timeout");
    let late = thread::spawn(move || {
        thread::sleep(Duration::from_millis(30));
        tx.send(9).unwrap();
    });
    eq(
        rx.recv_timeout(Duration::from_secs(10)).ok(),
        Some(9),
        "a message that comes in time",
    );
    late.join().unwrap();
    check(
        matches!(
            rx.recv_timeout(Duration::from_millis(10)),
            Err(mpsc::RecvTimeoutError::Disconnected)
        ),
        "sender gone: Disconnected",
    );
    done();
}
