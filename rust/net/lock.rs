// SPDX-License-Identifier: GPL-2.0

//! A spinlock taken with bottom halves disabled (`spin_lock_bh`), and the
//! proof that they are ([`Bh`]).
//!
//! C headers: [`include/linux/spinlock.h`](srctree/include/linux/spinlock.h),
//! [`include/linux/bottom_half.h`](srctree/include/linux/bottom_half.h).
//!
//! What the data path's rings and filters need: they are touched from
//! softirq (NAPI polls, `ndo_start_xmit`, the uplink's receive handler) and
//! from process context (ethtool, `ndo_stop`), never from a hard interrupt.
//! Disabling bottom halves costs a preempt-count increment; disabling
//! interrupts, as `SpinLockIrq` does, saves and restores the flags on every
//! frame. Where bottom halves are off already (a frame's path), the lock is
//! taken plainly ([`Bh::lock`]), as C drivers take `spin_lock` in softirq:
//! `spin_lock_bh` there would only count up and down again, and its
//! `local_bh_enable` look for pending softirqs on every frame.
//!
//! Functions that must run with bottom halves off take a [`Bh`] (a
//! zero-sized value: passing it costs nothing on a frame's path). Driver code
//! gets one only as an argument of a callback the core runs so
//! (`ndo_start_xmit`, a NAPI poll, the uplink's receive handler) or inside
//! [`bh_disabled`], so a call from another context does not compile.

use super::bindings;
use core::marker::PhantomData;
use kernel::{
    ffi::c_char,
    sync::lock::{Backend, Guard, Lock},
};

/// Proof that bottom halves are disabled on this CPU for `'a`.
///
/// # Invariants
///
/// Softirqs cannot run on this CPU for `'a` (bottom halves are disabled, or
/// interrupts are, as in netpoll's transmit). The value is neither `Send`
/// nor `Sync`: it cannot leave the CPU.
#[derive(Clone, Copy)]
pub(crate) struct Bh<'a> {
    _not_send: PhantomData<(&'a (), *mut ())>,
}

impl<'a> Bh<'a> {
    /// The proof for a callback the core runs with bottom halves disabled
    /// (which lockdep checks, once).
    ///
    /// # Safety
    ///
    /// Softirqs cannot run on this CPU for `'a`.
    #[inline(always)]
    pub(super) unsafe fn assume() -> Self {
        #[cfg(CONFIG_LOCKDEP)]
        // SAFETY: No precondition.
        unsafe {
            bindings::svnic_lockdep_assert_bh_off()
        };
        // INVARIANT: By the safety requirements.
        Self {
            _not_send: PhantomData,
        }
    }

    /// Takes `lock` without disabling bottom halves again (`spin_lock`):
    /// the guard cannot outlive this proof.
    pub(crate) fn lock<'g, T>(self, lock: &'g SpinLockBh<T>) -> Guard<'g, T, SpinLockBhBackend>
    where
        'a: 'g,
    {
        // `Lock` is `repr(C)` with the C lock as its first field.
        let ptr = core::ptr::from_ref(lock)
            .cast::<kernel::bindings::spinlock_t>()
            .cast_mut();
        // SAFETY: `ptr` is the initialised lock of `lock`. No softirq can
        // run here and take it (type invariant), and no hard interrupt
        // takes it (module documentation).
        unsafe { spin_lock(ptr) };
        // SAFETY: Taken above; the guard's state says how.
        unsafe { Guard::new(lock, Taken::InBh) }
    }
}

/// `spin_lock(ptr)`: where the kernel has the out-of-line lock function
/// (`_raw_spin_lock`, which `spin_lock` calls), straight to it, without the
/// Rust helper's call in between: the data path takes a lock per frame.
///
/// # Safety
///
/// `ptr` is an initialised lock that the caller may take.
#[inline(always)]
unsafe fn spin_lock(ptr: *mut kernel::bindings::spinlock_t) {
    // SAFETY: By the safety requirements; without PREEMPT_RT a `spinlock_t`
    // starts with its `raw_spinlock_t`, which `spin_lock` passes on.
    #[cfg(not(any(CONFIG_INLINE_SPIN_LOCK, CONFIG_PREEMPT_RT)))]
    unsafe {
        kernel::bindings::_raw_spin_lock(ptr.cast())
    };
    // SAFETY: By the safety requirements.
    #[cfg(any(CONFIG_INLINE_SPIN_LOCK, CONFIG_PREEMPT_RT))]
    unsafe {
        kernel::bindings::spin_lock(ptr)
    };
}

/// `spin_unlock(ptr)`, as [`spin_lock`] takes it.
///
/// # Safety
///
/// The caller holds the lock `ptr`, taken with [`spin_lock`].
#[inline(always)]
unsafe fn spin_unlock(ptr: *mut kernel::bindings::spinlock_t) {
    // SAFETY: As in `spin_lock`.
    #[cfg(not(any(CONFIG_INLINE_SPIN_UNLOCK, CONFIG_PREEMPT_RT)))]
    unsafe {
        kernel::bindings::_raw_spin_unlock(ptr.cast())
    };
    // SAFETY: By the safety requirements.
    #[cfg(any(CONFIG_INLINE_SPIN_UNLOCK, CONFIG_PREEMPT_RT))]
    unsafe {
        kernel::bindings::spin_unlock(ptr)
    };
}

/// Runs `f` with bottom halves disabled: what process context does around
/// raising a softirq (scheduling a poll, waking a queue), so that it runs
/// when `f` returns, or around what the data path does.
pub(crate) fn bh_disabled<R>(f: impl FnOnce(Bh<'_>) -> R) -> R {
    // SAFETY: No precondition; paired with the enable below.
    unsafe { bindings::svnic_local_bh_disable() };
    // SAFETY: Disabled until `f` returns.
    let r = f(unsafe { Bh::assume() });
    // SAFETY: Disabled above.
    unsafe { bindings::svnic_local_bh_enable() };
    r
}

/// How a [`SpinLockBh`] was taken.
pub(crate) enum Taken {
    /// With `spin_lock_bh`.
    DisablingBh,
    /// With `spin_lock`, bottom halves already off ([`Bh::lock`]).
    InBh,
}

/// A spinlock whose holder runs with bottom halves disabled: safe to take
/// from process context and from softirq, not from a hard interrupt.
pub(crate) type SpinLockBh<T> = Lock<T, SpinLockBhBackend>;

/// The backend of [`SpinLockBh`].
pub(crate) struct SpinLockBhBackend;

/// Creates a [`SpinLockBh`] initialiser with the given name and a new lock
/// class.
macro_rules! new_spinlock_bh {
    ($inner:expr, $name:literal $(,)?) => {
        $crate::net::lock::SpinLockBh::new(
            $inner,
            kernel::c_str!($name),
            kernel::static_lock_class!(),
        )
    };
}
pub(crate) use new_spinlock_bh;

// SAFETY: The kernel `spinlock_t` ensures mutual exclusion; `relock` uses the
// default implementation, which calls `lock` again.
unsafe impl Backend for SpinLockBhBackend {
    type State = kernel::bindings::spinlock_t;
    type GuardState = Taken;

    unsafe fn init(
        ptr: *mut Self::State,
        name: *const c_char,
        key: *mut kernel::bindings::lock_class_key,
    ) {
        // SAFETY: The caller passes a pointer valid for writes and a name and
        // key valid for reads forever.
        unsafe { kernel::bindings::__spin_lock_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: The caller passes an initialised lock; both binding sets
        // describe the same C `spinlock_t`.
        unsafe { bindings::svnic_spin_lock_bh(ptr.cast()) };
        Taken::DisablingBh
    }

    unsafe fn unlock(ptr: *mut Self::State, guard_state: &Self::GuardState) {
        match guard_state {
            // SAFETY: The caller holds the lock, taken by `lock` or
            // `try_lock`.
            Taken::DisablingBh => unsafe { bindings::svnic_spin_unlock_bh(ptr.cast()) },
            // SAFETY: The caller holds the lock, taken by `Bh::lock`.
            Taken::InBh => unsafe { spin_unlock(ptr) },
        }
    }

    unsafe fn relock(ptr: *mut Self::State, guard_state: &mut Self::GuardState) {
        match guard_state {
            // SAFETY: As in `lock`.
            Taken::DisablingBh => unsafe { bindings::svnic_spin_lock_bh(ptr.cast()) },
            // SAFETY: As in `Bh::lock`: the guard, and so the proof, lives.
            Taken::InBh => unsafe { spin_lock(ptr) },
        }
    }

    unsafe fn try_lock(ptr: *mut Self::State) -> Option<Self::GuardState> {
        // SAFETY: As in `lock`.
        (unsafe { bindings::svnic_spin_trylock_bh(ptr.cast()) } != 0).then_some(Taken::DisablingBh)
    }

    // Only lockdep checks it: without, not even a call on a frame's path.
    #[cfg(CONFIG_LOCKDEP)]
    unsafe fn assert_is_held(ptr: *mut Self::State) {
        // SAFETY: The caller passes an initialised lock.
        unsafe { kernel::bindings::spin_assert_is_held(ptr) }
    }

    #[cfg(not(CONFIG_LOCKDEP))]
    unsafe fn assert_is_held(_ptr: *mut Self::State) {}
}
