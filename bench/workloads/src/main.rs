//! The benchmark workloads, one program for every build (wasm32-wasip1,
//! wasm32-wasip1-threads, native), so that each configuration runs the same
//! code.
//!
//! `workload NAME DIR [N...]`: runs workload NAME on files under DIR (a
//! preopened directory for the wasm builds, a host path for the native one)
//! and prints its results to stderr as `RESULT <key> <value>` lines. The
//! program times itself with the monotonic clock around its loop only, so
//! neither module compilation nor instantiation nor setup is in the figure.
//!
//! | NAME | arguments | loop |
//! |---|---|---|
//! | `write_small` | count | `count` unbuffered 16-byte writes to `DIR/write_small.out` |
//! | `stdout_small` | count | `count` unbuffered 16-byte writes to fd 1 |
//! | `read_big` | size | read `DIR/big.bin` in 64 KiB chunks, expecting `size` bytes (after one untimed pass) |
//! | `meta` | count | open + fstat + close + stat of `DIR/meta.txt`, `count` times |
//! | `readdir` | reps, entries | list `DIR/many` with `read_dir`, `reps` times, expecting `entries` |
//! | `poll_clock` | count, sleeps | `count` × sleep(1 ns); then `sleeps` × sleep(1 ms), median overshoot |
//! | `threads_write` | threads, count | each thread writes `count` × 16 B to its own file |
//! | `threads_spawn` | count | spawn a thread that does nothing and join it, `count` times |
//!
//! Every result line has the key `ns` (the loop's time); `poll_clock` also
//! prints `overshoot_ns`. Any failure panics (exit status non-zero).

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

const SMALL: &[u8; 16] = b"0123456789abcde\n";
const CHUNK: usize = 64 * 1024;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        panic!("usage: workload NAME DIR [N...]");
    }
    let dir = PathBuf::from(&args[2]);
    let n: Vec<u64> = args[3..]
        .iter()
        .map(|a| a.parse().unwrap_or_else(|_| panic!("not a number: {a:?}")))
        .collect();
    let arg = |i: usize| -> u64 {
        *n.get(i)
            .unwrap_or_else(|| panic!("{} needs argument {}", args[1], i + 1))
    };
    match args[1].as_str() {
        "write_small" => write_small(&dir, arg(0)),
        "stdout_small" => stdout_small(arg(0)),
        "read_big" => read_big(&dir, arg(0)),
        "meta" => meta(&dir, arg(0)),
        "readdir" => readdir(&dir, arg(0), arg(1)),
        "poll_clock" => poll_clock(arg(0), arg(1)),
        "threads_write" => threads_write(&dir, arg(0), arg(1)),
        "threads_spawn" => threads_spawn(arg(0)),
        other => panic!("unknown workload {other:?}"),
    }
}

fn result(key: &str, value: u128) {
    eprintln!("RESULT {key} {value}");
}

/// `count` × 16 bytes, one `write` call each.
fn write_all_small(f: &mut File, count: u64) {
    for _ in 0..count {
        let k = f.write(SMALL).expect("write");
        if k != SMALL.len() {
            panic!("short write: {k}");
        }
    }
}

fn write_small(dir: &Path, count: u64) {
    let mut f = File::create(dir.join("write_small.out")).expect("create write_small.out");
    let t = Instant::now();
    write_all_small(&mut f, count);
    result("ns", t.elapsed().as_nanos());
}

fn stdout_small(count: u64) {
    // fd 1 itself, not std's line-buffered `Stdout`: one write call each.
    // SAFETY: fd 1 is open for the whole program, and `ManuallyDrop` keeps
    // this `File` from closing it.
    let mut out = ManuallyDrop::new(unsafe { File::from_raw_fd(1) });
    let t = Instant::now();
    write_all_small(&mut out, count);
    result("ns", t.elapsed().as_nanos());
}

fn read_big(dir: &Path, size: u64) {
    let mut f = File::open(dir.join("big.bin")).expect("open big.bin");
    let mut buf = vec![0u8; CHUNK];
    // One untimed pass first, so that the timed one reads the page cache
    // (the host may have evicted the file since it was written).
    read_to_end(&mut f, &mut buf);
    f.seek(SeekFrom::Start(0)).expect("seek");
    let t = Instant::now();
    let (total, check) = read_to_end(&mut f, &mut buf);
    let ns = t.elapsed().as_nanos();
    if total != size {
        panic!("read {total} bytes of big.bin, expected {size}");
    }
    std::hint::black_box(check);
    result("ns", ns);
}

/// Reads `f` to its end in `buf`-sized reads: (bytes read, a byte of each read xor-ed).
fn read_to_end(f: &mut File, buf: &mut [u8]) -> (u64, u8) {
    let (mut total, mut check) = (0u64, 0u8);
    loop {
        let k = f.read(buf).expect("read");
        if k == 0 {
            return (total, check);
        }
        check ^= buf[k - 1];
        total += k as u64;
    }
}

fn meta(dir: &Path, count: u64) {
    let path = dir.join("meta.txt");
    let t = Instant::now();
    for _ in 0..count {
        let f = File::open(&path).expect("open meta.txt");
        let a = f.metadata().expect("fstat");
        drop(f);
        let b = fs::metadata(&path).expect("stat");
        if a.len() != b.len() {
            panic!("fstat and stat disagree");
        }
    }
    result("ns", t.elapsed().as_nanos());
}

fn readdir(dir: &Path, reps: u64, entries: u64) {
    let many = dir.join("many");
    let t = Instant::now();
    for _ in 0..reps {
        let mut n = 0u64;
        let mut name_bytes = 0usize;
        for e in fs::read_dir(&many).expect("read_dir") {
            name_bytes += e.expect("entry").file_name().len();
            n += 1;
        }
        if n != entries {
            panic!("listed {n} entries, expected {entries}");
        }
        std::hint::black_box(name_bytes);
    }
    result("ns", t.elapsed().as_nanos());
}

fn poll_clock(count: u64, sleeps: u64) {
    let t = Instant::now();
    for _ in 0..count {
        thread::sleep(Duration::from_nanos(1));
    }
    result("ns", t.elapsed().as_nanos());

    let ms = Duration::from_millis(1);
    let mut over: Vec<u128> = (0..sleeps.max(1))
        .map(|_| {
            let t = Instant::now();
            thread::sleep(ms);
            t.elapsed().saturating_sub(ms).as_nanos()
        })
        .collect();
    over.sort_unstable();
    result("overshoot_ns", over[over.len() / 2]);
}

fn threads_write(dir: &Path, threads: u64, count: u64) {
    // Every thread opens its file, then all start together; the time runs
    // from the common start to the last thread's end (spawning a wasm
    // thread instantiates the module again: that is not in the figure).
    let start = Arc::new(Barrier::new(threads as usize + 1));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let path = dir.join(format!("threads_write_{i}.out"));
            let start = start.clone();
            thread::spawn(move || {
                let mut f = File::create(&path).expect("create threads_write output");
                start.wait();
                write_all_small(&mut f, count);
            })
        })
        .collect();
    start.wait();
    let t = Instant::now();
    for h in handles {
        h.join().expect("writer thread");
    }
    result("ns", t.elapsed().as_nanos());
}

fn threads_spawn(count: u64) {
    // One at a time: the figure is the cost of a thread's whole life (on
    // wasm32-wasip1-threads: `thread-spawn`, a new instance, the start
    // function, the exit and the join's wake-up).
    let t = Instant::now();
    for i in 0..count {
        let h = thread::spawn(move || std::hint::black_box(i));
        if h.join().expect("spawned thread") != i {
            panic!("thread {i} returned something else");
        }
    }
    result("ns", t.elapsed().as_nanos());
}
