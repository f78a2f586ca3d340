// SPDX-License-Identifier: GPL-2.0

//! The settings of a queue that the PF, the VFs and the representors
//! share: its ring size (`ethtool -G`) and its interrupt moderation
//! (`ethtool -C`, adaptive with DIM): checking the values (with the extack
//! message each refusal gets), making a new ring, and kicking the queue's
//! NAPI as coalescing decides.

use crate::{
    coalesce::{AtomicSetting, Coalesce, Kick, Refused, Setting, IDLE_MS},
    net::{
        dim::{Dim, Direction},
        ethtool::CoalesceParams,
        flower::jiffies,
        napi::{Napi, Poll, Timer},
        rtnl::ExtAck,
    },
    ring::{self, RING_SIZE_MAX},
};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::{prelude::*, time::msecs_to_jiffies};

/// Largest ring size, as `ethtool -g` reports it.
pub(crate) const RING_MAX: u32 = RING_SIZE_MAX;

/// The moderation of one direction of a queue: the `ethtool -C` values,
/// or, in adaptive mode, what DIM picks.
#[pin_data]
pub(crate) struct Moderation {
    setting: AtomicSetting,
    #[pin]
    dim: Dim,
    /// When the queue last polled (jiffies), kept in adaptive mode.
    last_poll: AtomicU64,
}

impl Moderation {
    /// No coalescing, adaptive mode off.
    pub(crate) fn new(dir: Direction) -> impl PinInit<Self> {
        pin_init!(Self {
            setting: AtomicSetting::new(Setting {
                fixed: Coalesce::OFF,
                adaptive: false,
            }),
            dim <- Dim::new(dir),
            last_poll: AtomicU64::new(0),
        })
    }

    /// `(usecs, frames)` of the moderation in force: the `ethtool -C`
    /// values, or DIM's profile in adaptive mode (`ethtool -S`).
    pub(crate) fn current_values(&self) -> (u32, u32) {
        let s = self.setting.get();
        let c = if s.adaptive { self.profile() } else { s.fixed };
        (c.usecs(), c.frames())
    }

    /// What the data path applies to the next frame: in adaptive mode,
    /// DIM's profile, or none if the queue is idle ([`Coalesce::adaptive`]).
    #[inline]
    pub(crate) fn current(&self) -> Coalesce {
        let s = self.setting.get();
        if s.adaptive {
            let (usecs, frames) = self.dim.moderation();
            let quiet = jiffies().wrapping_sub(self.last_poll.load(Relaxed));
            let idle = quiet > msecs_to_jiffies(IDLE_MS) as u64;
            Coalesce::adaptive(usecs, frames, idle)
        } else {
            s.fixed
        }
    }

    /// DIM's profile, in range.
    fn profile(&self) -> Coalesce {
        let (usecs, frames) = self.dim.moderation();
        Coalesce::clamped(usecs, frames)
    }

    /// The `ethtool -C` values and whether adaptive mode is on.
    pub(crate) fn params(&self) -> CoalesceParams {
        let s = self.setting.get();
        CoalesceParams {
            usecs: s.fixed.usecs(),
            frames: s.fixed.frames(),
            adaptive: s.adaptive,
        }
    }

    /// `ethtool -C`.
    pub(crate) fn set(&self, fixed: Coalesce, adaptive: bool) {
        self.setting.set(Setting { fixed, adaptive });
    }

    /// Feeds DIM a poll of the queue, `poll`, with the queue's cumulative
    /// counters `(packets, bytes)`, read by `counters` only in adaptive mode
    /// and when DIM takes them ([`Dim::sample`]).
    pub(crate) fn sample(&self, poll: &Poll<'_>, counters: impl FnOnce() -> (u64, u64)) {
        if self.setting.get().adaptive {
            self.dim.sample(poll, counters);
        }
    }

    /// A poll of the queue started: the coalescing timer `timer` of
    /// `napi`, if this moderation may have armed it, has nothing left to
    /// kick (the poll takes what is queued), so it is withdrawn rather than
    /// left to fire into an empty ring.
    pub(crate) fn poll_started(&self, napi: &Napi, timer: Timer) {
        let s = self.setting.get();
        let usecs = if s.adaptive {
            // Polled now: not idle, so DIM's profile is in force.
            self.last_poll.store(jiffies(), Relaxed);
            self.profile().usecs()
        } else {
            s.fixed.usecs()
        };
        if usecs != 0 {
            napi.cancel_kick(timer);
        }
    }

    /// The queue stopped polling: DIM starts afresh when it runs again.
    pub(crate) fn stopped(&self) {
        self.dim.cancel();
    }
}

/// The ring size `ethtool -G` asks for, rounded up to a power of two.
/// (The core refuses sizes over the maximum we report.)
pub(crate) fn ring_size(requested: u32, extack: &ExtAck) -> Result<u32> {
    ring::rounded_size(requested).ok_or_else(|| extack.fail(EINVAL, c"svnic: ring size below 64"))
}

/// A new, empty ring of `size` slots made by `alloc`, if `size` differs
/// from `current`; `fault` may fail the allocation.
pub(crate) fn new_ring<R>(
    size: u32,
    current: u32,
    fault: impl FnOnce() -> Result,
    alloc: impl FnOnce(u32) -> Result<R>,
    extack: &ExtAck,
) -> Result<Option<R>> {
    if size == current {
        return Ok(None);
    }
    let fresh = fault().and_then(|()| alloc(size));
    match fresh {
        Ok(r) => Ok(Some(r)),
        Err(e) => Err(extack.fail(e, c"svnic: cannot allocate the ring")),
    }
}

/// The coalescing `ethtool -C` asks for in direction `dir`.
pub(crate) fn coalesce(
    dir: Direction,
    usecs: u32,
    frames: u32,
    extack: &ExtAck,
) -> Result<Coalesce> {
    Coalesce::new(usecs, frames).map_err(|why| {
        let msg = match (dir, why) {
            (Direction::Rx, Refused::Usecs) => c"svnic: rx-usecs above 1000000",
            (Direction::Rx, Refused::Frames) => c"svnic: rx-frames above 4096",
            (Direction::Rx, Refused::BothZero) => c"svnic: rx-usecs and rx-frames cannot both be 0",
            (Direction::Tx, Refused::Usecs) => c"svnic: tx-usecs above 1000000",
            (Direction::Tx, Refused::Frames) => c"svnic: tx-frames above 4096",
            (Direction::Tx, Refused::BothZero) => c"svnic: tx-usecs and tx-frames cannot both be 0",
        };
        extack.fail(EINVAL, msg)
    })
}

/// Kicks `napi` as `kick` says, with timer `timer` for a later kick.
#[inline(always)]
pub(crate) fn kick(napi: &Napi, timer: Timer, kick: Kick) {
    match kick {
        Kick::Now => napi.schedule(),
        Kick::After(ns) => napi.schedule_by(timer, ns),
        Kick::Pending => {}
    }
}
