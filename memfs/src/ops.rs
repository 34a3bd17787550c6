//! `rename`, the one namespace change that touches two names at once.

use crate::dir::MemDir;
use crate::node::Node;
use crate::resolve::{Last, has_trailing_slash, resolve};
use crate::tree::{Fs, Ns, check_name};
use std::sync::Arc;
use wasi_common_compat::{Errno, Error, Result};

fn busy() -> Error {
    Error::errno(Errno::Busy)
}

/// `renameat(from, to)` with the namespace locked. The checks come in the
/// sync backend's order: the source's lookup (and, with a trailing slash,
/// that it is a directory), the destination's, `EBUSY` for `.`/`..`,
/// `ENOENT`, `EINVAL` (into itself), then the kinds of both.
pub(crate) fn rename(fs: &Fs, ns: &mut Ns, from: (&MemDir, &str), to: (&MemDir, &str)) -> Result<()> {
    let src = resolve(ns, &from.0.node, from.1, false)?;
    if has_trailing_slash(from.1) || has_trailing_slash(to.1) {
        // A trailing slash anywhere: the source must exist and be a
        // directory (the sync backend checks this before anything else).
        match &src.node {
            None => return Err(Error::noent()),
            Some(n) if !n.is_dir() => return Err(Error::notdir()),
            Some(_) => {}
        }
    }
    let dst = resolve(ns, &to.0.node, to.1, false)?;
    let (Last::Name(src_name), Last::Name(dst_name)) = (&src.last, &dst.last) else {
        return Err(busy());
    };
    let node = src.node.clone().ok_or_else(Error::noent)?;
    check_name(dst_name)?;
    if node.is_dir() && ns.is_within(dst.parent.ino, node.ino) {
        return Err(Error::inval().context("a directory cannot move below itself"));
    }
    if let Some(existing) = &dst.node {
        if Arc::ptr_eq(existing, &node) {
            return Ok(());
        }
        if existing.is_dir() && ns.is_within(src.parent.ino, existing.ino) {
            // Onto a directory above the source: never empty (Linux's
            // check comes before the kinds).
            return Err(Error::notempty());
        }
        check_replace(ns, &node, existing)?;
    }
    // Charge the new name first, so nothing is removed if it cannot be held.
    fs.budget.charge_bytes(dst_name.len() as u64)?;
    let now = fs.now();
    if dst.node.is_some() {
        ns.remove_entry(dst.parent.ino, dst_name, false, now);
    }
    ns.remove_entry(src.parent.ino, src_name, true, now);
    if let Err(e) = ns.insert_entry(dst.parent.ino, dst_name, node, now) {
        // Cannot happen: the destination's directory was found above and
        // the namespace has been locked since.
        fs.budget.release_bytes(dst_name.len() as u64);
        return Err(e);
    }
    Ok(())
}

/// May `node` replace `existing`? Errors: `ENOTDIR`, `EISDIR`, `ENOTEMPTY`.
fn check_replace(ns: &Ns, node: &Node, existing: &Node) -> Result<()> {
    match (node.is_dir(), existing.is_dir()) {
        (true, false) => Err(Error::notdir()),
        (false, true) => Err(Error::isdir()),
        (true, true) if !ns.dir(existing.ino)?.entries.is_empty() => Err(Error::notempty()),
        _ => Ok(()),
    }
}
