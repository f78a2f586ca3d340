// SPDX-License-Identifier: GPL-2.0

//! The VF operations of a PF's netdev (`ndo_set_vf_*`, `ndo_get_vf_config`,
//! `ndo_get_vf_stats`) and its bridge mode (`ndo_bridge_setlink`,
//! `ndo_bridge_getlink`): the raw arguments rtnetlink passes, turned into
//! [`VfChange`]s for [`Driver::set_vf`] and filled in from [`VfInfo`] and
//! [`VfStats`].
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h).

use super::{
    bindings,
    ether::MacAddr,
    link::{link_dev, Adapter, Driver},
    rtnl::{ExtAck, Rtnl},
};
use core::ptr;
use kernel::{error::from_result, ffi::c_int, prelude::*};

/// `ip link set PF vf N state ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VfLinkState {
    /// Follow the uplink's carrier.
    Auto,
    /// Always up.
    Enable,
    /// Always down.
    Disable,
}

/// How the embedded switch forwards between its own ports (`bridge link
/// set dev PF hwmode veb|vepa`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SwitchMode {
    /// Virtual Ethernet Bridge: traffic between local ports is switched
    /// inside the device.
    Veb,
    /// Virtual Ethernet Port Aggregator: everything a local port sends goes
    /// to the uplink; the external switch hairpins what is for a local port.
    Vepa,
}

/// A VF's port VLAN as `ndo_set_vf_vlan` gives it and `ndo_get_vf_config`
/// reports it (rtnetlink checked `vid <= 4095` and `qos <= 7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VfVlan {
    /// VLAN id; 0: no port VLAN.
    pub(crate) vid: u16,
    /// Priority code point (802.1p).
    pub(crate) qos: u8,
    /// Tag protocol (TPID), host byte order.
    pub(crate) proto: u16,
}

/// The configuration of a VF as `ip link show` reports it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VfInfo {
    pub(crate) mac: MacAddr,
    pub(crate) spoofchk: bool,
    pub(crate) trusted: bool,
    pub(crate) link_state: VfLinkState,
    pub(crate) vlan: VfVlan,
    /// `(min_tx_rate, max_tx_rate)` in Mbit/s (0: none).
    pub(crate) rates: (u32, u32),
}

/// The per-VF counters `ip -s link show` reports.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct VfStats {
    pub(crate) rx_packets: u64,
    pub(crate) tx_packets: u64,
    pub(crate) rx_bytes: u64,
    pub(crate) tx_bytes: u64,
    pub(crate) broadcast: u64,
    pub(crate) multicast: u64,
    pub(crate) rx_dropped: u64,
    pub(crate) tx_dropped: u64,
}

/// A change requested with `ip link set PF vf N ...`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum VfChange {
    /// `mac`.
    Mac(MacAddr),
    /// `spoofchk`.
    SpoofChk(bool),
    /// `trust`.
    Trust(bool),
    /// `state`.
    LinkState(VfLinkState),
    /// `vlan V qos Q proto P` (`vlan 0`: no port VLAN).
    Vlan(VfVlan),
    /// `min_tx_rate A max_tx_rate B` in Mbit/s (0: none).
    Rate {
        /// Guaranteed rate.
        min: u32,
        /// Cap.
        max: u32,
    },
}

impl<T: Driver> Adapter<T> {
    /// The driver state of `dev` and a VF index from rtnetlink.
    ///
    /// # Safety
    ///
    /// `dev` is a registered device of ours.
    unsafe fn vf<'a>(dev: *mut bindings::net_device, vf: c_int) -> Result<(&'a T, u16)> {
        // SAFETY: By the safety requirements.
        let port = unsafe { link_dev::<T>(dev) }.ok_or(ENODEV)?;
        let vf = u16::try_from(vf).map_err(|_| EINVAL)?;
        Ok((&port.state, vf))
    }

    /// Applies the `ndo_set_vf_*` change `change` (built from the raw
    /// arguments, or an error) to VF `vf` of `dev`.
    ///
    /// # Safety
    ///
    /// `dev` is a registered device of ours; RTNL is held.
    unsafe fn set_vf(dev: *mut bindings::net_device, vf: c_int, change: Result<VfChange>) -> c_int {
        from_result(|| {
            // SAFETY: By the safety requirements.
            let (state, vf) = unsafe { Self::vf(dev, vf) }?;
            // SAFETY: By the safety requirements.
            state.set_vf(unsafe { Rtnl::assume_held() }, vf, change?)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by rtnetlink as `ndo_set_vf_mac`, under RTNL.
    pub(super) unsafe extern "C" fn set_vf_mac_callback(
        dev: *mut bindings::net_device,
        vf: c_int,
        mac: *mut u8,
    ) -> c_int {
        let mut addr: MacAddr = [0; 6];
        // SAFETY: rtnetlink passes the 32-byte `ifla_vf_mac.mac`.
        unsafe { ptr::copy_nonoverlapping(mac, addr.as_mut_ptr(), 6) };
        // SAFETY: `dev` is ours; RTNL is held.
        unsafe { Self::set_vf(dev, vf, Ok(VfChange::Mac(addr))) }
    }

    /// # Safety
    ///
    /// Called by rtnetlink as `ndo_set_vf_spoofchk`, under RTNL.
    pub(super) unsafe extern "C" fn set_vf_spoofchk_callback(
        dev: *mut bindings::net_device,
        vf: c_int,
        on: bool,
    ) -> c_int {
        // SAFETY: `dev` is ours; RTNL is held.
        unsafe { Self::set_vf(dev, vf, Ok(VfChange::SpoofChk(on))) }
    }

    /// # Safety
    ///
    /// Called by rtnetlink as `ndo_set_vf_trust`, under RTNL.
    pub(super) unsafe extern "C" fn set_vf_trust_callback(
        dev: *mut bindings::net_device,
        vf: c_int,
        on: bool,
    ) -> c_int {
        // SAFETY: `dev` is ours; RTNL is held.
        unsafe { Self::set_vf(dev, vf, Ok(VfChange::Trust(on))) }
    }

    /// # Safety
    ///
    /// Called by rtnetlink as `ndo_set_vf_link_state`, under RTNL.
    pub(super) unsafe extern "C" fn set_vf_link_state_callback(
        dev: *mut bindings::net_device,
        vf: c_int,
        state: c_int,
    ) -> c_int {
        let change = match u32::try_from(state) {
            Ok(bindings::IFLA_VF_LINK_STATE_AUTO) => Ok(VfLinkState::Auto),
            Ok(bindings::IFLA_VF_LINK_STATE_ENABLE) => Ok(VfLinkState::Enable),
            Ok(bindings::IFLA_VF_LINK_STATE_DISABLE) => Ok(VfLinkState::Disable),
            _ => Err(EINVAL),
        };
        // SAFETY: `dev` is ours; RTNL is held.
        unsafe { Self::set_vf(dev, vf, change.map(VfChange::LinkState)) }
    }

    /// # Safety
    ///
    /// Called by rtnetlink as `ndo_set_vf_vlan`, under RTNL (which checked
    /// `vlan <= 4095`, `qos <= 7` and the protocol already).
    pub(super) unsafe extern "C" fn set_vf_vlan_callback(
        dev: *mut bindings::net_device,
        vf: c_int,
        vlan: u16,
        qos: u8,
        proto: bindings::__be16,
    ) -> c_int {
        let change = VfChange::Vlan(VfVlan {
            vid: vlan,
            qos,
            proto: u16::from_be(proto),
        });
        // SAFETY: `dev` is ours; RTNL is held.
        unsafe { Self::set_vf(dev, vf, Ok(change)) }
    }

    /// # Safety
    ///
    /// Called by rtnetlink as `ndo_set_vf_rate`, under RTNL.
    pub(super) unsafe extern "C" fn set_vf_rate_callback(
        dev: *mut bindings::net_device,
        vf: c_int,
        min: c_int,
        max: c_int,
    ) -> c_int {
        let change = match (u32::try_from(min), u32::try_from(max)) {
            (Ok(min), Ok(max)) => Ok(VfChange::Rate { min, max }),
            _ => Err(EINVAL),
        };
        // SAFETY: `dev` is ours; RTNL is held.
        unsafe { Self::set_vf(dev, vf, change) }
    }

    /// # Safety
    ///
    /// Called by rtnetlink as `ndo_bridge_setlink` (`bridge link set dev
    /// PF hwmode ... self`), under RTNL, with a validated message.
    pub(super) unsafe extern "C" fn bridge_setlink_callback(
        dev: *mut bindings::net_device,
        nlh: *mut bindings::nlmsghdr,
        _flags: u16,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        let extack = ExtAck(extack);
        from_result(|| {
            // SAFETY: `dev` is ours.
            let port = unsafe { link_dev::<T>(dev) }.ok_or(ENODEV)?;
            // SAFETY: `nlh` is a valid RTM_SETLINK message with an ifinfomsg
            // header; the attributes found are inside it.
            let mode = unsafe {
                let spec = bindings::svnic_nlmsg_find_attr(
                    nlh,
                    core::mem::size_of::<bindings::ifinfomsg>() as c_int,
                    bindings::IFLA_AF_SPEC as c_int,
                );
                if spec.is_null() {
                    return Err(extack.fail(EINVAL, c"svnic: IFLA_AF_SPEC missing"));
                }
                let attr =
                    bindings::svnic_nla_find_nested(spec, bindings::IFLA_BRIDGE_MODE as c_int);
                if attr.is_null() {
                    // Nothing svnic handles (flags only): accepted as is.
                    return Ok(0);
                }
                if bindings::svnic_nla_len(attr) < 2 {
                    return Err(extack.fail(EINVAL, c"svnic: IFLA_BRIDGE_MODE too short"));
                }
                bindings::svnic_nla_get_u16(attr)
            };
            let mode = match u32::from(mode) {
                bindings::BRIDGE_MODE_VEB => SwitchMode::Veb,
                bindings::BRIDGE_MODE_VEPA => SwitchMode::Vepa,
                _ => {
                    return Err(extack.fail(
                        EOPNOTSUPP,
                        c"svnic: the embedded switch supports hwmode veb and vepa only",
                    ))
                }
            };
            port.state.set_bridge_mode(mode)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by rtnetlink as `ndo_bridge_getlink`, under RTNL or RCU.
    pub(super) unsafe extern "C" fn bridge_getlink_callback(
        skb: *mut bindings::sk_buff,
        pid: u32,
        seq: u32,
        dev: *mut bindings::net_device,
        filter_mask: u32,
        nlflags: c_int,
    ) -> c_int {
        // SAFETY: `dev` is ours.
        let Some(port) = (unsafe { link_dev::<T>(dev) }) else {
            return 0;
        };
        let mode = match port.state.bridge_mode() {
            SwitchMode::Veb => bindings::BRIDGE_MODE_VEB,
            SwitchMode::Vepa => bindings::BRIDGE_MODE_VEPA,
        };
        // SAFETY: The arguments are rtnetlink's own; no VLAN fill function.
        unsafe {
            bindings::ndo_dflt_bridge_getlink(
                skb,
                pid,
                seq,
                dev,
                mode as u16,
                0,
                0,
                nlflags,
                filter_mask,
                None,
            )
        }
    }

    /// # Safety
    ///
    /// Called by rtnetlink as `ndo_get_vf_config`, under RTNL.
    pub(super) unsafe extern "C" fn get_vf_config_callback(
        dev: *mut bindings::net_device,
        vf: c_int,
        out: *mut bindings::ifla_vf_info,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `dev` is ours.
            let (state, index) = unsafe { Self::vf(dev, vf) }?;
            let info = state.vf_info(index)?;
            // SAFETY: `out` is valid for writes; rtnetlink zeroed it.
            unsafe {
                (*out).vf = u32::from(index);
                ptr::copy_nonoverlapping(info.mac.as_ptr(), (*out).mac.as_mut_ptr(), 6);
                (*out).spoofchk = u32::from(info.spoofchk);
                (*out).trusted = u32::from(info.trusted);
                (*out).linkstate = match info.link_state {
                    VfLinkState::Auto => bindings::IFLA_VF_LINK_STATE_AUTO,
                    VfLinkState::Enable => bindings::IFLA_VF_LINK_STATE_ENABLE,
                    VfLinkState::Disable => bindings::IFLA_VF_LINK_STATE_DISABLE,
                };
                (*out).min_tx_rate = info.rates.0;
                (*out).max_tx_rate = info.rates.1;
                (*out).vlan = u32::from(info.vlan.vid);
                (*out).qos = u32::from(info.vlan.qos);
                (*out).vlan_proto = info.vlan.proto.to_be();
            }
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by rtnetlink as `ndo_get_vf_stats`, under RTNL.
    pub(super) unsafe extern "C" fn get_vf_stats_callback(
        dev: *mut bindings::net_device,
        vf: c_int,
        out: *mut bindings::ifla_vf_stats,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `dev` is ours.
            let (state, index) = unsafe { Self::vf(dev, vf) }?;
            let s = state.vf_stats(index)?;
            // SAFETY: `out` is valid for writes.
            unsafe {
                (*out).rx_packets = s.rx_packets;
                (*out).tx_packets = s.tx_packets;
                (*out).rx_bytes = s.rx_bytes;
                (*out).tx_bytes = s.tx_bytes;
                (*out).broadcast = s.broadcast;
                (*out).multicast = s.multicast;
                (*out).rx_dropped = s.rx_dropped;
                (*out).tx_dropped = s.tx_dropped;
            }
            Ok(0)
        })
    }
}
