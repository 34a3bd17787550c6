//! The memfs route itself: preopens really are in memory, a tree a guest
//! built survives snapshot and restore, and deterministic runs give the
//! same tree, times included.

use wasi_common_compat_memfs::{Config, MemFs};
use wasi_common_compat_tests::*;

/// Exits 0 if fd 3's device id is a memfs tree's (`0x6d656dXX`), else 1.
const DEVICE_PROBE: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_filestat_get" (func $stat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (if (call $stat (i32.const 3) (i32.const 64)) (then (call $exit (i32.const 2))))
    (call $exit (i32.eqz (i64.eq (i64.shr_u (i64.load (i32.const 64)) (i64.const 8)) (i64.const 0x6d656d)))))
)
"#;

#[test]
fn the_memfs_route_serves_preopens_from_memory() {
    let out = Run::wat(DEVICE_PROBE, Backend::Memfs).sandbox().exec().unwrap();
    out.assert_exit(0);
    let out = Run::wat(DEVICE_PROBE, Backend::Sync).sandbox().exec().unwrap();
    out.assert_exit(1);
}

#[test]
fn a_tree_a_guest_built_round_trips_through_a_snapshot() {
    let tree = MemFs::new();
    let out = Run::guest("fd_readwrite", Backend::Sync)
        .preopen_memfs(tree.clone(), "/sandbox")
        .exec()
        .unwrap();
    out.assert_exit(0).assert_stderr("");
    let snap = tree.snapshot();
    assert_eq!(snap.read("file").unwrap(), b"jELLO, WORLD\0\0\0!");
    assert_eq!(snap.read("log").unwrap(), b"abcdefghXY");
    let restored = snap.restore(Config::new()).unwrap();
    assert_eq!(restored.snapshot(), snap);
    // The restored tree serves another guest like the original would.
    let dirs = MemFs::new();
    let out = Run::guest("path_dirs", Backend::Sync)
        .preopen_memfs(dirs.clone(), "/sandbox")
        .exec()
        .unwrap();
    out.assert_exit(0);
    let names: Vec<String> = dirs.snapshot().paths().into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, ["slash"]);
    assert!(restored.read_file("file").is_ok());
}

#[test]
fn deterministic_runs_build_the_same_tree() {
    let run = |seed| {
        // The tree's root is made before the run: give it a virtual clock
        // too (the run's own changes read the context's clock).
        let clock = wasi_common_compat::deterministic::VirtualClock::new().system();
        let tree = MemFs::with_config(Config::new().clock(std::sync::Arc::from(clock)));
        Run::guest("fd_times", Backend::Sync)
            .deterministic(seed)
            .preopen_memfs(tree.clone(), "/sandbox")
            .exec()
            .unwrap()
            .assert_exit(0);
        tree.snapshot()
    };
    let (a, b) = (run(7), run(7));
    assert_eq!(a.read("f"), b.read("f"));
    // Same names, inodes, sizes and times (the `*_NOW` ones read the
    // context's virtual clock, not the host's).
    assert_eq!(a, b);
}

#[test]
fn a_guest_past_the_budget_gets_enospc() {
    // 16 pages: fd_readwrite's files fit; a bigger write does not.
    let small = MemFs::with_config(Config::new().max_bytes(16 * 4096));
    Run::guest("fd_readwrite", Backend::Sync)
        .preopen_memfs(small, "/sandbox")
        .exec()
        .unwrap()
        .assert_exit(0);
    let tiny = MemFs::with_config(Config::new().max_bytes(4));
    let out = Run::guest("fd_readwrite", Backend::Sync)
        .preopen_memfs(tiny, "/sandbox")
        .exec()
        .unwrap();
    out.assert_exit(1);
    assert!(out.stderr_str().contains("NOSPC"), "{out}");
}
