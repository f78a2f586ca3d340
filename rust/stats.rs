// SPDX-License-Identifier: GPL-2.0

//! Software counters of one port (PF, VF, representor).
//!
//! Every counter is per CPU ([`PerCpuCounters`]): the data path adds to its
//! CPU's copy without a locked instruction, as veth's per-CPU stats do;
//! readers (`ip -s link`, `ethtool -S`, IFLA_VF_STATS) sum the copies.

use crate::net::{
    ether::{self, MacAddr},
    ethtool::{HistRange, MacStats, RmonStats, StdStats, RMON_HIST_MAX},
    ops::LinkStats,
    percpu::PerCpuCounters,
    skb::SkBuff,
    vf_ndo::VfStats,
};
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

/// The buckets of every port's RMON histograms, FCS included: the RFC
/// 2819 sizes to 1518 bytes, then powers of two to the largest frame a
/// port takes (MTU 9216 and a VLAN tag).
pub(crate) const RMON_RANGES: &[HistRange] = &[
    HistRange::new(0, 64),
    HistRange::new(65, 127),
    HistRange::new(128, 255),
    HistRange::new(256, 511),
    HistRange::new(512, 1023),
    HistRange::new(1024, 1518),
    HistRange::new(1519, 2047),
    HistRange::new(2048, 4095),
    HistRange::new(4096, 8191),
    HistRange::new(8192, 9238),
    HistRange::END,
];

/// Number of buckets of [`RMON_RANGES`].
const NBUCKETS: usize = 10;

/// Bytes of frame check sequence a wire adds to each frame.
const FCS_LEN: u32 = 4;
/// Shortest frame on a wire before its FCS; shorter ones are padded.
const MIN_FRAME_LEN: u32 = 60;
/// EtherType of IEEE 802.3 MAC control frames (PAUSE, PFC).
const ETH_P_MAC_CONTROL: u16 = 0x8808;

/// The bucket of [`RMON_RANGES`] of a frame of `len` bytes (from its
/// destination address, without FCS).
#[inline]
pub(crate) fn rmon_bucket(len: u32) -> usize {
    let wire = len.max(MIN_FRAME_LEN) + FCS_LEN;
    RMON_RANGES[..NBUCKETS]
        .iter()
        .position(|r| wire <= u32::from(r.high()))
        .unwrap_or(NBUCKETS - 1)
}

/// The frames a buffer is on a wire, without FCS: one, or a GSO buffer's
/// segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WireFrames {
    /// How many.
    pub(crate) count: u32,
    /// Bytes of each but the last.
    pub(crate) each: u32,
    /// Bytes of the last.
    pub(crate) last: u32,
    /// Bytes of headers each segment repeats (0 for one frame).
    pub(crate) hdr: u32,
}

impl WireFrames {
    /// The frames of a buffer of `len` bytes with GSO shape `gso` (its
    /// segment payload and the headers each segment repeats;
    /// [`SkBuff::gso`]).
    pub(crate) fn of(len: u32, gso: Option<(u32, u32)>) -> Self {
        let one = Self {
            count: 1,
            each: len,
            last: len,
            hdr: 0,
        };
        let Some((size, hdr)) = gso.filter(|&(size, _)| size > 0) else {
            return one;
        };
        let hdr = hdr.min(len);
        let payload = len - hdr;
        if payload <= size {
            return one;
        }
        let count = payload.div_ceil(size);
        Self {
            count,
            each: hdr + size,
            last: hdr + payload - (count - 1) * size,
            hdr,
        }
    }
}

/// The counters of the standard statistics groups that [`Stat`] does not
/// hold, by index: the extra frames and header bytes GSO buffers are on
/// a wire, then group and control frames sent and received, frames too
/// long, and the histograms (received, then sent).
mod wire {
    pub(super) const TX_SEGS: usize = 0;
    pub(super) const TX_SEG_HDRS: usize = 1;
    pub(super) const RX_SEGS: usize = 2;
    pub(super) const RX_SEG_HDRS: usize = 3;
    pub(super) const TX_BROADCAST: usize = 4;
    pub(super) const TX_MULTICAST: usize = 5;
    pub(super) const TX_CONTROL: usize = 6;
    pub(super) const RX_CONTROL: usize = 7;
    pub(super) const RX_TOO_LONG: usize = 8;
    pub(super) const RX_HIST: usize = 9;
    pub(super) const TX_HIST: usize = RX_HIST + super::NBUCKETS;
    pub(super) const N: usize = TX_HIST + super::NBUCKETS;
}

/// Which way a frame went through a port, for [`Counters::wire`].
#[derive(Clone, Copy)]
enum Way {
    Rx,
    Tx,
}

/// Per-port counters, per CPU: the [`Stat`]s and the counters of the
/// standard statistics groups.
pub(crate) struct Counters {
    stats: PerCpuCounters<NSTATS>,
    wire: PerCpuCounters<{ wire::N }>,
}

impl Counters {
    /// Counters at 0.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            stats: PerCpuCounters::new()?,
            wire: PerCpuCounters::new()?,
        })
    }

    /// Adds `n` to `stat` (any context).
    #[inline]
    pub(crate) fn add(&self, stat: Stat, n: u64) {
        self.stats.add(stat as usize, n);
    }

    /// The value of `stat`.
    pub(crate) fn get(&self, stat: Stat) -> u64 {
        self.stats.sum(stat as usize)
    }

    /// Counts one received buffer of `len` bytes, GSO shape `gso`
    /// ([`SkBuff::gso`]), for `dst`, of EtherType `proto`.
    #[inline]
    pub(crate) fn rx(&self, len: u32, gso: Option<(u32, u32)>, dst: &MacAddr, proto: u16) {
        self.add(Stat::RxPackets, 1);
        self.add(Stat::RxBytes, len.into());
        if ether::is_broadcast(dst) {
            self.add(Stat::RxBroadcast, 1);
        } else if ether::is_multicast(dst) {
            self.add(Stat::RxMulticast, 1);
        }
        self.wire(Way::Rx, len, gso, proto);
    }

    /// Counts one transmitted buffer of `len` bytes, GSO shape `gso`, for
    /// `dst`, of EtherType `proto`.
    #[inline]
    pub(crate) fn tx(&self, len: u32, gso: Option<(u32, u32)>, dst: &MacAddr, proto: u16) {
        self.add(Stat::TxPackets, 1);
        self.add(Stat::TxBytes, len.into());
        if ether::is_broadcast(dst) {
            self.wire.add(wire::TX_BROADCAST, 1);
        } else if ether::is_multicast(dst) {
            self.wire.add(wire::TX_MULTICAST, 1);
        }
        self.wire(Way::Tx, len, gso, proto);
    }

    /// Counts a transmitted buffer, `skb`, whose header the port has not
    /// read.
    pub(crate) fn tx_unparsed(&self, skb: &SkBuff) {
        let (dst, proto) = skb.eth().map_or(([0; 6], 0), |h| (h.dst, h.proto));
        self.tx(skb.len(), skb.gso(), &dst, proto);
    }

    /// Counts a received frame over the port's MTU, dropped.
    pub(crate) fn rx_too_long(&self) {
        self.add(Stat::RxDropped, 1);
        self.wire.add(wire::RX_TOO_LONG, 1);
    }

    /// The standard groups' share of counting a buffer of `len` bytes:
    /// inline for one frame, the data path's case.
    #[inline(always)]
    fn wire(&self, way: Way, len: u32, gso: Option<(u32, u32)>, proto: u16) {
        let (hist, control) = match way {
            Way::Rx => (wire::RX_HIST, wire::RX_CONTROL),
            Way::Tx => (wire::TX_HIST, wire::TX_CONTROL),
        };
        if proto == ETH_P_MAC_CONTROL {
            self.wire.add(control, 1);
        }
        match gso {
            None => self.wire.add(hist + rmon_bucket(len), 1),
            Some(gso) => self.wire_gso(way, len, gso),
        }
    }

    /// [`Counters::wire`] for a GSO buffer: the frames it is on a wire.
    #[inline(never)]
    fn wire_gso(&self, way: Way, len: u32, gso: (u32, u32)) {
        let (hist, segs, hdrs) = match way {
            Way::Rx => (wire::RX_HIST, wire::RX_SEGS, wire::RX_SEG_HDRS),
            Way::Tx => (wire::TX_HIST, wire::TX_SEGS, wire::TX_SEG_HDRS),
        };
        let f = WireFrames::of(len, Some(gso));
        self.wire.add(hist + rmon_bucket(f.last), 1);
        if f.count > 1 {
            let more = u64::from(f.count - 1);
            self.wire.add(hist + rmon_bucket(f.each), more);
            self.wire.add(segs, more);
            // What the wire carries beyond `len`: the repeated headers.
            self.wire.add(hdrs, more * u64::from(f.hdr));
        }
    }

    /// The standard statistics groups.
    pub(crate) fn std_stats(&self) -> StdStats {
        let w = |i| self.wire.sum(i);
        let frames_tx = self.get(Stat::TxPackets) + w(wire::TX_SEGS);
        let frames_rx = self.get(Stat::RxPackets) + w(wire::RX_SEGS);
        let fcs = u64::from(FCS_LEN);
        let mut rmon = RmonStats {
            oversize: w(wire::RX_TOO_LONG),
            ..RmonStats::default()
        };
        for b in 0..NBUCKETS.min(RMON_HIST_MAX) {
            rmon.rx[b] = w(wire::RX_HIST + b);
            rmon.tx[b] = w(wire::TX_HIST + b);
        }
        StdStats {
            mac: MacStats {
                frames_tx,
                frames_rx,
                octets_tx: self.get(Stat::TxBytes) + w(wire::TX_SEG_HDRS) + frames_tx * fcs,
                octets_rx: self.get(Stat::RxBytes) + w(wire::RX_SEG_HDRS) + frames_rx * fcs,
                multicast_tx: w(wire::TX_MULTICAST),
                multicast_rx: self.get(Stat::RxMulticast),
                broadcast_tx: w(wire::TX_BROADCAST),
                broadcast_rx: self.get(Stat::RxBroadcast),
                too_long: w(wire::RX_TOO_LONG),
            },
            control_tx: w(wire::TX_CONTROL),
            control_rx: w(wire::RX_CONTROL),
            rmon,
        }
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
        let values = Iterator::chain((0..NSTATS).map(|i| self.stats.sum(i)), moder);
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

#[kunit_tests(svnic_stats)]
mod tests {
    use super::*;

    #[test]
    fn buckets_count_the_fcs_and_the_padding() -> Result {
        // A 42-byte ARP frame is padded to 60, plus FCS: 64.
        assert_eq!(rmon_bucket(42), 0);
        assert_eq!(rmon_bucket(60), 0);
        assert_eq!(rmon_bucket(61), 1);
        assert_eq!(rmon_bucket(1514), 5);
        assert_eq!(rmon_bucket(1515), 6);
        assert_eq!(rmon_bucket(9216 + 18), 9);
        // Nothing larger reaches a port; it would go in the last bucket.
        assert_eq!(rmon_bucket(65535), 9);
        Ok(())
    }

    #[test]
    fn every_size_has_one_bucket() -> Result {
        assert_eq!(RMON_RANGES.len(), NBUCKETS + 1);
        let mut last = 0;
        for len in 0..9300u32 {
            let b = rmon_bucket(len);
            // Buckets follow the sizes, one after the other.
            assert!(b == last || b == last + 1);
            last = b;
        }
        assert_eq!(last, NBUCKETS - 1);
        Ok(())
    }

    #[test]
    fn gso_buffers_are_their_segments() -> Result {
        let one = |len| WireFrames {
            count: 1,
            each: len,
            last: len,
            hdr: 0,
        };
        assert_eq!(WireFrames::of(1514, None), one(1514));
        // Payload no larger than a segment: one frame.
        assert_eq!(WireFrames::of(1514, Some((1448, 66))), one(1514));
        // 3 full segments and a short one: 66 bytes of headers each.
        let f = WireFrames::of(66 + 3 * 1448 + 100, Some((1448, 66)));
        assert_eq!(
            f,
            WireFrames {
                count: 4,
                each: 1514,
                last: 166,
                hdr: 66
            }
        );
        // Headers claimed longer than the buffer: one frame.
        assert_eq!(WireFrames::of(50, Some((1448, 66))), one(50));
        Ok(())
    }
}
