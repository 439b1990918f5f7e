//! Socket Mode, black-box: `apps.connections.open` on the fake Web API hands out a local WebSocket that greets
//! the app with `hello` and delivers envelopes; the app acks each on the socket and answers over the Web API.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;

use super::fakes::ScriptedAsker;
use super::harness::*;
use crate::support::fake_slack::{APP_TOKEN, FakeSlack};
use crate::support::fake_socket_mode::FakeSocketMode;

fn slash_command_envelope(envelope_id: &str, text: &str) -> serde_json::Value {
    json!({"type": "slash_commands", "envelope_id": envelope_id, "accepts_response_payload": true,
        "payload": {"token": "x", "team_id": "T1", "team_domain": "acme", "channel_id": "C1",
            "channel_name": "security", "user_id": "U1", "user_name": "alice", "command": "/asklake", "text": text,
            "api_app_id": "A1", "is_enterprise_install": "false",
            "response_url": "https://hooks.slack.com/commands/T1/1/abc", "trigger_id": "1.2.abc"}})
}

#[tokio::test]
async fn a_slash_command_over_socket_mode_is_acked_on_the_socket_and_answered_in_a_thread() {
    let socket = FakeSocketMode::start(vec![slash_command_envelope("env-1", "who created IAM users?")]).await;
    let slack = FakeSlack::start().await;
    slack.set_socket_url(&socket.url);

    let app =
        spawn_with_fake(slack, |c| c.slack.app_token = Some(SecretString::from(APP_TOKEN)), ScriptedAsker::new()).await;

    let ack = socket.ack_for("env-1", Duration::from_secs(10)).await;
    assert_eq!(ack["payload"]["response_type"], "ephemeral", "{ack}");
    assert!(ack["payload"]["text"].as_str().unwrap().contains("Working on it"), "{ack}");
    let calls = app.wait_for("the answer", answer_posted).await;
    let posts = posts(&calls);
    assert!(posts[0].text.contains("who created IAM users?") && posts[0].thread_ts.is_none());
    assert!(posts[1..].iter().all(|p| p.thread_ts.as_deref() == Some(posts[0].ts.as_str())));
    assert_eq!(app.asker.asked()[0].text, "who created IAM users?");
    assert!(!app.slack.accepted("apps.connections.open").is_empty(), "connected with the app-level token");
    assert!(socket.connections() >= 1);
}

#[tokio::test]
async fn an_app_mention_over_socket_mode_is_acked_with_its_envelope_id_and_answered_in_its_thread() {
    let mention = json!({"type": "events_api", "envelope_id": "env-2", "accepts_response_payload": false,
        "payload": {"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
            "event_id": "EvSocket", "event_time": 1_700_000_000,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": true, "enterprise_id": null}],
            "event": {"type": "app_mention", "user": "U1", "channel": "C7",
                "text": "<@UBOT> failed console logins today", "ts": "1700000050.000100"}}});
    let socket = FakeSocketMode::start(vec![mention]).await;
    let slack = FakeSlack::start().await;
    slack.set_socket_url(&socket.url);

    let app =
        spawn_with_fake(slack, |c| c.slack.app_token = Some(SecretString::from(APP_TOKEN)), ScriptedAsker::new()).await;

    let ack = socket.ack_for("env-2", Duration::from_secs(10)).await;
    assert_eq!(ack, json!({"envelope_id": "env-2"}), "a bare ack, no payload");
    let calls = app.wait_for("the answer", answer_posted).await;
    assert_eq!(app.asker.asked()[0].text, "failed console logins today");
    assert!(posts(&calls).iter().all(|p| p.thread_ts.as_deref() == Some("1700000050.000100")));
}
