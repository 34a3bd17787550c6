//! Ending a threaded program while its threads are blocked: in a condvar
//! wait (`memory.atomic.wait`), a sleep (`poll_oneoff`), a read of stdin
//! (`fd_read`), a busy loop, and the main thread in `join`.
//! `exit` (argv[1]): a spawned thread calls `std::process::exit(3)`;
//! `return`: the main thread returns from `main` (status 0).

use guest::*;
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

static IN_POSITION: AtomicUsize = AtomicUsize::new(0);
static SPIN: AtomicBool = AtomicBool::new(true);

fn blockers() -> Vec<thread::JoinHandle<()>> {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let condvar = thread::spawn(move || {
        let (m, c) = &*pair;
        let g = m.lock().unwrap();
        IN_POSITION.fetch_add(1, Ordering::SeqCst);
        let _g = c.wait_while(g, |ready| !*ready).unwrap();
        fail("the condvar wait returned");
    });
    let sleeper = thread::spawn(|| {
        IN_POSITION.fetch_add(1, Ordering::SeqCst);
        thread::sleep(Duration::from_secs(3600));
        fail("the sleep returned");
    });
    let reader = thread::spawn(|| {
        IN_POSITION.fetch_add(1, Ordering::SeqCst);
        let mut b = [0u8; 1];
        let r = std::io::stdin().read(&mut b);
        fail(&format!("the read of stdin returned {r:?}"));
    });
    let spinner = thread::spawn(|| {
        IN_POSITION.fetch_add(1, Ordering::SeqCst);
        let mut n = 0u64;
        while SPIN.load(Ordering::Relaxed) {
            n = n.wrapping_add(1);
        }
        fail(&format!("the busy loop ended after {n}"));
    });
    vec![condvar, sleeper, reader, spinner]
}

fn main() {
    let mode = guest::args().ok().and_then(|a| a.get(1).cloned()).unwrap_or_default();
    let hs = blockers();
    while IN_POSITION.load(Ordering::SeqCst) < 4 {
        thread::yield_now();
    }
    // Give the blockers time to be inside their waits.
    thread::sleep(Duration::from_millis(100));
    println!("4 threads blocked");
    match &mode[..] {
        b"exit" => {
            let exiter = thread::spawn(|| {
                println!("exiting with 3");
                std::process::exit(3);
            });
            for h in hs.into_iter().chain([exiter]) {
                let _ = h.join();
            }
            fail("join returned");
        }
        b"return" => {
            println!("main returns");
        }
        other => fail(&format!("unknown mode {:?}", String::from_utf8_lossy(other))),
    }
}
