//! The guest's WASI context from the command line: stdio, `argv`, the
//! environment, the preopened directories and trees, the listening sockets
//! (`--tcplisten`, `-S tcplisten`, `-S listenfd`), the fd cap.

use crate::exec::{Setup, Sinks, Stdio};
use crate::options::{RunArgs, Runtime};
use crate::wasi_opts::WasiPlan;
use wasi_common_compat::WasiCtx;
use wasi_common_compat::pipe::{ReadPipe, WritePipe};
use wasi_common_compat_sync::WasiCtxBuilder;
use wasi_common_compat_sync::memfs::{Config as MemConfig, MemFs};
use wasmtime::Result;
use wasmtime::error::Context as _;

/// The environment the guest gets: the host's with `-S inherit-env` (or
/// `--inherit-env`), then each `--env` (`NAME` alone copies the host's value,
/// or sets nothing if the host has none).
pub fn environment(args: &RunArgs, plan: &WasiPlan) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = Vec::new();
    if plan.inherit_env {
        env.extend(std::env::vars());
    }
    for e in &args.envs {
        match e.split_once('=') {
            Some((k, v)) => env.push((k.to_owned(), v.to_owned())),
            None => {
                if let Ok(v) = std::env::var(e) {
                    env.push((e.clone(), v));
                }
            }
        }
    }
    if plan.listenfd {
        for name in ["LISTEN_FDS", "LISTEN_FDNAMES"] {
            if let Ok(v) = std::env::var(name) {
                env.push((name.to_owned(), v));
            }
        }
    }
    env
}

/// The trees of `--mem-dir HOST::GUEST` (an empty HOST: an empty tree), each
/// with the `--mem-dir-budget`, and their guest paths.
/// Errors: `HOST` cannot be read, or does not fit the budget.
pub fn mem_trees(args: &RunArgs) -> Result<Vec<(MemFs, String)>> {
    args.mem_dirs
        .iter()
        .map(|spec| {
            let (host, guest) = split_dir(spec);
            let config = MemConfig::new().max_bytes(args.mem_dir_budget.saturating_mul(1 << 20));
            let tree = if host.is_empty() {
                MemFs::with_config(config)
            } else {
                MemFs::from_host_dir(config, &host)
                    .map_err(|e| wasmtime::format_err!("failed to copy directory {host:?} into memory: {e}"))?
            };
            Ok((tree, guest))
        })
        .collect()
}

/// `HOST[::GUEST]` as (host, guest).
pub fn split_dir(spec: &str) -> (String, String) {
    match spec.split_once("::") {
        Some((host, guest)) => (host.to_owned(), guest.to_owned()),
        None => (spec.to_owned(), spec.to_owned()),
    }
}

/// The systemd sockets of `LISTEN_FDS` (`-S listenfd`), for this process.
/// Errors: a listed fd is not a TCP listener.
fn listenfd_sockets() -> Result<Vec<std::net::TcpListener>> {
    let mut fds = listenfd::ListenFd::from_env();
    let mut out = Vec::new();
    for i in 0..fds.len() {
        if let Some(l) = fds
            .take_tcp_listener(i)
            .with_context(|| format!("LISTEN_FDS: fd {} is not a TCP listener", 3 + i))?
        {
            out.push(l);
        }
    }
    Ok(out)
}

/// Builds the guest's context.
/// Errors: a `--dir` cannot be opened, a socket cannot be bound, an
/// argument or variable holds a NUL byte, the preopens exceed the fd cap.
pub fn build(args: &RunArgs, plan: &WasiPlan, setup: &Setup) -> Result<WasiCtx> {
    let mut b = match args.runtime {
        Runtime::Sync => WasiCtxBuilder::new(),
        Runtime::Tokio => wasi_common_compat_tokio::builder().into_sync(),
    };
    b = match &setup.stdio {
        Stdio::Os => {
            b = if plan.inherit_stdin {
                b.inherit_stdin()
            } else {
                b.stdin(Box::new(ReadPipe::from_bytes(Vec::new())))
            };
            b = if plan.inherit_stdout {
                b.inherit_stdout()
            } else {
                b.stdout(Box::new(WritePipe::new(std::io::sink())))
            };
            if plan.inherit_stderr {
                b.inherit_stderr()
            } else {
                b.stderr(Box::new(WritePipe::new(std::io::sink())))
            }
        }
        Stdio::P2 => crate::p2::os_stdio(b),
        Stdio::Captured(c) => match &c.sinks {
            Sinks::Bridged(out, err) => crate::p2::memory_stdio(b, &c.stdin, out, err),
            Sinks::Core(out, err) => b
                .stdin(Box::new(ReadPipe::from_bytes(c.stdin.clone())))
                .stdout(Box::new(out.clone()))
                .stderr(Box::new(err.clone())),
        },
    };
    b = b.args(&setup.argv)?;
    for (k, v) in &setup.env {
        b = b.env(k, v)?;
    }
    for (host, guest) in &setup.dirs {
        b = b
            .preopened_dir(host, guest)
            .with_context(|| format!("failed to open directory {host:?}"))?;
    }
    for (tree, guest) in &setup.mem_dirs {
        b = b.preopened_memfs(tree.clone(), guest);
    }
    if plan.listenfd {
        for l in listenfd_sockets()? {
            b = b.preopened_socket(l)?;
        }
    }
    for addr in &plan.tcplisten {
        let l = std::net::TcpListener::bind(addr).with_context(|| format!("failed to bind to address '{addr}'"))?;
        b = b.preopened_socket(l)?;
    }
    if let Some(max) = plan.max_fds {
        b = b.max_open_fds(max);
    }
    if let Some((clock, random)) = &setup.determinism {
        b = b.clocks(clock.clocks()).random(Box::new(random.clone()));
    }
    Ok(b.build()?)
}
