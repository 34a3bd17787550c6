
// Serve it (e.g. `WasiCtxBuilder::preopened_virtual_dir(Box::new(dir), "/data")`);
// here its methods are called the way the core calls them for a guest.
let dir = MapDir::new([("hello.txt".to_string(), b"hello, guest".to_vec())]);
let read_only = OpenOptions {
    follow: true,
    oflags: OFlags::empty(),
    read: true,
    write: false,
    fdflags: wasi_common_compat::FdFlags::empty(),
};
let OpenResult::File(f) = dir.open_file("hello.txt", read_only).unwrap() else { panic!("a file") };
let mut buf = [0u8; 5];
assert_eq!(f.read_vectored(&mut [IoSliceMut::new(&mut buf)]).unwrap(), 5);
assert_eq!(&buf, b"hello");
assert_eq!(f.seek(SeekFrom::End(-5)).unwrap(), 7);
let write = OpenOptions { write: true, ..read_only };
let err = dir.open_file("hello.txt", write).err().unwrap();
assert_eq!(err.as_errno(), Some(Errno::Rofs));
assert_eq!(dir.open_file("../etc", read_only).err().unwrap().as_errno(), Some(Errno::Perm));
assert_eq!(dir.read_dir().unwrap()[0].name, "hello.txt");
// Methods it leaves out keep the trait's defaults: ENOTSUP.
assert_eq!(dir.create_dir("new").unwrap_err().as_errno(), Some(Errno::Notsup));
