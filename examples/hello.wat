;; A tiny wasm32-wasip1 command: prints its arguments and the value of $GREETING.
;; Run it with:  cargo run --release -p wasi-compat -- run --env GREETING=hello examples/hello.wat a b
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; 0..8: scratch for sizes; 16..24: one ciovec; 32: nwritten
  ;; 1024..: pointer arrays; 8192..: string data
  (data (i32.const 64) "\n")
  (func $strlen (param $p i32) (result i32)
    (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))
  (func $print (param $p i32) (param $len i32)
    (i32.store (i32.const 16) (local.get $p))
    (i32.store (i32.const 20) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 32))))
  (func $println_cstr (param $p i32)
    (call $print (local.get $p) (call $strlen (local.get $p)))
    (call $print (i32.const 64) (i32.const 1)))
  (func (export "_start")
    (local $i i32) (local $n i32)
    ;; arguments, one per line
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (local.set $n (i32.load (i32.const 0)))
    (drop (call $args_get (i32.const 1024) (i32.const 8192)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $println_cstr (i32.load (i32.add (i32.const 1024) (i32.mul (local.get $i) (i32.const 4)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    ;; environment, one KEY=VALUE per line
    (drop (call $environ_sizes_get (i32.const 0) (i32.const 4)))
    (local.set $n (i32.load (i32.const 0)))
    (local.set $i (i32.const 0))
    (drop (call $environ_get (i32.const 2048) (i32.const 16384)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $println_cstr (i32.load (i32.add (i32.const 2048) (i32.mul (local.get $i) (i32.const 4)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $proc_exit (i32.const 0)))
)
