//! `random_get`.

use wasi_common_compat_tests::*;

guest_test!(random_get, |run| {
    run.exec()
        .unwrap()
        .assert_sections(&["exact length", "calls differ", "zero length", "one mebibyte"]);
});
