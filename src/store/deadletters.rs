//! The embedded queue's dead letters: messages received too often without being deleted, kept for a look and a
//! replay (`asklake alerts dead-letters [--replay]`), never dropped.

use anyhow::Context;
use rusqlite::{Transaction, params};

use super::Store;
use super::queue::now_ms;

/// Table of dead letters (ids are the queue's).
pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS alert_dead_letters (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    enqueued_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL,
    dead_at_ms INTEGER NOT NULL
);";

/// One dead letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The queue row id it had.
    pub id: i64,
    /// Message body (raw event text: show it to the operator, never log it).
    pub body: String,
    /// When it was queued (Unix milliseconds).
    pub enqueued_at_ms: i64,
    /// Receives before it moved here.
    pub receive_count: u32,
    /// When it moved here (Unix milliseconds).
    pub dead_at_ms: i64,
}

/// Moves visible messages received `max_receives` times or more to the dead-letter table (inside a receive).
pub(super) fn redrive(tx: &Transaction<'_>, now: i64, max_receives: u32) -> anyhow::Result<usize> {
    let moved = tx
        .execute(
            "INSERT OR REPLACE INTO alert_dead_letters (id, body, enqueued_at, receive_count, dead_at_ms)
             SELECT id, body, enqueued_at, receive_count, ?1 FROM alert_queue
             WHERE visible_at_ms <= ?1 AND receive_count >= ?2",
            params![now, max_receives],
        )
        .context("could not move messages to the dead-letter table")?;
    if moved > 0 {
        tx.execute(
            "DELETE FROM alert_queue WHERE visible_at_ms <= ?1 AND receive_count >= ?2",
            params![now, max_receives],
        )
        .context("could not remove dead letters from the queue")?;
        tracing::warn!(
            moved,
            max_receives,
            "alert messages moved to the dead-letter table; see `asklake alerts dead-letters`"
        );
    }
    Ok(moved)
}

impl Store {
    /// The dead letters, oldest first.
    pub fn dead_letters(&self) -> anyhow::Result<Vec<DeadLetter>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT id, body, enqueued_at, receive_count, dead_at_ms FROM alert_dead_letters ORDER BY id")
            .context("could not read dead letters")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(DeadLetter {
                    id: r.get(0)?,
                    body: r.get(1)?,
                    enqueued_at_ms: r.get(2)?,
                    receive_count: r.get(3)?,
                    dead_at_ms: r.get(4)?,
                })
            })
            .context("could not read dead letters")?;
        rows.collect::<Result<Vec<_>, _>>().context("could not read a dead letter")
    }

    /// Moves every dead letter back into the queue, visible now with no receives counted; returns how many.
    pub fn replay_dead_letters(&self) -> anyhow::Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction().context("could not start replay transaction")?;
        let n = tx
            .execute(
                "INSERT INTO alert_queue (body, enqueued_at, visible_at_ms, receive_count)
                 SELECT body, enqueued_at, ?1, 0 FROM alert_dead_letters ORDER BY id",
                [now_ms()],
            )
            .context("could not put dead letters back in the queue")?;
        tx.execute("DELETE FROM alert_dead_letters", []).context("could not clear replayed dead letters")?;
        tx.commit().context("could not commit the replay")?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_received_n_times_moves_to_the_dead_letters_on_the_next_receive_and_replays_back() {
        let store = Store::in_memory().unwrap();
        store.queue_push(&["poison".into(), "fine".into()]).unwrap();
        for round in 1..=2 {
            let got = store.queue_receive(10, 0, 2).unwrap();
            assert_eq!(got.len(), 2, "round {round}");
        }
        let fine = store.queue_receive(10, 60_000, 2).unwrap();
        assert!(fine.is_empty(), "both were received twice and never deleted");
        let dead = store.dead_letters().unwrap();
        assert_eq!(
            dead.iter().map(|d| (d.body.as_str(), d.receive_count)).collect::<Vec<_>>(),
            [("poison", 2), ("fine", 2)]
        );
        assert_eq!(store.queue_len().unwrap(), 0);

        assert_eq!(store.replay_dead_letters().unwrap(), 2);

        assert!(store.dead_letters().unwrap().is_empty());
        let back = store.queue_receive(10, 60_000, 2).unwrap();
        assert_eq!(
            back.iter().map(|m| (m.body.as_str(), m.receive_count)).collect::<Vec<_>>(),
            [("poison", 1), ("fine", 1)]
        );
    }

    #[test]
    fn no_limit_means_no_dead_letters_and_hidden_messages_are_not_moved() {
        let store = Store::in_memory().unwrap();
        store.queue_push(&["a".into()]).unwrap();
        for _ in 0..5 {
            assert_eq!(store.queue_receive(10, 0, 0).unwrap().len(), 1);
        }
        assert_eq!(store.queue_receive(10, 60_000, 1).unwrap().len(), 0, "received 6 times: moved");
        store.replay_dead_letters().unwrap();
        let held = store.queue_receive(10, 60_000, 1).unwrap();
        assert_eq!(held.len(), 1);
        // Hidden (in flight) messages stay in the queue whatever their count.
        assert!(store.queue_receive(10, 60_000, 1).unwrap().is_empty());
        assert_eq!((store.queue_len().unwrap(), store.dead_letters().unwrap().len()), (1, 0));
    }
}
