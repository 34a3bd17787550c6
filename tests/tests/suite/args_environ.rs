//! `args_*`, `environ_*`.

use wasi_common_compat_tests::*;

guest_test!(args_environ_list, |run, backend| {
    let out = run
        .args(["a", "hello world", "ünïcödé", "", "--flag=x"])
        .env("A", "1")
        .env("EMPTY", "")
        .env("EQ", "x=y")
        .env("UTF8", "ü")
        .exec()
        .unwrap();
    out.assert_exit(0).assert_stderr("").assert_stdout(
        "argc=6\n\
         argv[0]=args_environ_list.wasm\n\
         argv[1]=a\n\
         argv[2]=hello world\n\
         argv[3]=ünïcödé\n\
         argv[4]=\n\
         argv[5]=--flag=x\n\
         envc=4\n\
         env A=1\n\
         env EMPTY=\n\
         env EQ=x=y\n\
         env UTF8=ü\n",
    );

    // Nothing but the program name, and no environment.
    let out = Run::guest("args_environ_list", backend).exec().unwrap();
    out.assert_exit(0)
        .assert_stderr("")
        .assert_stdout("argc=1\nargv[0]=args_environ_list.wasm\nenvc=0\n");
});
