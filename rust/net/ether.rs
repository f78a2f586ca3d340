// SPDX-License-Identifier: GPL-2.0

//! Ethernet addresses.
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

#[kunit_tests(svnic_ether)]
mod tests {
    use super::*;

    const PF: MacAddr = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
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
}
