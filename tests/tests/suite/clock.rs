//! `clock_*`.

use wasi_common_compat_tests::*;

guest_test!(clock_time, |run| {
    run.exec().unwrap().assert_sections(&[
        "resolution",
        "realtime",
        "monotonic",
        "cpu-time clocks are not provided (EBADF, as on Wasmtime)",
        "unknown clock ids",
        "out-pointer is written exactly",
    ]);
});
