//! `asklake alerts preview` shows exactly what the worker posts: the same events through the preview and through
//! the worker with the real Slack client and the fake Slack Web API give the same posts, channel by channel,
//! thread replies included; a duplicated eventID shows once.

use std::sync::Arc;
use std::time::Duration;

use asklake::alerts::preview::preview;
use asklake::alerts::queue::EmbeddedQueue;
use asklake::config::Config;
use asklake::slack::api::SlackApi;
use asklake::slack::client::{ClientPolicy, SlackWebClient};
use asklake::store::Store;
use asklake::templates::Templates;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::support::fake_slack::{BOT_TOKEN, FakeSlack};

fn config() -> Config {
    let mut c = Config::default();
    c.alerts.default_channel = "C_DEFAULT".into();
    c.alerts.red_channel = "C_SECURITY".into();
    c
}

/// One EventBridge body per line: 25 IAM changes in one account (a thread overflow), 3 in another, one red
/// event, and one event repeated.
fn lines() -> Vec<String> {
    let body = |i: usize, account: &str, source: &str, name: &str| {
        json!({"version": "0", "id": format!("eb-{i}"), "detail-type": "AWS API Call via CloudTrail",
            "account": account, "time": "2026-11-22T05:00:00Z", "region": "us-east-1", "resources": [],
            "detail": {"eventVersion": "1.08", "eventID": format!("pv-{i:03}"), "eventName": name,
                "eventSource": source, "eventTime": format!("2026-11-22T05:00:{:02}Z", i % 60),
                "awsRegion": "us-east-1", "recipientAccountId": account, "userAgent": "aws-cli/2.15.0",
                "userIdentity": {"type": "IAMUser", "userName": "alice", "arn": format!("arn:aws:iam::{account}:user/alice")},
                "requestParameters": {"roleName": format!("role-{i:03}"), "name": format!("trail-{i:03}")}}})
        .to_string()
    };
    let mut out: Vec<String> = (0..25).map(|i| body(i, "111111111111", "iam.amazonaws.com", "CreateRole")).collect();
    out.extend((25..28).map(|i| body(i, "222222222222", "iam.amazonaws.com", "DeleteRole")));
    out.push(body(28, "222222222222", "cloudtrail.amazonaws.com", "StopLogging"));
    out.push(out[3].clone());
    out
}

#[tokio::test]
async fn preview_prints_exactly_what_the_worker_posts_and_a_duplicate_once() {
    let text = lines().join("\n");
    let shown = preview(&config(), &text).await.unwrap();

    let slack = FakeSlack::start().await;
    let policy = ClientPolicy { channel_interval: Duration::ZERO, ..ClientPolicy::default() };
    let client: Arc<dyn SlackApi> =
        Arc::new(SlackWebClient::new(&slack.api_url, &SecretString::from(BOT_TOKEN), policy).unwrap());
    let store = Store::in_memory().unwrap();
    let queue = EmbeddedQueue::new(store.clone(), Duration::from_secs(60));
    queue.push(&lines()).unwrap();
    let worker =
        asklake::alerts::build::worker(&config(), Arc::new(queue), client, store, Templates::embedded(), None).unwrap();
    worker.drain_once().await.unwrap();
    let posted = slack.posts();

    assert_eq!(shown.posts.len(), posted.len(), "same number of posts");
    assert!(shown.posts.iter().any(|p| p.thread_ts.is_some()), "the overflow goes to a thread");
    for (i, (p, wire)) in shown.posts.iter().zip(&posted).enumerate() {
        assert_eq!(wire["channel"], p.channel.as_str(), "post {i}: channel");
        let parent = |ts: &str, all: &[String]| all.iter().position(|t| t == ts);
        let preview_ts: Vec<String> = shown.posts.iter().map(|q| q.ts.clone()).collect();
        let wire_ts: Vec<String> = (0..posted.len()).map(|k| slack_ts(&slack, k)).collect();
        assert_eq!(
            p.thread_ts.as_deref().and_then(|t| parent(t, &preview_ts)),
            wire["thread_ts"].as_str().and_then(|t| parent(t, &wire_ts)),
            "post {i}: same parent"
        );
        let content = serde_json::to_value(&p.content).unwrap();
        for (k, v) in content.as_object().unwrap() {
            assert_eq!(&wire[k], v, "post {i}: {k}");
        }
    }
    let printed: Value = serde_json::from_str(&shown.json).unwrap();
    let channels: Vec<&str> = printed.as_array().unwrap().iter().map(|c| c["channel"].as_str().unwrap()).collect();
    assert_eq!(channels, ["C_DEFAULT", "C_SECURITY"], "the account channel, then the red copy");
    assert_eq!(shown.json.matches("role-003").count(), 1, "the duplicated event shows once");
    assert_eq!(shown.outcome.duplicates, 1);
}

/// The `ts` Slack gave the `k`-th accepted post.
fn slack_ts(slack: &FakeSlack, k: usize) -> String {
    let answers: Vec<_> = slack.calls().into_iter().filter(|c| c.ok && c.method == "chat.postMessage").collect();
    answers[k].response["ts"].as_str().unwrap_or_default().to_owned()
}
