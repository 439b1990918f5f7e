//! The `AlertQueue` seam: receive, delete, release and extend messages, with SQS and embedded adapters.

use std::time::Duration;

use crate::store::Store;

/// One received queue message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMessage {
    /// Stable message id.
    pub id: String,
    /// Receipt handle of this receive (needed to delete or change visibility).
    pub receipt: String,
    /// Raw body (never logged).
    pub body: String,
    /// Receives so far, this one included.
    pub receive_count: u32,
}

/// Why a queue call failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The queue service could not be reached or refused the call.
    #[error("queue call {op} failed: {message}")]
    Call {
        /// Operation name.
        op: &'static str,
        /// Cause.
        message: String,
    },
    /// Some deletes kept failing after retries (the messages will be redelivered and deduplicated).
    #[error("{failed} of {total} queue deletes failed")]
    PartialDelete {
        /// Entries deleted.
        deleted: usize,
        /// Entries that failed.
        failed: usize,
        /// Entries asked for.
        total: usize,
    },
}

/// A queue of CloudTrail event bodies.
#[async_trait::async_trait]
pub trait AlertQueue: Send + Sync {
    /// Receives up to `max` (≤ 10) messages, hiding them for the queue's visibility timeout.
    async fn receive(&self, max: usize) -> Result<Vec<QueueMessage>, QueueError>;
    /// Deletes messages (after their effect is durable). Returns how many were deleted.
    async fn delete(&self, msgs: &[QueueMessage]) -> Result<usize, QueueError>;
    /// Makes messages visible again now, so they are redelivered.
    async fn release(&self, msgs: &[QueueMessage]) -> Result<(), QueueError>;
    /// Keeps messages hidden for another `by` while they are in flight.
    async fn extend(&self, msgs: &[QueueMessage], by: Duration) -> Result<(), QueueError>;
}

/// Receives after which the embedded queue moves a message to its dead-letter table (`[alerts] max_receives`).
pub const DEFAULT_MAX_RECEIVES: u32 = 5;

/// The embedded durable queue in the SQLite [`Store`], with a dead-letter table as its redrive policy.
#[derive(Debug, Clone)]
pub struct EmbeddedQueue {
    store: Store,
    visibility: Duration,
    max_receives: u32,
}

impl EmbeddedQueue {
    /// A queue over `store` whose received messages stay hidden for `visibility`; a message received
    /// [`DEFAULT_MAX_RECEIVES`] times without being deleted moves to the dead-letter table.
    pub fn new(store: Store, visibility: Duration) -> Self {
        Self { store, visibility, max_receives: DEFAULT_MAX_RECEIVES }
    }

    /// Sets the receives after which a message moves to the dead-letter table (0 = never).
    pub fn with_max_receives(mut self, max_receives: u32) -> Self {
        self.max_receives = max_receives;
        self
    }

    /// Enqueues bodies (used by `POST /events`).
    pub fn push(&self, bodies: &[String]) -> anyhow::Result<usize> {
        self.store.queue_push(bodies)
    }
}

fn call_err(op: &'static str) -> impl FnOnce(anyhow::Error) -> QueueError {
    move |e| QueueError::Call { op, message: format!("{e:#}") }
}

fn parse_id(m: &QueueMessage) -> i64 {
    m.id.parse().unwrap_or(-1)
}

#[async_trait::async_trait]
impl AlertQueue for EmbeddedQueue {
    async fn receive(&self, max: usize) -> Result<Vec<QueueMessage>, QueueError> {
        let store = self.store.clone();
        let (vis, limit) = (self.visibility.as_millis() as i64, self.max_receives);
        let rows = tokio::task::spawn_blocking(move || store.queue_receive(max, vis, limit))
            .await
            .map_err(|e| QueueError::Call { op: "receive", message: e.to_string() })?
            .map_err(call_err("receive"))?;
        Ok(rows
            .into_iter()
            .map(|r| QueueMessage {
                id: r.id.to_string(),
                receipt: r.receipt,
                body: r.body,
                receive_count: r.receive_count,
            })
            .collect())
    }

    async fn delete(&self, msgs: &[QueueMessage]) -> Result<usize, QueueError> {
        let mut n = 0;
        for m in msgs {
            if self.store.queue_delete(parse_id(m), &m.receipt).map_err(call_err("delete"))? {
                n += 1;
            }
        }
        Ok(n)
    }

    async fn release(&self, msgs: &[QueueMessage]) -> Result<(), QueueError> {
        for m in msgs {
            self.store.queue_set_visibility(parse_id(m), &m.receipt, 0).map_err(call_err("release"))?;
        }
        Ok(())
    }

    async fn extend(&self, msgs: &[QueueMessage], by: Duration) -> Result<(), QueueError> {
        for m in msgs {
            self.store
                .queue_set_visibility(parse_id(m), &m.receipt, by.as_millis() as i64)
                .map_err(call_err("extend"))?;
        }
        Ok(())
    }
}
