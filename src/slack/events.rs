//! Events API: `url_verification`, retries deduplicated by `event_id`, and which messages are questions
//! (an @mention, a reply in an asklake thread, a DM when allowed); bots, edits and other subtypes are ignored.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use slack_morphism::prelude::{SlackEventCallbackBody, SlackPushEvent, SlackPushEventCallback};
use tracing::Instrument;

use super::access::Origin;
use super::conversation::{self, Ask};
use super::render::{self, Lang};
use super::{commands, texts};
use crate::state::AppState;

/// Namespace of Slack event ids in the store's seen-id table.
pub const SEEN_NAMESPACE: &str = "slack-event";

/// `POST /slack/events`.
pub async fn http(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = super::refuse_unverified(&app, "/slack/events", &headers, &body) {
        return refused;
    }
    let event: SlackPushEvent = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(err) => {
            tracing::warn!(error = %err, "event body is not a Slack Events API payload");
            return (StatusCode::BAD_REQUEST, "not an Events API payload").into_response();
        }
    };
    match event {
        SlackPushEvent::UrlVerification(v) => Json(json!({ "challenge": v.challenge })).into_response(),
        SlackPushEvent::EventCallback(cb) => {
            let retry = headers.get("x-slack-retry-num").and_then(|v| v.to_str().ok()).unwrap_or("0");
            tracing::debug!(event_id = %cb.event_id.0, retry, "event received");
            dispatch(&app, cb);
            StatusCode::OK.into_response()
        }
        SlackPushEvent::AppRateLimited(e) => {
            tracing::warn!(minute = ?e.minute_rate_limited, "Slack is rate limiting events sent to asklake");
            StatusCode::OK.into_response()
        }
    }
}

/// Handles the event in a task (shared by HTTP and Socket Mode), once per `event_id` on whichever instance claims
/// it first: a Slack retry, here or on another instance, is dropped.
pub fn dispatch(app: &AppState, cb: SlackPushEventCallback) {
    let span = tracing::info_span!("event", event_id = %cb.event_id.0);
    let app2 = app.clone();
    app.tasks.spawn(
        async move {
            if super::first_delivery(&app2, SEEN_NAMESPACE, &cb.event_id.0).await {
                handle(&app2, cb).await;
            }
        }
        .instrument(span),
    );
}

/// A message that may be a question, before thread lookup and access control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// Channel id.
    pub channel: String,
    /// Sender.
    pub user: String,
    /// Text with mentions of the app removed.
    pub text: String,
    /// The message's own timestamp.
    pub ts: String,
    /// Parent thread, when a reply.
    pub thread_ts: Option<String>,
    /// How it reached asklake.
    pub kind: Kind,
}

/// How a message reached asklake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `app_mention`.
    Mention,
    /// A channel message (only a question inside an asklake thread).
    ChannelMessage,
    /// A direct message to the app.
    DirectMessage,
}

/// Turns an event into a possible question, or says why it is ignored.
pub fn classify(cb: &SlackPushEventCallback) -> Result<Incoming, &'static str> {
    let bot = bot_user(cb);
    match &cb.event {
        SlackEventCallbackBody::AppMention(m) => {
            if m.edited.is_some() {
                return Err("edited mention");
            }
            let text = strip_mention(m.content.text.as_deref().unwrap_or(""), bot.as_deref());
            Ok(Incoming {
                channel: m.channel.0.clone(),
                user: m.user.0.clone(),
                text,
                ts: m.origin.ts.0.clone(),
                thread_ts: m.origin.thread_ts.as_ref().map(|t| t.0.clone()),
                kind: Kind::Mention,
            })
        }
        SlackEventCallbackBody::Message(m) => {
            if let Some(subtype) = &m.subtype {
                tracing::debug!(?subtype, "message subtype ignored");
                return Err("message subtype (bot, edit, deletion, join…)");
            }
            if m.sender.bot_id.is_some() || m.hidden == Some(true) {
                return Err("message from a bot");
            }
            let Some(user) = m.sender.user.as_ref().map(|u| u.0.clone()) else { return Err("message without a user") };
            if bot.as_deref() == Some(user.as_str()) {
                return Err("asklake's own message");
            }
            let Some(channel) = m.origin.channel.as_ref().map(|c| c.0.clone()) else {
                return Err("message without a channel");
            };
            let raw = m.content.as_ref().and_then(|c| c.text.clone()).unwrap_or_default();
            let is_dm = m.origin.channel_type.as_ref().is_some_and(|t| t.0 == "im");
            if !is_dm && bot.as_ref().is_some_and(|b| raw.contains(&format!("<@{b}>"))) {
                return Err("mentions asklake: handled by the app_mention event");
            }
            Ok(Incoming {
                channel,
                user,
                text: strip_mention(&raw, bot.as_deref()),
                ts: m.origin.ts.0.clone(),
                thread_ts: m.origin.thread_ts.as_ref().map(|t| t.0.clone()),
                kind: if is_dm { Kind::DirectMessage } else { Kind::ChannelMessage },
            })
        }
        _ => Err("event type not handled"),
    }
}

/// The app's bot user id, from the event's authorizations.
fn bot_user(cb: &SlackPushEventCallback) -> Option<String> {
    cb.authorizations.as_ref()?.iter().find(|a| a.is_bot.unwrap_or(true)).map(|a| a.user_id.0.clone())
}

/// Removes `<@BOT>` (and, without a known bot id, a leading mention) and trims.
fn strip_mention(text: &str, bot: Option<&str>) -> String {
    let out = match bot {
        Some(b) => text.replace(&format!("<@{b}>"), " "),
        None => {
            let t = text.trim_start();
            match (t.starts_with("<@"), t.find('>')) {
                (true, Some(end)) => t[end + 1..].to_owned(),
                _ => t.to_owned(),
            }
        }
    };
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn handle(app: &AppState, cb: SlackPushEventCallback) {
    if let SlackEventCallbackBody::AppHomeOpened(home) = &cb.event {
        if home.tab.as_deref().is_none_or(|t| t == "home")
            && let Err(err) = super::home::opened(app, &home.user.0, &home.channel.0).await
        {
            tracing::error!(error = format!("{err:#}"), "could not publish the App Home");
        }
        return;
    }
    let incoming = match classify(&cb) {
        Ok(i) => i,
        Err(reason) => {
            tracing::debug!(reason, "event ignored");
            return;
        }
    };
    match resolve(app, incoming).await {
        Ok(Some(ask)) => conversation::spawn(app, ask),
        Ok(None) => {}
        Err(err) => tracing::error!(error = format!("{err:#}"), "could not handle event"),
    }
}

/// Looks up the thread and checks access; `None` when there is nothing to answer.
async fn resolve(app: &AppState, m: Incoming) -> anyhow::Result<Option<Ask>> {
    let root = m.thread_ts.clone().unwrap_or_else(|| m.ts.clone());
    let thread = match &m.thread_ts {
        Some(ts) if app.claims.shared() => super::threadstate::recall(app, &m.channel, ts).await?,
        Some(ts) => app.store.thread(&m.channel, ts)?,
        None => None,
    };
    if m.kind == Kind::ChannelMessage && thread.is_none() {
        tracing::debug!("channel message outside an asklake thread ignored");
        return Ok(None);
    }
    let is_dm = m.kind == Kind::DirectMessage || m.channel.starts_with('D');
    let lang = Lang::of(&m.text);
    if let Err(denied) = app.access.check(Origin { user: &m.user, channel: &m.channel, is_dm }).await {
        tracing::info!(reason = %denied, "refused a question");
        app.slack.post_ephemeral(&m.channel, &m.user, &render::plain(texts::denied(denied, lang))).await?;
        return Ok(None);
    }
    if commands::is_help(&m.text) {
        let command = app.config.slack.commands.first().map_or("/asklake", String::as_str);
        let examples = app.setup.example_questions(lang);
        let help =
            render::help(&app.templates, commands::engine(app), app.access.allows_dms(), command, lang, &examples)?;
        app.slack.post_ephemeral(&m.channel, &m.user, &help).await?;
        return Ok(None);
    }
    let history = thread.map(|t| t.history).unwrap_or_default();
    let (channel, user, text) = (m.channel, m.user, m.text);
    Ok(Some(Ask {
        channel,
        user,
        text,
        thread_ts: Some(root),
        history,
        response_url: None,
        command: None,
        offer: None,
    }))
}

#[cfg(test)]
mod tests;
