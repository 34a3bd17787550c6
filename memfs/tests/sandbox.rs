//! No `..`, absolute path or symlink reaches above the directory a handle
//! names, with the errnos of the sync backend's `tests/sandbox.rs`.

mod common;

use common::*;
use wasi_common_compat::{Errno, FileType, OFlags, SystemTimeSpec, WasiDir};
use wasi_common_compat_memfs::MemFs;

/// A tree with `secret.txt` and `outside/` next to `sandbox/`, and a
/// handle on `sandbox/`.
fn fixture_with_subdirs() -> (MemFs, Box<dyn WasiDir>) {
    let fs = MemFs::new();
    fs.write_file("secret.txt", b"outside the sandbox").expect("write");
    fs.root().create_dir("outside").expect("mkdir");
    fs.root().create_dir("sandbox").expect("mkdir");
    fs.root().create_dir("sandbox/a").expect("mkdir");
    fs.root().create_dir("sandbox/a/b").expect("mkdir");
    let d = open_dir(&fs.root(), "sandbox", with(read(), OFlags::DIRECTORY));
    (fs, d)
}

fn assert_outside_untouched(fs: &MemFs) {
    let snap = fs.snapshot();
    let top: Vec<String> = snap
        .paths()
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| !p.starts_with("sandbox/"))
        .collect();
    assert_eq!(top, ["outside", "sandbox", "secret.txt"]);
    assert_eq!(snap.read("secret.txt").expect("secret"), b"outside the sandbox");
}

#[test]
fn dotdot_and_absolute_paths_are_eperm_for_every_operation() {
    let (fs, d) = fixture_with_subdirs();
    let d = &*d;
    for p in [
        "../secret.txt",
        "a/../../secret.txt",
        "./../secret.txt",
        "a/b/../../../secret.txt",
        "/secret.txt",
        "/",
    ] {
        assert_eq!(open_errno(d, p, read()), Errno::Perm, "open {p}");
        let trunc = with(read_write(), OFlags::CREATE | OFlags::TRUNCATE);
        assert_eq!(open_errno(d, p, trunc), Errno::Perm, "open+trunc {p}");
        assert_eq!(errno(d.get_path_filestat(p, true)), Errno::Perm, "stat {p}");
        assert_eq!(errno(d.get_path_filestat(p, false)), Errno::Perm, "lstat {p}");
        assert_eq!(errno(d.unlink_file(p)), Errno::Perm, "unlink {p}");
        assert_eq!(errno(d.read_link(p)), Errno::Perm, "readlink {p}");
        let now = Some(SystemTimeSpec::SymbolicNow);
        assert_eq!(errno(d.set_times(p, now, now, true)), Errno::Perm, "utimens {p}");
        assert_eq!(errno(d.rename(p, d, "stolen")), Errno::Perm, "rename from {p}");
        assert_eq!(errno(d.hard_link(p, d, "stolen")), Errno::Perm, "link from {p}");
        let new = format!("{}.new", p.trim_end_matches(".txt"));
        assert_eq!(errno(d.create_dir(&new)), Errno::Perm, "mkdir {new}");
        assert_eq!(errno(d.symlink("x", &new)), Errno::Perm, "symlink at {new}");
    }
    let f = open_file(d, "mine", with(read_write(), OFlags::CREATE));
    write_all(&*f, b"mine");
    assert_eq!(errno(d.rename("mine", d, "../secret.txt")), Errno::Perm);
    assert_eq!(errno(d.hard_link("mine", d, "../outside/x")), Errno::Perm);
    assert_eq!(errno(d.remove_dir("../outside")), Errno::Perm);
    assert!(!exists(d, "stolen"));
    assert_outside_untouched(&fs);
}

#[test]
fn dotdot_that_stays_inside_is_fine() {
    let (fs, d) = fixture_with_subdirs();
    fs.write_file("sandbox/a/f", b"x").expect("write");
    let f = open_file(&*d, "a/b/.././/../a/./f", read());
    assert_eq!(read_some(&*f), b"x");
    assert_eq!(errno(d.get_path_filestat("..", false)), Errno::Perm);
    let a = open_dir(&*d, "a", read());
    assert_eq!(
        errno(a.get_path_filestat("../a/f", false)),
        Errno::Perm,
        "a handle is its own sandbox"
    );
}

#[test]
fn symlinks_to_outside_cannot_be_followed() {
    let (fs, d) = fixture_with_subdirs();
    let d = &*d;
    d.symlink("../secret.txt", "rel").expect("relative symlink");
    d.symlink("../outside", "reldir").expect("relative dir symlink");
    assert_eq!(
        errno(d.symlink("/secret.txt", "abs")),
        Errno::Perm,
        "absolute targets are refused"
    );
    let link = "rel";
    assert_eq!(open_errno(d, link, read()), Errno::Perm, "open {link}");
    let w = with(read_write(), OFlags::CREATE | OFlags::TRUNCATE);
    assert_eq!(open_errno(d, link, w), Errno::Perm, "open+trunc {link}");
    assert_eq!(open_errno(d, link, nofollow(read())), Errno::Loop, "nofollow {link}");
    assert_eq!(errno(d.get_path_filestat(link, true)), Errno::Perm, "stat {link}");
    let st = d.get_path_filestat(link, false).expect("lstat");
    assert_eq!(st.filetype, FileType::SymbolicLink);
    assert_eq!(st.size, "../secret.txt".len() as u64);
    let create = with(read_write(), OFlags::CREATE);
    assert_eq!(open_errno(d, "reldir/new", create), Errno::Perm);
    assert_eq!(errno(d.create_dir("reldir/sub")), Errno::Perm);
    assert_eq!(errno(d.symlink("x", "reldir/l")), Errno::Perm);
    assert_eq!(open_errno(d, "reldir", with(read(), OFlags::DIRECTORY)), Errno::Perm);
    d.symlink("../outside/created", "dangling").expect("dangling symlink");
    assert_eq!(open_errno(d, "dangling", create), Errno::Perm);
    assert_eq!(open_errno(d, "dangling", nofollow(create)), Errno::Loop);
    assert_eq!(
        d.read_link("rel").expect("readlink"),
        std::path::Path::new("../secret.txt")
    );
    assert_eq!(errno(d.read_link("a")), Errno::Inval);
    d.unlink_file("rel").expect("unlink rel");
    assert_eq!(errno(d.remove_dir("reldir")), Errno::Notdir);
    assert_outside_untouched(&fs);
}

#[test]
fn absolute_symlinks_from_a_host_copy_are_refused_when_followed() {
    let host = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink("/etc/passwd", host.path().join("abs")).expect("symlink");
    let fs = MemFs::from_host_dir(Default::default(), host.path()).expect("copy in");
    let d = fs.root();
    assert_eq!(
        d.read_link("abs").expect("readlink"),
        std::path::Path::new("/etc/passwd")
    );
    assert_eq!(open_errno(&d, "abs", read()), Errno::Perm);
    assert_eq!(errno(d.get_path_filestat("abs", true)), Errno::Perm);
}

#[test]
fn symlinks_inside_are_followed() {
    let fs = MemFs::new();
    let d = fs.root();
    d.create_dir("sub").expect("mkdir");
    fs.write_file("sub/f", b"hello").expect("write");
    d.symlink("sub/f", "lf").expect("symlink");
    d.symlink("../sub", "sub/up").expect("symlink up and back");
    assert_eq!(read_some(&*open_file(&d, "lf", read())), b"hello");
    assert_eq!(read_some(&*open_file(&d, "sub/up/f", read())), b"hello");
    assert_eq!(d.get_path_filestat("lf", true).expect("stat").size, 5);
    assert_eq!(errno(d.symlink("", "empty")), Errno::Noent);
}

#[test]
fn symlink_loops_are_eloop() {
    let fs = MemFs::new();
    let d = fs.root();
    d.symlink("self", "self").expect("self loop");
    d.symlink("b", "a").expect("a -> b");
    d.symlink("a", "b").expect("b -> a");
    for p in ["self", "a", "b"] {
        assert_eq!(open_errno(&d, p, read()), Errno::Loop, "open {p}");
        assert_eq!(open_errno(&d, p, nofollow(read())), Errno::Loop, "nofollow {p}");
        assert_eq!(errno(d.get_path_filestat(p, true)), Errno::Loop, "stat {p}");
        let create = with(read_write(), OFlags::CREATE);
        assert_eq!(open_errno(&d, p, create), Errno::Loop, "create {p}");
        assert_eq!(errno(d.create_dir(&format!("{p}/x"))), Errno::Loop, "mkdir {p}/x");
    }
    // A chain of 40 links resolves; 41 is a loop, as on Linux.
    d.create_dir("c").expect("mkdir");
    fs.write_file("c/end", b"end").expect("write");
    d.symlink("end", "c/l0").expect("symlink");
    for i in 1..=40 {
        d.symlink(&format!("l{}", i - 1), &format!("c/l{i}")).expect("symlink");
    }
    assert_eq!(read_some(&*open_file(&d, "c/l39", read())), b"end");
    assert_eq!(open_errno(&d, "c/l40", read()), Errno::Loop);
}

#[test]
fn dangling_symlink_inside_is_created_through_with_follow() {
    let fs = MemFs::new();
    let d = fs.root();
    d.symlink("target", "dangling").expect("symlink");
    assert_eq!(open_errno(&d, "dangling", read()), Errno::Noent);
    assert_eq!(open_errno(&d, "dangling", nofollow(read())), Errno::Loop);
    let f = open_file(&d, "dangling", with(read_write(), OFlags::CREATE));
    write_all(&*f, b"via link");
    assert_eq!(fs.read_file("target").expect("read"), b"via link");
}

#[test]
fn other_trees_and_implementations_are_exdev() {
    struct Other;
    impl WasiDir for Other {
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }
    let (a, b) = (MemFs::new(), MemFs::new());
    a.write_file("f", b"x").expect("write");
    assert_eq!(errno(a.root().rename("f", &Other, "g")), Errno::Xdev);
    assert_eq!(errno(a.root().hard_link("f", &Other, "g")), Errno::Xdev);
    assert_eq!(errno(a.root().rename("f", &b.root(), "g")), Errno::Xdev);
    assert_ne!(
        a.root().get_filestat().expect("fstat").device_id,
        b.root().get_filestat().expect("fstat").device_id
    );
    // Two handles of one tree are the same filesystem.
    let sub = {
        a.root().create_dir("sub").expect("mkdir");
        open_dir(&a.root(), "sub", read())
    };
    a.root().hard_link("f", &*sub, "linked").expect("link");
    a.root().rename("f", &*sub, "moved").expect("rename");
    assert_eq!(sub.get_path_filestat("linked", false).expect("stat").nlink, 2);
    assert_eq!(a.read_file("sub/moved").expect("read"), b"x");
}
