// SPDX-License-Identifier: GPL-2.0

//! Software counters of one port (PF, VF, representor).
//!
//! Every counter is per CPU ([`PerCpuCounters`]): the data path adds to its
//! CPU's copy without a locked instruction, as veth's per-CPU stats do;
//! readers (`ip -s link`, `ethtool -S`, IFLA_VF_STATS) sum the copies.

use crate::net::{ops::LinkStats, percpu::PerCpuCounters, vf_ndo::VfStats};
use kernel::prelude::*;

/// One counter of a port, in the order of [`STAT_NAMES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stat {
    RxPackets,
    RxBytes,
    RxDropped,
    RxBroadcast,
    RxMulticast,
    TxPackets,
    TxBytes,
    TxDropped,
    /// Frames dropped by the spoof check (also counted in `TxDropped`).
    TxSpoofed,
    /// Frames dropped by the port VLAN policy: tagged frames from a VF
    /// with a port VLAN (also counted in `TxDropped`).
    TxVlanDropped,
    /// NAPI polls of the port (its "interrupts", fewer with coalescing).
    RxPolls,
    /// Frames a VF switched straight from `ndo_start_xmit` (its TX ring
    /// empty, no shaper, no TX coalescing), not through its TX ring.
    TxDirect,
}

/// Number of [`Stat`]s.
const NSTATS: usize = 12;

/// The names of the values of `ethtool -S`: the [`Stat`]s, then the
/// moderation each direction applies now (the `ethtool -C` values, or DIM's
/// in adaptive mode; 0 for a PF's TX).
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
    c"tx_direct",
    c"rx_moder_usecs",
    c"rx_moder_frames",
    c"tx_moder_usecs",
    c"tx_moder_frames",
];

/// Per-port counters, per CPU.
pub(crate) struct Counters(PerCpuCounters<NSTATS>);

impl Counters {
    /// Counters at 0.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self(PerCpuCounters::new()?))
    }

    /// Adds `n` to `stat` (any context).
    #[inline]
    pub(crate) fn add(&self, stat: Stat, n: u64) {
        self.0.add(stat as usize, n);
    }

    /// The value of `stat`.
    pub(crate) fn get(&self, stat: Stat) -> u64 {
        self.0.sum(stat as usize)
    }

    /// Counts one received frame of `len` bytes.
    #[inline]
    pub(crate) fn rx(&self, len: u64, broadcast: bool, multicast: bool) {
        self.add(Stat::RxPackets, 1);
        self.add(Stat::RxBytes, len);
        if broadcast {
            self.add(Stat::RxBroadcast, 1);
        } else if multicast {
            self.add(Stat::RxMulticast, 1);
        }
    }

    /// Counts one transmitted frame of `len` bytes.
    #[inline]
    pub(crate) fn tx(&self, len: u64) {
        self.add(Stat::TxPackets, 1);
        self.add(Stat::TxBytes, len);
    }

    /// Counts one frame dropped on transmit for `why` (also a `TxDropped`).
    pub(crate) fn tx_drop(&self, why: Stat) {
        self.add(why, 1);
        self.add(Stat::TxDropped, 1);
    }

    /// The values of `ethtool -S`, in the order of [`STAT_NAMES`], with
    /// the moderation `rx` and `tx` (`(usecs, frames)`) applied now.
    pub(crate) fn ethtool_stats(&self, out: &mut [u64], rx: (u32, u32), tx: (u32, u32)) {
        let moder = [rx.0, rx.1, tx.0, tx.1].map(u64::from);
        let values = Iterator::chain((0..NSTATS).map(|i| self.0.sum(i)), moder);
        for (o, v) in out.iter_mut().zip(values) {
            *o = v;
        }
    }

    /// The interface view (`ip -s link show DEV`).
    pub(crate) fn link_stats(&self) -> LinkStats {
        LinkStats {
            rx_packets: self.get(Stat::RxPackets),
            rx_bytes: self.get(Stat::RxBytes),
            rx_dropped: self.get(Stat::RxDropped),
            multicast: self.get(Stat::RxMulticast) + self.get(Stat::RxBroadcast),
            tx_packets: self.get(Stat::TxPackets),
            tx_bytes: self.get(Stat::TxBytes),
            tx_dropped: self.get(Stat::TxDropped),
        }
    }

    /// The PF's view of a VF (`ip -s link show PF`, IFLA_VF_STATS).
    pub(crate) fn vf_stats(&self) -> VfStats {
        VfStats {
            rx_packets: self.get(Stat::RxPackets),
            tx_packets: self.get(Stat::TxPackets),
            rx_bytes: self.get(Stat::RxBytes),
            tx_bytes: self.get(Stat::TxBytes),
            broadcast: self.get(Stat::RxBroadcast),
            multicast: self.get(Stat::RxMulticast),
            rx_dropped: self.get(Stat::RxDropped),
            tx_dropped: self.get(Stat::TxDropped),
        }
    }
}
