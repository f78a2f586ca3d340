// SPDX-License-Identifier: GPL-2.0

//! An RCU-published, heap-allocated value.
//!
//! C header: [`include/linux/rcupdate.h`](srctree/include/linux/rcupdate.h).
//!
//! Readers on the data path (transmit, NAPI, receive handlers: all run with
//! bottom halves off, hence inside an RCU read-side section, or take
//! [`rcu::read_lock`]) load the current value without a lock; writers
//! (process context) publish a new value and free the old one after a grace
//! period.

use super::lock::Bh;
use core::{
    marker::PhantomData,
    ptr,
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{prelude::*, sync::rcu};

/// Proof of an RCU read-side section on this CPU: a read guard, or bottom
/// halves off, which since the consolidation of the RCU flavours
/// `synchronize_rcu` and `synchronize_net` wait for as well (the data path
/// then needs no `rcu_read_lock` of its own).
///
/// # Safety
///
/// An RCU read-side section is open while a reference to the implementer
/// lives.
pub(crate) unsafe trait ReadSide {}

// SAFETY: The guard holds the RCU read lock while it lives.
unsafe impl ReadSide for rcu::Guard {}

// SAFETY: By `Bh`'s type invariant softirqs cannot run on this CPU (bottom
// halves or interrupts are off) for its lifetime, which bounds any
// reference to it: a read-side section.
unsafe impl ReadSide for Bh<'_> {}

/// A `KBox<T>` published under RCU.
///
/// # Invariants
///
/// `ptr` always points at a live `KBox<T>` allocation owned by this value;
/// an allocation replaced by [`RcuBox::replace`] is freed only after a grace
/// period, so references handed out under a read guard stay valid.
pub(crate) struct RcuBox<T: Send + Sync> {
    ptr: AtomicPtr<T>,
    _p: PhantomData<KBox<T>>,
}

// SAFETY: The value is shared between readers on any CPU and the writer;
// `T: Send + Sync`.
unsafe impl<T: Send + Sync> Send for RcuBox<T> {}
// SAFETY: See above.
unsafe impl<T: Send + Sync> Sync for RcuBox<T> {}

impl<T: Send + Sync> RcuBox<T> {
    /// Publishes `value`.
    pub(crate) fn new(value: KBox<T>) -> Self {
        // INVARIANT: we own the allocation.
        Self {
            ptr: AtomicPtr::new(KBox::into_raw(value)),
            _p: PhantomData,
        }
    }

    /// The current value, valid while the read-side section `_section`
    /// lasts.
    pub(crate) fn read<'a>(&'a self, _section: &'a impl ReadSide) -> &'a T {
        // SAFETY: By the type invariant the pointer is live; a replaced value
        // is freed only after a grace period, which cannot end while
        // `_section` holds the read-side section open. Acquire pairs with the Release
        // in `replace` (`rcu_dereference`/`rcu_assign_pointer`).
        unsafe { &*self.ptr.load(Ordering::Acquire) }
    }

    /// Publishes `value`, waits for a grace period and frees the old value.
    /// May sleep; writers serialise among themselves.
    pub(crate) fn replace(&self, value: KBox<T>) {
        let old = self.ptr.swap(KBox::into_raw(value), Ordering::AcqRel);
        rcu::synchronize_rcu();
        // SAFETY: `old` came from `KBox::into_raw` and, after the grace
        // period, no reader can still see it.
        drop(unsafe { KBox::from_raw(old) });
    }
}

impl<T: Send + Sync> Drop for RcuBox<T> {
    fn drop(&mut self) {
        let p = self.ptr.swap(ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: Dropping needs `&mut self`, so no reader holds a
        // reference obtained through this value any more.
        drop(unsafe { KBox::from_raw(p) });
    }
}
