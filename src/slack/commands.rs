//! `/asklake`: help, access control, and an ephemeral "working on it" ack while the answer runs in a task.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use slack_morphism::prelude::{SlackCommandEvent, SlackCommandEventResponse, SlackMessageResponseType};

use super::access::Origin;
use super::conversation::{self, Ask};
use super::{escape, render};
use crate::state::AppState;

/// `POST /slack/commands`: verify, parse the form, answer with the ack.
pub async fn http(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = super::refuse_unverified(&app, "/slack/commands", &headers, &body) {
        return refused;
    }
    let command: SlackCommandEvent = match serde_urlencoded::from_bytes(&body) {
        Ok(c) => c,
        Err(err) => {
            tracing::warn!(error = %err, "slash command body is not a Slack command form");
            return (StatusCode::BAD_REQUEST, "not a slash command payload").into_response();
        }
    };
    Json(handle(&app, command).await).into_response()
}

/// What to do with a command, shared by HTTP and Socket Mode; returns the ack shown to the user.
#[tracing::instrument(skip_all, fields(channel = %command.channel_id, user = %command.user_id))]
pub async fn handle(app: &AppState, command: SlackCommandEvent) -> SlackCommandEventResponse {
    let text = command.text.as_deref().unwrap_or("").trim().to_owned();
    if is_help(&text) {
        let content = render::help(&app.templates, engine(app), app.access.allows_dms()).unwrap_or_else(|err| {
            tracing::error!(error = %err, "could not render help");
            render::plain("Usage: `/asklake <question>`")
        });
        return ephemeral(content);
    }
    let channel = command.channel_id.0.clone();
    let user = command.user_id.0.clone();
    let origin = Origin { user: &user, channel: &channel, is_dm: channel.starts_with('D') };
    if let Err(denied) = app.access.check(origin).await {
        tracing::info!(reason = %denied, "refused a question");
        return ephemeral(render::plain(denied.user_message()));
    }
    let max = app.config.pipeline.max_question_chars;
    if text.chars().count() > max {
        return ephemeral(render::plain(&format!(
            "That question is {} characters long; asklake takes up to {max}. Please shorten it.",
            text.chars().count()
        )));
    }
    let ack = format!("⏳ Working on it: _{}_", escape::inline(&escape::truncate(&text, 200)));
    let response_url = Some(command.response_url.0.to_string());
    conversation::spawn(app, Ask { channel, user, text, thread_ts: None, history: Vec::new(), response_url });
    ephemeral(render::plain(&ack))
}

pub(crate) fn engine(app: &AppState) -> &'static str {
    match app.config.engine.kind {
        crate::config::EngineKind::Athena => "athena",
        crate::config::EngineKind::Duckdb => "duckdb",
    }
}

/// Whether `text` asks for usage help (empty, `help`, `도움말`).
pub fn is_help(text: &str) -> bool {
    let t = text.trim();
    t.is_empty() || t.eq_ignore_ascii_case("help") || t == "-h" || t == "--help" || t == "도움말"
}

fn ephemeral(content: slack_morphism::prelude::SlackMessageContent) -> SlackCommandEventResponse {
    SlackCommandEventResponse::new(content).with_response_type(SlackMessageResponseType::Ephemeral)
}
