//! `fd_*`.

use std::fs;
use wasi_common_compat_tests::*;

/// A second preopen, `/other`, next to the sandbox.
fn other_dir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("wcc-other-").tempdir().unwrap()
}

guest_test!(fd_bad, |run| {
    run.sandbox().exec().unwrap().assert_sections(&[
        "never opened",
        "far beyond the table",
        "closed file",
        "closed directory",
        "closed stdin",
        "closed fds are not reused by renumber",
    ]);
});

guest_test!(fd_close, |run| {
    let other = other_dir();
    let out = run.sandbox().preopen(other.path(), "/other").exec().unwrap();
    out.assert_exit(0)
        .assert_stdout("- close a file\n- close a preopen\n- close stdout\nbefore close\n")
        .assert_stderr("done\n");
    assert_eq!(fs::read(other.path().join("still-works")).unwrap(), b"yes");
});

guest_test!(fd_renumber, |run| {
    let other = other_dir();
    let out = run.sandbox().preopen(other.path(), "/other").exec().unwrap();
    out.assert_exit(0).assert_stderr("").assert_stdout(
        "- renumber over an open file\n\
         - renumber onto itself\n\
         - fds that are not open\n\
         - renumber a file over a preopen\n\
         - renumber a preopen\n\
         - renumber stdout over stderr\n\
         - written to fd 2\n\
         done\n",
    );
    let sandbox = out.sandbox.as_ref().unwrap().path();
    assert_eq!(fs::read(sandbox.join("three")).unwrap(), b"3");
    assert_eq!(fs::read(sandbox.join("two")).unwrap(), b"second file");
});

guest_test!(fd_readwrite, |run| {
    let out = run.sandbox().exec().unwrap();
    out.assert_sections(&[
        "vectored write",
        "vectored read",
        "pread and pwrite keep the cursor",
        "pwrite past the end leaves a hole of zeros",
        "write at the cursor overwrites",
        "sync",
        "the access mode decides what an fd may do",
        "append mode",
    ]);
    let sandbox = out.sandbox.as_ref().unwrap().path();
    assert_eq!(fs::read(sandbox.join("file")).unwrap(), b"jELLO, WORLD\0\0\0!");
    assert_eq!(fs::read(sandbox.join("log")).unwrap(), b"abcdefghXY");
});

guest_test!(fd_seek, |run| {
    run.sandbox().exec().unwrap().assert_sections(&[
        "whence",
        "before the start",
        "unknown whence",
        "seeking needs no right (rights are not capabilities)",
        "directories cannot seek",
        "streams cannot seek",
    ]);
});

guest_test!(fd_truncate, |run| {
    let out = run.sandbox().exec().unwrap();
    out.assert_sections(&[
        "shrink",
        "grow",
        "to zero and back",
        "sizes beyond i64",
        "rights and kinds",
        "open with trunc",
        "trunc needs no right of the directory (rights are not capabilities)",
    ]);
    let sandbox = out.sandbox.as_ref().unwrap().path();
    assert_eq!(fs::read(sandbox.join("f")).unwrap(), b"\0\0\0");
    assert_eq!(fs::read(sandbox.join("t")).unwrap(), b"");
    assert_eq!(fs::read(sandbox.join("sub/g")).unwrap(), b"");
});

guest_test!(fd_times, |run| {
    let out = run.sandbox().exec().unwrap();
    out.assert_sections(&[
        "exact times",
        "one at a time",
        "now",
        "fstflags validation",
        "rights are not capabilities",
        "directories",
    ]);
    // The host sees the times the guest set.
    let meta = fs::metadata(out.sandbox.as_ref().unwrap().path().join("f")).unwrap();
    let mtime = meta.modified().unwrap().duration_since(std::time::UNIX_EPOCH).unwrap();
    assert_eq!(mtime.as_nanos(), 1_000_000_123_456_789);
});

guest_test!(fd_rights, |run| {
    run.sandbox().exec().unwrap().assert_sections(&[
        "a preopen",
        "a file reports the rights of its access mode",
        "fd_fdstat_set_rights is not supported",
        "rights asked for with no access mode",
        "unknown rights bits",
        "a directory opened with no rights works fully",
    ]);
});

guest_test!(fd_flags, |run| {
    let out = run.sandbox().exec().unwrap();
    out.assert_sections(&[
        "append on and off",
        "nonblock",
        "unknown flag bits",
        "rights are not capabilities",
        "advise",
        "allocate is not supported (as on Wasmtime)",
    ]);
    // fd_allocate did nothing (ENOTSUP): the 12 bytes written are all.
    let meta = fs::metadata(out.sandbox.as_ref().unwrap().path().join("f")).unwrap();
    assert_eq!(meta.len(), 12);
});

guest_test!(fd_readdir, |run| {
    run.sandbox().exec().unwrap().assert_sections(&[
        "an empty directory",
        "entries, types and inodes",
        "one call returns everything when it fits",
        "small buffers",
        "a buffer holding only a header",
        "cookies",
        "errors",
    ]);
});
