//! `wasi-compat run` on `wasm32-wasip1-threads` programs end to end: the CLI
//! detects the threads import by itself, `--max-threads`, exit statuses of a
//! program ending while its threads block (on the process's real stdin
//! too), a panicking thread, whole lines on a real stdout pipe, file I/O in
//! a `--dir` from many threads.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use wasi_common_compat_tests::expected::{check_fs_pool, check_thread_lines};
use wasi_common_compat_tests::threads_guest_path;

/// The exit status of a trap, as `wasmtime run` uses (128 + SIGABRT).
const TRAP: i32 = 134;

fn wasi_compat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasi-compat"))
}

fn run(flags: &[&str], guest: &str, args: &[&str]) -> Output {
    let mut cmd = wasi_compat();
    cmd.arg("run").args(flags).arg(threads_guest_path(guest)).args(args);
    cmd.stdin(Stdio::null()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
fn assert_out(out: &Output, code: i32, stdout: &str, stderr: &str) {
    let shown = format!("--- stdout:\n{}\n--- stderr:\n{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(code), "exit status\n{shown}");
    assert_eq!(text(&out.stdout), stdout, "stdout\n{shown}");
    assert_eq!(text(&out.stderr), stderr, "stderr\n{shown}");
}

fn sections(names: &[&str]) -> String {
    let mut s: String = names.iter().map(|n| format!("- {n}\n")).collect();
    s.push_str("done\n");
    s
}

/// Waits for `child` at most `limit`, killing it (and failing) after that.
fn wait_output(mut child: Child, limit: Duration) -> Output {
    let t0 = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if t0.elapsed() > limit {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?}\n--- stdout:\n{}\n--- stderr:\n{}",
                text(&out.stdout),
                text(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn threads_are_detected_from_the_imports() {
    let out = run(&[], "threads_spawn_join", &[]);
    let want = sections(&[
        "spawn and join",
        "names and ids",
        "thread locals",
        "scoped threads borrow the stack",
        "park and unpark",
        "sleep",
        "300 threads, 30 at a time",
    ]);
    assert_out(&out, 0, &want, "");
    // A threaded module runs on the sync runtime whatever --runtime says.
    assert_out(&run(&["--runtime", "tokio"], "threads_spawn_join", &[]), 0, &want, "");
    let out = run(&[], "threads_sync", &[]);
    assert_out(
        &out,
        0,
        &sections(&[
            "mutex",
            "condvar: a bounded queue",
            "rwlock",
            "barrier",
            "atomics",
            "once",
        ]),
        "",
    );
    let out = run(&[], "threads_channel", &[]);
    assert_out(
        &out,
        0,
        &sections(&[
            "many producers, one consumer",
            "bounded channel",
            "rendezvous",
            "recv_timeout",
        ]),
        "",
    );
}

#[test]
fn max_threads_caps_live_threads() {
    for cap in ["1", "3", "5"] {
        let out = run(&["--max-threads", cap], "threads_limit", &[]);
        assert_out(
            &out,
            0,
            &format!("spawned {cap} threads, then: WouldBlock\nspawning works after the release\n"),
            "",
        );
    }
    // With the default cap (256) the guest gets its 64 threads and says so.
    let out = run(&[], "threads_limit", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("64 threads spawned: no cap in force"));
}

#[test]
fn exit_from_a_thread_while_others_block() {
    // One of the blocked threads reads the process's stdin, a pipe kept
    // open (and never written) until the child is gone.
    for (mode, code, stdout) in [
        ("exit", 3, "4 threads blocked\nexiting with 3\n"),
        ("return", 0, "4 threads blocked\nmain returns\n"),
    ] {
        let child = wasi_compat()
            .arg("run")
            .arg(threads_guest_path("threads_exit"))
            .arg(mode)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = wait_output(child, Duration::from_secs(20));
        assert_out(&out, code, stdout, "");
    }
}

#[test]
fn a_panicking_thread_aborts_the_program() {
    let out = run(&[], "threads_panic", &[]);
    assert_eq!(out.status.code(), Some(TRAP), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "main: spawning\ndoomed: about to panic\n");
    let err = text(&out.stderr);
    assert!(
        err.contains("panicked at src/bin/threads_panic.rs:22:17:\ndoomed thread panics on purpose\n"),
        "{err}"
    );
    assert!(err.contains("failed to run main module"), "{err}");
    assert!(err.contains("wasm `unreachable` instruction executed"), "{err}");
}

#[test]
fn stdout_lines_from_many_threads_stay_whole() {
    for mode in ["raw", "std"] {
        let mut child = wasi_compat()
            .arg("run")
            .arg(threads_guest_path("threads_stdout_lines"))
            .arg(mode)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read slowly at first, so that the pipe fills and writes block.
        let mut stdout = child.stdout.take().unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).unwrap();
        let out = wait_output(child, Duration::from_secs(30));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stderr), "12 threads wrote 150 lines each\n");
        if let Err(e) = check_thread_lines(&bytes, mode, 12, 150) {
            panic!("{mode}: {e}");
        }
    }
}

fn sandbox_run(guest: &str, dir: &Path) -> Output {
    let spec = format!("{}::/sandbox", dir.display());
    run(&["--dir", &spec], guest, &[])
}

#[test]
fn file_io_from_many_threads_in_a_preopen() {
    let dir = tempfile::tempdir().unwrap();
    let out = sandbox_run("threads_fs_pool", dir.path());
    assert_out(
        &out,
        0,
        "- pool\n- results\njobs 48, kept 16, log 3072 bytes\ndone\n",
        "",
    );
    check_fs_pool(dir.path(), 48).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let out = sandbox_run("threads_fd_race", dir.path());
    let want = sections(&[
        "close races reads",
        "two threads close one fd",
        "close races writes",
        "the table afterwards",
    ]);
    assert_out(&out, 0, &want, "");

    let dir = tempfile::tempdir().unwrap();
    let out = sandbox_run("threads_fd_shared", dir.path());
    let want = sections(&[
        "opened on one thread, used on another",
        "a directory opened on a thread",
        "fd_fdstat_set_flags on another thread",
        "renumber and close seen across threads",
    ]);
    assert_out(&out, 0, &want, "");
    assert_eq!(std::fs::read(dir.path().join("ra")).unwrap(), b"to ra");
}
