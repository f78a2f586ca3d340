// SPDX-License-Identifier: GPL-2.0

//! The safe abstraction layer between svnic and the kernel's networking core.
//!
//! Every `unsafe` block of svnic lives below this module, shaped like
//! `rust/kernel/net/phy.rs`: transparent wrappers with documented invariants
//! ([`device::Device`], [`napi::Napi`]), owned types with RAII
//! ([`skb::SkBuff`], [`device::DeviceRef`], [`link::Registration`]) and
//! `extern "C"` trampolines that turn callbacks into calls of a safe trait
//! ([`link::Driver`]). The driver files above it (`pf.rs`, `ring.rs`, ...)
//! contain no `unsafe`.

pub(crate) mod bindings;
pub(crate) mod device;
pub(crate) mod devlink;
pub(crate) mod dim;
pub(crate) mod ether;
pub(crate) mod ethtool;
pub(crate) mod flower;
pub(crate) mod irq;
pub(crate) mod link;
pub(crate) mod lock;
pub(crate) mod napi;
pub(crate) mod netdev;
pub(crate) mod ops;
pub(crate) mod percpu;
pub(crate) mod rcu;
pub(crate) mod rtnl;
pub(crate) mod rx_ring;
pub(crate) mod skb;
pub(crate) mod sriov;
pub(crate) mod vf_ndo;
pub(crate) mod xdp;
