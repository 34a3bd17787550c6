//! The handle table: guest fd numbers to files and directories.
//!
//! One table is shared by every clone of a [`WasiCtx`](crate::WasiCtx) (every
//! thread of a program). Lookups take a read lock just long enough to clone an
//! `Arc`; no lock of the table is held while a file does I/O, so a slow read on
//! one fd never blocks calls on another, and `fd_close` racing with `fd_read`
//! on the same fd is safe (the read finishes on the file it already holds; the
//! file is closed when the last holder drops it).
//!
//! Each thread remembers its last few files (the private `recent` module), so that the
//! common lookup takes no lock at all.
//!
//! New fds take the lowest free number. The number of open fds is capped
//! ([`DEFAULT_MAX_FDS`] unless configured); opening beyond it gives `EMFILE`.

use crate::dir::WasiDir;
use crate::file::WasiFile;
use crate::types::{ReaddirEntity, Rights};
use crate::{Error, Result};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Default cap on open fds per context (including stdio and preopens).
pub const DEFAULT_MAX_FDS: u32 = 16_384;

/// The rights a descriptor reports in `fd_fdstat_get`.
///
/// Rights are not capabilities here, as on both of Wasmtime's preview1 hosts
/// (see RATIONALE.md, "Why are rights reported but not enforced?"): a
/// directory opened with no rights still opens, creates and lists, and
/// `fd_fdstat_set_rights` changes nothing (`ENOTSUP`). The one thing rights
/// decide is a file's access mode, chosen once at `path_open` from
/// `fd_read`/`fd_write` (and `O_CREAT`/`O_TRUNC`): reading a file not open for
/// reading, or writing one not open for writing, gives `EBADF`, the errno
/// `read(2)`/`write(2)` give on such a descriptor.
#[derive(Debug)]
pub struct RightsCell {
    base: Rights,
    inheriting: Rights,
}

impl RightsCell {
    pub(crate) fn new(base: Rights, inheriting: Rights) -> Self {
        RightsCell { base, inheriting }
    }

    /// The base rights.
    pub fn base(&self) -> Rights {
        self.base
    }

    /// The inheriting rights.
    pub fn inheriting(&self) -> Rights {
        self.inheriting
    }

    /// The access-mode check: `EBADF` unless every right in `needed` is
    /// held. Only `fd_read` and `fd_write` are checked this way.
    #[inline]
    pub fn require(&self, needed: Rights) -> Result<()> {
        if self.base.contains(needed) {
            Ok(())
        } else {
            Err(Error::badf())
        }
    }
}

/// A file in the table, with its per-fd state.
pub struct FileEntry {
    file: Box<dyn WasiFile>,
    rights: RightsCell,
    nonblock: AtomicBool,
    /// Serialises writes that need several host calls (guest buffers copied in
    /// chunks from shared memory), so one `fd_write` is never interleaved with
    /// another thread's.
    pub(crate) chunked_write: Mutex<()>,
}

impl FileEntry {
    pub(crate) fn new(file: Box<dyn WasiFile>, rights: RightsCell, nonblock: bool) -> Self {
        FileEntry {
            file,
            rights,
            nonblock: AtomicBool::new(nonblock),
            chunked_write: Mutex::new(()),
        }
    }

    /// The file.
    #[inline]
    pub fn file(&self) -> &dyn WasiFile {
        &*self.file
    }

    /// The fd's rights.
    #[inline]
    pub fn rights(&self) -> &RightsCell {
        &self.rights
    }

    /// True if the guest set `NONBLOCK` on this fd.
    #[inline]
    pub fn nonblocking(&self) -> bool {
        self.nonblock.load(Ordering::Relaxed)
    }

    pub(crate) fn set_nonblocking(&self, on: bool) {
        self.nonblock.store(on, Ordering::Relaxed);
    }
}

/// A directory in the table, with its per-fd state.
pub struct DirEntry {
    dir: Box<dyn WasiDir>,
    rights: RightsCell,
    preopen: Option<String>,
    /// The listing taken by `fd_readdir` at cookie 0, served by cookie until
    /// the guest starts over at 0 again.
    pub(crate) listing: Mutex<Option<Arc<Vec<ReaddirEntity>>>>,
}

impl DirEntry {
    pub(crate) fn new(dir: Box<dyn WasiDir>, rights: RightsCell, preopen: Option<String>) -> Self {
        DirEntry {
            dir,
            rights,
            preopen,
            listing: Mutex::new(None),
        }
    }

    /// The directory.
    #[inline]
    pub fn dir(&self) -> &dyn WasiDir {
        &*self.dir
    }

    /// The fd's rights.
    #[inline]
    pub fn rights(&self) -> &RightsCell {
        &self.rights
    }

    /// The guest path this directory was preopened as, if it was.
    pub fn preopen_path(&self) -> Option<&str> {
        self.preopen.as_deref()
    }
}

/// A table slot.
#[derive(Clone)]
pub enum Entry {
    /// A file.
    File(Arc<FileEntry>),
    /// A directory.
    Dir(Arc<DirEntry>),
}

#[derive(Default)]
struct Slots {
    entries: Vec<Option<Entry>>,
    free: BTreeSet<u32>,
    open: u32,
}

mod recent;

/// The source of [`Table::id`]s: every table ever made has its own.
static NEXT_TABLE_ID: AtomicU64 = AtomicU64::new(1);

/// The fd table. See the module docs.
pub struct Table {
    slots: RwLock<Slots>,
    max: u32,
    /// Identifies this table among all, for the per-thread memory of files.
    id: u64,
    /// Changes (under the write lock) whenever the entries may change.
    generation: AtomicU64,
}

impl Table {
    /// An empty table holding at most `max` fds.
    pub fn new(max: u32) -> Self {
        Table {
            slots: RwLock::new(Slots::default()),
            max,
            id: NEXT_TABLE_ID.fetch_add(1, Ordering::Relaxed),
            generation: AtomicU64::new(0),
        }
    }

    /// The cap on open fds.
    pub fn max_fds(&self) -> u32 {
        self.max
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Slots> {
        self.slots.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The entries, for a change: the generation moves on first, so no
    /// thread's remembered file from before counts once the change is made
    /// (files are remembered only under the read lock, with the generation
    /// read there).
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Slots> {
        let s = self.slots.write().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, Ordering::Release);
        s
    }

    /// The entry at `fd`. Errors: `EBADF` if none.
    #[inline]
    pub fn get(&self, fd: u32) -> Result<Entry> {
        match self.read().entries.get(fd as usize) {
            Some(Some(e)) => Ok(e.clone()),
            _ => Err(Error::badf()),
        }
    }

    /// The file at `fd`. Errors: `EBADF` if none or a directory.
    #[inline]
    pub fn get_file(&self, fd: u32) -> Result<Arc<FileEntry>> {
        if let Some(f) = recent::lookup(self.id, self.generation.load(Ordering::Acquire), fd) {
            return Ok(f);
        }
        let s = self.read();
        match s.entries.get(fd as usize) {
            Some(Some(Entry::File(f))) => {
                // Stable while the read lock is held (see `write`).
                recent::remember(self.id, self.generation.load(Ordering::Relaxed), fd, f);
                Ok(f.clone())
            }
            _ => Err(Error::badf()),
        }
    }

    /// The directory at `fd`. Errors: `EBADF` if none; `ENOTDIR` if a file.
    pub fn get_dir(&self, fd: u32) -> Result<Arc<DirEntry>> {
        match self.read().entries.get(fd as usize) {
            Some(Some(Entry::Dir(d))) => Ok(d.clone()),
            Some(Some(Entry::File(_))) => Err(Error::notdir()),
            _ => Err(Error::badf()),
        }
    }

    /// Inserts at the lowest free fd. Errors: `EMFILE` at the cap.
    pub fn push(&self, entry: Entry) -> Result<u32> {
        let mut s = self.write();
        if s.open >= self.max {
            return Err(Error::mfile());
        }
        let fd = match s.free.pop_first() {
            Some(fd) => fd,
            None => {
                let fd = u32::try_from(s.entries.len()).map_err(|_| Error::mfile())?;
                s.entries.push(None);
                fd
            }
        };
        s.entries[fd as usize] = Some(entry);
        s.open += 1;
        Ok(fd)
    }

    /// Inserts at `fd`, replacing (and dropping) what was there.
    /// Errors: `EMFILE` if `fd` is at or beyond the cap of fd numbers.
    pub fn insert_at(&self, fd: u32, entry: Entry) -> Result<()> {
        let old;
        {
            let mut s = self.write();
            // fd numbers are bounded by the cap, so the table's memory is too.
            if fd >= self.max {
                return Err(Error::mfile());
            }
            let idx = fd as usize;
            while s.entries.len() <= idx {
                let n = u32::try_from(s.entries.len()).map_err(|_| Error::mfile())?;
                s.entries.push(None);
                s.free.insert(n);
            }
            s.free.remove(&fd);
            old = s.entries[idx].replace(entry);
            if old.is_none() {
                s.open += 1;
            }
        }
        drop(old);
        Ok(())
    }

    /// Removes and returns the entry at `fd`. Errors: `EBADF` if none.
    pub fn remove(&self, fd: u32) -> Result<Entry> {
        let mut s = self.write();
        let e = s
            .entries
            .get_mut(fd as usize)
            .and_then(Option::take)
            .ok_or_else(Error::badf)?;
        s.free.insert(fd);
        s.open -= 1;
        Ok(e)
    }

    /// Moves the entry at `from` to `to`, closing what was at `to` (atomic
    /// with respect to other table operations). Errors: `EBADF` if either fd
    /// is not open.
    pub fn renumber(&self, from: u32, to: u32) -> Result<()> {
        let old;
        {
            let mut s = self.write();
            let open = |s: &Slots, fd: u32| matches!(s.entries.get(fd as usize), Some(Some(_)));
            if !open(&s, from) || !open(&s, to) {
                return Err(Error::badf());
            }
            if from == to {
                return Ok(());
            }
            let e = s.entries[from as usize].take();
            old = std::mem::replace(&mut s.entries[to as usize], e);
            s.free.insert(from);
            s.open -= 1;
        }
        drop(old);
        Ok(())
    }

    /// True if `fd` is open.
    pub fn contains(&self, fd: u32) -> bool {
        matches!(self.read().entries.get(fd as usize), Some(Some(_)))
    }

    /// The number of open fds.
    pub fn len(&self) -> u32 {
        self.read().open
    }

    /// True if no fd is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a preopened directory reports: the fixed sets that Wasmtime's
/// preview1 hosts report and that guest libraries expect.
pub(crate) fn rights_of_preopen() -> (Rights, Rights) {
    let base = Rights::PATH_CREATE_DIRECTORY
        | Rights::PATH_CREATE_FILE
        | Rights::PATH_LINK_SOURCE
        | Rights::PATH_LINK_TARGET
        | Rights::PATH_OPEN
        | Rights::FD_READDIR
        | Rights::PATH_READLINK
        | Rights::PATH_RENAME_SOURCE
        | Rights::PATH_RENAME_TARGET
        | Rights::PATH_SYMLINK
        | Rights::PATH_REMOVE_DIRECTORY
        | Rights::PATH_UNLINK_FILE
        | Rights::PATH_FILESTAT_GET
        | Rights::PATH_FILESTAT_SET_TIMES
        | Rights::FD_FILESTAT_GET
        | Rights::FD_FILESTAT_SET_TIMES;
    (base, base | file_base_rights())
}

/// What a directory opened with `path_open` reports (base and inheriting):
/// everything but writing, seeking and truncation.
pub(crate) fn rights_of_opened_dir() -> Rights {
    Rights::all() - (Rights::FD_WRITE | Rights::FD_SEEK | Rights::FD_FILESTAT_SET_SIZE | Rights::PATH_FILESTAT_SET_SIZE)
}

/// What a file opened with `path_open` reports (base and inheriting): every
/// right, less `fd_read`/`fd_readdir` when not open for reading, `fd_write`
/// when not open for writing, and `fd_seek`/`fd_tell` for a file with no
/// position (a FIFO, a character device, a socket), so that `isatty` works on
/// an opened terminal.
pub(crate) fn rights_of_opened_file(read: bool, write: bool, filetype: crate::FileType) -> Rights {
    use crate::FileType as T;
    let mut r = Rights::all();
    if !read {
        r -= Rights::FD_READ | Rights::FD_READDIR;
    }
    if !write {
        r -= Rights::FD_WRITE;
    }
    if !matches!(filetype, T::RegularFile | T::BlockDevice | T::Directory) {
        r -= Rights::FD_SEEK | Rights::FD_TELL;
    }
    r
}

/// Rights that apply to directories.
pub fn dir_base_rights() -> Rights {
    Rights::PATH_CREATE_DIRECTORY
        | Rights::PATH_CREATE_FILE
        | Rights::PATH_LINK_SOURCE
        | Rights::PATH_LINK_TARGET
        | Rights::PATH_OPEN
        | Rights::FD_READDIR
        | Rights::PATH_READLINK
        | Rights::PATH_RENAME_SOURCE
        | Rights::PATH_RENAME_TARGET
        | Rights::PATH_FILESTAT_GET
        | Rights::PATH_FILESTAT_SET_SIZE
        | Rights::PATH_FILESTAT_SET_TIMES
        | Rights::FD_FILESTAT_GET
        | Rights::FD_FILESTAT_SET_TIMES
        | Rights::PATH_SYMLINK
        | Rights::PATH_REMOVE_DIRECTORY
        | Rights::PATH_UNLINK_FILE
        | Rights::FD_FDSTAT_SET_FLAGS
        | Rights::FD_SYNC
        | Rights::FD_DATASYNC
        | Rights::FD_ADVISE
}

/// Rights that apply to regular files.
pub fn file_base_rights() -> Rights {
    Rights::FD_DATASYNC
        | Rights::FD_READ
        | Rights::FD_SEEK
        | Rights::FD_FDSTAT_SET_FLAGS
        | Rights::FD_SYNC
        | Rights::FD_TELL
        | Rights::FD_WRITE
        | Rights::FD_ADVISE
        | Rights::FD_ALLOCATE
        | Rights::FD_FILESTAT_GET
        | Rights::FD_FILESTAT_SET_SIZE
        | Rights::FD_FILESTAT_SET_TIMES
        | Rights::POLL_FD_READWRITE
}

/// Rights that apply to streams (pipes, terminals, stdio): no seeking.
pub fn stream_base_rights() -> Rights {
    Rights::FD_READ
        | Rights::FD_WRITE
        | Rights::FD_FDSTAT_SET_FLAGS
        | Rights::FD_FILESTAT_GET
        | Rights::FD_SYNC
        | Rights::FD_DATASYNC
        | Rights::FD_ADVISE
        | Rights::POLL_FD_READWRITE
}

/// Rights that apply to sockets.
pub fn socket_base_rights() -> Rights {
    stream_base_rights() | Rights::SOCK_SHUTDOWN | Rights::SOCK_ACCEPT
}

/// Rights that apply to a file of `filetype`.
pub fn rights_for(filetype: crate::FileType) -> Rights {
    use crate::FileType as T;
    match filetype {
        T::RegularFile | T::BlockDevice => file_base_rights(),
        T::Directory => dir_base_rights(),
        T::SocketStream | T::SocketDgram => socket_base_rights(),
        T::CharacterDevice | T::Unknown | T::SymbolicLink => stream_base_rights(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::ReadPipe;

    fn file() -> Entry {
        Entry::File(Arc::new(FileEntry::new(
            Box::new(ReadPipe::from("x")),
            RightsCell::new(stream_base_rights(), Rights::empty()),
            false,
        )))
    }

    #[test]
    fn lowest_free_and_cap() {
        let t = Table::new(3);
        assert_eq!(t.push(file()).unwrap(), 0);
        assert_eq!(t.push(file()).unwrap(), 1);
        assert_eq!(t.push(file()).unwrap(), 2);
        assert_eq!(t.push(file()).unwrap_err().as_errno(), Some(crate::Errno::Mfile));
        t.remove(1).unwrap();
        assert_eq!(t.push(file()).unwrap(), 1);
        assert!(t.insert_at(3, file()).is_err());
    }

    #[test]
    fn renumber_closes_target() {
        let t = Table::new(10);
        t.push(file()).unwrap();
        t.push(file()).unwrap();
        t.renumber(0, 1).unwrap();
        assert!(!t.contains(0));
        assert!(t.contains(1));
        assert_eq!(t.len(), 1);
        assert_eq!(t.renumber(0, 1).unwrap_err().as_errno(), Some(crate::Errno::Badf));
        assert_eq!(t.push(file()).unwrap(), 0);
    }

    #[test]
    fn access_mode_is_the_only_check() {
        let r = RightsCell::new(Rights::FD_READ, Rights::empty());
        assert!(r.require(Rights::FD_READ).is_ok());
        assert_eq!(
            r.require(Rights::FD_WRITE).unwrap_err().as_errno(),
            Some(crate::Errno::Badf)
        );
        let ro = rights_of_opened_file(true, false, crate::FileType::RegularFile);
        assert!(ro.contains(Rights::FD_READ | Rights::FD_SEEK) && !ro.contains(Rights::FD_WRITE));
        let tty = rights_of_opened_file(true, true, crate::FileType::CharacterDevice);
        assert!(!tty.intersects(Rights::FD_SEEK | Rights::FD_TELL));
    }

    /// A file that records being dropped (closed).
    struct Closes(Arc<AtomicBool>);

    impl crate::file::WasiFile for Closes {
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    impl Drop for Closes {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    fn closes() -> (Entry, Arc<AtomicBool>) {
        let closed = Arc::new(AtomicBool::new(false));
        let e = Entry::File(Arc::new(FileEntry::new(
            Box::new(Closes(closed.clone())),
            RightsCell::new(stream_base_rights(), Rights::empty()),
            false,
        )));
        (e, closed)
    }

    #[test]
    fn remembered_file_is_closed_by_remove() {
        let t = Table::new(10);
        let (e, closed) = closes();
        let fd = t.push(e).unwrap();
        let a = t.get_file(fd).unwrap();
        let b = t.get_file(fd).unwrap(); // from this thread's memory
        assert!(Arc::ptr_eq(&a, &b));
        drop((a, b));
        drop(t.remove(fd).unwrap());
        assert!(
            closed.load(Ordering::SeqCst),
            "remembering a file must not keep it open"
        );
        assert_eq!(
            t.get_file(fd).err().and_then(|e| e.as_errno()),
            Some(crate::Errno::Badf)
        );
    }

    #[test]
    fn remembered_file_follows_renumber_and_reuse() {
        let t = Table::new(10);
        let (e0, _) = closes();
        let (e1, closed1) = closes();
        t.push(e0).unwrap();
        t.push(e1).unwrap();
        let first = t.get_file(0).unwrap();
        t.get_file(1).unwrap();
        // 0 moves onto 1 (closing 1's file); 0 is then free.
        t.renumber(0, 1).unwrap();
        assert!(closed1.load(Ordering::SeqCst));
        assert!(Arc::ptr_eq(&t.get_file(1).unwrap(), &first));
        assert_eq!(t.get_file(0).err().and_then(|e| e.as_errno()), Some(crate::Errno::Badf));
        // A new file at 0 is that file, not a remembered one; so is one put
        // in place by insert_at, which closes the remembered one it replaces.
        let (e2, closed2) = closes();
        t.push(e2).unwrap();
        let at0 = t.get_file(0).unwrap();
        assert!(!Arc::ptr_eq(&at0, &first));
        drop(at0);
        let (e3, closed3) = closes();
        t.insert_at(0, e3).unwrap();
        assert!(
            closed2.load(Ordering::SeqCst),
            "insert_at must close the file it replaces"
        );
        let now = t.get_file(0).unwrap();
        drop(t.remove(0).unwrap());
        assert!(!closed3.load(Ordering::SeqCst), "the lookup must hold the new file");
        drop(now);
        assert!(
            closed3.load(Ordering::SeqCst),
            "the lookup gave the file insert_at put there"
        );
    }

    #[test]
    fn tables_do_not_share_remembered_files() {
        let (a, b) = (Table::new(10), Table::new(10));
        a.push(file()).unwrap();
        let (e, _) = closes();
        b.push(e).unwrap();
        assert!(a.get_file(0).unwrap().file().as_any().is::<crate::pipe::ReadPipe>());
        assert!(b.get_file(0).unwrap().file().as_any().is::<Closes>());
        assert!(a.get_file(0).unwrap().file().as_any().is::<crate::pipe::ReadPipe>());
    }

    #[test]
    fn close_on_another_thread_is_seen() {
        let t = Arc::new(Table::new(10));
        let (e, closed) = closes();
        let fd = t.push(e).unwrap();
        drop(t.get_file(fd).unwrap()); // remembered by this thread
        let t2 = t.clone();
        std::thread::spawn(move || drop(t2.remove(fd).unwrap())).join().unwrap();
        assert!(closed.load(Ordering::SeqCst));
        assert_eq!(
            t.get_file(fd).err().and_then(|e| e.as_errno()),
            Some(crate::Errno::Badf)
        );
        // And a file another thread puts there is found.
        let t3 = t.clone();
        let (e, _) = closes();
        std::thread::spawn(move || t3.insert_at(fd, e).unwrap()).join().unwrap();
        assert!(t.get_file(fd).is_ok());
    }
}
