//! Building a tree from a tar stream (feature `tar`).

use crate::build::{Builder, meta_of};
use crate::tree::Fs;
use std::io::Read;
use std::time::{Duration, UNIX_EPOCH};
use wasi_common_compat::{Error, Result};

fn io(e: std::io::Error) -> Error {
    Error::io().context(format!("memfs: reading a tar stream: {e}"))
}

fn path_str(p: std::borrow::Cow<'_, [u8]>) -> Result<String> {
    String::from_utf8(p.into_owned()).map_err(|_| Error::ilseq())
}

/// Copies the entries of the tar stream `reader` into `fs`.
pub(crate) fn copy_in(fs: &Fs, reader: impl Read) -> Result<()> {
    let b = Builder::new(fs);
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        let path = path_str(entry.path_bytes())?;
        let header = entry.header();
        let mtime = header
            .mtime()
            .ok()
            .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)))
            .unwrap_or(UNIX_EPOCH);
        let meta = Some(meta_of(mtime, mtime, mtime));
        let kind = header.entry_type();
        if kind.is_dir() {
            b.dir(&path, meta)?;
        } else if kind.is_file() {
            // A file larger than what is left of the budget is refused
            // before anything is read (the stream could be any size).
            if entry.size() > fs.budget.remaining_bytes() {
                return Err(Error::errno(wasi_common_compat::Errno::Nospc).context("memfs: tar entry past the budget"));
            }
            let cap = usize::try_from(entry.size()).map_err(|_| Error::nomem())?;
            let mut bytes = Vec::with_capacity(cap.min(1 << 20));
            entry.read_to_end(&mut bytes).map_err(io)?;
            b.file(&path, &bytes, meta)?;
        } else if kind.is_symlink() {
            let target = entry
                .link_name_bytes()
                .ok_or_else(|| Error::io().context("memfs: tar symlink without a target"))?;
            b.symlink(&path, &path_str(target)?, meta)?;
        } else if kind.is_hard_link() {
            let target = entry
                .link_name_bytes()
                .ok_or_else(|| Error::io().context("memfs: tar hard link without a target"))?;
            let node = b
                .lookup(&path_str(target)?)
                .map_err(|_| Error::io().context("memfs: tar hard link to a path not seen before"))?;
            b.hard_link(&path, node)?;
        }
    }
    Ok(())
}
