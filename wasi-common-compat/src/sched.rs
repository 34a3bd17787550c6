//! Schedulers: the one place a WASI call waits.
//!
//! A [`WasiSched`] waits until at least one [`Subscription`] of a [`PollSet`]
//! is ready, or until the set's timeout passes. `poll_oneoff` and every
//! blocking read/write (after `EAGAIN`) come here; clocks are turned into the
//! timeout by the caller, so a scheduler needs no clock of its own.
//!
//! Backends bring their own scheduler: `sync` waits with `poll(2)` on OS
//! descriptors and in-process sources together, `tokio-impl` through tokio.
//! [`ParkSched`], the core's default, waits on in-process sources and timeouts
//! by parking the thread, and on OS descriptors with `poll(2)`; it suits
//! contexts made mostly of pipes and virtual files (engine-free embeddings,
//! tests).

use crate::Error;
use crate::ready::{Interest, Pollable, Readiness};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One thing to wait for.
pub struct Subscription<'a> {
    pollable: Pollable<'a>,
    interest: Interest,
    result: Option<Result<Readiness, Error>>,
}

impl<'a> Subscription<'a> {
    /// A subscription to `pollable` becoming ready for `interest`.
    pub fn new(pollable: Pollable<'a>, interest: Interest) -> Self {
        Subscription {
            pollable,
            interest,
            result: None,
        }
    }

    /// What to wait on.
    pub fn pollable(&self) -> Pollable<'a> {
        self.pollable
    }

    /// Read or write.
    pub fn interest(&self) -> Interest {
        self.interest
    }

    /// Marks this subscription ready.
    pub fn set_ready(&mut self, r: Readiness) {
        self.result = Some(Ok(r));
    }

    /// Marks this subscription failed (it counts as an event, with an errno).
    pub fn set_error(&mut self, e: Error) {
        self.result = Some(Err(e));
    }

    /// True once ready or failed.
    pub fn is_done(&self) -> bool {
        self.result.is_some()
    }

    pub(crate) fn take_result(&mut self) -> Option<Result<Readiness, Error>> {
        self.result.take()
    }
}

/// What one wait covers: subscriptions and an optional timeout.
pub struct PollSet<'a> {
    subs: Vec<Subscription<'a>>,
    timeout: Option<Duration>,
}

impl<'a> PollSet<'a> {
    /// A set with no subscriptions and no timeout.
    pub fn new() -> Self {
        PollSet {
            subs: Vec::new(),
            timeout: None,
        }
    }

    /// Adds a subscription; returns its index.
    pub fn push(&mut self, sub: Subscription<'a>) -> usize {
        self.subs.push(sub);
        self.subs.len() - 1
    }

    /// Sets how long to wait at most (`None`: until a subscription is ready).
    pub fn set_timeout(&mut self, t: Option<Duration>) {
        self.timeout = t;
    }

    /// How long to wait at most.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The subscriptions.
    pub fn subscriptions(&mut self) -> &mut [Subscription<'a>] {
        &mut self.subs
    }

    /// True if some subscription is done.
    pub fn any_done(&self) -> bool {
        self.subs.iter().any(Subscription::is_done)
    }

    pub(crate) fn get_mut(&mut self, i: usize) -> Option<&mut Subscription<'a>> {
        self.subs.get_mut(i)
    }
}

impl Default for PollSet<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// A scheduler: waits for subscriptions and timeouts.
pub trait WasiSched: Send + Sync {
    /// Waits until a subscription of `set` is done (marked with
    /// [`Subscription::set_ready`] or [`Subscription::set_error`]) or the
    /// timeout passes. It may return early with nothing done (the caller
    /// checks its clocks and calls again); it must not spin.
    /// Errors: only for failures of the wait itself (`EIO`); a failing
    /// descriptor is reported in its subscription.
    fn poll_oneoff<'a>(&'a self, set: &'a mut PollSet<'_>) -> BoxFuture<'a, Result<(), Error>>;

    /// Gives other threads (or tasks) a chance to run.
    fn sched_yield(&self) -> BoxFuture<'_, Result<(), Error>>;
}

/// The core's scheduler: thread parking for in-process sources and
/// timeouts, `poll(2)` for OS descriptors. A set with descriptors only waits
/// in one `poll(2)`; one with both kinds polls the descriptors in slices of
/// [`PARK_FD_SLICE`] between looks at the in-process sources (so a source
/// is noticed at most that late). It never spins. See the module docs.
#[derive(Debug, Default, Clone, Copy)]
pub struct ParkSched;

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    static PARK_WAKER: Waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
}

/// How long [`ParkSched`] polls OS descriptors at a time when in-process
/// sources are waited for too.
pub const PARK_FD_SLICE: Duration = Duration::from_millis(1);

impl ParkSched {
    fn wait(set: &mut PollSet<'_>) {
        let deadline = set.timeout.map(|t| Instant::now() + t);
        PARK_WAKER.with(|waker| {
            let mut cx = Context::from_waker(waker);
            loop {
                let mut sources = false;
                for s in set.subs.iter_mut().filter(|s| !s.is_done()) {
                    let ready = match s.pollable {
                        Pollable::Source(src) => {
                            sources = true;
                            src.poll_ready(s.interest, &mut cx).is_ready()
                        }
                        #[cfg(unix)]
                        Pollable::Fd(_) => false,
                        Pollable::Always => true,
                    };
                    if ready {
                        s.set_ready(Readiness::default());
                    }
                }
                if set.any_done() {
                    return;
                }
                let remaining = match deadline {
                    None => None,
                    Some(d) => match d.checked_duration_since(Instant::now()) {
                        Some(r) if !r.is_zero() => Some(r),
                        _ => return,
                    },
                };
                #[cfg(unix)]
                if set.subs.iter().any(|s| matches!(s.pollable, Pollable::Fd(_))) {
                    let slice = match (sources, remaining) {
                        (true, r) => Some(r.map_or(PARK_FD_SLICE, |r| r.min(PARK_FD_SLICE))),
                        (false, r) => r,
                    };
                    poll_fds(set, slice);
                    if set.any_done() {
                        return;
                    }
                    continue;
                }
                // Only the descriptor slice above looks at it (no fds outside Unix).
                #[cfg(not(unix))]
                let _ = sources;
                match remaining {
                    None => std::thread::park(),
                    Some(r) => std::thread::park_timeout(r),
                }
            }
        })
    }
}

/// One `poll(2)` of the descriptors of `set` not yet done, for at most
/// `timeout` (`None`: until one is ready); marks those that are.
#[cfg(unix)]
fn poll_fds(set: &mut PollSet<'_>, timeout: Option<Duration>) {
    use rustix::event::{PollFd, PollFlags};
    let mut which = Vec::new();
    let mut fds = Vec::new();
    for (i, s) in set.subs.iter().enumerate() {
        if let (Pollable::Fd(fd), false) = (s.pollable, s.is_done()) {
            let mut flags = PollFlags::empty();
            if s.interest.contains(Interest::READ) {
                flags |= PollFlags::IN;
            }
            if s.interest.contains(Interest::WRITE) {
                flags |= PollFlags::OUT;
            }
            fds.push(PollFd::from_borrowed_fd(fd, flags));
            which.push(i);
        }
    }
    let ts = timeout.map(|t| rustix::time::Timespec {
        tv_sec: t.as_secs().try_into().unwrap_or(i64::MAX),
        tv_nsec: t.subsec_nanos().into(),
    });
    match rustix::event::poll(&mut fds, ts.as_ref()) {
        Ok(_) | Err(rustix::io::Errno::INTR) => {}
        Err(e) => {
            for &i in &which {
                set.subs[i].set_error(Error::from(e));
            }
            return;
        }
    }
    for (fd, i) in fds.iter().zip(which) {
        let r = fd.revents();
        if r.contains(PollFlags::NVAL) {
            set.subs[i].set_error(Error::badf());
        } else if !r.is_empty() {
            set.subs[i].set_ready(Readiness {
                hangup: r.contains(PollFlags::HUP),
            });
        }
    }
}

impl WasiSched for ParkSched {
    fn poll_oneoff<'a>(&'a self, set: &'a mut PollSet<'_>) -> BoxFuture<'a, Result<(), Error>> {
        Self::wait(set);
        Box::pin(std::future::ready(Ok(())))
    }

    fn sched_yield(&self) -> BoxFuture<'_, Result<(), Error>> {
        std::thread::yield_now();
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Runs a future to completion on this thread, with no allocation when it
/// completes on its first poll (the case for synchronous schedulers). Futures
/// that return `Pending` are driven by parking the thread until woken.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    block_on_pinned(std::pin::pin!(fut))
}

/// [`block_on`] for a future already pinned where it was built (which spares
/// moving a large future into this function's frame).
#[inline]
pub fn block_on_pinned<F: Future + ?Sized>(mut fut: Pin<&mut F>) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
        return v;
    }
    PARK_WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
            std::thread::park();
        }
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;

    fn wait(set: &mut PollSet<'_>) {
        block_on(ParkSched.poll_oneoff(set)).unwrap();
    }

    #[test]
    fn a_descriptor_that_is_not_ready_is_waited_for() {
        let (a, _b) = UnixStream::pair().unwrap();
        let mut set = PollSet::new();
        set.push(Subscription::new(Pollable::Fd(a.as_fd()), Interest::READ));
        set.set_timeout(Some(Duration::from_millis(100)));
        let t = Instant::now();
        wait(&mut set);
        assert!(!set.any_done(), "nothing to read: not ready");
        assert!(t.elapsed() >= Duration::from_millis(100));
    }

    #[test]
    fn a_descriptor_wakes_the_wait_when_it_becomes_ready() {
        let (a, mut b) = UnixStream::pair().unwrap();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            b.write_all(b"x").unwrap();
            b
        });
        let mut set = PollSet::new();
        set.push(Subscription::new(Pollable::Fd(a.as_fd()), Interest::READ));
        let t = Instant::now();
        wait(&mut set);
        assert!(set.get_mut(0).unwrap().is_done());
        assert!(t.elapsed() >= Duration::from_millis(40) && t.elapsed() < Duration::from_secs(5));
        drop(writer.join());
        // Writable at once.
        let mut set = PollSet::new();
        set.push(Subscription::new(Pollable::Fd(a.as_fd()), Interest::WRITE));
        wait(&mut set);
        assert!(set.any_done());
    }

    #[test]
    fn sources_and_descriptors_are_waited_for_together() {
        let (a, _b) = UnixStream::pair().unwrap();
        let (pipe, w) = crate::pipe::ReadPipe::channel(16);
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            w.write_all(b"x").unwrap();
            w
        });
        let mut set = PollSet::new();
        set.push(Subscription::new(Pollable::Fd(a.as_fd()), Interest::READ));
        set.push(Subscription::new(crate::WasiFile::pollable(&pipe), Interest::READ));
        set.set_timeout(Some(Duration::from_secs(5)));
        let t = Instant::now();
        wait(&mut set);
        assert!(set.get_mut(1).unwrap().is_done(), "the pipe's write woke the wait");
        assert!(!set.get_mut(0).unwrap().is_done());
        assert!(t.elapsed() < Duration::from_secs(4));
        drop(writer.join());
    }
}
