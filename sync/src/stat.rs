//! Host `stat` results in preview1's terms: file types, timestamps and
//! [`Filestat`]s, shared by files, directories and the builder's checks.

use crate::Result;
use rustix::fd::BorrowedFd;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wasi_common_compat::{FileType, Filestat};

/// The preview1 file type of a host `st_mode` (a `u32` on Linux, a `u16` on
/// macOS).
pub(crate) fn filetype_from_mode(mode: rustix::fs::RawMode) -> FileType {
    match rustix::fs::FileType::from_raw_mode(mode) {
        rustix::fs::FileType::RegularFile => FileType::RegularFile,
        rustix::fs::FileType::Directory => FileType::Directory,
        rustix::fs::FileType::Symlink => FileType::SymbolicLink,
        rustix::fs::FileType::CharacterDevice => FileType::CharacterDevice,
        rustix::fs::FileType::BlockDevice => FileType::BlockDevice,
        rustix::fs::FileType::Socket => FileType::SocketStream,
        rustix::fs::FileType::Fifo | rustix::fs::FileType::Unknown => FileType::Unknown,
    }
}

/// A host `(seconds, nanoseconds)` timestamp as a [`SystemTime`] (`None` if
/// before the epoch or out of range).
pub(crate) fn systime(sec: i64, nsec: i64) -> Option<SystemTime> {
    let s = u64::try_from(sec).ok()?;
    let n = u32::try_from(nsec).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(s, n))
}

/// `fstat` of a host descriptor as a [`Filestat`].
pub(crate) fn filestat_of(fd: BorrowedFd<'_>) -> Result<Filestat> {
    let st = rustix::fs::fstat(fd)?;
    Ok(filestat_from_stat(&st))
}

/// A host `stat` as a [`Filestat`].
// `st_dev` and `st_nlink` are `u64` on Linux (the casts are no-ops there) and
// narrower elsewhere (`i32` and `u16` on macOS, `u64`/`u64` on FreeBSD 12+).
#[allow(clippy::unnecessary_cast, reason = "the field types differ per OS (see above)")]
pub(crate) fn filestat_from_stat(st: &rustix::fs::Stat) -> Filestat {
    Filestat {
        device_id: st.st_dev as u64,
        inode: st.st_ino as u64,
        filetype: filetype_from_mode(st.st_mode),
        nlink: st.st_nlink as u64,
        size: u64::try_from(st.st_size).unwrap_or(0),
        atim: systime(st.st_atime, st.st_atime_nsec as i64),
        mtim: systime(st.st_mtime, st.st_mtime_nsec as i64),
        ctim: systime(st.st_ctime, st.st_ctime_nsec as i64),
    }
}
