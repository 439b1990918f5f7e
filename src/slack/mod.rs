//! Slack: request verification, slash commands, events, interactions, rendering and posting.
//!
//! The same handlers ([`commands::handle`], [`events::dispatch`], [`interactions::dispatch`]) serve HTTP
//! (signed requests on `/slack/*`) and Socket Mode ([`socket`]).
//!
//! Every Web API call goes through the [`api::SlackApi`] seam; the production [`client`] is the one place that
//! retries (429, 5xx, lost connections) and paces calls as Slack limits them ([`pace`]), so nothing above it
//! retries.
//!
//! Each delivery is acted on once: events by `event_id`, slash commands and button presses by their
//! `trigger_id` (Slack's signature has no nonce, so a replay inside its five-minute window verifies again), on
//! whichever instance receives it: the ids are claimed through [`crate::ha::Claims`].

pub mod access;
pub mod api;
pub mod client;
pub mod commands;
pub mod conversation;
pub mod csv;
pub mod escape;
pub mod events;
pub mod home;
pub mod home_setup;
pub mod home_view;
pub mod hooks;
pub mod interactions;
pub mod limits;
#[cfg(feature = "test-util")]
pub mod memory;
pub mod metrics;
pub mod pace;
pub mod progress;
pub mod render;
pub mod respond;
pub mod socket;
pub mod table;
pub mod texts;
pub mod threadstate;
pub mod usergroups;
pub mod verify;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::state::AppState;

/// Routes for Slack's HTTP delivery, with the body size cap from `[slack] max_body_bytes` (413 above it, logged).
pub fn router(state: AppState) -> Router {
    let limit = state.config.slack.max_body_bytes;
    Router::new()
        .route("/slack/commands", post(commands::http))
        .route("/slack/events", post(events::http))
        .route("/slack/interactions", post(interactions::http))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(limit, log_oversize))
        .with_state(state)
}

/// Logs a body refused for its size: the route, the declared length and the limit, never the body.
async fn log_oversize(State(limit): State<usize>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let response = next.run(request).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        tracing::warn!(route, declared_bytes = ?declared, limit, "refused a Slack request body over [slack] max_body_bytes");
    }
    response
}

/// Claims `id` in `namespace` (across instances when `[ha] claims_table` is set) and says whether this is its
/// first delivery; a repeat is logged and refused. When the claims cannot be recorded the delivery is handled
/// (answering matters more than a rare duplicate).
pub(crate) async fn first_delivery(app: &AppState, namespace: &'static str, id: &str) -> bool {
    match app.claims.once(namespace, id, crate::ha::SLACK_KEEP).await {
        Ok(true) => true,
        Ok(false) => {
            tracing::warn!(namespace, "refused a repeated Slack delivery (same id: a replay)");
            false
        }
        Err(err) => {
            tracing::warn!(namespace, error = format!("{err:#}"), "could not record a delivery id; handling it anyway");
            true
        }
    }
}

/// Verifies a request's signature before anything parses it; on failure returns the 401 to send.
/// The log line names the route and the reason, never the body.
fn refuse_unverified(app: &AppState, route: &'static str, headers: &HeaderMap, body: &[u8]) -> Option<Response> {
    match app.verifier.verify(headers, body) {
        Ok(()) => None,
        Err(err) => {
            app.metrics.verification_failed();
            tracing::warn!(route, reason = %err, bytes = body.len(), "refused a request that failed Slack signature verification");
            Some((StatusCode::UNAUTHORIZED, "invalid Slack signature").into_response())
        }
    }
}
