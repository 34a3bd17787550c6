//! `path_*`.

use std::fs;
use wasi_common_compat_tests::*;

guest_test!(path_open, |run| {
    let out = run.sandbox().exec().unwrap();
    out.assert_sections(&[
        "creat and excl",
        "missing paths",
        "directories",
        "trailing slashes",
        "dot and dot-dot inside the sandbox",
        "escapes",
        "path bytes",
        "unknown flag bits",
        "nonblocking opens",
        "append at open",
    ]);
    let sandbox = out.sandbox.as_ref().unwrap().path();
    assert_eq!(fs::read(sandbox.join("file")).unwrap(), b"content+");
    // Nothing was created outside.
    assert!(!sandbox.parent().unwrap().join("escape").exists());
});

guest_test!(path_symlink, |run| {
    let run = run.sandbox();
    // A link the guest could not make: an absolute target outside the sandbox.
    std::os::unix::fs::symlink("/", run.sandbox_path().unwrap().join("hostabs")).unwrap();
    let out = run.exec().unwrap();
    out.assert_sections(&[
        "links to a file and a directory",
        "filestat of links",
        "readlink",
        "loops",
        "dangling links",
        "links that lead outside",
        "link names with trailing slashes",
        "unlinking a link leaves the target",
    ]);
    let sandbox = out.sandbox.as_ref().unwrap().path();
    assert_eq!(fs::read(sandbox.join("target")).unwrap(), b"made");
    assert_eq!(fs::read_link(sandbox.join("up")).unwrap().to_str(), Some("../outside"));
    assert!(!sandbox.parent().unwrap().join("outside").exists());
    assert!(
        fs::symlink_metadata(sandbox.join("abs")).is_err(),
        "no link to /etc/passwd was made"
    );
});

guest_test!(path_dirs, |run| {
    let out = run.sandbox().exec().unwrap();
    out.assert_sections(&[
        "create_directory",
        "remove_directory",
        "unlink_file",
        "an open file outlives its name",
        "an open directory can be removed",
    ]);
    let sandbox = out.sandbox.as_ref().unwrap().path();
    let mut names: Vec<String> = fs::read_dir(sandbox)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["slash"]);
});

guest_test!(path_rename_link, |run| {
    let out = run.sandbox().exec().unwrap();
    out.assert_sections(&[
        "rename files",
        "rename directories",
        "directories with trailing slashes",
        "rename across directory fds",
        "hard links",
        "hard link errors",
    ]);
    let sandbox = out.sandbox.as_ref().unwrap().path();
    assert_eq!(fs::read(sandbox.join("other/hard2")).unwrap(), b"linked");
});

guest_test!(path_filestat, |run| {
    run.sandbox().exec().unwrap().assert_sections(&[
        "filestat agrees with fd_filestat_get",
        "links",
        "errors",
        "set times by path",
        "set times on links",
        "set times errors",
    ]);
});
