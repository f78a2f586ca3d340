// SPDX-License-Identifier: GPL-2.0

//! Raw bindings for the networking headers (generated at build time).
//!
//! 7.3's `kernel::bindings` knows `struct net_device` only as an opaque type
//! and has nothing of `net_device_ops`, NAPI or `rtnl_link_ops`. Kbuild runs
//! bindgen over `bindings_helper.h` with the kernel's own flags and the
//! allowlist in `bindgen_parameters`; the result is included here. These
//! types are self-contained: they are used only inside `crate::net` and never
//! mixed with `kernel::bindings`.

#![allow(
    dead_code,
    missing_docs,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    improper_ctypes,
    unreachable_pub,
    unsafe_op_in_unsafe_fn,
    unnecessary_transmutes,
    clippy::all,
    clippy::undocumented_unsafe_blocks,
    clippy::ptr_as_ptr,
    clippy::ref_as_ptr,
    clippy::as_underscore,
    clippy::cast_lossless
)]

use kernel::ffi;

// Blocklisted by `bindgen_parameters`, as in the kernel's own bindings.
type __kernel_size_t = usize;
type __kernel_ssize_t = isize;
type __kernel_ptrdiff_t = isize;

include!("bindings_generated.rs");
