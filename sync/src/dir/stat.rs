//! Listing a directory and the attributes of paths in it.

use super::{filetype_of, host_err};
use cap_std::fs::MetadataExt;
use rustix::fs::DirEntryExt;
use std::io::ErrorKind;
use wasi_common_compat::{Filestat, ReaddirEntity, Result};

/// The entries of `dir` but `.` and `..`. See [`super::Dir`]'s `read_dir`.
pub(super) fn read_dir(dir: &cap_std::fs::Dir) -> Result<Vec<ReaddirEntity>> {
    let mut out = Vec::new();
    for entry in dir.entries().map_err(host_err)? {
        let entry = entry.map_err(host_err)?;
        let Ok(name) = entry.file_name().into_string() else {
            tracing::debug!(name = ?entry.file_name(), "skipping a directory entry that is not UTF-8");
            continue;
        };
        if name == "." || name == ".." {
            continue;
        }
        let filetype = match entry.file_type() {
            Ok(ft) => filetype_of(ft),
            // Removed between the listing and the `fstatat` a filesystem
            // without `d_type` needs: it is gone, so it is not listed.
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(host_err(e)),
        };
        out.push(ReaddirEntity {
            name,
            inode: entry.ino(),
            filetype,
        });
    }
    Ok(out)
}

/// `fstatat(path)` beneath `dir`, following a final symlink if `follow`.
pub(super) fn path_filestat(dir: &cap_std::fs::Dir, path: &str, follow: bool) -> Result<Filestat> {
    // One name in this directory (not `..`): one `fstatat` without
    // following, which cannot leave the directory. Only a symlink that must
    // be followed needs cap-std's resolution (an `O_PATH` open, a stat and a
    // close).
    if !path.contains('/') && path != ".." {
        let st = rustix::fs::statat(dir, path, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)?;
        let fs = crate::filestat_from_stat(&st);
        if !follow || fs.filetype != wasi_common_compat::FileType::SymbolicLink {
            return Ok(fs);
        }
    }
    // cap-std's no-follow stat of a single component goes through Rust's
    // `Path::components`, which drops a trailing slash ("file/" would stat
    // the file). On Linux a trailing slash means the path must resolve, final
    // symlink followed, to a directory; the following stat keeps the slash
    // and gives exactly that (ENOTDIR otherwise).
    let md = if follow || super::has_trailing_slash(path) {
        dir.metadata(path)
    } else {
        dir.symlink_metadata(path)
    }
    .map_err(host_err)?;
    Ok(filestat_of_metadata(&md))
}

/// A cap-std [`Metadata`](cap_std::fs::Metadata) as a [`Filestat`].
pub(super) fn filestat_of_metadata(md: &cap_std::fs::Metadata) -> Filestat {
    Filestat {
        device_id: md.dev(),
        inode: md.ino(),
        filetype: filetype_of(md.file_type()),
        nlink: md.nlink(),
        size: md.size(),
        atim: crate::systime(md.atime(), md.atime_nsec()),
        mtim: crate::systime(md.mtime(), md.mtime_nsec()),
        ctim: crate::systime(md.ctime(), md.ctime_nsec()),
    }
}
