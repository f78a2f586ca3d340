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
//! The switch talks to its ports (the PF, the VFs, the representors)
//! through the [`SwitchPort`] interface only, which each implements in its
//! own file, as mlx5's `mlx5_eswitch_rep_ops`.
//!
//! Forwarding follows [`crate::fdb::forward`]: VF-to-VF traffic
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
//!
//! In switchdev mode (`devlink dev eswitch set ... mode switchdev`) the
//! switch forwards nothing by itself, as a switchdev NIC without offloaded
//! rules: what VF N sends comes out of its representor ([`crate::rep`]),
//! what the representor sends reaches VF N, what the PF (the uplink
//! representor) sends leaves by the uplink, and everything the uplink
//! receives goes to the PF. Software (a bridge, OVS) on the representors
//! is the slow path that connects them.
//!
//! TC flower rules offloaded to a representor's ingress ([`Flows`]) apply
//! to its VF's frames before they reach the representor: a matching rule
//! drops the frame or redirects it to another port (a representor's VF, or
//! the uplink for the PF), the fast path; rules on the PF's ingress apply
//! to the uplink's frames. A frame no rule matches takes the slow path.
//!
//! Writers serialise on `writer`: they run under RTNL, or (the eswitch
//! mode) under the devlink instance lock and the PF's VF lock.

use crate::{
    fdb::{self, Decision, Fdb, FrameAddrs, LastHop, PortId, PortTable},
    flower::{FlowAction, FlowRule, FlowStats, Flows, TableError},
    net::{
        device::{Device, DeviceRef},
        ether::{self, MacAddr},
        flower::{ClsFlower, FlowerCommand, TcAction},
        lock::Bh,
        rcu::RcuBox,
        rtnl::ExtAck,
        skb::{EthHdr, SkBuff},
        vf_ndo::SwitchMode,
    },
    rate::LinkBudget,
    vlan::{self, PortVlan},
};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use kernel::{
    alloc::Flags,
    new_mutex,
    prelude::*,
    sync::{rcu, Arc, Mutex},
    time::{Instant, Monotonic},
};

/// A port of the switch other than the uplink (the PF, a VF, a VF's
/// representor), as the switch sees it.
pub(crate) trait SwitchPort: Send + Sync {
    /// Its netdev's MAC address (`None` if the netdev is going away).
    fn mac(&self) -> Option<MacAddr>;

    /// Whether its netdev is `dev`.
    fn is(&self, dev: &Device) -> bool;

    /// Its port VLAN: `None` for a trunk, a member of every VLAN.
    fn port_vlan(&self) -> Option<PortVlan> {
        None
    }

    /// Whether its multicast filter passes a frame for the group address
    /// `group`.
    fn accepts_group(&self, _group: &MacAddr) -> bool {
        true
    }

    /// Whether it wants copies of unicast frames for other stations (a
    /// trusted VF in promiscuous mode).
    fn wants_all_unicast(&self) -> bool {
        false
    }

    /// Whether its function is active (`devlink port function set ...
    /// state`).
    fn is_active(&self) -> bool {
        true
    }

    /// Takes the frame `skb` (header `hdr`) the switch delivers to it (BH
    /// context). With `hold`, a kick of its poll that is due now is owed
    /// by the caller instead: returns whether it is (see
    /// [`SwitchPort::kick`]).
    fn receive(&self, bh: Bh<'_>, hdr: &EthHdr, skb: SkBuff, hold: bool) -> bool;

    /// Kicks its poll, which a held delivery owes it (BH context).
    fn kick(&self) {}

    /// What the first offloaded TC flower rule of its ingress (the PF's,
    /// a representor's) that `skb` (header `hdr`) matches does, counting
    /// the frame in the rule's statistics; `None` if no rule matches (BH
    /// context).
    fn offloaded(&self, _hdr: &EthHdr, _skb: &SkBuff) -> Option<FlowAction> {
        None
    }
}

/// A port of the switch, shared by the snapshots that hold it.
pub(crate) type PortRef = Arc<dyn SwitchPort>;

/// What the data path sees of the switch: one immutable snapshot.
pub(crate) struct Ports {
    pf: Option<PortRef>,
    vfs: KVec<PortRef>,
    /// The VFs' representors, index = VF number (switchdev mode only).
    reps: KVec<PortRef>,
    fdb: Fdb,
    mode: SwitchMode,
    /// Whether the switch is in switchdev mode.
    switchdev: bool,
    /// Every port, for flooding (computed once per snapshot).
    all: KVec<PortId>,
    /// The snapshot's generation: each has its own ([`LastHop`]).
    gen: u64,
}

/// The errno and message of a refused rule-table change.
fn table_error(e: TableError, extack: &ExtAck) -> Error {
    match e {
        TableError::Exists => extack.fail(EEXIST, c"svnic: the rule is offloaded already"),
        TableError::Full => extack.fail(ENOSPC, c"svnic: a port takes at most 256 offloaded rules"),
        TableError::NotFound => ENOENT,
        TableError::NoMemory => ENOMEM,
    }
}

/// The ports a snapshot is built of.
pub(crate) struct PortSet {
    pub(crate) pf: Option<PortRef>,
    pub(crate) vfs: KVec<PortRef>,
    pub(crate) reps: KVec<PortRef>,
}

impl PortSet {
    /// The PF alone.
    pub(crate) fn pf_only(pf: Option<PortRef>) -> Self {
        Self {
            pf,
            vfs: KVec::new(),
            reps: KVec::new(),
        }
    }
}

impl Ports {
    /// A switch with no port but the uplink.
    fn empty(gen: u64) -> Self {
        Self {
            pf: None,
            vfs: KVec::new(),
            reps: KVec::new(),
            fdb: Fdb::new(),
            mode: SwitchMode::Veb,
            switchdev: false,
            all: KVec::new(),
            gen,
        }
    }

    /// Builds a snapshot of `set`, learning the functions' addresses.
    fn build(set: PortSet, mode: SwitchMode, switchdev: bool, gen: u64) -> Result<Self> {
        let PortSet { pf, vfs, reps } = set;
        let mut fdb = Fdb::new();
        let mut all = KVec::with_capacity(vfs.len() + 2, GFP_KERNEL)?;
        all.push(PortId::Uplink, GFP_KERNEL)?;
        if let Some(pf) = &pf {
            if let Some(mac) = pf.mac() {
                fdb.add_unicast(&mac, 0, PortId::Pf)?;
            }
            all.push(PortId::Pf, GFP_KERNEL)?;
        }
        for (i, vf) in vfs.iter().enumerate() {
            let index = u16::try_from(i).map_err(|_| EINVAL)?;
            all.push(PortId::Vf(index), GFP_KERNEL)?;
            let key = vf.port_vlan().map_or(0, |pv| pv.vid());
            // Two VFs given the same address: the first keeps it (the
            // second's own frames still reach the uplink).
            let Some(mac) = vf.mac() else { continue };
            match fdb.add_unicast(&mac, key, PortId::Vf(index)) {
                Ok(()) | Err(EEXIST) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Self {
            pf,
            vfs,
            reps,
            fdb,
            mode,
            switchdev,
            all,
            gen,
        })
    }

    /// A copy of the snapshot's ports (references).
    fn port_set(&self, flags: Flags) -> Result<PortSet> {
        let mut vfs = KVec::with_capacity(self.vfs.len(), flags)?;
        for vf in self.vfs.iter() {
            vfs.push(vf.clone(), flags)?;
        }
        let mut reps = KVec::with_capacity(self.reps.len(), flags)?;
        for rep in self.reps.iter() {
            reps.push(rep.clone(), flags)?;
        }
        Ok(PortSet {
            pf: self.pf.clone(),
            vfs,
            reps,
        })
    }

    /// Function `port` (the PF or a VF), if it is in the switch.
    fn function(&self, port: PortId) -> Option<&PortRef> {
        match port {
            PortId::Uplink => None,
            PortId::Pf => self.pf.as_ref(),
            PortId::Vf(i) => self.vfs.get(usize::from(i)),
        }
    }
}

/// A snapshot as the forwarding decision sees it.
struct Table<'a> {
    ports: &'a Ports,
    /// Whether some VF is in promiscuous mode.
    promisc: bool,
}

impl PortTable for Table<'_> {
    fn ports(&self) -> &[PortId] {
        &self.ports.all
    }

    fn port_vlan(&self, port: PortId) -> Option<PortVlan> {
        self.ports.function(port)?.port_vlan()
    }

    fn mac(&self, port: PortId) -> Option<MacAddr> {
        self.ports.function(port)?.mac()
    }

    fn accepts_group(&self, port: PortId, group: &MacAddr) -> bool {
        self.ports
            .function(port)
            .is_none_or(|p| p.accepts_group(group))
    }

    fn has_promisc(&self) -> bool {
        self.promisc
    }

    fn wants_all_unicast(&self, port: PortId) -> bool {
        self.ports
            .function(port)
            .is_some_and(|p| p.wants_all_unicast())
    }
}

/// The switch of one PF.
#[pin_data]
pub(crate) struct Eswitch {
    uplink: DeviceRef,
    ports: RcuBox<Ports>,
    /// Taken by every writer of `ports`.
    #[pin]
    writer: Mutex<()>,
    /// `phys_switch_id` of the PF and the representors.
    id: [u8; 8],
    /// The link VFs share, in use while some VF has a `min_tx_rate`.
    link: LinkBudget,
    /// Time 0 of the clock the VFs' shapers and the link budget share.
    epoch: Instant<Monotonic>,
    /// Number of VFs in promiscuous mode: while 0, unicast frames are not
    /// offered to other VFs.
    promisc_vfs: AtomicU32,
    /// The generation of the last snapshot made.
    gens: AtomicU64,
}

impl Eswitch {
    /// Creates the switch of a PF on `uplink`, with switch ID `id`.
    pub(crate) fn new(uplink: DeviceRef, id: [u8; 8]) -> Result<impl PinInit<Self, Error>> {
        let ports = RcuBox::new(KBox::new(Ports::empty(0), GFP_KERNEL)?);
        Ok(try_pin_init!(Self {
            uplink,
            ports,
            writer <- new_mutex!((), "svnic_esw_writer"),
            id,
            link: LinkBudget::new(),
            epoch: Instant::now(),
            promisc_vfs: AtomicU32::new(0),
            gens: AtomicU64::new(0),
        }? Error))
    }

    /// The switch ID (`phys_switch_id`).
    pub(crate) fn id(&self) -> [u8; 8] {
        self.id
    }

    /// Whether the switch is in switchdev mode.
    pub(crate) fn switchdev(&self) -> bool {
        let guard = rcu::read_lock();
        self.ports.read(&guard).switchdev
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

    /// The link budget VFs book their traffic on.
    pub(crate) fn link_budget(&self) -> &LinkBudget {
        &self.link
    }

    /// Publishes a new set of ports, in the current modes.
    pub(crate) fn publish(&self, set: PortSet) -> Result {
        let _w = self.writer.lock();
        let (mode, switchdev) = self.modes();
        self.replace(set, mode, switchdev)
    }

    /// The forwarding mode and whether the switch is in switchdev mode.
    fn modes(&self) -> (SwitchMode, bool) {
        let guard = rcu::read_lock();
        let cur = self.ports.read(&guard);
        (cur.mode, cur.switchdev)
    }

    /// Builds and publishes a snapshot; `writer` held.
    fn replace(&self, set: PortSet, mode: SwitchMode, switchdev: bool) -> Result {
        let ports = Ports::build(set, mode, switchdev, self.next_gen())?;
        self.ports.replace(KBox::new(ports, GFP_KERNEL)?);
        Ok(())
    }

    /// The forwarding mode.
    pub(crate) fn mode(&self) -> SwitchMode {
        let guard = rcu::read_lock();
        self.ports.read(&guard).mode
    }

    /// The generation of a new snapshot.
    fn next_gen(&self) -> u64 {
        self.gens.fetch_add(1, Relaxed) + 1
    }

    /// Re-reads every port's address and VLAN into a new snapshot, with
    /// the modes `modes` returns for the current ones.
    fn rebuild(&self, modes: impl FnOnce(SwitchMode, bool) -> (SwitchMode, bool)) -> Result {
        let _w = self.writer.lock();
        let guard = rcu::read_lock();
        let cur = self.ports.read(&guard);
        let set = cur.port_set(GFP_ATOMIC)?;
        let (mode, switchdev) = modes(cur.mode, cur.switchdev);
        drop(guard);
        self.replace(set, mode, switchdev)
    }

    /// Re-reads every port's address and VLAN into a new snapshot. Under
    /// RTNL.
    pub(crate) fn refresh(&self) -> Result {
        self.rebuild(|mode, switchdev| (mode, switchdev))
    }

    /// `bridge link set dev PF hwmode veb|vepa`. Under RTNL.
    pub(crate) fn set_mode(&self, mode: SwitchMode) -> Result {
        self.rebuild(|_, switchdev| (mode, switchdev))
    }

    /// `devlink dev eswitch set ... mode legacy|switchdev`, with no VF.
    pub(crate) fn set_switchdev(&self, on: bool) -> Result {
        self.rebuild(|mode, _| (mode, on))
    }

    /// Drops every port (the PF is going away). Under RTNL.
    pub(crate) fn clear(&self) -> Result {
        let _w = self.writer.lock();
        self.ports
            .replace(KBox::new(Ports::empty(self.next_gen()), GFP_KERNEL)?);
        Ok(())
    }

    /// The MAC address of VF `index`, if it is in the switch.
    pub(crate) fn vf_mac(&self, index: u16) -> Option<MacAddr> {
        let guard = rcu::read_lock();
        let ports = self.ports.read(&guard);
        ports.function(PortId::Vf(index))?.mac()
    }

    /// The port that redirecting to `dev` sends to: the uplink for the PF
    /// (the uplink representor), VF N for its representor.
    fn port_of(&self, dev: &Device) -> Option<PortId> {
        let guard = rcu::read_lock();
        let ports = self.ports.read(&guard);
        if ports.pf.as_ref().is_some_and(|pf| pf.is(dev)) {
            return Some(PortId::Uplink);
        }
        let i = ports.reps.iter().position(|r| r.is(dev))?;
        u16::try_from(i).ok().map(PortId::Vf)
    }

    /// A flower request on the ingress of a port whose rules are `flows`
    /// (the PF's, a representor's). Under RTNL.
    pub(crate) fn flower(&self, flows: &Flows, cls: &ClsFlower<'_>) -> Result {
        let extack = cls.extack();
        let cookie = cls.cookie();
        // One change at a time: read, change, publish.
        let _w = self.writer.lock();
        let next = match cls.command() {
            FlowerCommand::Replace => {
                if !self.switchdev() {
                    return Err(extack.fail(
                        EOPNOTSUPP,
                        c"svnic: TC offload needs the switchdev eswitch mode",
                    ));
                }
                let (key, action) = cls.rule()?;
                let action = match action {
                    TcAction::Drop => FlowAction::Drop,
                    TcAction::Redirect(dev) => {
                        FlowAction::Redirect(self.port_of(dev).ok_or_else(|| {
                            extack.fail(
                                EOPNOTSUPP,
                                c"svnic: can only redirect to a representor or the PF of the same switch",
                            )
                        })?)
                    }
                };
                let rule = FlowRule {
                    cookie,
                    prio: cls.prio(),
                    key,
                    action,
                    stats: Arc::new(FlowStats::default(), GFP_KERNEL)?,
                };
                flows.change(|table| table.with(rule, GFP_ATOMIC))
            }
            FlowerCommand::Destroy => {
                match flows.change(|table| table.without(cookie, GFP_ATOMIC)) {
                    // Never offloaded (refused): nothing to do.
                    Err(TableError::NotFound) => return Ok(()),
                    r => r,
                }
            }
            FlowerCommand::Stats => {
                flows.read(|table| {
                    if let Some(rule) = table.get(cookie) {
                        let (packets, bytes, lastused) = rule.stats.take_delta();
                        cls.report_stats(bytes, packets, lastused);
                    }
                });
                return Ok(());
            }
            FlowerCommand::Other => return Err(EOPNOTSUPP),
        };
        next.map_err(|e| table_error(e, &extack))
    }

    /// Whether VF `index`'s function is active, if it is in the switch.
    pub(crate) fn vf_active(&self, index: u16) -> Option<bool> {
        let guard = rcu::read_lock();
        let ports = self.ports.read(&guard);
        Some(ports.function(PortId::Vf(index))?.is_active())
    }

    /// Whether `mac` is owned by a port other than `me`.
    pub(crate) fn mac_in_use(&self, mac: &MacAddr, me: PortId) -> bool {
        let guard = rcu::read_lock();
        let owner = self.ports.read(&guard).fdb.lookup_unicast(mac, 0);
        owner.is_some_and(|p| p != me)
    }

    /// The snapshot `ports` as the forwarding decision sees it.
    fn table<'a>(&self, ports: &'a Ports) -> Table<'a> {
        Table {
            ports,
            promisc: self.promisc_vfs.load(Relaxed) != 0,
        }
    }

    /// Switches `skb` (header `hdr`) from port `src` in VLAN `vlan` by the
    /// forwarding decision: each target but the last gets a copy, the last
    /// the frame. From the uplink, a frame that is not for exactly one
    /// port is given back for the uplink's own stack, the targets getting
    /// copies.
    fn switch(
        &self,
        bh: Bh<'_>,
        ports: &Ports,
        src: PortId,
        vlan: u16,
        hdr: &EthHdr,
        skb: SkBuff,
    ) -> Option<SkBuff> {
        let frame = FrameAddrs {
            dst: hdr.dst,
            src: hdr.src,
            vlan,
        };
        let table = self.table(ports);
        let targets = fdb::forward(&ports.fdb, ports.mode, &table, src, &frame);
        let keep = src == PortId::Uplink && !matches!(targets.decision(), Decision::To(_));
        let mut pending = None;
        for port in targets {
            if let Some(prev) = pending.replace(port) {
                if let Some(copy) = skb.try_clone() {
                    self.deliver(bh, ports, prev, hdr, copy);
                }
            }
        }
        match pending {
            Some(last) if !keep => {
                self.deliver(bh, ports, last, hdr, skb);
                None
            }
            Some(last) => {
                if let Some(copy) = skb.try_clone() {
                    self.deliver(bh, ports, last, hdr, copy);
                }
                Some(skb)
            }
            None => keep.then_some(skb),
        }
    }

    /// Delivers `skb` (header `hdr`) to one port.
    fn deliver(&self, bh: Bh<'_>, ports: &Ports, port: PortId, hdr: &EthHdr, skb: SkBuff) {
        match ports.function(port) {
            Some(function) => {
                function.receive(bh, hdr, skb, false);
            }
            None if port == PortId::Uplink => {
                let _ = self.uplink.queue_xmit(skb);
            }
            None => {}
        }
    }

    /// Delivers `skb` (header `hdr`) to a port that an offloaded rule or a
    /// representor chose, not the forwarding decision: the port's
    /// multicast filter still applies.
    fn deliver_filtered(&self, bh: Bh<'_>, ports: &Ports, port: PortId, hdr: &EthHdr, skb: SkBuff) {
        let filtered = ether::is_multicast(&hdr.dst)
            && ports
                .function(port)
                .is_some_and(|p| !p.accepts_group(&hdr.dst));
        if !filtered {
            self.deliver(bh, ports, port, hdr, skb);
        }
    }

    /// Kicks the poll of function `port`, which a held delivery of the
    /// direct path owes it (BH context).
    pub(crate) fn kick(&self, port: PortId) {
        let guard = rcu::read_lock();
        if let Some(function) = self.ports.read(&guard).function(port) {
            function.kick();
        }
    }

    /// A frame VF `index` sent from `ndo_start_xmit` in VLAN `vlan` (no
    /// port VLAN tag to push), for the direct path: switched at once if it
    /// goes to exactly one function of this switch (another VF or the PF)
    /// in legacy mode with no promiscuous VF to copy it to; otherwise given
    /// back, unchanged, for the VF's TX ring (BH context). With `hold` (the
    /// sender has more frames right behind), a kick of the receiver's poll
    /// that is due now is left to the sender: returns the port that is owed
    /// it, for [`Eswitch::kick`]. `last` is the sender's memory of its
    /// last destination.
    #[expect(clippy::too_many_arguments)]
    pub(crate) fn tx_direct(
        &self,
        bh: Bh<'_>,
        index: u16,
        vlan: u16,
        hdr: &EthHdr,
        skb: SkBuff,
        hold: bool,
        last: &LastHop,
    ) -> core::result::Result<Option<PortId>, SkBuff> {
        let ports = self.ports.read(&bh);
        let table = self.table(ports);
        if ports.switchdev || table.promisc {
            return Err(skb);
        }
        // An untagged frame for the address of the sender's last one goes
        // where that did, while the snapshot is the same: the decision is
        // the FDB's, which only a new snapshot changes.
        let cached = if vlan == 0 {
            last.get(ports.gen, &hdr.dst)
        } else {
            None
        };
        let port = match cached {
            Some(port) => port,
            None => {
                let frame = FrameAddrs {
                    dst: hdr.dst,
                    src: hdr.src,
                    vlan,
                };
                let from = PortId::Vf(index);
                match fdb::forward(&ports.fdb, ports.mode, &table, from, &frame).decision() {
                    Decision::To(port) if port.is_function() => {
                        if vlan == 0 {
                            last.set(ports.gen, &hdr.dst, port);
                        }
                        port
                    }
                    _ => return Err(skb),
                }
            }
        };
        match ports.function(port) {
            Some(function) => Ok(function.receive(bh, hdr, skb, hold).then_some(port)),
            None => Err(skb),
        }
    }

    /// A frame VF `index` transmitted in VLAN `vlan`, header `hdr`, port
    /// VLAN tag already pushed (from its NAPI poll, BH context).
    pub(crate) fn tx_from_vf(&self, bh: Bh<'_>, index: u16, vlan: u16, hdr: &EthHdr, skb: SkBuff) {
        let ports = self.ports.read(&bh);
        if ports.switchdev {
            // An offloaded rule of the representor, else up the
            // representor: the slow path.
            if let Some(rep) = ports.reps.get(usize::from(index)) {
                match rep.offloaded(hdr, &skb) {
                    Some(FlowAction::Drop) => {}
                    Some(FlowAction::Redirect(port)) => {
                        self.deliver_filtered(bh, ports, port, hdr, skb)
                    }
                    None => {
                        rep.receive(bh, hdr, skb, false);
                    }
                }
            }
            return;
        }
        let _ = self.switch(bh, ports, PortId::Vf(index), vlan, hdr, skb);
    }

    /// A frame the representor of VF `index` transmitted: it goes to the
    /// VF (BH context).
    pub(crate) fn tx_from_rep(&self, bh: Bh<'_>, index: u16, skb: SkBuff) {
        // Not an Ethernet frame: a VF's port has nothing to do with it.
        let Some(hdr) = skb.eth() else { return };
        let ports = self.ports.read(&bh);
        if ports.switchdev {
            self.deliver_filtered(bh, ports, PortId::Vf(index), &hdr, skb);
        }
    }

    /// A frame the PF transmitted (BH context).
    pub(crate) fn tx_from_pf(&self, bh: Bh<'_>, skb: SkBuff) {
        let ports = self.ports.read(&bh);
        if ports.switchdev {
            // The uplink representor's frames leave by the uplink.
            let _ = self.uplink.queue_xmit(skb);
            return;
        }
        let Some(hdr) = skb.eth() else { return };
        let vlan = vlan::switch_vlan(None, hdr.vlan);
        let _ = self.switch(bh, ports, PortId::Pf, vlan, &hdr, skb);
    }

    /// A frame from the uplink; returns it if the uplink's own stack should
    /// have it (not for any port, or a group frame, a copy of which went to
    /// the ports).
    pub(crate) fn rx_from_uplink(&self, bh: Bh<'_>, skb: SkBuff) -> Option<SkBuff> {
        let ports = self.ports.read(&bh);
        let Some(hdr) = skb.eth() else {
            if ports.switchdev {
                // Up the uplink representor, as every frame no rule takes.
                if let Some(pf) = ports.pf.as_ref() {
                    let none = EthHdr {
                        dst: [0; 6],
                        src: [0; 6],
                        vlan: None,
                        proto: 0,
                    };
                    pf.receive(bh, &none, skb, false);
                }
                return None;
            }
            return Some(skb);
        };
        if ports.switchdev {
            // An offloaded rule of the PF, else up the uplink representor.
            match ports.pf.as_ref().and_then(|pf| pf.offloaded(&hdr, &skb)) {
                Some(FlowAction::Drop) => {}
                Some(FlowAction::Redirect(port)) => {
                    self.deliver_filtered(bh, ports, port, &hdr, skb)
                }
                None => self.deliver(bh, ports, PortId::Pf, &hdr, skb),
            }
            return None;
        }
        let vlan = vlan::switch_vlan(None, hdr.vlan);
        self.switch(bh, ports, PortId::Uplink, vlan, &hdr, skb)
    }
}
