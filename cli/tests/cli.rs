//! The `wasi-compat` binary end to end: exit statuses, stdout and stderr,
//! `argv[0]`, `--dir`, `--env`, `--inherit-env`, `--tcplisten`, the stdio
//! routes, the real stdin of the process, and errors before the guest runs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use wasi_common_compat_tests::guest_path;

/// The exit status of a trap, as `wasmtime run` uses (128 + SIGABRT).
const TRAP: i32 = 134;
/// The exit status of any other error, as `wasmtime run` gives.
const ERROR: i32 = 1;

fn wasi_compat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasi-compat"))
}

/// `wasi-compat run <flags> <guest> <args>` with no stdin, waited for.
fn run(flags: &[&str], guest: &str, args: &[&str]) -> Output {
    let mut cmd = wasi_compat();
    cmd.arg("run").args(flags).arg(guest_path(guest)).args(args);
    cmd.stdin(Stdio::null()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
fn assert_status(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit status\n--- stdout:\n{}\n--- stderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn version() {
    let out = wasi_compat().arg("--version").output().unwrap();
    assert_status(&out, 0);
    assert_eq!(
        text(&out.stdout),
        format!("wasi-compat {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn proc_exit_status_is_the_process_status() {
    for code in [0, 1, 7, 42, 125] {
        let out = run(&[], "proc_exit", &["exit", &code.to_string()]);
        assert_status(&out, code);
        assert_eq!(text(&out.stdout), format!("exiting with {code}\n"));
        assert_eq!(text(&out.stderr), "");
    }
    // A status outside [0, 126) is an error, as on `wasmtime run` (so 256
    // cannot pass for 0 once the OS keeps the low 8 bits).
    for code in [126, 255, 256, 300, 65_536] {
        let out = run(&[], "proc_exit", &["exit", &code.to_string()]);
        assert_status(&out, ERROR);
        assert!(text(&out.stderr).contains("below 126"), "{}", text(&out.stderr));
    }
    let out = run(&[], "proc_exit", &["return"]);
    assert_status(&out, 0);
    assert_eq!(text(&out.stdout), "returning from main\n");
}

#[test]
fn a_trap_exits_134() {
    let out = run(&[], "proc_exit", &["panic"]);
    assert_status(&out, TRAP);
    assert_eq!(text(&out.stdout), "about to panic\n");
    let err = text(&out.stderr);
    assert!(
        err.contains("the guest panics on purpose"),
        "the guest's panic message: {err}"
    );
    assert!(err.contains("failed to run main module"), "the CLI's report: {err}");

    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("trap.wat");
    std::fs::write(
        &wat,
        r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#,
    )
    .unwrap();
    let out = wasi_compat().arg("run").arg(&wat).output().unwrap();
    assert_status(&out, TRAP);
    assert!(text(&out.stderr).contains("unreachable"), "{}", text(&out.stderr));
}

#[test]
fn argv0_is_the_module_file_name() {
    // As `wasmtime run`: the file name alone, not the path (host paths stay
    // private).
    let out = run(&[], "args_environ_list", &["x", "--not-a-flag", "-v"]);
    assert_status(&out, 0);
    let path = guest_path("args_environ_list");
    assert_eq!(
        text(&out.stdout),
        "argc=4\nargv[0]=args_environ_list.wasm\nargv[1]=x\nargv[2]=--not-a-flag\nargv[3]=-v\nenvc=0\n"
    );
    let out = run(&["--argv0", "prog"], "args_environ_list", &[]);
    assert_status(&out, 0);
    assert_eq!(text(&out.stdout), "argc=1\nargv[0]=prog\nenvc=0\n");

    // A relative path gives the same name.
    let out = wasi_compat()
        .current_dir(path.parent().unwrap())
        .args(["run", "args_environ_list.wasm"])
        .output()
        .unwrap();
    assert_status(&out, 0);
    assert_eq!(text(&out.stdout), "argc=1\nargv[0]=args_environ_list.wasm\nenvc=0\n");
}

#[test]
fn env_flags() {
    let out = wasi_compat()
        .env_clear()
        .env("FROM_HOST", "host value")
        .arg("run")
        .args([
            "--env",
            "A=1",
            "--env",
            "EQ=x=y",
            "--env",
            "FROM_HOST",
            "--env",
            "NOT_SET",
            "--env",
            "EMPTY=",
        ])
        .arg(guest_path("args_environ_list"))
        .output()
        .unwrap();
    assert_status(&out, 0);
    let stdout = text(&out.stdout);
    let env: Vec<&str> = stdout.lines().skip_while(|l| !l.starts_with("envc=")).collect();
    assert_eq!(
        env,
        [
            "envc=4",
            "env A=1",
            "env EQ=x=y",
            "env FROM_HOST=host value",
            "env EMPTY="
        ]
    );

    let out = wasi_compat()
        .env_clear()
        .env("ONLY_THIS", "1")
        .args(["run", "--inherit-env"])
        .arg(guest_path("args_environ_list"))
        .output()
        .unwrap();
    assert_status(&out, 0);
    assert!(
        text(&out.stdout).ends_with("envc=1\nenv ONLY_THIS=1\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn dir_preopens_host_as_guest() {
    let sandbox = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    let spec = |d: &Path, guest: &str| format!("{}::{guest}", d.display());
    let out = run(
        &[
            "--dir",
            &spec(sandbox.path(), "/sandbox"),
            "--dir",
            &spec(other.path(), "/other"),
        ],
        "fd_close",
        &[],
    );
    assert_status(&out, 0);
    assert_eq!(
        text(&out.stdout),
        "- close a file\n- close a preopen\n- close stdout\nbefore close\n"
    );
    assert_eq!(text(&out.stderr), "done\n");
    assert_eq!(std::fs::read(other.path().join("still-works")).unwrap(), b"yes");
    assert!(
        sandbox.path().join("a").is_file(),
        "the guest created /sandbox/a in the host directory"
    );

    // A whole guest suite through the CLI.
    let fresh = tempfile::tempdir().unwrap();
    let out = run(&["--dir", &spec(fresh.path(), "/sandbox")], "fd_readwrite", &[]);
    assert_status(&out, 0);
    assert_eq!(std::fs::read(fresh.path().join("log")).unwrap(), b"abcdefghXY");
}

#[test]
fn errors_before_the_guest_runs() {
    let out = wasi_compat()
        .args(["run", "/nonexistent/module.wasm"])
        .output()
        .unwrap();
    assert_status(&out, ERROR);
    let err = text(&out.stderr);
    assert!(
        err.contains("failed to open wasm module") && err.contains("/nonexistent/module.wasm"),
        "{err}"
    );
    assert_eq!(text(&out.stdout), "");

    let out = run(&["--dir", "/nonexistent/dir::/sandbox"], "args_environ_list", &[]);
    assert_status(&out, ERROR);
    assert!(text(&out.stderr).contains("/nonexistent/dir"), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "", "the guest did not run");

    let out = wasi_compat().arg("run").output().unwrap();
    assert!(!out.status.success(), "run without a module fails");

    // An unknown import: an error, not a trap.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("import.wat");
    std::fs::write(
        &path,
        r#"(module (import "nowhere" "f" (func)) (func (export "_start")))"#,
    )
    .unwrap();
    let out = wasi_compat().arg("run").arg(&path).output().unwrap();
    assert_status(&out, ERROR);
    let err = text(&out.stderr);
    assert!(err.contains("Error") && err.contains("nowhere"), "{err}");

    // A module with no entry point is only instantiated, as `wasmtime run`
    // does: status 0.
    let path = dir.path().join("nostart.wat");
    std::fs::write(&path, r#"(module (memory (export "memory") 1))"#).unwrap();
    let out = wasi_compat().arg("run").arg(&path).output().unwrap();
    assert_status(&out, 0);
    assert_eq!(text(&out.stderr), "");
}

/// The stdio routes and runtimes the CLI offers, each running the stdio
/// guest on piped stdin.
#[test]
fn stdio_routes() {
    let input: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    for flags in [&[][..], &["--stdio", "p2"][..], &["--runtime", "tokio"][..]] {
        let mut child = wasi_compat()
            .arg("run")
            .args(flags)
            .arg(guest_path("stdio_echo"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let data = input.clone();
        let writer = std::thread::spawn(move || stdin.write_all(&data));
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        assert_status(&out, 0);
        assert!(
            out.stdout == input,
            "{flags:?}: stdout is stdin ({} bytes)",
            out.stdout.len()
        );
        assert_eq!(text(&out.stderr), "read 50000 bytes\n", "{flags:?}");
    }
}

/// Reads `out` line by line into a channel.
fn lines(out: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Collects lines until one equals `marker` (included).
fn until(rx: &mpsc::Receiver<String>, marker: &str, seen: &mut Vec<String>) {
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) => {
                let hit = l == marker;
                seen.push(l);
                if hit {
                    return;
                }
            }
            Err(e) => panic!("no {marker:?} line ({e}); seen {seen:?}"),
        }
    }
}

#[test]
fn poll_on_the_process_stdin() {
    for flags in [&[][..], &["--runtime", "tokio"][..]] {
        let mut child = wasi_compat()
            .arg("run")
            .args(flags)
            .arg(guest_path("poll_stdin"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let rx = lines(child.stdout.take().unwrap());
        let mut seen = Vec::new();
        until(&rx, "waiting", &mut seen);
        stdin.write_all(b"hello").unwrap();
        stdin.flush().unwrap();
        until(&rx, "drained", &mut seen);
        drop(stdin);
        until(&rx, "done", &mut seen);
        let out = child.wait_with_output().unwrap();
        assert_status(&out, 0);
        assert_eq!(
            seen,
            [
                "- nothing to read yet",
                "- nonblocking read of an empty pipe",
                "waiting",
                "- the host writes",
                "drained",
                "- end of file",
                "done"
            ],
            "{flags:?}, stderr: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn tcplisten_hands_the_guest_a_listener() {
    // A free port: bind, note it, release it for the CLI.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = wasi_compat()
        .arg("run")
        .args(["--tcplisten", &addr])
        .arg(guest_path("sock_accept"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    until(&rx, "listening", &mut seen);
    let mut s = TcpStream::connect(&addr).unwrap();
    s.write_all(b"ping").unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).unwrap();
    drop(s);
    until(&rx, "done", &mut seen);
    let out = child.wait_with_output().unwrap();
    assert_status(&out, 0);
    assert_eq!(got, b"pong!");
    assert_eq!(seen.first().map(String::as_str), Some("- the listener"));
}

/// Redirected stdio is no terminal: stdin on `/dev/null` reports file type
/// `UNKNOWN` (so the guest's `isatty(0)` is false) and a zero filestat, as
/// on Wasmtime, on every route.
#[test]
fn redirected_stdio_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("stdin_kind.wat");
    // Exits with 1 + stdin's file type, plus 50 if its filestat has a size.
    std::fs::write(
        &wat,
        r#"(module
            (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "fd_filestat_get" (func $filestat (param i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
            (memory (export "memory") 1)
            (func (export "_start") (local $code i32)
              (drop (call $fdstat (i32.const 0) (i32.const 0)))
              (local.set $code (i32.add (i32.const 1) (i32.load8_u (i32.const 0))))
              (drop (call $filestat (i32.const 0) (i32.const 64)))
              (if (i64.ne (i64.load (i32.const 96)) (i64.const 0))
                (then (local.set $code (i32.add (local.get $code) (i32.const 50)))))
              (call $exit (local.get $code))))"#,
    )
    .unwrap();
    for flags in [
        &[][..],
        &["--stdio", "p2"],
        &["--runtime", "tokio"],
        &["--runtime", "tokio", "--stdio", "p2"],
    ] {
        let out = wasi_compat()
            .arg("run")
            .args(flags)
            .arg(&wat)
            .stdin(std::fs::File::open("/dev/null").unwrap())
            .output()
            .unwrap();
        assert_status(&out, 1);
    }
}

/// `--mem-dir HOST::GUEST` serves a copy of HOST from memory: the guest
/// sees HOST's files, its writes stay in memory; `::GUEST` is an empty tree;
/// the budget gives `ENOSPC`; `diff` takes it too.
#[test]
fn mem_dir_serves_a_copy_in_memory() {
    let sandbox = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("kept"), b"host bytes").unwrap();
    let spec = |d: &Path, guest: &str| format!("{}::{guest}", d.display());
    let out = run(
        &[
            "--mem-dir",
            &spec(sandbox.path(), "/sandbox"),
            "--mem-dir",
            &spec(other.path(), "/other"),
        ],
        "fd_close",
        &[],
    );
    assert_status(&out, 0);
    assert_eq!(text(&out.stderr), "done\n");
    assert!(!other.path().join("still-works").exists(), "nothing is written back");
    assert!(!sandbox.path().join("a").exists(), "nothing is written back");
    assert_eq!(std::fs::read(other.path().join("kept")).unwrap(), b"host bytes");

    // An empty tree, and a whole guest on it.
    let out = run(&["--mem-dir", "::/sandbox"], "fd_readwrite", &[]);
    assert_status(&out, 0);

    // A 1 MiB budget: a guest writing 4 MiB gets ENOSPC.
    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("fill.wat");
    std::fs::write(
        &wat,
        r#"(module
            (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
            (memory (export "memory") 2)
            (data (i32.const 0) "big")
            (func (export "_start") (local $fd i32) (local $err i32) (local $i i32)
              (drop (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 3)
                (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 16)))
              (local.set $fd (i32.load (i32.const 16)))
              (i32.store (i32.const 32) (i32.const 65536))
              (i32.store (i32.const 36) (i32.const 65536))
              (block $done (loop $more
                (local.set $err (call $write (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 40)))
                (br_if $done (local.get $err))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br_if $more (i32.lt_u (local.get $i) (i32.const 64)))))
              (call $exit (local.get $err))))"#,
    )
    .unwrap();
    let out = wasi_compat()
        .args(["run", "--mem-dir", "::/", "--mem-dir-budget", "1"])
        .arg(&wat)
        .output()
        .unwrap();
    assert_status(&out, 51); // ENOSPC
    let out = wasi_compat()
        .args(["run", "--mem-dir", "::/"])
        .arg(&wat)
        .output()
        .unwrap();
    assert_status(&out, 0);

    // diff with a memory tree: the reference gets a host copy.
    let out = wasi_compat()
        .args(["diff", "--mem-dir"])
        .arg(spec(sandbox.path(), "/sandbox"))
        .arg(guest_path("path_dirs"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "same\n", "{}", text(&out.stderr));
}
