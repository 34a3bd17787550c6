//! Conversions between the trait types of this crate and preview1's wire types.

use crate::bindings::preview1::types as t;
use crate::types::{Advice, FdFlags, FileType, Filestat, OFlags, SystemTimeSpec};
use crate::{Error, Result};
use std::io::SeekFrom;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(crate) fn filetype(ft: FileType) -> t::Filetype {
    match ft {
        FileType::Unknown => t::Filetype::Unknown,
        FileType::BlockDevice => t::Filetype::BlockDevice,
        FileType::CharacterDevice => t::Filetype::CharacterDevice,
        FileType::Directory => t::Filetype::Directory,
        FileType::RegularFile => t::Filetype::RegularFile,
        FileType::SocketDgram => t::Filetype::SocketDgram,
        FileType::SocketStream => t::Filetype::SocketStream,
        FileType::SymbolicLink => t::Filetype::SymbolicLink,
    }
}

pub(crate) fn fdflags_out(f: FdFlags) -> t::Fdflags {
    t::Fdflags::from_bits_truncate(f.bits())
}

pub(crate) fn fdflags_in(f: t::Fdflags) -> FdFlags {
    FdFlags::from_bits_truncate(f.bits())
}

pub(crate) fn oflags_in(f: t::Oflags) -> OFlags {
    OFlags::from_bits_truncate(f.bits())
}

/// Nanoseconds since the epoch; times before it (or unknown) are 0; times
/// past 2554 saturate.
pub(crate) fn timestamp(t: Option<SystemTime>) -> t::Timestamp {
    t.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

pub(crate) fn filestat(s: Filestat) -> t::Filestat {
    t::Filestat {
        dev: s.device_id,
        ino: s.inode,
        filetype: filetype(s.filetype),
        nlink: s.nlink,
        size: s.size,
        atim: timestamp(s.atim),
        mtim: timestamp(s.mtim),
        ctim: timestamp(s.ctim),
    }
}

pub(crate) fn advice(a: t::Advice) -> Advice {
    match a {
        t::Advice::Normal => Advice::Normal,
        t::Advice::Sequential => Advice::Sequential,
        t::Advice::Random => Advice::Random,
        t::Advice::Willneed => Advice::WillNeed,
        t::Advice::Dontneed => Advice::DontNeed,
        t::Advice::Noreuse => Advice::NoReuse,
    }
}

/// Where `fd_seek` moves from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Whence {
    Set,
    Cur,
    End,
}

pub(crate) fn whence(w: t::Whence) -> Whence {
    match w {
        t::Whence::Set => Whence::Set,
        t::Whence::Cur => Whence::Cur,
        t::Whence::End => Whence::End,
    }
}

/// `EINVAL` for a negative absolute offset.
pub(crate) fn seek_from(offset: i64, whence: Whence) -> Result<SeekFrom> {
    Ok(match whence {
        Whence::Set => SeekFrom::Start(u64::try_from(offset).map_err(|_| Error::inval())?),
        Whence::Cur => SeekFrom::Current(offset),
        Whence::End => SeekFrom::End(offset),
    })
}

/// The (atime, mtime) to set from `fst_flags`.
/// Errors: `EINVAL` if a time is given both as a value and as "now".
pub(crate) fn set_times(
    atim: t::Timestamp,
    mtim: t::Timestamp,
    fst: t::Fstflags,
) -> Result<(Option<SystemTimeSpec>, Option<SystemTimeSpec>)> {
    let one = |set: t::Fstflags, now: t::Fstflags, v: u64| -> Result<Option<SystemTimeSpec>> {
        match (fst.contains(set), fst.contains(now)) {
            (true, true) => Err(Error::inval()),
            (true, false) => Ok(Some(SystemTimeSpec::Absolute(UNIX_EPOCH + Duration::from_nanos(v)))),
            (false, true) => Ok(Some(SystemTimeSpec::SymbolicNow)),
            (false, false) => Ok(None),
        }
    };
    Ok((
        one(t::Fstflags::ATIM, t::Fstflags::ATIM_NOW, atim)?,
        one(t::Fstflags::MTIM, t::Fstflags::MTIM_NOW, mtim)?,
    ))
}

/// A size as the ABI's 32-bit `size`. Errors: `EOVERFLOW` (cannot happen for
/// counts of guest bytes, which fit in 32 bits).
pub(crate) fn size(n: u64) -> Result<t::Size> {
    u32::try_from(n).map_err(|_| Error::overflow())
}
