// SPDX-License-Identifier: GPL-2.0

//! Adaptive interrupt moderation with the kernel's DIM library.
//!
//! C header: [`include/linux/dim.h`](srctree/include/linux/dim.h).
//!
//! A queue's NAPI poll feeds [`Dim::sample`] its cumulative counters (read
//! only when `net_dim` would use them: once a measurement of 64 polls is
//! due, or to start one); when
//! `net_dim` picks a new profile it schedules the context's work, which
//! reads the profile's moderation into [`Dim::moderation`] and starts the
//! next measurement. The data path reads that moderation instead of the
//! static `ethtool -C` values while adaptive mode is on.

use super::{bindings, napi::Poll};
use core::sync::atomic::{AtomicU16, AtomicU32, Ordering::Relaxed};
use kernel::{prelude::*, types::Opaque};

/// Which table of profiles a context uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Rx,
    Tx,
}

/// A DIM context.
///
/// # Invariants
///
/// - `inner` is zeroed with `mode`, `profile_ix` and `work` set up, and
///   pinned; its work runs [`Dim::work_callback`].
/// - The work is cancelled before the context goes (`PinnedDrop`).
/// - [`Dim::sample`] is called from one context at a time, as `net_dim`
///   requires: it takes a running [`Poll`], and its owner feeds it from
///   the poll of its queue only.
#[pin_data(PinnedDrop)]
pub(crate) struct Dim {
    #[pin]
    inner: Opaque<bindings::dim>,
    dir: Direction,
    /// The moderation of the current profile.
    usecs: AtomicU32,
    frames: AtomicU32,
    /// Samples so far (DIM's event counter: one a poll), wrapping as DIM's
    /// does; written by the one sampler.
    events: AtomicU16,
}

// SAFETY: The context is used from the NAPI poll (one at a time) and its
// work; the fields the two share are those `net_dim` shares with any
// driver's work, and the moderation is atomic.
unsafe impl Sync for Dim {}
// SAFETY: See above.
unsafe impl Send for Dim {}

impl Dim {
    /// A context for direction `dir`, starting at the default profile.
    pub(crate) fn new(dir: Direction) -> impl PinInit<Self> {
        let m = Self::profile(dir, bindings::SVNIC_NET_DIM_DEF_PROFILE_EQE);
        // INVARIANT: `ffi_init` sets up the pinned context.
        pin_init!(Self {
            inner <- Opaque::ffi_init(|slot: *mut bindings::dim| {
                // SAFETY: `slot` is the pinned storage of the context; zeroed
                // it is in `DIM_START_MEASURE`.
                unsafe {
                    core::ptr::write_bytes(slot, 0, 1);
                    (*slot).mode =
                        bindings::dim_cq_period_mode_DIM_CQ_PERIOD_MODE_START_FROM_EQE as u8;
                    (*slot).profile_ix = bindings::SVNIC_NET_DIM_DEF_PROFILE_EQE;
                    bindings::svnic_init_work(&raw mut (*slot).work, Some(Self::work_callback));
                }
            }),
            dir,
            usecs: AtomicU32::new(u32::from(m.usec)),
            frames: AtomicU32::new(u32::from(m.pkts)),
            events: AtomicU16::new(0),
        })
    }

    /// The moderation of profile `ix` of direction `dir`.
    fn profile(dir: Direction, ix: u8) -> bindings::dim_cq_moder {
        let mode = bindings::dim_cq_period_mode_DIM_CQ_PERIOD_MODE_START_FROM_EQE as u8;
        // SAFETY: Plain table lookups; an index out of range gets the
        // default profile.
        unsafe {
            match dir {
                Direction::Rx => bindings::net_dim_get_rx_moderation(mode, ix.into()),
                Direction::Tx => bindings::net_dim_get_tx_moderation(mode, ix.into()),
            }
        }
    }

    /// # Safety
    ///
    /// Called by the workqueue for the `work` of a live `Dim`.
    unsafe extern "C" fn work_callback(work: *mut bindings::work_struct) {
        // SAFETY: By the type invariant the work is the `work` field of the
        // `dim` in a `Dim`, which cancels it before it goes away.
        let dim = unsafe { kernel::container_of!(work, bindings::dim, work) };
        // SAFETY: As above.
        let this =
            unsafe { &*kernel::container_of!(Opaque::cast_from(dim).cast_mut(), Self, inner) };
        // SAFETY: As above; `net_dim` set the index before scheduling us.
        let ix = unsafe { (*dim).profile_ix };
        let m = Self::profile(this.dir, ix);
        this.usecs.store(u32::from(m.usec), Relaxed);
        this.frames.store(u32::from(m.pkts), Relaxed);
        // SAFETY: As above: the next measurement starts, as every driver's
        // DIM work does.
        unsafe { (*dim).state = bindings::dim_state_DIM_START_MEASURE as u8 };
    }

    /// A poll of the queue, `_poll`: one more event; `counters` gives the
    /// queue's cumulative `(packets, bytes)`. `net_dim` is called only when
    /// it has something to do: while a measurement is in progress it does
    /// nothing until `DIM_NEVENTS` events have passed since it started, so
    /// those polls read neither the counters nor the clock.
    pub(crate) fn sample(&self, _poll: &Poll<'_>, counters: impl FnOnce() -> (u64, u64)) {
        let events = self.events.load(Relaxed).wrapping_add(1);
        self.events.store(events, Relaxed);
        let dim = self.inner.get();
        // SAFETY: By the type invariant the context is set up and only this
        // poll samples it; the state and the start sample are read as
        // `net_dim` reads them (the work only moves the state to
        // `DIM_START_MEASURE`, after which this call goes to `net_dim`).
        let (state, start) = unsafe {
            (
                core::ptr::read_volatile(&raw const (*dim).state),
                (*dim).start_sample.event_ctr,
            )
        };
        if u32::from(state) == bindings::dim_state_DIM_MEASURE_IN_PROGRESS
            && u32::from(events.wrapping_sub(start)) < bindings::DIM_NEVENTS
        {
            return;
        }
        let (packets, bytes) = counters();
        let mut s = bindings::dim_sample::default();
        // SAFETY: `s` is a valid sample; by the type invariant the context is
        // set up and only this poll samples it. The counters wrap as DIM
        // expects (it takes differences).
        unsafe {
            bindings::svnic_dim_update_sample(events, packets, bytes, &mut s);
            bindings::net_dim(dim, &s);
        }
    }

    /// `(usecs, frames)` of the current profile.
    pub(crate) fn moderation(&self) -> (u32, u32) {
        (self.usecs.load(Relaxed), self.frames.load(Relaxed))
    }

    /// Cancels a profile change in progress and starts measuring afresh.
    /// Called when the queue has stopped polling (NAPI disabled).
    pub(crate) fn cancel(&self) {
        // SAFETY: By the type invariant the work was set up. Nothing samples
        // a stopped queue, and the work is cancelled, so nothing else
        // touches the state; a cancelled change would otherwise leave it in
        // `DIM_APPLY_NEW_PROFILE` for good.
        unsafe {
            bindings::cancel_work_sync(&raw mut (*self.inner.get()).work);
            (*self.inner.get()).state = bindings::dim_state_DIM_START_MEASURE as u8;
        }
    }
}

#[pinned_drop]
impl PinnedDrop for Dim {
    fn drop(self: Pin<&mut Self>) {
        // INVARIANT: the work is cancelled before the context goes.
        self.cancel();
    }
}
