// SPDX-License-Identifier: GPL-2.0

//! The receive side of a port (PF, VF, representor): an RX ring filled by
//! the switch (many producers, under the ring's lock) and drained to the
//! stack by the port's NAPI poll (the one consumer, without a lock), with
//! GRO.

use crate::{
    coalesce::{Coalesce, Kick},
    eswitch::SwitchPort,
    flower::{FlowAction, Flows},
    net::{
        device::Device,
        dim::Direction,
        ether::MacAddr,
        ethtool::{CoalesceParams, RingParams},
        link::{Driver, RcuLink},
        lock::{bh_disabled, Bh},
        napi::{Napi, Poll, Timer},
        netdev::DevRef,
        ops::{Lookup, NetdevOps},
        rtnl::ExtAck,
        rx_ring::{RxRing, RxSlots},
        skb::{EthHdr, SkBuff},
        xdp::Xdp,
    },
    queue::{self, Moderation},
    ring::RING_SIZE_DEFAULT,
    stats::{Counters, Stat},
};
use kernel::{prelude::*, sync::rcu};

/// Queues `skb`, with header `hdr`, `data` at its MAC header
/// ([`SkBuff::push_mac_header`]) and switched to `dev`, on `ring` and schedules
/// `napi` as coalescing `coal` says. Counts it in `stats` (received, or
/// dropped when the ring is full or the frame does not fit `dev`). BH
/// context.
///
/// With `hold` (the sender has more frames for this port right behind this
/// one), a kick that is due now is left to the caller, who owes it: returns
/// whether it does.
#[expect(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn enqueue(
    bh: Bh<'_>,
    dev: &Device,
    ring: &RxRing,
    napi: &Napi,
    stats: &Counters,
    coal: Coalesce,
    skb: SkBuff,
    hdr: &EthHdr,
    hold: bool,
) -> bool {
    let (bytes, gso) = (skb.len(), skb.gso());
    // The port is running (checked by the caller): the core refuses a
    // frame over its MTU, short of memory to copy a zero-copy one.
    let Ok(skb) = dev.forward_prepare(skb) else {
        stats.rx_too_long();
        return false;
    };
    match ring.push(bh, skb) {
        Ok((len, size)) => {
            stats.rx(bytes, gso, &hdr.dst, hdr.proto);
            match coal.on_queued(len, size) {
                Kick::Now if hold => return true,
                kick => queue::kick(napi, Timer::Rx, kick),
            }
        }
        // The ring is full: drop and count.
        Err(skb) => {
            drop(skb);
            stats.add(Stat::RxDropped, 1);
        }
    }
    false
}

/// Hands up to `budget` frames from `ring` to the stack; returns how many.
/// The poll is the ring's consumer: it takes no lock.
pub(crate) fn deliver(ring: &RxRing, poll: &Poll<'_>, budget: i32) -> i32 {
    let budget = u32::try_from(budget).unwrap_or(0);
    let done = ring.consume(budget, |skb| poll.receive(skb));
    // `done <= budget`, which came from an `i32`.
    done as i32
}

/// Frees what `ring` holds (the port stopped); returns how many.
pub(crate) fn purge(ring: &RxRing) -> u64 {
    u64::from(ring.consume(u32::MAX, drop))
}

/// `ethtool -G`'s new RX ring of `size` slots, if that is not `current`;
/// `fault` may fail the allocation.
pub(crate) fn new_slots(
    size: u32,
    current: u32,
    fault: impl FnOnce() -> Result,
    extack: &ExtAck,
) -> Result<Option<RxSlots>> {
    queue::new_ring(size, current, fault, RxSlots::new, extack)
}

/// The receive side of a port that transmits straight into the switch and
/// so has no TX ring: the PF and the representors. One RX ring drained by
/// one NAPI context, with RX coalescing; the port's counters.
#[pin_data]
pub(crate) struct RxQueue {
    #[pin]
    ring: RxRing,
    #[pin]
    napi: Napi,
    /// RX interrupt coalescing (`ethtool -C DEV rx-usecs ...`).
    #[pin]
    moder: Moderation,
    pub(crate) stats: Counters,
    /// The port's XDP program.
    pub(crate) xdp: Xdp,
}

impl RxQueue {
    /// A port with an RX ring of the default size and NAPI context `napi`.
    pub(crate) fn new(napi: impl PinInit<Napi>) -> Result<impl PinInit<Self, Error>> {
        let ring = RxRing::new(RING_SIZE_DEFAULT)?;
        Ok(try_pin_init!(Self {
            ring <- ring,
            napi <- napi,
            moder <- Moderation::new(Direction::Rx),
            stats: Counters::new()?,
            xdp: Xdp::new(),
        }? Error))
    }

    /// A frame with header `hdr` the switch delivers to `dev`, the port's
    /// netdev (BH context). With `hold`, a kick due now is owed by the
    /// caller instead (returns whether it is; [`enqueue`]).
    pub(crate) fn receive(
        &self,
        bh: Bh<'_>,
        dev: &Device,
        hdr: &EthHdr,
        mut skb: SkBuff,
        hold: bool,
    ) -> bool {
        if !dev.is_running() {
            self.stats.add(Stat::RxDropped, 1);
            return false;
        }
        skb.push_mac_header();
        enqueue(
            bh,
            dev,
            &self.ring,
            &self.napi,
            &self.stats,
            self.moder.current(),
            skb,
            hdr,
            hold,
        )
    }

    /// Schedules the port's poll: the kick a held delivery owed (BH
    /// context).
    pub(crate) fn kick(&self) {
        self.napi.schedule();
    }

    /// `ndo_open`.
    pub(crate) fn open(&self) -> Result {
        self.napi.enable()
    }

    /// `ndo_stop`: stops polling and drops what the ring holds.
    pub(crate) fn stop(&self) {
        self.napi.disable();
        self.moder.stopped();
        self.stats.add(Stat::RxDropped, purge(&self.ring));
    }

    /// The NAPI poll.
    pub(crate) fn poll(&self, poll: &Poll<'_>, budget: i32) -> i32 {
        self.stats.add(Stat::RxPolls, 1);
        self.moder.poll_started(poll.napi(), Timer::Rx);
        let done = deliver(&self.ring, poll, budget);
        let s = &self.stats;
        self.moder
            .sample(poll, || (s.get(Stat::RxPackets), s.get(Stat::RxBytes)));
        if done < budget {
            poll.complete_done(done);
        }
        done
    }

    /// `ethtool -g`.
    pub(crate) fn rings(&self) -> RingParams {
        RingParams {
            rx_max: queue::RING_MAX,
            tx_max: 0,
            rx: self.ring.size(),
            tx: 0,
        }
    }

    /// `ethtool -G DEV rx N`; `fault` may fail the allocation.
    pub(crate) fn set_rings(
        &self,
        rx: u32,
        fault: impl FnOnce() -> Result,
        extack: &ExtAck,
    ) -> Result {
        let size = queue::ring_size(rx, extack)?;
        if let Some(fresh) = new_slots(size, self.ring.size(), fault, extack)? {
            self.stats.add(Stat::RxDropped, self.ring.replace(fresh));
            // A poll that ran into the resize handed nothing up: poll again
            // (nothing happens while the port is down).
            bh_disabled(|_| self.napi.schedule());
        }
        Ok(())
    }

    /// `ethtool -c`.
    pub(crate) fn coalesce(&self) -> CoalesceParams {
        self.moder.params()
    }

    /// `ethtool -C`.
    pub(crate) fn set_coalesce(&self, c: CoalesceParams, extack: &ExtAck) -> Result {
        let rx = queue::coalesce(Direction::Rx, c.usecs, c.frames, extack)?;
        self.moder.set(rx, c.adaptive);
        Ok(())
    }

    /// `ethtool -S`.
    pub(crate) fn ethtool_stats(&self, out: &mut [u64]) {
        self.stats
            .ethtool_stats(out, self.moder.current_values(), (0, 0));
    }
}

/// A device whose receive side is an [`RxQueue`] and whose ingress takes
/// offloaded flower rules: the PF and the representors.
pub(crate) trait RxQueueOwner: NetdevOps {
    /// Its receive side.
    fn rx_queue(&self) -> &RxQueue;

    /// The offloaded rules of its ingress.
    fn flows(&self) -> &Flows;
}

/// The switch's view of a representor: frames go to its RX ring,
/// unfiltered.
impl<L: Lookup> SwitchPort for DevRef<L>
where
    L::Ops: RxQueueOwner,
{
    fn mac(&self) -> Option<MacAddr> {
        Some(DevRef::dev(self).mac())
    }

    fn is(&self, dev: &Device) -> bool {
        DevRef::dev(self).is(dev)
    }

    fn receive(&self, bh: Bh<'_>, hdr: &EthHdr, skb: SkBuff, hold: bool) -> bool {
        match self.state() {
            Some(owner) => owner
                .rx_queue()
                .receive(bh, DevRef::dev(self), hdr, skb, hold),
            None => false,
        }
    }

    fn kick(&self) {
        if let Some(owner) = self.state() {
            owner.rx_queue().kick();
        }
    }

    fn offloaded(&self, hdr: &EthHdr, skb: &SkBuff) -> Option<FlowAction> {
        self.state()?.flows().decide(hdr, skb)
    }
}

/// The switch's view of the PF, which it reaches without holding it (the
/// PF owns the switch): as a representor's, while the PF is registered.
impl<T: Driver + RxQueueOwner> SwitchPort for RcuLink<T> {
    fn mac(&self) -> Option<MacAddr> {
        let guard = rcu::read_lock();
        self.get(&guard).map(|(dev, _)| dev.mac())
    }

    fn is(&self, dev: &Device) -> bool {
        let guard = rcu::read_lock();
        self.get(&guard).is_some_and(|(me, _)| me.is(dev))
    }

    fn receive(&self, bh: Bh<'_>, hdr: &EthHdr, skb: SkBuff, hold: bool) -> bool {
        match self.get(&bh) {
            Some((dev, owner)) => owner.rx_queue().receive(bh, dev, hdr, skb, hold),
            None => false,
        }
    }

    fn kick(&self) {
        let guard = rcu::read_lock();
        if let Some((_, owner)) = self.get(&guard) {
            owner.rx_queue().kick();
        }
    }

    fn offloaded(&self, hdr: &EthHdr, skb: &SkBuff) -> Option<FlowAction> {
        let guard = rcu::read_lock();
        self.get(&guard)?.1.flows().decide(hdr, skb)
    }
}
