//! Each thread's recently used files, so that a lookup in the common case
//! touches no cache line that other threads write.
//!
//! A lookup through the table's lock does two atomic read-modify-writes on
//! the lock word, which every thread of a program shares: with two threads
//! calling `fd_write` in a loop, that line moves between the cores on every
//! call. Instead, each OS thread remembers its last few files as
//! (table, generation, fd, `Weak` entry). The table's generation changes
//! whenever its entries may change (see [`Table::write`](super::Table)),
//! so a remembered entry with the current generation is still the one at
//! that fd. The entry is held weakly: remembering a file never keeps it
//! open after `fd_close` (its last strong holder closes it, as before), and
//! a file whose entry is gone is simply looked up again.

use super::FileEntry;
use std::cell::RefCell;
use std::sync::{Arc, Weak};

/// Files remembered per thread (by fd number, modulo this).
const SLOTS: usize = 4;

struct Recent {
    table: u64,
    generation: u64,
    fd: u32,
    entry: Weak<FileEntry>,
}

thread_local! {
    static RECENT: RefCell<[Option<Recent>; SLOTS]> = const { RefCell::new([const { None }; SLOTS]) };
}

/// The file this thread remembers for `fd` of table `table` at
/// `generation`, if it is still open.
#[inline]
pub(super) fn lookup(table: u64, generation: u64, fd: u32) -> Option<Arc<FileEntry>> {
    RECENT
        .try_with(|r| {
            let r = r.try_borrow().ok()?;
            match &r[fd as usize % SLOTS] {
                Some(s) if s.table == table && s.generation == generation && s.fd == fd => s.entry.upgrade(),
                _ => None,
            }
        })
        .ok()
        .flatten()
}

/// Remembers `entry` as `fd` of table `table` at `generation` (which the
/// caller read under the table's lock, with `entry`).
pub(super) fn remember(table: u64, generation: u64, fd: u32, entry: &Arc<FileEntry>) {
    // During thread exit the slots may be gone: then nothing is remembered.
    let _ = RECENT.try_with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            r[fd as usize % SLOTS] = Some(Recent {
                table,
                generation,
                fd,
                entry: Arc::downgrade(entry),
            });
        }
    });
}
