// SPDX-License-Identifier: GPL-2.0

//! svnic: a self-virtualizing NIC in software.
//!
//! An SR-IOV-style PF on top of any Ethernet netdev: `ip link add NAME link
//! UPLINK type svnic`, then VFs with `sriov_numvfs`. See
//! `Documentation/networking/svnic.rst`.

use kernel::prelude::*;

// The device's functions, each a netdev (`NetdevOps`, `EthtoolOps`).
mod pf;
mod rep;
mod vf;

// The embedded switch between them, the uplink and the VFs' representors,
// and the pure logic it decides with.
mod eswitch;
mod fdb;
mod flower;
mod vlan;

// A function's queues: rings, receive side, moderation, shaping, counters.
mod coalesce;
mod filter;
mod queue;
mod rate;
mod ring;
mod rxq;
mod stats;

// Fault injection (debugfs).
mod fault;

// The safe abstraction layer over the kernel's networking core: every
// `unsafe` block is below it.
mod net;

module! {
    type: SvnicModule,
    name: "svnic",
    authors: ["The svnic developers"],
    description: "Self-virtualizing NIC in software: SR-IOV PF/VF layer over any netdev",
    license: "GPL",
    alias: ["rtnl-link-svnic"],
    params: {
        total_vfs: u16 {
            default: 64,
            description: "sriov_totalvfs of PFs created from now on (1..256)",
        },
        link_mbps: u32 {
            default: 0,
            description: "Speed in Mbit/s of the link VFs share for min_tx_rate (0: the uplink's ethtool speed)",
        },
    },
}

/// The module: registers the `svnic` link type (PFs) and the bus of their
/// VFs' devices.
struct SvnicModule {
    _link: net::link::Registration<pf::Pf>,
}

impl kernel::Module for SvnicModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let link = net::link::Registration::<pf::Pf>::new()?;
        pr_info!("loaded\n");
        Ok(Self { _link: link })
    }
}
