//! Presets for reproducible runs: virtual clocks, seeded randomness, and a
//! scheduler that advances virtual time instead of sleeping.
//!
//! With [`WasiCtxBuilder::deterministic`](crate::WasiCtxBuilder::deterministic)
//! (or the pieces here) a program sees the same clock readings and random
//! bytes on every run: the clocks start at a fixed instant and move only when
//! the program sleeps (a clock-only `poll_oneoff` advances virtual time to its
//! deadline at once) or, optionally, by a fixed step per reading.
//!
//! ```
//! use wasi_common_compat::deterministic::{SeededRandom, VirtualClock};
//! use wasi_common_compat::random::WasiRandom;
//! use wasi_common_compat::clocks::WasiMonotonicClock;
//! let clock = VirtualClock::new();
//! let t0 = clock.monotonic().now();
//! clock.advance(std::time::Duration::from_secs(1));
//! assert_eq!(clock.monotonic().now() - t0, std::time::Duration::from_secs(1));
//! let (a, b) = (SeededRandom::new(7), SeededRandom::new(7));
//! let (mut x, mut y) = ([0u8; 16], [0u8; 16]);
//! a.fill(&mut x).unwrap();
//! b.fill(&mut y).unwrap();
//! assert_eq!(x, y);
//! ```

use crate::Error;
use crate::clocks::{WasiClocks, WasiMonotonicClock, WasiSystemClock};
use crate::random::WasiRandom;
use crate::ready::lock;
use crate::sched::{BoxFuture, PollSet, WasiSched};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// 2000-01-01T00:00:00Z, the realtime reading of a fresh [`VirtualClock`].
pub const VIRTUAL_EPOCH: Duration = Duration::from_secs(946_684_800);

#[derive(Debug, Default)]
struct ClockState {
    nanos: AtomicU64,
    step: AtomicU64,
}

/// A virtual time source shared by a realtime clock, a monotonic clock and a
/// [`VirtualSched`].
#[derive(Debug, Clone, Default)]
pub struct VirtualClock {
    state: Arc<ClockState>,
}

impl VirtualClock {
    /// Virtual time 0 (realtime [`VIRTUAL_EPOCH`]), advancing only when told.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also advance by `step` after every reading (so busy loops that
    /// measure time make progress).
    pub fn with_step(self, step: Duration) -> Self {
        self.state.step.store(nanos(step), Ordering::Relaxed);
        self
    }

    /// Moves virtual time forward.
    pub fn advance(&self, by: Duration) {
        self.state.nanos.fetch_add(nanos(by), Ordering::AcqRel);
    }

    fn read(&self) -> Duration {
        let step = self.state.step.load(Ordering::Relaxed);
        Duration::from_nanos(self.state.nanos.fetch_add(step, Ordering::AcqRel))
    }

    /// The realtime clock.
    pub fn system(&self) -> Box<dyn WasiSystemClock> {
        Box::new(VirtualSystem(self.clone()))
    }

    /// The monotonic clock.
    pub fn monotonic(&self) -> Box<dyn WasiMonotonicClock> {
        Box::new(VirtualMonotonic(self.clone()))
    }

    /// Both clocks.
    pub fn clocks(&self) -> WasiClocks {
        WasiClocks {
            system: self.system(),
            monotonic: self.monotonic(),
        }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

struct VirtualSystem(VirtualClock);
struct VirtualMonotonic(VirtualClock);

impl WasiSystemClock for VirtualSystem {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }
    fn now(&self) -> Duration {
        VIRTUAL_EPOCH + self.0.read()
    }
}

impl WasiMonotonicClock for VirtualMonotonic {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }
    fn now(&self) -> Duration {
        self.0.read()
    }
}

/// Random bytes from a seeded generator (xoshiro256**, seeded by splitmix64):
/// the same seed gives the same bytes. Not for secrets.
pub struct SeededRandom {
    state: Mutex<[u64; 4]>,
}

impl SeededRandom {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        SeededRandom {
            state: Mutex::new([next(), next(), next(), next()]),
        }
    }
}

impl WasiRandom for SeededRandom {
    fn fill(&self, buf: &mut [u8]) -> crate::Result<()> {
        let mut s = lock(&self.state);
        for chunk in buf.chunks_mut(8) {
            let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
            let t = s[1] << 17;
            s[2] ^= s[0];
            s[3] ^= s[1];
            s[1] ^= s[2];
            s[0] ^= s[3];
            s[2] ^= t;
            s[3] = s[3].rotate_left(45);
            chunk.copy_from_slice(&result.to_le_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}

/// A scheduler over a [`VirtualClock`]: a wait with nothing but a timeout
/// advances virtual time by the timeout and returns at once; waits that
/// involve files or pipes go to the inner scheduler (real time).
pub struct VirtualSched {
    clock: VirtualClock,
    inner: Box<dyn WasiSched>,
}

impl VirtualSched {
    /// Wraps `inner`, advancing `clock` for clock-only waits.
    pub fn new(clock: VirtualClock, inner: Box<dyn WasiSched>) -> Self {
        VirtualSched { clock, inner }
    }
}

impl WasiSched for VirtualSched {
    fn poll_oneoff<'a>(&'a self, set: &'a mut PollSet<'_>) -> BoxFuture<'a, Result<(), Error>> {
        // Every wait of the core carries one subscription to the program's
        // exit notice; anything beyond it is a file, pipe or socket, which
        // makes this a real wait. Only a bare timeout is virtual.
        let only_timeout = set.subscriptions().len() <= 1;
        match (only_timeout, set.timeout()) {
            (true, Some(t)) => {
                self.clock.advance(t);
                Box::pin(std::future::ready(Ok(())))
            }
            _ => self.inner.poll_oneoff(set),
        }
    }

    fn sched_yield(&self) -> BoxFuture<'_, Result<(), Error>> {
        self.inner.sched_yield()
    }
}

impl crate::WasiCtxBuilder {
    /// Reproducible runs: virtual clocks starting at [`VIRTUAL_EPOCH`],
    /// random bytes from `seed`, and sleeps that advance virtual time instead
    /// of waiting (waits on files and pipes still happen in real time,
    /// through the scheduler set so far).
    pub fn deterministic(self, seed: u64) -> Self {
        let clock = VirtualClock::new();
        self.clocks(clock.clocks())
            .random(Box::new(SeededRandom::new(seed)))
            .map_sched(|inner| Box::new(VirtualSched::new(clock, inner)))
    }
}
