//! Advisories about paths, rights and the fd table.

use super::*;
use std::os::unix::fs::symlink;

/// `../<outside dir>/<name>`: a relative path from the sandbox to `name`
/// outside (both are temporary directories in one parent).
fn rel_outside(outside: &Path, name: &str) -> String {
    let dir = outside.file_name().unwrap().to_str().unwrap();
    format!("../{dir}/{name}")
}

fn open_outcome(g: &mut Guest, path: &str, oflags: u32) -> Result<u32, i32> {
    g.open(3, path, oflags, rights::ALL, rights::ALL)
}

per_backend!(
    /// GHSA-vqjp-4c8c-hfgg (cap-std): a path with a trailing slash through a
    /// symlink to a directory outside was followed out of the sandbox. Every
    /// spelling must fail and change nothing outside.
    ghsa_vqjp_4c8c_hfgg_trailing_slash_symlink_escape,
    |backend| {
    let _serial = crate::serial();
    let mut g = Guest::new(backend, |root, out| {
        symlink(out, root.join("abs")).unwrap();
        symlink(
            format!("../{}", out.file_name().unwrap().to_str().unwrap()),
            root.join("rel"),
        )
        .unwrap();
    });
    for link in ["abs", "rel"] {
        for p in [
            format!("{link}/"),
            format!("{link}//"),
            format!("{link}/."),
            format!("{link}/secret"),
            format!("{link}/secret/"),
        ] {
            for oflags in [0, 2 /* directory */] {
                assert!(
                    open_outcome(&mut g, &p, oflags).is_err(),
                    "open {p:?} (oflags {oflags})"
                );
            }
            let [a, n] = g.path(PATH_A, &p);
            assert_ne!(g.p1("path_filestat_get", &[i(3), i(1), a, n, i(BUF)]), 0, "stat {p:?}");
        }
        let [a, n] = g.path(PATH_A, &format!("{link}/new/"));
        assert_ne!(g.p1("path_create_directory", &[i(3), a, n]), 0, "mkdir through {link}/");
        // O_CREAT through the link.
        assert!(open_outcome(&mut g, &format!("{link}/created"), 1).is_err());
    }
    g.assert_outside_untouched();
});

per_backend!(
    /// GHSA-hp8f-xmx4-4qrg (cap-std): symlink targets ending in `/` were
    /// resolved outside the sandbox. Links made by the host and by the guest
    /// whose targets end in `/` and point outside are never followed out.
    ghsa_hp8f_xmx4_4qrg_symlink_target_with_trailing_slash,
    |backend| {
    let _serial = crate::serial();
    let mut g = Guest::new(backend, |root, out| {
        symlink(format!("{}/", out.display()), root.join("abs_slash")).unwrap();
        symlink(format!("{}/", rel_outside(out, "")), root.join("rel_slash")).unwrap();
        symlink(format!("{}/", rel_outside(out, "secret")), root.join("file_slash")).unwrap();
    });
    // The guest makes one too (creating it is allowed; following is not).
    let target = format!("{}/", rel_outside(g.outside.path(), ""));
    let [t, tn] = g.path(PATH_A, &target);
    let [p, pn] = g.path(PATH_B, "guest_slash");
    let _ = g.p1("path_symlink", &[t, tn, i(3), p, pn]);
    for link in ["abs_slash", "rel_slash", "file_slash", "guest_slash"] {
        for p in [link.to_owned(), format!("{link}/"), format!("{link}/secret")] {
            for oflags in [0, 2] {
                assert!(
                    open_outcome(&mut g, &p, oflags).is_err(),
                    "open {p:?} (oflags {oflags})"
                );
            }
            let [a, n] = g.path(PATH_A, &p);
            let e = g.p1("path_filestat_get", &[i(3), i(1), a, n, i(BUF)]);
            assert_ne!(e, 0, "stat following {p:?}");
        }
    }
    g.assert_outside_untouched();
});

// GHSA-2r75-cxrj-cmph (`O_TRUNC`) and GHSA-4ch3-9j33-3pmj (`path_link`,
// `path_rename` destinations) concern preopens the host made read-only.
// This host has no read-only preopens (every preopen is read-write), and
// rights a guest asks for are not capabilities (as on both of Wasmtime's
// preview1 hosts), so there is nothing here for them to regress yet; their
// tests come with read-only preopens.

per_backend!(
    /// GHSA-fm79-3f68-h2fc (Wasmtime): `fd_renumber` of an fd to itself (or
    /// onto a closed fd) corrupted the table, and a later `path_open` could
    /// hand out a closed or duplicate entry.
    ghsa_fm79_3f68_h2fc_renumber_to_itself_then_open,
    |backend| {
    let _serial = crate::serial();
    let mut g = Guest::new(backend, |root, _| std::fs::write(root.join("f"), b"f").unwrap());
    let fd = g.open(3, "f", 0, rights::ALL, 0).unwrap();
    assert_eq!(g.p1("fd_renumber", &[i(fd), i(fd)]), 0, "renumber to itself");
    assert_eq!(g.p1("fd_fdstat_get", &[i(fd), i(BUF)]), 0, "still open");
    assert_eq!(g.p1("fd_renumber", &[i(fd), i(fd + 10)]), EBADF, "onto a closed fd");
    assert_eq!(g.p1("fd_fdstat_get", &[i(fd), i(BUF)]), 0, "the source stays open");
    assert_eq!(g.p1("fd_fdstat_get", &[i(fd + 10), i(BUF)]), EBADF);
    // Opens get fresh, distinct, working fds.
    let a = g.open(3, "f", 0, rights::ALL, 0).unwrap();
    let b = g.open(3, "f", 0, rights::ALL, 0).unwrap();
    assert!(a != fd && b != fd && a != b, "{fd} {a} {b}");
    for x in [fd, a, b] {
        assert_eq!(g.p1("fd_close", &[i(x)]), 0);
        assert_eq!(g.p1("fd_close", &[i(x)]), EBADF);
    }
    assert_eq!(g.p1("fd_renumber", &[i(3), i(3)]), 0, "a preopen to itself");
    assert!(g.open(3, "f", 0, rights::ALL, 0).is_ok(), "the preopen still works");
});

per_backend!(
    /// GHSA-3p27-qvp9-27qf (Wasmtime): renumbering in a loop grew the table
    /// without bound. 10^5 open+renumber rounds keep the table small and the
    /// host's memory flat.
    ghsa_3p27_qvp9_27qf_renumber_loop_is_bounded,
    |backend| {
    let _serial = crate::serial();
    let mut g = Guest::new(backend, |root, _| std::fs::write(root.join("f"), b"f").unwrap());
    let target = g.open(3, "f", 0, rights::ALL, 0).unwrap();
    let (rss0, _, _) = memory_usage_kb().unwrap();
    for k in 0..100_000u32 {
        let fd = g.open(3, "f", 0, rights::ALL, 0).unwrap();
        assert!(fd < 16, "round {k}: fd {fd}: the table grows");
        assert_eq!(g.p1("fd_renumber", &[i(fd), i(target)]), 0);
    }
    let (rss1, _, _) = memory_usage_kb().unwrap();
    println!("10^5 renumbers: RSS {rss0} kB -> {rss1} kB");
    assert!(rss1 < rss0 + 16 * 1024, "RSS grew from {rss0} kB to {rss1} kB");
    assert_eq!(g.open(3, "f", 0, rights::ALL, 0).unwrap(), target + 1);
});

per_backend!(
    /// GHSA-96f6-r43r-8c24 (wasi-common): `fd_readdir` copied uninitialised
    /// struct padding into the guest. Every dirent's padding is zero, and
    /// nothing past the bytes reported is written.
    ghsa_96f6_r43r_8c24_readdir_padding_is_zero,
    |backend| {
    let _serial = crate::serial();
    let mut g = Guest::new(backend, |root, _| {
        for n in ["a", "bb", "ccc", "a-rather-longer-name"] {
            std::fs::write(root.join(n), n).unwrap();
        }
        std::fs::create_dir(root.join("dir")).unwrap();
    });
    const LEN: u32 = 4096;
    g.s.write(BUF, &vec![0xAA; LEN as usize + 64]).unwrap();
    assert_eq!(g.p1("fd_readdir", &[i(3), i(BUF), i(LEN), l(0), i(OUT)]), 0);
    let used = g.s.read_u32(OUT).unwrap();
    assert!(used > 0 && used < LEN, "{used}");
    let bytes = g.s.read(BUF, LEN as usize + 64).unwrap();
    let mut at = 0usize;
    let mut names = 0;
    while at + 24 <= used as usize {
        let namlen = u32::from_le_bytes(bytes[at + 16..at + 20].try_into().unwrap()) as usize;
        assert_eq!(&bytes[at + 21..at + 24], &[0, 0, 0], "padding of dirent {names}");
        at += 24 + namlen;
        names += 1;
    }
    assert_eq!(names, 7, ". .. and five entries");
    assert!(
        bytes[used as usize..].iter().all(|&b| b == 0xAA),
        "nothing written past bufused"
    );
});

per_backend!(
    /// GHSA-j2g9-4prp-pf6h (Wasmtime/cap-std): stat of a file with a
    /// pre-1970 or far-future mtime panicked the host. Such times are
    /// reported (or refused with an errno), never a panic or a trap.
    ghsa_j2g9_4prp_pf6h_extreme_mtimes,
    |backend| {
    let _serial = crate::serial();
    use std::time::{Duration, UNIX_EPOCH};
    let times = [
        ("before_1970", UNIX_EPOCH - Duration::from_secs(1_000_000_000)),
        ("epoch_minus_1ns", UNIX_EPOCH - Duration::from_nanos(1)),
        ("year_2400", UNIX_EPOCH + Duration::from_secs(13_569_465_600)),
    ];
    let mut g = Guest::new(backend, |root, _| {
        for (name, t) in times {
            let f = std::fs::File::create(root.join(name)).unwrap();
            f.set_modified(t).unwrap();
        }
    });
    for (name, _) in times {
        let [a, n] = g.path(PATH_A, name);
        let e = g.p1("path_filestat_get", &[i(3), i(1), a, n, i(BUF)]);
        assert!(e == 0 || e == 61 /* EOVERFLOW */, "{name}: errno {e}");
        let fd = g.open(3, name, 0, rights::ALL, 0).unwrap();
        let e = g.p1("fd_filestat_get", &[i(fd), i(BUF)]);
        assert!(e == 0 || e == 61, "{name}: fd_filestat_get errno {e}");
        println!("{name}: mtim {}", g.s.read_u64(BUF + 48).unwrap());
    }
});
