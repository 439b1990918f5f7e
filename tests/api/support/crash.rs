//! A queue wrapper that simulates a process killed mid-drain: after posting, before its deletes finish.

use std::sync::Arc;
use std::time::Duration;

use asklake::alerts::queue::{AlertQueue, QueueError, QueueMessage};

/// Deletes never finish; everything else goes to the wrapped queue.
pub struct HangOnDelete(pub Arc<dyn AlertQueue>);

#[async_trait::async_trait]
impl AlertQueue for HangOnDelete {
    async fn receive(&self, max: usize) -> Result<Vec<QueueMessage>, QueueError> {
        self.0.receive(max).await
    }
    async fn delete(&self, _: &[QueueMessage]) -> Result<usize, QueueError> {
        std::future::pending().await
    }
    async fn release(&self, m: &[QueueMessage]) -> Result<(), QueueError> {
        self.0.release(m).await
    }
    async fn extend(&self, m: &[QueueMessage], by: Duration) -> Result<(), QueueError> {
        self.0.extend(m, by).await
    }
}
