//! File I/O from many threads over one fd table.

use std::fs;
use wasi_common_compat_tests::expected::{check_fs_pool, check_thread_lines};
use wasi_common_compat_tests::*;

threads_test!(threads_fs_pool, |run| {
    let out = run.sandbox().exec().unwrap();
    out.assert_exit(0)
        .assert_stderr("")
        .assert_stdout("- pool\n- results\njobs 48, kept 16, log 3072 bytes\ndone\n");
    assert_eq!(out.threads_left, 0);
    check_fs_pool(out.sandbox.as_ref().unwrap().path(), 48).unwrap();
});

threads_test!(threads_stdout_lines, |run| {
    for mode in ["raw", "std"] {
        let out = Run::threads_guest("threads_stdout_lines").arg(mode).exec().unwrap();
        out.assert_exit(0).assert_stderr("12 threads wrote 150 lines each\n");
        if let Err(e) = check_thread_lines(&out.stdout, mode, 12, 150) {
            panic!("{mode}: {e}");
        }
        assert_eq!(out.threads_left, 0);
    }
    // The checker itself catches a torn line.
    let out = run.arg("raw").exec().unwrap();
    let mut torn = out.stdout.clone();
    let at = torn.iter().position(|&b| b == b'\n').unwrap() / 2;
    torn.insert(at, b'\n');
    assert!(check_thread_lines(&torn, "raw", 12, 150).is_err());
});

threads_test!(threads_fd_race, |run| {
    let out = run.sandbox().exec().unwrap();
    out.assert_sections(&[
        "close races reads",
        "two threads close one fd",
        "close races writes",
        "the table afterwards",
    ]);
    assert_eq!(out.threads_left, 0);
    let sandbox = out.sandbox.as_ref().unwrap().path();
    for i in 0..8 {
        assert_eq!(
            fs::read(sandbox.join(format!("new-{i}"))).unwrap(),
            format!("file {i}").into_bytes()
        );
    }
});

threads_test!(threads_fd_shared, |run| {
    let out = run.sandbox().exec().unwrap();
    out.assert_sections(&[
        "opened on one thread, used on another",
        "a directory opened on a thread",
        "fd_fdstat_set_flags on another thread",
        "renumber and close seen across threads",
    ]);
    assert_eq!(out.threads_left, 0);
    let sandbox = out.sandbox.as_ref().unwrap().path();
    for i in 0..4 {
        assert_eq!(
            fs::read(sandbox.join(format!("f{i}"))).unwrap(),
            format!("written by another thread to f{i}").into_bytes()
        );
    }
    assert_eq!(fs::read(sandbox.join("sub/inner")).unwrap(), b"in sub");
    assert_eq!(fs::read(sandbox.join("ra")).unwrap(), b"to ra");
    let flags = fs::read(sandbox.join("flags")).unwrap();
    assert_eq!(&flags[..12], b"zz23456789AB", "{:?}", String::from_utf8_lossy(&flags));
});
