// SPDX-License-Identifier: GPL-2.0

//! Per-CPU counters.
//!
//! C header: [`include/linux/percpu.h`](srctree/include/linux/percpu.h).
//!
//! The data path counts every frame; a shared atomic would bounce its cache
//! line between CPUs and pay a locked instruction per frame, which veth does
//! not. Each CPU adds to its own copy with `this_cpu_add` (one instruction
//! on x86, safe from any context); readers sum the copies. On x86-64 SMP
//! kernels the instruction is emitted here, as the C macro emits it, instead
//! of a call to a helper around the macro (a frame pays eight of them).

use super::bindings;
use core::ptr::NonNull;
use kernel::prelude::*;

/// `N` counters, one copy per CPU.
///
/// # Invariants
///
/// `ptr` is a live per-CPU allocation of `[u64; N]` (zeroed by the
/// allocator), owned by this value and freed when it drops.
pub(crate) struct PerCpuCounters<const N: usize> {
    ptr: NonNull<u64>,
}

// SAFETY: Each CPU writes only its own copy, with one `this_cpu_add`;
// readers only load.
unsafe impl<const N: usize> Sync for PerCpuCounters<N> {}
// SAFETY: The allocation is not tied to a thread.
unsafe impl<const N: usize> Send for PerCpuCounters<N> {}

impl<const N: usize> PerCpuCounters<N> {
    /// `N` counters at 0.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: No precondition; per-CPU allocations are zeroed.
        let raw = unsafe { bindings::svnic_alloc_percpu_u64(N) };
        // INVARIANT: a non-null result is a fresh allocation of the size.
        NonNull::new(raw.cast::<u64>())
            .map(|ptr| Self { ptr })
            .ok_or(ENOMEM)
    }

    /// Adds `n` to counter `i` on this CPU (ignored for `i >= N`).
    #[inline]
    pub(crate) fn add(&self, i: usize, n: u64) {
        if i >= N {
            return;
        }
        let counter = self.ptr.as_ptr().wrapping_add(i);
        #[cfg(all(target_arch = "x86_64", CONFIG_SMP))]
        // SAFETY: By the type invariant `counter` is a per-CPU `u64` (`i <
        // N`): relative to the `%gs` base, which is this CPU's per-CPU
        // offset, it addresses this CPU's copy. One `add` to it is what
        // `this_cpu_add` emits on x86-64: it cannot be split by an interrupt
        // or a migration, so it is safe with preemption on or off.
        unsafe {
            core::arch::asm!(
                "add qword ptr gs:[{counter}], {n}",
                counter = in(reg) counter,
                n = in(reg) n,
                options(nostack),
            )
        };
        #[cfg(not(all(target_arch = "x86_64", CONFIG_SMP)))]
        // SAFETY: By the type invariant `counter` is a per-CPU `u64` (`i <
        // N`); `this_cpu_add` is safe with preemption on or off.
        unsafe {
            bindings::svnic_this_cpu_add_u64(counter, n)
        };
    }

    /// The sum of counter `i` over every CPU (0 for `i >= N`).
    pub(crate) fn sum(&self, i: usize) -> u64 {
        if i >= N {
            return 0;
        }
        let mut total = 0u64;
        // SAFETY: No precondition.
        let cpus = unsafe { bindings::svnic_nr_cpu_ids() };
        for cpu in 0..cpus {
            // SAFETY: No precondition.
            if !unsafe { bindings::svnic_cpu_possible(cpu) } {
                continue;
            }
            // SAFETY: By the type invariant `ptr` is a per-CPU `[u64; N]` and
            // `cpu` a possible CPU, so the copy exists; an aligned u64 load
            // does not tear while its CPU adds to it.
            let v = unsafe {
                core::ptr::read_volatile(bindings::svnic_per_cpu_ptr(
                    self.ptr.as_ptr().wrapping_add(i),
                    cpu,
                ))
            };
            total = total.wrapping_add(v);
        }
        total
    }
}

impl<const N: usize> Drop for PerCpuCounters<N> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the allocation is ours.
        unsafe { bindings::free_percpu(self.ptr.as_ptr().cast()) }
    }
}
