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
//!   copies the uplink's carrier to it;
//! - a service task, like a NIC driver's watchdog: once a second, under
//!   RTNL, the driver's [`Driver::service`] runs (it re-reads the uplink's
//!   link state, so a lost notification is repaired within a second).
//!
//! Lifetimes: the state lives from newlink until the netdev's destructor;
//! the receive handler and the NAPI contexts that point at it are gone by
//! then (`ndo_uninit` unregisters the handler and waits for RCU readers; the
//! state's [`super::napi::Napi`] fields are deleted when it drops).

use super::{
    bindings,
    device::{netdev_priv, Device, DeviceRef},
    devlink::{DevlGuard, Devlink, DevlinkOps, VfPort},
    lock::Bh,
    napi::Napi,
    netdev::{DevRef, DriverNetdev, Parent},
    ops::{Lookup, NetdevOps, Trampolines, MAX_MTU},
    rcu::ReadSide,
    rtnl::{ExtAck, Rtnl},
    skb::SkBuff,
    sriov::{Bus, PfDevice, SriovOps, VfDevice},
    vf_ndo::{SwitchMode, VfChange, VfInfo, VfStats},
};
use core::{
    marker::PhantomData,
    ptr,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering},
};

/// The extack message for an uplink that already has a receive handler.
const UPLINK_IN_USE: &CStr =
    c"svnic: uplink is already in use (bridge port, bond slave or another svnic PF)";
use kernel::{
    debugfs::Dir,
    error::{from_result, to_result},
    ffi::{c_int, c_ulong, c_void},
    new_mutex,
    prelude::*,
    str::CString,
    sync::{Arc, Mutex, SetOnce},
    types::{ForeignOwnable, Opaque},
};

/// What a receive handler did with a frame from the uplink.
pub(crate) enum RxAction {
    /// The driver took the frame.
    Consumed,
    /// The frame goes on up the uplink's own stack.
    Pass(SkBuff),
}

/// A link type stacked on an uplink, with SR-IOV virtual functions.
pub(crate) trait Driver: NetdevOps + DevlinkOps {
    /// The link kind, as in `ip link add ... type KIND`.
    const KIND: &'static CStr;

    /// Returns the initialiser of the state of a new device `dev` on
    /// `uplink`. `dev` is not registered yet. Called under RTNL.
    fn new(dev: &Device, uplink: &Device, ctx: &NewLink<'_>) -> Result<impl PinInit<Self, Error>>;

    /// The device is registered and bound to its uplink; `me` reaches it
    /// under RCU without keeping it alive, until its unregistration begins.
    /// Under RTNL.
    fn registered(&self, rtnl: &Rtnl, me: Arc<RcuLink<Self>>);

    /// The device is being unregistered (`me` reaches it no longer): drop
    /// every reference to devices of svnic (VFs) and unregister the VFs.
    /// Under RTNL.
    fn teardown(&self);

    /// The uplink's carrier or state changed. Under RTNL.
    fn uplink_changed(&self);

    /// The periodic service task ([`SERVICE_PERIOD_MS`]), with the PF's
    /// devlink instance to report to. Under RTNL.
    fn service(&self, rtnl: &Rtnl, devlink: &Devlink<Self>);

    /// A frame arrived on the uplink (BH context, under RCU).
    fn uplink_rx(&self, bh: Bh<'_>, dev: &Device, skb: SkBuff) -> RxAction;

    /// `sriov_totalvfs`.
    fn total_vfs(&self) -> u16;

    /// `sriov_numvfs`; may be called in atomic context, must not sleep.
    fn num_vfs(&self) -> u16;

    /// A write to `sriov_numvfs`. Under RTNL and the devlink instance lock
    /// (taken by this layer).
    fn set_num_vfs(&self, sriov: &Sriov<'_, Self>, n: u16) -> Result;

    /// `ndo_get_vf_config`. Under RTNL.
    fn vf_info(&self, vf: u16) -> Result<VfInfo>;

    /// `ndo_get_vf_stats`. Under RTNL.
    fn vf_stats(&self, vf: u16) -> Result<VfStats>;

    /// `ndo_set_vf_*`. Under RTNL.
    fn set_vf(&self, rtnl: &Rtnl, vf: u16, change: VfChange) -> Result;

    /// The embedded switch's mode (`bridge link show`). Under RTNL.
    fn bridge_mode(&self) -> SwitchMode;

    /// `bridge link set dev PF hwmode veb|vepa`. Under RTNL.
    fn set_bridge_mode(&self, mode: SwitchMode) -> Result;
}

/// Period of a device's service task ([`Driver::service`]), in ms.
pub(crate) const SERVICE_PERIOD_MS: u32 = 1000;

/// Retry delay of a service task that found RTNL taken, in ms.
const SERVICE_RETRY_MS: u32 = 20;

/// What [`Driver::new`] gets besides the two devices.
pub(crate) struct NewLink<'a> {
    /// The link type's debugfs directory (`/sys/kernel/debug/KIND`).
    pub(crate) debugfs: &'a Dir,
    /// The name of the device's parent on the bus (`svnicN`).
    pub(crate) name: &'a CStr,
}

/// A non-owning reference to a link device of type `T` and its state, for
/// RCU readers, like veth's `peer` pointer: it keeps nothing alive, so an
/// object the device owns (a switch it shares with its VFs) may hold it
/// without a reference cycle. [`RcuLink::get`] gives the device within an
/// RCU read-side critical section, until its unregistration begins: the
/// layer clears the pointer in `ndo_uninit`, and the core frees the device
/// only after the RCU grace period that follows (`synchronize_net` in
/// `unregister_netdevice_many_notify`).
///
/// # Invariants
///
/// `dev` is null or a registered device of link type `T` whose state is
/// set; once set to null it stays null, and a non-null value stays valid
/// until an RCU grace period after it is cleared.
pub(crate) struct RcuLink<T: Driver> {
    dev: AtomicPtr<bindings::net_device>,
    _p: PhantomData<T>,
}

impl<T: Driver> RcuLink<T> {
    /// The device and its state, unless it is being unregistered, for as
    /// long as the RCU read-side section `_section` lasts.
    pub(crate) fn get<'g>(&self, _section: &'g impl ReadSide) -> Option<(&'g Device, &'g T)> {
        let dev = self.dev.load(Ordering::Acquire);
        if dev.is_null() {
            return None;
        }
        // SAFETY: By the type invariant `dev` is a registered device of
        // ours, valid until a grace period after it is cleared, which the
        // read-side section that `_section` proves holds off.
        let port = unsafe { link_dev::<T>(dev) }?;
        // SAFETY: As above.
        Some((unsafe { Device::from_raw(dev) }, &port.state))
    }
}

/// What [`Driver::set_num_vfs`] may do with the device model.
pub(crate) struct Sriov<'a, T: Driver> {
    port: &'a LinkDev<T>,
    devlink: &'a Devlink<T>,
    /// The instance lock of `devlink`, held.
    guard: &'a DevlGuard<'a>,
}

impl<T: Driver> Sriov<'_, T> {
    /// The name of the parent device of VF `index` on the bus
    /// (`svnicNvfK`).
    pub(crate) fn vf_device_name(&self, index: u16) -> Result<CString> {
        CString::try_from_fmt(fmt!("svnic{}vf{}", self.port.id, index))
    }

    /// Registers the parent device of VF `index`.
    pub(crate) fn new_vf_device(&self, index: u16) -> Result<VfDevice> {
        let pf = self.port.pf_dev.as_ref().ok_or(ENODEV)?;
        let name = self.vf_device_name(index)?;
        // SAFETY: The registration outlives every device of it.
        let bus = unsafe { &(*self.port.tables).bus };
        VfDevice::new(bus, pf, index, &name)
    }

    /// Registers the netdev of VF `index` under `parent`, named `PFvN` (or
    /// `vf%d` when that would not fit), in the PF's network namespace.
    /// Under RTNL (held).
    pub(crate) fn register_vf<V: NetdevOps, I: PinInit<V, Error>>(
        &self,
        index: u16,
        parent: &VfDevice,
        init: impl FnOnce(&Device) -> Result<I>,
    ) -> Result<DevRef<DriverNetdev<V>>> {
        let mut name = CString::try_from_fmt(fmt!("{}v{}", self.port.dev().name(), index))?;
        if name.to_bytes().len() >= bindings::IFNAMSIZ as usize {
            name = CString::try_from_fmt(fmt!("vf%d"))?;
        }
        DriverNetdev::<V>::register(&name, Parent::Vf(parent), self.port.dev(), None, init)
    }

    /// Registers the representor netdev of VF `index` on the PF's device,
    /// named `PFrN` (or `svrep%d` when that would not fit), in the PF's
    /// network namespace, with the VF's devlink port (flavour `pcivf`),
    /// which this layer unregisters once the VFs are gone. Under RTNL
    /// (held).
    pub(crate) fn register_rep<R: NetdevOps, I: PinInit<R, Error>>(
        &self,
        index: u16,
        switch_id: &[u8; 8],
        init: impl FnOnce(&Device) -> Result<I>,
    ) -> Result<DevRef<DriverNetdev<R>>> {
        let pf = self.port.pf_dev.as_ref().ok_or(ENODEV)?;
        let mut name = CString::try_from_fmt(fmt!("{}r{}", self.port.dev().name(), index))?;
        if name.to_bytes().len() >= bindings::IFNAMSIZ as usize {
            name = CString::try_from_fmt(fmt!("svrep%d"))?;
        }
        let port = self.devlink.new_vf_port(self.guard, index, switch_id)?;
        let rep =
            DriverNetdev::<R>::register(&name, Parent::Pf(pf), self.port.dev(), Some(&port), init);
        // Kept (registered) even if the netdev failed: dropped with the rest.
        self.port.vf_ports.lock().push(port, GFP_KERNEL)?;
        rep
    }
}

/// Per-device data this layer keeps around the driver's state.
///
/// # Invariants
///
/// - `dev` is the device whose private area points at this value.
/// - While `rx_handler` is set, the uplink's receive handler is
///   `rx_handler_callback::<T>` with this value as its data.
/// - `service` is an initialised delayed work; it is queued (by newlink,
///   then by itself) only from when `live` is first set until `ndo_uninit`
///   cancels it, before the port can be dropped.
///
/// Fields drop in declaration order: the state (and its VF devices) goes
/// before the PF device, its parent.
#[pin_data]
pub(crate) struct LinkDev<T: Driver> {
    /// The devlink ports of the VFs (switchdev mode), changed and emptied
    /// under the instance lock; dropped before the instance.
    #[pin]
    vf_ports: Mutex<KVec<Pin<KBox<VfPort>>>>,
    /// The devlink instance; goes first, since it calls into `state`.
    devlink: SetOnce<Devlink<T>>,
    #[pin]
    pub(super) state: T,
    pf_dev: SetOnce<PfDevice>,
    dev: *mut bindings::net_device,
    tables: *const Tables<T>,
    uplink: DeviceRef,
    rx_handler: AtomicBool,
    upper_linked: AtomicBool,
    /// Registered and not yet being unregistered.
    live: AtomicBool,
    /// The device, for RCU readers while `live` (given to the driver).
    link: Arc<RcuLink<T>>,
    /// Number of the PF's device on the bus (`svnicN`).
    id: u32,
    /// The service task: queued while `live`, cancelled by `ndo_uninit`.
    #[pin]
    service: Opaque<bindings::delayed_work>,
}

// SAFETY: `dev` is only dereferenced under the rules of `Device` (the port
// lives inside its device's lifetime); everything else is `Send + Sync`.
unsafe impl<T: Driver> Send for LinkDev<T> {}
// SAFETY: See above.
unsafe impl<T: Driver> Sync for LinkDev<T> {}

impl<T: Driver> LinkDev<T> {
    /// Registers the PF's parent device and makes it the netdev's parent.
    /// Before `register_netdevice`.
    fn add_pf_device(&self) -> Result {
        let name = pf_device_name(self.id)?;
        // SAFETY: The registration outlives every device of it; `self` is
        // pinned and the PF device is dropped (unregistered) before it.
        let pf = unsafe { PfDevice::new(&(*self.tables).bus, &name, ptr::from_ref(self)) }?;
        // SAFETY: `dev` is not registered yet; SET_NETDEV_DEV.
        unsafe { (*self.dev).dev.parent = pf.as_raw() };
        if !self.pf_dev.populate(pf) {
            return Err(EBUSY);
        }
        Ok(())
    }

    /// Unregisters the VFs' devlink ports (the VFs and representors are
    /// gone); `guard` holds the instance lock.
    fn drop_vf_ports(&self, guard: &DevlGuard<'_>) {
        let ports = core::mem::take(&mut *self.vf_ports.lock());
        for port in ports {
            port.unregister(guard);
        }
    }

    /// Registers the PF's devlink instance on its device. Under RTNL.
    fn add_devlink(&self) -> Result {
        let pf = self.pf_dev.as_ref().ok_or(ENODEV)?;
        // SAFETY: The PF device and the state outlive the instance: fields
        // drop in declaration order, and `devlink` comes first.
        let devlink = unsafe { Devlink::new(pf.as_raw(), &self.state) }?;
        if !self.devlink.populate(devlink) {
            return Err(EBUSY);
        }
        Ok(())
    }

    fn dev(&self) -> &Device {
        // SAFETY: By the type invariant `dev` owns this port, so it is valid
        // while `self` is.
        unsafe { Device::from_raw(self.dev) }
    }

    /// Initialiser of the service task.
    fn service_init() -> impl PinInit<Opaque<bindings::delayed_work>> {
        Opaque::ffi_init(|w: *mut bindings::delayed_work| {
            // SAFETY: `w` is pinned storage for a delayed work.
            unsafe { bindings::svnic_init_delayed_work(w, Some(Self::service_callback)) }
        })
    }

    /// Queues the service task to run in `ms` milliseconds.
    fn service_queue(&self, ms: u32) {
        // SAFETY: The work was initialised in `service_init`; `ndo_uninit`
        // cancels it before the port can go away.
        unsafe { bindings::svnic_schedule_delayed_work_ms(self.service.get(), ms) };
    }

    /// # Safety
    ///
    /// Called by the workqueue for the `service` work of a port, which
    /// `ndo_uninit` cancels (synchronously) before the port goes away.
    unsafe extern "C" fn service_callback(work: *mut bindings::work_struct) {
        // SAFETY: `work` is the first field of the `delayed_work` in the
        // `service` field of a live `LinkDev<T>`.
        let port = unsafe {
            &*kernel::container_of!(
                Opaque::cast_from(work.cast::<bindings::delayed_work>()).cast_mut(),
                Self,
                service
            )
        };
        // `ndo_uninit` cancels this work under RTNL: never wait for it here.
        // SAFETY: No precondition.
        if unsafe { bindings::rtnl_trylock() } == 0 {
            port.service_queue(SERVICE_RETRY_MS);
            return;
        }
        if let (true, Some(devlink)) = (port.live.load(Ordering::Relaxed), port.devlink.as_ref()) {
            // SAFETY: Taken above, released after the call.
            port.state.service(unsafe { Rtnl::assume_held() }, devlink);
        }
        // SAFETY: Taken above.
        unsafe { bindings::rtnl_unlock() };
        port.service_queue(SERVICE_PERIOD_MS);
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
        .map_err(|e| extack.fail(e, UPLINK_IN_USE))?;
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

/// The name of PF device number `id` on the bus.
fn pf_device_name(id: u32) -> Result<CString> {
    CString::try_from_fmt(fmt!("svnic{id}"))
}

impl<T: Driver> Lookup for LinkDev<T> {
    type Ops = T;

    unsafe fn find<'a>(dev: *mut bindings::net_device) -> Option<&'a T> {
        // SAFETY: By the safety requirements.
        unsafe { link_dev::<T>(dev) }.map(|p| &p.state)
    }
}

impl<T: Driver> SriovOps for LinkDev<T> {
    fn total_vfs(&self) -> u16 {
        self.state.total_vfs()
    }

    fn num_vfs(&self) -> u16 {
        self.state.num_vfs()
    }

    fn set_num_vfs(&self, n: u16) -> Result {
        let _rtnl = Rtnl::lock();
        if !self.live.load(Ordering::Relaxed) {
            return Err(ENODEV);
        }
        let devlink = self.devlink.as_ref().ok_or(ENODEV)?;
        let guard = devlink.lock();
        let sriov = Sriov {
            port: self,
            devlink,
            guard: &guard,
        };
        let ret = self.state.set_num_vfs(&sriov, n);
        if self.state.num_vfs() == 0 {
            self.drop_vf_ports(&guard);
        }
        ret
    }
}

/// Reads the port pointer from `dev`'s private area.
///
/// # Safety
///
/// `dev` is a valid device of link type `T`.
unsafe fn link_dev_ptr<T: Driver>(dev: *mut bindings::net_device) -> *mut *mut LinkDev<T> {
    // SAFETY: By the safety requirements `dev` is ours; its private area
    // holds one pointer (`priv_size` of our `rtnl_link_ops`).
    unsafe { netdev_priv(dev).cast() }
}

/// The port of `dev`, if its state was set up.
///
/// # Safety
///
/// `dev` is a valid device of link type `T`, and `'a` ends before its
/// destructor runs.
pub(super) unsafe fn link_dev<'a, T: Driver>(
    dev: *mut bindings::net_device,
) -> Option<&'a LinkDev<T>> {
    // SAFETY: By the safety requirements.
    let p = unsafe { *link_dev_ptr::<T>(dev) };
    // SAFETY: A non-null pointer was made by `into_foreign` in newlink and is
    // freed only by the destructor.
    unsafe { p.as_ref() }
}

/// Initialiser of a NAPI context of `dev` whose poll goes to `T::poll`.
pub(crate) fn new_napi<T: Driver>(dev: &Device) -> impl PinInit<Napi> + use<T> {
    Napi::add(dev, Trampolines::<LinkDev<T>>::poll)
}

/// # Safety
///
/// Called by `__netif_receive_skb` for an uplink bound by `LinkDev::bind`.
unsafe extern "C" fn rx_handler_callback<T: Driver>(
    pskb: *mut *mut bindings::sk_buff,
) -> bindings::rx_handler_result {
    // SAFETY: `pskb` points at the frame being received; we may replace it.
    let raw = unsafe { bindings::svnic_skb_share_check(*pskb) };
    // SAFETY: `skb_share_check` returned a buffer we own, or null if it freed it.
    let Some(skb) = (unsafe { SkBuff::from_raw(raw) }) else {
        return bindings::rx_handler_result_RX_HANDLER_CONSUMED;
    };
    // SAFETY: The handler's data is the `LinkDev<T>` that registered it; it stays
    // valid until `unbind` unregisters the handler and waits for us.
    let port = unsafe { &*(bindings::svnic_rx_handler_data(skb.dev_raw()) as *const LinkDev<T>) };
    // SAFETY: Receive handlers run in softirq (`netif_receive_skb`'s
    // context), for the call.
    let bh = unsafe { Bh::assume() };
    match port.state.uplink_rx(bh, port.dev(), skb) {
        RxAction::Consumed => bindings::rx_handler_result_RX_HANDLER_CONSUMED,
        RxAction::Pass(skb) => {
            // SAFETY: `pskb` is ours to update with the buffer we pass on.
            unsafe { *pskb = skb.into_raw() };
            bindings::rx_handler_result_RX_HANDLER_PASS
        }
    }
}

/// The callbacks of one registered link type.
pub(super) struct Adapter<T: Driver>(PhantomData<T>);

impl<T: Driver> Adapter<T> {
    const NETDEV_OPS: bindings::net_device_ops = bindings::net_device_ops {
        ndo_uninit: Some(Self::uninit_callback),
        ndo_get_iflink: Some(Self::get_iflink_callback),
        ndo_set_vf_mac: Some(Self::set_vf_mac_callback),
        ndo_set_vf_spoofchk: Some(Self::set_vf_spoofchk_callback),
        ndo_set_vf_trust: Some(Self::set_vf_trust_callback),
        ndo_set_vf_link_state: Some(Self::set_vf_link_state_callback),
        ndo_set_vf_vlan: Some(Self::set_vf_vlan_callback),
        ndo_set_vf_rate: Some(Self::set_vf_rate_callback),
        ndo_bridge_setlink: Some(Self::bridge_setlink_callback),
        ndo_bridge_getlink: Some(Self::bridge_getlink_callback),
        ndo_get_vf_config: Some(Self::get_vf_config_callback),
        ndo_get_vf_stats: Some(Self::get_vf_stats_callback),
        ..Trampolines::<LinkDev<T>>::OPS
    };

    const ETHTOOL_OPS: &'static bindings::ethtool_ops = &Trampolines::<LinkDev<T>>::ETHTOOL;
    const STAT_OPS: &'static bindings::netdev_stat_ops = &Trampolines::<LinkDev<T>>::STAT_OPS;

    /// # Safety
    ///
    /// Called by `rtnl_create_link` with a freshly allocated device.
    unsafe extern "C" fn setup_callback(dev: *mut bindings::net_device) {
        // SAFETY: `dev` is valid and not registered; we own its setup.
        unsafe {
            bindings::ether_setup(dev);
            (*dev).ethtool_ops = Self::ETHTOOL_OPS;
            (*dev).stat_ops = Self::STAT_OPS;
            (*dev).needs_free_netdev = true;
            (*dev).priv_destructor = Some(Self::destructor_callback);
            super::ops::setup_features::<T>(dev);
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
            let (net, link, mtu_asked) = unsafe {
                let p = &*params;
                let net = if p.link_net.is_null() {
                    p.src_net
                } else {
                    p.link_net
                };
                (
                    net,
                    *p.tb.add(bindings::IFLA_LINK as usize),
                    !(*p.tb.add(bindings::IFLA_MTU as usize)).is_null(),
                )
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
            let (dev_type, flags, same_kind, claimed) = unsafe {
                (
                    (*up).type_,
                    (*up).flags,
                    ptr::eq((*up).rtnl_link_ops, (*dev).rtnl_link_ops),
                    (*up).rx_handler.is_some(),
                )
            };
            if same_kind {
                return Err(extack.fail(ELOOP, c"svnic: the uplink cannot be an svnic device"));
            }
            if u32::from(dev_type) != bindings::ARPHRD_ETHER
                || flags & bindings::net_device_flags_IFF_LOOPBACK != 0
            {
                return Err(extack.fail(EINVAL, c"svnic: the uplink must be an Ethernet device"));
            }
            if claimed {
                return Err(extack.fail(EBUSY, UPLINK_IN_USE));
            }
            // The uplink is the wire: the device's MTU stays within the
            // uplink's, as a macvlan's within its lower device's; without
            // `mtu`, a smaller uplink's is the default.
            // SAFETY: Both devices are valid, RTNL is held and `dev` is not
            // registered yet.
            unsafe {
                let up_mtu = (*up).mtu;
                if (*dev).mtu > up_mtu {
                    if mtu_asked {
                        return Err(
                            extack.fail(EINVAL, c"svnic: the PF's MTU cannot exceed its uplink's")
                        );
                    }
                    (*dev).mtu = up_mtu;
                }
                (*dev).max_mtu = up_mtu.min(MAX_MTU);
            }
            // SAFETY: `dev` was created by rtnetlink from our `rtnl_link_ops`,
            // the first field of our pinned `Tables`, which outlive it.
            let tables = unsafe { (*dev).rtnl_link_ops.cast::<Tables<T>>() };
            // SAFETY: `dev` is valid and not registered; the operations
            // live in the registration, which outlives every device of it.
            let this = unsafe {
                (*dev).netdev_ops = (*tables).netdev_ops.get();
                Device::from_raw(dev)
            };
            // SAFETY: `tables` is valid (see above).
            let (id, debugfs) = unsafe {
                (
                    (*tables).next_id.fetch_add(1, Ordering::Relaxed),
                    &(*tables).debugfs,
                )
            };
            let name = pf_device_name(id)?;
            let ctx = NewLink {
                debugfs,
                name: &name,
            };
            let init = T::new(this, uplink, &ctx)?;
            // INVARIANT: null until the device is registered with its state.
            let link = Arc::new(
                RcuLink {
                    dev: AtomicPtr::new(ptr::null_mut()),
                    _p: PhantomData,
                },
                GFP_KERNEL,
            )?;
            let boxed = KBox::pin_init(
                try_pin_init!(LinkDev::<T> {
                    vf_ports <- new_mutex!(KVec::new(), "svnic_vf_ports"),
                    devlink: SetOnce::new(),
                    state <- init,
                    pf_dev: SetOnce::new(),
                    dev,
                    tables,
                    uplink: DeviceRef::new(uplink),
                    rx_handler: AtomicBool::new(false),
                    upper_linked: AtomicBool::new(false),
                    live: AtomicBool::new(false),
                    link,
                    id,
                    service <- LinkDev::<T>::service_init(),
                }? Error),
                GFP_KERNEL,
            )?;
            let raw = boxed.into_foreign();
            // SAFETY: `dev` is ours; its private area holds one pointer.
            unsafe { *link_dev_ptr::<T>(dev) = raw.cast() };
            // SAFETY: The pointer was just stored.
            let port = unsafe { link_dev::<T>(dev) }.ok_or(EINVAL)?;
            if let Err(e) = port.add_pf_device() {
                // SAFETY: Not registered: nothing else refers to the port.
                unsafe { Self::destructor_callback(dev) };
                return Err(extack.fail(e, c"svnic: cannot create the PF's device"));
            }
            // SAFETY: `dev` is valid, set up and RTNL is held.
            let ret = unsafe { bindings::register_netdevice(dev) };
            if ret < 0 {
                // SAFETY: The device never got registered, so nothing else
                // refers to the port; free it (and the PF device).
                unsafe { Self::destructor_callback(dev) };
                return Err(Error::from_errno(ret));
            }
            if let Err(e) = port.bind(&extack) {
                // SAFETY: The device is registered and RTNL is held;
                // `ndo_uninit` undoes the partial bind, the destructor frees
                // the port.
                unsafe { bindings::unregister_netdevice_queue(dev, ptr::null_mut()) };
                return Err(e);
            }
            if let Err(e) = port.add_devlink() {
                // SAFETY: As above.
                unsafe { bindings::unregister_netdevice_queue(dev, ptr::null_mut()) };
                return Err(extack.fail(e, c"svnic: cannot register the PF's devlink instance"));
            }
            port.live.store(true, Ordering::Relaxed);
            // INVARIANT: registered, state set; `ndo_uninit` clears it.
            port.link.dev.store(dev, Ordering::Release);
            // SAFETY: `newlink` runs under RTNL.
            let rtnl = unsafe { Rtnl::assume_held() };
            port.state.registered(rtnl, port.link.clone());
            port.service_queue(SERVICE_PERIOD_MS);
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the core while unregistering `dev` (or failing to register it).
    unsafe extern "C" fn uninit_callback(dev: *mut bindings::net_device) {
        // SAFETY: `dev` is ours and its destructor has not run.
        if let Some(p) = unsafe { link_dev::<T>(dev) } {
            // INVARIANT: cleared for good; the core waits for a grace
            // period before it frees the device.
            p.link.dev.store(ptr::null_mut(), Ordering::Release);
            if p.live.swap(false, Ordering::Relaxed) {
                // SAFETY: Initialised with the port. The work never waits
                // for RTNL (held here), so this cannot deadlock; once it
                // returns the work is neither queued nor running, and it
                // queues itself only while running.
                unsafe { bindings::cancel_delayed_work_sync(p.service.get()) };
                // The VFs go under the devlink lock, as in `set_num_vfs`.
                match p.devlink.as_ref() {
                    Some(devlink) => {
                        let guard = devlink.lock();
                        p.state.teardown();
                        p.drop_vf_ports(&guard);
                    }
                    None => p.state.teardown(),
                }
            }
            p.unbind();
        }
    }

    /// # Safety
    ///
    /// Called by `netdev_run_todo` after `dev` is unregistered, before it is
    /// freed, without RTNL; or by newlink for a device never registered.
    unsafe extern "C" fn destructor_callback(dev: *mut bindings::net_device) {
        // SAFETY: `dev` is ours. Nothing refers to the port any more: the
        // receive handler was removed in `ndo_uninit`, NAPI is disabled,
        // every `DevRef` is gone (the core waited for them).
        unsafe {
            let slot = link_dev_ptr::<T>(dev);
            let raw = *slot;
            *slot = ptr::null_mut();
            if !raw.is_null() {
                drop(<Pin<KBox<LinkDev<T>>>>::from_foreign(raw.cast()));
            }
        }
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_get_iflink`.
    unsafe extern "C" fn get_iflink_callback(dev: *const bindings::net_device) -> c_int {
        // SAFETY: `dev` is ours and registered.
        match unsafe { link_dev::<T>(dev.cast_mut()) } {
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
        let port = unsafe { &*(bindings::svnic_rx_handler_data(up) as *const LinkDev<T>) };
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
                port.state.uplink_changed();
            }
            bindings::netdev_cmd_NETDEV_CHANGEMTU => {
                // The device follows its uplink's MTU down, as a VLAN device
                // does, and may go up to it.
                // SAFETY: Both devices are registered and RTNL is held.
                unsafe {
                    let up_mtu = (*up).mtu;
                    (*port.dev).max_mtu = up_mtu.min(MAX_MTU);
                    if (*port.dev).mtu > up_mtu {
                        // Within [min_mtu, max_mtu]: cannot fail but for a
                        // notifier's veto, which leaves the larger MTU.
                        let _ = bindings::dev_set_mtu(port.dev, up_mtu as c_int);
                    }
                }
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
pub(crate) struct Tables<T: Driver> {
    #[pin]
    rtnl: Opaque<bindings::rtnl_link_ops>,
    #[pin]
    netdev_ops: Opaque<bindings::net_device_ops>,
    #[pin]
    notifier: Opaque<bindings::notifier_block>,
    bus: Bus<LinkDev<T>>,
    next_id: AtomicU32,
    debugfs: Dir,
}

/// A registered link type: the `svnic` bus, `rtnl_link_ops` and a
/// netdevice notifier.
///
/// # Invariants
///
/// The bus, the link type and the notifier in `tables` are registered until
/// `drop`.
pub(crate) struct Registration<T: Driver> {
    tables: Pin<KBox<Tables<T>>>,
}

// SAFETY: The registration only unregisters on drop, which may happen on any thread.
unsafe impl<T: Driver> Send for Registration<T> {}
// SAFETY: `&Registration` gives access to nothing.
unsafe impl<T: Driver> Sync for Registration<T> {}

impl<T: Driver> Registration<T> {
    /// Registers link type `T` and its bus.
    pub(crate) fn new() -> Result<Self> {
        let bus = Bus::new()?;
        let tables = KBox::pin_init(
            pin_init!(Tables::<T> {
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
                bus,
                next_id: AtomicU32::new(0),
                debugfs: Dir::new(T::KIND),
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
        // INVARIANT: everything is registered.
        Ok(Self { tables })
    }
}

impl<T: Driver> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant both are registered. Unregistering
        // the link type deletes every device of it first (and runs their
        // destructors), so no port or bus device is left; the bus goes
        // with the tables.
        unsafe {
            bindings::rtnl_link_unregister(self.tables.rtnl.get());
            bindings::unregister_netdevice_notifier(self.tables.notifier.get());
        }
    }
}
