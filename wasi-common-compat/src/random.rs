//! Randomness for `random_get`: injectable.
//!
//! The default reads the host's `getrandom(2)`. [`crate::deterministic`] has a
//! seeded generator for reproducible runs.

use crate::Result;

/// A source of random bytes.
pub trait WasiRandom: Send + Sync {
    /// Fills `buf` completely.
    /// Errors: `EIO` if the source fails.
    fn fill(&self, buf: &mut [u8]) -> Result<()>;
}

/// The host's `getrandom(2)`.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl WasiRandom for OsRandom {
    fn fill(&self, mut buf: &mut [u8]) -> Result<()> {
        while !buf.is_empty() {
            match rustix::rand::getrandom(&mut *buf, rustix::rand::GetRandomFlags::empty()) {
                Ok(n) => buf = &mut buf[n..],
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}
