//! What the `-S` options (and the `-D`/`-R` options that concern the run,
//! not the engine) mean for a preview1 host: the supported ones become a
//! [`WasiPlan`], the ones that only make sense for preview2 components are
//! accepted with a one-line warning, and the ones asking for something this
//! host does not offer are rejected with a message saying why.

use crate::options::RunArgs;
use wasmtime::{Result, bail};

/// The resolved WASI side of a run.
#[derive(Debug, Clone)]
pub struct WasiPlan {
    /// Link WASI at all (`-S cli`, default on).
    pub enabled: bool,
    /// Also link `wasi_unstable` (`-S preview0`, default on).
    pub preview0: bool,
    /// `-S threads`: `Some(true)` forces wasi-threads, `Some(false)` turns
    /// off the detection, `None` detects it from the module's imports.
    pub threads: Option<bool>,
    pub inherit_env: bool,
    pub inherit_stdin: bool,
    pub inherit_stdout: bool,
    pub inherit_stderr: bool,
    /// `-S listenfd`: the systemd sockets of `LISTEN_FDS`.
    pub listenfd: bool,
    /// `--tcplisten` and `-S tcplisten`, in order.
    pub tcplisten: Vec<String>,
    /// `-S max-resources`: the most open fds.
    pub max_fds: Option<u32>,
}

fn warn_ignored(option: &str, why: &str) {
    eprintln!("warning: `{option}` is ignored by wasi-compat: {why}");
}

impl WasiPlan {
    /// Resolves the options of `args` (whose `common` options must already
    /// be configured, see [`crate::load::engine_config`]).
    /// Errors: an option asks for what a preview1 host cannot give (wasi-nn,
    /// wasi-http, core dumps, ...), or `-S cli` and `-S common` are both set.
    pub fn new(args: &RunArgs) -> Result<WasiPlan> {
        let w = &args.common.wasi;
        let d = &args.common.debug;
        if args.profile.is_some() {
            bail!("`--profile` is not supported by wasi-compat (run the program under `perf` instead)");
        }
        if d.coredump.is_some() {
            bail!("`-D coredump` is not supported: wasi-compat does not write core dumps");
        }
        let debugger = d.debugger.is_some() || !d.arg.is_empty();
        if debugger || d.inherit_stdin.is_some() || d.inherit_stdout.is_some() || d.inherit_stderr.is_some() {
            bail!(
                "`-D debugger` and its options are not supported: the debugger is a component, and wasi-compat runs core modules"
            );
        }
        if args.common.record.path.is_some()
            || args.common.record.validation_metadata.is_some()
            || args.common.record.event_window_size.is_some()
        {
            bail!("`-R` (execution recording) is not supported by wasi-compat");
        }
        let rejected: [(&str, bool); 6] = [
            ("-S nn", w.nn == Some(true) || !w.nn_graph.is_empty()),
            ("-S http", w.http == Some(true)),
            ("-S config", w.config == Some(true) || !w.config_var.is_empty()),
            (
                "-S keyvalue",
                w.keyvalue == Some(true) || !w.keyvalue_in_memory_data.is_empty(),
            ),
            ("-S tls", w.tls == Some(true)),
            ("-S p3", w.p3 == Some(true)),
        ];
        for (option, given) in rejected {
            if given {
                bail!(
                    "`{option}` is not supported by wasi-compat: it is a WASI proposal for components, and wasi-compat runs preview1 core modules"
                );
            }
        }
        let cli = match (w.cli, w.common) {
            (Some(_), Some(_)) => bail!("The -Scommon option should not be use with -Scli as it is a deprecated alias"),
            (c, None) | (None, c) => c,
        };
        if d.log_to_files == Some(true) {
            warn_ignored("-D log-to-files", "logs go to stderr (filter them with WASMTIME_LOG)");
        }
        if w.cli_exit_with_code == Some(false) {
            warn_ignored(
                "-S cli-exit-with-code=n",
                "preview1's proc_exit always gives its status",
            );
        }
        let p2_only: [(&str, bool); 11] = [
            ("-S inherit-network", w.inherit_network.is_some()),
            ("-S allow-ip-name-lookup", w.allow_ip_name_lookup.is_some()),
            ("-S tcp", w.tcp.is_some()),
            ("-S udp", w.udp.is_some()),
            ("-S network-error-code", w.network_error_code.is_some()),
            ("-S cwd", w.cwd.is_some()),
            ("-S hostcall-fuel", w.hostcall_fuel.is_some()),
            ("-S max-random-size", w.max_random_size.is_some()),
            ("-S max-http-fields-size", w.max_http_fields_size.is_some()),
            (
                "-S http-outgoing-body-buffer-chunks",
                w.http_outgoing_body_buffer_chunks.is_some(),
            ),
            (
                "-S http-outgoing-body-chunk-size",
                w.http_outgoing_body_chunk_size.is_some(),
            ),
        ];
        for (option, given) in p2_only {
            if given {
                warn_ignored(
                    option,
                    "it configures preview2 interfaces, which preview1 modules do not import",
                );
            }
        }
        let mut tcplisten = args.tcplisten.clone();
        tcplisten.extend(w.tcplisten.iter().cloned());
        let max_fds = w.max_resources.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        Ok(WasiPlan {
            enabled: cli != Some(false),
            preview0: w.preview0 != Some(false),
            threads: w.threads,
            inherit_env: args.inherit_env || w.inherit_env == Some(true),
            inherit_stdin: w.inherit_stdin != Some(false),
            inherit_stdout: w.inherit_stdout != Some(false),
            inherit_stderr: w.inherit_stderr != Some(false),
            listenfd: w.listenfd == Some(true),
            tcplisten,
            max_fds,
        })
    }
}
