// SPDX-License-Identifier: GPL-2.0

//! Forwarding database (FDB) of the embedded switch, and its forwarding
//! decision.
//!
//! The FDB maps `(VLAN, MAC)` to the port(s) behind it: the unicast address
//! of each PF/VF port, and the multicast groups each port subscribed to. It
//! is a sorted vector searched by bisection, meant to be used copy-on-update
//! under RCU: the control path clones it ([`Fdb::try_clone`]), changes the
//! copy and publishes it; the data path only reads.
//!
//! [`forward`] and [`flood_targets`] are the switch's decision for one frame,
//! in VEB (local switching) or VEPA (everything through the external switch)
//! mode. Everything here is pure logic without kernel objects, covered by
//! the KUnit suite at the end of the file.

// Not every helper here is on the data path yet (the KUnit suite uses them
// all), so a build without KUnit would warn about them.
#![cfg_attr(not(CONFIG_KUNIT), allow(dead_code))]

use crate::{
    ether::{self, MacAddr},
    vlan::VLAN_VID_MAX,
};
use kernel::prelude::*;

/// Number of entries an [`Fdb`] made by [`Fdb::new`] accepts.
pub(crate) const FDB_LIMIT_DEFAULT: usize = 4096;

/// A port of the embedded switch.
///
/// The order (uplink, PF, VFs by number) is the order of entries that share
/// a `(VLAN, MAC)` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PortId {
    /// The uplink: the backing netdev, towards the external network.
    Uplink,
    /// The physical function.
    Pf,
    /// Virtual function number `n` (as in `ip link set PF vf n ...`).
    Vf(u16),
}

impl PortId {
    /// Whether this is a function of the device (the PF or a VF), not the uplink.
    pub(crate) fn is_function(self) -> bool {
        self != PortId::Uplink
    }
}

/// What an FDB entry stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FdbKind {
    /// A port's own unicast address: frames for it go to that port only.
    Unicast,
    /// A multicast group a port subscribed to (its multicast filter).
    Multicast,
}

/// One FDB entry.
///
/// # Invariants
///
/// - `vlan <= VLAN_VID_MAX`.
/// - `kind == Unicast` and `mac` is a valid unicast address, or
///   `kind == Multicast` and `mac` is a multicast address other than broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FdbEntry {
    vlan: u16,
    mac: MacAddr,
    port: PortId,
    kind: FdbKind,
}

impl FdbEntry {
    /// The address.
    pub(crate) fn mac(&self) -> &MacAddr {
        &self.mac
    }

    /// The VLAN id (0: untagged).
    pub(crate) fn vlan(&self) -> u16 {
        self.vlan
    }

    /// The port behind the address.
    pub(crate) fn port(&self) -> PortId {
        self.port
    }

    /// Unicast address or multicast subscription.
    pub(crate) fn kind(&self) -> FdbKind {
        self.kind
    }

    /// Whether this entry has the key `(vlan, mac)`.
    fn is_key(&self, mac: &MacAddr, vlan: u16) -> bool {
        self.vlan == vlan && self.mac == *mac
    }

    /// Whether this entry sorts before every entry of key `(vlan, mac)`.
    fn is_before(&self, mac: &MacAddr, vlan: u16) -> bool {
        (self.vlan, &self.mac) < (vlan, mac)
    }
}

/// Forwarding database of the embedded switch.
///
/// # Invariants
///
/// - `entries` is sorted by `(vlan, mac, port)`, strictly: no two entries
///   are equal in all three.
/// - No two `Unicast` entries have the same `(vlan, mac)`, and a key holds
///   either one `Unicast` entry or `Multicast` entries (by the address's
///   group bit, see [`FdbEntry`]).
/// - `entries.len() <= limit`.
pub(crate) struct Fdb {
    entries: KVec<FdbEntry>,
    limit: usize,
}

impl Fdb {
    /// Creates an empty FDB of at most [`FDB_LIMIT_DEFAULT`] entries.
    pub(crate) fn new() -> Self {
        Self::with_capacity_limit(FDB_LIMIT_DEFAULT)
    }

    /// Creates an empty FDB of at most `limit` entries.
    pub(crate) fn with_capacity_limit(limit: usize) -> Self {
        // INVARIANT: empty.
        Self {
            entries: KVec::new(),
            limit,
        }
    }

    /// Copies the FDB (for a copy-on-update under RCU).
    ///
    /// # Errors
    ///
    /// `ENOMEM` if the copy cannot be allocated.
    pub(crate) fn try_clone(&self) -> Result<Self> {
        let mut entries = KVec::with_capacity(self.entries.len(), GFP_KERNEL)?;
        entries.extend_from_slice(&self.entries, GFP_KERNEL)?;
        // INVARIANT: the same entries and limit as `self`.
        Ok(Self {
            entries,
            limit: self.limit,
        })
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no entry.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Largest number of entries.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// The entries, sorted by `(vlan, mac, port)` (for dumps).
    pub(crate) fn entries(&self) -> &[FdbEntry] {
        &self.entries
    }

    /// Position of the first entry of key `(vlan, mac)` (or where it would
    /// be), and the entries of that key.
    fn find(&self, mac: &MacAddr, vlan: u16) -> (usize, &[FdbEntry]) {
        let start = self.entries.partition_point(|e| e.is_before(mac, vlan));
        // PANIC: `partition_point` returns at most `len`.
        let rest = &self.entries[start..];
        let n = rest.partition_point(|e| e.is_key(mac, vlan));
        // PANIC: `partition_point` returns at most `rest.len()`.
        (start, &rest[..n])
    }

    /// Inserts `entry` at position `at`, which keeps the order.
    ///
    /// # Errors
    ///
    /// `ENOSPC` if the FDB is at its limit, `ENOMEM` if it cannot grow.
    fn insert(&mut self, at: usize, entry: FdbEntry) -> Result {
        if self.entries.len() >= self.limit {
            return Err(ENOSPC);
        }
        self.entries.push(entry, GFP_KERNEL)?;
        // PANIC: `at <= len - 1` after the push, as the caller found `at`
        // in the entries before it.
        // INVARIANT: the caller chose `at` so that the order holds once the
        // pushed entry is rotated there; the length was below `limit`.
        self.entries[at..].rotate_right(1);
        Ok(())
    }

    /// Adds `mac` in VLAN `vlan` as the unicast address of `port`.
    ///
    /// Adding an address that `port` already owns does nothing.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a multicast or zero address or a VLAN above 4094,
    /// `EEXIST` if another port owns the address in that VLAN, `ENOSPC` if
    /// the FDB is full, `ENOMEM`.
    pub(crate) fn add_unicast(&mut self, mac: &MacAddr, vlan: u16, port: PortId) -> Result {
        if !ether::is_valid_unicast(mac) || vlan > VLAN_VID_MAX {
            return Err(EINVAL);
        }
        let (at, found) = self.find(mac, vlan);
        match found.first() {
            Some(e) if e.port == port => Ok(()),
            Some(_) => Err(EEXIST),
            // INVARIANT: a valid unicast address in a valid VLAN, inserted
            // at the place of its key, which had no entry.
            None => self.insert(
                at,
                FdbEntry {
                    vlan,
                    mac: *mac,
                    port,
                    kind: FdbKind::Unicast,
                },
            ),
        }
    }

    /// Removes the unicast address `mac` of `port` in VLAN `vlan`.
    ///
    /// # Errors
    ///
    /// `ENOENT` if `port` does not own that address in that VLAN.
    pub(crate) fn remove_unicast(&mut self, mac: &MacAddr, vlan: u16, port: PortId) -> Result {
        let (at, found) = self.find(mac, vlan);
        match found.first() {
            Some(e) if e.port == port && e.kind == FdbKind::Unicast => {
                self.entries.remove(at).map_err(|_| ENOENT)?;
                Ok(())
            }
            _ => Err(ENOENT),
        }
    }

    /// Subscribes `port` to the multicast group `group` in VLAN `vlan`.
    ///
    /// Subscribing again does nothing.
    ///
    /// # Errors
    ///
    /// `EINVAL` if `group` is not a multicast address or is the broadcast
    /// address (which always floods), or for a VLAN above 4094; `ENOSPC` if
    /// the FDB is full, `ENOMEM`.
    pub(crate) fn add_multicast(&mut self, group: &MacAddr, vlan: u16, port: PortId) -> Result {
        if !ether::is_multicast(group) || ether::is_broadcast(group) || vlan > VLAN_VID_MAX {
            return Err(EINVAL);
        }
        let (at, found) = self.find(group, vlan);
        match found.binary_search_by(|e| e.port.cmp(&port)) {
            Ok(_) => Ok(()),
            // INVARIANT: a multicast group in a valid VLAN, inserted among
            // the entries of its key in port order, where `port` was not.
            Err(i) => self.insert(
                at + i,
                FdbEntry {
                    vlan,
                    mac: *group,
                    port,
                    kind: FdbKind::Multicast,
                },
            ),
        }
    }

    /// Unsubscribes `port` from the multicast group `group` in VLAN `vlan`.
    ///
    /// # Errors
    ///
    /// `ENOENT` if `port` is not subscribed to it.
    pub(crate) fn remove_multicast(&mut self, group: &MacAddr, vlan: u16, port: PortId) -> Result {
        if !ether::is_multicast(group) {
            return Err(ENOENT);
        }
        let (at, found) = self.find(group, vlan);
        match found.binary_search_by(|e| e.port.cmp(&port)) {
            Ok(i) => {
                self.entries.remove(at + i).map_err(|_| ENOENT)?;
                Ok(())
            }
            Err(_) => Err(ENOENT),
        }
    }

    /// Removes every entry of `port` (its addresses and subscriptions, in
    /// every VLAN) and returns how many there were.
    pub(crate) fn remove_port(&mut self, port: PortId) -> usize {
        let before = self.entries.len();
        // INVARIANT: removing entries keeps the order.
        self.entries.retain(|e| e.port != port);
        before - self.entries.len()
    }

    /// The port that owns the unicast address `mac` in VLAN `vlan`, if any.
    pub(crate) fn lookup_unicast(&self, mac: &MacAddr, vlan: u16) -> Option<PortId> {
        if ether::is_multicast(mac) {
            return None;
        }
        self.find(mac, vlan).1.first().map(|e| e.port)
    }

    /// Whether `port` subscribed to `group` in VLAN `vlan`.
    pub(crate) fn is_member(&self, group: &MacAddr, vlan: u16, port: PortId) -> bool {
        ether::is_multicast(group)
            && self
                .find(group, vlan)
                .1
                .binary_search_by(|e| e.port.cmp(&port))
                .is_ok()
    }

    /// Replaces the contents of `out` with the ports subscribed to the
    /// multicast group `group` in VLAN `vlan`, in port order.
    ///
    /// Meant for the data path: `out` grows with `GFP_ATOMIC` when its
    /// capacity is not enough.
    ///
    /// # Errors
    ///
    /// `ENOMEM` if `out` cannot grow.
    pub(crate) fn multicast_members(
        &self,
        group: &MacAddr,
        vlan: u16,
        out: &mut KVec<PortId>,
    ) -> Result {
        out.clear();
        if !ether::is_multicast(group) {
            return Ok(());
        }
        for e in self.find(group, vlan).1 {
            out.push(e.port, GFP_ATOMIC)?;
        }
        Ok(())
    }
}

/// How the embedded switch forwards between its own ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SwitchMode {
    /// Virtual Ethernet Bridge: traffic between local ports is switched
    /// inside the device.
    Veb,
    /// Virtual Ethernet Port Aggregator: everything a local port sends goes
    /// to the uplink; the external switch hairpins what is for a local port.
    Vepa,
}

/// Where a frame goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// To this one port.
    To(PortId),
    /// To several ports: see [`flood_targets`].
    Flood,
    /// Nowhere.
    Drop,
}

/// Decides where a frame from port `src` for `dst` in VLAN `vlan` goes.
///
/// From the PF or a VF: a broadcast or multicast destination floods; a
/// unicast destination owned by `src` itself is dropped; one owned by
/// another port goes there in VEB mode and to the uplink in VEPA mode; an
/// unknown one goes to the uplink.
///
/// From the uplink: broadcast and multicast flood; a known unicast
/// destination goes to its owner; an unknown one is dropped (it is the
/// uplink's own stack's business, not the switch's).
pub(crate) fn forward(
    fdb: &Fdb,
    mode: SwitchMode,
    src: PortId,
    dst: &MacAddr,
    vlan: u16,
) -> Decision {
    forward_in_vlan(fdb, mode, src, dst, vlan, |_| false)
}

/// Like [`forward`], for a switch whose trunk ports (`is_trunk`: the ports
/// that are members of every VLAN, such as the uplink, the PF and VFs
/// without port VLAN) have their addresses in VLAN 0 only: a unicast
/// destination not found in `vlan` is looked up in VLAN 0 and taken if a
/// trunk port owns it there.
pub(crate) fn forward_in_vlan(
    fdb: &Fdb,
    mode: SwitchMode,
    src: PortId,
    dst: &MacAddr,
    vlan: u16,
    is_trunk: impl Fn(PortId) -> bool,
) -> Decision {
    if ether::is_multicast(dst) {
        return Decision::Flood;
    }
    let owner = fdb.lookup_unicast(dst, vlan).or_else(|| {
        if vlan == 0 {
            return None;
        }
        fdb.lookup_unicast(dst, 0).filter(|&p| is_trunk(p))
    });
    match owner {
        Some(owner) if owner == src => Decision::Drop,
        Some(owner) if !src.is_function() => Decision::To(owner),
        None if !src.is_function() => Decision::Drop,
        Some(owner) if mode == SwitchMode::Veb => Decision::To(owner),
        _ => Decision::To(PortId::Uplink),
    }
}

/// Replaces the contents of `out` with the ports a flooded frame (a
/// [`Decision::Flood`]) from `src` for the group address `dst` in VLAN
/// `vlan` goes to.
///
/// `ports` are the switch's ports that are members of VLAN `vlan` (the
/// uplink, the PF and the VFs whose port VLAN is `vlan` or who have none),
/// each once; every target is taken from them, and `src` never is one:
///
/// - In VEPA mode, from the PF or a VF: the uplink only.
/// - Broadcast: every port of `ports`.
/// - Other multicast: the uplink and the PF (they are not filtered) and the
///   VFs subscribed to `dst` in `vlan`.
///
/// From the uplink, VEPA mode floods like VEB mode: hairpinning the frame
/// back is the external switch's job.
///
/// Meant for the data path: `out` grows with `GFP_ATOMIC` when its capacity
/// is not enough.
///
/// # Errors
///
/// `EINVAL` if `dst` is a unicast address (unicast never floods), `ENOMEM`
/// if `out` cannot grow.
pub(crate) fn flood_targets(
    fdb: &Fdb,
    mode: SwitchMode,
    src: PortId,
    dst: &MacAddr,
    vlan: u16,
    ports: &[PortId],
    out: &mut KVec<PortId>,
) -> Result {
    out.clear();
    if !ether::is_multicast(dst) {
        return Err(EINVAL);
    }
    let vepa_local = mode == SwitchMode::Vepa && src.is_function();
    let broadcast = ether::is_broadcast(dst);
    for &port in ports {
        let take = if port == src {
            false
        } else if vepa_local {
            port == PortId::Uplink
        } else {
            broadcast
                || matches!(port, PortId::Uplink | PortId::Pf)
                || fdb.is_member(dst, vlan, port)
        };
        if take {
            out.push(port, GFP_ATOMIC)?;
        }
    }
    Ok(())
}

#[kunit_tests(svnic_fdb)]
mod tests {
    use super::*;

    const A: MacAddr = [0x02, 0, 0, 0, 0, 0x0a];
    const B: MacAddr = [0x02, 0, 0, 0, 0, 0x0b];
    const C: MacAddr = [0x02, 0, 0, 0, 0, 0x0c];
    const X: MacAddr = [0x02, 0, 0, 0, 0, 0xee];
    const G1: MacAddr = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01];
    const G2: MacAddr = [0x33, 0x33, 0x00, 0x00, 0x00, 0x01];
    const BCAST: MacAddr = ether::BROADCAST;

    const VF0: PortId = PortId::Vf(0);
    const VF1: PortId = PortId::Vf(1);
    const VF2: PortId = PortId::Vf(2);
    const UP: PortId = PortId::Uplink;
    const PF: PortId = PortId::Pf;

    /// Every port of a switch with three VFs.
    const ALL: [PortId; 5] = [UP, PF, VF0, VF1, VF2];

    /// A distinct locally administered unicast address per `i`.
    fn mac(i: u32) -> MacAddr {
        let b = i.to_be_bytes();
        [0x02, 0x42, b[0], b[1], b[2], b[3]]
    }

    /// Whether the entries are strictly sorted by `(vlan, mac, port)`.
    fn sorted(fdb: &Fdb) -> bool {
        fdb.entries()
            .windows(2)
            .all(|w| (w[0].vlan, w[0].mac, w[0].port) < (w[1].vlan, w[1].mac, w[1].port))
    }

    /// A switch with PF = A, VF0 = B, VF1 = C (VLAN 0) and VF2 subscribed to G1.
    fn switch() -> Result<Fdb> {
        let mut fdb = Fdb::new();
        fdb.add_unicast(&A, 0, PF)?;
        fdb.add_unicast(&B, 0, VF0)?;
        fdb.add_unicast(&C, 0, VF1)?;
        fdb.add_multicast(&G1, 0, VF2)?;
        Ok(fdb)
    }

    /// `flood_targets` into a fresh vector.
    fn flood(
        fdb: &Fdb,
        mode: SwitchMode,
        src: PortId,
        dst: &MacAddr,
        ports: &[PortId],
    ) -> Result<KVec<PortId>> {
        let mut out = KVec::new();
        flood_targets(fdb, mode, src, dst, 0, ports, &mut out)?;
        Ok(out)
    }

    #[test]
    fn port_order_and_kind() -> Result {
        assert!(UP < PF);
        assert!(PF < VF0);
        assert!(VF0 < VF1);
        assert!(PortId::Vf(9) < PortId::Vf(10));
        assert!(!UP.is_function());
        assert!(PF.is_function());
        assert!(VF2.is_function());
        Ok(())
    }

    #[test]
    fn unicast_add_lookup_remove() -> Result {
        let mut fdb = Fdb::new();
        assert!(fdb.is_empty());
        assert_eq!(fdb.limit(), FDB_LIMIT_DEFAULT);
        fdb.add_unicast(&A, 0, VF0)?;
        assert_eq!(fdb.len(), 1);
        assert_eq!(fdb.lookup_unicast(&A, 0), Some(VF0));
        assert_eq!(fdb.lookup_unicast(&B, 0), None);
        let e = fdb.entries()[0];
        assert_eq!((e.mac(), e.vlan(), e.port()), (&A, 0, VF0));
        assert_eq!(e.kind(), FdbKind::Unicast);
        // Only the owner can remove it.
        assert_eq!(fdb.remove_unicast(&A, 0, VF1), Err(ENOENT));
        assert_eq!(fdb.remove_unicast(&A, 5, VF0), Err(ENOENT));
        assert_eq!(fdb.remove_unicast(&B, 0, VF0), Err(ENOENT));
        fdb.remove_unicast(&A, 0, VF0)?;
        assert_eq!(fdb.lookup_unicast(&A, 0), None);
        assert_eq!(fdb.remove_unicast(&A, 0, VF0), Err(ENOENT));
        assert!(fdb.is_empty());
        Ok(())
    }

    #[test]
    fn unicast_duplicates() -> Result {
        let mut fdb = Fdb::new();
        fdb.add_unicast(&A, 0, VF0)?;
        // Idempotent for the owner.
        fdb.add_unicast(&A, 0, VF0)?;
        assert_eq!(fdb.len(), 1);
        // Owned by someone else.
        assert_eq!(fdb.add_unicast(&A, 0, VF1), Err(EEXIST));
        assert_eq!(fdb.add_unicast(&A, 0, PF), Err(EEXIST));
        assert_eq!(fdb.lookup_unicast(&A, 0), Some(VF0));
        assert_eq!(fdb.len(), 1);
        Ok(())
    }

    #[test]
    fn unicast_rejects_bad_input() -> Result {
        let mut fdb = Fdb::new();
        assert_eq!(fdb.add_unicast(&G1, 0, VF0), Err(EINVAL));
        assert_eq!(fdb.add_unicast(&BCAST, 0, VF0), Err(EINVAL));
        assert_eq!(fdb.add_unicast(&[0; 6], 0, VF0), Err(EINVAL));
        assert_eq!(fdb.add_unicast(&A, 4095, VF0), Err(EINVAL));
        assert_eq!(fdb.add_unicast(&A, u16::MAX, VF0), Err(EINVAL));
        fdb.add_unicast(&A, 4094, VF0)?;
        assert!(fdb.lookup_unicast(&G1, 0).is_none());
        assert_eq!(fdb.len(), 1);
        Ok(())
    }

    #[test]
    fn vlan_separation() -> Result {
        let mut fdb = Fdb::new();
        // The same address in two VLANs is two entries, possibly of two ports.
        fdb.add_unicast(&A, 10, VF0)?;
        fdb.add_unicast(&A, 20, VF1)?;
        fdb.add_unicast(&A, 0, PF)?;
        assert_eq!(fdb.len(), 3);
        assert_eq!(fdb.lookup_unicast(&A, 10), Some(VF0));
        assert_eq!(fdb.lookup_unicast(&A, 20), Some(VF1));
        assert_eq!(fdb.lookup_unicast(&A, 0), Some(PF));
        assert_eq!(fdb.lookup_unicast(&A, 30), None);
        fdb.remove_unicast(&A, 10, VF0)?;
        assert_eq!(fdb.lookup_unicast(&A, 10), None);
        assert_eq!(fdb.lookup_unicast(&A, 20), Some(VF1));
        // Multicast subscriptions are per VLAN too.
        fdb.add_multicast(&G1, 10, VF0)?;
        assert!(fdb.is_member(&G1, 10, VF0));
        assert!(!fdb.is_member(&G1, 20, VF0));
        let mut out = KVec::new();
        fdb.multicast_members(&G1, 20, &mut out)?;
        assert!(out.is_empty());
        assert!(sorted(&fdb));
        Ok(())
    }

    #[test]
    fn multicast_members_and_duplicates() -> Result {
        let mut fdb = Fdb::new();
        assert_eq!(fdb.add_multicast(&A, 0, VF0), Err(EINVAL));
        assert_eq!(fdb.add_multicast(&BCAST, 0, VF0), Err(EINVAL));
        assert_eq!(fdb.add_multicast(&G1, 4095, VF0), Err(EINVAL));
        // Several ports on one group, added out of order.
        fdb.add_multicast(&G1, 0, VF2)?;
        fdb.add_multicast(&G1, 0, VF0)?;
        fdb.add_multicast(&G1, 0, PF)?;
        fdb.add_multicast(&G1, 0, VF0)?;
        fdb.add_multicast(&G2, 0, VF1)?;
        assert_eq!(fdb.len(), 4);
        assert!(sorted(&fdb));
        assert_eq!(fdb.entries()[0].kind(), FdbKind::Multicast);
        let mut out = KVec::new();
        // Stale contents are replaced.
        out.push(UP, GFP_KERNEL)?;
        fdb.multicast_members(&G1, 0, &mut out)?;
        assert_eq!(&out[..], &[PF, VF0, VF2]);
        fdb.multicast_members(&G2, 0, &mut out)?;
        assert_eq!(&out[..], &[VF1]);
        fdb.multicast_members(&A, 0, &mut out)?;
        assert!(out.is_empty());
        // A group is not a unicast address.
        assert_eq!(fdb.lookup_unicast(&G1, 0), None);
        assert_eq!(fdb.remove_unicast(&G1, 0, VF0), Err(ENOENT));
        // Removal.
        assert_eq!(fdb.remove_multicast(&G1, 0, VF1), Err(ENOENT));
        assert_eq!(fdb.remove_multicast(&G1, 7, VF0), Err(ENOENT));
        assert_eq!(fdb.remove_multicast(&A, 0, VF0), Err(ENOENT));
        fdb.remove_multicast(&G1, 0, VF0)?;
        assert_eq!(fdb.remove_multicast(&G1, 0, VF0), Err(ENOENT));
        fdb.multicast_members(&G1, 0, &mut out)?;
        assert_eq!(&out[..], &[PF, VF2]);
        assert_eq!(fdb.remove_multicast(&G2, 0, VF1), Ok(()));
        assert_eq!(fdb.len(), 2);
        Ok(())
    }

    #[test]
    fn capacity_limit() -> Result {
        let mut fdb = Fdb::with_capacity_limit(3);
        assert_eq!(fdb.limit(), 3);
        fdb.add_unicast(&A, 0, VF0)?;
        fdb.add_unicast(&B, 0, VF1)?;
        fdb.add_multicast(&G1, 0, VF0)?;
        assert_eq!(fdb.add_unicast(&C, 0, VF2), Err(ENOSPC));
        assert_eq!(fdb.add_multicast(&G1, 0, VF1), Err(ENOSPC));
        assert_eq!(fdb.add_unicast(&A, 1, VF0), Err(ENOSPC));
        // What is already there is still accepted (idempotent) or refused as before.
        fdb.add_unicast(&A, 0, VF0)?;
        fdb.add_multicast(&G1, 0, VF0)?;
        assert_eq!(fdb.add_unicast(&A, 0, VF1), Err(EEXIST));
        assert_eq!(fdb.len(), 3);
        // Room again after a removal.
        fdb.remove_unicast(&B, 0, VF1)?;
        fdb.add_unicast(&C, 0, VF2)?;
        assert_eq!(fdb.lookup_unicast(&C, 0), Some(VF2));
        let mut none = Fdb::with_capacity_limit(0);
        assert_eq!(none.add_unicast(&A, 0, VF0), Err(ENOSPC));
        Ok(())
    }

    #[test]
    fn remove_port_drops_everything_of_it() -> Result {
        let mut fdb = Fdb::new();
        fdb.add_unicast(&A, 0, VF0)?;
        fdb.add_unicast(&A, 10, VF0)?;
        fdb.add_unicast(&B, 0, VF1)?;
        fdb.add_multicast(&G1, 0, VF0)?;
        fdb.add_multicast(&G1, 0, VF1)?;
        fdb.add_multicast(&G2, 10, VF0)?;
        assert_eq!(fdb.remove_port(VF0), 4);
        assert_eq!(fdb.len(), 2);
        assert_eq!(fdb.lookup_unicast(&A, 0), None);
        assert_eq!(fdb.lookup_unicast(&A, 10), None);
        assert_eq!(fdb.lookup_unicast(&B, 0), Some(VF1));
        assert!(!fdb.is_member(&G1, 0, VF0));
        assert!(fdb.is_member(&G1, 0, VF1));
        assert!(sorted(&fdb));
        assert_eq!(fdb.remove_port(VF0), 0);
        // The address is free for another port now.
        fdb.add_unicast(&A, 0, VF2)?;
        assert_eq!(fdb.lookup_unicast(&A, 0), Some(VF2));
        Ok(())
    }

    #[test]
    fn clone_is_independent() -> Result {
        let mut fdb = switch()?;
        let copy = fdb.try_clone()?;
        assert_eq!(copy.entries(), fdb.entries());
        assert_eq!(copy.limit(), fdb.limit());
        fdb.remove_port(VF0);
        fdb.add_unicast(&X, 0, VF2)?;
        assert_eq!(copy.lookup_unicast(&B, 0), Some(VF0));
        assert_eq!(copy.lookup_unicast(&X, 0), None);
        assert_eq!(fdb.lookup_unicast(&B, 0), None);
        let empty = Fdb::with_capacity_limit(7).try_clone()?;
        assert!(empty.is_empty());
        assert_eq!(empty.limit(), 7);
        Ok(())
    }

    #[test]
    fn many_entries_stay_sorted() -> Result {
        const N: u32 = 1000;
        let mut fdb = Fdb::with_capacity_limit(2 * N as usize);
        // Insert in a scrambled order (7919 is prime, so `i * 7919 % N`
        // visits every value once), in two VLANs, descending VLAN first.
        for vlan in [20u16, 10] {
            for i in 0..N {
                let k = (i * 7919) % N;
                let port = PortId::Vf((k % 64) as u16);
                fdb.add_unicast(&mac(k), vlan, port)?;
            }
        }
        assert_eq!(fdb.len(), 2 * N as usize);
        assert!(sorted(&fdb));
        assert_eq!(fdb.add_unicast(&mac(N), 10, VF0), Err(ENOSPC));
        for k in 0..N {
            let port = Some(PortId::Vf((k % 64) as u16));
            assert_eq!(fdb.lookup_unicast(&mac(k), 10), port);
            assert_eq!(fdb.lookup_unicast(&mac(k), 20), port);
            assert_eq!(fdb.lookup_unicast(&mac(k), 30), None);
        }
        assert_eq!(fdb.lookup_unicast(&mac(N), 10), None);
        // Remove every other address of VLAN 10.
        for k in (0..N).step_by(2) {
            fdb.remove_unicast(&mac(k), 10, PortId::Vf((k % 64) as u16))?;
        }
        assert_eq!(fdb.len(), 2 * N as usize - N as usize / 2);
        assert!(sorted(&fdb));
        for k in 0..N {
            let expect = (k % 2 == 1).then_some(PortId::Vf((k % 64) as u16));
            assert_eq!(fdb.lookup_unicast(&mac(k), 10), expect);
            assert!(fdb.lookup_unicast(&mac(k), 20).is_some());
        }
        Ok(())
    }

    #[test]
    fn forward_veb_from_function() -> Result {
        let fdb = switch()?;
        let veb = SwitchMode::Veb;
        assert_eq!(forward(&fdb, veb, VF0, &C, 0), Decision::To(VF1));
        assert_eq!(forward(&fdb, veb, VF0, &A, 0), Decision::To(PF));
        assert_eq!(forward(&fdb, veb, PF, &B, 0), Decision::To(VF0));
        // Unknown unicast goes out; so does a known one in another VLAN.
        assert_eq!(forward(&fdb, veb, VF0, &X, 0), Decision::To(UP));
        assert_eq!(forward(&fdb, veb, VF0, &C, 10), Decision::To(UP));
        // To itself: dropped.
        assert_eq!(forward(&fdb, veb, VF0, &B, 0), Decision::Drop);
        assert_eq!(forward(&fdb, veb, PF, &A, 0), Decision::Drop);
        // Group addresses flood.
        assert_eq!(forward(&fdb, veb, VF0, &BCAST, 0), Decision::Flood);
        assert_eq!(forward(&fdb, veb, VF0, &G1, 0), Decision::Flood);
        assert_eq!(forward(&fdb, veb, VF0, &G2, 0), Decision::Flood);
        Ok(())
    }

    #[test]
    fn forward_vepa_from_function() -> Result {
        let fdb = switch()?;
        let vepa = SwitchMode::Vepa;
        // Known local destinations go out too: the external switch hairpins.
        assert_eq!(forward(&fdb, vepa, VF0, &C, 0), Decision::To(UP));
        assert_eq!(forward(&fdb, vepa, VF0, &A, 0), Decision::To(UP));
        assert_eq!(forward(&fdb, vepa, PF, &B, 0), Decision::To(UP));
        assert_eq!(forward(&fdb, vepa, VF0, &X, 0), Decision::To(UP));
        assert_eq!(forward(&fdb, vepa, VF0, &B, 0), Decision::Drop);
        assert_eq!(forward(&fdb, vepa, VF0, &BCAST, 0), Decision::Flood);
        assert_eq!(forward(&fdb, vepa, VF0, &G1, 0), Decision::Flood);
        Ok(())
    }

    #[test]
    fn forward_from_uplink() -> Result {
        let mut fdb = switch()?;
        for mode in [SwitchMode::Veb, SwitchMode::Vepa] {
            assert_eq!(forward(&fdb, mode, UP, &B, 0), Decision::To(VF0));
            assert_eq!(forward(&fdb, mode, UP, &A, 0), Decision::To(PF));
            assert_eq!(forward(&fdb, mode, UP, &X, 0), Decision::Drop);
            assert_eq!(forward(&fdb, mode, UP, &B, 10), Decision::Drop);
            assert_eq!(forward(&fdb, mode, UP, &BCAST, 0), Decision::Flood);
            assert_eq!(forward(&fdb, mode, UP, &G2, 0), Decision::Flood);
        }
        // An address registered on the uplink itself never loops back to it.
        fdb.add_unicast(&X, 0, UP)?;
        assert_eq!(forward(&fdb, SwitchMode::Veb, UP, &X, 0), Decision::Drop);
        assert_eq!(forward(&fdb, SwitchMode::Veb, VF0, &X, 0), Decision::To(UP));
        Ok(())
    }

    #[test]
    fn flood_broadcast() -> Result {
        let fdb = switch()?;
        let veb = SwitchMode::Veb;
        let vepa = SwitchMode::Vepa;
        assert_eq!(
            &flood(&fdb, veb, VF0, &BCAST, &ALL)?[..],
            &[UP, PF, VF1, VF2]
        );
        assert_eq!(
            &flood(&fdb, veb, PF, &BCAST, &ALL)?[..],
            &[UP, VF0, VF1, VF2]
        );
        assert_eq!(
            &flood(&fdb, veb, UP, &BCAST, &ALL)?[..],
            &[PF, VF0, VF1, VF2]
        );
        // Ports outside the frame's VLAN are not in `ports`.
        assert_eq!(
            &flood(&fdb, veb, VF0, &BCAST, &[UP, VF0, VF2])?[..],
            &[UP, VF2]
        );
        // VEPA: local sources flood to the uplink only; the uplink floods as in VEB.
        assert_eq!(&flood(&fdb, vepa, VF0, &BCAST, &ALL)?[..], &[UP]);
        assert_eq!(&flood(&fdb, vepa, PF, &BCAST, &ALL)?[..], &[UP]);
        assert_eq!(
            &flood(&fdb, vepa, UP, &BCAST, &ALL)?[..],
            &[PF, VF0, VF1, VF2]
        );
        Ok(())
    }

    #[test]
    fn flood_multicast() -> Result {
        let mut fdb = switch()?;
        let veb = SwitchMode::Veb;
        let vepa = SwitchMode::Vepa;
        // G1 has VF2 subscribed; the uplink and the PF always get group frames.
        assert_eq!(&flood(&fdb, veb, VF0, &G1, &ALL)?[..], &[UP, PF, VF2]);
        assert_eq!(&flood(&fdb, veb, VF2, &G1, &ALL)?[..], &[UP, PF]);
        assert_eq!(&flood(&fdb, veb, UP, &G1, &ALL)?[..], &[PF, VF2]);
        assert_eq!(&flood(&fdb, veb, PF, &G1, &ALL)?[..], &[UP, VF2]);
        // G2 has no subscriber.
        assert_eq!(&flood(&fdb, veb, VF0, &G2, &ALL)?[..], &[UP, PF]);
        assert_eq!(&flood(&fdb, veb, UP, &G2, &ALL)?[..], &[PF]);
        // Subscriptions are per VLAN.
        let mut out = KVec::new();
        flood_targets(&fdb, veb, UP, &G1, 10, &ALL, &mut out)?;
        assert_eq!(&out[..], &[PF]);
        fdb.add_multicast(&G1, 10, VF1)?;
        flood_targets(&fdb, veb, UP, &G1, 10, &ALL, &mut out)?;
        assert_eq!(&out[..], &[PF, VF1]);
        // VEPA.
        assert_eq!(&flood(&fdb, vepa, VF0, &G1, &ALL)?[..], &[UP]);
        assert_eq!(&flood(&fdb, vepa, UP, &G1, &ALL)?[..], &[PF, VF2]);
        Ok(())
    }

    #[test]
    fn flood_rejects_unicast() -> Result {
        let fdb = switch()?;
        let mut out = KVec::new();
        out.push(VF0, GFP_KERNEL)?;
        assert_eq!(
            flood_targets(&fdb, SwitchMode::Veb, UP, &B, 0, &ALL, &mut out),
            Err(EINVAL)
        );
        assert!(out.is_empty());
        Ok(())
    }

    #[test]
    fn trunk_ports_are_in_every_vlan() -> Result {
        let mut fdb = Fdb::new();
        // VF0 and the PF are trunks (VLAN 0); VF1 is an access port of 10.
        fdb.add_unicast(&A, 0, VF0)?;
        fdb.add_unicast(&B, 10, VF1)?;
        fdb.add_unicast(&C, 0, PortId::Pf)?;
        let trunk = |p: PortId| p != VF1;
        let fwd = |src, dst: &MacAddr, vlan| {
            forward_in_vlan(&fdb, SwitchMode::Veb, src, dst, vlan, trunk)
        };
        // Tagged frames reach trunk ports by their VLAN 0 address.
        assert_eq!(fwd(VF1, &A, 10), Decision::To(VF0));
        assert_eq!(fwd(PortId::Uplink, &C, 10), Decision::To(PortId::Pf));
        // The access port is only in its VLAN.
        assert_eq!(fwd(VF0, &B, 10), Decision::To(VF1));
        assert_eq!(fwd(VF0, &B, 0), Decision::To(PortId::Uplink));
        assert_eq!(fwd(VF0, &B, 11), Decision::To(PortId::Uplink));
        assert_eq!(fwd(PortId::Uplink, &B, 0), Decision::Drop);
        // Without trunks, nothing falls back to VLAN 0.
        assert_eq!(
            forward(&fdb, SwitchMode::Veb, VF1, &A, 10),
            Decision::To(PortId::Uplink)
        );
        // VEPA still sends local traffic up.
        assert_eq!(
            forward_in_vlan(&fdb, SwitchMode::Vepa, VF1, &A, 10, trunk),
            Decision::To(PortId::Uplink)
        );
        Ok(())
    }
}
