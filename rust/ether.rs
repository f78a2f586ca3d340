// SPDX-License-Identifier: GPL-2.0

//! Ethernet addresses and the PF's receive decision.
//!
//! Pure functions over 6-byte MAC addresses: no kernel objects, covered by
//! the KUnit suite below.

use kernel::prelude::*;

/// A MAC address.
pub(crate) type MacAddr = [u8; 6];

/// The broadcast address.
pub(crate) const BROADCAST: MacAddr = [0xff; 6];

/// Whether `addr` is a group (multicast or broadcast) address.
pub(crate) fn is_multicast(addr: &MacAddr) -> bool {
    addr[0] & 0x01 != 0
}

/// Whether `addr` is the broadcast address.
pub(crate) fn is_broadcast(addr: &MacAddr) -> bool {
    *addr == BROADCAST
}

/// Whether `addr` is all zeroes.
pub(crate) fn is_zero(addr: &MacAddr) -> bool {
    *addr == [0; 6]
}

/// Whether `addr` can be a station's own address: unicast and not zero.
pub(crate) fn is_valid_unicast(addr: &MacAddr) -> bool {
    !is_multicast(addr) && !is_zero(addr)
}

/// What the uplink's receive handler does with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UplinkRx {
    /// Unicast for the PF: it goes to the PF's RX ring only.
    ToPf,
    /// Group address: a copy goes to the PF, the frame continues up the uplink's stack.
    CopyToPf,
    /// Not for the PF: the uplink's own stack handles it.
    Pass,
}

/// Classifies a frame that arrived on the uplink for destination `dst`.
///
/// `pf` is the PF's address; `pf_promisc` is set when the PF is in
/// promiscuous mode and wants a copy of every frame.
pub(crate) fn classify_uplink_rx(dst: &MacAddr, pf: &MacAddr, pf_promisc: bool) -> UplinkRx {
    if is_multicast(dst) {
        UplinkRx::CopyToPf
    } else if dst == pf {
        UplinkRx::ToPf
    } else if pf_promisc {
        UplinkRx::CopyToPf
    } else {
        UplinkRx::Pass
    }
}

#[kunit_tests(svnic_ether)]
mod tests {
    use super::*;

    const PF: MacAddr = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
    const OTHER: MacAddr = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
    const MCAST: MacAddr = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01];

    #[test]
    fn address_kinds() -> Result {
        assert!(is_multicast(&BROADCAST));
        assert!(is_broadcast(&BROADCAST));
        assert!(is_multicast(&MCAST));
        assert!(!is_broadcast(&MCAST));
        assert!(!is_multicast(&PF));
        assert!(is_valid_unicast(&PF));
        assert!(!is_valid_unicast(&[0; 6]));
        assert!(!is_valid_unicast(&MCAST));
        Ok(())
    }

    #[test]
    fn uplink_rx_decisions() -> Result {
        assert_eq!(classify_uplink_rx(&PF, &PF, false), UplinkRx::ToPf);
        assert_eq!(classify_uplink_rx(&OTHER, &PF, false), UplinkRx::Pass);
        assert_eq!(classify_uplink_rx(&OTHER, &PF, true), UplinkRx::CopyToPf);
        assert_eq!(
            classify_uplink_rx(&BROADCAST, &PF, false),
            UplinkRx::CopyToPf
        );
        assert_eq!(classify_uplink_rx(&MCAST, &PF, false), UplinkRx::CopyToPf);
        Ok(())
    }
}
