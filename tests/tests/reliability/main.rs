//! Reliability: hostile modules must not crash, hang or exhaust the host.
//! One module per defect of issue 12 (each test failed before its fix).

mod blocking;
mod exit_latency;
mod faults;
mod fd_limit;
mod iovec_4gib;
mod threads;

/// Serializes the tests of this binary: several count the process's
/// descriptors or memory, which the others' would disturb.
pub(crate) fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}
mod abi_fuzz;
mod fifo_open;
mod poll_many;
