// SPDX-License-Identifier: GPL-2.0

//! VF representors (switchdev mode), as
//! `Documentation/networking/representors.rst` describes them.
//!
//! In switchdev mode each VF gets a representor netdev on the PF's device,
//! named `PFrN`: what VF N transmits is received on its representor, and
//! what is transmitted on the representor is received by VF N (see
//! [`crate::eswitch`]). The PF is the uplink's representor. All of them
//! report the switch's `phys_switch_id`; the representors' port names are
//! `pf0vfN` (both from the VF's devlink port), the PF's `p0`. A representor has its own counters, an RX ring
//! and NAPI context with RX coalescing, like the PF, and takes TC flower
//! rules on its ingress, offloaded to the switch (see [`crate::eswitch`]).

use crate::{
    eswitch::Eswitch,
    flower::Flows,
    net::{
        device::{AddrLists, Device},
        ether::MacAddr,
        ethtool::{CoalesceParams, EthtoolOps, HistRange, RingParams, StdStats},
        flower::ClsFlower,
        lock::Bh,
        napi::Poll,
        netdev::DriverNetdev,
        ops::{LinkStats, NetdevOps},
        rtnl::ExtAck,
        skb::SkBuff,
        xdp::Xdp,
    },
    rxq::{RxQueue, RxQueueOwner},
    stats::{self, STAT_NAMES},
};
use kernel::{prelude::*, sync::Arc};

/// The state of the representor of one VF.
#[pin_data]
pub(crate) struct Rep {
    /// The VF's number.
    index: u16,
    esw: Arc<Eswitch>,
    #[pin]
    rxq: RxQueue,
    /// The offloaded rules of its ingress: for the VF's frames.
    flows: Flows,
}

impl Rep {
    /// The state of the representor `dev` of VF `index` of switch `esw`.
    pub(crate) fn new(
        dev: &Device,
        index: u16,
        esw: Arc<Eswitch>,
    ) -> Result<impl PinInit<Self, Error> + use<>> {
        let rxq = RxQueue::new(DriverNetdev::<Self>::new_napi(dev))?;
        let flows = Flows::new()?;
        Ok(try_pin_init!(Self {
            index,
            esw,
            rxq <- rxq,
            flows,
        }? Error))
    }
}

/// The switch sees a representor, to which what VF `index` transmitted
/// is delivered, through its receive side.
impl RxQueueOwner for Rep {
    fn rx_queue(&self) -> &RxQueue {
        &self.rxq
    }

    fn flows(&self) -> &Flows {
        &self.flows
    }
}

#[vtable]
impl NetdevOps for Rep {
    fn open(&self, dev: &Device) -> Result {
        self.rxq.open()?;
        // A representor's link is the switch's, there whenever it is.
        dev.set_carrier(true);
        Ok(())
    }

    fn stop(&self, _dev: &Device) {
        self.rxq.stop();
    }

    fn start_xmit(&self, bh: Bh<'_>, _dev: &Device, skb: SkBuff, _more: bool) {
        self.rxq.stats.tx_unparsed(&skb);
        self.esw.tx_from_rep(bh, self.index, skb);
    }

    fn poll(&self, poll: &Poll<'_>, budget: i32) -> i32 {
        self.rxq.poll(poll, budget)
    }

    // A representor is a switch port: it forwards whatever it is given.
    fn set_rx_mode(&self, _dev: &Device, _addrs: &AddrLists<'_>) {}

    fn set_mac(&self, _dev: &Device, _old: &MacAddr, _new: &MacAddr) -> Result {
        Ok(())
    }

    fn stats(&self, _dev: &Device) -> LinkStats {
        self.rxq.stats.link_stats()
    }

    fn xdp(&self) -> &Xdp {
        &self.rxq.xdp
    }

    // The port name (`pf0vfN`) and switch ID come from the VF's devlink
    // port: the devlink core wants the netdev of a port not to answer
    // them itself.

    fn flower(&self, _dev: &Device, cls: &ClsFlower<'_>) -> Result {
        self.esw.flower(&self.flows, cls)
    }
}

#[vtable]
impl EthtoolOps for Rep {
    const STAT_NAMES: &'static [&'static CStr] = STAT_NAMES;

    fn rings(&self) -> RingParams {
        self.rxq.rings()
    }

    fn set_rings(&self, _dev: &Device, rx: u32, _tx: u32, extack: &ExtAck) -> Result {
        self.rxq.set_rings(rx, || Ok(()), extack)
    }

    fn rx_coalesce(&self) -> CoalesceParams {
        self.rxq.coalesce()
    }

    fn set_coalesce(
        &self,
        _dev: &Device,
        rx: CoalesceParams,
        _tx: Option<CoalesceParams>,
        extack: &ExtAck,
    ) -> Result {
        self.rxq.set_coalesce(rx, extack)
    }

    fn ethtool_stats(&self, out: &mut [u64]) {
        self.rxq.ethtool_stats(out);
    }

    const RMON_RANGES: &'static [HistRange] = stats::RMON_RANGES;

    fn std_stats(&self) -> StdStats {
        self.rxq.stats.std_stats()
    }
}
