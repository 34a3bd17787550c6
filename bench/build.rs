//! Builds the workload program (`workloads/`, its own cargo workspace) for
//! `wasm32-wasip1`, `wasm32-wasip1-threads` and the host, with one nested
//! `cargo build --release` into `<target>/bench/workloads`, and tells the
//! bench binary where the three builds are (`WORKLOAD_WASM`,
//! `WORKLOAD_WASM_THREADS`, `WORKLOAD_NATIVE`) and where its scratch files
//! and results go by default (`BENCH_DIR`, `<target>/bench`).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const WASM: &str = "wasm32-wasip1";
const WASM_THREADS: &str = "wasm32-wasip1-threads";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let host = env::var("TARGET").expect("cargo sets TARGET");
    let workloads = manifest_dir.join("workloads");
    for p in ["src", "Cargo.toml"] {
        println!("cargo:rerun-if-changed={}", workloads.join(p).display());
    }
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");

    for t in [WASM, WASM_THREADS] {
        check_target_installed(t);
    }
    let bench_dir = target_dir(&out_dir).join("bench");
    let target_dir = bench_dir.join("workloads");
    build(&workloads, &target_dir, &[WASM, WASM_THREADS, &host]);

    let exe = |triple: &str, file: &str| {
        let p = target_dir.join(triple).join("release").join(file);
        if !p.is_file() {
            panic!("the workload build succeeded but {} is missing", p.display());
        }
        p
    };
    println!("cargo:rustc-env=WORKLOAD_WASM={}", exe(WASM, "workload.wasm").display());
    println!(
        "cargo:rustc-env=WORKLOAD_WASM_THREADS={}",
        exe(WASM_THREADS, "workload.wasm").display()
    );
    println!("cargo:rustc-env=WORKLOAD_NATIVE={}", exe(&host, "workload").display());
    println!("cargo:rustc-env=BENCH_RUSTC_VERSION={}", rustc_version());
    println!("cargo:rustc-env=BENCH_DIR={}", bench_dir.display());
}

/// The workspace's target directory: `CARGO_TARGET_DIR` if set, else the
/// directory above the profile directory that holds `OUT_DIR`
/// (`<target>[/<triple>]/<profile>/build/<pkg>-<hash>/out`).
fn target_dir(out_dir: &Path) -> PathBuf {
    if let Some(t) = env::var_os("CARGO_TARGET_DIR") {
        let t = PathBuf::from(t);
        return if t.is_absolute() {
            t
        } else {
            env::current_dir().expect("a current directory").join(t)
        };
    }
    let build = out_dir
        .ancestors()
        .find(|a| a.file_name() == Some("build".as_ref()))
        .unwrap_or_else(|| panic!("OUT_DIR {} is not under <target>/<profile>/build", out_dir.display()));
    let profile = build.parent().expect("build/ has a parent");
    let above = profile.parent().expect("the profile directory has a parent");
    // With `--target <triple>` the profile directory is one level lower.
    if env::var_os("TARGET").as_deref() == above.file_name() {
        above.parent().unwrap_or(above).to_path_buf()
    } else {
        above.to_path_buf()
    }
}

fn rustc() -> std::ffi::OsString {
    env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())
}

fn rustc_version() -> String {
    Command::new(rustc())
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|_| "rustc (unknown version)".to_owned())
}

fn check_target_installed(target: &str) {
    let out = Command::new(rustc())
        .args(["--print", "sysroot"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run rustc: {e}"));
    let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !sysroot.join("lib/rustlib").join(target).is_dir() {
        panic!(
            "\n\nThe Rust target `{target}` is not installed; the benchmark workloads need it.\n\
             Run `bash scripts/setup.sh` (or `rustup target add wasm32-wasip1 wasm32-wasip1-threads`).\n"
        );
    }
}

fn build(workloads: &Path, target_dir: &Path, targets: &[&str]) {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--release", "--offline", "--manifest-path"])
        .arg(workloads.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir);
    for t in targets {
        cmd.args(["--target", t]);
    }
    // The jobserver and the toolchain pass through; flags and wrappers meant
    // for the outer build do not: every build of the workloads uses the same
    // default code generation, whatever the bench itself is built with.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "__CARGO_FIX_PLZ",
    ] {
        cmd.env_remove(var);
    }
    for (k, _) in env::vars_os() {
        if let Some(k) = k.to_str()
            && ((k.starts_with("CARGO_TARGET_") && k.ends_with("_RUSTFLAGS")) || k.starts_with("CARGO_PROFILE_"))
        {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo to build the workloads: {e}"));
    if !out.status.success() {
        panic!(
            "building the benchmark workloads failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
