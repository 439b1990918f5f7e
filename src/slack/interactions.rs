//! Buttons on answers: 👍 / 👎 (recorded; 👍 also files a library candidate), "Show SQL", "Download CSV", and
//! the offered verified questions (`run_offer_<n>`, run in the answer's thread with their stored parameters).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use slack_morphism::prelude::{SlackInteractionBlockActionsEvent, SlackInteractionEvent};
use tracing::Instrument;

use super::access::Origin;
use super::api::OutgoingMessage;
use super::conversation::{self, Ask};
use super::csv;
use super::hooks::Candidate;
use super::render::{self, Lang};
use super::texts::{self, Thanks};
use crate::state::AppState;
use crate::store::feedback::Vote;
use crate::store::threads::StoredAnswer;

/// A button press on an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Press {
    /// `feedback_up`, `feedback_down`, `show_sql` or `download_csv`.
    pub action: String,
    /// Answer id (the button's value).
    pub answer_id: String,
    /// Who pressed.
    pub user: String,
    /// Channel of the message.
    pub channel: String,
    /// Language of the message the button is on (for replies when its answer is gone).
    pub lang: Lang,
}

#[derive(serde::Deserialize)]
struct Form {
    payload: String,
}

/// `POST /slack/interactions`: verify, parse `payload=`, ack at once, act in a task.
pub async fn http(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = super::refuse_unverified(&app, "/slack/interactions", &headers, &body) {
        return refused;
    }
    let event = serde_urlencoded::from_bytes::<Form>(&body)
        .map_err(|e| e.to_string())
        .and_then(|f| serde_json::from_str::<SlackInteractionEvent>(&f.payload).map_err(|e| e.to_string()));
    match event {
        Ok(event) => {
            dispatch(&app, event);
            StatusCode::OK.into_response()
        }
        Err(err) => {
            tracing::warn!(error = %err, "interaction body is not a Slack interaction payload");
            (StatusCode::BAD_REQUEST, "not an interaction payload").into_response()
        }
    }
}

/// Namespace of interaction `trigger_id`s in the store's seen-id table.
pub const SEEN_NAMESPACE: &str = "slack-interaction";

/// Handles the presses in `event` in a task (shared by HTTP and Socket Mode), once per `trigger_id`: a replayed
/// press records no second vote and posts nothing again.
pub fn dispatch(app: &AppState, event: SlackInteractionEvent) {
    let SlackInteractionEvent::BlockActions(actions) = event else {
        tracing::debug!("interaction type not handled");
        return;
    };
    let app2 = app.clone();
    app.tasks.spawn(async move {
        if super::first_delivery(&app2, SEEN_NAMESPACE, &actions.trigger_id.0).await {
            super::home::spawn_presses(&app2, &actions);
            spawn_presses(&app2, &actions);
        }
    });
}

fn spawn_presses(app: &AppState, actions: &SlackInteractionBlockActionsEvent) {
    for press in presses(actions) {
        let span =
            tracing::info_span!("button", action = %press.action, answer_id = %press.answer_id, user = %press.user);
        let app2 = app.clone();
        app.tasks.spawn(
            async move {
                if let Err(err) = handle(&app2, &press).await {
                    tracing::error!(error = format!("{err:#}"), "button failed");
                    let lang =
                        app2.store.answer(&press.answer_id).ok().flatten().map_or(Lang::En, |a| Lang::of(&a.question));
                    let text = render::plain(texts::button_failed(lang));
                    let _ = app2.slack.post_ephemeral(&press.channel, &press.user, &text).await;
                }
            }
            .instrument(span),
        );
    }
}

/// The presses asklake understands in a block-actions payload.
pub fn presses(event: &SlackInteractionBlockActionsEvent) -> Vec<Press> {
    let Some(user) = event.user.as_ref().map(|u| u.id.0.clone()) else { return Vec::new() };
    let channel = event.channel.as_ref().map(|c| c.id.0.clone()).or_else(|| match &event.container {
        slack_morphism::prelude::SlackInteractionActionContainer::Message(m) => {
            m.channel_id.as_ref().map(|c| c.0.clone())
        }
        _ => None,
    });
    let Some(channel) = channel else { return Vec::new() };
    let lang = event.message.as_ref().and_then(|m| m.content.text.as_deref()).map_or(Lang::En, Lang::of);
    event
        .actions
        .iter()
        .flatten()
        .filter(|a| {
            matches!(a.action_id.0.as_str(), "feedback_up" | "feedback_down" | "show_sql" | "download_csv")
                || a.action_id.0.starts_with(render::RUN_OFFER)
        })
        .filter_map(|a| {
            Some(Press {
                action: a.action_id.0.clone(),
                answer_id: a.value.clone()?,
                user: user.clone(),
                channel: channel.clone(),
                lang,
            })
        })
        .collect()
}

async fn handle(app: &AppState, press: &Press) -> anyhow::Result<()> {
    let slack = app.slack.as_ref();
    let is_dm = press.channel.starts_with('D');
    if let Err(denied) = app.access.check(Origin { user: &press.user, channel: &press.channel, is_dm }).await {
        slack.post_ephemeral(&press.channel, &press.user, &render::plain(denied.user_message())).await?;
        return Ok(());
    }
    if let Some(n) = press.action.strip_prefix(render::RUN_OFFER) {
        return run_offer(app, press, n).await;
    }
    let Some(answer) = app.store.answer(&press.answer_id)? else {
        slack.post_ephemeral(&press.channel, &press.user, &render::plain(texts::answer_gone(press.lang))).await?;
        return Ok(());
    };
    match press.action.as_str() {
        "feedback_up" => vote(app, press, &answer, Vote::Up).await,
        "feedback_down" => vote(app, press, &answer, Vote::Down).await,
        "show_sql" => show_sql(app, press, &answer).await,
        "download_csv" => download_csv(app, press, &answer).await,
        _ => Ok(()),
    }
}

async fn vote(app: &AppState, press: &Press, answer: &StoredAnswer, vote: Vote) -> anyhow::Result<()> {
    app.store.record_feedback(&answer.id, &press.user, vote)?;
    let lang = Lang::of(&answer.question);
    let text = match (vote, &answer.sql) {
        (Vote::Up, Some(sql)) => {
            let candidate = Candidate {
                question: answer.question.clone(),
                sql: sql.clone(),
                asker: answer.asker.clone(),
                summary: answer.answer.clone(),
            };
            match app.candidates.file(&candidate) {
                Ok(()) => texts::thanks(Thanks::Filed, lang),
                Err(err) => {
                    tracing::warn!(error = format!("{err:#}"), "could not file a library candidate");
                    texts::thanks(Thanks::Recorded, lang)
                }
            }
        }
        (Vote::Up, None) => texts::thanks(Thanks::Recorded, lang),
        (Vote::Down, _) => texts::thanks(Thanks::Noted, lang),
    };
    app.slack.post_ephemeral(&press.channel, &press.user, &render::plain(text)).await?;
    Ok(())
}

async fn show_sql(app: &AppState, press: &Press, answer: &StoredAnswer) -> anyhow::Result<()> {
    let Some(sql) = &answer.sql else {
        let text = render::plain(texts::no_sql(Lang::of(&answer.question)));
        app.slack.post_ephemeral(&press.channel, &press.user, &text).await?;
        return Ok(());
    };
    let content = render::sql(&app.templates, sql)?;
    app.slack.post_message(&OutgoingMessage::new(&answer.channel, Some(&answer.thread_ts), content)).await?;
    Ok(())
}

async fn download_csv(app: &AppState, press: &Press, answer: &StoredAnswer) -> anyhow::Result<()> {
    let Some(result) = answer.result.as_ref().filter(|r| !r.rows.is_empty()) else {
        let text = render::plain(texts::no_rows(Lang::of(&answer.question)));
        app.slack.post_ephemeral(&press.channel, &press.user, &text).await?;
        return Ok(());
    };
    let bytes = csv::to_csv(result);
    let short: String = answer.id.chars().take(8).collect();
    let filename = format!("asklake-{short}.csv");
    let title = format!(
        "{} ({} rows{})",
        crate::slack::escape::truncate(&answer.question, 120),
        result.rows.len(),
        if result.truncated { ", truncated" } else { "" }
    );
    app.slack
        .upload_file(&answer.channel, Some(&answer.thread_ts), &filename, &title, bytes)
        .await
        .map_err(anyhow::Error::from)?;
    Ok(())
}

/// The answer id and offer number a `run_offer_<n>` button carries (`<uuid>:<n>`, `n` matching the action id);
/// anything else is refused.
pub fn parse_offer_value(action_suffix: &str, value: &str) -> Option<(String, usize)> {
    let (id, n) = value.split_once(':')?;
    let uuid = uuid::Uuid::parse_str(id).ok().filter(|u| u.hyphenated().to_string() == id)?;
    let n: usize = n.parse().ok().filter(|n: &usize| *n < crate::pipeline::run::MAX_OFFERS)?;
    (action_suffix == n.to_string()).then(|| (uuid.hyphenated().to_string(), n))
}

/// Runs offer `n` of the pressed answer in that answer's thread, for a user the access rules allow (checked by
/// the caller) and only from the channel the answer is in.
async fn run_offer(app: &AppState, press: &Press, suffix: &str) -> anyhow::Result<()> {
    let slack = app.slack.as_ref();
    let refuse = |text: &'static str| render::plain(text);
    let Some((answer_id, n)) = parse_offer_value(suffix, &press.answer_id) else {
        tracing::warn!("refused a verified-question button with a malformed value");
        return Ok(slack.post_ephemeral(&press.channel, &press.user, &refuse(texts::bad_button(press.lang))).await?);
    };
    let stored = app.store.answer(&answer_id)?.filter(|a| a.channel == press.channel);
    let offer = match &stored {
        Some(_) => app.store.offer(&answer_id, n)?,
        None => None,
    };
    let (Some(answer), Some(offer)) = (stored, offer) else {
        return Ok(slack.post_ephemeral(&press.channel, &press.user, &refuse(texts::answer_gone(press.lang))).await?);
    };
    conversation::spawn(
        app,
        Ask {
            channel: answer.channel.clone(),
            user: press.user.clone(),
            text: offer.question.clone(),
            thread_ts: Some(answer.thread_ts.clone()),
            history: Vec::new(),
            response_url: None,
            command: None,
            offer: Some(offer),
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_canonical_uuid_and_the_matching_offer_number_are_accepted() {
        let id = "0b6c1f4e-2a53-4f0e-9c7d-1e2f3a4b5c6d";
        assert_eq!(parse_offer_value("1", &format!("{id}:1")), Some((id.to_owned(), 1)));
        for bad in [
            format!("{id}:2"),
            format!("{id}:9"),
            format!("{id}:1:1"),
            format!("{}:1", id.to_uppercase()),
            format!("{}:1", id.replace('-', "")),
            "SELECT 1:1".to_owned(),
            format!("{id}:-1"),
            id.to_string(),
        ] {
            assert_eq!(parse_offer_value("1", &bad), None, "{bad}");
        }
    }
}
