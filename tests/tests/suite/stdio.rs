//! stdin, stdout, stderr.

use wasi_common_compat_tests::*;

guest_test!(stdio_echo, |run, backend| {
    let input: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + i / 256) as u8).collect();
    let out = run.stdin(input.clone()).exec().unwrap();
    out.assert_exit(0).assert_stderr("read 20000 bytes\n");
    assert!(
        out.stdout == input,
        "stdout is stdin, byte for byte ({} bytes)",
        out.stdout.len()
    );

    let out = Run::guest("stdio_echo", backend).exec().unwrap();
    out.assert_exit(0).assert_stdout("").assert_stderr("read 0 bytes\n");
});
