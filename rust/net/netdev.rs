// SPDX-License-Identifier: GPL-2.0

//! Driver-created netdevs (VFs) and counted references to svnic netdevs.
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h).
//!
//! A [`DriverNetdev`] netdev is allocated and registered by the driver (not
//! by `ip link add`): svnic's VFs. Its private area points at the driver's
//! pinned state, freed by the netdev's destructor.
//!
//! A [`DevRef`] is a `dev_hold` reference to one of svnic's netdevs that
//! also gives access to its state: the core does not run a netdev's
//! destructor (which frees the state) while references are held, so the
//! state outlives every `DevRef`. Holders must drop their references while
//! the device is being unregistered, or unregistration waits for them.

use super::{
    bindings,
    device::{netdev_priv, Device},
    devlink::VfPort,
    napi::Napi,
    ops::{Lookup, NetdevOps, Trampolines},
    sriov::{PfDevice, VfDevice},
};
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    ffi::{c_int, c_void},
    prelude::*,
    types::ForeignOwnable,
};

/// A counted reference to a registered svnic netdev of kind `L`.
///
/// # Invariants
///
/// `dev` is a device of kind `L` whose state is set, on which this value
/// holds a `dev_hold` reference.
pub(crate) struct DevRef<L: Lookup> {
    dev: NonNull<bindings::net_device>,
    _p: PhantomData<L>,
}

// SAFETY: Device references may be used and dropped on any CPU; the state is
// `Send + Sync` (`NetdevOps`).
unsafe impl<L: Lookup> Send for DevRef<L> {}
// SAFETY: See above.
unsafe impl<L: Lookup> Sync for DevRef<L> {}

impl<L: Lookup> DevRef<L> {
    /// Takes a reference on `dev`.
    ///
    /// # Safety
    ///
    /// `dev` is a registered device of kind `L` whose state is set.
    pub(super) unsafe fn new(dev: *mut bindings::net_device) -> Self {
        // SAFETY: By the safety requirements `dev` is valid.
        unsafe { bindings::svnic_dev_hold(dev) };
        // SAFETY: A valid device pointer is not null.
        let dev = unsafe { NonNull::new_unchecked(dev) };
        // INVARIANT: we took a reference just above.
        Self {
            dev,
            _p: PhantomData,
        }
    }

    /// The device.
    pub(crate) fn dev(&self) -> &Device {
        // SAFETY: By the type invariant the device is valid while we hold a reference.
        unsafe { Device::from_raw(self.dev.as_ptr()) }
    }

    /// The device's state.
    pub(crate) fn state(&self) -> Option<&L::Ops> {
        // SAFETY: By the type invariant, the device is of kind `L`; its
        // destructor (which clears the state) waits for our reference.
        unsafe { L::find(self.dev.as_ptr()) }
    }

    /// Unregisters the device. Under RTNL; every holder must drop its
    /// references before RTNL is released (the core waits for them).
    pub(crate) fn unregister(&self) {
        // SAFETY: By the type invariant the device is registered; the caller
        // holds RTNL.
        unsafe { bindings::unregister_netdevice_queue(self.dev.as_ptr(), core::ptr::null_mut()) };
    }
}

// A `DevRef` never pins the state it refers to.
impl<L: Lookup> Unpin for DevRef<L> {}

impl<L: Lookup> Clone for DevRef<L> {
    fn clone(&self) -> Self {
        // SAFETY: By the type invariant the device satisfies `new`'s requirements.
        unsafe { Self::new(self.dev.as_ptr()) }
    }
}

impl<L: Lookup> Drop for DevRef<L> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we hold a reference, released here.
        unsafe { bindings::svnic_dev_put(self.dev.as_ptr()) };
    }
}

/// The parent device of a driver-created netdev (`SET_NETDEV_DEV`).
pub(crate) enum Parent<'a> {
    /// A VF's netdev sits on the VF's device.
    Vf(&'a VfDevice),
    /// A representor sits on its PF's device.
    Pf(&'a PfDevice),
}

impl Parent<'_> {
    fn as_raw(&self) -> *mut bindings::device {
        match self {
            Self::Vf(d) => d.as_raw(),
            Self::Pf(d) => d.as_raw(),
        }
    }
}

/// Netdevs created by the driver, with state `T`.
pub(crate) struct DriverNetdev<T: NetdevOps>(PhantomData<T>);

impl<T: NetdevOps> Lookup for DriverNetdev<T> {
    type Ops = T;

    unsafe fn find<'a>(dev: *mut bindings::net_device) -> Option<&'a T> {
        // SAFETY: By the safety requirements `dev` is ours; its private area
        // holds the pointer from `into_foreign`, null until set.
        unsafe {
            let slot = netdev_priv(dev).cast::<*mut c_void>();
            (*slot).cast::<T>().cast_const().as_ref()
        }
    }
}

impl<T: NetdevOps> DriverNetdev<T> {
    const OPS: &'static bindings::net_device_ops = &Trampolines::<Self>::OPS;
    const ETHTOOL_OPS: &'static bindings::ethtool_ops = &Trampolines::<Self>::ETHTOOL;
    const STAT_OPS: &'static bindings::netdev_stat_ops = &Trampolines::<Self>::STAT_OPS;

    /// # Safety
    ///
    /// Called by `alloc_netdev_mqs` with the new device.
    unsafe extern "C" fn setup(dev: *mut bindings::net_device) {
        // SAFETY: `dev` is valid and not registered; we own its setup.
        unsafe {
            bindings::ether_setup(dev);
            (*dev).netdev_ops = Self::OPS;
            (*dev).ethtool_ops = Self::ETHTOOL_OPS;
            (*dev).stat_ops = Self::STAT_OPS;
            (*dev).needs_free_netdev = true;
            (*dev).priv_destructor = Some(Self::destructor);
            let fast = &mut (*dev).__bindgen_anon_1.__bindgen_anon_1;
            let flags = fast.priv_flags();
            fast.set_priv_flags(
                (flags | bindings::netdev_priv_flags_IFF_LIVE_ADDR_CHANGE as kernel::ffi::c_ulong)
                    & !(bindings::netdev_priv_flags_IFF_TX_SKB_SHARING as kernel::ffi::c_ulong),
            );
            bindings::svnic_eth_hw_addr_random(dev);
            super::ops::setup_features::<T>(dev);
        }
    }

    /// # Safety
    ///
    /// Called by `netdev_run_todo` after the device is unregistered and
    /// every reference to it is gone.
    unsafe extern "C" fn destructor(dev: *mut bindings::net_device) {
        // SAFETY: `dev` is ours; nothing refers to the state any more.
        unsafe {
            let slot = netdev_priv(dev).cast::<*mut c_void>();
            let raw = *slot;
            *slot = core::ptr::null_mut();
            if !raw.is_null() {
                drop(<Pin<KBox<T>>>::from_foreign(raw));
            }
        }
    }

    /// Initialiser of a NAPI context of `dev` whose poll goes to `T::poll`.
    pub(crate) fn new_napi(dev: &Device) -> impl PinInit<Napi> + use<T> {
        Napi::add(dev, Trampolines::<Self>::poll)
    }

    /// Allocates and registers a netdev named `name` (a `%d` template is
    /// allowed) under `parent`, in the network namespace of `netns_of`, with
    /// the state `init` returns, as the netdev of devlink port `port` if
    /// given (which must outlive its registration). Under RTNL.
    pub(crate) fn register<I>(
        name: &CStr,
        parent: Parent<'_>,
        netns_of: &Device,
        port: Option<&VfPort>,
        init: impl FnOnce(&Device) -> Result<I>,
    ) -> Result<DevRef<Self>>
    where
        I: PinInit<T, Error>,
    {
        if name.to_bytes().len() >= bindings::IFNAMSIZ as usize {
            return Err(EINVAL);
        }
        // SAFETY: The name is NUL-terminated and short enough; `setup` is
        // our setup function; one TX and one RX queue.
        let dev = unsafe {
            bindings::alloc_netdev_mqs(
                core::mem::size_of::<*mut c_void>() as c_int,
                name.as_char_ptr(),
                bindings::NET_NAME_ENUM as u8,
                Some(Self::setup),
                1,
                1,
            )
        };
        if dev.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: `dev` was just allocated and set up; it is not registered.
        let this = unsafe { Device::from_raw(dev) };
        let state = init(this).and_then(|i| KBox::pin_init(i, GFP_KERNEL));
        let state = match state {
            Ok(s) => s,
            Err(e) => {
                // SAFETY: Never registered: free it.
                unsafe { bindings::free_netdev(dev) };
                return Err(e);
            }
        };
        let sharing = state.tx_skb_sharing();
        // SAFETY: `dev` is ours and unregistered; the private area holds one
        // pointer; `parent` is a registered device (SET_NETDEV_DEV).
        unsafe {
            if sharing {
                let fast = &mut (*dev).__bindgen_anon_1.__bindgen_anon_1;
                fast.set_priv_flags(
                    fast.priv_flags()
                        | bindings::netdev_priv_flags_IFF_TX_SKB_SHARING as kernel::ffi::c_ulong,
                );
            }
            let slot = netdev_priv(dev).cast::<*mut c_void>();
            *slot = state.into_foreign();
            (*dev).dev.parent = parent.as_raw();
            if let Some(port) = port {
                // SET_NETDEV_DEVLINK_PORT.
                (*dev).devlink_port = port.as_raw();
            }
            bindings::svnic_dev_net_set(dev, bindings::svnic_dev_net(netns_of.as_raw()));
        }
        // SAFETY: RTNL is held (the caller's duty); `dev` is set up.
        let ret = unsafe { bindings::register_netdevice(dev) };
        if ret < 0 {
            // SAFETY: The device never got registered: drop the state (its
            // NAPI contexts go with it) and free the device.
            unsafe {
                Self::destructor(dev);
                bindings::free_netdev(dev);
            }
            return Err(Error::from_errno(ret));
        }
        // SAFETY: Registered, state set.
        Ok(unsafe { DevRef::new(dev) })
    }
}
