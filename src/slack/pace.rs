//! Client-side pacing of Slack Web API calls: a token bucket per key that allows a short burst, then one call per
//! interval — Slack's own shape for `chat.postMessage` (about one a second per channel, short bursts tolerated)
//! and for tiered methods such as `chat.update` (a budget per minute per method).
//!
//! The bucket is kept as a "theoretical arrival time" per key (the generic cell rate algorithm): a call reserves
//! its slot at once and is told how long to wait, so concurrent callers queue fairly without holding a lock.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Above this many keys, keys whose bucket is full again are forgotten.
const PRUNE_ABOVE: usize = 4096;

/// How often calls may go out under one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Steady-state time between two calls; zero turns pacing off.
    pub interval: Duration,
    /// Calls that may go out back to back after a quiet period (at least 1).
    pub burst: u32,
}

impl Rate {
    /// `burst` calls at once, then one per `interval`.
    pub const fn new(interval: Duration, burst: u32) -> Self {
        Self { interval, burst }
    }

    /// How far ahead of its steady-state slot a call may go: the burst minus the call itself.
    fn tolerance(self) -> Duration {
        self.interval.saturating_mul(self.burst.max(1) - 1)
    }
}

/// Token buckets of one [`Rate`], one per key (a channel id, or one key for a per-method limit).
#[derive(Debug)]
pub struct Pacer {
    rate: Rate,
    /// Per key: when the bucket would be full again if nothing else were sent.
    next: Mutex<HashMap<String, Instant>>,
}

impl Pacer {
    /// Buckets that refill at `rate`.
    pub fn new(rate: Rate) -> Self {
        Self { rate, next: Mutex::new(HashMap::new()) }
    }

    /// Reserves the next slot under `key` at time `now` and returns how long to wait before using it.
    pub fn reserve(&self, key: &str, now: Instant) -> Duration {
        if self.rate.interval.is_zero() {
            return Duration::ZERO;
        }
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        if next.len() > PRUNE_ABOVE {
            next.retain(|_, t| *t > now);
        }
        let theoretical = next.get(key).copied().unwrap_or(now).max(now);
        next.insert(key.to_owned(), theoretical + self.rate.interval);
        theoretical.saturating_duration_since(now).saturating_sub(self.rate.tolerance())
    }

    /// Waits until a call under `key` may go out.
    pub async fn wait(&self, key: &str) {
        let wait = self.reserve(key, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn waits(pacer: &Pacer, key: &str, at: Instant, n: usize) -> Vec<Duration> {
        (0..n).map(|_| pacer.reserve(key, at)).collect()
    }

    #[test]
    fn a_burst_goes_out_at_once_and_the_rest_one_interval_apart() {
        let pacer = Pacer::new(Rate::new(SECOND, 3));
        let t0 = Instant::now();
        assert_eq!(waits(&pacer, "C1", t0, 5), [Duration::ZERO, Duration::ZERO, Duration::ZERO, SECOND, 2 * SECOND]);
    }

    #[test]
    fn after_a_quiet_period_the_whole_burst_is_available_again() {
        let pacer = Pacer::new(Rate::new(SECOND, 3));
        let t0 = Instant::now();
        waits(&pacer, "C1", t0, 3);
        assert_eq!(pacer.reserve("C1", t0 + SECOND), Duration::ZERO, "one slot refilled after one interval");
        assert_eq!(pacer.reserve("C1", t0 + SECOND), SECOND);
        assert_eq!(waits(&pacer, "C1", t0 + 10 * SECOND, 3), [Duration::ZERO; 3]);
    }

    #[test]
    fn keys_have_their_own_buckets() {
        let pacer = Pacer::new(Rate::new(SECOND, 1));
        let t0 = Instant::now();
        assert_eq!(pacer.reserve("C1", t0), Duration::ZERO);
        assert_eq!(pacer.reserve("C2", t0), Duration::ZERO);
        assert_eq!(pacer.reserve("C1", t0), SECOND);
    }

    #[test]
    fn a_burst_of_one_is_the_old_fixed_interval_and_a_zero_interval_never_waits() {
        let strict = Pacer::new(Rate::new(SECOND, 1));
        let t0 = Instant::now();
        assert_eq!(waits(&strict, "C1", t0, 3), [Duration::ZERO, SECOND, 2 * SECOND]);
        let off = Pacer::new(Rate::new(Duration::ZERO, 1));
        assert_eq!(waits(&off, "C1", t0, 3), [Duration::ZERO; 3]);
        let zero_burst = Pacer::new(Rate::new(SECOND, 0));
        assert_eq!(waits(&zero_burst, "C1", t0, 2), [Duration::ZERO, SECOND], "a burst of 0 counts as 1");
    }

    #[test]
    fn forgotten_keys_are_only_those_whose_bucket_is_full_again() {
        let pacer = Pacer::new(Rate::new(SECOND, 1));
        let t0 = Instant::now();
        for i in 0..=PRUNE_ABOVE {
            pacer.reserve(&format!("C{i}"), t0);
        }
        pacer.reserve("busy", t0 + 2 * SECOND);
        assert_eq!(pacer.reserve("busy", t0 + 2 * SECOND), SECOND, "a key still paced keeps its state");
        assert!(pacer.next.lock().unwrap().len() < PRUNE_ABOVE, "full buckets were forgotten");
    }
}
