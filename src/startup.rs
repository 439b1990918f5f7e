//! Builds the application from config: store, Slack client, asker, router (Slack, health, metrics, extra routes),
//! the listeners, Socket Mode when an app token is set, and graceful shutdown that lets answers finish.
//!
//! Up to three listeners: the Slack listener (`[server] bind`: signed `/slack/*` routes, `/healthz`), the
//! change-feed intake (`[server] intake_bind`, loopback by default: `POST /events`, `POST /sns`, `/healthz`) and
//! metrics (`[server] metrics_bind`, off by default: `GET /metrics`). The intake and metrics routes are never
//! mounted on the Slack listener. [`refuse_open`] stops `serve` before anything
//! starts when the configuration would let anyone ask or post alerts.

use std::future::Future;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

mod intake;
mod metrics;

pub use intake::refuse_open;
use intake::{Intake, bind_intake};
use metrics::{MetricsListener, bind_metrics};

use crate::alerts::service::{ChangeFeed, FeedSeams};
use crate::config::Config;
use crate::pipeline::Asker;
use crate::slack::access::{AccessPolicy, UserGroupDirectory};
use crate::slack::api::SlackApi;
use crate::slack::hooks::{Candidate, CandidateFn, CandidateSink, NoCandidates};
use crate::slack::metrics::Metrics;
use crate::slack::verify::Verifier;
use crate::state::{App, AppState};
use crate::store::Store;
use crate::templates::Templates;

/// The seams the application is built from; tests pass fakes, `serve` passes the real ones.
pub struct Deps {
    /// Answers questions.
    pub asker: Arc<dyn Asker>,
    /// Slack Web API.
    pub slack: Arc<dyn SlackApi>,
    /// SQLite state.
    pub store: Store,
    /// Block Kit templates.
    pub templates: Templates,
    /// Resolves `allowed_usergroups` (none = groups grant nothing).
    pub usergroups: Option<Arc<dyn UserGroupDirectory>>,
    /// Where 👍 answers are filed.
    pub candidates: Arc<dyn CandidateSink>,
    /// Routers merged into the Slack listener's router.
    pub extra_routes: Vec<Router>,
    /// Routers served on the intake listener (`[server] intake_bind`): the change feed's `POST /events` and
    /// `POST /sns`. None = no intake listener.
    pub intake_routes: Vec<Router>,
    /// Shortest time between two edits of a progress message.
    pub status_interval: Duration,
    /// The CloudTrail change feed: its worker runs beside the server and stops with it.
    pub change_feed: Option<ChangeFeed>,
    /// Claims on Slack deliveries shared between instances (none = the local store: one instance).
    pub claims: Option<Arc<dyn crate::ha::Claims>>,
    /// The setup shown in the App Home (none = worked out from config with every source on).
    pub setup: Option<crate::slack::home_setup::Setup>,
}

impl Deps {
    /// The required seams, with embedded templates, no user-group directory, no candidate filing, no extra routes.
    pub fn new(asker: Arc<dyn Asker>, slack: Arc<dyn SlackApi>, store: Store) -> Self {
        Self {
            asker,
            slack,
            store,
            templates: Templates::embedded(),
            usergroups: None,
            candidates: Arc::new(NoCandidates),
            extra_routes: Vec::new(),
            intake_routes: Vec::new(),
            status_interval: crate::slack::progress::DEFAULT_INTERVAL,
            change_feed: None,
            claims: None,
            setup: None,
        }
    }

    /// Sets the setup shown in the App Home and `/asklake help`.
    pub fn with_setup(mut self, setup: crate::slack::home_setup::Setup) -> Self {
        self.setup = Some(setup);
        self
    }

    /// Sets where Slack deliveries are claimed (`[ha] claims_table`).
    pub fn with_claims(mut self, claims: Arc<dyn crate::ha::Claims>) -> Self {
        self.claims = Some(claims);
        self
    }

    /// Runs the change feed beside the server and serves its intake routes on the intake listener.
    pub fn with_change_feed(mut self, mut feed: ChangeFeed) -> Self {
        if let Some(routes) = feed.routes.take() {
            self.intake_routes.push(routes);
        }
        self.change_feed = Some(feed);
        self
    }

    /// Sets the user-group directory.
    pub fn with_usergroups(mut self, directory: Arc<dyn UserGroupDirectory>) -> Self {
        self.usergroups = Some(directory);
        self
    }

    /// Sets where 👍 answers are filed.
    pub fn with_candidates(mut self, sink: Arc<dyn CandidateSink>) -> Self {
        self.candidates = sink;
        self
    }

    /// Adds a router to merge (its paths must not clash with `/slack/*`, `/healthz`).
    pub fn with_routes(mut self, router: Router) -> Self {
        self.extra_routes.push(router);
        self
    }

    /// Sets the shortest time between progress edits.
    pub fn with_status_interval(mut self, interval: Duration) -> Self {
        self.status_interval = interval;
        self
    }
}

/// A built application: listeners bound, routers ready.
pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    router: Router,
    intake: Option<Intake>,
    metrics: Option<MetricsListener>,
    state: AppState,
    change_feed: Option<ChangeFeed>,
}

impl Application {
    /// Checks the configuration is not open ([`refuse_open`]), binds `[server] bind` (port 0 picks a free port)
    /// and, when there are intake routes, `[server] intake_bind`, and `[server] metrics_bind` when set; builds the
    /// routers and state.
    ///
    /// # Errors
    /// When the configuration is open or an address cannot be bound.
    pub async fn build(config: Config, deps: Deps) -> anyhow::Result<Self> {
        refuse_open(&config)?;
        let listener = TcpListener::bind(&config.server.bind)
            .await
            .with_context(|| format!("could not listen on {} (set [server] bind)", config.server.bind))?;
        let addr = listener.local_addr().context("could not read the bound address")?;
        let setup = deps.setup.unwrap_or_else(|| crate::slack::home_setup::Setup::from_config(&config));
        let state = AppState(Arc::new(App {
            setup: Arc::new(setup),
            verifier: Verifier::new(config.slack.signing_secret.clone()),
            access: AccessPolicy::new(&config.slack, deps.usergroups),
            config,
            asker: deps.asker,
            slack: deps.slack,
            claims: deps.claims.unwrap_or_else(|| Arc::new(crate::ha::LocalClaims::new(deps.store.clone()))),
            store: deps.store,
            templates: deps.templates,
            candidates: deps.candidates,
            metrics: Metrics::default(),
            tasks: TaskTracker::new(),
            cancel: CancellationToken::new(),
            status_interval: deps.status_interval,
        }));
        let intake = bind_intake(&state.config, &state, deps.intake_routes).await?;
        let metrics = bind_metrics(&state.config, &state).await?;
        let router = router(state.clone(), deps.extra_routes);
        Ok(Self { listener, addr, router, intake, metrics, state, change_feed: deps.change_feed })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The intake listener's address, when the change feed takes events over HTTP.
    pub fn intake_addr(&self) -> Option<SocketAddr> {
        self.intake.as_ref().map(|i| i.addr)
    }

    /// The metrics listener's address (`[server] metrics_bind`), when metrics are on.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|m| m.addr)
    }

    /// The shared state (tests read the store and metrics through it).
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until `shutdown` completes, then waits up to `[server] shutdown_grace_secs` for answers in flight
    /// before cancelling them. With `[slack] app_token` set, Slack traffic arrives over Socket Mode as well. The
    /// change-feed worker, when there is one, runs until the server stops and then gives held messages back; the
    /// hourly retention prune (`[store]` ages) runs beside it.
    ///
    /// # Errors
    /// When the server fails or Socket Mode cannot connect.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let state = self.state;
        let stop = CancellationToken::new();
        let socket = state.config.slack.app_token.clone().map(|token| {
            let (state, stop) = (state.clone(), stop.clone());
            tokio::spawn(async move { crate::slack::socket::run(state, token, stop).await })
        });
        let feed = self.change_feed.as_ref().map(|f| f.spawn(stop.clone()));
        let retention = crate::store::retention::spawn(state.store.clone(), &state.config.store, stop.clone());
        let stop_http = stop.clone();
        tracing::info!(
            addr = %self.addr,
            intake = ?self.intake.as_ref().map(|i| i.addr),
            metrics = ?self.metrics.as_ref().map(|m| m.addr),
            socket_mode = socket.is_some(),
            change_feed = feed.is_some(),
            "asklake is listening"
        );
        let intake =
            self.intake.map(|Intake { listener, router, .. }| side_listener(listener, router, &stop, "intake"));
        let metrics = self
            .metrics
            .map(|MetricsListener { listener, router, .. }| side_listener(listener, router, &stop, "metrics"));
        let served = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(async move {
                tokio::select! {
                    _ = shutdown => {}
                    _ = stop_http.cancelled() => {}
                }
            })
            .await
            .context("HTTP server failed");
        stop.cancel();
        for handle in [intake, metrics].into_iter().flatten() {
            handle.await.context("a side listener panicked")??;
        }
        drain(&state).await;
        if let Some(handle) = feed {
            handle.await.context("change-feed worker panicked")?;
        }
        retention.await.context("retention task panicked")?;
        if let Some(handle) = socket {
            handle.await.context("Socket Mode task panicked")??;
        }
        served
    }
}

/// Serves a side listener (intake, metrics) until `stop`; a failure stops everything.
fn side_listener(
    listener: TcpListener,
    router: Router,
    stop: &CancellationToken,
    what: &'static str,
) -> tokio::task::JoinHandle<anyhow::Result<()>> {
    let stop = stop.clone();
    tokio::spawn(async move {
        let served = axum::serve(listener, router).with_graceful_shutdown(stop.clone().cancelled_owned()).await;
        stop.cancel();
        served.with_context(|| format!("{what} listener failed"))
    })
}

/// Waits for spawned answers, then cancels what is left and gives it a moment to say so in Slack.
async fn drain(state: &AppState) {
    state.tasks.close();
    let grace = Duration::from_secs(state.config.server.shutdown_grace_secs);
    tracing::info!(
        in_flight = state.tasks.len(),
        grace_secs = grace.as_secs(),
        "shutting down; letting answers finish"
    );
    if tokio::time::timeout(grace, state.tasks.wait()).await.is_err() {
        tracing::warn!(left = state.tasks.len(), "grace period over; cancelling answers in flight");
        state.cancel.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(5), state.tasks.wait()).await;
    }
}

/// The Slack listener's router: Slack routes, `/healthz`, extra routes, request counting. No `/metrics`: that
/// has its own listener (`[server] metrics_bind`).
pub fn router(state: AppState, extra: Vec<Router>) -> Router {
    let mut router = crate::slack::router(state.clone()).route("/healthz", get(|| async { "ok" }));
    for r in extra {
        router = router.merge(r);
    }
    router.layer(middleware::from_fn_with_state(state, count_requests))
}

async fn count_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let response = next.run(request).await;
    state.metrics.request(&route, response.status().as_u16());
    response
}

/// The Slack Web API client `serve` and `alerts drain` use, with the production [`ClientPolicy`] — the only
/// retry budget (a try plus three retries, Retry-After honoured up to 30 s) and the only per-channel pacing
/// (~1 message/s). In `serve` the answers and the change feed share it, so they share each channel's pace.
///
/// [`ClientPolicy`]: crate::slack::client::ClientPolicy
///
/// # Errors
/// When `[slack] bot_token` is missing or the client cannot be built.
pub fn build_slack(config: &Config) -> anyhow::Result<Arc<dyn SlackApi>> {
    let token = config.slack.bot_token.as_ref().context("[slack] bot_token (ASKLAKE_SLACK__BOT_TOKEN) is required")?;
    let client = crate::slack::client::SlackWebClient::new(
        &config.slack.api_url,
        token,
        crate::slack::client::ClientPolicy::default(),
    )?;
    Ok(Arc::new(client))
}

/// Runs `asklake serve` until SIGINT or SIGTERM; refuses an open configuration before setting anything up.
pub async fn serve(config: Config) -> anyhow::Result<ExitCode> {
    refuse_open(&config)?;
    crate::pipeline::cli::ensure_sample_lake(&config).await?;
    let slack = build_slack(&config)?;
    let deps = deps_from_config(&config, slack).await?;
    let app = Application::build(config, deps).await?;
    app.run_until_stopped(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Everything `serve` runs, built from config around the given Slack client: the store, the question pipeline
/// (one model client shared with the change feed), 👍 candidates filed to `[library] candidates_file`, user groups
/// when `allowed_usergroups` is set, and the change feed with its `POST /events` / `POST /sns` intake routes.
///
/// # Errors
/// When the store, the verified library, the engine, the model or the alert rules cannot be set up; the message
/// names what to fix.
pub async fn deps_from_config(config: &Config, slack: Arc<dyn SlackApi>) -> anyhow::Result<Deps> {
    let store = Store::open(&config.store.path)?;
    let llm = crate::llm::from_config(config).await.context("could not set up the language model")?;
    let pipeline = crate::pipeline::cli::build_with(config, llm.clone()).await?;
    let entries = crate::library::Library::from_config(&config.library)?.entries().to_vec();
    let setup = crate::slack::home_setup::Setup::build(config, &entries, &pipeline.sources());
    let asker: Arc<dyn Asker> = Arc::new(pipeline);
    let candidates_file = config.library.candidates_file.clone();
    let file = move |c: &Candidate| {
        crate::library::candidates::file_candidate(&candidates_file, &c.question, &c.sql, &c.asker, &c.summary)
            .map(drop)
    };
    let claims = crate::ha::from_config(config, &store).await;
    let mut deps = Deps::new(asker, slack.clone(), store.clone())
        .with_candidates(Arc::new(CandidateFn(file)))
        .with_claims(claims.clone())
        .with_setup(setup);
    if let (false, Some(token)) = (config.slack.allowed_usergroups.is_empty(), &config.slack.bot_token) {
        let directory = crate::slack::usergroups::SlackUserGroups::new(&config.slack.api_url, token)
            .context("could not build the Slack client for user groups")?;
        deps = deps.with_usergroups(Arc::new(directory));
    }
    let mut seams = FeedSeams::new(slack, store, Templates::embedded(), llm);
    seams.claims = Some(claims);
    if let Some(feed) = ChangeFeed::from_config(config, seams).await? {
        deps = deps.with_change_feed(feed);
    }
    Ok(deps)
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "could not listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "could not listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("Ctrl-C received"),
        _ = terminate => tracing::info!("SIGTERM received"),
    }
}
