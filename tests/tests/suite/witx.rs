//! The witx files are the list of what must be there: every function of
//! `wasi_snapshot_preview1` and `wasi_unstable` is linked, with the wasm
//! signature the witx gives it (the linkers' signatures are written by
//! hand), on every backend and engine; nothing else is linked under those
//! module names; and every function has an ABI-level test here, derived from
//! its witx parameters: a call naming an fd that is not open answers
//! `EBADF`; without an fd, a pointer argument outside memory `EFAULT` (where
//! Wasmtime's hosts trap: see RATIONALE "Why do invalid enum ..."), and
//! a result that cannot be written (its out-pointer outside memory) is a
//! trap, as wiggle makes it on both of Wasmtime's hosts; the few functions
//! with none of these answer as listed in `NO_FD_OR_POINTER`. A function added to
//! the witx without an answer here fails `every_function_has_an_abi_test`.

use std::collections::BTreeSet;
use wasi_common_compat_tests::*;
use wasmtime::Val;

const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const ENOTSUP: i32 = 58;

/// What an ABI test expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    Errno(i32),
    /// A trap (not an exit).
    Trap,
    /// An exit with status 0.
    Exit0,
}

/// Functions with no fd, pointer or result parameter, and their answer to
/// the arguments `args` picks (all zero).
const NO_FD_OR_POINTER: &[(&str, Answer)] = &[
    ("proc_exit", Answer::Exit0),
    ("proc_raise", Answer::Errno(ENOTSUP)),
    ("sched_yield", Answer::Errno(0)),
];

/// An fd no test opens.
const BAD_FD: i32 = 999;

struct Func {
    name: String,
    /// The wasm parameter types ("i32"/"i64"), and for each the witx
    /// parameter kind it comes from.
    params: Vec<(&'static str, Kind)>,
    results: Vec<&'static str>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Fd,
    /// A pointer or the pointer half of a list (a string, an iovec array).
    Pointer,
    /// The length half of a list.
    Len,
    /// A number, flags or an enum.
    Value,
    /// An out-pointer for a result.
    Out,
}

fn wasm(t: witx::WasmType) -> &'static str {
    match t {
        witx::WasmType::I32 => "i32",
        witx::WasmType::I64 => "i64",
        witx::WasmType::F32 => "f32",
        witx::WasmType::F64 => "f64",
    }
}

/// The functions of the witx document at `path` (relative to the core crate).
fn functions(path: &str) -> (String, Vec<Func>) {
    let file = format!("{}/../wasi-common-compat/{path}", env!("CARGO_MANIFEST_DIR"));
    let doc = witx::load(&[&file]).unwrap_or_else(|e| panic!("{file}: {e}"));
    let module = doc.modules().next().expect("one module");
    let funcs = module
        .funcs()
        .map(|f| {
            let (params, results) = f.wasm_signature();
            let mut kinds = Vec::new();
            for p in &f.params {
                match &**p.tref.type_() {
                    witx::Type::Handle(_) => kinds.push(Kind::Fd),
                    witx::Type::Pointer(_) | witx::Type::ConstPointer(_) => kinds.push(Kind::Pointer),
                    witx::Type::List(_) => kinds.extend([Kind::Pointer, Kind::Len]),
                    _ => kinds.push(Kind::Value),
                }
            }
            // What the witx params do not account for are result pointers.
            kinds.resize(params.len(), Kind::Out);
            Func {
                name: f.name.as_str().to_owned(),
                params: params.into_iter().map(wasm).zip(kinds).collect(),
                results: results.into_iter().map(wasm).collect(),
            }
        })
        .collect();
    (module.name.as_str().to_owned(), funcs)
}

fn documents() -> Vec<(String, Vec<Func>)> {
    vec![
        functions("witx/preview1/wasi_snapshot_preview1.witx"),
        functions("witx/preview0/wasi_unstable.witx"),
    ]
}

/// The WAT signature strings of `f`.
fn signature(f: &Func) -> (String, String) {
    let params: Vec<&str> = f.params.iter().map(|p| p.0).collect();
    (params.join(" "), f.results.join(" "))
}

/// A module importing every function of `funcs` from `module` with its witx
/// signature (instantiating it fails if one is missing or typed otherwise).
fn module_of(module: &str, funcs: &[Func]) -> String {
    let sigs: Vec<(String, String)> = funcs.iter().map(signature).collect();
    let imports: Vec<AbiImport<'_>> = funcs
        .iter()
        .zip(&sigs)
        .map(|(f, (p, r))| (module, f.name.as_str(), p.as_str(), r.as_str()))
        .collect();
    abi_module(&imports, 1, Some(1))
}

#[test]
fn the_witx_files_list_the_preview1_and_preview0_functions() {
    let docs = documents();
    assert_eq!(docs[0].0, "wasi_snapshot_preview1");
    assert_eq!(docs[0].1.len(), 46);
    assert_eq!(docs[1].0, "wasi_unstable");
    assert_eq!(docs[1].1.len(), 45);
}

per_backend!(every_witx_function_is_linked_with_its_signature, |backend| {
    for (module, funcs) in documents() {
        let s = Run::wat(&module_of(&module, &funcs), backend).session();
        assert!(
            s.is_ok(),
            "{module} on {backend}: {}",
            s.err().map(|e| format!("{e:#}")).unwrap_or_default()
        );
    }
});

#[test]
fn nothing_else_is_linked_under_the_wasi_module_names() {
    let engine = wasmtime::Engine::default();
    let mut linker = wasmtime::Linker::<wasi_common_compat::WasiCtx>::new(&engine);
    wasi_common_compat::linker::add_to_linker_sync(&mut linker, |cx| cx).unwrap();
    let ctx = wasi_common_compat_sync::WasiCtxBuilder::new().build().unwrap();
    let mut store = wasmtime::Store::new(&engine, ctx);
    let docs = documents();
    let mut linked: Vec<(String, String)> = linker
        .iter(&mut store)
        .map(|(m, n, _)| (m.to_owned(), n.to_owned()))
        .filter(|(m, _)| docs.iter().any(|(d, _)| d == m))
        .collect();
    linked.sort();
    let mut expected: Vec<(String, String)> = docs
        .iter()
        .flat_map(|(m, fs)| fs.iter().map(move |f| (m.clone(), f.name.clone())))
        .collect();
    expected.sort();
    assert_eq!(linked, expected);
}

/// Which arguments an ABI test passes bad values for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Args {
    /// Fds `BAD_FD`; pointers and lists at valid addresses (lists one byte
    /// long, "a"); values 0; result pointers at distinct valid addresses.
    Fds,
    /// As `Fds`, but every pointer argument just below 4 GiB and every
    /// value 1 (a length of 1, one subscription, the monotonic clock).
    Pointers,
    /// As `Pointers`, for the result pointers instead.
    Results,
}

/// The arguments of the ABI test of `f`.
fn args(f: &Func, which: Args) -> Vec<Val> {
    let mut out_at = 8192;
    let bad = i64::from((u32::MAX - 3) as i32);
    f.params
        .iter()
        .map(|&(ty, kind)| {
            let v: i64 = match (kind, which) {
                (Kind::Fd, _) => i64::from(BAD_FD),
                (Kind::Pointer, Args::Pointers) | (Kind::Out, Args::Results) => bad,
                (Kind::Value | Kind::Len, Args::Pointers | Args::Results) => 1,
                (Kind::Pointer, _) => 1024,
                (Kind::Len, _) => 1,
                (Kind::Value, _) => 0,
                (Kind::Out, _) => {
                    out_at += 64;
                    out_at
                }
            };
            if ty == "i64" { Val::I64(v) } else { Val::I32(v as i32) }
        })
        .collect()
}

/// The ABI test of `f`, if it has one: its arguments and answer.
fn expected(f: &Func) -> Option<(Args, Answer)> {
    let has = |k: Kind| f.params.iter().any(|p| p.1 == k);
    if has(Kind::Fd) {
        return Some((Args::Fds, Answer::Errno(EBADF)));
    }
    if has(Kind::Pointer) {
        return Some((Args::Pointers, Answer::Errno(EFAULT)));
    }
    if has(Kind::Out) {
        return Some((Args::Results, Answer::Trap));
    }
    NO_FD_OR_POINTER
        .iter()
        .find(|(n, _)| *n == f.name)
        .map(|&(_, a)| (Args::Fds, a))
}

#[test]
fn every_function_has_an_abi_test() {
    let mut missing = BTreeSet::new();
    for (module, funcs) in documents() {
        for f in &funcs {
            if expected(f).is_none() {
                missing.insert(format!("{module}.{}", f.name));
            }
        }
    }
    assert!(missing.is_empty(), "functions with no ABI test: {missing:?}");
}

per_backend!(bad_fds_are_ebadf_and_bad_result_pointers_efault, |backend| {
    let mut checked = 0;
    for (module, funcs) in documents() {
        let wat = module_of(&module, &funcs);
        let mut s = Run::wat(&wat, backend).sandbox().session().unwrap();
        s.write(1024, b"a").unwrap();
        for f in &funcs {
            let Some((which, want)) = expected(f) else { continue };
            let a = args(f, which);
            let what = format!("{module}.{}{a:?} on {backend}", f.name);
            let r = s.call(&format!("{module}.{}", f.name), &a);
            let got = match r.as_deref() {
                Ok([Val::I32(e)]) => Answer::Errno(*e),
                Ok(other) => panic!("{what}: returned {other:?}"),
                Err(e) => match e.downcast_ref::<wasi_common_compat::I32Exit>() {
                    Some(wasi_common_compat::I32Exit(0)) => Answer::Exit0,
                    Some(x) => panic!("{what}: exit {}", x.0),
                    None => Answer::Trap,
                },
            };
            assert_eq!(got, want, "{what}: {r:?}");
            if matches!(got, Answer::Trap | Answer::Exit0) {
                // The instance is gone: a fresh one for the next call.
                s = Run::wat(&wat, backend).sandbox().session().unwrap();
                s.write(1024, b"a").unwrap();
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 46 + 45);
});
