//! The only code that touches host paths: copying a host directory in, and
//! writing a snapshot out.

use crate::build::{Builder, meta_of};
use crate::node::{Ino, Node};
use crate::snapshot::{Entry, Snapshot};
use crate::tree::Fs;
use std::collections::HashMap;
use std::fs::{self, FileTimes};
#[cfg(unix)]
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;
#[cfg(unix)]
use std::time::{Duration, SystemTime};
use wasi_common_compat::Result;

#[cfg(unix)]
fn time(sec: i64, nsec: i64) -> SystemTime {
    let (Ok(s), Ok(n)) = (u64::try_from(sec), u32::try_from(nsec)) else {
        return UNIX_EPOCH;
    };
    UNIX_EPOCH.checked_add(Duration::new(s, n)).unwrap_or(UNIX_EPOCH)
}

#[cfg(unix)]
fn meta_from_host(md: &fs::Metadata) -> crate::node::Meta {
    meta_of(
        time(md.atime(), md.atime_nsec()),
        time(md.mtime(), md.mtime_nsec()),
        time(md.ctime(), md.ctime_nsec()),
    )
}

/// Outside Unix there is no status-change time: the modification time
/// stands in for it.
#[cfg(not(unix))]
fn meta_from_host(md: &fs::Metadata) -> crate::node::Meta {
    let m = md.modified().unwrap_or(UNIX_EPOCH);
    meta_of(md.accessed().unwrap_or(m), m, m)
}

/// The identity of a host file with more than one link, to copy hard links
/// as links. Outside Unix std has no stable file identity, so every link is
/// copied as a file of its own.
#[cfg(unix)]
fn link_key(md: &fs::Metadata) -> Option<(u64, u64)> {
    (md.nlink() > 1).then(|| (md.dev(), md.ino()))
}

#[cfg(not(unix))]
fn link_key(_md: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Copies the host directory `root` into the (empty) tree `fs`.
pub(crate) fn copy_in(fs: &Fs, root: &Path) -> Result<()> {
    let md = fs::metadata(root)?;
    if !md.is_dir() {
        return Err(wasi_common_compat::Error::notdir());
    }
    let b = Builder::new(fs);
    let mut links: HashMap<(u64, u64), Arc<Node>> = HashMap::new();
    let mut dir_times = Vec::new();
    let mut todo: Vec<(PathBuf, String)> = vec![(root.to_path_buf(), String::new())];
    while let Some((host, rel)) = todo.pop() {
        for entry in fs::read_dir(&host)? {
            let entry = entry?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let path = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            let md = fs::symlink_metadata(entry.path())?;
            let meta = meta_from_host(&md);
            let ft = md.file_type();
            if ft.is_dir() {
                b.dir(&path, Some(meta))?;
                dir_times.push((path.clone(), meta));
                todo.push((entry.path(), path));
            } else if ft.is_symlink() {
                let target = fs::read_link(entry.path())?;
                let Some(target) = target.to_str() else { continue };
                b.symlink(&path, target, Some(meta))?;
            } else if ft.is_file() {
                let key = link_key(&md);
                if let Some(key) = key
                    && let Some(node) = links.get(&key)
                {
                    b.hard_link(&path, node.clone())?;
                    continue;
                }
                let bytes = fs::read(entry.path())?;
                let node = b.file(&path, &bytes, Some(meta))?;
                if let Some(key) = key {
                    links.insert(key, node);
                }
            }
        }
    }
    // Adding entries changed the directories' times; put the host's back.
    dir_times.push((String::new(), meta_from_host(&md)));
    for (path, meta) in dir_times {
        let node = b.lookup(&path)?;
        let mut m = crate::node::lock(&node.meta);
        *m = crate::node::Meta { nlink: m.nlink, ..meta };
    }
    Ok(())
}

/// Removes whatever is at `path` on the host unless it is a directory and
/// `keep_dir`.
fn clear(path: &Path, keep_dir: bool) -> std::io::Result<()> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        Ok(md) if md.is_dir() => {
            if keep_dir {
                Ok(())
            } else {
                fs::remove_dir_all(path)
            }
        }
        Ok(_) => fs::remove_file(path),
    }
}

#[cfg(not(windows))]
fn open_for_times(path: &Path) -> std::io::Result<fs::File> {
    fs::File::open(path)
}

/// Windows sets times through a handle with `FILE_WRITE_ATTRIBUTES`, and
/// opens a directory only with `FILE_FLAG_BACKUP_SEMANTICS`.
#[cfg(windows)]
fn open_for_times(path: &Path) -> std::io::Result<fs::File> {
    use std::os::windows::fs::OpenOptionsExt;
    const FILE_WRITE_ATTRIBUTES: u32 = 0x0100;
    const FILE_FLAG_BACKUP_SEMANTICS: u32 = 0x0200_0000;
    fs::OpenOptions::new()
        .access_mode(FILE_WRITE_ATTRIBUTES)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
        .open(path)
}

/// Creates the host symlink `path` -> `target`.
#[cfg(unix)]
fn symlink(target: &str, path: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, path)
}

/// Windows has file and directory symlinks: a directory one when `target`
/// (relative to the link's directory) already is a host directory, else a
/// file one. Creating either may need a privilege (or developer mode).
#[cfg(windows)]
fn symlink(target: &str, path: &Path) -> std::io::Result<()> {
    let resolved = path.parent().map(|p| p.join(target));
    if resolved.is_some_and(|r| r.is_dir()) {
        std::os::windows::fs::symlink_dir(target, path)
    } else {
        std::os::windows::fs::symlink_file(target, path)
    }
}

#[cfg(not(any(unix, windows)))]
fn symlink(_target: &str, _path: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

fn set_times(path: &Path, meta: &crate::node::Meta) -> std::io::Result<()> {
    let f = open_for_times(path)?;
    f.set_times(FileTimes::new().set_accessed(meta.atim).set_modified(meta.mtim))
}

/// Writes `snap` into the host directory `root`.
pub(crate) fn write_out(snap: &Snapshot, root: &Path) -> Result<()> {
    fs::create_dir_all(root)?;
    let mut written: HashMap<Ino, PathBuf> = HashMap::new();
    let mut dirs = Vec::new();
    snap.for_each(|rel, ino, entry| {
        let path = root.join(rel);
        match entry {
            Entry::Dir(meta) => {
                clear(&path, true)?;
                if !path.is_dir() {
                    fs::create_dir(&path)?;
                }
                dirs.push((path, meta));
            }
            Entry::Symlink(target) => {
                clear(&path, false)?;
                symlink(target, &path)?;
            }
            Entry::File(data, meta) => {
                clear(&path, false)?;
                if let Some(first) = written.get(&ino) {
                    fs::hard_link(first, &path)?;
                } else {
                    fs::write(&path, data.to_vec())?;
                    set_times(&path, &meta)?;
                    written.insert(ino, path);
                }
            }
        }
        Ok(())
    })?;
    // Directory times last: writing their entries changed them.
    for (path, meta) in dirs.iter().rev() {
        set_times(path, meta)?;
    }
    if let Some(meta) = snap.root_meta() {
        set_times(root, &meta)?;
    }
    Ok(())
}
