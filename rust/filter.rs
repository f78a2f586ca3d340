// SPDX-License-Identifier: GPL-2.0

//! The receive filter of a VF: which group frames and which frames for
//! other stations the switch delivers to it.
//!
//! A VF's `ndo_set_rx_mode` records its multicast list and its promiscuous
//! and all-multicast flags here; the switch asks [`RxFilter::accepts_group`]
//! before delivering a group frame and [`RxFilter::wants_all_unicast`]
//! before copying unicast frames for other ports. What the flags grant
//! depends on `trust` (`ip link set PF vf N trust on|off`): an untrusted VF
//! gets broadcast and the groups it subscribed to, nothing more, whatever
//! it asks for. Pure logic, covered by the KUnit suite below.

use crate::net::ether::{self, MacAddr};
use kernel::prelude::*;

/// Number of multicast groups a VF's filter holds; a VF subscribed to more
/// gets the first ones only, unless it is trusted (then it gets every
/// group, like all-multicast).
pub(crate) const MC_FILTER_MAX: usize = 32;

/// The receive filter of a VF.
///
/// # Invariants
///
/// `n <= MC_FILTER_MAX`; `groups[..n]` are distinct multicast addresses.
#[derive(Clone, Copy)]
pub(crate) struct RxFilter {
    groups: [MacAddr; MC_FILTER_MAX],
    n: usize,
    overflow: bool,
    allmulti: bool,
    promisc: bool,
}

impl RxFilter {
    /// A filter that passes broadcast only.
    pub(crate) const fn new() -> Self {
        // INVARIANT: no group.
        Self {
            groups: [[0; 6]; MC_FILTER_MAX],
            n: 0,
            overflow: false,
            allmulti: false,
            promisc: false,
        }
    }

    /// Records the VF's `IFF_PROMISC` and `IFF_ALLMULTI` flags.
    pub(crate) fn set_modes(&mut self, promisc: bool, allmulti: bool) {
        self.promisc = promisc;
        self.allmulti = allmulti;
    }

    /// Subscribes to `group`; ignores unicast addresses and duplicates.
    pub(crate) fn add_group(&mut self, group: &MacAddr) {
        if !ether::is_multicast(group) || self.groups[..self.n].contains(group) {
            return;
        }
        match self.groups.get_mut(self.n) {
            Some(slot) => {
                // INVARIANT: a new multicast address below the limit.
                *slot = *group;
                self.n += 1;
            }
            None => self.overflow = true,
        }
    }

    /// Whether the VF gets a group frame for `dst`.
    pub(crate) fn accepts_group(&self, dst: &MacAddr, trusted: bool) -> bool {
        ether::is_broadcast(dst)
            || (trusted && (self.promisc || self.allmulti || self.overflow))
            || self.groups[..self.n].contains(dst)
    }

    /// Whether the VF gets copies of unicast frames for other stations.
    pub(crate) fn wants_all_unicast(&self, trusted: bool) -> bool {
        trusted && self.promisc
    }
}

#[kunit_tests(svnic_filter)]
mod tests {
    use super::*;

    const G1: MacAddr = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01];
    const G2: MacAddr = [0x33, 0x33, 0x00, 0x00, 0x00, 0x01];
    const U: MacAddr = [0x02, 0, 0, 0, 0, 1];

    #[test]
    fn subscribed_groups_only() -> Result {
        let mut f = RxFilter::new();
        assert!(f.accepts_group(&ether::BROADCAST, false));
        assert!(!f.accepts_group(&G1, false));
        f.add_group(&G1);
        f.add_group(&G1);
        f.add_group(&U);
        assert!(f.accepts_group(&G1, false));
        assert!(!f.accepts_group(&G2, false));
        assert_eq!(f.n, 1);
        Ok(())
    }

    #[test]
    fn modes_need_trust() -> Result {
        let mut f = RxFilter::new();
        f.set_modes(true, true);
        assert!(!f.accepts_group(&G2, false));
        assert!(!f.wants_all_unicast(false));
        assert!(f.accepts_group(&G2, true));
        assert!(f.wants_all_unicast(true));
        f.set_modes(false, true);
        assert!(f.accepts_group(&G2, true));
        assert!(!f.wants_all_unicast(true));
        Ok(())
    }

    #[test]
    fn overflow_is_all_multicast_for_trusted_only() -> Result {
        let mut f = RxFilter::new();
        for i in 0..=MC_FILTER_MAX {
            f.add_group(&[0x01, 0x00, 0x5e, 0x00, 0x01, i as u8]);
        }
        assert_eq!(f.n, MC_FILTER_MAX);
        // The first groups still pass; one past the limit only if trusted.
        assert!(f.accepts_group(&[0x01, 0x00, 0x5e, 0x00, 0x01, 0], false));
        let last = [0x01, 0x00, 0x5e, 0x00, 0x01, MC_FILTER_MAX as u8];
        assert!(!f.accepts_group(&last, false));
        assert!(f.accepts_group(&last, true));
        Ok(())
    }
}
