//! Wiring: builds the queue, renderer and worker from `[alerts]` config.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::group::Routing;
use super::narrative::Narrator;
use super::park::ParkPolicy;
use super::queue::{AlertQueue, EmbeddedQueue};
use super::render::Renderer;
use super::rules::Rules;
use super::sqs::SqsQueue;
use super::worker::{Worker, WorkerSettings};
use crate::config::{Config, QueueKind};
use crate::slack::api::SlackApi;
use crate::store::Store;
use crate::templates::Templates;

/// The renderer for `[alerts]` (time zone, language) over `templates`.
pub fn renderer(config: &Config, templates: Templates) -> Renderer {
    let tz = config.alerts.timezone.parse().unwrap_or(chrono_tz::Asia::Seoul);
    Renderer::new(templates, tz, &config.alerts.language)
}

/// Worker settings from `[alerts]`.
pub fn worker_settings(config: &Config) -> WorkerSettings {
    WorkerSettings {
        receivers: config.alerts.receivers.max(1),
        visibility: config.alerts.visibility(),
        language: config.alerts.language.clone(),
        park: ParkPolicy {
            first: Duration::from_secs(config.alerts.park_secs.max(1)),
            max: Duration::from_secs(config.alerts.park_max_secs.max(config.alerts.park_secs).max(1)),
        },
        ..WorkerSettings::default()
    }
}

/// The configured queue (`wait` = SQS long-poll time; use 20 s in `serve`, less for `drain --once`).
pub async fn queue(config: &Config, store: &Store, wait: Duration) -> anyhow::Result<Arc<dyn AlertQueue>> {
    let vis = config.alerts.visibility();
    Ok(match config.alerts.queue {
        QueueKind::Embedded => {
            Arc::new(EmbeddedQueue::new(store.clone(), vis).with_max_receives(config.alerts.max_receives))
        }
        QueueKind::Sqs => {
            anyhow::ensure!(!config.alerts.sqs_queue_url.is_empty(), "[alerts] queue = \"sqs\" needs sqs_queue_url");
            let client = SqsQueue::client_from_config(&config.aws).await;
            Arc::new(SqsQueue::new(client, config.alerts.sqs_queue_url.clone(), wait, vis))
        }
    })
}

/// A worker from config and the given seams. `slack` paces and retries (see `startup::build_slack`); the worker
/// does neither.
pub fn worker(
    config: &Config,
    queue: Arc<dyn AlertQueue>,
    slack: Arc<dyn SlackApi>,
    store: Store,
    templates: Templates,
    narrator: Option<Arc<dyn Narrator>>,
) -> anyhow::Result<Worker> {
    let rules = Rules::load(&config.alerts.rules_file)
        .context("could not load alert rules")?
        .in_language(&config.alerts.language);
    Ok(Worker::new(
        queue,
        slack,
        store,
        rules,
        Routing::for_config(config),
        renderer(config, templates),
        narrator,
        worker_settings(config),
    ))
}
