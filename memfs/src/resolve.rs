//! Path resolution beneath a directory handle: the sandbox.
//!
//! A path is resolved one component at a time from the handle's directory
//! (its *base*), keeping the chain of directories walked so far. `.` stays,
//! `..` steps back along that chain, and a symlink's target is spliced in
//! place of its name, relative to the directory holding the link. Nothing
//! can climb above the base: an absolute path, an absolute symlink target,
//! or a `..` at the base fails with `EPERM`, the errno the sync backend gives
//! for the same attempts (cap-std's escape error). More than
//! [`MAX_SYMLINKS`] links in one resolution (a loop) is `ELOOP`, as on Linux.
//! A component below a file is `ENOTDIR`; a missing directory on the way is
//! `ENOENT`.

use crate::node::{Kind, Node};
use crate::tree::Ns;
use std::sync::Arc;
use wasi_common_compat::{Error, Result};

/// Symlinks followed in one resolution before `ELOOP` (Linux's `MAXSYMLINKS`).
pub const MAX_SYMLINKS: u32 = 40;

/// What the last component of a path was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Last {
    /// A name in [`Resolved::parent`].
    Name(String),
    /// `.` (or the base itself): the node is the directory.
    Dot,
    /// `..`: the node is the directory reached.
    DotDot,
}

/// A resolved path.
pub(crate) struct Resolved {
    /// The directory holding the last component (for `.` and `..`, the
    /// directory reached itself).
    pub(crate) parent: Arc<Node>,
    pub(crate) last: Last,
    /// What the path names, if it exists.
    pub(crate) node: Option<Arc<Node>>,
}

impl Resolved {
    /// The name of the last component. Errors: `err` for `.` and `..`.
    pub(crate) fn name_or(&self, err: fn() -> Error) -> Result<&str> {
        match &self.last {
            Last::Name(n) => Ok(n),
            Last::Dot | Last::DotDot => Err(err()),
        }
    }
}

/// An attempt to leave the base.
#[cold]
pub(crate) fn escape() -> Error {
    Error::perm().context("memfs: path leaves the preopened directory")
}

/// True if `path` ends with `/` (and is more than `/` alone).
pub(crate) fn has_trailing_slash(path: &str) -> bool {
    path.len() > 1 && path.ends_with('/')
}

/// Resolves `path` beneath `base`, following a symlink in the last
/// component only if `follow`. See the module docs for the errors.
pub(crate) fn resolve(ns: &Ns, base: &Arc<Node>, path: &str, follow: bool) -> Result<Resolved> {
    resolve_for(ns, base, path, follow, false)
}

/// [`resolve`] for `O_CREAT` when `create`: a final symlink whose target
/// ends in a slash gives `EISDIR` once the target's directories resolve,
/// as Linux's `open` does (it never creates "name/").
pub(crate) fn resolve_for(ns: &Ns, base: &Arc<Node>, path: &str, follow: bool, create: bool) -> Result<Resolved> {
    if path.starts_with('/') {
        return Err(escape());
    }
    if path.is_empty() {
        return Err(Error::noent());
    }
    let mut todo: Vec<String> = components(path);
    let mut chain: Vec<Arc<Node>> = vec![base.clone()];
    let mut links = 0u32;
    let mut create_slash = false;
    loop {
        let top = chain.last().cloned().unwrap_or_else(|| base.clone());
        let Some(c) = todo.pop() else {
            // Only slashes and dots were left: the directory reached.
            return Ok(dot(top, Last::Dot));
        };
        let is_last = todo.is_empty();
        match c.as_str() {
            "." => {
                if is_last {
                    return Ok(dot(top, Last::Dot));
                }
            }
            ".." => {
                if chain.len() == 1 {
                    return Err(escape());
                }
                chain.pop();
                if is_last {
                    let top = chain.last().cloned().unwrap_or_else(|| base.clone());
                    return Ok(dot(top, Last::DotDot));
                }
            }
            _ if is_last && create_slash => return Err(Error::isdir()),
            name => {
                let child = ns.dir(top.ino)?.entries.get(name).cloned();
                let Some(child) = child else {
                    if is_last {
                        return Ok(Resolved {
                            parent: top,
                            last: Last::Name(c),
                            node: None,
                        });
                    }
                    return Err(Error::noent());
                };
                match &child.kind {
                    Kind::Symlink(target) if !is_last || follow => {
                        links += 1;
                        if links > MAX_SYMLINKS {
                            return Err(Error::loop_());
                        }
                        if target.starts_with('/') {
                            return Err(escape());
                        }
                        if target.is_empty() {
                            return Err(Error::noent());
                        }
                        if is_last && target.ends_with('/') {
                            if create {
                                create_slash = true;
                            } else {
                                // A target "name/" must be a directory, as
                                // the path "name/." would.
                                todo.push(".".to_owned());
                            }
                        }
                        todo.extend(components(target));
                    }
                    _ if is_last => {
                        return Ok(Resolved {
                            parent: top,
                            last: Last::Name(c),
                            node: Some(child),
                        });
                    }
                    Kind::Dir => chain.push(child),
                    _ => return Err(Error::notdir()),
                }
            }
        }
    }
}

fn dot(dir: Arc<Node>, last: Last) -> Resolved {
    Resolved {
        parent: dir.clone(),
        last,
        node: Some(dir),
    }
}

/// The components of `path`, last first (empty ones, from repeated or
/// trailing slashes, dropped).
fn components(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|c| !c.is_empty())
        .rev()
        .map(str::to_owned)
        .collect()
}
