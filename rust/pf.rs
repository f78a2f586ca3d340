// SPDX-License-Identifier: GPL-2.0

//! The physical function: `ip link add NAME link UPLINK type svnic`.
//!
//! The PF is the host's port on the device and owns the embedded switch
//! ([`crate::eswitch`]) and the VFs (`sriov_numvfs`). Frames it transmits go
//! through the switch (to a VF, or out of the uplink); frames the switch
//! delivers to it are put on its RX ring and handed to the stack by its
//! NAPI poll, with GRO. The uplink's receive handler feeds the switch.

use crate::{
    eswitch::{Eswitch, VfRef},
    ether::MacAddr,
    ethtool::{self, Moderation},
    fault::{PfFaults, UplinkEvent},
    fdb::{PortId, SwitchMode},
    net::{
        device::{Device, DeviceRef},
        devlink::{Devlink, DevlinkOps, EswitchMode, Fmsg},
        ethtool::{CoalesceParams, EthtoolOps, RingParams},
        link::{self, ExtAck, LinkRef, NewLink, RxAction, Sriov, VfChange, VfInfo, VfStats},
        napi::Napi,
        ops::{LinkStats, NetdevOps},
        skb::SkBuff,
        sriov::VfDevice,
    },
    rate,
    ring::{self, Ring, RING_SIZE_DEFAULT},
    rxq,
    stats::{Counters, STAT_NAMES},
    vf::Vf,
};
use core::sync::atomic::{AtomicBool, AtomicU16, Ordering::Relaxed};
use kernel::{
    debugfs::{Dir, Scope},
    new_mutex, new_spinlock_irq,
    prelude::*,
    sync::{Arc, Mutex, SpinLockIrq},
    time::{Instant, Monotonic},
};

/// The VFs of a PF: netdevs and their parent devices, index = VF number.
///
/// Fields drop in declaration order: netdev references before devices.
struct VfSet {
    netdevs: KVec<VfRef>,
    devices: KVec<VfDevice>,
}

/// State of one PF.
///
/// Locking: `vfs` is taken under RTNL only (configuration paths); `rx` is a
/// leaf spinlock taken with interrupts off on the data path.
#[pin_data]
pub(crate) struct Pf {
    esw: Arc<Eswitch>,
    #[pin]
    rx: SpinLockIrq<Ring<SkBuff>>,
    #[pin]
    napi: Napi,
    #[pin]
    vfs: Mutex<VfSet>,
    /// The PF's own reference, handed to the switch (until teardown).
    #[pin]
    me: Mutex<Option<LinkRef<Pf>>>,
    total_vfs: u16,
    /// `vfs.netdevs.len()`, readable without the lock (atomic context).
    num_vfs: AtomicU16,
    stats: Counters,
    /// RX interrupt coalescing (`ethtool -C PF rx-usecs ...`).
    #[pin]
    rx_mod: Moderation,
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
}

impl Pf {
    /// A frame the switch delivers to the PF (BH context).
    pub(crate) fn receive(&self, dev: &Device, skb: SkBuff) {
        if !dev.is_running() {
            Counters::add(&self.stats.rx_dropped, 1);
            return;
        }
        rxq::enqueue(
            dev,
            &self.rx,
            &self.napi,
            &self.stats,
            self.rx_mod.current(),
            skb,
        );
    }

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
        let mut refs = KVec::with_capacity(vfs.netdevs.len(), GFP_KERNEL)?;
        for vf in vfs.netdevs.iter() {
            refs.push(vf.clone(), GFP_KERNEL)?;
        }
        let me = self.me.lock().clone();
        self.esw.publish(me, refs)
    }

    /// Removes every VF: out of the switch first, then unregistered.
    /// Under RTNL.
    fn remove_vfs(&self, vfs: &mut VfSet) {
        let me = self.me.lock().clone();
        let _ = self.esw.publish(me, KVec::new());
        for vf in vfs.netdevs.iter() {
            vf.unregister();
        }
        self.num_vfs.store(0, Relaxed);
        self.esw.link_budget().set_rate(0);
        vfs.netdevs.clear();
        vfs.devices.clear();
    }

    /// Creates VFs `0..n`; on failure removes the ones made. Under RTNL.
    fn add_vfs(&self, sriov: &Sriov<'_, Self>, vfs: &mut VfSet, n: u16) -> Result {
        for i in 0..n {
            let made = sriov.new_vf_device(i).and_then(|parent| {
                self.faults.vf_create(i)?;
                let esw = self.esw.clone();
                let name = sriov.vf_device_name(i)?;
                let netdev = sriov.register_vf(i, &parent, |dev| {
                    Vf::new(dev, i, esw, &self.faults, &self.debugfs, &name)
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
    /// Under RTNL.
    fn link_mbps(&self) -> u32 {
        match crate::module_parameters::link_mbps.value() {
            0 => self.uplink().speed_mbps(),
            mbps => mbps,
        }
    }

    /// `ip link set PF vf N min_tx_rate A max_tx_rate B`: checks the rates
    /// against the link and the other VFs' minimums, applies them, and puts
    /// the link budget in use while some VF has a minimum. Under RTNL.
    fn set_vf_rates(&self, vf: u16, min: u32, max: u32) -> Result {
        let vfs = self.vfs.lock();
        let target = vfs.netdevs.get(usize::from(vf)).ok_or(EINVAL)?;
        let target = target.state().ok_or(ENODEV)?;
        let link = self.link_mbps();
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

impl NetdevOps for Pf {
    fn open(&self, dev: &Device) -> Result {
        self.uplink_mac_filter_add(&dev.mac())?;
        self.napi.enable();
        dev.transfer_operstate(self.uplink());
        Ok(())
    }

    fn stop(&self, dev: &Device) {
        self.napi.disable();
        self.rx_mod.stopped();
        Counters::add(&self.stats.rx_dropped, ring::drain(&self.rx));
        self.uplink().unsync_addr_lists(dev);
        if self.uc_added.swap(false, Relaxed) {
            let _ = self.uplink().uc_del(&dev.mac());
        }
    }

    fn start_xmit(&self, _dev: &Device, skb: SkBuff) {
        let len = u64::from(skb.len());
        self.stats.tx(len);
        self.esw.tx_from_pf(skb);
    }

    fn poll(&self, napi: &Napi, budget: i32) -> i32 {
        Counters::add(&self.stats.rx_polls, 1);
        let done = rxq::deliver(&self.rx, napi, budget);
        let s = &self.stats;
        self.rx_mod.sample(
            s.rx_polls.load(Relaxed),
            s.rx_packets.load(Relaxed),
            s.rx_bytes.load(Relaxed),
        );
        if done < budget {
            napi.complete_done(done);
        }
        done
    }

    fn set_rx_mode(&self, dev: &Device) {
        self.uplink().sync_addr_lists(dev);
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
        self.stats.link_stats()
    }
}

impl EthtoolOps for Pf {
    // The PF transmits straight into the switch: it has no TX ring.
    const HAS_TX_RING: bool = false;
    const STAT_NAMES: &'static [&'static CStr] = STAT_NAMES;

    fn rings(&self) -> RingParams {
        RingParams {
            rx_max: ethtool::RING_MAX,
            tx_max: 0,
            rx: self.rx.lock().size(),
            tx: 0,
        }
    }

    fn set_rings(&self, _dev: &Device, rx: u32, _tx: u32, extack: &ExtAck) -> Result {
        let size = ethtool::ring_size(rx, extack)?;
        let current = self.rx.lock().size();
        if let Some(fresh) = ethtool::new_ring(size, current, || self.faults.ring_alloc(), extack)?
        {
            Counters::add(&self.stats.rx_dropped, ethtool::swap_ring(&self.rx, fresh));
        }
        Ok(())
    }

    fn coalesce(&self) -> CoalesceParams {
        let (rx, adaptive_rx) = self.rx_mod.configured();
        CoalesceParams {
            rx_usecs: rx.usecs(),
            rx_frames: rx.frames(),
            adaptive_rx,
            ..CoalesceParams::default()
        }
    }

    fn set_coalesce(&self, _dev: &Device, c: CoalesceParams, extack: &ExtAck) -> Result {
        let rx = ethtool::coalesce(ethtool::Dir::Rx, c.rx_usecs, c.rx_frames, extack)?;
        self.rx_mod.set(rx, c.adaptive_rx);
        Ok(())
    }

    fn ethtool_stats(&self, out: &mut [u64]) {
        self.stats
            .ethtool_stats(out, self.rx_mod.current_values(), (0, 0));
    }
}

impl DevlinkOps for Pf {
    fn eswitch_mode(&self) -> EswitchMode {
        EswitchMode::Legacy
    }

    fn set_eswitch_mode(&self, mode: EswitchMode, extack: &ExtAck) -> Result {
        match mode {
            EswitchMode::Legacy => Ok(()),
            EswitchMode::Switchdev | EswitchMode::SwitchdevInactive => Err(extack.fail(
                EOPNOTSUPP,
                c"svnic: only the legacy eswitch mode exists (switchdev is not implemented yet)",
            )),
        }
    }

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
        let ring = Ring::new(RING_SIZE_DEFAULT)?;
        let esw = Arc::new(Eswitch::new(DeviceRef::new(uplink))?, GFP_KERNEL)?;
        Ok(try_pin_init!(Self {
            esw,
            rx <- new_spinlock_irq!(ring, "svnic_pf_rx"),
            napi <- link::new_napi::<Self>(dev),
            vfs <- new_mutex!(VfSet { netdevs: KVec::new(), devices: KVec::new() }, "svnic_pf_vfs"),
            me <- new_mutex!(None, "svnic_pf_me"),
            total_vfs: crate::module_parameters::total_vfs.value().clamp(1, 256),
            num_vfs: AtomicU16::new(0),
            stats: Counters::default(),
            rx_mod <- Moderation::new(ethtool::Dir::Rx),
            uc_added: AtomicBool::new(false),
            faults <- PfFaults::scope(ctx.debugfs, ctx.name),
            debugfs: ctx.debugfs.clone(),
            born: Instant::now(),
            vfs_uplink_carrier: AtomicBool::new(uplink.carrier_ok()),
        }? Error))
    }

    fn registered(&self, me: LinkRef<Self>) {
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

    fn uplink_rx(&self, _dev: &Device, skb: SkBuff) -> RxAction {
        match self.esw.rx_from_uplink(skb) {
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

    fn service(&self, devlink: &Devlink<Self>) {
        // TX watchdog timeouts of the VFs go to devlink health, whose
        // recovery (`tx_recover`) takes the VF lock: not held here.
        for vf in 0..self.num_vfs.load(Relaxed) {
            if self.with_vf(vf, |state, _| Ok(state.take_tx_timeout())) == Ok(true) {
                devlink.report_tx_timeout(vf);
            }
        }
        // The uplink's link state is re-read whatever the notifications
        // said, as a NIC driver's watchdog polls the PHY; a change found
        // is passed on like a notification (late ones stay late).
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
        self.esw.set_mode(mode)
    }

    fn vf_info(&self, vf: u16) -> Result<VfInfo> {
        self.with_vf(vf, |state, dev| Ok(state.info(dev)))
    }

    fn vf_stats(&self, vf: u16) -> Result<VfStats> {
        self.with_vf(vf, |state, _| Ok(state.counters().vf_stats()))
    }

    fn set_vf(&self, vf: u16, change: VfChange) -> Result {
        if let VfChange::Rate { min, max } = change {
            return self.set_vf_rates(vf, min, max);
        }
        self.with_vf(vf, |state, dev| {
            match change {
                VfChange::Mac(mac) => state.assign_mac(dev, &mac)?,
                VfChange::SpoofChk(on) => state.set_spoofchk(on),
                VfChange::Trust(on) => state.set_trusted(on),
                VfChange::LinkState(ls) => state.set_link_state(dev, ls),
                VfChange::Vlan(pv) => state.set_port_vlan(pv)?,
                VfChange::Rate { .. } => return Err(EINVAL),
            }
            Ok(())
        })
    }
}

/// The module: registers the `svnic` link type and bus.
pub(crate) struct SvnicModule {
    _link: link::Registration<Pf>,
}

impl kernel::Module for SvnicModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let link = link::Registration::<Pf>::new()?;
        pr_info!("loaded\n");
        Ok(Self { _link: link })
    }
}
