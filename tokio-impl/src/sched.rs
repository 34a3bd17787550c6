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
//!   rounds to milliseconds). Other Unixes have no `timerfd`: there the
//!   deadline is kept by the timer thread described below (not tokio's
//!   timers, which would need the runtime's time driver and round to
//!   milliseconds).
//!
//! Each distinct descriptor is registered once and each distinct
//! in-process source polled once per round, whatever the number of
//! subscriptions naming it. At the descriptor limit (no duplicate, no
//! `timerfd`), descriptors are polled with a zero-timeout `poll(2)` and the
//! timeout kept by a timer thread, every 2 ms.
//!
//! Outside a tokio runtime (a synchronous store), the wait falls back to the
//! `poll(2)` scheduler of the sync backend. The runtime must have its I/O
//! driver enabled (`enable_io`, or `enable_all`).

#![allow(
    unsafe_code,
    reason = "registering descriptors with tokio's reactor is an unsafe call (each has its SAFETY note)"
)]

use rustix::event::{PollFd, PollFlags};
use rustix::fd::{AsRawFd, BorrowedFd, OwnedFd};
use rustix::time::Timespec;
#[cfg(any(target_os = "linux", target_os = "android"))]
use rustix::time::{Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags};
use std::collections::HashMap;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
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

/// How one distinct host descriptor of a wait is watched.
enum Watch<'a> {
    /// Registered with the reactor through a duplicate.
    Reactor(AsyncFd<OwnedFd>),
    /// epoll cannot watch it (regular files, `/dev/null`): always ready.
    Always,
    /// No descriptor was left for a duplicate (the process is at its fd
    /// limit): polled with a zero-timeout `poll(2)`, every
    /// [`FALLBACK_SLICE`].
    Polled(BorrowedFd<'a>),
}

/// How often a wait that could not get a descriptor (for a duplicate or its
/// `timerfd`) looks again.
const FALLBACK_SLICE: Duration = Duration::from_millis(2);

fn out_of_fds(e: rustix::io::Errno) -> bool {
    e == rustix::io::Errno::MFILE || e == rustix::io::Errno::NFILE
}

/// Watches a duplicate of `fd` (see [`Watch`]).
fn register(fd: BorrowedFd<'_>, interest: TokioInterest) -> Result<Watch<'_>, Error> {
    let dup = match rustix::io::fcntl_dupfd_cloexec(fd, 0) {
        Ok(d) => d,
        Err(e) if out_of_fds(e) => return Ok(Watch::Polled(fd)),
        Err(e) => return Err(e.into()),
    };
    // SAFETY: `dup` is an `OwnedFd` moved into the `AsyncFd`: it stays open
    // and names the same open file description for the `AsyncFd`'s life.
    match unsafe { AsyncFd::register_with_interest(dup, interest) } {
        Ok(a) => Ok(Watch::Reactor(a)),
        Err(e) => {
            let (_fd, err) = e.into_parts();
            match err.raw_os_error().map(rustix::io::Errno::from_raw_os_error) {
                Some(rustix::io::Errno::PERM) => Ok(Watch::Always),
                // epoll itself needs memory and descriptors; poll instead.
                Some(e) if out_of_fds(e) || e == rustix::io::Errno::NOMEM || e == rustix::io::Errno::NOSPC => {
                    Ok(Watch::Polled(fd))
                }
                _ => Err(err.into()),
            }
        }
    }
}

/// A one-shot `timerfd` armed `after` from now, registered for reading;
/// `None` if the process has no descriptor left for it.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn timer(after: Duration) -> Result<Option<AsyncFd<OwnedFd>>, Error> {
    let fd = match rustix::time::timerfd_create(
        TimerfdClockId::Monotonic,
        TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
    ) {
        Ok(fd) => fd,
        Err(e) if out_of_fds(e) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
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
    match unsafe { AsyncFd::register_with_interest(fd, TokioInterest::READABLE) } {
        Ok(a) => Ok(Some(a)),
        Err(e) => {
            let err = e.into_parts().1;
            match err.raw_os_error().map(rustix::io::Errno::from_raw_os_error) {
                Some(e) if out_of_fds(e) || e == rustix::io::Errno::NOMEM || e == rustix::io::Errno::NOSPC => Ok(None),
                _ => Err(err.into()),
            }
        }
    }
}

/// No `timerfd` outside Linux: the wait keeps its deadline with the
/// [`fallback`] timer thread.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn timer(_after: Duration) -> Result<Option<AsyncFd<OwnedFd>>, Error> {
    Ok(None)
}

/// The wait's timeout.
enum Timer {
    None,
    Fd(AsyncFd<OwnedFd>),
    /// No `timerfd` could be had: the deadline is checked whenever the wait
    /// is polled, and [`fallback::wake_at`] polls it in time.
    Deadline(Instant),
}

/// The wait's descriptors: each distinct host fd once, with the union of its
/// subscriptions' interests (so any number of subscriptions naming one fd
/// take one duplicate), and each subscription's slot.
struct Watched<'a> {
    watches: Vec<Watch<'a>>,
    slot: Vec<Option<usize>>,
}

fn watch_all<'a>(set: &mut PollSet<'a>) -> Result<Watched<'a>, Error> {
    let subs = set.subscriptions();
    let mut want: Vec<(BorrowedFd<'a>, Interest)> = Vec::new();
    let mut slot = vec![None; subs.len()];
    let mut by_fd: HashMap<i32, usize> = HashMap::new();
    for (i, s) in subs.iter().enumerate() {
        if let (Pollable::Fd(fd), false) = (s.pollable(), s.is_done()) {
            let k = *by_fd.entry(fd.as_raw_fd()).or_insert_with(|| {
                want.push((fd, Interest::empty()));
                want.len() - 1
            });
            want[k].1 |= s.interest();
            slot[i] = Some(k);
        }
    }
    let mut watches = Vec::with_capacity(want.len());
    for (fd, interest) in want {
        let ti = match (interest.contains(Interest::READ), interest.contains(Interest::WRITE)) {
            (true, true) => TokioInterest::READABLE | TokioInterest::WRITABLE,
            _ => tokio_interest(interest),
        };
        watches.push(register(fd, ti)?);
    }
    Ok(Watched { watches, slot })
}

async fn wait(set: &mut PollSet<'_>) -> Result<(), Error> {
    let watched = watch_all(set)?;
    let timer = match set.timeout() {
        Some(t) if !t.is_zero() => match timer(t)? {
            Some(fd) => Timer::Fd(fd),
            None => Timer::Deadline(Instant::now() + t),
        },
        _ => Timer::None,
    };
    let zero_timeout = set.timeout().is_some_and(|t| t.is_zero());
    std::future::poll_fn(|cx| poll_once(set, &watched, &timer, zero_timeout, cx)).await
}

/// Zero-timeout `poll(2)` of one descriptor: `Some(hangup)` if ready.
fn poll_now(fd: BorrowedFd<'_>, interest: Interest) -> Option<Result<Readiness, Error>> {
    let flags = if interest.contains(Interest::WRITE) {
        PollFlags::OUT
    } else {
        PollFlags::IN
    };
    let mut fds = [PollFd::from_borrowed_fd(fd, flags)];
    match rustix::event::poll(&mut fds, Some(&Timespec { tv_sec: 0, tv_nsec: 0 })) {
        Ok(_) => {}
        Err(e) => return Some(Err(e.into())),
    }
    let r = fds[0].revents();
    if r.contains(PollFlags::NVAL) {
        Some(Err(Error::badf()))
    } else if r.intersects(flags | PollFlags::HUP | PollFlags::ERR) {
        Some(Ok(Readiness {
            hangup: r.contains(PollFlags::HUP),
        }))
    } else {
        None
    }
}

fn poll_once(
    set: &mut PollSet<'_>,
    watched: &Watched<'_>,
    timer: &Timer,
    zero_timeout: bool,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>> {
    let mut any = false;
    let mut polled = false;
    // Each distinct in-process source is polled once per round, whatever
    // the number of subscriptions naming it (65 536 subscriptions on one
    // bridged stdin used to poll it 65 536 times per wakeup).
    let mut sources: HashMap<(usize, u8), Poll<Readiness>> = HashMap::new();
    for (s, slot) in set.subscriptions().iter_mut().zip(&watched.slot) {
        if s.is_done() {
            any = true;
            continue;
        }
        let ready = match (s.pollable(), slot.and_then(|k| watched.watches.get(k))) {
            (Pollable::Source(src), _) => {
                let key = (std::ptr::from_ref(src).cast::<()>() as usize, s.interest().bits());
                *sources
                    .entry(key)
                    .or_insert_with(|| src.poll_ready(s.interest(), cx).map(|()| Readiness::default()))
            }
            (Pollable::Fd(_), Some(Watch::Reactor(a))) => {
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
            (Pollable::Fd(_), Some(Watch::Polled(fd))) => {
                polled = true;
                match poll_now(*fd, s.interest()) {
                    None => Poll::Pending,
                    Some(Ok(r)) => Poll::Ready(r),
                    Some(Err(e)) => {
                        s.set_error(e);
                        any = true;
                        continue;
                    }
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
    let now = Instant::now();
    let mut next = polled.then(|| now + FALLBACK_SLICE);
    match timer {
        Timer::Fd(t) if t.poll_read_ready(cx).is_ready() => return Poll::Ready(Ok(())),
        Timer::Deadline(d) if *d <= now => return Poll::Ready(Ok(())),
        Timer::Deadline(d) => next = Some(next.map_or(*d, |n| n.min(*d))),
        _ => {}
    }
    if let Some(at) = next
        && !fallback::wake_at(at, cx.waker())
    {
        // Not even a timer thread: return early rather than miss the
        // deadline (the caller checks its clocks and waits again).
        return Poll::Ready(Ok(()));
    }
    Poll::Pending
}

/// A timer that needs no descriptor: one thread, started on first use,
/// waking registered wakers at their deadlines. On Linux only waits that
/// could not get a `timerfd` or a duplicate use it; elsewhere every wait
/// with a timeout does. A registration is never
/// cancelled; an early wake is a spurious one, which waits allow.
mod fallback {
    use std::sync::{Condvar, Mutex, OnceLock};
    use std::task::Waker;
    use std::time::Instant;

    struct Timers {
        due: Mutex<Vec<(Instant, Waker)>>,
        changed: Condvar,
    }

    fn run(t: &'static Timers) {
        let mut due = t.due.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let now = Instant::now();
            let mut k = 0;
            while k < due.len() {
                if due[k].0 <= now {
                    due.swap_remove(k).1.wake();
                } else {
                    k += 1;
                }
            }
            due = match due.iter().map(|d| d.0).min() {
                None => t.changed.wait(due).unwrap_or_else(|p| p.into_inner()),
                Some(at) => {
                    let d = at.saturating_duration_since(Instant::now());
                    t.changed.wait_timeout(due, d).unwrap_or_else(|p| p.into_inner()).0
                }
            };
        }
    }

    /// Wakes `waker` at `at`. False if the timer thread cannot run.
    pub(super) fn wake_at(at: Instant, waker: &Waker) -> bool {
        static TIMERS: OnceLock<Option<&'static Timers>> = OnceLock::new();
        let t = TIMERS.get_or_init(|| {
            let t: &'static Timers = Box::leak(Box::new(Timers {
                due: Mutex::new(Vec::new()),
                changed: Condvar::new(),
            }));
            std::thread::Builder::new()
                .name("wasi-fallback-timer".into())
                .spawn(move || run(t))
                .ok()
                .map(|_| t)
        });
        let Some(t) = t else { return false };
        let mut due = t.due.lock().unwrap_or_else(|p| p.into_inner());
        match due.iter_mut().find(|d| d.1.will_wake(waker)) {
            Some(d) => d.0 = d.0.min(at),
            None => due.push((at, waker.clone())),
        }
        t.changed.notify_one();
        true
    }
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
