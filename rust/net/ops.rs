// SPDX-License-Identifier: GPL-2.0

//! `net_device_ops` trampolines shared by every kind of svnic netdev.
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h).
//!
//! A netdev's driver implements [`NetdevOps`]; a [`Lookup`] says how to get
//! from a `net_device` to that implementation (a PF goes through its
//! `link::LinkDev`, a VF straight to its state). [`Trampolines`] turns the two
//! into a `net_device_ops` table and a NAPI poll function.

use super::{
    bindings,
    device::{AddrLists, Device},
    ether::{self, MacAddr},
    ethtool::EthtoolOps,
    flower::{self, ClsFlower},
    lock::Bh,
    napi::{Napi, Poll},
    skb::SkBuff,
    xdp::Xdp,
};
use core::{marker::PhantomData, ptr};
use kernel::{
    error::{from_result, to_result, VTABLE_DEFAULT_ERROR},
    ffi::{c_char, c_int, c_uint, c_void},
    prelude::*,
    str::CString,
};

/// Interface counters reported through `ndo_get_stats64`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LinkStats {
    pub(crate) rx_packets: u64,
    pub(crate) rx_bytes: u64,
    pub(crate) rx_dropped: u64,
    pub(crate) multicast: u64,
    pub(crate) tx_packets: u64,
    pub(crate) tx_bytes: u64,
    pub(crate) tx_dropped: u64,
}

/// The operations of a netdev.
///
/// The optional ones (`tx_timeout`, `phys_port_name`, `switch_id`,
/// `flower`) are installed as the device's operations only when the driver
/// implements them (`#[vtable]`'s `HAS_*` constants).
#[vtable]
pub(crate) trait NetdevOps: EthtoolOps + Sized + Send + Sync + 'static {
    /// `ndo_open`, under RTNL.
    fn open(&self, dev: &Device) -> Result;

    /// `ndo_stop`, under RTNL.
    fn stop(&self, dev: &Device);

    /// `ndo_start_xmit`: the driver owns `skb` from here (BH context).
    /// `more`: the core has more frames for this queue right after this
    /// one (`xmit_more`), so kicking the consumer may wait for the last.
    /// Only we hold `skb` (see [`NetdevOps::tx_skb_sharing`]).
    fn start_xmit(&self, bh: Bh<'_>, dev: &Device, skb: SkBuff, more: bool);

    /// Whether the device takes buffers that their sender goes on holding
    /// and may send again (`IFF_TX_SKB_SHARING`, as a hardware NIC's:
    /// pktgen's `clone_skb` and `burst`); the same answer for the device's
    /// life (the flag is set as it is registered). If so, such a buffer reaches
    /// [`NetdevOps::start_xmit`] as a clone of its own (a clone that fails
    /// drops it, counted in `tx_dropped`); if not (veth's way), the
    /// sender may not send a buffer again, and the core's senders do not.
    fn tx_skb_sharing(&self) -> bool {
        false
    }

    /// A NAPI poll of one of the state's contexts; returns the work done.
    fn poll(&self, poll: &Poll<'_>, budget: i32) -> i32;

    /// `ndo_set_rx_mode`, with `addrs`, the device's address lists, locked.
    fn set_rx_mode(&self, dev: &Device, addrs: &AddrLists<'_>);

    /// The MAC address changes from `old` to `new` (valid unicast), under
    /// RTNL, before it is committed. An error refuses the change.
    fn set_mac(&self, dev: &Device, old: &MacAddr, new: &MacAddr) -> Result;

    /// The MAC address was changed (after a successful `set_mac`).
    fn mac_changed(&self, _dev: &Device) {}

    /// The TX watchdog found TX queue `queue` stopped with no progress for
    /// `watchdog_timeo`: recover it. Timer (BH) context, with the queues
    /// frozen. Installed as `ndo_tx_timeout`, which arms the core's TX
    /// watchdog, when implemented.
    fn tx_timeout(&self, _dev: &Device, _queue: u32) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_get_stats64`.
    fn stats(&self, dev: &Device) -> LinkStats;

    /// Where the device keeps its XDP program (`ip link set DEV xdp ...`),
    /// which its polls run on what they deliver ([`Poll::receive`]).
    fn xdp(&self) -> &Xdp;

    /// `ndo_get_phys_port_name`: the device's port name on its switch
    /// (`p0`, `pf0vf1`), if it is a switch port (a representor). Under RTNL.
    fn phys_port_name(&self) -> Option<CString> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_get_port_parent_id`: the ID of the switch the device is a port
    /// of (`phys_switch_id`), if it is one. Under RTNL.
    fn switch_id(&self) -> Option<[u8; 8]> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// A flower request on one of the device's ingress blocks. A device
    /// that implements it offloads TC flower rules (`NETIF_F_HW_TC`,
    /// `ndo_setup_tc`). Under RTNL.
    fn flower(&self, _dev: &Device, _cls: &ClsFlower<'_>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// Largest MTU of every svnic netdev: jumbo frames, as NICs take them.
/// A frame over the receiving port's MTU is dropped and counted there.
pub(crate) const MAX_MTU: u32 = 9216;

/// The offloads of every svnic netdev, on by default and changeable, as
/// veth's: scatter-gather, checksum offload (any protocol), received
/// checksums and segmentation offload. A frame crosses the switch as one
/// buffer with its checksum pending, as it would a NIC's wire-less path;
/// the stack completes it where it leaves through a device that lacks an
/// offload (the uplink), or takes it as it is where it is received.
const OFFLOADS: u64 = bit(bindings::NETIF_F_SG_BIT)
    | bit(bindings::NETIF_F_FRAGLIST_BIT)
    | bit(bindings::NETIF_F_HW_CSUM_BIT)
    | bit(bindings::NETIF_F_RXCSUM_BIT)
    | bit(bindings::NETIF_F_SCTP_CRC_BIT)
    | bit(bindings::NETIF_F_HIGHDMA_BIT)
    // NETIF_F_GSO_SOFTWARE
    | bit(bindings::NETIF_F_TSO_BIT)
    | bit(bindings::NETIF_F_TSO_ECN_BIT)
    | bit(bindings::NETIF_F_TSO_MANGLEID_BIT)
    | bit(bindings::NETIF_F_TSO6_BIT)
    | bit(bindings::NETIF_F_GSO_SCTP_BIT)
    | bit(bindings::NETIF_F_GSO_UDP_L4_BIT)
    | bit(bindings::NETIF_F_GSO_FRAGLIST_BIT);

const fn bit(b: u32) -> u64 {
    1 << b
}

/// Gives a device of driver `T` the offloads of a NIC ([`OFFLOADS`], and
/// `NETIF_F_HW_TC` with [`NetdevOps::flower`]), the MTU range of a NIC
/// with jumbo frames, and no carrier: as a NIC's driver, the driver turns
/// the carrier on when the link is up (in `ndo_open`, or when the link
/// comes up), which makes the operational state `UP`, not `UNKNOWN`.
///
/// # Safety
///
/// `dev` is a valid device being set up (not registered).
pub(super) unsafe fn setup_features<T: NetdevOps>(dev: *mut bindings::net_device) {
    // SAFETY: By the safety requirements we own `dev`'s setup.
    unsafe {
        (*dev).max_mtu = MAX_MTU;
        (*dev).hw_features |= OFFLOADS;
        (*dev).features |= OFFLOADS;
        (*dev).hw_enc_features |= OFFLOADS;
        (*dev).vlan_features |= OFFLOADS;
        (*dev).xdp_features = super::xdp::FEATURES;
        // Not registered yet: only the flag changes, no event.
        bindings::netif_carrier_off(dev);
    }
    if T::HAS_FLOWER {
        let tc = bit(bindings::NETIF_F_HW_TC_BIT);
        // SAFETY: By the safety requirements we own `dev`'s setup.
        unsafe {
            (*dev).hw_features |= tc;
            (*dev).features |= tc;
        }
    }
}

/// How the trampolines find a device's [`NetdevOps`].
pub(crate) trait Lookup: 'static {
    /// The implementation.
    type Ops: NetdevOps;

    /// The implementation of `dev`, if it is set up.
    ///
    /// # Safety
    ///
    /// `dev` is a valid device of this kind, and `'a` ends before its
    /// destructor runs.
    unsafe fn find<'a>(dev: *mut bindings::net_device) -> Option<&'a Self::Ops>;
}

/// The trampolines for devices found through `L`.
pub(super) struct Trampolines<L: Lookup>(PhantomData<L>);

impl<L: Lookup> Trampolines<L> {
    /// The operations every svnic netdev has; kinds add their own.
    pub(super) const OPS: bindings::net_device_ops = bindings::net_device_ops {
        ndo_open: Some(Self::open),
        ndo_stop: Some(Self::stop),
        ndo_start_xmit: Some(Self::start_xmit),
        ndo_set_rx_mode: Some(Self::set_rx_mode),
        ndo_set_mac_address: Some(Self::set_mac),
        ndo_validate_addr: Some(bindings::eth_validate_addr),
        ndo_get_stats64: Some(Self::get_stats64),
        ndo_bpf: Some(Self::bpf),
        ndo_tx_timeout: if L::Ops::HAS_TX_TIMEOUT {
            Some(Self::tx_timeout)
        } else {
            None
        },
        ndo_get_phys_port_name: if L::Ops::HAS_PHYS_PORT_NAME {
            Some(Self::get_phys_port_name)
        } else {
            None
        },
        ndo_get_port_parent_id: if L::Ops::HAS_SWITCH_ID {
            Some(Self::get_port_parent_id)
        } else {
            None
        },
        ndo_setup_tc: if L::Ops::HAS_FLOWER {
            Some(Self::setup_tc)
        } else {
            None
        },
        // SAFETY: An all-zero `net_device_ops` is valid: every other
        // operation is absent.
        ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
    };

    /// The per-queue statistics (`netdev` netlink's qstats). Every svnic
    /// netdev has one queue pair, so queue 0's counters are the device's
    /// ([`NetdevOps::stats`]) and nothing is left over for the base.
    pub(super) const STAT_OPS: bindings::netdev_stat_ops = bindings::netdev_stat_ops {
        get_queue_stats_rx: Some(Self::get_queue_stats_rx),
        get_queue_stats_tx: Some(Self::get_queue_stats_tx),
        get_base_stats: Some(Self::get_base_stats),
    };

    /// NAPI poll function for contexts of devices of this kind.
    ///
    /// # Safety
    ///
    /// Called by the NAPI core for a context added with it.
    pub(super) unsafe extern "C" fn poll(napi: *mut bindings::napi_struct, budget: c_int) -> c_int {
        // SAFETY: The context was added with this function, so it is valid
        // and belongs to a device of this kind whose state outlives it.
        let napi = unsafe { Napi::from_raw(napi) };
        // SAFETY: See above.
        let Some(ops) = (unsafe { L::find(napi.dev_raw()) }) else {
            return 0;
        };
        // SAFETY: This is the context's poll function; the value lives for
        // the call.
        let poll = unsafe { Poll::new(napi, ops.xdp()) };
        ops.poll(&poll, budget)
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_open` of a device of this kind.
    unsafe extern "C" fn open(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: `dev` is ours and registered.
            let ops = unsafe { L::find(dev) }.ok_or(ENODEV)?;
            // SAFETY: As above.
            ops.open(unsafe { Device::from_raw(dev) })?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_stop` of a device of this kind.
    unsafe extern "C" fn stop(dev: *mut bindings::net_device) -> c_int {
        // SAFETY: `dev` is ours and registered.
        if let Some(ops) = unsafe { L::find(dev) } {
            // SAFETY: As above.
            ops.stop(unsafe { Device::from_raw(dev) });
        }
        0
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_start_xmit` of a device of this kind.
    unsafe extern "C" fn start_xmit(
        skb: *mut bindings::sk_buff,
        dev: *mut bindings::net_device,
    ) -> bindings::netdev_tx_t {
        // SAFETY: The core hands over the buffer.
        let Some(mut skb) = (unsafe { SkBuff::from_raw(skb) }) else {
            return bindings::netdev_tx_NETDEV_TX_OK;
        };
        // SAFETY: `dev` is ours and registered.
        if let Some(ops) = unsafe { L::find(dev) } {
            // The device has `IFF_TX_SKB_SHARING` as `ops` says (set at
            // registration): its driver gets what the sender holds as a
            // clone.
            if ops.tx_skb_sharing() && skb.is_shared() {
                let Some(own) = skb.unshare() else {
                    // SAFETY: `dev` is valid.
                    unsafe { bindings::svnic_dev_core_stats_tx_dropped_inc(dev) };
                    return bindings::netdev_tx_NETDEV_TX_OK;
                };
                skb = own;
            }
            // SAFETY: No precondition: we are in `ndo_start_xmit`, where the
            // core's per-CPU flag describes this frame.
            let more = unsafe { bindings::svnic_netdev_xmit_more() };
            // SAFETY: The core transmits with bottom halves disabled (or,
            // netpoll, interrupts), for the call.
            let bh = unsafe { Bh::assume() };
            // SAFETY: As above.
            ops.start_xmit(bh, unsafe { Device::from_raw(dev) }, skb, more);
        }
        bindings::netdev_tx_NETDEV_TX_OK
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_set_rx_mode` of a device of this kind.
    unsafe extern "C" fn set_rx_mode(dev: *mut bindings::net_device) {
        // SAFETY: `dev` is ours and registered.
        if let Some(ops) = unsafe { L::find(dev) } {
            // SAFETY: As above.
            let dev = unsafe { Device::from_raw(dev) };
            // SAFETY: The core holds the address list lock for the call.
            let addrs = unsafe { AddrLists::new(dev) };
            ops.set_rx_mode(dev, &addrs);
        }
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_set_mac_address` with a `struct sockaddr`.
    unsafe extern "C" fn set_mac(dev: *mut bindings::net_device, sa: *mut c_void) -> c_int {
        from_result(|| {
            // SAFETY: `dev` is ours and registered.
            let ops = unsafe { L::find(dev) }.ok_or(ENODEV)?;
            // SAFETY: As above.
            let this = unsafe { Device::from_raw(dev) };
            let mut new: MacAddr = [0; 6];
            // SAFETY: `sa` is a `struct sockaddr`, whose `sa_data` holds at
            // least 14 bytes.
            unsafe {
                let sa = sa.cast::<bindings::sockaddr>();
                ptr::copy_nonoverlapping((*sa).sa_data.as_ptr().cast::<u8>(), new.as_mut_ptr(), 6);
            }
            if !ether::is_valid_unicast(&new) {
                return Err(EADDRNOTAVAIL);
            }
            let old = this.mac();
            ops.set_mac(this, &old, &new)?;
            // SAFETY: `dev` is valid and `sa` a valid sockaddr.
            to_result(unsafe { bindings::eth_mac_addr(dev, sa) })?;
            ops.mac_changed(this);
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the TX watchdog as `ndo_tx_timeout` of a device of this kind.
    unsafe extern "C" fn tx_timeout(dev: *mut bindings::net_device, queue: c_uint) {
        // SAFETY: `dev` is ours and registered.
        if let Some(ops) = unsafe { L::find(dev) } {
            // SAFETY: As above.
            ops.tx_timeout(unsafe { Device::from_raw(dev) }, queue);
        }
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_get_phys_port_name` with a buffer of
    /// `len` bytes.
    unsafe extern "C" fn get_phys_port_name(
        dev: *mut bindings::net_device,
        name: *mut c_char,
        len: usize,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `dev` is ours and registered.
            let ops = unsafe { L::find(dev) }.ok_or(EOPNOTSUPP)?;
            let port = ops.phys_port_name().ok_or(EOPNOTSUPP)?;
            let bytes = port.to_bytes_with_nul();
            if bytes.len() > len {
                return Err(EINVAL);
            }
            // SAFETY: `name` is valid for `len` bytes, and `bytes` (with its
            // NUL) fits.
            unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), name.cast::<u8>(), bytes.len()) };
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_get_port_parent_id`.
    unsafe extern "C" fn get_port_parent_id(
        dev: *mut bindings::net_device,
        ppid: *mut bindings::netdev_phys_item_id,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `dev` is ours and registered.
            let ops = unsafe { L::find(dev) }.ok_or(EOPNOTSUPP)?;
            let id = ops.switch_id().ok_or(EOPNOTSUPP)?;
            // SAFETY: `ppid` is valid for writes; its `id` holds 32 bytes,
            // more than `id`'s 8.
            unsafe {
                ptr::copy_nonoverlapping(id.as_ptr(), (&raw mut (*ppid).id).cast::<u8>(), id.len());
                (*ppid).id_len = id.len() as u8;
            }
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_setup_tc` of a device of this kind.
    unsafe extern "C" fn setup_tc(
        dev: *mut bindings::net_device,
        kind: bindings::tc_setup_type,
        type_data: *mut c_void,
    ) -> c_int {
        if kind != bindings::tc_setup_type_TC_SETUP_BLOCK {
            return EOPNOTSUPP.to_errno();
        }
        // SAFETY: A block request's data is a `flow_block_offload`; the
        // driver list is svnic's, touched under RTNL (held). The callback's
        // data is the device, whose blocks are unbound before it goes.
        unsafe {
            bindings::flow_block_cb_setup_simple(
                type_data.cast(),
                flower::driver_list(),
                Some(Self::block_cb),
                dev.cast(),
                dev.cast(),
                true,
            )
        }
    }

    /// # Safety
    ///
    /// Called by the tc core for a block bound by `setup_tc`, whose data is
    /// the device.
    unsafe extern "C" fn block_cb(
        kind: bindings::tc_setup_type,
        type_data: *mut c_void,
        cb_priv: *mut c_void,
    ) -> c_int {
        if kind != bindings::tc_setup_type_TC_SETUP_CLSFLOWER {
            return EOPNOTSUPP.to_errno();
        }
        let dev = cb_priv.cast::<bindings::net_device>();
        from_result(|| {
            // SAFETY: `dev` is ours and registered (see `setup_tc`).
            let ops = unsafe { L::find(dev) }.ok_or(ENODEV)?;
            // SAFETY: A flower request's data is a `flow_cls_offload`, valid
            // for the call.
            let cls = unsafe { ClsFlower::from_raw(type_data.cast()) };
            // SAFETY: As above.
            ops.flower(unsafe { Device::from_raw(dev) }, &cls)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the core for a registered device of this kind, with `rx`
    /// valid for writes.
    unsafe extern "C" fn get_queue_stats_rx(
        dev: *mut bindings::net_device,
        _idx: c_int,
        rx: *mut bindings::netdev_queue_stats_rx,
    ) {
        // SAFETY: `dev` is ours and registered.
        let Some(ops) = (unsafe { L::find(dev) }) else {
            return;
        };
        // SAFETY: As above. The core asks for queues below the device's
        // queue count, one.
        let s = ops.stats(unsafe { Device::from_raw(dev) });
        // SAFETY: `rx` is valid for writes.
        unsafe {
            (*rx).packets = s.rx_packets;
            (*rx).bytes = s.rx_bytes;
            (*rx).hw_drops = s.rx_dropped;
        }
    }

    /// # Safety
    ///
    /// Called by the core for a registered device of this kind, with `tx`
    /// valid for writes.
    unsafe extern "C" fn get_queue_stats_tx(
        dev: *mut bindings::net_device,
        _idx: c_int,
        tx: *mut bindings::netdev_queue_stats_tx,
    ) {
        // SAFETY: `dev` is ours and registered.
        let Some(ops) = (unsafe { L::find(dev) }) else {
            return;
        };
        // SAFETY: As above.
        let s = ops.stats(unsafe { Device::from_raw(dev) });
        // SAFETY: `tx` is valid for writes.
        unsafe {
            (*tx).packets = s.tx_packets;
            (*tx).bytes = s.tx_bytes;
            (*tx).hw_drops = s.tx_dropped;
        }
    }

    /// # Safety
    ///
    /// Called by the core with `rx` and `tx` valid for writes.
    unsafe extern "C" fn get_base_stats(
        _dev: *mut bindings::net_device,
        rx: *mut bindings::netdev_queue_stats_rx,
        tx: *mut bindings::netdev_queue_stats_tx,
    ) {
        // The counters a queue reports, with nothing outside the queue.
        // SAFETY: `rx` and `tx` are valid for writes.
        unsafe {
            (*rx).packets = 0;
            (*rx).bytes = 0;
            (*rx).hw_drops = 0;
            (*tx).packets = 0;
            (*tx).bytes = 0;
            (*tx).hw_drops = 0;
        }
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_bpf` of a registered device of this kind,
    /// under RTNL, with `bpf` valid.
    unsafe extern "C" fn bpf(
        dev: *mut bindings::net_device,
        bpf: *mut bindings::netdev_bpf,
    ) -> c_int {
        // SAFETY: `dev` is ours and registered.
        let Some(ops) = (unsafe { L::find(dev) }) else {
            return ENODEV.to_errno();
        };
        // SAFETY: `bpf` is valid.
        if unsafe { (*bpf).command } != bindings::bpf_netdev_command_XDP_SETUP_PROG {
            // Offload (`xdpoffload`) and AF_XDP zero-copy pools: none. The
            // core attaches only driver-mode programs here, and binds
            // AF_XDP sockets in copy mode.
            return EOPNOTSUPP.to_errno();
        }
        // SAFETY: For `XDP_SETUP_PROG` the union holds the program (null to
        // detach), whose reference the core hands over; the core checked
        // that it is no offloaded or device-bound one.
        unsafe {
            ops.xdp()
                .install((*bpf).__bindgen_anon_1.__bindgen_anon_1.prog)
        };
        0
    }

    /// # Safety
    ///
    /// Called by the core as `ndo_get_stats64`.
    unsafe extern "C" fn get_stats64(
        dev: *mut bindings::net_device,
        out: *mut bindings::rtnl_link_stats64,
    ) {
        // SAFETY: `dev` is ours and registered.
        let Some(ops) = (unsafe { L::find(dev) }) else {
            return;
        };
        // SAFETY: As above.
        let s = ops.stats(unsafe { Device::from_raw(dev) });
        // SAFETY: `out` is valid for writes.
        unsafe {
            (*out).rx_packets = s.rx_packets;
            (*out).rx_bytes = s.rx_bytes;
            (*out).rx_dropped = s.rx_dropped;
            (*out).multicast = s.multicast;
            (*out).tx_packets = s.tx_packets;
            (*out).tx_bytes = s.tx_bytes;
            (*out).tx_dropped = s.tx_dropped;
        }
    }
}
