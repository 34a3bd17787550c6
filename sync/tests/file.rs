//! Host files through the `WasiFile` trait: I/O at the cursor and at
//! offsets, append mode, sizes, times, allocation, readiness, FIFOs.

mod common;

use common::*;
use std::io::{IoSlice, IoSliceMut, SeekFrom};
use std::time::{Duration, UNIX_EPOCH};
use wasi_common_compat::{Advice, Errno, FdFlags, FileType, OFlags, OpenOptions, Pollable, SystemTimeSpec};

fn created(fx: &Fixture, name: &str) -> Box<dyn wasi_common_compat::WasiFile> {
    open_file(&fx.dir, name, with(read_write(), OFlags::CREATE))
}

#[test]
fn cursor_io_seek_and_ready_bytes() {
    let fx = Fixture::new();
    let f = created(&fx, "f");
    assert_eq!(f.get_filetype().expect("type"), FileType::RegularFile);
    let host_flags = rustix::fs::fcntl_getfl(
        f.as_any()
            .downcast_ref::<wasi_common_compat_sync::File>()
            .expect("a host file")
            .as_cap_std(),
    )
    .expect("F_GETFL");
    assert!(
        !host_flags.contains(rustix::fs::OFlags::NONBLOCK),
        "regular files block as usual"
    );
    assert!(matches!(f.pollable(), Pollable::Always));
    assert!(!f.isatty());
    let n = f
        .write_vectored(&[IoSlice::new(b"hello "), IoSlice::new(b"world")])
        .expect("writev");
    assert_eq!(n, 11);
    assert_eq!(f.seek(SeekFrom::Current(0)).expect("tell"), 11);
    assert_eq!(f.num_ready_bytes().expect("ready"), 0);
    assert_eq!(f.seek(SeekFrom::Start(6)).expect("seek"), 6);
    assert_eq!(f.num_ready_bytes().expect("ready"), 5);
    let (mut a, mut b) = ([0u8; 2], [0u8; 8]);
    let n = f
        .read_vectored(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)])
        .expect("readv");
    assert_eq!(n, 5);
    assert_eq!(&a, b"wo");
    assert_eq!(&b[..3], b"rld");
    assert_eq!(read_some(&*f), b"", "end of file");
    assert_eq!(f.seek(SeekFrom::End(-5)).expect("seek end"), 6);
    assert_eq!(errno(f.seek(SeekFrom::Current(-100))), Errno::Inval);
    assert_eq!(f.get_filestat().expect("fstat").size, 11);
}

#[test]
fn positioned_io_leaves_the_cursor() {
    let fx = Fixture::new();
    let f = created(&fx, "f");
    write_all(&*f, b"0123456789");
    f.seek(SeekFrom::Start(2)).expect("seek");
    let mut buf = [0u8; 3];
    assert_eq!(
        f.read_vectored_at(&mut [IoSliceMut::new(&mut buf)], 5).expect("pread"),
        3
    );
    assert_eq!(&buf, b"567");
    assert_eq!(f.write_vectored_at(&[IoSlice::new(b"xy")], 12).expect("pwrite"), 2);
    assert_eq!(f.seek(SeekFrom::Current(0)).expect("tell"), 2);
    assert_eq!(std::fs::read(fx.inside("f")).expect("read"), b"0123456789\0\0xy");
    assert_eq!(
        f.read_vectored_at(&mut [IoSliceMut::new(&mut buf)], 100)
            .expect("pread eof"),
        0
    );
}

#[test]
fn append_mode_and_set_fdflags() {
    let fx = Fixture::new();
    std::fs::write(fx.inside("f"), b"abc").expect("write");
    let o = OpenOptions {
        fdflags: FdFlags::APPEND,
        ..read_write()
    };
    let f = open_file(&fx.dir, "f", o);
    assert!(f.get_fdflags().expect("flags").contains(FdFlags::APPEND));
    f.seek(SeekFrom::Start(0)).expect("seek");
    write_all(&*f, b"de");
    // On Linux a positioned write to an O_APPEND file appends too.
    f.write_vectored_at(&[IoSlice::new(b"f")], 0).expect("pwrite");
    assert_eq!(std::fs::read(fx.inside("f")).expect("read"), b"abcdef");
    f.set_fdflags(FdFlags::empty()).expect("append off");
    assert_eq!(f.get_fdflags().expect("flags"), FdFlags::empty());
    f.seek(SeekFrom::Start(0)).expect("seek");
    write_all(&*f, b"X");
    assert_eq!(std::fs::read(fx.inside("f")).expect("read"), b"Xbcdef");
    // A read-only file opened with APPEND stays read-only.
    let o = OpenOptions {
        fdflags: FdFlags::APPEND,
        ..read()
    };
    let f = open_file(&fx.dir, "f", o);
    assert_eq!(errno(f.write_vectored(&[IoSlice::new(b"x")])), Errno::Badf);
}

#[test]
fn size_allocate_sync_advise() {
    let fx = Fixture::new();
    let f = created(&fx, "f");
    f.set_filestat_size(100).expect("truncate up");
    assert_eq!(f.get_filestat().expect("fstat").size, 100);
    f.set_filestat_size(10).expect("truncate down");
    assert_eq!(f.get_filestat().expect("fstat").size, 10);
    match f.allocate(0, 50) {
        Ok(()) => {
            assert_eq!(f.get_filestat().expect("fstat").size, 50);
            f.allocate(5, 5).expect("allocate inside");
            assert_eq!(f.get_filestat().expect("fstat").size, 50, "never shrinks");
        }
        Err(e) => assert_eq!(e.as_errno(), Some(Errno::Notsup)),
    }
    f.sync().expect("fsync");
    f.datasync().expect("fdatasync");
    f.advise(0, 0, Advice::Sequential).expect("fadvise");
    f.advise(0, 10, Advice::DontNeed).expect("fadvise");
    let ro = open_file(&fx.dir, "f", read());
    assert_eq!(errno(ro.set_filestat_size(1)), Errno::Inval);
}

#[test]
fn times() {
    let fx = Fixture::new();
    let f = created(&fx, "f");
    let t = UNIX_EPOCH + Duration::new(1_234_567_890, 123_456_789);
    f.set_times(Some(SystemTimeSpec::Absolute(t)), None).expect("atime");
    let st = f.get_filestat().expect("fstat");
    assert_eq!(st.atim, Some(t));
    let before = std::time::SystemTime::now() - Duration::from_secs(5);
    f.set_times(None, Some(SystemTimeSpec::SymbolicNow)).expect("mtime now");
    let st = f.get_filestat().expect("fstat");
    assert_eq!(st.atim, Some(t), "atime left alone");
    assert!(st.mtim.expect("mtime") > before);
}

#[test]
fn fifo_opened_by_path_waits_through_its_fd() {
    let fx = Fixture::new();
    fx.mkfifo("fifo");
    // With `nonblock`, opening the read end does not wait for a writer.
    let r = open_file(
        &fx.dir,
        "fifo",
        OpenOptions {
            fdflags: FdFlags::NONBLOCK,
            ..read()
        },
    );
    assert_eq!(r.get_filetype().expect("type"), FileType::Unknown);
    assert!(matches!(r.pollable(), Pollable::Fd(_)));
    let wo = OpenOptions {
        read: false,
        ..read_write()
    };
    let w = open_file(&fx.dir, "fifo", wo);
    let mut buf = [0u8; 8];
    assert_eq!(errno(r.read_vectored(&mut [IoSliceMut::new(&mut buf)])), Errno::Again);
    write_all(&*w, b"ping");
    assert_eq!(r.num_ready_bytes().expect("FIONREAD"), 4);
    assert_eq!(read_some(&*r), b"ping");
    assert_eq!(
        errno(r.read_vectored_at(&mut [IoSliceMut::new(&mut buf)], 0)),
        Errno::Spipe
    );
    assert_eq!(errno(w.write_vectored_at(&[IoSlice::new(b"x")], 0)), Errno::Spipe);
    assert_eq!(errno(r.seek(SeekFrom::Current(0))), Errno::Spipe);
    drop(w);
    assert_eq!(read_some(&*r), b"", "end of file once the writer is gone");
}

#[test]
fn fifo_opened_without_nonblock_waits_for_the_other_end() {
    let fx = Fixture::new();
    fx.mkfifo("fifo");
    let dir = std::sync::Arc::new(fx.dir);
    let d = dir.clone();
    let reader = std::thread::spawn(move || open_file(&d, "fifo", read()).get_filetype().expect("type"));
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert!(
        !reader.is_finished(),
        "a blocking open of a FIFO waits for a writer, as natively"
    );
    let wo = OpenOptions {
        read: false,
        ..read_write()
    };
    let _w = open_file(&dir, "fifo", wo);
    assert_eq!(reader.join().expect("reader"), FileType::Unknown);
}

#[test]
fn from_cap_std_wraps_any_file() {
    let fx = Fixture::new();
    std::fs::write(fx.inside("f"), b"data").expect("write");
    let cap = cap_std::fs::File::from_std(std::fs::File::open(fx.inside("f")).expect("open"));
    let f = wasi_common_compat_sync::File::from_cap_std(cap);
    assert_eq!(read_some(&f), b"data");
    let null = cap_std::fs::File::from_std(std::fs::File::open("/dev/null").expect("open /dev/null"));
    let null = wasi_common_compat_sync::File::from_cap_std(null);
    use wasi_common_compat::WasiFile;
    assert_eq!(null.get_filetype().expect("type"), FileType::CharacterDevice);
    assert_eq!(read_some(&null), b"");
}
