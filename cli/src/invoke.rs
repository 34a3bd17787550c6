//! Which export a run calls, as `wasmtime run` picks it: `_initialize`
//! first if the module exports it (a reactor), then `--invoke FUNC`, or
//! else the default export `""`, or else `_start`; a module with none of
//! them is only instantiated. `--invoke` takes its parameters from the
//! guest arguments (`i32`/`i64` in decimal or `0x` hex, `f32`/`f64`) and
//! prints each result on a line of its own.

use crate::exec::Host;
use crate::options::RunArgs;
use wasmtime::error::Context as _;
use wasmtime::{Func, Instance, Result, Store, Val, ValType, bail, format_err};

/// The function to call after `_initialize`, if any.
/// Errors: `--invoke` names no exported function.
fn entry(store: &mut Store<Host>, instance: &Instance, args: &RunArgs) -> Result<Option<Func>> {
    match &args.invoke {
        Some(name) => instance
            .get_func(&mut *store, name)
            .map(Some)
            .ok_or_else(|| format_err!("no func export named `{name}` found")),
        None => Ok(instance
            .get_func(&mut *store, "")
            .or_else(|| instance.get_func(&mut *store, "_start"))),
    }
}

/// The parameters of `func` from the guest arguments.
/// Errors: too few arguments, one that does not parse as its type, or a
/// parameter type that cannot be written on a command line.
fn params(store: &Store<Host>, func: &Func, args: &RunArgs) -> Result<Vec<Val>> {
    let ty = func.ty(store);
    if ty.params().len() > 0 {
        eprintln!(
            "warning: using `--invoke` with a function that takes arguments is experimental and may break in the future"
        );
    }
    let given = args.guest_args()?;
    let mut given = given.iter();
    let mut values = Vec::new();
    for p in ty.params() {
        let Some(s) = given.next() else {
            match &args.invoke {
                Some(name) => bail!("not enough arguments for `{name}`"),
                None => bail!("not enough arguments for command default"),
            }
        };
        values.push(parse_val(&p, s)?);
    }
    Ok(values)
}

fn parse_int<T>(s: &str, radix16: fn(&str) -> Result<T, std::num::ParseIntError>) -> Result<T>
where
    T: std::str::FromStr<Err = std::num::ParseIntError>,
{
    let v = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => radix16(hex)?,
        None => s.parse::<T>()?,
    };
    Ok(v)
}

fn parse_val(ty: &ValType, s: &str) -> Result<Val> {
    Ok(match ty {
        ValType::I32 => Val::I32(parse_int(s, |h| i32::from_str_radix(h, 16))?),
        ValType::I64 => Val::I64(parse_int(s, |h| i64::from_str_radix(h, 16))?),
        ValType::F32 => Val::F32(s.parse::<f32>()?.to_bits()),
        ValType::F64 => Val::F64(s.parse::<f64>()?.to_bits()),
        t => bail!("unsupported argument type {t:?}"),
    })
}

/// Prints results as `wasmtime run --invoke` does: one per line.
fn print_results(results: &[Val]) {
    if !results.is_empty() {
        eprintln!(
            "warning: using `--invoke` with a function that returns values is experimental and may break in the future"
        );
    }
    for r in results {
        match r {
            Val::I32(i) => println!("{i}"),
            Val::I64(i) => println!("{i}"),
            Val::F32(f) => println!("{}", f32::from_bits(*f)),
            Val::F64(f) => println!("{}", f64::from_bits(*f)),
            Val::V128(v) => println!("{}", v.as_u128()),
            Val::ExternRef(r) => println!("{}", if r.is_some() { "<externref>" } else { "<null externref>" }),
            Val::FuncRef(r) => println!("{}", if r.is_some() { "<funcref>" } else { "<null funcref>" }),
            Val::AnyRef(r) => println!("{}", if r.is_some() { "<anyref>" } else { "<null anyref>" }),
            Val::ExnRef(r) => println!("{}", if r.is_some() { "<exnref>" } else { "<null exnref>" }),
            Val::ContRef(r) => println!("{}", if r.is_some() { "<contref>" } else { "<null contref>" }),
        }
    }
}

fn call_context(args: &RunArgs) -> String {
    match &args.invoke {
        Some(name) => format!("failed to invoke `{name}`"),
        None => "failed to invoke command default".to_owned(),
    }
}

/// Calls the entry points of `instance` on a sync store.
/// Errors: any trap or exit of the guest, bad `--invoke` arguments.
pub fn run_sync(store: &mut Store<Host>, instance: &Instance, args: &RunArgs) -> Result<()> {
    if let Some(init) = instance.get_func(&mut *store, "_initialize") {
        init.typed::<(), ()>(&*store)?.call(&mut *store, ())?;
    }
    let Some(func) = entry(store, instance, args)? else {
        return Ok(());
    };
    let values = params(store, &func, args)?;
    let mut results = vec![Val::I32(0); func.ty(&*store).results().len()];
    func.call(&mut *store, &values, &mut results)
        .with_context(|| call_context(args))?;
    print_results(&results);
    Ok(())
}

/// Calls the entry points of `instance` on an async store.
/// Errors: as [`run_sync`].
pub async fn run_async(store: &mut Store<Host>, instance: &Instance, args: &RunArgs) -> Result<()> {
    if let Some(init) = instance.get_func(&mut *store, "_initialize") {
        init.typed::<(), ()>(&*store)?.call_async(&mut *store, ()).await?;
    }
    let Some(func) = entry(store, instance, args)? else {
        return Ok(());
    };
    let values = params(store, &func, args)?;
    let mut results = vec![Val::I32(0); func.ty(&*store).results().len()];
    func.call_async(&mut *store, &values, &mut results)
        .await
        .with_context(|| call_context(args))?;
    print_results(&results);
    Ok(())
}
