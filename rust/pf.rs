// SPDX-License-Identifier: GPL-2.0

//! The physical function: `ip link add NAME link UPLINK type svnic`.
//!
//! The PF is the host's port on the device and owns the embedded switch
//! ([`crate::eswitch`]) and the VFs (`sriov_numvfs`). Frames it transmits go
//! through the switch (to a VF, or out of the uplink); frames the switch
//! delivers to it are put on its RX ring and handed to the stack by its
//! NAPI poll, with GRO. The uplink's receive handler feeds the switch.

use crate::{
    eswitch::{Eswitch, PortRef, PortSet},
    fault::{PfFaults, UplinkEvent},
    fdb::PortId,
    flower::Flows,
    net::{
        device::{AddrLists, Device, DeviceRef},
        devlink::{Devlink, DevlinkOps, DevlinkPortOps, EswitchMode, Fmsg, HealthOps},
        ether::MacAddr,
        ethtool::{CoalesceParams, EthtoolOps, HistRange, RingParams, StdStats},
        flower::ClsFlower,
        link::{self, NewLink, RcuLink, RxAction, Sriov},
        lock::Bh,
        napi::Poll,
        netdev::{DevRef, DriverNetdev},
        ops::{LinkStats, NetdevOps},
        rtnl::{ExtAck, Rtnl},
        skb::SkBuff,
        sriov::VfDevice,
        vf_ndo::{SwitchMode, VfChange, VfInfo, VfStats},
        xdp::Xdp,
    },
    rate,
    rep::Rep,
    rxq::{RxQueue, RxQueueOwner},
    stats::{self, STAT_NAMES},
    vf::Vf,
    vlan::{PortVlan, VlanProto},
};
use core::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, Ordering::Relaxed};
use kernel::{
    debugfs::{Dir, Scope},
    new_mutex,
    prelude::*,
    str::CString,
    sync::{Arc, Mutex},
    time::{Instant, Monotonic},
};

/// A reference to a VF netdev.
type VfRef = DevRef<DriverNetdev<Vf>>;

/// A reference to a representor netdev.
type RepRef = DevRef<DriverNetdev<Rep>>;

/// The VFs of a PF: representors (switchdev mode), netdevs and their
/// parent devices, index = VF number.
///
/// Fields drop in declaration order: netdev references before devices.
struct VfSet {
    reps: KVec<RepRef>,
    netdevs: KVec<VfRef>,
    devices: KVec<VfDevice>,
}

/// State of one PF.
///
/// Locking: `vfs` is taken under RTNL (configuration paths) or the devlink
/// instance lock (the eswitch mode), which comes after RTNL; the RX ring's
/// is a leaf spinlock taken with interrupts off on the data path.
#[pin_data]
pub(crate) struct Pf {
    esw: Arc<Eswitch>,
    /// The receive side and the counters.
    #[pin]
    rxq: RxQueue,
    /// The offloaded rules of its ingress (switchdev mode): for the
    /// uplink's frames.
    flows: Flows,
    #[pin]
    vfs: Mutex<VfSet>,
    /// The PF as a port of its switch, which does not keep it alive (until
    /// teardown).
    #[pin]
    me: Mutex<Option<PortRef>>,
    total_vfs: u16,
    /// `vfs.netdevs.len()`, readable without the lock (atomic context).
    num_vfs: AtomicU16,
    /// Whether the PF's address was added to the uplink's unicast filter.
    uc_added: AtomicBool,
    /// Fault injection (`/sys/kernel/debug/svnic/NAME`).
    #[pin]
    faults: Scope<PfFaults>,
    /// The driver's debugfs directory, where VFs put theirs.
    debugfs: Dir,
    /// When the PF was made: the origin of the fault clock.
    born: Instant<Monotonic>,
    /// The uplink carrier the VFs were last given (by `sync_vf_carriers`).
    vfs_uplink_carrier: AtomicBool,
    /// [`Pf::link_mbps`] when last read under RTNL, for devlink's rate
    /// requests, which come without it.
    link_mbps_cached: AtomicU32,
    /// devlink's `vf_tx_skb_sharing`: whether the VFs take buffers their
    /// sender goes on holding. Changed only while there are no VFs (under
    /// the VF lock), so every VF has the value it was made with.
    vf_tx_skb_sharing: AtomicBool,
}

/// The extack message of a devlink rate that is not whole Mbit/s.
const RATE_UNIT: &CStr = c"svnic: rates are whole Mbit/s (multiples of 125000 bytes/s)";

/// The extack message of a devlink rate the link or the other VFs refuse.
const RATE_REFUSED: &CStr =
    c"svnic: tx_share over tx_max, a rate over the link speed, or the VFs' tx_share over the link";

/// The switch sees the PF, the host's port (the uplink's representor in
/// switchdev mode), through its receive side.
impl RxQueueOwner for Pf {
    fn rx_queue(&self) -> &RxQueue {
        &self.rxq
    }

    fn flows(&self) -> &Flows {
        &self.flows
    }
}

impl Pf {
    fn uplink(&self) -> &DeviceRef {
        self.esw.uplink()
    }

    fn uplink_mac_filter_add(&self, addr: &MacAddr) -> Result {
        if *addr != self.uplink().mac() {
            self.uplink().uc_add(addr)?;
            self.uc_added.store(true, Relaxed);
        }
        Ok(())
    }

    /// Publishes the PF and `vfs` to the switch. Under RTNL.
    fn publish(&self, vfs: &VfSet) -> Result {
        let mut set = PortSet::pf_only(self.me.lock().clone());
        set.vfs.reserve(vfs.netdevs.len(), GFP_KERNEL)?;
        for vf in vfs.netdevs.iter() {
            set.vfs
                .push(Arc::new(vf.clone(), GFP_KERNEL)?, GFP_KERNEL)?;
        }
        set.reps.reserve(vfs.reps.len(), GFP_KERNEL)?;
        for rep in vfs.reps.iter() {
            set.reps
                .push(Arc::new(rep.clone(), GFP_KERNEL)?, GFP_KERNEL)?;
        }
        self.esw.publish(set)
    }

    /// Removes every VF: out of the switch first, then unregistered, each
    /// after its representor. Under RTNL.
    fn remove_vfs(&self, vfs: &mut VfSet) {
        let _ = self.esw.publish(PortSet::pf_only(self.me.lock().clone()));
        for rep in vfs.reps.iter() {
            rep.unregister();
        }
        for vf in vfs.netdevs.iter() {
            vf.unregister();
        }
        self.num_vfs.store(0, Relaxed);
        self.esw.link_budget().set_rate(0);
        vfs.reps.clear();
        vfs.netdevs.clear();
        vfs.devices.clear();
    }

    /// Creates VFs `0..n`, and their representors in switchdev mode; on
    /// failure removes the ones made. Under RTNL.
    fn add_vfs(&self, sriov: &Sriov<'_, Self>, vfs: &mut VfSet, n: u16) -> Result {
        let switchdev = self.esw.switchdev();
        let sharing = self.vf_tx_skb_sharing.load(Relaxed);
        for i in 0..n {
            let made = sriov.new_vf_device(i).and_then(|parent| {
                self.faults.vf_create(i)?;
                let esw = self.esw.clone();
                let name = sriov.vf_device_name(i)?;
                let netdev = sriov.register_vf(i, &parent, |dev| {
                    Vf::new(dev, i, esw, &self.faults, &self.debugfs, &name, sharing)
                })?;
                Ok((parent, netdev))
            });
            let (parent, netdev) = match made {
                Ok(m) => m,
                Err(e) => {
                    self.remove_vfs(vfs);
                    return Err(e);
                }
            };
            if let Err(e) = vfs
                .devices
                .push(parent, GFP_KERNEL)
                .and_then(|()| vfs.netdevs.push(netdev, GFP_KERNEL))
            {
                self.remove_vfs(vfs);
                return Err(e.into());
            }
            if switchdev {
                let esw = self.esw.clone();
                let made = sriov
                    .register_rep(i, &self.esw.id(), |dev| Rep::new(dev, i, esw))
                    .and_then(|rep| Ok(vfs.reps.push(rep, GFP_KERNEL)?));
                if let Err(e) = made {
                    self.remove_vfs(vfs);
                    return Err(e);
                }
            }
        }
        if let Err(e) = self.publish(vfs) {
            self.remove_vfs(vfs);
            return Err(e);
        }
        self.num_vfs.store(n, Relaxed);
        Ok(())
    }

    /// The speed of the link the VFs share, in Mbit/s (0: unknown): the
    /// `link_mbps` module parameter, else the uplink's ethtool speed.
    /// Remembered for [`Pf::set_vf_rates`] from devlink.
    fn link_mbps(&self, rtnl: &Rtnl) -> u32 {
        let mbps = match crate::module_parameters::link_mbps.value() {
            0 => self.uplink().speed_mbps(rtnl),
            mbps => mbps,
        };
        self.link_mbps_cached.store(mbps, Relaxed);
        mbps
    }

    /// `ip link set PF vf N min_tx_rate A max_tx_rate B`, or a devlink rate
    /// leaf's `tx_share`/`tx_max`: checks the rates against the link
    /// (`link` Mbit/s) and the other VFs' minimums, applies them, and puts
    /// the link budget in use while some VF has a minimum.
    fn set_vf_rates(&self, vf: u16, min: u32, max: u32, link: u32) -> Result {
        let vfs = self.vfs.lock();
        let target = vfs.netdevs.get(usize::from(vf)).ok_or(EINVAL)?;
        let target = target.state().ok_or(ENODEV)?;
        if min != 0 && link == 0 {
            // Nothing to guarantee a share of.
            return Err(EINVAL);
        }
        rate::check_rates(min, max, link)?;
        let mut mins = KVec::with_capacity(vfs.netdevs.len(), GFP_KERNEL)?;
        for (i, other) in vfs.netdevs.iter().enumerate() {
            let m = if i == usize::from(vf) {
                min
            } else {
                other.state().map_or(0, |s| s.rates().0)
            };
            mins.push(m, GFP_KERNEL)?;
        }
        rate::check_min_sum(&mins, link)?;
        target.set_rates(min, max);
        let shared = mins.iter().any(|&m| m != 0);
        self.esw
            .link_budget()
            .set_rate(if shared { link } else { 0 });
        Ok(())
    }

    /// A devlink rate leaf's `tx_share` (`share`) or `tx_max` for VF `vf`;
    /// its other rate stays. Under the devlink instance lock, not RTNL:
    /// the link speed is the one last read.
    fn set_vf_leaf_rate(
        &self,
        vf: u16,
        bytes_per_sec: u64,
        share: bool,
        extack: &ExtAck,
    ) -> Result {
        let mbps =
            rate::bytes_to_mbps(bytes_per_sec).ok_or_else(|| extack.fail(EINVAL, RATE_UNIT))?;
        let (min, max) = self.with_vf(vf, |state, _| Ok(state.rates()))?;
        let (min, max) = if share { (mbps, max) } else { (min, mbps) };
        self.set_vf_rates(vf, min, max, self.link_mbps_cached.load(Relaxed))
            .map_err(|e| extack.fail(e, RATE_REFUSED))
    }

    /// Milliseconds since the PF was made.
    fn fault_clock_ms(&self) -> u64 {
        u64::try_from(self.born.elapsed().as_millis()).unwrap_or(0)
    }

    /// Gives every VF the carrier its link state and the uplink's call for.
    /// Under RTNL.
    fn sync_vf_carriers(&self) {
        self.vfs_uplink_carrier
            .store(self.uplink().carrier_ok(), Relaxed);
        let vfs = self.vfs.lock();
        for vf in vfs.netdevs.iter() {
            if let Some(state) = vf.state() {
                state.update_carrier(vf.dev());
            }
        }
    }

    /// Runs `f` on VF `vf`. Under RTNL.
    fn with_vf<R>(&self, vf: u16, f: impl FnOnce(&Vf, &Device) -> Result<R>) -> Result<R> {
        let vfs = self.vfs.lock();
        let r = vfs.netdevs.get(usize::from(vf)).ok_or(EINVAL)?;
        let state = r.state().ok_or(ENODEV)?;
        f(state, r.dev())
    }
}

#[vtable]
impl NetdevOps for Pf {
    fn open(&self, dev: &Device) -> Result {
        self.uplink_mac_filter_add(&dev.mac())?;
        if let Err(e) = self.rxq.open() {
            if self.uc_added.swap(false, Relaxed) {
                let _ = self.uplink().uc_del(&dev.mac());
            }
            return Err(e);
        }
        dev.transfer_operstate(self.uplink());
        Ok(())
    }

    fn stop(&self, dev: &Device) {
        self.rxq.stop();
        self.uplink().unsync_addr_lists(dev);
        if self.uc_added.swap(false, Relaxed) {
            let _ = self.uplink().uc_del(&dev.mac());
        }
    }

    fn start_xmit(&self, bh: Bh<'_>, _dev: &Device, skb: SkBuff, _more: bool) {
        self.rxq.stats.tx_unparsed(&skb);
        self.esw.tx_from_pf(bh, skb);
    }

    fn poll(&self, poll: &Poll<'_>, budget: i32) -> i32 {
        self.rxq.poll(poll, budget)
    }

    fn set_rx_mode(&self, _dev: &Device, addrs: &AddrLists<'_>) {
        addrs.sync_to(self.uplink());
    }

    fn set_mac(&self, dev: &Device, old: &MacAddr, new: &MacAddr) -> Result {
        // A VF's address: the switch could not tell the two apart.
        if self.esw.mac_in_use(new, PortId::Pf) {
            return Err(EADDRINUSE);
        }
        if dev.is_running() {
            let had_old = self.uc_added.swap(false, Relaxed);
            if let Err(e) = self.uplink_mac_filter_add(new) {
                self.uc_added.store(had_old, Relaxed);
                return Err(e);
            }
            if had_old {
                let _ = self.uplink().uc_del(old);
            }
        }
        Ok(())
    }

    fn mac_changed(&self, _dev: &Device) {
        let _ = self.esw.refresh();
    }

    fn stats(&self, _dev: &Device) -> LinkStats {
        self.rxq.stats.link_stats()
    }

    fn xdp(&self) -> &Xdp {
        &self.rxq.xdp
    }

    // In switchdev mode the PF is the uplink representor.
    fn phys_port_name(&self) -> Option<CString> {
        self.esw
            .switchdev()
            .then(|| CString::try_from_fmt(fmt!("p0")).ok())
            .flatten()
    }

    fn switch_id(&self) -> Option<[u8; 8]> {
        self.esw.switchdev().then(|| self.esw.id())
    }

    fn flower(&self, _dev: &Device, cls: &ClsFlower<'_>) -> Result {
        self.esw.flower(&self.flows, cls)
    }
}

// The PF transmits straight into the switch: it has no TX ring.
#[vtable]
impl EthtoolOps for Pf {
    const STAT_NAMES: &'static [&'static CStr] = STAT_NAMES;

    fn rings(&self) -> RingParams {
        self.rxq.rings()
    }

    fn set_rings(&self, _dev: &Device, rx: u32, _tx: u32, extack: &ExtAck) -> Result {
        self.rxq.set_rings(rx, || self.faults.ring_alloc(), extack)
    }

    fn rx_coalesce(&self) -> CoalesceParams {
        self.rxq.coalesce()
    }

    fn set_coalesce(
        &self,
        _dev: &Device,
        rx: CoalesceParams,
        _tx: Option<CoalesceParams>,
        extack: &ExtAck,
    ) -> Result {
        self.rxq.set_coalesce(rx, extack)
    }

    fn ethtool_stats(&self, out: &mut [u64]) {
        self.rxq.ethtool_stats(out);
    }

    const RMON_RANGES: &'static [HistRange] = stats::RMON_RANGES;

    fn std_stats(&self) -> StdStats {
        self.rxq.stats.std_stats()
    }
}

impl DevlinkOps for Pf {
    fn eswitch_mode(&self) -> EswitchMode {
        if self.esw.switchdev() {
            EswitchMode::Switchdev
        } else {
            EswitchMode::Legacy
        }
    }

    fn set_eswitch_mode(&self, mode: EswitchMode, extack: &ExtAck) -> Result {
        let on = match mode {
            EswitchMode::Legacy => false,
            EswitchMode::Switchdev => true,
            EswitchMode::SwitchdevInactive => {
                return Err(extack.fail(
                    EOPNOTSUPP,
                    c"svnic: the switchdev_inactive eswitch mode is not supported",
                ))
            }
        };
        // The VF lock keeps `sriov_numvfs` from changing meanwhile.
        let vfs = self.vfs.lock();
        if self.esw.switchdev() == on {
            return Ok(());
        }
        if !vfs.netdevs.is_empty() {
            return Err(extack.fail(
                EBUSY,
                c"svnic: set sriov_numvfs to 0 before changing the eswitch mode",
            ));
        }
        self.esw.set_switchdev(on)
    }

    fn vf_tx_skb_sharing(&self) -> bool {
        self.vf_tx_skb_sharing.load(Relaxed)
    }

    fn set_vf_tx_skb_sharing(&self, on: bool, extack: &ExtAck) -> Result {
        // The VF lock keeps `sriov_numvfs` from changing meanwhile.
        let vfs = self.vfs.lock();
        if self.vf_tx_skb_sharing.load(Relaxed) == on {
            return Ok(());
        }
        if !vfs.netdevs.is_empty() {
            return Err(extack.fail(
                EBUSY,
                c"svnic: set sriov_numvfs to 0 before changing vf_tx_skb_sharing",
            ));
        }
        self.vf_tx_skb_sharing.store(on, Relaxed);
        Ok(())
    }
}

impl DevlinkPortOps for Pf {
    // Not through the VF lock: the core asks while the VF is being made
    // (the port's and the representor's registration notify), and the
    // lock is held then.
    fn vf_hw_addr(&self, vf: u16) -> Result<MacAddr> {
        self.esw.vf_mac(vf).ok_or(EOPNOTSUPP)
    }

    // Through the switch's snapshot, as `vf_hw_addr`.
    fn vf_fn_active(&self, vf: u16) -> Result<bool> {
        self.esw.vf_active(vf).ok_or(EOPNOTSUPP)
    }

    fn set_vf_fn_active(&self, vf: u16, active: bool, _extack: &ExtAck) -> Result {
        self.with_vf(vf, |state, dev| {
            state.set_active(dev, active);
            Ok(())
        })
    }

    fn set_vf_tx_share(&self, vf: u16, bytes_per_sec: u64, extack: &ExtAck) -> Result {
        self.set_vf_leaf_rate(vf, bytes_per_sec, true, extack)
    }

    fn set_vf_tx_max(&self, vf: u16, bytes_per_sec: u64, extack: &ExtAck) -> Result {
        self.set_vf_leaf_rate(vf, bytes_per_sec, false, extack)
    }
}

impl HealthOps for Pf {
    fn tx_recover(&self, vf: Option<u16>, _extack: &ExtAck) -> Result {
        let vfs = self.vfs.lock();
        for (i, r) in vfs.netdevs.iter().enumerate() {
            if vf.is_some_and(|vf| usize::from(vf) != i) {
                continue;
            }
            if let Some(state) = r.state() {
                state.reset_tx(r.dev());
            }
        }
        Ok(())
    }

    fn tx_diagnose(&self, fmsg: &mut Fmsg<'_>) -> Result {
        self.tx_dump(None, fmsg)
    }

    fn tx_dump(&self, vf: Option<u16>, fmsg: &mut Fmsg<'_>) -> Result {
        let vfs = self.vfs.lock();
        fmsg.arr_start(c"vfs");
        for (i, r) in vfs.netdevs.iter().enumerate() {
            if vf.is_some_and(|vf| usize::from(vf) != i) {
                continue;
            }
            if let Some(state) = r.state() {
                state.tx_health(r.dev(), fmsg);
            }
        }
        fmsg.arr_end();
        Ok(())
    }
}

impl link::Driver for Pf {
    const KIND: &'static CStr = c"svnic";

    fn new(dev: &Device, uplink: &Device, ctx: &NewLink<'_>) -> Result<impl PinInit<Self, Error>> {
        // The switch ID: "sv" and the PF's first address, unique per PF.
        let mac = dev.mac();
        let id = [b's', b'v', mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]];
        let esw = Arc::pin_init(Eswitch::new(DeviceRef::new(uplink), id)?, GFP_KERNEL)?;
        let vfs = VfSet {
            reps: KVec::new(),
            netdevs: KVec::new(),
            devices: KVec::new(),
        };
        Ok(try_pin_init!(Self {
            esw,
            rxq <- RxQueue::new(link::new_napi::<Self>(dev))?,
            flows: Flows::new()?,
            vfs <- new_mutex!(vfs, "svnic_pf_vfs"),
            me <- new_mutex!(None, "svnic_pf_me"),
            total_vfs: crate::module_parameters::total_vfs.value().clamp(1, 256),
            num_vfs: AtomicU16::new(0),
            uc_added: AtomicBool::new(false),
            faults <- PfFaults::scope(ctx.debugfs, ctx.name),
            debugfs: ctx.debugfs.clone(),
            born: Instant::now(),
            vfs_uplink_carrier: AtomicBool::new(uplink.carrier_ok()),
            link_mbps_cached: AtomicU32::new(0),
            vf_tx_skb_sharing: AtomicBool::new(false),
        }? Error))
    }

    fn registered(&self, rtnl: &Rtnl, me: Arc<RcuLink<Self>>) {
        self.link_mbps(rtnl);
        *self.me.lock() = Some(me);
        let vfs = self.vfs.lock();
        let _ = self.publish(&vfs);
    }

    fn teardown(&self) {
        let mut vfs = self.vfs.lock();
        self.remove_vfs(&mut vfs);
        drop(vfs);
        let _ = self.esw.clear();
        *self.me.lock() = None;
    }

    fn uplink_rx(&self, bh: Bh<'_>, _dev: &Device, skb: SkBuff) -> RxAction {
        match self.esw.rx_from_uplink(bh, skb) {
            Some(skb) => RxAction::Pass(skb),
            None => RxAction::Consumed,
        }
    }

    fn uplink_changed(&self) {
        // Lost (like a link interrupt; `service` repairs it) or queued
        // (`service` delivers it) if injected.
        if self.faults.uplink_event(self.fault_clock_ms()) == UplinkEvent::Deliver {
            self.sync_vf_carriers();
        }
    }

    fn service(&self, rtnl: &Rtnl, devlink: &Devlink<Self>) {
        // TX watchdog timeouts of the VFs go to devlink health, whose
        // recovery (`tx_recover`) takes the VF lock: not held here.
        // A TX ring that a stall left, once the stall ended, is polled
        // again.
        for vf in 0..self.num_vfs.load(Relaxed) {
            let timed_out = self.with_vf(vf, |state, _| {
                state.rearm();
                Ok(state.take_tx_timeout())
            });
            if timed_out == Ok(true) {
                devlink.report_tx_timeout(vf);
            }
        }
        // The uplink's link state is re-read whatever the notifications
        // said, as a NIC driver's watchdog polls the PHY; a change found
        // is passed on like a notification (late ones stay late).
        self.link_mbps(rtnl);
        let changed = self.uplink().carrier_ok() != self.vfs_uplink_carrier.load(Relaxed);
        if self.faults.service(self.fault_clock_ms(), changed) == UplinkEvent::Deliver {
            self.sync_vf_carriers();
        }
    }

    fn total_vfs(&self) -> u16 {
        self.total_vfs
    }

    fn num_vfs(&self) -> u16 {
        self.num_vfs.load(Relaxed)
    }

    fn set_num_vfs(&self, sriov: &Sriov<'_, Self>, n: u16) -> Result {
        if n > self.total_vfs {
            return Err(ERANGE);
        }
        let mut vfs = self.vfs.lock();
        let cur = vfs.netdevs.len();
        if usize::from(n) == cur {
            return Ok(());
        }
        if n != 0 && cur != 0 {
            return Err(EBUSY);
        }
        if n == 0 {
            self.remove_vfs(&mut vfs);
            return Ok(());
        }
        self.add_vfs(sriov, &mut vfs, n)
    }

    fn bridge_mode(&self) -> SwitchMode {
        self.esw.mode()
    }

    fn set_bridge_mode(&self, mode: SwitchMode) -> Result {
        // In switchdev mode software on the representors does the
        // switching: there is no VEB or VEPA to choose.
        if self.esw.switchdev() {
            return Err(EOPNOTSUPP);
        }
        self.esw.set_mode(mode)
    }

    fn vf_info(&self, vf: u16) -> Result<VfInfo> {
        self.with_vf(vf, |state, dev| Ok(state.info(dev)))
    }

    fn vf_stats(&self, vf: u16) -> Result<VfStats> {
        self.with_vf(vf, |state, _| Ok(state.counters().vf_stats()))
    }

    fn set_vf(&self, rtnl: &Rtnl, vf: u16, change: VfChange) -> Result {
        if let VfChange::Rate { min, max } = change {
            return self.set_vf_rates(vf, min, max, self.link_mbps(rtnl));
        }
        self.with_vf(vf, |state, dev| {
            match change {
                VfChange::Mac(mac) => state.assign_mac(rtnl, dev, &mac)?,
                VfChange::SpoofChk(on) => state.set_spoofchk(on),
                VfChange::Trust(on) => state.set_trusted(on),
                VfChange::LinkState(ls) => state.set_link_state(dev, ls),
                VfChange::Vlan(v) => {
                    let proto = VlanProto::try_from(v.proto)?;
                    state.set_port_vlan(PortVlan::new(v.vid, v.qos, proto)?)?
                }
                VfChange::Rate { .. } => return Err(EINVAL),
            }
            Ok(())
        })
    }
}
