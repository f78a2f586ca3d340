// SPDX-License-Identifier: GPL-2.0

//! RTNL, the networking core's configuration lock, as a proof; and the
//! extended ack of a netlink request.
//!
//! Functions that need RTNL held take an `&Rtnl` argument. Driver code
//! gets one only as an argument of a callback the core runs under RTNL, or
//! by taking the lock ([`Rtnl::lock`]), so a call from another context
//! does not compile.
//!
//! C header: [`include/linux/rtnetlink.h`](srctree/include/linux/rtnetlink.h).

use super::bindings;
use core::{marker::PhantomData, ops::Deref};
use kernel::prelude::*;

/// Proof that RTNL is held.
///
/// # Invariants
///
/// RTNL is held while a reference to an `Rtnl` lives. The value is neither
/// `Send` nor `Sync`: it cannot leave the task that holds the lock.
pub(crate) struct Rtnl {
    _not_send: PhantomData<*mut ()>,
}

impl Rtnl {
    /// Takes RTNL. Process context; may sleep.
    pub(crate) fn lock() -> RtnlGuard {
        // SAFETY: No precondition beyond a sleepable context.
        unsafe { bindings::rtnl_lock() };
        // INVARIANT: taken above, released when the guard drops.
        RtnlGuard(Rtnl {
            _not_send: PhantomData,
        })
    }

    /// The proof for a callback the core runs under RTNL.
    ///
    /// # Safety
    ///
    /// RTNL is held for `'a`.
    pub(super) unsafe fn assume_held<'a>() -> &'a Rtnl {
        // INVARIANT: By the safety requirements.
        &Rtnl {
            _not_send: PhantomData,
        }
    }
}

/// RTNL, held while this value lives.
pub(crate) struct RtnlGuard(Rtnl);

impl Deref for RtnlGuard {
    type Target = Rtnl;

    fn deref(&self) -> &Rtnl {
        &self.0
    }
}

impl Drop for RtnlGuard {
    fn drop(&mut self) {
        // SAFETY: Taken in `Rtnl::lock`.
        unsafe { bindings::rtnl_unlock() };
    }
}

/// An extended-ack handle: where a netlink request's error message goes.
///
/// # Invariants
///
/// `self.0` is null or a valid `netlink_ext_ack` for the current request.
pub(crate) struct ExtAck(pub(super) *mut bindings::netlink_ext_ack);

impl ExtAck {
    /// Sets the message userspace sees with the error (`NL_SET_ERR_MSG`).
    pub(crate) fn set(&self, msg: &'static CStr) {
        if !self.0.is_null() {
            // SAFETY: By the type invariant the ext_ack is valid; the message
            // is static, as the netlink core requires.
            unsafe { (*self.0)._msg = msg.as_char_ptr() };
        }
    }

    /// Sets the message and returns `err`, for `return Err(extack.fail(..))`.
    pub(crate) fn fail(&self, err: Error, msg: &'static CStr) -> Error {
        self.set(msg);
        err
    }
}
