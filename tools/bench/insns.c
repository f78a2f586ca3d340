// SPDX-License-Identifier: GPL-2.0
/*
 * A QEMU TCG plugin for `make bench`'s insns workload: exact counts of the
 * guest instructions executed, by translation block, between two
 * executions of a marker address; optionally, the data TLB misses a
 * direct-mapped software TLB like TCG's would take.
 *
 *   qemu-system-x86_64 -plugin insns.so,mark=0xADDR,out=FILE[,tlb=1] ...
 *
 * Each time the guest executes the code at `mark` (a function of the
 * static program tools/bench/mark.c, at a fixed address), the plugin
 * writes what ran since the last time to FILE, one line a translation
 * block with executions: "ADDR INSNS EXECS MEM MISS64 MISS256 MISS1024",
 * between "dump N" and "end" (then counts from 0 again). MEM is the
 * block's memory accesses, MISS<n> the misses of a simulated TLB of n
 * entries, direct-mapped by page number, with an 8-entry victim TLB, one
 * per vCPU and privilege (QEMU's softmmu TLB has that shape; its size
 * adapts between 64 and many entries, 256 by default). Counts are
 * relaxed: two vCPUs running one block at once may lose an increment.
 *
 * The plugin API is QEMU's (include/qemu/qemu-plugin.h, API version 4,
 * QEMU 9.2 and later); the few declarations used are repeated below.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

/* --- the QEMU plugin API used (qemu-plugin.h, version 4) --- */
typedef uint64_t qemu_plugin_id_t;
typedef uint32_t qemu_plugin_meminfo_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_RW = 3 };
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu, void *udata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu, qemu_plugin_meminfo_t info,
					  uint64_t vaddr, void *udata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags, void *udata);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_mem_cb_t cb,
				      enum qemu_plugin_cb_flags flags, enum qemu_plugin_mem_rw rw,
				      void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);

__attribute__((visibility("default"))) int qemu_plugin_version = 4;

/* --- counting --- */

/* One translation of a block (a block translated again gets another). */
struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t execs;
	uint64_t mem;
	uint64_t miss[3];
	struct block *next;
};

#define VICTIMS 8
#define MAX_VCPUS 16
static const unsigned int tlb_bits[3] = { 6, 8, 10 };

/* A simulated TLB: tags are page number + 1 (0: empty). */
struct tlb {
	uint64_t tag[1 << 10];
	uint64_t victim[VICTIMS];
	unsigned int next_victim;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct block *blocks;
static uint64_t mark;
static FILE *out;
static int dumps;
static bool simulate_tlb;
/* [vCPU][user, kernel][size] */
static struct tlb tlbs[MAX_VCPUS][2][3];

/* Whether an access to `page` misses `t` of 2^bits entries; fills it. */
static bool tlb_miss(struct tlb *t, unsigned int bits, uint64_t page)
{
	uint64_t *slot = &t->tag[page & ((1u << bits) - 1)];

	if (*slot == page + 1)
		return false;
	for (int i = 0; i < VICTIMS; i++) {
		if (t->victim[i] == page + 1) {
			t->victim[i] = *slot;
			*slot = page + 1;
			return false;
		}
	}
	t->victim[t->next_victim] = *slot;
	t->next_victim = (t->next_victim + 1) % VICTIMS;
	*slot = page + 1;
	return true;
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	struct block *b = udata;
	int kernel = vaddr >= 0xffff800000000000ull;

	(void)info;
	__atomic_fetch_add(&b->mem, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 3; i++)
		if (tlb_miss(&tlbs[vcpu % MAX_VCPUS][kernel][i], tlb_bits[i], vaddr >> 12))
			__atomic_fetch_add(&b->miss[i], 1, __ATOMIC_RELAXED);
}

static void on_exec(unsigned int vcpu, void *udata)
{
	struct block *b = udata;

	(void)vcpu;
	__atomic_fetch_add(&b->execs, 1, __ATOMIC_RELAXED);
}

static uint64_t take(uint64_t *v)
{
	return __atomic_exchange_n(v, 0, __ATOMIC_RELAXED);
}

static void on_mark(unsigned int vcpu, void *udata)
{
	(void)udata;
	pthread_mutex_lock(&lock);
	fprintf(out, "dump %d vcpu %u\n", dumps++, vcpu);
	for (struct block *b = blocks; b; b = b->next) {
		uint64_t execs = take(&b->execs), mem = take(&b->mem);
		uint64_t m0 = take(&b->miss[0]), m1 = take(&b->miss[1]), m2 = take(&b->miss[2]);

		if (execs)
			fprintf(out, "%016llx %llu %llu %llu %llu %llu %llu\n",
				(unsigned long long)b->vaddr, (unsigned long long)b->insns,
				(unsigned long long)execs, (unsigned long long)mem,
				(unsigned long long)m0, (unsigned long long)m1,
				(unsigned long long)m2);
	}
	fprintf(out, "end\n");
	fflush(out);
	pthread_mutex_unlock(&lock);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct block *b;

	(void)id;
	if (vaddr == mark) {
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
		return;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return;
	b->vaddr = vaddr;
	b->insns = qemu_plugin_tb_n_insns(tb);
	pthread_mutex_lock(&lock);
	b->next = blocks;
	blocks = b;
	pthread_mutex_unlock(&lock);
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, QEMU_PLUGIN_CB_NO_REGS, b);
	if (simulate_tlb)
		for (size_t i = 0; i < b->insns; i++)
			qemu_plugin_register_vcpu_mem_cb(qemu_plugin_tb_get_insn(tb, i), on_mem,
							 QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
							 b);
}

__attribute__((visibility("default"))) int
qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	const char *path = NULL;

	if (!info->system_emulation)
		return -1;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "mark=", 5))
			mark = strtoull(argv[i] + 5, NULL, 0);
		else if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else if (!strcmp(argv[i], "tlb=1"))
			simulate_tlb = true;
	}
	if (!mark || !path) {
		fprintf(stderr, "insns: need mark=ADDR and out=FILE\n");
		return -1;
	}
	out = fopen(path, "w");
	if (!out)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	return 0;
}
