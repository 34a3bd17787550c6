//! Assertions that say which check failed, then exit with status 1.
//!
//! Every helper takes the caller's location, so a failure reads
//! `FAIL src/bin/fd_seek.rs:42: fd_seek on a directory: expected EBADF(8), got ESPIPE(70)`
//! on stderr. Progress goes to stdout: [`section`] prints `- name`, [`done`]
//! prints `done`, so the test that runs a guest sees how far it got.

use crate::types::Errno;
use std::fmt::{Debug, Display};
use std::panic::Location;

/// Reports a failed check and exits with status 1.
#[track_caller]
pub fn fail(msg: &str) -> ! {
    let loc = Location::caller();
    eprintln!("FAIL {}:{}: {msg}", loc.file(), loc.line());
    crate::wasi::proc_exit(1)
}

/// Starts a named group of checks (printed to stdout as `- name`).
pub fn section(name: &str) {
    println!("- {name}");
}

/// Marks the end of the guest's checks (prints `done`).
pub fn done() {
    println!("done");
}

/// The value of a call that must succeed.
#[track_caller]
pub fn ok<T>(r: Result<T, Errno>, what: impl Display) -> T {
    match r {
        Ok(v) => v,
        Err(e) => fail(&format!("{what}: expected success, got {e:?}")),
    }
}

/// A call that must fail with exactly `want`.
#[track_caller]
pub fn errno<T: Debug>(r: Result<T, Errno>, want: Errno, what: impl Display) {
    match r {
        Err(e) if e == want => {}
        Err(e) => fail(&format!("{what}: expected {want:?}, got {e:?}")),
        Ok(v) => fail(&format!("{what}: expected {want:?}, got success ({v:?})")),
    }
}

/// `got == want`.
#[track_caller]
pub fn eq<T: PartialEq + Debug>(got: T, want: T, what: impl Display) {
    if got != want {
        fail(&format!("{what}: expected {want:?}, got {got:?}"));
    }
}

/// `cond` holds.
#[track_caller]
pub fn check(cond: bool, what: impl Display) {
    if !cond {
        fail(&format!("{what}: check failed"));
    }
}
