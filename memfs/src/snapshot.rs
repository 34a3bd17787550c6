//! [`Snapshot`]: a frozen copy of a tree, to inspect, store and restore.

use crate::data::Data;
use crate::node::{Ino, Kind, Meta, Node, read};
use crate::tree::{DirData, Fs};
use crate::{Config, MemFs};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use wasi_common_compat::{Error, FileType, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
enum SnapKind {
    File(Data),
    Dir(BTreeMap<String, Ino>),
    Symlink(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct SnapNode {
    meta: Meta,
    kind: SnapKind,
}

#[derive(Debug, PartialEq, Eq)]
struct Frozen {
    root: Ino,
    next_ino: Ino,
    nodes: BTreeMap<Ino, SnapNode>,
}

/// A frozen copy of a [`MemFs`] tree: names, inode numbers, link counts,
/// times and bytes. Clones share the copy. Two snapshots are equal when
/// their trees are (same names, inodes, times and contents).
#[derive(Clone, PartialEq, Eq)]
pub struct Snapshot {
    frozen: Arc<Frozen>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("nodes", &self.frozen.nodes.len())
            .finish()
    }
}

/// Copies every node reachable from the root of `fs`.
pub(crate) fn take(fs: &Fs) -> Snapshot {
    let ns = read(&fs.ns);
    let mut nodes = BTreeMap::new();
    let mut todo = vec![fs.root.ino];
    while let Some(ino) = todo.pop() {
        let Some(d) = ns.dirs.get(&ino) else { continue };
        let mut entries = BTreeMap::new();
        for (name, child) in &d.entries {
            entries.insert(name.clone(), child.ino);
            if nodes.contains_key(&child.ino) {
                continue;
            }
            match &child.kind {
                Kind::Dir => todo.push(child.ino),
                Kind::File(data) => {
                    let kind = SnapKind::File(read(data).clone());
                    nodes.insert(
                        child.ino,
                        SnapNode {
                            meta: child.meta(),
                            kind,
                        },
                    );
                }
                Kind::Symlink(t) => {
                    let kind = SnapKind::Symlink(t.clone());
                    nodes.insert(
                        child.ino,
                        SnapNode {
                            meta: child.meta(),
                            kind,
                        },
                    );
                }
            }
        }
        nodes.insert(
            ino,
            SnapNode {
                meta: d.node.meta(),
                kind: SnapKind::Dir(entries),
            },
        );
    }
    Snapshot {
        frozen: Arc::new(Frozen {
            root: fs.root.ino,
            next_ino: ns.next_ino,
            nodes,
        }),
    }
}

impl Snapshot {
    fn node_at(&self, path: &str) -> Option<&SnapNode> {
        let f = &self.frozen;
        let mut cur = f.nodes.get(&f.root)?;
        for c in crate::build::components(path).ok()? {
            let SnapKind::Dir(entries) = &cur.kind else { return None };
            cur = f.nodes.get(entries.get(c)?)?;
        }
        Some(cur)
    }

    /// The bytes of the regular file at `path` (symlinks not followed), if
    /// there is one.
    pub fn read(&self, path: &str) -> Option<Vec<u8>> {
        match &self.node_at(path)?.kind {
            SnapKind::File(d) => Some(d.to_vec()),
            _ => None,
        }
    }

    /// The target of the symlink at `path`, if there is one.
    pub fn read_link(&self, path: &str) -> Option<&str> {
        match &self.node_at(path)?.kind {
            SnapKind::Symlink(t) => Some(t),
            _ => None,
        }
    }

    /// Every path in the tree (`/`-separated, relative to the root, sorted)
    /// with its type.
    pub fn paths(&self) -> Vec<(String, FileType)> {
        let mut out = Vec::new();
        self.walk(|path, _, node| {
            let ft = match node.kind {
                SnapKind::File(_) => FileType::RegularFile,
                SnapKind::Dir(_) => FileType::Directory,
                SnapKind::Symlink(_) => FileType::SymbolicLink,
            };
            out.push((path.to_owned(), ft));
        });
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Calls `f` with every path below the root and its node, parents first.
    fn walk(&self, mut f: impl FnMut(&str, Ino, &SnapNode)) {
        let fz = &self.frozen;
        let mut todo = vec![(String::new(), fz.root)];
        while let Some((prefix, ino)) = todo.pop() {
            let Some(SnapNode {
                kind: SnapKind::Dir(entries),
                ..
            }) = fz.nodes.get(&ino)
            else {
                continue;
            };
            for (name, child) in entries.iter().rev() {
                let path = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}/{name}")
                };
                if let Some(n) = fz.nodes.get(child) {
                    f(&path, *child, n);
                    if matches!(n.kind, SnapKind::Dir(_)) {
                        todo.push((path, *child));
                    }
                }
            }
        }
    }

    /// A new tree with this snapshot's contents, inode numbers and times,
    /// under `config`'s budgets and clock.
    /// Errors: `ENOSPC` (the snapshot does not fit the budgets).
    pub fn restore(&self, config: Config) -> Result<MemFs> {
        let fz = &self.frozen;
        let budget = config.budget();
        let root_meta = fz.nodes.get(&fz.root).map(|n| n.meta);
        let fs = Fs::new(budget.clone(), config.clock_or_host(), fz.root, root_meta);
        let mut made: HashMap<Ino, Arc<Node>> = HashMap::new();
        made.insert(fz.root, fs.root.clone());
        for (&ino, n) in &fz.nodes {
            if ino == fz.root {
                continue;
            }
            let kind = match &n.kind {
                SnapKind::Dir(_) => Kind::Dir,
                SnapKind::Symlink(t) => Kind::Symlink(t.clone()),
                SnapKind::File(_) => Kind::File(RwLock::new(Data::default())),
            };
            let node = Node::new(&budget, ino, kind, n.meta)?;
            if let (SnapKind::File(d), Kind::File(slot)) = (&n.kind, &node.kind) {
                budget.charge_bytes(d.allocated())?;
                *crate::node::write(slot) = d.clone();
            }
            made.insert(ino, node);
        }
        {
            let mut ns = crate::node::write(&fs.ns);
            ns.next_ino = fz.next_ino;
            for (&ino, n) in &fz.nodes {
                let SnapKind::Dir(entries) = &n.kind else { continue };
                let mut table = BTreeMap::new();
                for (name, child) in entries {
                    budget.charge_bytes(name.len() as u64)?;
                    let c = made
                        .get(child)
                        .ok_or_else(|| Error::io().context("snapshot: missing node"))?;
                    table.insert(name.clone(), c.clone());
                    if let Some(SnapNode {
                        kind: SnapKind::Dir(_), ..
                    }) = fz.nodes.get(child)
                    {
                        ns.dirs.entry(*child).or_insert_with(|| DirData {
                            node: c.clone(),
                            parent: ino,
                            entries: BTreeMap::new(),
                        });
                    }
                }
                let node = made
                    .get(&ino)
                    .ok_or_else(|| Error::io().context("snapshot: missing dir"))?;
                let d = ns.dirs.entry(ino).or_insert_with(|| DirData {
                    node: node.clone(),
                    parent: ino,
                    entries: BTreeMap::new(),
                });
                d.entries = table;
            }
        }
        Ok(MemFs { fs: Arc::new(fs) })
    }

    /// Writes the tree into the host directory `path`, made if missing:
    /// directories, files (with their access and modification times),
    /// symlinks (targets as stored) and hard links (as links). An entry
    /// already on the host at a name the tree uses is replaced; other host
    /// entries are left alone.
    /// Errors: the host's (`EACCES`, `ENOSPC`, `EIO`, ...).
    pub fn write_to_host_dir(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        crate::host::write_out(self, path.as_ref())
    }

    /// Bytes of file pages in the snapshot (what restoring charges for
    /// contents).
    pub fn file_bytes(&self) -> u64 {
        self.frozen
            .nodes
            .values()
            .map(|n| match &n.kind {
                SnapKind::File(d) => d.allocated(),
                _ => 0,
            })
            .sum::<u64>()
    }

    /// Visits every path for writing out: `(path, inode, what)`.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&str, Ino, Entry<'_>) -> Result<()>) -> Result<()> {
        let mut result = Ok(());
        self.walk(|path, ino, n| {
            if result.is_err() {
                return;
            }
            let e = match &n.kind {
                SnapKind::File(d) => Entry::File(d, n.meta),
                SnapKind::Dir(_) => Entry::Dir(n.meta),
                SnapKind::Symlink(t) => Entry::Symlink(t),
            };
            result = f(path, ino, e);
        });
        result
    }

    /// The root directory's times.
    pub(crate) fn root_meta(&self) -> Option<Meta> {
        self.frozen.nodes.get(&self.frozen.root).map(|n| n.meta)
    }
}

/// One path of a snapshot, for writing out.
pub(crate) enum Entry<'a> {
    File(&'a Data, Meta),
    Dir(Meta),
    Symlink(&'a str),
}
