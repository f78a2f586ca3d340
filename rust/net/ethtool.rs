// SPDX-License-Identifier: GPL-2.0

//! `ethtool_ops`: rings, coalescing, channels, statistics and driver info.
//!
//! C header: [`include/linux/ethtool.h`](srctree/include/linux/ethtool.h).
//!
//! A netdev's driver implements [`EthtoolOps`] next to
//! [`super::ops::NetdevOps`]; [`Trampolines::ETHTOOL`] turns it into the
//! table the core calls. The core checks what it can before a callback runs:
//! ring sizes against the reported maximum, coalescing parameters against
//! `supported_coalesce_params`.

use super::{
    bindings,
    device::Device,
    ops::{Lookup, Trampolines},
    rtnl::ExtAck,
};
use kernel::{
    error::{from_result, VTABLE_DEFAULT_ERROR},
    ffi::{c_char, c_int},
    prelude::*,
};

/// Ring sizes (`ethtool -g`). A maximum of 0 means the device has no such
/// ring.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RingParams {
    pub(crate) rx_max: u32,
    pub(crate) tx_max: u32,
    pub(crate) rx: u32,
    pub(crate) tx: u32,
}

/// The coalescing of one direction (`ethtool -c`).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CoalesceParams {
    pub(crate) usecs: u32,
    pub(crate) frames: u32,
    pub(crate) adaptive: bool,
}

/// The IEEE 802.3 MAC counters of a port (`ethtool -S DEV --groups
/// eth-mac`), frames as on a wire (a GSO buffer is its segments), octets
/// with the FCS. The error and collision counters not here read 0: a port
/// without a wire has none of them.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct MacStats {
    pub(crate) frames_tx: u64,
    pub(crate) frames_rx: u64,
    pub(crate) octets_tx: u64,
    pub(crate) octets_rx: u64,
    pub(crate) multicast_tx: u64,
    pub(crate) multicast_rx: u64,
    pub(crate) broadcast_tx: u64,
    pub(crate) broadcast_rx: u64,
    /// Received frames over the port's MTU, dropped.
    pub(crate) too_long: u64,
}

/// One bucket of an RMON frame-size histogram: `low..=high` bytes, FCS
/// included (`struct ethtool_rmon_hist_range`).
#[repr(transparent)]
pub(crate) struct HistRange(bindings::ethtool_rmon_hist_range);

impl HistRange {
    /// Frames of `low..=high` bytes.
    pub(crate) const fn new(low: u16, high: u16) -> Self {
        Self(bindings::ethtool_rmon_hist_range { low, high })
    }

    /// The end of a list of buckets.
    pub(crate) const END: Self = Self::new(0, 0);

    /// The largest frame the bucket counts.
    pub(crate) const fn high(&self) -> u16 {
        self.0.high
    }
}

/// Most buckets an RMON histogram has.
pub(crate) const RMON_HIST_MAX: usize = bindings::ETHTOOL_RMON_HIST_MAX as usize;

/// The RMON counters of a port (`ethtool -S DEV --groups rmon`): frames
/// by size in the buckets of [`EthtoolOps::RMON_RANGES`], received and
/// sent, and the received frames over the MTU.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RmonStats {
    pub(crate) oversize: u64,
    pub(crate) rx: [u64; RMON_HIST_MAX],
    pub(crate) tx: [u64; RMON_HIST_MAX],
}

/// The standard statistics groups of a port: IEEE 802.3 MAC, MAC control
/// (frames of EtherType 0x8808, sent and received) and RMON.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct StdStats {
    pub(crate) mac: MacStats,
    pub(crate) control_tx: u64,
    pub(crate) control_rx: u64,
    pub(crate) rmon: RmonStats,
}

/// The ethtool operations of a netdev.
///
/// A device with a TX ring implements [`EthtoolOps::tx_coalesce`] and gets
/// the TX coalescing parameters (`#[vtable]`'s `HAS_TX_COALESCE`).
#[vtable]
pub(crate) trait EthtoolOps {
    /// Names of the values [`EthtoolOps::ethtool_stats`] reports.
    const STAT_NAMES: &'static [&'static CStr];

    /// `ethtool -g`.
    fn rings(&self) -> RingParams;

    /// `ethtool -G`, under RTNL; sizes are within the maxima.
    fn set_rings(&self, dev: &Device, rx: u32, tx: u32, extack: &ExtAck) -> Result;

    /// `ethtool -c`, RX.
    fn rx_coalesce(&self) -> CoalesceParams;

    /// `ethtool -c`, TX: of a device with a TX ring.
    fn tx_coalesce(&self) -> CoalesceParams {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ethtool -C`, under RTNL; only supported parameters were changed.
    /// `tx` is given to a device that implements `tx_coalesce`.
    fn set_coalesce(
        &self,
        dev: &Device,
        rx: CoalesceParams,
        tx: Option<CoalesceParams>,
        extack: &ExtAck,
    ) -> Result;

    /// `ethtool -S`: fills `out`, one value per name of `STAT_NAMES`.
    fn ethtool_stats(&self, out: &mut [u64]);

    /// The buckets of the RMON histograms, at most [`RMON_HIST_MAX`], then
    /// [`HistRange::END`].
    const RMON_RANGES: &'static [HistRange];

    /// `ethtool -S DEV --groups eth-mac,eth-ctrl,rmon`.
    fn std_stats(&self) -> StdStats;
}

/// Copies `src` into the C string buffer `dst`, truncated and NUL-terminated.
fn copy_cstr(dst: &mut [c_char], src: &[u8]) {
    let n = src.len().min(dst.len().saturating_sub(1));
    for (d, s) in dst.iter_mut().zip(&src[..n]) {
        *d = *s as c_char;
    }
    if let Some(end) = dst.get_mut(n) {
        *end = 0;
    }
}

impl<L: Lookup> Trampolines<L> {
    /// The `ethtool_ops` of devices of this kind.
    pub(super) const ETHTOOL: bindings::ethtool_ops = bindings::ethtool_ops {
        supported_coalesce_params: if L::Ops::HAS_TX_COALESCE {
            bindings::SVNIC_ETHTOOL_COALESCE_RX_USECS
                | bindings::SVNIC_ETHTOOL_COALESCE_RX_MAX_FRAMES
                | bindings::SVNIC_ETHTOOL_COALESCE_USE_ADAPTIVE_RX
                | bindings::SVNIC_ETHTOOL_COALESCE_TX_USECS
                | bindings::SVNIC_ETHTOOL_COALESCE_TX_MAX_FRAMES
                | bindings::SVNIC_ETHTOOL_COALESCE_USE_ADAPTIVE_TX
        } else {
            bindings::SVNIC_ETHTOOL_COALESCE_RX_USECS
                | bindings::SVNIC_ETHTOOL_COALESCE_RX_MAX_FRAMES
                | bindings::SVNIC_ETHTOOL_COALESCE_USE_ADAPTIVE_RX
        },
        get_drvinfo: Some(Self::get_drvinfo),
        get_link: Some(bindings::ethtool_op_get_link),
        get_ringparam: Some(Self::get_ringparam),
        set_ringparam: Some(Self::set_ringparam),
        get_coalesce: Some(Self::get_coalesce),
        set_coalesce: Some(Self::set_coalesce),
        get_channels: Some(Self::get_channels),
        set_channels: Some(Self::set_channels),
        get_sset_count: Some(Self::get_sset_count),
        get_strings: Some(Self::get_strings),
        get_ethtool_stats: Some(Self::get_ethtool_stats),
        get_eth_mac_stats: Some(Self::get_eth_mac_stats),
        get_eth_ctrl_stats: Some(Self::get_eth_ctrl_stats),
        get_rmon_stats: Some(Self::get_rmon_stats),
        // SAFETY: An all-zero `ethtool_ops` is valid: every other operation
        // is absent.
        ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
    };

    /// # Safety
    ///
    /// Called by the ethtool core for a device of this kind.
    unsafe extern "C" fn get_drvinfo(
        dev: *mut bindings::net_device,
        info: *mut bindings::ethtool_drvinfo,
    ) {
        // SAFETY: `info` is valid for writes; `dev` is valid.
        unsafe {
            copy_cstr(&mut (*info).driver, b"svnic");
            if let Some(name) = Device::from_raw(dev).bus_name() {
                copy_cstr(&mut (*info).bus_info, name.to_bytes());
            }
        }
    }

    /// # Safety
    ///
    /// Called by the ethtool core for a device of this kind.
    unsafe extern "C" fn get_ringparam(
        dev: *mut bindings::net_device,
        ring: *mut bindings::ethtool_ringparam,
        _kring: *mut bindings::kernel_ethtool_ringparam,
        _extack: *mut bindings::netlink_ext_ack,
    ) {
        // SAFETY: `dev` is ours and registered.
        let Some(ops) = (unsafe { L::find(dev) }) else {
            return;
        };
        let r = ops.rings();
        // SAFETY: `ring` is valid for writes.
        unsafe {
            (*ring).rx_max_pending = r.rx_max;
            (*ring).tx_max_pending = r.tx_max;
            (*ring).rx_pending = r.rx;
            (*ring).tx_pending = r.tx;
        }
    }

    /// # Safety
    ///
    /// Called by the ethtool core for a device of this kind, under RTNL.
    unsafe extern "C" fn set_ringparam(
        dev: *mut bindings::net_device,
        ring: *mut bindings::ethtool_ringparam,
        _kring: *mut bindings::kernel_ethtool_ringparam,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // INVARIANT: the core passes a valid ext_ack or null.
        let extack = ExtAck(extack);
        from_result(|| {
            // SAFETY: `dev` is ours and registered.
            let ops = unsafe { L::find(dev) }.ok_or(ENODEV)?;
            // SAFETY: `ring` is valid for reads.
            let (rx, tx) = unsafe { ((*ring).rx_pending, (*ring).tx_pending) };
            // SAFETY: As above.
            ops.set_rings(unsafe { Device::from_raw(dev) }, rx, tx, &extack)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the ethtool core for a device of this kind.
    unsafe extern "C" fn get_coalesce(
        dev: *mut bindings::net_device,
        ec: *mut bindings::ethtool_coalesce,
        _kec: *mut bindings::kernel_ethtool_coalesce,
        _extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: `dev` is ours and registered.
        let Some(ops) = (unsafe { L::find(dev) }) else {
            return ENODEV.to_errno();
        };
        let rx = ops.rx_coalesce();
        let tx = if L::Ops::HAS_TX_COALESCE {
            ops.tx_coalesce()
        } else {
            CoalesceParams::default()
        };
        // SAFETY: `ec` is valid for writes.
        unsafe {
            (*ec).rx_coalesce_usecs = rx.usecs;
            (*ec).rx_max_coalesced_frames = rx.frames;
            (*ec).tx_coalesce_usecs = tx.usecs;
            (*ec).tx_max_coalesced_frames = tx.frames;
            (*ec).use_adaptive_rx_coalesce = rx.adaptive.into();
            (*ec).use_adaptive_tx_coalesce = tx.adaptive.into();
        }
        0
    }

    /// # Safety
    ///
    /// Called by the ethtool core for a device of this kind, under RTNL.
    unsafe extern "C" fn set_coalesce(
        dev: *mut bindings::net_device,
        ec: *mut bindings::ethtool_coalesce,
        _kec: *mut bindings::kernel_ethtool_coalesce,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // INVARIANT: the core passes a valid ext_ack or null.
        let extack = ExtAck(extack);
        from_result(|| {
            // SAFETY: `dev` is ours and registered.
            let ops = unsafe { L::find(dev) }.ok_or(ENODEV)?;
            // SAFETY: `ec` is valid for reads.
            let (rx, tx) = unsafe {
                (
                    CoalesceParams {
                        usecs: (*ec).rx_coalesce_usecs,
                        frames: (*ec).rx_max_coalesced_frames,
                        adaptive: (*ec).use_adaptive_rx_coalesce != 0,
                    },
                    CoalesceParams {
                        usecs: (*ec).tx_coalesce_usecs,
                        frames: (*ec).tx_max_coalesced_frames,
                        adaptive: (*ec).use_adaptive_tx_coalesce != 0,
                    },
                )
            };
            let tx = L::Ops::HAS_TX_COALESCE.then_some(tx);
            // SAFETY: As above.
            ops.set_coalesce(unsafe { Device::from_raw(dev) }, rx, tx, &extack)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the ethtool core for a device of this kind.
    unsafe extern "C" fn get_channels(
        _dev: *mut bindings::net_device,
        ch: *mut bindings::ethtool_channels,
    ) {
        // One queue pair per port.
        // SAFETY: `ch` is valid for writes.
        unsafe {
            (*ch).max_combined = 1;
            (*ch).combined_count = 1;
        }
    }

    /// `ethtool -L`: one queue pair per port, which is all there is to
    /// set. The core refuses counts beyond the maxima `get_channels`
    /// reports (EINVAL, "requested channel count exceeds maximum") and, over
    /// netlink, does not call us for no change; anything else is refused.
    ///
    /// # Safety
    ///
    /// Called by the ethtool core for a device of this kind, under RTNL.
    unsafe extern "C" fn set_channels(
        _dev: *mut bindings::net_device,
        ch: *mut bindings::ethtool_channels,
    ) -> c_int {
        // SAFETY: `ch` is valid for reads.
        let counts = unsafe {
            (
                (*ch).rx_count,
                (*ch).tx_count,
                (*ch).other_count,
                (*ch).combined_count,
            )
        };
        if counts == (0, 0, 0, 1) {
            0
        } else {
            EINVAL.to_errno()
        }
    }

    /// # Safety
    ///
    /// Called by the ethtool core for a device of this kind.
    unsafe extern "C" fn get_sset_count(_dev: *mut bindings::net_device, sset: c_int) -> c_int {
        if sset == bindings::ethtool_stringset_ETH_SS_STATS as c_int {
            L::Ops::STAT_NAMES.len() as c_int
        } else {
            EOPNOTSUPP.to_errno()
        }
    }

    /// # Safety
    ///
    /// Called by the ethtool core with room for `get_sset_count` strings.
    unsafe extern "C" fn get_strings(_dev: *mut bindings::net_device, sset: u32, data: *mut u8) {
        if sset != bindings::ethtool_stringset_ETH_SS_STATS {
            return;
        }
        let mut data = data;
        for name in L::Ops::STAT_NAMES {
            // SAFETY: `data` has room for every name (`get_sset_count`);
            // `ethtool_puts` advances it.
            unsafe { bindings::ethtool_puts(&mut data, name.as_char_ptr()) };
        }
    }

    /// # Safety
    ///
    /// Called by the ethtool core with room for `get_sset_count` values.
    unsafe extern "C" fn get_ethtool_stats(
        dev: *mut bindings::net_device,
        _stats: *mut bindings::ethtool_stats,
        data: *mut u64,
    ) {
        let n = L::Ops::STAT_NAMES.len();
        // SAFETY: `data` holds `n` values (`get_sset_count`).
        let out = unsafe { core::slice::from_raw_parts_mut(data, n) };
        out.fill(0);
        // SAFETY: `dev` is ours and registered.
        if let Some(ops) = unsafe { L::find(dev) } {
            ops.ethtool_stats(out);
        }
    }

    /// The driver's standard statistics, if `dev` is set up.
    ///
    /// # Safety
    ///
    /// `dev` is a registered device of this kind.
    unsafe fn std_stats(dev: *mut bindings::net_device) -> Option<StdStats> {
        // SAFETY: By the safety requirements `dev` is ours and registered.
        unsafe { L::find(dev) }.map(EthtoolOps::std_stats)
    }

    /// # Safety
    ///
    /// Called by the ethtool core for a device of this kind.
    unsafe extern "C" fn get_eth_mac_stats(
        dev: *mut bindings::net_device,
        out: *mut bindings::ethtool_eth_mac_stats,
    ) {
        // SAFETY: `dev` is ours and registered.
        let Some(s) = (unsafe { Self::std_stats(dev) }) else {
            return;
        };
        let m = s.mac;
        // SAFETY: `out` is valid for writes; every counter is a `u64` the
        // core preset to "not reported".
        let o = unsafe { &mut (*out).__bindgen_anon_1.__bindgen_anon_1 };
        o.FramesTransmittedOK = m.frames_tx;
        o.FramesReceivedOK = m.frames_rx;
        o.OctetsTransmittedOK = m.octets_tx;
        o.OctetsReceivedOK = m.octets_rx;
        o.MulticastFramesXmittedOK = m.multicast_tx;
        o.MulticastFramesReceivedOK = m.multicast_rx;
        o.BroadcastFramesXmittedOK = m.broadcast_tx;
        o.BroadcastFramesReceivedOK = m.broadcast_rx;
        o.FrameTooLongErrors = m.too_long;
        for none in [
            &mut o.SingleCollisionFrames,
            &mut o.MultipleCollisionFrames,
            &mut o.FrameCheckSequenceErrors,
            &mut o.AlignmentErrors,
            &mut o.FramesWithDeferredXmissions,
            &mut o.LateCollisions,
            &mut o.FramesAbortedDueToXSColls,
            &mut o.FramesLostDueToIntMACXmitError,
            &mut o.CarrierSenseErrors,
            &mut o.FramesLostDueToIntMACRcvError,
            &mut o.FramesWithExcessiveDeferral,
            &mut o.InRangeLengthErrors,
            &mut o.OutOfRangeLengthField,
        ] {
            *none = 0;
        }
    }

    /// # Safety
    ///
    /// Called by the ethtool core for a device of this kind.
    unsafe extern "C" fn get_eth_ctrl_stats(
        dev: *mut bindings::net_device,
        out: *mut bindings::ethtool_eth_ctrl_stats,
    ) {
        // SAFETY: `dev` is ours and registered.
        let Some(s) = (unsafe { Self::std_stats(dev) }) else {
            return;
        };
        // SAFETY: `out` is valid for writes.
        let o = unsafe { &mut (*out).__bindgen_anon_1.__bindgen_anon_1 };
        o.MACControlFramesTransmitted = s.control_tx;
        o.MACControlFramesReceived = s.control_rx;
        // No MAC control opcode is supported: every frame received is one
        // of an unsupported opcode (the switch forwards them as data).
        o.UnsupportedOpcodesReceived = s.control_rx;
    }

    /// The buckets, checked when the table is built.
    const RANGES: &'static [HistRange] = {
        let r = L::Ops::RMON_RANGES;
        assert!(!r.is_empty() && r.len() <= RMON_HIST_MAX + 1);
        assert!(r[r.len() - 1].0.low == 0 && r[r.len() - 1].0.high == 0);
        r
    };

    /// # Safety
    ///
    /// Called by the ethtool core for a device of this kind.
    unsafe extern "C" fn get_rmon_stats(
        dev: *mut bindings::net_device,
        out: *mut bindings::ethtool_rmon_stats,
        ranges: *mut *const bindings::ethtool_rmon_hist_range,
    ) {
        // SAFETY: `dev` is ours and registered.
        let Some(s) = (unsafe { Self::std_stats(dev) }) else {
            return;
        };
        // SAFETY: `out` and `ranges` are valid for writes. `HistRange` is a
        // transparent `ethtool_rmon_hist_range`, and the list is static and
        // ends with the all-zero entry the core stops at (`RANGES`).
        unsafe {
            let o = &mut (*out).__bindgen_anon_1.__bindgen_anon_1;
            o.undersize_pkts = 0;
            o.oversize_pkts = s.rmon.oversize;
            o.fragments = 0;
            o.jabbers = 0;
            o.hist = s.rmon.rx;
            o.hist_tx = s.rmon.tx;
            *ranges = Self::RANGES.as_ptr().cast();
        }
    }
}
