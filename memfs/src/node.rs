//! Nodes: a file, a directory or a symlink, with its attributes.
//!
//! A node is reference-counted: directory entries and open fds hold it. A
//! file that lost its last name lives on, with its bytes, until its last fd
//! is closed (as on POSIX); dropping the node returns its inode and bytes to
//! the budget.

use crate::budget::Budget;
use crate::data::Data;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::SystemTime;
use wasi_common_compat::{FileType, Filestat, Result};

/// An inode number: unique in its tree for the tree's whole life (never
/// reused, kept by snapshots and restores).
pub(crate) type Ino = u64;

/// What a node is.
pub(crate) enum Kind {
    /// A regular file and its bytes.
    File(RwLock<Data>),
    /// A directory; its entries live in the tree's namespace.
    Dir,
    /// A symbolic link and its target, as written.
    Symlink(String),
}

/// The attributes that change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Meta {
    /// Names of the node (for a directory: 2 plus its subdirectories, 0 once
    /// removed).
    pub(crate) nlink: u64,
    pub(crate) atim: SystemTime,
    pub(crate) mtim: SystemTime,
    pub(crate) ctim: SystemTime,
}

impl Meta {
    pub(crate) fn new(nlink: u64, now: SystemTime) -> Self {
        Meta {
            nlink,
            atim: now,
            mtim: now,
            ctim: now,
        }
    }

    /// A content change: modification and status change times.
    pub(crate) fn touch(&mut self, now: SystemTime) {
        self.mtim = now;
        self.ctim = now;
    }
}

/// A file, directory or symlink.
pub(crate) struct Node {
    pub(crate) ino: Ino,
    pub(crate) kind: Kind,
    pub(crate) meta: Mutex<Meta>,
    budget: Arc<Budget>,
}

/// Locks a mutex; a panic while it was held cannot leave a node's state
/// half-changed (every update is a plain assignment), so poisoning is ignored.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Read-locks, ignoring poisoning (see [`lock`]).
pub(crate) fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Write-locks, ignoring poisoning (see [`lock`]).
pub(crate) fn write<T>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Node {
    /// A new node, charged to `budget`: one inode, and a symlink's target
    /// bytes (a file's pages are charged as they are written).
    /// Errors: `ENOSPC`.
    pub(crate) fn new(budget: &Arc<Budget>, ino: Ino, kind: Kind, meta: Meta) -> Result<Arc<Node>> {
        budget.charge_inode()?;
        if let Kind::Symlink(t) = &kind
            && let Err(e) = budget.charge_bytes(t.len() as u64)
        {
            budget.release_inode();
            return Err(e);
        }
        Ok(Arc::new(Node {
            ino,
            kind,
            meta: Mutex::new(meta),
            budget: budget.clone(),
        }))
    }

    /// The root of a new tree: one inode, charged even past the budget (a
    /// tree always has its root).
    pub(crate) fn root(budget: &Arc<Budget>, ino: Ino, meta: Meta) -> Arc<Node> {
        budget.force_inode();
        Arc::new(Node {
            ino,
            kind: Kind::Dir,
            meta: Mutex::new(meta),
            budget: budget.clone(),
        })
    }

    pub(crate) fn filetype(&self) -> FileType {
        match self.kind {
            Kind::File(_) => FileType::RegularFile,
            Kind::Dir => FileType::Directory,
            Kind::Symlink(_) => FileType::SymbolicLink,
        }
    }

    pub(crate) fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir)
    }

    pub(crate) fn meta(&self) -> Meta {
        *lock(&self.meta)
    }

    /// The node's size: a file's length, a symlink's target length, and
    /// 4096 for a directory (what ext4 reports for a small one).
    pub(crate) fn size(&self) -> u64 {
        match &self.kind {
            Kind::File(d) => read(d).size(),
            Kind::Dir => 4096,
            Kind::Symlink(t) => t.len() as u64,
        }
    }

    pub(crate) fn filestat(&self, dev: u64) -> Filestat {
        let size = self.size();
        let m = self.meta();
        Filestat {
            device_id: dev,
            inode: self.ino,
            filetype: self.filetype(),
            nlink: m.nlink,
            size,
            atim: Some(m.atim),
            mtim: Some(m.mtim),
            ctim: Some(m.ctim),
        }
    }

    pub(crate) fn budget(&self) -> &Budget {
        &self.budget
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        match &mut self.kind {
            Kind::File(d) => {
                let d = d.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
                self.budget.release_bytes(d.allocated());
            }
            Kind::Symlink(t) => self.budget.release_bytes(t.len() as u64),
            Kind::Dir => {}
        }
        self.budget.release_inode();
    }
}
