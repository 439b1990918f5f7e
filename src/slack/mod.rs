//! Slack: request verification, slash commands, events, interactions, rendering and posting.
//!
//! The same handlers ([`commands::handle`], [`events::dispatch`], [`interactions::dispatch`]) serve HTTP
//! (signed requests on `/slack/*`) and Socket Mode ([`socket`]).
//!
//! Every Web API call goes through the [`api::SlackApi`] seam; the production [`client`] is the one place that
//! retries (429, 5xx, lost connections) and paces posts per channel, so nothing above it retries.

pub mod access;
pub mod api;
pub mod client;
pub mod commands;
pub mod conversation;
pub mod csv;
pub mod escape;
pub mod events;
pub mod hooks;
pub mod interactions;
pub mod limits;
#[cfg(feature = "test-util")]
pub mod memory;
pub mod metrics;
pub mod progress;
pub mod render;
pub mod respond;
pub mod socket;
pub mod table;
pub mod usergroups;
pub mod verify;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::state::AppState;

/// Routes for Slack's HTTP delivery, with the body size cap from `[slack] max_body_bytes` (413 above it).
pub fn router(state: AppState) -> Router {
    let limit = state.config.slack.max_body_bytes;
    Router::new()
        .route("/slack/commands", post(commands::http))
        .route("/slack/events", post(events::http))
        .route("/slack/interactions", post(interactions::http))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
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
