// SPDX-License-Identifier: GPL-2.0

//! Virtual functions: one netdev per VF, with a TX ring, an RX ring and a
//! NAPI context.
//!
//! `start_xmit` only queues the frame on the TX ring (stopping the queue
//! when the ring fills); the VF's NAPI poll drains the TX ring into the
//! eswitch, wakes the queue, and delivers the RX ring to the stack with
//! GRO. Both rings are leaf locks taken with interrupts off; queue stop and
//! wake decisions are made under the TX ring's lock, so a wake cannot be
//! lost between a full ring and a drain.

use crate::{
    coalesce::Kick,
    eswitch::Eswitch,
    ether::{self, MacAddr},
    ethtool::{self, Moderation},
    fault::{PfFaults, VfFaults},
    fdb::PortId,
    filter::RxFilter,
    net::{
        device::Device,
        devlink::Fmsg,
        ethtool::{CoalesceParams, EthtoolOps, RingParams},
        link::{ExtAck, VfInfo, VfLinkState},
        napi::{bh_disabled, Napi, Timer},
        netdev::Standalone,
        ops::{LinkStats, NetdevOps},
        skb::SkBuff,
    },
    rate::{Admit, Shaper},
    ring::{self, Ring, RING_SIZE_DEFAULT},
    rxq,
    stats::{Counters, STAT_NAMES},
    vlan::{self, PortVlan, RxVerdict, TxVerdict},
};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering::Relaxed};
use kernel::{
    debugfs::{Dir, Scope},
    new_spinlock_irq,
    prelude::*,
    sync::{Arc, SpinLockIrq},
};

/// Largest number of TX frames one poll moves into the switch.
const TX_BATCH: i32 = 64;

/// The state of one VF.
#[pin_data]
pub(crate) struct Vf {
    index: u16,
    esw: Arc<Eswitch>,
    #[pin]
    tx: SpinLockIrq<Ring<SkBuff>>,
    #[pin]
    rx: SpinLockIrq<Ring<SkBuff>>,
    #[pin]
    napi: Napi,
    stats: Counters,
    /// RX interrupt coalescing (`ethtool -C VF rx-usecs ...`).
    #[pin]
    rx_mod: Moderation,
    /// TX doorbell coalescing (`ethtool -C VF tx-usecs ...`).
    #[pin]
    tx_mod: Moderation,
    spoofchk: AtomicBool,
    trusted: AtomicBool,
    /// Whether the PF assigned the MAC (`ip link set PF vf N mac ...`).
    mac_assigned: AtomicBool,
    link_state: AtomicU8,
    /// Whether the function is active (`devlink port function set ...
    /// state active|inactive`): an inactive VF has no carrier and receives
    /// nothing, whatever its link state.
    active: AtomicBool,
    /// The port VLAN, [`PortVlan::pack`]ed.
    port_vlan: AtomicU32,
    /// `min_tx_rate`/`max_tx_rate`; taken inside `tx`'s lock by the poll.
    #[pin]
    shaper: SpinLockIrq<Shaper>,
    /// What the VF's rx_mode asked for (multicast list, flags).
    #[pin]
    filter: SpinLockIrq<RxFilter>,
    /// Whether the VF asked for promiscuous mode (counted by the switch).
    promisc: AtomicBool,
    /// Fault injection and recovery counters (debugfs).
    #[pin]
    faults: Scope<VfFaults>,
}

/// What one drain of the TX ring left behind.
enum Drained {
    /// The ring is empty.
    Empty,
    /// Frames are left (the batch is used up).
    More,
    /// The shaper holds the next frame back for this many nanoseconds.
    Throttled(u64),
}

impl Vf {
    /// The state of VF `index` of a PF's switch `esw`, for netdev `dev`,
    /// with its fault knobs in debugfs directory `name` under `debugfs`.
    /// `pf_faults` may fail the ring allocations.
    pub(crate) fn new<'a>(
        dev: &Device,
        index: u16,
        esw: Arc<Eswitch>,
        pf_faults: &PfFaults,
        debugfs: &'a Dir,
        name: &'a CStr,
    ) -> Result<impl PinInit<Self, Error> + use<'a>> {
        pf_faults.ring_alloc()?;
        let tx = Ring::new(RING_SIZE_DEFAULT)?;
        pf_faults.ring_alloc()?;
        let rx = Ring::new(RING_SIZE_DEFAULT)?;
        let napi = Standalone::<Self>::new_napi(dev);
        Ok(try_pin_init!(Self {
            index,
            esw,
            tx <- new_spinlock_irq!(tx, "svnic_vf_tx"),
            rx <- new_spinlock_irq!(rx, "svnic_vf_rx"),
            napi <- napi,
            stats: Counters::default(),
            rx_mod <- Moderation::new(ethtool::Dir::Rx),
            tx_mod <- Moderation::new(ethtool::Dir::Tx),
            spoofchk: AtomicBool::new(true),
            trusted: AtomicBool::new(false),
            mac_assigned: AtomicBool::new(false),
            link_state: AtomicU8::new(link_state_to_u8(VfLinkState::Auto)),
            active: AtomicBool::new(true),
            port_vlan: AtomicU32::new(0),
            shaper <- new_spinlock_irq!(Shaper::new(), "svnic_vf_shaper"),
            filter <- new_spinlock_irq!(RxFilter::new(), "svnic_vf_filter"),
            promisc: AtomicBool::new(false),
            faults <- VfFaults::scope(debugfs, name),
        }? Error))
    }

    /// Whether the TX watchdog fired since the last call (reported once).
    pub(crate) fn take_tx_timeout(&self) -> bool {
        self.faults.take_tx_unreported()
    }

    /// Resets the TX queue of netdev `dev` if it timed out and was not reset
    /// since, as a NIC resets a hung ring: what it holds is dropped (and
    /// counted), a stall is cleared, the queue restarts. Returns whether it
    /// was reset. Process context.
    pub(crate) fn reset_tx(&self, dev: &Device) -> bool {
        if !self.faults.tx_hung() {
            return false;
        }
        let injected = self.faults.tx_reset();
        let dropped = ring::drain(&self.tx);
        Counters::add(&self.stats.tx_dropped, dropped);
        pr_info!(
            "{}: TX queue reset{}, {} frames dropped\n",
            dev.name(),
            if injected { " (injected stall)" } else { "" },
            dropped
        );
        bh_disabled(|| {
            dev.wake_queue();
            self.napi.schedule();
        });
        true
    }

    /// Schedules the poll of the TX ring that an injected stall left when
    /// it ended (`stall_tx` back to 0): full, its queue stopped, so no frame
    /// comes to ring the doorbell, as a NIC driver's service task re-arms a
    /// queue's interrupt against a lost one. Frames that coalescing or the
    /// shaper hold stay held. Process context.
    pub(crate) fn rearm_tx(&self) {
        if self.faults.take_stall_ended() {
            bh_disabled(|| self.napi.schedule());
        }
    }

    /// The TX queue's health, as one object (`devlink health diagnose`).
    pub(crate) fn tx_health(&self, dev: &Device, fmsg: &mut Fmsg<'_>) {
        let (len, size) = {
            let ring = self.tx.lock();
            (ring.len(), ring.size())
        };
        fmsg.obj_start();
        fmsg.put_u32(c"vf", u32::from(self.index));
        fmsg.put_bool(c"stopped", dev.queue_stopped());
        fmsg.put_bool(c"hung", self.faults.tx_hung());
        fmsg.put_bool(c"stall_injected", self.faults.tx_stalled());
        fmsg.put_u32(c"ring_used", len);
        fmsg.put_u32(c"ring_size", size);
        fmsg.put_u64(c"timeouts", self.faults.tx_timeouts());
        fmsg.put_u64(c"dropped", self.stats.tx_dropped.load(Relaxed));
        fmsg.obj_end();
    }

    /// The link state configured by the PF.
    pub(crate) fn link_state(&self) -> VfLinkState {
        match self.link_state.load(Relaxed) {
            1 => VfLinkState::Enable,
            2 => VfLinkState::Disable,
            _ => VfLinkState::Auto,
        }
    }

    /// Applies the link state to the carrier of `dev`. Under RTNL.
    pub(crate) fn update_carrier(&self, dev: &Device) {
        let up = self.active.load(Relaxed)
            && match self.link_state() {
                VfLinkState::Auto => self.esw.uplink().carrier_ok(),
                VfLinkState::Enable => true,
                VfLinkState::Disable => false,
            };
        if dev.carrier_ok() != up {
            dev.set_carrier(up);
        }
    }

    /// Whether the function is active.
    pub(crate) fn is_active(&self) -> bool {
        self.active.load(Relaxed)
    }

    /// `devlink port function set ... state active|inactive`.
    pub(crate) fn set_active(&self, dev: &Device, on: bool) {
        self.active.store(on, Relaxed);
        self.update_carrier(dev);
    }

    /// `ip link set PF vf N state ...`. Under RTNL.
    pub(crate) fn set_link_state(&self, dev: &Device, state: VfLinkState) {
        self.link_state.store(link_state_to_u8(state), Relaxed);
        self.update_carrier(dev);
    }

    /// `ip link set PF vf N spoofchk ...`.
    pub(crate) fn set_spoofchk(&self, on: bool) {
        self.spoofchk.store(on, Relaxed);
    }

    /// `ip link set PF vf N trust ...`.
    pub(crate) fn set_trusted(&self, on: bool) {
        self.trusted.store(on, Relaxed);
    }

    /// `ip link set PF vf N mac ...`: the PF assigns the VF's address.
    /// Under RTNL.
    pub(crate) fn assign_mac(&self, dev: &Device, mac: &MacAddr) -> Result {
        if !ether::is_valid_unicast(mac) {
            return Err(EINVAL);
        }
        if self.esw.mac_in_use(mac, PortId::Vf(self.index)) {
            return Err(EADDRINUSE);
        }
        dev.assign_mac(mac);
        self.mac_assigned.store(true, Relaxed);
        self.esw.refresh()
    }

    /// The port VLAN (`None`: the VF is a trunk).
    pub(crate) fn port_vlan(&self) -> Option<PortVlan> {
        PortVlan::unpack(self.port_vlan.load(Relaxed))
    }

    /// `ip link set PF vf N vlan ...`: sets or (`None`) clears the port
    /// VLAN. Under RTNL.
    pub(crate) fn set_port_vlan(&self, pv: Option<PortVlan>) -> Result {
        self.port_vlan.store(PortVlan::pack(pv.as_ref()), Relaxed);
        // The VF's address moves to the new VLAN in the switch.
        self.esw.refresh()
    }

    /// `(min_tx_rate, max_tx_rate)` in Mbit/s.
    pub(crate) fn rates(&self) -> (u32, u32) {
        self.shaper.lock().rates()
    }

    /// `ip link set PF vf N min_tx_rate A max_tx_rate B` (checked by the
    /// PF against the link and the other VFs). Under RTNL.
    pub(crate) fn set_rates(&self, min_mbps: u32, max_mbps: u32) {
        let now = self.esw.now_ns();
        self.shaper.lock().set_rates(now, min_mbps, max_mbps);
        // A poll held back by the old rates runs when its timer fires (at
        // most half a burst at the old rate); scheduling NAPI from here,
        // process context, would leave the softirq pending.
    }

    /// The configuration the PF reports for this VF.
    pub(crate) fn info(&self, dev: &Device) -> VfInfo {
        VfInfo {
            mac: if self.mac_assigned.load(Relaxed) {
                dev.mac()
            } else {
                [0; 6]
            },
            spoofchk: self.spoofchk.load(Relaxed),
            trusted: self.trusted.load(Relaxed),
            link_state: self.link_state(),
            vlan: self.port_vlan(),
            rates: self.rates(),
        }
    }

    /// Whether the switch copies unicast frames for other stations to this
    /// VF (it asked for promiscuous mode and is trusted).
    pub(crate) fn wants_all_unicast(&self) -> bool {
        self.filter
            .lock()
            .wants_all_unicast(self.trusted.load(Relaxed))
    }

    /// Records whether the VF asked for promiscuous mode.
    fn set_promisc(&self, on: bool) {
        if self.promisc.swap(on, Relaxed) != on {
            self.esw.promisc_changed(on);
        }
    }

    /// The VF's counters.
    pub(crate) fn counters(&self) -> &Counters {
        &self.stats
    }

    /// A frame the switch delivers to this VF (BH context).
    pub(crate) fn receive(&self, dev: &Device, mut skb: SkBuff) {
        if !dev.is_running() || self.link_state() == VfLinkState::Disable || !self.is_active() {
            Counters::add(&self.stats.rx_dropped, 1);
            return;
        }
        if let Some(dst) = skb.eth_dest() {
            let trusted = self.trusted.load(Relaxed);
            if ether::is_multicast(&dst) && !self.filter.lock().accepts_group(&dst, trusted) {
                // Filtered, like a NIC's multicast filter: not a drop.
                return;
            }
        }
        skb.push_mac_header();
        let pass = match vlan::to_vf(self.port_vlan().as_ref(), skb.outer_vlan()) {
            RxVerdict::Pass => true,
            RxVerdict::Pop => skb.pop_vlan().is_ok(),
            RxVerdict::Drop => false,
        };
        if !pass {
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

    /// Moves up to `TX_BATCH` frames from the TX ring into the switch, as
    /// far as the shaper lets them go.
    fn drain_tx(&self, dev: &Device) -> Drained {
        let own = dev.mac();
        let spoofchk = self.spoofchk.load(Relaxed);
        let port_vlan = self.port_vlan();
        let link = self.esw.link_budget();
        let now = self.esw.now_ns();
        for _ in 0..TX_BATCH {
            let next = {
                let mut ring = self.tx.lock();
                let Some(len) = ring.peek().map(SkBuff::len) else {
                    return Drained::Empty;
                };
                if let Admit::After(ns) = self.shaper.lock().admit(link, now, len) {
                    return Drained::Throttled(ns);
                }
                let skb = ring.pop();
                if dev.queue_stopped() {
                    // Progress: the TX watchdog must not fire.
                    dev.trans_update();
                    if ring.len() < ring.size() / 2 {
                        dev.wake_queue();
                    }
                }
                skb
            };
            let Some(mut skb) = next else {
                return Drained::Empty;
            };
            if spoofchk && skb.eth_source() != Some(own) {
                Counters::add(&self.stats.tx_spoofed, 1);
                Counters::add(&self.stats.tx_dropped, 1);
                continue;
            }
            let vlan = match vlan::from_vf(port_vlan.as_ref(), skb.outer_vlan()) {
                TxVerdict::Pass { vlan } => vlan,
                TxVerdict::Push {
                    ethertype,
                    tci,
                    vlan,
                } => {
                    skb.push_vlan(ethertype, tci);
                    vlan
                }
                TxVerdict::Drop => {
                    Counters::add(&self.stats.tx_vlan_dropped, 1);
                    Counters::add(&self.stats.tx_dropped, 1);
                    continue;
                }
            };
            self.stats.tx(u64::from(skb.len()));
            self.esw.tx_from_vf(self.index, vlan, skb);
        }
        if self.tx.lock().is_empty() {
            Drained::Empty
        } else {
            Drained::More
        }
    }
}

impl EthtoolOps for Vf {
    const HAS_TX_RING: bool = true;
    const STAT_NAMES: &'static [&'static CStr] = STAT_NAMES;

    fn rings(&self) -> RingParams {
        RingParams {
            rx_max: ethtool::RING_MAX,
            tx_max: ethtool::RING_MAX,
            rx: self.rx.lock().size(),
            tx: self.tx.lock().size(),
        }
    }

    fn set_rings(&self, _dev: &Device, rx: u32, tx: u32, extack: &ExtAck) -> Result {
        let rx = ethtool::ring_size(rx, extack)?;
        let tx = ethtool::ring_size(tx, extack)?;
        let (rx_now, tx_now) = (self.rx.lock().size(), self.tx.lock().size());
        // Both allocations before either swap: a failure changes nothing.
        let fault = || self.faults.ring_alloc();
        let fresh_rx = ethtool::new_ring(rx, rx_now, fault, extack)?;
        let fresh_tx = ethtool::new_ring(tx, tx_now, fault, extack)?;
        if let Some(fresh) = fresh_rx {
            Counters::add(&self.stats.rx_dropped, ethtool::swap_ring(&self.rx, fresh));
        }
        if let Some(fresh) = fresh_tx {
            // A stopped queue is woken by the poll once the ring drains
            // below half (the ring was full, so a poll is due).
            Counters::add(&self.stats.tx_dropped, ethtool::swap_ring(&self.tx, fresh));
        }
        Ok(())
    }

    fn coalesce(&self) -> CoalesceParams {
        let (rx, adaptive_rx) = self.rx_mod.configured();
        let (tx, adaptive_tx) = self.tx_mod.configured();
        CoalesceParams {
            rx_usecs: rx.usecs(),
            rx_frames: rx.frames(),
            tx_usecs: tx.usecs(),
            tx_frames: tx.frames(),
            adaptive_rx,
            adaptive_tx,
        }
    }

    fn set_coalesce(&self, _dev: &Device, c: CoalesceParams, extack: &ExtAck) -> Result {
        let rx = ethtool::coalesce(ethtool::Dir::Rx, c.rx_usecs, c.rx_frames, extack)?;
        let tx = ethtool::coalesce(ethtool::Dir::Tx, c.tx_usecs, c.tx_frames, extack)?;
        self.rx_mod.set(rx, c.adaptive_rx);
        self.tx_mod.set(tx, c.adaptive_tx);
        Ok(())
    }

    fn ethtool_stats(&self, out: &mut [u64]) {
        let (rx, tx) = (self.rx_mod.current_values(), self.tx_mod.current_values());
        self.stats.ethtool_stats(out, rx, tx);
    }
}

fn link_state_to_u8(s: VfLinkState) -> u8 {
    match s {
        VfLinkState::Auto => 0,
        VfLinkState::Enable => 1,
        VfLinkState::Disable => 2,
    }
}

impl NetdevOps for Vf {
    fn open(&self, dev: &Device) -> Result {
        self.napi.enable();
        self.update_carrier(dev);
        dev.wake_queue();
        Ok(())
    }

    fn stop(&self, dev: &Device) {
        self.set_promisc(false);
        dev.stop_queue();
        self.napi.disable();
        self.rx_mod.stopped();
        self.tx_mod.stopped();
        // Frames still queued are lost with the queue: count them.
        Counters::add(&self.stats.tx_dropped, ring::drain(&self.tx));
        Counters::add(&self.stats.rx_dropped, ring::drain(&self.rx));
    }

    fn start_xmit(&self, dev: &Device, skb: SkBuff) {
        if self.link_state() == VfLinkState::Disable || skb.len() < 14 {
            Counters::add(&self.stats.tx_dropped, 1);
            return;
        }
        let coal = self.tx_mod.current();
        let (pushed, kick) = {
            let mut ring = self.tx.lock();
            let r = ring.push(skb);
            let kick = match r {
                Ok(()) => coal.on_queued(ring.len(), ring.size()),
                Err(_) => Kick::Now,
            };
            if ring.len() == ring.size() {
                dev.stop_queue();
            }
            (r, kick)
        };
        if let Err(skb) = pushed {
            drop(skb);
            Counters::add(&self.stats.tx_dropped, 1);
        }
        ethtool::kick(&self.napi, Timer::Tx, kick);
    }

    fn poll(&self, napi: &Napi, budget: i32) -> i32 {
        Counters::add(&self.stats.rx_polls, 1);
        let dev = napi.dev();
        let tx = if self.faults.tx_stall_holds() {
            // Injected hang: the ring fills, the queue stops and stays
            // stopped until the TX watchdog resets it.
            Drained::Empty
        } else {
            self.drain_tx(dev)
        };
        let done = rxq::deliver(&self.rx, napi, budget);
        let s = &self.stats;
        let polls = s.rx_polls.load(Relaxed);
        self.rx_mod
            .sample(polls, s.rx_packets.load(Relaxed), s.rx_bytes.load(Relaxed));
        self.tx_mod
            .sample(polls, s.tx_packets.load(Relaxed), s.tx_bytes.load(Relaxed));
        if let Drained::More = tx {
            // Stay scheduled: claim the whole budget.
            return budget;
        }
        if done < budget {
            // A frame queued after the drain re-schedules us through
            // `start_xmit`'s `schedule` (the core's MISSED bit); a frame the
            // shaper holds back, through the timer.
            if napi.complete_done(done) {
                if let Drained::Throttled(ns) = tx {
                    napi.schedule_in(ns);
                }
            }
        }
        done
    }

    fn set_rx_mode(&self, dev: &Device) {
        let mut filter = RxFilter::new();
        filter.set_modes(dev.is_promisc(), dev.is_allmulti());
        dev.for_each_mc_addr(|group| filter.add_group(group));
        *self.filter.lock() = filter;
        self.set_promisc(dev.is_promisc() && dev.is_running());
    }

    fn set_mac(&self, _dev: &Device, _old: &MacAddr, new: &MacAddr) -> Result {
        if self.mac_assigned.load(Relaxed) && !self.trusted.load(Relaxed) {
            return Err(EPERM);
        }
        if self.esw.mac_in_use(new, PortId::Vf(self.index)) {
            return Err(EADDRINUSE);
        }
        Ok(())
    }

    fn mac_changed(&self, _dev: &Device) {
        let _ = self.esw.refresh();
    }

    fn stats(&self, _dev: &Device) -> LinkStats {
        self.stats.link_stats()
    }

    fn tx_timeout(&self, dev: &Device, queue: u32) {
        // Sleeping is not allowed here: mark the queue hung, and let the
        // PF's service task report it to devlink health, whose recovery
        // resets it (`Vf::reset_tx`).
        self.faults.tx_timed_out();
        pr_warn!(
            "{}: TX queue {} timed out; reported to devlink health (reporter tx)\n",
            dev.name(),
            queue
        );
    }
}
