//! Limits every engine query runs under: a slot from a semaphore shared by all questions, and a per-query timeout.
//!
//! An engine holds one [`QueryLimits`]; the pipeline holds one engine, so every question (and every dry run) draws
//! from the same `[engine] max_concurrent_queries` slots. A query keeps its [`Slot`] for as long as the engine
//! works on it (for DuckDB, until the blocking worker has really returned), so the bound holds even when the
//! caller has already given up. Counters of running and waiting queries let tests and logs see the queue.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::EngineError;
use crate::config::EngineConfig;

/// The slots and the per-query timeout of one engine. Cloning shares the slots.
#[derive(Debug, Clone)]
pub struct QueryLimits {
    slots: Arc<Semaphore>,
    max_concurrent: usize,
    query_timeout: Duration,
    counters: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    running: AtomicUsize,
    waiting: AtomicUsize,
    peak: AtomicUsize,
}

/// A query's slot; dropping it frees the slot for the next waiting query.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    counters: Arc<Counters>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.counters.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Decrements the waiting count however the wait ends.
struct Waiting<'a>(&'a Counters);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self::from_config(&EngineConfig::default())
    }
}

impl QueryLimits {
    /// `max_concurrent` slots (at least 1) and a per-query timeout (at least 1 ms).
    pub fn new(max_concurrent: usize, query_timeout: Duration) -> Self {
        let max_concurrent = max_concurrent.max(1);
        Self {
            slots: Arc::new(Semaphore::new(max_concurrent)),
            max_concurrent,
            query_timeout: query_timeout.max(Duration::from_millis(1)),
            counters: Arc::new(Counters::default()),
        }
    }

    /// The limits `[engine]` describes.
    pub fn from_config(engine: &EngineConfig) -> Self {
        Self::new(engine.max_concurrent_queries, Duration::from_secs(engine.query_timeout_secs))
    }

    /// Replaces the per-query timeout (the slots stay shared).
    pub fn with_query_timeout(mut self, timeout: Duration) -> Self {
        self.query_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The configured per-query timeout.
    pub fn query_timeout(&self) -> Duration {
        self.query_timeout
    }

    /// How long one query may run: the per-query timeout, or the caller's remaining time when that is shorter.
    pub fn timeout_for(&self, caller: Duration) -> Duration {
        self.query_timeout.min(caller)
    }

    /// Waits for a free slot, at most `wait` (the caller's remaining time) and until `cancel`.
    ///
    /// # Errors
    /// [`EngineError::Cancelled`] when cancelled first, [`EngineError::Busy`] when no slot freed up in time.
    pub async fn admit(&self, cancel: &CancellationToken, wait: Duration) -> Result<Slot, EngineError> {
        self.counters.waiting.fetch_add(1, Ordering::SeqCst);
        let waiting = Waiting(&self.counters);
        let permit = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(EngineError::Cancelled),
            permit = self.slots.clone().acquire_owned() => {
                permit.map_err(|_| EngineError::Unavailable { message: "the engine is shutting down".into() })?
            }
            _ = tokio::time::sleep(wait) => return Err(EngineError::Busy { slots: self.max_concurrent }),
        };
        drop(waiting);
        let running = self.counters.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.counters.peak.fetch_max(running, Ordering::SeqCst);
        tracing::debug!(running, slots = self.max_concurrent, "engine slot taken");
        Ok(Slot { _permit: permit, counters: self.counters.clone() })
    }

    /// Slots in total.
    pub fn max_concurrent(&self) -> usize {
        self.max_concurrent
    }

    /// Queries holding a slot now.
    pub fn running(&self) -> usize {
        self.counters.running.load(Ordering::SeqCst)
    }

    /// Queries waiting for a slot now.
    pub fn waiting(&self) -> usize {
        self.counters.waiting.load(Ordering::SeqCst)
    }

    /// The most queries that ever held a slot at the same time.
    pub fn peak(&self) -> usize {
        self.counters.peak.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_query_waits_until_the_first_frees_its_slot() {
        let limits = QueryLimits::new(1, Duration::from_secs(5));
        let cancel = CancellationToken::new();
        let first = limits.admit(&cancel, Duration::from_secs(5)).await.unwrap();
        let waiter = {
            let (limits, cancel) = (limits.clone(), cancel.clone());
            tokio::spawn(async move { limits.admit(&cancel, Duration::from_secs(5)).await.map(drop) })
        };
        while limits.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!((limits.running(), limits.waiting()), (1, 1));
        drop(first);
        waiter.await.unwrap().unwrap();
        assert_eq!((limits.running(), limits.waiting(), limits.peak()), (0, 0, 1));
    }

    #[tokio::test]
    async fn waiting_ends_busy_after_the_callers_time_or_cancelled() {
        let limits = QueryLimits::new(1, Duration::from_secs(5));
        let cancel = CancellationToken::new();
        let _held = limits.admit(&cancel, Duration::from_secs(5)).await.unwrap();
        let err = limits.admit(&cancel, Duration::from_millis(20)).await.unwrap_err();
        assert_eq!(err, EngineError::Busy { slots: 1 });
        cancel.cancel();
        assert_eq!(limits.admit(&cancel, Duration::from_secs(5)).await.unwrap_err(), EngineError::Cancelled);
        assert_eq!(limits.waiting(), 0);
    }

    #[test]
    fn the_per_query_timeout_caps_the_callers_time() {
        let limits = QueryLimits::new(2, Duration::from_secs(60));
        assert_eq!(limits.timeout_for(Duration::from_secs(300)), Duration::from_secs(60));
        assert_eq!(limits.timeout_for(Duration::from_secs(5)), Duration::from_secs(5));
    }
}
