//! Path semantics of the host directory: trailing slashes as on Linux,
//! `path_open` flags, and directory listings.

mod common;

use common::*;
use wasi_common_compat::{Errno, FdFlags, FileType, OFlags, OpenOptions, WasiDir};

fn fixture() -> Fixture {
    let fx = Fixture::new();
    std::fs::create_dir(fx.inside("dir")).expect("mkdir");
    std::fs::write(fx.inside("file"), b"0123456789").expect("write");
    std::os::unix::fs::symlink("dir", fx.inside("ldir")).expect("symlink");
    std::os::unix::fs::symlink("file", fx.inside("lfile")).expect("symlink");
    fx
}

#[test]
fn unlink_with_trailing_slash() {
    let fx = fixture();
    let d = &fx.dir;
    assert_eq!(errno(d.unlink_file("file/")), Errno::Notdir);
    assert_eq!(errno(d.unlink_file("file//")), Errno::Notdir);
    assert_eq!(errno(d.unlink_file("lfile/")), Errno::Notdir);
    assert_eq!(errno(d.unlink_file("dir")), Errno::Isdir);
    assert_eq!(errno(d.unlink_file("dir/")), Errno::Isdir);
    assert_eq!(errno(d.unlink_file("missing")), Errno::Noent);
    assert!(exists(&fx.inside("file")) && exists(&fx.inside("dir")));
    d.unlink_file("ldir").expect("a symlink to a directory is a file");
    assert!(exists(&fx.inside("dir")));
    d.unlink_file("file").expect("unlink");
}

#[test]
fn remove_dir_with_trailing_slash() {
    let fx = fixture();
    let d = &fx.dir;
    assert_eq!(errno(d.remove_dir("file")), Errno::Notdir);
    assert_eq!(errno(d.remove_dir("file/")), Errno::Notdir);
    assert_eq!(errno(d.remove_dir("ldir")), Errno::Notdir);
    assert_eq!(errno(d.remove_dir("ldir/")), Errno::Notdir);
    assert_eq!(errno(d.remove_dir("dir/.")), Errno::Inval);
    // "dir/" is EINVAL, as on both of Wasmtime's hosts (Linux removes it).
    assert_eq!(errno(d.remove_dir("dir//")), Errno::Inval);
    assert!(exists(&fx.inside("dir")));
    d.remove_dir("dir").expect("rmdir dir");
    assert!(!exists(&fx.inside("dir")));
    d.create_dir("dir").expect("mkdir");
    std::fs::write(fx.inside("dir/x"), b"").expect("write");
    assert_eq!(errno(d.remove_dir("dir")), Errno::Notempty);
}

#[test]
fn rename_with_trailing_slashes() {
    let fx = fixture();
    let d = &fx.dir;
    d.rename("dir/", d, "dir2").expect("dir/ -> dir2");
    d.rename("dir2", d, "dir/").expect("dir2 -> dir/");
    d.rename("dir/", d, "dir2/").expect("dir/ -> dir2/");
    d.rename("dir2", d, "dir").expect("dir2 -> dir");
    assert_eq!(errno(d.rename("file", d, "file2/")), Errno::Notdir);
    assert_eq!(errno(d.rename("file/", d, "file2")), Errno::Notdir);
    assert_eq!(errno(d.rename("lfile/", d, "x")), Errno::Notdir);
    assert!(!exists(&fx.inside("file2")));
    assert_eq!(errno(d.rename("file", d, "dir")), Errno::Isdir);
    assert_eq!(errno(d.rename("dir", d, "file")), Errno::Notdir);
    assert_eq!(errno(d.rename("dir", d, "dir/sub")), Errno::Inval);
    assert_eq!(errno(d.rename("missing", d, "x")), Errno::Noent);
    d.rename("file", d, "file2").expect("file -> file2");
}

#[test]
fn symlink_with_trailing_slash() {
    let fx = fixture();
    let d = &fx.dir;
    assert_eq!(errno(d.symlink("source", "new/")), Errno::Noent);
    assert!(!exists(&fx.inside("new")));
    assert_eq!(errno(d.symlink("source", "dir/")), Errno::Exist);
    assert_eq!(errno(d.symlink("source", "dir")), Errno::Exist);
    // A trailing slash on a non-directory is ENOTDIR, as on Wasmtime's hosts.
    assert_eq!(errno(d.symlink("source", "file/")), Errno::Notdir);
    assert_eq!(errno(d.symlink("source", "file")), Errno::Exist);
    assert_eq!(errno(d.symlink("source", "lfile/")), Errno::Notdir);
    assert_eq!(errno(d.symlink("source", "missing/new/")), Errno::Noent);
    assert_eq!(errno(d.symlink("source", "file/new/")), Errno::Notdir);
    assert_eq!(errno(d.symlink("source", "../new/")), Errno::Perm);
}

#[test]
fn stat_open_and_mkdir_with_trailing_slash() {
    let fx = fixture();
    let d = &fx.dir;
    assert_eq!(errno(d.get_path_filestat("file/", false)), Errno::Notdir);
    assert_eq!(errno(d.get_path_filestat("file/", true)), Errno::Notdir);
    assert_eq!(
        d.get_path_filestat("dir/", false).expect("stat").filetype,
        FileType::Directory
    );
    // A trailing slash follows a symlink even without `follow`, as on Linux.
    assert_eq!(
        d.get_path_filestat("ldir/", false).expect("stat").filetype,
        FileType::Directory
    );
    assert_eq!(open_errno(d, "file/", read()), Errno::Notdir);
    assert_eq!(open_errno(d, "file///", read()), Errno::Notdir);
    open_dir(d, "dir/", read());
    open_dir(d, "dir///", read());
    d.create_dir("made/").expect("mkdir made/");
    assert!(fx.inside("made").is_dir());
    assert_eq!(errno(d.create_dir("file/")), Errno::Exist);
}

#[test]
fn hard_link_rules() {
    let fx = fixture();
    let d = &fx.dir;
    d.hard_link("file", d, "file.2").expect("link");
    assert_eq!(d.get_path_filestat("file", false).expect("stat").nlink, 2);
    assert_eq!(errno(d.hard_link("file", d, "file.2")), Errno::Exist);
    assert_eq!(errno(d.hard_link("dir", d, "dir.2")), Errno::Perm);
    assert_eq!(errno(d.hard_link("missing", d, "m")), Errno::Noent);
    assert_eq!(errno(d.hard_link("file/", d, "x")), Errno::Notdir);
    assert_eq!(errno(d.hard_link("file", d, "new/")), Errno::Noent);
    assert_eq!(errno(d.hard_link("file", d, "file.2/")), Errno::Exist);
    assert_eq!(errno(d.hard_link("file", d, "dir/")), Errno::Exist);
    assert_eq!(errno(d.hard_link("missing", d, "file.2/")), Errno::Noent);
    assert!(!exists(&fx.inside("new")));
    // The symlink itself is linked, not its target.
    d.hard_link("lfile", d, "lfile.2").expect("link a symlink");
    let st = d.get_path_filestat("lfile.2", false).expect("lstat");
    assert_eq!(st.filetype, FileType::SymbolicLink);
}

#[test]
fn open_flags() {
    let fx = fixture();
    let d = &fx.dir;
    assert_eq!(open_errno(d, "missing", read()), Errno::Noent);
    // CREATE works on a descriptor that is not for writing, like O_RDONLY|O_CREAT.
    let ro_create = OpenOptions {
        read: false,
        ..with(read(), OFlags::CREATE)
    };
    open_file(d, "new", ro_create);
    assert!(fx.inside("new").is_file());
    let excl = with(read_write(), OFlags::CREATE | OFlags::EXCLUSIVE);
    assert_eq!(open_errno(d, "new", excl), Errno::Exist);
    assert_eq!(open_errno(d, "lfile", excl), Errno::Exist);
    open_file(d, "new2", excl);
    // TRUNCATE empties the file.
    open_file(d, "file", with(read_write(), OFlags::TRUNCATE));
    assert_eq!(std::fs::read(fx.inside("file")).expect("read"), b"");
    // DIRECTORY on a file, or through a symlink to one.
    assert_eq!(open_errno(d, "file", with(read(), OFlags::DIRECTORY)), Errno::Notdir);
    assert_eq!(open_errno(d, "lfile", with(read(), OFlags::DIRECTORY)), Errno::Notdir);
    open_dir(d, "ldir", with(read(), OFlags::DIRECTORY));
    let e = open_errno(d, "ldir", nofollow(with(read(), OFlags::DIRECTORY)));
    assert!(matches!(e, Errno::Loop | Errno::Notdir), "{e:?}");
    assert_eq!(open_errno(d, "lfile", nofollow(read())), Errno::Loop);
    // Directories open without DIRECTORY too, but never for writing.
    open_dir(d, "dir", read());
    open_dir(d, ".", OpenOptions { read: false, ..read() });
    assert_eq!(open_errno(d, "dir", read_write()), Errno::Isdir);
    assert_eq!(open_errno(d, ".", with(read_write(), OFlags::DIRECTORY)), Errno::Isdir);
    assert_eq!(
        open_errno(d, "dir", with(read(), OFlags::DIRECTORY | OFlags::CREATE)),
        Errno::Inval
    );
    // A write-only open cannot read.
    let wo = OpenOptions {
        read: false,
        ..read_write()
    };
    let f = open_file(d, "new", wo);
    assert_eq!(
        errno(f.read_vectored(&mut [std::io::IoSliceMut::new(&mut [0u8; 4])])),
        Errno::Badf
    );
    write_all(&*f, b"abc");
    // A read-only open cannot write.
    let f = open_file(d, "new", read());
    assert_eq!(errno(f.write_vectored(&[std::io::IoSlice::new(b"x")])), Errno::Badf);
    assert_eq!(read_some(&*f), b"abc");
}

#[test]
fn open_sync_and_append_flags_are_reported() {
    let fx = fixture();
    let o = OpenOptions {
        fdflags: FdFlags::APPEND | FdFlags::DSYNC,
        ..read_write()
    };
    let f = open_file(&fx.dir, "file", o);
    let flags = f.get_fdflags().expect("fdflags");
    assert!(flags.contains(FdFlags::APPEND | FdFlags::DSYNC), "{flags:?}");
    assert!(!flags.contains(FdFlags::SYNC), "{flags:?}");
    let o = OpenOptions {
        fdflags: FdFlags::SYNC,
        ..read_write()
    };
    let f = open_file(&fx.dir, "file", o);
    assert!(f.get_fdflags().expect("fdflags").contains(FdFlags::SYNC));
    // Sync flags cannot change after open; APPEND can.
    assert_eq!(errno(f.set_fdflags(FdFlags::empty())), Errno::Notsup);
    f.set_fdflags(FdFlags::SYNC | FdFlags::APPEND).expect("append on");
    assert!(f.get_fdflags().expect("fdflags").contains(FdFlags::APPEND));
}

#[test]
fn read_dir_lists_entries_with_types_and_inodes() {
    let fx = fixture();
    let d = &fx.dir;
    let mut entries = d.read_dir().expect("read_dir");
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<_> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["dir", "file", "ldir", "lfile"]);
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
    let sub = open_dir(d, "dir", with(read(), OFlags::DIRECTORY));
    assert!(sub.read_dir().expect("read_dir").is_empty());
    assert_eq!(
        sub.get_filestat().expect("fstat").inode,
        d.get_path_filestat("dir", false).expect("stat").inode
    );
}

#[test]
fn path_times_follow_or_not() {
    use std::time::{Duration, UNIX_EPOCH};
    use wasi_common_compat::SystemTimeSpec;
    let fx = fixture();
    let d = &fx.dir;
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
    let sub = open_dir(d, "dir", with(read(), OFlags::DIRECTORY));
    sub.set_own_times(Some(SystemTimeSpec::SymbolicNow), Some(SystemTimeSpec::Absolute(t2)))
        .expect("own times of an O_PATH directory");
    assert_eq!(d.get_path_filestat("dir", false).expect("stat").mtim, Some(t2));
}
