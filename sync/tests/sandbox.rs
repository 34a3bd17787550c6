//! No `..`, absolute path or symlink reaches outside a preopened directory,
//! whatever the operation; and failed attempts change nothing outside.

mod common;

use common::*;
use wasi_common_compat::{Errno, OFlags, SystemTimeSpec, WasiDir};

/// Paths that name something outside the sandbox (the file next to it).
const ESCAPES: &[&str] = &[
    "../secret.txt",
    "a/../../secret.txt",
    "./../secret.txt",
    "a/b/../../../secret.txt",
];

fn fixture_with_subdirs() -> Fixture {
    let fx = Fixture::new();
    std::fs::create_dir_all(fx.inside("a/b")).expect("mkdir a/b");
    fx
}

#[test]
fn dotdot_and_absolute_paths_are_eperm_for_every_operation() {
    let fx = fixture_with_subdirs();
    let abs = fx.outside("secret.txt");
    let abs = abs.to_str().expect("utf-8 path");
    let mut paths: Vec<&str> = ESCAPES.to_vec();
    paths.push(abs);
    paths.push("/secret.txt");
    let d = &fx.dir;
    for p in paths {
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
    // Writing to an outside name from inside.
    std::fs::write(fx.inside("mine"), b"mine").expect("write");
    assert_eq!(errno(d.rename("mine", d, "../secret.txt")), Errno::Perm);
    assert_eq!(errno(d.hard_link("mine", d, "../outside/x")), Errno::Perm);
    assert_eq!(errno(d.remove_dir("../outside")), Errno::Perm);
    assert!(!exists(&fx.inside("stolen")));
    fx.assert_outside_untouched();
}

#[test]
fn dotdot_that_stays_inside_is_fine() {
    let fx = fixture_with_subdirs();
    std::fs::write(fx.inside("a/f"), b"x").expect("write");
    let f = open_file(&fx.dir, "a/b/.././/../a/./f", read());
    assert_eq!(read_some(&*f), b"x");
}

#[test]
fn symlinks_to_outside_cannot_be_followed() {
    let fx = Fixture::new();
    let d = &fx.dir;
    // Relative targets that escape can be created (the link is only text),
    // but never followed.
    d.symlink("../secret.txt", "rel").expect("relative symlink");
    d.symlink("../outside", "reldir").expect("relative dir symlink");
    // Absolute links made on the host can be there too.
    std::os::unix::fs::symlink(fx.outside("secret.txt"), fx.inside("abs")).expect("host symlink");
    std::os::unix::fs::symlink(fx.outside("outside"), fx.inside("absdir")).expect("host symlink");
    for link in ["rel", "abs"] {
        assert_eq!(open_errno(d, link, read()), Errno::Perm, "open {link}");
        let w = with(read_write(), OFlags::CREATE | OFlags::TRUNCATE);
        assert_eq!(open_errno(d, link, w), Errno::Perm, "open+trunc {link}");
        assert_eq!(open_errno(d, link, nofollow(read())), Errno::Loop, "nofollow {link}");
        assert_eq!(errno(d.get_path_filestat(link, true)), Errno::Perm, "stat {link}");
        let st = d.get_path_filestat(link, false).expect("lstat");
        assert_eq!(st.filetype, wasi_common_compat::FileType::SymbolicLink);
        let now = Some(SystemTimeSpec::SymbolicNow);
        assert_eq!(errno(d.set_times(link, now, now, true)), Errno::Perm, "utimens {link}");
    }
    for link in ["reldir", "absdir"] {
        let create = with(read_write(), OFlags::CREATE);
        assert_eq!(open_errno(d, &format!("{link}/new"), create), Errno::Perm, "{link}/new");
        assert_eq!(
            errno(d.create_dir(&format!("{link}/sub"))),
            Errno::Perm,
            "mkdir {link}/sub"
        );
        assert_eq!(
            errno(d.symlink("x", &format!("{link}/l"))),
            Errno::Perm,
            "symlink {link}/l"
        );
        assert_eq!(
            open_errno(d, link, with(read(), OFlags::DIRECTORY)),
            Errno::Perm,
            "opendir {link}"
        );
    }
    // A dangling link whose target would be outside creates nothing there.
    d.symlink("../outside/created", "dangling").expect("dangling symlink");
    let create = with(read_write(), OFlags::CREATE);
    assert_eq!(open_errno(d, "dangling", create), Errno::Perm);
    assert_eq!(open_errno(d, "dangling", nofollow(create)), Errno::Loop);
    // The link text is readable; removing a link removes only the link.
    assert_eq!(
        d.read_link("rel").expect("readlink"),
        std::path::Path::new("../secret.txt")
    );
    assert_eq!(d.read_link("abs").expect("readlink"), fx.outside("secret.txt"));
    d.unlink_file("abs").expect("unlink abs");
    d.unlink_file("rel").expect("unlink rel");
    assert_eq!(errno(d.remove_dir("absdir")), Errno::Notdir);
    fx.assert_outside_untouched();
}

#[test]
fn absolute_symlink_targets_are_refused() {
    let fx = Fixture::new();
    let abs = fx.outside("secret.txt");
    let abs = abs.to_str().expect("utf-8 path");
    assert_eq!(errno(fx.dir.symlink(abs, "l")), Errno::Perm);
    assert_eq!(errno(fx.dir.symlink("/", "l")), Errno::Perm);
    assert!(!exists(&fx.inside("l")));
}

#[test]
fn symlinks_inside_are_followed() {
    let fx = Fixture::new();
    let d = &fx.dir;
    std::fs::create_dir(fx.inside("sub")).expect("mkdir");
    std::fs::write(fx.inside("sub/f"), b"hello").expect("write");
    d.symlink("sub/f", "lf").expect("symlink");
    d.symlink("../sub", "sub/up").expect("symlink up and back");
    assert_eq!(read_some(&*open_file(d, "lf", read())), b"hello");
    assert_eq!(read_some(&*open_file(d, "sub/up/f", read())), b"hello");
    let st = d.get_path_filestat("lf", true).expect("stat");
    assert_eq!(st.size, 5);
}

#[test]
fn symlink_loops_are_eloop() {
    let fx = Fixture::new();
    let d = &fx.dir;
    d.symlink("self", "self").expect("self loop");
    d.symlink("b", "a").expect("a -> b");
    d.symlink("a", "b").expect("b -> a");
    for p in ["self", "a", "b"] {
        assert_eq!(open_errno(d, p, read()), Errno::Loop, "open {p}");
        assert_eq!(open_errno(d, p, nofollow(read())), Errno::Loop, "nofollow {p}");
        assert_eq!(errno(d.get_path_filestat(p, true)), Errno::Loop, "stat {p}");
        let create = with(read_write(), OFlags::CREATE);
        assert_eq!(open_errno(d, p, create), Errno::Loop, "create {p}");
        assert_eq!(errno(d.create_dir(&format!("{p}/x"))), Errno::Loop, "mkdir {p}/x");
    }
    fx.assert_outside_untouched();
}

#[test]
fn dangling_symlink_inside_is_created_through_with_follow() {
    let fx = Fixture::new();
    let d = &fx.dir;
    d.symlink("target", "dangling").expect("symlink");
    assert_eq!(open_errno(d, "dangling", read()), Errno::Noent);
    assert_eq!(open_errno(d, "dangling", nofollow(read())), Errno::Loop);
    let f = open_file(d, "dangling", with(read_write(), OFlags::CREATE));
    write_all(&*f, b"via link");
    assert_eq!(std::fs::read(fx.inside("target")).expect("read"), b"via link");
}

#[test]
fn rename_to_another_kind_of_directory_is_exdev() {
    struct Other;
    impl WasiDir for Other {
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }
    let fx = Fixture::new();
    std::fs::write(fx.inside("f"), b"x").expect("write");
    assert_eq!(errno(fx.dir.rename("f", &Other, "g")), Errno::Xdev);
    assert_eq!(errno(fx.dir.hard_link("f", &Other, "g")), Errno::Xdev);
}

#[test]
fn rename_and_link_between_two_host_directories() {
    let fx = Fixture::new();
    std::fs::create_dir(fx.inside("other")).expect("mkdir");
    std::fs::write(fx.inside("f"), b"x").expect("write");
    let other = open_dir(&fx.dir, "other", with(read(), OFlags::DIRECTORY));
    fx.dir.hard_link("f", &*other, "linked").expect("link");
    fx.dir.rename("f", &*other, "moved").expect("rename");
    assert!(!exists(&fx.inside("f")));
    assert_eq!(std::fs::read(fx.inside("other/moved")).expect("read"), b"x");
    assert_eq!(other.get_path_filestat("linked", false).expect("stat").nlink, 2);
    // The opened subdirectory is a sandbox of its own.
    assert_eq!(errno(other.get_path_filestat("../other/moved", false)), Errno::Perm);
}
