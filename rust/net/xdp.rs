// SPDX-License-Identifier: GPL-2.0

//! XDP in the driver's receive path ("native" or driver mode).
//!
//! svnic's frames are socket buffers from the moment a port sends them, so
//! the program runs on the buffer in the receiving port's NAPI poll, before
//! GRO, with the core's own implementation of the actions
//! (`do_xdp_generic`: pass, drop, abort, `XDP_TX` back out of the port,
//! redirect to another device, CPU or AF_XDP socket), as netdevsim does. The
//! core attaches and detaches the program through `ndo_bpf`.

use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use super::bindings;

/// What an XDP program of a device may do: every action, on frames of
/// several buffers too (a program built for them sees the frame's pages).
pub(super) const FEATURES: bindings::xdp_features_t = bindings::netdev_xdp_act_NETDEV_XDP_ACT_BASIC
    | bindings::netdev_xdp_act_NETDEV_XDP_ACT_REDIRECT
    | bindings::netdev_xdp_act_NETDEV_XDP_ACT_RX_SG;

/// The XDP program a device runs in its receive path, if any.
///
/// # Invariants
///
/// `prog` is null or a program this value holds a reference to. A program
/// it no longer points to is freed no earlier than an RCU grace period
/// after it was replaced (`bpf_prog_put`), so a NAPI poll (an RCU
/// read-side section) may use what it read for the rest of the poll.
pub(crate) struct Xdp {
    prog: AtomicPtr<bindings::bpf_prog>,
}

impl Xdp {
    /// No program.
    pub(crate) const fn new() -> Self {
        // INVARIANT: null.
        Self {
            prog: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The program now, null if none; valid until the caller's RCU
    /// read-side section ends.
    pub(super) fn current(&self) -> *mut bindings::bpf_prog {
        self.prog.load(Ordering::Acquire)
    }

    /// Puts `prog` in place of the program (`XDP_SETUP_PROG`; null removes
    /// it) and releases the one it replaces.
    ///
    /// # Safety
    ///
    /// `prog` is null or a program whose reference the caller hands over.
    pub(super) unsafe fn install(&self, prog: *mut bindings::bpf_prog) {
        // INVARIANT: we hold `prog`'s reference now and drop `old`'s.
        let old = self.prog.swap(prog, Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: By the type invariant we held a reference to `old`;
            // the program is freed after a grace period at the earliest.
            unsafe { bindings::bpf_prog_put(old) };
        }
    }
}

impl Drop for Xdp {
    fn drop(&mut self) {
        // SAFETY: Null hands over nothing.
        unsafe { self.install(ptr::null_mut()) };
    }
}
