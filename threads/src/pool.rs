//! Host threads kept for the program's next `thread-spawn`.
//!
//! Starting an OS thread costs more than the rest of a wasm thread's short
//! life: `clone3`, mapping and protecting its stack and Wasmtime's signal
//! stack, and unmapping them again at its end (about 25 µs here, against
//! 2.5 µs to instantiate the module). So a host thread whose wasm thread
//! has ended waits up to [`IDLE`] for the next spawn of the same program
//! and runs it; a spawn takes such an idle thread if there is one and
//! starts a new one otherwise. When the program is dropped, idle threads
//! end at once. An idle thread holds nothing of the program (no store, no
//! context, no file), so keeping it changes nothing the guest can see.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long an idle host thread waits for a spawn before it ends.
const IDLE: Duration = Duration::from_secs(2);

/// What a host thread runs: one wasm thread's whole life.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

/// The host threads of one program. See the module docs.
pub(crate) struct Pool {
    idle: Mutex<Vec<Arc<Worker>>>,
    closed: AtomicBool,
    stack_size: usize,
}

/// An idle thread's mailbox.
#[derive(Default)]
struct Worker {
    job: Mutex<Option<Job>>,
    ready: Condvar,
}

fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Pool {
    /// A pool whose threads have `stack_size` bytes of stack.
    pub(crate) fn new(stack_size: usize) -> Arc<Pool> {
        Arc::new(Pool {
            idle: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
            stack_size,
        })
    }

    /// Runs `job` on an idle thread, or on a new one named `name`.
    /// Errors: the OS refused a new thread (`job` is dropped unrun).
    pub(crate) fn run(self: &Arc<Self>, name: impl FnOnce() -> String, job: Job) -> std::io::Result<()> {
        let idle = lock(&self.idle).pop();
        if let Some(w) = idle {
            *lock(&w.job) = Some(job);
            w.ready.notify_one();
            return Ok(());
        }
        let pool = self.clone();
        std::thread::Builder::new()
            .name(name())
            .stack_size(self.stack_size)
            .spawn(move || pool.work(job))
            .map(drop)
    }

    /// A host thread's loop: the job, then the next one while they come.
    fn work(self: Arc<Self>, first: Job) {
        let me = Arc::new(Worker::default());
        let mut job = first;
        loop {
            job();
            if self.closed.load(Ordering::Acquire) {
                return;
            }
            lock(&self.idle).push(me.clone());
            match self.next(&me) {
                Some(j) => job = j,
                None => return,
            }
        }
    }

    /// Waits, as an idle thread, for a job; `None` when the wait is over
    /// (timed out, or the pool closed) and the thread has left the idle
    /// list.
    fn next(&self, me: &Arc<Worker>) -> Option<Job> {
        let deadline = Instant::now() + IDLE;
        let mut slot = lock(&me.job);
        loop {
            if let Some(j) = slot.take() {
                return Some(j);
            }
            let now = Instant::now();
            if now >= deadline || self.closed.load(Ordering::Acquire) {
                drop(slot);
                let mut idle = lock(&self.idle);
                if let Some(i) = idle.iter().position(|w| Arc::ptr_eq(w, me)) {
                    idle.swap_remove(i);
                    return None;
                }
                drop(idle);
                // A spawn took this thread just now: its job is on the way.
                slot = lock(&me.job);
                while slot.is_none() {
                    slot = me.ready.wait(slot).unwrap_or_else(|p| p.into_inner());
                }
                return slot.take();
            }
            slot = match me.ready.wait_timeout(slot, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// Ends the idle threads (and every thread as it becomes idle).
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let idle: Vec<Arc<Worker>> = lock(&self.idle).clone();
        for w in idle {
            // Under the mailbox's lock: a thread about to wait sees `closed`,
            // one already waiting is woken.
            let _slot = lock(&w.job);
            w.ready.notify_one();
        }
    }

    /// The number of idle threads (for tests).
    #[cfg(test)]
    pub(crate) fn idle(&self) -> usize {
        lock(&self.idle).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// Runs a job on `pool` that sends its host thread's id to `tx`.
    fn send_thread_id(pool: &Arc<Pool>, tx: &mpsc::Sender<std::thread::ThreadId>) {
        let t = tx.clone();
        pool.run(
            || "t".into(),
            Box::new(move || t.send(std::thread::current().id()).unwrap()),
        )
        .unwrap();
    }

    /// Waits (at most 5 s) until `idle` holds of `pool`'s idle thread count.
    fn wait_idle(pool: &Pool, idle: impl Fn(usize) -> bool, what: &str) {
        let start = Instant::now();
        while !idle(pool.idle()) {
            assert!(start.elapsed() < Duration::from_secs(5), "{what}");
            std::thread::yield_now();
        }
    }

    #[test]
    fn a_thread_is_reused_and_closing_ends_idle_threads() {
        let pool = Pool::new(1 << 20);
        let (tx, rx) = mpsc::channel();
        send_thread_id(&pool, &tx);
        let first = rx.recv().unwrap();
        // Wait until the thread is idle, then spawn again: same thread.
        wait_idle(&pool, |n| n > 0, "the thread never became idle");
        send_thread_id(&pool, &tx);
        assert_eq!(rx.recv().unwrap(), first);
        wait_idle(&pool, |n| n > 0, "the thread never became idle");
        pool.close();
        wait_idle(&pool, |n| n == 0, "close left an idle thread");
        // After close, a spawn still runs (on a new thread that then ends).
        send_thread_id(&pool, &tx);
        assert_ne!(rx.recv().unwrap(), first);
    }

    #[test]
    fn concurrent_jobs_get_their_own_threads() {
        let pool = Pool::new(1 << 20);
        let barrier = Arc::new(std::sync::Barrier::new(4));
        let (tx, rx) = mpsc::channel();
        for _ in 0..4 {
            let (b, t) = (barrier.clone(), tx.clone());
            pool.run(
                || "t".into(),
                Box::new(move || {
                    b.wait();
                    t.send(()).unwrap();
                }),
            )
            .unwrap();
        }
        for _ in 0..4 {
            rx.recv_timeout(Duration::from_secs(10)).expect("all four ran at once");
        }
        pool.close();
    }
}
