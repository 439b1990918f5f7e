//! Each person's last few questions, for their own App Home: at most [`KEEP_PER_USER`] per user, each cut to
//! [`MAX_CHARS`] characters, the oldest dropped as a new one is kept.

use anyhow::Context;

use super::Store;

/// Questions kept per user.
pub const KEEP_PER_USER: usize = 5;
/// Characters kept of one question.
pub const MAX_CHARS: usize = 300;

/// One row per kept question.
pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS recent_questions (
    user TEXT NOT NULL,
    asked_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    question TEXT NOT NULL,
    PRIMARY KEY (user, seq)
) WITHOUT ROWID;";

/// A question someone asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentQuestion {
    /// When it was asked (Unix seconds).
    pub asked_at: i64,
    /// The question, cut to [`MAX_CHARS`].
    pub question: String,
}

impl Store {
    /// Keeps `question` as `user`'s latest (a repeat of their latest is not kept twice) and drops their older
    /// ones beyond [`KEEP_PER_USER`].
    pub fn remember_question(&self, user: &str, question: &str, asked_at: i64) -> anyhow::Result<()> {
        let question: String = question.trim().chars().take(MAX_CHARS).collect();
        if question.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn();
        let tx = conn.transaction().context("could not start a recent-questions write")?;
        let latest: Option<(i64, String)> = tx
            .query_row(
                "SELECT seq, question FROM recent_questions WHERE user = ?1 ORDER BY seq DESC LIMIT 1",
                [user],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        if latest.as_ref().is_some_and(|(_, q)| *q == question) {
            return Ok(());
        }
        let seq = latest.map_or(0, |(s, _)| s + 1);
        tx.execute(
            "INSERT INTO recent_questions (user, asked_at, seq, question) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![user, asked_at, seq, question],
        )
        .context("could not keep a recent question")?;
        tx.execute(
            "DELETE FROM recent_questions WHERE user = ?1 AND seq <= ?2",
            rusqlite::params![user, seq - KEEP_PER_USER as i64],
        )
        .context("could not drop older recent questions")?;
        tx.commit().context("could not commit a recent question")
    }

    /// `user`'s kept questions, newest first.
    pub fn recent_questions(&self, user: &str) -> anyhow::Result<Vec<RecentQuestion>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT asked_at, question FROM recent_questions WHERE user = ?1 ORDER BY seq DESC LIMIT ?2")
            .context("could not read recent questions")?;
        let rows = stmt
            .query_map(rusqlite::params![user, KEEP_PER_USER as i64], |r| {
                Ok(RecentQuestion { asked_at: r.get(0)?, question: r.get(1)? })
            })
            .context("could not read recent questions")?;
        rows.collect::<Result<_, _>>().context("could not read a recent question")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_user_keeps_only_their_own_last_few_questions_newest_first() {
        let store = Store::in_memory().unwrap();
        for n in 0..8 {
            store.remember_question("U1", &format!("question {n}"), n).unwrap();
        }
        store.remember_question("U2", "someone else's", 9).unwrap();
        let mine: Vec<String> = store.recent_questions("U1").unwrap().into_iter().map(|r| r.question).collect();
        assert_eq!(mine, ["question 7", "question 6", "question 5", "question 4", "question 3"]);
        let stored: i64 = store
            .conn()
            .query_row("SELECT COUNT(*) FROM recent_questions WHERE user = 'U1'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, KEEP_PER_USER as i64, "older rows are deleted, not only hidden");
        assert_eq!(store.recent_questions("U2").unwrap().len(), 1);
        assert!(store.recent_questions("U3").unwrap().is_empty());
    }

    #[test]
    fn a_repeat_is_kept_once_and_a_long_question_is_cut() {
        let store = Store::in_memory().unwrap();
        store.remember_question("U1", "same", 1).unwrap();
        store.remember_question("U1", " same ", 2).unwrap();
        store.remember_question("U1", &"x".repeat(1000), 3).unwrap();
        let kept = store.recent_questions("U1").unwrap();
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].question.chars().count(), MAX_CHARS);
    }
}
