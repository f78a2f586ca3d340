// SPDX-License-Identifier: GPL-2.0

//! The receive side of a port (PF, VF, representor): an RX ring filled by
//! the switch and drained to the stack by the port's NAPI poll, with GRO.

use crate::{
    coalesce::Coalesce,
    ether::{self, MacAddr},
    ethtool::{self, Moderation},
    net::{
        device::Device,
        ethtool::{CoalesceParams, RingParams},
        link::ExtAck,
        lock::{new_spinlock_bh, SpinLockBh},
        napi::{Napi, Timer},
        skb::SkBuff,
    },
    ring::{self, Ring, RING_SIZE_DEFAULT},
    stats::{Counters, Stat},
};
use kernel::prelude::*;

/// Queues `skb`, for `dst` and switched to `dev`, on `ring` and schedules
/// `napi` as coalescing `coal` says. Counts it in `stats` (received, or
/// dropped when the ring is full or the frame does not fit `dev`). BH
/// context.
pub(crate) fn enqueue(
    dev: &Device,
    ring: &SpinLockBh<Ring<SkBuff>>,
    napi: &Napi,
    stats: &Counters,
    coal: Coalesce,
    mut skb: SkBuff,
    dst: &MacAddr,
) {
    skb.push_mac_header();
    let len = u64::from(skb.len());
    let Ok(skb) = dev.forward_prepare(skb) else {
        stats.add(Stat::RxDropped, 1);
        return;
    };
    let pushed = {
        let mut ring = ring.lock();
        ring.push(skb)
            .map(|()| coal.on_queued(ring.len(), ring.size()))
    };
    match pushed {
        Ok(kick) => {
            stats.rx(len, ether::is_broadcast(dst), ether::is_multicast(dst));
            ethtool::kick(napi, Timer::Rx, kick);
        }
        // The ring is full: drop (outside the lock) and count.
        Err(skb) => {
            drop(skb);
            stats.add(Stat::RxDropped, 1);
        }
    }
}

/// Hands up to `budget` frames from `ring` to the stack; returns how many.
/// One lock per frame, which also tells whether more are queued: a poll
/// that finds one frame takes the lock once. (No batch array: clearing one
/// per poll costs more than the locks it saves under emulation.)
pub(crate) fn deliver(ring: &SpinLockBh<Ring<SkBuff>>, napi: &Napi, budget: i32) -> i32 {
    let mut done = 0;
    while done < budget {
        let (next, left) = ring.lock().pop_counted();
        let Some(skb) = next else { break };
        napi.gro_receive(skb);
        done += 1;
        if left == 0 {
            break;
        }
    }
    done
}

/// The receive side of a port that transmits straight into the switch and
/// so has no TX ring: the PF and the representors. One RX ring drained by
/// one NAPI context, with RX coalescing; the port's counters.
#[pin_data]
pub(crate) struct RxPort {
    #[pin]
    ring: SpinLockBh<Ring<SkBuff>>,
    #[pin]
    napi: Napi,
    /// RX interrupt coalescing (`ethtool -C DEV rx-usecs ...`).
    #[pin]
    moder: Moderation,
    pub(crate) stats: Counters,
}

impl RxPort {
    /// A port with an RX ring of the default size and NAPI context `napi`.
    pub(crate) fn new(napi: impl PinInit<Napi>) -> Result<impl PinInit<Self, Error>> {
        let ring = Ring::new(RING_SIZE_DEFAULT)?;
        Ok(try_pin_init!(Self {
            ring <- new_spinlock_bh!(ring, "svnic_rx"),
            napi <- napi,
            moder <- Moderation::new(ethtool::Dir::Rx),
            stats: Counters::new()?,
        }? Error))
    }

    /// A frame for `dst` the switch delivers to `dev`, the port's netdev
    /// (BH context).
    pub(crate) fn receive(&self, dev: &Device, dst: &MacAddr, skb: SkBuff) {
        if !dev.is_running() {
            self.stats.add(Stat::RxDropped, 1);
            return;
        }
        enqueue(
            dev,
            &self.ring,
            &self.napi,
            &self.stats,
            self.moder.current(),
            skb,
            dst,
        );
    }

    /// `ndo_open`.
    pub(crate) fn open(&self) {
        self.napi.enable();
    }

    /// `ndo_stop`: stops polling and drops what the ring holds.
    pub(crate) fn stop(&self) {
        self.napi.disable();
        self.moder.stopped();
        self.stats.add(Stat::RxDropped, ring::drain(&self.ring));
    }

    /// The NAPI poll.
    pub(crate) fn poll(&self, napi: &Napi, budget: i32) -> i32 {
        self.stats.add(Stat::RxPolls, 1);
        self.moder.poll_started(napi, Timer::Rx);
        let done = deliver(&self.ring, napi, budget);
        let s = &self.stats;
        self.moder.sample(|| {
            (
                s.get(Stat::RxPolls),
                s.get(Stat::RxPackets),
                s.get(Stat::RxBytes),
            )
        });
        if done < budget {
            napi.complete_done(done);
        }
        done
    }

    /// `ethtool -g`.
    pub(crate) fn rings(&self) -> RingParams {
        RingParams {
            rx_max: ethtool::RING_MAX,
            tx_max: 0,
            rx: self.ring.lock().size(),
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
        let size = ethtool::ring_size(rx, extack)?;
        let current = self.ring.lock().size();
        if let Some(fresh) = ethtool::new_ring(size, current, fault, extack)? {
            self.stats
                .add(Stat::RxDropped, ethtool::swap_ring(&self.ring, fresh));
        }
        Ok(())
    }

    /// `ethtool -c`.
    pub(crate) fn coalesce(&self) -> CoalesceParams {
        let (rx, adaptive_rx) = self.moder.configured();
        CoalesceParams {
            rx_usecs: rx.usecs(),
            rx_frames: rx.frames(),
            adaptive_rx,
            ..CoalesceParams::default()
        }
    }

    /// `ethtool -C`.
    pub(crate) fn set_coalesce(&self, c: CoalesceParams, extack: &ExtAck) -> Result {
        let rx = ethtool::coalesce(ethtool::Dir::Rx, c.rx_usecs, c.rx_frames, extack)?;
        self.moder.set(rx, c.adaptive_rx);
        Ok(())
    }

    /// `ethtool -S`.
    pub(crate) fn ethtool_stats(&self, out: &mut [u64]) {
        self.stats
            .ethtool_stats(out, self.moder.current_values(), (0, 0));
    }
}
