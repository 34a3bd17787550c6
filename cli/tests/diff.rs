//! `wasi-compat diff` end to end: every guest of the suite runs on this host
//! and on wasmtime-wasi 48 and must behave the same, except the divergences
//! listed (with their reasons) in `known-divergences.txt`; a real divergence
//! is reported with exit 1 and its first difference; `--against` runs an
//! external command; `--trace` prints one line per call.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use wasi_common_compat_tests::{GUESTS, guest_path};

fn wasi_compat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasi-compat"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn known_divergences() -> BTreeMap<String, String> {
    include_str!("known-divergences.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once(": "))
        .map(|(g, why)| (g.to_owned(), why.to_owned()))
        .collect()
}

/// `wasi-compat diff` of `guest` with a fresh `/sandbox` and `/other`, the
/// arguments and stdin the suite gives it.
fn diff(guest: &str, extra: &[&str]) -> Output {
    let (sandbox, other) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    std::fs::write(other.path().join("hello.txt"), b"hello from the host\n").unwrap();
    let args: &[&str] = match guest {
        "proc_exit" => &["exit", "3"],
        "args_environ_list" => &["a", "hello world", "", "--flag=x"],
        _ => &[],
    };
    let mut cmd = wasi_compat();
    cmd.arg("diff")
        .args(extra)
        .arg("--dir")
        .arg(format!("{}::/sandbox", sandbox.path().display()));
    // The guests that use a second preopen (the others count on fd 4 being
    // free).
    if matches!(guest, "fd_close" | "fd_renumber") {
        cmd.arg("--dir").arg(format!("{}::/other", other.path().display()));
    }
    cmd.args(["--env", "A=1", "--env", "EQ=x=y"])
        .arg(guest_path(guest))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let input: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn every_guest_behaves_as_on_wasmtime_wasi_but_the_known_divergences() {
    let known = known_divergences();
    for g in known.keys() {
        assert!(
            GUESTS.contains(&g.as_str()),
            "known-divergences.txt names no guest {g:?}"
        );
    }
    let mut problems = Vec::new();
    for &guest in GUESTS {
        let out = diff(guest, &[]);
        let said = text(&out.stdout);
        match (out.status.code(), known.get(guest)) {
            (Some(0), None) => assert_eq!(said, "same\n"),
            (Some(1), Some(_)) => assert!(said.starts_with("differ: "), "{guest}: {said}"),
            (Some(0), Some(why)) => {
                problems.push(format!("{guest} no longer differs ({why}): remove it from the list"))
            }
            (Some(1), None) => problems.push(format!("{guest} differs from wasmtime-wasi:\n{said}")),
            (code, _) => problems.push(format!("{guest}: diff could not run ({code:?}): {}", text(&out.stderr))),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn a_divergence_is_reported_with_its_first_difference() {
    // Two iovecs to stdout: this host writes both, wasmtime-wasi 48 only the
    // first (a documented divergence), so stdout differs at byte 2.
    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("two_iovecs.wat");
    std::fs::write(
        &wat,
        r#"(module
            (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
            (memory (export "memory") 1)
            (data (i32.const 16) "ab\n")
            (data (i32.const 32) "cd\n")
            (func (export "_start")
              (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 3))
              (i32.store (i32.const 8) (i32.const 32)) (i32.store (i32.const 12) (i32.const 3))
              (drop (call $w (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 100)))))"#,
    )
    .unwrap();
    let out = wasi_compat()
        .arg("diff")
        .arg(&wat)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.starts_with("differ: stdout at byte 3 (line 2)\n"), "{said}");
    assert!(said.contains("this host: \"cd\""), "{said}");
    assert!(said.contains("wasmtime-wasi: (ends here)"), "{said}");

    // With --calls the first differing call is named.
    let out = wasi_compat()
        .args(["diff", "--calls"])
        .arg(&wat)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).starts_with("differ: stdout"), "{}", text(&out.stdout));

    // An exit status that differs is the first thing reported; a module that
    // cannot be loaded makes diff itself fail (2).
    let out = wasi_compat().args(["diff", "/nonexistent.wasm"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn against_an_external_command() {
    let me = env!("CARGO_BIN_EXE_wasi-compat");
    let out = wasi_compat()
        .args(["diff", "--against", &format!("{me} run")])
        .arg(guest_path("args_environ_list"))
        .args(["x", "y"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "same\n", "{}", text(&out.stderr));
    // The same command with an extra argument makes stdout differ.
    let out = wasi_compat()
        .args(["diff", "--against", &format!("{me} run --argv0 other")])
        .arg(guest_path("args_environ_list"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).starts_with("differ: stdout"), "{}", text(&out.stdout));
}

#[test]
fn trace_prints_one_line_per_call() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.txt");
    let out = wasi_compat()
        .arg("run")
        .arg(format!("--trace={}", trace.display()))
        .arg(guest_path("proc_exit"))
        .args(["exit", "3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let lines = std::fs::read_to_string(&trace).unwrap();
    let lines: Vec<&str> = lines.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("[main] wasi_snapshot_preview1::args_sizes_get() -> Ok((3, ")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("[main] wasi_snapshot_preview1::fd_write(fd=Fd(1), ") && l.ends_with("-> Ok(15)")),
        "the write of \"exiting with 3\\n\": {lines:#?}"
    );
    assert_eq!(
        lines.last().copied(),
        Some("[main] wasi_snapshot_preview1::proc_exit(rval=3) -> Err(trap)"),
        "{lines:#?}"
    );
    // Without --trace nothing is printed besides the guest's output.
    let out = wasi_compat()
        .arg("run")
        .arg(guest_path("proc_exit"))
        .args(["exit", "3"])
        .output()
        .unwrap();
    assert_eq!(text(&out.stderr), "");
}
