//! `poll_oneoff` on clocks, files, stdin and (in `sock`) sockets.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use wasi_common_compat_tests::*;

/// Waits until `out` contains `needle` (true), the run `finished`, or 30 s
/// passed (false).
pub(crate) fn wait_for(out: &Captured, needle: &str, finished: &AtomicBool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline && !finished.load(Ordering::Acquire) {
        if String::from_utf8_lossy(&out.contents()).contains(needle) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

guest_test!(poll_clock, |run| {
    run.exec().unwrap().assert_sections(&[
        "relative monotonic timeout",
        "zero timeout",
        "the earliest of several clocks",
        "absolute deadlines",
        "unsupported clocks get an error event at once",
        "invalid calls",
        "exactly the events are written",
    ]);
});

guest_test!(poll_fd, |run| {
    run.sandbox().exec().unwrap().assert_sections(&[
        "a regular file is ready for reading and writing",
        "nbytes follows the cursor",
        "stdout is ready for writing",
        "a bad fd fails the whole call, at once (as on Wasmtime)",
    ]);
});

guest_test!(poll_stdin, |run| {
    let (run, writer) = run.stdin_pipe(64);
    let stdout = run.stdout_handle();
    let finished = Arc::new(AtomicBool::new(false));
    let f = finished.clone();
    let feeder = std::thread::spawn(move || {
        if wait_for(&stdout, "waiting\n", &f) {
            writer.write_all(b"hello").unwrap();
            wait_for(&stdout, "drained\n", &f);
        }
        drop(writer);
    });
    let out = run.exec().unwrap();
    finished.store(true, Ordering::Release);
    feeder.join().unwrap();
    out.assert_exit(0).assert_stderr("").assert_stdout(
        "- nothing to read yet\n\
         - nonblocking read of an empty pipe\n\
         waiting\n\
         - the host writes\n\
         drained\n\
         - end of file\n\
         done\n",
    );
});
