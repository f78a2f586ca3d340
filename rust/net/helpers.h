/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svnic: one-line wrappers for kernel functions that are `static inline` (or
 * macros) and so have no symbol Rust could call. Nothing else lives here.
 */
#ifndef SVNIC_HELPERS_H
#define SVNIC_HELPERS_H

#include <linux/dim.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/smp.h>
#include <linux/workqueue.h>
#include <net/busy_poll.h>
#include <net/devlink.h>
#include <net/netlink.h>

struct net *svnic_dev_net(const struct net_device *dev);
void svnic_dev_net_set(struct net_device *dev, struct net *net);
void svnic_dev_hold(struct net_device *dev);
void svnic_dev_put(struct net_device *dev);
bool svnic_netif_carrier_ok(const struct net_device *dev);
void svnic_eth_hw_addr_random(struct net_device *dev);
void *svnic_rx_handler_data(const struct net_device *dev);
struct net_device *svnic_netdev_notifier_info_to_dev(const struct netdev_notifier_info *info);
void svnic_netif_napi_add(struct net_device *dev, struct napi_struct *napi,
			  int (*poll)(struct napi_struct *, int));
void svnic_netif_napi_del(struct napi_struct *napi);
gro_result_t svnic_napi_gro_receive(struct napi_struct *napi, struct sk_buff *skb);
void svnic_skb_mark_napi_id(struct sk_buff *skb, struct napi_struct *napi);
void svnic_kfree_skb(struct sk_buff *skb);
void svnic_consume_skb(struct sk_buff *skb);
struct sk_buff *svnic_skb_share_check(struct sk_buff *skb);
void svnic_dev_core_stats_tx_dropped_inc(struct net_device *dev);
bool svnic_skb_mac_header_was_set(const struct sk_buff *skb);
u32 svnic_nla_get_u32(const struct nlattr *nla);
void svnic_sysfs_attr_init(struct attribute *attr);
void svnic_netif_stop_queue(struct net_device *dev);
void svnic_netif_wake_queue(struct net_device *dev);
bool svnic_netif_xmit_stopped(const struct net_device *dev);
void svnic_netif_trans_update(struct net_device *dev);
bool svnic_netdev_xmit_more(void);
bool svnic_netdev_tx_sent_queue(struct net_device *dev, unsigned int bytes, bool more);
void svnic_netdev_tx_completed_queue(struct net_device *dev, unsigned int pkts, unsigned int bytes);
void svnic_netdev_tx_reset_queue(struct net_device *dev);
void svnic_netif_start_queue(struct net_device *dev);
int svnic___vlan_hwaccel_get_tag(const struct sk_buff *skb, u16 *vlan_tci);
void svnic___vlan_hwaccel_put_tag(struct sk_buff *skb, __be16 vlan_proto, u16 vlan_tci);
void svnic___vlan_hwaccel_clear_tag(struct sk_buff *skb);
struct nlattr *svnic_nlmsg_find_attr(const struct nlmsghdr *nlh, int hdrlen, int attrtype);
struct nlattr *svnic_nla_find_nested(const struct nlattr *nla, int attrtype);
int svnic_nla_len(const struct nlattr *nla);
u16 svnic_nla_get_u16(const struct nlattr *nla);
void svnic_init_delayed_work(struct delayed_work *dw, work_func_t fn);
bool svnic_schedule_delayed_work_ms(struct delayed_work *dw, unsigned int ms);
const char *svnic_dev_name(const struct device *dev);
void svnic_init_work(struct work_struct *work, work_func_t fn);
void svnic_local_bh_disable(void);
void svnic_local_bh_enable(void);
struct devlink *svnic_devlink_alloc(const struct devlink_ops *ops, size_t priv_size,
				    struct device *dev);
void svnic_dim_update_sample(u16 event_ctr, u64 packets, u64 bytes, struct dim_sample *s);

u64 svnic_get_jiffies_64(void);

void svnic_spin_lock_bh(spinlock_t *lock);
void svnic_spin_unlock_bh(spinlock_t *lock);
int svnic_spin_trylock_bh(spinlock_t *lock);

u64 __percpu *svnic_alloc_percpu_u64(size_t n);
void svnic_this_cpu_add_u64(u64 __percpu *counter, u64 n);
u64 *svnic_per_cpu_ptr(u64 __percpu *counter, unsigned int cpu);
bool svnic_cpu_possible(unsigned int cpu);
unsigned int svnic_smp_processor_id(void);
void svnic_init_csd(struct __call_single_data *csd, smp_call_func_t func, void *info);
void svnic_generic_handle_irq_desc(struct irq_desc *desc);
struct irq_desc *svnic_irq_data_to_desc(struct irq_data *data);
unsigned int svnic_cpumask_first_online(const struct cpumask *mask);
bool svnic_cpumask_test_this_cpu(const struct cpumask *mask);
bool svnic_cpumask_has_every_cpu(const struct cpumask *mask);
void svnic_lockdep_assert_bh_off(void);
const struct cpumask *svnic_irq_data_get_affinity_mask(struct irq_data *data);
void svnic_irq_data_set_effective_affinity(struct irq_data *data, const struct cpumask *mask);
unsigned int svnic_nr_cpu_ids(void);

bool svnic_skb_cloned(const struct sk_buff *skb);

#endif /* SVNIC_HELPERS_H */
