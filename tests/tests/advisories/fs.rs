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

/// A read-only preopen at fd 4 ("/ro") with `ro.txt` ("original") and
/// `sub/inner.txt` ("inner"); a writable sandbox at fd 3 with `mine.txt`.
fn read_only_guest(backend: Backend) -> (Guest, tempfile::TempDir) {
    Guest::with_read_only(
        backend,
        |root, _| std::fs::write(root.join("mine.txt"), b"mine").unwrap(),
        |ro| {
            std::fs::write(ro.join("ro.txt"), b"original").unwrap();
            std::fs::create_dir(ro.join("sub")).unwrap();
            std::fs::write(ro.join("sub/inner.txt"), b"inner").unwrap();
        },
    )
}

/// `path_filestat_get(dir, follow, path)`'s errno.
fn stat_errno(g: &mut Guest, dir: u32, path: &str) -> i32 {
    let [p, n] = g.path(PATH_A, path);
    g.p1("path_filestat_get", &[i(dir), i(1), p, n, i(BUF)])
}

const O_CREAT: u32 = 1;
const O_DIRECTORY: u32 = 2;
const O_TRUNC: u32 = 8;
const READ_ONLY_RIGHTS: i64 = rights::READ;

per_backend!(
    /// GHSA-2r75-cxrj-cmph (Wasmtime): `path_open` with `O_TRUNC` truncated
    /// a file in a preopen the host had made read-only, when the guest asked
    /// only for read rights. Here truncating, creating and opening for
    /// writing in a read-only preopen (and in a directory opened from it)
    /// give `EPERM`, and the file keeps its bytes.
    ghsa_2r75_cxrj_cmph_o_trunc_in_a_read_only_preopen,
    |backend| {
    let _serial = crate::serial();
    let (mut g, _ro) = read_only_guest(backend);
    assert_eq!(g.open(4, "ro.txt", O_TRUNC, READ_ONLY_RIGHTS, 0), Err(EPERM), "O_TRUNC, read rights");
    assert_eq!(g.open(4, "ro.txt", O_TRUNC, rights::ALL, rights::ALL), Err(EPERM), "O_TRUNC, all rights");
    assert_eq!(g.open(4, "ro.txt", 0, READ_ONLY_RIGHTS, 0).map(|_| ()), Ok(()), "reading is allowed");
    assert_eq!(g.open(4, "ro.txt", 0, rights::ALL, rights::ALL), Err(EPERM), "opening for writing");
    assert_eq!(g.open(4, "new.txt", O_CREAT, rights::ALL, rights::ALL), Err(EPERM), "O_CREAT");
    let sub = g.open(4, "sub", O_DIRECTORY, READ_ONLY_RIGHTS, rights::ALL).expect("open sub");
    assert_eq!(g.open(sub, "inner.txt", O_TRUNC, READ_ONLY_RIGHTS, 0), Err(EPERM), "O_TRUNC in a subdirectory");
    assert_eq!(g.open(sub, "made.txt", O_CREAT, rights::ALL, rights::ALL), Err(EPERM), "O_CREAT in a subdirectory");
    // A file opened for reading cannot be changed through its fd either.
    let fd = g.open(4, "ro.txt", 0, READ_ONLY_RIGHTS, 0).unwrap();
    assert_ne!(g.p1("fd_filestat_set_size", &[i(fd), l(0)]), 0, "fd_filestat_set_size");
    g.s.write(BUF, b"evil").unwrap();
    g.s.write_u32(OUT + 16, BUF).unwrap();
    g.s.write_u32(OUT + 20, 4).unwrap();
    assert_ne!(g.p1("fd_write", &[i(fd), i(OUT + 16), i(1), i(OUT + 24)]), 0, "fd_write");
    assert_eq!(g.p1("fd_close", &[i(fd)]), 0);
    assert_eq!(g.read_file(4, "ro.txt").as_deref(), Some(&b"original"[..]));
    assert_eq!(g.read_file(sub, "inner.txt").as_deref(), Some(&b"inner"[..]));
    assert_eq!(stat_errno(&mut g, 4, "new.txt"), ENOENT);
    // The writable sandbox next to it is unaffected.
    assert!(g.open(3, "mine.txt", O_TRUNC, rights::ALL, rights::ALL).is_ok());
    g.assert_outside_untouched();
});

per_backend!(
    /// GHSA-4ch3-9j33-3pmj (Wasmtime): `path_link` and `path_rename` checked
    /// the permissions of the source directory only, so a guest could link
    /// or move a file into a read-only preopen. Here a read-only preopen is
    /// refused as a destination (`EPERM`) and as a source (a link elsewhere
    /// would make its file writable; a rename would remove it), and nothing
    /// moves.
    ghsa_4ch3_9j33_3pmj_link_and_rename_into_a_read_only_preopen,
    |backend| {
    let _serial = crate::serial();
    let (mut g, _ro) = read_only_guest(backend);
    let sub = g.open(4, "sub", O_DIRECTORY, READ_ONLY_RIGHTS, rights::ALL).expect("open sub");
    for (src_dir, src, dst_dir, dst) in [
        (3, "mine.txt", 4, "linked"),
        (3, "mine.txt", sub, "linked"),
        (4, "ro.txt", 3, "stolen"),
        (sub, "inner.txt", 3, "stolen"),
        (4, "ro.txt", 4, "again"),
    ] {
        let [a, an] = g.path(PATH_A, src);
        let [b, bn] = g.path(PATH_B, dst);
        let e = g.p1("path_link", &[i(src_dir), i(0), a, an, i(dst_dir), b, bn]);
        assert_eq!(e, EPERM, "path_link {src_dir}/{src} -> {dst_dir}/{dst}");
        let e = g.p1("path_rename", &[i(src_dir), a, an, i(dst_dir), b, bn]);
        assert_eq!(e, EPERM, "path_rename {src_dir}/{src} -> {dst_dir}/{dst}");
    }
    for (dir, name) in [(4, "linked"), (sub, "linked"), (3, "stolen"), (4, "again")] {
        assert_eq!(stat_errno(&mut g, dir, name), ENOENT, "{name} appeared");
    }
    assert_eq!(g.read_file(3, "mine.txt").as_deref(), Some(&b"mine"[..]));
    assert_eq!(g.read_file(4, "ro.txt").as_deref(), Some(&b"original"[..]));
    assert_eq!(g.read_file(sub, "inner.txt").as_deref(), Some(&b"inner"[..]));
    // Inside the writable sandbox both still work.
    let [a, an] = g.path(PATH_A, "mine.txt");
    let [b, bn] = g.path(PATH_B, "moved.txt");
    assert_eq!(g.p1("path_rename", &[i(3), a, an, i(3), b, bn]), 0);
    g.assert_outside_untouched();
});

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
