//! The embedded durable alert queue: SQLite rows with visibility timeouts and receive counts, like SQS, and a
//! redrive policy: a message received `max_receives` times without being deleted moves to the dead-letter table
//! ([`super::deadletters`]) on the next receive.

use anyhow::Context;
use rusqlite::params;

use super::Store;

/// Table of queued alert bodies.
pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS alert_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    enqueued_at INTEGER NOT NULL,
    visible_at_ms INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    receipt TEXT
);
CREATE INDEX IF NOT EXISTS alert_queue_visible ON alert_queue (visible_at_ms);";

/// One message handed out by [`Store::queue_receive`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Row id.
    pub id: i64,
    /// Receipt of this receive; only the latest receipt can delete or change visibility.
    pub receipt: String,
    /// Message body.
    pub body: String,
    /// How many times the message has been received, this time included.
    pub receive_count: u32,
}

pub(super) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Store {
    /// Appends `bodies` to the queue in one transaction; returns how many were stored.
    pub fn queue_push(&self, bodies: &[String]) -> anyhow::Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction().context("could not start queue transaction")?;
        let now = now_ms();
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO alert_queue (body, enqueued_at, visible_at_ms) VALUES (?1, ?2, ?2)")
                .context("could not prepare queue insert")?;
            for body in bodies {
                stmt.execute(params![body, now]).context("could not enqueue alert")?;
            }
        }
        tx.commit().context("could not commit queued alerts")?;
        Ok(bodies.len())
    }

    /// Hands out up to `max` visible messages, hiding them for `visibility_ms` and counting the receive. Visible
    /// messages already received `max_receives` times (0 = no limit) move to the dead-letter table instead.
    pub fn queue_receive(
        &self,
        max: usize,
        visibility_ms: i64,
        max_receives: u32,
    ) -> anyhow::Result<Vec<StoredMessage>> {
        let mut conn = self.conn();
        let tx = conn.transaction().context("could not start queue transaction")?;
        let now = now_ms();
        if max_receives > 0 {
            super::deadletters::redrive(&tx, now, max_receives)?;
        }
        let rows: Vec<(i64, String, u32)> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT id, body, receive_count FROM alert_queue WHERE visible_at_ms <= ?1 ORDER BY id LIMIT ?2",
                )
                .context("could not prepare queue receive")?;
            stmt.query_map(params![now, max as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .context("could not read queue")?
                .collect::<Result<_, _>>()
                .context("could not read queue row")?
        };
        let mut out = Vec::with_capacity(rows.len());
        for (id, body, count) in rows {
            let receipt = uuid::Uuid::new_v4().to_string();
            tx.execute(
                "UPDATE alert_queue SET visible_at_ms = ?1, receive_count = receive_count + 1, receipt = ?2 WHERE id = ?3",
                params![now + visibility_ms, receipt, id],
            )
            .context("could not hide received message")?;
            out.push(StoredMessage { id, receipt, body, receive_count: count + 1 });
        }
        tx.commit().context("could not commit queue receive")?;
        Ok(out)
    }

    /// Deletes a message if `receipt` is its latest receipt; returns whether a row was deleted.
    pub fn queue_delete(&self, id: i64, receipt: &str) -> anyhow::Result<bool> {
        let n = self
            .conn()
            .execute("DELETE FROM alert_queue WHERE id = ?1 AND receipt = ?2", params![id, receipt])
            .context("could not delete queued message")?;
        Ok(n == 1)
    }

    /// Makes a message visible again after `visibility_ms` (0 = now) if `receipt` is its latest receipt.
    pub fn queue_set_visibility(&self, id: i64, receipt: &str, visibility_ms: i64) -> anyhow::Result<bool> {
        let n = self
            .conn()
            .execute(
                "UPDATE alert_queue SET visible_at_ms = ?1 WHERE id = ?2 AND receipt = ?3",
                params![now_ms() + visibility_ms, id, receipt],
            )
            .context("could not change message visibility")?;
        Ok(n == 1)
    }

    /// Number of messages in the queue, visible or not.
    pub fn queue_len(&self) -> anyhow::Result<usize> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM alert_queue", [], |r| r.get(0))
            .context("could not count queued messages")?;
        Ok(n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_received_message_is_hidden_until_released_and_counts_receives() {
        let store = Store::in_memory().unwrap();
        store.queue_push(&["a".into(), "b".into()]).unwrap();
        let first = store.queue_receive(10, 60_000, 5).unwrap();
        assert_eq!(first.len(), 2);
        assert!(store.queue_receive(10, 60_000, 5).unwrap().is_empty());
        assert!(store.queue_set_visibility(first[0].id, &first[0].receipt, 0).unwrap());
        let again = store.queue_receive(10, 60_000, 5).unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].receive_count, 2);
    }

    #[test]
    fn only_the_latest_receipt_deletes() {
        let store = Store::in_memory().unwrap();
        store.queue_push(&["a".into()]).unwrap();
        let old = store.queue_receive(1, 0, 5).unwrap().remove(0);
        let new = store.queue_receive(1, 60_000, 5).unwrap().remove(0);
        assert!(!store.queue_delete(old.id, &old.receipt).unwrap());
        assert!(store.queue_delete(new.id, &new.receipt).unwrap());
        assert_eq!(store.queue_len().unwrap(), 0);
    }
}
