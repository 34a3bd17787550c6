//! Clocks: injectable realtime and monotonic clocks.
//!
//! The defaults read the host's `CLOCK_REALTIME` and `CLOCK_MONOTONIC` (on
//! Windows, `std::time`'s `SystemTime` and `Instant`).
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

#[cfg(unix)]
fn ts(t: rustix::time::Timespec) -> Duration {
    Duration::new(t.tv_sec.max(0) as u64, t.tv_nsec.clamp(0, 999_999_999) as u32)
}

#[cfg(unix)]
fn res(id: rustix::time::ClockId) -> Duration {
    let r = ts(rustix::time::clock_getres(id));
    if r.is_zero() { Duration::from_nanos(1) } else { r }
}

#[cfg(unix)]
impl WasiSystemClock for SystemClock {
    fn resolution(&self) -> Duration {
        res(rustix::time::ClockId::Realtime)
    }
    fn now(&self) -> Duration {
        ts(rustix::time::clock_gettime(rustix::time::ClockId::Realtime))
    }
}

#[cfg(unix)]
impl WasiMonotonicClock for MonotonicClock {
    fn resolution(&self) -> Duration {
        res(rustix::time::ClockId::Monotonic)
    }
    fn now(&self) -> Duration {
        ts(rustix::time::clock_gettime(rustix::time::ClockId::Monotonic))
    }
}

/// Windows (and other non-Unix hosts): the clocks of `std::time`. Both tick
/// in 100 ns units on Windows (`GetSystemTimePreciseAsFileTime`, and
/// `QueryPerformanceCounter` at its usual 10 MHz), the resolution reported.
#[cfg(not(unix))]
const STD_RESOLUTION: Duration = Duration::from_nanos(100);

#[cfg(not(unix))]
impl WasiSystemClock for SystemClock {
    fn resolution(&self) -> Duration {
        STD_RESOLUTION
    }
    fn now(&self) -> Duration {
        // A clock set before 1970 reads as the epoch (as negative `tv_sec` does on Unix).
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
    }
}

#[cfg(not(unix))]
impl WasiMonotonicClock for MonotonicClock {
    fn resolution(&self) -> Duration {
        STD_RESOLUTION
    }
    fn now(&self) -> Duration {
        // The origin is the first reading in this process.
        static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        ORIGIN.get_or_init(std::time::Instant::now).elapsed()
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
