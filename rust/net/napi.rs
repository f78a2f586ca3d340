// SPDX-License-Identifier: GPL-2.0

//! NAPI contexts.
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h).

use super::{bindings, device::Device, irq::Vector, lock::Bh, skb::SkBuff, xdp::Xdp};
use core::marker::PhantomData;
use kernel::{ffi::c_int, prelude::*, types::Opaque};

/// The poll function type of a NAPI context.
pub(super) type PollFn = unsafe extern "C" fn(*mut bindings::napi_struct, c_int) -> c_int;

/// The callback type of a timer.
type TimerFn = unsafe extern "C" fn(*mut bindings::hrtimer) -> bindings::hrtimer_restart;

/// A `struct napi_struct` added to a device, with timers that schedule it
/// later ([`Napi::schedule_in`]: a shaper waiting for tokens, coalescing),
/// and the interrupt vector that schedules it ([`Vector`]): every schedule
/// raises the vector, and the poll runs on the vector's CPU.
///
/// Created with [`crate::net::link::new_napi`], which adds it to its device
/// with the owner's poll function; dropping it cancels the timer and deletes
/// the context (`netif_napi_del`, which waits for an RCU grace period).
///
/// # Invariants
///
/// - The context was added with `netif_napi_add` and is pinned until dropped.
/// - `timer`, `rx_timer` and `tx_timer` were set up with callbacks that only
///   schedule this context, and are cancelled before the context is deleted.
/// - `vector`'s interrupt is requested, for this context, whenever the
///   context is enabled.
#[repr(C)]
#[pin_data(PinnedDrop)]
pub(crate) struct Napi {
    // First, so that a `napi_struct` pointer is a `Napi` pointer.
    #[pin]
    inner: Opaque<bindings::napi_struct>,
    #[pin]
    timer: Opaque<bindings::hrtimer>,
    #[pin]
    rx_timer: Opaque<bindings::hrtimer>,
    #[pin]
    tx_timer: Opaque<bindings::hrtimer>,
    #[pin]
    vector: Vector,
}

/// The timers of a [`Napi`]: each schedules the context when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// A shaper waiting for tokens.
    Shaper,
    /// RX interrupt coalescing.
    Rx,
    /// TX doorbell coalescing.
    Tx,
}

/// Slack of the shaper's timer, so that wake-ups can be batched.
const TIMER_SLACK_NS: u64 = 20_000;

/// The slack of a coalescing timer of `ns` is `ns >> COALESCE_SLACK_SHIFT`:
/// rx-usecs 16 fires within 17 us, not 36.
const COALESCE_SLACK_SHIFT: u32 = 4;

// SAFETY: NAPI contexts are used from any CPU; the core's state bits
// serialise polling.
unsafe impl Sync for Napi {}
// SAFETY: See above.
unsafe impl Send for Napi {}

impl Napi {
    /// Returns an initialiser that adds the context to `dev` with `poll`.
    pub(super) fn add(dev: &Device, poll: PollFn) -> impl PinInit<Self> + use<> {
        let dev = dev.as_raw();
        // INVARIANT: `ffi_init` runs `netif_napi_add` on the final, pinned location.
        pin_init!(Self {
            inner <- Opaque::ffi_init(move |slot: *mut bindings::napi_struct| {
                // SAFETY: `slot` is the pinned storage of the context and `dev`
                // a valid device; it is zeroed, then `netif_napi_add`
                // initialises the context.
                unsafe {
                    core::ptr::write_bytes(slot, 0, 1);
                    bindings::svnic_netif_napi_add(dev, slot, Some(poll));
                }
            }),
            timer <- Self::timer_init(Self::shaper_callback),
            rx_timer <- Self::timer_init(Self::rx_callback),
            tx_timer <- Self::timer_init(Self::tx_callback),
            vector <- Vector::new(),
        })
    }

    /// Returns an initialiser of a timer that runs `callback`.
    fn timer_init(callback: TimerFn) -> impl PinInit<Opaque<bindings::hrtimer>> {
        Opaque::ffi_init(move |slot: *mut bindings::hrtimer| {
            // SAFETY: `slot` is the pinned storage of the timer.
            unsafe {
                bindings::hrtimer_setup(
                    slot,
                    Some(callback),
                    bindings::CLOCK_MONOTONIC as kernel::ffi::c_int,
                    bindings::hrtimer_mode_HRTIMER_MODE_REL,
                )
            }
        })
    }

    /// # Safety
    ///
    /// Called by the hrtimer core for the `timer` of a live `Napi`.
    unsafe extern "C" fn shaper_callback(
        timer: *mut bindings::hrtimer,
    ) -> bindings::hrtimer_restart {
        // SAFETY: By the type invariant the timer is the `timer` field of a
        // `Napi`, which cancels it before it goes away.
        let napi =
            unsafe { &*kernel::container_of!(Opaque::cast_from(timer).cast_mut(), Self, timer) };
        napi.schedule();
        bindings::hrtimer_restart_HRTIMER_NORESTART
    }

    /// # Safety
    ///
    /// Called by the hrtimer core for the `rx_timer` of a live `Napi`.
    unsafe extern "C" fn rx_callback(timer: *mut bindings::hrtimer) -> bindings::hrtimer_restart {
        // SAFETY: As in `shaper_callback`, for the `rx_timer` field.
        let napi =
            unsafe { &*kernel::container_of!(Opaque::cast_from(timer).cast_mut(), Self, rx_timer) };
        napi.schedule();
        bindings::hrtimer_restart_HRTIMER_NORESTART
    }

    /// # Safety
    ///
    /// Called by the hrtimer core for the `tx_timer` of a live `Napi`.
    unsafe extern "C" fn tx_callback(timer: *mut bindings::hrtimer) -> bindings::hrtimer_restart {
        // SAFETY: As in `shaper_callback`, for the `tx_timer` field.
        let napi =
            unsafe { &*kernel::container_of!(Opaque::cast_from(timer).cast_mut(), Self, tx_timer) };
        napi.schedule();
        bindings::hrtimer_restart_HRTIMER_NORESTART
    }

    fn timer(&self, which: Timer) -> *mut bindings::hrtimer {
        match which {
            Timer::Shaper => self.timer.get(),
            Timer::Rx => self.rx_timer.get(),
            Timer::Tx => self.tx_timer.get(),
        }
    }

    /// Schedules a poll in about `ns` nanoseconds (replacing an earlier
    /// request). A poll that runs meanwhile does not cancel it.
    pub(crate) fn schedule_in(&self, ns: u64) {
        self.schedule_by(Timer::Shaper, ns);
    }

    /// Schedules a poll in about `ns` nanoseconds with timer `which`
    /// (replacing its earlier request).
    pub(crate) fn schedule_by(&self, which: Timer, ns: u64) {
        let slack = match which {
            Timer::Shaper => TIMER_SLACK_NS,
            Timer::Rx | Timer::Tx => ns >> COALESCE_SLACK_SHIFT,
        };
        let ns = i64::try_from(ns).unwrap_or(i64::MAX);
        // SAFETY: By the type invariant the timer was set up.
        unsafe {
            bindings::hrtimer_start_range_ns(
                self.timer(which),
                ns,
                slack,
                bindings::hrtimer_mode_HRTIMER_MODE_REL,
            )
        };
    }

    /// Withdraws the pending request of coalescing timer `which`, if any,
    /// without waiting for a callback that runs already (it only schedules
    /// the context): a poll or a frame count beat the timer to it.
    pub(crate) fn cancel_kick(&self, which: Timer) {
        // SAFETY: By the type invariant the timer was set up;
        // `hrtimer_try_to_cancel` returns at once if it is not queued.
        unsafe { bindings::hrtimer_try_to_cancel(self.timer(which)) };
    }

    /// Cancels every timer's request, waiting for running callbacks to
    /// finish.
    fn cancel_timer(&self) {
        for which in [Timer::Shaper, Timer::Rx, Timer::Tx] {
            // SAFETY: By the type invariant the timer was set up.
            unsafe { bindings::hrtimer_cancel(self.timer(which)) };
        }
    }

    /// Creates a reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` is a context added with `netif_napi_add`, valid for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::napi_struct) -> &'a Self {
        // CAST: `Self` is `repr(C)` with the `napi_struct` first.
        // SAFETY: By the function's safety requirements.
        unsafe { &*ptr.cast() }
    }

    fn as_raw(&self) -> *mut bindings::napi_struct {
        self.inner.get()
    }

    /// Requests the context's interrupt vector and enables polling. Called
    /// from `ndo_open`, under RTNL.
    pub(crate) fn enable(&self) -> Result {
        // INVARIANT: the vector is requested before the context is enabled.
        let dev = self.dev();
        self.vector
            .request(dev.name(), dev.bus_name(), self.as_raw())?;
        // SAFETY: By the type invariant the context was added.
        unsafe { bindings::napi_enable(self.as_raw()) };
        Ok(())
    }

    /// Disables polling and waits for a running poll to finish; cancels a
    /// [`Napi::schedule_in`] request. Called from `ndo_stop`; may sleep.
    pub(crate) fn disable(&self) {
        // SAFETY: By the type invariant the context was added.
        unsafe { bindings::napi_disable(self.as_raw()) };
        // A poll that ran before the disable may have armed the timer; its
        // callback would find the context disabled, but cancel it anyway.
        self.cancel_timer();
        // INVARIANT: freed once the context is disabled: no raise is in
        // flight (a raise holds the schedule until its poll completes).
        self.vector.free();
    }

    /// Schedules a poll, unless one is scheduled or running already (then
    /// the running one is told to poll again): raises the context's vector,
    /// whose interrupt schedules the poll on the vector's CPU.
    #[inline]
    pub(crate) fn schedule(&self) {
        // SAFETY: By the type invariant the context was added.
        if unsafe { bindings::napi_schedule_prep(self.as_raw()) } {
            // The context is enabled (`prep` succeeded), so its vector is
            // requested (type invariant).
            self.vector.raise();
        }
    }

    /// The device the context belongs to.
    pub(crate) fn dev(&self) -> &Device {
        // SAFETY: By the type invariant the context was added to a device,
        // which outlives its contexts.
        unsafe { Device::from_raw(self.dev_raw()) }
    }

    /// The device the context belongs to, as a raw pointer.
    pub(super) fn dev_raw(&self) -> *mut bindings::net_device {
        // SAFETY: By the type invariant the context was added to a device.
        unsafe { (*self.as_raw()).dev }
    }
}

/// A running poll of a [`Napi`]: what only the poll function may do
/// (complete the poll, hand frames to GRO) is done through it.
///
/// Made only by the poll trampoline, which lends it to the driver's poll
/// for the duration of the call: it cannot be kept, nor reached from
/// another context (it is neither `Send` nor `Sync`).
///
/// # Invariants
///
/// The core is running the poll function of `napi` on this CPU (softirq),
/// for as long as this value lives.
pub(crate) struct Poll<'a> {
    napi: &'a Napi,
    /// The device's XDP program as the poll began, null if none: valid for
    /// the poll, an RCU read-side section ([`Xdp`]).
    xdp: *mut bindings::bpf_prog,
    _not_send: PhantomData<*mut ()>,
}

impl<'a> Poll<'a> {
    /// The poll of `napi`, for a device with XDP program `xdp`.
    ///
    /// # Safety
    ///
    /// The caller is the poll function of `napi`, and the value does not
    /// outlive the call.
    pub(super) unsafe fn new(napi: &'a Napi, xdp: &Xdp) -> Self {
        // INVARIANT: By the safety requirements.
        Self {
            napi,
            xdp: xdp.current(),
            _not_send: PhantomData,
        }
    }

    /// The context being polled.
    pub(crate) fn napi(&self) -> &'a Napi {
        self.napi
    }

    /// The device the context belongs to.
    pub(crate) fn dev(&self) -> &'a Device {
        self.napi.dev()
    }

    /// A poll runs in softirq: bottom halves are off.
    pub(crate) fn bh(&self) -> Bh<'_> {
        // SAFETY: By the type invariant this is the context's poll, in
        // softirq on this CPU, for as long as `self` lives.
        unsafe { Bh::assume() }
    }

    /// Ends a poll that did `work` (< budget) units of work. Returns `false`
    /// if the context must keep polling (it was rescheduled meanwhile).
    pub(crate) fn complete_done(&self, work: i32) -> bool {
        // SAFETY: By the type invariant this is the context's poll.
        unsafe { bindings::napi_complete_done(self.napi.as_raw(), work) }
    }

    /// Hands a received frame to the stack. With an XDP program, the
    /// program has it first, as the wire frames it stands for
    /// ([`SkBuff::segment`]), each with its checksum filled in, and what it
    /// passes goes on; the core carries out its other verdicts (drop,
    /// `XDP_TX` out of this port, redirect).
    pub(crate) fn receive(&self, skb: SkBuff) {
        if self.xdp.is_null() {
            self.to_stack(skb);
            return;
        }
        for frame in skb.segment() {
            // The program may change the frame: it gets one of its own,
            // with its checksum in place.
            let Some(mut frame) = frame.unshare() else {
                continue;
            };
            frame.complete_checksum();
            let mut skb = frame.into_raw();
            // SAFETY: `skb` is a valid buffer we own a reference to, and
            // `self.xdp` a program valid for the poll (type invariant).
            // `do_xdp_generic` consumes the buffer unless it passes it,
            // possibly replaced; then the (new) buffer is ours.
            let passed = unsafe { bindings::do_xdp_generic(self.xdp, &mut skb) }
                == bindings::xdp_action_XDP_PASS as i32;
            if passed {
                // SAFETY: See above.
                if let Some(skb) = unsafe { SkBuff::from_raw(skb) } {
                    self.to_stack(skb);
                }
            }
        }
    }

    /// Hands a frame to the stack: through GRO, unless the buffer is shared
    /// or cloned (GRO could not merge it; veth skips it too).
    /// Either way the frame carries the context's NAPI ID (busy polling,
    /// `SO_INCOMING_NAPI_ID`), as GRO would set it.
    fn to_stack(&self, skb: SkBuff) {
        if skb.is_shared_or_cloned() {
            let skb = skb.into_raw();
            // SAFETY: `skb` is a valid buffer we hold a reference to, and the
            // context is registered (type invariant). The core then takes
            // over our reference; by the type invariant we are in the
            // context's poll (softirq).
            unsafe {
                bindings::svnic_skb_mark_napi_id(skb, self.napi.as_raw());
                bindings::netif_receive_skb(skb);
            }
            return;
        }
        // SAFETY: By the type invariant this is the context's poll; the core
        // takes over our reference to the buffer.
        unsafe { bindings::svnic_napi_gro_receive(self.napi.as_raw(), skb.into_raw()) };
    }
}

#[pinned_drop]
impl PinnedDrop for Napi {
    fn drop(self: Pin<&mut Self>) {
        // INVARIANT: the timer is cancelled before the context goes.
        self.cancel_timer();
        // SAFETY: By the type invariant the context was added; it is disabled
        // (the device is down or was never opened) when its owner drops it.
        unsafe { bindings::svnic_netif_napi_del(self.as_raw()) };
    }
}
