//! `POST /events` (and `POST /sns`): feeds the embedded queue over HTTP, on the intake listener only.
//!
//! `serve` mounts [`router`] on its own listener (`[server] intake_bind`, loopback by default), never beside the
//! Slack routes; beyond loopback `POST /events` needs `[alerts] events_token` (`serve` refuses to start without
//! one). `POST /sns` takes no token: a message counts only when its topic is allow-listed and its signature,
//! certificate URL and timestamp verify. Requests from browsers (carrying `Origin`) are refused on both, so a web
//! page cannot post to a loopback intake.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::{AUTHORIZATION, ORIGIN};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use subtle::ConstantTimeEq;
use tracing::warn;

use super::envelope::{CtEvent, EnvelopeError, parse_body};
use super::queue::EmbeddedQueue;
use super::sns::{SnsError, SnsFetcher, SnsMessage, verify};
use crate::pipeline::run::Clock;

/// Largest accepted body (a `{"Records": […]}` file of a few thousand events).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// What the alert endpoints need.
#[derive(Clone)]
pub struct AlertsHttpState {
    /// Where accepted events go.
    pub queue: EmbeddedQueue,
    /// SNS topic ARNs accepted on `POST /sns` (empty = endpoint answers 404).
    pub sns_topics: Arc<Vec<String>>,
    /// Fetches SNS signing certificates and confirms subscriptions.
    pub sns: Arc<dyn SnsFetcher>,
    /// Bearer token `POST /events` requires (none = no token asked for).
    pub events_token: Option<Arc<SecretString>>,
    /// "Now" for the SNS timestamp window.
    pub clock: Clock,
}

/// Whether `headers` carry `Authorization: Bearer <token>` (constant-time compare), or no token is configured.
/// Also guards `GET /metrics` (`[server] metrics_token`).
pub(crate) fn authorised(headers: &HeaderMap, token: Option<&SecretString>) -> bool {
    let Some(token) = token else { return true };
    let given = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let want = token.expose_secret().as_bytes();
    // An empty secret authorises nobody: otherwise a missing header would match it.
    !want.is_empty() && given.len() == want.len() && bool::from(given.as_bytes().ct_eq(want))
}

/// `POST /events` and `POST /sns`.
pub fn router(state: AlertsHttpState) -> Router {
    Router::new()
        .route("/events", post(events))
        .route("/sns", post(sns))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// A refusal for requests a browser sent (they carry `Origin`; SNS and curl do not).
fn from_browser(headers: &HeaderMap) -> Option<Response> {
    headers.contains_key(ORIGIN).then(|| {
        warn!("intake request with an Origin header (a browser); rejected");
        error(StatusCode::FORBIDDEN, "browsers may not post events; send them from a server or the CLI")
    })
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({"error": message.into()}))).into_response()
}

/// One queue row per event: the bare record with its routing account filled in.
fn bodies(events: Vec<CtEvent>) -> Vec<String> {
    events.into_iter().map(CtEvent::into_queue_body).collect()
}

/// Parses `text` (a body, or an SNS `Message`) and stores its events; `what` names it in errors.
async fn enqueue(state: &AlertsHttpState, text: &str, what: &str) -> Response {
    let events = match parse_body(text) {
        Ok(ev) => ev,
        Err(EnvelopeError::Json(e)) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!(
                    "{what} is not valid JSON ({e}); send one CloudTrail/EventBridge event, a JSON array of them, or {{\"Records\": [...]}}"
                ),
            );
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let rows = bodies(events);
    let queue = state.queue.clone();
    match tokio::task::spawn_blocking(move || queue.push(&rows)).await {
        Ok(Ok(n)) => (StatusCode::ACCEPTED, axum::Json(json!({"queued": n}))).into_response(),
        Ok(Err(e)) => {
            warn!(error = %format!("{e:#}"), "could not enqueue events");
            error(StatusCode::SERVICE_UNAVAILABLE, "could not store the events; try again")
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "enqueue task failed; try again"),
    }
}

async fn events(State(state): State<AlertsHttpState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = from_browser(&headers) {
        return refused;
    }
    if !authorised(&headers, state.events_token.as_deref()) {
        warn!("POST /events without the configured bearer token; rejected");
        return error(StatusCode::UNAUTHORIZED, "send Authorization: Bearer <[alerts] events_token>");
    }
    match std::str::from_utf8(&body) {
        Ok(text) => enqueue(&state, text, "body").await,
        Err(e) => error(StatusCode::BAD_REQUEST, format!("body is not UTF-8 text ({e}); send JSON")),
    }
}

async fn sns(State(state): State<AlertsHttpState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = from_browser(&headers) {
        return refused;
    }
    if state.sns_topics.is_empty() {
        return error(StatusCode::NOT_FOUND, "SNS endpoint disabled: set [alerts] sns_topic_allowlist");
    }
    let msg: SnsMessage = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("not an SNS message: {e}")),
    };
    if !state.sns_topics.iter().any(|t| t == &msg.topic_arn) {
        return error(StatusCode::FORBIDDEN, format!("topic {} is not in [alerts] sns_topic_allowlist", msg.topic_arn));
    }
    if let Err(e) = verify(&msg, state.sns.as_ref(), (state.clock)()).await {
        warn!(error = %e, topic = %msg.topic_arn, "SNS message rejected");
        let status =
            if matches!(e, SnsError::Fetch(_)) { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::UNAUTHORIZED };
        return error(status, e.to_string());
    }
    match msg.kind.as_str() {
        "SubscriptionConfirmation" => {
            let url = msg.subscribe_url.clone().unwrap_or_default();
            match state.sns.confirm(&url).await {
                Ok(()) => (StatusCode::OK, axum::Json(json!({"confirmed": msg.topic_arn}))).into_response(),
                Err(e) => error(StatusCode::BAD_GATEWAY, format!("could not confirm the subscription: {e:#}")),
            }
        }
        "Notification" => enqueue(&state, &msg.message, "SNS Message").await,
        _ => (StatusCode::OK, axum::Json(json!({"ignored": msg.kind}))).into_response(),
    }
}

#[cfg(test)]
mod token_tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_bearer(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn an_empty_token_authorises_nobody_not_even_an_empty_bearer() {
        let empty = SecretString::from(String::new());
        assert!(!authorised(&HeaderMap::new(), Some(&empty)));
        assert!(!authorised(&with_bearer("Bearer "), Some(&empty)));
    }

    #[test]
    fn only_the_exact_bearer_is_authorised() {
        let token = SecretString::from("s3cret-token".to_owned());
        assert!(authorised(&with_bearer("Bearer s3cret-token"), Some(&token)));
        for wrong in ["Bearer s3cret-toke", "Bearer s3cret-token2", "bearer s3cret-token", "s3cret-token"] {
            assert!(!authorised(&with_bearer(wrong), Some(&token)), "{wrong}");
        }
        assert!(!authorised(&HeaderMap::new(), Some(&token)));
    }
}
