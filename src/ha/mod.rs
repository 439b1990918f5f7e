//! Two instances at once: the [`Claims`] seam that lets exactly one instance act on a Slack delivery or post a
//! change-feed event, kept in a shared DynamoDB table (`[ha] claims_table`) or, with one instance, in SQLite.
//!
//! Two kinds of claim:
//! - **once** (Slack `event_id`, slash command and button `trigger_id`): the first instance to record the id acts
//!   on it; every later delivery of the same id, on any instance, is refused. Nothing to finish: Slack never sends
//!   the same delivery again once it was acknowledged.
//! - **lease** (a CloudTrail eventID about to be posted): an instance takes the id for a short lease, posts, then
//!   marks it done. Another instance that meets the same event (the SQS message came back to it after a
//!   visibility timeout) either sees it done and drops its copy, or sees it leased and puts its copy off until the
//!   lease ends; if the first instance died meanwhile, the lease runs out and the event is posted then.

pub mod dynamo;

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::store::Store;

/// How a lease attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This instance holds the id until the lease ends: it may act.
    Won,
    /// Another instance (or this one, earlier) already finished it.
    Done,
    /// Another instance holds it; it may be tried again after `until` (Unix seconds).
    Held {
        /// When the other instance's lease ends.
        until: i64,
    },
}

/// Why the claims store could not answer.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// The shared table could not be reached or refused the call.
    #[error("the claims table could not be used: {0}")]
    Unavailable(String),
    /// The local store failed.
    #[error("the local store could not record a claim: {0:#}")]
    Local(anyhow::Error),
}

/// Who acts on a delivery or an event when several instances may receive it.
#[async_trait::async_trait]
pub trait Claims: Send + Sync {
    /// Records `id` in `namespace` for `keep`; `true` when this is its first delivery anywhere.
    async fn once(&self, namespace: &str, id: &str, keep: Duration) -> Result<bool, ClaimError>;
    /// Takes `id` for `lease` unless it is done or another live lease holds it.
    async fn claim(&self, namespace: &str, id: &str, lease: Duration) -> Result<Claim, ClaimError>;
    /// Marks `id` done for `keep` (it is never posted again within that time).
    async fn finish(&self, namespace: &str, id: &str, keep: Duration) -> Result<(), ClaimError>;
    /// Gives back a lease this instance holds (its post failed), so another may try at once.
    async fn release(&self, namespace: &str, id: &str) -> Result<(), ClaimError>;
    /// Whether other instances see these claims (false: one instance, local store).
    fn shared(&self) -> bool;
}

/// How long a Slack delivery id is remembered: Slack retries within minutes and a signature replay is refused
/// after five, so a day is ample.
pub const SLACK_KEEP: Duration = Duration::from_secs(24 * 3600);

/// Claims of a single instance in its SQLite store (the seen-ids table): no other instance can see them.
#[derive(Debug, Clone)]
pub struct LocalClaims {
    store: Store,
}

impl LocalClaims {
    /// Claims kept in `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

#[async_trait::async_trait]
impl Claims for LocalClaims {
    async fn once(&self, namespace: &str, id: &str, _keep: Duration) -> Result<bool, ClaimError> {
        self.store.mark_seen(namespace, id).map_err(ClaimError::Local)
    }

    async fn claim(&self, namespace: &str, id: &str, _lease: Duration) -> Result<Claim, ClaimError> {
        let done = self.store.is_seen(namespace, id).map_err(ClaimError::Local)?;
        Ok(if done { Claim::Done } else { Claim::Won })
    }

    async fn finish(&self, namespace: &str, id: &str, _keep: Duration) -> Result<(), ClaimError> {
        self.store.mark_seen(namespace, id).map(drop).map_err(ClaimError::Local)
    }

    async fn release(&self, _namespace: &str, _id: &str) -> Result<(), ClaimError> {
        Ok(())
    }

    fn shared(&self) -> bool {
        false
    }
}

/// The claims `serve` uses: the DynamoDB table when `[ha] claims_table` is set, else the local store. Logs which,
/// so an operator running two tasks sees at once whether they coordinate.
pub async fn from_config(config: &Config, store: &Store) -> Arc<dyn Claims> {
    if config.ha.claims_table.is_empty() {
        tracing::info!(
            "single instance: Slack retries and change-feed events are de-duplicated in the local store only; \
             set [ha] claims_table before running a second instance"
        );
        return Arc::new(LocalClaims::new(store.clone()));
    }
    let claims = dynamo::DynamoClaims::from_config(config).await;
    tracing::info!(
        table = %config.ha.claims_table,
        instance = %claims.owner(),
        "several instances may run: Slack deliveries and change-feed posts are claimed in the shared DynamoDB table"
    );
    Arc::new(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_local_claim_is_won_until_it_is_finished_and_once_holds_for_one_delivery() {
        let claims = LocalClaims::new(Store::in_memory().unwrap());
        let lease = Duration::from_secs(60);
        assert_eq!(claims.claim("cloudtrail", "E1", lease).await.unwrap(), Claim::Won);
        claims.finish("cloudtrail", "E1", lease).await.unwrap();
        assert_eq!(claims.claim("cloudtrail", "E1", lease).await.unwrap(), Claim::Done);
        assert!(claims.once("slack-event", "Ev1", SLACK_KEEP).await.unwrap());
        assert!(!claims.once("slack-event", "Ev1", SLACK_KEEP).await.unwrap());
        assert!(!claims.shared());
    }
}
