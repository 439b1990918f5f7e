//! When the Athena adapter checks on a query, and how often it starts a failed one again.

use std::time::Duration;

/// Backoff between status checks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollSchedule {
    /// First wait.
    pub initial: Duration,
    /// Growth factor per wait.
    pub factor: f64,
    /// Longest wait.
    pub max: Duration,
}

impl Default for PollSchedule {
    fn default() -> Self {
        Self { initial: Duration::from_millis(200), factor: 1.5, max: Duration::from_secs(2) }
    }
}

impl PollSchedule {
    pub(super) fn next(&self, current: Duration) -> Duration {
        current.mul_f64(self.factor).min(self.max)
    }
}

/// How often a query that failed for a passing reason (`Retryable`, throttling) is started again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartPolicy {
    /// Fresh starts after the first one.
    pub max_restarts: u32,
    /// Wait before the first restart; doubled for each later one.
    pub backoff: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self { max_restarts: 2, backoff: Duration::from_secs(1) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poll_schedule_grows_by_half_and_caps_at_two_seconds() {
        let p = PollSchedule::default();
        let mut d = p.initial;
        let mut seen = vec![d];
        for _ in 0..7 {
            d = p.next(d);
            seen.push(d);
        }
        assert_eq!(seen[1], Duration::from_millis(300));
        assert_eq!(seen[2], Duration::from_millis(450));
        assert_eq!(*seen.last().unwrap(), Duration::from_secs(2));
    }
}
