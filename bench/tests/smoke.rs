//! Every workload once, at a tiny size, on every configuration: checks that
//! the benchmark runs end to end. Nothing here is timed or compared.

use std::process::Command;

#[test]
fn every_workload_runs_on_every_configuration() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let out_file = scratch.path().join("results.md");
    let out = Command::new(env!("CARGO_BIN_EXE_wasi-bench"))
        .arg("--smoke")
        .arg("--scratch")
        .arg(scratch.path().join("files"))
        .arg("--out")
        .arg(&out_file)
        .output()
        .expect("running wasi-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "wasi-bench --smoke failed:\n{stdout}\n{stderr}");
    assert!(!stderr.contains("FAILED"), "{stderr}");
    for w in [
        "write_small",
        "stdout_small",
        "read_big",
        "meta",
        "readdir",
        "poll_clock",
        "threads_write",
    ] {
        assert!(stdout.contains(w), "no row for {w}:\n{stdout}");
    }
    // A row with every configuration measured: native, sync, tokio, p2, wasmtime-wasi.
    let row = stdout
        .lines()
        .find(|l| l.starts_with("| stdout_small"))
        .expect("the stdout_small row");
    assert!(!row.contains("error") && !row.contains(" - |"), "{row}");
    let md = std::fs::read_to_string(&out_file).expect("the markdown file");
    assert!(md.contains("Machine:") && md.contains("| workload"), "{md}");
}
