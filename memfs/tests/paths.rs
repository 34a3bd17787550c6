//! Path semantics, with the answers the sync backend's `tests/paths.rs`
//! checks on Linux: trailing slashes, `path_open` flags, listings, times.

mod common;

use common::*;
use wasi_common_compat::{Errno, FdFlags, FileType, OFlags, OpenOptions, SystemTimeSpec, WasiDir};

#[test]
fn unlink_with_trailing_slash() {
    let (_fs, d) = fixture();
    assert_eq!(errno(d.unlink_file("file/")), Errno::Notdir);
    assert_eq!(errno(d.unlink_file("file//")), Errno::Notdir);
    assert_eq!(errno(d.unlink_file("lfile/")), Errno::Notdir);
    assert_eq!(errno(d.unlink_file("dir")), Errno::Isdir);
    assert_eq!(errno(d.unlink_file("dir/")), Errno::Isdir);
    assert_eq!(errno(d.unlink_file("missing")), Errno::Noent);
    assert_eq!(errno(d.unlink_file(".")), Errno::Isdir);
    assert!(exists(&d, "file") && exists(&d, "dir"));
    d.unlink_file("ldir").expect("a symlink to a directory is a file");
    assert!(exists(&d, "dir"));
    d.unlink_file("file").expect("unlink");
    assert!(!exists(&d, "file"));
}

#[test]
fn remove_dir_with_trailing_slash() {
    let (fs, d) = fixture();
    assert_eq!(errno(d.remove_dir("file")), Errno::Notdir);
    assert_eq!(errno(d.remove_dir("file/")), Errno::Notdir);
    assert_eq!(errno(d.remove_dir("ldir")), Errno::Notdir);
    assert_eq!(errno(d.remove_dir("ldir/")), Errno::Notdir);
    assert_eq!(errno(d.remove_dir("dir/.")), Errno::Inval);
    assert_eq!(errno(d.remove_dir("missing")), Errno::Noent);
    // "dir/" is EINVAL, as the sync backend (and Wasmtime's hosts) say.
    assert_eq!(errno(d.remove_dir("dir//")), Errno::Inval);
    assert!(exists(&d, "dir"));
    d.remove_dir("dir").expect("rmdir dir");
    assert!(!exists(&d, "dir"));
    d.create_dir("dir").expect("mkdir");
    fs.write_file("dir/x", b"").expect("write");
    assert_eq!(errno(d.remove_dir("dir")), Errno::Notempty);
}

#[test]
fn rename_with_trailing_slashes_and_kinds() {
    let (_fs, d) = fixture();
    d.rename("dir/", &d, "dir2").expect("dir/ -> dir2");
    d.rename("dir2", &d, "dir/").expect("dir2 -> dir/");
    d.rename("dir/", &d, "dir2/").expect("dir/ -> dir2/");
    d.rename("dir2", &d, "dir").expect("dir2 -> dir");
    assert_eq!(errno(d.rename("file", &d, "file2/")), Errno::Notdir);
    assert_eq!(errno(d.rename("file/", &d, "file2")), Errno::Notdir);
    assert_eq!(errno(d.rename("lfile/", &d, "x")), Errno::Notdir);
    assert!(!exists(&d, "file2"));
    assert_eq!(errno(d.rename("file", &d, "dir")), Errno::Isdir);
    assert_eq!(errno(d.rename("dir", &d, "file")), Errno::Notdir);
    assert_eq!(errno(d.rename("dir", &d, "dir/sub")), Errno::Inval);
    d.rename("dir", &d, "dir").expect("onto itself: nothing happens");
    assert_eq!(errno(d.rename("missing", &d, "x")), Errno::Noent);
    assert_eq!(errno(d.rename(".", &d, "x")), Errno::Busy);
    d.rename("file", &d, "file2").expect("file -> file2");
    assert!(!exists(&d, "file") && exists(&d, "file2"));
}

#[test]
fn rename_over_files_and_empty_directories() {
    let (fs, d) = fixture();
    fs.write_file("other", b"other").expect("write");
    let ino = d.get_path_filestat("file", false).expect("stat").inode;
    d.rename("file", &d, "other").expect("over a file");
    let st = d.get_path_filestat("other", false).expect("stat");
    assert_eq!((st.inode, st.size), (ino, 10), "the inode moves with the name");
    d.create_dir("empty").expect("mkdir");
    d.create_dir("full").expect("mkdir");
    fs.write_file("full/x", b"x").expect("write");
    d.rename("dir", &d, "empty").expect("over an empty directory");
    assert!(!exists(&d, "dir"));
    assert_eq!(errno(d.rename("empty", &d, "full")), Errno::Notempty);
    // Moving a directory into another keeps its contents and inode.
    let ino = d.get_path_filestat("full", false).expect("stat").inode;
    d.rename("full", &d, "empty/full").expect("into a directory");
    assert_eq!(d.get_path_filestat("empty/full", false).expect("stat").inode, ino);
    assert_eq!(fs.read_file("empty/full/x").expect("read"), b"x");
    assert_eq!(errno(d.rename("empty", &d, "empty/full/deeper")), Errno::Inval);
    // Two names of one file: nothing happens.
    d.hard_link("other", &d, "other2").expect("link");
    d.rename("other", &d, "other2").expect("same inode");
    assert!(exists(&d, "other") && exists(&d, "other2"));
    // Directory link counts follow their subdirectories.
    assert_eq!(d.get_path_filestat("empty", false).expect("stat").nlink, 3);
}

#[test]
fn symlink_with_trailing_slash() {
    let (_fs, d) = fixture();
    assert_eq!(errno(d.symlink("source", "new/")), Errno::Noent);
    assert!(!exists(&d, "new"));
    assert_eq!(errno(d.symlink("source", "dir/")), Errno::Exist);
    assert_eq!(errno(d.symlink("source", "dir")), Errno::Exist);
    // A trailing slash on a non-directory is ENOTDIR, as the sync backend.
    assert_eq!(errno(d.symlink("source", "file/")), Errno::Notdir);
    assert_eq!(errno(d.symlink("source", "file")), Errno::Exist);
    assert_eq!(errno(d.symlink("source", "lfile/")), Errno::Notdir);
    assert_eq!(errno(d.symlink("source", "missing/new/")), Errno::Noent);
    assert_eq!(errno(d.symlink("source", "file/new/")), Errno::Notdir);
    assert_eq!(errno(d.symlink("source", "../new/")), Errno::Perm);
}

#[test]
fn stat_open_and_mkdir_with_trailing_slash() {
    let (_fs, d) = fixture();
    assert_eq!(errno(d.get_path_filestat("file/", false)), Errno::Notdir);
    assert_eq!(errno(d.get_path_filestat("file/", true)), Errno::Notdir);
    assert_eq!(
        d.get_path_filestat("dir/", false).expect("stat").filetype,
        FileType::Directory
    );
    assert_eq!(
        d.get_path_filestat("ldir/", false).expect("stat").filetype,
        FileType::Directory
    );
    assert_eq!(open_errno(&d, "file/", read()), Errno::Notdir);
    assert_eq!(open_errno(&d, "file///", read()), Errno::Notdir);
    open_dir(&d, "dir/", read());
    open_dir(&d, "dir///", read());
    d.create_dir("made/").expect("mkdir made/");
    assert_eq!(
        d.get_path_filestat("made", false).expect("stat").filetype,
        FileType::Directory
    );
    assert_eq!(errno(d.create_dir("file/")), Errno::Exist);
    assert_eq!(errno(d.create_dir("lfile")), Errno::Exist);
    assert_eq!(errno(d.create_dir(".")), Errno::Exist);
    assert_eq!(open_errno(&d, "new/", with(read_write(), OFlags::CREATE)), Errno::Isdir);
    assert_eq!(open_errno(&d, "dir", with(read(), OFlags::CREATE)), Errno::Isdir);
}

#[test]
fn hard_link_rules() {
    let (_fs, d) = fixture();
    d.hard_link("file", &d, "file.2").expect("link");
    assert_eq!(d.get_path_filestat("file", false).expect("stat").nlink, 2);
    assert_eq!(errno(d.hard_link("file", &d, "file.2")), Errno::Exist);
    assert_eq!(errno(d.hard_link("dir", &d, "dir.2")), Errno::Perm);
    assert_eq!(errno(d.hard_link("missing", &d, "m")), Errno::Noent);
    assert_eq!(errno(d.hard_link("file/", &d, "x")), Errno::Notdir);
    assert_eq!(errno(d.hard_link("file", &d, "new/")), Errno::Noent);
    assert_eq!(errno(d.hard_link("file", &d, "file.2/")), Errno::Exist);
    assert_eq!(errno(d.hard_link("file", &d, "dir/")), Errno::Exist);
    assert_eq!(errno(d.hard_link("missing", &d, "file.2/")), Errno::Noent);
    assert!(!exists(&d, "new"));
    d.hard_link("lfile", &d, "lfile.2").expect("link a symlink");
    let st = d.get_path_filestat("lfile.2", false).expect("lstat");
    assert_eq!(st.filetype, FileType::SymbolicLink);
    // Writing through one name shows through the other; unlinking one
    // leaves the other.
    let f = open_file(&d, "file.2", read_write());
    write_all(&*f, b"AB");
    d.unlink_file("file").expect("unlink");
    assert_eq!(d.get_path_filestat("file.2", false).expect("stat").nlink, 1);
    assert_eq!(read_some(&*open_file(&d, "file.2", read())), b"AB23456789");
}

#[test]
fn open_flags() {
    let (_fs, d) = fixture();
    assert_eq!(open_errno(&d, "missing", read()), Errno::Noent);
    let ro_create = OpenOptions {
        read: false,
        ..with(read(), OFlags::CREATE)
    };
    open_file(&d, "new", ro_create);
    assert!(exists(&d, "new"));
    let excl = with(read_write(), OFlags::CREATE | OFlags::EXCLUSIVE);
    assert_eq!(open_errno(&d, "new", excl), Errno::Exist);
    assert_eq!(open_errno(&d, "lfile", excl), Errno::Exist);
    open_file(&d, "new2", excl);
    open_file(&d, "file", with(read_write(), OFlags::TRUNCATE));
    assert_eq!(d.get_path_filestat("file", false).expect("stat").size, 0);
    assert_eq!(open_errno(&d, "file", with(read(), OFlags::DIRECTORY)), Errno::Notdir);
    assert_eq!(open_errno(&d, "lfile", with(read(), OFlags::DIRECTORY)), Errno::Notdir);
    open_dir(&d, "ldir", with(read(), OFlags::DIRECTORY));
    // A final link not followed is ELOOP, as the sync backend says.
    let e = open_errno(&d, "ldir", nofollow(with(read(), OFlags::DIRECTORY)));
    assert_eq!(e, Errno::Loop);
    assert_eq!(open_errno(&d, "lfile", nofollow(read())), Errno::Loop);
    open_dir(&d, "dir", read());
    open_dir(&d, ".", OpenOptions { read: false, ..read() });
    assert_eq!(open_errno(&d, "dir", read_write()), Errno::Isdir);
    assert_eq!(open_errno(&d, ".", with(read_write(), OFlags::DIRECTORY)), Errno::Isdir);
    assert_eq!(
        open_errno(&d, "dir", with(read(), OFlags::DIRECTORY | OFlags::CREATE)),
        Errno::Inval
    );
    let wo = OpenOptions {
        read: false,
        ..read_write()
    };
    let f = open_file(&d, "new", wo);
    assert_eq!(
        errno(f.read_vectored(&mut [std::io::IoSliceMut::new(&mut [0u8; 4])])),
        Errno::Badf
    );
    write_all(&*f, b"abc");
    let f = open_file(&d, "new", read());
    assert_eq!(errno(f.write_vectored(&[std::io::IoSlice::new(b"x")])), Errno::Badf);
    assert_eq!(errno(f.set_filestat_size(1)), Errno::Inval);
    assert_eq!(errno(f.allocate(0, 1)), Errno::Badf);
    assert_eq!(read_some(&*f), b"abc");
    let long = "n".repeat(256);
    assert_eq!(
        open_errno(&d, &long, with(read_write(), OFlags::CREATE)),
        Errno::Nametoolong
    );
}

#[test]
fn open_sync_and_append_flags_are_reported() {
    let (_fs, d) = fixture();
    let o = OpenOptions {
        fdflags: FdFlags::APPEND | FdFlags::DSYNC,
        ..read_write()
    };
    let f = open_file(&d, "file", o);
    let flags = f.get_fdflags().expect("fdflags");
    assert_eq!(flags, FdFlags::APPEND | FdFlags::DSYNC);
    let o = OpenOptions {
        fdflags: FdFlags::SYNC,
        ..read_write()
    };
    let f = open_file(&d, "file", o);
    assert_eq!(
        f.get_fdflags().expect("fdflags"),
        FdFlags::DSYNC | FdFlags::RSYNC | FdFlags::SYNC
    );
    assert_eq!(errno(f.set_fdflags(FdFlags::empty())), Errno::Notsup);
    f.set_fdflags(FdFlags::SYNC | FdFlags::APPEND).expect("append on");
    assert!(f.get_fdflags().expect("fdflags").contains(FdFlags::APPEND));
}

#[test]
fn read_dir_lists_entries_with_types_and_inodes() {
    let (_fs, d) = fixture();
    let entries = d.read_dir().expect("read_dir");
    let names: Vec<_> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["dir", "file", "ldir", "lfile"], "sorted by name");
    let types: Vec<_> = entries.iter().map(|e| e.filetype).collect();
    assert_eq!(
        types,
        [
            FileType::Directory,
            FileType::RegularFile,
            FileType::SymbolicLink,
            FileType::SymbolicLink
        ]
    );
    for e in &entries {
        let st = d.get_path_filestat(&e.name, false).expect("lstat");
        assert_eq!(e.inode, st.inode, "{}", e.name);
    }
    let sub = open_dir(&d, "dir", with(read(), OFlags::DIRECTORY));
    assert!(sub.read_dir().expect("read_dir").is_empty());
    assert_eq!(
        sub.get_filestat().expect("fstat").inode,
        d.get_path_filestat("dir", false).expect("stat").inode
    );
    // A removed directory lists nothing and takes no new entries.
    d.remove_dir("dir").expect("rmdir");
    assert!(sub.read_dir().expect("read_dir").is_empty());
    assert_eq!(sub.get_filestat().expect("fstat").nlink, 0);
    assert_eq!(errno(sub.create_dir("x")), Errno::Noent);
    assert_eq!(open_errno(&*sub, "f", with(read_write(), OFlags::CREATE)), Errno::Noent);
}

#[test]
fn inodes_are_stable_and_never_reused() {
    let (fs, d) = fixture();
    let a = d.get_path_filestat("file", false).expect("stat").inode;
    d.rename("file", &d, "dir/file").expect("rename");
    assert_eq!(d.get_path_filestat("dir/file", false).expect("stat").inode, a);
    d.unlink_file("dir/file").expect("unlink");
    fs.write_file("again", b"").expect("write");
    let b = d.get_path_filestat("again", false).expect("stat").inode;
    assert!(b > a, "a new file gets a new inode ({b} after {a})");
    let root = d.get_filestat().expect("fstat");
    assert_eq!(root.inode, 1);
    assert_eq!(
        d.get_path_filestat("again", false).expect("stat").device_id,
        root.device_id
    );
}

#[test]
fn path_times_follow_or_not() {
    use std::time::{Duration, UNIX_EPOCH};
    let (_fs, d) = fixture();
    let t = UNIX_EPOCH + Duration::new(1_000_000_000, 5);
    d.set_times("lfile", None, Some(SystemTimeSpec::Absolute(t)), true)
        .expect("utimens");
    assert_eq!(d.get_path_filestat("file", false).expect("stat").mtim, Some(t));
    assert_ne!(d.get_path_filestat("lfile", false).expect("lstat").mtim, Some(t));
    let t2 = t + Duration::from_secs(7);
    d.set_times("lfile", Some(SystemTimeSpec::Absolute(t2)), None, false)
        .expect("lutimens");
    assert_eq!(d.get_path_filestat("lfile", false).expect("lstat").atim, Some(t2));
    assert_eq!(d.get_path_filestat("file", false).expect("stat").mtim, Some(t));
    d.set_own_times(None, Some(SystemTimeSpec::Absolute(t)))
        .expect("own times");
    assert_eq!(d.get_filestat().expect("fstat").mtim, Some(t));
    assert_eq!(errno(d.set_times("missing", None, None, true)), Errno::Noent);
}

#[test]
fn corners_found_by_the_differential_test() {
    let (fs, d) = fixture();
    // rename onto a directory above the source: never empty.
    fs.write_file("dir/f", b"x").expect("write");
    assert_eq!(errno(d.rename("dir/f", &d, "dir")), Errno::Notempty);
    // O_EXCL never follows a final symlink, even a looping one.
    d.symlink("loop", "loop").expect("symlink");
    let excl = with(read_write(), OFlags::CREATE | OFlags::EXCLUSIVE);
    assert_eq!(open_errno(&d, "loop", excl), Errno::Exist);
    assert_eq!(open_errno(&d, "./", excl), Errno::Exist);
    assert_eq!(open_errno(&d, "./", with(read_write(), OFlags::CREATE)), Errno::Isdir);
    // A target ending in a slash must be a directory.
    d.symlink("file/", "slashed").expect("symlink");
    assert_eq!(open_errno(&d, "slashed", read()), Errno::Notdir);
    d.symlink("new/", "to-new").expect("symlink");
    assert_eq!(
        open_errno(&d, "to-new", with(read_write(), OFlags::CREATE)),
        Errno::Isdir
    );
    assert!(!exists(&d, "new"));
    // readlink and rmdir with slashes and dots, as the sync backend answers.
    assert_eq!(errno(d.read_link("file/")), Errno::Notdir);
    assert_eq!(errno(d.remove_dir("dir/..")), Errno::Inval);
    assert_eq!(errno(d.unlink_file("ldir/")), Errno::Isdir);
    assert_eq!(errno(d.unlink_file("loop/")), Errno::Loop);
    // O_TRUNC empties a file whatever the access mode.
    open_file(&d, "dir/f", with(read(), OFlags::TRUNCATE));
    assert_eq!(d.get_path_filestat("dir/f", false).expect("stat").size, 0);
    // link checks the new name before refusing a directory.
    assert_eq!(errno(d.hard_link("dir", &d, "missing/x")), Errno::Noent);
    assert_eq!(errno(d.hard_link("dir", &d, "file")), Errno::Exist);
}
