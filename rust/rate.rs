// SPDX-License-Identifier: GPL-2.0

//! Rate limiting: what `ip link set PF vf N min_tx_rate A max_tx_rate B`
//! configures.
//!
//! - [`TokenBucket`] caps a port's transmit rate (`max_tx_rate`).
//! - [`check_rates`] and [`check_min_sum`] validate a request.
//! - [`MinRateArbiter`] chooses which port sends next on a contended uplink
//!   so that each gets at least its `min_tx_rate` and what is left is shared.
//!
//! Time is in nanoseconds and sizes in bytes, both passed in by the caller;
//! nothing here reads a clock or takes a kernel object, so the logic is
//! covered by the KUnit suite at the end of the file.

// The data path (VFs, issue 3) will use these; until then only the KUnit
// suite does.
#![cfg_attr(not(CONFIG_KUNIT), allow(dead_code))]

use core::num::NonZeroU64;
use kernel::prelude::*;

/// Bytes of a full-size Ethernet frame without FCS (1500 + 14).
pub(crate) const ETH_FRAME_MAX: u32 = 1514;

/// Token units per byte.
///
/// One unit is 1/8000 byte (a millibit), so a rate of R Mbit/s earns exactly
/// R units per nanosecond: refilling needs neither division nor rounding.
const UNITS_PER_BYTE: i64 = 8000;

/// Bytes per millisecond at 1 Mbit/s.
const BYTES_PER_MS_PER_MBPS: u32 = 125;

/// `n / d` rounded up.
///
/// (A `NonZeroU64` divisor has no division-by-zero panic path, which
/// objtool would not know as a dead end.)
fn div_ceil(n: u64, d: NonZeroU64) -> u64 {
    n / d + u64::from(n % d != 0)
}

/// The burst a bucket of `rate_mbps` gets by default: two full-size frames,
/// or what the rate sends in 1 ms if that is more.
pub(crate) fn default_burst(rate_mbps: u32) -> u32 {
    (2 * ETH_FRAME_MAX).max(rate_mbps.saturating_mul(BYTES_PER_MS_PER_MBPS))
}

/// A token bucket: a rate in Mbit/s with a burst in bytes.
///
/// A frame is admitted when the bucket holds its size in tokens, or, for a
/// frame larger than the burst, when the bucket is full; the bucket may then
/// go into debt, so that the long-term rate is exact for any frame size.
///
/// # Invariants
///
/// - `burst == burst_bytes * UNITS_PER_BYTE`.
/// - `-(u32::MAX * UNITS_PER_BYTE) <= tokens <= burst`.
/// - `last_ns` never decreases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenBucket {
    rate_mbps: u32,
    burst_bytes: u32,
    burst: i64,
    tokens: i64,
    last_ns: u64,
}

impl TokenBucket {
    /// Creates a full bucket of `rate_mbps` (0: unlimited) and `burst_bytes`
    /// (0: [`default_burst`]).
    pub(crate) fn new(rate_mbps: u32, burst_bytes: u32) -> Self {
        let mut tb = Self {
            rate_mbps: 0,
            burst_bytes: 0,
            burst: 0,
            tokens: 0,
            last_ns: 0,
        };
        tb.configure(rate_mbps, burst_bytes);
        tb.tokens = tb.burst;
        tb
    }

    /// Sets rate and burst, keeping at most a full bucket of tokens.
    fn configure(&mut self, rate_mbps: u32, burst_bytes: u32) {
        let burst_bytes = if burst_bytes == 0 {
            default_burst(rate_mbps)
        } else {
            burst_bytes
        };
        self.rate_mbps = rate_mbps;
        self.burst_bytes = burst_bytes;
        // INVARIANT: `burst` follows `burst_bytes`; `tokens` is capped to it
        // and was above the lower bound already.
        self.burst = i64::from(burst_bytes) * UNITS_PER_BYTE;
        self.tokens = self.tokens.min(self.burst);
    }

    /// The rate in Mbit/s (0: unlimited).
    pub(crate) fn rate_mbps(&self) -> u32 {
        self.rate_mbps
    }

    /// The burst in bytes.
    pub(crate) fn burst_bytes(&self) -> u32 {
        self.burst_bytes
    }

    /// Whether the bucket lets everything through.
    pub(crate) fn is_unlimited(&self) -> bool {
        self.rate_mbps == 0
    }

    /// Tokens in the bucket at `now_ns`, refilled since `last_ns` and capped
    /// at the burst (saturating: any time gap and rate is fine).
    fn tokens_at(&self, now_ns: u64) -> i64 {
        let elapsed = now_ns.saturating_sub(self.last_ns);
        let space = u64::try_from(self.burst - self.tokens).unwrap_or(0);
        let earned = elapsed.saturating_mul(u64::from(self.rate_mbps)).min(space);
        // `earned <= space`, which came from an `i64`.
        self.tokens + i64::try_from(earned).unwrap_or(0)
    }

    /// Moves the bucket to `now_ns` (a time before the last one counts as no
    /// time elapsed).
    fn refill(&mut self, now_ns: u64) {
        // INVARIANT: `tokens_at` stays within `..=burst` and does not
        // decrease; `last_ns` does not decrease.
        self.tokens = self.tokens_at(now_ns);
        self.last_ns = self.last_ns.max(now_ns);
    }

    /// Tokens a frame of `bytes` needs to be admitted, and what it costs.
    fn need_and_cost(&self, bytes: u32) -> (i64, i64) {
        let cost = i64::from(bytes) * UNITS_PER_BYTE;
        (cost.min(self.burst), cost)
    }

    /// Takes `bytes` from the bucket at time `now_ns` if they fit, and says
    /// whether they did. Always true when unlimited.
    pub(crate) fn try_consume(&mut self, now_ns: u64, bytes: u32) -> bool {
        if self.is_unlimited() {
            return true;
        }
        self.refill(now_ns);
        let (need, cost) = self.need_and_cost(bytes);
        if self.tokens < need {
            return false;
        }
        // INVARIANT: `tokens >= need` and `cost <= u32::MAX * UNITS_PER_BYTE`,
        // so `tokens - cost >= -(u32::MAX * UNITS_PER_BYTE)`.
        self.tokens -= cost;
        true
    }

    /// Nanoseconds from `now_ns` until a frame of `bytes` would be admitted
    /// (0 if it would be now, or when unlimited).
    pub(crate) fn wait_ns(&self, now_ns: u64, bytes: u32) -> u64 {
        let Some(rate) = NonZeroU64::new(u64::from(self.rate_mbps)) else {
            // Unlimited.
            return 0;
        };
        let (need, _) = self.need_and_cost(bytes);
        let missing = u64::try_from(need - self.tokens_at(now_ns)).unwrap_or(0);
        div_ceil(missing, rate)
    }

    /// Changes rate and burst (0s as in [`TokenBucket::new`]) at time
    /// `now_ns`.
    ///
    /// Tokens earned until `now_ns` at the old rate are kept, up to the new
    /// burst; a bucket that was unlimited starts full.
    pub(crate) fn set_rate(&mut self, now_ns: u64, rate_mbps: u32, burst_bytes: u32) {
        let was_unlimited = self.is_unlimited();
        self.refill(now_ns);
        self.configure(rate_mbps, burst_bytes);
        if was_unlimited {
            self.tokens = self.burst;
        }
    }
}

/// Validates a `min_tx_rate`/`max_tx_rate` request (Mbit/s, 0: none) for a
/// port on an uplink of `link_mbps` (0: unknown).
///
/// # Errors
///
/// `EINVAL` if the minimum is above a set maximum, or either is above a
/// known link speed.
pub(crate) fn check_rates(min_mbps: u32, max_mbps: u32, link_mbps: u32) -> Result {
    if max_mbps != 0 && min_mbps > max_mbps {
        return Err(EINVAL);
    }
    if link_mbps != 0 && (max_mbps > link_mbps || min_mbps > link_mbps) {
        return Err(EINVAL);
    }
    Ok(())
}

/// Validates the minimum rates of all ports together: they cannot reserve
/// more than a known link speed (`link_mbps`, 0: unknown).
///
/// # Errors
///
/// `EINVAL` if the sum of `mins_mbps` is above `link_mbps`.
pub(crate) fn check_min_sum(mins_mbps: &[u32], link_mbps: u32) -> Result {
    let sum: u64 = mins_mbps.iter().map(|&m| u64::from(m)).sum();
    if link_mbps != 0 && sum > u64::from(link_mbps) {
        return Err(EINVAL);
    }
    Ok(())
}

/// Weight of every port when the link speed is unknown, unless its
/// minimum is larger.
pub(crate) const ARB_DEFAULT_WEIGHT_MBPS: u32 = 100;
/// Smallest weight, so that a port without minimum is never starved.
pub(crate) const ARB_FLOOR_WEIGHT_MBPS: u32 = 1;
/// Quantum bytes per Mbit/s of weight: about 128 us of the port's share per
/// round.
const ARB_QUANTUM_BYTES_PER_MBPS: u64 = 16;

/// State of one port of a [`MinRateArbiter`].
#[derive(Debug, Clone, Copy)]
struct ArbPort {
    /// Guaranteed rate, Mbit/s.
    min_mbps: u32,
    /// Bytes added to `deficit` at each visit.
    quantum: NonZeroU64,
    /// Bytes the port may still send in this round.
    deficit: u64,
    /// Bytes sent, for statistics.
    sent: u64,
}

/// Weight in Mbit/s of a port with minimum `min_mbps` when each port gets
/// `spare_each` of the unreserved link speed (`None`: link speed unknown).
fn weight_for(min_mbps: u32, spare_each: Option<u64>) -> u64 {
    let min = u64::from(min_mbps);
    let weight = match spare_each {
        Some(spare) => min.saturating_add(spare),
        None => min.max(u64::from(ARB_DEFAULT_WEIGHT_MBPS)),
    };
    weight.max(u64::from(ARB_FLOOR_WEIGHT_MBPS))
}

/// Minimum-rate arbiter of the uplink: deficit round robin over ports
/// `0..nports` with quanta proportional to weights.
///
/// A port's weight is its minimum rate plus an equal part of what the
/// minimums leave of the link (`max(min, ARB_DEFAULT_WEIGHT_MBPS)` while the
/// link speed is unknown), and at least `ARB_FLOOR_WEIGHT_MBPS`. The weights
/// of all ports add up to the link speed, so whatever subset of ports is
/// backlogged, each gets at least its weight, hence its minimum, and the
/// rest is shared in proportion to the weights. (When the minimums reserve
/// the whole link, the floor of the ports without one can shave up to
/// `ARB_FLOOR_WEIGHT_MBPS` each off the others.)
///
/// The arbiter only orders: the caller sends at link speed what it picks,
/// and leaves out of `backlogged` a port its [`TokenBucket`] holds back.
///
/// # Invariants
///
/// - `ports` is not empty and `cur < ports.len()`.
pub(crate) struct MinRateArbiter {
    ports: KVec<ArbPort>,
    link_mbps: u32,
    cur: usize,
    /// Whether `cur` got its quantum for the current visit.
    visiting: bool,
}

impl MinRateArbiter {
    /// Creates an arbiter of `nports` ports without minimum, link speed unknown.
    ///
    /// # Errors
    ///
    /// `EINVAL` if `nports` is 0, `ENOMEM`.
    pub(crate) fn new(nports: usize) -> Result<Self> {
        if nports == 0 {
            return Err(EINVAL);
        }
        let mut ports = KVec::with_capacity(nports, GFP_KERNEL)?;
        for _ in 0..nports {
            let port = ArbPort {
                min_mbps: 0,
                quantum: NonZeroU64::MIN,
                deficit: 0,
                sent: 0,
            };
            ports.push(port, GFP_KERNEL)?;
        }
        let mut arb = Self {
            ports,
            link_mbps: 0,
            cur: 0,
            visiting: false,
        };
        // INVARIANT: `nports > 0` ports, `cur == 0`.
        arb.update_quanta();
        Ok(arb)
    }

    /// Number of ports.
    pub(crate) fn nports(&self) -> usize {
        self.ports.len()
    }

    /// Sets the guaranteed rate of `port` (0: none).
    ///
    /// # Errors
    ///
    /// `EINVAL` if there is no such port. (Check the request first with
    /// [`check_rates`] and [`check_min_sum`].)
    pub(crate) fn set_min(&mut self, port: usize, min_mbps: u32) -> Result {
        self.ports.get_mut(port).ok_or(EINVAL)?.min_mbps = min_mbps;
        self.update_quanta();
        Ok(())
    }

    /// Sets the uplink's speed (0: unknown).
    pub(crate) fn set_link_speed(&mut self, link_mbps: u32) {
        self.link_mbps = link_mbps;
        self.update_quanta();
    }

    /// The weight of `port` in Mbit/s, if there is such a port.
    pub(crate) fn weight(&self, port: usize) -> Option<u64> {
        let spare = self.spare_each();
        self.ports.get(port).map(|p| weight_for(p.min_mbps, spare))
    }

    /// Bytes `port` sent (was picked for), if there is such a port.
    pub(crate) fn sent_bytes(&self, port: usize) -> Option<u64> {
        self.ports.get(port).map(|p| p.sent)
    }

    /// The part of the link speed left by the minimums that each port gets
    /// in its weight, or `None` while the link speed is unknown.
    fn spare_each(&self) -> Option<u64> {
        if self.link_mbps == 0 {
            return None;
        }
        let reserved: u64 = self.ports.iter().map(|p| u64::from(p.min_mbps)).sum();
        let n = u64::try_from(self.ports.len()).unwrap_or(u64::MAX);
        let spare = u64::from(self.link_mbps).saturating_sub(reserved);
        // `n` is not 0 by the type invariant.
        Some(spare.checked_div(n).unwrap_or(0))
    }

    /// Recomputes every quantum from the weights.
    fn update_quanta(&mut self) {
        let spare = self.spare_each();
        for p in self.ports.iter_mut() {
            let quantum = weight_for(p.min_mbps, spare).saturating_mul(ARB_QUANTUM_BYTES_PER_MBPS);
            // The weight is at least the floor (1), so this is the quantum.
            p.quantum = NonZeroU64::new(quantum).unwrap_or(NonZeroU64::MIN);
        }
    }

    /// Moves to the next port.
    fn advance(&mut self) {
        // INVARIANT: stays below `ports.len()`.
        self.cur = if self.cur + 1 < self.ports.len() {
            self.cur + 1
        } else {
            0
        };
        self.visiting = false;
    }

    /// Picks the port that sends next, or `None` if no port is backlogged.
    ///
    /// `backlogged(port)` is the size in bytes of the frame at the head of
    /// `port`'s queue, or `None` if it has nothing to send (or may not send
    /// now). The size of the picked port's head frame is charged to it: the
    /// caller must send that frame.
    ///
    /// Takes at most three passes over the ports whatever the frame sizes:
    /// rounds in which no port could send are skipped arithmetically.
    pub(crate) fn next(&mut self, backlogged: impl Fn(usize) -> Option<u32>) -> Option<usize> {
        let n = self.ports.len();
        let mut visits = 0;
        let mut skipped = false;
        loop {
            if visits == n {
                // A whole pass in which no port could send.
                if skipped || !self.skip_idle_rounds(&backlogged) {
                    return None;
                }
                skipped = true;
                visits = 0;
            }
            visits += 1;
            let p = self.cur;
            let Some(head) = backlogged(p) else {
                // PANIC: `cur < ports.len()` by the type invariant.
                self.ports[p].deficit = 0;
                self.advance();
                continue;
            };
            let head = u64::from(head);
            let fresh = !self.visiting;
            self.visiting = true;
            // PANIC: `cur < ports.len()` by the type invariant.
            let port = &mut self.ports[p];
            if fresh {
                port.deficit = port.deficit.saturating_add(port.quantum.get());
            }
            if port.deficit >= head {
                port.deficit -= head;
                port.sent = port.sent.saturating_add(head);
                return Some(p);
            }
            self.advance();
        }
    }

    /// After a pass in which no backlogged port could send, credits the
    /// rounds that would pass before one can (all but the last), so that the
    /// next pass picks a port. Returns whether any port is backlogged.
    fn skip_idle_rounds(&mut self, backlogged: &impl Fn(usize) -> Option<u32>) -> bool {
        let mut rounds: Option<u64> = None;
        for (i, port) in self.ports.iter().enumerate() {
            if let Some(head) = backlogged(i) {
                let missing = u64::from(head).saturating_sub(port.deficit);
                let r = div_ceil(missing, port.quantum);
                rounds = Some(rounds.map_or(r, |m| m.min(r)));
            }
        }
        let Some(rounds) = rounds else {
            return false;
        };
        let idle = rounds.saturating_sub(1);
        for (i, port) in self.ports.iter_mut().enumerate() {
            if backlogged(i).is_some() {
                port.deficit = port
                    .deficit
                    .saturating_add(idle.saturating_mul(port.quantum.get()));
            }
        }
        true
    }
}

#[kunit_tests(svnic_rate)]
mod tests {
    use super::*;

    /// 1 ms in ns.
    const MS: u64 = 1_000_000;
    /// 1 us in ns.
    const US: u64 = 1_000;

    #[test]
    fn default_bursts() -> Result {
        assert_eq!(default_burst(0), 3028);
        assert_eq!(default_burst(10), 3028);
        assert_eq!(default_burst(24), 3028);
        assert_eq!(default_burst(25), 3125);
        assert_eq!(default_burst(100), 12_500);
        assert_eq!(default_burst(400_000), 50_000_000);
        assert_eq!(default_burst(u32::MAX), u32::MAX);
        let tb = TokenBucket::new(100, 0);
        assert_eq!((tb.rate_mbps(), tb.burst_bytes()), (100, 12_500));
        let tb = TokenBucket::new(100, 5000);
        assert_eq!(tb.burst_bytes(), 5000);
        Ok(())
    }

    #[test]
    fn refill_math() -> Result {
        // 8 Mbit/s is 1 byte per microsecond.
        let mut tb = TokenBucket::new(8, 10_000);
        assert!(tb.try_consume(0, 10_000));
        assert!(!tb.try_consume(0, 1));
        assert!(!tb.try_consume(999, 1));
        assert!(tb.try_consume(US, 1));
        assert!(!tb.try_consume(US, 1));
        assert!(tb.try_consume(US + 100 * US, 100));
        assert!(!tb.try_consume(US + 100 * US, 1));
        // A refused frame takes nothing.
        assert!(!tb.try_consume(200 * US, 1500));
        assert!(tb.try_consume(200 * US, 99));
        Ok(())
    }

    #[test]
    fn refill_keeps_fractions() -> Result {
        // 1 Mbit/s: one byte every 8000 ns, refilled in 1 us steps.
        let mut tb = TokenBucket::new(1, 3028);
        assert!(tb.try_consume(0, 3028));
        for step in 1..8 {
            assert!(!tb.try_consume(step * US, 1));
        }
        assert!(tb.try_consume(8 * US, 1));
        // One byte per 8 us, with calls every 3 us: 10 bytes in 80 us.
        let mut got = 0;
        let mut t = 8 * US;
        while t < 88 * US {
            t += 3 * US;
            if tb.try_consume(t.min(88 * US), 1) {
                got += 1;
            }
        }
        assert_eq!(got, 10);
        Ok(())
    }

    #[test]
    fn burst_cap() -> Result {
        let mut tb = TokenBucket::new(8, 4000);
        assert!(tb.try_consume(0, 4000));
        // A long idle period refills the burst, not more.
        assert!(tb.try_consume(10 * MS, 4000));
        assert!(!tb.try_consume(10 * MS, 1));
        assert!(tb.try_consume(20 * MS, 2000));
        assert!(tb.try_consume(20 * MS, 2000));
        assert!(!tb.try_consume(20 * MS, 1));
        Ok(())
    }

    #[test]
    fn oversized_frame_goes_into_debt() -> Result {
        // A 9000-byte frame through a 3028-byte bucket: admitted when full,
        // then the bucket pays it back at the rate.
        let mut tb = TokenBucket::new(8, 3028);
        assert!(tb.try_consume(0, 9000));
        assert!(!tb.try_consume(0, 1));
        // 5972 bytes of debt plus 1500 bytes: 7472 us at 1 byte/us.
        assert_eq!(tb.wait_ns(0, 1500), 7472 * US);
        assert!(!tb.try_consume(7471 * US, 1500));
        assert!(tb.try_consume(7472 * US, 1500));
        Ok(())
    }

    #[test]
    fn unlimited() -> Result {
        let mut tb = TokenBucket::new(0, 0);
        assert!(tb.is_unlimited());
        for _ in 0..1000 {
            assert!(tb.try_consume(0, u32::MAX));
        }
        assert_eq!(tb.wait_ns(0, u32::MAX), 0);
        Ok(())
    }

    #[test]
    fn wait_ns_matches_consume() -> Result {
        // 8 Mbit/s, drained at t = 5 ms.
        let mut tb = TokenBucket::new(8, 3028);
        assert_eq!(tb.wait_ns(5 * MS, 3028), 0);
        assert!(tb.try_consume(5 * MS, 3028));
        assert_eq!(tb.wait_ns(5 * MS, 1500), 1500 * US);
        assert_eq!(tb.wait_ns(5 * MS + 500 * US, 1500), 1000 * US);
        // More than the burst: needs a full bucket.
        assert_eq!(tb.wait_ns(5 * MS, 64_000), 3028 * US);
        let ready = 5 * MS + tb.wait_ns(5 * MS, 1500);
        assert!(!tb.try_consume(ready - 1, 1500));
        assert!(tb.try_consume(ready, 1500));
        // Rounded up: 1 byte at 3 Mbit/s is 8000/3 ns.
        let mut tb = TokenBucket::new(3, 3028);
        assert!(tb.try_consume(0, 3028));
        assert_eq!(tb.wait_ns(0, 1), 2667);
        assert!(!tb.try_consume(2666, 1));
        assert!(tb.try_consume(2667, 1));
        Ok(())
    }

    #[test]
    fn huge_time_gaps_and_rates() -> Result {
        let mut tb = TokenBucket::new(400_000, 0);
        assert_eq!(tb.burst_bytes(), 50_000_000);
        assert!(tb.try_consume(0, 50_000_000));
        // 400 Gbit/s is 50 bytes per ns.
        assert_eq!(tb.wait_ns(0, 1500), 30);
        assert!(tb.try_consume(30, 1500));
        // The largest gap saturates to a full bucket.
        assert!(tb.try_consume(u64::MAX, 50_000_000));
        assert!(!tb.try_consume(u64::MAX, 1));
        assert_eq!(tb.wait_ns(u64::MAX, 1), 1);
        // Time going backwards earns nothing, and breaks nothing.
        assert!(!tb.try_consume(0, 1));
        assert_eq!(tb.wait_ns(0, 50), 1);

        // Beyond any real rate and burst.
        let mut tb = TokenBucket::new(u32::MAX, u32::MAX);
        assert!(tb.try_consume(0, u32::MAX));
        assert!(!tb.try_consume(0, u32::MAX));
        assert!(tb.try_consume(u64::MAX, u32::MAX));
        Ok(())
    }

    #[test]
    fn set_rate_changes() -> Result {
        let mut tb = TokenBucket::new(8, 10_000);
        assert!(tb.try_consume(0, 10_000));
        // 1000 bytes earned at 8 Mbit/s, then 80 Mbit/s (10 bytes/us).
        tb.set_rate(1000 * US, 80, 10_000);
        assert_eq!(tb.wait_ns(1000 * US, 1000), 0);
        assert_eq!(tb.wait_ns(1000 * US, 2000), 100 * US);
        // A smaller burst caps the tokens.
        tb.set_rate(1000 * US, 80, 500);
        assert_eq!(tb.burst_bytes(), 500);
        assert!(tb.try_consume(1000 * US, 500));
        assert!(!tb.try_consume(1000 * US, 1));
        // 0 burst means the default.
        tb.set_rate(1000 * US, 800, 0);
        assert_eq!(tb.burst_bytes(), 100_000);
        // To unlimited and back: starts full.
        tb.set_rate(1000 * US, 0, 0);
        assert!(tb.try_consume(1000 * US, u32::MAX));
        tb.set_rate(1000 * US, 8, 4000);
        assert!(tb.try_consume(1000 * US, 4000));
        assert!(!tb.try_consume(1000 * US, 1));
        Ok(())
    }

    #[test]
    fn check_rates_matrix() -> Result {
        // (min, max, link, ok)
        let cases: [(u32, u32, u32, bool); 16] = [
            (0, 0, 0, true),
            (0, 0, 10_000, true),
            (100, 0, 0, true),
            (100, 0, 10_000, true),
            (0, 100, 10_000, true),
            (100, 100, 10_000, true),
            (100, 200, 10_000, true),
            (200, 100, 10_000, false),
            (200, 100, 0, false),
            (0, 10_000, 10_000, true),
            (0, 10_001, 10_000, false),
            (10_000, 0, 10_000, true),
            (10_001, 0, 10_000, false),
            (10_001, 20_000, 10_000, false),
            (10_001, 20_000, 0, true),
            (u32::MAX, 0, 0, true),
        ];
        for (min, max, link, ok) in cases {
            let expect = if ok { Ok(()) } else { Err(EINVAL) };
            assert_eq!(check_rates(min, max, link), expect);
        }
        Ok(())
    }

    #[test]
    fn check_min_sums() -> Result {
        assert_eq!(check_min_sum(&[], 1000), Ok(()));
        assert_eq!(check_min_sum(&[300, 300, 400], 1000), Ok(()));
        assert_eq!(check_min_sum(&[300, 300, 401], 1000), Err(EINVAL));
        assert_eq!(check_min_sum(&[u32::MAX, u32::MAX], 0), Ok(()));
        assert_eq!(check_min_sum(&[u32::MAX, u32::MAX], u32::MAX), Err(EINVAL));
        Ok(())
    }

    /// Runs `picks` picks with every port in `active` always backlogged with
    /// frames of `size[port]` bytes; returns the bytes each port sent.
    fn run(
        arb: &mut MinRateArbiter,
        active: &[bool],
        size: &[u32],
        picks: usize,
    ) -> Result<KVec<u64>> {
        let before: KVec<u64> = {
            let mut v = KVec::new();
            for p in 0..arb.nports() {
                v.push(arb.sent_bytes(p).ok_or(EINVAL)?, GFP_KERNEL)?;
            }
            v
        };
        for _ in 0..picks {
            let p = arb.next(|p| active[p].then_some(size[p])).ok_or(EINVAL)?;
            if !active[p] {
                return Err(EINVAL);
            }
        }
        let mut out = KVec::new();
        for p in 0..arb.nports() {
            out.push(arb.sent_bytes(p).ok_or(EINVAL)? - before[p], GFP_KERNEL)?;
        }
        Ok(out)
    }

    /// Whether `bytes[p]` is at least `min[p]`/`link` of the total, allowing
    /// `slack` Mbit/s.
    fn meets_mins(bytes: &[u64], min: &[u32], link: u32, slack: u64) -> bool {
        let total: u64 = bytes.iter().sum();
        bytes
            .iter()
            .zip(min)
            .all(|(&b, &m)| b * u64::from(link) + slack * total >= u64::from(m) * total)
    }

    #[test]
    fn arbiter_rejects_bad_ports() -> Result {
        assert!(MinRateArbiter::new(0).is_err());
        let mut arb = MinRateArbiter::new(2)?;
        assert_eq!(arb.nports(), 2);
        assert_eq!(arb.set_min(2, 100), Err(EINVAL));
        assert_eq!(arb.weight(2), None);
        assert_eq!(arb.sent_bytes(2), None);
        assert_eq!(arb.next(|_| None), None);
        Ok(())
    }

    #[test]
    fn arbiter_weights() -> Result {
        let mut arb = MinRateArbiter::new(4)?;
        // Link speed unknown: max(min, default).
        arb.set_min(0, 5000)?;
        assert_eq!(arb.weight(0), Some(5000));
        assert_eq!(arb.weight(1), Some(u64::from(ARB_DEFAULT_WEIGHT_MBPS)));
        // Known: min plus an equal part of the unreserved 3000.
        arb.set_min(1, 2000)?;
        arb.set_link_speed(10_000);
        assert_eq!(arb.weight(0), Some(5750));
        assert_eq!(arb.weight(1), Some(2750));
        assert_eq!(arb.weight(2), Some(750));
        assert_eq!(arb.weight(3), Some(750));
        // Fully reserved: the floor.
        arb.set_min(2, 3000)?;
        assert_eq!(arb.weight(3), Some(u64::from(ARB_FLOOR_WEIGHT_MBPS)));
        Ok(())
    }

    #[test]
    fn arbiter_round_robin_order() -> Result {
        // Quantum 1600 bytes each, 1000-byte frames: DRR order.
        let mut arb = MinRateArbiter::new(3)?;
        let expect = [0, 1, 2, 0, 0, 1, 1, 2, 2, 0];
        for &e in &expect {
            assert_eq!(arb.next(|_| Some(1000)), Some(e));
        }
        // Idle ports are skipped and lose their deficit.
        assert_eq!(arb.next(|p| (p == 2).then_some(1000)), Some(2));
        assert_eq!(arb.next(|p| (p == 1).then_some(1000)), Some(1));
        Ok(())
    }

    /// How far apart two ports of quantum `quantum` with frames of at most
    /// `frame` bytes can be at any moment: the rounds in progress at the
    /// start and at the end of a run.
    fn drr_slack(quantum: u64, frame: u64) -> u64 {
        2 * (quantum + frame)
    }

    #[test]
    fn arbiter_respects_minimums() -> Result {
        let link = 10_000;
        let min = [5000, 2000, 0, 0];
        let mut arb = MinRateArbiter::new(4)?;
        arb.set_link_speed(link);
        for (p, &m) in min.iter().enumerate() {
            arb.set_min(p, m)?;
        }
        let size = [1500; 4];
        let q = arb.weight(2).ok_or(EINVAL)? * ARB_QUANTUM_BYTES_PER_MBPS;
        // All backlogged: shares follow the weights 5750:2750:750:750.
        let b = run(&mut arb, &[true; 4], &size, 20_000)?;
        assert!(meets_mins(&b, &min, link, 0));
        let total: u64 = b.iter().sum();
        assert!(b[0] * 10_000 >= 5700 * total && b[0] * 10_000 <= 5800 * total);
        assert!(b[1] * 10_000 >= 2700 * total && b[1] * 10_000 <= 2800 * total);
        assert!(b[2].abs_diff(b[3]) <= drr_slack(q, 1500));
        // Only the ports without minimum: they split the link evenly.
        let b = run(&mut arb, &[false, false, true, true], &size, 10_000)?;
        assert_eq!(b[0] + b[1], 0);
        assert!(b[2] > 0);
        assert!(b[2].abs_diff(b[3]) <= drr_slack(q, 1500));
        // Port 0 against a port without minimum: at least its 50%.
        let b = run(&mut arb, &[true, false, true, false], &size, 10_000)?;
        assert!(meets_mins(&b, &[5000, 0, 0, 0], link, 0));
        assert_eq!(b[1] + b[3], 0);
        Ok(())
    }

    #[test]
    fn arbiter_is_byte_fair() -> Result {
        // Small frames against jumbo frames, equal minimums: equal bytes.
        let mut arb = MinRateArbiter::new(3)?;
        arb.set_link_speed(1000);
        arb.set_min(0, 300)?;
        arb.set_min(1, 300)?;
        arb.set_min(2, 300)?;
        let q = arb.weight(0).ok_or(EINVAL)? * ARB_QUANTUM_BYTES_PER_MBPS;
        let b = run(&mut arb, &[true; 3], &[64, 9000, 1514], 50_000)?;
        let total: u64 = b.iter().sum();
        for &x in b.iter() {
            assert!(x * 1000 >= 300 * total);
            assert!(3 * x + 3 * drr_slack(q, 9000) >= total);
            assert!(3 * x <= total + 3 * drr_slack(q, 9000));
        }
        Ok(())
    }

    #[test]
    fn arbiter_fully_reserved() -> Result {
        let link = 10_000;
        let min = [6000, 4000, 0];
        let mut arb = MinRateArbiter::new(3)?;
        arb.set_link_speed(link);
        for (p, &m) in min.iter().enumerate() {
            arb.set_min(p, m)?;
        }
        let b = run(&mut arb, &[true; 3], &[1500; 3], 40_000)?;
        // Within the floor of the port without minimum, plus 0.1% of the
        // link for the round in progress; and that port still moves.
        let slack = u64::from(ARB_FLOOR_WEIGHT_MBPS) + 10;
        assert!(meets_mins(&b, &min, link, slack));
        assert!(b[2] > 0);
        Ok(())
    }

    #[test]
    fn arbiter_skips_idle_rounds() -> Result {
        // Quantum 1600 bytes, a 4 GB frame: picked in one call, after the
        // small frames of the other port had their rounds.
        let mut arb = MinRateArbiter::new(2)?;
        assert_eq!(arb.next(|p| (p == 0).then_some(u32::MAX)), Some(0));
        assert_eq!(arb.sent_bytes(0), Some(u64::from(u32::MAX)));
        let mut big = 0;
        let mut small = 0;
        for _ in 0..10 {
            match arb.next(|p| Some(if p == 0 { u32::MAX } else { 1000 })) {
                Some(0) => big += 1,
                Some(_) => small += 1,
                None => return Err(EINVAL),
            }
        }
        assert_eq!(big, 0);
        assert_eq!(small, 10);
        Ok(())
    }
}
