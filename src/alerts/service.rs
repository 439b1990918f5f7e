//! The change feed inside `asklake serve`: its intake routes (`POST /events`, `POST /sns`) and the worker task.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::http::{AlertsHttpState, router};
use super::narrative::{LlmNarrator, Narrator};
use super::queue::EmbeddedQueue;
use super::sns::{CertCache, HttpSnsFetcher, SnsFetcher};
use super::worker::Worker;
use crate::config::{Config, QueueKind};
use crate::llm::Llm;
use crate::slack::api::SlackApi;
use crate::store::Store;
use crate::templates::Templates;

/// SQS long-poll wait inside `serve`: short, so a red event is never stuck behind a long empty poll.
const SERVE_SQS_WAIT: Duration = Duration::from_secs(2);
/// Shortest time between two polls of the queue.
const POLL_EVERY: Duration = Duration::from_secs(2);

/// What `serve` needs of the change feed: routes to mount and a worker to run.
pub struct ChangeFeed {
    /// `POST /events` and `POST /sns` (embedded queue only; with SQS the events arrive through SQS), served on the
    /// intake listener (`[server] intake_bind`).
    pub routes: Option<Router>,
    worker: Arc<Worker>,
    digest: Duration,
}

/// The seams the change feed is built from.
pub struct FeedSeams {
    /// Where summaries are posted.
    pub slack: Arc<dyn SlackApi>,
    /// Seen ids and the embedded queue.
    pub store: Store,
    /// Block Kit templates.
    pub templates: Templates,
    /// The model for the optional narrative (`[alerts] narrative = true`).
    pub llm: Option<Arc<dyn Llm>>,
    /// Fetches SNS certificates and confirms subscriptions (HTTPS in production).
    pub sns: Arc<dyn SnsFetcher>,
    /// Claims on posts shared with other instances (none = the local store: one instance).
    pub claims: Option<Arc<dyn crate::ha::Claims>>,
}

impl FeedSeams {
    /// Production seams: HTTPS for SNS, certificates cached by URL and fetched with a timeout.
    pub fn new(slack: Arc<dyn SlackApi>, store: Store, templates: Templates, llm: Option<Arc<dyn Llm>>) -> Self {
        let sns = Arc::new(CertCache::new(Arc::new(HttpSnsFetcher::default())));
        Self { slack, store, templates, llm, sns, claims: None }
    }
}

impl ChangeFeed {
    /// The change feed for `config`, or `None` with the reason logged when `[alerts]` is disabled or has nowhere
    /// to post (no `default_channel` and no account with a channel).
    ///
    /// # Errors
    /// When the rules file is invalid or the queue cannot be set up.
    pub async fn from_config(config: &Config, seams: FeedSeams) -> anyhow::Result<Option<Self>> {
        let alerts = &config.alerts;
        if !alerts.enabled {
            tracing::info!("change feed disabled ([alerts] enabled = false)");
            return Ok(None);
        }
        let has_channel =
            !alerts.default_channel.is_empty() || config.accounts().all().iter().any(|a| !a.channel.is_empty());
        if !has_channel {
            tracing::warn!(
                "change feed not started: set [alerts] default_channel (or a channel per account) to post summaries"
            );
            return Ok(None);
        }
        let narrator: Option<Arc<dyn Narrator>> = match (&seams.llm, alerts.narrative) {
            (Some(llm), true) => Some(Arc::new(LlmNarrator::new(llm.clone(), seams.templates.clone()))),
            (None, true) => {
                tracing::warn!("[alerts] narrative = true needs [llm]; using the deterministic summary");
                None
            }
            _ => None,
        };
        let queue = super::build::queue(config, &seams.store, SERVE_SQS_WAIT).await?;
        let routes = (alerts.queue == QueueKind::Embedded).then(|| {
            let visibility = alerts.visibility();
            router(AlertsHttpState {
                queue: EmbeddedQueue::new(seams.store.clone(), visibility),
                sns_topics: Arc::new(alerts.sns_topic_allowlist.clone()),
                sns: seams.sns.clone(),
                events_token: alerts.events_token.clone().map(Arc::new),
                clock: Arc::new(chrono::Utc::now),
            })
        });
        let mut worker = super::build::worker(config, queue, seams.slack, seams.store, seams.templates, narrator)
            .context("could not build the change-feed worker")?;
        if let Some(claims) = seams.claims {
            worker = worker.with_claims(claims);
        }
        Ok(Some(Self { routes, worker: Arc::new(worker), digest: Duration::from_secs(alerts.digest_interval_secs) }))
    }

    /// Runs the worker until `stop` is cancelled: red events go out at once, digests every
    /// `[alerts] digest_interval_secs`; messages still held at the stop are given back to the queue.
    pub fn spawn(&self, stop: CancellationToken) -> JoinHandle<()> {
        let (worker, digest) = (self.worker.clone(), self.digest);
        let poll = POLL_EVERY.min(digest.max(Duration::from_secs(1)));
        tracing::info!(digest_secs = digest.as_secs(), "change feed worker started");
        tokio::spawn(async move { worker.run(poll, digest, stop.cancelled()).await })
    }
}
