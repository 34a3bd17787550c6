//! A 1 GiB push through a 64 KiB buffer in bounded host memory. Alone in its
//! test binary, so no other test's allocations blur the measurement.

mod common;

use common::{CAT, rss, run, set_global};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use wasi_common_compat_p1_to_p2::push::push_source;

#[test]
fn one_gib_through_64k_buffer_in_bounded_memory() {
    const TOTAL: usize = 1 << 30;
    let (stdin, pusher) = push_source(64 << 10);
    let ctx = wasi_common_compat_sync::WasiCtxBuilder::new()
        .stdin(Box::new(stdin))
        .build()
        .unwrap();
    let before = rss();
    let peak = Arc::new(AtomicUsize::new(0));
    let producer = {
        let peak = peak.clone();
        std::thread::spawn(move || {
            let chunk = vec![7u8; 64 << 10];
            let mut sent = 0;
            while sent < TOTAL {
                pusher.push_blocking(&chunk).unwrap();
                sent += chunk.len();
                if sent % (64 << 20) == 0 {
                    peak.fetch_max(rss() as usize, Ordering::Relaxed);
                }
            }
        })
    };
    let r = run(CAT, ctx, |s, i| set_global(s, i, "count_only", wasmtime::Val::I32(1)));
    producer.join().unwrap();
    assert_eq!(r.status, 0);
    assert_eq!(r.total, TOTAL as i64);
    let grown = peak.load(Ordering::Relaxed).saturating_sub(before as usize);
    assert!(
        grown < 64 << 20,
        "host memory grew by {grown} bytes while streaming 1 GiB"
    );
}
