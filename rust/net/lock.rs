// SPDX-License-Identifier: GPL-2.0

//! A spinlock taken with bottom halves disabled (`spin_lock_bh`).
//!
//! C header: [`include/linux/spinlock.h`](srctree/include/linux/spinlock.h).
//!
//! What the data path's rings and filters need: they are touched from
//! softirq (NAPI polls, `ndo_start_xmit`, the uplink's receive handler) and
//! from process context (ethtool, `ndo_stop`), never from a hard interrupt.
//! Disabling bottom halves costs a preempt-count increment; disabling
//! interrupts, as `SpinLockIrq` does, saves and restores the flags on every
//! frame.

use super::bindings;
use kernel::{
    ffi::c_char,
    sync::lock::{Backend, Lock},
};

/// A spinlock whose holder runs with bottom halves disabled: safe to take
/// from process context and from softirq, not from a hard interrupt.
pub(crate) type SpinLockBh<T> = Lock<T, SpinLockBhBackend>;

/// The backend of [`SpinLockBh`].
pub(crate) struct SpinLockBhBackend;

/// Creates a [`SpinLockBh`] initialiser with the given name and a new lock
/// class.
macro_rules! new_spinlock_bh {
    ($inner:expr, $name:literal $(,)?) => {
        $crate::net::lock::SpinLockBh::new(
            $inner,
            kernel::c_str!($name),
            kernel::static_lock_class!(),
        )
    };
}
pub(crate) use new_spinlock_bh;

// SAFETY: The kernel `spinlock_t` ensures mutual exclusion; `relock` uses the
// default implementation, which calls `lock` again.
unsafe impl Backend for SpinLockBhBackend {
    type State = kernel::bindings::spinlock_t;
    type GuardState = ();

    unsafe fn init(
        ptr: *mut Self::State,
        name: *const c_char,
        key: *mut kernel::bindings::lock_class_key,
    ) {
        // SAFETY: The caller passes a pointer valid for writes and a name and
        // key valid for reads forever.
        unsafe { kernel::bindings::__spin_lock_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: The caller passes an initialised lock; both binding sets
        // describe the same C `spinlock_t`.
        unsafe { bindings::svnic_spin_lock_bh(ptr.cast()) }
    }

    unsafe fn unlock(ptr: *mut Self::State, _guard_state: &Self::GuardState) {
        // SAFETY: The caller holds the lock, taken by `lock` or `try_lock`.
        unsafe { bindings::svnic_spin_unlock_bh(ptr.cast()) }
    }

    unsafe fn try_lock(ptr: *mut Self::State) -> Option<Self::GuardState> {
        // SAFETY: As in `lock`.
        (unsafe { bindings::svnic_spin_trylock_bh(ptr.cast()) } != 0).then_some(())
    }

    unsafe fn assert_is_held(ptr: *mut Self::State) {
        // SAFETY: The caller passes an initialised lock.
        unsafe { kernel::bindings::spin_assert_is_held(ptr) }
    }
}
