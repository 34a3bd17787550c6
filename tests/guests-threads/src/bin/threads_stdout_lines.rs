//! Many threads writing whole lines to stdout at once. `raw`: each line is
//! one `fd_write` of three iovecs (head, body, newline), some longer than
//! the host's 64 KiB copy chunk, with no lock in the guest. `std`: each line
//! is one `println!`. The test checks that every line arrives intact.
//!
//! Line format: `<mode> t<thread> n<line> <len> <body of len bytes>`, the
//! body a letter derived from thread and line, repeated.

use guest::*;
use std::thread;

const THREADS: u32 = 12;
const LINES: u32 = 150;

fn body_len(t: u32, n: u32) -> usize {
    match (t + n) % 50 {
        0 => 70_000 + (t as usize) * 1000,
        k => (k as usize * 37 + t as usize) % 400,
    }
}

fn body(t: u32, n: u32) -> Vec<u8> {
    vec![b'a' + ((t * 7 + n) % 26) as u8; body_len(t, n)]
}

fn main() {
    let mode = guest::args().ok().and_then(|a| a.get(1).cloned()).unwrap_or_default();
    let raw = match &mode[..] {
        b"raw" => true,
        b"std" => false,
        other => fail(&format!("unknown mode {:?}", String::from_utf8_lossy(other))),
    };
    let hs: Vec<_> = (0..THREADS)
        .map(|t| {
            thread::spawn(move || {
                for n in 0..LINES {
                    let b = body(t, n);
                    if raw {
                        let head = format!("raw t{t} n{n} {} ", b.len());
                        let want = head.len() + b.len() + 1;
                        let wrote = ok(fd_write(1, &[head.as_bytes(), &b, b"\n"]), "fd_write");
                        eq(wrote, want, "a whole line written by one fd_write");
                    } else {
                        println!("std t{t} n{n} {} {}", b.len(), String::from_utf8_lossy(&b));
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    eprintln!("{THREADS} threads wrote {LINES} lines each");
}
