//! The `GET /metrics` listener (`[server] metrics_bind`): off by default, loopback unless `[server] metrics_token`
//! is set, and never the Slack listener, which is the one the internet reaches.

use std::net::SocketAddr;

use anyhow::bail;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use super::intake::{Guarded, loopback_bind};
use crate::config::Config;
use crate::state::AppState;

/// The metrics listener: bound, with its router.
pub(super) struct MetricsListener {
    pub(super) listener: TcpListener,
    pub(super) addr: SocketAddr,
    pub(super) router: Router,
}

/// Refuses a `[server] metrics_bind` beyond loopback without `[server] metrics_token`.
///
/// # Errors
/// When metrics would be open to whoever reaches the address; the message names the keys to set.
pub(super) fn refuse_open_metrics(config: &Config) -> anyhow::Result<()> {
    let bind = &config.server.metrics_bind;
    if config.server.metrics_token.as_ref().is_some_and(|t| t.expose_secret().is_empty()) {
        bail!("refusing to start: [server] metrics_token is set but empty; set a long random token or remove it");
    }
    if !bind.is_empty() && config.server.metrics_token.is_none() && !loopback_bind(bind) {
        bail!(
            "refusing to start: GET /metrics on [server] metrics_bind {bind} would be open to anyone who can reach \
             it. Set [server] metrics_token (ASKLAKE_SERVER__METRICS_TOKEN), or set [server] metrics_bind to \
             127.0.0.1:<port>"
        );
    }
    Ok(())
}

/// Binds `[server] metrics_bind` when set and checks the address it got: without a token it must be loopback.
pub(super) async fn bind_metrics(config: &Config, state: &AppState) -> anyhow::Result<Option<MetricsListener>> {
    let bind = &config.server.metrics_bind;
    if bind.is_empty() {
        return Ok(None);
    }
    let guard = Guarded { key: "[server] metrics_bind", token_key: "[server] metrics_token" };
    let (listener, addr) = guard.bind(bind, config.server.metrics_token.is_some()).await?;
    let router = Router::new().route("/metrics", get(metrics)).with_state(state.clone());
    Ok(Some(MetricsListener { listener, addr, router }))
}

/// The Prometheus text, for a caller with the bearer token when one is configured.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !crate::alerts::http::authorised(&headers, state.config.server.metrics_token.as_ref()) {
        return (StatusCode::UNAUTHORIZED, "send Authorization: Bearer <[server] metrics_token>").into_response();
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}
