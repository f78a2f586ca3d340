// SPDX-License-Identifier: GPL-2.0

//! Forwarding database (FDB) of the embedded switch, and its forwarding
//! decision.
//!
//! The FDB maps `(VLAN, MAC)` to the port that owns the unicast address.
//! It is a sorted vector searched by bisection, built anew for every
//! snapshot of the switch's ports (which the data path reads under RCU).
//!
//! [`forward`] is the switch's whole decision for one frame: which ports
//! get it (the owner of a unicast address, the members of a flooded group
//! address that its multicast filter passes, copies for promiscuous ports),
//! in VEB (local switching) or VEPA (everything through the external
//! switch) mode. It asks the ports what it needs through [`PortTable`].
//! Everything here is pure logic without kernel objects, covered by the
//! KUnit suite at the end of the file.

use crate::{
    net::{
        ether::{self, MacAddr},
        vf_ndo::SwitchMode,
    },
    vlan::{self, PortVlan, VLAN_VID_MAX},
};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::prelude::*;

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

/// The key of the entry of unicast address `mac` in VLAN `vlan`: the VLAN
/// in the top 16 bits, the address (big-endian) in the low 48, so that
/// keys order as `(vlan, mac)` do and compare in one instruction.
fn key(mac: &MacAddr, vlan: u16) -> u64 {
    let [a, b, c, d, e, f] = *mac;
    let [v0, v1] = vlan.to_be_bytes();
    u64::from_be_bytes([v0, v1, a, b, c, d, e, f])
}

/// One FDB entry: a unicast address in a VLAN ([`key`]) and its `port`.
///
/// # Invariants
///
/// `key` is the key of a valid unicast address in a VLAN up to
/// `VLAN_VID_MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FdbEntry {
    key: u64,
    port: PortId,
}

/// The direct path's memory of its sender's last destination, a one-entry
/// flow cache as a NIC's switch keeps in front of its tables: the function
/// the forwarding decision sent an untagged unicast frame for an address
/// to, in one snapshot of the switch's ports. A snapshot is never changed,
/// only replaced, and every one has a generation of its own, so an entry
/// holds while the switch still has the snapshot it was made in.
///
/// Written and read by one sender at a time (its transmit lock): the two
/// words are atomics only to be shared.
pub(crate) struct LastHop {
    /// [`key`] of the address, in VLAN 0.
    dst: AtomicU64,
    /// The snapshot's generation in the top 48 bits, the function
    /// ([`LastHop::port_bits`]) in the low 16; 0 for none.
    hop: AtomicU64,
}

impl LastHop {
    /// Remembers nothing.
    pub(crate) const fn new() -> Self {
        Self {
            dst: AtomicU64::new(0),
            hop: AtomicU64::new(0),
        }
    }

    /// A function in 16 bits, never 0; `None` for the uplink and VFs past
    /// the range.
    fn port_bits(port: PortId) -> Option<u64> {
        match port {
            PortId::Uplink => None,
            PortId::Pf => Some(1),
            PortId::Vf(i) => i.checked_add(2).map(u64::from),
        }
    }

    /// Where the frame for `dst` went in the snapshot of generation `gen`,
    /// if that is what is remembered.
    #[inline]
    pub(crate) fn get(&self, gen: u64, dst: &MacAddr) -> Option<PortId> {
        let hop = self.hop.load(Relaxed);
        if hop >> 16 != gen & GEN_MASK || self.dst.load(Relaxed) != key(dst, 0) {
            return None;
        }
        match hop & 0xffff {
            0 => None,
            1 => Some(PortId::Pf),
            // `n >= 2`: a VF's bits.
            n => Some(PortId::Vf(n as u16 - 2)),
        }
    }

    /// Remembers that the frame for `dst` went to function `port` in the
    /// snapshot of generation `gen`.
    pub(crate) fn set(&self, gen: u64, dst: &MacAddr, port: PortId) {
        let Some(bits) = Self::port_bits(port) else {
            return;
        };
        self.dst.store(key(dst, 0), Relaxed);
        self.hop.store((gen & GEN_MASK) << 16 | bits, Relaxed);
    }
}

/// The generations [`LastHop`] tells apart (48 bits: more snapshots than a
/// switch makes in its life).
const GEN_MASK: u64 = (1 << 48) - 1;

/// Forwarding database of the embedded switch.
///
/// # Invariants
///
/// `entries` is sorted by key (so by `(vlan, mac)`), strictly: a key has
/// at most one entry.
pub(crate) struct Fdb {
    entries: KVec<FdbEntry>,
}

impl Fdb {
    /// Creates an empty FDB.
    pub(crate) fn new() -> Self {
        // INVARIANT: empty.
        Self {
            entries: KVec::new(),
        }
    }

    /// Position of the entry of key `(vlan, mac)`, or where it would be,
    /// and the entry if there is one.
    fn find(&self, mac: &MacAddr, vlan: u16) -> (usize, Option<&FdbEntry>) {
        let k = key(mac, vlan);
        let at = self.entries.partition_point(|e| e.key < k);
        let found = self.entries.get(at).filter(|e| e.key == k);
        (at, found)
    }

    /// Adds `mac` in VLAN `vlan` as the unicast address of `port`.
    ///
    /// Adding an address that `port` already owns does nothing.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a multicast or zero address or a VLAN above 4094,
    /// `EEXIST` if another port owns the address in that VLAN, `ENOMEM`.
    pub(crate) fn add_unicast(&mut self, mac: &MacAddr, vlan: u16, port: PortId) -> Result {
        if !ether::is_valid_unicast(mac) || vlan > VLAN_VID_MAX {
            return Err(EINVAL);
        }
        let (at, found) = self.find(mac, vlan);
        match found {
            Some(e) if e.port == port => Ok(()),
            Some(_) => Err(EEXIST),
            None => {
                self.entries.push(
                    FdbEntry {
                        key: key(mac, vlan),
                        port,
                    },
                    GFP_KERNEL,
                )?;
                // PANIC: `at <= len - 1` after the push.
                // INVARIANT: a valid unicast address in a valid VLAN, rotated
                // to the place of its key, which had no entry.
                self.entries[at..].rotate_right(1);
                Ok(())
            }
        }
    }

    /// The port that owns the unicast address `mac` in VLAN `vlan`, if any.
    pub(crate) fn lookup_unicast(&self, mac: &MacAddr, vlan: u16) -> Option<PortId> {
        if ether::is_multicast(mac) {
            return None;
        }
        self.find(mac, vlan).1.map(|e| e.port)
    }
}

/// What the forwarding decision asks of the switch's ports.
pub(crate) trait PortTable {
    /// Every port, in port order, the uplink first.
    fn ports(&self) -> &[PortId];

    /// The port VLAN of `port`: `None` for a trunk (the uplink, the PF, a
    /// VF without one), which is a member of every VLAN.
    fn port_vlan(&self, port: PortId) -> Option<PortVlan>;

    /// The unicast address of function `port` (`None` for the uplink).
    fn mac(&self, port: PortId) -> Option<MacAddr>;

    /// Whether `port`'s multicast filter passes a frame for the group
    /// address `group` (the uplink and the PF have none).
    fn accepts_group(&self, port: PortId, group: &MacAddr) -> bool;

    /// Whether some port may want copies of unicast frames for other
    /// stations (a cheap test that spares the data path the search).
    fn has_promisc(&self) -> bool;

    /// Whether `port` wants copies of unicast frames for other stations
    /// (a trusted VF in promiscuous mode).
    fn wants_all_unicast(&self, port: PortId) -> bool;
}

/// Where the FDB sends a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// To this one port (and copies for promiscuous ports).
    To(PortId),
    /// To every port of its VLAN that takes it.
    Flood,
    /// Nowhere (but copies for promiscuous ports, from the uplink).
    Drop,
}

/// The addresses and VLAN of a frame, as the switch forwards it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameAddrs {
    /// Destination address.
    pub(crate) dst: MacAddr,
    /// Source address.
    pub(crate) src: MacAddr,
    /// The VLAN the switch carries the frame in (0: untagged).
    pub(crate) vlan: u16,
}

/// The FDB's decision for a frame from `from` with addresses `frame`.
///
/// From the PF or a VF: a broadcast or multicast destination floods; a
/// unicast destination owned by `from` itself is dropped; one owned by
/// another port goes there in VEB mode and to the uplink in VEPA mode; an
/// unknown one goes to the uplink. From the uplink: broadcast and multicast
/// flood; a known unicast destination goes to its owner; an unknown one is
/// dropped (it is the uplink's own stack's business, not the switch's).
///
/// Addresses are looked up in the frame's VLAN; trunk ports have theirs in
/// VLAN 0 only, so a unicast destination not found in the frame's VLAN is
/// looked up in VLAN 0 and taken if a trunk owns it there.
fn decide(
    fdb: &Fdb,
    mode: SwitchMode,
    table: &impl PortTable,
    from: PortId,
    frame: &FrameAddrs,
) -> Decision {
    let (dst, vlan) = (&frame.dst, frame.vlan);
    if ether::is_multicast(dst) {
        return Decision::Flood;
    }
    let owner = fdb.lookup_unicast(dst, vlan).or_else(|| {
        if vlan == 0 {
            return None;
        }
        fdb.lookup_unicast(dst, 0)
            .filter(|&p| table.port_vlan(p).is_none())
    });
    match owner {
        Some(owner) if owner == from => Decision::Drop,
        Some(owner) if !from.is_function() => Decision::To(owner),
        None if !from.is_function() => Decision::Drop,
        Some(owner) if mode == SwitchMode::Veb => Decision::To(owner),
        _ => Decision::To(PortId::Uplink),
    }
}

/// The ports a frame goes to: the switch's forwarding decision for a frame
/// from `from` with addresses `frame`, as an iterator over the targets in
/// port order, each once (see [`Forward`]).
pub(crate) fn forward<'a, T: PortTable>(
    fdb: &Fdb,
    mode: SwitchMode,
    table: &'a T,
    from: PortId,
    frame: &FrameAddrs,
) -> Forward<'a, T> {
    let decision = decide(fdb, mode, table, from, frame);
    let copies = table.has_promisc()
        && match decision {
            Decision::To(_) => true,
            Decision::Drop => from == PortId::Uplink,
            Decision::Flood => false,
        };
    Forward {
        table,
        mode,
        from,
        frame: *frame,
        decision,
        copies,
        next: 0,
    }
}

/// The targets of one frame, in port order, each once:
///
/// - [`Decision::To`]: first a copy for every other VF of the frame's VLAN
///   that wants all unicast (not the sender's, not the owner's), then the
///   owner.
/// - [`Decision::Flood`]: every port of the frame's VLAN but the sender
///   whose multicast filter passes the group; in VEPA mode, from a
///   function: the uplink only, and from the uplink: not the function whose
///   address is the frame's source (the hairpinned sender).
/// - [`Decision::Drop`]: copies for promiscuous VFs of a frame from the
///   uplink that no port owns; nothing from a function.
pub(crate) struct Forward<'a, T: PortTable> {
    table: &'a T,
    mode: SwitchMode,
    from: PortId,
    frame: FrameAddrs,
    decision: Decision,
    /// Whether promiscuous ports get copies.
    copies: bool,
    /// The next port of `table.ports()` to consider.
    next: usize,
}

impl<T: PortTable> Forward<'_, T> {
    /// The FDB's decision, which the targets follow.
    pub(crate) fn decision(&self) -> Decision {
        self.decision
    }

    /// Whether a flooded frame goes to `port`.
    fn floods_to(&self, port: PortId) -> bool {
        let vepa = self.mode == SwitchMode::Vepa;
        if port == self.from || (vepa && self.from.is_function() && port != PortId::Uplink) {
            return false;
        }
        if vepa && self.from == PortId::Uplink && self.table.mac(port) == Some(self.frame.src) {
            return false;
        }
        vlan::is_member(self.table.port_vlan(port).as_ref(), self.frame.vlan)
            && self.table.accepts_group(port, &self.frame.dst)
    }

    /// Whether `port` gets a copy of a unicast frame for `owner`.
    fn copies_to(&self, port: PortId, owner: Option<PortId>) -> bool {
        matches!(port, PortId::Vf(_))
            && port != self.from
            && Some(port) != owner
            && self.table.wants_all_unicast(port)
            && vlan::is_member(self.table.port_vlan(port).as_ref(), self.frame.vlan)
    }
}

impl<T: PortTable> Iterator for Forward<'_, T> {
    type Item = PortId;

    fn next(&mut self) -> Option<PortId> {
        let owner = match self.decision {
            Decision::To(owner) => Some(owner),
            Decision::Drop => None,
            Decision::Flood => {
                while let Some(&port) = self.table.ports().get(self.next) {
                    self.next += 1;
                    if self.floods_to(port) {
                        return Some(port);
                    }
                }
                return None;
            }
        };
        if self.copies {
            while let Some(&port) = self.table.ports().get(self.next) {
                self.next += 1;
                if self.copies_to(port, owner) {
                    return Some(port);
                }
            }
        }
        // The owner comes last, once.
        self.decision = Decision::Drop;
        self.copies = false;
        owner
    }
}

#[kunit_tests(svnic_fdb)]
mod tests {
    use super::*;
    use crate::vlan::VlanProto;

    const A: MacAddr = [0x02, 0, 0, 0, 0, 0x0a];
    const B: MacAddr = [0x02, 0, 0, 0, 0, 0x0b];
    const C: MacAddr = [0x02, 0, 0, 0, 0, 0x0c];
    const D: MacAddr = [0x02, 0, 0, 0, 0, 0x0d];
    const X: MacAddr = [0x02, 0, 0, 0, 0, 0xee];
    const G1: MacAddr = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01];
    const G2: MacAddr = [0x33, 0x33, 0x00, 0x00, 0x00, 0x01];
    const BCAST: MacAddr = ether::BROADCAST;

    const VF0: PortId = PortId::Vf(0);
    const VF1: PortId = PortId::Vf(1);
    const VF2: PortId = PortId::Vf(2);
    const UP: PortId = PortId::Uplink;
    const PF: PortId = PortId::Pf;

    /// A distinct locally administered unicast address per `i`.
    fn mac(i: u32) -> MacAddr {
        let b = i.to_be_bytes();
        [0x02, 0x42, b[0], b[1], b[2], b[3]]
    }

    /// Whether the entries are strictly sorted by `(vlan, mac)`.
    fn sorted(fdb: &Fdb) -> bool {
        fdb.entries.windows(2).all(|w| w[0].key < w[1].key)
    }

    #[test]
    fn keys_order_as_vlan_then_address() {
        let a = [0x02, 0, 0, 0, 0, 0xff];
        let b = [0x02, 0, 0, 0, 1, 0];
        assert!(key(&a, 0) < key(&b, 0));
        assert!(key(&b, 0) < key(&a, 1));
        assert!(key(&b, 1) < key(&a, 4094));
        assert_eq!(key(&a, 0x0abc) >> 48, 0x0abc);
    }

    /// A switch with the uplink, the PF (address A), VF0 (B) and VF1 (C),
    /// trunks, and VF2 (D), an access port of VLAN 10. VF1 subscribed to
    /// G1; `promisc` are the ports in promiscuous mode and trusted.
    struct Table {
        ports: [PortId; 5],
        fdb: Fdb,
        promisc: KVec<PortId>,
    }

    impl Table {
        fn new(promisc: &[PortId]) -> Result<Self> {
            let mut fdb = Fdb::new();
            fdb.add_unicast(&A, 0, PF)?;
            fdb.add_unicast(&B, 0, VF0)?;
            fdb.add_unicast(&C, 0, VF1)?;
            fdb.add_unicast(&D, 10, VF2)?;
            let mut p = KVec::new();
            p.extend_from_slice(promisc, GFP_KERNEL)?;
            Ok(Self {
                ports: [UP, PF, VF0, VF1, VF2],
                fdb,
                promisc: p,
            })
        }

        /// The targets of a frame from `from` for `dst` in VLAN `vlan`,
        /// source address `src`, and the decision.
        fn send(
            &self,
            mode: SwitchMode,
            from: PortId,
            src: MacAddr,
            dst: MacAddr,
            vlan: u16,
        ) -> Result<(Decision, KVec<PortId>)> {
            let frame = FrameAddrs { dst, src, vlan };
            let fwd = forward(&self.fdb, mode, self, from, &frame);
            let decision = fwd.decision();
            let mut out = KVec::new();
            for port in fwd {
                out.push(port, GFP_KERNEL)?;
            }
            Ok((decision, out))
        }

        /// The targets of a frame from `from` for `dst` in VLAN 0, VEB.
        fn veb(&self, from: PortId, dst: MacAddr) -> Result<KVec<PortId>> {
            Ok(self.send(SwitchMode::Veb, from, X, dst, 0)?.1)
        }
    }

    impl PortTable for Table {
        fn ports(&self) -> &[PortId] {
            &self.ports
        }

        fn port_vlan(&self, port: PortId) -> Option<PortVlan> {
            if port != VF2 {
                return None;
            }
            PortVlan::new(10, 0, VlanProto::Dot1Q).ok().flatten()
        }

        fn mac(&self, port: PortId) -> Option<MacAddr> {
            match port {
                UP => None,
                PF => Some(A),
                VF0 => Some(B),
                VF1 => Some(C),
                _ => Some(D),
            }
        }

        fn accepts_group(&self, port: PortId, group: &MacAddr) -> bool {
            !matches!(port, PortId::Vf(_))
                || ether::is_broadcast(group)
                || (port, group) == (VF1, &G1)
        }

        fn has_promisc(&self) -> bool {
            !self.promisc.is_empty()
        }

        fn wants_all_unicast(&self, port: PortId) -> bool {
            self.promisc.contains(&port)
        }
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
    fn unicast_add_lookup_duplicates() -> Result {
        let mut fdb = Fdb::new();
        fdb.add_unicast(&A, 0, VF0)?;
        assert_eq!(fdb.lookup_unicast(&A, 0), Some(VF0));
        assert_eq!(fdb.lookup_unicast(&B, 0), None);
        // Idempotent for the owner.
        fdb.add_unicast(&A, 0, VF0)?;
        assert_eq!(fdb.entries.len(), 1);
        // Owned by someone else.
        assert_eq!(fdb.add_unicast(&A, 0, VF1), Err(EEXIST));
        assert_eq!(fdb.add_unicast(&A, 0, PF), Err(EEXIST));
        assert_eq!(fdb.lookup_unicast(&A, 0), Some(VF0));
        assert_eq!(fdb.entries.len(), 1);
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
        assert_eq!(fdb.entries.len(), 1);
        Ok(())
    }

    #[test]
    fn vlan_separation() -> Result {
        let mut fdb = Fdb::new();
        // The same address in two VLANs is two entries, possibly of two ports.
        fdb.add_unicast(&A, 10, VF0)?;
        fdb.add_unicast(&A, 20, VF1)?;
        fdb.add_unicast(&A, 0, PF)?;
        assert_eq!(fdb.lookup_unicast(&A, 10), Some(VF0));
        assert_eq!(fdb.lookup_unicast(&A, 20), Some(VF1));
        assert_eq!(fdb.lookup_unicast(&A, 0), Some(PF));
        assert_eq!(fdb.lookup_unicast(&A, 30), None);
        assert!(sorted(&fdb));
        Ok(())
    }

    #[test]
    fn many_entries_stay_sorted() -> Result {
        const N: u32 = 1000;
        let mut fdb = Fdb::new();
        // Insert in a scrambled order (7919 is prime, so `i * 7919 % N`
        // visits every value once), in two VLANs, descending VLAN first.
        for vlan in [20u16, 10] {
            for i in 0..N {
                let k = (i * 7919) % N;
                let port = PortId::Vf((k % 64) as u16);
                fdb.add_unicast(&mac(k), vlan, port)?;
            }
        }
        assert_eq!(fdb.entries.len(), 2 * N as usize);
        assert!(sorted(&fdb));
        for k in 0..N {
            let port = Some(PortId::Vf((k % 64) as u16));
            assert_eq!(fdb.lookup_unicast(&mac(k), 10), port);
            assert_eq!(fdb.lookup_unicast(&mac(k), 20), port);
            assert_eq!(fdb.lookup_unicast(&mac(k), 30), None);
        }
        assert_eq!(fdb.lookup_unicast(&mac(N), 10), None);
        Ok(())
    }

    #[test]
    fn veb_unicast_from_a_function() -> Result {
        let t = Table::new(&[])?;
        assert_eq!(&t.veb(VF0, C)?[..], &[VF1]);
        assert_eq!(&t.veb(VF0, A)?[..], &[PF]);
        assert_eq!(&t.veb(PF, B)?[..], &[VF0]);
        // Unknown unicast goes out.
        assert_eq!(&t.veb(VF0, X)?[..], &[UP]);
        // To itself: nowhere.
        let (d, out) = t.send(SwitchMode::Veb, VF0, X, B, 0)?;
        assert_eq!((d, out.is_empty()), (Decision::Drop, true));
        assert!(t.veb(PF, A)?.is_empty());
        Ok(())
    }

    #[test]
    fn vepa_unicast_goes_out() -> Result {
        let t = Table::new(&[])?;
        let vepa = |from, dst| t.send(SwitchMode::Vepa, from, X, dst, 0);
        // Known local destinations go out too: the external switch hairpins.
        let (d, out) = vepa(VF0, C)?;
        assert_eq!((d, &out[..]), (Decision::To(UP), &[UP][..]));
        assert_eq!(&vepa(PF, B)?.1[..], &[UP]);
        assert_eq!(&vepa(VF0, X)?.1[..], &[UP]);
        assert!(vepa(VF0, B)?.1.is_empty());
        // What comes back from the uplink reaches its owner.
        assert_eq!(&vepa(UP, C)?.1[..], &[VF1]);
        Ok(())
    }

    #[test]
    fn from_the_uplink() -> Result {
        let t = Table::new(&[])?;
        assert_eq!(&t.veb(UP, A)?[..], &[PF]);
        assert_eq!(&t.veb(UP, C)?[..], &[VF1]);
        // Unknown unicast is the uplink stack's business.
        let (d, out) = t.send(SwitchMode::Veb, UP, X, X, 0)?;
        assert_eq!((d, out.is_empty()), (Decision::Drop, true));
        // Broadcast floods to every function of the VLAN.
        assert_eq!(&t.veb(UP, BCAST)?[..], &[PF, VF0, VF1]);
        Ok(())
    }

    #[test]
    fn flood_broadcast_by_vlan() -> Result {
        let t = Table::new(&[])?;
        let (d, out) = t.send(SwitchMode::Veb, VF0, B, BCAST, 0)?;
        assert_eq!(d, Decision::Flood);
        // Not back to the sender; VF2 is in VLAN 10 only.
        assert_eq!(&out[..], &[UP, PF, VF1]);
        // In VLAN 10: the trunks and VF2.
        let (_, out) = t.send(SwitchMode::Veb, VF2, D, BCAST, 10)?;
        assert_eq!(&out[..], &[UP, PF, VF0, VF1]);
        let (_, out) = t.send(SwitchMode::Veb, VF0, B, BCAST, 10)?;
        assert_eq!(&out[..], &[UP, PF, VF1, VF2]);
        Ok(())
    }

    #[test]
    fn flood_multicast_by_filter() -> Result {
        let t = Table::new(&[])?;
        // VF1 subscribed to G1; the uplink and the PF take every group.
        assert_eq!(&t.veb(VF0, G1)?[..], &[UP, PF, VF1]);
        assert_eq!(&t.veb(VF0, G2)?[..], &[UP, PF]);
        assert_eq!(&t.veb(UP, G1)?[..], &[PF, VF1]);
        assert_eq!(&t.veb(VF1, G1)?[..], &[UP, PF]);
        Ok(())
    }

    #[test]
    fn vepa_flood() -> Result {
        let t = Table::new(&[])?;
        // From a function: out only.
        let (_, out) = t.send(SwitchMode::Vepa, VF0, B, BCAST, 0)?;
        assert_eq!(&out[..], &[UP]);
        let (_, out) = t.send(SwitchMode::Vepa, PF, A, G1, 0)?;
        assert_eq!(&out[..], &[UP]);
        // Hairpinned back: every function but the one whose address is the source.
        let (_, out) = t.send(SwitchMode::Vepa, UP, B, BCAST, 0)?;
        assert_eq!(&out[..], &[PF, VF1]);
        let (_, out) = t.send(SwitchMode::Vepa, UP, C, G1, 0)?;
        assert_eq!(&out[..], &[PF]);
        // In VEB mode the uplink's source address does not matter.
        let (_, out) = t.send(SwitchMode::Veb, UP, B, BCAST, 0)?;
        assert_eq!(&out[..], &[PF, VF0, VF1]);
        Ok(())
    }

    #[test]
    fn promiscuous_copies() -> Result {
        let t = Table::new(&[VF1, VF2])?;
        // A copy for VF1 first, then the owner; VF2 is not in VLAN 0.
        assert_eq!(&t.veb(VF0, A)?[..], &[VF1, PF]);
        // The owner gets its frame once.
        assert_eq!(&t.veb(VF0, C)?[..], &[VF1]);
        // The sender gets no copy of its own frame.
        assert_eq!(&t.veb(VF1, A)?[..], &[PF]);
        // In VLAN 10, VF2 gets one.
        let (_, out) = t.send(SwitchMode::Veb, VF0, B, A, 10)?;
        assert_eq!(&out[..], &[VF1, VF2, PF]);
        // Unknown unicast: out, and copied; from the uplink, copies only.
        assert_eq!(&t.veb(VF0, X)?[..], &[VF1, UP]);
        assert_eq!(&t.veb(UP, X)?[..], &[VF1]);
        // A function's frame to itself goes nowhere; floods add no copies.
        assert!(t.veb(VF0, B)?.is_empty());
        assert_eq!(&t.veb(VF0, G2)?[..], &[UP, PF]);
        // Without promiscuous ports, no search.
        let quiet = Table::new(&[])?;
        assert!(quiet.veb(UP, X)?.is_empty());
        Ok(())
    }

    #[test]
    fn trunk_ports_are_in_every_vlan() -> Result {
        let t = Table::new(&[])?;
        // Tagged frames reach trunk ports by their VLAN 0 address.
        let (_, out) = t.send(SwitchMode::Veb, VF2, D, A, 10)?;
        assert_eq!(&out[..], &[PF]);
        let (_, out) = t.send(SwitchMode::Veb, UP, X, C, 10)?;
        assert_eq!(&out[..], &[VF1]);
        // The access port is only in its VLAN.
        let (_, out) = t.send(SwitchMode::Veb, VF0, B, D, 10)?;
        assert_eq!(&out[..], &[VF2]);
        assert_eq!(&t.veb(VF0, D)?[..], &[UP]);
        let (_, out) = t.send(SwitchMode::Veb, VF0, B, D, 11)?;
        assert_eq!(&out[..], &[UP]);
        assert!(t.veb(UP, D)?.is_empty());
        // VEPA still sends local traffic up.
        let (_, out) = t.send(SwitchMode::Vepa, VF2, D, A, 10)?;
        assert_eq!(&out[..], &[UP]);
        Ok(())
    }

    #[test]
    fn last_hop_holds_for_its_address_and_snapshot() {
        let hop = LastHop::new();
        assert_eq!(hop.get(0, &A), None);
        assert_eq!(hop.get(1, &A), None);
        hop.set(1, &A, VF2);
        assert_eq!(hop.get(1, &A), Some(VF2));
        // Another address, another snapshot: forgotten.
        assert_eq!(hop.get(1, &B), None);
        assert_eq!(hop.get(2, &A), None);
        hop.set(2, &B, PF);
        assert_eq!(hop.get(2, &B), Some(PF));
        assert_eq!(hop.get(1, &A), None);
        // The uplink is not remembered: the direct path never goes there.
        hop.set(3, &C, UP);
        assert_eq!(hop.get(3, &C), None);
        assert_eq!(hop.get(2, &B), Some(PF));
        // Generations wrap at 48 bits, the highest VF fits.
        hop.set(GEN_MASK, &C, PortId::Vf(u16::MAX - 2));
        assert_eq!(hop.get(GEN_MASK, &C), Some(PortId::Vf(u16::MAX - 2)));
        hop.set(4, &D, PortId::Vf(u16::MAX));
        assert_eq!(hop.get(GEN_MASK, &C), Some(PortId::Vf(u16::MAX - 2)));
    }
}
