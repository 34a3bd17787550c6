//! The ABI fuzzer (item 4): random preview1 calls with random arguments
//! through the real imports, on every backend, from a fixed seed (set
//! `WCC_ABI_FUZZ_SEED`, `WCC_ABI_FUZZ_CALLS` to vary). Asserts: no host
//! panic (a panic fails the test with the call that caused it), every
//! result is a defined errno or a trap, `proc_exit` ends the session with
//! its status, and the host's resident memory stays bounded.
//!
//! Each backend's run happens in a child process (this test binary running
//! only `abi_fuzz_child`): resident memory is the process's, and other
//! tests of this binary running at the same time (compiling guests,
//! growing heaps) would otherwise be counted as the fuzzer's growth.

use std::process::Command;

use wasi_common_compat_tests::*;
use wasmtime::Val;

const P1: &str = "wasi_snapshot_preview1";

/// Every preview1 function but `poll_oneoff` (a random clock could wait
/// for hours) with its wasm signature.
const CALLS: &[AbiImport<'static>] = &[
    (P1, "args_get", "i32 i32", "i32"),
    (P1, "args_sizes_get", "i32 i32", "i32"),
    (P1, "environ_get", "i32 i32", "i32"),
    (P1, "environ_sizes_get", "i32 i32", "i32"),
    (P1, "clock_res_get", "i32 i32", "i32"),
    (P1, "clock_time_get", "i32 i64 i32", "i32"),
    (P1, "fd_advise", "i32 i64 i64 i32", "i32"),
    (P1, "fd_allocate", "i32 i64 i64", "i32"),
    (P1, "fd_close", "i32", "i32"),
    (P1, "fd_datasync", "i32", "i32"),
    (P1, "fd_fdstat_get", "i32 i32", "i32"),
    (P1, "fd_fdstat_set_flags", "i32 i32", "i32"),
    (P1, "fd_fdstat_set_rights", "i32 i64 i64", "i32"),
    (P1, "fd_filestat_get", "i32 i32", "i32"),
    (P1, "fd_filestat_set_size", "i32 i64", "i32"),
    (P1, "fd_filestat_set_times", "i32 i64 i64 i32", "i32"),
    (P1, "fd_pread", "i32 i32 i32 i64 i32", "i32"),
    (P1, "fd_prestat_get", "i32 i32", "i32"),
    (P1, "fd_prestat_dir_name", "i32 i32 i32", "i32"),
    (P1, "fd_pwrite", "i32 i32 i32 i64 i32", "i32"),
    (P1, "fd_read", "i32 i32 i32 i32", "i32"),
    (P1, "fd_readdir", "i32 i32 i32 i64 i32", "i32"),
    (P1, "fd_renumber", "i32 i32", "i32"),
    (P1, "fd_seek", "i32 i64 i32 i32", "i32"),
    (P1, "fd_sync", "i32", "i32"),
    (P1, "fd_tell", "i32 i32", "i32"),
    (P1, "fd_write", "i32 i32 i32 i32", "i32"),
    (P1, "path_create_directory", "i32 i32 i32", "i32"),
    (P1, "path_filestat_get", "i32 i32 i32 i32 i32", "i32"),
    (P1, "path_filestat_set_times", "i32 i32 i32 i32 i64 i64 i32", "i32"),
    (P1, "path_link", "i32 i32 i32 i32 i32 i32 i32", "i32"),
    (P1, "path_open", "i32 i32 i32 i32 i32 i64 i64 i32 i32", "i32"),
    (P1, "path_readlink", "i32 i32 i32 i32 i32 i32", "i32"),
    (P1, "path_remove_directory", "i32 i32 i32", "i32"),
    (P1, "path_rename", "i32 i32 i32 i32 i32 i32", "i32"),
    (P1, "path_symlink", "i32 i32 i32 i32 i32", "i32"),
    (P1, "path_unlink_file", "i32 i32 i32", "i32"),
    (P1, "proc_exit", "i32", ""),
    (P1, "proc_raise", "i32", "i32"),
    (P1, "sched_yield", "", "i32"),
    (P1, "random_get", "i32 i32", "i32"),
    (P1, "sock_accept", "i32 i32 i32", "i32"),
    (P1, "sock_recv", "i32 i32 i32 i32 i32 i32", "i32"),
    (P1, "sock_send", "i32 i32 i32 i32 i32", "i32"),
    (P1, "sock_shutdown", "i32 i32", "i32"),
];

/// The largest preview1 errno (`ENOTCAPABLE`).
const MAX_ERRNO: i32 = 76;
const PAGES: u32 = 2;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick(&mut self, n: u64) -> u64 {
        (self.next() >> 11) % n
    }
    /// An i32 argument: small numbers (fds, flags, lengths), addresses in
    /// and around memory, boundary values, or anything.
    fn i32(&mut self) -> i32 {
        let end = PAGES as i64 * 65536;
        match self.pick(8) {
            0 | 1 => self.pick(12) as i32,
            2 => (self.pick(end as u64)) as i32,
            3 => (end - self.pick(64) as i64) as i32,
            4 => [0, 1, -1, i32::MIN, i32::MAX, 0x7FFF_FFF8, -8, 65536][self.pick(8) as usize],
            5 => 1 << self.pick(32),
            6 => self.pick(4096) as i32,
            _ => self.next() as i32,
        }
    }
    fn i64(&mut self) -> i64 {
        match self.pick(4) {
            0 => self.pick(16) as i64,
            1 => [0, -1, i64::MIN, i64::MAX, 1 << 40][self.pick(5) as usize],
            _ => self.next() as i64,
        }
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A fresh instance; stdout and stderr are closed (captured output would
/// grow with what random writes send, which is not what is measured).
fn new_session(backend: Backend) -> Session {
    let mut s = Run::wat(&abi_module(CALLS, PAGES, Some(PAGES)), backend)
        .sandbox()
        .arg("prog")
        .env("K", "V")
        .stdin(vec![b'x'; 4096])
        .session()
        .unwrap();
    for fd in [1, 2] {
        assert_eq!(s.call_i32(&format!("{P1}.fd_close"), &[Val::I32(fd)]).unwrap(), 0);
    }
    s
}

const CHILD_ENV: &str = "WCC_ABI_FUZZ_CHILD";

per_backend!(abi_fuzz_random_calls, |backend| {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([
            "--exact",
            "abi_fuzz::abi_fuzz_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, backend.name())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The child's report line, so that `--nocapture` shows the figures.
    for line in stdout.lines().filter_map(|l| l.split_once("ABI fuzz on")) {
        println!("ABI fuzz on{}", line.1);
    }
    assert!(
        out.status.success() && stdout.contains("ABI fuzz on") && stdout.contains("1 passed"),
        "the child failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
});

#[test]
#[ignore = "run alone in a child process by abi_fuzz_random_calls"]
fn abi_fuzz_child() {
    let Ok(name) = std::env::var(CHILD_ENV) else {
        eprintln!("not started by abi_fuzz_random_calls: nothing tested");
        return;
    };
    let backend = *Backend::ALL.iter().find(|b| b.name() == name).unwrap();
    fuzz(backend);
}

fn fuzz(backend: Backend) {
    let seed = env_u64("WCC_ABI_FUZZ_SEED", 0xAB1_F022);
    let calls = env_u64("WCC_ABI_FUZZ_CALLS", 4_000);
    let mut rng = Rng(seed | 1);
    let mut s = new_session(backend);
    let (rss0, _, _) = memory_usage_kb().unwrap();
    let (mut traps, mut exits, mut errnos) = (0u64, 0u64, [0u64; (MAX_ERRNO + 1) as usize]);
    for k in 0..calls {
        if rng.pick(50) == 0 {
            // Random memory contents, so pointers read random structures.
            let at = rng.pick(PAGES as u64 * 65536 - 256) as u32;
            let bytes: Vec<u8> = (0..256).map(|_| rng.next() as u8).collect();
            s.write(at, &bytes).unwrap();
        }
        let (_, name, params, _) = CALLS[rng.pick(CALLS.len() as u64) as usize];
        let args: Vec<Val> = params
            .split_whitespace()
            .map(|t| {
                if t == "i64" {
                    Val::I64(rng.i64())
                } else {
                    Val::I32(rng.i32())
                }
            })
            .collect();
        let what = format!("call {k}: {name}{args:?} (seed {seed:#x})");
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.call(&format!("{P1}.{name}"), &args)));
        match r {
            Err(_) => panic!("host panic at {what}"),
            Ok(Ok(v)) => match v.as_slice() {
                [Val::I32(e)] => {
                    assert!((0..=MAX_ERRNO).contains(e), "{what}: errno {e}");
                    errnos[*e as usize] += 1;
                }
                [] => {}
                other => panic!("{what}: returned {other:?}"),
            },
            Ok(Err(e)) => {
                if e.downcast_ref::<wasi_common_compat::I32Exit>().is_some() {
                    assert_eq!(name, "proc_exit", "{what}: an exit from a call that is not proc_exit");
                    exits += 1;
                } else {
                    traps += 1;
                }
                // An exit or a trap ends the instance: start a new one.
                s = new_session(backend);
            }
        }
    }
    let (rss1, _, _) = memory_usage_kb().unwrap();
    let ok = errnos[0];
    let distinct = errnos.iter().filter(|&&n| n > 0).count();
    println!(
        "ABI fuzz on {backend}: {calls} calls, {ok} succeeded, {distinct} distinct errnos, {traps} traps, {exits} exits, RSS {rss0} kB -> {rss1} kB"
    );
    // The wasmi route compiles each module once per process (a wasmi
    // engine keeps what it compiled), so the bound holds there too.
    assert!(rss1 < rss0 + 96 * 1024, "RSS grew from {rss0} kB to {rss1} kB");
}
