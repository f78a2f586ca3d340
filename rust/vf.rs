// SPDX-License-Identifier: GPL-2.0

//! Virtual functions: one netdev per VF, with a TX ring, an RX ring and a
//! NAPI context.
//!
//! `start_xmit` queues the frame on the TX ring (stopping the queue when
//! the ring fills); the VF's NAPI poll drains the TX ring into the eswitch,
//! wakes the queue, and delivers the RX ring to the stack with GRO. The TX
//! ring is a leaf lock taken with bottom halves off; queue stop and wake
//! decisions are made under it, so a wake cannot be lost between a full
//! ring and a drain. The RX ring ([`RxRing`]) takes a lock only for its
//! producers; the poll consumes it without one.
//!
//! The direct path: when the TX ring is empty and no poll is moving frames
//! from it into the switch, and neither the shaper nor TX coalescing would
//! hold the frame, `start_xmit` switches it at once, with the same port
//! checks ([`Vf::egress`]), into the receiving port's RX ring, whose NAPI
//! the receiver's coalescing kicks, as a NIC's switch would. Only frames
//! for one function of this switch take it; frames for the uplink, floods
//! and copies take the ring. A direct frame never overtakes a ring frame:
//! the ring was empty, so every frame that was on it had been taken off by
//! a drain, and that drain had ended, which is after it switched them. (A
//! frame the VF sends from inside its own poll, a reply to what it
//! receives, goes direct too: the drain is over by then.)
//!
//! Byte queue limits count what the TX ring holds: queued in `start_xmit`,
//! completed under the ring's lock whenever a frame leaves it (switched,
//! dropped, reset or resized away). In a burst (the core's `xmit_more`) the
//! doorbell waits for the last frame, and a direct frame's receiver is
//! kicked once, when the burst ends or goes elsewhere (`owed_kick`).

use crate::{
    coalesce::{Coalesce, Kick},
    eswitch::{Eswitch, SwitchPort},
    fault::{PfFaults, VfFaults},
    fdb::{LastHop, PortId},
    filter::RxFilter,
    net::{
        device::{AddrLists, Device},
        devlink::Fmsg,
        dim::Direction,
        ether::{self, MacAddr},
        ethtool::{CoalesceParams, EthtoolOps, HistRange, RingParams, StdStats},
        lock::{bh_disabled, new_spinlock_bh, Bh, SpinLockBh},
        napi::{Napi, Poll, Timer},
        netdev::{DevRef, DriverNetdev},
        ops::{LinkStats, NetdevOps},
        rtnl::ExtAck,
        rtnl::Rtnl,
        rx_ring::RxRing,
        skb::{EthHdr, SkBuff},
        vf_ndo::{VfInfo, VfLinkState, VfVlan},
        xdp::Xdp,
    },
    queue::{self, Moderation},
    rate::{Admit, LinkBudget, Shaper},
    ring::{Ring, RING_SIZE_DEFAULT},
    rxq,
    stats::{self, Counters, Stat, STAT_NAMES},
    vlan::{self, PortVlan, RxVerdict, TxVerdict},
};
use core::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU8,
    Ordering::{Acquire, Relaxed, Release},
};
use kernel::{
    debugfs::{Dir, Scope},
    prelude::*,
    sync::Arc,
};

/// Frames a drain takes off the TX ring under one hold of its lock.
const TX_POP: usize = 16;

/// Largest number of TX frames one poll moves into the switch.
const TX_BATCH: usize = 4 * TX_POP;

/// The state of one VF.
#[pin_data]
pub(crate) struct Vf {
    index: u16,
    esw: Arc<Eswitch>,
    #[pin]
    tx: SpinLockBh<Ring<SkBuff>>,
    #[pin]
    rx: RxRing,
    #[pin]
    napi: Napi,
    stats: Counters,
    /// The VF's XDP program.
    xdp: Xdp,
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
    shaper: SpinLockBh<Shaper>,
    /// Whether the shaper has a rate: while it has none (and the link
    /// budget is not in use), frames pass without the lock or the clock.
    shaped: AtomicBool,
    /// What the VF's rx_mode asked for (multicast list, flags).
    #[pin]
    filter: SpinLockBh<RxFilter>,
    /// Whether the VF asked for promiscuous mode (counted by the switch).
    promisc: AtomicBool,
    /// Whether the poll is moving frames from the TX ring into the switch:
    /// frames it took off the ring may not have reached their port yet.
    draining: AtomicBool,
    /// How many frames the TX ring holds, stored under its lock whenever
    /// that changes (release): read without the lock by the poll, which
    /// skips an empty ring, and by `start_xmit` for the direct path.
    tx_queued: AtomicU32,
    /// The function whose poll a direct frame with more behind it (the
    /// core's `xmit_more`) left unkicked, [`pack_port`]ed (0: none): kicked
    /// when the burst ends or goes elsewhere. Written by `start_xmit` only
    /// (the core's xmit lock), and by `stop` after it.
    owed_kick: AtomicU32,
    /// Where the direct path sent this VF's last frame, in which snapshot
    /// of the switch. Used by `start_xmit` only (the core's xmit lock).
    last_hop: LastHop,
    /// Fault injection and recovery counters (debugfs).
    #[pin]
    faults: Scope<VfFaults>,
    /// Whether the VF takes buffers their sender goes on holding (the
    /// PF's `vf_tx_skb_sharing` when the VF was made).
    tx_skb_sharing: bool,
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
    /// with its fault knobs in debugfs directory `name` under `debugfs`,
    /// taking shared buffers if `tx_skb_sharing`.
    /// `pf_faults` may fail the ring allocations.
    pub(crate) fn new<'a>(
        dev: &Device,
        index: u16,
        esw: Arc<Eswitch>,
        pf_faults: &PfFaults,
        debugfs: &'a Dir,
        name: &'a CStr,
        tx_skb_sharing: bool,
    ) -> Result<impl PinInit<Self, Error> + use<'a>> {
        pf_faults.ring_alloc()?;
        let tx = Ring::new(RING_SIZE_DEFAULT)?;
        pf_faults.ring_alloc()?;
        let rx = RxRing::new(RING_SIZE_DEFAULT)?;
        let napi = DriverNetdev::<Self>::new_napi(dev);
        Ok(try_pin_init!(Self {
            index,
            esw,
            tx <- new_spinlock_bh!(tx, "svnic_vf_tx"),
            rx <- rx,
            napi <- napi,
            stats: Counters::new()?,
            xdp: Xdp::new(),
            rx_mod <- Moderation::new(Direction::Rx),
            tx_mod <- Moderation::new(Direction::Tx),
            spoofchk: AtomicBool::new(true),
            trusted: AtomicBool::new(false),
            mac_assigned: AtomicBool::new(false),
            link_state: AtomicU8::new(link_state_to_u8(VfLinkState::Auto)),
            active: AtomicBool::new(true),
            port_vlan: AtomicU32::new(0),
            shaper <- new_spinlock_bh!(Shaper::new(), "svnic_vf_shaper"),
            shaped: AtomicBool::new(false),
            filter <- new_spinlock_bh!(RxFilter::new(), "svnic_vf_filter"),
            promisc: AtomicBool::new(false),
            draining: AtomicBool::new(false),
            tx_queued: AtomicU32::new(0),
            owed_kick: AtomicU32::new(0),
            last_hop: LastHop::new(),
            faults <- VfFaults::scope(debugfs, name),
            tx_skb_sharing,
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
        // Progress now, before the hang is cleared: the TX watchdog, which
        // still finds the queue stopped while the ring is dropped, must not
        // take the reset for another hang.
        dev.trans_update();
        let injected = self.faults.tx_reset();
        let dropped = self.drop_tx(dev);
        self.stats.add(Stat::TxDropped, dropped);
        pr_info!(
            "{}: TX queue reset{}, {} frames dropped\n",
            dev.name(),
            if injected { " (injected stall)" } else { "" },
            dropped
        );
        bh_disabled(|_| {
            dev.wake_queue();
            self.napi.schedule();
        });
        true
    }

    /// Schedules the poll of the rings an injected stall left when it
    /// ended (`stall_tx` or `stall_rx` back to 0): full, a TX queue stopped
    /// or an RX ring that kicks no poll, as a NIC driver's service task
    /// re-arms a queue's interrupt against a lost one. Frames that
    /// coalescing or the shaper hold stay held. Process context.
    pub(crate) fn rearm(&self) {
        let tx = self.faults.take_stall_ended();
        let rx = self.faults.take_rx_stall_ended();
        if tx || rx {
            bh_disabled(|_| self.napi.schedule());
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
        fmsg.put_u64(c"dropped", self.stats.get(Stat::TxDropped));
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
    pub(crate) fn assign_mac(&self, rtnl: &Rtnl, dev: &Device, mac: &MacAddr) -> Result {
        if !ether::is_valid_unicast(mac) {
            return Err(EINVAL);
        }
        if self.esw.mac_in_use(mac, PortId::Vf(self.index)) {
            return Err(EADDRINUSE);
        }
        dev.assign_mac(rtnl, mac);
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
        self.shaped.store(min_mbps != 0 || max_mbps != 0, Relaxed);
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
            vlan: match self.port_vlan() {
                Some(pv) => VfVlan {
                    vid: pv.vid(),
                    qos: pv.qos(),
                    proto: pv.proto().ethertype(),
                },
                None => VfVlan {
                    vid: 0,
                    qos: 0,
                    proto: vlan::ETH_P_8021Q,
                },
            },
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

    /// Whether the VF's multicast filter passes a frame for `group`.
    pub(crate) fn accepts_group(&self, group: &MacAddr) -> bool {
        self.filter
            .lock()
            .accepts_group(group, self.trusted.load(Relaxed))
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

    /// A frame the switch delivers to this VF, with its header `hdr`,
    /// past its multicast filter (BH context). With `hold`, a kick of the poll that is due now is owed
    /// by the caller instead: returns whether it is ([`rxq::enqueue`]).
    pub(crate) fn receive(
        &self,
        bh: Bh<'_>,
        dev: &Device,
        hdr: &EthHdr,
        mut skb: SkBuff,
        hold: bool,
    ) -> bool {
        if !dev.is_running() || self.link_state() == VfLinkState::Disable || !self.is_active() {
            self.stats.add(Stat::RxDropped, 1);
            return false;
        }
        skb.push_mac_header();
        let pass = match vlan::to_vf(self.port_vlan().as_ref(), hdr.vlan) {
            RxVerdict::Pass => true,
            RxVerdict::Pop => skb.pop_vlan().is_ok(),
            RxVerdict::Drop => false,
        };
        if !pass {
            self.stats.add(Stat::RxDropped, 1);
            return false;
        }
        rxq::enqueue(
            bh,
            dev,
            &self.rx,
            &self.napi,
            &self.stats,
            self.rx_mod.current(),
            skb,
            hdr,
            hold,
        )
    }

    /// The kick of the RX poll a held delivery owed (BH context).
    pub(crate) fn kick_rx(&self) {
        self.napi.schedule();
    }

    /// Drops what the TX ring holds, each frame completed for byte queue
    /// limits under the ring's lock, and counts them; returns how many.
    fn drop_tx(&self, dev: &Device) -> u64 {
        let mut n = 0;
        loop {
            let next = {
                let mut ring = self.tx.lock();
                let skb = ring.pop();
                self.tx_queued.store(ring.len(), Release);
                if let Some(skb) = &skb {
                    dev.bql_completed(1, skb.len());
                }
                skb
            };
            // Freed outside the lock.
            let Some(skb) = next else { return n };
            drop(skb);
            n += 1;
        }
    }
    /// Puts `fresh` in place of the TX ring, moving the queued frames
    /// over; those that do not fit are dropped, each completed for byte
    /// queue limits under the ring's lock. Returns how many.
    fn swap_tx(&self, dev: &Device, mut fresh: Ring<SkBuff>) -> u64 {
        let mut ring = self.tx.lock();
        fresh.take_from(&mut ring);
        let mut dropped = 0;
        while let Some(skb) = ring.pop() {
            dev.bql_completed(1, skb.len());
            dropped += 1;
        }
        core::mem::swap(&mut *ring, &mut fresh);
        self.tx_queued.store(ring.len(), Release);
        dropped
    }

    /// Whether frames pass the shaper without asking it: no rate on this
    /// VF, and the link budget not in use.
    fn shaper_idle(&self) -> bool {
        !self.shaped.load(Relaxed) && self.esw.link_budget().rate_mbps() == 0
    }

    /// The VF's port checks on a frame it sent, the same for the direct
    /// path and the ring: the spoof check and the port VLAN (pushing its
    /// tag). Returns the frame's VLAN in the switch and its header, or
    /// `None` if the frame was dropped (and counted).
    #[inline(always)]
    fn egress(
        &self,
        own: &MacAddr,
        spoofchk: bool,
        port_vlan: Option<&PortVlan>,
        skb: &mut SkBuff,
    ) -> Option<(u16, EthHdr)> {
        let Some(mut hdr) = skb.eth() else {
            self.stats.add(Stat::TxDropped, 1);
            return None;
        };
        if spoofchk && hdr.src != *own {
            self.stats.tx_drop(Stat::TxSpoofed);
            return None;
        }
        match vlan::from_vf(port_vlan, hdr.vlan) {
            TxVerdict::Pass { vlan } => Some((vlan, hdr)),
            TxVerdict::Push {
                ethertype,
                tci,
                vlan,
            } => {
                skb.push_vlan(ethertype, tci);
                hdr.vlan = Some((ethertype, tci));
                Some((vlan, hdr))
            }
            TxVerdict::Drop => {
                self.stats.tx_drop(Stat::TxVlanDropped);
                None
            }
        }
    }

    /// The direct path of `start_xmit` (see the module documentation), for
    /// a VF whose TX ring is idle. Gives the frame back if it must take
    /// the ring. With `more` frames behind it, the receiver's kick may be
    /// held: returns the port then owed it.
    fn xmit_direct(
        &self,
        bh: Bh<'_>,
        dev: &Device,
        mut skb: SkBuff,
        more: bool,
    ) -> core::result::Result<Option<PortId>, SkBuff> {
        if self.port_vlan().is_some() {
            // The ring path pushes the tag; the frame must reach it as sent.
            return Err(skb);
        }
        let spoofchk = self.spoofchk.load(Relaxed);
        let Some((vlan, hdr)) = self.egress(&dev.mac(), spoofchk, None, &mut skb) else {
            return Ok(None);
        };
        let (len, gso) = (skb.len(), skb.gso());
        let owed = self
            .esw
            .tx_direct(bh, self.index, vlan, &hdr, skb, more, &self.last_hop)?;
        self.stats.tx(len, gso, &hdr.dst, hdr.proto);
        self.stats.add(Stat::TxDirect, 1);
        Ok(owed)
    }

    /// `start_xmit` for one frame; returns the port owed a held kick after
    /// it (see `owed_kick`).
    fn xmit(&self, bh: Bh<'_>, dev: &Device, skb: SkBuff, more: bool) -> Option<PortId> {
        if self.link_state() == VfLinkState::Disable || skb.len() < 14 {
            self.stats.add(Stat::TxDropped, 1);
            return None;
        }
        let coal = self.tx_mod.current();
        let skb = if coal == Coalesce::OFF && self.shaper_idle() && !self.faults.tx_stalled() {
            // The ring's count is read before the drain's flag: a drain that
            // emptied the ring set the flag before it stored the count, and
            // clears it only after switching the frames (release, paired
            // with these acquires). This is the only producer (the core's
            // xmit lock), so the ring stays empty meanwhile.
            let idle = self.tx_queued.load(Acquire) == 0 && !self.draining.load(Acquire);
            if idle {
                match self.xmit_direct(bh, dev, skb, more) {
                    Ok(owed) => return owed,
                    Err(skb) => skb,
                }
            } else {
                skb
            }
        } else {
            skb
        };
        let len = skb.len();
        let (pushed, kick) = {
            let mut ring = bh.lock(&self.tx);
            let r = ring.push(skb);
            self.tx_queued.store(ring.len(), Release);
            if ring.len() == ring.size() {
                dev.stop_queue();
            }
            let kick = match r {
                // Byte queue limits count what the ring holds; the doorbell
                // waits for the last frame of a burst, unless the queue
                // stopped (the core sends no more then).
                Ok(()) => {
                    let last = dev.bql_sent(len, more);
                    match coal.on_queued(ring.len(), ring.size()) {
                        Kick::Now if !last => Kick::Pending,
                        kick => kick,
                    }
                }
                Err(_) => Kick::Now,
            };
            (r, kick)
        };
        if let Err(skb) = pushed {
            drop(skb);
            self.stats.add(Stat::TxDropped, 1);
        }
        queue::kick(&self.napi, Timer::Tx, kick);
        None
    }

    /// Moves up to `TX_BATCH` frames from the TX ring into the switch, as
    /// far as the shaper lets them go, taking them off the ring `TX_POP` at
    /// a time under one hold of its lock. The clock and the shaper's lock
    /// are left alone while the shaper has nothing to do.
    fn drain_tx(&self, bh: Bh<'_>, dev: &Device) -> Drained {
        let idle = self.shaper_idle();
        let link = self.esw.link_budget();
        let now = if idle { 0 } else { self.esw.now_ns() };
        let own = dev.mac();
        let spoofchk = self.spoofchk.load(Relaxed);
        let port_vlan = self.port_vlan();
        let shaped = (!idle).then_some((link, now));
        for _ in 0..TX_BATCH / TX_POP {
            let mut batch: [Option<SkBuff>; TX_POP] = Default::default();
            let end = self.pop_tx(bh, dev, shaped, &mut batch);
            for mut skb in batch.into_iter().flatten() {
                if let Some((vlan, hdr)) = self.egress(&own, spoofchk, port_vlan.as_ref(), &mut skb)
                {
                    self.stats.tx(skb.len(), skb.gso(), &hdr.dst, hdr.proto);
                    self.esw.tx_from_vf(bh, self.index, vlan, &hdr, skb);
                }
            }
            if let Some(drained) = end {
                return drained;
            }
        }
        Drained::More
    }

    /// Takes frames off the TX ring into `out`, oldest first, under one hold
    /// of its lock, each admitted by the shaper first if `shaped` (link
    /// budget, now). Returns how the drain ends if it must: the ring
    /// emptied, or the shaper holds the next frame back.
    fn pop_tx(
        &self,
        bh: Bh<'_>,
        dev: &Device,
        shaped: Option<(&LinkBudget, u64)>,
        out: &mut [Option<SkBuff>],
    ) -> Option<Drained> {
        let mut ring = bh.lock(&self.tx);
        let mut shaper = shaped.map(|s| (s, bh.lock(&self.shaper)));
        let (mut n, mut bytes) = (0u32, 0u32);
        let mut end = None;
        for slot in out.iter_mut() {
            if let Some(((link, now), shaper)) = &mut shaper {
                let Some(len) = ring.peek().map(SkBuff::len) else {
                    break;
                };
                if let Admit::After(ns) = shaper.admit(link, *now, len) {
                    end = Some(Drained::Throttled(ns));
                    break;
                }
            }
            let Some(skb) = ring.pop() else {
                break;
            };
            n += 1;
            bytes = bytes.saturating_add(skb.len());
            *slot = Some(skb);
        }
        let left = ring.len();
        self.tx_queued.store(left, Release);
        if left == 0 {
            end = Some(Drained::Empty);
        }
        if n > 0 {
            // Off the ring: byte queue limits see them go, here under the
            // lock, as every completion is.
            dev.bql_completed(n, bytes);
            if dev.queue_stopped() {
                // Progress: the TX watchdog must not fire.
                dev.trans_update();
                if left < ring.size() / 2 {
                    dev.wake_queue();
                }
            }
        }
        end
    }
}

#[vtable]
impl EthtoolOps for Vf {
    const STAT_NAMES: &'static [&'static CStr] = STAT_NAMES;

    fn rings(&self) -> RingParams {
        RingParams {
            rx_max: queue::RING_MAX,
            tx_max: queue::RING_MAX,
            rx: self.rx.size(),
            tx: self.tx.lock().size(),
        }
    }

    fn set_rings(&self, dev: &Device, rx: u32, tx: u32, extack: &ExtAck) -> Result {
        let rx = queue::ring_size(rx, extack)?;
        let tx = queue::ring_size(tx, extack)?;
        let (rx_now, tx_now) = (self.rx.size(), self.tx.lock().size());
        // Both allocations before either swap: a failure changes nothing.
        let fault = || self.faults.ring_alloc();
        let fresh_rx = rxq::new_slots(rx, rx_now, fault, extack)?;
        let fresh_tx = queue::new_ring(tx, tx_now, fault, Ring::new, extack)?;
        if let Some(fresh) = fresh_rx {
            self.stats.add(Stat::RxDropped, self.rx.replace(fresh));
        }
        if let Some(fresh) = fresh_tx {
            // A stopped queue is woken by the poll once the ring drains
            // below half (the ring was full, so a poll is due).
            self.stats.add(Stat::TxDropped, self.swap_tx(dev, fresh));
        }
        // A poll that ran into the resize handed nothing up: poll again
        // (nothing happens while the port is down).
        bh_disabled(|_| self.napi.schedule());
        Ok(())
    }

    fn rx_coalesce(&self) -> CoalesceParams {
        self.rx_mod.params()
    }

    fn tx_coalesce(&self) -> CoalesceParams {
        self.tx_mod.params()
    }

    fn set_coalesce(
        &self,
        _dev: &Device,
        rx: CoalesceParams,
        tx: Option<CoalesceParams>,
        extack: &ExtAck,
    ) -> Result {
        let tx = tx.unwrap_or_else(|| self.tx_mod.params());
        let rx_fixed = queue::coalesce(Direction::Rx, rx.usecs, rx.frames, extack)?;
        let tx_fixed = queue::coalesce(Direction::Tx, tx.usecs, tx.frames, extack)?;
        self.rx_mod.set(rx_fixed, rx.adaptive);
        self.tx_mod.set(tx_fixed, tx.adaptive);
        Ok(())
    }

    fn ethtool_stats(&self, out: &mut [u64]) {
        let (rx, tx) = (self.rx_mod.current_values(), self.tx_mod.current_values());
        self.stats.ethtool_stats(out, rx, tx);
    }

    const RMON_RANGES: &'static [HistRange] = stats::RMON_RANGES;

    fn std_stats(&self) -> StdStats {
        self.stats.std_stats()
    }
}

/// A function's port for `owed_kick`: 0 for none.
fn pack_port(port: Option<PortId>) -> u32 {
    match port {
        None | Some(PortId::Uplink) => 0,
        Some(PortId::Pf) => 1,
        Some(PortId::Vf(i)) => 2 + u32::from(i),
    }
}

/// The port [`pack_port`] packed.
fn unpack_port(packed: u32) -> Option<PortId> {
    match packed {
        0 => None,
        1 => Some(PortId::Pf),
        n => u16::try_from(n - 2).ok().map(PortId::Vf),
    }
}

fn link_state_to_u8(s: VfLinkState) -> u8 {
    match s {
        VfLinkState::Auto => 0,
        VfLinkState::Enable => 1,
        VfLinkState::Disable => 2,
    }
}

#[vtable]
impl NetdevOps for Vf {
    fn open(&self, dev: &Device) -> Result {
        self.napi.enable()?;
        self.update_carrier(dev);
        dev.bql_reset();
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
        let dropped = self.drop_tx(dev);
        self.stats.add(Stat::TxDropped, dropped);
        // A held kick is owed to a function that may still be up.
        if let Some(port) = unpack_port(self.owed_kick.swap(0, Relaxed)) {
            bh_disabled(|_| self.esw.kick(port));
        }
        self.stats.add(Stat::RxDropped, rxq::purge(&self.rx));
    }

    fn tx_skb_sharing(&self) -> bool {
        self.tx_skb_sharing
    }

    fn start_xmit(&self, bh: Bh<'_>, dev: &Device, skb: SkBuff, more: bool) {
        let owed = self.owed_kick.load(Relaxed);
        let now_owed = pack_port(self.xmit(bh, dev, skb, more));
        if owed != now_owed {
            // One kick per receiver and burst: the one owed is paid when the
            // burst ends or its next frame goes elsewhere.
            if let Some(port) = unpack_port(owed) {
                self.esw.kick(port);
            }
            self.owed_kick.store(now_owed, Relaxed);
        }
    }

    fn poll(&self, poll: &Poll<'_>, budget: i32) -> i32 {
        self.stats.add(Stat::RxPolls, 1);
        self.rx_mod.poll_started(poll.napi(), Timer::Rx);
        self.tx_mod.poll_started(poll.napi(), Timer::Tx);
        let dev = poll.dev();
        let tx = if self.tx_queued.load(Acquire) == 0 {
            // A frame queued after this read kicks the poll again.
            Drained::Empty
        } else if self.faults.tx_stall_holds() {
            // Injected hang: the ring fills, the queue stops and stays
            // stopped until the TX watchdog resets it.
            Drained::Empty
        } else {
            // Set before the count is stored, so that `start_xmit`, which
            // finds the count 0, sees it.
            self.draining.store(true, Relaxed);
            let tx = self.drain_tx(poll.bh(), dev);
            self.draining.store(false, Release);
            tx
        };
        let done = if self.faults.rx_stall_holds() {
            // Injected RX stall: the ring fills, then drops.
            0
        } else {
            rxq::deliver(&self.rx, poll, budget)
        };
        let s = &self.stats;
        self.rx_mod
            .sample(poll, || (s.get(Stat::RxPackets), s.get(Stat::RxBytes)));
        self.tx_mod
            .sample(poll, || (s.get(Stat::TxPackets), s.get(Stat::TxBytes)));
        if let Drained::More = tx {
            // Stay scheduled: claim the whole budget.
            return budget;
        }
        if done < budget {
            // A frame queued after the drain re-schedules us through
            // `start_xmit`'s `schedule` (the core's MISSED bit); a frame the
            // shaper holds back, through the timer.
            if poll.complete_done(done) {
                if let Drained::Throttled(ns) = tx {
                    poll.napi().schedule_in(ns);
                }
            }
        }
        done
    }

    fn set_rx_mode(&self, dev: &Device, addrs: &AddrLists<'_>) {
        let mut filter = RxFilter::new();
        filter.set_modes(dev.is_promisc(), dev.is_allmulti());
        addrs.for_each_mc(|group| filter.add_group(group));
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

    fn xdp(&self) -> &Xdp {
        &self.xdp
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

/// The switch's view of a VF.
impl SwitchPort for DevRef<DriverNetdev<Vf>> {
    fn mac(&self) -> Option<MacAddr> {
        Some(DevRef::dev(self).mac())
    }

    fn is(&self, dev: &Device) -> bool {
        DevRef::dev(self).is(dev)
    }

    fn port_vlan(&self) -> Option<PortVlan> {
        self.state().and_then(Vf::port_vlan)
    }

    fn accepts_group(&self, group: &MacAddr) -> bool {
        self.state().is_some_and(|vf| vf.accepts_group(group))
    }

    fn wants_all_unicast(&self) -> bool {
        self.state().is_some_and(Vf::wants_all_unicast)
    }

    fn is_active(&self) -> bool {
        self.state().is_some_and(Vf::is_active)
    }

    fn receive(&self, bh: Bh<'_>, hdr: &EthHdr, skb: SkBuff, hold: bool) -> bool {
        match self.state() {
            Some(vf) => vf.receive(bh, DevRef::dev(self), hdr, skb, hold),
            None => false,
        }
    }

    fn kick(&self) {
        if let Some(vf) = self.state() {
            vf.kick_rx();
        }
    }
}
