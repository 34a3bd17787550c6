use std::any::Any;
use std::collections::HashMap;
use std::io::{IoSliceMut, SeekFrom};
use std::sync::{Arc, Mutex};
use wasi_common_compat::{
    Errno, Error, FileType, Filestat, OFlags, OpenOptions, OpenResult, ReaddirEntity, Result, WasiDir,
    WasiFile,
};

/// A read-only directory of files held in a map (names without slashes).
#[derive(Clone)]
pub struct MapDir {
    files: Arc<HashMap<String, Arc<[u8]>>>,
}

impl MapDir {
    pub fn new(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Self {
        let files = files.into_iter().map(|(k, v)| (k, Arc::from(v))).collect();
        MapDir { files: Arc::new(files) }
    }

    /// Inode numbers: 1 for the directory, then the files in name order.
    fn inode(&self, name: &str) -> u64 {
        let mut names: Vec<&String> = self.files.keys().collect();
        names.sort();
        names.iter().position(|n| *n == name).map_or(0, |i| i as u64 + 2)
    }

    fn stat_of(&self, name: &str, data: &[u8]) -> Filestat {
        Filestat {
            inode: self.inode(name),
            nlink: 1,
            size: data.len() as u64,
            ..Filestat::of_type(FileType::RegularFile)
        }
    }
}

impl WasiDir for MapDir {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn open_file(&self, path: &str, opts: OpenOptions) -> Result<OpenResult> {
        if path == "." || path == "./" {
            if opts.write {
                return Err(Error::isdir());
            }
            return Ok(OpenResult::Dir(Box::new(self.clone())));
        }
        if path.starts_with('/') || path.split('/').any(|c| c == "..") {
            return Err(Error::perm()); // nothing above this directory
        }
        let Some(data) = self.files.get(path) else {
            return Err(if opts.oflags.contains(OFlags::CREATE) {
                Error::errno(Errno::Rofs)
            } else {
                Error::noent()
            });
        };
        if opts.oflags.contains(OFlags::DIRECTORY) {
            return Err(Error::notdir());
        }
        if opts.write || opts.oflags.contains(OFlags::TRUNCATE) {
            return Err(Error::errno(Errno::Rofs));
        }
        let stat = self.stat_of(path, data);
        Ok(OpenResult::File(Box::new(MapFile {
            data: data.clone(),
            stat,
            cursor: Mutex::new(0),
        })))
    }

    fn read_dir(&self) -> Result<Vec<ReaddirEntity>> {
        let mut names: Vec<&String> = self.files.keys().collect();
        names.sort();
        Ok(names
            .into_iter()
            .map(|n| ReaddirEntity {
                name: n.clone(),
                inode: self.inode(n),
                filetype: FileType::RegularFile,
            })
            .collect())
    }

    fn get_filestat(&self) -> Result<Filestat> {
        Ok(Filestat {
            inode: 1,
            nlink: 2,
            ..Filestat::of_type(FileType::Directory)
        })
    }

    fn get_path_filestat(&self, path: &str, _follow: bool) -> Result<Filestat> {
        if path == "." {
            return self.get_filestat();
        }
        let data = self.files.get(path).ok_or_else(Error::noent)?;
        Ok(self.stat_of(path, data))
    }
}

/// One open file of a [`MapDir`]: shared bytes and its own cursor.
pub struct MapFile {
    data: Arc<[u8]>,
    stat: Filestat,
    cursor: Mutex<u64>,
}

impl MapFile {
    fn read_at(&self, bufs: &mut [IoSliceMut<'_>], mut at: u64) -> u64 {
        let start = at;
        for buf in bufs {
            let from = (at as usize).min(self.data.len());
            let n = buf.len().min(self.data.len() - from);
            buf[..n].copy_from_slice(&self.data[from..from + n]);
            at += n as u64;
        }
        at - start
    }
}

impl WasiFile for MapFile {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn get_filetype(&self) -> Result<FileType> {
        Ok(FileType::RegularFile)
    }

    fn get_filestat(&self) -> Result<Filestat> {
        Ok(self.stat.clone())
    }

    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<u64> {
        let mut cursor = self.cursor.lock().map_err(|_| Error::io())?;
        let n = self.read_at(bufs, *cursor);
        *cursor += n;
        Ok(n)
    }

    fn read_vectored_at(&self, bufs: &mut [IoSliceMut<'_>], offset: u64) -> Result<u64> {
        Ok(self.read_at(bufs, offset))
    }

    fn seek(&self, pos: SeekFrom) -> Result<u64> {
        let mut cursor = self.cursor.lock().map_err(|_| Error::io())?;
        let new = match pos {
            SeekFrom::Start(o) => Some(o),
            SeekFrom::Current(d) => cursor.checked_add_signed(d),
            SeekFrom::End(d) => (self.data.len() as u64).checked_add_signed(d),
        };
        *cursor = new.ok_or_else(Error::inval)?;
        Ok(*cursor)
    }

    fn num_ready_bytes(&self) -> Result<u64> {
        let cursor = self.cursor.lock().map_err(|_| Error::io())?;
        Ok((self.data.len() as u64).saturating_sub(*cursor))
    }
}
