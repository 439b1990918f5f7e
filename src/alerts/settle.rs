//! Settling a drain step: which queue messages are deleted, left to the redrive policy, put off for a parked
//! channel, given back, or kept held (and extended before their visibility runs out).

use std::time::Duration;

use tokio::time::Instant;
use tracing::warn;

use super::batch::{Batch, Held};
use super::deliver::Delivered;
use super::queue::{QueueError, QueueMessage};
use super::worker::{DrainOutcome, Worker};

impl Worker {
    /// Deletes finished messages; leaves broken ones to the redrive policy; puts off those waiting on a parked
    /// channel; on `flush` releases what failed, otherwise keeps unfinished messages held (extended in time).
    pub(super) async fn settle(&self, batch: &mut Batch, done: &Delivered, flush: bool, out: &mut DrainOutcome) {
        let left = std::mem::take(&mut batch.left);
        let (mut finished, mut back, mut put_off, mut keep) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for mut h in batch.msgs.drain(..) {
            h.waiting.retain(|id| batch.owed.get(id).is_some_and(|o| !o.settled()));
            let until = h.waiting.iter().filter_map(|id| done.parked.get(id)).max().copied();
            match (h.waiting.is_empty(), until) {
                (true, _) if h.broken => out.left += 1,
                (true, _) => finished.push(h.msg),
                (false, Some(until)) => put_off.push((h.msg, until)),
                (false, None) if flush => back.push(h.msg),
                (false, None) => keep.push(h),
            }
        }
        out.left += left.len();
        out.parked = put_off.len();
        self.delete(&finished, out).await;
        match self.queue.release(&back).await {
            Ok(()) => out.released += back.len(),
            Err(e) => warn!(error = %e, "could not release messages; they reappear after the visibility timeout"),
        }
        self.put_off(put_off).await;
        self.extend_due(&mut keep).await;
        batch.msgs = keep;
        batch.forget_orphans();
    }

    async fn delete(&self, msgs: &[QueueMessage], out: &mut DrainOutcome) {
        match self.queue.delete(msgs).await {
            Ok(n) => out.deleted += n,
            Err(e @ QueueError::PartialDelete { deleted, .. }) => {
                out.deleted += deleted;
                warn!(error = %e, "some queue deletes failed; those messages will be redelivered and skipped as duplicates")
            }
            Err(e) => {
                warn!(error = %e, "some queue deletes failed; those messages will be redelivered and skipped as duplicates")
            }
        }
    }

    /// Hides messages waiting on a parked channel until it may be tried again.
    async fn put_off(&self, msgs: Vec<(QueueMessage, Instant)>) {
        let now = Instant::now();
        for (m, until) in msgs {
            let wait = until.saturating_duration_since(now).max(Duration::from_secs(1));
            if let Err(e) = self.queue.extend(std::slice::from_ref(&m), wait).await {
                warn!(error = %e, "could not put off a message for a parked channel; it comes back sooner");
            }
        }
    }

    /// Extends held messages with less than half their visibility left.
    async fn extend_due(&self, held: &mut [Held]) {
        let now = Instant::now();
        let vis = self.settings.visibility;
        let due: Vec<&mut Held> =
            held.iter_mut().filter(|h| h.expires.saturating_duration_since(now) < vis / 2).collect();
        if due.is_empty() {
            return;
        }
        let msgs: Vec<QueueMessage> = due.iter().map(|h| h.msg.clone()).collect();
        match self.queue.extend(&msgs, vis).await {
            Ok(()) => due.into_iter().for_each(|h| h.expires = now + vis),
            Err(e) => warn!(error = %e, "could not extend held messages"),
        }
    }
}
