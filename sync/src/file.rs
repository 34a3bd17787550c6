//! Host files. (stub: to be implemented)
use std::any::Any;
use wasi_common_compat::WasiFile;

/// A host file opened through cap-std.
pub struct File(cap_std::fs::File);

impl File {
    /// Wraps a cap-std file.
    pub fn from_cap_std(f: cap_std::fs::File) -> Self {
        File(f)
    }
}

impl WasiFile for File {
    fn as_any(&self) -> &dyn Any {
        self
    }
}
