//! `proc_exit`, `proc_raise`, `sched_yield`, and traps.

use wasi_common_compat_tests::*;

guest_test!(proc_exit, |run, backend| {
    let out = run.args(["exit", "0"]).exec().unwrap();
    out.assert_exit(0).assert_stdout("exiting with 0\n").assert_stderr("");

    for code in [1, 7, 42, 125] {
        let out = Run::guest("proc_exit", backend)
            .args(["exit".to_string(), code.to_string()])
            .exec()
            .unwrap();
        out.assert_exit(code).assert_stdout(&format!("exiting with {code}\n"));
    }
    // A status outside [0, 126) is an error, not an exit (as on Wasmtime).
    for code in [126, 255, 256, 300, 65_536] {
        let out = Run::guest("proc_exit", backend)
            .args(["exit".to_string(), code.to_string()])
            .exec()
            .unwrap();
        let err = out.assert_trap().to_string();
        assert!(err.contains("below 126"), "proc_exit({code}): {err}");
    }

    let out = Run::guest("proc_exit", backend).arg("return").exec().unwrap();
    out.assert_exit(0).assert_stdout("returning from main\n");

    let out = Run::guest("proc_exit", backend).arg("raise").exec().unwrap();
    out.assert_exit(0)
        .assert_stdout("signals refused, yields fine\n")
        .assert_stderr("");

    let out = Run::guest("proc_exit", backend).arg("panic").exec().unwrap();
    let trap = out.assert_trap().to_string();
    assert!(
        trap.contains("unreachable"),
        "a panic aborts with `unreachable`: {trap}"
    );
    assert_eq!(out.stdout_str(), "about to panic\n");
    assert!(
        out.stderr_str().contains("the guest panics on purpose"),
        "the panic message goes to stderr: {out}"
    );
});

per_backend!(wat_exit_and_trap, |backend| {
    let exit = r#"(module
        (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
        (memory (export "memory") 1)
        (func (export "_start") (call $exit (i32.const 3)) unreachable))"#;
    Run::wat(exit, backend).exec().unwrap().assert_exit(3);

    let negative = r#"(module
        (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
        (memory (export "memory") 1)
        (func (export "_start") (call $exit (i32.const -1))))"#;
    // 0xFFFF_FFFF is outside [0, 126): an error, not an exit.
    let err = Run::wat(negative, backend).exec().unwrap().assert_trap().to_string();
    assert!(err.contains("below 126"), "{err}");

    let trap = r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#;
    Run::wat(trap, backend).exec().unwrap().assert_trap();

    let ret = r#"(module (memory (export "memory") 1) (func (export "_start")))"#;
    Run::wat(ret, backend).exec().unwrap().assert_exit(0);
});

per_backend!(runaway_guest_times_out, |backend| {
    // A guest stuck in a loop is stopped by the harness's timeout, and one
    // stuck in a blocking call too.
    let spin = r#"(module (memory (export "memory") 1) (func (export "_start") (loop (br 0))))"#;
    let out = Run::wat(spin, backend)
        .timeout(std::time::Duration::from_millis(300))
        .exec()
        .unwrap();
    assert_eq!(out.status, Status::TimedOut, "{out}");

    let (run, _writer) = Run::guest("poll_stdin", backend).stdin_pipe(16);
    let out = run.timeout(std::time::Duration::from_millis(500)).exec().unwrap();
    assert_eq!(out.status, Status::TimedOut, "{out}");
});

per_backend!(a_module_file, |backend| {
    // Any module file runs too, with its path as argv[0].
    let path = guest_path("args_environ_list");
    let out = Run::file(&path, backend).arg("x").exec().unwrap();
    out.assert_exit(0)
        .assert_stdout(&format!("argc=2\nargv[0]={}\nargv[1]=x\nenvc=0\n", path.display()));
});
