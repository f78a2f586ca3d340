// SPDX-License-Identifier: GPL-2.0

//! Interrupt vectors.
//!
//! C headers: [`include/linux/interrupt.h`](srctree/include/linux/interrupt.h),
//! [`include/linux/irq.h`](srctree/include/linux/irq.h).
//!
//! A NIC tells its driver that a queue needs it by raising the queue's
//! interrupt vector (MSI-X), and the interrupt runs on a CPU of its
//! affinity. Each svnic NAPI context has such a vector ([`Vector`]): a
//! Linux interrupt of its own, named `<ifname>-TxRx-0@<bus device>` in
//! `/proc/interrupts` (`pf0v1-TxRx-0@svnic0vf1`: interface names repeat
//! across namespaces, bus devices do not), whose affinity is set as any device interrupt's is
//! (`/proc/irq/N/smp_affinity_list`, irqbalance). A raise on a CPU of the
//! affinity schedules the context there at once, as a driver polling its
//! own queue would (not counted as an interrupt: the interrupt core's flow
//! would add about 300 instructions to a frame's 4000); a raise on any
//! other CPU sends an IPI to the first online CPU of the affinity, where
//! the interrupt runs (counted in `/proc/interrupts`) and its handler
//! schedules the context. The default affinity (every CPU) keeps each poll
//! on the CPU that kicked it; an affinity of other CPUs moves the receiving
//! side of the data path there, as a NIC's interrupt does.

use super::bindings;
use core::{
    ffi::c_void,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering::Relaxed},
};
use kernel::{error::to_result, ffi::c_int, prelude::*, types::Opaque};

/// Room for `<ifname>-TxRx-0@<bus device>` and its NUL.
const NAME_LEN: usize = 64;

/// The `smp_call_function_single_async` request of a [`Vector`]: aligned
/// as the C type `call_single_data_t` is.
#[repr(C, align(32))]
#[pin_data]
struct Csd {
    #[pin]
    inner: Opaque<bindings::__call_single_data>,
}

/// The interrupt vector of a NAPI context (see the module documentation).
///
/// # Invariants
///
/// - `irq`, if not 0, is an interrupt descriptor this vector allocated
///   (with [`Vector::CHIP`] and `handle_simple_irq`, chip data `self`),
///   `desc` its descriptor; both are set once, under RTNL, and the
///   descriptor is freed when the vector is dropped.
/// - `csd` calls [`Vector::ipi`] with `self` as its argument.
/// - `requested`: the interrupt is requested, with handler [`Vector::handler`]
///   and `dev_id` `napi`.
/// - `affinity`, once `irq` is set, is the interrupt's affinity mask,
///   `cpu` its first online CPU, and `every` whether it holds every
///   possible CPU.
#[pin_data(PinnedDrop)]
pub(super) struct Vector {
    irq: AtomicU32,
    requested: AtomicBool,
    /// The context the interrupt was requested for (its `dev_id`).
    napi: AtomicPtr<bindings::napi_struct>,
    desc: AtomicPtr<bindings::irq_desc>,
    affinity: AtomicPtr<bindings::cpumask>,
    cpu: AtomicU32,
    /// The affinity is every CPU (the default): a raise stays where it is,
    /// without a look at the mask.
    every: AtomicBool,
    #[pin]
    csd: Csd,
    /// The name the interrupt was requested with; read by `/proc` while
    /// it is requested.
    name: Opaque<[u8; NAME_LEN]>,
}

// SAFETY: The fields are atomics, or written only under RTNL while the
// vector cannot be raised (its context disabled), or C objects the kernel
// serialises (the request, the descriptor).
unsafe impl Sync for Vector {}
// SAFETY: See above.
unsafe impl Send for Vector {}

impl Vector {
    /// The interrupt chip of every vector: no hardware to mask or ack, and
    /// an affinity that decides where [`Vector::raise`] runs the interrupt.
    const CHIP: bindings::irq_chip = bindings::irq_chip {
        name: c"svnic".to_bytes_with_nul().as_ptr(),
        irq_set_affinity: Some(Self::set_affinity),
        // SAFETY: An all-zero `irq_chip` is valid: every other callback is
        // absent.
        ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
    };

    /// A vector with no interrupt yet; [`Vector::request`] allocates it.
    pub(super) fn new() -> impl PinInit<Self> {
        // INVARIANT: `csd` calls `ipi`; its argument is set to the vector's
        // final address in `request`, before the first raise.
        pin_init!(Self {
            irq: AtomicU32::new(0),
            requested: AtomicBool::new(false),
            napi: AtomicPtr::new(core::ptr::null_mut()),
            desc: AtomicPtr::new(core::ptr::null_mut()),
            affinity: AtomicPtr::new(core::ptr::null_mut()),
            every: AtomicBool::new(false),
            cpu: AtomicU32::new(0),
            csd <- pin_init!(Csd {
                inner <- Opaque::ffi_init(|slot: *mut bindings::__call_single_data| {
                    // SAFETY: `slot` is the pinned storage of the request.
                    unsafe { bindings::svnic_init_csd(slot, Some(Self::ipi), core::ptr::null_mut()) }
                }),
            }),
            name: Opaque::new([0; NAME_LEN]),
        })
    }

    /// Requests the vector's interrupt, named after the netdev `dev_name`
    /// and its bus device `bus_name`, with a handler that schedules `napi`
    /// (allocating the interrupt the first time). From `ndo_open`, under
    /// RTNL, before the context is enabled.
    pub(super) fn request(
        &self,
        dev_name: &CStr,
        bus_name: Option<&CStr>,
        napi: *mut bindings::napi_struct,
    ) -> Result {
        if self.irq.load(Relaxed) == 0 {
            // SAFETY: Allocates one descriptor anywhere; no owner module to
            // pin (the vector frees it before the module goes) and the
            // default affinity.
            let irq = unsafe {
                bindings::__irq_alloc_descs(
                    -1,
                    1,
                    1,
                    bindings::NUMA_NO_NODE,
                    core::ptr::null_mut(),
                    core::ptr::null(),
                )
            };
            let irq = u32::try_from(irq).map_err(|_| Error::from_errno(irq))?;
            let this = core::ptr::from_ref(self).cast_mut().cast::<c_void>();
            // SAFETY: `irq` is the descriptor just allocated; the chip is a
            // constant and `handle_simple_irq` the kernel's flow for
            // interrupts without hardware; the chip data is this pinned
            // vector, which frees the descriptor before it goes.
            unsafe {
                bindings::irq_set_chip_and_handler_name(
                    irq,
                    &Self::CHIP,
                    Some(bindings::handle_simple_irq),
                    c"edge".as_char_ptr(),
                );
                bindings::irq_set_chip_data(irq, this);
                (*self.csd.inner.get()).info = this;
            }
            // SAFETY: `irq` is allocated, so its data is that of a
            // descriptor, whose affinity mask lives as long as it does.
            let (desc, affinity) = unsafe {
                let data = bindings::irq_get_irq_data(irq);
                (
                    bindings::svnic_irq_data_to_desc(data),
                    bindings::svnic_irq_data_get_affinity_mask(data),
                )
            };
            // INVARIANT: set once, here, under RTNL; `every` from the
            // default affinity the descriptor was given.
            self.desc.store(desc, Relaxed);
            self.affinity.store(affinity.cast_mut(), Relaxed);
            // SAFETY: `affinity` is the descriptor's valid mask.
            let every = unsafe { bindings::svnic_cpumask_has_every_cpu(affinity) };
            self.every.store(every, Relaxed);
            self.irq.store(irq, Relaxed);
        }
        let bus = bus_name.map_or(&b""[..], CStr::to_bytes);
        let at: &[u8] = if bus.is_empty() { b"" } else { b"@" };
        let parts: [&[u8]; 4] = [dev_name.to_bytes(), b"-TxRx-0", at, bus];
        let mut len = 0;
        for part in parts {
            let n = part.len().min(NAME_LEN - 1 - len);
            // SAFETY: `name` has NAME_LEN bytes and `len + n` stays below
            // it; nobody reads it while the interrupt is not requested.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    part.as_ptr(),
                    self.name.get().cast::<u8>().add(len),
                    n,
                )
            };
            len += n;
        }
        // SAFETY: As above; `len` is below NAME_LEN.
        unsafe { self.name.get().cast::<u8>().add(len).write(0) };
        let name = self.name.get().cast::<u8>();
        // SAFETY: The interrupt is allocated and not requested; `name`
        // lives in the vector, which outlives the request; the handler
        // schedules `napi`, the context the vector belongs to.
        let ret = unsafe {
            bindings::request_threaded_irq(
                self.irq.load(Relaxed),
                Some(Self::handler),
                None,
                0,
                name.cast(),
                napi.cast(),
            )
        };
        to_result(ret)?;
        self.napi.store(napi, Relaxed);
        self.requested.store(true, Relaxed);
        Ok(())
    }

    /// Frees the interrupt if it is requested. From `ndo_stop`, after the
    /// context is disabled (nothing raises the vector any more).
    pub(super) fn free(&self) {
        if self.requested.swap(false, Relaxed) {
            // SAFETY: By the type invariant the interrupt is requested with
            // `dev_id` `napi`; the name it returns is ours.
            unsafe { bindings::free_irq(self.irq.load(Relaxed), self.napi.load(Relaxed).cast()) };
        }
    }

    /// Raises the vector: schedules its context here if this CPU is in its
    /// affinity, else runs its interrupt on the affinity's first online
    /// CPU. Only while the interrupt is requested and its context scheduled
    /// by the caller (`napi_schedule_prep`), so that one raise at a time is
    /// in flight.
    pub(super) fn raise(&self) {
        // Reading `every` or a bit of the mask races only with an affinity
        // change, after which either CPU is right.
        let here = self.every.load(Relaxed) || {
            // SAFETY: By the type invariant `affinity` is the interrupt's
            // mask (requested, so allocated).
            unsafe { bindings::svnic_cpumask_test_this_cpu(self.affinity.load(Relaxed)) }
        };
        if !here {
            let cpu = self.cpu.load(Relaxed);
            // SAFETY: By the type invariant the request calls `ipi` for this
            // vector; it is free, since the caller holds the context's
            // schedule, which the one before released only after it ran.
            if unsafe {
                bindings::smp_call_function_single_async(cpu as c_int, self.csd.inner.get())
            } == 0
            {
                return;
            }
            // That CPU went offline: run it here.
        }
        // Here, the handler's work is done at once, without the interrupt
        // core's flow (its locking, accounting and entropy would add about
        // 300 instructions to a frame's 4000): a raise that stays on its CPU is the
        // driver polling its own queue, not an interrupt.
        // SAFETY: By the type invariant `napi` is the vector's context,
        // whose schedule the caller holds.
        unsafe { bindings::__napi_schedule(self.napi.load(Relaxed)) };
    }

    /// The IPI of a raise on another CPU: runs the interrupt there.
    ///
    /// # Safety
    ///
    /// Called by the IPI core (hard interrupt context) with a raised
    /// vector's address.
    unsafe extern "C" fn ipi(info: *mut c_void) {
        // SAFETY: By the safety requirements `info` is a live vector, and the
        // IPI runs with interrupts off.
        unsafe {
            let vector = &*info.cast::<Self>();
            bindings::svnic_generic_handle_irq_desc(vector.desc.load(Relaxed));
        }
    }

    /// The interrupt's handler: schedules the context it was requested for.
    ///
    /// # Safety
    ///
    /// Called by the interrupt core (hard interrupt context) with the
    /// `dev_id` of `request`.
    unsafe extern "C" fn handler(_irq: c_int, dev_id: *mut c_void) -> bindings::irqreturn_t {
        // SAFETY: `dev_id` is the vector's context, scheduled already by the
        // raise (`napi_schedule_prep`); interrupts are off.
        unsafe { bindings::__napi_schedule_irqoff(dev_id.cast()) };
        bindings::irqreturn_IRQ_HANDLED
    }

    /// The chip's `irq_set_affinity`: refuses a mask without an online CPU;
    /// raises from CPUs outside `dest` go to its first online CPU.
    ///
    /// # Safety
    ///
    /// Called by the interrupt core, under the descriptor's lock, for an
    /// interrupt of [`Vector::CHIP`].
    unsafe extern "C" fn set_affinity(
        data: *mut bindings::irq_data,
        dest: *const bindings::cpumask,
        _force: bool,
    ) -> c_int {
        // SAFETY: By the safety requirements `data` is valid and its chip
        // data a vector (type invariant), which outlives its interrupt;
        // `dest` is a valid mask.
        unsafe {
            let vector = (*data).chip_data.cast::<Self>();
            if vector.is_null() {
                return EINVAL.to_errno();
            }
            let cpu = bindings::svnic_cpumask_first_online(dest);
            if cpu >= bindings::svnic_nr_cpu_ids() {
                return EINVAL.to_errno();
            }
            // INVARIANT: the core copies `dest` into the affinity mask when
            // this returns; `cpu` is its first online CPU.
            bindings::svnic_irq_data_set_effective_affinity(data, dest);
            (*vector).cpu.store(cpu, Relaxed);
            (*vector)
                .every
                .store(bindings::svnic_cpumask_has_every_cpu(dest), Relaxed);
        }
        // IRQ_SET_MASK_OK: the core keeps `dest` as the affinity.
        0
    }
}

#[pinned_drop]
impl PinnedDrop for Vector {
    fn drop(self: Pin<&mut Self>) {
        // Freed on `ndo_stop` already; the context goes down before it goes.
        self.free();
        let irq = self.irq.load(Relaxed);
        if irq != 0 {
            // SAFETY: By the type invariant we allocated `irq`; it is no
            // longer requested.
            unsafe { bindings::irq_free_descs(irq, 1) };
        }
    }
}
