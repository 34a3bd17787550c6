//! `wasi-compat` as a drop-in for `wasmtime run` command lines: the implicit
//! `run`, the `-O/-C/-D/-W/-S` groups, `--invoke`, `--argv0`, `--preload`,
//! `compile` and `--allow-precompiled`, the limits (`-W timeout`, `-W fuel`,
//! `-W max-memory-size`, also with threads and shared memories), `-S
//! threads` as Wasmtime 46 took it, the entry points of reactors, the
//! start-up diagnostics of broken threaded modules, and the compilation
//! cache.
//!
//! Every expectation is what `wasmtime run` 48 gives for the same command
//! line (or, for `-S threads`, what `wasmtime` 46 gave). With the variable
//! `WASMTIME` naming a `wasmtime` 48 binary, the tests also run each
//! command line that Wasmtime 48 accepts on it and check that the exit
//! status and stdout are the same.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use wasi_common_compat_tests::{guest_path, threads_guest_path};

const TRAP: i32 = 134;
const ERROR: i32 = 1;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `program args` with no stdin.
fn output(program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn wasi_compat_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_wasi-compat"))
}

/// The reference `wasmtime` 48, if the environment names one.
fn wasmtime() -> Option<PathBuf> {
    std::env::var_os("WASMTIME").map(PathBuf::from)
}

/// Runs `wasi-compat ARGS`, checks its status and (if given) stdout, and
/// with `same_on_wasmtime` and `$WASMTIME` set, that `wasmtime ARGS` gives
/// the same status and stdout. Returns our output.
#[track_caller]
fn check(args: &[&str], status: i32, stdout: Option<&str>, same_on_wasmtime: bool) -> Output {
    let out = output(&wasi_compat_bin(), args);
    let shown = format!(
        "wasi-compat {}\n--- stdout:\n{}\n--- stderr:\n{}",
        args.join(" "),
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(status), "exit status of {shown}");
    if let Some(expected) = stdout {
        assert_eq!(text(&out.stdout), expected, "stdout of {shown}");
    }
    if same_on_wasmtime && let Some(w) = wasmtime() {
        let theirs = output(&w, args);
        assert_eq!(
            theirs.status.code(),
            out.status.code(),
            "wasmtime gives another status for {}\n--- its stderr:\n{}",
            args.join(" "),
            text(&theirs.stderr)
        );
        assert_eq!(
            text(&theirs.stdout),
            text(&out.stdout),
            "wasmtime's stdout for {}",
            args.join(" ")
        );
    }
    out
}

/// Writes `wat` into `dir/name` and gives the path as a string.
fn wat(dir: &Path, name: &str, source: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, source).unwrap();
    p.to_string_lossy().into_owned()
}

fn guest(name: &str) -> String {
    guest_path(name).to_string_lossy().into_owned()
}

fn threads_guest(name: &str) -> String {
    threads_guest_path(name).to_string_lossy().into_owned()
}

const LOOP: &str = r#"(module (func (export "_start") (loop $l (br $l))))"#;

/// Spawns two threads that spin, then spins.
const THREADS_LOOP: &str = r#"(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" (memory 1 10 shared))
  (func (export "wasi_thread_start") (param i32 i32) (loop $l (br $l)))
  (func (export "_start")
    (drop (call $spawn (i32.const 0)))
    (drop (call $spawn (i32.const 0)))
    (loop $l (br $l))))"#;

/// Sleeps for 100 s in `poll_oneoff`.
const SLEEP: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 100000000000))
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))"#;

/// Grows its memory by 100 pages; traps if that fails.
const GROW: &str = r#"(module (memory (export "memory") 1)
  (func (export "_start")
    (if (i32.eq (memory.grow (i32.const 100)) (i32.const -1)) (then unreachable))))"#;

/// Exits with 10 + what growing its shared memory by 50 pages returned.
const SHARED_GROW: &str = r#"(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "memory" (memory 1 100 shared))
  (func (export "wasi_thread_start") (param i32 i32))
  (func (export "_start") (call $exit (i32.add (i32.const 10) (memory.grow (i32.const 50))))))"#;

/// A reactor: `_initialize` prints "init", the default export "main".
const REACTOR: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "init\n") (data (i32.const 32) "main\n")
  (func $p (param i32)
    (i32.store (i32.const 0) (local.get 0))
    (i32.store (i32.const 4) (i32.const 5))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_initialize") (call $p (i32.const 16)))
  (func (export "") (call $p (i32.const 32))))"#;

const ADD: &str = r#"(module
  (func (export "add") (param i32 i64) (result i64)
    (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1)))
  (func (export "halves") (param f32 f64) (result f64 f32)
    (f64.promote_f32 (local.get 0)) (f32.demote_f64 (local.get 1)))
  (func (export "nothing")))"#;

#[test]
fn the_run_word_is_optional_and_dashes_go_to_the_guest() {
    let m = guest("args_environ_list");
    let with_run = check(&["run", &m, "a", "--dir", "-W"], 0, None, true);
    let without = check(&[&m, "a", "--dir", "-W"], 0, None, true);
    assert_eq!(with_run.stdout, without.stdout);
    let listed = text(&without.stdout);
    assert!(
        listed.contains("argv[2]=--dir") && listed.contains("argv[3]=-W"),
        "flags after the module are the guest's: {listed}"
    );
    // `--` ends the host's flags.
    let dashed = check(&["run", "--", &m, "a", "--dir", "-W"], 0, None, true);
    assert_eq!(dashed.stdout, without.stdout);
}

#[test]
fn argv0_env_and_inherit_env() {
    let m = guest("args_environ_list");
    let out = check(&["--argv0", "tool", &m, "x"], 0, None, true);
    let s = text(&out.stdout);
    assert!(s.contains("argc=2\nargv[0]=tool\nargv[1]=x\n"), "{s}");

    let out = Command::new(wasi_compat_bin())
        .args(["-S", "inherit-env=y", "--env", "FROM_FLAG=1", &m])
        .env("FROM_HOST", "yes")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert!(s.contains("FROM_HOST=yes") && s.contains("FROM_FLAG=1"), "{s}");
    // Both spellings and a comma list: `-S threads=y,inherit-env=y`.
    let out = Command::new(wasi_compat_bin())
        .args(["-S", "threads=y,inherit-env=y", "-W", "relaxed-simd=y", &m])
        .env("FROM_HOST", "yes")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("FROM_HOST=yes"));
}

#[test]
fn cargo_runner_strings_for_threaded_programs() {
    let m = threads_guest("threads_spawn_join");
    let expected = "- spawn and join\n- names and ids\n- thread locals\n- scoped threads borrow the stack\n\
                    - park and unpark\n- sleep\n- 300 threads, 30 at a time\ndone\n";
    check(
        &["-W", "threads=y", "-W", "shared-memory=y", "-S", "threads=y", &m],
        0,
        Some(expected),
        false,
    );
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(wasi_compat_bin())
        .current_dir(dir.path())
        .args(["run", "--dir", ".", "-W", "threads=y", "-S", "threads=y", &m])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), expected);
    // `--dir host::/`.
    check(
        &["--dir", &format!("{}::/", dir.path().display()), "-S", "threads=y", &m],
        0,
        Some(expected),
        false,
    );
    // Enough fuel for every thread (each gets the whole amount).
    check(
        &["-W", "fuel=100000000000", "-S", "threads=y", &m],
        0,
        Some(expected),
        false,
    );
}

#[test]
fn tcplisten_with_threads() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(wasi_compat_bin())
        .args(["-S", &format!("threads=y,tcplisten={addr}"), &guest("sock_accept")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !line.contains("listening") {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "the guest ended before listening"
        );
        assert!(Instant::now() < deadline);
    }
    let mut s = TcpStream::connect(&addr).unwrap();
    s.write_all(b"ping").unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"pong!");
    drop(s);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn invoke_prints_results_as_wasmtime_does() {
    let dir = tempfile::tempdir().unwrap();
    let m = wat(dir.path(), "add.wat", ADD);
    check(&["--invoke", "add", &m, "3", "0x10"], 0, Some("19\n"), true);
    check(
        &["run", "--invoke", "halves", &m, "1.5", "2.25"],
        0,
        Some("1.5\n2.25\n"),
        true,
    );
    check(&["--invoke", "nothing", &m], 0, Some(""), true);
    let out = check(&["--invoke", "missing", &m], ERROR, Some(""), true);
    assert!(text(&out.stderr).contains("no func export named `missing` found"));
    let out = check(&["--invoke", "add", &m, "3"], ERROR, Some(""), true);
    assert!(text(&out.stderr).contains("not enough arguments for `add`"));
    check(&["--invoke", "add", &m, "three", "4"], ERROR, Some(""), true);
    // No entry point and no --invoke: only instantiated.
    check(&[&m], 0, Some(""), true);
}

#[test]
fn reactors_run_initialize_then_the_default_export() {
    let dir = tempfile::tempdir().unwrap();
    let m = wat(dir.path(), "reactor.wat", REACTOR);
    check(&[&m], 0, Some("init\nmain\n"), true);
    check(&["--runtime", "tokio", &m], 0, Some("init\nmain\n"), false);
}

#[test]
fn timeout_ends_busy_and_blocked_programs() {
    let dir = tempfile::tempdir().unwrap();
    for (name, source, threads) in [
        ("loop.wat", LOOP, false),
        ("sleep.wat", SLEEP, false),
        ("threads_loop.wat", THREADS_LOOP, true),
    ] {
        let m = wat(dir.path(), name, source);
        let started = Instant::now();
        let out = check(&["-W", "timeout=500ms", &m], TRAP, Some(""), !threads);
        let took = started.elapsed();
        assert!(took < Duration::from_secs(20), "{name}: took {took:?}");
        assert!(took >= Duration::from_millis(500), "{name}: ended before the timeout");
        let err = text(&out.stderr);
        assert!(err.contains("interrupt"), "{name}: {err}");
    }
    // The async runtime too.
    let m = wat(dir.path(), "sleep2.wat", SLEEP);
    check(
        &["--runtime", "tokio", "-W", "timeout=500ms", &m],
        TRAP,
        Some(""),
        false,
    );
    // A program that ends in time is not affected.
    check(
        &["-W", "timeout=60s", &guest("proc_exit"), "exit", "3"],
        3,
        Some("exiting with 3\n"),
        true,
    );
}

#[test]
fn fuel_runs_out_with_a_trap() {
    let dir = tempfile::tempdir().unwrap();
    let m = wat(dir.path(), "loop.wat", LOOP);
    let out = check(&["-W", "fuel=10000", &m], TRAP, Some(""), true);
    assert!(text(&out.stderr).contains("all fuel consumed by WebAssembly"));
    let t = wat(dir.path(), "threads_loop.wat", THREADS_LOOP);
    let out = check(&["-W", "fuel=10000", &t], TRAP, Some(""), false);
    assert!(text(&out.stderr).contains("all fuel consumed by WebAssembly"));
    // Enough fuel: the program's own status.
    check(
        &["-W", "fuel=100000000", &guest("proc_exit"), "exit", "5"],
        5,
        Some("exiting with 5\n"),
        true,
    );
}

#[test]
fn max_memory_size_for_plain_and_shared_memories() {
    let dir = tempfile::tempdir().unwrap();
    let m = wat(dir.path(), "grow.wat", GROW);
    check(&[&m], 0, Some(""), true);
    // Growth past the limit fails (the guest traps on it).
    check(&["-W", "max-memory-size=1000000", &m], TRAP, Some(""), true);
    // A memory that starts beyond the limit: an instantiation error.
    let out = check(&["-W", "max-memory-size=1000", &m], ERROR, Some(""), true);
    assert!(
        text(&out.stderr).contains("exceeds memory limits"),
        "{}",
        text(&out.stderr)
    );
    // `-W trap-on-grow-failure`: the grow itself fails the run (an error
    // raised by the limiter, not a wasm trap: status 1, as in wasmtime).
    let out = check(
        &["-W", "max-memory-size=1000000,trap-on-grow-failure=y", &m],
        ERROR,
        Some(""),
        true,
    );
    assert!(
        text(&out.stderr).contains("forcing trap when growing memory"),
        "{}",
        text(&out.stderr)
    );

    // A shared memory: created with its maximum lowered to the limit.
    let s = wat(dir.path(), "shared_grow.wat", SHARED_GROW);
    check(&[&s], 11, Some(""), false); // grow returned the old size, 1
    check(&["-W", "max-memory-size=1048576", &s], 9, Some(""), false); // grow returned -1
    check(&["-W", "max-memory-size=3342336", &s], 11, Some(""), false); // 51 pages fit
    let out = check(&["-W", "max-memory-size=1000", &s], ERROR, Some(""), false);
    assert!(
        text(&out.stderr).contains("exceeds memory limits"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn broken_threaded_modules_fail_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let own = wat(
        dir.path(),
        "own_memory.wat",
        r#"(module
          (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "wasi_thread_start") (param i32 i32))
          (func (export "_start") (drop (call $spawn (i32.const 0)))))"#,
    );
    let out = check(&[&own], ERROR, Some(""), false);
    let err = text(&out.stderr);
    assert!(
        err.contains("defines and exports its own memory") && err.contains("shared memory"),
        "{err}"
    );
    let no_entry = wat(
        dir.path(),
        "no_entry.wat",
        r#"(module
          (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
          (import "env" "memory" (memory 1 10 shared))
          (func (export "_start") (drop (call $spawn (i32.const 0)))))"#,
    );
    let out = check(&[&no_entry], ERROR, Some(""), false);
    assert!(text(&out.stderr).contains("wasi_thread_start"), "{}", text(&out.stderr));
}

#[test]
fn wasi_options() {
    let dir = tempfile::tempdir().unwrap();
    // -S inherit-stdout=n: the guest's stdout goes nowhere.
    check(
        &["-S", "inherit-stdout=n", &guest("proc_exit"), "exit", "4"],
        4,
        Some(""),
        true,
    );
    // -S cli=n: no WASI, so the import is unknown.
    check(
        &["-S", "cli=n", &guest("proc_exit"), "exit", "4"],
        ERROR,
        Some(""),
        true,
    );
    // -S preview0=n: `wasi_unstable` is not offered.
    let p0 = wat(
        dir.path(),
        "p0.wat",
        r#"(module (import "wasi_unstable" "proc_exit" (func $e (param i32)))
           (memory (export "memory") 1) (func (export "_start") (call $e (i32.const 6))))"#,
    );
    check(&[&p0], 6, Some(""), true);
    check(&["-S", "preview0=n", &p0], ERROR, Some(""), true);
    // -S max-resources=N caps the open fds (stdio and preopens included):
    // the guest's `path_open` loop gets EMFILE after N - 4 opens.
    let cap = wat(
        dir.path(),
        "cap.wat",
        r#"(module
          (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1) (data (i32.const 100) ".")
          (func (export "_start") (local $n i32)
            (block $full (loop $l
              (br_if $full (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 1)
                (i32.const 2) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 200)))
              (local.set $n (i32.add (local.get $n) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $n) (i32.const 100)))))
            (call $exit (local.get $n))))"#,
    );
    let here = dir.path().to_string_lossy().into_owned();
    check(&["--dir", &here, "-S", "max-resources=20", &cap], 16, Some(""), false);
    check(&["--dir", &here, &cap], 100, Some(""), false);
    // Preview2-only options: a warning, and the run goes on.
    let out = check(
        &[
            "-S",
            "tcp=y",
            "-S",
            "inherit-network=y",
            &guest("proc_exit"),
            "exit",
            "2",
        ],
        2,
        None,
        true,
    );
    assert!(
        text(&out.stderr).contains("warning: `-S tcp` is ignored"),
        "{}",
        text(&out.stderr)
    );
    // Proposals of component hosts: rejected before the guest runs.
    let out = check(
        &["-S", "http=y", &guest("proc_exit"), "exit", "2"],
        ERROR,
        Some(""),
        false,
    );
    assert!(
        text(&out.stderr).contains("`-S http` is not supported"),
        "{}",
        text(&out.stderr)
    );
    // An unknown option is a usage error, as in wasmtime.
    check(&["-S", "no-such-option=y", &guest("proc_exit")], 2, Some(""), true);
    check(&["-W", "no-such-option=y", &guest("proc_exit")], 2, Some(""), true);
}

#[test]
fn unknown_imports() {
    let dir = tempfile::tempdir().unwrap();
    let m = wat(
        dir.path(),
        "unknown.wat",
        r#"(module (import "nowhere" "f" (func $f (result i32)))
           (func (export "call_it") (result i32) (call $f))
           (func (export "_start")))"#,
    );
    check(&[&m], ERROR, Some(""), true);
    check(&["-W", "unknown-imports-trap=y", &m], 0, Some(""), true);
    // Calling one fails the run with an error naming it (status 1, as in
    // wasmtime: not a wasm trap).
    let out = check(
        &["-W", "unknown-imports-trap=y", "--invoke", "call_it", &m],
        ERROR,
        Some(""),
        true,
    );
    assert!(
        text(&out.stderr).contains("`nowhere::f` has not been defined"),
        "{}",
        text(&out.stderr)
    );
    check(
        &["-W", "unknown-imports-default=y", "--invoke", "call_it", &m],
        0,
        Some("0\n"),
        true,
    );
}

#[test]
fn preload_links_a_module_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let lib = wat(
        dir.path(),
        "lib.wat",
        r#"(module (func (export "seven") (result i32) (i32.const 7)))"#,
    );
    let main = wat(
        dir.path(),
        "main.wat",
        r#"(module (import "lib" "seven" (func $s (result i32)))
           (import "wasi_snapshot_preview1" "proc_exit" (func $e (param i32)))
           (memory (export "memory") 1)
           (func (export "_start") (call $e (call $s))))"#,
    );
    check(&["--preload", &format!("lib={lib}"), &main], 7, Some(""), true);
    check(&[&main], ERROR, Some(""), true);
}

#[test]
fn compile_and_allow_precompiled() {
    let dir = tempfile::tempdir().unwrap();
    let cwasm = dir.path().join("proc_exit.cwasm");
    let cwasm_s = cwasm.to_string_lossy().into_owned();
    check(&["compile", &guest("proc_exit"), "-o", &cwasm_s], 0, Some(""), false);
    assert!(std::fs::metadata(&cwasm).unwrap().len() > 0);
    let out = check(&[&cwasm_s, "exit", "3"], ERROR, Some(""), false);
    assert!(
        text(&out.stderr).contains("--allow-precompiled"),
        "{}",
        text(&out.stderr)
    );
    check(
        &["--allow-precompiled", &cwasm_s, "exit", "3"],
        3,
        Some("exiting with 3\n"),
        false,
    );
    // A threaded module compiles with the threaded settings and runs so.
    let t = dir.path().join("threads.cwasm");
    let t_s = t.to_string_lossy().into_owned();
    check(
        &["compile", "-o", &t_s, &threads_guest("threads_exit")],
        0,
        Some(""),
        false,
    );
    let ours = output(&wasi_compat_bin(), &["--allow-precompiled", &t_s]);
    let plain = output(&wasi_compat_bin(), &[&threads_guest("threads_exit")]);
    assert_eq!(ours.status.code(), plain.status.code());
    assert_eq!(ours.stdout, plain.stdout);
    // The default output name: the input's with `.cwasm`.
    let copy = dir.path().join("copy.wasm");
    std::fs::copy(guest_path("proc_exit"), &copy).unwrap();
    check(&["compile", &copy.to_string_lossy()], 0, Some(""), false);
    assert!(dir.path().join("copy.cwasm").is_file());
}

#[test]
fn the_cache_is_on_unless_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let config = dir.path().join("cache.toml");
    std::fs::write(&config, format!("[cache]\ndirectory = {:?}\n", cache.to_string_lossy())).unwrap();
    let cfg = config.to_string_lossy().into_owned();
    let m = guest("proc_exit");
    let files = |p: &Path| -> usize {
        fn walk(p: &Path) -> usize {
            std::fs::read_dir(p)
                .map(|rd| {
                    rd.flatten()
                        .map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 })
                        .sum()
                })
                .unwrap_or(0)
        }
        walk(p)
    };
    check(
        &["-C", "cache=n", "-C", &format!("cache-config={cfg}"), &m, "exit", "0"],
        0,
        None,
        false,
    );
    assert_eq!(files(&cache), 0, "-C cache=n writes nothing");
    check(&["-C", &format!("cache-config={cfg}"), &m, "exit", "0"], 0, None, false);
    assert!(files(&cache) > 0, "the first run fills the cache");
    check(
        &["-C", &format!("cache-config={cfg}"), &m, "exit", "9"],
        9,
        Some("exiting with 9\n"),
        false,
    );
}

#[test]
fn a_toml_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let m = wat(dir.path(), "loop.wat", LOOP);
    let config = dir.path().join("wasmtime.toml");
    std::fs::write(&config, "[wasm]\nfuel = 10000\n").unwrap();
    let out = check(&["--config", &config.to_string_lossy(), &m], TRAP, Some(""), true);
    assert!(text(&out.stderr).contains("all fuel consumed"), "{}", text(&out.stderr));
}
