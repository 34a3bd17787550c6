//! The cap on live threads: spawns threads that wait until released, until
//! a spawn fails; prints how many it got and the error. After releasing and
//! joining them, spawning works again.

use guest::*;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

fn main() {
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let mut hs = Vec::new();
    let err = loop {
        if hs.len() >= 64 {
            fail("64 threads spawned: no cap in force");
        }
        let g = gate.clone();
        match thread::Builder::new().spawn(move || {
            let (m, c) = &*g;
            let _open = c.wait_while(m.lock().unwrap(), |open| !*open).unwrap();
        }) {
            Ok(h) => hs.push(h),
            Err(e) => break e,
        }
    };
    println!("spawned {} threads, then: {:?}", hs.len(), err.kind());
    *gate.0.lock().unwrap() = true;
    gate.1.notify_all();
    for h in hs {
        h.join().unwrap();
    }
    // A joined thread may still be leaving the host for a moment: retry briefly.
    let t0 = Instant::now();
    loop {
        match thread::Builder::new().spawn(|| 5) {
            Ok(h) => {
                eq(h.join().unwrap(), 5, "a thread after the release");
                break;
            }
            Err(e) if t0.elapsed() < Duration::from_secs(5) => {
                let _ = e;
                thread::sleep(Duration::from_millis(10));
            }
            Err(e) => fail(&format!("no thread after the release: {e}")),
        }
    }
    println!("spawning works after the release");
}
