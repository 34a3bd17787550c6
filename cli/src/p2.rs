//! Stdio through wasmtime-wasi's preview2 streams over the p1-to-p2 bridge
//! (`--stdio p2`), to check that a module behaves the same on the stream
//! backends.

use wasi_common_compat::FileType;
use wasi_common_compat_p1_to_p2::{InputStreamFile, OutputStreamFile};
use wasi_common_compat_sync::WasiCtxBuilder;
use wasmtime_wasi::cli::{StdinStream, StdoutStream};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};

/// The type a stream reports: a character device on a terminal, else
/// unknown (as Wasmtime reports stdio).
fn kind(tty: bool) -> FileType {
    if tty {
        FileType::CharacterDevice
    } else {
        FileType::Unknown
    }
}

fn with_streams(b: WasiCtxBuilder, i: &dyn StdinStream, o: &dyn StdoutStream, e: &dyn StdoutStream) -> WasiCtxBuilder {
    b.stdin(Box::new(
        InputStreamFile::new(i.p2_stream()).with_filetype(kind(i.is_terminal())),
    ))
    .stdout(Box::new(
        OutputStreamFile::new(o.p2_stream()).with_filetype(kind(o.is_terminal())),
    ))
    .stderr(Box::new(
        OutputStreamFile::new(e.p2_stream()).with_filetype(kind(e.is_terminal())),
    ))
}

/// The process's stdio through wasmtime-wasi's stdio streams.
pub fn os_stdio(b: WasiCtxBuilder) -> WasiCtxBuilder {
    let (i, o, e) = (
        wasmtime_wasi::cli::stdin(),
        wasmtime_wasi::cli::stdout(),
        wasmtime_wasi::cli::stderr(),
    );
    with_streams(b, &i, &o, &e)
}

/// `stdin` bytes and two output pipes through wasmtime-wasi's memory pipes.
pub fn memory_stdio(b: WasiCtxBuilder, stdin: &[u8], out: &MemoryOutputPipe, err: &MemoryOutputPipe) -> WasiCtxBuilder {
    let i = MemoryInputPipe::new(stdin.to_vec());
    with_streams(b, &i, out, err)
}
