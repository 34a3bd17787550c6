//! [`TokioSched`]: waits through tokio, never blocking an executor thread.
//!
//! One wait covers every subscription of the set:
//! - OS descriptors (stdin, sockets, pipes opened by path) are registered
//!   with the current runtime's reactor for the wait, each through a
//!   duplicate of the descriptor (so two waits on the same fd, or an fd that
//!   something else has registered, never clash). Descriptors epoll cannot
//!   watch (regular files, `/dev/null`) are ready at once.
//! - In-process sources (pipes, bridged streams, virtual files) are polled
//!   with the task's waker.
//! - The timeout is a `timerfd` registered the same way, so a sleep wakes
//!   as precisely as with the `poll(2)` scheduler (tokio's own timer wheel
//!   rounds to milliseconds).
//!
//! Outside a tokio runtime (a synchronous store), the wait falls back to the
//! `poll(2)` scheduler of the sync backend. The runtime must have its I/O
//! driver enabled (`enable_io`, or `enable_all`).

use rustix::fd::{AsFd, OwnedFd};
use rustix::time::{Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::Interest as TokioInterest;
use tokio::io::unix::AsyncFd;
use wasi_common_compat::Error;
use wasi_common_compat::ready::{Interest, Pollable, Readiness};
use wasi_common_compat::sched::{BoxFuture, PollSet, WasiSched};
use wasi_common_compat_sync::PollSched;

/// The tokio scheduler. See the module docs.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSched;

fn tokio_interest(i: Interest) -> TokioInterest {
    if i.contains(Interest::WRITE) {
        TokioInterest::WRITABLE
    } else {
        TokioInterest::READABLE
    }
}

/// Registers a duplicate of `fd`; `None` if epoll cannot watch it (then it
/// counts as always ready).
fn register(fd: rustix::fd::BorrowedFd<'_>, interest: TokioInterest) -> Result<Option<AsyncFd<OwnedFd>>, Error> {
    let dup = rustix::io::fcntl_dupfd_cloexec(fd, 0)?;
    // SAFETY: `dup` is an `OwnedFd` moved into the `AsyncFd`: it stays open
    // and names the same open file description for the `AsyncFd`'s life.
    match unsafe { AsyncFd::register_with_interest(dup, interest) } {
        Ok(a) => Ok(Some(a)),
        Err(e) => {
            let (_fd, err) = e.into_parts();
            if err.raw_os_error() == Some(rustix::io::Errno::PERM.raw_os_error()) {
                Ok(None)
            } else {
                Err(err.into())
            }
        }
    }
}

/// A one-shot `timerfd` armed `after` from now, registered for reading.
fn timer(after: Duration) -> Result<AsyncFd<OwnedFd>, Error> {
    let fd = rustix::time::timerfd_create(
        TimerfdClockId::Monotonic,
        TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
    )?;
    // A zero `it_value` would disarm the timer; the shortest wait is 1 ns.
    let after = after.max(Duration::from_nanos(1));
    let spec = Itimerspec {
        it_interval: Timespec { tv_sec: 0, tv_nsec: 0 },
        it_value: Timespec {
            tv_sec: i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: i64::from(after.subsec_nanos()),
        },
    };
    rustix::time::timerfd_settime(&fd, TimerfdTimerFlags::empty(), &spec)?;
    // SAFETY: as in `register`: the `AsyncFd` owns the timerfd.
    unsafe { AsyncFd::register_with_interest(fd, TokioInterest::READABLE) }.map_err(|e| e.into_parts().1.into())
}

async fn wait(set: &mut PollSet<'_>) -> Result<(), Error> {
    let mut fds: Vec<Option<AsyncFd<OwnedFd>>> = Vec::with_capacity(set.subscriptions().len());
    for s in set.subscriptions().iter() {
        fds.push(match s.pollable() {
            Pollable::Fd(fd) if !s.is_done() => register(fd.as_fd(), tokio_interest(s.interest()))?,
            _ => None,
        });
    }
    let timer = match set.timeout() {
        Some(t) if !t.is_zero() => Some(timer(t)?),
        _ => None,
    };
    let zero_timeout = set.timeout().is_some_and(|t| t.is_zero());
    std::future::poll_fn(|cx| poll_once(set, &fds, timer.as_ref(), zero_timeout, cx)).await
}

fn poll_once(
    set: &mut PollSet<'_>,
    fds: &[Option<AsyncFd<OwnedFd>>],
    timer: Option<&AsyncFd<OwnedFd>>,
    zero_timeout: bool,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>> {
    let mut any = false;
    for (s, afd) in set.subscriptions().iter_mut().zip(fds) {
        if s.is_done() {
            any = true;
            continue;
        }
        let ready = match (s.pollable(), afd) {
            (Pollable::Source(src), _) => src.poll_ready(s.interest(), cx).map(|()| Readiness::default()),
            (Pollable::Fd(_), Some(a)) => {
                let r = if s.interest().contains(Interest::WRITE) {
                    a.poll_write_ready(cx).map(|g| g.map(|g| g.ready().is_write_closed()))
                } else {
                    a.poll_read_ready(cx).map(|g| g.map(|g| g.ready().is_read_closed()))
                };
                match r {
                    Poll::Ready(Ok(hangup)) => Poll::Ready(Readiness { hangup }),
                    Poll::Ready(Err(e)) => {
                        s.set_error(e.into());
                        any = true;
                        continue;
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
            _ => Poll::Ready(Readiness::default()),
        };
        if let Poll::Ready(r) = ready {
            s.set_ready(r);
            any = true;
        }
    }
    if any || zero_timeout {
        return Poll::Ready(Ok(()));
    }
    if let Some(t) = timer
        && t.poll_read_ready(cx).is_ready()
    {
        return Poll::Ready(Ok(()));
    }
    Poll::Pending
}

impl WasiSched for TokioSched {
    fn poll_oneoff<'a>(&'a self, set: &'a mut PollSet<'_>) -> BoxFuture<'a, Result<(), Error>> {
        if tokio::runtime::Handle::try_current().is_err() {
            return PollSched.poll_oneoff(set);
        }
        Box::pin(wait(set))
    }

    fn sched_yield(&self) -> BoxFuture<'_, Result<(), Error>> {
        if tokio::runtime::Handle::try_current().is_err() {
            return PollSched.sched_yield();
        }
        Box::pin(async {
            tokio::task::yield_now().await;
            Ok(())
        })
    }
}
