// SPDX-License-Identifier: GPL-2.0

//! Fault injection through debugfs, like netdevsim's.
//!
//! Every PF and VF has a directory named after its device on the `svnic`
//! bus (`/sys/kernel/debug/svnic/svnic0`, `.../svnic0vf1`; the name is the
//! last part of `readlink /sys/class/net/DEV/device`):
//!
//! - PF `fail_vf_create` (default -1): creating VF number k, for k written
//!   here, fails with ENOMEM after its device exists, so a write to
//!   `sriov_numvfs` unwinds the VFs made before it. Stays set until -1 is
//!   written.
//! - PF `fail_ring_alloc` (default 0): the next N ring allocations fail
//!   with ENOMEM, one per allocation, counting down.
//! - PF `drop_uplink_events` (default 0): the next N notifications of an
//!   uplink link change are lost before they reach the VFs, like lost link
//!   interrupts; `uplink_events_dropped` counts them. The PF's service task
//!   re-reads the uplink's state every second and repairs the VFs' carrier.
//! - PF `delay_uplink_events` (ms, default 0): uplink link changes reach
//!   the VFs this late, like a slow event queue; the service task delivers
//!   them (so between the delay and the delay plus a second late). Changes
//!   that come while one is queued join it, whether a notification or the
//!   service task's poll found them first; while one is queued the service
//!   task leaves the VFs' carrier alone. `uplink_events_delayed` counts
//!   them. An event carries no state: delivered, it reads the uplink's
//!   state then, so a late one never applies a stale carrier.
//! - VF `stall_tx` (0 or 1): the VF's TX queue stops moving, like a hung
//!   DMA engine: frames stay on the ring, the queue fills and stops, and the
//!   TX watchdog fires. The reset that recovers the queue clears the fault;
//!   written back to 0, the PF's service task polls the ring again.
//! - VF `stall_rx` (0 or 1): the VF's poll stops taking frames off its RX
//!   ring, like a stopped RX engine: the ring fills, and what the switch
//!   delivers next is dropped and counted in the VF's `rx_dropped`. Written
//!   back to 0, the PF's service task polls the ring again.
//! - VF `tx_timeouts` (read-only): TX watchdog timeouts of the VF. Each is
//!   reported to the PF's devlink `tx` health reporter, whose recovery
//!   resets the queue.
//! - VF `tx_hung` (read-only, 0 or 1): the watchdog fired and the queue is
//!   not reset yet (with `auto_recover false`, until `devlink health
//!   recover`).
//! - VF `fail_ring_alloc` (default 0): the next N ring allocations of the
//!   VF's `ethtool -G` fail with ENOMEM, counting down (the PF's knob does
//!   the same for the PF's own resizes).
//!
//! The decisions are pure functions of these values and take no kernel
//! objects; KUnit tests cover them.

use core::{fmt, sync::atomic::AtomicU32};
use kernel::{
    debugfs::{Dir, Reader, Scope},
    prelude::*,
    sync::atomic::{Atomic, Relaxed},
    uaccess::UserSliceReader,
};

/// No VF creation fails (`fail_vf_create`).
const NO_VF: i32 = -1;

/// No uplink event is queued (`uplink_event_due`).
const NO_EVENT: u64 = u64::MAX;

/// What to do with an uplink link notification, or at a service run.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum UplinkEvent {
    /// Give the VFs the carrier the uplink has now.
    Deliver,
    /// Leave the VFs alone: the event is lost, or queued for later.
    Hold,
}

/// The fault knobs of a PF.
pub(crate) struct PfFaults {
    fail_vf_create: Atomic<i32>,
    fail_ring_alloc: Atomic<u32>,
    drop_uplink_events: Atomic<u32>,
    uplink_events_dropped: Atomic<u64>,
    delay_uplink_events: Atomic<u32>,
    uplink_events_delayed: Atomic<u64>,
    /// When the queued uplink event is due (ms, the caller's clock), or
    /// [`NO_EVENT`].
    uplink_event_due: Atomic<u64>,
}

/// A knob the data path reads on every frame or poll (`stall_tx`,
/// `stall_rx`): a plain atomic, whose load is one instruction where a
/// kernel `Atomic`'s is a call into C; read and written through debugfs as
/// the other knobs are.
struct HotKnob(AtomicU32);

impl HotKnob {
    fn get(&self) -> u32 {
        self.0.load(core::sync::atomic::Ordering::Relaxed)
    }

    fn set(&self, v: u32) {
        self.0.store(v, core::sync::atomic::Ordering::Relaxed);
    }

    /// Clears it; returns what it was.
    fn take(&self) -> u32 {
        self.0.swap(0, core::sync::atomic::Ordering::Relaxed)
    }
}

/// What debugfs shows (`cat`).
impl fmt::Debug for HotKnob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.get())
    }
}

/// A write to the debugfs file: a decimal number.
impl Reader for HotKnob {
    fn read_from_slice(&self, reader: &mut UserSliceReader) -> Result {
        let mut buf = [0u8; 12];
        let n = reader.len();
        if n > buf.len() {
            return Err(EINVAL);
        }
        reader.read_slice(&mut buf[..n])?;
        let text = core::str::from_utf8(&buf[..n]).map_err(|_| EINVAL)?;
        self.set(text.trim().parse::<u32>().map_err(|_| EINVAL)?);
        Ok(())
    }
}

/// Takes one from a countdown: whether it was non-zero.
fn take_one(countdown: &Atomic<u32>) -> bool {
    loop {
        let left = countdown.load(Relaxed);
        if left == 0 {
            return false;
        }
        if countdown.cmpxchg(left, left - 1, Relaxed).is_ok() {
            return true;
        }
    }
}

impl PfFaults {
    fn new() -> Self {
        Self {
            fail_vf_create: Atomic::new(NO_VF),
            fail_ring_alloc: Atomic::new(0),
            drop_uplink_events: Atomic::new(0),
            uplink_events_dropped: Atomic::new(0),
            delay_uplink_events: Atomic::new(0),
            uplink_events_delayed: Atomic::new(0),
            uplink_event_due: Atomic::new(NO_EVENT),
        }
    }

    /// The knobs, in debugfs directory `name` under `dir`.
    pub(crate) fn scope<'a>(dir: &'a Dir, name: &'a CStr) -> impl PinInit<Scope<Self>> + 'a {
        dir.scope(Self::new(), name, |f, d| {
            d.read_write_file(c"fail_vf_create", &f.fail_vf_create);
            d.read_write_file(c"fail_ring_alloc", &f.fail_ring_alloc);
            d.read_write_file(c"drop_uplink_events", &f.drop_uplink_events);
            d.read_only_file(c"uplink_events_dropped", &f.uplink_events_dropped);
            d.read_write_file(c"delay_uplink_events", &f.delay_uplink_events);
            d.read_only_file(c"uplink_events_delayed", &f.uplink_events_delayed);
        })
    }

    /// Creating VF `index`: fails with ENOMEM if injected.
    pub(crate) fn vf_create(&self, index: u16) -> Result {
        if self.fail_vf_create.load(Relaxed) == i32::from(index) {
            return Err(ENOMEM);
        }
        Ok(())
    }

    /// Allocating a ring: fails with ENOMEM while the countdown is non-zero,
    /// using one.
    pub(crate) fn ring_alloc(&self) -> Result {
        if take_one(&self.fail_ring_alloc) {
            return Err(ENOMEM);
        }
        Ok(())
    }

    /// An uplink link notification arrived at `now_ms`: lost (counted),
    /// queued (see [`Self::queue_or_deliver`]) or delivered now. Under RTNL.
    pub(crate) fn uplink_event(&self, now_ms: u64) -> UplinkEvent {
        if take_one(&self.drop_uplink_events) {
            self.uplink_events_dropped.add(1u64, Relaxed);
            return UplinkEvent::Hold;
        }
        self.queue_or_deliver(now_ms)
    }

    /// An uplink change to pass on at `now_ms`: queued (counted; due
    /// `delay_uplink_events` ms later, or when the event already queued is
    /// due, which it joins) or delivered now.
    fn queue_or_deliver(&self, now_ms: u64) -> UplinkEvent {
        let delay = self.delay_uplink_events.load(Relaxed);
        let due = self.uplink_event_due.load(Relaxed);
        if delay == 0 && due == NO_EVENT {
            return UplinkEvent::Deliver;
        }
        self.uplink_events_delayed.add(1u64, Relaxed);
        if due == NO_EVENT {
            let due = now_ms.saturating_add(u64::from(delay)).min(NO_EVENT - 1);
            self.uplink_event_due.store(due, Relaxed);
        }
        UplinkEvent::Hold
    }

    /// The service task runs at `now_ms`; `changed`: the uplink's carrier
    /// is not the one the VFs were last given. Delivers the queued event
    /// once it is due and holds while it is not; otherwise a change the
    /// poll finds (a lost event, or one not sent yet) is passed on like an
    /// event, so it is late as well. Under RTNL.
    pub(crate) fn service(&self, now_ms: u64, changed: bool) -> UplinkEvent {
        let due = self.uplink_event_due.load(Relaxed);
        if due != NO_EVENT {
            if now_ms < due {
                return UplinkEvent::Hold;
            }
            self.uplink_event_due.store(NO_EVENT, Relaxed);
            return UplinkEvent::Deliver;
        }
        if changed {
            return self.queue_or_deliver(now_ms);
        }
        UplinkEvent::Hold
    }
}

/// The fault knobs and recovery counters of a VF.
pub(crate) struct VfFaults {
    stall_tx: HotKnob,
    tx_timeouts: Atomic<u64>,
    tx_hung: Atomic<u32>,
    /// A timeout the service task has not reported to devlink yet.
    tx_unreported: Atomic<u32>,
    /// A poll found the queue stalled and left its ring as it was.
    stall_held: Atomic<u32>,
    stall_rx: HotKnob,
    /// A poll found the RX ring stalled and left it as it was.
    rx_stall_held: Atomic<u32>,
    fail_ring_alloc: Atomic<u32>,
}

impl VfFaults {
    fn new() -> Self {
        Self {
            stall_tx: HotKnob(AtomicU32::new(0)),
            tx_timeouts: Atomic::new(0),
            tx_hung: Atomic::new(0),
            tx_unreported: Atomic::new(0),
            stall_held: Atomic::new(0),
            stall_rx: HotKnob(AtomicU32::new(0)),
            rx_stall_held: Atomic::new(0),
            fail_ring_alloc: Atomic::new(0),
        }
    }

    /// The knobs, in debugfs directory `name` under `dir`.
    pub(crate) fn scope<'a>(dir: &'a Dir, name: &'a CStr) -> impl PinInit<Scope<Self>> + 'a {
        dir.scope(Self::new(), name, |f, d| {
            d.read_write_file(c"stall_tx", &f.stall_tx);
            d.read_write_file(c"stall_rx", &f.stall_rx);
            d.read_only_file(c"tx_timeouts", &f.tx_timeouts);
            d.read_only_file(c"tx_hung", &f.tx_hung);
            d.read_write_file(c"fail_ring_alloc", &f.fail_ring_alloc);
        })
    }

    /// Allocating a ring for a resize: fails with ENOMEM while the
    /// countdown is non-zero, using one.
    pub(crate) fn ring_alloc(&self) -> Result {
        if take_one(&self.fail_ring_alloc) {
            return Err(ENOMEM);
        }
        Ok(())
    }

    /// Whether the TX queue is stalled.
    pub(crate) fn tx_stalled(&self) -> bool {
        self.stall_tx.get() != 0
    }

    /// For the poll: whether the TX queue is stalled, so that the poll
    /// leaves its ring as it is; remembers that it did.
    pub(crate) fn tx_stall_holds(&self) -> bool {
        if !self.tx_stalled() {
            return false;
        }
        self.stall_held.store(1, Relaxed);
        true
    }

    /// Whether a stall that held a poll back has ended since (`stall_tx`
    /// written 0): nothing else polls the ring it left, full with its
    /// queue stopped. Reported once.
    pub(crate) fn take_stall_ended(&self) -> bool {
        !self.tx_stalled() && self.stall_held.xchg(0, Relaxed) != 0
    }

    /// For the poll: whether the RX ring is stalled, so that the poll
    /// leaves it as it is; remembers that it did.
    pub(crate) fn rx_stall_holds(&self) -> bool {
        if self.stall_rx.get() == 0 {
            return false;
        }
        self.rx_stall_held.store(1, Relaxed);
        true
    }

    /// Whether an RX stall that held a poll back has ended since
    /// (`stall_rx` written 0): a full ring kicks no poll, so nothing else
    /// would take its frames. Reported once.
    pub(crate) fn take_rx_stall_ended(&self) -> bool {
        self.stall_rx.get() == 0 && self.rx_stall_held.xchg(0, Relaxed) != 0
    }

    /// The TX watchdog found the queue hung: counts it; the queue is hung
    /// until [`VfFaults::tx_reset`], and the timeout is to be reported.
    pub(crate) fn tx_timed_out(&self) {
        self.tx_timeouts.add(1u64, Relaxed);
        self.tx_hung.store(1, Relaxed);
        self.tx_unreported.store(1, Relaxed);
    }

    /// Whether a timeout waits to be reported; it is reported once.
    pub(crate) fn take_tx_unreported(&self) -> bool {
        self.tx_unreported.xchg(0, Relaxed) != 0
    }

    /// Whether the queue timed out and was not reset since.
    pub(crate) fn tx_hung(&self) -> bool {
        self.tx_hung.load(Relaxed) != 0
    }

    /// How many times the TX watchdog fired.
    pub(crate) fn tx_timeouts(&self) -> u64 {
        self.tx_timeouts.load(Relaxed)
    }

    /// The TX queue is being reset: clears a stall (the reset is what a
    /// hung engine needs), the hang, and a timeout not reported yet (the
    /// reset is what its report would ask for; reported after it, it
    /// would put devlink health back in the error state for a healthy
    /// queue). Returns whether the stall was injected.
    pub(crate) fn tx_reset(&self) -> bool {
        self.tx_hung.store(0, Relaxed);
        self.tx_unreported.store(0, Relaxed);
        self.stall_held.store(0, Relaxed);
        self.stall_tx.take() != 0
    }
}

#[kunit_tests(svnic_fault)]
mod tests {
    use super::*;

    #[test]
    fn vf_create_fails_only_at_the_index() {
        let f = PfFaults::new();
        assert!(f.vf_create(0).is_ok());
        f.fail_vf_create.store(2, Relaxed);
        assert!(f.vf_create(1).is_ok());
        assert_eq!(f.vf_create(2), Err(ENOMEM));
        // It stays set until cleared.
        assert_eq!(f.vf_create(2), Err(ENOMEM));
        f.fail_vf_create.store(NO_VF, Relaxed);
        assert!(f.vf_create(2).is_ok());
    }

    #[test]
    fn ring_alloc_counts_down() {
        let f = PfFaults::new();
        assert!(f.ring_alloc().is_ok());
        f.fail_ring_alloc.store(2, Relaxed);
        assert_eq!(f.ring_alloc(), Err(ENOMEM));
        assert_eq!(f.ring_alloc(), Err(ENOMEM));
        assert!(f.ring_alloc().is_ok());
        assert_eq!(f.fail_ring_alloc.load(Relaxed), 0);
    }

    #[test]
    fn uplink_events_dropped_then_delivered() {
        let f = PfFaults::new();
        assert_eq!(f.uplink_event(0), UplinkEvent::Deliver);
        f.drop_uplink_events.store(1, Relaxed);
        assert_eq!(f.uplink_event(0), UplinkEvent::Hold);
        assert_eq!(f.uplink_event(0), UplinkEvent::Deliver);
        assert_eq!(f.uplink_events_dropped.load(Relaxed), 1);
        // The service task repairs what was lost, and only that.
        assert_eq!(f.service(0, true), UplinkEvent::Deliver);
        assert_eq!(f.service(0, false), UplinkEvent::Hold);
    }

    #[test]
    fn uplink_events_delayed_join_and_are_delivered_when_due() {
        let f = PfFaults::new();
        f.delay_uplink_events.store(3000, Relaxed);
        assert_eq!(f.uplink_event(1000), UplinkEvent::Hold);
        // A second one joins the first and does not push it back.
        assert_eq!(f.uplink_event(2000), UplinkEvent::Hold);
        assert_eq!(f.uplink_events_delayed.load(Relaxed), 2);
        assert_eq!(f.service(2000, true), UplinkEvent::Hold);
        assert_eq!(f.service(3999, true), UplinkEvent::Hold);
        assert_eq!(f.service(4000, true), UplinkEvent::Deliver);
        // Nothing is queued any more and nothing changed.
        assert_eq!(f.service(4001, false), UplinkEvent::Hold);
        // With the delay cleared, one still queued keeps events queued
        // until it is delivered, so they stay in order.
        assert_eq!(f.uplink_event(5000), UplinkEvent::Hold);
        f.delay_uplink_events.store(0, Relaxed);
        assert_eq!(f.uplink_event(5500), UplinkEvent::Hold);
        assert_eq!(f.service(8000, true), UplinkEvent::Deliver);
        assert_eq!(f.uplink_event(8500), UplinkEvent::Deliver);
    }

    #[test]
    fn a_change_the_service_finds_is_late_too() {
        let f = PfFaults::new();
        f.delay_uplink_events.store(3000, Relaxed);
        // The poll sees the carrier change before its notification.
        assert_eq!(f.service(1000, true), UplinkEvent::Hold);
        assert_eq!(f.uplink_events_delayed.load(Relaxed), 1);
        assert_eq!(f.uplink_event(1500), UplinkEvent::Hold);
        assert_eq!(f.service(2000, true), UplinkEvent::Hold);
        assert_eq!(f.service(4000, true), UplinkEvent::Deliver);
    }

    #[test]
    fn delay_saturates() {
        let f = PfFaults::new();
        f.delay_uplink_events.store(u32::MAX, Relaxed);
        assert_eq!(f.uplink_event(u64::MAX - 10), UplinkEvent::Hold);
        assert_eq!(f.service(u64::MAX - 2, true), UplinkEvent::Hold);
        assert_eq!(f.service(u64::MAX - 1, true), UplinkEvent::Deliver);
    }

    #[test]
    fn reset_clears_a_stall_and_counts() {
        let f = VfFaults::new();
        assert!(!f.tx_stalled());
        assert!(!f.tx_reset());
        f.stall_tx.set(1);
        assert!(f.tx_stalled());
        assert!(f.tx_reset());
        assert!(!f.tx_stalled());
    }

    #[test]
    fn a_stall_that_held_a_poll_is_reported_ended_once() {
        let f = VfFaults::new();
        assert!(!f.tx_stall_holds());
        assert!(!f.take_stall_ended());
        f.stall_tx.set(1);
        // Stalled but no poll held back yet; then held, still stalled.
        assert!(!f.take_stall_ended());
        assert!(f.tx_stall_holds());
        assert!(!f.take_stall_ended());
        f.stall_tx.set(0);
        assert!(f.take_stall_ended());
        assert!(!f.take_stall_ended());
        // A reset clears the stall and polls the ring itself.
        f.stall_tx.set(1);
        assert!(f.tx_stall_holds());
        assert!(f.tx_reset());
        assert!(!f.take_stall_ended());
    }

    #[test]
    fn an_rx_stall_that_held_a_poll_is_reported_ended_once() {
        let f = VfFaults::new();
        assert!(!f.rx_stall_holds());
        assert!(!f.take_rx_stall_ended());
        f.stall_rx.set(1);
        assert!(!f.take_rx_stall_ended());
        assert!(f.rx_stall_holds());
        assert!(!f.take_rx_stall_ended());
        f.stall_rx.set(0);
        assert!(f.take_rx_stall_ended());
        assert!(!f.take_rx_stall_ended());
        // The TX side is apart.
        assert!(!f.take_stall_ended());
    }

    #[test]
    fn a_timeout_is_reported_once_and_hangs_until_reset() {
        let f = VfFaults::new();
        assert!(!f.tx_hung());
        assert!(!f.take_tx_unreported());
        f.tx_timed_out();
        assert!(f.tx_hung());
        assert!(f.take_tx_unreported());
        assert!(!f.take_tx_unreported());
        // Not recovered (auto_recover off): the next timeout reports again.
        f.tx_timed_out();
        assert!(f.take_tx_unreported());
        assert!(f.tx_hung());
        assert!(!f.tx_reset());
        assert!(!f.tx_hung());
        assert_eq!(f.tx_timeouts(), 2);
    }

    #[test]
    fn a_reset_drops_a_timeout_not_reported_yet() {
        let f = VfFaults::new();
        // The watchdog fires, and `devlink health recover` resets the
        // queue before the service task reports the timeout.
        f.tx_timed_out();
        assert!(!f.tx_reset());
        assert!(!f.take_tx_unreported());
        assert!(!f.tx_hung());
        assert_eq!(f.tx_timeouts(), 1);
    }
}
