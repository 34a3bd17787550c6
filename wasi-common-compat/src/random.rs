//! Randomness for `random_get`: injectable.
//!
//! The default reads the host's random source: `getrandom(2)` on Linux and
//! Android, and elsewhere the platform's own (`getentropy(2)` on macOS and
//! OpenBSD, `getrandom(2)` on FreeBSD, `ProcessPrng` on Windows, ...) through
//! the `getrandom` crate. [`crate::deterministic`] has a seeded generator for
//! reproducible runs.

use crate::Result;

/// A source of random bytes.
pub trait WasiRandom: Send + Sync {
    /// Fills `buf` completely.
    /// Errors: `EIO` if the source fails.
    fn fill(&self, buf: &mut [u8]) -> Result<()>;
}

/// The host's cryptographically secure random source (`getrandom(2)` on
/// Linux; the platform's equivalent elsewhere).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl WasiRandom for OsRandom {
    /// Fills `buf` from the host.
    /// Errors: `EIO` (or the host's errno mapped, on Linux) if the source fails.
    #[cfg(any(target_os = "linux", target_os = "android"))]
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

    /// Fills `buf` from the host.
    /// Errors: `EIO` if the source fails.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn fill(&self, buf: &mut [u8]) -> Result<()> {
        // The crate retries interrupted calls and short reads itself.
        getrandom::fill(buf).map_err(|e| crate::Error::io().context(format_args!("getrandom: {e}")))
    }
}
