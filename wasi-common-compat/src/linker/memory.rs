//! The guest's memory as the Wasmtime glue finds it: looked up by name once
//! per store, kept in the [`WasiCtx`] (a clone starts empty), and lent to
//! each call as [`wiggle::GuestMemory`] (shared memories as `Shared`, so no
//! Rust reference is made into bytes another thread may change).

use crate::WasiCtx;
use wasmtime::{Caller, Extern, Memory, SharedMemory};

/// The guest memory handle cached per store (see the module docs).
#[derive(Default, Clone)]
pub struct MemoryCache(Option<Cached>);

#[derive(Clone)]
pub(super) enum Cached {
    Plain(Memory),
    Shared(SharedMemory),
}

/// Makes the WASI functions called through `ctx` use `memory`, the program's
/// shared memory, instead of looking up the caller's `memory` export (the
/// threads support sets this for every thread; it also serves modules that
/// import their shared memory without exporting it).
pub fn use_shared_memory(ctx: &mut WasiCtx, memory: SharedMemory) {
    ctx.memory.0 = Some(Cached::Shared(memory));
}

/// Returns the caller's memory, from the cache or looked up once.
pub(super) fn resolve<T: 'static>(caller: &mut Caller<'_, T>, get: impl Fn(&mut T) -> &mut WasiCtx) -> Option<Cached> {
    if let Some(c) = &get(caller.data_mut()).memory.0 {
        return Some(c.clone());
    }
    let c = match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Cached::Plain(m),
        Some(Extern::SharedMemory(m)) => Cached::Shared(m),
        _ => return None,
    };
    get(caller.data_mut()).memory.0 = Some(c.clone());
    Some(c)
}

/// Runs `$body` with `$ctx` (the caller's context) and `$mem` (its memory,
/// or an empty one for a module that exports none).
macro_rules! with_memory {
    ($caller:ident, $get:ident, |$ctx:ident, $mem:ident| $body:expr) => {{
        match resolve(&mut $caller, $get) {
            Some(Cached::Plain(m)) => {
                let (data, t) = m.data_and_store_mut(&mut $caller);
                let $ctx = $get(t);
                let $mem = &mut wiggle::GuestMemory::Unshared(data);
                $body
            }
            Some(Cached::Shared(sm)) => {
                let data = sm.data();
                let $ctx = $get($caller.data_mut());
                let $mem = &mut wiggle::GuestMemory::Shared(data);
                $body
            }
            None => {
                let $ctx = $get($caller.data_mut());
                let $mem = &mut wiggle::GuestMemory::Unshared(&mut []);
                $body
            }
        }
    }};
}

pub(super) use with_memory;
