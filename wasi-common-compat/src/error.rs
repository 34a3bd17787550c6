//! The crate's one error type, and every mapping into it.
//!
//! An [`Error`] is one of three things:
//! - an errno the guest receives as the return value of the call;
//! - a trap, which unwinds the guest (a broken invariant, a bad result pointer
//!   the guest cannot be told about, a host-side failure the embedder must see);
//! - an exit: `proc_exit` (or an exit of another thread of the same program),
//!   which ends the instance with a status the embedder receives as [`I32Exit`].
//!
//! The mappings live here and nowhere else: [`std::io::Error`] (by raw OS code,
//! else by [`std::io::ErrorKind`]), [`rustix::io::Errno`], and
//! [`wiggle::GuestError`] (guest memory and argument decoding).

use crate::bindings::Errno;
use std::fmt;

/// The error of every WASI call: an errno for the guest, a trap, or an exit.
pub struct Error {
    repr: Repr,
}

enum Repr {
    Errno { errno: Errno, context: Option<Box<str>> },
    Trap(wiggle::error::Error),
    Exit(i32),
}

/// The status a guest passed to `proc_exit`, carried as the error of the
/// embedder's call (downcast the `wasmtime::Error` to this type).
///
/// ```
/// use wasi_common_compat::I32Exit;
/// let e = wiggle::error::Error::new(I32Exit(3));
/// assert_eq!(e.downcast_ref::<I32Exit>().map(|x| x.0), Some(3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct I32Exit(pub i32);

impl fmt::Display for I32Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exited with status {}", self.0)
    }
}

impl std::error::Error for I32Exit {}

impl Error {
    /// An error the guest sees as `errno`.
    #[cold]
    pub fn errno(errno: Errno) -> Self {
        Error {
            repr: Repr::Errno { errno, context: None },
        }
    }

    /// A trap: the guest call does not return.
    #[cold]
    pub fn trap(err: impl Into<wiggle::error::Error>) -> Self {
        Error {
            repr: Repr::Trap(err.into()),
        }
    }

    /// A trap with a message.
    #[cold]
    pub fn trap_msg(msg: impl fmt::Display) -> Self {
        Self::trap(wiggle::error::Error::msg(msg.to_string()))
    }

    /// The program exits with `status` (the instance, and all its threads, stop).
    #[cold]
    pub fn exit(status: i32) -> Self {
        Error {
            repr: Repr::Exit(status),
        }
    }

    /// Adds a message for logs; the guest still sees only the errno.
    #[cold]
    #[must_use]
    pub fn context(mut self, msg: impl fmt::Display) -> Self {
        if let Repr::Errno { context, .. } = &mut self.repr {
            *context = Some(msg.to_string().into_boxed_str());
        }
        self
    }

    /// The errno, if this error is one.
    pub fn as_errno(&self) -> Option<Errno> {
        match &self.repr {
            Repr::Errno { errno, .. } => Some(*errno),
            _ => None,
        }
    }

    /// The exit status, if this error is an exit.
    pub fn as_exit(&self) -> Option<i32> {
        match &self.repr {
            Repr::Exit(s) => Some(*s),
            _ => None,
        }
    }

    /// True if this is `EAGAIN` ("not ready, try again after waiting").
    #[inline]
    pub fn is_again(&self) -> bool {
        matches!(
            self.repr,
            Repr::Errno {
                errno: Errno::Again,
                ..
            }
        )
    }

    /// Converts into the error wiggle returns to the engine for a trap or exit,
    /// or the errno for the guest.
    pub fn into_errno_or_trap(self) -> Result<Errno, wiggle::error::Error> {
        match self.repr {
            Repr::Errno { errno, context } => {
                if let Some(c) = context {
                    tracing::debug!(?errno, context = %c, "wasi call failed");
                }
                Ok(errno)
            }
            Repr::Trap(t) => Err(t),
            Repr::Exit(s) => Err(wiggle::error::Error::new(I32Exit(s))),
        }
    }
}

macro_rules! errno_ctors {
    ($($name:ident => $variant:ident, $doc:literal;)*) => {
        impl Error {
            $(
                #[doc = $doc]
                #[cold]
                pub fn $name() -> Self {
                    Self::errno(Errno::$variant)
                }
            )*
        }
    };
}

errno_ctors! {
    badf => Badf, "`EBADF`: bad file descriptor, or the wrong kind of descriptor.";
    inval => Inval, "`EINVAL`: invalid argument.";
    notsup => Notsup, "`ENOTSUP`: the backend cannot do this.";
    spipe => Spipe, "`ESPIPE`: the descriptor is a stream (no position).";
    again => Again, "`EAGAIN`: not ready; would block.";
    isdir => Isdir, "`EISDIR`: is a directory.";
    notdir => Notdir, "`ENOTDIR`: not a directory.";
    noent => Noent, "`ENOENT`: no such file or directory.";
    exist => Exist, "`EEXIST`: already exists.";
    perm => Perm, "`EPERM`: operation not permitted.";
    acces => Acces, "`EACCES`: permission denied.";
    notcapable => Notcapable, "`ENOTCAPABLE`: the descriptor lacks the right.";
    io => Io, "`EIO`: I/O error.";
    overflow => Overflow, "`EOVERFLOW`: value too large.";
    fault => Fault, "`EFAULT`: bad guest address.";
    pipe => Pipe, "`EPIPE`: the other end is closed.";
    nametoolong => Nametoolong, "`ENAMETOOLONG`: path too long.";
    notsock => Notsock, "`ENOTSOCK`: not a socket.";
    mfile => Mfile, "`EMFILE`: too many open descriptors.";
    ilseq => Ilseq, "`EILSEQ`: invalid byte sequence (a path that is not UTF-8).";
    notempty => Notempty, "`ENOTEMPTY`: directory not empty.";
    xdev => Xdev, "`EXDEV`: cross-device link.";
    loop_ => Loop, "`ELOOP`: too many levels of symbolic links.";
    nosys => Nosys, "`ENOSYS`: function not implemented.";
    range => Range, "`ERANGE`: result out of range.";
    nomem => Nomem, "`ENOMEM`: not enough memory.";
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Errno { errno, context: None } => write!(f, "Errno({errno:?})"),
            Repr::Errno {
                errno,
                context: Some(c),
            } => write!(f, "Errno({errno:?}: {c})"),
            Repr::Trap(t) => write!(f, "Trap({t:?})"),
            Repr::Exit(s) => write!(f, "Exit({s})"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Errno { errno, context: None } => write!(f, "{errno:?}"),
            Repr::Errno {
                errno,
                context: Some(c),
            } => write!(f, "{errno:?}: {c}"),
            Repr::Trap(t) => write!(f, "trap: {t}"),
            Repr::Exit(s) => write!(f, "exit with status {s}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Errno> for Error {
    #[cold]
    fn from(errno: Errno) -> Self {
        Self::errno(errno)
    }
}

impl From<std::io::Error> for Error {
    #[cold]
    fn from(err: std::io::Error) -> Self {
        // A raw code is an errno on Unix; on Windows it is a Win32 error code,
        // which std has already decoded into the kind.
        #[cfg(unix)]
        let errno = match err.raw_os_error() {
            Some(code) => errno_from_os(rustix::io::Errno::from_raw_os_error(code)),
            None => errno_from_kind(err.kind()),
        };
        #[cfg(not(unix))]
        let errno = errno_from_kind(err.kind());
        let e = Self::errno(errno);
        if errno == Errno::Io { e.context(err) } else { e }
    }
}

impl From<rustix::io::Errno> for Error {
    #[cold]
    fn from(err: rustix::io::Errno) -> Self {
        Self::errno(errno_from_os(err))
    }
}

impl From<wiggle::GuestError> for Error {
    #[cold]
    fn from(err: wiggle::GuestError) -> Self {
        Self::errno(errno_from_guest(&err)).context(err)
    }
}

impl From<std::num::TryFromIntError> for Error {
    #[cold]
    fn from(_: std::num::TryFromIntError) -> Self {
        Self::overflow()
    }
}

impl From<std::str::Utf8Error> for Error {
    #[cold]
    fn from(_: std::str::Utf8Error) -> Self {
        Self::ilseq()
    }
}

/// The errno of a guest-memory or argument-decoding failure: `EFAULT` for an
/// address outside memory or misaligned, `EILSEQ` for a string that is not
/// UTF-8, `EINVAL` for an enum or flags value the ABI does not define or an
/// integer out of its type's range.
pub fn errno_from_guest(err: &wiggle::GuestError) -> Errno {
    use wiggle::GuestError as G;
    match err {
        G::InFunc { err, .. } => errno_from_guest(err),
        G::PtrOverflow | G::PtrOutOfBounds(_) | G::PtrNotAligned(..) => Errno::Fault,
        G::SliceLengthsDiffer => Errno::Fault,
        G::InvalidUtf8(_) => Errno::Ilseq,
        G::InvalidFlagValue(_) | G::InvalidEnumValue(_) | G::TryFromIntError(_) => Errno::Inval,
    }
}

fn errno_from_kind(kind: std::io::ErrorKind) -> Errno {
    use std::io::ErrorKind as K;
    match kind {
        K::NotFound => Errno::Noent,
        K::PermissionDenied => Errno::Acces,
        K::AlreadyExists => Errno::Exist,
        K::WouldBlock => Errno::Again,
        K::InvalidInput => Errno::Inval,
        K::InvalidData => Errno::Ilseq,
        K::BrokenPipe => Errno::Pipe,
        K::Interrupted => Errno::Intr,
        K::Unsupported => Errno::Notsup,
        K::OutOfMemory => Errno::Nomem,
        K::TimedOut => Errno::Timedout,
        K::ConnectionRefused => Errno::Connrefused,
        K::ConnectionReset => Errno::Connreset,
        K::ConnectionAborted => Errno::Connaborted,
        K::NotConnected => Errno::Notconn,
        K::AddrInUse => Errno::Addrinuse,
        K::AddrNotAvailable => Errno::Addrnotavail,
        K::NotADirectory => Errno::Notdir,
        K::IsADirectory => Errno::Isdir,
        K::DirectoryNotEmpty => Errno::Notempty,
        K::ReadOnlyFilesystem => Errno::Rofs,
        K::StorageFull => Errno::Nospc,
        K::NotSeekable => Errno::Spipe,
        K::FileTooLarge => Errno::Fbig,
        K::CrossesDevices => Errno::Xdev,
        K::TooManyLinks => Errno::Mlink,
        K::ArgumentListTooLong => Errno::TooBig,
        K::Deadlock => Errno::Deadlk,
        K::ResourceBusy => Errno::Busy,
        K::ExecutableFileBusy => Errno::Txtbsy,
        K::InvalidFilename => Errno::Nametoolong,
        K::HostUnreachable => Errno::Hostunreach,
        K::NetworkUnreachable => Errno::Netunreach,
        K::NetworkDown => Errno::Netdown,
        K::StaleNetworkFileHandle => Errno::Stale,
        _ => Errno::Io,
    }
}

/// The errno of a host OS error code. Codes with no WASI counterpart are `EIO`.
///
/// On Windows, rustix's codes are Winsock (`WSAE*`) codes, mapped through
/// [`std::io::ErrorKind`].
#[cfg(not(unix))]
pub fn errno_from_os(e: rustix::io::Errno) -> Errno {
    errno_from_kind(std::io::Error::from_raw_os_error(e.raw_os_error()).kind())
}

/// The errno of a host OS error code. Codes with no WASI counterpart are `EIO`
/// (so are `ENOTRECOVERABLE` and `EOWNERDEAD` on the BSDs, where rustix does not
/// name them).
#[cfg(unix)]
pub fn errno_from_os(e: rustix::io::Errno) -> Errno {
    use rustix::io::Errno as E;
    const TABLE: &[(E, Errno)] = &[
        (E::TOOBIG, Errno::TooBig),
        (E::ACCESS, Errno::Acces),
        (E::ADDRINUSE, Errno::Addrinuse),
        (E::ADDRNOTAVAIL, Errno::Addrnotavail),
        (E::AFNOSUPPORT, Errno::Afnosupport),
        (E::AGAIN, Errno::Again),
        (E::ALREADY, Errno::Already),
        (E::BADF, Errno::Badf),
        (E::BADMSG, Errno::Badmsg),
        (E::BUSY, Errno::Busy),
        (E::CANCELED, Errno::Canceled),
        (E::CHILD, Errno::Child),
        (E::CONNABORTED, Errno::Connaborted),
        (E::CONNREFUSED, Errno::Connrefused),
        (E::CONNRESET, Errno::Connreset),
        (E::DEADLK, Errno::Deadlk),
        (E::DESTADDRREQ, Errno::Destaddrreq),
        (E::DOM, Errno::Dom),
        (E::DQUOT, Errno::Dquot),
        (E::EXIST, Errno::Exist),
        (E::FAULT, Errno::Fault),
        (E::FBIG, Errno::Fbig),
        (E::HOSTUNREACH, Errno::Hostunreach),
        (E::IDRM, Errno::Idrm),
        (E::ILSEQ, Errno::Ilseq),
        (E::INPROGRESS, Errno::Inprogress),
        (E::INTR, Errno::Intr),
        (E::INVAL, Errno::Inval),
        (E::IO, Errno::Io),
        (E::ISCONN, Errno::Isconn),
        (E::ISDIR, Errno::Isdir),
        (E::LOOP, Errno::Loop),
        (E::MFILE, Errno::Mfile),
        (E::MLINK, Errno::Mlink),
        (E::MSGSIZE, Errno::Msgsize),
        (E::MULTIHOP, Errno::Multihop),
        (E::NAMETOOLONG, Errno::Nametoolong),
        (E::NETDOWN, Errno::Netdown),
        (E::NETRESET, Errno::Netreset),
        (E::NETUNREACH, Errno::Netunreach),
        (E::NFILE, Errno::Nfile),
        (E::NOBUFS, Errno::Nobufs),
        (E::NODEV, Errno::Nodev),
        (E::NOENT, Errno::Noent),
        (E::NOEXEC, Errno::Noexec),
        (E::NOLCK, Errno::Nolck),
        (E::NOLINK, Errno::Nolink),
        (E::NOMEM, Errno::Nomem),
        (E::NOMSG, Errno::Nomsg),
        (E::NOPROTOOPT, Errno::Noprotoopt),
        (E::NOSPC, Errno::Nospc),
        (E::NOSYS, Errno::Nosys),
        (E::NOTCONN, Errno::Notconn),
        (E::NOTDIR, Errno::Notdir),
        (E::NOTEMPTY, Errno::Notempty),
        #[cfg(not(any(
            target_os = "freebsd",
            target_os = "dragonfly",
            target_os = "netbsd",
            target_os = "openbsd"
        )))]
        (E::NOTRECOVERABLE, Errno::Notrecoverable),
        (E::NOTSOCK, Errno::Notsock),
        (E::NOTSUP, Errno::Notsup),
        (E::OPNOTSUPP, Errno::Notsup),
        (E::NOTTY, Errno::Notty),
        (E::NXIO, Errno::Nxio),
        (E::OVERFLOW, Errno::Overflow),
        #[cfg(not(any(
            target_os = "freebsd",
            target_os = "dragonfly",
            target_os = "netbsd",
            target_os = "openbsd"
        )))]
        (E::OWNERDEAD, Errno::Ownerdead),
        (E::PERM, Errno::Perm),
        (E::PIPE, Errno::Pipe),
        (E::PROTO, Errno::Proto),
        (E::PROTONOSUPPORT, Errno::Protonosupport),
        (E::PROTOTYPE, Errno::Prototype),
        (E::RANGE, Errno::Range),
        (E::ROFS, Errno::Rofs),
        (E::SPIPE, Errno::Spipe),
        (E::SRCH, Errno::Srch),
        (E::STALE, Errno::Stale),
        (E::TIMEDOUT, Errno::Timedout),
        (E::TXTBSY, Errno::Txtbsy),
        (E::XDEV, Errno::Xdev),
    ];
    TABLE
        .iter()
        .find(|(os, _)| *os == e)
        .map(|(_, w)| *w)
        .unwrap_or(Errno::Io)
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn os_codes_map_to_their_errno() {
        let e: Error = std::io::Error::from_raw_os_error(rustix::io::Errno::NOENT.raw_os_error()).into();
        assert_eq!(e.as_errno(), Some(Errno::Noent));
        let e: Error = rustix::io::Errno::WOULDBLOCK.into();
        assert!(e.is_again());
        assert_eq!(errno_from_os(rustix::io::Errno::from_raw_os_error(4000)), Errno::Io);
    }

    #[test]
    fn kinds_map_without_os_code() {
        let e: Error = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "x").into();
        assert_eq!(e.as_errno(), Some(Errno::Pipe));
        let e: Error = std::io::Error::other("x").into();
        assert_eq!(e.as_errno(), Some(Errno::Io));
    }

    #[test]
    fn guest_errors_are_errnos() {
        let e: Error = wiggle::GuestError::PtrOverflow.into();
        assert_eq!(e.as_errno(), Some(Errno::Fault));
        let e: Error = wiggle::GuestError::InvalidEnumValue("whence").into();
        assert_eq!(e.as_errno(), Some(Errno::Inval));
    }

    #[test]
    fn exit_becomes_i32exit_trap() {
        let t = Error::exit(7).into_errno_or_trap().unwrap_err();
        assert_eq!(t.downcast_ref::<I32Exit>(), Some(&I32Exit(7)));
    }
}
