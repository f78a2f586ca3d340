// SPDX-License-Identifier: GPL-2.0

//! TC flower rules offloaded to the switch (switchdev mode): what a rule
//! matches and does, a port's table of rules (pure logic, with a KUnit
//! suite), and a port's published table ([`Flows`]), which the switch
//! reads on its data path ([`crate::eswitch`]). The tc side is in
//! `net::flower`.
//!
//! A rule on a representor's ingress applies to the frames its VF sends
//! (which would otherwise come out of the representor); a rule on the PF's
//! ingress (the uplink representor) to the frames from the uplink. The
//! first rule that matches, in priority order (then in the order added),
//! decides: drop the frame, or redirect it to a port (a representor's
//! egress is its VF, the PF's the uplink). No rule matching: the slow path.
//!
//! Keys: destination and source MAC (with masks), the EtherType as tc
//! sees it (the VLAN protocol for a tagged frame, unless the rule has VLAN
//! keys: then the EtherType inside the tag), the outer VLAN's ID and
//! priority. Anything else is refused when the rule is offered.

use crate::{
    fdb::PortId,
    net::{
        ether::MacAddr,
        flower::{jiffies, FlowKey, Masked},
        rcu::RcuBox,
        skb::{EthHdr, SkBuff},
    },
};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::{
    alloc::Flags,
    prelude::*,
    sync::{rcu, Arc},
};

impl Masked<MacAddr> {
    fn matches(&self, v: &MacAddr) -> bool {
        (0..6).all(|i| v[i] & self.mask[i] == self.value[i] & self.mask[i])
    }
}

impl Masked<u16> {
    fn matches(&self, v: u16) -> bool {
        v & self.mask == self.value & self.mask
    }
}

impl FlowKey {
    fn has_vlan(&self) -> bool {
        self.vlan_id.is_some() || self.vlan_prio.is_some() || self.vlan_tpid.is_some()
    }

    /// Whether `frame` matches every key.
    pub(crate) fn matches(&self, frame: &Frame) -> bool {
        if self.dst.is_some_and(|k| !k.matches(&frame.dst))
            || self.src.is_some_and(|k| !k.matches(&frame.src))
        {
            return false;
        }
        let eth_type = if self.has_vlan() {
            let Some((tpid, tci)) = frame.vlan else {
                return false;
            };
            if self.vlan_tpid.is_some_and(|k| !k.matches(tpid))
                || self.vlan_id.is_some_and(|k| !k.matches(tci & 0x0fff))
                || self.vlan_prio.is_some_and(|k| !k.matches(tci >> 13))
            {
                return false;
            }
            frame.inner_type
        } else {
            frame.vlan.map_or(frame.inner_type, |(tpid, _)| tpid)
        };
        self.eth_type.is_none_or(|k| k.matches(eth_type))
    }
}

/// What a rule matches against: a frame's headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) dst: MacAddr,
    pub(crate) src: MacAddr,
    /// The outer VLAN tag, `(tpid, tci)`.
    pub(crate) vlan: Option<(u16, u16)>,
    /// The EtherType after the outer tag (of the frame, if untagged).
    pub(crate) inner_type: u16,
}

/// What a matching rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowAction {
    Drop,
    /// To a port: [`PortId::Uplink`] for the PF's egress, [`PortId::Vf`]
    /// for a representor's.
    Redirect(PortId),
}

/// A rule's counters, shared by every copy of its table.
#[derive(Default)]
pub(crate) struct FlowStats {
    packets: AtomicU64,
    bytes: AtomicU64,
    /// When it last matched, in jiffies (0: never).
    lastused: AtomicU64,
    /// What was last reported to tc (deltas are reported).
    reported: (AtomicU64, AtomicU64),
}

impl FlowStats {
    /// Counts a frame of `len` bytes at time `now` (jiffies).
    pub(crate) fn hit(&self, len: u64, now: u64) {
        self.packets.fetch_add(1, Relaxed);
        self.bytes.fetch_add(len, Relaxed);
        self.lastused.store(now, Relaxed);
    }

    /// `(packets, bytes, lastused)` since the last call.
    pub(crate) fn take_delta(&self) -> (u64, u64, u64) {
        let (p, b) = (self.packets.load(Relaxed), self.bytes.load(Relaxed));
        let dp = p - self.reported.0.swap(p, Relaxed).min(p);
        let db = b - self.reported.1.swap(b, Relaxed).min(b);
        (dp, db, self.lastused.load(Relaxed))
    }
}

/// One offloaded rule.
pub(crate) struct FlowRule {
    /// tc's identifier of the rule.
    pub(crate) cookie: u64,
    pub(crate) prio: u32,
    pub(crate) key: FlowKey,
    pub(crate) action: FlowAction,
    pub(crate) stats: Arc<FlowStats>,
}

impl FlowRule {
    fn try_clone(&self) -> FlowRule {
        FlowRule {
            cookie: self.cookie,
            prio: self.prio,
            key: self.key,
            action: self.action,
            stats: self.stats.clone(),
        }
    }
}

/// Most rules one port takes.
pub(crate) const MAX_RULES: usize = 256;

/// The rules of one port, in the order they are tried.
#[derive(Default)]
pub(crate) struct FlowTable {
    rules: KVec<FlowRule>,
}

/// Why a table refused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TableError {
    /// A rule with that cookie is there already.
    Exists,
    /// [`MAX_RULES`] reached.
    Full,
    /// No rule with that cookie.
    NotFound,
    NoMemory,
}

impl FlowTable {
    /// An empty table.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Number of rules.
    pub(crate) fn len(&self) -> usize {
        self.rules.len()
    }

    /// The first rule `frame` matches.
    pub(crate) fn lookup(&self, frame: &Frame) -> Option<&FlowRule> {
        self.rules.iter().find(|r| r.key.matches(frame))
    }

    /// The rule with cookie `cookie`.
    pub(crate) fn get(&self, cookie: u64) -> Option<&FlowRule> {
        self.rules.iter().find(|r| r.cookie == cookie)
    }

    /// A copy of the table with `rule` added after the rules of its
    /// priority and before those of a later one.
    pub(crate) fn with(
        &self,
        rule: FlowRule,
        flags: Flags,
    ) -> core::result::Result<Self, TableError> {
        if self.get(rule.cookie).is_some() {
            return Err(TableError::Exists);
        }
        if self.rules.len() >= MAX_RULES {
            return Err(TableError::Full);
        }
        let at = self
            .rules
            .iter()
            .position(|r| r.prio > rule.prio)
            .unwrap_or(self.rules.len());
        let mut rules =
            KVec::with_capacity(self.rules.len() + 1, flags).map_err(|_| TableError::NoMemory)?;
        for (i, r) in self.rules.iter().enumerate() {
            if i == at {
                break;
            }
            rules
                .push(r.try_clone(), flags)
                .map_err(|_| TableError::NoMemory)?;
        }
        rules.push(rule, flags).map_err(|_| TableError::NoMemory)?;
        for r in self.rules.iter().skip(at) {
            rules
                .push(r.try_clone(), flags)
                .map_err(|_| TableError::NoMemory)?;
        }
        Ok(Self { rules })
    }

    /// A copy of the table without the rule `cookie`.
    pub(crate) fn without(
        &self,
        cookie: u64,
        flags: Flags,
    ) -> core::result::Result<Self, TableError> {
        if self.get(cookie).is_none() {
            return Err(TableError::NotFound);
        }
        let mut rules =
            KVec::with_capacity(self.rules.len(), flags).map_err(|_| TableError::NoMemory)?;
        for r in self.rules.iter().filter(|r| r.cookie != cookie) {
            rules
                .push(r.try_clone(), flags)
                .map_err(|_| TableError::NoMemory)?;
        }
        Ok(Self { rules })
    }
}

/// The offloaded TC flower rules of one port's ingress, published under
/// RCU: the data path reads them without a lock; a change (under the
/// switch's writer lock, one at a time) publishes a new table.
pub(crate) struct Flows(RcuBox<FlowTable>);

impl Flows {
    /// No rule.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self(RcuBox::new(KBox::new(FlowTable::new(), GFP_KERNEL)?)))
    }

    /// What the first rule `skb` (with header `hdr`) matches does,
    /// counting the frame in the rule's statistics; `None` if no rule
    /// matches (BH context).
    pub(crate) fn decide(&self, hdr: &EthHdr, skb: &SkBuff) -> Option<FlowAction> {
        let guard = rcu::read_lock();
        let table = self.0.read(&guard);
        if table.len() == 0 {
            return None;
        }
        let frame = Frame {
            dst: hdr.dst,
            src: hdr.src,
            vlan: hdr.vlan,
            inner_type: skb.inner_type(),
        };
        let rule = table.lookup(&frame)?;
        rule.stats.hit(u64::from(skb.len()), jiffies());
        Some(rule.action)
    }

    /// Runs `f` on the current table.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&FlowTable) -> R) -> R {
        let guard = rcu::read_lock();
        f(self.0.read(&guard))
    }

    /// Publishes the table `change` makes of the current one. The caller
    /// serialises changes.
    pub(crate) fn change(
        &self,
        change: impl FnOnce(&FlowTable) -> Result<FlowTable, TableError>,
    ) -> Result<(), TableError> {
        let next = self.read(change)?;
        let next = KBox::new(next, GFP_KERNEL).map_err(|_| TableError::NoMemory)?;
        self.0.replace(next);
        Ok(())
    }
}

#[kunit_tests(svnic_flower)]
mod tests {
    use super::*;

    const A: MacAddr = [0x02, 0, 0, 0, 0, 0x0a];
    const B: MacAddr = [0x02, 0, 0, 0, 0, 0x0b];
    const ALL: MacAddr = [0xff; 6];
    const IPV4: u16 = 0x0800;
    const ARP: u16 = 0x0806;
    const QTAG: u16 = 0x8100;

    fn frame(dst: MacAddr, vlan: Option<(u16, u16)>, inner_type: u16) -> Frame {
        Frame {
            dst,
            src: A,
            vlan,
            inner_type,
        }
    }

    fn exact<T: Copy + Default>(value: T, mask: T) -> Option<Masked<T>> {
        Some(Masked { value, mask })
    }

    fn rule(cookie: u64, prio: u32, key: FlowKey, action: FlowAction) -> Result<FlowRule> {
        Ok(FlowRule {
            cookie,
            prio,
            key,
            action,
            stats: Arc::new(FlowStats::default(), GFP_KERNEL)?,
        })
    }

    #[test]
    fn empty_key_matches_everything() {
        let k = FlowKey::default();
        assert!(k.matches(&frame(B, None, IPV4)));
        assert!(k.matches(&frame(ALL, Some((QTAG, 5)), ARP)));
    }

    #[test]
    fn mac_keys_with_masks() {
        let k = FlowKey {
            dst: exact(B, ALL),
            ..FlowKey::default()
        };
        assert!(k.matches(&frame(B, None, IPV4)));
        assert!(!k.matches(&frame(A, None, IPV4)));
        // Group bit only: every multicast and broadcast frame.
        let g = FlowKey {
            dst: exact([1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]),
            ..FlowKey::default()
        };
        assert!(g.matches(&frame(ALL, None, ARP)));
        assert!(!g.matches(&frame(B, None, ARP)));
        let s = FlowKey {
            src: exact(B, ALL),
            ..FlowKey::default()
        };
        assert!(!s.matches(&frame(B, None, IPV4)));
    }

    #[test]
    fn eth_type_is_the_vlan_protocol_of_a_tagged_frame() {
        let k = FlowKey {
            eth_type: exact(IPV4, 0xffff),
            ..FlowKey::default()
        };
        assert!(k.matches(&frame(B, None, IPV4)));
        assert!(!k.matches(&frame(B, Some((QTAG, 10)), IPV4)));
        let q = FlowKey {
            eth_type: exact(QTAG, 0xffff),
            ..FlowKey::default()
        };
        assert!(q.matches(&frame(B, Some((QTAG, 10)), IPV4)));
        // With a VLAN protocol key, an 802.1ad tag is not an 802.1Q one.
        let ad = FlowKey {
            vlan_tpid: exact(0x88a8, 0xffff),
            ..FlowKey::default()
        };
        assert!(ad.matches(&frame(B, Some((0x88a8, 10)), IPV4)));
        assert!(!ad.matches(&frame(B, Some((QTAG, 10)), IPV4)));
    }

    #[test]
    fn vlan_keys_match_tagged_frames_only() {
        let k = FlowKey {
            vlan_id: exact(10, 0x0fff),
            eth_type: exact(IPV4, 0xffff),
            ..FlowKey::default()
        };
        assert!(k.matches(&frame(B, Some((QTAG, 10)), IPV4)));
        assert!(k.matches(&frame(B, Some((QTAG, (5 << 13) | 10)), IPV4)));
        assert!(!k.matches(&frame(B, Some((QTAG, 11)), IPV4)));
        assert!(!k.matches(&frame(B, Some((QTAG, 10)), ARP)));
        assert!(!k.matches(&frame(B, None, IPV4)));
        let p = FlowKey {
            vlan_prio: exact(5, 0x7),
            ..FlowKey::default()
        };
        assert!(p.matches(&frame(B, Some((QTAG, (5 << 13) | 10)), IPV4)));
        assert!(!p.matches(&frame(B, Some((QTAG, 10)), IPV4)));
    }

    #[test]
    fn first_match_in_priority_order() -> Result {
        let to_b = FlowKey {
            dst: exact(B, ALL),
            ..FlowKey::default()
        };
        let t = FlowTable::new();
        let t = t
            .with(
                rule(1, 20, FlowKey::default(), FlowAction::Drop)?,
                GFP_KERNEL,
            )
            .map_err(|_| EINVAL)?;
        let t = t
            .with(
                rule(2, 10, to_b, FlowAction::Redirect(PortId::Vf(1)))?,
                GFP_KERNEL,
            )
            .map_err(|_| EINVAL)?;
        let t = t
            .with(
                rule(
                    3,
                    10,
                    FlowKey::default(),
                    FlowAction::Redirect(PortId::Uplink),
                )?,
                GFP_KERNEL,
            )
            .map_err(|_| EINVAL)?;
        assert_eq!(t.len(), 3);
        let hit = |dst| t.lookup(&frame(dst, None, IPV4)).map(|r| r.cookie);
        assert_eq!(hit(B), Some(2));
        // Same priority: the earlier rule first; the later priority last.
        assert_eq!(hit(A), Some(3));
        let t = t.without(3, GFP_KERNEL).map_err(|_| EINVAL)?;
        assert_eq!(hit_of(&t, A), Some(1));
        let t = t.without(1, GFP_KERNEL).map_err(|_| EINVAL)?;
        assert_eq!(hit_of(&t, A), None);
        Ok(())
    }

    fn hit_of(t: &FlowTable, dst: MacAddr) -> Option<u64> {
        t.lookup(&frame(dst, None, IPV4)).map(|r| r.cookie)
    }

    #[test]
    fn duplicate_missing_and_full() -> Result {
        let t = FlowTable::new()
            .with(
                rule(7, 1, FlowKey::default(), FlowAction::Drop)?,
                GFP_KERNEL,
            )
            .map_err(|_| EINVAL)?;
        let dup = t.with(
            rule(7, 2, FlowKey::default(), FlowAction::Drop)?,
            GFP_KERNEL,
        );
        assert!(matches!(dup, Err(TableError::Exists)));
        assert!(matches!(
            t.without(8, GFP_KERNEL),
            Err(TableError::NotFound)
        ));
        let mut t = FlowTable::new();
        for c in 0..MAX_RULES as u64 {
            t = t
                .with(
                    rule(c, 1, FlowKey::default(), FlowAction::Drop)?,
                    GFP_KERNEL,
                )
                .map_err(|_| EINVAL)?;
        }
        let over = t.with(
            rule(999, 1, FlowKey::default(), FlowAction::Drop)?,
            GFP_KERNEL,
        );
        assert!(matches!(over, Err(TableError::Full)));
        Ok(())
    }

    #[test]
    fn stats_survive_copies_and_report_deltas() -> Result {
        let t = FlowTable::new()
            .with(
                rule(1, 1, FlowKey::default(), FlowAction::Drop)?,
                GFP_KERNEL,
            )
            .map_err(|_| EINVAL)?;
        let copy = t
            .with(
                rule(2, 2, FlowKey::default(), FlowAction::Drop)?,
                GFP_KERNEL,
            )
            .map_err(|_| EINVAL)?;
        t.get(1).ok_or(EINVAL)?.stats.hit(100, 5);
        copy.get(1).ok_or(EINVAL)?.stats.hit(60, 9);
        let s = &copy.get(1).ok_or(EINVAL)?.stats;
        assert_eq!(s.take_delta(), (2, 160, 9));
        assert_eq!(s.take_delta(), (0, 0, 9));
        Ok(())
    }
}
