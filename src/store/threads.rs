//! Conversation threads asklake owns, their history (for follow-ups) and each answer's stored result (for buttons).

use anyhow::Context;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::Store;
use crate::pipeline::Turn;

/// Tables: one row per owned thread, one row per posted answer.
pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS threads (
    channel TEXT NOT NULL,
    thread_ts TEXT NOT NULL,
    asker TEXT NOT NULL,
    history_json TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (channel, thread_ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY NOT NULL,
    channel TEXT NOT NULL,
    thread_ts TEXT NOT NULL,
    asker TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sql TEXT,
    result_json TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_by_thread ON answers (channel, thread_ts);";

/// Turns kept per thread; older ones are dropped first.
pub const MAX_TURNS: usize = 10;
/// Rows kept per stored result (for CSV download).
pub const MAX_STORED_ROWS: usize = 10_000;
/// Bytes of cell text kept per stored result; rows past the budget are dropped and the result marked truncated.
pub const MAX_STORED_BYTES: usize = 4 * 1024 * 1024;

/// A thread asklake answers in.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadRecord {
    /// Channel id.
    pub channel: String,
    /// Timestamp of the thread's root message.
    pub thread_ts: String,
    /// User who started it.
    pub asker: String,
    /// Earlier turns, oldest first, at most [`MAX_TURNS`].
    pub history: Vec<Turn>,
}

/// Result rows kept as text, enough to rebuild a CSV.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StoredResult {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows of displayed cell text.
    pub rows: Vec<Vec<String>>,
    /// True when rows were dropped (by the engine's cap or the store's).
    pub truncated: bool,
}

impl StoredResult {
    /// Converts an engine result, keeping at most [`MAX_STORED_ROWS`] rows and [`MAX_STORED_BYTES`] of text.
    /// Times stay in UTC (a CSV is read by tools and other teams), and a timestamp column's name says so.
    pub fn from_query(result: &crate::engines::QueryResult) -> Self {
        let columns = crate::engines::display::shown(result, chrono_tz::UTC, 0).header;
        let mut rows = Vec::new();
        let mut bytes = 0usize;
        let mut truncated = result.truncated;
        for row in &result.rows {
            let cells: Vec<String> = row.iter().map(ToString::to_string).collect();
            bytes += cells.iter().map(String::len).sum::<usize>();
            if rows.len() >= MAX_STORED_ROWS || bytes > MAX_STORED_BYTES {
                truncated = true;
                break;
            }
            rows.push(cells);
        }
        Self { columns, rows, truncated }
    }
}

/// One posted answer, looked up when its buttons are pressed.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnswer {
    /// Answer id (the buttons' value).
    pub id: String,
    /// Channel id.
    pub channel: String,
    /// Thread the answer was posted in.
    pub thread_ts: String,
    /// User who asked.
    pub asker: String,
    /// The question.
    pub question: String,
    /// The short answer text.
    pub answer: String,
    /// Final SQL over logical tables.
    pub sql: Option<String>,
    /// Result rows, capped.
    pub result: Option<StoredResult>,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Store {
    /// Records that asklake owns the thread rooted at `thread_ts` (no-op when already recorded).
    pub fn open_thread(&self, channel: &str, thread_ts: &str, asker: &str) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "INSERT OR IGNORE INTO threads (channel, thread_ts, asker, history_json, created_at, updated_at)
                 VALUES (?1, ?2, ?3, '[]', ?4, ?4)",
                rusqlite::params![channel, thread_ts, asker, now()],
            )
            .context("could not record thread")?;
        Ok(())
    }

    /// The thread rooted at `thread_ts` in `channel`, if asklake owns it.
    pub fn thread(&self, channel: &str, thread_ts: &str) -> anyhow::Result<Option<ThreadRecord>> {
        let row: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT asker, history_json FROM threads WHERE channel = ?1 AND thread_ts = ?2",
                rusqlite::params![channel, thread_ts],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .context("could not read thread")?;
        let Some((asker, history_json)) = row else { return Ok(None) };
        let history = serde_json::from_str(&history_json).context("stored thread history is not valid JSON")?;
        Ok(Some(ThreadRecord { channel: channel.to_owned(), thread_ts: thread_ts.to_owned(), asker, history }))
    }

    /// Appends `turn` to the thread's history, keeping the last [`MAX_TURNS`]. Opens the thread if needed.
    pub fn append_turn(&self, channel: &str, thread_ts: &str, asker: &str, turn: &Turn) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction().context("could not start transaction")?;
        let current: Option<String> = tx
            .query_row(
                "SELECT history_json FROM threads WHERE channel = ?1 AND thread_ts = ?2",
                rusqlite::params![channel, thread_ts],
                |r| r.get(0),
            )
            .optional()
            .context("could not read thread")?;
        let mut history: Vec<Turn> = match &current {
            Some(json) => serde_json::from_str(json).context("stored thread history is not valid JSON")?,
            None => Vec::new(),
        };
        history.push(turn.clone());
        let excess = history.len().saturating_sub(MAX_TURNS);
        history.drain(..excess);
        let json = serde_json::to_string(&history).context("could not encode thread history")?;
        tx.execute(
            "INSERT INTO threads (channel, thread_ts, asker, history_json, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT (channel, thread_ts) DO UPDATE SET history_json = excluded.history_json,
                                                            updated_at = excluded.updated_at",
            rusqlite::params![channel, thread_ts, asker, json, now()],
        )
        .context("could not save thread history")?;
        tx.commit().context("could not commit thread history")
    }

    /// Sets the thread's history to `history` (as read back from Slack), opening the thread if needed.
    pub fn replace_history(&self, channel: &str, thread_ts: &str, asker: &str, history: &[Turn]) -> anyhow::Result<()> {
        let json = serde_json::to_string(history).context("could not encode thread history")?;
        self.conn()
            .execute(
                "INSERT INTO threads (channel, thread_ts, asker, history_json, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT (channel, thread_ts) DO UPDATE SET history_json = excluded.history_json,
                                                                updated_at = excluded.updated_at",
                rusqlite::params![channel, thread_ts, asker, json, now()],
            )
            .context("could not save thread history")?;
        Ok(())
    }

    /// Stores a posted answer so its buttons can find the SQL and rows later.
    pub fn save_answer(&self, answer: &StoredAnswer) -> anyhow::Result<()> {
        let result_json =
            answer.result.as_ref().map(serde_json::to_string).transpose().context("could not encode result")?;
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO answers (id, channel, thread_ts, asker, question, answer, sql, result_json, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                rusqlite::params![
                    answer.id,
                    answer.channel,
                    answer.thread_ts,
                    answer.asker,
                    answer.question,
                    answer.answer,
                    answer.sql,
                    result_json,
                    now()
                ],
            )
            .context("could not save answer")?;
        Ok(())
    }

    /// The stored answer with `id`.
    pub fn answer(&self, id: &str) -> anyhow::Result<Option<StoredAnswer>> {
        type Row = (String, String, String, String, String, Option<String>, Option<String>);
        let row: Option<Row> = self
            .conn()
            .query_row(
                "SELECT channel, thread_ts, asker, question, answer, sql, result_json FROM answers WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
            )
            .optional()
            .context("could not read answer")?;
        let Some((channel, thread_ts, asker, question, answer, sql, result_json)) = row else { return Ok(None) };
        let result =
            result_json.map(|j| serde_json::from_str(&j)).transpose().context("stored result is not valid JSON")?;
        Ok(Some(StoredAnswer { id: id.to_owned(), channel, thread_ts, asker, question, answer, sql, result }))
    }

    /// Forgets answers older than `max_age_secs` (housekeeping; threads stay).
    pub fn prune_answers(&self, max_age_secs: i64) -> anyhow::Result<usize> {
        let cutoff = now() - max_age_secs;
        let conn = self.conn();
        conn.execute("DELETE FROM offers WHERE created_at < ?1", [cutoff]).context("could not prune offers")?;
        conn.execute("DELETE FROM answers WHERE created_at < ?1", [cutoff]).context("could not prune answers")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(n: usize) -> Turn {
        Turn {
            question: format!("q{n}"),
            sql: Some(format!("SELECT {n}")),
            columns: vec!["a".into()],
            row_count: n,
            answer: format!("a{n}"),
        }
    }

    #[test]
    fn a_thread_keeps_its_last_turns_in_order() {
        let store = Store::in_memory().unwrap();
        store.open_thread("C1", "1.0", "U1").unwrap();
        for n in 0..(MAX_TURNS + 3) {
            store.append_turn("C1", "1.0", "U1", &turn(n)).unwrap();
        }
        let t = store.thread("C1", "1.0").unwrap().unwrap();
        assert_eq!(t.asker, "U1");
        assert_eq!(t.history.len(), MAX_TURNS);
        assert_eq!(t.history.first().unwrap().question, "q3");
        assert_eq!(t.history.last().unwrap().question, format!("q{}", MAX_TURNS + 2));
        assert!(store.thread("C1", "2.0").unwrap().is_none());
        assert!(store.thread("C2", "1.0").unwrap().is_none());
    }

    #[test]
    fn threads_and_answers_survive_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        {
            let store = Store::open(&path).unwrap();
            store.append_turn("C1", "1.0", "U1", &turn(1)).unwrap();
            store
                .save_answer(&StoredAnswer {
                    id: "A1".into(),
                    channel: "C1".into(),
                    thread_ts: "1.0".into(),
                    asker: "U1".into(),
                    question: "q".into(),
                    answer: "a".into(),
                    sql: Some("SELECT 1".into()),
                    result: Some(StoredResult {
                        columns: vec!["x".into()],
                        rows: vec![vec!["1".into()]],
                        truncated: false,
                    }),
                })
                .unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.thread("C1", "1.0").unwrap().unwrap().history, vec![turn(1)]);
        let a = store.answer("A1").unwrap().unwrap();
        assert_eq!(a.result.unwrap().rows, vec![vec!["1".to_string()]]);
        assert!(store.answer("A2").unwrap().is_none());
    }
}
