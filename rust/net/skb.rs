// SPDX-License-Identifier: GPL-2.0

//! Owned socket buffers.
//!
//! C header: [`include/linux/skbuff.h`](srctree/include/linux/skbuff.h).

use super::{bindings, ether::MacAddr};
use core::{
    ptr::{self, NonNull},
    sync::atomic::{AtomicI32, Ordering::Relaxed},
};
use kernel::{error::to_result, prelude::*};

/// Ethertype (TPID) of an IEEE 802.1Q (C-VLAN) tag.
pub(crate) const ETH_P_8021Q: u16 = 0x8100;
/// Ethertype (TPID) of an IEEE 802.1ad (S-VLAN) tag.
pub(crate) const ETH_P_8021AD: u16 = 0x88a8;

/// What the switch needs of a frame's Ethernet header, parsed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EthHdr {
    /// Destination address.
    pub(crate) dst: MacAddr,
    /// Source address.
    pub(crate) src: MacAddr,
    /// The outer VLAN tag, as [`SkBuff::outer_vlan`] reads it.
    pub(crate) vlan: Option<(u16, u16)>,
    /// The EtherType after the addresses (a TPID if the frame carries its
    /// tag in-band).
    pub(crate) proto: u16,
}

/// An owned `struct sk_buff`.
///
/// Dropping it frees the buffer as a drop (`kfree_skb`, visible to drop
/// monitors).
///
/// # Invariants
///
/// `self.0` points at a valid `sk_buff` of which this value owns one reference.
pub(crate) struct SkBuff(NonNull<bindings::sk_buff>);

// SAFETY: An `sk_buff` is not tied to the thread that created it; the kernel
// passes buffers between CPUs and contexts all the time.
unsafe impl Send for SkBuff {}

impl SkBuff {
    /// Takes ownership of `ptr`; `None` if it is null.
    ///
    /// # Safety
    ///
    /// `ptr` is null or a valid `sk_buff` whose reference the caller hands over.
    pub(super) unsafe fn from_raw(ptr: *mut bindings::sk_buff) -> Option<Self> {
        // INVARIANT: the caller hands over a valid reference.
        NonNull::new(ptr).map(Self)
    }

    /// Gives up ownership and returns the raw pointer.
    pub(super) fn into_raw(self) -> *mut bindings::sk_buff {
        let ptr = self.0.as_ptr();
        core::mem::forget(self);
        ptr
    }

    pub(super) fn as_raw(&self) -> *mut bindings::sk_buff {
        self.0.as_ptr()
    }

    /// Where the buffer's `dev` pointer lives (inside anonymous unions).
    fn dev_slot(&self) -> *mut *mut bindings::net_device {
        // SAFETY: By the type invariant the buffer is valid.
        unsafe {
            &raw mut (*self.as_raw())
                .__bindgen_anon_1
                .__bindgen_anon_1
                .__bindgen_anon_1
                .dev
        }
    }

    /// The device the buffer belongs to.
    pub(super) fn dev_raw(&self) -> *mut bindings::net_device {
        // SAFETY: `dev_slot` points into the valid buffer.
        unsafe { *self.dev_slot() }
    }

    /// Sets the device the buffer belongs to.
    pub(super) fn set_dev(&mut self, dev: *mut bindings::net_device) {
        // SAFETY: `dev_slot` points into the valid buffer, which is ours.
        unsafe { *self.dev_slot() = dev };
    }

    /// Length of the frame in bytes.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: By the type invariant, the buffer is valid.
        unsafe { (*self.as_raw()).len }
    }

    /// The Ethernet header at the MAC header, if the buffer has one there
    /// in its linear part. Reads the fields `skb_mac_header` and
    /// `skb_tail_pointer` read, inline: the data path parses every frame.
    #[inline]
    fn eth_header(&self) -> Option<[u8; 14]> {
        let mut hdr = [0u8; 14];
        // SAFETY: By the type invariant the buffer is valid; the header
        // offsets are in the struct group `__bindgen_anon_4` describes. We
        // read only between the MAC header and the tail (64-bit kernels keep
        // `tail` as an offset from `head`), inside the head buffer.
        unsafe {
            let skb = &*self.as_raw();
            let mac = skb.__bindgen_anon_4.__bindgen_anon_1.as_ref().mac_header;
            // `skb_mac_header_was_set`: unset is all ones.
            if mac == u16::MAX || skb.tail < u32::from(mac) + 14 {
                return None;
            }
            core::ptr::copy_nonoverlapping(
                skb.head.add(usize::from(mac)),
                hdr.as_mut_ptr(),
                hdr.len(),
            );
        }
        Some(hdr)
    }

    /// The Ethernet addresses and the outer VLAN tag, read once for the
    /// whole path of a frame through the switch; `None` if the buffer
    /// has no whole Ethernet header at its MAC header.
    pub(crate) fn eth(&self) -> Option<EthHdr> {
        let h = self.eth_header()?;
        let mut hdr = EthHdr {
            dst: [0; 6],
            src: [0; 6],
            vlan: None,
            proto: u16::from_be_bytes([h[12], h[13]]),
        };
        // Whole-array copies: the compiler moves them in two loads each.
        hdr.dst.copy_from_slice(&h[..6]);
        hdr.src.copy_from_slice(&h[6..12]);
        hdr.vlan = self.hw_vlan().or_else(|| self.inband_vlan(&h));
        Some(hdr)
    }

    /// The segmentation of a GSO buffer: its segment payload size and the
    /// length of the headers (from the MAC header) each segment repeats;
    /// `None` for a buffer that goes out as one frame. The header length
    /// is exact for TCP and UDP segmentation; for other kinds it stops at
    /// the transport header. Reads `skb_shinfo` inline (64-bit kernels
    /// keep `end` as an offset from `head`): the data path counts every
    /// frame.
    #[inline]
    pub(crate) fn gso(&self) -> Option<(u32, u32)> {
        // SAFETY: By the type invariant the buffer is valid; its shared info
        // is at `head + end`, and the header offsets are in the struct
        // group `__bindgen_anon_4` describes. The TCP header's data offset
        // is read only if it is inside the head buffer, before `tail`.
        unsafe {
            let skb = &*self.as_raw();
            let shinfo = &*skb
                .head
                .add(skb.end as usize)
                .cast::<bindings::skb_shared_info>();
            let size = u32::from(shinfo.gso_size);
            if size == 0 {
                return None;
            }
            let offsets = skb.__bindgen_anon_4.__bindgen_anon_1.as_ref();
            let (mac, transport) = (offsets.mac_header, offsets.transport_header);
            if mac == u16::MAX || transport == u16::MAX || transport < mac {
                return Some((size, 14));
            }
            let l4 = u32::from(transport - mac);
            // The `SKB_GSO_*` flags are a C enum's (non-negative) values.
            let kind = shinfo.gso_type;
            let (tcp, udp) = (
                (bindings::SKB_GSO_TCPV4 | bindings::SKB_GSO_TCPV6) as u32,
                bindings::SKB_GSO_UDP_L4 as u32,
            );
            let hdr = if kind & tcp != 0 && skb.tail >= u32::from(transport) + 13 {
                l4 + u32::from(*skb.head.add(usize::from(transport) + 12) >> 4) * 4
            } else if kind & udp != 0 {
                l4 + 8
            } else {
                l4
            };
            Some((size, hdr))
        }
    }

    /// Whether another reference to the buffer exists (`skb_shared`).
    #[inline]
    pub(super) fn is_shared(&self) -> bool {
        let skb = self.as_raw();
        // SAFETY: By the type invariant the buffer is valid; `users` is its
        // reference count, an atomic `int` (`skb_shared` reads it).
        let users = unsafe { AtomicI32::from_ptr(ptr::addr_of_mut!((*skb).users.refs.counter)) };
        users.load(Relaxed) != 1
    }

    /// Whether another reference to the buffer or its data exists: the
    /// stack may not change it in place.
    pub(crate) fn is_shared_or_cloned(&self) -> bool {
        // SAFETY: By the type invariant the buffer is valid.
        self.is_shared() || unsafe { bindings::svnic_skb_cloned(self.as_raw()) }
    }

    /// The frame's outer VLAN tag as `(tpid, tci)` in host byte order, or
    /// `None` if it has no 802.1Q or 802.1ad tag.
    ///
    /// The tag is the accelerated one (`skb->vlan_tci`) if there is one,
    /// else the one in the frame after the addresses. A tag whose TCI is
    /// not in the linear part reads as VID 4095, which no port VLAN or FDB
    /// entry matches.
    pub(crate) fn outer_vlan(&self) -> Option<(u16, u16)> {
        self.hw_vlan()
            .or_else(|| self.inband_vlan(&self.eth_header()?))
    }

    /// The accelerated VLAN tag (`__vlan_hwaccel_get_tag` and
    /// `skb_protocol`, read inline: the data path asks it of every frame).
    #[inline]
    fn hw_vlan(&self) -> Option<(u16, u16)> {
        // SAFETY: By the type invariant the buffer is valid; the tag is in
        // the struct group `__bindgen_anon_4` describes, a union of the
        // whole (`vlan_all`, nonzero when a tag is present, as
        // `skb_vlan_tag_present` reads it) and its protocol and TCI.
        let tag = unsafe {
            let skb = &*self.as_raw();
            skb.__bindgen_anon_4
                .__bindgen_anon_1
                .as_ref()
                .__bindgen_anon_2
        };
        // SAFETY: Every bit pattern is valid for either view of the union.
        let (all, tag) = unsafe { (tag.vlan_all, tag.__bindgen_anon_1) };
        (all != 0).then(|| (u16::from_be(tag.vlan_proto), tag.vlan_tci))
    }

    /// The tag in the frame after the addresses of header `h`, if its
    /// EtherType is a VLAN TPID (see [`SkBuff::outer_vlan`]).
    fn inband_vlan(&self, h: &[u8; 14]) -> Option<(u16, u16)> {
        let tpid = u16::from_be_bytes([h[12], h[13]]);
        if tpid != ETH_P_8021Q && tpid != ETH_P_8021AD {
            return None;
        }
        let mut tag = [0u8; 2];
        // SAFETY: By the type invariant the buffer is valid; we read the two
        // bytes after the Ethernet header only if they are in the head buffer.
        let linear = unsafe {
            let (mac, tail) = (self.mac_header(), self.tail_pointer());
            if tail.offset_from(mac) >= 16 {
                core::ptr::copy_nonoverlapping(mac.add(14), tag.as_mut_ptr(), 2);
                true
            } else {
                false
            }
        };
        Some((
            tpid,
            if linear {
                u16::from_be_bytes(tag)
            } else {
                0x0fff
            },
        ))
    }

    /// The EtherType after the outer VLAN tag (the frame's, if it has
    /// none); 0 if the frame is too short to tell.
    pub(crate) fn inner_type(&self) -> u16 {
        let Some(h) = self.eth_header() else {
            return 0;
        };
        let outer = u16::from_be_bytes([h[12], h[13]]);
        if self.hw_vlan().is_some() || (outer != ETH_P_8021Q && outer != ETH_P_8021AD) {
            return outer;
        }
        let mut t = [0u8; 2];
        // SAFETY: By the type invariant the buffer is valid; we read two
        // bytes 16 bytes after the MAC header only if they are in the head
        // buffer.
        unsafe {
            let (mac, tail) = (self.mac_header(), self.tail_pointer());
            if tail.offset_from(mac) < 18 {
                return 0;
            }
            core::ptr::copy_nonoverlapping(mac.add(16), t.as_mut_ptr(), 2);
        }
        u16::from_be_bytes(t)
    }

    /// Gives an untagged frame the outer VLAN tag `(tpid, tci)` (host byte
    /// order), as an accelerated tag.
    pub(crate) fn push_vlan(&mut self, tpid: u16, tci: u16) {
        // SAFETY: By the type invariant the buffer is valid and ours.
        unsafe { bindings::svnic___vlan_hwaccel_put_tag(self.as_raw(), tpid.to_be(), tci) };
    }

    /// Removes the outer VLAN tag: the accelerated one if there is one,
    /// else the one in the frame. `data` must be at the MAC header (see
    /// [`SkBuff::push_mac_header`]).
    ///
    /// # Errors
    ///
    /// `ENOMEM` if a shared buffer could not be made writable, `EINVAL` if
    /// the frame has no tag to remove or `data` is not at the MAC header.
    pub(crate) fn pop_vlan(&mut self) -> Result {
        let skb = self.as_raw();
        let mut tci = 0u16;
        // SAFETY: By the type invariant the buffer is valid and ours.
        unsafe {
            if bindings::svnic___vlan_hwaccel_get_tag(skb, &mut tci) == 0 {
                bindings::svnic___vlan_hwaccel_clear_tag(skb);
                return Ok(());
            }
        }
        if self.outer_vlan().is_none() || self.mac_offset() != 0 {
            return Err(EINVAL);
        }
        // SAFETY: The buffer is valid and ours, `data` is at its MAC header
        // and the frame has a tag after the addresses; `__skb_vlan_pop`
        // unshares the header before editing it.
        to_result(unsafe { bindings::__skb_vlan_pop(skb, &mut tci) })
    }

    /// `skb_mac_header`, read inline (64-bit kernels keep the header
    /// offsets from `head`): the data path reads it for every frame.
    #[inline]
    fn mac_header(&self) -> *mut u8 {
        // SAFETY: By the type invariant the buffer is valid; the offset is
        // in the struct group `__bindgen_anon_4` describes, and stays
        // inside the head buffer.
        unsafe {
            let skb = &*self.as_raw();
            let mac = skb.__bindgen_anon_4.__bindgen_anon_1.as_ref().mac_header;
            skb.head.add(usize::from(mac))
        }
    }

    /// `skb_tail_pointer`, read inline (an offset from `head` on 64-bit
    /// kernels).
    #[inline]
    fn tail_pointer(&self) -> *mut u8 {
        // SAFETY: By the type invariant the buffer is valid; `tail` is inside
        // its head buffer.
        unsafe {
            let skb = &*self.as_raw();
            skb.head.add(skb.tail as usize)
        }
    }

    /// How far `data` is past the MAC header.
    #[inline]
    fn mac_offset(&self) -> isize {
        // SAFETY: By the type invariant the buffer is valid; both pointers
        // are into its head buffer.
        unsafe { (*self.as_raw()).data.offset_from(self.mac_header()) }
    }

    /// Makes a clone sharing the data, for delivery to a second receiver.
    pub(crate) fn try_clone(&self) -> Option<SkBuff> {
        // SAFETY: By the type invariant, the buffer is valid; `skb_clone`
        // returns a new owned reference or null.
        unsafe {
            SkBuff::from_raw(bindings::skb_clone(
                self.as_raw(),
                bindings::SVNIC_GFP_ATOMIC,
            ))
        }
    }

    /// Moves `data` back to the MAC header, undoing `eth_type_trans`'s pull,
    /// so that the buffer can be forwarded as a whole frame.
    pub(crate) fn push_mac_header(&mut self) {
        let skb = self.as_raw();
        let pulled = self.mac_offset();
        if pulled > 0 {
            // SAFETY: By the type invariant, the buffer is valid. Its MAC
            // header lies `pulled` bytes before `data` in the same head
            // buffer (set by `eth_type_trans`), so the push stays inside it.
            unsafe { bindings::skb_push(skb, pulled as u32) };
        }
    }
}

impl SkBuff {
    /// The buffer as one only we hold: a shared one is replaced by a clone
    /// of our own; `None` (dropped) if that fails.
    pub(super) fn unshare(self) -> Option<SkBuff> {
        // SAFETY: We hand over our reference; `skb_share_check` returns a
        // buffer we own or null (having dropped ours).
        unsafe { SkBuff::from_raw(bindings::svnic_skb_share_check(self.into_raw())) }
    }

    /// Fills in a checksum left to offload (`CHECKSUM_PARTIAL`), as a NIC
    /// does before the frame leaves; on failure (out of memory) it stays
    /// pending.
    pub(super) fn complete_checksum(&mut self) {
        let skb = self.as_raw();
        // SAFETY: By the type invariant the buffer is valid; `ip_summed` is
        // in the struct group `__bindgen_anon_4` describes. A buffer only we
        // hold may be changed (`skb_checksum_help` unshares cloned data).
        unsafe {
            let fields = (*skb).__bindgen_anon_4.__bindgen_anon_1.as_ref();
            if u32::from(fields.ip_summed()) == bindings::CHECKSUM_PARTIAL {
                bindings::skb_checksum_help(skb);
            }
        }
    }

    /// The wire frames the buffer stands for: a GSO buffer (a TCP or UDP
    /// segment up to 64 KB that crossed the switch whole) cut into its
    /// segments, checksummed in software, as the frames a wire would have
    /// carried; any other buffer as it is. Each comes with `data` past its
    /// MAC header, as `eth_type_trans` leaves it. A buffer that cannot be
    /// segmented (out of memory, a GSO type the core does not know) is
    /// dropped: nothing comes out.
    pub(crate) fn segment(mut self) -> Segments {
        if self.gso().is_none() {
            // INVARIANT: one buffer we own, not on a list.
            return Segments(self.into_raw());
        }
        let dev = self.dev_raw();
        // Segmentation starts at the MAC header (as openvswitch's, outside
        // the transmit path).
        self.push_mac_header();
        // SAFETY: By the type invariant the buffer is valid; it is a GSO
        // buffer with `data` at its MAC header. The result is a list of new
        // buffers we own, an error pointer or null; the original stays ours.
        let segs = unsafe {
            bindings::__skb_gso_segment(self.as_raw(), 1u64 << bindings::NETIF_F_SG_BIT, false)
        };
        // An error pointer is one of the last `MAX_ERRNO` (4095) addresses.
        if segs.is_null() || segs as usize > usize::MAX - 4095 {
            // INVARIANT: empty.
            return Segments(core::ptr::null_mut());
        }
        // SAFETY: The segments copied what they need; the original is done
        // with, not dropped.
        unsafe { bindings::svnic_consume_skb(self.into_raw()) };
        let mut seg = segs;
        while !seg.is_null() {
            // SAFETY: `seg` is a valid buffer of the list, with `data` at its
            // MAC header, a copy of the original's; `dev` is the device the
            // original was being received by.
            unsafe {
                bindings::eth_type_trans(seg, dev);
                seg = (*seg).__bindgen_anon_1.__bindgen_anon_1.next;
            }
        }
        // INVARIANT: the list `__skb_gso_segment` made, ours.
        Segments(segs)
    }
}

/// Frames made by [`SkBuff::segment`], taken one at a time; the ones not
/// taken are freed with the iterator.
///
/// # Invariants
///
/// `self.0` is null or the first of a `next`-linked list of valid buffers
/// whose references we own.
pub(crate) struct Segments(*mut bindings::sk_buff);

impl Iterator for Segments {
    type Item = SkBuff;

    fn next(&mut self) -> Option<SkBuff> {
        let skb = self.0;
        if skb.is_null() {
            return None;
        }
        // SAFETY: By the type invariant `skb` is a valid buffer of the list,
        // ours; unlinked, its reference goes to the new `SkBuff`.
        unsafe {
            let next = &raw mut (*skb).__bindgen_anon_1.__bindgen_anon_1.next;
            // INVARIANT: the rest of the list.
            self.0 = *next;
            *next = core::ptr::null_mut();
            SkBuff::from_raw(skb)
        }
    }
}

impl Drop for Segments {
    fn drop(&mut self) {
        for skb in self.by_ref() {
            drop(skb);
        }
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own a reference, released here.
        unsafe { bindings::svnic_kfree_skb(self.as_raw()) };
    }
}
