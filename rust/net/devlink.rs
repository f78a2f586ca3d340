// SPDX-License-Identifier: GPL-2.0

//! devlink: one instance per PF, on the PF's device on the `svnic` bus
//! (`devlink dev show` lists it as `svnic/svnicN`), with the eswitch mode
//! and a `tx` health reporter.
//!
//! C header: [`include/net/devlink.h`](srctree/include/net/devlink.h).
//!
//! A PF's driver implements [`DevlinkOps`]; [`Devlink`] owns the instance
//! and its reporter. The devlink core calls the operations with the
//! instance's lock held, and so do [`Devlink::report_tx_timeout`]'s
//! recovery and dump. Lock order: RTNL, then the devlink instance lock,
//! then the driver's own locks; an operation never takes RTNL.

use super::{bindings, link::ExtAck};
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    error::{from_err_ptr, from_result},
    ffi::{c_int, c_void},
    prelude::*,
};

/// `devlink dev eswitch ... mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EswitchMode {
    Legacy,
    Switchdev,
    /// `switchdev_inactive`.
    SwitchdevInactive,
}

impl EswitchMode {
    fn from_raw(mode: u16) -> Option<Self> {
        match u32::from(mode) {
            bindings::devlink_eswitch_mode_DEVLINK_ESWITCH_MODE_LEGACY => Some(Self::Legacy),
            bindings::devlink_eswitch_mode_DEVLINK_ESWITCH_MODE_SWITCHDEV => Some(Self::Switchdev),
            bindings::devlink_eswitch_mode_DEVLINK_ESWITCH_MODE_SWITCHDEV_INACTIVE => {
                Some(Self::SwitchdevInactive)
            }
            _ => None,
        }
    }

    fn to_raw(self) -> u16 {
        (match self {
            Self::Legacy => bindings::devlink_eswitch_mode_DEVLINK_ESWITCH_MODE_LEGACY,
            Self::Switchdev => bindings::devlink_eswitch_mode_DEVLINK_ESWITCH_MODE_SWITCHDEV,
            Self::SwitchdevInactive => {
                bindings::devlink_eswitch_mode_DEVLINK_ESWITCH_MODE_SWITCHDEV_INACTIVE
            }
        }) as u16
    }
}

/// What a PF's driver does for devlink. Every operation runs in process
/// context with the instance's lock held, and must not take RTNL.
pub(crate) trait DevlinkOps: Send + Sync + 'static {
    /// `devlink dev eswitch show`.
    fn eswitch_mode(&self) -> EswitchMode;

    /// `devlink dev eswitch set ... mode`.
    fn set_eswitch_mode(&self, mode: EswitchMode, extack: &ExtAck) -> Result;

    /// The `tx` reporter's recovery: reset the TX queue of VF `vf` (a
    /// report's), or every timed-out one (`devlink health recover`).
    fn tx_recover(&self, vf: Option<u16>, extack: &ExtAck) -> Result;

    /// `devlink health diagnose ... reporter tx`.
    fn tx_diagnose(&self, fmsg: &mut Fmsg<'_>) -> Result;

    /// `devlink health dump` of the `tx` reporter: the state of VF `vf`'s
    /// TX queue (a report's), or of every VF's.
    fn tx_dump(&self, vf: Option<u16>, fmsg: &mut Fmsg<'_>) -> Result;
}

/// A devlink formatted message being built (diagnose and dump output).
///
/// # Invariants
///
/// `raw` is a valid `devlink_fmsg` for `'a`. Errors are latched by the
/// core and reported when the message is sent.
pub(crate) struct Fmsg<'a> {
    raw: *mut bindings::devlink_fmsg,
    _p: PhantomData<&'a mut bindings::devlink_fmsg>,
}

impl Fmsg<'_> {
    /// Opens an object (`{`).
    pub(crate) fn obj_start(&mut self) {
        // SAFETY: By the type invariant.
        unsafe { bindings::devlink_fmsg_obj_nest_start(self.raw) }
    }

    /// Closes an object.
    pub(crate) fn obj_end(&mut self) {
        // SAFETY: By the type invariant.
        unsafe { bindings::devlink_fmsg_obj_nest_end(self.raw) }
    }

    /// Opens an array named `name`.
    pub(crate) fn arr_start(&mut self, name: &CStr) {
        // SAFETY: By the type invariant; the core copies the name.
        unsafe { bindings::devlink_fmsg_arr_pair_nest_start(self.raw, name.as_char_ptr()) }
    }

    /// Closes an array.
    pub(crate) fn arr_end(&mut self) {
        // SAFETY: By the type invariant.
        unsafe { bindings::devlink_fmsg_arr_pair_nest_end(self.raw) }
    }

    /// Adds `name: value`.
    pub(crate) fn put_u32(&mut self, name: &CStr, value: u32) {
        // SAFETY: By the type invariant; the core copies the name.
        unsafe { bindings::devlink_fmsg_u32_pair_put(self.raw, name.as_char_ptr(), value) }
    }

    /// Adds `name: value`.
    pub(crate) fn put_u64(&mut self, name: &CStr, value: u64) {
        // SAFETY: By the type invariant; the core copies the name.
        unsafe { bindings::devlink_fmsg_u64_pair_put(self.raw, name.as_char_ptr(), value) }
    }

    /// Adds `name: value`.
    pub(crate) fn put_bool(&mut self, name: &CStr, value: bool) {
        // SAFETY: By the type invariant; the core copies the name.
        unsafe { bindings::devlink_fmsg_bool_pair_put(self.raw, name.as_char_ptr(), value) }
    }
}

/// A registered devlink instance of a PF whose driver state is a `T`, with
/// its `tx` health reporter.
///
/// # Invariants
///
/// - `raw` is an allocated and registered devlink instance whose private
///   area holds a `*const T` that is valid while `self` lives.
/// - `tx` is a health reporter of `raw` created with the same pointer as
///   its private data.
pub(crate) struct Devlink<T: DevlinkOps> {
    raw: NonNull<bindings::devlink>,
    tx: NonNull<bindings::devlink_health_reporter>,
    _p: PhantomData<T>,
}

// SAFETY: The instance is used through the devlink API, which locks.
unsafe impl<T: DevlinkOps> Send for Devlink<T> {}
// SAFETY: See above.
unsafe impl<T: DevlinkOps> Sync for Devlink<T> {}

/// Name of the TX health reporter.
const TX_REPORTER: &CStr = c"tx";

impl<T: DevlinkOps> Devlink<T> {
    const OPS: bindings::devlink_ops = bindings::devlink_ops {
        eswitch_mode_get: Some(Self::eswitch_mode_get),
        eswitch_mode_set: Some(Self::eswitch_mode_set),
        // SAFETY: An all-zero `devlink_ops` is valid: every other operation
        // is absent.
        ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
    };
    const OPS_REF: &'static bindings::devlink_ops = &Self::OPS;

    const TX_OPS: bindings::devlink_health_reporter_ops = bindings::devlink_health_reporter_ops {
        name: kernel::str::as_char_ptr_in_const_context(TX_REPORTER).cast_mut(),
        recover: Some(Self::tx_recover),
        dump: Some(Self::tx_dump),
        diagnose: Some(Self::tx_diagnose),
        test: None,
        default_graceful_period: 0,
        default_burst_period: 0,
    };
    const TX_OPS_REF: &'static bindings::devlink_health_reporter_ops = &Self::TX_OPS;

    /// Allocates and registers the devlink instance of device `dev`, with
    /// `ops` as its driver. Process context; may be called under RTNL.
    ///
    /// # Safety
    ///
    /// `dev` is a registered device and `ops` a valid `T`; both outlive the
    /// returned value.
    pub(super) unsafe fn new(dev: *mut bindings::device, ops: *const T) -> Result<Self> {
        // SAFETY: The ops table is static; `dev` is valid (safety
        // requirement). The private area holds one pointer.
        let raw =
            unsafe { bindings::svnic_devlink_alloc(Self::OPS_REF, size_of::<*const T>(), dev) };
        let raw = NonNull::new(raw).ok_or(ENOMEM)?;
        // SAFETY: `raw` was just allocated with room for a pointer.
        unsafe { *bindings::devlink_priv(raw.as_ptr()).cast::<*const T>() = ops };
        // SAFETY: `raw` is valid and not registered; the ops are static and
        // `ops` outlives the reporter, which is destroyed in `drop`.
        let tx = from_err_ptr(unsafe {
            bindings::devlink_health_reporter_create(
                raw.as_ptr(),
                Self::TX_OPS_REF,
                ops.cast_mut().cast(),
            )
        })
        .and_then(|tx| NonNull::new(tx).ok_or(ENOMEM));
        let tx = match tx {
            Ok(tx) => tx,
            Err(e) => {
                // SAFETY: Allocated above, never registered.
                unsafe { bindings::devlink_free(raw.as_ptr()) };
                return Err(e);
            }
        };
        // SAFETY: `raw` is valid and fully set up.
        unsafe { bindings::devlink_register(raw.as_ptr()) };
        // INVARIANT: registered, with `ops` in the private area and the
        // reporter created with it.
        Ok(Self {
            raw,
            tx,
            _p: PhantomData,
        })
    }

    /// Reports a TX timeout of VF `vf` to the `tx` reporter: the core counts
    /// it, dumps the queue (`auto_dump`) and, unless the user turned
    /// `auto_recover` off or a recovery ran within the grace period, calls
    /// [`DevlinkOps::tx_recover`] for it. Process context, without the
    /// driver's locks; may hold RTNL.
    pub(crate) fn report_tx_timeout(&self, vf: u16) {
        let ctx = vf;
        // SAFETY: The reporter is valid (type invariant); `ctx` outlives the
        // call, which is the only place the callbacks see it.
        unsafe {
            bindings::devlink_health_report(
                self.tx.as_ptr(),
                c"TX queue timed out".as_char_ptr(),
                core::ptr::from_ref(&ctx).cast_mut().cast(),
            )
        };
    }

    /// # Safety
    ///
    /// `devlink` is an instance made by [`Devlink::new`] for a `T`.
    unsafe fn ops<'a>(devlink: *mut bindings::devlink) -> &'a T {
        // SAFETY: By the type invariant the private area holds a valid
        // `*const T` while the instance is registered.
        unsafe { &**bindings::devlink_priv(devlink).cast::<*const T>() }
    }

    /// # Safety
    ///
    /// `reporter` is a reporter made by [`Devlink::new`] for a `T`.
    unsafe fn reporter_ops<'a>(reporter: *mut bindings::devlink_health_reporter) -> &'a T {
        // SAFETY: The reporter's private data is the `*const T`.
        unsafe { &*bindings::devlink_health_reporter_priv(reporter).cast::<T>() }
    }

    /// The VF index a report passed as its context, if any.
    ///
    /// # Safety
    ///
    /// `ctx` is null or points to the `u16` of a running
    /// [`Devlink::report_tx_timeout`].
    unsafe fn report_vf(ctx: *mut c_void) -> Option<u16> {
        // SAFETY: By the safety requirements.
        (!ctx.is_null()).then(|| unsafe { *ctx.cast::<u16>() })
    }

    /// # Safety
    ///
    /// Called by the devlink core as `eswitch_mode_get` of an instance of [`Devlink::new`].
    unsafe extern "C" fn eswitch_mode_get(
        devlink: *mut bindings::devlink,
        mode: *mut u16,
    ) -> c_int {
        // SAFETY: The core calls this for our instance with a valid `mode`.
        unsafe { *mode = Self::ops(devlink).eswitch_mode().to_raw() };
        0
    }

    /// # Safety
    ///
    /// Called by the devlink core as `eswitch_mode_set` of an instance of [`Devlink::new`].
    unsafe extern "C" fn eswitch_mode_set(
        devlink: *mut bindings::devlink,
        mode: u16,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // INVARIANT: the core passes a valid ext_ack or null.
        let extack = ExtAck(extack);
        from_result(|| {
            let mode = EswitchMode::from_raw(mode)
                .ok_or_else(|| extack.fail(EINVAL, c"svnic: unknown eswitch mode"))?;
            // SAFETY: The core calls this for our instance.
            unsafe { Self::ops(devlink) }.set_eswitch_mode(mode, &extack)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the devlink core as `recover` of a reporter of [`Devlink::new`].
    unsafe extern "C" fn tx_recover(
        reporter: *mut bindings::devlink_health_reporter,
        ctx: *mut c_void,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // INVARIANT: the core passes a valid ext_ack or null.
        let extack = ExtAck(extack);
        from_result(|| {
            // SAFETY: The core calls this for our reporter, with the context
            // of `report_tx_timeout` or null.
            let (ops, vf) = unsafe { (Self::reporter_ops(reporter), Self::report_vf(ctx)) };
            ops.tx_recover(vf, &extack)?;
            Ok(0)
        })
    }

    /// Fills `fmsg` for reporter `reporter` with `fill`.
    ///
    /// # Safety
    ///
    /// `reporter` is a reporter made by [`Devlink::new`] for a `T`; `fmsg`
    /// is a message the core is building, valid for the call.
    unsafe fn fill(
        reporter: *mut bindings::devlink_health_reporter,
        fmsg: *mut bindings::devlink_fmsg,
        fill: impl FnOnce(&T, &mut Fmsg<'_>) -> Result,
    ) -> c_int {
        // INVARIANT: valid for the call, by the safety requirements.
        let mut fmsg = Fmsg {
            raw: fmsg,
            _p: PhantomData,
        };
        // SAFETY: By the safety requirements.
        let ops = unsafe { Self::reporter_ops(reporter) };
        from_result(|| {
            fill(ops, &mut fmsg)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the devlink core as `diagnose` of a reporter of [`Devlink::new`].
    unsafe extern "C" fn tx_diagnose(
        reporter: *mut bindings::devlink_health_reporter,
        fmsg: *mut bindings::devlink_fmsg,
        _extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: The core calls this for our reporter with a message it is
        // building.
        unsafe { Self::fill(reporter, fmsg, |ops, fmsg| ops.tx_diagnose(fmsg)) }
    }

    /// # Safety
    ///
    /// Called by the devlink core as `dump` of a reporter of [`Devlink::new`],
    /// with the context of [`Devlink::report_tx_timeout`] or null.
    unsafe extern "C" fn tx_dump(
        reporter: *mut bindings::devlink_health_reporter,
        fmsg: *mut bindings::devlink_fmsg,
        ctx: *mut c_void,
        _extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: By the safety requirements.
        let vf = unsafe { Self::report_vf(ctx) };
        // SAFETY: The core calls this for our reporter with a message it is
        // building.
        unsafe { Self::fill(reporter, fmsg, |ops, fmsg| ops.tx_dump(vf, fmsg)) }
    }
}

impl<T: DevlinkOps> Drop for Devlink<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the instance is registered and the
        // reporter is its own; after this nothing calls into `T`.
        unsafe {
            bindings::devlink_unregister(self.raw.as_ptr());
            bindings::devlink_health_reporter_destroy(self.tx.as_ptr());
            bindings::devlink_free(self.raw.as_ptr());
        }
    }
}
