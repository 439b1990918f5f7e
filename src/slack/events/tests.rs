//! Which events are questions.

use serde_json::{Value, json};

use super::*;

fn callback(event: Value) -> SlackPushEventCallback {
    serde_json::from_value(json!({
        "team_id": "T1", "api_app_id": "A1", "event_id": "Ev1", "event_time": 1700000000,
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": true}],
        "event": event,
    }))
    .unwrap()
}

#[test]
fn a_mention_is_a_question_without_the_mention() {
    let cb = callback(
        json!({"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT>  who used root?", "ts": "1.1"}),
    );
    let m = classify(&cb).unwrap();
    assert_eq!((m.kind, m.text.as_str(), m.thread_ts.as_deref()), (Kind::Mention, "who used root?", None));
}

#[test]
fn a_thread_reply_is_a_candidate_follow_up() {
    let cb = callback(json!({"type": "message", "user": "U1", "channel": "C1", "channel_type": "channel",
        "text": "and yesterday?", "ts": "2.2", "thread_ts": "1.1"}));
    let m = classify(&cb).unwrap();
    assert_eq!((m.kind, m.thread_ts.as_deref()), (Kind::ChannelMessage, Some("1.1")));
}

#[test]
fn a_dm_is_a_direct_message_even_with_a_mention() {
    let cb = callback(json!({"type": "message", "user": "U1", "channel": "D1", "channel_type": "im",
        "text": "<@UBOT> failed logins", "ts": "3.3"}));
    let m = classify(&cb).unwrap();
    assert_eq!((m.kind, m.text.as_str()), (Kind::DirectMessage, "failed logins"));
}

#[test]
fn bots_own_messages_edits_deletions_and_joins_are_ignored() {
    let cases = [
        json!({"type": "message", "subtype": "bot_message", "bot_id": "B9", "channel": "C1", "text": "hi", "ts": "1.0"}),
        json!({"type": "message", "bot_id": "B1", "user": "UBOT", "channel": "C1", "text": "answer", "ts": "1.0", "thread_ts": "0.9"}),
        json!({"type": "message", "user": "UBOT", "channel": "C1", "text": "answer", "ts": "1.0"}),
        json!({"type": "message", "subtype": "message_changed", "channel": "C1", "ts": "1.0",
               "message": {"user": "U1", "text": "edited", "ts": "0.5"}}),
        json!({"type": "message", "subtype": "message_deleted", "channel": "C1", "ts": "1.0", "deleted_ts": "0.5"}),
        json!({"type": "message", "subtype": "channel_join", "user": "U1", "channel": "C1", "text": "joined", "ts": "1.0"}),
        json!({"type": "reaction_added", "user": "U1", "reaction": "+1", "item": {"type": "message", "channel": "C1", "ts": "1.0"}, "event_ts": "1.0"}),
    ];
    for event in cases {
        assert!(classify(&callback(event.clone())).is_err(), "{event}");
    }
}

#[test]
fn a_channel_message_that_mentions_the_app_is_left_to_the_mention_event() {
    let cb = callback(json!({"type": "message", "user": "U1", "channel": "C1", "channel_type": "channel",
        "text": "<@UBOT> and yesterday?", "ts": "2.2", "thread_ts": "1.1"}));
    assert!(classify(&cb).is_err());
}
