//! Readiness: how a blocking call or `poll_oneoff` waits for a file.
//!
//! Every file operation either completes or fails with `EAGAIN` ("not ready").
//! A blocking call then waits on the file's [`Pollable`] and retries. A
//! [`Pollable`] is either an OS descriptor (the scheduler polls it with
//! `poll(2)` or a reactor), an in-process [`ReadySource`] (pipes, bridged
//! streams, virtual files: waker-based), or `Always` (never waits, like a
//! regular file). Schedulers wait on all three kinds in one call.

use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

bitflags::bitflags! {
    /// What a waiter is waiting for.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Interest: u8 {
        /// Data (or end of file) can be read.
        const READ = 1 << 0;
        /// Data can be written (or the peer is gone).
        const WRITE = 1 << 1;
    }
}

/// How to wait until a file is ready.
#[derive(Clone, Copy)]
pub enum Pollable<'a> {
    /// Always ready: operations never return `EAGAIN` (regular files).
    Always,
    /// An OS descriptor; the scheduler waits with `poll(2)` or a reactor.
    #[cfg(unix)]
    Fd(std::os::fd::BorrowedFd<'a>),
    /// An in-process source woken through [`Waker`]s.
    Source(&'a dyn ReadySource),
}

impl std::fmt::Debug for Pollable<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pollable::Always => f.write_str("Always"),
            #[cfg(unix)]
            Pollable::Fd(fd) => write!(f, "Fd({fd:?})"),
            Pollable::Source(_) => f.write_str("Source"),
        }
    }
}

/// An in-process readiness source (a pipe, a bridged stream, a virtual file).
///
/// `poll_ready` returns `Ready` when an operation of the given interest would
/// not return `EAGAIN` (it may then still fail, e.g. with `EPIPE`, or read 0
/// bytes at end of file). Otherwise it arranges for `cx.waker()` to be woken
/// when that may have changed and returns `Pending`. Spurious wakeups are
/// allowed; the caller polls again. Waking may happen from any thread.
pub trait ReadySource: Send + Sync {
    /// Polls readiness for `interest`, registering `cx.waker()` if not ready.
    fn poll_ready(&self, interest: Interest, cx: &mut Context<'_>) -> Poll<()>;
}

/// A set of wakers to wake together; a building block for [`ReadySource`]s.
///
/// Registration keeps at most one entry per distinct waker (by
/// [`Waker::will_wake`]), so a source polled again and again by the same
/// waiter does not grow.
#[derive(Default)]
pub struct WakerSet {
    wakers: Mutex<Vec<Waker>>,
}

impl std::fmt::Debug for WakerSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WakerSet")
    }
}

impl WakerSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `waker` unless an equivalent one is already registered.
    pub fn register(&self, waker: &Waker) {
        let mut w = lock(&self.wakers);
        if !w.iter().any(|x| x.will_wake(waker)) {
            w.push(waker.clone());
        }
    }

    /// Wakes and removes every registered waker.
    pub fn wake_all(&self) {
        let wakers = std::mem::take(&mut *lock(&self.wakers));
        for w in wakers {
            w.wake();
        }
    }
}

/// Locks a mutex, ignoring poisoning: every mutex in this crate guards data
/// that stays consistent between statements (a panic while holding it cannot
/// leave it half-updated in a way later users would misread).
pub(crate) fn lock<T: ?Sized>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether a subscription became ready, and with what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Readiness {
    /// The peer hung up (`POLLHUP`), reported as `fd_readwrite_hangup`.
    pub hangup: bool,
}
