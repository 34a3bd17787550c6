//! The state shared by the bridged files: a preview2 stream that is either
//! idle (available for reads and writes) or being waited on (moved into a
//! `ready()` future that owns it until it resolves).
//!
//! `Pollable::ready` needs `&mut self` and returns a future that borrows the
//! stream, while p1 files are used through `&self` by any thread. So a wait
//! moves the stream into a boxed future (`async move { s.ready().await; s }`)
//! kept in the slot; whoever polls readiness next polls that future, and the
//! stream comes back when it resolves. The future is polled with a fan-out
//! waker, so every thread or task waiting on the file is woken, not only the
//! last one to poll.
//!
//! `ready()` may resolve before the stream can make progress. The bridge
//! then simply waits again: a producer that wakes the reader spuriously any
//! number of times costs one retry per wakeup, never a failure. Only a stream
//! whose `ready()` resolves *at once* (without ever pending) while making no
//! progress would make that loop spin; after [`SPURIOUS_BEFORE_BACKOFF`] such
//! results in a row the next wait first sleeps, doubling from 1 ms up to
//! 16 ms, until progress resets it.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;
use wasi_common_compat::ready::WakerSet;
use wasmtime_wasi_io::poll::Pollable;

/// Consecutive "ready but no progress" results tolerated before waits back off.
pub const SPURIOUS_BEFORE_BACKOFF: u32 = 16;

type Parked<S> = Pin<Box<dyn Future<Output = S> + Send>>;

enum State<S> {
    Idle(S),
    Waiting(Parked<S>),
    /// Only while a transition is in progress under the lock.
    Empty,
}

struct Fanout(WakerSet);

impl Wake for Fanout {
    fn wake(self: Arc<Self>) {
        self.0.wake_all();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.wake_all();
    }
}

/// A stream and its wait state. See the module docs.
pub(crate) struct Slot<S> {
    state: Mutex<State<S>>,
    fanout: Arc<Fanout>,
    waker: Waker,
    spurious: AtomicU32,
    /// The last wait resolved on its first poll (no wakeup was needed).
    immediate: std::sync::atomic::AtomicBool,
    rt: Option<tokio::runtime::Handle>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<S: Pollable> Slot<S> {
    pub(crate) fn new(stream: S, rt: Option<tokio::runtime::Handle>) -> Self {
        let fanout = Arc::new(Fanout(WakerSet::new()));
        Slot {
            state: Mutex::new(State::Idle(stream)),
            waker: Waker::from(fanout.clone()),
            fanout,
            spurious: AtomicU32::new(0),
            immediate: std::sync::atomic::AtomicBool::new(false),
            rt,
        }
    }

    /// Polls a parked wait once; puts the stream back if it resolved.
    fn settle(&self, st: &mut State<S>) {
        if let State::Waiting(fut) = st {
            let _rt = self.rt.as_ref().map(|h| h.enter());
            let mut cx = Context::from_waker(&self.waker);
            if let Poll::Ready(s) = fut.as_mut().poll(&mut cx) {
                *st = State::Idle(s);
            }
        }
    }

    /// Runs `f` on the stream if it is not being waited on; `None` otherwise
    /// (the caller reports "not ready").
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut S) -> R) -> Option<R> {
        let mut st = lock(&self.state);
        self.settle(&mut st);
        match &mut *st {
            State::Idle(s) => {
                let _rt = self.rt.as_ref().map(|h| h.enter());
                Some(f(s))
            }
            _ => None,
        }
    }

    /// Records whether the last operation made progress.
    pub(crate) fn progress(&self, made: bool) {
        if made || !self.immediate.load(Ordering::Relaxed) {
            self.spurious.store(0, Ordering::Relaxed);
        } else {
            self.spurious.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn backoff(&self) -> Option<Duration> {
        let n = self.spurious.load(Ordering::Relaxed);
        (n > SPURIOUS_BEFORE_BACKOFF).then(|| Duration::from_millis(1 << (n - SPURIOUS_BEFORE_BACKOFF - 1).min(4)))
    }

    /// Readiness for the p1 side: starts (or continues) a wait on the
    /// stream's `ready()`, registering `cx`'s waker.
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<()>
    where
        S: Send + 'static,
    {
        let mut st = lock(&self.state);
        self.fanout.0.register(cx.waker());
        if let State::Idle(_) = &*st {
            let State::Idle(mut s) = std::mem::replace(&mut *st, State::Empty) else {
                return Poll::Ready(());
            };
            let pause = self.backoff();
            let _rt = self.rt.as_ref().map(|h| h.enter());
            *st = State::Waiting(Box::pin(async move {
                if let Some(d) = pause {
                    tokio::time::sleep(d).await;
                }
                s.ready().await;
                s
            }));
            self.settle(&mut st);
            self.immediate
                .store(pause.is_none() && matches!(&*st, State::Idle(_)), Ordering::Relaxed);
        } else {
            self.settle(&mut st);
        }
        match &*st {
            State::Idle(_) => Poll::Ready(()),
            _ => Poll::Pending,
        }
    }
}

/// The tokio runtime the bridge enters when it calls into streams: the
/// current one if there is one, else a small runtime of the crate's own (one
/// worker thread, I/O and timers enabled), so that streams that need tokio
/// work in synchronous embeddings without any runtime being nested. `None`
/// only if the OS refuses to start that runtime (streams that need tokio
/// then fail as they would outside a runtime).
pub fn ambient_runtime() -> Option<tokio::runtime::Handle> {
    if let Ok(h) = tokio::runtime::Handle::try_current() {
        return Some(h);
    }
    static RT: std::sync::OnceLock<Option<tokio::runtime::Runtime>> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("p1-to-p2")
            .enable_all()
            .build()
            .ok()
    })
    .as_ref()
    .map(|rt| rt.handle().clone())
}
