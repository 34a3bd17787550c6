//! [`PollSched`]: waits with one `poll(2)` on OS descriptors and in-process
//! sources together.
//!
//! In-process sources (pipes, bridged streams, virtual files) are polled with
//! a waker that writes to a per-thread eventfd (on Linux; a self-pipe on
//! other Unixes, which have no eventfd); that descriptor is part of the
//! `poll(2)` set, so a pipe being written by another thread wakes the same
//! call that waits on sockets and terminals. `Always` subscriptions (regular
//! files) are ready at once.
//!
//! On Linux a timeout is a per-thread `timerfd` in the same set rather than
//! `poll(2)`'s own timeout: the kernel adds the thread's timer slack (50 µs
//! by default) to `poll` timeouts but not to a `timerfd`, so a guest's
//! `sleep` wakes as close to its deadline as the kernel allows, never
//! before it. Without a `timerfd` (the kernel refused one, or another Unix,
//! which has none) the wait uses `poll`'s timeout (rounded up to whole
//! milliseconds where the host has no `ppoll`, as on macOS) and polls again
//! until the deadline has passed.
//!
//! Both descriptors are made at a thread's first wait and reused by all its
//! later waits; they close when the thread ends. At the process's
//! descriptor limit a failed creation is retried at the next wait, and the
//! wait works without them (slices of 2 ms instead of the eventfd). Each
//! distinct host descriptor is in the `poll(2)` set once, whatever the
//! number of subscriptions naming it.

#[cfg(any(target_os = "linux", target_os = "android"))]
use rustix::event::EventfdFlags;
use rustix::event::{PollFd, PollFlags};
use rustix::fd::OwnedFd;
#[cfg(any(target_os = "linux", target_os = "android"))]
use rustix::time::{Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags};
use std::cell::Cell;
use std::collections::HashMap;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::{Duration, Instant};
use wasi_common_compat::Error;
use wasi_common_compat::ready::{Interest, Pollable, Readiness};
use wasi_common_compat::sched::{BoxFuture, PollSet, WasiSched};

/// The `poll(2)` scheduler. See the module docs.
#[derive(Debug, Default, Clone, Copy)]
pub struct PollSched;

/// Wakes a thread's `poll(2)`: an eventfd on Linux, a self-pipe elsewhere.
struct EventFdWaker {
    /// What `poll(2)` watches: the eventfd, or the pipe's read end.
    fd: OwnedFd,
    /// The pipe's write end (on Linux the eventfd is both ends).
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    tx: OwnedFd,
}

impl Wake for EventFdWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn wake_by_ref(self: &Arc<Self>) {
        // A full counter (EAGAIN) still leaves the eventfd readable.
        let _ = rustix::io::write(&self.fd, &1u64.to_ne_bytes());
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn wake_by_ref(self: &Arc<Self>) {
        // A full pipe (EAGAIN) is still readable.
        let _ = rustix::io::write(&self.tx, &[1]);
    }
}

impl EventFdWaker {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn drain(&self) {
        let mut b = [0u8; 8];
        let _ = rustix::io::read(&self.fd, &mut b);
    }
    /// Empties the pipe (each wake wrote a byte): reads until a read comes
    /// back short (`EAGAIN` included).
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn drain(&self) {
        let mut b = [0u8; 256];
        while matches!(rustix::io::read(&self.fd, &mut b), Ok(n) if n == b.len()) {}
    }
}

/// This thread's eventfd and the waker that writes it.
type ThreadWaker = (Arc<EventFdWaker>, Waker);

#[cfg(any(target_os = "linux", target_os = "android"))]
fn new_waker() -> Option<ThreadWaker> {
    let fd = rustix::event::eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK).ok()?;
    let w = Arc::new(EventFdWaker { fd });
    Some((w.clone(), Waker::from(w)))
}

/// A self-pipe: std makes both ends close-on-exec; both are made
/// non-blocking, so a wake never blocks on a full pipe and a drain never
/// waits on an empty one.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn new_waker() -> Option<ThreadWaker> {
    let (rx, tx) = std::io::pipe().ok()?;
    let (fd, tx) = (OwnedFd::from(rx), OwnedFd::from(tx));
    for end in [&fd, &tx] {
        let fl = rustix::fs::fcntl_getfl(end).ok()?;
        rustix::fs::fcntl_setfl(end, fl | rustix::fs::OFlags::NONBLOCK).ok()?;
    }
    let w = Arc::new(EventFdWaker { fd, tx });
    Some((w.clone(), Waker::from(w)))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn new_timer() -> Option<OwnedFd> {
    rustix::time::timerfd_create(
        TimerfdClockId::Monotonic,
        TimerfdFlags::CLOEXEC | TimerfdFlags::NONBLOCK,
    )
    .ok()
}

/// No `timerfd` outside Linux: waits use `poll(2)`'s timeout.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn new_timer() -> Option<OwnedFd> {
    None
}

thread_local! {
    // Created at a thread's first wait and reused by all its later waits; a
    // creation that failed (the process at its fd limit) is retried at the
    // next wait. Both close when the thread ends.
    static WAKER: Cell<Option<ThreadWaker>> = const { Cell::new(None) };
    static TIMER: Cell<Option<OwnedFd>> = const { Cell::new(None) };
}

/// Without an eventfd, in-process sources cannot wake `poll(2)`: the wait
/// then looks at them again at least this often.
const NO_EVENTFD_SLICE: Duration = Duration::from_millis(2);

/// Arms `timer` to fire once, `after` (non-zero) from now. Re-arming clears
/// an earlier expiry that no call consumed.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn arm(timer: &OwnedFd, after: Duration) -> bool {
    let spec = Itimerspec {
        it_interval: timespec(Duration::ZERO),
        it_value: timespec(after),
    };
    rustix::time::timerfd_settime(timer, TimerfdTimerFlags::empty(), &spec).is_ok()
}

/// There is never a timer to arm outside Linux (see [`new_timer`]).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn arm(_timer: &OwnedFd, _after: Duration) -> bool {
    false
}

/// The longest single `poll(2)` timeout outside Linux: macOS's `poll` takes
/// an `int` of milliseconds (about 24.8 days at most, and rustix refuses a
/// longer one with `EINVAL`); a longer wait polls again until its deadline.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const MAX_POLL_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// `poll(2)`'s timeout for a wait of `d`.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn poll_timeout(d: Duration) -> rustix::time::Timespec {
    timespec(d)
}

/// `poll(2)`'s timeout for a wait of `d`, at most [`MAX_POLL_TIMEOUT`].
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn poll_timeout(d: Duration) -> rustix::time::Timespec {
    timespec(d.min(MAX_POLL_TIMEOUT))
}

fn poll_flags(interest: Interest) -> PollFlags {
    if interest.contains(Interest::WRITE) {
        PollFlags::OUT
    } else {
        PollFlags::IN
    }
}

/// True if `revents` answers a subscription of `interest`.
fn answers(interest: Interest, revents: PollFlags) -> bool {
    revents.intersects(poll_flags(interest) | PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL)
}

fn timespec(d: Duration) -> rustix::time::Timespec {
    rustix::time::Timespec {
        tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

/// Waits as described in the module docs.
///
/// Never fails for want of a descriptor: without this thread's eventfd the
/// wait polls in slices of [`NO_EVENTFD_SLICE`], without its timerfd it uses
/// `poll(2)`'s own timeout.
pub(crate) fn wait(set: &mut PollSet<'_>) -> Result<(), Error> {
    // Taken out for the wait and put back after (a nested wait, were there
    // one, would make its own).
    let waker = WAKER.try_with(Cell::take).ok().flatten().or_else(new_waker);
    let timer = TIMER.try_with(Cell::take).ok().flatten().or_else(new_timer);
    let r = match &waker {
        Some((efd, w)) => wait_with(set, Some(efd), w, timer.as_ref()),
        None => wait_with(set, None, Waker::noop(), timer.as_ref()),
    };
    let _ = WAKER.try_with(|w| w.set(waker));
    let _ = TIMER.try_with(|t| t.set(timer));
    r
}

/// The `poll(2)` set of one round: each distinct host descriptor once (with
/// the union of its subscriptions' interests), so any number of
/// subscriptions naming one descriptor fit under `RLIMIT_NOFILE`.
struct FdSet<'s> {
    fds: Vec<PollFd<'s>>,
    /// For each subscription: its slot in `fds`, if it is polled there.
    slot: Vec<Option<usize>>,
}

fn fd_set<'s>(subs: &[wasi_common_compat::sched::Subscription<'s>]) -> FdSet<'s> {
    let mut want: Vec<(BorrowedFd<'s>, PollFlags)> = Vec::new();
    let mut slot = vec![None; subs.len()];
    let mut by_fd: HashMap<i32, usize> = HashMap::new();
    for (i, s) in subs.iter().enumerate() {
        if let (Pollable::Fd(fd), false) = (s.pollable(), s.is_done()) {
            let k = *by_fd.entry(fd.as_raw_fd()).or_insert_with(|| {
                want.push((fd, PollFlags::empty()));
                want.len() - 1
            });
            want[k].1 |= poll_flags(s.interest());
            slot[i] = Some(k);
        }
    }
    let fds = want
        .into_iter()
        .map(|(fd, flags)| PollFd::from_borrowed_fd(fd, flags))
        .collect();
    FdSet { fds, slot }
}

fn wait_with(
    set: &mut PollSet<'_>,
    efd: Option<&EventFdWaker>,
    waker: &Waker,
    timer: Option<&OwnedFd>,
) -> Result<(), Error> {
    let deadline = set.timeout().map(|t| Instant::now() + t);
    let mut cx = Context::from_waker(waker);
    loop {
        if let Some(e) = efd {
            e.drain();
        }
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
        let mut remaining = match deadline {
            _ if any => Some(Duration::ZERO),
            None => None,
            Some(d) => Some(d.saturating_duration_since(Instant::now())),
        };
        if efd.is_none() {
            remaining = Some(remaining.map_or(NO_EVENTFD_SLICE, |r| r.min(NO_EVENTFD_SLICE)));
        }
        let subs = set.subscriptions();
        let FdSet { mut fds, slot } = fd_set(subs);
        if let Some(e) = efd {
            fds.push(PollFd::new(&e.fd, PollFlags::IN));
        }
        let ts = match (remaining, timer) {
            (Some(r), Some(t)) if !r.is_zero() && arm(t, r) => {
                fds.push(PollFd::new(t, PollFlags::IN));
                None
            }
            (r, _) => r.map(poll_timeout),
        };
        match rustix::event::poll(&mut fds, ts.as_ref()) {
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
        let revents: Vec<PollFlags> = fds.iter().map(PollFd::revents).collect();
        drop(fds);
        for (s, k) in subs.iter_mut().zip(slot) {
            let Some(k) = k else { continue };
            let r = revents[k];
            if !answers(s.interest(), r) {
                continue;
            }
            if r.contains(PollFlags::NVAL) {
                s.set_error(Error::badf());
            } else {
                s.set_ready(Readiness {
                    hangup: r.contains(PollFlags::HUP),
                });
                any = true;
            }
        }
        if any || set.any_done() {
            return Ok(());
        }
        if deadline.is_some_and(|d| Instant::now() >= d) || efd.is_none() {
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
