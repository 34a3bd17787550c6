//! std's threads, locks and channels.

use wasi_common_compat_tests::*;

threads_test!(threads_spawn_join, |run| {
    let out = run.exec().unwrap();
    out.assert_sections(&[
        "spawn and join",
        "names and ids",
        "thread locals",
        "scoped threads borrow the stack",
        "park and unpark",
        "sleep",
        "300 threads, 30 at a time",
    ]);
    assert_eq!(out.threads_left, 0);
});

threads_test!(threads_sync, |run| {
    let out = run.exec().unwrap();
    out.assert_sections(&[
        "mutex",
        "condvar: a bounded queue",
        "rwlock",
        "barrier",
        "atomics",
        "once",
    ]);
    assert_eq!(out.threads_left, 0);
});

threads_test!(threads_channel, |run| {
    let out = run.exec().unwrap();
    out.assert_sections(&[
        "many producers, one consumer",
        "bounded channel",
        "rendezvous",
        "recv_timeout",
    ]);
    assert_eq!(out.threads_left, 0);
});

threads_test!(threads_limit, |run| {
    // The cap on live threads makes std's spawn fail with EAGAIN
    // (WouldBlock); joined threads free their slots.
    for cap in [1, 3] {
        let out = Run::threads_guest("threads_limit").max_threads(cap).exec().unwrap();
        out.assert_exit(0).assert_stderr("").assert_stdout(&format!(
            "spawned {cap} threads, then: WouldBlock\nspawning works after the release\n"
        ));
        assert_eq!(out.threads_left, 0);
    }
    // The guest fails (status 1) if it gets 64 threads: the default cap is higher.
    let out = run.max_threads(100).exec().unwrap();
    out.assert_exit(1);
    assert!(
        out.stderr_str().contains("64 threads spawned: no cap in force"),
        "{out}"
    );
});
