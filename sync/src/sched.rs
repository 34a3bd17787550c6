//! [`PollSched`]: waits with one `poll(2)` on OS descriptors and in-process
//! sources together.
//!
//! In-process sources (pipes, bridged streams, virtual files) are polled with
//! a waker that writes to a per-thread eventfd; that eventfd is part of the
//! `poll(2)` set, so a pipe being written by another thread wakes the same
//! call that waits on sockets and terminals. `Always` subscriptions (regular
//! files) are ready at once.
//!
//! A timeout is a per-thread `timerfd` in the same set rather than
//! `poll(2)`'s own timeout: the kernel adds the thread's timer slack (50 µs
//! by default) to `poll` timeouts but not to a `timerfd`, so a guest's
//! `sleep` wakes as close to its deadline as the kernel allows, never
//! before it. Without a `timerfd` (the kernel refused one) the wait falls
//! back to `poll`'s timeout.

use rustix::event::{EventfdFlags, PollFd, PollFlags};
use rustix::fd::OwnedFd;
use rustix::time::{Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags};
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::{Duration, Instant};
use wasi_common_compat::Error;
use wasi_common_compat::ready::{Interest, Pollable, Readiness};
use wasi_common_compat::sched::{BoxFuture, PollSet, WasiSched};

/// The `poll(2)` scheduler. See the module docs.
#[derive(Debug, Default, Clone, Copy)]
pub struct PollSched;

struct EventFdWaker {
    fd: OwnedFd,
}

impl Wake for EventFdWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        // A full counter (EAGAIN) still leaves the eventfd readable.
        let _ = rustix::io::write(&self.fd, &1u64.to_ne_bytes());
    }
}

impl EventFdWaker {
    fn drain(&self) {
        let mut b = [0u8; 8];
        let _ = rustix::io::read(&self.fd, &mut b);
    }
}

thread_local! {
    static WAKER: Option<(Arc<EventFdWaker>, Waker)> = rustix::event::eventfd(
        0,
        EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK,
    )
    .ok()
    .map(|fd| {
        let w = Arc::new(EventFdWaker { fd });
        (w.clone(), Waker::from(w))
    });
}

thread_local! {
    static TIMER: Option<OwnedFd> = rustix::time::timerfd_create(
        TimerfdClockId::Monotonic,
        TimerfdFlags::CLOEXEC | TimerfdFlags::NONBLOCK,
    )
    .ok();
}

/// Arms `timer` to fire once, `after` (non-zero) from now. Re-arming clears
/// an earlier expiry that no call consumed.
fn arm(timer: &OwnedFd, after: Duration) -> bool {
    let spec = Itimerspec {
        it_interval: timespec(Duration::ZERO),
        it_value: timespec(after),
    };
    rustix::time::timerfd_settime(timer, TimerfdTimerFlags::empty(), &spec).is_ok()
}

fn poll_flags(interest: Interest) -> PollFlags {
    if interest.contains(Interest::WRITE) {
        PollFlags::OUT
    } else {
        PollFlags::IN
    }
}

fn timespec(d: Duration) -> rustix::time::Timespec {
    rustix::time::Timespec {
        tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

/// Waits as described in the module docs.
pub(crate) fn wait(set: &mut PollSet<'_>) -> Result<(), Error> {
    WAKER.with(|w| {
        let (efd, waker) = w
            .as_ref()
            .ok_or_else(|| Error::io().context("cannot create an eventfd"))?;
        TIMER.with(|timer| wait_with(set, efd, waker, timer.as_ref()))
    })
}

fn wait_with(set: &mut PollSet<'_>, efd: &EventFdWaker, waker: &Waker, timer: Option<&OwnedFd>) -> Result<(), Error> {
    let deadline = set.timeout().map(|t| Instant::now() + t);
    let mut cx = Context::from_waker(waker);
    loop {
        efd.drain();
        let mut any = false;
        for s in set.subscriptions().iter_mut().filter(|s| !s.is_done()) {
            let ready = match s.pollable() {
                Pollable::Always => true,
                Pollable::Source(src) => src.poll_ready(s.interest(), &mut cx).is_ready(),
                Pollable::Fd(_) => false,
            };
            if ready {
                s.set_ready(Readiness::default());
                any = true;
            }
        }
        let remaining = match deadline {
            _ if any => Some(Duration::ZERO),
            None => None,
            Some(d) => Some(d.saturating_duration_since(Instant::now())),
        };
        let subs = set.subscriptions();
        let mut idx = Vec::new();
        let mut fds = Vec::new();
        for (i, s) in subs.iter().enumerate() {
            if let (Pollable::Fd(fd), false) = (s.pollable(), s.is_done()) {
                idx.push(i);
                fds.push(PollFd::from_borrowed_fd(fd, poll_flags(s.interest())));
            }
        }
        fds.push(PollFd::new(&efd.fd, PollFlags::IN));
        let ts = match (remaining, timer) {
            (Some(r), Some(t)) if !r.is_zero() && arm(t, r) => {
                fds.push(PollFd::new(t, PollFlags::IN));
                None
            }
            (r, _) => r.map(timespec),
        };
        match rustix::event::poll(&mut fds, ts.as_ref()) {
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
        let revents: Vec<PollFlags> = fds.iter().map(PollFd::revents).collect();
        drop(fds);
        for (k, i) in idx.into_iter().enumerate() {
            let r = revents[k];
            let s = &mut subs[i];
            if r.contains(PollFlags::NVAL) {
                s.set_error(Error::badf());
            } else if r.intersects(PollFlags::IN | PollFlags::OUT | PollFlags::HUP | PollFlags::ERR) {
                s.set_ready(Readiness {
                    hangup: r.contains(PollFlags::HUP),
                });
                any = true;
            }
        }
        if any || set.any_done() {
            return Ok(());
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(());
        }
    }
}

impl WasiSched for PollSched {
    fn poll_oneoff<'a>(&'a self, set: &'a mut PollSet<'_>) -> BoxFuture<'a, Result<(), Error>> {
        let r = wait(set);
        Box::pin(std::future::ready(r))
    }

    fn sched_yield(&self) -> BoxFuture<'_, Result<(), Error>> {
        std::thread::yield_now();
        Box::pin(std::future::ready(Ok(())))
    }
}
