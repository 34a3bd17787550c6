//! The byte and inode budgets of a tree.
//!
//! Every allocation a guest can cause is charged before it is made: file
//! pages ([`PAGE`](crate::PAGE) each), the bytes of entry names and of
//! symlink targets, and one inode per file, directory or symlink. A charge
//! that would pass a limit fails with `ENOSPC` and changes nothing. Charges
//! are returned when the memory is freed: pages when a file shrinks or its
//! last name and last open fd are gone, names when an entry is removed.

use std::sync::atomic::{AtomicU64, Ordering};
use wasi_common_compat::{Errno, Error, Result};

/// What a tree uses against its budget (see [`MemFs::usage`](crate::MemFs::usage)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Bytes charged: file pages, entry names and symlink targets.
    pub bytes: u64,
    /// Files, directories and symlinks alive (the root included; an
    /// unlinked file still open counts until it is closed).
    pub inodes: u64,
}

/// Limits and current use, shared by a tree and its nodes.
#[derive(Debug)]
pub(crate) struct Budget {
    max_bytes: u64,
    max_inodes: u64,
    bytes: AtomicU64,
    inodes: AtomicU64,
}

#[cold]
fn nospc(what: &str) -> Error {
    Error::errno(Errno::Nospc).context(format!("memfs {what} budget exhausted"))
}

fn charge(counter: &AtomicU64, max: u64, n: u64) -> bool {
    counter
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
            cur.checked_add(n).filter(|&total| total <= max)
        })
        .is_ok()
}

impl Budget {
    pub(crate) fn new(max_bytes: u64, max_inodes: u64) -> Self {
        Budget {
            max_bytes,
            max_inodes,
            bytes: AtomicU64::new(0),
            inodes: AtomicU64::new(0),
        }
    }

    /// Charges `n` bytes. Errors: `ENOSPC` past the byte limit.
    pub(crate) fn charge_bytes(&self, n: u64) -> Result<()> {
        if n == 0 || charge(&self.bytes, self.max_bytes, n) {
            Ok(())
        } else {
            Err(nospc("byte"))
        }
    }

    /// Returns `n` bytes.
    pub(crate) fn release_bytes(&self, n: u64) {
        if n > 0 {
            self.bytes.fetch_sub(n, Ordering::AcqRel);
        }
    }

    /// Charges one inode. Errors: `ENOSPC` past the inode limit.
    pub(crate) fn charge_inode(&self) -> Result<()> {
        if charge(&self.inodes, self.max_inodes, 1) {
            Ok(())
        } else {
            Err(nospc("inode"))
        }
    }

    /// Charges one inode whatever the limit (the root of a tree).
    pub(crate) fn force_inode(&self) {
        self.inodes.fetch_add(1, Ordering::AcqRel);
    }

    /// Returns one inode.
    pub(crate) fn release_inode(&self) {
        self.inodes.fetch_sub(1, Ordering::AcqRel);
    }

    /// Bytes that can still be charged.
    #[cfg(feature = "tar")]
    pub(crate) fn remaining_bytes(&self) -> u64 {
        self.max_bytes.saturating_sub(self.bytes.load(Ordering::Acquire))
    }

    pub(crate) fn usage(&self) -> Usage {
        Usage {
            bytes: self.bytes.load(Ordering::Acquire),
            inodes: self.inodes.load(Ordering::Acquire),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_stop_at_the_limit_and_change_nothing() {
        let b = Budget::new(100, 2);
        b.charge_bytes(60).unwrap();
        assert_eq!(b.charge_bytes(41).unwrap_err().as_errno(), Some(Errno::Nospc));
        b.charge_bytes(40).unwrap();
        assert_eq!(b.usage().bytes, 100);
        b.release_bytes(100);
        b.charge_inode().unwrap();
        b.charge_inode().unwrap();
        assert_eq!(b.charge_inode().unwrap_err().as_errno(), Some(Errno::Nospc));
        b.release_inode();
        assert_eq!(b.usage(), Usage { bytes: 0, inodes: 1 });
        assert_eq!(b.charge_bytes(u64::MAX).unwrap_err().as_errno(), Some(Errno::Nospc));
    }
}
