/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Input of the module-local bindgen run (see Kbuild and
 * Documentation/networking/svnic.rst, "Bindings"): the kernel headers whose
 * types 7.3's `kernel::bindings` lacks or has only as opaque types.
 */
#include <linux/bpf.h>
#include <linux/device.h>
#include <linux/device/bus.h>
#include <linux/dim.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/hrtimer.h>
#include <linux/if_arp.h>
#include <linux/if_bridge.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_vlan.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/netdevice.h>
#include <linux/notifier.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/smp.h>
#include <linux/sysfs.h>
#include <net/devlink.h>
#include <net/flow_offload.h>
#include <net/gso.h>
#include <net/netdev_queues.h>
#include <net/netlink.h>
#include <net/rtnetlink.h>

#include "helpers.h"

/* Constants that are macros bindgen cannot evaluate. */
const gfp_t SVNIC_GFP_ATOMIC = GFP_ATOMIC;
const u32 SVNIC_ETHTOOL_COALESCE_RX_USECS = ETHTOOL_COALESCE_RX_USECS;
const u32 SVNIC_ETHTOOL_COALESCE_RX_MAX_FRAMES = ETHTOOL_COALESCE_RX_MAX_FRAMES;
const u32 SVNIC_ETHTOOL_COALESCE_TX_USECS = ETHTOOL_COALESCE_TX_USECS;
const u32 SVNIC_ETHTOOL_COALESCE_TX_MAX_FRAMES = ETHTOOL_COALESCE_TX_MAX_FRAMES;
const u32 SVNIC_ETHTOOL_COALESCE_USE_ADAPTIVE_RX = ETHTOOL_COALESCE_USE_ADAPTIVE_RX;
const u32 SVNIC_ETHTOOL_COALESCE_USE_ADAPTIVE_TX = ETHTOOL_COALESCE_USE_ADAPTIVE_TX;
const u8 SVNIC_NET_DIM_DEF_PROFILE_EQE = NET_DIM_DEF_PROFILE_EQE;
