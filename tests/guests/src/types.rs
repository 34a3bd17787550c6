//! The preview1 ABI's records and constants, written from the spec.

use std::fmt;

/// A file descriptor.
pub type Fd = u32;

/// An errno value (`u16` on the wire). Prints as `ENAME(n)`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub u16);

const ERRNO_NAMES: [&str; 77] = [
    "SUCCESS",
    "E2BIG",
    "EACCES",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "EAFNOSUPPORT",
    "EAGAIN",
    "EALREADY",
    "EBADF",
    "EBADMSG",
    "EBUSY",
    "ECANCELED",
    "ECHILD",
    "ECONNABORTED",
    "ECONNREFUSED",
    "ECONNRESET",
    "EDEADLK",
    "EDESTADDRREQ",
    "EDOM",
    "EDQUOT",
    "EEXIST",
    "EFAULT",
    "EFBIG",
    "EHOSTUNREACH",
    "EIDRM",
    "EILSEQ",
    "EINPROGRESS",
    "EINTR",
    "EINVAL",
    "EIO",
    "EISCONN",
    "EISDIR",
    "ELOOP",
    "EMFILE",
    "EMLINK",
    "EMSGSIZE",
    "EMULTIHOP",
    "ENAMETOOLONG",
    "ENETDOWN",
    "ENETRESET",
    "ENETUNREACH",
    "ENFILE",
    "ENOBUFS",
    "ENODEV",
    "ENOENT",
    "ENOEXEC",
    "ENOLCK",
    "ENOLINK",
    "ENOMEM",
    "ENOMSG",
    "ENOPROTOOPT",
    "ENOSPC",
    "ENOSYS",
    "ENOTCONN",
    "ENOTDIR",
    "ENOTEMPTY",
    "ENOTRECOVERABLE",
    "ENOTSOCK",
    "ENOTSUP",
    "ENOTTY",
    "ENXIO",
    "EOVERFLOW",
    "EOWNERDEAD",
    "EPERM",
    "EPIPE",
    "EPROTO",
    "EPROTONOSUPPORT",
    "EPROTOTYPE",
    "ERANGE",
    "EROFS",
    "ESPIPE",
    "ESRCH",
    "ESTALE",
    "ETIMEDOUT",
    "ETXTBSY",
    "EXDEV",
    "ENOTCAPABLE",
];

impl Errno {
    pub const SUCCESS: Errno = Errno(0);
    pub const TOOBIG: Errno = Errno(1);
    pub const ACCES: Errno = Errno(2);
    pub const AGAIN: Errno = Errno(6);
    pub const BADF: Errno = Errno(8);
    pub const EXIST: Errno = Errno(20);
    pub const FAULT: Errno = Errno(21);
    pub const ILSEQ: Errno = Errno(25);
    pub const INVAL: Errno = Errno(28);
    pub const ISDIR: Errno = Errno(31);
    pub const LOOP: Errno = Errno(32);
    pub const NAMETOOLONG: Errno = Errno(37);
    pub const NOENT: Errno = Errno(44);
    pub const NOTCONN: Errno = Errno(53);
    pub const NOTDIR: Errno = Errno(54);
    pub const NOTEMPTY: Errno = Errno(55);
    pub const NOTSOCK: Errno = Errno(57);
    pub const NOTSUP: Errno = Errno(58);
    pub const PERM: Errno = Errno(63);
    pub const PIPE: Errno = Errno(64);
    pub const SPIPE: Errno = Errno(70);
    pub const NOTCAPABLE: Errno = Errno(76);

    /// The errno a raw import returned.
    pub fn from_raw(raw: u32) -> Errno {
        Errno(raw as u16)
    }

    /// `ENAME`, or `E?` for values the spec does not define.
    pub fn name(self) -> &'static str {
        ERRNO_NAMES.get(self.0 as usize).copied().unwrap_or("E?")
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// `Ok(())` for 0, else the errno.
pub fn result(raw: u32) -> Result<(), Errno> {
    if raw == 0 { Ok(()) } else { Err(Errno::from_raw(raw)) }
}

/// A buffer to write (`ciovec`): 8 bytes, align 4.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Ciovec {
    pub buf: *const u8,
    pub buf_len: usize,
}

/// A buffer to fill (`iovec`): 8 bytes, align 4.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Iovec {
    pub buf: *mut u8,
    pub buf_len: usize,
}

/// `fdstat`: 24 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fdstat {
    pub fs_filetype: u8,
    pub fs_flags: u16,
    pub fs_rights_base: u64,
    pub fs_rights_inheriting: u64,
}

/// preview1 `filestat`: 64 bytes (`nlink` is 64 bits).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filestat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

/// `prestat`: tag then `pr_name_len`; 8 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Prestat {
    pub tag: u8,
    pub pr_name_len: usize,
}

/// `dirent` header: 24 bytes, the name follows.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Dirent {
    pub d_next: u64,
    pub d_ino: u64,
    pub d_namlen: u32,
    pub d_type: u8,
}

/// preview1 `subscription`: 48 bytes. `u` holds the tag at byte 8 and the
/// payload from byte 16 (see [`Subscription::clock`] and [`Subscription::fd`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Subscription {
    pub userdata: u64,
    pub tag: u8,
    _pad: [u8; 7],
    /// clock: `id` (u32 at 16), `timeout` (u64 at 24), `precision` (u64 at
    /// 32), `flags` (u16 at 40); fd_read/fd_write: `file_descriptor` (u32 at 16).
    pub id_or_fd: u32,
    pub timeout: u64,
    pub precision: u64,
    pub flags: u16,
}

impl Subscription {
    /// A subscription with a raw tag (for event types the spec lacks).
    pub fn raw(userdata: u64, tag: u8, id_or_fd: u32) -> Self {
        Subscription {
            userdata,
            tag,
            id_or_fd,
            ..Default::default()
        }
    }

    /// A clock subscription.
    pub fn clock(userdata: u64, id: u32, timeout: u64, abstime: bool) -> Self {
        Subscription {
            userdata,
            tag: EVENTTYPE_CLOCK,
            id_or_fd: id,
            timeout,
            flags: if abstime { SUBCLOCKFLAGS_ABSTIME } else { 0 },
            ..Default::default()
        }
    }

    /// An `fd_read` (`write` = false) or `fd_write` subscription.
    pub fn fd(userdata: u64, fd: Fd, write: bool) -> Self {
        Subscription {
            userdata,
            tag: if write { EVENTTYPE_FD_WRITE } else { EVENTTYPE_FD_READ },
            id_or_fd: fd,
            ..Default::default()
        }
    }
}

/// `event`: 32 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Event {
    pub userdata: u64,
    pub error: u16,
    pub type_: u8,
    pub nbytes: u64,
    pub flags: u16,
}

const _: () = {
    assert!(size_of::<Ciovec>() == 8);
    assert!(size_of::<Fdstat>() == 24);
    assert!(size_of::<Filestat>() == 64);
    assert!(size_of::<Prestat>() == 8);
    assert!(size_of::<Dirent>() == 24);
    assert!(size_of::<Subscription>() == 48);
    assert!(size_of::<Event>() == 32);
    assert!(std::mem::offset_of!(Fdstat, fs_flags) == 2);
    assert!(std::mem::offset_of!(Filestat, nlink) == 24);
    assert!(std::mem::offset_of!(Subscription, tag) == 8);
    assert!(std::mem::offset_of!(Subscription, id_or_fd) == 16);
    assert!(std::mem::offset_of!(Subscription, timeout) == 24);
    assert!(std::mem::offset_of!(Subscription, flags) == 40);
    assert!(std::mem::offset_of!(Event, error) == 8);
    assert!(std::mem::offset_of!(Event, type_) == 10);
    assert!(std::mem::offset_of!(Event, nbytes) == 16);
    assert!(std::mem::offset_of!(Event, flags) == 24);
};

pub const CLOCKID_REALTIME: u32 = 0;
pub const CLOCKID_MONOTONIC: u32 = 1;
pub const CLOCKID_PROCESS_CPUTIME: u32 = 2;
pub const CLOCKID_THREAD_CPUTIME: u32 = 3;

pub const WHENCE_SET: u32 = 0;
pub const WHENCE_CUR: u32 = 1;
pub const WHENCE_END: u32 = 2;

pub const FILETYPE_UNKNOWN: u8 = 0;
pub const FILETYPE_CHARACTER_DEVICE: u8 = 2;
pub const FILETYPE_DIRECTORY: u8 = 3;
pub const FILETYPE_REGULAR_FILE: u8 = 4;
pub const FILETYPE_SOCKET_STREAM: u8 = 6;
pub const FILETYPE_SYMBOLIC_LINK: u8 = 7;

pub const FDFLAGS_APPEND: u32 = 1;
pub const FDFLAGS_DSYNC: u32 = 2;
pub const FDFLAGS_NONBLOCK: u32 = 4;
pub const FDFLAGS_RSYNC: u32 = 8;
pub const FDFLAGS_SYNC: u32 = 16;

pub const OFLAGS_CREAT: u32 = 1;
pub const OFLAGS_DIRECTORY: u32 = 2;
pub const OFLAGS_EXCL: u32 = 4;
pub const OFLAGS_TRUNC: u32 = 8;

pub const LOOKUPFLAGS_SYMLINK_FOLLOW: u32 = 1;

pub const FSTFLAGS_ATIM: u32 = 1;
pub const FSTFLAGS_ATIM_NOW: u32 = 2;
pub const FSTFLAGS_MTIM: u32 = 4;
pub const FSTFLAGS_MTIM_NOW: u32 = 8;

pub const EVENTTYPE_CLOCK: u8 = 0;
pub const EVENTTYPE_FD_READ: u8 = 1;
pub const EVENTTYPE_FD_WRITE: u8 = 2;
pub const EVENTRWFLAGS_HANGUP: u16 = 1;
pub const SUBCLOCKFLAGS_ABSTIME: u16 = 1;

pub const ADVICE_NORMAL: u32 = 0;
pub const ADVICE_SEQUENTIAL: u32 = 1;
pub const ADVICE_RANDOM: u32 = 2;
pub const ADVICE_WILLNEED: u32 = 3;
pub const ADVICE_DONTNEED: u32 = 4;
pub const ADVICE_NOREUSE: u32 = 5;

pub const RIFLAGS_RECV_PEEK: u32 = 1;
pub const RIFLAGS_RECV_WAITALL: u32 = 2;
pub const SDFLAGS_RD: u32 = 1;
pub const SDFLAGS_WR: u32 = 2;

pub const PREOPENTYPE_DIR: u8 = 0;

pub const RIGHTS_FD_DATASYNC: u64 = 1 << 0;
pub const RIGHTS_FD_READ: u64 = 1 << 1;
pub const RIGHTS_FD_SEEK: u64 = 1 << 2;
pub const RIGHTS_FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
pub const RIGHTS_FD_SYNC: u64 = 1 << 4;
pub const RIGHTS_FD_TELL: u64 = 1 << 5;
pub const RIGHTS_FD_WRITE: u64 = 1 << 6;
pub const RIGHTS_FD_ADVISE: u64 = 1 << 7;
pub const RIGHTS_FD_ALLOCATE: u64 = 1 << 8;
pub const RIGHTS_PATH_CREATE_DIRECTORY: u64 = 1 << 9;
pub const RIGHTS_PATH_CREATE_FILE: u64 = 1 << 10;
pub const RIGHTS_PATH_LINK_SOURCE: u64 = 1 << 11;
pub const RIGHTS_PATH_LINK_TARGET: u64 = 1 << 12;
pub const RIGHTS_PATH_OPEN: u64 = 1 << 13;
pub const RIGHTS_FD_READDIR: u64 = 1 << 14;
pub const RIGHTS_PATH_READLINK: u64 = 1 << 15;
pub const RIGHTS_PATH_RENAME_SOURCE: u64 = 1 << 16;
pub const RIGHTS_PATH_RENAME_TARGET: u64 = 1 << 17;
pub const RIGHTS_PATH_FILESTAT_GET: u64 = 1 << 18;
pub const RIGHTS_PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
pub const RIGHTS_PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
pub const RIGHTS_FD_FILESTAT_GET: u64 = 1 << 21;
pub const RIGHTS_FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
pub const RIGHTS_FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
pub const RIGHTS_PATH_SYMLINK: u64 = 1 << 24;
pub const RIGHTS_PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
pub const RIGHTS_PATH_UNLINK_FILE: u64 = 1 << 26;
pub const RIGHTS_POLL_FD_READWRITE: u64 = 1 << 27;
pub const RIGHTS_SOCK_SHUTDOWN: u64 = 1 << 28;
pub const RIGHTS_SOCK_ACCEPT: u64 = 1 << 29;

/// The rights that make sense on a directory (no file I/O: asking a
/// directory for `fd_write` opens it for writing, which is `EISDIR`).
pub const RIGHTS_DIR: u64 = RIGHTS_PATH_CREATE_DIRECTORY
    | RIGHTS_PATH_CREATE_FILE
    | RIGHTS_PATH_LINK_SOURCE
    | RIGHTS_PATH_LINK_TARGET
    | RIGHTS_PATH_OPEN
    | RIGHTS_FD_READDIR
    | RIGHTS_PATH_READLINK
    | RIGHTS_PATH_RENAME_SOURCE
    | RIGHTS_PATH_RENAME_TARGET
    | RIGHTS_PATH_FILESTAT_GET
    | RIGHTS_PATH_FILESTAT_SET_SIZE
    | RIGHTS_PATH_FILESTAT_SET_TIMES
    | RIGHTS_FD_FILESTAT_GET
    | RIGHTS_FD_FILESTAT_SET_TIMES
    | RIGHTS_PATH_SYMLINK
    | RIGHTS_PATH_REMOVE_DIRECTORY
    | RIGHTS_PATH_UNLINK_FILE;

/// Every right preview1 defines.
pub const RIGHTS_ALL: u64 = (1 << 30) - 1;

/// The rights that make sense on a regular file.
pub const RIGHTS_FILE: u64 = RIGHTS_FD_DATASYNC
    | RIGHTS_FD_READ
    | RIGHTS_FD_SEEK
    | RIGHTS_FD_FDSTAT_SET_FLAGS
    | RIGHTS_FD_SYNC
    | RIGHTS_FD_TELL
    | RIGHTS_FD_WRITE
    | RIGHTS_FD_ADVISE
    | RIGHTS_FD_ALLOCATE
    | RIGHTS_FD_FILESTAT_GET
    | RIGHTS_FD_FILESTAT_SET_SIZE
    | RIGHTS_FD_FILESTAT_SET_TIMES;
