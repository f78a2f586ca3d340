// SPDX-License-Identifier: GPL-2.0

//! The device model behind PFs and VFs: the `svnic` bus.
//!
//! C headers: [`include/linux/device.h`](srctree/include/linux/device.h),
//! [`include/linux/device/bus.h`](srctree/include/linux/device/bus.h).
//!
//! This is the one small interface the rest of svnic sees of "where PF and
//! VF netdevs hang off": every PF netdev has a parent [`PfDevice`] on the
//! `svnic` bus, with the PCI-like `sriov_totalvfs` and `sriov_numvfs`
//! attributes and `virtfnN` links; every VF netdev has a parent
//! [`VfDevice`] with a `physfn` link. The bus reports each PF device's VF
//! count (`bus_type::num_vf`), which is what makes `ip link show PF` list
//! the VFs. A later device model (a software PCI host bridge) can replace
//! this file without the data path noticing.

use super::bindings;
use core::{
    marker::PhantomData,
    ptr::{self, NonNull},
    sync::atomic::{
        AtomicUsize,
        Ordering::{AcqRel, Relaxed},
    },
};
use kernel::{
    error::{from_result, to_result},
    ffi::{c_char, c_int, c_void},
    prelude::*,
    str::CString,
    sync::Completion,
    types::Opaque,
};

/// What a PF device asks of its driver through sysfs and the bus.
pub(crate) trait SriovOps: Send + Sync + 'static {
    /// `sriov_totalvfs`.
    fn total_vfs(&self) -> u16;
    /// `sriov_numvfs` (read), and the bus's `num_vf`. May be called in
    /// atomic context (rtnetlink sizes messages under RCU): must not sleep.
    fn num_vfs(&self) -> u16;
    /// `sriov_numvfs` (write), in process context with no lock held.
    fn set_num_vfs(&self, n: u16) -> Result;
}

/// The bus and device types, in one pinned allocation.
#[repr(C)]
#[pin_data]
struct Tables {
    #[pin]
    bus: Opaque<bindings::bus_type>,
    /// The `svnic` driver, bound to every device on the bus: it is what
    /// `/sys/class/net/DEV/device/driver` names, and devlink needs a
    /// device's driver.
    #[pin]
    driver: Opaque<bindings::device_driver>,
    #[pin]
    pf_type: Opaque<bindings::device_type>,
    #[pin]
    vf_type: Opaque<bindings::device_type>,
    #[pin]
    total_attr: Opaque<bindings::device_attribute>,
    #[pin]
    num_attr: Opaque<bindings::device_attribute>,
    #[pin]
    attrs: Opaque<[*mut bindings::attribute; 3]>,
    #[pin]
    group: Opaque<bindings::attribute_group>,
    #[pin]
    groups: Opaque<[*const bindings::attribute_group; 2]>,
    /// Devices of the bus not yet released, plus one for the bus itself.
    live: AtomicUsize,
    /// Completed when `live` drops to zero.
    #[pin]
    released: Completion,
}

impl Tables {
    /// A device of the bus was made: its release is awaited.
    fn hold(&self) {
        self.live.fetch_add(1, Relaxed);
    }

    /// A device of the bus was released, or the bus let go of itself; the
    /// last completes `released`.
    fn release(&self) {
        if self.live.fetch_sub(1, AcqRel) == 1 {
            self.released.complete_all();
        }
    }
}

/// The registered `svnic` bus for PF devices whose driver data is a `T`.
///
/// # Invariants
///
/// `tables.bus` and `tables.driver` are registered until `drop`; the device
/// types and attributes live as long as the bus.
pub(crate) struct Bus<T: SriovOps> {
    tables: Pin<KBox<Tables>>,
    _p: PhantomData<T>,
}

// SAFETY: The bus is only registered and unregistered; the tables are
// immutable after registration.
unsafe impl<T: SriovOps> Send for Bus<T> {}
// SAFETY: See above.
unsafe impl<T: SriovOps> Sync for Bus<T> {}

impl<T: SriovOps> Bus<T> {
    /// Registers the `svnic` bus.
    pub(crate) fn new() -> Result<Self> {
        let tables = KBox::pin_init(
            pin_init!(Tables {
                bus <- Opaque::ffi_init(|b: *mut bindings::bus_type| {
                    // SAFETY: `b` is our pinned, writable storage.
                    unsafe {
                        ptr::write_bytes(b, 0, 1);
                        (*b).name = c"svnic".as_char_ptr();
                        (*b).num_vf = Some(num_vf_callback::<T>);
                    }
                }),
                driver <- Opaque::ffi_init(|d: *mut bindings::device_driver| {
                    // SAFETY: As above; the bus is set below.
                    unsafe {
                        ptr::write_bytes(d, 0, 1);
                        (*d).name = c"svnic".as_char_ptr();
                        // Devices are bound by their owner's lifetime, not
                        // through sysfs.
                        (*d).suppress_bind_attrs = true;
                    }
                }),
                pf_type <- Opaque::ffi_init(|t: *mut bindings::device_type| {
                    // SAFETY: As above.
                    unsafe {
                        ptr::write_bytes(t, 0, 1);
                        (*t).name = c"svnic_pf".as_char_ptr();
                        (*t).release = Some(release_callback);
                    }
                }),
                vf_type <- Opaque::ffi_init(|t: *mut bindings::device_type| {
                    // SAFETY: As above.
                    unsafe {
                        ptr::write_bytes(t, 0, 1);
                        (*t).name = c"svnic_vf".as_char_ptr();
                        (*t).release = Some(release_callback);
                    }
                }),
                total_attr <- attr_init(c"sriov_totalvfs", 0o444, Some(total_show::<T>), None),
                num_attr <- attr_init(c"sriov_numvfs", 0o644, Some(num_show::<T>), Some(num_store::<T>)),
                attrs <- Opaque::ffi_init(|a: *mut [*mut bindings::attribute; 3]| {
                    // SAFETY: As above; filled in below once addresses are known.
                    unsafe { ptr::write(a, [ptr::null_mut(); 3]) };
                }),
                group <- Opaque::ffi_init(|g: *mut bindings::attribute_group| {
                    // SAFETY: As above.
                    unsafe { ptr::write_bytes(g, 0, 1) };
                }),
                groups <- Opaque::ffi_init(|g: *mut [*const bindings::attribute_group; 2]| {
                    // SAFETY: As above.
                    unsafe { ptr::write(g, [ptr::null(); 2]) };
                }),
                live: AtomicUsize::new(1),
                released <- Completion::new(),
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: The tables are pinned and not yet shared; link them up.
        unsafe {
            let attrs = &mut *tables.attrs.get();
            attrs[0] = &raw mut (*tables.total_attr.get()).attr;
            attrs[1] = &raw mut (*tables.num_attr.get()).attr;
            (*tables.group.get()).__bindgen_anon_2.attrs = attrs.as_mut_ptr();
            let groups = &mut *tables.groups.get();
            groups[0] = tables.group.get();
            (*tables.pf_type.get()).groups = groups.as_mut_ptr();
            (*tables.driver.get()).bus = tables.bus.get();
        }
        // SAFETY: The bus table is pinned and outlives the registration.
        to_result(unsafe { bindings::bus_register(tables.bus.get()) })?;
        // SAFETY: The driver table is pinned, its bus registered. With no
        // `match` or `probe` callback, it binds every device added to the
        // bus, synchronously in `device_add`.
        if let Err(e) = to_result(unsafe { bindings::driver_register(tables.driver.get()) }) {
            // SAFETY: Registered just above, no device on it yet.
            unsafe { bindings::bus_unregister(tables.bus.get()) };
            return Err(e);
        }
        // INVARIANT: registered above.
        Ok(Self {
            tables,
            _p: PhantomData,
        })
    }
}

impl<T: SriovOps> Drop for Bus<T> {
    fn drop(&mut self) {
        // A device outlives its unregistration while references to it remain
        // (devlink drops its own from a work item, after an RCU grace
        // period), and its release function is ours: wait for the last.
        self.tables.release();
        self.tables.released.wait_for_completion();
        // SAFETY: By the type invariant the bus and its driver are
        // registered; every device on the bus was unregistered by its owner
        // before the module gets here, and released since.
        unsafe {
            bindings::driver_unregister(self.tables.driver.get());
            bindings::bus_unregister(self.tables.bus.get());
        }
    }
}

fn attr_init(
    name: &'static CStr,
    mode: u16,
    show: Option<
        unsafe extern "C" fn(
            *mut bindings::device,
            *mut bindings::device_attribute,
            *mut c_char,
        ) -> isize,
    >,
    store: Option<
        unsafe extern "C" fn(
            *mut bindings::device,
            *mut bindings::device_attribute,
            *const c_char,
            usize,
        ) -> isize,
    >,
) -> impl PinInit<Opaque<bindings::device_attribute>> {
    Opaque::ffi_init(move |a: *mut bindings::device_attribute| {
        // SAFETY: `a` is pinned, writable storage inside `Tables`.
        unsafe {
            ptr::write_bytes(a, 0, 1);
            // Attributes outside static storage need a lockdep key.
            bindings::svnic_sysfs_attr_init(&raw mut (*a).attr);
            (*a).attr.name = name.as_char_ptr();
            (*a).attr.mode = mode;
            (*a).__bindgen_anon_1.show = show;
            (*a).__bindgen_anon_2.store = store;
        }
    })
}

/// # Safety
///
/// Called by the driver core when the last reference to a device of ours goes.
unsafe extern "C" fn release_callback(dev: *mut bindings::device) {
    // SAFETY: Every device of ours was made by `Registered::new` on the bus
    // of a `Tables`, which `Bus::drop` keeps alive until this call.
    let tables =
        unsafe { &*kernel::container_of!(Opaque::cast_from((*dev).bus).cast_mut(), Tables, bus) };
    // SAFETY: Every device of ours is the first field of a `KBox<BusDev>`
    // made by `Registered::new`, leaked there and owned by the refcount.
    drop(unsafe { KBox::from_raw(dev.cast::<BusDev>()) });
    tables.release();
}

/// The driver data of a PF device.
///
/// # Safety
///
/// `dev` is a registered PF device of a `Bus<T>`.
unsafe fn pf_ops<'a, T: SriovOps>(dev: *mut bindings::device) -> Option<&'a T> {
    // SAFETY: PF devices carry a `*const T` as driver data, valid while they
    // are registered (`PfDevice` unregisters before `T` goes away).
    unsafe { (*dev).driver_data.cast::<T>().cast_const().as_ref() }
}

/// # Safety
///
/// Called by rtnetlink through `dev_num_vf` for a device on our bus.
unsafe extern "C" fn num_vf_callback<T: SriovOps>(dev: *mut bindings::device) -> c_int {
    // SAFETY: `dev` is one of ours; VF devices have no driver data.
    match unsafe { pf_ops::<T>(dev) } {
        Some(ops) => c_int::from(ops.num_vfs()),
        None => 0,
    }
}

/// Writes `value` and a newline to a sysfs page.
///
/// # Safety
///
/// `buf` is a sysfs show buffer (a page).
unsafe fn emit(buf: *mut c_char, value: u16) -> isize {
    let mut digits = [0u8; 8];
    let mut n = usize::from(value);
    let mut i = digits.len();
    digits[i - 1] = b'\n';
    i -= 1;
    loop {
        i -= 1;
        // PANIC: a u16 has at most 5 digits, `digits` has room for 7.
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let len = digits.len() - i;
    // SAFETY: `buf` holds a page, far more than 8 bytes.
    unsafe { ptr::copy_nonoverlapping(digits[i..].as_ptr(), buf.cast::<u8>(), len) };
    len as isize
}

/// # Safety
///
/// Called by sysfs for `sriov_totalvfs` of a PF device.
unsafe extern "C" fn total_show<T: SriovOps>(
    dev: *mut bindings::device,
    _attr: *mut bindings::device_attribute,
    buf: *mut c_char,
) -> isize {
    // SAFETY: `dev` is a registered PF device.
    match unsafe { pf_ops::<T>(dev) } {
        // SAFETY: `buf` is the sysfs page.
        Some(ops) => unsafe { emit(buf, ops.total_vfs()) },
        None => ENODEV.to_errno() as isize,
    }
}

/// # Safety
///
/// Called by sysfs for `sriov_numvfs` of a PF device.
unsafe extern "C" fn num_show<T: SriovOps>(
    dev: *mut bindings::device,
    _attr: *mut bindings::device_attribute,
    buf: *mut c_char,
) -> isize {
    // SAFETY: `dev` is a registered PF device.
    match unsafe { pf_ops::<T>(dev) } {
        // SAFETY: `buf` is the sysfs page.
        Some(ops) => unsafe { emit(buf, ops.num_vfs()) },
        None => ENODEV.to_errno() as isize,
    }
}

/// Parses a sysfs write: a decimal number, optionally followed by a newline.
fn parse_u16(bytes: &[u8]) -> Result<u16> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if bytes.is_empty() || bytes.len() > 5 {
        return Err(EINVAL);
    }
    let mut v: u32 = 0;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return Err(EINVAL);
        }
        v = v * 10 + u32::from(b - b'0');
    }
    u16::try_from(v).map_err(|_| ERANGE)
}

/// # Safety
///
/// Called by sysfs for writes to `sriov_numvfs` of a PF device.
unsafe extern "C" fn num_store<T: SriovOps>(
    dev: *mut bindings::device,
    _attr: *mut bindings::device_attribute,
    buf: *const c_char,
    count: usize,
) -> isize {
    from_result(|| {
        // SAFETY: `dev` is a registered PF device.
        let ops = unsafe { pf_ops::<T>(dev) }.ok_or(ENODEV)?;
        // SAFETY: sysfs passes `count` readable bytes.
        let bytes = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), count) };
        ops.set_num_vfs(parse_u16(bytes)?)?;
        Ok(count as isize)
    })
}

/// A device on the bus, as allocated: `dev` must stay the first field
/// (`release_callback` casts back).
#[repr(C)]
struct BusDev {
    dev: Opaque<bindings::device>,
}

/// A registered device on the bus.
///
/// # Invariants
///
/// `dev` is registered (`device_add`) until `drop`, which unregisters it;
/// the memory belongs to the device's refcount.
struct Registered(NonNull<bindings::device>);

impl Registered {
    /// Allocates and registers a device on the bus of `tables`, which
    /// awaits its release.
    ///
    /// # Safety
    ///
    /// `ty` and `tables` outlive the device; `parent` is null or a
    /// registered device; `data` is null or stays valid while the device is
    /// registered.
    unsafe fn new(
        tables: &Tables,
        ty: *const bindings::device_type,
        parent: *mut bindings::device,
        data: *const c_void,
        name: &CStr,
    ) -> Result<Self> {
        let boxed = KBox::new(
            BusDev {
                dev: Opaque::zeroed(),
            },
            GFP_KERNEL,
        )?;
        let dev = KBox::into_raw(boxed).cast::<bindings::device>();
        // SAFETY: `dev` is zeroed storage we own; after `device_initialize`
        // the refcount owns it and `put_device` frees it (`release_callback`).
        unsafe {
            bindings::device_initialize(dev);
            (*dev).bus = tables.bus.get();
            // From here `put_device` releases the device, through
            // `release_callback`.
            tables.hold();
            (*dev).type_ = ty;
            (*dev).parent = parent;
            (*dev).driver_data = data.cast_mut();
            let ret = bindings::dev_set_name(dev, c"%s".as_char_ptr(), name.as_char_ptr());
            if ret == 0 {
                let ret = bindings::device_add(dev);
                if ret == 0 {
                    // INVARIANT: registered.
                    return Ok(Self(NonNull::new_unchecked(dev)));
                }
                bindings::put_device(dev);
                return Err(Error::from_errno(ret));
            }
            bindings::put_device(dev);
            Err(Error::from_errno(ret))
        }
    }

    fn as_raw(&self) -> *mut bindings::device {
        self.0.as_ptr()
    }

    fn kobj(&self) -> *mut bindings::kobject {
        // SAFETY: By the type invariant the device is valid.
        unsafe { &raw mut (*self.as_raw()).kobj }
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the device is registered and we hold
        // the reference `device_initialize` gave us.
        unsafe {
            bindings::device_del(self.as_raw());
            bindings::put_device(self.as_raw());
        }
    }
}

/// The parent device of a PF netdev, with the SR-IOV attributes.
pub(crate) struct PfDevice(Registered);

// SAFETY: The device is refcounted kernel state usable from any thread.
unsafe impl Send for PfDevice {}
// SAFETY: See above.
unsafe impl Sync for PfDevice {}

impl PfDevice {
    /// Registers a PF device named `name` whose SR-IOV callbacks go to `ops`.
    ///
    /// # Safety
    ///
    /// `ops` stays valid (and pinned) until the returned value is dropped.
    pub(crate) unsafe fn new<T: SriovOps>(
        bus: &Bus<T>,
        name: &CStr,
        ops: *const T,
    ) -> Result<Self> {
        // SAFETY: The bus tables outlive devices on the bus; `ops` by the
        // function's safety requirements.
        unsafe {
            Registered::new(
                &bus.tables,
                bus.tables.pf_type.get(),
                ptr::null_mut(),
                ops.cast(),
                name,
            )
        }
        .map(Self)
    }

    pub(super) fn as_raw(&self) -> *mut bindings::device {
        self.0.as_raw()
    }
}

/// The parent device of a VF netdev, linked to its PF device.
///
/// # Invariants
///
/// The `virtfnN` link on the PF device and the `physfn` link on this device
/// exist until `drop` removes them.
pub(crate) struct VfDevice {
    dev: Registered,
    pf: *mut bindings::device,
    link: CString,
}

// SAFETY: The device is refcounted kernel state usable from any thread.
unsafe impl Send for VfDevice {}
// SAFETY: See above.
unsafe impl Sync for VfDevice {}

impl VfDevice {
    /// Registers the device of VF `index` of `pf`, named `name`.
    pub(crate) fn new<T: SriovOps>(
        bus: &Bus<T>,
        pf: &PfDevice,
        index: u16,
        name: &CStr,
    ) -> Result<Self> {
        // SAFETY: The bus tables outlive devices on the bus; `pf` is
        // registered; VF devices carry no driver data.
        let dev = unsafe {
            Registered::new(
                &bus.tables,
                bus.tables.vf_type.get(),
                pf.as_raw(),
                ptr::null(),
                name,
            )
        }?;
        let link = CString::try_from_fmt(fmt!("virtfn{index}"))?;
        // SAFETY: Both devices are registered.
        unsafe {
            to_result(bindings::sysfs_create_link(
                dev.kobj(),
                &raw mut (*pf.as_raw()).kobj,
                c"physfn".as_char_ptr(),
            ))?;
            if let Err(e) = to_result(bindings::sysfs_create_link(
                &raw mut (*pf.as_raw()).kobj,
                dev.kobj(),
                link.as_char_ptr(),
            )) {
                bindings::sysfs_remove_link(dev.kobj(), c"physfn".as_char_ptr());
                return Err(e);
            }
        }
        // INVARIANT: both links were made.
        Ok(Self {
            dev,
            pf: pf.as_raw(),
            link,
        })
    }

    pub(super) fn as_raw(&self) -> *mut bindings::device {
        self.dev.as_raw()
    }
}

impl Drop for VfDevice {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the links exist; the PF device
        // outlives its VF devices (its owner drops them first).
        unsafe {
            bindings::sysfs_remove_link(&raw mut (*self.pf).kobj, self.link.as_char_ptr());
            bindings::sysfs_remove_link(self.dev.kobj(), c"physfn".as_char_ptr());
        }
    }
}
