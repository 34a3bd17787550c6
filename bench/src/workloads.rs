//! The workloads: their sizes, the argument lists the workload program
//! takes for them, and the files they need in the scratch directory.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

/// A workload of issue #6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// 16-byte `fd_write`s to a file in a preopened directory.
    WriteSmall,
    /// 16-byte `fd_write`s to stdout (`/dev/null`).
    StdoutSmall,
    /// Reading a big file in 64 KiB chunks.
    ReadBig,
    /// open + fstat + close + stat.
    Meta,
    /// Listing a directory with std's `read_dir`.
    Readdir,
    /// `poll_oneoff` with a 1 ns relative clock, then sleep(1 ms) accuracy.
    PollClock,
    /// 1 vs 2 threads writing (wasm32-wasip1-threads).
    ThreadsWrite,
    /// Spawning and joining threads, one at a time (wasm32-wasip1-threads).
    ThreadsSpawn,
}

impl Workload {
    /// Every workload, in table order.
    pub const ALL: [Workload; 8] = [
        Workload::WriteSmall,
        Workload::StdoutSmall,
        Workload::ReadBig,
        Workload::Meta,
        Workload::Readdir,
        Workload::PollClock,
        Workload::ThreadsWrite,
        Workload::ThreadsSpawn,
    ];

    /// The name the workload program takes.
    pub fn name(self) -> &'static str {
        match self {
            Workload::WriteSmall => "write_small",
            Workload::StdoutSmall => "stdout_small",
            Workload::ReadBig => "read_big",
            Workload::Meta => "meta",
            Workload::Readdir => "readdir",
            Workload::PollClock => "poll_clock",
            Workload::ThreadsWrite => "threads_write",
            Workload::ThreadsSpawn => "threads_spawn",
        }
    }

    /// True if the workload is the wasm32-wasip1-threads build's.
    pub fn threaded(self) -> bool {
        matches!(self, Workload::ThreadsWrite | Workload::ThreadsSpawn)
    }
}

/// The sizes of every workload.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub write_small: u64,
    pub stdout_small: u64,
    pub read_big_bytes: u64,
    pub meta: u64,
    pub readdir_reps: u64,
    pub readdir_entries: u64,
    pub poll_count: u64,
    pub sleeps: u64,
    pub threads_count: u64,
    pub spawns: u64,
}

impl Sizes {
    /// The sizes of issue #6.
    pub const FULL: Sizes = Sizes {
        write_small: 1_000_000,
        stdout_small: 1_000_000,
        read_big_bytes: 256 << 20,
        meta: 100_000,
        readdir_reps: 50,
        readdir_entries: 2_000,
        poll_count: 100_000,
        sleeps: 200,
        threads_count: 500_000,
        spawns: 1_000,
    };

    /// Tiny sizes for the smoke test: every path runs, nothing is measured.
    pub const SMOKE: Sizes = Sizes {
        write_small: 100,
        stdout_small: 100,
        read_big_bytes: 300 << 10,
        meta: 10,
        readdir_reps: 2,
        readdir_entries: 20,
        poll_count: 10,
        sleeps: 3,
        threads_count: 100,
        spawns: 3,
    };
}

impl Sizes {
    /// Every loop count divided by `n` (at least 1; `read_big` at least one
    /// chunk; the directory keeps its entries), for profiling under tools
    /// that slow the program down.
    pub fn divided(self, n: u64) -> Sizes {
        let d = |x: u64| (x / n.max(1)).max(1);
        Sizes {
            write_small: d(self.write_small),
            stdout_small: d(self.stdout_small),
            read_big_bytes: d(self.read_big_bytes).max(64 << 10),
            meta: d(self.meta),
            readdir_reps: d(self.readdir_reps),
            readdir_entries: self.readdir_entries,
            poll_count: d(self.poll_count),
            sleeps: d(self.sleeps),
            threads_count: d(self.threads_count),
            spawns: d(self.spawns),
        }
    }
}

/// One measured program run: a workload with its arguments.
#[derive(Debug, Clone)]
pub struct Case {
    pub workload: Workload,
    /// Row label in the table.
    pub label: String,
    /// Arguments after `NAME DIR`.
    pub args: Vec<u64>,
}

impl Case {
    /// The workload program's arguments after the program name, with the
    /// scratch directory as `dir`.
    pub fn argv(&self, dir: &str) -> Vec<String> {
        let mut v = vec![self.workload.name().to_owned(), dir.to_owned()];
        v.extend(self.args.iter().map(u64::to_string));
        v
    }
}

/// The cases of `workloads` at `sizes` (`threads_write` is two cases: 1 and
/// 2 threads).
pub fn cases(workloads: &[Workload], s: &Sizes) -> Vec<Case> {
    let mut out = Vec::new();
    let mut case = |workload, label: String, args: Vec<u64>| out.push(Case { workload, label, args });
    for &w in workloads {
        match w {
            Workload::WriteSmall => case(
                w,
                format!("write_small: {} x 16 B to a file", count(s.write_small)),
                vec![s.write_small],
            ),
            Workload::StdoutSmall => case(
                w,
                format!("stdout_small: {} x 16 B to stdout (/dev/null)", count(s.stdout_small)),
                vec![s.stdout_small],
            ),
            Workload::ReadBig => case(
                w,
                format!("read_big: {} in 64 KiB reads", bytes(s.read_big_bytes)),
                vec![s.read_big_bytes],
            ),
            Workload::Meta => case(
                w,
                format!("meta: {} x open+fstat+close+stat", count(s.meta)),
                vec![s.meta],
            ),
            Workload::Readdir => case(
                w,
                format!(
                    "readdir: {} x read_dir of {} entries",
                    s.readdir_reps,
                    count(s.readdir_entries)
                ),
                vec![s.readdir_reps, s.readdir_entries],
            ),
            Workload::PollClock => case(
                w,
                format!("poll_clock: {} x sleep(1 ns)", count(s.poll_count)),
                vec![s.poll_count, s.sleeps],
            ),
            Workload::ThreadsWrite => {
                for t in [1, 2] {
                    let label = format!(
                        "threads_write: {t} thread{} x {} x 16 B",
                        if t == 1 { "" } else { "s" },
                        count(s.threads_count)
                    );
                    case(w, label, vec![t, s.threads_count]);
                }
            }
            Workload::ThreadsSpawn => case(
                w,
                format!("threads_spawn: {} x spawn+join", count(s.spawns)),
                vec![s.spawns],
            ),
        }
    }
    out
}

/// `1000000` as `1M`, `500000` as `500k`.
fn count(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000 && n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

fn bytes(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} B")
    }
}

/// Creates what `workloads` read in `dir`: `big.bin` (kept if it already has
/// the size), `meta.txt`, and `many/` with exactly the wanted entries.
pub fn prepare(dir: &Path, workloads: &[Workload], s: &Sizes) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    if workloads.contains(&Workload::ReadBig) {
        let big = dir.join("big.bin");
        if fs::metadata(&big).map(|m| m.len()).ok() != Some(s.read_big_bytes) {
            let mut f = io::BufWriter::with_capacity(1 << 20, File::create(&big)?);
            let block: Vec<u8> = (0..=255u8).cycle().take(1 << 16).collect();
            let mut left = s.read_big_bytes;
            while left > 0 {
                let k = left.min(block.len() as u64);
                f.write_all(&block[..k as usize])?;
                left -= k;
            }
            f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        }
    }
    if workloads.contains(&Workload::Meta) {
        fs::write(dir.join("meta.txt"), b"metadata workload\n")?;
    }
    if workloads.contains(&Workload::Readdir) {
        let many = dir.join("many");
        fs::create_dir_all(&many)?;
        let want = |name: &str| {
            name.strip_prefix("entry-")
                .and_then(|n| n.parse::<u64>().ok())
                .is_some_and(|n| n < s.readdir_entries && name == entry_name(n))
        };
        let mut have = 0;
        for e in fs::read_dir(&many)? {
            let e = e?;
            if e.file_name().to_str().is_some_and(want) {
                have += 1;
            } else {
                fs::remove_file(e.path())?;
            }
        }
        if have != s.readdir_entries {
            for i in 0..s.readdir_entries {
                let p = many.join(entry_name(i));
                if !p.exists() {
                    File::create(p)?;
                }
            }
        }
    }
    Ok(())
}

fn entry_name(i: u64) -> String {
    format!("entry-{i:05}")
}
