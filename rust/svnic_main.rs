// SPDX-License-Identifier: GPL-2.0

//! svnic: a self-virtualizing NIC in software.
//!
//! An SR-IOV-style PF on top of any Ethernet netdev. See
//! `Documentation/networking/svnic.rst`.

use kernel::prelude::*;

mod coalesce;
mod eswitch;
mod ether;
mod ethtool;
mod fault;
mod fdb;
mod filter;
mod flower;
mod net;
mod pf;
mod rate;
mod rep;
mod ring;
mod rxq;
mod stats;
mod vf;
mod vlan;

module! {
    type: pf::SvnicModule,
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
