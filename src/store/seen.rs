//! Seen ids: idempotency for Slack event retries and CloudTrail eventIDs.

use anyhow::Context;

use super::Store;

/// Table of ids already processed, per namespace.
pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS seen_ids (
    namespace TEXT NOT NULL,
    id TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (namespace, id)
) WITHOUT ROWID;";

impl Store {
    /// Records `id` in `namespace`; returns `true` if it was new, `false` if already seen.
    pub fn mark_seen(&self, namespace: &str, id: &str) -> anyhow::Result<bool> {
        let now = chrono::Utc::now().timestamp();
        let n = self
            .conn()
            .execute(
                "INSERT OR IGNORE INTO seen_ids (namespace, id, seen_at) VALUES (?1, ?2, ?3)",
                rusqlite::params![namespace, id, now],
            )
            .context("could not record seen id")?;
        Ok(n == 1)
    }

    /// Whether `id` was recorded in `namespace`.
    pub fn is_seen(&self, namespace: &str, id: &str) -> anyhow::Result<bool> {
        let found: Option<i64> = self
            .conn()
            .query_row(
                "SELECT 1 FROM seen_ids WHERE namespace = ?1 AND id = ?2",
                rusqlite::params![namespace, id],
                |r| r.get(0),
            )
            .map(Some)
            .or_else(|e| if matches!(e, rusqlite::Error::QueryReturnedNoRows) { Ok(None) } else { Err(e) })
            .context("could not read seen ids")?;
        Ok(found.is_some())
    }

    /// Forgets ids older than `max_age_secs` (housekeeping).
    pub fn prune_seen(&self, max_age_secs: i64) -> anyhow::Result<usize> {
        let cutoff = chrono::Utc::now().timestamp() - max_age_secs;
        self.conn().execute("DELETE FROM seen_ids WHERE seen_at < ?1", [cutoff]).context("could not prune seen ids")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_new_once_per_namespace() {
        let store = Store::in_memory().unwrap();
        assert!(store.mark_seen("slack", "Ev1").unwrap());
        assert!(!store.mark_seen("slack", "Ev1").unwrap());
        assert!(store.mark_seen("cloudtrail", "Ev1").unwrap());
        assert!(store.is_seen("slack", "Ev1").unwrap());
        assert!(!store.is_seen("slack", "Ev2").unwrap());
    }
}
