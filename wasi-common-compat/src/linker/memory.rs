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

/// Which memory the caller has (the cache filled on first use).
pub(super) enum Kind {
    /// An unshared memory (a handle: copying it costs nothing).
    Plain(Memory),
    /// A shared memory, kept in the context's cache.
    Shared,
    /// No memory export.
    None,
}

/// Returns the caller's memory kind, from the cache or looked up once.
pub(super) fn resolve<T: 'static>(caller: &mut Caller<'_, T>, get: impl Fn(&mut T) -> &mut WasiCtx) -> Kind {
    match &get(caller.data_mut()).memory.0 {
        Some(Cached::Plain(m)) => return Kind::Plain(*m),
        Some(Cached::Shared(_)) => return Kind::Shared,
        None => {}
    }
    let (c, kind) = match caller.get_export("memory") {
        Some(Extern::Memory(m)) => (Cached::Plain(m), Kind::Plain(m)),
        Some(Extern::SharedMemory(m)) => (Cached::Shared(m), Kind::Shared),
        _ => return Kind::None,
    };
    get(caller.data_mut()).memory.0 = Some(c);
    kind
}

/// Takes the shared memory out of the context's cache for one call, so
/// that the call can borrow its bytes and the context at once without
/// cloning the handle (a clone is two reference counts every thread of the
/// program shares: contended cache lines on every call). [`put_back`]
/// returns it.
pub(super) fn take_shared(ctx: &mut WasiCtx) -> Option<SharedMemory> {
    match ctx.memory.0.take() {
        Some(Cached::Shared(sm)) => Some(sm),
        other => {
            ctx.memory.0 = other;
            None
        }
    }
}

/// Returns a memory taken by [`take_shared`].
pub(super) fn put_back(ctx: &mut WasiCtx, sm: SharedMemory) {
    ctx.memory.0 = Some(Cached::Shared(sm));
}

/// A clone of the cached shared memory (for calls that wait: an async
/// call's future may be dropped before it ends, so it must not take the
/// memory out of the cache).
pub(super) fn cloned_shared(ctx: &WasiCtx) -> Option<SharedMemory> {
    match &ctx.memory.0 {
        Some(Cached::Shared(sm)) => Some(sm.clone()),
        _ => None,
    }
}

/// `sm`'s bytes as wiggle's guest memory, or an empty memory without one.
pub(super) fn guest_memory(sm: Option<&SharedMemory>) -> wiggle::GuestMemory<'_> {
    match sm {
        Some(sm) => wiggle::GuestMemory::Shared(sm.data()),
        None => wiggle::GuestMemory::Unshared(&mut []),
    }
}

/// Runs `$body` with `$ctx` (the caller's context) and `$mem` (its memory,
/// or an empty one for a module that exports none). `lend`: for a body
/// that neither returns nor awaits (a shared memory is taken out of the
/// cache and put back after it); `clone`: for one that may await.
macro_rules! with_memory {
    ($how:ident, $caller:ident, $get:ident, |$ctx:ident, $mem:ident| $body:expr) => {{
        match resolve(&mut $caller, $get) {
            Kind::Plain(m) => {
                let (data, t) = m.data_and_store_mut(&mut $caller);
                let $ctx = $get(t);
                let $mem = &mut wiggle::GuestMemory::Unshared(data);
                $body
            }
            Kind::Shared => with_memory!(@shared $how, $caller, $get, |$ctx, $mem| $body),
            Kind::None => {
                let $ctx = $get($caller.data_mut());
                let $mem = &mut wiggle::GuestMemory::Unshared(&mut []);
                $body
            }
        }
    }};
    (@shared lend, $caller:ident, $get:ident, |$ctx:ident, $mem:ident| $body:expr) => {{
        let ctx = $get($caller.data_mut());
        let sm = take_shared(ctx);
        let r = {
            let $ctx = &mut *ctx;
            let $mem = &mut guest_memory(sm.as_ref());
            $body
        };
        if let Some(sm) = sm {
            put_back(ctx, sm);
        }
        r
    }};
    (@shared clone, $caller:ident, $get:ident, |$ctx:ident, $mem:ident| $body:expr) => {{
        let sm = cloned_shared($get($caller.data_mut()));
        let $ctx = $get($caller.data_mut());
        let $mem = &mut guest_memory(sm.as_ref());
        $body
    }};
}

pub(super) use with_memory;
