//! `args_*` and `environ_*`: prints the arguments and environment it was
//! given (one per line, in order), after checking that the sizes agree with
//! what `*_get` writes, that every string is NUL-terminated inside the
//! buffer, and that nothing is written past the pointer array or the buffer.

use guest::*;

const SENTINEL: u8 = 0xA5;

/// Reads a list with `sizes`/`get` into buffers one slot / 16 bytes larger
/// than needed, filled with sentinels, and checks the bytes around.
fn list(
    what: &str,
    sizes: unsafe extern "C" fn(*mut usize, *mut usize) -> u32,
    get: unsafe extern "C" fn(*mut *mut u8, *mut u8) -> u32,
) -> Vec<String> {
    let (mut count, mut size) = (usize::MAX, usize::MAX);
    ok(
        result(unsafe { sizes(&mut count, &mut size) }),
        format!("{what}_sizes_get"),
    );
    let marker = 0x5A5A_5A5Ausize as *mut u8;
    let mut ptrs = vec![marker; count + 1];
    let mut buf = vec![SENTINEL; size + 16];
    ok(
        result(unsafe { get(ptrs.as_mut_ptr(), buf.as_mut_ptr()) }),
        format!("{what}_get"),
    );
    eq(ptrs[count], marker, format!("{what}_get: pointer slot after the last"));
    check(
        buf[size..].iter().all(|&b| b == SENTINEL),
        format!("{what}_get: bytes past the buffer untouched"),
    );
    let base = buf.as_ptr() as usize;
    let mut expect_start = 0;
    let mut out = Vec::new();
    for (i, p) in ptrs[..count].iter().enumerate() {
        let start = (*p as usize).wrapping_sub(base);
        eq(
            start,
            expect_start,
            format!("{what}[{i}] starts right after the previous string"),
        );
        let len = buf[start..size].iter().position(|&b| b == 0);
        let len = len.unwrap_or_else(|| fail(&format!("{what}[{i}] has no NUL inside the buffer")));
        expect_start = start + len + 1;
        let s = String::from_utf8(buf[start..start + len].to_vec());
        out.push(s.unwrap_or_else(|_| fail(&format!("{what}[{i}] is not UTF-8"))));
    }
    eq(expect_start, size, format!("{what}: the strings fill the whole buffer"));
    out
}

fn main() {
    let args = list("args", sys::args_sizes_get, sys::args_get);
    let env = list("environ", sys::environ_sizes_get, sys::environ_get);
    // The wrappers (used by other guests) agree.
    eq(
        ok(guest::args(), "args()"),
        args.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>(),
        "args() matches",
    );
    println!("argc={}", args.len());
    for (i, a) in args.iter().enumerate() {
        println!("argv[{i}]={a}");
    }
    println!("envc={}", env.len());
    for e in &env {
        println!("env {e}");
    }
}
