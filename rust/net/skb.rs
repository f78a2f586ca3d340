// SPDX-License-Identifier: GPL-2.0

//! Owned socket buffers.
//!
//! C header: [`include/linux/skbuff.h`](srctree/include/linux/skbuff.h).

use super::bindings;
use crate::ether::MacAddr;
use core::ptr::NonNull;

/// An owned `struct sk_buff`.
///
/// Dropping it frees the buffer as a drop (`kfree_skb`, visible to drop
/// monitors).
///
/// # Invariants
///
/// `self.0` points at a valid `sk_buff` of which this value owns one reference.
pub(crate) struct SkBuff(NonNull<bindings::sk_buff>);

// SAFETY: An `sk_buff` is not tied to the thread that created it; the kernel
// passes buffers between CPUs and contexts all the time.
unsafe impl Send for SkBuff {}

impl SkBuff {
    /// Takes ownership of `ptr`; `None` if it is null.
    ///
    /// # Safety
    ///
    /// `ptr` is null or a valid `sk_buff` whose reference the caller hands over.
    pub(super) unsafe fn from_raw(ptr: *mut bindings::sk_buff) -> Option<Self> {
        // INVARIANT: the caller hands over a valid reference.
        NonNull::new(ptr).map(Self)
    }

    /// Gives up ownership and returns the raw pointer.
    pub(super) fn into_raw(self) -> *mut bindings::sk_buff {
        let ptr = self.0.as_ptr();
        core::mem::forget(self);
        ptr
    }

    pub(super) fn as_raw(&self) -> *mut bindings::sk_buff {
        self.0.as_ptr()
    }

    /// Where the buffer's `dev` pointer lives (inside anonymous unions).
    fn dev_slot(&self) -> *mut *mut bindings::net_device {
        // SAFETY: By the type invariant the buffer is valid.
        unsafe {
            &raw mut (*self.as_raw())
                .__bindgen_anon_1
                .__bindgen_anon_1
                .__bindgen_anon_1
                .dev
        }
    }

    /// The device the buffer belongs to.
    pub(super) fn dev_raw(&self) -> *mut bindings::net_device {
        // SAFETY: `dev_slot` points into the valid buffer.
        unsafe { *self.dev_slot() }
    }

    /// Sets the device the buffer belongs to.
    pub(super) fn set_dev(&mut self, dev: *mut bindings::net_device) {
        // SAFETY: `dev_slot` points into the valid buffer, which is ours.
        unsafe { *self.dev_slot() = dev };
    }

    /// Length of the frame in bytes.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: By the type invariant, the buffer is valid.
        unsafe { (*self.as_raw()).len }
    }

    /// The Ethernet header at the MAC header, if the buffer has one there
    /// in its linear part.
    fn eth_header(&self) -> Option<[u8; 14]> {
        let skb = self.as_raw();
        let mut hdr = [0u8; 14];
        // SAFETY: By the type invariant the buffer is valid; we read only
        // between its MAC header and its tail, inside the head buffer.
        unsafe {
            let mac = bindings::svnic_skb_mac_header(skb);
            let tail = bindings::svnic_skb_tail_pointer(skb);
            if !bindings::svnic_skb_mac_header_was_set(skb) || tail.offset_from(mac) < 14 {
                return None;
            }
            core::ptr::copy_nonoverlapping(mac, hdr.as_mut_ptr(), hdr.len());
        }
        Some(hdr)
    }

    /// Destination address of the Ethernet header; `None` if the buffer
    /// has no whole Ethernet header at its MAC header.
    pub(crate) fn eth_dest(&self) -> Option<MacAddr> {
        let h = self.eth_header()?;
        Some([h[0], h[1], h[2], h[3], h[4], h[5]])
    }

    /// Source address of the Ethernet header; `None` as for [`SkBuff::eth_dest`].
    pub(crate) fn eth_source(&self) -> Option<MacAddr> {
        let h = self.eth_header()?;
        Some([h[6], h[7], h[8], h[9], h[10], h[11]])
    }

    /// Makes a clone sharing the data, for delivery to a second receiver.
    pub(crate) fn try_clone(&self) -> Option<SkBuff> {
        // SAFETY: By the type invariant, the buffer is valid; `skb_clone`
        // returns a new owned reference or null.
        unsafe {
            SkBuff::from_raw(bindings::skb_clone(
                self.as_raw(),
                bindings::SVNIC_GFP_ATOMIC,
            ))
        }
    }

    /// Moves `data` back to the MAC header, undoing `eth_type_trans`'s pull,
    /// so that the buffer can be forwarded as a whole frame.
    pub(crate) fn push_mac_header(&mut self) {
        let skb = self.as_raw();
        // SAFETY: By the type invariant, the buffer is valid. Its MAC header
        // lies `data - mac_header` bytes before `data` in the same head
        // buffer (set by `eth_type_trans`), so the push stays inside it.
        unsafe {
            let mac = bindings::svnic_skb_mac_header(skb);
            let pulled = (*skb).data.offset_from(mac);
            if pulled > 0 {
                bindings::skb_push(skb, pulled as u32);
            }
        }
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own a reference, released here.
        unsafe { bindings::svnic_kfree_skb(self.as_raw()) };
    }
}
