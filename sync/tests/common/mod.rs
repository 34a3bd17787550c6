//! Helpers shared by the sync crate's tests: a sandbox directory inside a
//! temporary root that also holds a file the sandbox must never reach.

#![allow(dead_code, reason = "each test file uses a different subset")]

use std::path::{Path, PathBuf};
use wasi_common_compat::{Errno, FdFlags, OFlags, OpenOptions, OpenResult, WasiDir, WasiFile};
use wasi_common_compat_sync::Dir;

/// The contents of the file outside the sandbox.
pub const SECRET: &[u8] = b"outside the sandbox";

/// A temporary root holding `sandbox/` (the preopened directory) and
/// `secret.txt` and `outside/` next to it.
pub struct Fixture {
    pub root: tempfile::TempDir,
    pub dir: Dir,
}

impl Fixture {
    pub fn new() -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(root.path().join("sandbox")).expect("mkdir sandbox");
        std::fs::create_dir(root.path().join("outside")).expect("mkdir outside");
        std::fs::write(root.path().join("secret.txt"), SECRET).expect("write secret");
        let d = cap_std::fs::Dir::open_ambient_dir(root.path().join("sandbox"), cap_std::ambient_authority())
            .expect("open sandbox");
        Fixture {
            root,
            dir: Dir::from_cap_std(d),
        }
    }

    /// A host path inside the sandbox.
    pub fn inside(&self, rel: &str) -> PathBuf {
        self.root.path().join("sandbox").join(rel)
    }

    /// Makes a FIFO named `rel` inside the sandbox.
    pub fn mkfifo(&self, rel: &str) {
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            self.inside(rel),
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .expect("mkfifo");
    }

    /// A host path next to the sandbox.
    pub fn outside(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// Asserts that nothing outside the sandbox changed.
    pub fn assert_outside_untouched(&self) {
        assert_eq!(std::fs::read(self.outside("secret.txt")).expect("read secret"), SECRET);
        let names: Vec<_> = std::fs::read_dir(self.root.path())
            .expect("list root")
            .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
            .collect();
        let mut names = names;
        names.sort();
        assert_eq!(names, ["outside", "sandbox", "secret.txt"]);
        assert_eq!(
            std::fs::read_dir(self.outside("outside"))
                .expect("list outside")
                .count(),
            0,
            "nothing was created in outside/"
        );
    }
}

/// Open options for reading, following symlinks.
pub fn read() -> OpenOptions {
    OpenOptions {
        follow: true,
        oflags: OFlags::empty(),
        read: true,
        write: false,
        fdflags: FdFlags::empty(),
    }
}

/// Open options for reading and writing, following symlinks.
pub fn read_write() -> OpenOptions {
    OpenOptions { write: true, ..read() }
}

/// `opts` with `oflags` added.
pub fn with(opts: OpenOptions, oflags: OFlags) -> OpenOptions {
    OpenOptions {
        oflags: opts.oflags | oflags,
        ..opts
    }
}

/// `opts` without following a final symlink.
pub fn nofollow(opts: OpenOptions) -> OpenOptions {
    OpenOptions { follow: false, ..opts }
}

/// The errno of a failed call.
pub fn errno<T>(r: wasi_common_compat::Result<T>) -> Errno {
    match r {
        Ok(_) => panic!("expected an error, got success"),
        Err(e) => e.as_errno().expect("an errno"),
    }
}

/// Opens a file, panicking if it is a directory or fails.
pub fn open_file(d: &Dir, path: &str, opts: OpenOptions) -> Box<dyn WasiFile> {
    match d.open_file(path, opts) {
        Ok(OpenResult::File(f)) => f,
        Ok(OpenResult::Dir(_)) => panic!("{path}: expected a file, got a directory"),
        Err(e) => panic!("{path}: {e:?}"),
    }
}

/// Opens a directory, panicking if it is a file or fails.
pub fn open_dir(d: &Dir, path: &str, opts: OpenOptions) -> Box<dyn WasiDir> {
    match d.open_file(path, opts) {
        Ok(OpenResult::Dir(d)) => d,
        Ok(OpenResult::File(_)) => panic!("{path}: expected a directory, got a file"),
        Err(e) => panic!("{path}: {e:?}"),
    }
}

/// The errno of a failed open.
pub fn open_errno(d: &Dir, path: &str, opts: OpenOptions) -> Errno {
    match d.open_file(path, opts) {
        Ok(_) => panic!("{path}: expected an error, got success"),
        Err(e) => e.as_errno().expect("an errno"),
    }
}

/// Writes `bytes` with one `write_vectored`.
pub fn write_all(f: &dyn WasiFile, bytes: &[u8]) {
    let n = f.write_vectored(&[std::io::IoSlice::new(bytes)]).expect("write");
    assert_eq!(n, bytes.len() as u64);
}

/// Reads up to 256 bytes at the cursor.
pub fn read_some(f: &dyn WasiFile) -> Vec<u8> {
    let mut buf = [0u8; 256];
    let n = f
        .read_vectored(&mut [std::io::IoSliceMut::new(&mut buf)])
        .expect("read");
    buf[..n as usize].to_vec()
}

/// True if the host path exists (without following a final symlink).
pub fn exists(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok()
}
