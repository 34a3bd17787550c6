//! Clocks: injectable realtime and monotonic clocks.
//!
//! The defaults read the host's `CLOCK_REALTIME` and `CLOCK_MONOTONIC`.
//! [`crate::deterministic`] has clocks that only move when told to.

use std::sync::Arc;
use std::time::Duration;

/// The realtime clock (`clockid::realtime`): time since the Unix epoch.
pub trait WasiSystemClock: Send + Sync {
    /// Resolution reported by `clock_res_get`; never zero.
    fn resolution(&self) -> Duration;
    /// Time since 1970-01-01T00:00:00Z.
    fn now(&self) -> Duration;
}

/// The monotonic clock (`clockid::monotonic`): never goes back; origin undefined.
pub trait WasiMonotonicClock: Send + Sync {
    /// Resolution reported by `clock_res_get`; never zero.
    fn resolution(&self) -> Duration;
    /// Time since an arbitrary fixed origin.
    fn now(&self) -> Duration;
}

/// The host's `CLOCK_REALTIME`.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

/// The host's `CLOCK_MONOTONIC`.
#[derive(Debug, Default, Clone, Copy)]
pub struct MonotonicClock;

fn ts(t: rustix::time::Timespec) -> Duration {
    Duration::new(t.tv_sec.max(0) as u64, t.tv_nsec.clamp(0, 999_999_999) as u32)
}

fn res(id: rustix::time::ClockId) -> Duration {
    let r = ts(rustix::time::clock_getres(id));
    if r.is_zero() { Duration::from_nanos(1) } else { r }
}

impl WasiSystemClock for SystemClock {
    fn resolution(&self) -> Duration {
        res(rustix::time::ClockId::Realtime)
    }
    fn now(&self) -> Duration {
        ts(rustix::time::clock_gettime(rustix::time::ClockId::Realtime))
    }
}

impl WasiMonotonicClock for MonotonicClock {
    fn resolution(&self) -> Duration {
        res(rustix::time::ClockId::Monotonic)
    }
    fn now(&self) -> Duration {
        ts(rustix::time::clock_gettime(rustix::time::ClockId::Monotonic))
    }
}

/// A shared clock is a clock (see [`WasiCtxBuilder::shared_system_clock`](crate::WasiCtxBuilder::shared_system_clock)).
impl<T: WasiSystemClock + ?Sized> WasiSystemClock for Arc<T> {
    fn resolution(&self) -> Duration {
        (**self).resolution()
    }
    fn now(&self) -> Duration {
        (**self).now()
    }
}

/// The pair of clocks a context uses.
pub struct WasiClocks {
    /// Realtime.
    pub system: Box<dyn WasiSystemClock>,
    /// Monotonic.
    pub monotonic: Box<dyn WasiMonotonicClock>,
}

impl WasiClocks {
    /// The host's clocks.
    pub fn host() -> Self {
        WasiClocks {
            system: Box::new(SystemClock),
            monotonic: Box::new(MonotonicClock),
        }
    }
}

impl Default for WasiClocks {
    fn default() -> Self {
        Self::host()
    }
}
