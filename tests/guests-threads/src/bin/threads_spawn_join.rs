//! `std::thread`: spawn and join with results, names and ids, thread
//! locals, scoped threads borrowing the stack, park/unpark, sleeping, and
//! more threads over time than the cap on live ones.

use guest::*;
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

thread_local! {
    static MINE: Cell<u64> = const { Cell::new(0) };
}

fn main() {
    section("spawn and join");
    let handles: Vec<_> = (0..8u64)
        .map(|i| thread::spawn(move || (i * 1000..(i + 1) * 1000).sum::<u64>()))
        .collect();
    let sums: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for (i, s) in sums.iter().enumerate() {
        let i = i as u64;
        eq(
            *s,
            (i * 1000..(i + 1) * 1000).sum::<u64>(),
            format!("sum of thread {i}"),
        );
    }
    eq(sums.iter().sum::<u64>(), (0..8000).sum::<u64>(), "total");

    section("names and ids");
    let main_id = thread::current().id();
    let h = thread::Builder::new()
        .name("worker-7".into())
        .spawn(move || {
            let me = thread::current();
            (me.name().map(str::to_owned), me.id() != main_id)
        })
        .unwrap();
    let (name, other_id) = h.join().unwrap();
    eq(name.as_deref(), Some("worker-7"), "the thread's name");
    check(other_id, "a spawned thread has its own id");
    let ids: Vec<_> = (0..4).map(|_| thread::spawn(|| thread::current().id())).collect();
    let mut ids: Vec<_> = ids.into_iter().map(|h| h.join().unwrap()).collect();
    ids.push(main_id);
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            check(a != b, "thread ids are unique");
        }
    }

    section("thread locals");
    MINE.with(|m| m.set(1));
    let hs: Vec<_> = (2..10u64)
        .map(|v| {
            thread::spawn(move || {
                let before = MINE.with(Cell::get);
                MINE.with(|m| m.set(v));
                thread::yield_now();
                (before, MINE.with(Cell::get))
            })
        })
        .collect();
    for (h, v) in hs.into_iter().zip(2..10u64) {
        eq(
            h.join().unwrap(),
            (0, v),
            "a thread starts with its own zeroed thread local",
        );
    }
    eq(MINE.with(Cell::get), 1, "the main thread's thread local is untouched");

    section("scoped threads borrow the stack");
    let mut data: Vec<u32> = (0..1000).collect();
    let total = AtomicUsize::new(0);
    thread::scope(|s| {
        for chunk in data.chunks_mut(100) {
            let total = &total;
            s.spawn(move || {
                for x in chunk.iter_mut() {
                    *x *= 2;
                }
                total.fetch_add(chunk.len(), Ordering::SeqCst);
            });
        }
    });
    eq(total.load(Ordering::SeqCst), 1000, "every element visited");
    check(
        data.iter().enumerate().all(|(i, &x)| x == 2 * i as u32),
        "every element doubled",
    );

    section("park and unpark");
    let flag = Arc::new(AtomicBool::new(false));
    let f2 = flag.clone();
    let parked = thread::spawn(move || {
        while !f2.load(Ordering::Acquire) {
            thread::park();
        }
        "unparked"
    });
    thread::sleep(Duration::from_millis(20));
    flag.store(true, Ordering::Release);
    parked.thread().unpark();
    eq(parked.join().unwrap(), "unparked", "the parked thread's result");

    section("sleep");
    let t0 = Instant::now();
    let hs: Vec<_> = (0..4)
        .map(|_| thread::spawn(|| thread::sleep(Duration::from_millis(50))))
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    let took = t0.elapsed();
    check(
        took >= Duration::from_millis(50),
        format!("4 threads slept 50 ms each, in {took:?}"),
    );
    check(took < Duration::from_secs(5), format!("the sleeps overlap: {took:?}"));

    section("300 threads, 30 at a time");
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..10 {
        let hs: Vec<_> = (0..30)
            .map(|_| {
                let ran = ran.clone();
                thread::spawn(move || ran.fetch_add(1, Ordering::SeqCst))
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    }
    eq(ran.load(Ordering::SeqCst), 300, "threads that ran");
    done();
}
