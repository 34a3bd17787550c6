//! Open files: reads and writes at the cursor and at offsets, sparse
//! writes, append, truncation, allocation, seeking, times, and files that
//! outlive their names.

mod common;

use common::*;
use std::io::{IoSlice, IoSliceMut, SeekFrom};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};
use wasi_common_compat::clocks::WasiSystemClock;
use wasi_common_compat::{Errno, FdFlags, OFlags, OpenOptions, SystemTimeSpec, WasiDir};
use wasi_common_compat_memfs::{Config, MemFs, PAGE};

fn create(d: &dyn WasiDir, name: &str) -> Box<dyn wasi_common_compat::WasiFile> {
    open_file(d, name, with(read_write(), OFlags::CREATE))
}

#[test]
fn cursor_reads_writes_and_positioned_io() {
    let fs = MemFs::new();
    let f = create(&fs.root(), "f");
    write_all(&*f, b"hello, world");
    assert_eq!(f.seek(SeekFrom::Start(0)).expect("seek"), 0);
    let (mut a, mut b) = ([0u8; 5], [0u8; 3]);
    let n = f
        .read_vectored(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)])
        .expect("read");
    assert_eq!((n, &a, &b), (8, b"hello", b", w"));
    assert_eq!(f.num_ready_bytes().expect("ready"), 4);
    let mut c = [0u8; 4];
    assert_eq!(f.read_vectored_at(&mut [IoSliceMut::new(&mut c)], 1).expect("pread"), 4);
    assert_eq!(&c, b"ello");
    f.write_vectored_at(&[IoSlice::new(b"J")], 0).expect("pwrite");
    assert_eq!(
        f.seek(SeekFrom::Current(0)).expect("tell"),
        8,
        "positioned I/O keeps the cursor"
    );
    assert_eq!(read_some(&*f), b"orld");
    assert_eq!(read_some(&*f), b"", "end of file");
    assert_eq!(fs.read_file("f").expect("read"), b"Jello, world");
    assert_eq!(f.seek(SeekFrom::End(-5)).expect("seek"), 7);
    assert_eq!(errno(f.seek(SeekFrom::Current(-100))), Errno::Inval);
    assert_eq!(errno(f.seek(SeekFrom::End(i64::MAX))), Errno::Inval);
    assert_eq!(
        errno(f.read_vectored_at(&mut [IoSliceMut::new(&mut c)], u64::MAX)),
        Errno::Inval
    );
}

#[test]
fn sparse_writes_past_the_end_leave_zeros_that_cost_nothing() {
    let fs = MemFs::new();
    let f = create(&fs.root(), "sparse");
    let before = fs.usage().bytes;
    f.write_vectored_at(&[IoSlice::new(b"!")], 1 << 40)
        .expect("pwrite at 1 TiB");
    assert_eq!(f.get_filestat().expect("fstat").size, (1 << 40) + 1);
    assert_eq!(fs.usage().bytes - before, PAGE, "one page for one byte");
    let mut buf = [0xffu8; 8];
    f.read_vectored_at(&mut [IoSliceMut::new(&mut buf)], (1 << 40) - 7)
        .expect("pread");
    assert_eq!(&buf, b"\0\0\0\0\0\0\0!");
    f.seek(SeekFrom::Start(3)).expect("seek");
    write_all(&*f, b"abc");
    let mut head = [0xffu8; 7];
    f.read_vectored_at(&mut [IoSliceMut::new(&mut head)], 0).expect("pread");
    assert_eq!(&head, b"\0\0\0abc\0");
    assert_eq!(
        errno(f.write_vectored_at(&[IoSlice::new(b"x")], i64::MAX as u64)),
        Errno::Fbig
    );
}

#[test]
fn append_mode_writes_at_the_end() {
    let fs = MemFs::new();
    fs.write_file("log", b"abc").expect("write");
    let o = OpenOptions {
        fdflags: FdFlags::APPEND,
        ..read_write()
    };
    let f = open_file(&fs.root(), "log", o);
    write_all(&*f, b"de");
    f.write_vectored_at(&[IoSlice::new(b"f")], 0)
        .expect("pwrite appends too");
    f.set_fdflags(FdFlags::empty()).expect("append off");
    f.seek(SeekFrom::Start(0)).expect("seek");
    write_all(&*f, b"X");
    assert_eq!(fs.read_file("log").expect("read"), b"Xbcdef");
}

#[test]
fn truncate_and_allocate() {
    let fs = MemFs::new();
    let f = create(&fs.root(), "t");
    write_all(&*f, &[7u8; 3 * PAGE as usize]);
    let used = fs.usage().bytes;
    f.set_filestat_size(4).expect("shrink");
    assert_eq!(used - fs.usage().bytes, 2 * PAGE, "pages past the end are freed");
    f.set_filestat_size(10).expect("grow");
    assert_eq!(fs.read_file("t").expect("read"), b"\x07\x07\x07\x07\0\0\0\0\0\0");
    assert_eq!(
        f.seek(SeekFrom::Current(0)).expect("tell"),
        3 * PAGE,
        "the cursor stays"
    );
    assert_eq!(errno(f.set_filestat_size(1 << 63)), Errno::Inval);
    f.allocate(0, 100).expect("allocate");
    assert_eq!(f.get_filestat().expect("fstat").size, 100);
    f.allocate(10, 20).expect("inside");
    assert_eq!(f.get_filestat().expect("fstat").size, 100);
    assert_eq!(errno(f.allocate(u64::MAX - 1, 1)), Errno::Fbig);
    assert_eq!(errno(f.allocate(0, 0)), Errno::Inval);
}

#[test]
fn an_open_file_outlives_its_name() {
    let fs = MemFs::new();
    let f = create(&fs.root(), "gone");
    write_all(&*f, &[1u8; 10_000]);
    let inodes = fs.usage().inodes;
    fs.root().unlink_file("gone").expect("unlink");
    assert_eq!(f.get_filestat().expect("fstat").nlink, 0);
    assert_eq!(fs.usage().inodes, inodes, "still open");
    f.seek(SeekFrom::Start(0)).expect("seek");
    assert_eq!(read_some(&*f).len(), 10_000);
    drop(f);
    assert_eq!(fs.usage().inodes, inodes - 1);
    assert_eq!(fs.usage().bytes, 0, "pages and name returned");
}

#[derive(Clone)]
struct Fixed(Arc<std::sync::atomic::AtomicU64>);
impl WasiSystemClock for Fixed {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }
    fn now(&self) -> Duration {
        Duration::from_nanos(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

#[test]
fn times_come_from_the_tree_clock() {
    let clock = Fixed(Arc::new(std::sync::atomic::AtomicU64::new(1_000_000_000_000_000_000)));
    let fs = MemFs::with_config(Config::new().clock(Arc::new(clock.clone())));
    let t0 = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let d = fs.root();
    let f = create(&d, "f");
    let st = f.get_filestat().expect("fstat");
    assert_eq!((st.atim, st.mtim, st.ctim), (Some(t0), Some(t0), Some(t0)));
    assert_eq!(d.get_filestat().expect("fstat").mtim, Some(t0), "the parent changed");
    clock.0.fetch_add(5, std::sync::atomic::Ordering::SeqCst);
    let t1 = t0 + Duration::from_nanos(5);
    write_all(&*f, b"x");
    let st = f.get_filestat().expect("fstat");
    assert_eq!(
        (st.atim, st.mtim, st.ctim),
        (Some(t0), Some(t1), Some(t1)),
        "a write moves mtime"
    );
    read_some(&*f);
    assert_eq!(f.get_filestat().expect("fstat").atim, Some(t0), "reads leave atime");
    let given = UNIX_EPOCH + Duration::new(1_600_000_000, 987_654_321);
    f.set_times(Some(SystemTimeSpec::Absolute(given)), Some(SystemTimeSpec::SymbolicNow))
        .expect("times");
    let st = f.get_filestat().expect("fstat");
    assert_eq!((st.atim, st.mtim), (Some(given), Some(t1)));
    f.set_times(None, Some(SystemTimeSpec::Absolute(given)))
        .expect("mtime only");
    assert_eq!(f.get_filestat().expect("fstat").atim, Some(given));
}

#[test]
fn files_are_shared_by_threads() {
    let fs = MemFs::new();
    let f: Arc<dyn wasi_common_compat::WasiFile> = Arc::from(create(&fs.root(), "shared"));
    let threads: Vec<_> = (0..4u8)
        .map(|t| {
            let f = f.clone();
            let fs = fs.clone();
            std::thread::spawn(move || {
                for i in 0..200u64 {
                    let at = (u64::from(t) * 200 + i) * 8;
                    f.write_vectored_at(&[IoSlice::new(&[t; 8])], at).expect("pwrite");
                    fs.write_file(&format!("t{t}-{i}"), b"x").expect("create");
                    if i % 2 == 0 {
                        fs.root().unlink_file(&format!("t{t}-{i}")).expect("unlink");
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let all = fs.read_file("shared").expect("read");
    assert_eq!(all.len(), 4 * 200 * 8);
    for (i, chunk) in all.chunks(8).enumerate() {
        assert_eq!(chunk, [(i / 200) as u8; 8]);
    }
    assert_eq!(fs.root().read_dir().expect("list").len(), 1 + 4 * 100);
}
