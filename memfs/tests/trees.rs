//! Budgets, snapshots and restores, and trees built from maps, host
//! directories and tar streams (and written back out).

mod common;

use common::*;
use std::io::IoSlice;
use wasi_common_compat::{Errno, FileType, OFlags, WasiDir};
use wasi_common_compat_memfs::{Config, MemFs, PAGE};

#[test]
fn the_byte_budget_gives_enospc_and_holds() {
    let fs = MemFs::with_config(Config::new().max_bytes(64 * PAGE));
    let f = open_file(&fs.root(), "big", with(read_write(), OFlags::CREATE));
    let chunk = vec![0xabu8; PAGE as usize];
    let mut written = 0u64;
    let err = loop {
        match f.write_vectored(&[IoSlice::new(&chunk)]) {
            Ok(n) => written += n,
            Err(e) => break e,
        }
        assert!(written <= 64 * PAGE, "wrote past the budget");
    };
    assert_eq!(err.as_errno(), Some(Errno::Nospc));
    assert!(written >= 62 * PAGE, "the budget is usable ({written} bytes)");
    assert!(fs.usage().bytes <= 64 * PAGE);
    // Nothing was half-written, and freeing space makes room again.
    assert_eq!(f.get_filestat().expect("fstat").size, written);
    assert_eq!(errno(f.allocate(0, 65 * PAGE)), Errno::Nospc);
    f.set_filestat_size(0).expect("truncate");
    write_all(&*f, &chunk);
}

#[test]
fn the_inode_budget_gives_enospc() {
    let fs = MemFs::with_config(Config::new().max_inodes(4));
    let d = fs.root();
    d.create_dir("a").expect("mkdir");
    d.symlink("a", "l").expect("symlink");
    open_file(&d, "f", with(read_write(), OFlags::CREATE));
    assert_eq!(errno(d.create_dir("b")), Errno::Nospc);
    assert_eq!(open_errno(&d, "g", with(read_write(), OFlags::CREATE)), Errno::Nospc);
    assert_eq!(errno(d.symlink("a", "m")), Errno::Nospc);
    assert!(!exists(&d, "b") && !exists(&d, "g") && !exists(&d, "m"));
    d.hard_link("f", &d, "f2").expect("a link is no new inode");
    d.remove_dir("a").expect("rmdir");
    d.create_dir("b").expect("room again");
}

#[test]
fn host_memory_stays_bounded_past_the_budget() {
    // 8 MiB budget; a guest-like loop tries to write 1 GiB in 1 MiB writes,
    // sparse writes far apart, and many files. Resident memory must not
    // grow by much more than the budget.
    fn rss_kb() -> u64 {
        let s = std::fs::read_to_string("/proc/self/status").expect("status");
        let line = s.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
        line[6..].trim().trim_end_matches("kB").trim().parse().expect("number")
    }
    let before = rss_kb();
    let fs = MemFs::with_config(Config::new().max_bytes(8 << 20).max_inodes(1000));
    let f = open_file(&fs.root(), "f", with(read_write(), OFlags::CREATE));
    let mb = vec![1u8; 1 << 20];
    let mut nospc = 0;
    for i in 0..1024u64 {
        match f.write_vectored_at(&[IoSlice::new(&mb)], i << 30) {
            Ok(_) => {}
            Err(e) => {
                assert_eq!(e.as_errno(), Some(Errno::Nospc));
                nospc += 1;
            }
        }
    }
    for i in 0..2000 {
        let _ = fs
            .root()
            .open_file(&format!("n{i}"), with(read_write(), OFlags::CREATE));
    }
    assert!(nospc >= 1000, "{nospc} writes refused");
    assert!(fs.usage().bytes <= 8 << 20);
    assert!(fs.usage().inodes <= 1000);
    let grown = rss_kb().saturating_sub(before);
    assert!(grown < 32 * 1024, "resident memory grew by {grown} kB");
}

#[test]
fn snapshot_and_restore_round_trip() {
    let fs = MemFs::new();
    let d = fs.root();
    d.create_dir("a").expect("mkdir");
    d.create_dir("a/b").expect("mkdir");
    fs.write_file("a/b/f", b"contents").expect("write");
    d.hard_link("a/b/f", &d, "hard").expect("link");
    d.symlink("a/b/f", "soft").expect("symlink");
    let f = open_file(&d, "sparse", with(read_write(), OFlags::CREATE));
    f.write_vectored_at(&[IoSlice::new(b"x")], 10 * PAGE).expect("pwrite");
    let snap = fs.snapshot();
    // Later changes do not reach the snapshot.
    d.unlink_file("hard").expect("unlink");
    fs.write_file("later", b"later").expect("write");
    assert_eq!(snap.read("hard").expect("hard"), b"contents");
    assert!(snap.read("later").is_none());
    assert_eq!(snap.read_link("soft"), Some("a/b/f"));
    let paths: Vec<(String, FileType)> = snap.paths();
    let names: Vec<&str> = paths.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["a", "a/b", "a/b/f", "hard", "soft", "sparse"]);
    let copy = snap.restore(Config::new()).expect("restore");
    assert_eq!(copy.snapshot(), snap, "the restored tree is the same tree");
    let r = copy.root();
    let (s1, s2) = (
        r.get_path_filestat("a/b/f", false).expect("stat"),
        r.get_path_filestat("hard", false).expect("stat"),
    );
    assert_eq!((s1.inode, s1.nlink), (s2.inode, 2), "hard links survive");
    assert_eq!(copy.usage().bytes, snap_usage(&fs, &snap));
    // The copy is independent of the original, and new inodes continue.
    copy.write_file("a/b/f", b"changed").expect("write");
    assert_eq!(snap.read("a/b/f").expect("f"), b"contents");
    copy.write_file("new", b"").expect("write");
    let new_ino = r.get_path_filestat("new", false).expect("stat").inode;
    assert!(new_ino > r.get_path_filestat("sparse", false).expect("stat").inode);
    // A budget too small for the snapshot refuses it.
    assert_eq!(
        snap.restore(Config::new().max_bytes(PAGE)).unwrap_err().as_errno(),
        Some(Errno::Nospc)
    );
}

/// What a tree restored from `snap` should charge: file pages, entry
/// names, and the target of its one symlink ("a/b/f").
fn snap_usage(_fs: &MemFs, snap: &wasi_common_compat_memfs::Snapshot) -> u64 {
    let names: u64 = snap
        .paths()
        .iter()
        .map(|(p, _)| p.rsplit('/').next().unwrap_or("").len() as u64)
        .sum();
    snap.file_bytes() + names + "a/b/f".len() as u64
}

#[test]
fn from_map_makes_parents() {
    let fs = MemFs::from_map(Config::new(), [("a/b/c.txt", "abc"), ("/top", "t"), ("./a/x", "x")]).expect("tree");
    assert_eq!(fs.read_file("a/b/c.txt").expect("read"), b"abc");
    assert_eq!(fs.read_file("top").expect("read"), b"t");
    assert_eq!(fs.read_file("a/x").expect("read"), b"x");
    assert_eq!(
        MemFs::from_map(Config::new(), [("../x", "")]).unwrap_err().as_errno(),
        Some(Errno::Perm)
    );
    assert_eq!(
        MemFs::from_map(Config::new(), [("a", ""), ("a/b", "")])
            .unwrap_err()
            .as_errno(),
        Some(Errno::Notdir)
    );
    assert_eq!(
        MemFs::from_map(Config::new().max_bytes(10), [("a", vec![0u8; 100])])
            .unwrap_err()
            .as_errno(),
        Some(Errno::Nospc)
    );
}

#[test]
fn host_directories_copy_in_and_write_out() {
    use std::time::{Duration, UNIX_EPOCH};
    let host = tempfile::tempdir().expect("tempdir");
    let p = host.path();
    std::fs::create_dir_all(p.join("d/e")).expect("mkdir");
    std::fs::write(p.join("d/e/f"), b"deep").expect("write");
    std::fs::hard_link(p.join("d/e/f"), p.join("h")).expect("link");
    std::os::unix::fs::symlink("d/e/f", p.join("s")).expect("symlink");
    let t = UNIX_EPOCH + Duration::new(1_000_000_000, 123_456_789);
    std::fs::File::open(p.join("d/e/f"))
        .and_then(|f| f.set_modified(t))
        .expect("set mtime");
    std::fs::File::open(p)
        .and_then(|f| f.set_modified(t))
        .expect("set the directory's mtime");
    let fs = MemFs::from_host_dir(Config::new(), p).expect("copy in");
    let r = fs.root();
    assert_eq!(
        r.get_filestat().expect("fstat").mtim,
        Some(t),
        "the root keeps the host's times"
    );
    assert_eq!(fs.read_file("d/e/f").expect("read"), b"deep");
    assert_eq!(r.get_path_filestat("h", false).expect("stat").nlink, 2);
    assert_eq!(r.read_link("s").expect("readlink").to_str(), Some("d/e/f"));
    assert_eq!(r.get_path_filestat("d/e/f", false).expect("stat").mtim, Some(t));
    // Changes stay in memory until written out.
    fs.write_file("d/new", b"new").expect("write");
    r.unlink_file("h").expect("unlink");
    assert!(!p.join("d/new").exists() && p.join("h").exists());
    let out = tempfile::tempdir().expect("tempdir");
    fs.write_to_host_dir(out.path()).expect("write out");
    let o = out.path();
    assert_eq!(std::fs::read(o.join("d/new")).expect("read"), b"new");
    assert_eq!(std::fs::read(o.join("d/e/f")).expect("read"), b"deep");
    assert!(!o.join("h").exists());
    assert_eq!(
        std::fs::read_link(o.join("s")).expect("readlink").to_str(),
        Some("d/e/f")
    );
    let mtime = std::fs::metadata(o.join("d/e/f"))
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(mtime, t);
    assert_eq!(
        MemFs::from_host_dir(Config::new(), p.join("missing"))
            .unwrap_err()
            .as_errno(),
        Some(Errno::Noent)
    );
}

#[test]
fn tar_streams_become_trees() {
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |path: &str, kind: tar::EntryType, data: &[u8], link: Option<&str>| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mtime(1_234_567_890);
        h.set_mode(0o644);
        if let Some(l) = link {
            h.set_link_name(l).expect("link name");
        }
        b.append_data(&mut h, path, data).expect("append");
    };
    add("dir/", tar::EntryType::Directory, b"", None);
    add("dir/file.txt", tar::EntryType::Regular, b"from tar", None);
    add("./top", tar::EntryType::Regular, b"top", None);
    add("dir/link", tar::EntryType::Symlink, b"", Some("file.txt"));
    add("hard", tar::EntryType::Link, b"", Some("dir/file.txt"));
    let bytes = b.into_inner().expect("tar");
    let fs = MemFs::from_tar(Config::new(), bytes.as_slice()).expect("from tar");
    let r = fs.root();
    assert_eq!(fs.read_file("dir/link").expect("read"), b"from tar");
    assert_eq!(fs.read_file("top").expect("read"), b"top");
    let st = r.get_path_filestat("hard", false).expect("stat");
    assert_eq!(st.nlink, 2);
    assert_eq!(
        st.mtim,
        Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_234_567_890))
    );
    assert_eq!(
        MemFs::from_tar(Config::new().max_bytes(4), bytes.as_slice())
            .unwrap_err()
            .as_errno(),
        Some(Errno::Nospc)
    );
    assert_eq!(
        MemFs::from_tar(Config::new(), &b"not a tar stream at all"[..])
            .map(|_| ())
            .unwrap_err()
            .as_errno(),
        Some(Errno::Io)
    );
}

#[test]
fn readdir_listings_are_sorted_and_cookies_stable() {
    let fs = MemFs::new();
    for n in ["c", "a", "b"] {
        fs.write_file(n, b"").expect("write");
    }
    let d: &dyn WasiDir = &fs.root();
    let first = d.read_dir().expect("list");
    let names: Vec<&str> = first.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    // A listing is a snapshot: changes after it do not move its entries.
    fs.root().unlink_file("a").expect("unlink");
    fs.write_file("aa", b"").expect("write");
    assert_eq!(first[1].name, "b");
    let again: Vec<String> = d.read_dir().expect("list").into_iter().map(|e| e.name).collect();
    assert_eq!(again, ["aa", "b", "c"]);
}
