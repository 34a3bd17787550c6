//! Helpers shared by memfs's tests: open options and errno extraction.

#![allow(dead_code, reason = "each test file uses a different subset")]

use std::io::{IoSlice, IoSliceMut};
use wasi_common_compat::{Errno, FdFlags, OFlags, OpenOptions, OpenResult, WasiDir, WasiFile};
use wasi_common_compat_memfs::{MemDir, MemFs};

/// A tree holding `dir/`, `file` ("0123456789"), `ldir -> dir`, `lfile -> file`.
pub fn fixture() -> (MemFs, MemDir) {
    let fs = MemFs::new();
    let d = fs.root();
    d.create_dir("dir").expect("mkdir");
    fs.write_file("file", b"0123456789").expect("write");
    d.symlink("dir", "ldir").expect("symlink");
    d.symlink("file", "lfile").expect("symlink");
    (fs, d)
}

pub fn read() -> OpenOptions {
    OpenOptions {
        follow: true,
        oflags: OFlags::empty(),
        read: true,
        write: false,
        fdflags: FdFlags::empty(),
    }
}

pub fn read_write() -> OpenOptions {
    OpenOptions { write: true, ..read() }
}

pub fn with(o: OpenOptions, oflags: OFlags) -> OpenOptions {
    OpenOptions { oflags, ..o }
}

pub fn nofollow(o: OpenOptions) -> OpenOptions {
    OpenOptions { follow: false, ..o }
}

pub fn errno<T>(r: wasi_common_compat::Result<T>) -> Errno {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.as_errno().expect("an errno"),
    }
}

pub fn open_errno(d: &dyn WasiDir, path: &str, o: OpenOptions) -> Errno {
    errno(d.open_file(path, o))
}

pub fn open_file(d: &dyn WasiDir, path: &str, o: OpenOptions) -> Box<dyn WasiFile> {
    match d.open_file(path, o).unwrap_or_else(|e| panic!("open {path}: {e:?}")) {
        OpenResult::File(f) => f,
        OpenResult::Dir(_) => panic!("{path} is a directory"),
    }
}

pub fn open_dir(d: &dyn WasiDir, path: &str, o: OpenOptions) -> Box<dyn WasiDir> {
    match d.open_file(path, o).unwrap_or_else(|e| panic!("open {path}: {e:?}")) {
        OpenResult::Dir(d) => d,
        OpenResult::File(_) => panic!("{path} is a file"),
    }
}

pub fn write_all(f: &dyn WasiFile, bytes: &[u8]) {
    assert_eq!(
        f.write_vectored(&[IoSlice::new(bytes)]).expect("write"),
        bytes.len() as u64
    );
}

pub fn read_some(f: &dyn WasiFile) -> Vec<u8> {
    let mut buf = vec![0u8; 1 << 16];
    let n = f.read_vectored(&mut [IoSliceMut::new(&mut buf)]).expect("read");
    buf.truncate(n as usize);
    buf
}

pub fn exists(d: &dyn WasiDir, path: &str) -> bool {
    d.get_path_filestat(path, false).is_ok()
}
