// SPDX-License-Identifier: GPL-2.0
/*
 * The marker of `make bench`'s insns workload: a static program without
 * libc whose function svnic_mark sits at a fixed address (the linker puts
 * section .svnic_mark at 0x70000000, tools/bench/run.sh), which the insns
 * QEMU plugin watches: each run of this program ends one counting window.
 */
__attribute__((noinline, section(".svnic_mark"))) void svnic_mark(void)
{
	__asm__ volatile("" ::: "memory");
}

void _start(void)
{
	svnic_mark();
	__asm__ volatile("mov $60, %eax\n\txor %edi, %edi\n\tsyscall");
	__builtin_unreachable();
}
