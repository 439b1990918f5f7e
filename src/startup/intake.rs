//! The change-feed intake listener and the open-configuration check `serve` runs before anything starts.

use std::net::{IpAddr, SocketAddr};

use anyhow::{Context, bail};
use axum::Router;
use axum::middleware;
use axum::routing::get;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use super::count_requests;
use crate::config::{Config, QueueKind};
use crate::state::AppState;

/// The intake listener: bound, with its router.
pub(super) struct Intake {
    pub(super) listener: TcpListener,
    pub(super) addr: SocketAddr,
    pub(super) router: Router,
}

/// Refuses a configuration that would let anyone in: no allow list and no stated `allow_everyone`, or a change-feed
/// intake reachable beyond loopback without `[alerts] events_token`, or `GET /metrics` beyond loopback without
/// `[server] metrics_token`. The message names the key to set.
///
/// # Errors
/// When the configuration is open.
pub fn refuse_open(config: &Config) -> anyhow::Result<()> {
    let slack = &config.slack;
    let lists_empty =
        slack.allowed_channels.is_empty() && slack.allowed_users.is_empty() && slack.allowed_usergroups.is_empty();
    if lists_empty && !slack.allow_everyone {
        bail!(
            "refusing to start: every workspace member in every channel could ask. Set [slack] allowed_channels, \
             allowed_users or allowed_usergroups (e.g. ASKLAKE_SLACK__ALLOWED_CHANNELS='[\"C0123ABCD\"]'), or state \
             [slack] allow_everyone = true"
        );
    }
    if config.alerts.events_token.as_ref().is_some_and(|t| t.expose_secret().is_empty()) {
        bail!("refusing to start: [alerts] events_token is set but empty; set a long random token or remove it");
    }
    let intake = config.alerts.enabled && config.alerts.queue == QueueKind::Embedded;
    if intake && config.alerts.events_token.is_none() && !loopback_bind(&config.server.intake_bind) {
        bail!(
            "refusing to start: POST /events on [server] intake_bind {} would accept alerts from anyone who can reach \
             it. Set [alerts] events_token (ASKLAKE_ALERTS__EVENTS_TOKEN), or set [server] intake_bind to \
             127.0.0.1:<port>",
            config.server.intake_bind
        );
    }
    super::metrics::refuse_open_metrics(config)
}

/// Whether `bind` names a loopback address (`127.0.0.1:…`, `[::1]:…`, `localhost:…`); host names are not trusted.
pub(super) fn loopback_bind(bind: &str) -> bool {
    match bind.parse::<SocketAddr>() {
        Ok(addr) => addr.ip().is_loopback(),
        Err(_) => bind.rsplit_once(':').is_some_and(|(host, _)| host.eq_ignore_ascii_case("localhost")),
    }
}

/// Binds the intake listener and checks the address it got: without a token it must be loopback.
pub(super) async fn bind_intake(
    config: &Config,
    state: &AppState,
    routes: Vec<Router>,
) -> anyhow::Result<Option<Intake>> {
    if routes.is_empty() {
        return Ok(None);
    }
    let bind = &config.server.intake_bind;
    let listener = TcpListener::bind(bind)
        .await
        .with_context(|| format!("could not listen on {bind} (set [server] intake_bind to a free address)"))?;
    let addr = listener.local_addr().context("could not read the intake address")?;
    if config.alerts.events_token.is_none() && !is_loopback(addr.ip()) {
        bail!(
            "refusing to start: [server] intake_bind {bind} bound {addr}, beyond loopback; set [alerts] events_token"
        );
    }
    let mut router = Router::new().route("/healthz", get(|| async { "ok" }));
    for r in routes {
        router = router.merge(r);
    }
    let router = router.layer(middleware::from_fn_with_state(state.clone(), count_requests));
    Ok(Some(Intake { listener, addr, router }))
}

/// Whether `ip` is loopback, an IPv4-mapped loopback included.
pub(super) fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(v6.is_loopback(), |v4| v4.is_loopback()),
        v4 => v4.is_loopback(),
    }
}
