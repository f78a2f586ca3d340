// SPDX-License-Identifier: GPL-2.0

//! The RX ring of a port: socket buffers from many producers to one
//! consumer, shaped like veth's `ptr_ring`.
//!
//! C header: [`include/linux/ptr_ring.h`](srctree/include/linux/ptr_ring.h)
//! (the model; this ring is svnic's own).
//!
//! Producers (the switch, bottom halves off, on any CPU) serialise on a
//! spinlock, taken plainly ([`Bh::lock`]), and fill the slot at the head. The consumer (the port's NAPI
//! poll) takes no lock: a filled slot holds a buffer, an empty one null, so
//! it reads slots until it finds null, emptying each, and publishes its
//! tail for the producers' fill level. A consumer flag keeps a second
//! consumer (a drain while a poll runs) out. A resize holds both the
//! producer lock and the consumer flag.

use super::{
    bindings,
    lock::{new_spinlock_bh, Bh, SpinLockBh},
    skb::SkBuff,
};
use core::{
    cell::UnsafeCell,
    ptr,
    sync::atomic::{
        AtomicBool, AtomicPtr, AtomicU32,
        Ordering::{Acquire, Relaxed, Release},
    },
};
use kernel::{prelude::*, processor::cpu_relax};

/// The slots of a ring.
///
/// # Invariants
///
/// `slots.len() == mask + 1`, a power of two.
struct Slots {
    slots: KVec<AtomicPtr<bindings::sk_buff>>,
    mask: u32,
}

impl Slots {
    /// `size` empty slots (`size` a power of two, checked by the caller).
    fn new(size: u32) -> Result<Self> {
        if !size.is_power_of_two() {
            return Err(EINVAL);
        }
        let mut slots = KVec::with_capacity(size as usize, GFP_KERNEL)?;
        for _ in 0..size {
            slots.push(AtomicPtr::new(ptr::null_mut()), GFP_KERNEL)?;
        }
        // INVARIANT: `size` slots, a power of two.
        Ok(Self {
            slots,
            mask: size - 1,
        })
    }

    fn slot(&self, pos: u32) -> &AtomicPtr<bindings::sk_buff> {
        // PANIC: By the type invariant `pos & mask` is below `slots.len()`.
        &self.slots[(pos & self.mask) as usize]
    }

    fn size(&self) -> u32 {
        self.mask + 1
    }
}

/// An RX ring.
///
/// # Invariants
///
/// - `slots` is read by producers only under `head`'s lock and by the
///   consumer only while it holds `consuming`; it is replaced only with
///   both held.
/// - A slot holds null or a buffer whose reference the ring owns; the
///   filled slots are those from `tail` to the head.
/// - `head` (under its lock) is written by producers only, `tail` by the
///   holder of `consuming` only.
#[pin_data(PinnedDrop)]
pub(crate) struct RxRing {
    #[pin]
    head: SpinLockBh<u32>,
    tail: AtomicU32,
    consuming: AtomicBool,
    slots: UnsafeCell<Slots>,
}

// SAFETY: `slots` is shared under the protocol of the type invariant; the
// buffers are `Send`.
unsafe impl Sync for RxRing {}
// SAFETY: The ring owns its buffers, which may move between CPUs.
unsafe impl Send for RxRing {}

/// The consumer flag, held: released when dropped.
struct Consuming<'a>(&'a AtomicBool);

impl Drop for Consuming<'_> {
    fn drop(&mut self) {
        self.0.store(false, Release);
    }
}

impl RxRing {
    /// An empty ring of `size` slots (a power of two).
    pub(crate) fn new(size: u32) -> Result<impl PinInit<Self, Error>> {
        let slots = Slots::new(size)?;
        Ok(try_pin_init!(Self {
            head <- new_spinlock_bh!(0, "svnic_rx_ring"),
            tail: AtomicU32::new(0),
            consuming: AtomicBool::new(false),
            slots: UnsafeCell::new(slots),
        }? Error))
    }

    /// Takes the consumer flag, if no one holds it.
    fn try_consume(&self) -> Option<Consuming<'_>> {
        (!self.consuming.swap(true, Acquire)).then_some(Consuming(&self.consuming))
    }

    /// Queues `skb` at the head. Returns how many buffers the ring holds
    /// then and its size, or gives the buffer back if the ring is full.
    #[inline]
    pub(crate) fn push(&self, bh: Bh<'_>, skb: SkBuff) -> core::result::Result<(u32, u32), SkBuff> {
        let mut head = bh.lock(&self.head);
        // SAFETY: By the type invariant producers read `slots` under the
        // lock we hold.
        let slots = unsafe { &*self.slots.get() };
        let len = head.wrapping_sub(self.tail.load(Acquire));
        let slot = slots.slot(*head);
        // The count uses the consumer's last published tail; the slot tells
        // whether the consumer has emptied it yet.
        if len >= slots.size() || !slot.load(Acquire).is_null() {
            return Err(skb);
        }
        // INVARIANT: the slot was empty and is at the head; it now owns the
        // buffer's reference.
        slot.store(skb.into_raw(), Release);
        *head = head.wrapping_add(1);
        Ok((len + 1, slots.size()))
    }

    /// Hands up to `max` buffers from the tail, oldest first, to `f`;
    /// returns how many. Takes no lock; returns 0 at once if another
    /// consumer is running.
    pub(crate) fn consume(&self, max: u32, mut f: impl FnMut(SkBuff)) -> u32 {
        let Some(_consuming) = self.try_consume() else {
            return 0;
        };
        // SAFETY: By the type invariant the holder of `consuming` may read
        // `slots`.
        let slots = unsafe { &*self.slots.get() };
        let mut tail = self.tail.load(Relaxed);
        let mut n = 0;
        while n < max {
            let slot = slots.slot(tail);
            let raw = slot.load(Acquire);
            if raw.is_null() {
                break;
            }
            slot.store(ptr::null_mut(), Release);
            tail = tail.wrapping_add(1);
            // INVARIANT: the slot is empty and behind the new tail.
            self.tail.store(tail, Release);
            n += 1;
            // SAFETY: A filled slot owns a buffer reference, now ours.
            if let Some(skb) = unsafe { SkBuff::from_raw(raw) } {
                f(skb);
            }
        }
        n
    }

    /// Number of slots.
    pub(crate) fn size(&self) -> u32 {
        let _head = self.head.lock();
        // SAFETY: By the type invariant `slots` may be read under the lock.
        unsafe { &*self.slots.get() }.size()
    }

    /// Puts `fresh` in place of the slots, moving the buffers over, oldest
    /// first. Returns how many buffers did not fit (freed). Waits for a
    /// consumer running on another CPU to finish; a poll that finds the
    /// flag taken meanwhile hands nothing up, so the caller schedules the
    /// port's poll afterwards. Process context.
    pub(crate) fn replace(&self, fresh: RxSlots) -> u64 {
        let fresh = fresh.0;
        let size = fresh.size();
        // The consumer flag first, then the producer lock: a consumer whose
        // delivery pushes into this ring never waits for us while holding
        // the flag.
        let consuming = loop {
            if let Some(c) = self.try_consume() {
                break c;
            }
            cpu_relax();
        };
        let mut head = self.head.lock();
        // SAFETY: By the type invariant we may replace `slots`: we hold the
        // producer lock and the consumer flag.
        let old = unsafe { &mut *self.slots.get() };
        let mut tail = self.tail.load(Relaxed);
        let mut moved = 0u32;
        let mut dropped = 0u64;
        while tail != *head {
            let raw = old.slot(tail).swap(ptr::null_mut(), Relaxed);
            tail = tail.wrapping_add(1);
            if raw.is_null() {
                continue;
            }
            if moved < size {
                fresh.slot(moved).store(raw, Relaxed);
                moved += 1;
            } else {
                // SAFETY: A filled slot owns a buffer reference, now ours.
                drop(unsafe { SkBuff::from_raw(raw) });
                dropped += 1;
            }
        }
        // INVARIANT: the fresh slots hold the moved buffers from 0, and the
        // old ones are all empty.
        *old = fresh;
        self.tail.store(0, Release);
        *head = moved;
        drop(head);
        drop(consuming);
        dropped
    }
}

/// Empty slots for [`RxRing::replace`], allocated before the ring is
/// touched, so that a failed allocation changes nothing.
pub(crate) struct RxSlots(Slots);

impl RxSlots {
    /// `size` empty slots (a power of two).
    pub(crate) fn new(size: u32) -> Result<Self> {
        Ok(Self(Slots::new(size)?))
    }
}

#[pinned_drop]
impl PinnedDrop for RxRing {
    fn drop(self: Pin<&mut Self>) {
        // Nothing else can use the ring now.
        self.consume(u32::MAX, drop);
    }
}
