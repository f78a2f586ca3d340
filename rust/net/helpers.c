// SPDX-License-Identifier: GPL-2.0
/*
 * svnic: one-line wrappers for `static inline` kernel functions, called from
 * the Rust abstraction layer in rust/net/. Keep it to wrappers only.
 */
#include "helpers.h"

struct net *svnic_dev_net(const struct net_device *dev)
{
	return dev_net(dev);
}

void svnic_dev_net_set(struct net_device *dev, struct net *net)
{
	dev_net_set(dev, net);
}

void svnic_dev_hold(struct net_device *dev)
{
	dev_hold(dev);
}

void svnic_dev_put(struct net_device *dev)
{
	dev_put(dev);
}

bool svnic_netif_carrier_ok(const struct net_device *dev)
{
	return netif_carrier_ok(dev);
}

void svnic_eth_hw_addr_random(struct net_device *dev)
{
	eth_hw_addr_random(dev);
}

void *svnic_rx_handler_data(const struct net_device *dev)
{
	return rcu_dereference_rtnl(dev->rx_handler_data);
}

struct net_device *svnic_netdev_notifier_info_to_dev(const struct netdev_notifier_info *info)
{
	return netdev_notifier_info_to_dev(info);
}

void svnic_netif_napi_add(struct net_device *dev, struct napi_struct *napi,
			  int (*poll)(struct napi_struct *, int))
{
	netif_napi_add(dev, napi, poll);
}

void svnic_netif_napi_del(struct napi_struct *napi)
{
	netif_napi_del(napi);
}

gro_result_t svnic_napi_gro_receive(struct napi_struct *napi, struct sk_buff *skb)
{
	return napi_gro_receive(napi, skb);
}

void svnic_skb_mark_napi_id(struct sk_buff *skb, struct napi_struct *napi)
{
	skb_mark_napi_id(skb, napi);
}

void svnic_kfree_skb(struct sk_buff *skb)
{
	kfree_skb(skb);
}

void svnic_consume_skb(struct sk_buff *skb)
{
	consume_skb(skb);
}

struct sk_buff *svnic_skb_share_check(struct sk_buff *skb)
{
	return skb_share_check(skb, GFP_ATOMIC);
}

void svnic_dev_core_stats_tx_dropped_inc(struct net_device *dev)
{
	dev_core_stats_tx_dropped_inc(dev);
}

bool svnic_skb_mac_header_was_set(const struct sk_buff *skb)
{
	return skb_mac_header_was_set(skb);
}

void svnic_sysfs_attr_init(struct attribute *attr)
{
	sysfs_attr_init(attr);
}

u32 svnic_nla_get_u32(const struct nlattr *nla)
{
	return nla_get_u32(nla);
}

void svnic_netif_stop_queue(struct net_device *dev)
{
	netif_stop_queue(dev);
}

void svnic_netif_wake_queue(struct net_device *dev)
{
	netif_wake_queue(dev);
}

bool svnic_netif_xmit_stopped(const struct net_device *dev)
{
	return netif_xmit_stopped(netdev_get_tx_queue(dev, 0));
}

void svnic_netif_trans_update(struct net_device *dev)
{
	netif_trans_update(dev);
}

bool svnic_netdev_xmit_more(void)
{
	return netdev_xmit_more();
}

bool svnic_netdev_tx_sent_queue(struct net_device *dev, unsigned int bytes, bool more)
{
	return __netdev_tx_sent_queue(netdev_get_tx_queue(dev, 0), bytes, more);
}

void svnic_netdev_tx_completed_queue(struct net_device *dev, unsigned int pkts, unsigned int bytes)
{
	netdev_tx_completed_queue(netdev_get_tx_queue(dev, 0), pkts, bytes);
}

void svnic_netdev_tx_reset_queue(struct net_device *dev)
{
	netdev_tx_reset_queue(netdev_get_tx_queue(dev, 0));
}

void svnic_netif_start_queue(struct net_device *dev)
{
	netif_start_queue(dev);
}

int svnic___vlan_hwaccel_get_tag(const struct sk_buff *skb, u16 *vlan_tci)
{
	return __vlan_hwaccel_get_tag(skb, vlan_tci);
}

void svnic___vlan_hwaccel_put_tag(struct sk_buff *skb, __be16 vlan_proto, u16 vlan_tci)
{
	__vlan_hwaccel_put_tag(skb, vlan_proto, vlan_tci);
}

void svnic___vlan_hwaccel_clear_tag(struct sk_buff *skb)
{
	__vlan_hwaccel_clear_tag(skb);
}

struct nlattr *svnic_nlmsg_find_attr(const struct nlmsghdr *nlh, int hdrlen, int attrtype)
{
	return nlmsg_find_attr(nlh, hdrlen, attrtype);
}

struct nlattr *svnic_nla_find_nested(const struct nlattr *nla, int attrtype)
{
	return nla_find_nested(nla, attrtype);
}

int svnic_nla_len(const struct nlattr *nla)
{
	return nla_len(nla);
}

u16 svnic_nla_get_u16(const struct nlattr *nla)
{
	return nla_get_u16(nla);
}

void svnic_init_delayed_work(struct delayed_work *dw, work_func_t fn)
{
	INIT_DELAYED_WORK(dw, fn);
}

bool svnic_schedule_delayed_work_ms(struct delayed_work *dw, unsigned int ms)
{
	return schedule_delayed_work(dw, msecs_to_jiffies(ms));
}

const char *svnic_dev_name(const struct device *dev)
{
	return dev_name(dev);
}

void svnic_init_work(struct work_struct *work, work_func_t fn)
{
	INIT_WORK(work, fn);
}

void svnic_dim_update_sample(u16 event_ctr, u64 packets, u64 bytes, struct dim_sample *s)
{
	dim_update_sample(event_ctr, packets, bytes, s);
}

struct devlink *svnic_devlink_alloc(const struct devlink_ops *ops, size_t priv_size,
				    struct device *dev)
{
	return devlink_alloc(ops, priv_size, dev);
}

void svnic_local_bh_disable(void)
{
	local_bh_disable();
}

void svnic_local_bh_enable(void)
{
	local_bh_enable();
}

u64 svnic_get_jiffies_64(void)
{
	return get_jiffies_64();
}

void svnic_spin_lock_bh(spinlock_t *lock)
{
	spin_lock_bh(lock);
}

void svnic_spin_unlock_bh(spinlock_t *lock)
{
	spin_unlock_bh(lock);
}

int svnic_spin_trylock_bh(spinlock_t *lock)
{
	return spin_trylock_bh(lock);
}

u64 __percpu *svnic_alloc_percpu_u64(size_t n)
{
	return __alloc_percpu_gfp(n * sizeof(u64), __alignof__(u64), GFP_KERNEL);
}

void svnic_this_cpu_add_u64(u64 __percpu *counter, u64 n)
{
	this_cpu_add(*counter, n);
}

u64 *svnic_per_cpu_ptr(u64 __percpu *counter, unsigned int cpu)
{
	return per_cpu_ptr(counter, cpu);
}

bool svnic_cpu_possible(unsigned int cpu)
{
	return cpu_possible(cpu);
}

unsigned int svnic_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

bool svnic_skb_cloned(const struct sk_buff *skb)
{
	return skb_cloned(skb);
}

unsigned int svnic_smp_processor_id(void)
{
	return raw_smp_processor_id();
}

void svnic_init_csd(struct __call_single_data *csd, smp_call_func_t func, void *info)
{
	INIT_CSD(csd, func, info);
}

void svnic_generic_handle_irq_desc(struct irq_desc *desc)
{
	generic_handle_irq_desc(desc);
}

struct irq_desc *svnic_irq_data_to_desc(struct irq_data *data)
{
	return irq_data_to_desc(data);
}

unsigned int svnic_cpumask_first_online(const struct cpumask *mask)
{
	return cpumask_first_and(mask, cpu_online_mask);
}

bool svnic_cpumask_test_this_cpu(const struct cpumask *mask)
{
	return cpumask_test_cpu(raw_smp_processor_id(), mask);
}

bool svnic_cpumask_has_every_cpu(const struct cpumask *mask)
{
	return cpumask_subset(cpu_possible_mask, mask);
}

void svnic_lockdep_assert_bh_off(void)
{
	lockdep_assert_once(in_softirq() || irqs_disabled());
}

const struct cpumask *svnic_irq_data_get_affinity_mask(struct irq_data *data)
{
	return irq_data_get_affinity_mask(data);
}

void svnic_irq_data_set_effective_affinity(struct irq_data *data, const struct cpumask *mask)
{
	irq_data_update_effective_affinity(data, mask);
}
