// SPDX-License-Identifier: GPL-2.0

//! Port VLAN policy of a VF: what `ip link set PF vf N vlan V qos Q proto P`
//! configures.
//!
//! A VF with a port VLAN is an access port of the embedded switch: its
//! frames get the port VLAN's tag pushed on the way in and popped on the way
//! out, and the guest can neither send nor receive any other VLAN. A VF
//! without one is a trunk: it sees every VLAN and its own tags are kept.
//!
//! The policy works on a parsed description of a frame's outer tag,
//! `Option<(tpid, tci)>` in host byte order (`None` for an untagged frame),
//! so this file takes no kernel objects; its logic is covered by the KUnit
//! suite at the end of the file.

pub(crate) use crate::net::skb::{ETH_P_8021AD, ETH_P_8021Q};
use kernel::prelude::*;

/// Mask of the VLAN id in a TCI.
pub(crate) const VLAN_VID_MASK: u16 = 0x0fff;
/// Largest usable VLAN id (4095 is reserved by IEEE 802.1Q).
pub(crate) const VLAN_VID_MAX: u16 = 4094;
/// Largest priority code point (802.1p class of service).
pub(crate) const VLAN_QOS_MAX: u8 = 7;
/// Position of the priority code point in a TCI.
const VLAN_PRIO_SHIFT: u32 = 13;

/// Protocol of a port VLAN's tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VlanProto {
    /// IEEE 802.1Q customer VLAN tag, ethertype 0x8100.
    Dot1Q,
    /// IEEE 802.1ad service VLAN tag (QinQ outer tag), ethertype 0x88a8.
    Dot1Ad,
}

impl VlanProto {
    /// The tag's ethertype (TPID), in host byte order.
    pub(crate) fn ethertype(self) -> u16 {
        match self {
            VlanProto::Dot1Q => ETH_P_8021Q,
            VlanProto::Dot1Ad => ETH_P_8021AD,
        }
    }
}

impl TryFrom<u16> for VlanProto {
    type Error = Error;

    /// Parses an ethertype in host byte order (convert the `__be16` of
    /// `ndo_set_vf_vlan` first).
    ///
    /// # Errors
    ///
    /// `EPROTONOSUPPORT` for anything but 0x8100 and 0x88a8, like
    /// rtnetlink's own check of `IFLA_VF_VLAN_LIST`.
    fn try_from(ethertype: u16) -> Result<Self> {
        match ethertype {
            ETH_P_8021Q => Ok(VlanProto::Dot1Q),
            ETH_P_8021AD => Ok(VlanProto::Dot1Ad),
            _ => Err(EPROTONOSUPPORT),
        }
    }
}

/// Whether `tpid` is the ethertype of a VLAN tag svnic knows.
fn is_vlan_tpid(tpid: u16) -> bool {
    tpid == ETH_P_8021Q || tpid == ETH_P_8021AD
}

/// The port VLAN of a VF.
///
/// # Invariants
///
/// - `vid` is within `1..=VLAN_VID_MAX`.
/// - `qos` is within `0..=VLAN_QOS_MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PortVlan {
    vid: u16,
    qos: u8,
    proto: VlanProto,
}

impl PortVlan {
    /// Validates a port VLAN request.
    ///
    /// Returns `Ok(None)` for vid 0 and qos 0, which means "no port VLAN"
    /// (`ip link set PF vf N vlan 0` clears it).
    ///
    /// # Errors
    ///
    /// `EINVAL` if `vid` is above 4095 or is the reserved 4095, if `qos` is
    /// above 7, or if a qos is given without a VLAN (vid 0).
    pub(crate) fn new(vid: u16, qos: u8, proto: VlanProto) -> Result<Option<Self>> {
        if vid > VLAN_VID_MASK || qos > VLAN_QOS_MAX {
            return Err(EINVAL);
        }
        if vid == 0 {
            return if qos == 0 { Ok(None) } else { Err(EINVAL) };
        }
        if vid > VLAN_VID_MAX {
            return Err(EINVAL);
        }
        // INVARIANT: `vid` and `qos` were checked above.
        Ok(Some(Self { vid, qos, proto }))
    }

    /// The VLAN id.
    pub(crate) fn vid(&self) -> u16 {
        self.vid
    }

    /// The priority code point put in pushed tags.
    pub(crate) fn qos(&self) -> u8 {
        self.qos
    }

    /// The tag protocol.
    pub(crate) fn proto(&self) -> VlanProto {
        self.proto
    }

    /// The tag control information of pushed tags: `qos << 13 | vid` (DEI 0).
    pub(crate) fn tci(&self) -> u16 {
        (u16::from(self.qos) << VLAN_PRIO_SHIFT) | self.vid
    }
}

/// Bit of [`PortVlan::pack`]'s word that says a port VLAN is set.
const PACK_SET: u32 = 1 << 16;
/// Bit of [`PortVlan::pack`]'s word that says the protocol is 802.1ad.
const PACK_AD: u32 = 1 << 17;

impl PortVlan {
    /// Packs an optional port VLAN into a word (0 for none), so that the
    /// data path can read it from an atomic.
    pub(crate) fn pack(pv: Option<&PortVlan>) -> u32 {
        pv.map_or(0, |pv| {
            let proto = match pv.proto {
                VlanProto::Dot1Q => 0,
                VlanProto::Dot1Ad => PACK_AD,
            };
            PACK_SET | proto | u32::from(pv.tci())
        })
    }

    /// Unpacks a word made by [`PortVlan::pack`]; `None` for no port VLAN
    /// (or a word `pack` cannot have made).
    pub(crate) fn unpack(word: u32) -> Option<PortVlan> {
        if word & PACK_SET == 0 {
            return None;
        }
        let proto = if word & PACK_AD != 0 {
            VlanProto::Dot1Ad
        } else {
            VlanProto::Dot1Q
        };
        let tci = (word & 0xffff) as u16;
        let qos = (tci >> VLAN_PRIO_SHIFT) as u8;
        PortVlan::new(tci & VLAN_VID_MASK, qos, proto)
            .ok()
            .flatten()
    }
}

/// Whether a port with port VLAN `port` (`None`: a trunk) is a member of
/// VLAN `vlan`, that is, may get frames the switch carries in it.
pub(crate) fn is_member(port: Option<&PortVlan>, vlan: u16) -> bool {
    port.is_none_or(|pv| pv.vid == vlan)
}

/// What happens to a frame a VF transmits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxVerdict {
    /// The frame enters the switch unchanged, in VLAN `vlan` (0: untagged).
    Pass {
        /// VLAN id the switch uses for the frame (its FDB key).
        vlan: u16,
    },
    /// The port VLAN's tag is pushed, then the frame enters the switch in VLAN `vlan`.
    Push {
        /// Ethertype (TPID) of the tag to push, host byte order.
        ethertype: u16,
        /// Tag control information to push.
        tci: u16,
        /// VLAN id the switch uses for the frame (its FDB key).
        vlan: u16,
    },
    /// The frame is dropped.
    Drop,
}

/// What happens to a frame the switch delivers to a VF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RxVerdict {
    /// Delivered unchanged.
    Pass,
    /// The outer tag (the port VLAN's) is removed, then the frame is delivered.
    Pop,
    /// Not delivered.
    Drop,
}

/// Applies the port VLAN policy to a frame transmitted by a VF.
///
/// `outer` is the frame's outer tag as `(tpid, tci)`, `None` if untagged.
///
/// With a port VLAN, an untagged frame gets the port VLAN's tag pushed, and
/// a frame that already carries a tag of any kind is dropped: a guest must
/// not reach another VLAN by tagging its frames itself (with a 802.1ad tag
/// in front of a 802.1Q port VLAN, or the other way round). Without a port
/// VLAN, an untagged frame passes in VLAN 0 and a frame with a 802.1Q or
/// 802.1ad tag passes in the VLAN of that tag; a frame with an unknown TPID
/// or with the reserved VID 4095 is dropped.
pub(crate) fn from_vf(port: Option<&PortVlan>, outer: Option<(u16, u16)>) -> TxVerdict {
    match (port, outer) {
        (Some(pv), None) => TxVerdict::Push {
            ethertype: pv.proto.ethertype(),
            tci: pv.tci(),
            vlan: pv.vid,
        },
        (Some(_), Some(_)) => TxVerdict::Drop,
        (None, None) => TxVerdict::Pass { vlan: 0 },
        (None, Some((tpid, tci))) => {
            let vid = tci & VLAN_VID_MASK;
            if is_vlan_tpid(tpid) && vid <= VLAN_VID_MAX {
                TxVerdict::Pass { vlan: vid }
            } else {
                TxVerdict::Drop
            }
        }
    }
}

/// Applies the port VLAN policy to a frame the switch delivers to a VF.
///
/// `outer` is the frame's outer tag as `(tpid, tci)`, `None` if untagged.
///
/// With a port VLAN, only frames whose outer tag has the port VLAN's
/// protocol and VID (any priority) are delivered, with that tag popped;
/// everything else is dropped. Without a port VLAN everything passes.
pub(crate) fn to_vf(port: Option<&PortVlan>, outer: Option<(u16, u16)>) -> RxVerdict {
    match (port, outer) {
        (None, _) => RxVerdict::Pass,
        (Some(pv), Some((tpid, tci)))
            if tpid == pv.proto.ethertype() && tci & VLAN_VID_MASK == pv.vid =>
        {
            RxVerdict::Pop
        }
        (Some(_), _) => RxVerdict::Drop,
    }
}

/// The VLAN id the switch uses (as FDB key) for a frame that entered from a
/// port with port VLAN `port` (`None` for a trunk: a VF without port VLAN,
/// the PF or the uplink).
///
/// It is the port VLAN's id if there is one, else the VID of the frame's
/// 802.1Q or 802.1ad outer tag, else 0. A VID of 4095 is returned as is: it
/// is in no FDB and matches no port VLAN.
pub(crate) fn switch_vlan(port: Option<&PortVlan>, outer: Option<(u16, u16)>) -> u16 {
    match (port, outer) {
        (Some(pv), _) => pv.vid,
        (None, Some((tpid, tci))) if is_vlan_tpid(tpid) => tci & VLAN_VID_MASK,
        (None, _) => 0,
    }
}

#[kunit_tests(svnic_vlan)]
mod tests {
    use super::*;

    /// A port VLAN that `new` must accept.
    fn port(vid: u16, qos: u8, proto: VlanProto) -> Result<PortVlan> {
        PortVlan::new(vid, qos, proto)?.ok_or(EINVAL)
    }

    #[test]
    fn proto_ethertypes() -> Result {
        assert_eq!(VlanProto::Dot1Q.ethertype(), 0x8100);
        assert_eq!(VlanProto::Dot1Ad.ethertype(), 0x88a8);
        assert_eq!(VlanProto::try_from(0x8100), Ok(VlanProto::Dot1Q));
        assert_eq!(VlanProto::try_from(0x88a8), Ok(VlanProto::Dot1Ad));
        assert_eq!(VlanProto::try_from(0x9100), Err(EPROTONOSUPPORT));
        assert_eq!(VlanProto::try_from(0x0800), Err(EPROTONOSUPPORT));
        // Byte-swapped (a forgotten `from_be`) is rejected too.
        assert_eq!(VlanProto::try_from(0x0081), Err(EPROTONOSUPPORT));
        assert_eq!(VlanProto::try_from(0), Err(EPROTONOSUPPORT));
        Ok(())
    }

    #[test]
    fn port_vlan_bounds() -> Result {
        for proto in [VlanProto::Dot1Q, VlanProto::Dot1Ad] {
            assert_eq!(PortVlan::new(0, 0, proto), Ok(None));
            assert_eq!(PortVlan::new(0, 1, proto), Err(EINVAL));
            assert_eq!(PortVlan::new(0, 7, proto), Err(EINVAL));
            assert_eq!(PortVlan::new(4095, 0, proto), Err(EINVAL));
            assert_eq!(PortVlan::new(4096, 0, proto), Err(EINVAL));
            assert_eq!(PortVlan::new(u16::MAX, 0, proto), Err(EINVAL));
            assert_eq!(PortVlan::new(10, 8, proto), Err(EINVAL));
            assert_eq!(PortVlan::new(10, u8::MAX, proto), Err(EINVAL));
            let lo = port(1, 0, proto)?;
            assert_eq!((lo.vid(), lo.qos(), lo.proto()), (1, 0, proto));
            let hi = port(4094, 7, proto)?;
            assert_eq!((hi.vid(), hi.qos(), hi.proto()), (4094, 7, proto));
        }
        Ok(())
    }

    #[test]
    fn tci_carries_qos() -> Result {
        assert_eq!(port(100, 0, VlanProto::Dot1Q)?.tci(), 100);
        assert_eq!(port(100, 5, VlanProto::Dot1Q)?.tci(), 0xa064);
        assert_eq!(port(4094, 7, VlanProto::Dot1Ad)?.tci(), 0xeffe);
        assert_eq!(port(1, 1, VlanProto::Dot1Q)?.tci(), 0x2001);
        Ok(())
    }

    #[test]
    fn tx_push_on_untagged() -> Result {
        let q = port(100, 3, VlanProto::Dot1Q)?;
        assert_eq!(
            from_vf(Some(&q), None),
            TxVerdict::Push {
                ethertype: 0x8100,
                tci: 0x6064,
                vlan: 100
            }
        );
        let ad = port(200, 0, VlanProto::Dot1Ad)?;
        assert_eq!(
            from_vf(Some(&ad), None),
            TxVerdict::Push {
                ethertype: 0x88a8,
                tci: 200,
                vlan: 200
            }
        );
        Ok(())
    }

    #[test]
    fn tx_drops_tagged_with_port_vlan() -> Result {
        let q = port(100, 0, VlanProto::Dot1Q)?;
        let ad = port(100, 0, VlanProto::Dot1Ad)?;
        // Double-tagging tricks: an 802.1ad outer tag in front of an 802.1Q
        // port VLAN, and an 802.1Q tag in front of an 802.1ad one.
        assert_eq!(from_vf(Some(&q), Some((0x88a8, 200))), TxVerdict::Drop);
        assert_eq!(from_vf(Some(&ad), Some((0x8100, 200))), TxVerdict::Drop);
        // Even a tag equal to the port VLAN itself, or another VLAN.
        assert_eq!(from_vf(Some(&q), Some((0x8100, 100))), TxVerdict::Drop);
        assert_eq!(from_vf(Some(&q), Some((0x8100, 200))), TxVerdict::Drop);
        assert_eq!(from_vf(Some(&ad), Some((0x88a8, 100))), TxVerdict::Drop);
        // Priority-tagged (VID 0) and unknown TPIDs are tags too.
        assert_eq!(from_vf(Some(&q), Some((0x8100, 0x2000))), TxVerdict::Drop);
        assert_eq!(from_vf(Some(&q), Some((0x9100, 100))), TxVerdict::Drop);
        Ok(())
    }

    #[test]
    fn tx_trunk_keeps_guest_tags() -> Result {
        assert_eq!(from_vf(None, None), TxVerdict::Pass { vlan: 0 });
        assert_eq!(
            from_vf(None, Some((0x8100, 42))),
            TxVerdict::Pass { vlan: 42 }
        );
        // The priority bits are not part of the VLAN.
        assert_eq!(
            from_vf(None, Some((0x8100, 0xe02a))),
            TxVerdict::Pass { vlan: 42 }
        );
        assert_eq!(
            from_vf(None, Some((0x88a8, 4094))),
            TxVerdict::Pass { vlan: 4094 }
        );
        assert_eq!(
            from_vf(None, Some((0x8100, 0x2000))),
            TxVerdict::Pass { vlan: 0 }
        );
        assert_eq!(from_vf(None, Some((0x8100, 4095))), TxVerdict::Drop);
        assert_eq!(from_vf(None, Some((0x9100, 42))), TxVerdict::Drop);
        Ok(())
    }

    #[test]
    fn rx_pops_only_matching() -> Result {
        let q = port(100, 2, VlanProto::Dot1Q)?;
        assert_eq!(to_vf(Some(&q), Some((0x8100, 100))), RxVerdict::Pop);
        // Any priority, and the port's own qos, still match.
        assert_eq!(to_vf(Some(&q), Some((0x8100, 0xe064))), RxVerdict::Pop);
        assert_eq!(to_vf(Some(&q), Some((0x8100, q.tci()))), RxVerdict::Pop);
        // Other VID, other protocol, untagged: dropped.
        assert_eq!(to_vf(Some(&q), Some((0x8100, 101))), RxVerdict::Drop);
        assert_eq!(to_vf(Some(&q), Some((0x88a8, 100))), RxVerdict::Drop);
        assert_eq!(to_vf(Some(&q), None), RxVerdict::Drop);
        assert_eq!(to_vf(Some(&q), Some((0x9100, 100))), RxVerdict::Drop);

        let ad = port(100, 0, VlanProto::Dot1Ad)?;
        assert_eq!(to_vf(Some(&ad), Some((0x88a8, 100))), RxVerdict::Pop);
        assert_eq!(to_vf(Some(&ad), Some((0x8100, 100))), RxVerdict::Drop);
        assert_eq!(to_vf(Some(&ad), None), RxVerdict::Drop);
        Ok(())
    }

    #[test]
    fn rx_trunk_passes_everything() -> Result {
        assert_eq!(to_vf(None, None), RxVerdict::Pass);
        assert_eq!(to_vf(None, Some((0x8100, 100))), RxVerdict::Pass);
        assert_eq!(to_vf(None, Some((0x88a8, 100))), RxVerdict::Pass);
        assert_eq!(to_vf(None, Some((0x9100, 4095))), RxVerdict::Pass);
        Ok(())
    }

    #[test]
    fn switch_vlan_keys() -> Result {
        let q = port(100, 7, VlanProto::Dot1Q)?;
        let ad = port(300, 0, VlanProto::Dot1Ad)?;
        assert_eq!(switch_vlan(Some(&q), None), 100);
        assert_eq!(switch_vlan(Some(&q), Some((0x8100, 200))), 100);
        assert_eq!(switch_vlan(Some(&ad), Some((0x8100, 200))), 300);
        assert_eq!(switch_vlan(None, None), 0);
        assert_eq!(switch_vlan(None, Some((0x8100, 0x6000 | 200))), 200);
        assert_eq!(switch_vlan(None, Some((0x88a8, 200))), 200);
        assert_eq!(switch_vlan(None, Some((0x9100, 200))), 0);
        assert_eq!(switch_vlan(None, Some((0x8100, 4095))), 4095);
        Ok(())
    }

    #[test]
    fn pack_round_trip() -> Result {
        assert_eq!(PortVlan::pack(None), 0);
        assert_eq!(PortVlan::unpack(0), None);
        for (vid, qos) in [(1, 0), (100, 5), (4094, 7)] {
            for proto in [VlanProto::Dot1Q, VlanProto::Dot1Ad] {
                let pv = port(vid, qos, proto)?;
                assert_eq!(PortVlan::unpack(PortVlan::pack(Some(&pv))), Some(pv));
            }
        }
        // Words `pack` never makes.
        assert_eq!(PortVlan::unpack(0xffff), None);
        assert_eq!(PortVlan::unpack(PACK_SET), None);
        assert_eq!(PortVlan::unpack(PACK_SET | 4095), None);
        Ok(())
    }

    #[test]
    fn membership() -> Result {
        let q = port(100, 3, VlanProto::Dot1Q)?;
        assert!(is_member(None, 0));
        assert!(is_member(None, 100));
        assert!(is_member(Some(&q), 100));
        assert!(!is_member(Some(&q), 0));
        assert!(!is_member(Some(&q), 101));
        Ok(())
    }

    #[test]
    fn push_then_pop_round_trip() -> Result {
        // What a VF with a port VLAN sends comes back to a VF of the same
        // port VLAN with the tag popped, and to no other.
        for proto in [VlanProto::Dot1Q, VlanProto::Dot1Ad] {
            let a = port(10, 4, proto)?;
            let b = port(10, 0, proto)?;
            let c = port(11, 4, proto)?;
            let TxVerdict::Push {
                ethertype,
                tci,
                vlan,
            } = from_vf(Some(&a), None)
            else {
                return Err(EINVAL);
            };
            assert_eq!(vlan, 10);
            assert_eq!(switch_vlan(None, Some((ethertype, tci))), 10);
            assert_eq!(to_vf(Some(&b), Some((ethertype, tci))), RxVerdict::Pop);
            assert_eq!(to_vf(Some(&c), Some((ethertype, tci))), RxVerdict::Drop);
            assert_eq!(to_vf(None, Some((ethertype, tci))), RxVerdict::Pass);
        }
        Ok(())
    }
}
