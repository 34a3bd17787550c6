//! memfs against the sync backend: random sequences of path operations on
//! a host directory (through `wasi-common-compat-sync`'s `Dir`, cap-std on
//! Linux) and on a memfs tree must give the same result, errno for errno,
//! and leave the same tree.

use std::io::IoSlice;
use wasi_common_compat::{Errno, FdFlags, FileType, OFlags, OpenOptions, OpenResult, Result, WasiDir};
use wasi_common_compat_memfs::MemFs;

/// A small seeded generator (xorshift64*): the same seed, the same ops.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

const NAMES: &[&str] = &["a", "b", "c", "l", "m", ".", "..", "a", "b"];

fn path(r: &mut Rng) -> String {
    let n = 1 + r.below(3);
    let mut p: Vec<&str> = (0..n).map(|_| r.pick(NAMES)).collect();
    if r.below(8) == 0 {
        p.insert(0, "");
    }
    let mut s = p.join("/");
    if r.below(6) == 0 {
        s.push('/');
    }
    if s.is_empty() { "a".to_owned() } else { s }
}

/// What an operation gave: success (with what it observed) or an errno.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok(String),
    Err(Errno),
}

fn outcome<T>(r: Result<T>, show: impl FnOnce(T) -> String) -> Outcome {
    match r {
        Ok(v) => Outcome::Ok(show(v)),
        Err(e) => Outcome::Err(e.as_errno().unwrap_or(Errno::Io)),
    }
}

fn kind(ft: FileType) -> &'static str {
    match ft {
        FileType::Directory => "dir",
        FileType::RegularFile => "file",
        FileType::SymbolicLink => "link",
        _ => "other",
    }
}

/// One random operation on `d`, described by `op` (the same on both sides).
fn apply(d: &dyn WasiDir, op: &Op) -> Outcome {
    match op {
        Op::Mkdir(p) => outcome(d.create_dir(p), |_| String::new()),
        Op::Unlink(p) => outcome(d.unlink_file(p), |_| String::new()),
        Op::Rmdir(p) => outcome(d.remove_dir(p), |_| String::new()),
        Op::Rename(p, q) => outcome(d.rename(p, d, q), |_| String::new()),
        Op::Link(p, q) => outcome(d.hard_link(p, d, q), |_| String::new()),
        Op::Symlink(t, p) => outcome(d.symlink(t, p), |_| String::new()),
        Op::Readlink(p) => outcome(d.read_link(p), |t| t.display().to_string()),
        Op::Stat(p, follow) => outcome(d.get_path_filestat(p, *follow), |st| match st.filetype {
            FileType::Directory => "dir".to_owned(),
            ft => format!("{} size {} nlink {}", kind(ft), st.size, st.nlink),
        }),
        Op::Open(p, opts, data) => outcome(d.open_file(p, *opts), |r| match r {
            OpenResult::Dir(_) => "dir".to_owned(),
            OpenResult::File(f) => {
                let w = f.write_vectored(&[IoSlice::new(data.as_bytes())]);
                format!("file, write {:?}", w.map_err(|e| e.as_errno()))
            }
        }),
    }
}

#[derive(Debug)]
enum Op {
    Mkdir(String),
    Unlink(String),
    Rmdir(String),
    Rename(String, String),
    Link(String, String),
    Symlink(String, String),
    Readlink(String),
    Stat(String, bool),
    Open(String, OpenOptions, String),
}

fn random_op(r: &mut Rng) -> Op {
    match r.below(10) {
        0 => Op::Mkdir(path(r)),
        1 => Op::Unlink(path(r)),
        2 => Op::Rmdir(path(r)),
        3 => Op::Rename(path(r), path(r)),
        4 => Op::Link(path(r), path(r)),
        5 => Op::Symlink(path(r), path(r)),
        6 => Op::Readlink(path(r)),
        7 => Op::Stat(path(r), r.below(2) == 0),
        _ => {
            let mut oflags = OFlags::empty();
            for f in [OFlags::CREATE, OFlags::EXCLUSIVE, OFlags::TRUNCATE, OFlags::DIRECTORY] {
                if r.below(3) == 0 {
                    oflags |= f;
                }
            }
            let write = r.below(2) == 0;
            let opts = OpenOptions {
                follow: r.below(4) != 0,
                oflags,
                read: true,
                write,
                fdflags: if r.below(4) == 0 {
                    FdFlags::APPEND
                } else {
                    FdFlags::empty()
                },
            };
            Op::Open(path(r), opts, r.pick(&["", "x", "hello"]).to_owned())
        }
    }
}

/// Every path below the host directory `root`, with its type and (files)
/// contents or (links) target.
fn host_tree(root: &std::path::Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut todo = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = todo.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            let p = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            let md = std::fs::symlink_metadata(e.path()).unwrap();
            if md.is_dir() {
                out.push((p.clone(), "dir".to_owned()));
                todo.push((e.path(), p));
            } else if md.file_type().is_symlink() {
                out.push((p, format!("-> {}", std::fs::read_link(e.path()).unwrap().display())));
            } else {
                out.push((p, format!("{:?}", std::fs::read(e.path()).unwrap())));
            }
        }
    }
    out.sort();
    out
}

fn mem_tree(fs: &MemFs) -> Vec<(String, String)> {
    let snap = fs.snapshot();
    let mut out: Vec<(String, String)> = snap
        .paths()
        .into_iter()
        .map(|(p, ft)| {
            let v = match ft {
                FileType::Directory => "dir".to_owned(),
                FileType::SymbolicLink => format!("-> {}", snap.read_link(&p).unwrap_or("")),
                _ => format!("{:?}", snap.read(&p).unwrap_or_default()),
            };
            (p, v)
        })
        .collect();
    out.sort();
    out
}

/// Calls where the sync backend does not give Linux's answer and memfs
/// does, left out of the comparison:
/// - a path ending in `/.` whose last name is a symlink, in the calls
///   where the sync backend looks the path up with cap-std's
///   `symlink_metadata` (`lstat`, and the trailing-slash checks of
///   `rename`, `link` and `symlink`): Rust's path parsing drops the final `.`, so the
///   link itself is reported; Linux follows the link (`ENOENT` if it
///   dangles, `EPERM` in a sandbox if it leads out).
fn known_sync_deviation(op: &Op) -> bool {
    let dot = |p: &String| p.ends_with("/.") || p.ends_with("/./");
    match op {
        Op::Stat(p, false) => dot(p),
        Op::Rename(p, q) | Op::Link(p, q) => dot(p) || dot(q),
        Op::Symlink(_, p) => dot(p),
        _ => false,
    }
}

#[test]
fn random_path_operations_give_the_same_answers_on_memfs_and_the_host() {
    for seed in 1..=400u64 {
        let host = tempfile::tempdir().unwrap();
        let cap = cap_std::fs::Dir::open_ambient_dir(host.path(), cap_std::ambient_authority()).unwrap();
        let h = wasi_common_compat_sync::Dir::from_cap_std(cap);
        let fs = MemFs::new();
        let m = fs.root();
        let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        for step in 0..300 {
            let op = random_op(&mut r);
            if known_sync_deviation(&op) {
                continue;
            }
            let (a, b) = (apply(&h, &op), apply(&m, &op));
            assert_eq!(
                a,
                b,
                "seed {seed} step {step}: {op:?}\nhost: {:?}",
                host_tree(host.path())
            );
        }
        assert_eq!(host_tree(host.path()), mem_tree(&fs), "seed {seed}: the trees differ");
    }
}
