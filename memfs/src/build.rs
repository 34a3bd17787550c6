//! Making trees from the host side: nodes put at paths (parents made as
//! needed), for maps, host directories and tar streams.

use crate::data::{Data, PAGE};
use crate::dir::MemDir;
use crate::node::{Ino, Kind, Meta, Node, read, write};
use crate::tree::{Fs, Ns};
use std::io::{IoSlice, IoSliceMut};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;
use wasi_common_compat::{Error, FdFlags, OFlags, OpenOptions, OpenResult, Result, WasiDir};

/// The components of a host-side path: empty ones, `.` and leading slashes
/// dropped. Errors: `EPERM` for `..` (a tree is built beneath its root only).
pub(crate) fn components(path: &str) -> Result<Vec<&str>> {
    let mut out = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(Error::perm().context(format!("memfs: `..` in {path:?}"))),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Puts nodes into a tree by path.
pub(crate) struct Builder<'a> {
    fs: &'a Fs,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(fs: &'a Fs) -> Self {
        Builder { fs }
    }

    /// The directory at `comps` (made, with parents, if missing).
    /// Errors: `ENOTDIR` (a component is not a directory), `ENOSPC`.
    fn dir_at(&self, ns: &mut Ns, comps: &[&str], meta: Option<Meta>) -> Result<Arc<Node>> {
        let mut cur = self.fs.root.clone();
        for (i, c) in comps.iter().enumerate() {
            let existing = ns.dir(cur.ino)?.entries.get(*c).cloned();
            cur = match existing {
                Some(n) if n.is_dir() => n,
                Some(_) => return Err(Error::notdir()),
                None => {
                    let now = self.fs.now();
                    let m = if i + 1 == comps.len() { meta } else { None };
                    self.add(ns, cur.ino, c, Kind::Dir, m.unwrap_or(Meta::new(2, now)))?
                }
            };
        }
        if let (Some(m), true) = (meta, !comps.is_empty()) {
            *crate::node::lock(&cur.meta) = Meta {
                nlink: cur.meta().nlink,
                ..m
            };
        }
        Ok(cur)
    }

    fn add(&self, ns: &mut Ns, parent: Ino, name: &str, kind: Kind, meta: Meta) -> Result<Arc<Node>> {
        let ino = ns.alloc_ino();
        let nlink = if matches!(kind, Kind::Dir) { 2 } else { 0 };
        let node = Node::new(&self.fs.budget, ino, kind, Meta { nlink, ..meta })?;
        let times = node.meta();
        ns.add_entry(parent, name, node.clone(), self.fs.now())?;
        // Keep the given times (adding an entry set the status change time).
        let mut m = crate::node::lock(&node.meta);
        m.ctim = times.ctim;
        Ok(node.clone())
    }

    /// Makes the directory `path` (and parents).
    pub(crate) fn dir(&self, path: &str, meta: Option<Meta>) -> Result<Arc<Node>> {
        let comps = components(path)?;
        let mut ns = write(&self.fs.ns);
        self.dir_at(&mut ns, &comps, meta)
    }

    /// Splits `path` into its parent directory (made if missing) and name,
    /// removing a non-directory already at that name.
    /// Errors: `EISDIR` (a directory is there, or `path` is the root).
    fn slot<'p>(&self, ns: &mut Ns, path: &'p str) -> Result<(Ino, &'p str)> {
        let comps = components(path)?;
        let Some((name, parents)) = comps.split_last() else {
            return Err(Error::isdir());
        };
        let parent = self.dir_at(ns, parents, None)?;
        if let Some(old) = ns.dir(parent.ino)?.entries.get(*name) {
            if old.is_dir() {
                return Err(Error::isdir());
            }
            let now = self.fs.now();
            ns.remove_entry(parent.ino, name, false, now);
        }
        Ok((parent.ino, name))
    }

    /// Creates or replaces the regular file `path` holding `bytes`; `meta`
    /// gives its times (default: now).
    pub(crate) fn file(&self, path: &str, bytes: &[u8], meta: Option<Meta>) -> Result<Arc<Node>> {
        let node = {
            let mut ns = write(&self.fs.ns);
            let (parent, name) = self.slot(&mut ns, path)?;
            let meta = meta.unwrap_or(Meta::new(0, self.fs.now()));
            self.add(&mut ns, parent, name, Kind::File(RwLock::new(Data::default())), meta)?
        };
        if let Kind::File(d) = &node.kind {
            let mut d = write(d);
            self.fs
                .budget
                .charge_bytes(d.pages_missing(0, bytes.len() as u64) * PAGE)?;
            d.write_at(&[IoSlice::new(bytes)], 0);
        }
        Ok(node)
    }

    /// Creates the symlink `path` -> `target` (stored as given).
    pub(crate) fn symlink(&self, path: &str, target: &str, meta: Option<Meta>) -> Result<Arc<Node>> {
        let mut ns = write(&self.fs.ns);
        let (parent, name) = self.slot(&mut ns, path)?;
        let meta = meta.unwrap_or(Meta::new(0, self.fs.now()));
        self.add(&mut ns, parent, name, Kind::Symlink(target.to_owned()), meta)
    }

    /// Gives the existing non-directory `node` a second name `path`.
    pub(crate) fn hard_link(&self, path: &str, node: Arc<Node>) -> Result<()> {
        if node.is_dir() {
            return Err(Error::perm());
        }
        let mut ns = write(&self.fs.ns);
        let (parent, name) = self.slot(&mut ns, path)?;
        let ctim = node.meta().ctim;
        ns.add_entry(parent, name, node.clone(), self.fs.now())?;
        crate::node::lock(&node.meta).ctim = ctim;
        Ok(())
    }

    /// The node at `path`, not following symlinks.
    pub(crate) fn lookup(&self, path: &str) -> Result<Arc<Node>> {
        let comps = components(path)?;
        let ns = read(&self.fs.ns);
        let mut cur = self.fs.root.clone();
        for c in comps {
            cur = ns.dir(cur.ino)?.entries.get(c).cloned().ok_or_else(Error::noent)?;
        }
        Ok(cur)
    }
}

/// Times taken from the host (or a tar header), status change included.
pub(crate) fn meta_of(atim: SystemTime, mtim: SystemTime, ctim: SystemTime) -> Meta {
    Meta {
        nlink: 0,
        atim,
        mtim,
        ctim,
    }
}

/// The contents of the regular file at `path` beneath `root`.
pub(crate) fn read_file(root: &MemDir, path: &str) -> Result<Vec<u8>> {
    let opts = OpenOptions {
        follow: true,
        oflags: OFlags::empty(),
        read: true,
        write: false,
        fdflags: FdFlags::empty(),
    };
    match root.open_file(path, opts)? {
        OpenResult::Dir(_) => Err(Error::isdir()),
        OpenResult::File(f) => {
            let size = usize::try_from(f.get_filestat()?.size).map_err(|_| Error::nomem())?;
            let mut buf = vec![0u8; size];
            let n = f.read_vectored_at(&mut [IoSliceMut::new(&mut buf)], 0)?;
            buf.truncate(usize::try_from(n).unwrap_or(size));
            Ok(buf)
        }
    }
}
