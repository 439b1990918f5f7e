//! Feedback on answers: one 👍 or 👎 per user per answer (a later vote replaces an earlier one).

use anyhow::Context;

use super::Store;

/// Table of votes.
pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    vote INTEGER NOT NULL,
    voted_at INTEGER NOT NULL,
    PRIMARY KEY (answer_id, user_id)
) WITHOUT ROWID;";

/// A vote on an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vote {
    /// 👍
    Up,
    /// 👎
    Down,
}

impl Vote {
    fn as_i64(self) -> i64 {
        match self {
            Vote::Up => 1,
            Vote::Down => -1,
        }
    }
}

/// One recorded vote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    /// Answer voted on.
    pub answer_id: String,
    /// Voter.
    pub user: String,
    /// The vote.
    pub vote: Vote,
    /// Unix time of the vote.
    pub voted_at: i64,
}

impl Store {
    /// Records `user`'s vote on `answer_id`, replacing an earlier vote by the same user.
    pub fn record_feedback(&self, answer_id: &str, user: &str, vote: Vote) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "INSERT INTO feedback (answer_id, user_id, vote, voted_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (answer_id, user_id) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at",
                rusqlite::params![answer_id, user, vote.as_i64(), chrono::Utc::now().timestamp()],
            )
            .context("could not record feedback")?;
        Ok(())
    }

    /// Votes on `answer_id`, by user id.
    pub fn feedback_for(&self, answer_id: &str) -> anyhow::Result<Vec<Feedback>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT user_id, vote, voted_at FROM feedback WHERE answer_id = ?1 ORDER BY user_id")
            .context("could not read feedback")?;
        let rows = stmt
            .query_map([answer_id], |r| {
                let vote: i64 = r.get(1)?;
                Ok(Feedback {
                    answer_id: answer_id.to_owned(),
                    user: r.get(0)?,
                    vote: if vote > 0 { Vote::Up } else { Vote::Down },
                    voted_at: r.get(2)?,
                })
            })
            .context("could not read feedback")?;
        rows.collect::<Result<Vec<_>, _>>().context("could not read feedback")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_vote_replaces_the_same_users_earlier_vote() {
        let store = Store::in_memory().unwrap();
        store.record_feedback("A1", "U1", Vote::Up).unwrap();
        store.record_feedback("A1", "U2", Vote::Down).unwrap();
        store.record_feedback("A1", "U1", Vote::Down).unwrap();
        let votes = store.feedback_for("A1").unwrap();
        assert_eq!(votes.len(), 2);
        assert_eq!(votes[0].user, "U1");
        assert_eq!(votes[0].vote, Vote::Down);
        assert!(store.feedback_for("A2").unwrap().is_empty());
    }
}
