//! `poll_oneoff` with clock subscriptions: relative and absolute, both
//! clocks, the earliest of several, expired deadlines, unsupported clocks,
//! invalid subscriptions, and exactly what is written.

use guest::*;

const MS: u64 = 1_000_000;

fn mono() -> u64 {
    ok(clock_time_get(CLOCKID_MONOTONIC, 0), "monotonic clock")
}

fn real() -> u64 {
    ok(clock_time_get(CLOCKID_REALTIME, 0), "realtime clock")
}

fn one_event(evs: &[Event], userdata: u64, what: &str) {
    eq(evs.len(), 1, format!("{what}: one event"));
    let e = evs[0];
    eq(e.userdata, userdata, format!("{what}: userdata"));
    eq(Errno(e.error), Errno::SUCCESS, format!("{what}: error"));
    eq(e.type_, EVENTTYPE_CLOCK, format!("{what}: type"));
}

fn main() {
    section("relative monotonic timeout");
    let t0 = mono();
    let evs = ok(
        poll_oneoff(&[Subscription::clock(
            0xDEAD_BEEF_CAFE_F00D,
            CLOCKID_MONOTONIC,
            20 * MS,
            false,
        )]),
        "poll",
    );
    let waited = mono() - t0;
    one_event(&evs, 0xDEAD_BEEF_CAFE_F00D, "20 ms");
    check(waited >= 20 * MS, format!("waited at least 20 ms (waited {waited} ns)"));
    check(waited < 5_000 * MS, format!("and not forever (waited {waited} ns)"));

    section("zero timeout");
    let t0 = mono();
    let evs = ok(
        poll_oneoff(&[Subscription::clock(1, CLOCKID_MONOTONIC, 0, false)]),
        "poll",
    );
    one_event(&evs, 1, "zero timeout");
    check(mono() - t0 < 1_000 * MS, "returns at once");

    section("the earliest of several clocks");
    let t0 = mono();
    let subs = [
        Subscription::clock(10, CLOCKID_MONOTONIC, 10_000 * MS, false),
        Subscription::clock(11, CLOCKID_MONOTONIC, 15 * MS, false),
        Subscription::clock(12, CLOCKID_REALTIME, 20_000 * MS, false),
    ];
    let evs = ok(poll_oneoff(&subs), "poll");
    let waited = mono() - t0;
    one_event(&evs, 11, "the 15 ms clock");
    check(
        (15 * MS..5_000 * MS).contains(&waited),
        format!("waited 15 ms or a bit more ({waited} ns)"),
    );

    section("absolute deadlines");
    let t0 = mono();
    let sub = Subscription::clock(20, CLOCKID_MONOTONIC, t0 + 25 * MS, true);
    let evs = ok(poll_oneoff(&[sub]), "poll");
    one_event(&evs, 20, "absolute monotonic");
    check(mono() >= t0 + 25 * MS, "the monotonic deadline passed");
    let t0 = mono();
    let evs = ok(
        poll_oneoff(&[Subscription::clock(21, CLOCKID_MONOTONIC, 1, true)]),
        "poll",
    );
    one_event(&evs, 21, "a deadline long past");
    check(mono() - t0 < 1_000 * MS, "a past deadline returns at once");
    let r0 = real();
    let evs = ok(
        poll_oneoff(&[Subscription::clock(22, CLOCKID_REALTIME, r0 + 25 * MS, true)]),
        "poll",
    );
    one_event(&evs, 22, "absolute realtime");
    check(real() + MS >= r0 + 25 * MS, "the realtime deadline passed");
    let evs = ok(
        poll_oneoff(&[Subscription::clock(23, CLOCKID_REALTIME, 10 * MS, false)]),
        "poll",
    );
    one_event(&evs, 23, "relative realtime");

    section("unsupported clocks get an error event at once");
    let t0 = mono();
    let subs = [
        Subscription::clock(30, CLOCKID_MONOTONIC, 10_000 * MS, false),
        Subscription::clock(31, CLOCKID_PROCESS_CPUTIME, 10 * MS, false),
        Subscription::clock(32, CLOCKID_THREAD_CPUTIME, 10 * MS, false),
    ];
    let evs = ok(poll_oneoff(&subs), "poll");
    check(mono() - t0 < 5_000 * MS, "did not wait for the 10 s clock");
    eq(evs.len(), 2, "two events");
    for (e, ud) in evs.iter().zip([31, 32]) {
        eq(e.userdata, ud, "userdata");
        eq(Errno(e.error), Errno::INVAL, "a CPU-time clock is not supported");
        eq(e.type_, EVENTTYPE_CLOCK, "type");
    }

    section("invalid calls");
    let mut ev = [Event::default(); 2];
    let mut n = 0xAAAA_AAAAusize;
    let sub = Subscription::clock(1, CLOCKID_MONOTONIC, 0, false);
    errno(
        result(unsafe { sys::poll_oneoff(&sub, ev.as_mut_ptr(), 0, &mut n) }),
        Errno::INVAL,
        "no subscriptions",
    );
    eq(n, 0xAAAA_AAAA, "nevents untouched on error");
    errno(
        poll_oneoff(&[Subscription::clock(1, 4, 0, false)]),
        Errno::INVAL,
        "clock id 4",
    );
    errno(poll_oneoff(&[Subscription::raw(1, 3, 0)]), Errno::INVAL, "event type 3");
    errno(
        poll_oneoff(&[Subscription::raw(1, 255, 0)]),
        Errno::INVAL,
        "event type 255",
    );
    let mut bad_flags = Subscription::clock(1, CLOCKID_MONOTONIC, 0, false);
    bad_flags.flags = 2;
    errno(poll_oneoff(&[bad_flags]), Errno::INVAL, "subclockflags bit 1");

    section("exactly the events are written");
    let subs = [
        Subscription::clock(40, CLOCKID_MONOTONIC, 0, false),
        Subscription::clock(41, CLOCKID_MONOTONIC, 60_000 * MS, false),
    ];
    let fill = Event {
        userdata: 0x5555_5555_5555_5555,
        error: 0x5555,
        type_: 0x55,
        nbytes: 0x5555_5555_5555_5555,
        flags: 0x5555,
    };
    let mut out = [fill; 3];
    let mut n = usize::MAX;
    ok(
        result(unsafe { sys::poll_oneoff(subs.as_ptr(), out.as_mut_ptr(), 2, &mut n) }),
        "poll",
    );
    eq(n, 1, "one event");
    eq(out[0].userdata, 40, "userdata");
    eq(Errno(out[0].error), Errno::SUCCESS, "error");
    eq(out[0].type_, EVENTTYPE_CLOCK, "type");
    eq(out[1], fill, "the second slot is untouched");
    eq(out[2], fill, "the slot past nsubscriptions is untouched");
    done();
}
