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
    let guard = Guarded { key: "[server] intake_bind", token_key: "[alerts] events_token" };
    let (listener, addr) = guard.bind(&config.server.intake_bind, config.alerts.events_token.is_some()).await?;
    let mut router = Router::new().route("/healthz", get(|| async { "ok" }));
    for r in routes {
        router = router.merge(r);
    }
    let router = router.layer(middleware::from_fn_with_state(state.clone(), count_requests));
    Ok(Some(Intake { listener, addr, router }))
}

/// A listener that serves beyond loopback only behind a bearer token.
pub(super) struct Guarded {
    /// The bind setting, for messages (`[server] metrics_bind`).
    pub key: &'static str,
    /// The token setting that opens it beyond loopback (`[server] metrics_token`).
    pub token_key: &'static str,
}

impl Guarded {
    /// Binds `bind` and checks the address it got: without a token it must be loopback (a host name or `0.0.0.0`
    /// is judged by what it bound, not by its spelling).
    pub(super) async fn bind(&self, bind: &str, has_token: bool) -> anyhow::Result<(TcpListener, SocketAddr)> {
        let key = self.key;
        let listener = TcpListener::bind(bind)
            .await
            .with_context(|| format!("could not listen on {bind} (set {key} to a free address)"))?;
        let addr = listener.local_addr().with_context(|| format!("could not read the address {key} bound"))?;
        if !has_token && !is_loopback(addr.ip()) {
            bail!("refusing to start: {key} {bind} bound {addr}, beyond loopback; set {}", self.token_key);
        }
        Ok((listener, addr))
    }
}

/// Whether `ip` is loopback, an IPv4-mapped loopback included.
pub(super) fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(v6.is_loopback(), |v4| v4.is_loopback()),
        v4 => v4.is_loopback(),
    }
}
