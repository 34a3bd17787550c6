//! Opening a FIFO without `NONBLOCK`: waiting for the other end where the
//! program's exit can end the wait.
//!
//! A native `open(2)` of a FIFO for reading waits for a writer, and one for
//! writing waits for a reader. Nothing wakes a thread blocked there but the
//! other end arriving, so the guest's thread must not be the one that
//! waits. [`super::open::begin`] opens with `O_NONBLOCK` instead; when that
//! shows a FIFO that would have waited, the open becomes a [`PendingOpen`]:
//!
//! - **Reader.** The non-blocking open succeeded at once (the probe, `R`).
//!   A helper thread makes the blocking open the guest asked for, which
//!   returns when a writer connects. The wait is on the helper's
//!   completion and on `R`: a writer that connects, writes and leaves
//!   before the helper's `open(2)` begins (`echo hi > fifo` waiting for any
//!   reader finishes in microseconds) makes `R` readable (data) or hung up
//!   (Linux reports `POLLHUP` on `R` only after a writer was seen), and the
//!   guest gets `R`, holding what was written. Elsewhere `R` is not polled
//!   (a hang-up there may be reported before any writer) and only the
//!   helper counts.
//! - **Writer.** The non-blocking open failed with `ENXIO` (no reader). If
//!   the path names a FIFO, a helper makes the blocking open and the wait
//!   is on its completion; else the `ENXIO` is the answer.
//!
//! Abandoning a pending open (the program exits) releases its helper: the
//! other end is opened non-blocking and handed to the helper, whose `open`
//! then returns; it closes both and ends. If the path no longer names the
//! FIFO, the helper stays until someone opens the FIFO's other end (the
//! process ends it otherwise). A helper that cannot be started makes the
//! open wait in the guest's thread, as before this module.

use super::host_err;
use super::open::{clear_nonblock, host_options, opened_file};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex, MutexGuard};
use wasi_common_compat::{Error, FdFlags, OFlags, OpenOptions, OpenResult, Opening, PendingOpen, Pollable, Result};

/// What a helper and its owner share.
#[derive(Default)]
struct Shared {
    /// The helper's blocking open, once it returned (until taken).
    result: Option<std::io::Result<cap_std::fs::File>>,
    /// The helper's open returned.
    finished: bool,
    /// The owner went away: the helper drops what it opens.
    abandoned: bool,
    /// The other end, opened by the owner to release the helper; the helper
    /// closes it after its open returns.
    release: Option<cap_std::fs::File>,
}

/// A helper thread blocked in `open(2)`.
struct Helper {
    shared: Arc<Mutex<Shared>>,
    /// Readable (end of stream) once the helper is done: it drops the peer.
    done: UnixStream,
    dir: cap_std::fs::Dir,
    path: String,
    /// The open the helper makes (the release opens the other end).
    opts: OpenOptions,
}

fn lock(m: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Helper {
    /// Starts a helper making the open `opts` asks for, blocking.
    fn spawn(dir: &cap_std::fs::Dir, path: &str, opts: &OpenOptions) -> std::io::Result<Helper> {
        let (done, peer) = UnixStream::pair()?;
        done.set_nonblocking(true)?;
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (theirs, their_dir, their_path) = (shared.clone(), dir.try_clone()?, path.to_owned());
        let options = host_options(opts, false);
        std::thread::Builder::new()
            .name("wasi-fifo-open".into())
            .spawn(move || {
                let r = their_dir.open_with(&their_path, &options);
                let mut s = lock(&theirs);
                s.finished = true;
                if s.abandoned {
                    let release = s.release.take();
                    drop(s);
                    drop((r, release));
                } else {
                    s.result = Some(r);
                    drop(s);
                }
                drop(peer);
            })?;
        Ok(Helper {
            shared,
            done,
            dir: dir.try_clone()?,
            path: path.to_owned(),
            opts: *opts,
        })
    }

    /// The helper's open, if it returned.
    fn take(&self) -> Option<std::io::Result<cap_std::fs::File>> {
        lock(&self.shared).result.take()
    }
}

/// True if `path` beneath `dir` names a FIFO now (after a final symlink if
/// `follow`).
fn names_a_fifo(dir: &cap_std::fs::Dir, path: &str, follow: bool) -> bool {
    let md = if follow {
        dir.metadata(path)
    } else {
        dir.symlink_metadata(path)
    };
    md.is_ok_and(|m| cap_fs_ext::FileTypeExt::is_fifo(&m.file_type()))
}

impl Drop for Helper {
    /// Releases a helper still in `open(2)` (see the module docs).
    fn drop(&mut self) {
        let mut s = lock(&self.shared);
        if s.finished {
            return;
        }
        s.abandoned = true;
        if !names_a_fifo(&self.dir, &self.path, self.opts.follow) {
            return;
        }
        // The other end, non-blocking, nothing created or truncated.
        let other = OpenOptions {
            follow: self.opts.follow,
            oflags: OFlags::empty(),
            read: self.opts.write,
            write: !self.opts.write,
            fdflags: FdFlags::empty(),
        };
        s.release = self.dir.open_with(&self.path, &host_options(&other, true)).ok();
    }
}

/// A FIFO opened for reading, waiting for a writer.
struct PendingReader {
    /// Declared (so dropped) before the probe: releasing the helper opens
    /// the FIFO for writing, which needs a reader.
    helper: Helper,
    /// The non-blocking probe (`R` in the module docs).
    probe: Option<cap_std::fs::File>,
    opts: OpenOptions,
}

/// A FIFO opened for writing, waiting for a reader.
struct PendingWriter {
    helper: Helper,
    opts: OpenOptions,
}

/// `probe` (a FIFO opened for reading with `O_NONBLOCK`) as a pending open.
/// Errors: those of `open_file`.
pub(super) fn reader(
    dir: &cap_std::fs::Dir,
    path: &str,
    opts: &OpenOptions,
    probe: cap_std::fs::File,
) -> Result<Opening> {
    let Ok(helper) = Helper::spawn(dir, path, opts) else {
        drop(probe);
        return super::open::open(dir, path, opts).map(Opening::Done);
    };
    Ok(Opening::Pending(Box::new(PendingReader {
        helper,
        probe: Some(probe),
        opts: *opts,
    })))
}

/// An open for writing that failed with `nxio` under `O_NONBLOCK`: pending
/// if `path` names a FIFO, else `nxio` itself.
/// Errors: `ENXIO` (not a FIFO), those of `open_file`.
pub(super) fn writer(dir: &cap_std::fs::Dir, path: &str, opts: &OpenOptions, nxio: Error) -> Result<Opening> {
    if !names_a_fifo(dir, path, opts.follow) {
        return Err(nxio);
    }
    let Ok(helper) = Helper::spawn(dir, path, opts) else {
        return super::open::open(dir, path, opts).map(Opening::Done);
    };
    Ok(Opening::Pending(Box::new(PendingWriter { helper, opts: *opts })))
}

/// True if a writer has been at the FIFO `probe` reads: it is readable
/// (data) or hung up, which Linux reports only after a writer came (see
/// the module docs).
fn writer_seen(probe: &cap_std::fs::File) -> bool {
    use std::os::fd::AsFd;
    cfg!(target_os = "linux") && crate::stdio::ready_now(probe.as_fd(), rustix::event::PollFlags::IN).unwrap_or(false)
}

impl PendingOpen for PendingReader {
    fn pollables(&self) -> Vec<Pollable<'_>> {
        use std::os::fd::AsFd;
        let mut v = vec![Pollable::Fd(self.helper.done.as_fd())];
        if let (Some(p), true) = (&self.probe, cfg!(target_os = "linux")) {
            v.push(Pollable::Fd(p.as_fd()));
        }
        v
    }

    /// Errors: those of `open_file`.
    fn try_finish(&mut self) -> Result<Option<OpenResult>> {
        if let Some(r) = self.helper.take() {
            self.probe = None;
            return opened_file(r.map_err(host_err)?, &self.opts).map(Some);
        }
        match self.probe.take_if(|p| writer_seen(p)) {
            Some(probe) => {
                clear_nonblock(&probe)?;
                opened_file(probe, &self.opts).map(Some)
            }
            None => Ok(None),
        }
    }
}

impl PendingOpen for PendingWriter {
    fn pollables(&self) -> Vec<Pollable<'_>> {
        use std::os::fd::AsFd;
        vec![Pollable::Fd(self.helper.done.as_fd())]
    }

    /// Errors: those of `open_file`.
    fn try_finish(&mut self) -> Result<Option<OpenResult>> {
        match self.helper.take() {
            Some(r) => opened_file(r.map_err(host_err)?, &self.opts).map(Some),
            None => Ok(None),
        }
    }
}
