//! Engine-neutral types of the [`WasiFile`](crate::WasiFile) and
//! [`WasiDir`](crate::WasiDir) traits. Their bit values equal preview1's, so a
//! conversion to the wire types is a reinterpretation.

/// The rights of an fd (`fd_fdstat_get`'s `fs_rights_base` and
/// `fs_rights_inheriting`): the preview1 wire type itself, the one wire type
/// in this vocabulary (see RATIONALE, "Why is `Rights` the wire type?").
pub use crate::bindings::preview1::types::Rights;

use std::time::SystemTime;

/// The type of a file or descriptor, as preview1 reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    /// Unknown, or different from every other type (pipes are reported so by default).
    Unknown,
    /// A block device.
    BlockDevice,
    /// A character device (terminals, `/dev/null`).
    CharacterDevice,
    /// A directory.
    Directory,
    /// A regular file.
    RegularFile,
    /// A datagram socket.
    SocketDgram,
    /// A byte-stream socket.
    SocketStream,
    /// A symbolic link.
    SymbolicLink,
}

bitflags::bitflags! {
    /// Descriptor flags (`fdflags`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct FdFlags: u16 {
        /// Writes go to the end of the file.
        const APPEND = 1 << 0;
        /// Writes complete with data integrity.
        const DSYNC = 1 << 1;
        /// Calls return `EAGAIN` instead of waiting.
        const NONBLOCK = 1 << 2;
        /// Reads complete with integrity of the data read.
        const RSYNC = 1 << 3;
        /// Writes complete with file integrity.
        const SYNC = 1 << 4;
    }
}

bitflags::bitflags! {
    /// How `path_open` opens a file (`oflags`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct OFlags: u16 {
        /// Create the file if it does not exist.
        const CREATE = 1 << 0;
        /// Fail unless the path is a directory.
        const DIRECTORY = 1 << 1;
        /// With `CREATE`, fail if the file exists.
        const EXCLUSIVE = 1 << 2;
        /// Truncate the file to size 0.
        const TRUNCATE = 1 << 3;
    }
}

bitflags::bitflags! {
    /// `sock_recv` input flags (`riflags`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct RiFlags: u16 {
        /// Leave the data in the receive queue.
        const RECV_PEEK = 1 << 0;
        /// Wait until the whole buffer is filled.
        const RECV_WAITALL = 1 << 1;
    }
}

bitflags::bitflags! {
    /// `sock_recv` output flags (`roflags`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct RoFlags: u16 {
        /// The message was truncated.
        const RECV_DATA_TRUNCATED = 1 << 0;
    }
}

bitflags::bitflags! {
    /// Which halves of a socket `sock_shutdown` closes (`sdflags`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct SdFlags: u8 {
        /// No more receives.
        const RD = 1 << 0;
        /// No more sends.
        const WR = 1 << 1;
    }
}

/// File attributes (`filestat`). Timestamps a backend cannot report are `None`
/// (the guest sees 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filestat {
    /// Device id.
    pub device_id: u64,
    /// Inode number.
    pub inode: u64,
    /// File type.
    pub filetype: FileType,
    /// Number of hard links.
    pub nlink: u64,
    /// Size in bytes.
    pub size: u64,
    /// Last access.
    pub atim: Option<SystemTime>,
    /// Last modification.
    pub mtim: Option<SystemTime>,
    /// Last status change.
    pub ctim: Option<SystemTime>,
}

impl Filestat {
    /// A filestat with only the type set (zeros elsewhere).
    pub fn of_type(filetype: FileType) -> Self {
        Filestat {
            device_id: 0,
            inode: 0,
            filetype,
            nlink: 0,
            size: 0,
            atim: None,
            mtim: None,
            ctim: None,
        }
    }
}

/// A timestamp to set: now, or a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemTimeSpec {
    /// The current time of the host's realtime clock.
    SymbolicNow,
    /// A given time.
    Absolute(SystemTime),
}

/// File access advice (`advice`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advice {
    /// No advice.
    Normal,
    /// Sequential access.
    Sequential,
    /// Random access.
    Random,
    /// Needed soon.
    WillNeed,
    /// Not needed soon.
    DontNeed,
    /// Accessed once.
    NoReuse,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaddirEntity {
    /// The entry's name (no slashes).
    pub name: String,
    /// Inode number, 0 if unknown.
    pub inode: u64,
    /// The entry's type.
    pub filetype: FileType,
}
