//! Slash commands: only the configured ones (`[slack] commands`, default `/asklake`), each invocation once (by its
//! `trigger_id`), then help, access control, and an ephemeral "working on it" ack in the asker's language while
//! the answer runs in a task.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use slack_morphism::prelude::{SlackCommandEvent, SlackCommandEventResponse, SlackMessageResponseType};

use super::access::Origin;
use super::conversation::{self, Ask};
use super::render::{self, Lang};
use super::texts;
use crate::state::AppState;

/// Namespace of slash command `trigger_id`s in the store's seen-id table.
pub const SEEN_NAMESPACE: &str = "slack-command";

/// `POST /slack/commands`: answer Slack's unsigned `ssl_check` probe, else verify, parse the form, answer with
/// the ack.
pub async fn http(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if is_ssl_check(&body) {
        tracing::debug!("answered Slack's ssl_check probe");
        return StatusCode::OK.into_response();
    }
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

/// Whether `body` is Slack's certificate probe (`ssl_check=1`), sent unsigned when a command URL is saved.
/// It is answered 200 with an empty body and has no effect, as Slack's documentation and Bolt do.
pub fn is_ssl_check(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        ssl_check: Option<String>,
    }
    serde_urlencoded::from_bytes::<Probe>(body).is_ok_and(|p| p.ssl_check.as_deref() == Some("1"))
}

/// What to do with a command, shared by HTTP and Socket Mode; returns the ack shown to the user.
#[tracing::instrument(skip_all, fields(channel = %command.channel_id, user = %command.user_id))]
pub async fn handle(app: &AppState, command: SlackCommandEvent) -> SlackCommandEventResponse {
    let text = command.text.as_deref().unwrap_or("").trim().to_owned();
    let lang = Lang::of(&text);
    let name = command.command.0.trim();
    let Some(known) = app.config.slack.commands.iter().find(|c| c.trim().eq_ignore_ascii_case(name)) else {
        let shown: String = name.chars().take(40).collect();
        tracing::warn!(command = %shown, "refused a slash command asklake is not configured to answer");
        return ephemeral(render::plain(&texts::unknown_command(name, &app.config.slack.commands, lang)));
    };
    if !super::first_delivery(app, SEEN_NAMESPACE, &command.trigger_id.0).await {
        return ephemeral(render::plain(texts::replayed(lang)));
    }
    if is_help(&text) {
        let examples = app.setup.example_questions(lang);
        let content = render::help(&app.templates, engine(app), app.access.allows_dms(), known, lang, &examples)
            .unwrap_or_else(|err| {
                tracing::error!(error = %err, "could not render help");
                render::plain(&texts::usage(known, lang))
            });
        return ephemeral(content);
    }
    let channel = command.channel_id.0.clone();
    let user = command.user_id.0.clone();
    let origin = Origin { user: &user, channel: &channel, is_dm: channel.starts_with('D') };
    if let Err(denied) = app.access.check(origin).await {
        tracing::info!(reason = %denied, "refused a question");
        return ephemeral(render::plain(texts::denied(denied, lang)));
    }
    let max = app.config.pipeline.max_question_chars;
    let chars = text.chars().count();
    if chars > max {
        return ephemeral(render::plain(&texts::too_long(chars, max, lang)));
    }
    let ack = texts::working_on(&text, lang);
    let response_url = Some(command.response_url.0.to_string());
    let command = Some(known.trim().to_owned());
    conversation::spawn(
        app,
        Ask { channel, user, text, thread_ts: None, history: Vec::new(), response_url, command, offer: None },
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ssl_check_1_is_the_probe() {
        assert!(is_ssl_check(b"ssl_check=1&token=abc"));
        assert!(is_ssl_check(b"token=abc&ssl_check=1"));
        assert!(!is_ssl_check(b"ssl_check=0&token=abc"));
        assert!(!is_ssl_check(b"command=%2Fasklake&text=ssl_check%3D1"));
        assert!(!is_ssl_check(b"\xff\xfe not a form"));
        assert!(!is_ssl_check(b"ssl_check=1&ssl_check=1"), "a duplicated field is not Slack's probe");
    }
}
