//! The sandbox fuzzer's interpreter, shared by the seeded stable-Rust
//! runner (`sync/tests/fuzz_sandbox.rs`, bounded, in CI) and the
//! `cargo fuzz` target (`fuzz/fuzz_targets/sandbox.rs`, for long runs).
//!
//! A case is a sequence of path operations on a preopened host directory
//! (`root/sandbox`), with paths built from `.`, `..`, absolute paths,
//! trailing slashes, names of symlinks to outside, and names of the
//! preopen itself. Next to the sandbox lies a canary tree (`root/canary`)
//! whose files hold a marker. The escape oracle, checked after every
//! sequence: the canary tree (names, types, contents, symlink targets,
//! mtimes) and the root's listing are exactly as before, and no read
//! through the sandbox returned the marker, no listing an inode of the
//! canary tree.

#![allow(dead_code, reason = "each driver uses a part")]

use std::collections::BTreeMap;
use std::io::{IoSlice, IoSliceMut};
use std::path::{Path, PathBuf};
use wasi_common_compat::{FdFlags, OFlags, OpenOptions, OpenResult, SystemTimeSpec, WasiDir, WasiFile};
use wasi_common_compat_sync::Dir;

/// Bytes in every canary file; no read through the sandbox may return them.
pub const MARKER: &[u8] = b"CANARY-7f3a9c-outside";
/// A name the canary tree has (the guest may make one inside too).
pub const CANARY_NAME: &str = "canary-only-name";

/// Where the choices come from: a seeded generator or fuzzer input.
pub trait Choices {
    /// A number in `0..n` (n > 0).
    fn pick(&mut self, n: usize) -> usize;
    /// False once the input is used up (a generator never is).
    fn more(&self) -> bool;
}

/// xorshift64*: a small seeded generator.
pub struct Rng(pub u64);

impl Choices for Rng {
    fn pick(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
    fn more(&self) -> bool {
        true
    }
}

/// Fuzzer input read a byte at a time.
pub struct Bytes<'a>(pub &'a [u8]);

impl Choices for Bytes<'_> {
    fn pick(&mut self, n: usize) -> usize {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b as usize % n
            }
            None => 0,
        }
    }
    fn more(&self) -> bool {
        !self.0.is_empty()
    }
}

/// A fresh tree: `root/sandbox` (preopened, with a few entries and links
/// to outside) and `root/canary`.
pub struct World {
    pub root: tempfile::TempDir,
    pub dir: Dir,
    before: Snapshot,
    root_names: Vec<String>,
    /// Components that name things outside (absolute paths into the canary).
    abs: Vec<String>,
    /// Inode numbers of everything in the canary tree (a listing through
    /// the sandbox that shows one has listed outside).
    canary_inodes: Vec<u64>,
}

type Snapshot = BTreeMap<PathBuf, String>;

fn snapshot(base: &Path) -> Snapshot {
    fn walk(base: &Path, rel: &Path, out: &mut Snapshot) {
        let p = base.join(rel);
        let Ok(md) = std::fs::symlink_metadata(&p) else { return };
        let mtime = md
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let ft = md.file_type();
        let what = if ft.is_symlink() {
            format!("link {:?}", std::fs::read_link(&p).ok())
        } else if ft.is_dir() {
            let mut names: Vec<_> = std::fs::read_dir(&p)
                .map(|r| r.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
                .unwrap_or_default();
            names.sort();
            for n in &names {
                walk(base, &rel.join(n), out);
            }
            format!("dir {names:?} mtime {mtime}")
        } else {
            format!("file {:?} mtime {mtime} mode {:o}", std::fs::read(&p).ok(), {
                use std::os::unix::fs::PermissionsExt;
                md.permissions().mode()
            })
        };
        out.insert(rel.to_path_buf(), what);
    }
    let mut out = Snapshot::new();
    walk(base, Path::new(""), &mut out);
    out
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

impl World {
    pub fn new() -> World {
        use std::os::unix::fs::symlink;
        let root = tempfile::tempdir().expect("tempdir");
        let (sb, canary) = (root.path().join("sandbox"), root.path().join("canary"));
        std::fs::create_dir_all(canary.join("sub")).expect("canary");
        std::fs::write(canary.join("secret"), MARKER).expect("canary file");
        std::fs::write(canary.join(CANARY_NAME), MARKER).expect("canary file");
        std::fs::write(canary.join("sub/deep"), MARKER).expect("canary file");
        std::fs::write(root.path().join("beside"), MARKER).expect("file beside");
        std::fs::create_dir_all(sb.join("a/b")).expect("sandbox");
        std::fs::write(sb.join("f"), b"inside").expect("sandbox file");
        std::fs::write(sb.join("a/g"), b"inside too").expect("sandbox file");
        symlink("../canary", sb.join("out")).expect("link");
        symlink("../canary/secret", sb.join("outfile")).expect("link");
        symlink(canary.join("secret"), sb.join("absfile")).expect("link");
        symlink(&canary, sb.join("absdir")).expect("link");
        symlink("../../canary/", sb.join("a/up")).expect("link");
        symlink("a/b", sb.join("inlink")).expect("link");
        symlink("loop", sb.join("loop")).expect("link");
        let d = cap_std::fs::Dir::open_ambient_dir(&sb, cap_std::ambient_authority()).expect("open sandbox");
        let abs = vec![
            canary.join("secret").to_string_lossy().into_owned(),
            canary.to_string_lossy().into_owned(),
            root.path().to_string_lossy().into_owned(),
        ];
        let canary_inodes = ["", "sub", "secret", CANARY_NAME, "sub/deep"]
            .iter()
            .filter_map(|p| std::fs::symlink_metadata(canary.join(p)).ok())
            .map(|m| std::os::unix::fs::MetadataExt::ino(&m))
            .collect();
        World {
            canary_inodes,
            before: snapshot(&canary),
            root_names: names(root.path()),
            root,
            dir: Dir::from_cap_std(d),
            abs,
        }
    }

    /// The escape oracle. Returns a description of what changed outside.
    pub fn check(&self) -> Result<(), String> {
        let now = snapshot(&self.root.path().join("canary"));
        if now != self.before {
            let diff: Vec<_> = now
                .iter()
                .filter(|(k, v)| self.before.get(*k) != Some(v))
                .chain(self.before.iter().filter(|(k, _)| !now.contains_key(*k)))
                .collect();
            return Err(format!("the canary tree changed: {diff:?}"));
        }
        let root_now = names(self.root.path());
        if root_now != self.root_names {
            return Err(format!("the root changed: {:?} -> {root_now:?}", self.root_names));
        }
        if std::fs::read(self.root.path().join("beside")).ok().as_deref() != Some(MARKER) {
            return Err("the file beside the sandbox changed".into());
        }
        Ok(())
    }
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

const COMPONENTS: &[&str] = &[
    ".",
    "..",
    "a",
    "b",
    "f",
    "g",
    "out",
    "outfile",
    "absfile",
    "absdir",
    "up",
    "inlink",
    "loop",
    "new",
    "x",
    "secret",
    "sub",
    "deep",
    CANARY_NAME,
    "sandbox",
    "canary",
    "",
    "...",
    "a/..",
    "../sandbox",
];

fn path(c: &mut dyn Choices, w: &World) -> String {
    let mut p = String::new();
    if c.pick(8) == 0 {
        p.push_str(&w.abs[c.pick(w.abs.len())]);
    } else if c.pick(10) == 0 {
        p.push('/');
    }
    for k in 0..=c.pick(4) {
        if k > 0 || (!p.is_empty() && !p.ends_with('/')) {
            p.push('/');
        }
        p.push_str(COMPONENTS[c.pick(COMPONENTS.len())]);
    }
    match c.pick(6) {
        0 => p.push('/'),
        1 => p.push_str("//"),
        2 => p.push_str("/."),
        _ => {}
    }
    p
}

fn symlink_target(c: &mut dyn Choices, w: &World) -> String {
    const TARGETS: &[&str] = &[
        "../canary/secret",
        "../canary/",
        "..",
        "../..",
        "/",
        "a/../..",
        "f",
        "a/b",
        "../canary/sub/deep",
        "out/secret",
        "loop",
        "",
    ];
    if c.pick(5) == 0 {
        w.abs[c.pick(w.abs.len())].clone()
    } else {
        TARGETS[c.pick(TARGETS.len())].to_owned()
    }
}

fn open_options(c: &mut dyn Choices) -> OpenOptions {
    let mut oflags = OFlags::empty();
    for (bit, f) in [
        (0, OFlags::CREATE),
        (1, OFlags::EXCLUSIVE),
        (2, OFlags::TRUNCATE),
        (3, OFlags::DIRECTORY),
    ] {
        let _ = bit;
        if c.pick(4) == 0 {
            oflags |= f;
        }
    }
    let write = c.pick(2) == 0;
    OpenOptions {
        follow: c.pick(3) != 0,
        oflags,
        read: !write || c.pick(2) == 0,
        write,
        fdflags: if c.pick(4) == 0 {
            FdFlags::APPEND
        } else {
            FdFlags::NONBLOCK
        },
    }
}

fn time(c: &mut dyn Choices) -> Option<SystemTimeSpec> {
    match c.pick(3) {
        0 => None,
        1 => Some(SystemTimeSpec::SymbolicNow),
        _ => Some(SystemTimeSpec::Absolute(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1234),
        )),
    }
}

/// What a case touched: the number of operations and those that succeeded.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub ops: u64,
    pub ok: u64,
}

/// Checks that bytes read through the sandbox are not outside bytes.
fn check_read(bytes: &[u8], what: &str) -> Result<(), String> {
    if bytes.windows(MARKER.len()).any(|w| w == MARKER) {
        return Err(format!("{what} returned the canary marker"));
    }
    Ok(())
}

fn use_file(c: &mut dyn Choices, f: &dyn WasiFile, what: &str) -> Result<(), String> {
    let mut buf = [0u8; 256];
    if let Ok(n) = f.read_vectored(&mut [IoSliceMut::new(&mut buf)]) {
        check_read(&buf[..(n as usize).min(buf.len())], what)?;
    }
    if c.pick(3) == 0 {
        let _ = f.write_vectored(&[IoSlice::new(b"written by the fuzzer")]);
    }
    Ok(())
}

fn use_dir(c: &mut dyn Choices, d: &dyn WasiDir, w: &World, what: &str) -> Result<(), String> {
    if let Ok(list) = d.read_dir() {
        for e in &list {
            if e.inode != 0 && w.canary_inodes.contains(&e.inode) {
                return Err(format!("{what}: the listing shows {:?} of the canary tree", e.name));
            }
        }
    }
    // One more operation relative to the opened directory.
    let p = path(c, w);
    if let Ok(OpenResult::File(f)) = d.open_file(&p, open_options(c)) {
        use_file(c, &*f, &format!("{what} then open {p:?}"))?;
    }
    Ok(())
}

/// Runs one operation; `Err` only for an escape seen by the operation itself.
fn step(c: &mut dyn Choices, w: &World, log: &mut Vec<String>, st: &mut Stats) -> Result<(), String> {
    let d = &w.dir;
    let op = c.pick(12);
    let p = path(c, w);
    st.ops += 1;
    let ok = match op {
        0 | 1 => {
            let o = open_options(c);
            log.push(format!("open {p:?} {o:?}"));
            match d.open_file(&p, o) {
                Ok(OpenResult::File(f)) => {
                    use_file(c, &*f, &format!("open {p:?}"))?;
                    true
                }
                Ok(OpenResult::Dir(sub)) => {
                    use_dir(c, &*sub, w, &format!("open dir {p:?}"))?;
                    true
                }
                Err(_) => false,
            }
        }
        2 => {
            log.push(format!("mkdir {p:?}"));
            d.create_dir(&p).is_ok()
        }
        3 => {
            let q = path(c, w);
            log.push(format!("rename {p:?} {q:?}"));
            d.rename(&p, d, &q).is_ok()
        }
        4 => {
            let q = path(c, w);
            log.push(format!("link {p:?} {q:?}"));
            d.hard_link(&p, d, &q).is_ok()
        }
        5 => {
            let t = symlink_target(c, w);
            log.push(format!("symlink {t:?} at {p:?}"));
            d.symlink(&t, &p).is_ok()
        }
        6 => {
            log.push(format!("unlink {p:?}"));
            d.unlink_file(&p).is_ok()
        }
        7 => {
            log.push(format!("rmdir {p:?}"));
            d.remove_dir(&p).is_ok()
        }
        8 => {
            log.push(format!("readlink {p:?}"));
            d.read_link(&p).is_ok()
        }
        9 => {
            let follow = c.pick(2) == 0;
            let (a, m) = (time(c), time(c));
            log.push(format!("set_times {p:?} follow {follow}"));
            d.set_times(&p, a, m, follow).is_ok()
        }
        10 => {
            let follow = c.pick(2) == 0;
            log.push(format!("stat {p:?} follow {follow}"));
            d.get_path_filestat(&p, follow).is_ok()
        }
        _ => {
            log.push("readdir .".to_owned());
            use_dir(c, d, w, "readdir")?;
            true
        }
    };
    if ok {
        st.ops += 0;
        st.ok += 1;
    }
    Ok(())
}

/// Runs one case of up to `max_ops` operations on a fresh world; `Err`
/// describes an escape with the operations that led to it.
pub fn run_case(c: &mut dyn Choices, max_ops: usize, st: &mut Stats) -> Result<(), String> {
    let w = World::new();
    let mut log = Vec::new();
    for _ in 0..max_ops {
        if !c.more() {
            break;
        }
        if let Err(e) = step(c, &w, &mut log, st).and_then(|()| w.check()) {
            return Err(format!("{e}\nafter:\n  {}", log.join("\n  ")));
        }
    }
    Ok(())
}
