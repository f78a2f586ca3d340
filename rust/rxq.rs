// SPDX-License-Identifier: GPL-2.0

//! The receive side of a port (PF or VF): an RX ring filled by the switch
//! and drained to the stack by the port's NAPI poll, with GRO.

use crate::{
    coalesce::Coalesce,
    ether, ethtool,
    net::{
        device::Device,
        napi::{Napi, Timer},
        skb::SkBuff,
    },
    ring::Ring,
    stats::Counters,
};
use kernel::sync::SpinLockIrq;

/// Queues `skb`, switched to `dev`, on `ring` and schedules `napi` as
/// coalescing `coal` says. Counts it in `stats` (received, or dropped when
/// the ring is full or the frame does not fit `dev`). BH context.
pub(crate) fn enqueue(
    dev: &Device,
    ring: &SpinLockIrq<Ring<SkBuff>>,
    napi: &Napi,
    stats: &Counters,
    coal: Coalesce,
    mut skb: SkBuff,
) {
    skb.push_mac_header();
    let len = u64::from(skb.len());
    let dst = skb.eth_dest().unwrap_or([0; 6]);
    let Ok(skb) = dev.forward_prepare(skb) else {
        Counters::add(&stats.rx_dropped, 1);
        return;
    };
    let pushed = {
        let mut ring = ring.lock();
        ring.push(skb)
            .map(|()| coal.on_queued(ring.len(), ring.size()))
    };
    match pushed {
        Ok(kick) => {
            stats.rx(len, ether::is_broadcast(&dst), ether::is_multicast(&dst));
            ethtool::kick(napi, Timer::Rx, kick);
        }
        // The ring is full: drop (outside the lock) and count.
        Err(skb) => {
            drop(skb);
            Counters::add(&stats.rx_dropped, 1);
        }
    }
}

/// Hands up to `budget` frames from `ring` to the stack; returns how many.
pub(crate) fn deliver(ring: &SpinLockIrq<Ring<SkBuff>>, napi: &Napi, budget: i32) -> i32 {
    let mut done = 0;
    while done < budget {
        let next = ring.lock().pop();
        let Some(skb) = next else { break };
        napi.gro_receive(skb);
        done += 1;
    }
    done
}
