//! `clock_res_get` and `clock_time_get`.

use guest::*;

/// 2020-01-01T00:00:00Z and 2100-01-01T00:00:00Z in ns.
const Y2020: u64 = 1_577_836_800_000_000_000;
const Y2100: u64 = 4_102_444_800_000_000_000;

fn main() {
    section("resolution");
    for id in [CLOCKID_REALTIME, CLOCKID_MONOTONIC] {
        let res = ok(clock_res_get(id), format!("clock_res_get({id})"));
        check(
            res > 0 && res <= 1_000_000_000,
            format!("resolution of clock {id} is in (0, 1s]: {res}"),
        );
    }

    section("realtime");
    let now = ok(clock_time_get(CLOCKID_REALTIME, 0), "clock_time_get(realtime)");
    check(
        (Y2020..Y2100).contains(&now),
        format!("realtime {now} is between 2020 and 2100"),
    );
    // The precision argument is a hint; any value is accepted.
    let later = ok(
        clock_time_get(CLOCKID_REALTIME, u64::MAX),
        "clock_time_get(realtime, precision max)",
    );
    check(later >= now - 1_000_000_000, "realtime does not jump back by a second");

    section("monotonic");
    let mut prev = ok(clock_time_get(CLOCKID_MONOTONIC, 1), "clock_time_get(monotonic)");
    for _ in 0..1000 {
        let t = ok(clock_time_get(CLOCKID_MONOTONIC, 1), "clock_time_get(monotonic)");
        check(t >= prev, format!("monotonic never decreases: {t} after {prev}"));
        prev = t;
    }

    section("cpu-time clocks are not provided (EBADF, as on Wasmtime)");
    for id in [CLOCKID_PROCESS_CPUTIME, CLOCKID_THREAD_CPUTIME] {
        errno(clock_res_get(id), Errno::BADF, format!("clock_res_get({id})"));
        errno(clock_time_get(id, 0), Errno::BADF, format!("clock_time_get({id})"));
    }

    section("unknown clock ids");
    for id in [4, 255, 0xFFFF_FFFF] {
        errno(clock_res_get(id), Errno::INVAL, format!("clock_res_get({id})"));
        errno(clock_time_get(id, 0), Errno::INVAL, format!("clock_time_get({id})"));
    }

    section("out-pointer is written exactly");
    let mut slots = [0xEEEE_EEEE_EEEE_EEEEu64; 3];
    ok(
        result(unsafe { sys::clock_time_get(CLOCKID_MONOTONIC, 0, &mut slots[1]) }),
        "clock_time_get into the middle slot",
    );
    eq(slots[0], 0xEEEE_EEEE_EEEE_EEEE, "slot before untouched");
    eq(slots[2], 0xEEEE_EEEE_EEEE_EEEE, "slot after untouched");
    check(slots[1] >= prev, "monotonic time written");
    done();
}
