//! Shared application state: the seams as `Arc<dyn Trait>`, cheap to clone into handlers and tasks.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::ha::Claims;
use crate::pipeline::Asker;
use crate::slack::access::AccessPolicy;
use crate::slack::api::SlackApi;
use crate::slack::hooks::CandidateSink;
use crate::slack::metrics::Metrics;
use crate::slack::verify::Verifier;
use crate::store::Store;
use crate::templates::Templates;

/// Everything handlers and answer tasks share.
pub struct App {
    /// The whole configuration.
    pub config: Config,
    /// Answers questions (the pipeline, or a fake in tests).
    pub asker: Arc<dyn Asker>,
    /// Slack Web API calls.
    pub slack: Arc<dyn SlackApi>,
    /// SQLite state: threads, answers, feedback, seen event ids.
    pub store: Store,
    /// Which instance acts on a Slack delivery (shared with other instances when `[ha] claims_table` is set).
    pub claims: Arc<dyn Claims>,
    /// Block Kit templates.
    pub templates: Templates,
    /// Request signature checks.
    pub verifier: Verifier,
    /// Who may ask.
    pub access: AccessPolicy,
    /// Where 👍 answers are filed as library candidates.
    pub candidates: Arc<dyn CandidateSink>,
    /// Prometheus counters.
    pub metrics: Metrics,
    /// Spawned answer and button tasks, waited for on shutdown.
    pub tasks: TaskTracker,
    /// Cancelled when the shutdown grace period is over: in-flight answers stop.
    pub cancel: CancellationToken,
    /// Shortest time between two edits of a progress message.
    pub status_interval: Duration,
    /// What this asklake is set up with (App Home, `/asklake help`).
    pub setup: Arc<crate::slack::home_setup::Setup>,
}

/// Handle to [`App`] held by axum handlers and Socket Mode callbacks.
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}
