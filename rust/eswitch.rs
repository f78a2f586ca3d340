// SPDX-License-Identifier: GPL-2.0

//! The embedded switch: moves frames between the VFs, the PF (host port)
//! and the uplink.
//!
//! The data path reads one RCU snapshot of the ports ([`Ports`]: the PF,
//! the VFs and the forwarding database) per frame and takes no lock.
//! Writers (VF creation and removal, MAC changes, mode changes) all hold
//! RTNL, build a new snapshot and publish it; the old one is freed after a
//! grace period.
//!
//! Forwarding follows [`crate::fdb::forward_in_vlan`]: VF-to-VF traffic
//! never touches the uplink in VEB mode; unknown unicast from a VF or the PF
//! goes to the uplink; broadcast and multicast are flooded to every other
//! port of the frame's VLAN; frames from the uplink reach the port that owns
//! the destination MAC in the frame's VLAN.
//!
//! VLANs: a frame is carried in one VLAN, its port VLAN's for a frame from
//! a VF that has one (the VF pushed the tag), else its outer tag's (0 if
//! untagged). A VF with a port VLAN is a member of that VLAN only and its
//! address is in the FDB under that VLAN; the uplink, the PF and VFs without
//! port VLAN (trunks) are members of every VLAN and their addresses are in
//! the FDB under VLAN 0. The VF pops the tag on delivery ([`crate::vlan`]).
//!
//! In VEPA mode everything a PF or VF sends goes to the uplink, and the
//! external switch hairpins what is for a local port back; a group frame
//! coming back is not delivered to the port that sent it.

use crate::{
    ether,
    fdb::{self, Decision, Fdb, PortId, SwitchMode},
    net::{
        device::DeviceRef,
        link::LinkRef,
        netdev::{DevRef, Standalone},
        rcu::RcuBox,
        skb::SkBuff,
    },
    pf::Pf,
    rate::LinkBudget,
    vf::Vf,
    vlan::{self, PortVlan},
};
use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
use kernel::{
    prelude::*,
    sync::rcu,
    time::{Instant, Monotonic},
};

/// A reference to a VF netdev.
pub(crate) type VfRef = DevRef<Standalone<Vf>>;

/// What the data path sees of the switch: one immutable snapshot.
pub(crate) struct Ports {
    pf: Option<LinkRef<Pf>>,
    vfs: KVec<VfRef>,
    fdb: Fdb,
    mode: SwitchMode,
    /// Every port, for flooding (computed once per snapshot).
    all: KVec<PortId>,
}

impl Ports {
    /// A switch with no port but the uplink.
    fn empty() -> Self {
        Self {
            pf: None,
            vfs: KVec::new(),
            fdb: Fdb::new(),
            mode: SwitchMode::Veb,
            all: KVec::new(),
        }
    }

    /// Builds a snapshot with `pf` and `vfs`, learning their addresses.
    fn build(pf: Option<LinkRef<Pf>>, vfs: KVec<VfRef>, mode: SwitchMode) -> Result<Self> {
        let mut fdb = Fdb::new();
        let mut all = KVec::with_capacity(vfs.len() + 2, GFP_KERNEL)?;
        all.push(PortId::Uplink, GFP_KERNEL)?;
        if let Some(pf) = &pf {
            fdb.add_unicast(&pf.dev().mac(), 0, PortId::Pf)?;
            all.push(PortId::Pf, GFP_KERNEL)?;
        }
        for (i, vf) in vfs.iter().enumerate() {
            let index = u16::try_from(i).map_err(|_| EINVAL)?;
            all.push(PortId::Vf(index), GFP_KERNEL)?;
            let key = vf.state().and_then(Vf::port_vlan).map_or(0, |pv| pv.vid());
            // Two VFs given the same address: the first keeps it (the
            // second's own frames still reach the uplink).
            match fdb.add_unicast(&vf.dev().mac(), key, PortId::Vf(index)) {
                Ok(()) | Err(EEXIST) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Self {
            pf,
            vfs,
            fdb,
            mode,
            all,
        })
    }

    /// The port VLAN of `port` (`None` for a trunk).
    fn port_vlan(&self, port: PortId) -> Option<PortVlan> {
        match port {
            PortId::Vf(i) => self
                .vfs
                .get(usize::from(i))
                .and_then(|vf| vf.state())
                .and_then(Vf::port_vlan),
            PortId::Uplink | PortId::Pf => None,
        }
    }

    /// The MAC address of `port`, if it is a function.
    fn mac(&self, port: PortId) -> Option<ether::MacAddr> {
        match port {
            PortId::Uplink => None,
            PortId::Pf => self.pf.as_ref().map(|pf| pf.dev().mac()),
            PortId::Vf(i) => self.vfs.get(usize::from(i)).map(|vf| vf.dev().mac()),
        }
    }
}

/// The switch of one PF.
pub(crate) struct Eswitch {
    uplink: DeviceRef,
    ports: RcuBox<Ports>,
    /// The link VFs share, in use while some VF has a `min_tx_rate`.
    link: LinkBudget,
    /// Time 0 of the clock the VFs' shapers and the link budget share.
    epoch: Instant<Monotonic>,
    /// Number of VFs in promiscuous mode: while 0, unicast frames are not
    /// offered to other VFs.
    promisc_vfs: AtomicU32,
}

impl Eswitch {
    /// Creates the switch of a PF on `uplink`.
    pub(crate) fn new(uplink: DeviceRef) -> Result<Self> {
        Ok(Self {
            uplink,
            ports: RcuBox::new(KBox::new(Ports::empty(), GFP_KERNEL)?),
            link: LinkBudget::new(),
            epoch: Instant::now(),
            promisc_vfs: AtomicU32::new(0),
        })
    }

    /// The uplink.
    pub(crate) fn uplink(&self) -> &DeviceRef {
        &self.uplink
    }

    /// Nanoseconds on the shapers' clock.
    pub(crate) fn now_ns(&self) -> u64 {
        u64::try_from((Instant::<Monotonic>::now() - self.epoch).as_nanos()).unwrap_or(0)
    }

    /// A VF entered (`on`) or left promiscuous mode.
    pub(crate) fn promisc_changed(&self, on: bool) {
        if on {
            self.promisc_vfs.fetch_add(1, Relaxed);
        } else {
            self.promisc_vfs.fetch_sub(1, Relaxed);
        }
    }

    /// Gives a copy of the unicast frame `skb` from `src` in VLAN `vlan`
    /// (for `dst`, if a port owns it) to every other VF of the VLAN that is
    /// trusted and promiscuous.
    fn promisc_copies(
        &self,
        ports: &Ports,
        src: PortId,
        dst: Option<PortId>,
        vlan: u16,
        skb: &SkBuff,
    ) {
        if self.promisc_vfs.load(Relaxed) == 0 {
            return;
        }
        for (i, vf) in ports.vfs.iter().enumerate() {
            let port = u16::try_from(i).map(PortId::Vf);
            if port.is_err() || port == Ok(src) || port.ok() == dst {
                continue;
            }
            let Some(state) = vf.state() else { continue };
            if !state.wants_all_unicast() || !vlan::is_member(state.port_vlan().as_ref(), vlan) {
                continue;
            }
            if let Some(copy) = skb.try_clone() {
                state.receive(vf.dev(), copy);
            }
        }
    }

    /// The link budget VFs book their traffic on.
    pub(crate) fn link_budget(&self) -> &LinkBudget {
        &self.link
    }

    /// Publishes a new set of ports. Under RTNL.
    pub(crate) fn publish(&self, pf: Option<LinkRef<Pf>>, vfs: KVec<VfRef>) -> Result {
        self.publish_with(pf, vfs, self.mode())
    }

    fn publish_with(&self, pf: Option<LinkRef<Pf>>, vfs: KVec<VfRef>, mode: SwitchMode) -> Result {
        let ports = Ports::build(pf, vfs, mode)?;
        self.ports.replace(KBox::new(ports, GFP_KERNEL)?);
        Ok(())
    }

    /// The forwarding mode.
    pub(crate) fn mode(&self) -> SwitchMode {
        let guard = rcu::read_lock();
        self.ports.read(&guard).mode
    }

    /// Re-reads every port's address and VLAN into a new snapshot, in mode
    /// `mode`. Under RTNL.
    fn rebuild(&self, mode: SwitchMode) -> Result {
        let guard = rcu::read_lock();
        let cur = self.ports.read(&guard);
        let pf = cur.pf.clone();
        let mut vfs = KVec::with_capacity(cur.vfs.len(), GFP_ATOMIC)?;
        for vf in cur.vfs.iter() {
            vfs.push(vf.clone(), GFP_ATOMIC)?;
        }
        drop(guard);
        self.publish_with(pf, vfs, mode)
    }

    /// Re-reads every port's address and VLAN into a new snapshot. Under
    /// RTNL.
    pub(crate) fn refresh(&self) -> Result {
        self.rebuild(self.mode())
    }

    /// `bridge link set dev PF hwmode veb|vepa`. Under RTNL.
    pub(crate) fn set_mode(&self, mode: SwitchMode) -> Result {
        self.rebuild(mode)
    }

    /// Drops every port (the PF is going away). Under RTNL.
    pub(crate) fn clear(&self) -> Result {
        self.ports.replace(KBox::new(Ports::empty(), GFP_KERNEL)?);
        Ok(())
    }

    /// Whether `mac` is owned by a port other than `me`.
    pub(crate) fn mac_in_use(&self, mac: &ether::MacAddr, me: PortId) -> bool {
        let guard = rcu::read_lock();
        let owner = self.ports.read(&guard).fdb.lookup_unicast(mac, 0);
        owner.is_some_and(|p| p != me)
    }

    /// Where a frame from `src` for `dst` in VLAN `vlan` goes.
    fn decide(ports: &Ports, src: PortId, dst: &ether::MacAddr, vlan: u16) -> Decision {
        fdb::forward_in_vlan(&ports.fdb, ports.mode, src, dst, vlan, |p| {
            ports.port_vlan(p).is_none()
        })
    }

    /// Sends `skb` from port `src` in VLAN `vlan` according to the
    /// forwarding database.
    fn switch(&self, ports: &Ports, src: PortId, vlan: u16, skb: SkBuff) {
        let Some(dst) = skb.eth_dest() else {
            return;
        };
        match Self::decide(ports, src, &dst, vlan) {
            Decision::To(port) => {
                self.promisc_copies(ports, src, Some(port), vlan, &skb);
                self.deliver(ports, port, skb);
            }
            Decision::Flood => self.flood(ports, src, vlan, skb),
            Decision::Drop => drop(skb),
        }
    }

    /// Delivers `skb` to one port.
    fn deliver(&self, ports: &Ports, port: PortId, skb: SkBuff) {
        match port {
            PortId::Uplink => {
                let _ = self.uplink.queue_xmit(skb);
            }
            PortId::Pf => {
                if let Some(pf) = &ports.pf {
                    if let Some(state) = pf.state() {
                        state.receive(pf.dev(), skb);
                    }
                }
            }
            PortId::Vf(i) => {
                if let Some(vf) = ports.vfs.get(usize::from(i)) {
                    if let Some(state) = vf.state() {
                        state.receive(vf.dev(), skb);
                    }
                }
            }
        }
    }

    /// Floods `skb` from `src` to every other port of VLAN `vlan` (only to
    /// the uplink from a function in VEPA mode; in VEPA mode a frame from
    /// the uplink skips the function whose address is its source, the
    /// hairpinned sender). Each port but the last gets a clone, the last the
    /// original. No allocation but the clones.
    fn flood(&self, ports: &Ports, src: PortId, vlan: u16, skb: SkBuff) {
        let vepa = ports.mode == SwitchMode::Vepa;
        let sender = if vepa && src == PortId::Uplink {
            skb.eth_source()
        } else {
            None
        };
        let target = |p: PortId| {
            if p == src || (vepa && src.is_function() && p != PortId::Uplink) {
                return false;
            }
            if sender.is_some() && ports.mac(p) == sender {
                return false;
            }
            vlan::is_member(ports.port_vlan(p).as_ref(), vlan)
        };
        let mut pending = None;
        for &port in ports.all.iter().filter(|&&p| target(p)) {
            if let Some(prev) = pending.replace(port) {
                if let Some(copy) = skb.try_clone() {
                    self.deliver(ports, prev, copy);
                }
            }
        }
        if let Some(last) = pending {
            self.deliver(ports, last, skb);
        }
    }

    /// A frame VF `index` transmitted in VLAN `vlan`, port VLAN tag
    /// already pushed (from its NAPI poll, BH context).
    pub(crate) fn tx_from_vf(&self, index: u16, vlan: u16, skb: SkBuff) {
        let guard = rcu::read_lock();
        let ports = self.ports.read(&guard);
        self.switch(ports, PortId::Vf(index), vlan, skb);
    }

    /// A frame the PF transmitted (BH context).
    pub(crate) fn tx_from_pf(&self, skb: SkBuff) {
        let vlan = vlan::switch_vlan(None, skb.outer_vlan());
        let guard = rcu::read_lock();
        let ports = self.ports.read(&guard);
        self.switch(ports, PortId::Pf, vlan, skb);
    }

    /// A frame from the uplink; returns it if the uplink's own stack should
    /// have it (not for any port, or a group frame, a copy of which went to
    /// the ports).
    pub(crate) fn rx_from_uplink(&self, skb: SkBuff) -> Option<SkBuff> {
        let guard = rcu::read_lock();
        let ports = self.ports.read(&guard);
        let Some(dst) = skb.eth_dest() else {
            return Some(skb);
        };
        let vlan = vlan::switch_vlan(None, skb.outer_vlan());
        match Self::decide(ports, PortId::Uplink, &dst, vlan) {
            Decision::To(port) => {
                self.promisc_copies(ports, PortId::Uplink, Some(port), vlan, &skb);
                self.deliver(ports, port, skb);
                None
            }
            Decision::Flood => {
                if let Some(copy) = skb.try_clone() {
                    self.flood(ports, PortId::Uplink, vlan, copy);
                }
                Some(skb)
            }
            Decision::Drop => {
                self.promisc_copies(ports, PortId::Uplink, None, vlan, &skb);
                Some(skb)
            }
        }
    }
}
