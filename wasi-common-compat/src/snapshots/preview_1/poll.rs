//! `poll_oneoff`, and the wait every blocking call makes.
//!
//! `poll_oneoff` is three steps: read the subscriptions, wait, write the
//! events. The wait is one call to the context's scheduler over the
//! readiness of every fd subscription plus the earliest clock deadline.

use crate::bindings::preview1::types::{self as t, Clockid, Errno, Eventtype, Size};
use crate::ready::{Interest, Pollable, Readiness};
use crate::sched::{PollSet, Subscription};
use crate::table::{Entry, FileEntry};
use crate::{Error, Result, WasiCtx};
use std::sync::Arc;
use std::time::Duration;
use wiggle::{GuestMemory, GuestPtr};

/// Most subscriptions in one call (like `poll(2)`'s descriptor limit):
/// more give `EINVAL`, so host memory stays bounded.
pub const MAX_SUBSCRIPTIONS: u32 = 65_536;

/// Waits until `pollable` is ready for `interest` (or the program exits).
/// Errors: the exit, if another thread ended the program meanwhile.
pub(crate) async fn wait_ready(ctx: &WasiCtx, pollable: Pollable<'_>, interest: Interest) -> Result<()> {
    ctx.check_exit()?;
    let exit = ctx.exit_wait();
    let mut set = PollSet::new();
    if matches!(pollable, Pollable::Always) {
        // A file that said "not ready" yet has nothing to wait on: back off
        // briefly instead of spinning.
        set.set_timeout(Some(Duration::from_millis(1)));
    } else {
        set.push(Subscription::new(pollable, interest));
    }
    set.push(Subscription::new(Pollable::Source(&exit), Interest::READ));
    loop {
        ctx.sched().poll_oneoff(&mut set).await?;
        ctx.check_exit()?;
        if set.timeout().is_some() || set.get_mut(0).is_some_and(|s| s.is_done()) {
            return Ok(());
        }
    }
}

/// Waits until one of `pollables` may be ready for reading (a wake-up may
/// be spurious: the caller asks its source again), or the program exits.
/// Errors: the exit, if another thread ended the program meanwhile.
pub(crate) async fn wait_any(ctx: &WasiCtx, pollables: &[Pollable<'_>]) -> Result<()> {
    ctx.check_exit()?;
    let exit = ctx.exit_wait();
    let mut set = PollSet::new();
    for p in pollables {
        set.push(Subscription::new(*p, Interest::READ));
    }
    set.push(Subscription::new(Pollable::Source(&exit), Interest::READ));
    ctx.sched().poll_oneoff(&mut set).await?;
    ctx.check_exit()
}

/// A decoded subscription (shared by preview1 and preview0).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sub {
    pub userdata: u64,
    pub kind: SubKind,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum SubKind {
    Clock { id: Clockid, timeout: u64, abstime: bool },
    Fd { fd: u32, write: bool },
}

/// An event to report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ev {
    pub userdata: u64,
    pub error: Errno,
    pub type_: Eventtype,
    pub nbytes: u64,
    pub hangup: bool,
}

enum Prepared {
    /// Already an event (an error, or an expired clock).
    Done(Ev),
    /// A clock deadline on the monotonic clock (ns).
    Clock(u64),
    /// A file to wait for; index into the poll set.
    Fd(Arc<FileEntry>, usize),
}

/// `poll_oneoff(in, out, n) -> nevents`: waits until at least one of the `n`
/// subscriptions at `in` has an event, writes the events to `out` and
/// returns their number. Clock subscriptions are relative or absolute
/// (`subscription_clock_abstime`), on the realtime or monotonic clock; fd
/// subscriptions wait for readability (`fd_read`, reporting the bytes ready)
/// or writability (`fd_write`). A clock subscription that cannot be served
/// (a CPU-time clock) gets its own event with the errno (`EINVAL`) and the
/// call returns without waiting. Mirrors `poll`/`ppoll`.
/// Errors: `EBADF` (an fd subscription names a closed fd, a directory, or a
/// file not open for that direction: the whole call fails, as on Wasmtime),
/// `EINVAL` (`n` is 0 or above [`MAX_SUBSCRIPTIONS`], or an unknown event
/// type), `EFAULT` (`in` or `out` outside memory).
pub(crate) async fn poll_oneoff(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    subs: GuestPtr<t::Subscription>,
    events: GuestPtr<t::Event>,
    n: Size,
) -> Result<Size> {
    if n == 0 || n > MAX_SUBSCRIPTIONS {
        return Err(Error::inval());
    }
    crate::memory::check_region(mem, subs.offset(), n * 48)?;
    crate::memory::check_region(mem, events.offset(), n * 32)?;
    let subs_arr = subs.as_array(n);
    let mut decoded = Vec::with_capacity(n as usize);
    for i in 0..n {
        let s = mem.read(crate::memory::element(subs_arr, i)?)?;
        decoded.push(Sub {
            userdata: s.userdata,
            kind: match s.u {
                t::SubscriptionU::Clock(c) => SubKind::Clock {
                    id: c.id,
                    timeout: c.timeout,
                    abstime: c.flags.contains(t::Subclockflags::SUBSCRIPTION_CLOCK_ABSTIME),
                },
                t::SubscriptionU::FdRead(f) => SubKind::Fd {
                    fd: f.file_descriptor.into(),
                    write: false,
                },
                t::SubscriptionU::FdWrite(f) => SubKind::Fd {
                    fd: f.file_descriptor.into(),
                    write: true,
                },
            },
        });
    }
    let evs = poll_core(ctx, &decoded).await?;
    let out = events.as_array(n);
    for (i, e) in evs.iter().enumerate() {
        let p = crate::memory::element(out, i as u32)?;
        mem.write(
            p,
            t::Event {
                userdata: e.userdata,
                error: e.error,
                type_: e.type_,
                fd_readwrite: t::EventFdReadwrite {
                    nbytes: e.nbytes,
                    flags: if e.hangup {
                        t::Eventrwflags::FD_READWRITE_HANGUP
                    } else {
                        t::Eventrwflags::empty()
                    },
                },
            },
        )?;
    }
    conv_len(evs.len())
}

fn conv_len(n: usize) -> Result<Size> {
    u32::try_from(n).map_err(|_| Error::overflow())
}

fn now_mono(ctx: &WasiCtx) -> u64 {
    super::clock::nanos(ctx.shared.clocks.monotonic.now())
}

/// The monotonic deadline of a clock subscription.
fn deadline(ctx: &WasiCtx, id: Clockid, timeout: u64, abstime: bool, mono_now: u64) -> Result<u64> {
    let c = &ctx.shared.clocks;
    match (id, abstime) {
        (Clockid::Monotonic, true) => Ok(timeout),
        (Clockid::Monotonic | Clockid::Realtime, false) => Ok(mono_now.saturating_add(timeout)),
        (Clockid::Realtime, true) => {
            let real_now = super::clock::nanos(c.system.now());
            Ok(mono_now.saturating_add(timeout.saturating_sub(real_now)))
        }
        (Clockid::ProcessCputimeId | Clockid::ThreadCputimeId, _) => Err(Error::inval()),
    }
}

fn error_event(s: &Sub, e: Error) -> Result<Ev> {
    let errno = match e.as_errno() {
        Some(errno) => errno,
        None => return Err(e),
    };
    Ok(Ev {
        userdata: s.userdata,
        error: errno,
        type_: event_type(s),
        nbytes: 0,
        hangup: false,
    })
}

fn event_type(s: &Sub) -> Eventtype {
    match s.kind {
        SubKind::Clock { .. } => Eventtype::Clock,
        SubKind::Fd { write: false, .. } => Eventtype::FdRead,
        SubKind::Fd { write: true, .. } => Eventtype::FdWrite,
    }
}

fn fd_entry(ctx: &WasiCtx, fd: u32, write: bool) -> Result<Arc<FileEntry>> {
    let f = match ctx.table().get(fd)? {
        Entry::File(f) => f,
        Entry::Dir(_) => return Err(Error::badf()),
    };
    f.rights()
        .require(if write { t::Rights::FD_WRITE } else { t::Rights::FD_READ })?;
    Ok(f)
}

/// Waits for the decoded subscriptions; returns the events (at least one).
pub(crate) async fn poll_core(ctx: &WasiCtx, subs: &[Sub]) -> Result<Vec<Ev>> {
    ctx.check_exit()?;
    let mono_now = now_mono(ctx);
    let mut prepared = Vec::with_capacity(subs.len());
    let mut nfds = 0usize;
    for s in subs {
        let p = match s.kind {
            SubKind::Clock { id, timeout, abstime } => match deadline(ctx, id, timeout, abstime, mono_now) {
                Ok(d) => Prepared::Clock(d),
                Err(e) => Prepared::Done(error_event(s, e)?),
            },
            // A bad fd fails the whole call, as on both of Wasmtime's hosts
            // (not an error event, as `poll(2)`'s `POLLNVAL` would be).
            SubKind::Fd { fd, write } => {
                let f = fd_entry(ctx, fd, write)?;
                nfds += 1;
                Prepared::Fd(f, nfds - 1)
            }
        };
        prepared.push(p);
    }
    let any_done = prepared.iter().any(|p| matches!(p, Prepared::Done(_)));
    let earliest = prepared
        .iter()
        .filter_map(|p| match p {
            Prepared::Clock(d) => Some(*d),
            _ => None,
        })
        .min();

    let exit = ctx.exit_wait();
    let mut set = PollSet::new();
    for (s, p) in subs.iter().zip(&prepared) {
        if let Prepared::Fd(f, _) = p {
            let interest = match s.kind {
                SubKind::Fd { write: true, .. } => Interest::WRITE,
                _ => Interest::READ,
            };
            set.push(Subscription::new(f.file().pollable(), interest));
        }
    }
    set.push(Subscription::new(Pollable::Source(&exit), Interest::READ));

    loop {
        let now = now_mono(ctx);
        let timeout = if any_done {
            Some(Duration::ZERO)
        } else {
            earliest.map(|d| Duration::from_nanos(d.saturating_sub(now)))
        };
        let expired = earliest.is_some_and(|d| d <= now);
        if nfds > 0 || !(expired || any_done) {
            set.set_timeout(if expired { Some(Duration::ZERO) } else { timeout });
            ctx.sched().poll_oneoff(&mut set).await?;
            ctx.check_exit()?;
        }
        let now = now_mono(ctx);
        let mut events = Vec::new();
        for (s, p) in subs.iter().zip(&prepared) {
            match p {
                Prepared::Done(ev) => events.push(*ev),
                Prepared::Clock(d) if *d <= now => events.push(Ev {
                    userdata: s.userdata,
                    error: Errno::Success,
                    type_: Eventtype::Clock,
                    nbytes: 0,
                    hangup: false,
                }),
                Prepared::Clock(_) => {}
                Prepared::Fd(f, i) => {
                    let Some(sub) = set.get_mut(*i) else { continue };
                    match sub.take_result() {
                        None => {}
                        Some(Ok(r)) => events.push(fd_event(s, f, r)),
                        Some(Err(e)) => events.push(error_event(s, e)?),
                    }
                }
            }
        }
        if !events.is_empty() {
            return Ok(events);
        }
    }
}

fn fd_event(s: &Sub, f: &FileEntry, r: Readiness) -> Ev {
    let (type_, nbytes) = match s.kind {
        SubKind::Fd { write: true, .. } => (Eventtype::FdWrite, 0),
        _ => (Eventtype::FdRead, f.file().num_ready_bytes().unwrap_or(0)),
    };
    Ev {
        userdata: s.userdata,
        error: Errno::Success,
        type_,
        nbytes,
        hangup: r.hangup,
    }
}
