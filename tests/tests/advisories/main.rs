//! Regression tests for the published advisories of this field (Wasmtime,
//! wasi-common, cap-std; 2023-2026), one named test each, through the real
//! preview1 ABI on every backend (sync, tokio, p2 stdio). Each test says
//! what the advisory was about and what must hold here.

use std::path::Path;
use wasi_common_compat_tests::*;
use wasmtime::Val;

mod fs;
mod memory;

const P1: &str = "wasi_snapshot_preview1";
const P0: &str = "wasi_unstable";

pub(crate) const EBADF: i32 = 8;
pub(crate) const ENOENT: i32 = 44;
pub(crate) const EPERM: i32 = 63;
pub(crate) const EFAULT: i32 = 21;
pub(crate) const EINVAL: i32 = 28;
pub(crate) const ENAMETOOLONG: i32 = 37;

pub(crate) const IMPORTS: &[AbiImport<'static>] = &[
    (P1, "path_open", "i32 i32 i32 i32 i32 i64 i64 i32 i32", "i32"),
    (P1, "path_link", "i32 i32 i32 i32 i32 i32 i32", "i32"),
    (P1, "path_rename", "i32 i32 i32 i32 i32 i32", "i32"),
    (P1, "path_symlink", "i32 i32 i32 i32 i32", "i32"),
    (P1, "path_create_directory", "i32 i32 i32", "i32"),
    (P1, "path_filestat_get", "i32 i32 i32 i32 i32", "i32"),
    (P1, "path_readlink", "i32 i32 i32 i32 i32 i32", "i32"),
    (P1, "fd_renumber", "i32 i32", "i32"),
    (P1, "fd_close", "i32", "i32"),
    (P1, "fd_read", "i32 i32 i32 i32", "i32"),
    (P1, "fd_write", "i32 i32 i32 i32", "i32"),
    (P1, "fd_fdstat_get", "i32 i32", "i32"),
    (P1, "fd_readdir", "i32 i32 i32 i64 i32", "i32"),
    (P1, "fd_filestat_get", "i32 i32", "i32"),
    (P1, "fd_filestat_set_size", "i32 i64", "i32"),
    (P1, "random_get", "i32 i32", "i32"),
    (P1, "poll_oneoff", "i32 i32 i32 i32", "i32"),
    (P0, "fd_write", "i32 i32 i32 i32", "i32"),
    (P0, "fd_read", "i32 i32 i32 i32", "i32"),
    (P0, "path_open", "i32 i32 i32 i32 i32 i64 i64 i32 i32", "i32"),
    (P0, "poll_oneoff", "i32 i32 i32 i32", "i32"),
    (P0, "random_get", "i32 i32", "i32"),
];

/// Rights bits used by the tests.
pub(crate) mod rights {
    pub const ALL: i64 = (1 << 29) - 1;
    /// `fd_read`, `fd_seek`, `fd_tell`, `fd_filestat_get`: what libc asks
    /// for with `O_RDONLY` (no `fd_write`, so the file opens read-only).
    pub const READ: i64 = 0x2 | 0x4 | 0x20 | 0x200000;
}

/// Scratch addresses: two path buffers, an out-pointer, a big buffer.
pub(crate) const PATH_A: u32 = 0x1000;
pub(crate) const PATH_B: u32 = 0x2000;
pub(crate) const OUT: u32 = 0x3000;
pub(crate) const BUF: u32 = 0x4000;

/// A session over a module with 4 pages and a sandbox at fd 3.
pub(crate) struct Guest {
    pub s: Session,
    pub outside: tempfile::TempDir,
}

impl Guest {
    /// The sandbox holds what `setup(sandbox, outside)` puts there; next to
    /// it, outside, a canary file "secret" ("canary").
    pub(crate) fn new(backend: Backend, setup: impl FnOnce(&Path, &Path)) -> Guest {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"canary").unwrap();
        let run = Run::wat(&abi_module(IMPORTS, 4, Some(4)), backend).sandbox();
        let root = run.sandbox_path().unwrap().to_path_buf();
        setup(&root, outside.path());
        Guest {
            s: run.session().unwrap(),
            outside,
        }
    }

    /// As [`Guest::new`], plus a read-only preopen at fd 4 holding what
    /// `read_only(dir)` puts there (kept alive in the returned directory).
    pub(crate) fn with_read_only(
        backend: Backend,
        setup: impl FnOnce(&Path, &Path),
        read_only: impl FnOnce(&Path),
    ) -> (Guest, tempfile::TempDir) {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"canary").unwrap();
        let ro = tempfile::tempdir().unwrap();
        read_only(ro.path());
        let run = Run::wat(&abi_module(IMPORTS, 4, Some(4)), backend)
            .sandbox()
            .preopen_read_only(ro.path(), "/ro");
        let root = run.sandbox_path().unwrap().to_path_buf();
        setup(&root, outside.path());
        (
            Guest {
                s: run.session().unwrap(),
                outside,
            },
            ro,
        )
    }

    /// Reads the whole file `path` under `dir` through the guest (`None` if
    /// it cannot be opened).
    pub(crate) fn read_file(&mut self, dir: u32, path: &str) -> Option<Vec<u8>> {
        let fd = self.open(dir, path, 0, rights::READ, 0).ok()?;
        // One iovec at OUT + 16 over BUF, 4096 bytes.
        self.s.write_u32(OUT + 16, BUF).unwrap();
        self.s.write_u32(OUT + 20, 4096).unwrap();
        let e = self.p1("fd_read", &[i(fd), i(OUT + 16), i(1), i(OUT + 24)]);
        assert_eq!(e, 0, "fd_read {path}");
        let n = self.s.read_u32(OUT + 24).unwrap();
        let bytes = self.s.read(BUF, n as usize).unwrap();
        assert_eq!(self.p1("fd_close", &[i(fd)]), 0);
        Some(bytes)
    }

    pub(crate) fn call(&mut self, name: &str, args: &[Val]) -> i32 {
        self.s
            .call_i32(name, args)
            .unwrap_or_else(|e| panic!("{name} trapped: {e:?}"))
    }

    pub(crate) fn p1(&mut self, name: &str, args: &[Val]) -> i32 {
        self.call(&format!("{P1}.{name}"), args)
    }

    /// Writes `path` at `at`; returns (pointer, length) arguments.
    pub(crate) fn path(&mut self, at: u32, path: &str) -> [Val; 2] {
        self.s.write(at, path.as_bytes()).unwrap();
        [i(at), i(path.len() as u32)]
    }

    /// `path_open(dir, follow, path, oflags, base, inheriting, 0)`.
    pub(crate) fn open(&mut self, dir: u32, path: &str, oflags: u32, base: i64, inh: i64) -> Result<u32, i32> {
        let [p, n] = self.path(PATH_A, path);
        self.s.write_u32(OUT, 0xAAAA_AAAA).unwrap();
        let e = self.p1(
            "path_open",
            &[
                i(dir),
                i(1),
                p,
                n,
                i(oflags),
                Val::I64(base),
                Val::I64(inh),
                i(0),
                i(OUT),
            ],
        );
        if e == 0 {
            Ok(self.s.read_u32(OUT).unwrap())
        } else {
            Err(e)
        }
    }

    /// The canary outside is as it was, and nothing else appeared there.
    pub(crate) fn assert_outside_untouched(&self) {
        let names: Vec<_> = std::fs::read_dir(self.outside.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("secret")],
            "outside: only the canary"
        );
        assert_eq!(std::fs::read(self.outside.path().join("secret")).unwrap(), b"canary");
    }
}

/// Serializes the tests of this binary: several measure the process's
/// resident memory, which the others' allocations would disturb.
pub(crate) fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn i(v: u32) -> Val {
    Val::I32(v as i32)
}

pub(crate) fn l(v: i64) -> Val {
    Val::I64(v)
}
