//! Builds the workload program (`workloads/`, its own cargo workspace) for
//! `wasm32-wasip1`, `wasm32-wasip1-threads` and the host, with one nested
//! `cargo build --release` into `<target>/bench/workloads`, and tells the
//! bench binary where the three builds are (`WORKLOAD_WASM`,
//! `WORKLOAD_WASM_THREADS`, `WORKLOAD_NATIVE`) and where its scratch files
//! and results go by default (`BENCH_DIR`, `<target>/bench`).

use std::env;
use std::path::PathBuf;
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
    println!("cargo:rerun-if-changed=../build-support/nested_cargo.rs");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");

    for t in [WASM, WASM_THREADS] {
        check_target_installed(t, "The benchmark workloads");
    }
    let bench_dir = target_dir(&out_dir).join("bench");
    let target_dir = bench_dir.join("workloads");
    nested_cargo_build(
        &workloads.join("Cargo.toml"),
        &target_dir,
        &[WASM, WASM_THREADS, &host],
        "the benchmark workloads",
    );

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

fn rustc_version() -> String {
    Command::new(rustc())
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|_| "rustc (unknown version)".to_owned())
}

include!("../build-support/nested_cargo.rs");
