//! Host directories. (stub: to be implemented)
use std::any::Any;
use wasi_common_compat::WasiDir;

/// A host directory opened through cap-std.
pub struct Dir(cap_std::fs::Dir);

impl Dir {
    /// Wraps a cap-std directory.
    pub fn from_cap_std(d: cap_std::fs::Dir) -> Self {
        Dir(d)
    }
}

impl WasiDir for Dir {
    fn as_any(&self) -> &dyn Any {
        self
    }
}
