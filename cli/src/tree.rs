//! Directory trees for `diff`: a private copy of each preopen per side, and
//! a snapshot of what a tree holds afterwards (names, types, sizes, content
//! hashes, symlink targets; not times or permissions), compared entry by
//! entry.

use std::collections::BTreeMap;
use std::fmt;
use std::hash::{DefaultHasher, Hasher};
use std::io::Read;
use std::path::Path;
use wasmtime::Result;
use wasmtime::error::Context as _;

/// Copies the tree at `from` into the existing directory `to`: directories,
/// regular files (with their permission bits) and symlinks (as links, never
/// followed). Other files (FIFOs, sockets, devices) are skipped.
pub fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for entry in std::fs::read_dir(from).with_context(|| format!("failed to read {}", from.display()))? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let ty = entry.file_type()?;
        if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dst)?;
        } else if ty.is_dir() {
            std::fs::create_dir(&dst)?;
            copy_tree(&src, &dst)?;
        } else if ty.is_file() {
            std::fs::copy(&src, &dst).with_context(|| format!("failed to copy {}", src.display()))?;
        }
    }
    Ok(())
}

/// One entry of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir,
    File { size: u64, hash: u64 },
    Symlink(String),
    Other,
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Dir => write!(f, "a directory"),
            Node::File { size, hash } => write!(f, "a file of {size} bytes (hash {hash:016x})"),
            Node::Symlink(t) => write!(f, "a symlink to {t:?}"),
            Node::Other => write!(f, "a special file"),
        }
    }
}

/// Relative path to entry, for everything below a root.
pub type Snapshot = BTreeMap<String, Node>;

/// What the tree at `root` holds.
pub fn snapshot(root: &Path) -> Result<Snapshot> {
    let mut out = Snapshot::new();
    walk(root, "", &mut out)?;
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut Snapshot) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        let ty = entry.file_type()?;
        let node = if ty.is_symlink() {
            Node::Symlink(std::fs::read_link(entry.path())?.to_string_lossy().into_owned())
        } else if ty.is_dir() {
            walk(&entry.path(), &format!("{name}/"), out)?;
            Node::Dir
        } else if ty.is_file() {
            hash_file(&entry.path())?
        } else {
            Node::Other
        };
        out.insert(name, node);
    }
    Ok(())
}

fn hash_file(path: &Path) -> Result<Node> {
    let mut f = std::fs::File::open(path)?;
    let mut h = DefaultHasher::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.write(&buf[..n]);
        size += n as u64;
    }
    Ok(Node::File { size, hash: h.finish() })
}

/// The first path (in sorted order) where `a` and `b` differ, with each
/// side's view (`None`: absent).
pub fn first_difference<'a>(a: &'a Snapshot, b: &'a Snapshot) -> Option<(&'a str, Option<&'a Node>, Option<&'a Node>)> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .find(|k| a.get(*k) != b.get(*k))
        .map(|k| (k.as_str(), a.get(k), b.get(k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_compare_equal_until_one_changes() {
        let src = tempfile::tempdir().unwrap();
        std::fs::create_dir(src.path().join("d")).unwrap();
        std::fs::write(src.path().join("d/f"), b"hello").unwrap();
        std::os::unix::fs::symlink("d/f", src.path().join("link")).unwrap();
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        copy_tree(src.path(), a.path()).unwrap();
        copy_tree(src.path(), b.path()).unwrap();
        let (sa, sb) = (snapshot(a.path()).unwrap(), snapshot(b.path()).unwrap());
        assert_eq!(sa.len(), 3);
        assert_eq!(first_difference(&sa, &sb), None);
        std::fs::write(b.path().join("d/f"), b"hellO").unwrap();
        let sb = snapshot(b.path()).unwrap();
        let (path, x, y) = first_difference(&sa, &sb).unwrap();
        assert_eq!(path, "d/f");
        assert_ne!(x, y);
        std::fs::remove_file(b.path().join("link")).unwrap();
        let sb = snapshot(b.path()).unwrap();
        assert_eq!(first_difference(&sa, &sb).unwrap().0, "d/f");
        assert_eq!(sb.get("link"), None);
    }
}
