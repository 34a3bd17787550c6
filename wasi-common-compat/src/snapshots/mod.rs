//! The host implementations of the WASI snapshots.

pub mod preview_0;
pub mod preview_1;
