//! The bytes of a regular file: fixed-size pages, allocated on first write.
//!
//! A file is a logical size plus the pages that hold data. A page that was
//! never written (a hole left by a write past the end, by growing the file
//! with `ftruncate`, or by shrinking and growing it again) reads as zeros and
//! costs nothing; every allocated page is charged to the tree's byte budget
//! in full, as a filesystem charges whole blocks.

use std::collections::BTreeMap;
use std::io::{IoSlice, IoSliceMut};

/// The size of a page, the unit of allocation and of the byte budget.
pub const PAGE: u64 = 4096;

/// The largest file size: what Linux allows (`i64::MAX`), so a write or
/// truncation beyond it fails as it would natively.
pub const MAX_FILE_SIZE: u64 = i64::MAX as u64;

/// A file's contents.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Data {
    size: u64,
    pages: BTreeMap<u64, Box<[u8]>>,
}

fn new_page() -> Box<[u8]> {
    vec![0u8; PAGE as usize].into_boxed_slice()
}

impl Data {
    /// The logical size.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// Bytes of allocated pages.
    pub(crate) fn allocated(&self) -> u64 {
        self.pages.len() as u64 * PAGE
    }

    /// Pages that writing `[offset, offset + len)` would allocate.
    pub(crate) fn pages_missing(&self, offset: u64, len: u64) -> u64 {
        if len == 0 {
            return 0;
        }
        let (first, last) = (offset / PAGE, (offset + len - 1) / PAGE);
        let present = self.pages.range(first..=last).count() as u64;
        (last - first + 1) - present
    }

    /// Reads from `offset` into `bufs` in order; returns the count (0 at or
    /// past the end).
    pub(crate) fn read_at(&self, bufs: &mut [IoSliceMut<'_>], offset: u64) -> u64 {
        let mut pos = offset;
        for buf in bufs.iter_mut() {
            if pos >= self.size {
                break;
            }
            let want = (buf.len() as u64).min(self.size - pos);
            self.copy_out(pos, &mut buf[..want as usize]);
            pos += want;
        }
        pos - offset
    }

    /// Copies `out.len()` bytes from `pos` (all within the size).
    fn copy_out(&self, mut pos: u64, out: &mut [u8]) {
        let mut done = 0usize;
        while done < out.len() {
            let (page, within) = (pos / PAGE, (pos % PAGE) as usize);
            let n = (PAGE as usize - within).min(out.len() - done);
            match self.pages.get(&page) {
                Some(p) => out[done..done + n].copy_from_slice(&p[within..within + n]),
                None => out[done..done + n].fill(0),
            }
            done += n;
            pos += n as u64;
        }
    }

    /// Writes `bufs` at `offset`, growing the size; the caller has checked
    /// the budget (see [`pages_missing`](Self::pages_missing)) and the
    /// maximum size. Returns the count.
    pub(crate) fn write_at(&mut self, bufs: &[IoSlice<'_>], offset: u64) -> u64 {
        let mut pos = offset;
        for buf in bufs {
            self.copy_in(pos, buf);
            pos += buf.len() as u64;
        }
        self.size = self.size.max(pos);
        pos - offset
    }

    fn copy_in(&mut self, mut pos: u64, src: &[u8]) {
        let mut done = 0usize;
        while done < src.len() {
            let (page, within) = (pos / PAGE, (pos % PAGE) as usize);
            let n = (PAGE as usize - within).min(src.len() - done);
            let p = self.pages.entry(page).or_insert_with(new_page);
            p[within..within + n].copy_from_slice(&src[done..done + n]);
            done += n;
            pos += n as u64;
        }
    }

    /// Allocates every page of `[offset, offset + len)` and grows the size
    /// to `offset + len` if shorter (`fallocate` mode 0). The caller has
    /// checked the budget.
    pub(crate) fn allocate(&mut self, offset: u64, len: u64) {
        if len == 0 {
            return;
        }
        for page in offset / PAGE..=(offset + len - 1) / PAGE {
            self.pages.entry(page).or_insert_with(new_page);
        }
        self.size = self.size.max(offset + len);
    }

    /// Sets the size (`ftruncate`). Shrinking frees whole pages past the end
    /// and zeroes the tail of the last one, so growing again reads zeros.
    /// Returns the bytes of pages freed.
    pub(crate) fn set_size(&mut self, size: u64) -> u64 {
        if size < self.size {
            let keep = size.div_ceil(PAGE);
            let freed = self.pages.split_off(&keep);
            if !size.is_multiple_of(PAGE)
                && let Some(p) = self.pages.get_mut(&(size / PAGE))
            {
                p[(size % PAGE) as usize..].fill(0);
            }
            self.size = size;
            return freed.len() as u64 * PAGE;
        }
        self.size = size;
        0
    }

    /// The whole contents as one vector (for snapshots and writing out).
    pub(crate) fn to_vec(&self) -> Vec<u8> {
        let len = usize::try_from(self.size).unwrap_or(usize::MAX);
        let mut v = vec![0u8; len];
        self.copy_out(0, &mut v);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(d: &Data) -> Vec<u8> {
        d.to_vec()
    }

    #[test]
    fn holes_read_as_zeros_and_cost_nothing() {
        let mut d = Data::default();
        d.write_at(&[IoSlice::new(b"end")], 3 * PAGE + 1);
        assert_eq!(d.size(), 3 * PAGE + 4);
        assert_eq!(d.allocated(), PAGE);
        let v = read_all(&d);
        assert!(v[..(3 * PAGE + 1) as usize].iter().all(|&b| b == 0));
        assert_eq!(&v[(3 * PAGE + 1) as usize..], b"end");
    }

    #[test]
    fn writes_across_pages_and_reads_into_several_buffers() {
        let mut d = Data::default();
        let big: Vec<u8> = (0..(PAGE as usize * 2 + 10)).map(|i| i as u8).collect();
        assert_eq!(d.pages_missing(PAGE - 5, big.len() as u64), 4);
        d.write_at(&[IoSlice::new(&big[..7]), IoSlice::new(&big[7..])], PAGE - 5);
        let (mut a, mut b) = (vec![0u8; 3], vec![0u8; PAGE as usize * 3]);
        let n = d.read_at(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)], PAGE - 5);
        assert_eq!(n, big.len() as u64);
        assert_eq!(a, big[..3]);
        assert_eq!(&b[..big.len() - 3], &big[3..]);
        assert_eq!(d.read_at(&mut [IoSliceMut::new(&mut a)], d.size()), 0);
    }

    #[test]
    fn shrink_frees_pages_and_zeroes_the_tail() {
        let mut d = Data::default();
        d.write_at(&[IoSlice::new(&[7u8; 3 * PAGE as usize])], 0);
        assert_eq!(d.set_size(PAGE + 2), PAGE);
        assert_eq!(d.allocated(), 2 * PAGE);
        assert_eq!(d.set_size(2 * PAGE), 0);
        let v = read_all(&d);
        assert!(v[..(PAGE + 2) as usize].iter().all(|&b| b == 7));
        assert!(v[(PAGE + 2) as usize..].iter().all(|&b| b == 0));
        assert_eq!(d.set_size(0), 2 * PAGE);
        assert_eq!(d.allocated(), 0);
    }

    #[test]
    fn allocate_grows_but_never_shrinks() {
        let mut d = Data::default();
        d.write_at(&[IoSlice::new(b"0123456789")], 0);
        d.allocate(0, 100);
        assert_eq!(d.size(), 100);
        d.allocate(10, 20);
        assert_eq!(d.size(), 100);
        assert_eq!(&read_all(&d)[..10], b"0123456789");
    }
}
