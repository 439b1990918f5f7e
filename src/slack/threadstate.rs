//! Thread state kept in Slack itself, so a follow-up works on whichever instance receives it: every answer carries
//! its turn (question, SQL, result columns and row count, short answer, asker) as message metadata, and with
//! `[ha] claims_table` set an instance rebuilds a thread's history from asklake's own messages in it.
//!
//! Slack is read on every thread reply in that mode, not only when the local store has never seen the thread:
//! with two instances answering turns of one thread in turn, each local copy misses the other's turns.

use std::collections::HashMap;

use slack_morphism::prelude::SlackMessageMetadata;

use crate::pipeline::Turn;
use crate::state::AppState;
use crate::store::threads::ThreadRecord;

/// `event_type` of the metadata on an answer.
pub const EVENT_TYPE: &str = "asklake_turn";
/// Longest SQL carried (longer SQL is left out; the follow-up then sees the question and answer only).
const MAX_SQL: usize = 8000;
/// Longest answer text carried.
const MAX_ANSWER: usize = 2000;

/// The metadata for an answer in a thread started by `asker`.
pub fn metadata(turn: &Turn, asker: &str) -> SlackMessageMetadata {
    let mut payload = HashMap::from([
        ("v".to_owned(), "1".to_owned()),
        ("asker".to_owned(), asker.to_owned()),
        ("question".to_owned(), turn.question.clone()),
        ("columns".to_owned(), serde_json::to_string(&turn.columns).unwrap_or_else(|_| "[]".into())),
        ("row_count".to_owned(), turn.row_count.to_string()),
        ("answer".to_owned(), turn.answer.chars().take(MAX_ANSWER).collect()),
    ]);
    if let Some(sql) = turn.sql.as_ref().filter(|s| s.len() <= MAX_SQL) {
        payload.insert("sql".into(), sql.clone());
    }
    SlackMessageMetadata { event_type: EVENT_TYPE.into(), event_payload: Some(payload) }
}

/// The turn and asker carried by `meta`, when it is asklake's turn metadata.
pub fn turn_of(meta: &SlackMessageMetadata) -> Option<(Turn, String)> {
    if meta.event_type != EVENT_TYPE {
        return None;
    }
    let p = meta.event_payload.as_ref()?;
    if p.get("v").map(String::as_str) != Some("1") {
        return None;
    }
    let turn = Turn {
        question: p.get("question")?.clone(),
        sql: p.get("sql").cloned(),
        columns: p.get("columns").and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default(),
        row_count: p.get("row_count").and_then(|n| n.parse().ok()).unwrap_or(0),
        answer: p.get("answer").cloned().unwrap_or_default(),
    };
    Some((turn, p.get("asker").cloned().unwrap_or_default()))
}

/// The thread rooted at `thread_ts` as asklake's messages in Slack describe it (`None`: asklake never answered
/// there), and the local store brought up to date with it. When Slack cannot be read, the local store answers.
pub async fn recall(app: &AppState, channel: &str, thread_ts: &str) -> anyhow::Result<Option<ThreadRecord>> {
    let metas = match app.slack.thread_metadata(channel, thread_ts).await {
        Ok(m) => m,
        Err(err) => {
            tracing::warn!(error = %err, "could not read the thread's state from Slack; using the local copy");
            return app.store.thread(channel, thread_ts);
        }
    };
    let turns: Vec<(Turn, String)> = metas.iter().filter_map(turn_of).collect();
    let Some(asker) = turns.first().map(|(_, a)| a.clone()) else { return app.store.thread(channel, thread_ts) };
    let keep = turns.len().saturating_sub(crate::store::threads::MAX_TURNS);
    let history: Vec<Turn> = turns.into_iter().skip(keep).map(|(t, _)| t).collect();
    app.store.replace_history(channel, thread_ts, &asker, &history)?;
    Ok(Some(ThreadRecord { channel: channel.to_owned(), thread_ts: thread_ts.to_owned(), asker, history }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turn_survives_the_round_trip_through_message_metadata() {
        let turn = Turn {
            question: "root 계정 사용한 로그 있어?".into(),
            sql: Some("SELECT 1 FROM cloudtrail".into()),
            columns: vec!["event_time".into(), "actor_arn".into()],
            row_count: 2,
            answer: "2건".into(),
        };
        let meta = metadata(&turn, "U1");
        let wire: SlackMessageMetadata = serde_json::from_value(serde_json::to_value(&meta).unwrap()).unwrap();
        assert_eq!(turn_of(&wire), Some((turn, "U1".to_owned())));
        let other = SlackMessageMetadata { event_type: "someone_else".into(), event_payload: meta.event_payload };
        assert_eq!(turn_of(&other), None, "only asklake's own event type is read");
    }

    #[test]
    fn sql_too_long_for_metadata_is_left_out_rather_than_cut() {
        let turn = Turn {
            question: "q".into(),
            sql: Some("x".repeat(MAX_SQL + 1)),
            columns: vec![],
            row_count: 0,
            answer: "a".into(),
        };
        let (back, _) = turn_of(&metadata(&turn, "U1")).unwrap();
        assert_eq!(back.sql, None);
    }
}
