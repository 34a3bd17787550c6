//! Unit tests of the guest-buffer code: bounds, the iovec cap, skipping,
//! overlapping iovecs, and the shared-memory copies (which hold this
//! crate's `unsafe`), on memories built by hand.

#![allow(unsafe_code, reason = "reads the test's own cells back")]

use super::*;
use std::cell::UnsafeCell;

const PAGE: usize = 65536;

/// A memory of `len` bytes, byte `i` = `i % 251` (so misplaced bytes show).
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn shared(bytes: &[u8]) -> Vec<UnsafeCell<u8>> {
    bytes.iter().map(|&b| UnsafeCell::new(b)).collect()
}

fn shared_bytes(cells: &[UnsafeCell<u8>]) -> Vec<u8> {
    // SAFETY: the test owns the cells and no other thread uses them.
    cells.iter().map(|c| unsafe { *c.get() }).collect()
}

/// Writes `(offset, len)` iovecs (8 bytes each, little-endian) at `at`.
fn put_iovs(mem: &mut [u8], at: usize, iovs: &[(u32, u32)]) {
    for (k, (off, len)) in iovs.iter().enumerate() {
        let p = at + 8 * k;
        mem[p..p + 4].copy_from_slice(&off.to_le_bytes());
        mem[p + 4..p + 8].copy_from_slice(&len.to_le_bytes());
    }
}

fn ciovs(at: u32, n: u32) -> CiovecArray {
    GuestPtr::new((at, n))
}

fn iovs(at: u32, n: u32) -> IovecArray {
    GuestPtr::new((at, n))
}

/// Everything `write_from_guest_after` hands to its callback, concatenated,
/// with the `at` of each call; the callback takes at most `take` bytes.
fn gather(mem: &GuestMemory<'_>, arr: CiovecArray, skip: u64, take: u64) -> (Result<u64>, Vec<u8>, Vec<u64>) {
    let mut out = Vec::new();
    let mut ats = Vec::new();
    let r = write_from_guest_after(mem, arr, skip, |slices, at| {
        ats.push(at);
        let mut n = 0u64;
        for s in slices {
            for &b in s.iter() {
                if n == take {
                    return Ok(n);
                }
                out.push(b);
                n += 1;
            }
        }
        Ok(n)
    });
    (r, out, ats)
}

#[test]
fn unshared_writes_are_the_guests_bytes_in_place() {
    let mut m = pattern(PAGE);
    put_iovs(&mut m, 0, &[(1000, 5), (3000, 0), (2000, 3)]);
    let base = m.as_ptr() as usize;
    let mem = GuestMemory::Unshared(&mut m);
    let mut seen = Vec::new();
    let n = write_from_guest(&mem, ciovs(0, 3), |slices, at| {
        assert_eq!(at, 0);
        seen = slices.iter().map(|s| (s.as_ptr() as usize - base, s.len())).collect();
        Ok(slices.iter().map(|s| s.len() as u64).sum())
    })
    .unwrap();
    assert_eq!(n, 8);
    // The empty iovec is skipped; the others point into the memory itself.
    assert_eq!(seen, vec![(1000, 5), (2000, 3)]);
    assert_eq!(write_len(&mem, ciovs(0, 3)).unwrap(), 8);
}

#[test]
fn skipping_crosses_iovec_boundaries() {
    let m0 = pattern(PAGE);
    let mut m = m0.clone();
    put_iovs(&mut m, 0, &[(1000, 4), (2000, 4), (3000, 4)]);
    let want: Vec<u8> = [&m0[1000..1004], &m0[2000..2004], &m0[3000..3004]].concat();
    let mem = GuestMemory::Unshared(&mut m);
    for skip in 0..=13u64 {
        let (r, out, ats) = gather(&mem, ciovs(0, 3), skip, u64::MAX);
        let s = (skip as usize).min(12);
        assert_eq!(out, want[s..], "skip {skip}");
        assert_eq!(r.unwrap(), (12 - s) as u64);
        assert_eq!(ats, vec![skip]);
    }
    let mut c = m0.clone();
    put_iovs(&mut c, 0, &[(1000, 4), (2000, 4), (3000, 4)]);
    let cells = shared(&c);
    let mem = GuestMemory::Shared(&cells);
    for skip in 0..=13u64 {
        let (r, out, _) = gather(&mem, ciovs(0, 3), skip, u64::MAX);
        let s = (skip as usize).min(12);
        assert_eq!(out, want[s..], "shared, skip {skip}");
        assert_eq!(r.unwrap(), (12 - s) as u64);
    }
}

#[test]
fn out_of_bounds_iovecs_and_arrays_are_efault() {
    let mut m = pattern(PAGE);
    // An iovec whose end is one past memory; one that ends exactly at it.
    put_iovs(&mut m, 0, &[(PAGE as u32 - 4, 5)]);
    put_iovs(&mut m, 100, &[(PAGE as u32 - 4, 4)]);
    // Offsets and lengths whose sum overflows 32 bits.
    put_iovs(&mut m, 200, &[(u32::MAX, 2), (8, u32::MAX)]);
    for shared_mem in [false, true] {
        let cells = shared(&m);
        let mut copy = m.clone();
        let mem = if shared_mem {
            GuestMemory::Shared(&cells)
        } else {
            GuestMemory::Unshared(&mut copy)
        };
        let is_fault = |r: Result<u64>| r.is_err_and(|e| e.as_errno() == Some(crate::Errno::Fault));
        assert!(is_fault(write_len(&mem, ciovs(0, 1))));
        assert_eq!(write_len(&mem, ciovs(100, 1)).unwrap(), 4);
        assert!(is_fault(write_len(&mem, ciovs(200, 1))));
        assert!(is_fault(write_len(&mem, ciovs(208, 1))));
        assert!(is_fault(gather(&mem, ciovs(0, 1), 0, u64::MAX).0));
        // The array itself outside memory, or starting just below 4 GiB
        // (wiggle's indexing would panic there).
        assert!(is_fault(write_len(&mem, ciovs(PAGE as u32 - 4, 1))));
        assert!(is_fault(write_len(&mem, ciovs(u32::MAX - 7, 2))));
        assert!(is_fault(read_len(&mem, iovs(u32::MAX - 3, 1))));
        assert!(is_fault(gather(&mem, ciovs(u32::MAX - 7, 2), 0, u64::MAX).0));
    }
    let mut copy = m.clone();
    let mut mem = GuestMemory::Unshared(&mut copy);
    let r = read_into_guest(&mut mem, iovs(0, 1), |_| panic!("called with a bad iovec"));
    assert!(r.is_err_and(|e| e.as_errno() == Some(crate::Errno::Fault)));
    assert!(check_region(&mem, PAGE as u32, 0).is_ok());
    assert!(check_region(&mem, PAGE as u32 - 1, 1).is_ok());
    assert!(check_region(&mem, PAGE as u32, 1).is_err());
    assert!(check_region(&mem, u32::MAX, u32::MAX).is_err());
}

#[test]
fn at_most_max_iovs_are_used() {
    let n = MAX_IOVS + 5;
    let mut m = pattern(2 * PAGE);
    let iov: Vec<(u32, u32)> = (0..n).map(|i| (PAGE as u32 + i, 1)).collect();
    put_iovs(&mut m, 0, &iov);
    let mem = GuestMemory::Unshared(&mut m);
    assert_eq!(write_len(&mem, ciovs(0, n)).unwrap(), u64::from(MAX_IOVS));
    let mut slices = 0;
    write_from_guest(&mem, ciovs(0, n), |s, _| {
        slices = s.len();
        Ok(0)
    })
    .unwrap();
    assert_eq!(
        slices, MAX_IOVS as usize,
        "more than the stack's iovecs spill to the heap"
    );
}

#[test]
fn shared_writes_come_in_chunks_and_stop_on_short_writes() {
    let len = 3 * CHUNK + 100;
    let mut m = pattern(4 * PAGE);
    put_iovs(&mut m, 0, &[(1024, len as u32)]);
    let want = m[1024..1024 + len].to_vec();
    let cells = shared(&m);
    let mem = GuestMemory::Shared(&cells);
    let (r, out, ats) = gather(&mem, ciovs(0, 1), 0, u64::MAX);
    assert_eq!(r.unwrap(), len as u64);
    assert_eq!(out, want);
    assert_eq!(ats, vec![0, CHUNK as u64, 2 * CHUNK as u64, 3 * CHUNK as u64]);
    // A short write ends the loop with what was written.
    let (r, out, ats) = gather(&mem, ciovs(0, 1), 0, 10);
    assert_eq!(r.unwrap(), 10);
    assert_eq!(out, want[..10]);
    assert_eq!(ats, vec![0]);
    // EAGAIN after some bytes: those bytes; EAGAIN at once: the error.
    let mut calls = 0;
    let r = write_from_guest(&mem, ciovs(0, 1), |s, _| {
        calls += 1;
        if calls == 1 {
            Ok(s[0].len() as u64)
        } else {
            Err(Error::again())
        }
    });
    assert_eq!(r.unwrap(), CHUNK as u64);
    let r = write_from_guest(&mem, ciovs(0, 1), |_, _| Err(Error::again()));
    assert!(r.is_err_and(|e| e.is_again()));
    // The memory itself was not changed by reading it.
    assert_eq!(shared_bytes(&cells), m);
}

#[test]
fn disjoint_reads_fill_the_guest_in_place() {
    let mut m = vec![0u8; PAGE];
    // Out of order in memory, adjacent, and one empty.
    put_iovs(&mut m, 0, &[(3000, 3), (1000, 2), (1002, 0), (1002, 4)]);
    let base = m.as_ptr() as usize;
    let mut mem = GuestMemory::Unshared(&mut m);
    let n = read_into_guest(&mut mem, iovs(0, 4), |slices| {
        let at: Vec<(usize, usize)> = slices.iter().map(|s| (s.as_ptr() as usize - base, s.len())).collect();
        assert_eq!(at, vec![(3000, 3), (1000, 2), (1002, 4)]);
        let mut b = 1u8;
        for s in slices.iter_mut() {
            for x in s.iter_mut() {
                *x = b;
                b += 1;
            }
        }
        Ok(9)
    })
    .unwrap();
    assert_eq!(n, 9);
    assert_eq!(m[3000..3003], [1, 2, 3]);
    assert_eq!(m[1000..1006], [4, 5, 6, 7, 8, 9]);
}

#[test]
fn overlapping_reads_scatter_in_order_as_readv_does() {
    // The second iovec overlaps the first: as with readv, it is filled
    // after the first, so its bytes win where they overlap.
    let mut m = vec![0u8; PAGE];
    put_iovs(&mut m, 0, &[(1000, 6), (1003, 6)]);
    let mut mem = GuestMemory::Unshared(&mut m);
    let n = read_into_guest(&mut mem, iovs(0, 2), |slices| {
        assert_eq!(slices.len(), 1, "overlapping iovecs are read through one buffer");
        assert_eq!(slices[0].len(), 12);
        for (i, x) in slices[0].iter_mut().enumerate() {
            *x = 10 + i as u8;
        }
        Ok(12)
    })
    .unwrap();
    assert_eq!(n, 12);
    assert_eq!(m[1000..1009], [10, 11, 12, 16, 17, 18, 19, 20, 21]);
}

#[test]
fn shared_reads_land_in_the_cells_and_are_clamped() {
    let m = vec![0u8; 2 * PAGE];
    let mut layout = m.clone();
    put_iovs(&mut layout, 0, &[(PAGE as u32, 5), (PAGE as u32 + 100, 5)]);
    let cells = shared(&layout);
    let mut mem = GuestMemory::Shared(&cells);
    // A partial read fills the first iovec, then part of the second.
    let n = read_into_guest(&mut mem, iovs(0, 2), |s| {
        s[0][..7].copy_from_slice(b"abcdefg");
        Ok(7)
    })
    .unwrap();
    assert_eq!(n, 7);
    let after = shared_bytes(&cells);
    assert_eq!(&after[PAGE..PAGE + 5], b"abcde");
    assert_eq!(&after[PAGE + 100..PAGE + 105], b"fg\0\0\0");
    // A backend claiming more than the buffer holds is clamped to it.
    let n = read_into_guest(&mut mem, iovs(0, 2), |s| {
        s[0].copy_from_slice(b"0123456789");
        Ok(1 << 40)
    })
    .unwrap();
    assert_eq!(n, 10);
    let after = shared_bytes(&cells);
    assert_eq!(&after[PAGE..PAGE + 5], b"01234");
    assert_eq!(&after[PAGE + 100..PAGE + 105], b"56789");
    // Skipping: a receive that continues after 6 bytes fills from there.
    let n = read_into_guest_after(&mut mem, iovs(0, 2), 6, |s| {
        assert_eq!(s[0].len(), 4);
        s[0].copy_from_slice(b"WXYZ");
        Ok(4)
    })
    .unwrap();
    assert_eq!(n, 4);
    assert_eq!(&shared_bytes(&cells)[PAGE + 100..PAGE + 105], b"5WXYZ");
}

#[test]
fn fill_guest_covers_the_region_exactly() {
    let len = 2 * CHUNK + 3;
    for shared_mem in [false, true] {
        let mut m = vec![0u8; 3 * CHUNK];
        let cells = shared(&m);
        let mut calls = 0;
        {
            let mut mem = if shared_mem {
                GuestMemory::Shared(&cells)
            } else {
                GuestMemory::Unshared(&mut m)
            };
            fill_guest(&mut mem, GuestPtr::new(5), len as u32, |b| {
                calls += 1;
                b.fill(7);
                Ok(())
            })
            .unwrap();
            let e = fill_guest(&mut mem, GuestPtr::new(3 * CHUNK as u32 - 1), 2, |_| {
                panic!("out of bounds")
            });
            assert!(e.is_err_and(|e| e.as_errno() == Some(crate::Errno::Fault)));
        }
        let got = if shared_mem { shared_bytes(&cells) } else { m };
        assert_eq!(got[..5], [0; 5]);
        assert!(got[5..5 + len].iter().all(|&b| b == 7));
        assert!(got[5 + len..].iter().all(|&b| b == 0));
        assert_eq!(calls, if shared_mem { 3 } else { 1 });
    }
}

#[test]
fn bounce_buffers_nest_and_are_bounded() {
    let n = with_bounce(usize::MAX, |outer| {
        assert_eq!(outer.len(), CHUNK);
        outer.fill(1);
        // A nested use gets a buffer of its own.
        with_bounce(16, |inner| {
            assert!(inner.iter().all(|&b| b == 0));
            inner.len()
        })
    });
    assert_eq!(n, 16);
}

#[test]
fn split_disjoint_refuses_overlaps() {
    let mut m = vec![0u8; 100];
    assert!(split_disjoint(&mut m, &[(10, 5), (0, 10), (15, 1)]).is_some());
    assert!(split_disjoint(&mut m, &[(10, 5), (14, 2)]).is_none());
    assert!(split_disjoint(&mut m, &[(20, 5), (0, 21)]).is_none());
    let s = split_disjoint(&mut m, &[(50, 2), (0, 1)]).unwrap();
    assert_eq!(s.iter().map(|s| s.len()).collect::<Vec<_>>(), vec![2, 1]);
}
