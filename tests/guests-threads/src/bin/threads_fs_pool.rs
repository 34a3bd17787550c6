//! A pool of worker threads doing file I/O in the preopened `/sandbox`
//! through std: each job creates a file, writes it, reads it back through a
//! second open, renames it or removes it; all workers also append records
//! to one shared log. The main thread then checks the directory listing and
//! every byte, and leaves `kept/` and `log` for the host to check.

use guest::*;
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

const WORKERS: usize = 4;
const JOBS: u32 = 48;
const RECORD: usize = 64;

/// The content of job `i`'s file: sizes from 0 to ~100 KiB (beyond the
/// host's 64 KiB copy chunk), bytes that depend on the job and position.
fn content(i: u32) -> Vec<u8> {
    let len = (i as usize * 2111) % 100_000 + usize::from(!i.is_multiple_of(7));
    (0..len)
        .map(|k| (k as u32).wrapping_mul(31).wrapping_add(i * 7) as u8)
        .collect()
}

fn record(worker: usize, i: u32) -> Vec<u8> {
    let mut r = format!("worker {worker} job {i:03} ").into_bytes();
    r.resize(RECORD - 1, b'.');
    r.push(b'\n');
    r
}

fn job(worker: usize, i: u32, log: &mut fs::File) -> Result<(), String> {
    let path = format!("/sandbox/work/job-{i:03}");
    let data = content(i);
    {
        let mut f = fs::File::create(&path).map_err(|e| format!("create {path}: {e}"))?;
        // Written in uneven pieces.
        for piece in data.chunks(7919) {
            f.write_all(piece).map_err(|e| format!("write {path}: {e}"))?;
        }
    }
    let mut back = Vec::new();
    fs::File::open(&path)
        .and_then(|mut f| f.read_to_end(&mut back))
        .map_err(|e| format!("read {path}: {e}"))?;
    if back != data {
        return Err(format!(
            "{path}: read back {} bytes that differ from the {} written",
            back.len(),
            data.len()
        ));
    }
    // Random access through one fd.
    if data.len() > 10 {
        let mut f = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| e.to_string())?;
        let mid = data.len() as u64 / 2;
        f.seek(SeekFrom::Start(mid)).map_err(|e| e.to_string())?;
        let mut b = [0u8; 1];
        f.read_exact(&mut b).map_err(|e| e.to_string())?;
        if b[0] != data[mid as usize] {
            return Err(format!("{path}: byte at {mid}"));
        }
    }
    if i % 3 == 0 {
        fs::rename(&path, format!("/sandbox/kept/job-{i:03}")).map_err(|e| format!("rename {path}: {e}"))?;
    } else {
        fs::remove_file(&path).map_err(|e| format!("remove {path}: {e}"))?;
        if fs::metadata(&path).is_ok() {
            return Err(format!("{path} still exists after remove"));
        }
    }
    // One write per record: appends through the workers' fds never mix.
    log.write_all(&record(worker, i)).map_err(|e| format!("append: {e}"))
}

fn main() {
    section("pool");
    fs::create_dir("/sandbox/work").unwrap_or_else(|e| fail(&format!("mkdir work: {e}")));
    fs::create_dir("/sandbox/kept").unwrap_or_else(|e| fail(&format!("mkdir kept: {e}")));
    let open_log = || {
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open("/sandbox/log")
            .unwrap_or_else(|e| fail(&format!("open log: {e}")))
    };
    // Each worker appends through its own fd, opened by the main thread.
    let (jobs_tx, jobs_rx) = mpsc::channel::<u32>();
    let jobs_rx = Arc::new(Mutex::new(jobs_rx));
    let (done_tx, done_rx) = mpsc::channel::<(usize, u32, Result<(), String>)>();
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let jobs = jobs_rx.clone();
            let done = done_tx.clone();
            let mut log = open_log();
            thread::spawn(move || {
                loop {
                    let next = jobs.lock().unwrap().recv();
                    let Ok(i) = next else { return };
                    let r = job(w, i, &mut log);
                    done.send((w, i, r)).unwrap();
                }
            })
        })
        .collect();
    drop(done_tx);
    for i in 0..JOBS {
        jobs_tx.send(i).unwrap();
    }
    drop(jobs_tx);
    let mut finished = vec![false; JOBS as usize];
    for (w, i, r) in done_rx {
        if let Err(e) = r {
            fail(&format!("worker {w}, job {i}: {e}"));
        }
        check(!finished[i as usize], "each job done once");
        finished[i as usize] = true;
    }
    for w in workers {
        w.join().unwrap();
    }
    check(finished.iter().all(|&f| f), "every job done");

    section("results");
    let names = |dir: &str| -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap_or_else(|e| fail(&format!("read_dir {dir}: {e}")))
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    };
    eq(names("/sandbox/work"), Vec::<String>::new(), "work/ is empty");
    let want: Vec<String> = (0..JOBS)
        .filter(|i| i % 3 == 0)
        .map(|i| format!("job-{i:03}"))
        .collect();
    eq(names("/sandbox/kept"), want.clone(), "kept/");
    for i in (0..JOBS).filter(|i| i % 3 == 0) {
        let got = fs::read(format!("/sandbox/kept/job-{i:03}")).unwrap();
        check(got == content(i), format!("content of kept/job-{i:03}"));
    }
    let log = fs::read("/sandbox/log").unwrap();
    eq(log.len(), JOBS as usize * RECORD, "log size");
    let mut seen = vec![false; JOBS as usize];
    for rec in log.chunks(RECORD) {
        let text = String::from_utf8_lossy(rec);
        let i: usize = text
            .split(' ')
            .nth(3)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| fail(&format!("torn record {text:?}")));
        let w: usize = text[7..8].parse().unwrap_or(99);
        check(
            w < WORKERS && rec == record(w, i as u32).as_slice(),
            format!("intact record {text:?}"),
        );
        check(!seen[i], "one record per job");
        seen[i] = true;
    }
    println!("jobs {JOBS}, kept {}, log {} bytes", want.len(), log.len());
    done();
}
