//! A spawned thread panics while the main thread waits in `join`. With
//! unwinding, `join` would return `Err` and the program go on; the target's
//! std is built with `panic = "abort"`, so the panic message is printed and
//! the whole program aborts (a trap): nothing after the panic runs, in any
//! thread.

use std::thread;
use std::time::Duration;

fn main() {
    println!("main: spawning");
    let bystander = thread::spawn(|| {
        thread::sleep(Duration::from_secs(3600));
        println!("bystander: woke up");
    });
    let h = thread::Builder::new()
        .name("doomed".into())
        .spawn(|| {
            println!("doomed: about to panic");
            let v: Vec<u32> = Vec::new();
            if v.is_empty() {
                panic!("doomed thread panics on purpose");
            }
            7
        })
        .unwrap();
    match h.join() {
        Ok(v) => println!("main: join gave Ok({v})"),
        Err(_) => println!("main: join gave Err"),
    }
    let _ = bystander.join();
    println!("main: end");
}
