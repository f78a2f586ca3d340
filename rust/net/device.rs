// SPDX-License-Identifier: GPL-2.0

//! Network devices.
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h).

use super::{bindings, ether::MacAddr, rtnl::Rtnl, skb::SkBuff};
use core::{
    marker::PhantomData,
    ptr::{self, NonNull},
    sync::atomic::{AtomicUsize, Ordering::Relaxed},
};
use kernel::{ffi::c_void, prelude::*, types::Opaque};

/// A `struct net_device`.
///
/// # Invariants
///
/// Referencing a `net_device` through this type asserts that it is
/// registered or being set up by its owner, and stays valid for the lifetime
/// of the reference.
#[repr(transparent)]
pub(crate) struct Device(Opaque<bindings::net_device>);

// SAFETY: A `net_device` is used from any CPU; every method below is safe to
// call concurrently (they are plain reads, or kernel functions with their own
// locking).
unsafe impl Sync for Device {}
// SAFETY: See above.
unsafe impl Send for Device {}

/// What a device's receive path does with a frame it was handed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// The frame was accepted.
    Accepted,
    /// The frame was dropped (and freed).
    Dropped,
}

/// `netdev_priv`, inline: the private area is the flexible array that ends
/// `struct net_device`. Every trampoline reads it.
///
/// # Safety
///
/// `dev` is a valid device.
#[inline]
pub(super) unsafe fn netdev_priv(dev: *mut bindings::net_device) -> *mut c_void {
    // SAFETY: By the safety requirements `dev` is valid; this takes the
    // field's address without reading it.
    unsafe { core::ptr::addr_of_mut!((*dev).priv_).cast() }
}

impl Device {
    /// Creates a reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// For the duration of `'a`, `ptr` must point at a valid `net_device`
    /// in the state the type invariant describes.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::net_device) -> &'a Self {
        // CAST: `Self` is `repr(transparent)` over `net_device`.
        // SAFETY: By the function's safety requirements.
        unsafe { &*ptr.cast() }
    }

    pub(super) fn as_raw(&self) -> *mut bindings::net_device {
        self.0.get()
    }

    /// Whether `other` is this very device.
    pub(crate) fn is(&self, other: &Device) -> bool {
        core::ptr::eq(self, other)
    }

    /// Interface index.
    pub(crate) fn ifindex(&self) -> i32 {
        // SAFETY: By the type invariant the device is valid.
        unsafe { (*self.as_raw()).ifindex }
    }

    /// Interface name.
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: By the type invariant the device is valid; `name` is a
        // NUL-terminated array that lives as long as the device.
        unsafe { CStr::from_char_ptr((*self.as_raw()).name.as_ptr()) }
    }

    /// The name of the device's parent on its bus (a PF's or VF's bus
    /// device: `ethtool -i`'s bus-info), if it has one.
    pub(crate) fn bus_name(&self) -> Option<&CStr> {
        // SAFETY: By the type invariant the device is valid; its parent, if
        // set, is a registered device that outlives it.
        unsafe {
            let parent = (*self.as_raw()).dev.parent;
            (!parent.is_null()).then(|| CStr::from_char_ptr(bindings::svnic_dev_name(parent)))
        }
    }

    /// Sets the MAC address on behalf of the device's owner (the PF
    /// assigning a VF its address) and tells the stack.
    pub(crate) fn assign_mac(&self, _rtnl: &Rtnl, addr: &MacAddr) {
        // SAFETY: By the type invariant the device is valid; `_rtnl` proves
        // that RTNL is held.
        unsafe {
            bindings::dev_addr_mod(self.as_raw(), 0, addr.as_ptr().cast(), 6);
            bindings::call_netdevice_notifiers(
                bindings::netdev_cmd_NETDEV_CHANGEADDR as kernel::ffi::c_ulong,
                self.as_raw(),
            );
        }
    }

    /// Turns the carrier on or off.
    pub(crate) fn set_carrier(&self, on: bool) {
        // SAFETY: By the type invariant the device is valid.
        unsafe {
            if on {
                bindings::netif_carrier_on(self.as_raw());
            } else {
                bindings::netif_carrier_off(self.as_raw());
            }
        }
    }

    /// Whether the device has carrier.
    pub(crate) fn carrier_ok(&self) -> bool {
        // SAFETY: By the type invariant the device is valid.
        unsafe { bindings::svnic_netif_carrier_ok(self.as_raw()) }
    }

    /// The link speed in Mbit/s the device reports through ethtool, or 0
    /// if it reports none.
    pub(crate) fn speed_mbps(&self, _rtnl: &Rtnl) -> u32 {
        let mut ks = core::mem::MaybeUninit::<bindings::ethtool_link_ksettings>::zeroed();
        // SAFETY: By the type invariant the device is valid; `_rtnl` proves
        // that RTNL is held; `ks` is a zeroed, writable settings structure.
        let err = unsafe { bindings::__ethtool_get_link_ksettings(self.as_raw(), ks.as_mut_ptr()) };
        if err != 0 {
            return 0;
        }
        // SAFETY: `__ethtool_get_link_ksettings` filled it in (and it was
        // zeroed, a valid value, before).
        let speed = unsafe { ks.assume_init_ref() }.base.speed;
        // SPEED_UNKNOWN is (u32)-1; speeds are at most INT_MAX.
        if speed > i32::MAX as u32 {
            0
        } else {
            speed
        }
    }

    /// Stops the (single) TX queue: the core stops calling `start_xmit`.
    pub(crate) fn stop_queue(&self) {
        // SAFETY: By the type invariant the device is valid.
        unsafe { bindings::svnic_netif_stop_queue(self.as_raw()) };
    }

    /// Restarts a stopped TX queue and kicks its qdisc.
    pub(crate) fn wake_queue(&self) {
        // SAFETY: By the type invariant the device is valid.
        unsafe { bindings::svnic_netif_wake_queue(self.as_raw()) };
    }

    /// Records that the TX queue made progress now, for the TX watchdog
    /// (which fires when a stopped queue has made none for a while).
    pub(crate) fn trans_update(&self) {
        // SAFETY: By the type invariant the device is valid.
        unsafe { bindings::svnic_netif_trans_update(self.as_raw()) };
    }

    /// Byte queue limits: `bytes` more are queued on the TX ring, from
    /// `ndo_start_xmit`, `more` frames following in this burst. Returns
    /// whether the driver must kick its consumer now (the last frame of a
    /// burst, or the queue is stopped).
    pub(crate) fn bql_sent(&self, bytes: u32, more: bool) -> bool {
        // SAFETY: By the type invariant the device is valid.
        unsafe { bindings::svnic_netdev_tx_sent_queue(self.as_raw(), bytes, more) }
    }

    /// Byte queue limits: `pkts` frames of `bytes` left the TX ring
    /// (switched or dropped). Every byte [`Device::bql_sent`] counted is
    /// completed exactly once, with completions serialised (the driver
    /// calls this under its TX ring's lock).
    pub(crate) fn bql_completed(&self, pkts: u32, bytes: u32) {
        // SAFETY: By the type invariant the device is valid.
        unsafe { bindings::svnic_netdev_tx_completed_queue(self.as_raw(), pkts, bytes) }
    }

    /// Byte queue limits start afresh: nothing is queued (the queue is down
    /// and its ring empty).
    pub(crate) fn bql_reset(&self) {
        // SAFETY: By the type invariant the device is valid.
        unsafe { bindings::svnic_netdev_tx_reset_queue(self.as_raw()) }
    }

    /// Whether the TX queue is stopped, by the driver or by byte queue
    /// limits.
    pub(crate) fn queue_stopped(&self) -> bool {
        // SAFETY: By the type invariant the device is valid.
        unsafe { bindings::svnic_netif_xmit_stopped(self.as_raw()) }
    }

    /// Current MAC address.
    pub(crate) fn mac(&self) -> MacAddr {
        let mut addr = [0u8; 6];
        // SAFETY: By the type invariant the device is valid; an Ethernet
        // device's `dev_addr` holds at least `ETH_ALEN` bytes.
        unsafe {
            core::ptr::copy_nonoverlapping((*self.as_raw()).dev_addr, addr.as_mut_ptr(), 6);
        }
        addr
    }

    /// Whether `IFF_PROMISC` is set (the stack wants every frame).
    pub(crate) fn is_promisc(&self) -> bool {
        // SAFETY: By the type invariant the device is valid; `flags` is a
        // plain word the core updates under RTNL (a racy read is benign).
        unsafe { (*self.as_raw()).flags & bindings::net_device_flags_IFF_PROMISC != 0 }
    }

    /// Whether `IFF_ALLMULTI` is set (the stack wants every group frame).
    pub(crate) fn is_allmulti(&self) -> bool {
        // SAFETY: As for `is_promisc`.
        unsafe { (*self.as_raw()).flags & bindings::net_device_flags_IFF_ALLMULTI != 0 }
    }

    /// Whether the device is administratively up.
    pub(crate) fn is_running(&self) -> bool {
        // SAFETY: By the type invariant the device is valid; `state` is a
        // word of flags the core changes with atomic bit operations
        // (`netif_running` is a `test_bit`).
        let state = unsafe {
            AtomicUsize::from_ptr(ptr::addr_of_mut!((*self.as_raw()).state).cast::<usize>())
        };
        state.load(Relaxed) & (1 << bindings::netdev_state_t___LINK_STATE_START) != 0
    }

    /// Copies the uplink's operational state (carrier, dormant, testing) to
    /// this stacked device. Called under RTNL.
    pub(crate) fn transfer_operstate(&self, from: &Device) {
        // SAFETY: By the type invariant both devices are valid.
        unsafe { bindings::netif_stacked_transfer_operstate(from.as_raw(), self.as_raw()) };
    }

    /// Adds `addr` to the device's unicast filter. Called under RTNL.
    pub(crate) fn uc_add(&self, addr: &MacAddr) -> Result {
        // SAFETY: By the type invariant the device is valid; `addr` is 6 bytes.
        kernel::error::to_result(unsafe { bindings::dev_uc_add(self.as_raw(), addr.as_ptr()) })
    }

    /// Removes `addr` from the device's unicast filter. Called under RTNL.
    pub(crate) fn uc_del(&self, addr: &MacAddr) -> Result {
        // SAFETY: By the type invariant the device is valid; `addr` is 6 bytes.
        kernel::error::to_result(unsafe { bindings::dev_uc_del(self.as_raw(), addr.as_ptr()) })
    }

    /// Undoes [`AddrLists::sync_to`].
    pub(crate) fn unsync_addr_lists(&self, from: &Device) {
        // SAFETY: By the type invariant both devices are valid.
        unsafe {
            bindings::dev_uc_unsync(self.as_raw(), from.as_raw());
            bindings::dev_mc_unsync(self.as_raw(), from.as_raw());
        }
    }

    /// Transmits `skb` on this device through its qdisc and driver.
    ///
    /// Returns whether the driver took the frame; a refused frame was freed
    /// by the core.
    pub(crate) fn queue_xmit(&self, mut skb: SkBuff) -> Delivery {
        skb.set_dev(self.as_raw());
        // SAFETY: By the type invariant the device is valid; `__dev_queue_xmit`
        // takes over our reference to the buffer whatever it returns.
        let ret = unsafe { bindings::__dev_queue_xmit(skb.into_raw(), core::ptr::null_mut()) };
        if ret == 0 {
            Delivery::Accepted
        } else {
            Delivery::Dropped
        }
    }

    /// Prepares `skb`, received from another device, for this device's
    /// receive path: scrubs it, checks it fits the MTU, sets `dev` and the
    /// protocol. On `Err` the buffer was freed by the core.
    pub(crate) fn forward_prepare(&self, skb: SkBuff) -> core::result::Result<SkBuff, ()> {
        let skb = skb.into_raw();
        // SAFETY: By the type invariant the device is valid. The buffer's data
        // starts at its MAC header (see `SkBuff::push_mac_header`).
        // `__dev_forward_skb` frees it on failure and returns it to us on success.
        let ret = unsafe { bindings::__dev_forward_skb(self.as_raw(), skb) };
        if ret != 0 {
            return Err(());
        }
        // SAFETY: On success the reference is still ours.
        unsafe { SkBuff::from_raw(skb) }.ok_or(())
    }
}

/// A counted reference to a `net_device` (`dev_hold`/`dev_put`).
///
/// # Invariants
///
/// `self.0` is a valid `net_device` on which this value holds a reference.
pub(crate) struct DeviceRef(NonNull<bindings::net_device>);

// SAFETY: A held device reference may be used and released on any CPU.
unsafe impl Send for DeviceRef {}
// SAFETY: `&DeviceRef` only gives out `&Device`, which is `Sync`.
unsafe impl Sync for DeviceRef {}

impl DeviceRef {
    /// Takes a reference on `dev`.
    pub(crate) fn new(dev: &Device) -> Self {
        // SAFETY: By the type invariant of `Device` the device is valid.
        unsafe { bindings::svnic_dev_hold(dev.as_raw()) };
        // INVARIANT: a reference was taken just above.
        // SAFETY: `as_raw` of a reference is never null.
        Self(unsafe { NonNull::new_unchecked(dev.as_raw()) })
    }
}

impl core::ops::Deref for DeviceRef {
    type Target = Device;

    fn deref(&self) -> &Device {
        // SAFETY: By the type invariant, the device is valid while we hold a
        // reference; the owner of a `DeviceRef` drops it before the device
        // is unregistered (see `crate::net::link`).
        unsafe { Device::from_raw(self.0.as_ptr()) }
    }
}

impl Drop for DeviceRef {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we hold a reference, released here.
        unsafe { bindings::svnic_dev_put(self.0.as_ptr()) };
    }
}

/// The address lists of a device in its `ndo_set_rx_mode`, which the core
/// runs with the lists' lock held: they are walked and synced through it.
///
/// Made only by the `ndo_set_rx_mode` trampoline, which lends it to the
/// driver for the call; neither `Send` nor `Sync`.
///
/// # Invariants
///
/// The address list lock of `dev` is held while this value lives.
pub(crate) struct AddrLists<'a> {
    dev: &'a Device,
    _not_send: PhantomData<*mut ()>,
}

impl<'a> AddrLists<'a> {
    /// The lists of `dev`.
    ///
    /// # Safety
    ///
    /// The caller holds `dev`'s address list lock for as long as the value
    /// lives.
    pub(super) unsafe fn new(dev: &'a Device) -> Self {
        // INVARIANT: By the safety requirements.
        Self {
            dev,
            _not_send: PhantomData,
        }
    }

    /// Calls `f` with each address of the multicast list.
    pub(crate) fn for_each_mc(&self, mut f: impl FnMut(&MacAddr)) {
        // SAFETY: The device is valid; by the type invariant its address
        // list lock is held, so the list is stable while we walk it. Its
        // entries are `netdev_hw_addr`s linked through their first field
        // `list`, whose `addr` holds at least `ETH_ALEN` bytes.
        unsafe {
            let head = &raw mut (*self.dev.as_raw()).mc.list;
            let mut cur = (*head).next;
            while cur != head {
                let ha = cur.cast::<bindings::netdev_hw_addr>();
                let mut addr = [0u8; 6];
                core::ptr::copy_nonoverlapping((*ha).addr.as_ptr(), addr.as_mut_ptr(), 6);
                f(&addr);
                cur = (*cur).next;
            }
        }
    }

    /// Mirrors the secondary unicast and multicast lists into `to`'s
    /// filters (`ndo_set_rx_mode` of a stacked device).
    pub(crate) fn sync_to(&self, to: &Device) {
        // SAFETY: Both devices are valid; by the type invariant we hold the
        // address lock of the source, as `dev_uc_sync` requires.
        unsafe {
            bindings::dev_uc_sync(to.as_raw(), self.dev.as_raw());
            bindings::dev_mc_sync(to.as_raw(), self.dev.as_raw());
        }
    }
}

// `AddrLists::for_each_mc` treats a list entry as its `netdev_hw_addr`.
const _: () = assert!(core::mem::offset_of!(bindings::netdev_hw_addr, list) == 0);
