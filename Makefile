# SPDX-License-Identifier: GPL-2.0
#
# svnic: out-of-tree module build plus the VM-based demo and tests.
#
#   make KDIR=/path/to/linux    build svnic.ko against your own Rust-enabled
#                               kernel build tree (like any external module)
#   make                        the same against the cached test kernel
#                               (built on first use: tools/vm/kernel.sh)
#   make demo                   build everything, boot a VM, show traffic
#   make check                  build everything, run all tests in a VM
#   make bench                  benchmarks in a VM on the plain kernel,
#                               svnic side by side with veth, bridge,
#                               macvlan and netdevsim
#   make peer                   the kernel's own driver selftests against
#                               a VF, the PF and a representor (plain kernel)
#   make kernel | deps | clean

KDIR ?=
LLVM ?= -19
export LIBCLANG_PATH ?= /usr/lib/llvm-19/lib

kdir = $(if $(KDIR),$(KDIR),$$(tools/vm/kernel.sh))

.PHONY: all modules module clean deps kernel demo check bench peer
all modules module:
	+@kdir="$(kdir)" && $(MAKE) -C "$$kdir" M=$(CURDIR) LLVM=$(LLVM) modules

clean:
	+@kdir="$(kdir)" && $(MAKE) -C "$$kdir" M=$(CURDIR) LLVM=$(LLVM) clean

deps:
	@tools/vm/setup.sh

kernel: deps
	@tools/vm/kernel.sh >/dev/null

demo:
	@tools/vm/demo.sh

check:
	@tools/vm/check.sh $(TESTS)

bench:
	@tools/bench/run.sh

peer:
	@tools/peer/run.sh
