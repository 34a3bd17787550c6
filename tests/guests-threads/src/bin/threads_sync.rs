//! std's synchronization between threads: `Mutex`, `Condvar` (a bounded
//! queue with producers and consumers), `RwLock`, `Barrier`, atomics,
//! `OnceLock`.

use guest::*;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Condvar, Mutex, OnceLock, RwLock};
use std::thread;

fn main() {
    section("mutex");
    let counter = Arc::new(Mutex::new(0u64));
    let hs: Vec<_> = (0..8)
        .map(|_| {
            let c = counter.clone();
            thread::spawn(move || {
                for _ in 0..2000 {
                    *c.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    eq(*counter.lock().unwrap(), 16_000, "increments under the mutex");

    section("condvar: a bounded queue");
    struct Queue {
        items: Mutex<(VecDeque<u64>, usize)>,
        not_empty: Condvar,
        not_full: Condvar,
    }
    const PRODUCERS: u64 = 4;
    const EACH: u64 = 500;
    const CAP: usize = 8;
    let q = Arc::new(Queue {
        items: Mutex::new((VecDeque::new(), PRODUCERS as usize)),
        not_empty: Condvar::new(),
        not_full: Condvar::new(),
    });
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let q = q.clone();
            thread::spawn(move || {
                for i in 0..EACH {
                    let mut g = q
                        .not_full
                        .wait_while(q.items.lock().unwrap(), |g| g.0.len() >= CAP)
                        .unwrap();
                    check(g.0.len() < CAP, "the queue is not full after the wait");
                    g.0.push_back(p * 1_000_000 + i);
                    q.not_empty.notify_one();
                }
                q.items.lock().unwrap().1 -= 1;
                q.not_empty.notify_all();
            })
        })
        .collect();
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let q = q.clone();
            thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    let mut g = q
                        .not_empty
                        .wait_while(q.items.lock().unwrap(), |g| g.0.is_empty() && g.1 > 0)
                        .unwrap();
                    match g.0.pop_front() {
                        Some(v) => {
                            got.push(v);
                            q.not_full.notify_one();
                        }
                        None => return got,
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let mut all: Vec<u64> = Vec::new();
    for c in consumers {
        let got = c.join().unwrap();
        // Each consumer sees each producer's items in the order they were made.
        for p in 0..PRODUCERS {
            let mine: Vec<u64> = got.iter().copied().filter(|v| v / 1_000_000 == p).collect();
            check(mine.windows(2).all(|w| w[0] < w[1]), "a producer's items stay in order");
        }
        all.extend(got);
    }
    all.sort_unstable();
    let want: Vec<u64> = (0..PRODUCERS)
        .flat_map(|p| (0..EACH).map(move |i| p * 1_000_000 + i))
        .collect();
    eq(all.len(), want.len(), "items consumed");
    check(all == want, "every item consumed exactly once");

    section("rwlock");
    let table = Arc::new(RwLock::new(vec![0u64; 16]));
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let t = table.clone();
            thread::spawn(move || {
                for _ in 0..500 {
                    let mut w = t.write().unwrap();
                    for x in w.iter_mut() {
                        *x += 1;
                    }
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let t = table.clone();
            thread::spawn(move || {
                for _ in 0..500 {
                    let r = t.read().unwrap();
                    // A writer updates all entries under one lock: readers never see a half update.
                    check(r.iter().all(|&x| x == r[0]), "a consistent snapshot");
                }
            })
        })
        .collect();
    for h in writers.into_iter().chain(readers) {
        h.join().unwrap();
    }
    check(table.read().unwrap().iter().all(|&x| x == 1000), "all writes applied");

    section("barrier");
    const N: usize = 6;
    let barrier = Arc::new(Barrier::new(N));
    let arrived = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..N)
        .map(|_| {
            let (b, a) = (barrier.clone(), arrived.clone());
            thread::spawn(move || {
                let mut leaders = 0;
                for round in 1..=5 {
                    a.fetch_add(1, Ordering::SeqCst);
                    if b.wait().is_leader() {
                        leaders += 1;
                    }
                    // Everybody arrived for this round before anybody leaves it.
                    check(
                        a.load(Ordering::SeqCst) >= round * N,
                        "all arrived before the barrier opened",
                    );
                    b.wait();
                }
                leaders
            })
        })
        .collect();
    let leaders: usize = hs.into_iter().map(|h| h.join().unwrap()).sum();
    eq(leaders, 5, "one leader per round");

    section("atomics");
    let sum = Arc::new(AtomicU64::new(0));
    let max = Arc::new(AtomicU64::new(0));
    let hs: Vec<_> = (0..8u64)
        .map(|t| {
            let (sum, max) = (sum.clone(), max.clone());
            thread::spawn(move || {
                for i in 0..1000 {
                    sum.fetch_add(i, Ordering::Relaxed);
                    max.fetch_max(t * 1000 + i, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    eq(sum.load(Ordering::SeqCst), 8 * 499_500, "fetch_add");
    eq(max.load(Ordering::SeqCst), 7999, "fetch_max");

    section("once");
    static CELL: OnceLock<u64> = OnceLock::new();
    static INITS: AtomicUsize = AtomicUsize::new(0);
    let start = Arc::new(Barrier::new(8));
    let hs: Vec<_> = (0..8u64)
        .map(|t| {
            let start = start.clone();
            thread::spawn(move || {
                start.wait();
                *CELL.get_or_init(|| {
                    INITS.fetch_add(1, Ordering::SeqCst);
                    100 + t
                })
            })
        })
        .collect();
    let seen: Vec<u64> = hs.into_iter().map(|h| h.join().unwrap()).collect();
    eq(INITS.load(Ordering::SeqCst), 1, "the initializer ran once");
    check(seen.iter().all(|&v| v == seen[0]), "every thread saw the one value");
    done();
}
