//! [`MemDir`]: a directory handle of a tree, the [`WasiDir`] a guest holds.
//!
//! Every path is resolved beneath the handle's own directory (see
//! [`crate::resolve`]): a directory opened through another is a sandbox of
//! its own, as with the sync backend. The errnos follow Linux, including its
//! trailing-slash rules, which the sync backend restores on top of cap-std
//! (`tests/paths.rs` of both crates check the same answers).

use crate::data::Data;
use crate::file::{MemFile, set_node_times};
use crate::node::{Ino, Kind, Meta, Node, read, write};
use crate::resolve::{Last, Resolved, has_trailing_slash, resolve};
use crate::tree::{Fs, Ns};
use std::any::Any;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use wasi_common_compat::{
    Error, Filestat, OFlags, OpenOptions, OpenResult, ReaddirEntity, Result, SystemTimeSpec, WasiDir,
};

/// A directory of a [`MemFs`](crate::MemFs) tree, as a guest holds it.
/// Cloning gives another handle on the same directory.
#[derive(Clone)]
pub struct MemDir {
    pub(crate) fs: Arc<Fs>,
    pub(crate) node: Arc<Node>,
}

impl std::fmt::Debug for MemDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemDir").field("inode", &self.node.ino).finish()
    }
}

/// `path` without its trailing slashes (unless that leaves nothing).
pub(crate) fn strip_trailing_slashes(path: &str) -> &str {
    match path.trim_end_matches('/') {
        "" => path,
        p => p,
    }
}

impl MemDir {
    /// The tree this directory belongs to.
    pub fn tree(&self) -> crate::MemFs {
        crate::MemFs { fs: self.fs.clone() }
    }

    fn resolve(&self, ns: &Ns, path: &str, follow: bool) -> Result<Resolved> {
        resolve(ns, &self.node, path, follow)
    }

    /// The node `path` names, following a final symlink if `follow` or the
    /// path ends in a slash (which also requires a directory).
    /// Errors: `ENOENT`, `ENOTDIR`, `ELOOP`, `EPERM` (escape).
    fn existing(&self, ns: &Ns, path: &str, follow: bool) -> Result<Arc<Node>> {
        let slash = has_trailing_slash(path);
        let node = self.resolve(ns, path, follow || slash)?.node.ok_or_else(Error::noent)?;
        if slash && !node.is_dir() {
            return Err(Error::notdir());
        }
        Ok(node)
    }

    /// `dir` as a handle of the same tree. Errors: `EXDEV` otherwise.
    fn same_tree<'a>(&self, dir: &'a dyn WasiDir) -> Result<&'a MemDir> {
        match dir.as_any().downcast_ref::<MemDir>() {
            Some(d) if Arc::ptr_eq(&d.fs, &self.fs) => Ok(d),
            _ => Err(Error::xdev().context("the other directory is not of the same memfs tree")),
        }
    }

    /// The error of making a non-directory at `path`, which ends in a
    /// slash: `EEXIST` if the name exists (not followed), else `ENOENT`
    /// (Linux's `filename_create`).
    fn slash_name_error(&self, ns: &Ns, path: &str) -> Error {
        match self.resolve(ns, strip_trailing_slashes(path), false) {
            Ok(Resolved { node: Some(_), .. }) => Error::exist(),
            Ok(_) => Error::noent(),
            Err(e) => e,
        }
    }

    /// Creates a node named by `r` (which does not exist).
    /// Errors: `ENOENT` (the parent was removed), `ENAMETOOLONG`, `ENOSPC`.
    fn create(&self, ns: &mut Ns, r: &Resolved, kind: Kind, nlink: u64) -> Result<Arc<Node>> {
        let name = r.name_or(Error::exist)?;
        crate::tree::check_name(name)?;
        ns.dir(r.parent.ino)?;
        let now = self.fs.now();
        let ino: Ino = ns.alloc_ino();
        let node = Node::new(&self.fs.budget, ino, kind, Meta::new(nlink, now))?;
        ns.add_entry(r.parent.ino, name, node.clone(), now)?;
        Ok(node)
    }

    fn open_dir(&self, path: &str, opts: &OpenOptions) -> Result<OpenResult> {
        if opts.oflags.contains(OFlags::CREATE) {
            // Linux refuses O_CREAT | O_DIRECTORY (since 6.4).
            return Err(Error::inval());
        }
        let ns = read(&self.fs.ns);
        let r = self.resolve(&ns, path, opts.follow || has_trailing_slash(path))?;
        match r.node {
            None => Err(Error::noent()),
            Some(n) if n.is_dir() => {
                if opts.write {
                    return Err(Error::isdir());
                }
                Ok(self.dir_result(n))
            }
            // A final symlink not followed: `ELOOP`, as the sync backend
            // (and Wasmtime's hosts) say.
            Some(n) if matches!(n.kind, Kind::Symlink(_)) => Err(Error::loop_()),
            Some(_) => Err(Error::notdir()),
        }
    }

    fn dir_result(&self, node: Arc<Node>) -> OpenResult {
        OpenResult::Dir(Box::new(MemDir {
            fs: self.fs.clone(),
            node,
        }))
    }

    /// The node a non-directory open reaches, created if asked.
    fn open_node(&self, path: &str, opts: &OpenOptions) -> Result<Arc<Node>> {
        let slash = has_trailing_slash(path);
        let follow = opts.follow || slash;
        if !opts.oflags.contains(OFlags::CREATE) {
            let ns = read(&self.fs.ns);
            return self.resolve(&ns, path, follow)?.node.ok_or_else(Error::noent);
        }
        let mut ns = write(&self.fs.ns);
        let unfollowed = self.resolve(&ns, path, false)?;
        if slash && matches!(unfollowed.last, Last::Name(_)) {
            // Linux: O_CREAT with a trailing slash on a name is EISDIR,
            // whatever exists, once the directories leading to it resolve.
            return Err(Error::isdir());
        }
        // O_EXCL never follows a final symlink: any name there is EEXIST.
        let exclusive = opts.oflags.contains(OFlags::EXCLUSIVE);
        let r = if follow && !exclusive {
            crate::resolve::resolve_for(&ns, &self.node, path, true, true)?
        } else {
            unfollowed
        };
        match &r.node {
            Some(_) if exclusive => Err(Error::exist()),
            // Linux: O_CREAT on an existing directory is EISDIR.
            Some(n) if n.is_dir() => Err(Error::isdir()),
            Some(n) => Ok(n.clone()),
            None => self.create(&mut ns, &r, Kind::File(RwLock::new(Data::default())), 0),
        }
    }
}

impl WasiDir for MemDir {
    fn as_any(&self) -> &dyn Any {
        self
    }

    /// `openat` beneath this directory. `CREATE` makes an empty regular file
    /// (`EXCLUSIVE`: only if the name is free, a dangling symlink counting as
    /// taken); `TRUNCATE` empties it; with `follow` a final symlink is
    /// followed, and creating through a dangling one creates its target. With
    /// neither read nor write asked for, the file is opened for reading.
    /// Errors: `ENOENT`, `EEXIST` (`CREATE|EXCLUSIVE`), `ENOTDIR` (`DIRECTORY`
    /// on a non-directory, a trailing slash on a file, a file on the way),
    /// `EISDIR` (a directory for writing, `CREATE` on a directory or with a
    /// trailing slash),
    /// `ELOOP` (a final symlink without `follow`, or a loop), `EINVAL`
    /// (`DIRECTORY|CREATE`), `EPERM` (escape), `ENAMETOOLONG`, `ENOSPC`.
    fn open_file(&self, path: &str, opts: OpenOptions) -> Result<OpenResult> {
        if opts.oflags.contains(OFlags::DIRECTORY) {
            return self.open_dir(path, &opts);
        }
        let node = self.open_node(path, &opts)?;
        match &node.kind {
            Kind::Symlink(_) => Err(Error::loop_()),
            Kind::Dir if opts.write || opts.oflags.contains(OFlags::TRUNCATE) => Err(Error::isdir()),
            Kind::Dir => Ok(self.dir_result(node)),
            Kind::File(_) if has_trailing_slash(path) => Err(Error::notdir()),
            Kind::File(data) => {
                if opts.oflags.contains(OFlags::TRUNCATE) {
                    // As `O_TRUNC` does, whatever the access mode.
                    let freed = write(data).set_size(0);
                    node.budget().release_bytes(freed);
                    crate::node::lock(&node.meta).touch(self.fs.now());
                }
                let file = MemFile::new(
                    self.fs.clone(),
                    node,
                    opts.read || !opts.write,
                    opts.write,
                    opts.fdflags,
                );
                Ok(OpenResult::File(Box::new(file)))
            }
        }
    }

    /// `mkdirat`; a trailing slash is allowed.
    /// Errors: `EEXIST` (the name exists, a symlink included), `ENOENT` (a
    /// parent is missing or was removed), `ENOTDIR`, `EPERM` (escape),
    /// `ENAMETOOLONG`, `ENOSPC`.
    fn create_dir(&self, path: &str) -> Result<()> {
        let mut ns = write(&self.fs.ns);
        let r = self.resolve(&ns, path, false)?;
        if r.node.is_some() {
            return Err(Error::exist());
        }
        self.create(&mut ns, &r, Kind::Dir, 2).map(drop)
    }

    /// The entries, sorted by name (byte order), with inode and type. A
    /// removed directory has none.
    ///
    /// # Cookies
    /// The core takes this listing once when a guest reads from cookie 0 and
    /// pages through it by cookie, so a guest's cookies stay valid whatever
    /// happens to the directory meanwhile: the listing is a snapshot, entries
    /// created after it are seen from the next cookie-0 read (`rewinddir`),
    /// and entries removed after it are still listed in it (a later
    /// `path_open` of one gives `ENOENT`), which POSIX allows for a
    /// `readdir` concurrent with changes. A guest that starts from a nonzero
    /// cookie on a fresh fd gets the same positions as long as the directory
    /// did not change, because the order is by name. Never fails.
    fn read_dir(&self) -> Result<Vec<ReaddirEntity>> {
        let ns = read(&self.fs.ns);
        let Ok(d) = ns.dir(self.node.ino) else {
            return Ok(Vec::new());
        };
        Ok(d.entries
            .iter()
            .map(|(name, n)| ReaddirEntity {
                name: name.clone(),
                inode: n.ino,
                filetype: n.filetype(),
            })
            .collect())
    }

    /// `symlinkat(target, link_path)`: the target is stored as given and
    /// resolved (beneath the directory of the link, never above the handle
    /// that follows it) only when followed.
    /// Errors: `EPERM` (an absolute `target`, or `link_path` escaping),
    /// `EEXIST` (the name exists, without a trailing slash or as a
    /// directory), `ENOENT` (an empty target, a missing parent, or a trailing
    /// slash on a free name), `ENOTDIR` (a trailing slash on a file),
    /// `ENAMETOOLONG`, `ENOSPC`.
    fn symlink(&self, target: &str, link_path: &str) -> Result<()> {
        let mut ns = write(&self.fs.ns);
        if has_trailing_slash(link_path) {
            // "file/" names no directory: `ENOTDIR`, as the sync backend.
            let stripped = strip_trailing_slashes(link_path);
            if let Ok(Resolved { node: Some(n), .. }) = self.resolve(&ns, stripped, false)
                && !n.is_dir()
            {
                return Err(Error::notdir());
            }
            return Err(self.slash_name_error(&ns, link_path));
        }
        if target.starts_with('/') {
            return Err(crate::resolve::escape());
        }
        let r = self.resolve(&ns, link_path, false)?;
        if r.node.is_some() {
            return Err(Error::exist());
        }
        if target.is_empty() {
            return Err(Error::noent());
        }
        self.create(&mut ns, &r, Kind::Symlink(target.to_owned()), 0).map(drop)
    }

    /// `unlinkat(AT_REMOVEDIR)`.
    /// Errors: `ENOTEMPTY` (entries left), `ENOTDIR` (a file or a
    /// symlink, with or without a trailing slash), `ENOENT`, `EINVAL` (a
    /// path ending in `.` or `..`, or a directory named with a trailing
    /// slash, as the sync backend), `EPERM` (escape).
    fn remove_dir(&self, path: &str) -> Result<()> {
        let mut ns = write(&self.fs.ns);
        let r = self.resolve(&ns, strip_trailing_slashes(path), false)?;
        let name = match &r.last {
            // Linux says ENOTEMPTY for "..", the sync backend EINVAL for both.
            Last::Dot | Last::DotDot => return Err(Error::inval()),
            Last::Name(n) => n.clone(),
        };
        let node = r.node.ok_or_else(Error::noent)?;
        if !node.is_dir() {
            return Err(Error::notdir());
        }
        if strip_trailing_slashes(path).len() != path.len() {
            // "dir/" is `EINVAL`, as the sync backend (and Wasmtime's hosts).
            return Err(Error::inval());
        }
        if !ns.dir(node.ino)?.entries.is_empty() {
            return Err(Error::notempty());
        }
        let now = self.fs.now();
        ns.remove_entry(r.parent.ino, &name, false, now);
        Ok(())
    }

    /// `unlinkat(0)`: removes a file or a symlink (never its target). An
    /// open file keeps its bytes until its last fd is closed.
    /// Errors: `EISDIR` (a directory, `.` or `..`), `ENOTDIR` (a trailing
    /// slash on a non-directory), `ENOENT`, `EPERM` (escape).
    fn unlink_file(&self, path: &str) -> Result<()> {
        let mut ns = write(&self.fs.ns);
        if has_trailing_slash(path) {
            // As the sync backend answers (cap-std resolves "name/" through
            // a final symlink): a directory is EISDIR, anything else
            // ENOTDIR, and a broken or looping link its lookup's error.
            let r = self.resolve(&ns, path, true)?;
            return Err(match r.node {
                None => Error::noent(),
                Some(n) if n.is_dir() => Error::isdir(),
                Some(_) => Error::notdir(),
            });
        }
        let r = self.resolve(&ns, path, false)?;
        let name = r.name_or(Error::isdir)?.to_owned();
        let node = r.node.ok_or_else(Error::noent)?;
        if node.is_dir() {
            return Err(Error::isdir());
        }
        let now = self.fs.now();
        ns.remove_entry(r.parent.ino, &name, false, now);
        Ok(())
    }

    /// `readlinkat`: the target as stored.
    /// Errors: `EINVAL` (not a symlink), `ENOENT`, `ENOTDIR`, `EPERM` (escape).
    fn read_link(&self, path: &str) -> Result<PathBuf> {
        let ns = read(&self.fs.ns);
        let slash = has_trailing_slash(path);
        let r = self.resolve(&ns, path, slash)?;
        match r.node.as_deref().map(|n| &n.kind) {
            None => Err(Error::noent()),
            Some(Kind::File(_)) if slash => Err(Error::notdir()),
            Some(Kind::Symlink(t)) => Ok(PathBuf::from(t)),
            Some(_) => Err(Error::inval()),
        }
    }

    /// `fstat` of this directory (`nlink` 0 once removed). Never fails.
    fn get_filestat(&self) -> Result<Filestat> {
        Ok(self.node.filestat(self.fs.dev))
    }

    /// `fstatat`, following a final symlink if `follow` or the path ends in
    /// a slash (which also requires a directory).
    /// Errors: `ENOENT`, `ENOTDIR`, `ELOOP`, `EPERM` (escape).
    fn get_path_filestat(&self, path: &str, follow: bool) -> Result<Filestat> {
        let ns = read(&self.fs.ns);
        let node = self.existing(&ns, path, follow)?;
        Ok(node.filestat(self.fs.dev))
    }

    /// `renameat` into `dest_dir`, a handle of the same tree. Replaces a
    /// file, or an empty directory with a directory; renaming a name onto
    /// another name of the same node does nothing.
    /// Errors: `EXDEV` (another tree or implementation), `ENOENT`,
    /// `ENOTEMPTY`, `EISDIR` (a file over a directory), `ENOTDIR` (a
    /// directory over a non-directory, or a trailing slash on a
    /// non-directory), `EINVAL` (a directory into itself or below),
    /// `EBUSY` (`.` or `..`), `EPERM` (escape), `ENAMETOOLONG`, `ENOSPC`.
    fn rename(&self, path: &str, dest_dir: &dyn WasiDir, dest_path: &str) -> Result<()> {
        let dest = self.same_tree(dest_dir)?;
        let mut ns = write(&self.fs.ns);
        crate::ops::rename(&self.fs, &mut ns, (self, path), (dest, dest_path))
    }

    /// `linkat(0)`: a new name for the file or symlink at `path` (a symlink
    /// is linked itself) in `target_dir`, a handle of the same tree.
    /// Errors: `EXDEV`, `EEXIST` (the new name exists, with or without a
    /// trailing slash), `ENOENT`, `EPERM` (a directory, or escape),
    /// `ENOTDIR` (a trailing slash on a file `path`), `ENAMETOOLONG`,
    /// `ENOSPC`.
    fn hard_link(&self, path: &str, target_dir: &dyn WasiDir, target_path: &str) -> Result<()> {
        let dest = self.same_tree(target_dir)?;
        let mut ns = write(&self.fs.ns);
        // The sync backend's order: both lookups (a trailing slash on the
        // new name: the old one's only), then the old name's existence,
        // the new name's, and the kind of what is linked.
        let src = self.resolve(&ns, path, has_trailing_slash(path))?;
        let check_src = |node: Option<Arc<Node>>| -> Result<Arc<Node>> {
            let node = node.ok_or_else(Error::noent)?;
            if has_trailing_slash(path) && !node.is_dir() {
                return Err(Error::notdir());
            }
            Ok(node)
        };
        if has_trailing_slash(target_path) || has_trailing_slash(path) {
            // "name/" is looked up whole (as "name/."), before the new name.
            check_src(src.node.clone())?;
        }
        if has_trailing_slash(target_path) {
            return Err(dest.slash_name_error(&ns, target_path));
        }
        let r = dest.resolve(&ns, target_path, false)?;
        let node = check_src(src.node)?;
        if r.node.is_some() {
            return Err(Error::exist());
        }
        let name = r.name_or(Error::exist)?;
        if node.is_dir() {
            return Err(Error::perm());
        }
        let now = self.fs.now();
        ns.add_entry(r.parent.ino, name, node, now)
    }

    /// `utimensat`, of a final symlink itself unless `follow`;
    /// [`SystemTimeSpec::SymbolicNow`] reads the tree's clock.
    /// Errors: `ENOENT`, `ENOTDIR`, `ELOOP`, `EPERM` (escape).
    fn set_times(
        &self,
        path: &str,
        atim: Option<SystemTimeSpec>,
        mtim: Option<SystemTimeSpec>,
        follow: bool,
    ) -> Result<()> {
        let ns = read(&self.fs.ns);
        let node = self.existing(&ns, path, follow)?;
        set_node_times(&self.fs, &node, atim, mtim);
        Ok(())
    }

    /// `futimens` of this directory. Never fails.
    fn set_own_times(&self, atim: Option<SystemTimeSpec>, mtim: Option<SystemTimeSpec>) -> Result<()> {
        set_node_times(&self.fs, &self.node, atim, mtim);
        Ok(())
    }
}
