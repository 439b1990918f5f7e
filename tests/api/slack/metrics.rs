//! `GET /metrics` lives only on its own listener (`[server] metrics_bind`): never on the Slack listener the
//! internet reaches, off by default, loopback unless `[server] metrics_token` is set, and then bearer-only.

use std::sync::Arc;

use asklake::config::Config;
use asklake::slack::client::SlackWebClient;
use asklake::startup::{Application, Deps};
use asklake::store::Store;
use secrecy::SecretString;

use super::fakes::ScriptedAsker;
use super::harness::{client_policy, config, spawn_app, spawn_with};
use crate::support::fake_slack::{BOT_TOKEN, FakeSlack};

/// Builds (does not run) the app from the test config edited by `edit`.
async fn build(edit: impl FnOnce(&mut Config)) -> (anyhow::Result<Application>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("asklake.db");
    let slack = FakeSlack::start().await;
    let mut c = config(&path, &slack.api_url);
    edit(&mut c);
    let client = SlackWebClient::new(&slack.api_url, &SecretString::from(BOT_TOKEN), client_policy()).unwrap();
    let deps = Deps::new(Arc::new(ScriptedAsker::new()), Arc::new(client), Store::open(&path).unwrap());
    (Application::build(c, deps).await, dir)
}

#[tokio::test]
async fn the_slack_listener_does_not_serve_metrics() {
    let app = spawn_app().await;
    assert!(app.metrics_base.is_some(), "metrics are on in this test");
    assert_eq!(app.get("/metrics").await.status(), 404);
    assert_eq!(app.get("/healthz").await.status(), 200, "the health check stays on the Slack listener");
}

#[tokio::test]
async fn the_metrics_listener_serves_metrics_and_nothing_else() {
    let app = spawn_app().await;
    let _ = app.get("/healthz").await;
    let text = app.metrics().await;
    assert!(text.contains("asklake_http_requests_total{route=\"/healthz\",status=\"200\"} 1"), "{text}");
    let base = app.metrics_base.clone().unwrap();
    let slack = app.http.post(format!("{base}/slack/commands")).body("x").send().await.unwrap();
    assert_eq!(slack.status(), 404, "Slack routes are not on the metrics listener");
}

#[tokio::test]
async fn metrics_are_off_unless_a_metrics_bind_is_set() {
    assert!(Config::default().server.metrics_bind.is_empty());
    let app = spawn_with(|c| c.server.metrics_bind = String::new(), ScriptedAsker::new()).await;
    assert!(app.metrics_base.is_none());
    assert_eq!(app.get("/metrics").await.status(), 404);
}

#[tokio::test]
async fn a_metrics_bind_beyond_loopback_is_refused_without_a_token_and_names_the_key() {
    let (built, _dir) = build(|c| c.server.metrics_bind = "0.0.0.0:0".into()).await;
    let err = format!("{:#}", built.err().expect("open metrics are refused"));
    assert!(err.contains("[server] metrics_token") && err.contains("metrics_bind"), "{err}");
    let (built, _dir) = build(|c| {
        c.server.metrics_bind = "0.0.0.0:0".into();
        c.server.metrics_token = Some(SecretString::from(""));
    })
    .await;
    assert!(format!("{:#}", built.err().expect("an empty token is refused")).contains("empty"));
}

#[tokio::test]
async fn with_a_metrics_token_only_its_bearer_reads_metrics() {
    let token = "metrics-token-0123456789";
    let app = spawn_with(
        |c| {
            c.server.metrics_bind = "0.0.0.0:0".into();
            c.server.metrics_token = Some(SecretString::from(token));
        },
        ScriptedAsker::new(),
    )
    .await;
    let port = app.metrics_base.as_ref().unwrap().rsplit(':').next().unwrap().to_owned();
    let url = format!("http://127.0.0.1:{port}/metrics");
    let bare = app.http.get(&url).send().await.unwrap();
    assert_eq!(bare.status(), 401);
    let wrong = app.http.get(&url).bearer_auth("metrics-token-0123456788").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let short = app.http.get(&url).bearer_auth("metrics").send().await.unwrap();
    assert_eq!(short.status(), 401);
    let right = app.http.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(right.status(), 200);
    assert!(right.text().await.unwrap().contains("asklake_answers_in_flight 0"));
}
