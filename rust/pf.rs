// SPDX-License-Identifier: GPL-2.0

//! The physical function: `ip link add NAME link UPLINK type svnic`.
//!
//! The PF is the host's port on the device. Frames it transmits leave
//! through the uplink; frames that arrive on the uplink for the PF's address
//! (and broadcast/multicast, and everything while the PF is promiscuous) are
//! put on the PF's RX ring by the uplink's receive handler and delivered by
//! the PF's NAPI poll, with GRO.

use crate::{
    ether::{self, MacAddr, UplinkRx},
    net::{
        device::{Delivery, Device, DeviceRef},
        link::{self, ExtAck, LinkStats, RxAction},
        napi::Napi,
        skb::SkBuff,
    },
    ring::{Ring, RING_SIZE_DEFAULT},
};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use kernel::{
    new_spinlock_irq,
    prelude::*,
    sync::SpinLockIrq, //
};

/// Software counters of one port.
#[derive(Default)]
struct Counters {
    rx_packets: AtomicU64,
    rx_bytes: AtomicU64,
    rx_dropped: AtomicU64,
    multicast: AtomicU64,
    tx_packets: AtomicU64,
    tx_bytes: AtomicU64,
    tx_dropped: AtomicU64,
}

impl Counters {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    fn snapshot(&self) -> LinkStats {
        LinkStats {
            rx_packets: self.rx_packets.load(Relaxed),
            rx_bytes: self.rx_bytes.load(Relaxed),
            rx_dropped: self.rx_dropped.load(Relaxed),
            multicast: self.multicast.load(Relaxed),
            tx_packets: self.tx_packets.load(Relaxed),
            tx_bytes: self.tx_bytes.load(Relaxed),
            tx_dropped: self.tx_dropped.load(Relaxed),
        }
    }
}

/// State of one PF.
///
/// Lock order: `rx` is a leaf lock, taken with interrupts off from the
/// uplink's receive handler and from the NAPI poll.
#[pin_data]
pub(crate) struct Pf {
    uplink: DeviceRef,
    #[pin]
    rx: SpinLockIrq<Ring<SkBuff>>,
    #[pin]
    napi: Napi,
    stats: Counters,
    /// Whether the PF's address was added to the uplink's unicast filter.
    uc_added: AtomicBool,
}

impl Pf {
    /// Queues a frame from the uplink on the PF's RX ring.
    fn enqueue(&self, dev: &Device, mut skb: SkBuff) {
        skb.push_mac_header();
        let len = u64::from(skb.len());
        let multicast = ether::is_multicast(&skb.eth_dest());
        let Ok(skb) = dev.forward_prepare(skb) else {
            Counters::add(&self.stats.rx_dropped, 1);
            return;
        };
        let full = self.rx.lock().push(skb);
        match full {
            Ok(()) => {
                Counters::add(&self.stats.rx_packets, 1);
                Counters::add(&self.stats.rx_bytes, len);
                if multicast {
                    Counters::add(&self.stats.multicast, 1);
                }
                self.napi.schedule();
            }
            // The ring is full: drop (outside the lock) and count.
            Err(skb) => {
                drop(skb);
                Counters::add(&self.stats.rx_dropped, 1);
            }
        }
    }

    fn uplink_mac_filter_del(&self, addr: &MacAddr) {
        if self.uc_added.swap(false, Relaxed) {
            let _ = self.uplink.uc_del(addr);
        }
    }

    fn uplink_mac_filter_add(&self, addr: &MacAddr) -> Result {
        if *addr != self.uplink.mac() {
            self.uplink.uc_add(addr)?;
            self.uc_added.store(true, Relaxed);
        }
        Ok(())
    }
}

impl link::Driver for Pf {
    const KIND: &'static CStr = c"svnic";

    fn new(dev: &Device, uplink: &Device, _extack: &ExtAck) -> Result<impl PinInit<Self, Error>> {
        let ring = Ring::new(RING_SIZE_DEFAULT)?;
        Ok(try_pin_init!(Self {
            uplink: DeviceRef::new(uplink),
            rx <- new_spinlock_irq!(ring, "svnic_pf_rx"),
            napi <- link::new_napi::<Self>(dev),
            stats: Counters::default(),
            uc_added: AtomicBool::new(false),
        }? Error))
    }

    fn open(&self, dev: &Device) -> Result {
        self.uplink_mac_filter_add(&dev.mac())?;
        self.napi.enable();
        dev.transfer_operstate(&self.uplink);
        Ok(())
    }

    fn stop(&self, dev: &Device) {
        self.napi.disable();
        self.rx.lock().purge();
        self.uplink.unsync_addr_lists(dev);
        self.uplink_mac_filter_del(&dev.mac());
    }

    fn start_xmit(&self, _dev: &Device, skb: SkBuff) {
        let len = u64::from(skb.len());
        match self.uplink.queue_xmit(skb) {
            Delivery::Accepted => {
                Counters::add(&self.stats.tx_packets, 1);
                Counters::add(&self.stats.tx_bytes, len);
            }
            Delivery::Dropped => Counters::add(&self.stats.tx_dropped, 1),
        }
    }

    fn uplink_rx(&self, dev: &Device, skb: SkBuff) -> RxAction {
        if !dev.is_running() {
            return RxAction::Pass(skb);
        }
        match ether::classify_uplink_rx(&skb.eth_dest(), &dev.mac(), dev.is_promisc()) {
            UplinkRx::Pass => RxAction::Pass(skb),
            UplinkRx::ToPf => {
                self.enqueue(dev, skb);
                RxAction::Consumed
            }
            UplinkRx::CopyToPf => {
                match skb.try_clone() {
                    Some(copy) => self.enqueue(dev, copy),
                    None => Counters::add(&self.stats.rx_dropped, 1),
                }
                RxAction::Pass(skb)
            }
        }
    }

    fn poll(&self, napi: &Napi, budget: i32) -> i32 {
        let mut done = 0;
        while done < budget {
            let next = self.rx.lock().pop();
            let Some(skb) = next else { break };
            napi.gro_receive(skb);
            done += 1;
        }
        if done < budget {
            napi.complete_done(done);
        }
        done
    }

    fn set_rx_mode(&self, dev: &Device) {
        self.uplink.sync_addr_lists(dev);
    }

    fn set_mac(&self, dev: &Device, old: &MacAddr, new: &MacAddr) -> Result {
        if dev.is_running() {
            let had_old = self.uc_added.swap(false, Relaxed);
            if let Err(e) = self.uplink_mac_filter_add(new) {
                self.uc_added.store(had_old, Relaxed);
                return Err(e);
            }
            if had_old {
                let _ = self.uplink.uc_del(old);
            }
        }
        Ok(())
    }

    fn stats(&self, _dev: &Device) -> LinkStats {
        self.stats.snapshot()
    }
}

/// The module: registers the `svnic` link type.
pub(crate) struct SvnicModule {
    _link: link::Registration<Pf>,
}

impl kernel::Module for SvnicModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let link = link::Registration::<Pf>::new()?;
        pr_info!("loaded\n");
        Ok(Self { _link: link })
    }
}
