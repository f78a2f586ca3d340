// SPDX-License-Identifier: GPL-2.0

//! svnic: a self-virtualizing NIC in software.
//!
//! An SR-IOV-style PF on top of any Ethernet netdev. See
//! `Documentation/networking/svnic.rst`.

use kernel::prelude::*;

mod ether;
mod net;
mod pf;
mod ring;

module! {
    type: pf::SvnicModule,
    name: "svnic",
    authors: ["The svnic developers"],
    description: "Self-virtualizing NIC in software: SR-IOV PF/VF layer over any netdev",
    license: "GPL",
    alias: ["rtnl-link-svnic"],
}
