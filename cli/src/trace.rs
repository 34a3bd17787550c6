//! `--trace[=FILE]`: one line per preview1 call, like `strace`, and the call
//! records `diff --calls` compares.
//!
//! The lines come from the `tracing` events that wiggle's bindings emit for
//! every call (a `wiggle abi` span naming the module and function, an event
//! with the decoded arguments, an event with the result), on this host and
//! on wasmtime-wasi alike. No subscriber is installed unless asked for, so a
//! run without `--trace` pays nothing (the fast paths stay on).
//!
//! A line reads `[THREAD] MODULE::FUNCTION(ARGS) -> RESULT`, e.g.
//! `[main] wasi_snapshot_preview1::fd_write(fd=Fd(1), iovs=...) -> Ok(6)`.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Mutex, PoisonError};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

/// One preview1 call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub thread: String,
    pub function: String,
    pub args: String,
    /// `Ok(...)` as printed, or `Err(ERRNO)` with the errno's name (error
    /// texts differ between hosts; the errno is what the guest sees).
    pub result: String,
}

impl Call {
    /// The arguments with times masked (guests pass times they read from
    /// the clock).
    pub fn comparable_args(&self) -> String {
        mask_numbers_after(&mask_numbers_after(&self.args, "atim="), "mtim=")
    }

    /// The result with what differs between any two runs masked: clock
    /// readings, and the device, inode and times of a filestat.
    pub fn comparable_result(&self) -> String {
        if self.function.ends_with("::clock_time_get") || self.function.ends_with("::clock_res_get") {
            return if self.result.starts_with("Ok(") {
                "Ok(_)".to_owned()
            } else {
                self.result.clone()
            };
        }
        let mut out = self.result.clone();
        for key in ["dev: ", "ino: ", "atim: ", "mtim: ", "ctim: "] {
            out = mask_numbers_after(&out, key);
        }
        out
    }
}

/// `text` with the number after every `key` replaced by `_`.
fn mask_numbers_after(text: &str, key: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(key) {
        out.push_str(&rest[..i + key.len()]);
        rest = &rest[i + key.len()..];
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits > 0 {
            out.push('_');
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

impl std::fmt::Display for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] {}({}) -> {}",
            self.thread, self.function, self.args, self.result
        )
    }
}

/// Where finished calls go.
enum Sink {
    Write(Mutex<Box<dyn Write + Send>>),
    Record,
}

/// The calls recorded since [`start_recording`].
static RECORDED: Mutex<Option<Vec<Call>>> = Mutex::new(None);

/// Starts collecting calls (for `diff --calls`), dropping any collected.
pub fn start_recording() {
    *RECORDED.lock().unwrap_or_else(PoisonError::into_inner) = Some(Vec::new());
}

/// The calls collected since [`start_recording`].
pub fn take_recording() -> Vec<Call> {
    RECORDED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .unwrap_or_default()
}

/// Installs the subscriber: calls to `FILE` (`-` for stderr) or into the
/// recording; `WASMTIME_LOG` (as `wasmtime run` reads it) or else
/// `RUST_LOG`, when set and `log` is true (no `-D logging=n`), adds the
/// usual `tracing` output to stderr filtered by it.
/// Errors: `FILE` cannot be created.
pub fn install(trace: Option<&str>, record: bool, log: bool) -> std::io::Result<()> {
    let sink = match trace {
        Some("-") => Some(Sink::Write(Mutex::new(Box::new(std::io::stderr())))),
        Some(path) => Some(Sink::Write(Mutex::new(Box::new(std::io::BufWriter::new(LineFlush(
            std::fs::File::create(path)?,
        )))))),
        None if record => Some(Sink::Record),
        None => None,
    };
    let var = ["WASMTIME_LOG", "RUST_LOG"]
        .into_iter()
        .find(|v| std::env::var_os(v).is_some());
    let env = var.filter(|_| log).map(|v| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(tracing_subscriber::EnvFilter::from_env(v))
    });
    if sink.is_none() && env.is_none() {
        return Ok(());
    }
    let calls = sink.map(|sink| CallLayer { sink });
    let subscriber = tracing_subscriber::registry().with(calls).with(env);
    // Only fails if a subscriber is already set, which nothing else does.
    let _ = tracing::subscriber::set_global_default(subscriber);
    Ok(())
}

/// Flushes after every line, so a trace file is complete even when the
/// process exits without dropping its writers.
struct LineFlush(std::fs::File);

impl Write for LineFlush {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

struct CallLayer {
    sink: Sink,
}

/// The state of a call in flight, kept in its span.
struct Pending {
    function: String,
    args: Option<String>,
}

#[derive(Default)]
struct Fields {
    module: String,
    function: String,
    result: Option<String>,
    rest: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "module" => self.module = value.to_owned(),
            "function" => self.function = value.to_owned(),
            _ => self.record_debug(field, &value),
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "result" => self.result = Some(format!("{value:?}")),
            "message" => {}
            name => {
                if !self.rest.is_empty() {
                    self.rest.push_str(", ");
                }
                let _ = write!(self.rest, "{name}={value:?}");
            }
        }
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for CallLayer {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != "wiggle abi" {
            return;
        }
        let mut f = Fields::default();
        attrs.record(&mut f);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Pending {
                function: format!("{}::{}", f.module, f.function),
                args: None,
            });
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        let mut ext = span.extensions_mut();
        let Some(pending) = ext.get_mut::<Pending>() else {
            return;
        };
        let mut f = Fields::default();
        event.record(&mut f);
        let Some(result) = f.result else {
            pending.args = Some(f.rest);
            return;
        };
        let call = Call {
            thread: thread_name(),
            function: pending.function.clone(),
            args: pending.args.take().unwrap_or_default(),
            result: normalize_result(&result),
        };
        drop(ext);
        match &self.sink {
            Sink::Write(w) => {
                let mut w = w.lock().unwrap_or_else(PoisonError::into_inner);
                let _ = writeln!(w, "{call}");
                let _ = w.flush();
            }
            Sink::Record => {
                if let Some(v) = RECORDED.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
                    v.push(call);
                }
            }
        }
    }
}

fn thread_name() -> String {
    let t = std::thread::current();
    match t.name() {
        Some(n) => n.to_owned(),
        None => format!("{:?}", t.id()),
    }
}

/// `Ok(...)` as it is; an error as `Err(ERRNO)` when it carries an errno
/// (found by name in its text), else `Err(trap)`.
fn normalize_result(text: &str) -> String {
    if text.starts_with("Ok(") {
        return text.to_owned();
    }
    let words = text.split(|c: char| !c.is_ascii_alphanumeric());
    for w in words {
        if let Some(e) = errno_named(w) {
            return format!("Err({e:?})");
        }
    }
    "Err(trap)".to_owned()
}

fn errno_named(word: &str) -> Option<wasi_common_compat::Errno> {
    if word.is_empty() || !word.starts_with(|c: char| c.is_ascii_uppercase()) || word == "Success" {
        return None;
    }
    (1u16..=76)
        .filter_map(|n| wasi_common_compat::Errno::try_from(n).ok())
        .find(|e| format!("{e:?}") == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_ok_and_reduce_errors_to_the_errno() {
        assert_eq!(normalize_result("Ok(5)"), "Ok(5)");
        assert_eq!(normalize_result("Err(Errno(Badf: not open))"), "Err(Badf)");
        assert_eq!(normalize_result("Err(Error { inner: Noent })"), "Err(Noent)");
        assert_eq!(normalize_result("Err(Trap(boom))"), "Err(trap)");
    }

    #[test]
    fn comparable_results_mask_stat_identities_and_clock_readings() {
        let call = |function: &str, result: &str| Call {
            thread: "main".into(),
            function: function.into(),
            args: String::new(),
            result: result.into(),
        };
        let st = call(
            "m::fd_filestat_get",
            "Ok(Filestat { dev: 65024, ino: 7, nlink: 1, size: 12, atim: 99 })",
        );
        assert_eq!(
            st.comparable_result(),
            "Ok(Filestat { dev: _, ino: _, nlink: 1, size: 12, atim: _ })"
        );
        assert_eq!(call("m::clock_time_get", "Ok(123)").comparable_result(), "Ok(_)");
        assert_eq!(
            call("m::clock_time_get", "Err(Inval)").comparable_result(),
            "Err(Inval)"
        );
        assert_eq!(call("m::fd_read", "Ok(8)").comparable_result(), "Ok(8)");
    }
}
