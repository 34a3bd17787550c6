//! Builds the guest programs in `guests/` for `wasm32-wasip1` and those in
//! `guests-threads/` for `wasm32-wasip1-threads`, and generates:
//!
//! - `$OUT_DIR/guests.rs` (included by the library): `GUESTS`, the names
//!   of all guest programs, and `GUEST_DIR`, where their `.wasm` files are;
//!   `THREADS_GUESTS` and `THREADS_GUEST_DIR`, the same for the threaded ones;
//! - `$OUT_DIR/coverage.rs` (included by the test suite) and
//!   `$OUT_DIR/threads_coverage.rs` (included by the threads suite): one
//!   reference per guest to the `COVERED` constant of the test module of the
//!   same name, so a guest without a test makes the suite fail to compile.
//!
//! Each guest set is a separate cargo workspace, built by a nested
//! `cargo build --release --target <triple>` into `<target>/guests`.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One set of guest programs: a cargo workspace and the target it builds for.
struct GuestSet {
    /// The workspace's folder, next to this file.
    dir: &'static str,
    target: &'static str,
    /// The names generated for it: the list, the directory, the coverage file.
    list_const: &'static str,
    dir_const: &'static str,
    coverage_file: &'static str,
}

const SETS: [GuestSet; 2] = [
    GuestSet {
        dir: "guests",
        target: "wasm32-wasip1",
        list_const: "GUESTS",
        dir_const: "GUEST_DIR",
        coverage_file: "coverage.rs",
    },
    GuestSet {
        dir: "guests-threads",
        target: "wasm32-wasip1-threads",
        list_const: "THREADS_GUESTS",
        dir_const: "THREADS_GUEST_DIR",
        coverage_file: "threads_coverage.rs",
    },
];

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../build-support/nested_cargo.rs");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");
    let target_dir = target_dir(&out_dir).join("guests");

    let mut generated = String::new();
    let mut all_names: Vec<String> = Vec::new();
    for set in &SETS {
        let guests_dir = manifest_dir.join(set.dir);
        for p in ["src", "Cargo.toml", "Cargo.lock"] {
            println!("cargo:rerun-if-changed={}", guests_dir.join(p).display());
        }
        let names = guest_names(&guests_dir.join("src/bin"));
        if let Some(dup) = names.iter().find(|n| all_names.contains(n)) {
            panic!("guest program name {dup:?} is used in two guest sets; each needs its own test module");
        }
        all_names.extend(names.iter().cloned());
        check_target_installed(set.target, "The guest programs of the test suite");
        nested_cargo_build(
            &guests_dir.join("Cargo.toml"),
            &target_dir,
            &[set.target],
            "the guest programs",
        );

        let wasm_dir = target_dir.join(set.target).join("release");
        for n in &names {
            let wasm = wasm_dir.join(format!("{n}.wasm"));
            if !wasm.is_file() {
                panic!("the guest build succeeded but {} is missing", wasm.display());
            }
        }
        generated.push_str(&list_source(set, &names, &wasm_dir));
        write_if_changed(&out_dir.join(set.coverage_file), &coverage_source(&names));
    }
    write_if_changed(&out_dir.join("guests.rs"), &generated);
}

/// The stems of `guests/src/bin/*.rs`, sorted.
fn guest_names(bin_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(bin_dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", bin_dir.display()))
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    for n in &names {
        let ok = n.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            panic!("guest program name {n:?} must be a lowercase Rust identifier (<group>_<topic>)");
        }
    }
    names
}

/// The guest list and directory of one set, for `guests.rs`.
fn list_source(set: &GuestSet, names: &[String], wasm_dir: &Path) -> String {
    let mut src = String::new();
    writeln!(
        src,
        "/// The guest programs (`tests/{}/src/bin/*.rs`, built for `{}`), sorted by name.",
        set.dir, set.target
    )
    .expect("writing to a String");
    writeln!(src, "pub const {}: &[&str] = &[", set.list_const).expect("writing to a String");
    for n in names {
        writeln!(src, "    {n:?},").expect("writing to a String");
    }
    src.push_str("];\n\n");
    writeln!(src, "/// Where the `.wasm` files of [`{}`] are.", set.list_const).expect("writing to a String");
    writeln!(
        src,
        "pub const {}: &str = {:?};\n",
        set.dir_const,
        wasm_dir.display().to_string()
    )
    .expect("writing to a String");
    src
}

/// One reference per guest to the `COVERED` constant of its test module.
fn coverage_source(names: &[String]) -> String {
    let mut cov = String::new();
    cov.push_str(
        "// Generated by tests/build.rs: every guest program must have a test module of\n\
         // the same name (made with `guest_test!` or `threads_test!`) somewhere in the\n\
         // suite. A compile error here (\"could not find `<guest>`\") names a guest nobody runs.\n",
    );
    for n in names {
        writeln!(cov, "const _: () = crate::{n}::COVERED;").expect("writing to a String");
    }
    cov
}

fn write_if_changed(path: &Path, content: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(content) {
        std::fs::write(path, content).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

include!("../build-support/nested_cargo.rs");
