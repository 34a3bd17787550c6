//! `random_get`: fills exactly the bytes asked for, differs between calls,
//! looks random, handles zero and large lengths.

use guest::*;

fn main() {
    section("exact length");
    let mut buf = [0xA5u8; 96];
    ok(random_get(&mut buf[32..64]), "random_get 32 bytes");
    check(buf[..32].iter().all(|&b| b == 0xA5), "bytes before untouched");
    check(buf[64..].iter().all(|&b| b == 0xA5), "bytes after untouched");
    let mid = &buf[32..64];
    check(mid.iter().any(|&b| b != 0xA5), "the requested bytes changed");
    check(mid.iter().any(|&b| b != mid[0]), "not all the same byte");

    section("calls differ");
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    ok(random_get(&mut a), "first");
    ok(random_get(&mut b), "second");
    check(a != b, "two calls give different bytes");

    section("zero length");
    let mut z = [0x11u8; 4];
    ok(random_get(&mut z[..0]), "random_get 0 bytes");
    eq(z, [0x11u8; 4], "nothing written");
    ok(
        result(unsafe { sys::random_get(std::ptr::null_mut(), 0) }),
        "a null pointer with length 0",
    );

    section("one mebibyte");
    let mut big = vec![0u8; 1 << 20];
    ok(random_get(&mut big), "random_get 1 MiB");
    let mut counts = [0u32; 256];
    for &x in &big {
        counts[x as usize] += 1;
    }
    // Each value is expected 4096 times; a uniform source stays far inside this.
    for (v, &c) in counts.iter().enumerate() {
        check((3000..5200).contains(&c), format!("byte value {v} appears {c} times"));
    }
    done();
}
