// SPDX-License-Identifier: GPL-2.0

//! Descriptor rings: fixed-size, power-of-two FIFO queues of owned buffers.
//!
//! A ring is what a NIC queue is built from: the producer (the eswitch, or
//! the uplink's receive handler) fills slots at the head, the consumer (the
//! queue's NAPI poll) drains them from the tail. This file holds only the
//! index arithmetic and the slot storage; it takes no kernel objects, so its
//! logic is covered by the KUnit suite at the end of the file. Locking is the
//! owner's business (see `pf.rs`).

use kernel::prelude::*;

/// Smallest ring size accepted.
pub(crate) const RING_SIZE_MIN: u32 = 64;
/// Largest ring size accepted.
pub(crate) const RING_SIZE_MAX: u32 = 4096;
/// Ring size used when nothing else is configured.
pub(crate) const RING_SIZE_DEFAULT: u32 = 512;

/// The ring size `ethtool -G` gets for `requested` slots: rounded up to a
/// power of two (as mlx5 does), or `None` outside
/// `RING_SIZE_MIN..=RING_SIZE_MAX`.
pub(crate) fn rounded_size(requested: u32) -> Option<u32> {
    if (RING_SIZE_MIN..=RING_SIZE_MAX).contains(&requested) {
        Some(requested.next_power_of_two())
    } else {
        None
    }
}

/// Producer and consumer positions of a ring of `size` slots.
///
/// `head` and `tail` are free-running counters: the slot of position `p` is
/// `p & mask`, and `head - tail` (wrapping) is the number of filled slots.
///
/// # Invariants
///
/// - `size` is a power of two in `RING_SIZE_MIN..=RING_SIZE_MAX` and `mask == size - 1`.
/// - `head.wrapping_sub(tail) <= size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RingIndex {
    head: u32,
    tail: u32,
    mask: u32,
}

impl RingIndex {
    /// Creates the indices of an empty ring of `size` slots.
    ///
    /// # Errors
    ///
    /// `EINVAL` if `size` is not a power of two within
    /// `RING_SIZE_MIN..=RING_SIZE_MAX`.
    pub(crate) fn new(size: u32) -> Result<Self> {
        if !(RING_SIZE_MIN..=RING_SIZE_MAX).contains(&size) || !size.is_power_of_two() {
            return Err(EINVAL);
        }
        // INVARIANT: `size` was checked above; the ring starts empty.
        Ok(Self {
            head: 0,
            tail: 0,
            mask: size - 1,
        })
    }

    /// Number of slots.
    pub(crate) fn size(&self) -> u32 {
        self.mask + 1
    }

    /// Number of filled slots.
    pub(crate) fn len(&self) -> u32 {
        self.head.wrapping_sub(self.tail)
    }

    /// Whether no slot is filled.
    pub(crate) fn is_empty(&self) -> bool {
        self.head == self.tail
    }

    /// Whether every slot is filled.
    pub(crate) fn is_full(&self) -> bool {
        self.len() == self.size()
    }

    /// Claims the slot at the head for the producer and returns its index,
    /// or `None` if the ring is full.
    // # Invariants
    // - The returned value is within `0..size`.
    pub(crate) fn produce(&mut self) -> Option<usize> {
        if self.is_full() {
            return None;
        }
        let slot = self.head & self.mask;
        // INVARIANT: the ring was not full, so `len` stays `<= size`.
        self.head = self.head.wrapping_add(1);
        Some(slot as usize)
    }

    /// The index of the slot at the tail, without releasing it, or `None`
    /// if the ring is empty.
    pub(crate) fn peek(&self) -> Option<usize> {
        (!self.is_empty()).then_some((self.tail & self.mask) as usize)
    }

    /// Releases the slot at the tail to the consumer and returns its index,
    /// or `None` if the ring is empty.
    // # Invariants
    // - The returned value is within `0..size`.
    pub(crate) fn consume(&mut self) -> Option<usize> {
        if self.is_empty() {
            return None;
        }
        let slot = self.tail & self.mask;
        self.tail = self.tail.wrapping_add(1);
        Some(slot as usize)
    }
}

/// A ring of owned buffers of type `T`.
///
/// # Invariants
///
/// - `slots.len() == index.size()`.
/// - A slot holds `Some` exactly when it lies between tail and head.
pub(crate) struct Ring<T> {
    index: RingIndex,
    slots: KVec<Option<T>>,
}

impl<T> Ring<T> {
    /// Allocates an empty ring of `size` slots.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a bad size (see [`RingIndex::new`]), `ENOMEM` if the
    /// slots cannot be allocated.
    pub(crate) fn new(size: u32) -> Result<Self> {
        let index = RingIndex::new(size)?;
        let mut slots = KVec::with_capacity(size as usize, GFP_KERNEL)?;
        for _ in 0..size {
            slots.push(None, GFP_KERNEL)?;
        }
        // INVARIANT: `size` empty slots for an empty index.
        Ok(Self { index, slots })
    }

    /// Number of buffers queued.
    pub(crate) fn len(&self) -> u32 {
        self.index.len()
    }

    /// Number of slots.
    pub(crate) fn size(&self) -> u32 {
        self.index.size()
    }

    /// Queues `item` at the head; gives it back if the ring is full.
    pub(crate) fn push(&mut self, item: T) -> core::result::Result<(), T> {
        match self.index.produce() {
            Some(slot) => {
                // PANIC: `produce` returns an index below `size == slots.len()`.
                self.slots[slot] = Some(item);
                Ok(())
            }
            None => Err(item),
        }
    }

    /// Takes the buffer at the tail, if any.
    pub(crate) fn pop(&mut self) -> Option<T> {
        let slot = self.index.consume()?;
        // PANIC: `consume` returns an index below `size == slots.len()`.
        self.slots[slot].take()
    }

    /// The buffer at the tail, left in the ring.
    pub(crate) fn peek(&self) -> Option<&T> {
        self.slots.get(self.index.peek()?)?.as_ref()
    }

    /// Moves buffers from the tail of `old` to the head of `self`, oldest
    /// first, as far as `self` has room; what does not fit stays in `old`.
    pub(crate) fn take_from(&mut self, old: &mut Ring<T>) {
        while !self.index.is_full() {
            let Some(item) = old.pop() else { return };
            if let Err(item) = self.push(item) {
                // Cannot happen (the ring is not full); keep the buffer.
                let _ = old.push(item);
                return;
            }
        }
    }
}

#[kunit_tests(svnic_ring)]
mod tests {
    use super::*;

    #[test]
    fn peek_leaves_the_tail() -> Result {
        let mut ring = Ring::new(RING_SIZE_MIN)?;
        assert!(ring.peek().is_none());
        assert!(ring.push(1u32).is_ok());
        assert!(ring.push(2u32).is_ok());
        assert_eq!(ring.peek(), Some(&1));
        assert_eq!(ring.len(), 2);
        assert_eq!(ring.pop(), Some(1));
        assert_eq!(ring.peek(), Some(&2));
        assert_eq!(ring.pop(), Some(2));
        assert!(ring.peek().is_none());
        Ok(())
    }

    #[test]
    fn index_rejects_bad_sizes() -> Result {
        assert_eq!(RingIndex::new(0), Err(EINVAL));
        assert_eq!(RingIndex::new(RING_SIZE_MIN - 1), Err(EINVAL));
        assert_eq!(RingIndex::new(RING_SIZE_MIN + 1), Err(EINVAL));
        assert_eq!(RingIndex::new(RING_SIZE_MAX * 2), Err(EINVAL));
        assert!(RingIndex::new(RING_SIZE_MIN).is_ok());
        assert!(RingIndex::new(RING_SIZE_MAX).is_ok());
        Ok(())
    }

    #[test]
    fn index_fills_and_drains() -> Result {
        let mut r = RingIndex::new(64)?;
        assert!(r.is_empty());
        for i in 0..64 {
            assert_eq!(r.produce(), Some(i));
        }
        assert!(r.is_full());
        assert_eq!(r.len(), r.size());
        assert_eq!(r.produce(), None);
        for i in 0..64 {
            assert_eq!(r.consume(), Some(i));
        }
        assert!(r.is_empty());
        assert_eq!(r.consume(), None);
        Ok(())
    }

    #[test]
    fn index_wraps_around_u32() -> Result {
        let mut r = RingIndex::new(64)?;
        // Start just below the wrap of the free-running counters.
        r.head = u32::MAX - 2;
        r.tail = u32::MAX - 2;
        for _ in 0..10 {
            assert!(r.produce().is_some());
        }
        assert_eq!(r.len(), 10);
        assert_eq!(r.size() - r.len(), 54);
        let mut seen = 0;
        while let Some(slot) = r.consume() {
            assert!(slot < 64);
            seen += 1;
        }
        assert_eq!(seen, 10);
        assert!(r.is_empty());
        Ok(())
    }

    #[test]
    fn ring_is_fifo_and_gives_back_on_full() -> Result {
        let mut ring = Ring::<u32>::new(64)?;
        for i in 0..64 {
            assert_eq!(ring.push(i), Ok(()));
        }
        assert_eq!(ring.push(99), Err(99));
        for i in 0..32 {
            assert_eq!(ring.pop(), Some(i));
        }
        for i in 64..96 {
            assert_eq!(ring.push(i), Ok(()));
        }
        assert_eq!(ring.len(), 64);
        for i in 32..96 {
            assert_eq!(ring.pop(), Some(i));
        }
        assert_eq!(ring.pop(), None);
        Ok(())
    }

    #[test]
    fn sizes_round_up() -> Result {
        assert_eq!(rounded_size(RING_SIZE_MIN - 1), None);
        assert_eq!(rounded_size(RING_SIZE_MAX + 1), None);
        assert_eq!(rounded_size(RING_SIZE_MIN), Some(RING_SIZE_MIN));
        assert_eq!(rounded_size(100), Some(128));
        assert_eq!(rounded_size(513), Some(1024));
        assert_eq!(rounded_size(RING_SIZE_MAX), Some(RING_SIZE_MAX));
        Ok(())
    }

    #[test]
    fn take_from_keeps_order_and_leaves_the_rest() -> Result {
        let mut old = Ring::<u32>::new(128)?;
        for i in 0..100 {
            assert_eq!(old.push(i), Ok(()));
        }
        let mut small = Ring::<u32>::new(64)?;
        small.take_from(&mut old);
        assert_eq!(small.len(), 64);
        assert_eq!(old.len(), 36);
        for i in 0..64 {
            assert_eq!(small.pop(), Some(i));
        }
        let mut big = Ring::<u32>::new(256)?;
        big.take_from(&mut old);
        assert_eq!(old.len(), 0);
        for i in 64..100 {
            assert_eq!(big.pop(), Some(i));
        }
        Ok(())
    }
}
