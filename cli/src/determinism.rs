//! Clocks and randomness that `diff` gives both hosts, so that a program's
//! time- and random-dependent output is the same on both sides.
//!
//! Both sides see the same clock readings at the same moment of their run:
//! the realtime clock starts at the whole second at which `diff` started
//! (so file times the host sets and clock readings agree, as programs
//! expect) and the monotonic clock at [`MONOTONIC_START`] when the side
//! starts, and both advance with real time (so sleeps and timeouts behave
//! as usual). Random bytes are one seeded
//! stream per side (splitmix64), so the n-th byte a side asks for is the same
//! on both, however the requests are cut.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use wasi_common_compat::clocks::{WasiClocks, WasiMonotonicClock, WasiSystemClock};

/// The monotonic clock's first reading.
pub const MONOTONIC_START: Duration = Duration::from_secs(1_000);

/// A clock pair that starts at a fixed reading and advances in real time.
#[derive(Clone, Copy)]
pub struct DiffClock {
    start: Instant,
    wall: Duration,
}

impl DiffClock {
    /// Readings start now, the realtime clock at `wall` (since 1970).
    pub fn new(wall: Duration) -> Self {
        DiffClock {
            start: Instant::now(),
            wall,
        }
    }

    /// The whole second of now, since 1970: the realtime start both sides get.
    pub fn this_second() -> Duration {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Duration::from_secs(now.as_secs())
    }

    fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// The clocks for this host's context.
    pub fn clocks(&self) -> WasiClocks {
        WasiClocks {
            system: Box::new(*self),
            monotonic: Box::new(Monotonic(*self)),
        }
    }

    /// The monotonic half, for wasmtime-wasi's builder.
    pub fn monotonic(&self) -> Monotonic {
        Monotonic(*self)
    }
}

impl WasiSystemClock for DiffClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }
    fn now(&self) -> Duration {
        self.wall + self.elapsed()
    }
}

impl wasmtime_wasi::HostWallClock for DiffClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }
    fn now(&self) -> Duration {
        self.wall + self.elapsed()
    }
}

/// The monotonic clock of a [`DiffClock`].
#[derive(Clone, Copy)]
pub struct Monotonic(DiffClock);

impl WasiMonotonicClock for Monotonic {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }
    fn now(&self) -> Duration {
        MONOTONIC_START + self.0.elapsed()
    }
}

impl wasmtime_wasi::HostMonotonicClock for Monotonic {
    fn resolution(&self) -> u64 {
        1
    }
    fn now(&self) -> u64 {
        let t = MONOTONIC_START + self.0.elapsed();
        u64::try_from(t.as_nanos()).unwrap_or(u64::MAX)
    }
}

struct Stream {
    state: u64,
    spare: [u8; 8],
    spare_len: usize,
}

impl Stream {
    fn next_word(&mut self) -> [u8; 8] {
        // splitmix64
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)).to_le_bytes()
    }

    fn fill(&mut self, mut buf: &mut [u8]) {
        while !buf.is_empty() {
            if self.spare_len == 0 {
                self.spare = self.next_word();
                self.spare_len = 8;
            }
            let from = 8 - self.spare_len;
            let n = self.spare_len.min(buf.len());
            buf[..n].copy_from_slice(&self.spare[from..from + n]);
            self.spare_len -= n;
            buf = &mut buf[n..];
        }
    }
}

/// A seeded byte stream, shared by clones.
#[derive(Clone)]
pub struct DiffRandom {
    stream: Arc<Mutex<Stream>>,
}

impl DiffRandom {
    /// The stream for `seed`.
    pub fn new(seed: u64) -> Self {
        DiffRandom {
            stream: Arc::new(Mutex::new(Stream {
                state: seed,
                spare: [0; 8],
                spare_len: 0,
            })),
        }
    }

    fn fill_bytes(&self, buf: &mut [u8]) {
        self.stream.lock().unwrap_or_else(PoisonError::into_inner).fill(buf);
    }
}

impl wasi_common_compat::random::WasiRandom for DiffRandom {
    fn fill(&self, buf: &mut [u8]) -> wasi_common_compat::Result<()> {
        self.fill_bytes(buf);
        Ok(())
    }
}

impl rand_core::TryRng for DiffRandom {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0; 4];
        self.fill_bytes(&mut b);
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.fill_bytes(dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasi_common_compat::random::WasiRandom;

    #[test]
    fn the_stream_does_not_depend_on_how_it_is_cut() {
        let (a, b) = (DiffRandom::new(9), DiffRandom::new(9));
        let mut whole = [0u8; 21];
        a.fill(&mut whole).unwrap();
        let mut parts = [0u8; 21];
        for chunk in parts.chunks_mut(5) {
            b.fill(chunk).unwrap();
        }
        assert_eq!(whole, parts);
        assert_ne!(whole, [0u8; 21]);
    }
}
