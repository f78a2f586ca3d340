// SPDX-License-Identifier: GPL-2.0

//! Software counters of one port (PF or VF).

use crate::net::{link::VfStats, ops::LinkStats};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::prelude::*;

/// Per-port counters, updated lock-free on the data path.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) rx_packets: AtomicU64,
    pub(crate) rx_bytes: AtomicU64,
    pub(crate) rx_dropped: AtomicU64,
    pub(crate) rx_broadcast: AtomicU64,
    pub(crate) rx_multicast: AtomicU64,
    pub(crate) tx_packets: AtomicU64,
    pub(crate) tx_bytes: AtomicU64,
    pub(crate) tx_dropped: AtomicU64,
    /// Frames dropped by the spoof check (also counted in `tx_dropped`).
    pub(crate) tx_spoofed: AtomicU64,
    /// Frames dropped by the port VLAN policy: tagged frames from a VF
    /// with a port VLAN (also counted in `tx_dropped`).
    pub(crate) tx_vlan_dropped: AtomicU64,
    /// NAPI polls of the port (its "interrupts", fewer with coalescing).
    pub(crate) rx_polls: AtomicU64,
}

/// The names of the values of `ethtool -S`: [`Counters::ethtool_stats`]'
/// counters, then the moderation each direction applies now (the
/// `ethtool -C` values, or DIM's in adaptive mode; 0 for a PF's TX).
pub(crate) const STAT_NAMES: &[&CStr] = &[
    c"rx_packets",
    c"rx_bytes",
    c"rx_dropped",
    c"rx_broadcast",
    c"rx_multicast",
    c"tx_packets",
    c"tx_bytes",
    c"tx_dropped",
    c"tx_spoofed",
    c"tx_vlan_dropped",
    c"rx_polls",
    c"rx_moder_usecs",
    c"rx_moder_frames",
    c"tx_moder_usecs",
    c"tx_moder_frames",
];

impl Counters {
    /// Adds `n` to `counter`.
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    /// Counts one received frame of `len` bytes.
    pub(crate) fn rx(&self, len: u64, broadcast: bool, multicast: bool) {
        Self::add(&self.rx_packets, 1);
        Self::add(&self.rx_bytes, len);
        if broadcast {
            Self::add(&self.rx_broadcast, 1);
        } else if multicast {
            Self::add(&self.rx_multicast, 1);
        }
    }

    /// Counts one transmitted frame of `len` bytes.
    pub(crate) fn tx(&self, len: u64) {
        Self::add(&self.tx_packets, 1);
        Self::add(&self.tx_bytes, len);
    }

    /// The values of `ethtool -S`, in the order of [`STAT_NAMES`], with
    /// the moderation `rx` and `tx` (`(usecs, frames)`) applied now.
    pub(crate) fn ethtool_stats(&self, out: &mut [u64], rx: (u32, u32), tx: (u32, u32)) {
        let all = [
            &self.rx_packets,
            &self.rx_bytes,
            &self.rx_dropped,
            &self.rx_broadcast,
            &self.rx_multicast,
            &self.tx_packets,
            &self.tx_bytes,
            &self.tx_dropped,
            &self.tx_spoofed,
            &self.tx_vlan_dropped,
            &self.rx_polls,
        ];
        let moder = [rx.0, rx.1, tx.0, tx.1].map(u64::from);
        let values = Iterator::chain(all.iter().map(|c| c.load(Relaxed)), moder);
        for (o, v) in out.iter_mut().zip(values) {
            *o = v;
        }
    }

    /// The interface view (`ip -s link show DEV`).
    pub(crate) fn link_stats(&self) -> LinkStats {
        LinkStats {
            rx_packets: self.rx_packets.load(Relaxed),
            rx_bytes: self.rx_bytes.load(Relaxed),
            rx_dropped: self.rx_dropped.load(Relaxed),
            multicast: self.rx_multicast.load(Relaxed) + self.rx_broadcast.load(Relaxed),
            tx_packets: self.tx_packets.load(Relaxed),
            tx_bytes: self.tx_bytes.load(Relaxed),
            tx_dropped: self.tx_dropped.load(Relaxed),
        }
    }

    /// The PF's view of a VF (`ip -s link show PF`, IFLA_VF_STATS).
    pub(crate) fn vf_stats(&self) -> VfStats {
        VfStats {
            rx_packets: self.rx_packets.load(Relaxed),
            tx_packets: self.tx_packets.load(Relaxed),
            rx_bytes: self.rx_bytes.load(Relaxed),
            tx_bytes: self.tx_bytes.load(Relaxed),
            broadcast: self.rx_broadcast.load(Relaxed),
            multicast: self.rx_multicast.load(Relaxed),
            rx_dropped: self.rx_dropped.load(Relaxed),
            tx_dropped: self.tx_dropped.load(Relaxed),
        }
    }
}
