// SPDX-License-Identifier: GPL-2.0

//! TC flower offload: `tc filter add dev REP ingress flower [skip_sw] ...`.
//!
//! C header: [`include/net/flow_offload.h`](srctree/include/net/flow_offload.h).
//!
//! A device whose driver implements [`super::ops::NetdevOps::flower`] has
//! `NETIF_F_HW_TC` and an `ndo_setup_tc` that binds its ingress blocks to a
//! callback (`flow_block_cb_setup_simple`); the callback hands each flower
//! request, as a [`ClsFlower`], to [`super::ops::NetdevOps::flower`]. The
//! tc core calls it under RTNL (svnic does not set `unlocked_driver_cb`).
//!
//! [`ClsFlower::rule`] turns a rule into a [`FlowKey`] and a [`TcAction`],
//! refusing with EOPNOTSUPP and an extack message what svnic does not
//! offload: chains other than 0, keys other than the MAC addresses, the
//! EtherType and the outer VLAN, actions other than one drop or one mirred
//! egress redirect.

use super::{bindings, device::Device, ether::MacAddr, rtnl::ExtAck};
use core::{cell::UnsafeCell, marker::PhantomData};
use kernel::prelude::*;

/// A masked field of a flower key: matches `v` when `v & mask == value &
/// mask`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Masked<T> {
    pub(crate) value: T,
    pub(crate) mask: T,
}

/// What a flower rule matches; an absent key matches anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct FlowKey {
    pub(crate) dst: Option<Masked<MacAddr>>,
    pub(crate) src: Option<Masked<MacAddr>>,
    /// EtherType (`protocol`, or `vlan_ethtype` with VLAN keys).
    pub(crate) eth_type: Option<Masked<u16>>,
    /// Outer VLAN ID; with `vlan_prio`, a key that only tagged frames match.
    pub(crate) vlan_id: Option<Masked<u16>>,
    pub(crate) vlan_prio: Option<Masked<u16>>,
    /// Outer VLAN protocol (802.1Q or 802.1ad).
    pub(crate) vlan_tpid: Option<Masked<u16>>,
}

/// The list `flow_block_cb_setup_simple` keeps svnic's block callbacks on.
struct DriverList(UnsafeCell<bindings::list_head>);

// SAFETY: The list is only touched by `flow_block_cb_setup_simple`, under
// RTNL.
unsafe impl Sync for DriverList {}

static DRIVER_LIST: DriverList = DriverList(UnsafeCell::new(bindings::list_head {
    next: DRIVER_LIST.0.get(),
    prev: DRIVER_LIST.0.get(),
}));

/// The driver list, for `flow_block_cb_setup_simple`.
pub(super) fn driver_list() -> *mut bindings::list_head {
    DRIVER_LIST.0.get()
}

/// The current time in jiffies (a rule's `lastused`).
pub(crate) fn jiffies() -> u64 {
    // SAFETY: No precondition.
    unsafe { bindings::svnic_get_jiffies_64() }
}

/// What a flower request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowerCommand {
    /// Add the rule (or replace the one with its cookie).
    Replace,
    /// Remove the rule.
    Destroy,
    /// Report the rule's counters.
    Stats,
    /// Anything else (templates).
    Other,
}

/// The action of a rule.
pub(crate) enum TcAction<'a> {
    Drop,
    /// `mirred egress redirect dev DEV`.
    Redirect(&'a Device),
}

/// A flower request from the tc core.
///
/// # Invariants
///
/// `raw` is a valid `flow_cls_offload` for `'a`, with a valid rule for a
/// replace request.
pub(crate) struct ClsFlower<'a> {
    raw: *mut bindings::flow_cls_offload,
    _p: PhantomData<&'a mut bindings::flow_cls_offload>,
}

/// The extack message for keys svnic does not offload.
const BAD_KEY: &CStr =
    c"svnic: unsupported flower match key (svnic offloads src_mac, dst_mac, the EtherType, vlan_id, vlan_prio)";

impl<'a> ClsFlower<'a> {
    /// # Safety
    ///
    /// `raw` is a valid `flow_cls_offload` for `'a`.
    pub(super) unsafe fn from_raw(raw: *mut bindings::flow_cls_offload) -> Self {
        // INVARIANT: by the safety requirements.
        Self {
            raw,
            _p: PhantomData,
        }
    }

    fn get(&self) -> &bindings::flow_cls_offload {
        // SAFETY: By the type invariant.
        unsafe { &*self.raw }
    }

    /// The request.
    pub(crate) fn command(&self) -> FlowerCommand {
        match self.get().command {
            bindings::flow_cls_command_FLOW_CLS_REPLACE => FlowerCommand::Replace,
            bindings::flow_cls_command_FLOW_CLS_DESTROY => FlowerCommand::Destroy,
            bindings::flow_cls_command_FLOW_CLS_STATS => FlowerCommand::Stats,
            _ => FlowerCommand::Other,
        }
    }

    /// tc's identifier of the rule.
    pub(crate) fn cookie(&self) -> u64 {
        self.get().cookie as u64
    }

    /// The rule's priority (lower first).
    pub(crate) fn prio(&self) -> u32 {
        self.get().common.prio
    }

    /// Where the request's error message goes.
    pub(crate) fn extack(&self) -> ExtAck {
        // INVARIANT: the core's extack for this request, or null.
        ExtAck(self.get().common.extack)
    }

    /// The rule of a replace request, if svnic can offload it.
    pub(crate) fn rule(&self) -> Result<(FlowKey, TcAction<'a>)> {
        let extack = self.extack();
        let cls = self.get();
        if cls.common.chain_index != 0 {
            return Err(extack.fail(EOPNOTSUPP, c"svnic: only chain 0 is offloaded"));
        }
        let rule = cls.rule;
        if rule.is_null() {
            return Err(EINVAL);
        }
        let key = Self::key(rule, &extack)?;
        // SAFETY: By the type invariant `rule` is valid; its action array
        // has `num_entries` entries.
        let action = unsafe {
            let actions = &(*rule).action;
            if actions.num_entries != 1 {
                return Err(extack.fail(
                    EOPNOTSUPP,
                    c"svnic: a rule must have exactly one action (drop or mirred egress redirect)",
                ));
            }
            let entry = &*actions.entries.as_ptr();
            match entry.id {
                bindings::flow_action_id_FLOW_ACTION_DROP => TcAction::Drop,
                bindings::flow_action_id_FLOW_ACTION_REDIRECT
                    if !entry.__bindgen_anon_1.dev.is_null() =>
                {
                    // The action holds a reference on the device for as
                    // long as the request.
                    TcAction::Redirect(Device::from_raw(entry.__bindgen_anon_1.dev))
                }
                _ => {
                    return Err(extack.fail(
                        EOPNOTSUPP,
                        c"svnic: unsupported flower action (svnic offloads drop and mirred egress redirect)",
                    ))
                }
            }
        };
        Ok((key, action))
    }

    /// The match of `rule`.
    fn key(rule: *mut bindings::flow_rule, extack: &ExtAck) -> Result<FlowKey> {
        let bit = |k: u32| 1u64 << k;
        let control = bit(bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_CONTROL);
        let basic = bit(bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_BASIC);
        let eth = bit(bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_ETH_ADDRS);
        let vlan = bit(bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_VLAN);
        // SAFETY: `rule` is valid (the caller's); its dissector too.
        let used = unsafe { (*(*rule).match_.dissector).used_keys };
        if used & !(control | basic | eth | vlan) != 0 {
            return Err(extack.fail(EOPNOTSUPP, BAD_KEY));
        }
        let mut key = FlowKey::default();
        if used & control != 0 {
            let mut m = bindings::flow_match_control::default();
            // SAFETY: `rule` is valid and uses the key; the call points `m`
            // at the key and mask inside the rule.
            let flags = unsafe {
                bindings::flow_rule_match_control(rule, &mut m);
                (*m.mask).flags
            };
            if flags != 0 {
                return Err(extack.fail(EOPNOTSUPP, BAD_KEY));
            }
        }
        if used & basic != 0 {
            let mut m = bindings::flow_match_basic::default();
            // SAFETY: As above.
            let (k, mk) = unsafe {
                bindings::flow_rule_match_basic(rule, &mut m);
                (&*m.key, &*m.mask)
            };
            if mk.ip_proto != 0 {
                return Err(extack.fail(EOPNOTSUPP, BAD_KEY));
            }
            if mk.n_proto != 0 {
                key.eth_type = Some(Masked {
                    value: u16::from_be(k.n_proto),
                    mask: u16::from_be(mk.n_proto),
                });
            }
        }
        if used & eth != 0 {
            let mut m = bindings::flow_match_eth_addrs::default();
            // SAFETY: As above.
            let (k, mk) = unsafe {
                bindings::flow_rule_match_eth_addrs(rule, &mut m);
                (&*m.key, &*m.mask)
            };
            if mk.dst != [0; 6] {
                key.dst = Some(Masked {
                    value: k.dst,
                    mask: mk.dst,
                });
            }
            if mk.src != [0; 6] {
                key.src = Some(Masked {
                    value: k.src,
                    mask: mk.src,
                });
            }
        }
        if used & vlan != 0 {
            let mut m = bindings::flow_match_vlan::default();
            // SAFETY: As above.
            let (k, mk) = unsafe {
                bindings::flow_rule_match_vlan(rule, &mut m);
                (&*m.key, &*m.mask)
            };
            // SAFETY: Both views of the union are plain integers.
            let (kt, mt) = unsafe {
                (
                    &k.__bindgen_anon_1.__bindgen_anon_1,
                    &mk.__bindgen_anon_1.__bindgen_anon_1,
                )
            };
            if mt.vlan_dei() != 0 {
                return Err(extack.fail(EOPNOTSUPP, BAD_KEY));
            }
            if mt.vlan_id() != 0 {
                key.vlan_id = Some(Masked {
                    value: kt.vlan_id(),
                    mask: mt.vlan_id(),
                });
            }
            if mt.vlan_priority() != 0 {
                key.vlan_prio = Some(Masked {
                    value: kt.vlan_priority(),
                    mask: mt.vlan_priority(),
                });
            }
            if mk.vlan_tpid != 0 {
                key.vlan_tpid = Some(Masked {
                    value: u16::from_be(k.vlan_tpid),
                    mask: u16::from_be(mk.vlan_tpid),
                });
            }
        }
        Ok(key)
    }

    /// Adds `packets` frames of `bytes` bytes in all, the last at jiffies
    /// `lastused`, to the counters a stats request reports.
    pub(crate) fn report_stats(&self, bytes: u64, packets: u64, lastused: u64) {
        // SAFETY: By the type invariant; a stats request's `stats` is ours
        // to fill (`flow_stats_update`).
        unsafe {
            let s = &mut (*self.raw).stats;
            s.pkts += packets;
            s.bytes += bytes;
            s.lastused = s.lastused.max(lastused);
            s.used_hw_stats |= bindings::flow_action_hw_stats_FLOW_ACTION_HW_STATS_IMMEDIATE;
            s.used_hw_stats_valid = true;
        }
    }
}
