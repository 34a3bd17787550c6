// Shared by the build scripts that run a nested `cargo build` of wasm
// programs (`tests/build.rs`: the guest programs; `bench/build.rs`: the
// workloads), included with `include!`. Items only, with full paths, so the
// including script keeps its own `use` lines.

/// The workspace's target directory: `CARGO_TARGET_DIR` if set, else the
/// directory above the profile directory that holds `OUT_DIR`
/// (`<target>[/<triple>]/<profile>/build/<pkg>-<hash>/out`).
fn target_dir(out_dir: &std::path::Path) -> std::path::PathBuf {
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        let t = std::path::PathBuf::from(t);
        return if t.is_absolute() {
            t
        } else {
            std::env::current_dir().expect("a current directory").join(t)
        };
    }
    let build = out_dir
        .ancestors()
        .find(|a| a.file_name() == Some("build".as_ref()))
        .unwrap_or_else(|| panic!("OUT_DIR {} is not under <target>/<profile>/build", out_dir.display()));
    let profile = build.parent().expect("build/ has a parent");
    let above = profile.parent().expect("the profile directory has a parent");
    // With `--target <triple>` the profile directory is one level lower.
    if std::env::var_os("TARGET").as_deref() == above.file_name() {
        above.parent().unwrap_or(above).to_path_buf()
    } else {
        above.to_path_buf()
    }
}

/// The compiler cargo runs (`RUSTC`), else `rustc`.
fn rustc() -> std::ffi::OsString {
    std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())
}

/// Fails with a clear message if the standard library for `target` is
/// missing; `needed_by` says what needs it.
fn check_target_installed(target: &str, needed_by: &str) {
    let out = std::process::Command::new(rustc())
        .args(["--print", "sysroot"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run rustc: {e}"));
    let sysroot = std::path::PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let lib = sysroot.join("lib/rustlib").join(target);
    if !lib.is_dir() {
        panic!(
            "\n\nThe Rust target `{target}` is not installed ({} is missing).\n\
             {needed_by} need it: run `bash scripts/setup.sh`\n\
             (it runs `rustup target add wasm32-wasip1 wasm32-wasip1-threads`).\n",
            lib.display()
        );
    }
}

/// `cargo build --release --offline` of the workspace at `manifest` for
/// `targets` into `target_dir`, isolated from the outer build. The jobserver
/// (`CARGO_MAKEFLAGS`) and the toolchain (`RUSTC`, `RUSTUP_TOOLCHAIN`) pass
/// through; settings meant for the outer build do not: its rustflags (e.g.
/// `-C target-cpu=native`), rustc wrappers (clippy's, under `cargo
/// clippy`), its target, target directory and profile settings. Panics
/// with cargo's output, naming `what`, if the build fails.
fn nested_cargo_build(manifest: &std::path::Path, target_dir: &std::path::Path, targets: &[&str], what: &str) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.args(["build", "--release", "--offline", "--manifest-path"])
        .arg(manifest)
        .arg("--target-dir")
        .arg(target_dir);
    for t in targets {
        cmd.args(["--target", t]);
    }
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTDOCFLAGS",
        "CARGO_ENCODED_RUSTDOCFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "__CARGO_FIX_PLZ",
    ] {
        cmd.env_remove(var);
    }
    for (k, _) in std::env::vars_os() {
        if let Some(k) = k.to_str()
            && ((k.starts_with("CARGO_TARGET_") && k.ends_with("RUSTFLAGS")) || k.starts_with("CARGO_PROFILE_"))
        {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo to build {what}: {e}"));
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let hint = if stderr.contains("target may not be installed") || stderr.contains("can't find crate for `std`") {
            "\nhint: run `bash scripts/setup.sh` to install the wasm targets\n"
        } else {
            ""
        };
        panic!(
            "building {what} failed ({}):\n{}{}{hint}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            stderr
        );
    }
}
