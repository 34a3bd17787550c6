//! The shared state of one tree: its namespace (which names each directory
//! holds), its budget, its clock and its device id.
//!
//! # Locking
//! The namespace is one `RwLock`: lookups share it, changes of names
//! (create, remove, rename, link) take it exclusively for as long as the
//! change, never while copying file bytes. File bytes are behind each
//! file's own lock, taken without the namespace lock, so reads and writes
//! of different files (and reads of one file) run in parallel and a large
//! copy never blocks a lookup. Lock order: namespace, then a file's bytes,
//! then a node's attributes.

use crate::budget::Budget;
use crate::node::{Ino, Meta, Node, lock};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};
use wasi_common_compat::clocks::WasiSystemClock;
use wasi_common_compat::{Error, Result};

/// The longest entry name, in bytes (Linux's `NAME_MAX`).
pub const NAME_MAX: usize = 255;

/// A directory's entries and where it hangs.
pub(crate) struct DirData {
    pub(crate) node: Arc<Node>,
    /// The directory holding this one (the root is its own parent).
    pub(crate) parent: Ino,
    pub(crate) entries: BTreeMap<String, Arc<Node>>,
}

/// Every linked directory of a tree, by inode.
pub(crate) struct Ns {
    pub(crate) dirs: HashMap<Ino, DirData>,
    pub(crate) next_ino: Ino,
}

/// One tree.
pub(crate) struct Fs {
    pub(crate) ns: RwLock<Ns>,
    pub(crate) budget: Arc<Budget>,
    pub(crate) dev: u64,
    pub(crate) root: Arc<Node>,
    clock: RwLock<Arc<dyn WasiSystemClock>>,
}

/// Device ids: one per tree made in this process, in order (so two trees
/// never share one, and a run that makes the same trees gets the same ids).
static NEXT_DEV: AtomicU64 = AtomicU64::new(0x6d65_6d00);

pub(crate) fn next_dev() -> u64 {
    NEXT_DEV.fetch_add(1, Ordering::Relaxed)
}

/// `ENAMETOOLONG` for a name longer than [`NAME_MAX`].
pub(crate) fn check_name(name: &str) -> Result<()> {
    if name.len() > NAME_MAX {
        Err(Error::nametoolong())
    } else {
        Ok(())
    }
}

impl Fs {
    /// An empty tree (a root directory, inode `root_ino`).
    pub(crate) fn new(
        budget: Arc<Budget>,
        clock: Arc<dyn WasiSystemClock>,
        root_ino: Ino,
        root_meta: Option<Meta>,
    ) -> Fs {
        let now = time_of(&*clock);
        let root = Node::root(&budget, root_ino, root_meta.unwrap_or(Meta::new(2, now)));
        let mut dirs = HashMap::new();
        dirs.insert(
            root_ino,
            DirData {
                node: root.clone(),
                parent: root_ino,
                entries: BTreeMap::new(),
            },
        );
        Fs {
            ns: RwLock::new(Ns {
                dirs,
                next_ino: root_ino + 1,
            }),
            budget,
            dev: next_dev(),
            root,
            clock: RwLock::new(clock),
        }
    }

    /// The current time of the tree's clock.
    pub(crate) fn now(&self) -> SystemTime {
        time_of(&**crate::node::read(&self.clock))
    }

    pub(crate) fn set_clock(&self, clock: Arc<dyn WasiSystemClock>) {
        *crate::node::write(&self.clock) = clock;
    }
}

fn time_of(clock: &dyn WasiSystemClock) -> SystemTime {
    UNIX_EPOCH.checked_add(clock.now()).unwrap_or(UNIX_EPOCH)
}

impl Ns {
    pub(crate) fn alloc_ino(&mut self) -> Ino {
        let ino = self.next_ino;
        self.next_ino += 1;
        ino
    }

    /// The entries of a linked directory. Errors: `ENOENT` (removed).
    pub(crate) fn dir(&self, ino: Ino) -> Result<&DirData> {
        self.dirs.get(&ino).ok_or_else(Error::noent)
    }

    fn dir_mut(&mut self, ino: Ino) -> Result<&mut DirData> {
        self.dirs.get_mut(&ino).ok_or_else(Error::noent)
    }

    /// Adds `name` -> `node` in directory `parent` (which must not hold
    /// `name`), charging the name's bytes; a new directory gets its entry
    /// table. Updates link counts and the parent's times.
    /// Errors: `ENOENT` (`parent` was removed), `ENAMETOOLONG`, `ENOSPC`.
    pub(crate) fn add_entry(&mut self, parent: Ino, name: &str, node: Arc<Node>, now: SystemTime) -> Result<()> {
        check_name(name)?;
        self.dir(parent)?;
        node.budget().charge_bytes(name.len() as u64)?;
        self.insert_entry(parent, name, node, now)
    }

    /// [`add_entry`](Self::add_entry) with the name's bytes already charged
    /// (a rename charges before it removes anything).
    /// Errors: `ENOENT` (`parent` was removed).
    pub(crate) fn insert_entry(&mut self, parent: Ino, name: &str, node: Arc<Node>, now: SystemTime) -> Result<()> {
        self.dir(parent)?;
        let is_dir = node.is_dir();
        if is_dir && !self.dirs.contains_key(&node.ino) {
            self.dirs.insert(
                node.ino,
                DirData {
                    node: node.clone(),
                    parent,
                    entries: BTreeMap::new(),
                },
            );
        } else if let Some(d) = self.dirs.get_mut(&node.ino) {
            d.parent = parent;
        }
        {
            let mut m = lock(&node.meta);
            if !is_dir {
                m.nlink += 1;
            }
            m.ctim = now;
        }
        let p = self.dir_mut(parent)?;
        p.entries.insert(name.to_owned(), node);
        let mut pm = lock(&p.node.meta);
        pm.touch(now);
        if is_dir {
            pm.nlink += 1;
        }
        Ok(())
    }

    /// Removes entry `name` of `parent` and returns its node. A directory
    /// entry takes its (empty) entry table along unless `keep_dir` (a
    /// rename moves it). Updates link counts and times.
    pub(crate) fn remove_entry(
        &mut self,
        parent: Ino,
        name: &str,
        keep_dir: bool,
        now: SystemTime,
    ) -> Option<Arc<Node>> {
        let p = self.dirs.get_mut(&parent)?;
        let node = p.entries.remove(name)?;
        node.budget().release_bytes(name.len() as u64);
        let mut pm = lock(&p.node.meta);
        pm.touch(now);
        if node.is_dir() {
            pm.nlink = pm.nlink.saturating_sub(1);
        }
        drop(pm);
        {
            let mut m = lock(&node.meta);
            m.ctim = now;
            if !node.is_dir() {
                m.nlink = m.nlink.saturating_sub(1);
            } else if !keep_dir {
                m.nlink = 0;
            }
        }
        if node.is_dir() && !keep_dir {
            self.dirs.remove(&node.ino);
        }
        Some(node)
    }

    /// True if directory `ino` is `ancestor` or lies below it.
    pub(crate) fn is_within(&self, mut ino: Ino, ancestor: Ino) -> bool {
        loop {
            if ino == ancestor {
                return true;
            }
            match self.dirs.get(&ino) {
                Some(d) if d.parent != ino => ino = d.parent,
                _ => return false,
            }
        }
    }
}
