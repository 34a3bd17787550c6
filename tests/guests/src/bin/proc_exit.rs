//! `proc_exit`, `proc_raise`, `sched_yield`. What it does depends on its
//! arguments: `exit N` prints a line and exits with N (nothing after runs),
//! `return` returns from main, `panic` panics (a trap), `raise` checks that
//! signals are refused.

use guest::*;

fn main() {
    let args = ok(guest::args(), "args");
    let args: Vec<String> = args
        .into_iter()
        .map(|a| String::from_utf8_lossy(&a).into_owned())
        .collect();
    match args.get(1).map(String::as_str) {
        Some("exit") => {
            let code: u32 = args
                .get(2)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| fail("exit needs a number"));
            println!("exiting with {code}");
            proc_exit(code);
        }
        Some("return") => println!("returning from main"),
        Some("panic") => {
            println!("about to panic");
            panic!("the guest panics on purpose");
        }
        Some("raise") => {
            for sig in [0, 1, 2, 9, 15, 30] {
                errno(proc_raise(sig), Errno::NOTSUP, format!("proc_raise({sig})"));
            }
            errno(proc_raise(31), Errno::INVAL, "proc_raise of an unknown signal");
            for _ in 0..100 {
                ok(sched_yield(), "sched_yield");
            }
            println!("signals refused, yields fine");
        }
        other => fail(&format!("unknown mode {other:?}")),
    }
}
