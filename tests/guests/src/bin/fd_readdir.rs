//! `fd_readdir`: the entries and their types and inodes, buffers too small
//! for one entry, cookies, the end of the listing, and errors.

use guest::*;

fn names(entries: &[DirEntry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| String::from_utf8_lossy(&e.name).into_owned())
        .collect()
}

fn main() {
    let dir = sandbox();
    ok(path_create_directory(dir, "d"), "mkdir d");
    let d = ok(
        path_open(dir, 0, "d", OFLAGS_DIRECTORY, RIGHTS_DIR, RIGHTS_ALL, 0),
        "open d",
    );

    section("an empty directory");
    let entries = ok(read_dir_all(d, 4096), "readdir");
    let mut sorted = names(&entries);
    sorted.sort();
    eq(sorted, vec![".".to_string(), "..".to_string()], "only . and ..");
    let own = ok(fd_filestat_get(d), "filestat d");
    for e in &entries {
        eq(
            e.kind,
            FILETYPE_DIRECTORY,
            format!("{:?} is a directory", String::from_utf8_lossy(&e.name)),
        );
    }
    let dot = entries.iter().find(|e| e.name == b".").unwrap_or_else(|| fail("no ."));
    eq(dot.ino, own.ino, "the inode of . is the directory's");

    section("entries, types and inodes");
    ok(create_file(d, "a", b"x"), "create a");
    ok(path_create_directory(d, "bb"), "mkdir bb");
    ok(path_symlink("a", d, "ccc"), "symlink ccc");
    let mut expect: Vec<String> = [".", "..", "a", "bb", "ccc"].iter().map(|s| s.to_string()).collect();
    for i in 0..40 {
        let name = format!("file-{i:02}-{}", "n".repeat(i));
        ok(create_file(d, &name, b""), format!("create {name}"));
        expect.push(name);
    }
    expect.sort();
    let all = ok(read_dir_all(d, 65536), "readdir with a large buffer");
    let mut got = names(&all);
    got.sort();
    eq(got, expect.clone(), "every entry once");
    let kind_of = |n: &str| all.iter().find(|e| e.name == n.as_bytes()).map(|e| e.kind);
    eq(kind_of("a"), Some(FILETYPE_REGULAR_FILE), "type of a");
    eq(kind_of("bb"), Some(FILETYPE_DIRECTORY), "type of bb");
    eq(kind_of("ccc"), Some(FILETYPE_SYMBOLIC_LINK), "type of ccc");
    let ino_a = ok(path_filestat_get(d, 0, "a"), "stat a").ino;
    let e = all.iter().find(|e| e.name == b"a").unwrap_or_else(|| fail("no a"));
    eq(e.ino, ino_a, "the inode of a");
    for w in all.windows(2) {
        check(w[1].next > w[0].next, "cookies increase along the listing");
    }

    section("one call returns everything when it fits");
    let mut buf = vec![0u8; 65536];
    let used = ok(fd_readdir(d, &mut buf, 0), "readdir");
    check(used < buf.len(), "a short result means the end");
    let (entries, partial) = parse_dirents(&buf[..used]);
    check(partial.is_none(), "no partial entry");
    eq(names(&entries), names(&all), "same order as before");

    section("small buffers");
    for size in [1usize, 8, 23, 24, 25, 26, 30, 47, 64, 100, 255] {
        let listed = ok(read_dir_all(d, size), format!("readdir with {size}-byte buffers"));
        eq(
            names(&listed),
            names(&all),
            format!("the same listing with {size}-byte buffers"),
        );
    }

    section("a buffer holding only a header");
    let first = &all[0];
    let mut head = [0xEEu8; 32];
    let used = ok(fd_readdir(d, &mut head[..24], 0), "readdir into 24 bytes");
    eq(used, 24, "the buffer is filled");
    let (whole, partial) = parse_dirents(&head[..24]);
    eq(whole.len(), 0, "no whole entry");
    let h = partial.unwrap_or_else(|| fail("a header"));
    eq(h.d_next, first.next, "d_next of the first entry");
    eq(h.d_namlen as usize, first.name.len(), "d_namlen of the first entry");
    eq(&head[24..], &[0xEEu8; 8][..], "nothing written past the buffer");
    let mut head = [0xEEu8; 32];
    let used = ok(fd_readdir(d, &mut head[..10], 0), "readdir into 10 bytes");
    eq(used, 10, "a cut header fills the buffer");
    eq(
        &head[..8],
        &first.next.to_le_bytes()[..],
        "the first 8 bytes are d_next",
    );
    eq(&head[10..], &[0xEEu8; 22][..], "nothing written past the 10 bytes");

    section("cookies");
    let k = 7;
    let mut buf = vec![0u8; 65536];
    let used = ok(fd_readdir(d, &mut buf, all[k - 1].next), "readdir from a cookie");
    let (rest, _) = parse_dirents(&buf[..used]);
    eq(names(&rest), names(&all[k..]), "the listing from entry 7 on");
    let last = all.last().unwrap_or_else(|| fail("empty listing"));
    eq(
        ok(fd_readdir(d, &mut buf, last.next), "readdir at the end"),
        0,
        "nothing after the last cookie",
    );
    eq(
        ok(fd_readdir(d, &mut buf, 1 << 40), "readdir far past the end"),
        0,
        "nothing past the end",
    );
    let again = ok(read_dir_all(d, 65536), "readdir from 0 again");
    eq(names(&again), names(&all), "starting over gives the same listing");
    eq(
        ok(fd_readdir(d, &mut [], 0), "readdir into 0 bytes"),
        0,
        "a zero-length buffer gets 0 bytes",
    );

    section("errors");
    let f = ok(
        path_open(d, 0, "a", 0, RIGHTS_FD_READ | RIGHTS_FD_READDIR, 0, 0),
        "open a",
    );
    errno(fd_readdir(f, &mut buf, 0), Errno::NOTDIR, "readdir on a file");
    errno(fd_readdir(1, &mut buf, 0), Errno::NOTDIR, "readdir on stdout");
    errno(fd_readdir(9999, &mut buf, 0), Errno::BADF, "readdir on a bad fd");
    let base = ok(fd_fdstat_get(d), "fdstat").fs_rights_base;
    errno(
        fd_fdstat_set_rights(d, base & !RIGHTS_FD_READDIR, 0),
        Errno::NOTSUP,
        "rights cannot be dropped",
    );
    check(ok(fd_readdir(d, &mut buf, 0), "readdir") > 0, "readdir still lists");
    done();
}
