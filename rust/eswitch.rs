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
//! Forwarding follows [`crate::fdb::forward`]: VF-to-VF traffic never
//! touches the uplink in VEB mode; unknown unicast from a VF or the PF goes
//! to the uplink; broadcast and multicast are flooded to every other port;
//! frames from the uplink reach the port that owns the destination MAC.

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
    vf::Vf,
};
use kernel::{prelude::*, sync::rcu};

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
            // Two VFs given the same address: the first keeps it (the
            // second's own frames still reach the uplink).
            match fdb.add_unicast(&vf.dev().mac(), 0, PortId::Vf(index)) {
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
}

/// The switch of one PF.
pub(crate) struct Eswitch {
    uplink: DeviceRef,
    ports: RcuBox<Ports>,
}

impl Eswitch {
    /// Creates the switch of a PF on `uplink`.
    pub(crate) fn new(uplink: DeviceRef) -> Result<Self> {
        Ok(Self {
            uplink,
            ports: RcuBox::new(KBox::new(Ports::empty(), GFP_KERNEL)?),
        })
    }

    /// The uplink.
    pub(crate) fn uplink(&self) -> &DeviceRef {
        &self.uplink
    }

    /// Publishes a new set of ports. Under RTNL.
    pub(crate) fn publish(&self, pf: Option<LinkRef<Pf>>, vfs: KVec<VfRef>) -> Result {
        let guard = rcu::read_lock();
        let mode = self.ports.read(&guard).mode;
        drop(guard);
        let ports = Ports::build(pf, vfs, mode)?;
        self.ports.replace(KBox::new(ports, GFP_KERNEL)?);
        Ok(())
    }

    /// Re-reads every port's address into a new snapshot. Under RTNL.
    pub(crate) fn refresh(&self) -> Result {
        let guard = rcu::read_lock();
        let cur = self.ports.read(&guard);
        let pf = cur.pf.clone();
        let mut vfs = KVec::with_capacity(cur.vfs.len(), GFP_ATOMIC)?;
        for vf in cur.vfs.iter() {
            vfs.push(vf.clone(), GFP_ATOMIC)?;
        }
        drop(guard);
        self.publish(pf, vfs)
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

    /// Sends `skb` from port `src` according to the forwarding database.
    fn switch(&self, ports: &Ports, src: PortId, skb: SkBuff) {
        let Some(dst) = skb.eth_dest() else {
            return;
        };
        match fdb::forward(&ports.fdb, ports.mode, src, &dst, 0) {
            Decision::To(port) => self.deliver(ports, port, skb),
            Decision::Flood => self.flood(ports, src, skb),
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

    /// Floods `skb` to every port but `src` (VEB); each port but the last
    /// gets a clone, the last the original. No allocation but the clones.
    fn flood(&self, ports: &Ports, src: PortId, skb: SkBuff) {
        let mut pending = None;
        for &port in ports.all.iter().filter(|&&p| p != src) {
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

    /// A frame a VF transmitted (from its NAPI poll, BH context).
    pub(crate) fn tx_from_vf(&self, index: u16, skb: SkBuff) {
        let guard = rcu::read_lock();
        let ports = self.ports.read(&guard);
        self.switch(ports, PortId::Vf(index), skb);
    }

    /// A frame the PF transmitted (BH context).
    pub(crate) fn tx_from_pf(&self, skb: SkBuff) {
        let guard = rcu::read_lock();
        let ports = self.ports.read(&guard);
        self.switch(ports, PortId::Pf, skb);
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
        match fdb::forward(&ports.fdb, ports.mode, PortId::Uplink, &dst, 0) {
            Decision::To(port) => {
                self.deliver(ports, port, skb);
                None
            }
            Decision::Flood => {
                if let Some(copy) = skb.try_clone() {
                    self.flood(ports, PortId::Uplink, copy);
                }
                Some(skb)
            }
            Decision::Drop => Some(skb),
        }
    }
}
