//! Retention: stored answers (with their result rows), feedback votes and seen ids are pruned on a schedule
//! (`[store] answer_retention_days`, `seen_retention_days`; 0 keeps them forever). `serve` runs [`run`].

use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use super::Store;
use crate::config::StoreConfig;

/// How often `serve` prunes (the first prune runs at start).
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

const DAY_SECS: i64 = 24 * 3600;

/// How long each kind of stored data is kept (`None` = forever).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Answers with their result rows, and feedback votes on answers.
    pub answers: Option<Duration>,
    /// Seen ids (Slack retries, CloudTrail eventIDs).
    pub seen: Option<Duration>,
}

impl Retention {
    /// From `[store]`.
    pub fn from_config(cfg: &StoreConfig) -> Self {
        let days = |d: u32| (d > 0).then(|| Duration::from_secs(u64::from(d) * DAY_SECS as u64));
        Self { answers: days(cfg.answer_retention_days), seen: days(cfg.seen_retention_days) }
    }
}

/// Rows one prune removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Answers (and their result rows).
    pub answers: usize,
    /// Feedback votes.
    pub feedback: usize,
    /// Seen ids.
    pub seen: usize,
}

fn secs(age: Duration) -> i64 {
    i64::try_from(age.as_secs()).unwrap_or(i64::MAX)
}

impl Store {
    /// Removes what is older than `retention` allows.
    pub fn prune(&self, retention: &Retention) -> anyhow::Result<Pruned> {
        let mut out = Pruned::default();
        if let Some(age) = retention.answers {
            out.answers = self.prune_answers(secs(age))?;
            out.feedback = self.prune_feedback(secs(age))?;
        }
        if let Some(age) = retention.seen {
            out.seen = self.prune_seen(secs(age))?;
        }
        Ok(out)
    }

    /// Forgets votes cast more than `max_age_secs` ago.
    pub fn prune_feedback(&self, max_age_secs: i64) -> anyhow::Result<usize> {
        let cutoff = chrono::Utc::now().timestamp().saturating_sub(max_age_secs);
        self.conn().execute("DELETE FROM feedback WHERE voted_at < ?1", [cutoff]).context("could not prune feedback")
    }
}

/// Prunes now, then every `every`, until `stop` is cancelled. A failed prune is logged and tried at the next tick.
pub async fn run(store: Store, retention: Retention, every: Duration, stop: CancellationToken) {
    if retention.answers.is_none() && retention.seen.is_none() {
        tracing::info!("retention off: [store] answer_retention_days and seen_retention_days are 0");
        return;
    }
    let mut tick = tokio::time::interval(every.max(Duration::from_secs(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let s = store.clone();
        match tokio::task::spawn_blocking(move || s.prune(&retention)).await {
            Ok(Ok(p)) => {
                tracing::info!(answers = p.answers, feedback = p.feedback, seen_ids = p.seen, "pruned stored data")
            }
            Ok(Err(e)) => tracing::warn!(error = %format!("{e:#}"), "could not prune stored data; trying again later"),
            Err(e) => tracing::warn!(error = %e, "prune task failed; trying again later"),
        }
    }
}

/// Spawns [`run`] with `[store]`'s ages and [`PRUNE_EVERY`] (what `serve` does).
pub fn spawn(store: Store, cfg: &StoreConfig, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(store, Retention::from_config(cfg), PRUNE_EVERY, stop))
}

#[cfg(test)]
#[path = "retention_tests.rs"]
mod tests;
