//! How a threaded program ends: `exit` from a spawned thread or a return
//! from `main` while other threads are blocked, a panic in a spawned thread;
//! the host process and other programs in it carry on.

use std::time::{Duration, Instant};
use wasi_common_compat_tests::*;

/// A run of `threads_exit <mode>` with a stdin that stays open (one thread
/// blocks reading it) until the returned writer is dropped.
fn exit_run(mode: &str) -> (Run, wasi_common_compat::pipe::PipeWriter) {
    let (run, writer) = Run::threads_guest("threads_exit").arg(mode).stdin_pipe(16);
    (run.timeout(Duration::from_secs(20)), writer)
}

threads_test!(threads_exit, |run| {
    // A spawned thread exits with 3 while the others wait on a condvar,
    // sleep, read stdin, spin, and join.
    let (r, _stdin) = exit_run("exit");
    drop(run);
    let t0 = Instant::now();
    let out = r.exec().unwrap();
    out.assert_exit(3)
        .assert_stdout("4 threads blocked\nexiting with 3\n")
        .assert_stderr("");
    assert_eq!(out.threads_left, 0, "every thread stopped");
    assert!(t0.elapsed() < Duration::from_secs(10), "took {:?}", t0.elapsed());

    // Returning from main ends the program the same way, with status 0.
    let (r, _stdin) = exit_run("return");
    let out = r.exec().unwrap();
    out.assert_exit(0)
        .assert_stdout("4 threads blocked\nmain returns\n")
        .assert_stderr("");
    assert_eq!(out.threads_left, 0);
});

#[test]
fn an_exit_leaves_other_programs_running() {
    // Two programs at once in this process: one exits (3) while the other,
    // a long one, keeps going to its own end; then a third starts afresh.
    let other = std::thread::spawn(|| Run::threads_guest("threads_sync").exec().unwrap());
    for _ in 0..3 {
        let (r, _stdin) = exit_run("exit");
        let out = r.exec().unwrap();
        out.assert_exit(3).assert_stdout("4 threads blocked\nexiting with 3\n");
        assert_eq!(out.threads_left, 0);
    }
    let out = other.join().unwrap();
    out.assert_exit(0).assert_stderr("");
    assert!(out.stdout_str().ends_with("- once\ndone\n"), "{out}");
    assert_eq!(out.threads_left, 0);
    let out = Run::threads_guest("threads_channel").exec().unwrap();
    out.assert_exit(0);
    assert!(out.stdout_str().ends_with("done\n"), "{out}");
}

threads_test!(threads_panic, |run| {
    // The target's std aborts on panic: the spawned thread's panic message
    // is printed, then the whole program traps; `join` never returns, the
    // sleeping bystander is stopped.
    let out = run.exec().unwrap();
    let trap = out.assert_trap().to_owned();
    assert!(trap.contains("wasm `unreachable` instruction executed"), "{trap}");
    assert!(
        trap.contains("__rust_start_panic"),
        "the trap comes from the panic: {trap}"
    );
    out.assert_stdout("main: spawning\ndoomed: about to panic\n");
    let err = out.stderr_str();
    let (head, rest) = err.split_once(") panicked at ").unwrap_or_else(|| panic!("{out}"));
    assert!(
        head.starts_with("\nthread 'doomed' (") || head.starts_with("thread 'doomed' ("),
        "{out}"
    );
    assert!(
        rest.starts_with("src/bin/threads_panic.rs:22:17:\ndoomed thread panics on purpose\n"),
        "{out}"
    );
    assert!(!out.stdout_str().contains("join gave"), "{out}");
    assert_eq!(out.threads_left, 0);
});

#[test]
fn an_unthreaded_guest_runs_through_wasi_threads_too() {
    // `Run::threads` takes any module: a wasip1 guest (no shared memory, no
    // thread-spawn) runs as a one-thread program with the same results,
    // exit statuses included.
    let path = guest_path("proc_exit");
    for (args, code, stdout) in [
        (&["exit", "7"][..], 7, "exiting with 7\n"),
        (&["return"][..], 0, "returning from main\n"),
    ] {
        let out = Run::file(&path, Backend::Sync)
            .args(args.iter().copied())
            .threads()
            .exec()
            .unwrap();
        out.assert_exit(code).assert_stdout(stdout).assert_stderr("");
    }
    // Only the sync backend runs threaded programs.
    assert!(Run::guest("proc_exit", Backend::Tokio).threads().exec().is_err());
}
