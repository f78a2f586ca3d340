// SPDX-License-Identifier: GPL-2.0

//! Interrupt coalescing (`ethtool -C`): when a queue's NAPI poll is kicked.
//!
//! A NIC raises an RX interrupt once `rx-frames` frames have arrived or
//! `rx-usecs` after the first of them, whichever comes first; svnic's
//! "interrupt" is the NAPI schedule that hands a ring to its consumer. The
//! same rule holds for a VF's TX ring, whose "doorbell" hands the frames to
//! the switch. This file holds only the decision, as `lib/dim` does: it
//! takes no kernel objects and is covered by KUnit.

use crate::ring::RING_SIZE_MAX;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::prelude::*;

/// Largest `rx-usecs`/`tx-usecs` accepted (one second).
pub(crate) const USECS_MAX: u32 = 1_000_000;
/// Largest `rx-frames`/`tx-frames` accepted (the largest ring).
pub(crate) const FRAMES_MAX: u32 = RING_SIZE_MAX;
/// A queue in adaptive mode that has gone this long without a poll is
/// idle (see [`Coalesce::adaptive`]): far longer than any DIM profile's
/// window (256 us), far shorter than the gaps of a latency probe.
pub(crate) const IDLE_MS: u32 = 2;

/// The coalescing parameters of one direction of a queue.
///
/// # Invariants
///
/// `usecs <= USECS_MAX`, `frames <= FRAMES_MAX`, and not both are 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Coalesce {
    usecs: u32,
    frames: u32,
}

/// Why a [`Coalesce`] was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// `usecs` over [`USECS_MAX`].
    Usecs,
    /// `frames` over [`FRAMES_MAX`].
    Frames,
    /// Both are 0: the queue would never be kicked.
    BothZero,
}

/// What a producer does after queueing a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kick {
    /// Kick the consumer now.
    Now,
    /// The first frame is waiting: kick in this many nanoseconds.
    After(u64),
    /// A kick is already due (timer armed or poll scheduled).
    Pending,
}

impl Coalesce {
    /// No coalescing: every frame kicks at once.
    pub(crate) const OFF: Self = Self {
        usecs: 0,
        frames: 1,
    };

    /// Checks `usecs` and `frames` (as `ethtool -C` gives them).
    pub(crate) fn new(usecs: u32, frames: u32) -> core::result::Result<Self, Refused> {
        if usecs > USECS_MAX {
            return Err(Refused::Usecs);
        }
        if frames > FRAMES_MAX {
            return Err(Refused::Frames);
        }
        if usecs == 0 && frames == 0 {
            return Err(Refused::BothZero);
        }
        // INVARIANT: checked above.
        Ok(Self { usecs, frames })
    }

    /// What adaptive mode applies: DIM's profile `(usecs, frames)` while
    /// the queue is busy, none while it is `idle` (no poll for
    /// [`IDLE_MS`]): the first frame of an idle queue kicks at once. DIM
    /// decides once per 64 polls, so at a low rate it would take seconds
    /// to leave the moderation a flood left, and a frame that finds the
    /// queue idle has no other frame coming to batch with.
    pub(crate) fn adaptive(usecs: u32, frames: u32, idle: bool) -> Self {
        if idle {
            Self::OFF
        } else {
            Self::clamped(usecs, frames)
        }
    }

    /// `usecs` and `frames` brought into range (a DIM profile); both 0
    /// means no coalescing.
    pub(crate) fn clamped(usecs: u32, frames: u32) -> Self {
        Self::new(usecs.min(USECS_MAX), frames.min(FRAMES_MAX)).unwrap_or(Self::OFF)
    }

    /// Microseconds after the first queued frame.
    pub(crate) fn usecs(&self) -> u32 {
        self.usecs
    }

    /// Frames that kick at once (0: only the timer does).
    pub(crate) fn frames(&self) -> u32 {
        self.frames
    }

    /// The decision after a frame was queued, leaving `len` frames in a
    /// ring of `size` slots.
    pub(crate) fn on_queued(&self, len: u32, size: u32) -> Kick {
        if self.usecs == 0 || (self.frames != 0 && len >= self.frames) || len >= size {
            Kick::Now
        } else if len == 1 {
            Kick::After(u64::from(self.usecs) * 1000)
        } else {
            Kick::Pending
        }
    }
}

/// A queue's `ethtool -C` setting: the fixed values and whether adaptive
/// mode is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Setting {
    /// The fixed values (`rx-usecs`, `rx-frames`).
    pub(crate) fixed: Coalesce,
    /// `adaptive-rx`: DIM picks the values.
    pub(crate) adaptive: bool,
}

/// Bit of [`AtomicSetting`]'s word for adaptive mode, above any `frames`.
const ADAPTIVE: u64 = 1 << 31;
const _: () = assert!((FRAMES_MAX as u64) < ADAPTIVE);

/// A [`Setting`] the data path reads in one load while `ethtool -C`
/// replaces it.
pub(crate) struct AtomicSetting(AtomicU64);

impl AtomicSetting {
    /// Starts with `s`.
    pub(crate) fn new(s: Setting) -> Self {
        Self(AtomicU64::new(Self::pack(s)))
    }

    /// The current setting.
    #[inline]
    pub(crate) fn get(&self) -> Setting {
        let v = self.0.load(Relaxed);
        // INVARIANT: only `pack`ed valid values are stored.
        Setting {
            fixed: Coalesce {
                usecs: (v >> 32) as u32,
                frames: (v & (ADAPTIVE - 1)) as u32,
            },
            adaptive: v & ADAPTIVE != 0,
        }
    }

    /// Replaces the setting, both halves at once.
    pub(crate) fn set(&self, s: Setting) {
        self.0.store(Self::pack(s), Relaxed);
    }

    fn pack(s: Setting) -> u64 {
        let adaptive = if s.adaptive { ADAPTIVE } else { 0 };
        (u64::from(s.fixed.usecs) << 32) | adaptive | u64::from(s.fixed.frames)
    }
}

#[kunit_tests(svnic_coalesce)]
mod tests {
    use super::*;

    #[test]
    fn refuses_out_of_range() -> Result {
        assert_eq!(Coalesce::new(USECS_MAX + 1, 1), Err(Refused::Usecs));
        assert_eq!(Coalesce::new(0, FRAMES_MAX + 1), Err(Refused::Frames));
        assert_eq!(Coalesce::new(0, 0), Err(Refused::BothZero));
        assert!(Coalesce::new(USECS_MAX, FRAMES_MAX).is_ok());
        assert!(Coalesce::new(5, 0).is_ok());
        Ok(())
    }

    #[test]
    fn off_kicks_every_frame() -> Result {
        for len in 1..10 {
            assert_eq!(Coalesce::OFF.on_queued(len, 512), Kick::Now);
        }
        // usecs 0 means at once, whatever the frame count.
        let c = Coalesce::new(0, 64).map_err(|_| EINVAL)?;
        assert_eq!(c.on_queued(1, 512), Kick::Now);
        Ok(())
    }

    #[test]
    fn first_frame_arms_the_timer() -> Result {
        let c = Coalesce::new(300, 8).map_err(|_| EINVAL)?;
        assert_eq!(c.on_queued(1, 512), Kick::After(300_000));
        for len in 2..8 {
            assert_eq!(c.on_queued(len, 512), Kick::Pending);
        }
        assert_eq!(c.on_queued(8, 512), Kick::Now);
        assert_eq!(c.on_queued(9, 512), Kick::Now);
        Ok(())
    }

    #[test]
    fn frames_one_or_zero() -> Result {
        // frames 1: the first frame kicks at once.
        let c = Coalesce::new(300, 1).map_err(|_| EINVAL)?;
        assert_eq!(c.on_queued(1, 512), Kick::Now);
        // frames 0: only the timer (or a full ring) kicks.
        let c = Coalesce::new(300, 0).map_err(|_| EINVAL)?;
        assert_eq!(c.on_queued(1, 512), Kick::After(300_000));
        assert_eq!(c.on_queued(511, 512), Kick::Pending);
        Ok(())
    }

    #[test]
    fn full_ring_kicks() -> Result {
        let c = Coalesce::new(1000, FRAMES_MAX).map_err(|_| EINVAL)?;
        assert_eq!(c.on_queued(63, 64), Kick::Pending);
        assert_eq!(c.on_queued(64, 64), Kick::Now);
        Ok(())
    }

    #[test]
    fn adaptive_kicks_at_once_when_idle() -> Result {
        assert_eq!(Coalesce::adaptive(256, 256, true), Coalesce::OFF);
        let busy = Coalesce::adaptive(256, 256, false);
        assert_eq!((busy.usecs(), busy.frames()), (256, 256));
        assert_eq!(busy.on_queued(1, 512), Kick::After(256_000));
        assert_eq!(Coalesce::adaptive(0, 0, false), Coalesce::OFF);
        Ok(())
    }

    #[test]
    fn clamped_stays_in_range() -> Result {
        let c = Coalesce::clamped(u32::MAX, u32::MAX);
        assert_eq!((c.usecs(), c.frames()), (USECS_MAX, FRAMES_MAX));
        assert_eq!(Coalesce::clamped(0, 0), Coalesce::OFF);
        let c = Coalesce::clamped(8, 256);
        assert_eq!((c.usecs(), c.frames()), (8, 256));
        Ok(())
    }

    #[test]
    fn atomic_round_trip() -> Result {
        let off = Setting {
            fixed: Coalesce::OFF,
            adaptive: false,
        };
        let a = AtomicSetting::new(off);
        assert_eq!(a.get(), off);
        let c = Coalesce::new(USECS_MAX, FRAMES_MAX).map_err(|_| EINVAL)?;
        for adaptive in [true, false] {
            let s = Setting { fixed: c, adaptive };
            a.set(s);
            assert_eq!(a.get(), s);
            assert_eq!(a.get().fixed.usecs(), USECS_MAX);
            assert_eq!(a.get().fixed.frames(), FRAMES_MAX);
        }
        Ok(())
    }
}
