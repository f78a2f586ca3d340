// SPDX-License-Identifier: GPL-2.0

//! NAPI contexts.
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h).

use super::{bindings, device::Device, skb::SkBuff};
use kernel::{ffi::c_int, prelude::*, types::Opaque};

/// The poll function type of a NAPI context.
pub(super) type PollFn = unsafe extern "C" fn(*mut bindings::napi_struct, c_int) -> c_int;

/// A `struct napi_struct` added to a device.
///
/// Created with [`crate::net::link::new_napi`], which adds it to its device
/// with the owner's poll function; dropping it deletes it again
/// (`netif_napi_del`, which waits for an RCU grace period).
///
/// # Invariants
///
/// The context was added with `netif_napi_add` and is pinned until dropped.
#[repr(transparent)]
#[pin_data(PinnedDrop)]
pub(crate) struct Napi {
    #[pin]
    inner: Opaque<bindings::napi_struct>,
}

// SAFETY: NAPI contexts are used from any CPU; the core's state bits
// serialise polling.
unsafe impl Sync for Napi {}
// SAFETY: See above.
unsafe impl Send for Napi {}

impl Napi {
    /// Returns an initialiser that adds the context to `dev` with `poll`.
    pub(super) fn add(dev: &Device, poll: PollFn) -> impl PinInit<Self> + use<> {
        let dev = dev.as_raw();
        // INVARIANT: `ffi_init` runs `netif_napi_add` on the final, pinned location.
        pin_init!(Self {
            inner <- Opaque::ffi_init(move |slot: *mut bindings::napi_struct| {
                // SAFETY: `slot` is the pinned storage of the context and `dev`
                // a valid device; it is zeroed, then `netif_napi_add`
                // initialises the context.
                unsafe {
                    core::ptr::write_bytes(slot, 0, 1);
                    bindings::svnic_netif_napi_add(dev, slot, Some(poll));
                }
            }),
        })
    }

    /// Creates a reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` is a context added with `netif_napi_add`, valid for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::napi_struct) -> &'a Self {
        // CAST: `Self` is `repr(transparent)` over `napi_struct`.
        // SAFETY: By the function's safety requirements.
        unsafe { &*ptr.cast() }
    }

    fn as_raw(&self) -> *mut bindings::napi_struct {
        self.inner.get()
    }

    /// Enables polling. Called from `ndo_open`.
    pub(crate) fn enable(&self) {
        // SAFETY: By the type invariant the context was added.
        unsafe { bindings::napi_enable(self.as_raw()) };
    }

    /// Disables polling and waits for a running poll to finish. Called from
    /// `ndo_stop`; may sleep.
    pub(crate) fn disable(&self) {
        // SAFETY: By the type invariant the context was added.
        unsafe { bindings::napi_disable(self.as_raw()) };
    }

    /// Schedules a poll, unless one is scheduled or running already (then
    /// the running one is told to poll again).
    pub(crate) fn schedule(&self) {
        // SAFETY: By the type invariant the context was added.
        unsafe {
            if bindings::napi_schedule_prep(self.as_raw()) {
                bindings::__napi_schedule(self.as_raw());
            }
        }
    }

    /// Ends a poll that did `work` (< budget) units of work. Returns `false`
    /// if the context must keep polling (it was rescheduled meanwhile).
    pub(crate) fn complete_done(&self, work: i32) -> bool {
        // SAFETY: By the type invariant the context was added; only its poll
        // function calls this.
        unsafe { bindings::napi_complete_done(self.as_raw(), work) }
    }

    /// Hands a received frame to GRO and the stack.
    pub(crate) fn gro_receive(&self, skb: SkBuff) {
        // SAFETY: By the type invariant the context was added; the core takes
        // over our reference to the buffer.
        unsafe { bindings::svnic_napi_gro_receive(self.as_raw(), skb.into_raw()) };
    }

    /// The device the context belongs to.
    pub(crate) fn dev(&self) -> &Device {
        // SAFETY: By the type invariant the context was added to a device,
        // which outlives its contexts.
        unsafe { Device::from_raw(self.dev_raw()) }
    }

    /// The device the context belongs to, as a raw pointer.
    pub(super) fn dev_raw(&self) -> *mut bindings::net_device {
        // SAFETY: By the type invariant the context was added to a device.
        unsafe { (*self.as_raw()).dev }
    }
}

#[pinned_drop]
impl PinnedDrop for Napi {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: By the type invariant the context was added; it is disabled
        // (the device is down or was never opened) when its owner drops it.
        unsafe { bindings::svnic_netif_napi_del(self.as_raw()) };
    }
}
