// SPDX-License-Identifier: GPL-2.0

//! devlink: one instance per PF, on the PF's device on the `svnic` bus
//! (`devlink dev show` lists it as `svnic/svnicN`), with the eswitch mode,
//! a `tx` health reporter and one parameter, `vf_tx_skb_sharing`.
//!
//! C header: [`include/net/devlink.h`](srctree/include/net/devlink.h).
//!
//! A PF's driver implements one trait per C operations table:
//! [`DevlinkOps`] for the instance (`devlink_ops`), [`DevlinkPortOps`] for its
//! VFs' ports, their functions and rate leaves (`devlink_port_ops` and the
//! rate operations), [`HealthOps`] for the `tx` reporter
//! (`devlink_health_reporter_ops`). [`Devlink`] owns the instance and its
//! reporter. In switchdev mode each VF has a devlink port ([`VfPort`],
//! flavour `pcivf`, index VF + 1) linked to its representor, whose port
//! function reports the VF's MAC address, and a rate leaf whose `tx_share`
//! and `tx_max` go to [`DevlinkPortOps::set_vf_tx_share`] and
//! [`DevlinkPortOps::set_vf_tx_max`]. The devlink core calls the operations with the
//! instance's lock held, and so do [`Devlink::report_tx_timeout`]'s
//! recovery and dump. Lock order: RTNL, then the devlink instance lock,
//! then the driver's own locks; an operation never takes RTNL.

use super::{bindings, ether::MacAddr, rtnl::ExtAck};
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    error::{from_err_ptr, from_result, to_result},
    ffi::{c_int, c_void},
    prelude::*,
    types::Opaque,
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

/// What a PF's driver does for its devlink instance (`devlink_ops`), with
/// its ports ([`DevlinkPortOps`]) and its `tx` health reporter ([`HealthOps`]).
/// Every operation of the three runs in process context with the
/// instance's lock held, and must not take RTNL.
pub(crate) trait DevlinkOps: DevlinkPortOps + HealthOps + Send + Sync + 'static {
    /// `devlink dev eswitch show`.
    fn eswitch_mode(&self) -> EswitchMode;

    /// `devlink dev eswitch set ... mode`.
    fn set_eswitch_mode(&self, mode: EswitchMode, extack: &ExtAck) -> Result;

    /// `devlink dev param show DEV name vf_tx_skb_sharing`: whether VFs
    /// made from now on take buffers their sender goes on holding
    /// (`IFF_TX_SKB_SHARING`).
    fn vf_tx_skb_sharing(&self) -> bool;

    /// `devlink dev param set DEV name vf_tx_skb_sharing value V cmode
    /// runtime`.
    fn set_vf_tx_skb_sharing(&self, on: bool, extack: &ExtAck) -> Result;
}

/// The `tx` health reporter's operations (`devlink_health_reporter_ops`).
pub(crate) trait HealthOps {
    /// The `tx` reporter's recovery: reset the TX queue of VF `vf` (a
    /// report's), or every timed-out one (`devlink health recover`).
    fn tx_recover(&self, vf: Option<u16>, extack: &ExtAck) -> Result;

    /// `devlink health diagnose ... reporter tx`.
    fn tx_diagnose(&self, fmsg: &mut Fmsg<'_>) -> Result;

    /// `devlink health dump` of the `tx` reporter: the state of VF `vf`'s
    /// TX queue (a report's), or of every VF's.
    fn tx_dump(&self, vf: Option<u16>, fmsg: &mut Fmsg<'_>) -> Result;
}

/// The operations of the VFs' devlink ports: their functions
/// (`devlink_port_ops`) and rate leaves (the rate operations of
/// `devlink_ops`).
pub(crate) trait DevlinkPortOps {
    /// The MAC address of VF `vf` (`devlink port show`: `function hw_addr`;
    /// EOPNOTSUPP leaves it out). Also called while `sriov_numvfs` is being
    /// written, from the port's and representor's registration: must not
    /// take a lock `set_num_vfs` holds.
    fn vf_hw_addr(&self, vf: u16) -> Result<MacAddr>;

    /// Whether VF `vf`'s function is active (`devlink port show`:
    /// `function state`; EOPNOTSUPP leaves it out). Also called while
    /// `sriov_numvfs` is being written: as [`DevlinkPortOps::vf_hw_addr`].
    fn vf_fn_active(&self, vf: u16) -> Result<bool>;

    /// `devlink port function set DEV/N state active|inactive`.
    fn set_vf_fn_active(&self, vf: u16, active: bool, extack: &ExtAck) -> Result;

    /// `devlink port function rate set DEV/N tx_share R` of VF `vf`'s leaf,
    /// in bytes per second.
    fn set_vf_tx_share(&self, vf: u16, bytes_per_sec: u64, extack: &ExtAck) -> Result;

    /// `devlink port function rate set DEV/N tx_max R`, likewise.
    fn set_vf_tx_max(&self, vf: u16, bytes_per_sec: u64, extack: &ExtAck) -> Result;
}

/// The instance lock of a [`Devlink`], held while this value lives.
///
/// # Invariants
///
/// `raw` is a registered instance whose lock this value holds.
pub(crate) struct DevlGuard<'a> {
    raw: NonNull<bindings::devlink>,
    _p: PhantomData<&'a ()>,
}

impl Drop for DevlGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we hold the lock.
        unsafe { bindings::devl_unlock(self.raw.as_ptr()) };
    }
}

/// The devlink port of a VF (flavour `pcivf`, controller 0, PF 0), for its
/// representor.
///
/// Unregister it with [`VfPort::unregister`], with the instance's lock
/// held; a port dropped still registered takes the lock itself.
///
/// # Invariants
///
/// While `registered`, `raw` is registered with the instance its `devlink`
/// field points to, which outlives it, and has a rate leaf whose private
/// data is `vf`.
#[pin_data(PinnedDrop)]
pub(crate) struct VfPort {
    #[pin]
    raw: Opaque<bindings::devlink_port>,
    vf: u16,
    registered: bool,
}

// SAFETY: The port is used through the devlink API, which locks.
unsafe impl Send for VfPort {}
// SAFETY: See above.
unsafe impl Sync for VfPort {}

impl VfPort {
    /// The port, for `SET_NETDEV_DEVLINK_PORT`.
    pub(super) fn as_raw(&self) -> *mut bindings::devlink_port {
        self.raw.get()
    }

    /// Unregisters the port; `guard` holds its instance's lock (else the
    /// port is unregistered when dropped).
    pub(crate) fn unregister(mut self: Pin<KBox<Self>>, guard: &DevlGuard<'_>) {
        // SAFETY: By the type invariant `raw` is a registered port (or
        // zeroed); reading its instance pointer is fine.
        let same = unsafe { (*self.raw.get()).devlink } == guard.raw.as_ptr();
        if self.registered && same {
            // SAFETY: Registered, with its rate leaf, with the instance whose
            // lock `guard` holds.
            unsafe {
                bindings::devl_rate_leaf_destroy(self.raw.get());
                bindings::devl_port_unregister(self.raw.get());
            }
            // SAFETY: `registered` is not structurally pinned.
            // INVARIANT: unregistered just above.
            unsafe { self.as_mut().get_unchecked_mut() }.registered = false;
        }
    }
}

#[pinned_drop]
impl PinnedDrop for VfPort {
    fn drop(self: Pin<&mut Self>) {
        if self.registered {
            // SAFETY: By the type invariant the port is registered with a
            // live instance; its owner does not hold the lock (it would
            // have called `unregister`).
            unsafe {
                let devlink = (*self.raw.get()).devlink;
                bindings::devl_lock(devlink);
                bindings::devl_rate_leaf_destroy(self.raw.get());
                bindings::devl_port_unregister(self.raw.get());
                bindings::devl_unlock(devlink);
            }
        }
    }
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
/// - `raw` has the parameters of `Self::PARAMS` registered.
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

/// Name of the parameter of [`DevlinkOps::vf_tx_skb_sharing`].
const TX_SKB_SHARING: &CStr = c"vf_tx_skb_sharing";
/// Its id: a driver's own parameters come after the generic ones.
const TX_SKB_SHARING_ID: u32 = bindings::devlink_param_generic_id_DEVLINK_PARAM_GENERIC_ID_MAX + 1;

impl<T: DevlinkOps> Devlink<T> {
    const OPS: bindings::devlink_ops = bindings::devlink_ops {
        eswitch_mode_get: Some(Self::eswitch_mode_get),
        eswitch_mode_set: Some(Self::eswitch_mode_set),
        rate_leaf_tx_share_set: Some(Self::rate_leaf_tx_share_set),
        rate_leaf_tx_max_set: Some(Self::rate_leaf_tx_max_set),
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

    const PARAMS: [bindings::devlink_param; 1] = [bindings::devlink_param {
        id: TX_SKB_SHARING_ID,
        name: kernel::str::as_char_ptr_in_const_context(TX_SKB_SHARING),
        generic: false,
        type_: bindings::devlink_param_type_DEVLINK_PARAM_TYPE_BOOL,
        supported_cmodes: 1 << bindings::devlink_param_cmode_DEVLINK_PARAM_CMODE_RUNTIME,
        get: Some(Self::param_get),
        set: Some(Self::param_set),
        validate: None,
        get_default: None,
        reset_default: None,
    }];
    const PARAMS_REF: &'static [bindings::devlink_param; 1] = &Self::PARAMS;

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
        // SAFETY: `raw` is valid and not registered; the table is static.
        let params = to_result(unsafe {
            bindings::devlink_params_register(
                raw.as_ptr(),
                Self::PARAMS_REF.as_ptr(),
                Self::PARAMS.len(),
            )
        });
        if let Err(e) = params {
            // SAFETY: Made above, never registered.
            unsafe {
                bindings::devlink_health_reporter_destroy(tx.as_ptr());
                bindings::devlink_free(raw.as_ptr());
            }
            return Err(e);
        }
        // SAFETY: `raw` is valid and fully set up.
        unsafe { bindings::devlink_register(raw.as_ptr()) };
        // INVARIANT: registered, with `ops` in the private area, the
        // reporter created with it and the parameters registered.
        Ok(Self {
            raw,
            tx,
            _p: PhantomData,
        })
    }

    /// Takes the instance lock. Process context; may hold RTNL, not the
    /// driver's locks.
    pub(crate) fn lock(&self) -> DevlGuard<'_> {
        // SAFETY: By the type invariant the instance is registered.
        unsafe { bindings::devl_lock(self.raw.as_ptr()) };
        // INVARIANT: locked just above.
        DevlGuard {
            raw: self.raw,
            _p: PhantomData,
        }
    }

    const PORT_OPS: bindings::devlink_port_ops = bindings::devlink_port_ops {
        port_fn_hw_addr_get: Some(Self::port_fn_hw_addr_get),
        port_fn_state_get: Some(Self::port_fn_state_get),
        port_fn_state_set: Some(Self::port_fn_state_set),
        // SAFETY: An all-zero `devlink_port_ops` is valid: every other
        // operation is absent.
        ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
    };
    const PORT_OPS_REF: &'static bindings::devlink_port_ops = &Self::PORT_OPS;

    /// Registers the devlink port of VF `vf` on the switch `switch_id`,
    /// with the instance's lock held (`guard`). The core names the port's
    /// netdev (`phys_port_name` `pf0vfN`, `phys_switch_id`) from these.
    pub(crate) fn new_vf_port(
        &self,
        guard: &DevlGuard<'_>,
        vf: u16,
        switch_id: &[u8; 8],
    ) -> Result<Pin<KBox<VfPort>>> {
        if guard.raw != self.raw {
            return Err(EINVAL);
        }
        let mut port = KBox::pin_init(
            pin_init!(VfPort {
                raw: Opaque::zeroed(),
                vf,
                registered: false,
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: `port.raw` is zeroed, pinned storage for a devlink port
        // (the switch ID, 8 bytes, fits its 32); the instance's lock is held
        // (checked above); the ops are static.
        to_result(unsafe {
            let id = &raw mut (*port.raw.get()).attrs.switch_id;
            core::ptr::copy_nonoverlapping(
                switch_id.as_ptr(),
                (*id).id.as_mut_ptr(),
                switch_id.len(),
            );
            (*id).id_len = switch_id.len() as u8;
            bindings::devlink_port_attrs_pci_vf_set(port.raw.get(), 0, 0, vf, false);
            bindings::devl_port_register_with_ops(
                self.raw.as_ptr(),
                port.raw.get(),
                u32::from(vf) + 1,
                Self::PORT_OPS_REF,
            )
        })?;
        // SAFETY: The port was just registered, the lock is held; the leaf's
        // private data is the VF's number, never dereferenced.
        let leaf = to_result(unsafe {
            bindings::devl_rate_leaf_create(
                port.raw.get(),
                usize::from(vf) as *mut c_void,
                core::ptr::null_mut(),
            )
        });
        if let Err(e) = leaf {
            // SAFETY: Registered above, with no leaf; the lock is held.
            unsafe { bindings::devl_port_unregister(port.raw.get()) };
            return Err(e);
        }
        // SAFETY: `registered` is not structurally pinned.
        // INVARIANT: registered with this instance, with its leaf; the
        // instance outlives its ports (their owner, the link layer,
        // unregisters them first).
        unsafe { port.as_mut().get_unchecked_mut() }.registered = true;
        Ok(port)
    }

    /// # Safety
    ///
    /// Called by the devlink core as `port_fn_hw_addr_get` of a [`VfPort`]
    /// of an instance of [`Devlink::new`], with a buffer of `MAX_ADDR_LEN`.
    unsafe extern "C" fn port_fn_hw_addr_get(
        port: *mut bindings::devlink_port,
        hw_addr: *mut u8,
        hw_addr_len: *mut c_int,
        _extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: By the safety requirements.
            let (vf, ops) = unsafe { Self::port_vf(port) };
            let mac = ops.vf_hw_addr(vf)?;
            // SAFETY: The buffer holds `MAX_ADDR_LEN` (32) bytes.
            unsafe {
                core::ptr::copy_nonoverlapping(mac.as_ptr(), hw_addr, mac.len());
                *hw_addr_len = mac.len() as c_int;
            }
            Ok(0)
        })
    }

    /// The VF of port `port` and the driver of its instance.
    ///
    /// # Safety
    ///
    /// `port` is the `raw` field of a [`VfPort`] of an instance of
    /// [`Devlink::new`].
    unsafe fn port_vf<'a>(port: *mut bindings::devlink_port) -> (u16, &'a T) {
        // SAFETY: By the safety requirements.
        unsafe {
            let vf_port = &*kernel::container_of!(Opaque::cast_from(port), VfPort, raw);
            (vf_port.vf, Self::ops((*port).devlink))
        }
    }

    /// # Safety
    ///
    /// Called by the devlink core as `port_fn_state_get` of a [`VfPort`] of
    /// an instance of [`Devlink::new`].
    unsafe extern "C" fn port_fn_state_get(
        port: *mut bindings::devlink_port,
        state: *mut bindings::devlink_port_fn_state,
        opstate: *mut bindings::devlink_port_fn_opstate,
        _extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: By the safety requirements.
            let (vf, ops) = unsafe { Self::port_vf(port) };
            let active = ops.vf_fn_active(vf)?;
            // SAFETY: The core passes valid pointers. A VF's netdev exists
            // while its port does: the function is always attached.
            unsafe {
                *state = if active {
                    bindings::devlink_port_fn_state_DEVLINK_PORT_FN_STATE_ACTIVE
                } else {
                    bindings::devlink_port_fn_state_DEVLINK_PORT_FN_STATE_INACTIVE
                };
                *opstate = bindings::devlink_port_fn_opstate_DEVLINK_PORT_FN_OPSTATE_ATTACHED;
            }
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the devlink core as `port_fn_state_set` of a [`VfPort`] of
    /// an instance of [`Devlink::new`].
    unsafe extern "C" fn port_fn_state_set(
        port: *mut bindings::devlink_port,
        state: bindings::devlink_port_fn_state,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // INVARIANT: the core passes a valid ext_ack or null.
        let extack = ExtAck(extack);
        from_result(|| {
            // SAFETY: By the safety requirements.
            let (vf, ops) = unsafe { Self::port_vf(port) };
            let active = match state {
                bindings::devlink_port_fn_state_DEVLINK_PORT_FN_STATE_ACTIVE => true,
                bindings::devlink_port_fn_state_DEVLINK_PORT_FN_STATE_INACTIVE => false,
                _ => return Err(extack.fail(EINVAL, c"svnic: unknown port function state")),
            };
            ops.set_vf_fn_active(vf, active, &extack)?;
            Ok(0)
        })
    }

    /// Runs `set` for the VF of rate leaf `rate` (its private data `priv_`).
    ///
    /// # Safety
    ///
    /// `rate` is a leaf of a [`VfPort`] of an instance of [`Devlink::new`],
    /// whose private data is `priv_`; `extack` is valid or null.
    unsafe fn rate_leaf_set(
        rate: *mut bindings::devlink_rate,
        priv_: *mut c_void,
        extack: *mut bindings::netlink_ext_ack,
        set: impl FnOnce(&T, u16, &ExtAck) -> Result,
    ) -> c_int {
        // INVARIANT: by the safety requirements.
        let extack = ExtAck(extack);
        from_result(|| {
            let vf = u16::try_from(priv_ as usize).map_err(|_| EINVAL)?;
            // SAFETY: By the safety requirements the leaf's instance is ours.
            let ops = unsafe { Self::ops((*rate).devlink) };
            set(ops, vf, &extack)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the devlink core as `rate_leaf_tx_share_set` of a leaf
    /// made by [`Devlink::new_vf_port`].
    unsafe extern "C" fn rate_leaf_tx_share_set(
        rate: *mut bindings::devlink_rate,
        priv_: *mut c_void,
        tx_share: u64,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: By the safety requirements.
        unsafe {
            Self::rate_leaf_set(rate, priv_, extack, |ops, vf, extack| {
                ops.set_vf_tx_share(vf, tx_share, extack)
            })
        }
    }

    /// # Safety
    ///
    /// Called by the devlink core as `rate_leaf_tx_max_set` of a leaf made
    /// by [`Devlink::new_vf_port`].
    unsafe extern "C" fn rate_leaf_tx_max_set(
        rate: *mut bindings::devlink_rate,
        priv_: *mut c_void,
        tx_max: u64,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: By the safety requirements.
        unsafe {
            Self::rate_leaf_set(rate, priv_, extack, |ops, vf, extack| {
                ops.set_vf_tx_max(vf, tx_max, extack)
            })
        }
    }

    /// Reports a TX timeout of VF `vf` to the `tx` reporter: the core counts
    /// it, dumps the queue (`auto_dump`) and, unless the user turned
    /// `auto_recover` off or a recovery ran within the grace period, calls
    /// [`HealthOps::tx_recover`] for it. Process context, without the
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
    /// Called by the devlink core as `get` of a parameter of an instance of
    /// ours, with its lock held.
    unsafe extern "C" fn param_get(
        devlink: *mut bindings::devlink,
        _id: u32,
        ctx: *mut bindings::devlink_param_gset_ctx,
        _extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: The core calls this for our instance, with `ctx` valid for
        // writes; the parameter is a bool.
        unsafe { (*ctx).val.vbool = Self::ops(devlink).vf_tx_skb_sharing() };
        0
    }

    /// # Safety
    ///
    /// Called by the devlink core as `set` of a parameter of an instance of
    /// ours, with its lock held.
    unsafe extern "C" fn param_set(
        devlink: *mut bindings::devlink,
        _id: u32,
        ctx: *mut bindings::devlink_param_gset_ctx,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // INVARIANT: the core passes a valid ext_ack or null.
        let extack = ExtAck(extack);
        from_result(|| {
            // SAFETY: `ctx` is valid for reads and holds a bool (the
            // parameter's type), as parsed by the core.
            let on = unsafe { (*ctx).val.vbool };
            // SAFETY: The core calls this for our instance.
            unsafe { Self::ops(devlink) }.set_vf_tx_skb_sharing(on, &extack)?;
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
        // SAFETY: By the type invariant the instance is registered, with
        // our parameters, and the reporter is its own; after this nothing
        // calls into `T`.
        unsafe {
            bindings::devlink_unregister(self.raw.as_ptr());
            bindings::devlink_params_unregister(
                self.raw.as_ptr(),
                Self::PARAMS_REF.as_ptr(),
                Self::PARAMS.len(),
            );
            bindings::devlink_health_reporter_destroy(self.tx.as_ptr());
            bindings::devlink_free(self.raw.as_ptr());
        }
    }
}
