//! An in-process `AlertQueue` on tokio's clock, so tests can run the worker for hours of paused time: SQS
//! semantics (receipts, visibility timeouts, receive counts) with every visibility call counted.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use asklake::alerts::queue::{AlertQueue, QueueError, QueueMessage};
use tokio::time::Instant;

#[derive(Debug, Clone)]
struct Msg {
    body: String,
    visible_at: Instant,
    receive_count: u32,
    receipt: String,
}

#[derive(Debug, Default)]
struct Inner {
    msgs: BTreeMap<u64, Msg>,
    next_id: u64,
    next_receipt: u64,
    receives: Vec<(u64, Instant)>,
    extend_calls: usize,
    extended_late: usize,
    longest_extend: Duration,
    release_calls: usize,
    deleted: usize,
}

/// The queue double. Received messages stay hidden for `visibility` unless extended or released.
#[derive(Debug)]
pub struct MemoryQueue {
    visibility: Duration,
    inner: Mutex<Inner>,
}

impl MemoryQueue {
    pub fn new(visibility: Duration) -> Self {
        Self { visibility, inner: Mutex::new(Inner::default()) }
    }

    pub fn push(&self, bodies: &[String]) {
        let mut inner = self.inner.lock().unwrap();
        let now = Instant::now();
        for body in bodies {
            inner.next_id += 1;
            let id = inner.next_id;
            inner
                .msgs
                .insert(id, Msg { body: body.clone(), visible_at: now, receive_count: 0, receipt: String::new() });
        }
    }

    /// Messages not deleted, visible or not.
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap().msgs.len()
    }

    /// Messages deleted so far.
    pub fn deleted(&self) -> usize {
        self.inner.lock().unwrap().deleted
    }

    /// `ChangeMessageVisibility` calls that kept messages hidden (extend), and releases.
    pub fn extend_calls(&self) -> usize {
        self.inner.lock().unwrap().extend_calls
    }

    pub fn release_calls(&self) -> usize {
        self.inner.lock().unwrap().release_calls
    }

    /// Extensions that came after the message had already become visible again (too late to keep it hidden).
    pub fn extended_late(&self) -> usize {
        self.inner.lock().unwrap().extended_late
    }

    /// The longest time one extension hid a message for.
    pub fn longest_extend(&self) -> Duration {
        self.inner.lock().unwrap().longest_extend
    }

    /// How many times each message was received, by message id.
    pub fn receives_per_message(&self) -> BTreeMap<u64, usize> {
        let mut out = BTreeMap::new();
        for (id, _) in &self.inner.lock().unwrap().receives {
            *out.entry(*id).or_default() += 1;
        }
        out
    }

    /// When each receive of message `id` happened, relative to `since`.
    pub fn receive_times(&self, id: u64, since: Instant) -> Vec<Duration> {
        let inner = self.inner.lock().unwrap();
        inner.receives.iter().filter(|(m, _)| *m == id).map(|(_, t)| t.duration_since(since)).collect()
    }

    fn with_receipt<'a>(inner: &'a mut Inner, m: &QueueMessage) -> Option<&'a mut Msg> {
        let id: u64 = m.id.parse().ok()?;
        inner.msgs.get_mut(&id).filter(|msg| msg.receipt == m.receipt)
    }
}

#[async_trait::async_trait]
impl AlertQueue for MemoryQueue {
    async fn receive(&self, max: usize) -> Result<Vec<QueueMessage>, QueueError> {
        let mut inner = self.inner.lock().unwrap();
        let now = Instant::now();
        let ids: Vec<u64> =
            inner.msgs.iter().filter(|(_, m)| m.visible_at <= now).map(|(id, _)| *id).take(max).collect();
        let mut out = Vec::new();
        for id in ids {
            inner.next_receipt += 1;
            let receipt = format!("r{}", inner.next_receipt);
            inner.receives.push((id, now));
            let m = inner.msgs.get_mut(&id).unwrap();
            m.receive_count += 1;
            m.visible_at = now + self.visibility;
            m.receipt = receipt.clone();
            out.push(QueueMessage {
                id: id.to_string(),
                receipt,
                body: m.body.clone(),
                receive_count: m.receive_count,
            });
        }
        Ok(out)
    }

    async fn delete(&self, msgs: &[QueueMessage]) -> Result<usize, QueueError> {
        let mut inner = self.inner.lock().unwrap();
        let mut n = 0;
        for m in msgs {
            if Self::with_receipt(&mut inner, m).is_some() {
                inner.msgs.remove(&m.id.parse().unwrap());
                inner.deleted += 1;
                n += 1;
            }
        }
        Ok(n)
    }

    async fn release(&self, msgs: &[QueueMessage]) -> Result<(), QueueError> {
        let mut inner = self.inner.lock().unwrap();
        inner.release_calls += usize::from(!msgs.is_empty());
        let now = Instant::now();
        for m in msgs {
            if let Some(msg) = Self::with_receipt(&mut inner, m) {
                msg.visible_at = now;
            }
        }
        Ok(())
    }

    async fn extend(&self, msgs: &[QueueMessage], by: Duration) -> Result<(), QueueError> {
        let mut inner = self.inner.lock().unwrap();
        inner.extend_calls += 1;
        inner.longest_extend = inner.longest_extend.max(by);
        let now = Instant::now();
        let mut late = 0;
        for m in msgs {
            if let Some(msg) = Self::with_receipt(&mut inner, m) {
                late += usize::from(msg.visible_at < now);
                msg.visible_at = now + by;
            }
        }
        inner.extended_late += late;
        Ok(())
    }
}
