//! The guest side of the wasi-common-compat test suite: raw preview1 (and
//! preview0) imports declared here from the spec's ABI, thin wrappers, and
//! assertion helpers. Each program in `src/bin` is one guest, named
//! `<spec group>_<topic>`; it exits 0 when every check passed and 1 (with a
//! `FAIL file:line: ...` line on stderr) at the first one that did not.

pub mod check;
pub mod p0;
pub mod sys;
pub mod types;
pub mod wasi;

pub use check::{check, done, eq, errno, fail, ok, section};
pub use types::*;
pub use wasi::*;
