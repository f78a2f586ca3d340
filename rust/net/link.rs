// SPDX-License-Identifier: GPL-2.0

//! Stacked Ethernet link types: `ip link add NAME link UPLINK type KIND`.
//!
//! C headers: [`include/net/rtnetlink.h`](srctree/include/net/rtnetlink.h),
//! [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h).
//!
//! A [`Driver`] describes a device that sits on top of an uplink netdev, the
//! way macvlan and vlan devices do. [`Registration`] registers its
//! `rtnl_link_ops` and a netdevice notifier; this layer then owns the
//! plumbing every such device needs and the driver does not see:
//!
//! - newlink: resolves and checks `IFLA_LINK`, allocates the driver's state
//!   (pinned, pointed at from the netdev's private area), registers the
//!   netdev, claims the uplink's receive handler and links the two devices
//!   as upper/lower;
//! - the `net_device_ops` trampolines, which hand the driver its state;
//! - teardown: `ndo_uninit` releases the uplink, the destructor drops the
//!   state, the notifier deletes the device when its uplink goes away and
//!   copies the uplink's carrier to it.
//!
//! Lifetimes: the state lives from newlink until the netdev's destructor;
//! the receive handler and the NAPI contexts that point at it are gone by
//! then (`ndo_uninit` unregisters the handler and waits for RCU readers; the
//! state's [`super::napi::Napi`] fields are deleted when it drops).

use super::{
    bindings,
    device::{Device, DeviceRef},
    napi::Napi,
    skb::SkBuff,
};
use crate::ether::MacAddr;
use core::{
    marker::PhantomData,
    ptr,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{
    error::{from_result, to_result},
    ffi::{c_int, c_ulong, c_void},
    prelude::*,
    types::{ForeignOwnable, Opaque},
};

/// An extended-ack handle: where a netlink request's error message goes.
///
/// # Invariants
///
/// `self.0` is null or a valid `netlink_ext_ack` for the current request.
pub(crate) struct ExtAck(*mut bindings::netlink_ext_ack);

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

/// Interface counters reported through `ndo_get_stats64`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LinkStats {
    pub(crate) rx_packets: u64,
    pub(crate) rx_bytes: u64,
    pub(crate) rx_dropped: u64,
    pub(crate) multicast: u64,
    pub(crate) tx_packets: u64,
    pub(crate) tx_bytes: u64,
    pub(crate) tx_dropped: u64,
}

/// What a receive handler did with a frame from the uplink.
pub(crate) enum RxAction {
    /// The driver took the frame.
    Consumed,
    /// The frame goes on up the uplink's own stack.
    Pass(SkBuff),
}

/// A link type stacked on an uplink.
pub(crate) trait Driver: Sized + Send + Sync + 'static {
    /// The link kind, as in `ip link add ... type KIND`.
    const KIND: &'static CStr;

    /// Returns the initialiser of the state of a new device `dev` on
    /// `uplink`. `dev` is not registered yet. Called under RTNL.
    fn new(dev: &Device, uplink: &Device, extack: &ExtAck) -> Result<impl PinInit<Self, Error>>;

    /// `ndo_open`, under RTNL.
    fn open(&self, dev: &Device) -> Result;

    /// `ndo_stop`, under RTNL.
    fn stop(&self, dev: &Device);

    /// `ndo_start_xmit`: the driver owns `skb` from here (BH context).
    fn start_xmit(&self, dev: &Device, skb: SkBuff);

    /// A frame arrived on the uplink (BH context, under RCU).
    fn uplink_rx(&self, dev: &Device, skb: SkBuff) -> RxAction;

    /// A NAPI poll of one of the state's contexts; returns the work done.
    fn poll(&self, napi: &Napi, budget: i32) -> i32;

    /// `ndo_set_rx_mode`, under the device's address lock.
    fn set_rx_mode(&self, dev: &Device);

    /// The MAC address changes from `old` to `new` (valid unicast), under
    /// RTNL, before it is committed. An error refuses the change.
    fn set_mac(&self, dev: &Device, old: &MacAddr, new: &MacAddr) -> Result;

    /// `ndo_get_stats64`.
    fn stats(&self, dev: &Device) -> LinkStats;
}

/// Per-device data this layer keeps around the driver's state.
///
/// # Invariants
///
/// - `dev` is the device whose private area points at this value.
/// - While `rx_handler` is set, the uplink's receive handler is
///   `rx_handler_callback::<T>` with this value as its data.
#[pin_data]
struct Port<T: Driver> {
    #[pin]
    state: T,
    dev: *mut bindings::net_device,
    uplink: DeviceRef,
    rx_handler: AtomicBool,
    upper_linked: AtomicBool,
}

// SAFETY: `dev` is only dereferenced under the rules of `Device` (the port
// lives inside its device's lifetime); everything else is `Send + Sync`.
unsafe impl<T: Driver> Send for Port<T> {}
// SAFETY: See above.
unsafe impl<T: Driver> Sync for Port<T> {}

impl<T: Driver> Port<T> {
    fn dev(&self) -> &Device {
        // SAFETY: By the type invariant `dev` owns this port, so it is valid
        // while `self` is.
        unsafe { Device::from_raw(self.dev) }
    }

    /// Claims the uplink's receive handler and links the devices. Under RTNL.
    fn bind(&self, extack: &ExtAck) -> Result {
        let up = self.uplink.as_raw();
        // SAFETY: Both devices are valid and registered; RTNL is held. The
        // handler data (`self`) outlives the handler: `unbind` removes it
        // before the port is dropped.
        to_result(unsafe {
            bindings::netdev_rx_handler_register(
                up,
                Some(rx_handler_callback::<T>),
                ptr::from_ref(self).cast_mut().cast(),
            )
        })
        .map_err(|e| {
            extack.fail(
                e,
                c"svnic: uplink is already in use (bridge port, bond slave or another svnic PF)",
            )
        })?;
        // INVARIANT: the handler was registered with `self` as data.
        self.rx_handler.store(true, Ordering::Relaxed);
        // SAFETY: Both devices are valid and registered; RTNL is held.
        to_result(unsafe { bindings::netdev_upper_dev_link(up, self.dev, extack.0) })?;
        self.upper_linked.store(true, Ordering::Relaxed);
        self.dev().transfer_operstate(&self.uplink);
        Ok(())
    }

    /// Undoes what `bind` did; idempotent. Under RTNL.
    fn unbind(&self) {
        let up = self.uplink.as_raw();
        if self.upper_linked.swap(false, Ordering::Relaxed) {
            // SAFETY: The link was made by `bind`; RTNL is held.
            unsafe { bindings::netdev_upper_dev_unlink(up, self.dev) };
        }
        if self.rx_handler.swap(false, Ordering::Relaxed) {
            // SAFETY: The handler was registered by `bind`; RTNL is held.
            // `netdev_rx_handler_unregister` waits for running handlers.
            unsafe { bindings::netdev_rx_handler_unregister(up) };
        }
    }
}

/// Reads the port pointer from `dev`'s private area.
///
/// # Safety
///
/// `dev` is a valid device of link type `T`.
unsafe fn port_ptr<T: Driver>(dev: *mut bindings::net_device) -> *mut *mut Port<T> {
    // SAFETY: By the safety requirements `dev` is ours; its private area
    // holds one pointer (`priv_size` of our `rtnl_link_ops`).
    unsafe { bindings::svnic_netdev_priv(dev).cast() }
}

/// The port of `dev`, if its state was set up.
///
/// # Safety
///
/// `dev` is a valid device of link type `T`, and `'a` ends before its
/// destructor runs.
unsafe fn port<'a, T: Driver>(dev: *mut bindings::net_device) -> Option<&'a Port<T>> {
    // SAFETY: By the safety requirements.
    let p = unsafe { *port_ptr::<T>(dev) };
    // SAFETY: A non-null pointer was made by `into_foreign` in newlink and is
    // freed only by the destructor.
    unsafe { p.as_ref() }
}

/// Initialiser of a NAPI context of `dev` whose poll goes to `T::poll`.
pub(crate) fn new_napi<T: Driver>(dev: &Device) -> impl PinInit<Napi> {
    Napi::add(dev, poll_callback::<T>)
}

/// # Safety
///
/// Called by the NAPI core for a context made by [`new_napi`].
unsafe extern "C" fn poll_callback<T: Driver>(
    napi: *mut bindings::napi_struct,
    budget: c_int,
) -> c_int {
    // SAFETY: The context was added by `new_napi::<T>`, so it is valid and
    // belongs to a device of type `T`, whose state outlives its contexts.
    let napi = unsafe { Napi::from_raw(napi) };
    // SAFETY: See above.
    match unsafe { port::<T>(napi.dev_raw()) } {
        Some(p) => p.state.poll(napi, budget),
        None => 0,
    }
}

/// # Safety
///
/// Called by `__netif_receive_skb` for an uplink bound by `Port::bind`.
unsafe extern "C" fn rx_handler_callback<T: Driver>(
    pskb: *mut *mut bindings::sk_buff,
) -> bindings::rx_handler_result {
    // SAFETY: `pskb` points at the frame being received; we may replace it.
    let raw = unsafe { bindings::svnic_skb_share_check(*pskb) };
    // SAFETY: `skb_share_check` returned a buffer we own, or null if it freed it.
    let Some(skb) = (unsafe { SkBuff::from_raw(raw) }) else {
        return bindings::rx_handler_result_RX_HANDLER_CONSUMED;
    };
    // SAFETY: The handler's data is the `Port<T>` that registered it; it stays
    // valid until `unbind` unregisters the handler and waits for us.
    let port = unsafe { &*(bindings::svnic_rx_handler_data(skb.dev_raw()) as *const Port<T>) };
    match port.state.uplink_rx(port.dev(), skb) {
        RxAction::Consumed => bindings::rx_handler_result_RX_HANDLER_CONSUMED,
        RxAction::Pass(skb) => {
            // SAFETY: `pskb` is ours to update with the buffer we pass on.
            unsafe { *pskb = skb.into_raw() };
            bindings::rx_handler_result_RX_HANDLER_PASS
        }
    }
}

/// The tables of one registered link type.
struct Adapter<T: Driver>(PhantomData<T>);

impl<T: Driver> Adapter<T> {
    const NETDEV_OPS: bindings::net_device_ops = bindings::net_device_ops {
        ndo_uninit: Some(Self::uninit_callback),
        ndo_open: Some(Self::open_callback),
        ndo_stop: Some(Self::stop_callback),
        ndo_start_xmit: Some(Self::start_xmit_callback),
        ndo_set_rx_mode: Some(Self::set_rx_mode_callback),
        ndo_set_mac_address: Some(Self::set_mac_callback),
        ndo_validate_addr: Some(bindings::eth_validate_addr),
        ndo_get_stats64: Some(Self::get_stats64_callback),
        ndo_get_iflink: Some(Self::get_iflink_callback),
        // SAFETY: An all-zero `net_device_ops` is valid: every other
        // operation is absent.
        ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
    };

    /// # Safety
    ///
    /// Called by `rtnl_create_link` with a freshly allocated device.
    unsafe extern "C" fn setup_callback(dev: *mut bindings::net_device) {
        // SAFETY: `dev` is valid and not registered; we own its setup.
        unsafe {
            bindings::ether_setup(dev);
            (*dev).needs_free_netdev = true;
            (*dev).priv_destructor = Some(Self::destructor_callback);
            let fast = &mut (*dev).__bindgen_anon_1.__bindgen_anon_1;
            fast.set_lltx(1);
            let flags = fast.priv_flags();
            fast.set_priv_flags(
                (flags
                    | bindings::netdev_priv_flags_IFF_NO_QUEUE as c_ulong
                    | bindings::netdev_priv_flags_IFF_LIVE_ADDR_CHANGE as c_ulong)
                    & !(bindings::netdev_priv_flags_IFF_TX_SKB_SHARING as c_ulong),
            );
            bindings::svnic_eth_hw_addr_random(dev);
        }
    }

    /// # Safety
    ///
    /// Called by rtnetlink's newlink with `dev` from `setup_callback`.
    unsafe extern "C" fn newlink_callback(
        dev: *mut bindings::net_device,
        params: *mut bindings::rtnl_newlink_params,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // INVARIANT: rtnetlink passes a valid ext_ack or null.
        let extack = ExtAck(extack);
        from_result(|| {
            // SAFETY: rtnetlink passes valid parameters; `tb` has
            // `IFLA_MAX + 1` entries.
            let (net, link) = unsafe {
                let p = &*params;
                let net = if p.link_net.is_null() {
                    p.src_net
                } else {
                    p.link_net
                };
                (net, *p.tb.add(bindings::IFLA_LINK as usize))
            };
            if link.is_null() {
                return Err(extack.fail(
                    EINVAL,
                    c"svnic: an uplink is required: ip link add NAME link UPLINK type svnic",
                ));
            }
            // SAFETY: `link` is a validated `IFLA_LINK` (NLA_U32) attribute.
            let ifindex = unsafe { bindings::svnic_nla_get_u32(link) } as c_int;
            // SAFETY: RTNL is held; `net` is valid.
            let up = unsafe { bindings::__dev_get_by_index(net, ifindex) };
            if up.is_null() {
                return Err(extack.fail(ENODEV, c"svnic: uplink not found"));
            }
            // SAFETY: `up` is a registered device and RTNL is held, so it stays valid.
            let uplink = unsafe { Device::from_raw(up) };
            // SAFETY: `up` and `dev` are valid.
            let (dev_type, flags, same_kind) = unsafe {
                (
                    (*up).type_,
                    (*up).flags,
                    ptr::eq((*up).rtnl_link_ops, (*dev).rtnl_link_ops),
                )
            };
            // SAFETY: `dev` was created by rtnetlink from our `rtnl_link_ops`,
            // the first field of our pinned `Tables`.
            let tables = unsafe { &*((*dev).rtnl_link_ops.cast::<Tables>()) };
            if same_kind {
                return Err(extack.fail(ELOOP, c"svnic: the uplink cannot be an svnic device"));
            }
            if u32::from(dev_type) != bindings::ARPHRD_ETHER
                || flags & bindings::net_device_flags_IFF_LOOPBACK != 0
            {
                return Err(extack.fail(EINVAL, c"svnic: the uplink must be an Ethernet device"));
            }
            // SAFETY: `dev` is valid and not registered; the operations
            // live in the registration, which outlives every device of it.
            let this = unsafe {
                (*dev).netdev_ops = tables.netdev_ops.get();
                Device::from_raw(dev)
            };
            let init = T::new(this, uplink, &extack)?;
            let boxed = KBox::pin_init(
                try_pin_init!(Port::<T> {
                    state <- init,
                    dev,
                    uplink: DeviceRef::new(uplink),
                    rx_handler: AtomicBool::new(false),
                    upper_linked: AtomicBool::new(false),
                }? Error),
                GFP_KERNEL,
            )?;
            let raw = boxed.into_foreign();
            // SAFETY: `dev` is ours; its private area holds one pointer.
            unsafe { *port_ptr::<T>(dev) = raw.cast() };
            // SAFETY: `dev` is valid, set up and RTNL is held.
            let ret = unsafe { bindings::register_netdevice(dev) };
            if ret < 0 {
                // SAFETY: The device never got registered, so nothing else
                // refers to the port; take it back and free it.
                unsafe {
                    *port_ptr::<T>(dev) = ptr::null_mut();
                    drop(<Pin<KBox<Port<T>>>>::from_foreign(raw));
                }
                return Err(Error::from_errno(ret));
            }
            // SAFETY: The pointer was just stored and the device is registered.
            let port = unsafe { port::<T>(dev) }.ok_or(EINVAL)?;
            if let Err(e) = port.bind(&extack) {
                // SAFETY: The device is registered and RTNL is held;
                // `ndo_uninit` undoes the partial bind, the destructor frees
                // the port.
                unsafe { bindings::unregister_netdevice_queue(dev, ptr::null_mut()) };
                return Err(e);
            }
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the core while unregistering `dev` (or failing to register it).
    unsafe extern "C" fn uninit_callback(dev: *mut bindings::net_device) {
        // SAFETY: `dev` is ours and its destructor has not run.
        if let Some(p) = unsafe { port::<T>(dev) } {
            p.unbind();
        }
    }

    /// # Safety
    ///
    /// Called by `netdev_run_todo` after `dev` is unregistered, before it is freed.
    unsafe extern "C" fn destructor_callback(dev: *mut bindings::net_device) {
        // SAFETY: `dev` is ours. Nothing refers to the port any more: the
        // receive handler was removed in `ndo_uninit`, NAPI is disabled.
        unsafe {
            let slot = port_ptr::<T>(dev);
            let raw = *slot;
            *slot = ptr::null_mut();
            if !raw.is_null() {
                drop(<Pin<KBox<Port<T>>>>::from_foreign(raw.cast()));
            }
        }
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_open` of a device of ours.
    unsafe extern "C" fn open_callback(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: `dev` is ours and registered.
            let port = unsafe { port::<T>(dev) }.ok_or(ENODEV)?;
            port.state.open(port.dev())?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_stop` of a device of ours.
    unsafe extern "C" fn stop_callback(dev: *mut bindings::net_device) -> c_int {
        // SAFETY: `dev` is ours and registered.
        if let Some(port) = unsafe { port::<T>(dev) } {
            port.state.stop(port.dev());
        }
        0
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_start_xmit` of a device of ours.
    unsafe extern "C" fn start_xmit_callback(
        skb: *mut bindings::sk_buff,
        dev: *mut bindings::net_device,
    ) -> bindings::netdev_tx_t {
        // SAFETY: The core hands over the buffer.
        let Some(skb) = (unsafe { SkBuff::from_raw(skb) }) else {
            return bindings::netdev_tx_NETDEV_TX_OK;
        };
        // SAFETY: `dev` is ours and registered.
        if let Some(port) = unsafe { port::<T>(dev) } {
            port.state.start_xmit(port.dev(), skb);
        }
        bindings::netdev_tx_NETDEV_TX_OK
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_set_rx_mode` of a device of ours.
    unsafe extern "C" fn set_rx_mode_callback(dev: *mut bindings::net_device) {
        // SAFETY: `dev` is ours and registered.
        if let Some(port) = unsafe { port::<T>(dev) } {
            port.state.set_rx_mode(port.dev());
        }
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_set_mac_address` with a `struct sockaddr`.
    unsafe extern "C" fn set_mac_callback(
        dev: *mut bindings::net_device,
        sa: *mut c_void,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `dev` is ours and registered.
            let port = unsafe { port::<T>(dev) }.ok_or(ENODEV)?;
            let mut new: MacAddr = [0; 6];
            // SAFETY: `sa` is a `struct sockaddr`, whose `sa_data` holds at
            // least 14 bytes.
            unsafe {
                let sa = sa.cast::<bindings::sockaddr>();
                ptr::copy_nonoverlapping((*sa).sa_data.as_ptr().cast::<u8>(), new.as_mut_ptr(), 6);
            }
            if !crate::ether::is_valid_unicast(&new) {
                return Err(EADDRNOTAVAIL);
            }
            let old = port.dev().mac();
            port.state.set_mac(port.dev(), &old, &new)?;
            // SAFETY: `dev` is valid and `sa` a valid sockaddr.
            to_result(unsafe { bindings::eth_mac_addr(dev, sa) })?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_get_stats64`.
    unsafe extern "C" fn get_stats64_callback(
        dev: *mut bindings::net_device,
        out: *mut bindings::rtnl_link_stats64,
    ) {
        // SAFETY: `dev` is ours and registered.
        let Some(port) = (unsafe { port::<T>(dev) }) else {
            return;
        };
        let s = port.state.stats(port.dev());
        // SAFETY: `out` is valid for writes.
        unsafe {
            (*out).rx_packets = s.rx_packets;
            (*out).rx_bytes = s.rx_bytes;
            (*out).rx_dropped = s.rx_dropped;
            (*out).multicast = s.multicast;
            (*out).tx_packets = s.tx_packets;
            (*out).tx_bytes = s.tx_bytes;
            (*out).tx_dropped = s.tx_dropped;
        }
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_get_iflink`.
    unsafe extern "C" fn get_iflink_callback(dev: *const bindings::net_device) -> c_int {
        // SAFETY: `dev` is ours and registered.
        match unsafe { port::<T>(dev.cast_mut()) } {
            Some(port) => port.uplink.ifindex(),
            None => 0,
        }
    }

    /// # Safety
    ///
    /// Called by the netdevice notifier chain with a `netdev_notifier_info`.
    unsafe extern "C" fn notifier_callback(
        _nb: *mut bindings::notifier_block,
        event: c_ulong,
        info: *mut c_void,
    ) -> c_int {
        // SAFETY: Netdevice notifiers get a `netdev_notifier_info`.
        let up = unsafe { bindings::svnic_netdev_notifier_info_to_dev(info.cast()) };
        // SAFETY: `up` is a valid device; RTNL is held for these events.
        let handler = unsafe { (*up).rx_handler };
        if handler.map(|f| f as *const () as usize)
            != Some(rx_handler_callback::<T> as *const () as usize)
        {
            return bindings::NOTIFY_DONE as c_int;
        }
        // SAFETY: The uplink's handler is ours, so its data is a live port
        // (RTNL is held, so it cannot be unbound meanwhile).
        let port = unsafe { &*(bindings::svnic_rx_handler_data(up) as *const Port<T>) };
        match event as u32 {
            bindings::netdev_cmd_NETDEV_UNREGISTER => {
                // SAFETY: RTNL is held; the port's device is registered.
                // Unregistering it unbinds it from `up` in `ndo_uninit`.
                unsafe { bindings::unregister_netdevice_queue(port.dev, ptr::null_mut()) };
            }
            bindings::netdev_cmd_NETDEV_UP
            | bindings::netdev_cmd_NETDEV_DOWN
            | bindings::netdev_cmd_NETDEV_CHANGE => {
                port.dev().transfer_operstate(&port.uplink);
            }
            _ => {}
        }
        bindings::NOTIFY_DONE as c_int
    }
}

/// The kernel-side tables of a registered link type.
///
/// `rtnl` comes first, so a device's `rtnl_link_ops` pointer is also a
/// pointer to its `Tables`.
#[repr(C)]
#[pin_data]
struct Tables {
    #[pin]
    rtnl: Opaque<bindings::rtnl_link_ops>,
    #[pin]
    netdev_ops: Opaque<bindings::net_device_ops>,
    #[pin]
    notifier: Opaque<bindings::notifier_block>,
}

/// A registered link type: `rtnl_link_ops` plus its netdevice notifier.
///
/// # Invariants
///
/// Both tables in `tables` are registered with the kernel until `drop`.
pub(crate) struct Registration<T: Driver> {
    tables: Pin<KBox<Tables>>,
    _p: PhantomData<T>,
}

// SAFETY: The registration only unregisters on drop, which may happen on any thread.
unsafe impl<T: Driver> Send for Registration<T> {}
// SAFETY: `&Registration` gives access to nothing.
unsafe impl<T: Driver> Sync for Registration<T> {}

impl<T: Driver> Registration<T> {
    /// Registers link type `T`.
    pub(crate) fn new() -> Result<Self> {
        let tables = KBox::pin_init(
            pin_init!(Tables {
                rtnl <- Opaque::ffi_init(|ops: *mut bindings::rtnl_link_ops| {
                    // SAFETY: `ops` is our pinned, writable table.
                    unsafe {
                        ptr::write_bytes(ops, 0, 1);
                        (*ops).kind = T::KIND.as_char_ptr();
                        (*ops).priv_size = core::mem::size_of::<*mut c_void>();
                        (*ops).setup = Some(Adapter::<T>::setup_callback);
                        (*ops).newlink = Some(Adapter::<T>::newlink_callback);
                    }
                }),
                netdev_ops <- Opaque::ffi_init(|ops: *mut bindings::net_device_ops| {
                    // SAFETY: `ops` is our pinned, writable table.
                    unsafe { ptr::write(ops, Adapter::<T>::NETDEV_OPS) };
                }),
                notifier <- Opaque::ffi_init(|nb: *mut bindings::notifier_block| {
                    // SAFETY: `nb` is our pinned, writable notifier block.
                    unsafe {
                        ptr::write_bytes(nb, 0, 1);
                        (*nb).notifier_call = Some(Adapter::<T>::notifier_callback);
                    }
                }),
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: The table is pinned and lives until `drop` unregisters it.
        to_result(unsafe { bindings::register_netdevice_notifier(tables.notifier.get()) })?;
        // SAFETY: As above.
        if let Err(e) = to_result(unsafe { bindings::rtnl_link_register(tables.rtnl.get()) }) {
            // SAFETY: Registered just above.
            unsafe { bindings::unregister_netdevice_notifier(tables.notifier.get()) };
            return Err(e);
        }
        // INVARIANT: both tables are registered.
        Ok(Self {
            tables,
            _p: PhantomData,
        })
    }
}

impl<T: Driver> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant both are registered. Unregistering
        // the link type deletes every device of it first, so no port is
        // left for the notifier to see.
        unsafe {
            bindings::rtnl_link_unregister(self.tables.rtnl.get());
            bindings::unregister_netdevice_notifier(self.tables.notifier.get());
        }
    }
}
