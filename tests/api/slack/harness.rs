//! `TestApp`: the real application on port 0, its Slack Web API calls made by the real slack-morphism client
//! against a local fake Slack, a scripted asker, and a method per Slack endpoint that signs requests like Slack.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use asklake::config::Config;
use asklake::slack::client::{ClientPolicy, SlackWebClient};
use asklake::slack::verify;
use asklake::startup::{Application, Deps};
use asklake::state::AppState;
use asklake::store::Store;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::fakes::{RecordingCandidates, ScriptedAsker};
use crate::support::fake_slack::{BOT_TOKEN, Call, FakeSlack};

pub const SECRET: &str = "test-signing-secret";

pub struct TestApp {
    pub base: String,
    /// The metrics listener (`[server] metrics_bind`), when metrics are on.
    pub metrics_base: Option<String>,
    pub http: reqwest::Client,
    pub state: AppState,
    pub asker: Arc<ScriptedAsker>,
    /// The fake Slack Web API the app's real client talks to.
    pub slack: FakeSlack,
    pub candidates: Arc<RecordingCandidates>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

/// The client policy of the app under test: production retries, quick transient backoff, no pacing (pacing has
/// its own tests in `slack::pace` and `slack::client`).
pub fn client_policy() -> ClientPolicy {
    ClientPolicy {
        transient_backoff: Duration::from_millis(20),
        channel_interval: Duration::ZERO,
        update_interval: Duration::ZERO,
        request_timeout: Duration::from_secs(10),
        ..ClientPolicy::default()
    }
}

pub fn config(store_path: &std::path::Path, slack_api_url: &str) -> Config {
    let mut c = Config::default();
    c.slack.api_url = slack_api_url.to_owned();
    c.slack.bot_token = Some(SecretString::from(BOT_TOKEN));
    c.server.bind = "127.0.0.1:0".into();
    c.server.metrics_bind = "127.0.0.1:0".into();
    c.server.shutdown_grace_secs = 10;
    c.slack.signing_secret = Some(SecretString::from(SECRET));
    // These tests ask from many users and channels; serve is closed unless that is stated.
    c.slack.allow_everyone = true;
    c.store.path = store_path.to_owned();
    c
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}, ScriptedAsker::new()).await
}

pub async fn spawn_with(edit: impl FnOnce(&mut Config), asker: ScriptedAsker) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("asklake.db");
    let mut app = spawn_on(&path, edit, asker).await;
    app._dir = Some(dir);
    app
}

/// The app on a fresh store, talking to an already started (and possibly scripted) fake Slack.
pub async fn spawn_with_fake(slack: FakeSlack, edit: impl FnOnce(&mut Config), asker: ScriptedAsker) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("asklake.db");
    let mut app = spawn_on_fake(&path, slack, edit, asker).await;
    app._dir = Some(dir);
    app
}

pub async fn spawn_on(path: &std::path::Path, edit: impl FnOnce(&mut Config), asker: ScriptedAsker) -> TestApp {
    spawn_on_fake(path, FakeSlack::start().await, edit, asker).await
}

/// The app with the App Home setup `setup` (which sources are on, which examples run), on a fresh store.
pub async fn spawn_with_setup(
    setup: asklake::slack::home_setup::Setup,
    edit: impl FnOnce(&mut Config),
    asker: ScriptedAsker,
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("asklake.db");
    let mut app = spawn_on_fake_with(&path, FakeSlack::start().await, edit, asker, Some(setup)).await;
    app._dir = Some(dir);
    app
}

async fn spawn_on_fake(
    path: &std::path::Path,
    slack: FakeSlack,
    edit: impl FnOnce(&mut Config),
    asker: ScriptedAsker,
) -> TestApp {
    spawn_on_fake_with(path, slack, edit, asker, None).await
}

async fn spawn_on_fake_with(
    path: &std::path::Path,
    slack: FakeSlack,
    edit: impl FnOnce(&mut Config),
    asker: ScriptedAsker,
    setup: Option<asklake::slack::home_setup::Setup>,
) -> TestApp {
    let mut c = config(path, &slack.api_url);
    edit(&mut c);
    let asker = Arc::new(asker);
    let client = SlackWebClient::new(&slack.api_url, &SecretString::from(BOT_TOKEN), client_policy()).unwrap();
    let candidates = Arc::new(RecordingCandidates::default());
    let deps = Deps::new(asker.clone(), Arc::new(client), Store::open(path).unwrap())
        .with_candidates(candidates.clone())
        .with_status_interval(Duration::from_millis(50));
    let deps = match setup {
        Some(setup) => deps.with_setup(setup),
        None => deps,
    };
    let app = Application::build(c, deps).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let metrics_base = app.metrics_addr().map(|a| format!("http://{a}"));
    let state = app.state();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    TestApp {
        base,
        metrics_base,
        http: reqwest::Client::new(),
        state,
        asker,
        slack,
        candidates,
        stop: Some(tx),
        server: Some(server),
        _dir: None,
    }
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A slash command form body as Slack sends it.
pub fn command_body(user: &str, channel: &str, text: &str) -> String {
    command_body_with(user, channel, text, "https://hooks.slack.com/commands/T1/1/abc")
}

/// A slash command form body with its `response_url`.
pub fn command_body_with(user: &str, channel: &str, text: &str, response_url: &str) -> String {
    serde_urlencoded::to_string([
        ("token", "deprecated-verification-token"),
        ("team_id", "T1"),
        ("team_domain", "acme"),
        ("channel_id", channel),
        ("channel_name", "security"),
        ("user_id", user),
        ("user_name", "alice"),
        ("command", "/asklake"),
        ("text", text),
        ("api_app_id", "A1"),
        ("is_enterprise_install", "false"),
        ("response_url", response_url),
        ("trigger_id", &trigger_id()),
    ])
    .unwrap()
}

/// A `trigger_id` no other request in this test run carries, as Slack gives every invocation its own.
pub fn trigger_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("{}.1700000000.{:032x}", NEXT.fetch_add(1, Ordering::Relaxed), std::process::id())
}

/// An Events API callback wrapping `event`.
pub fn event_body(event_id: &str, event: Value) -> String {
    json!({
        "token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
        "event_id": event_id, "event_time": 1_700_000_000,
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": true, "enterprise_id": null}],
        "event": event,
    })
    .to_string()
}

/// A block_actions interaction form body for a button on an answer.
pub fn button_body(user: &str, channel: &str, action_id: &str, answer_id: &str) -> String {
    let surface = json!({
        "container": {"type": "message", "message_ts": "1700000000.000003", "channel_id": channel, "is_ephemeral": false},
        "channel": {"id": channel, "name": "security"},
        "response_url": "https://hooks.slack.com/actions/T1/1/abc",
    });
    block_actions_body(user, surface, "asklake_answer", action_id, answer_id)
}

/// The block_actions form body Slack sends when `user` presses button `action_id` (value `value`) in block
/// `block_id`; `surface` holds the fields of where the button was (`container`, `channel`, `view`, …).
pub fn block_actions_body(user: &str, surface: Value, block_id: &str, action_id: &str, value: &str) -> String {
    let mut payload = json!({
        "type": "block_actions",
        "team": {"id": "T1", "domain": "acme"},
        "user": {"id": user, "username": "alice", "team_id": "T1"},
        "api_app_id": "A1",
        "token": "x",
        "trigger_id": trigger_id(),
        "actions": [{"type": "button", "action_id": action_id, "block_id": block_id,
                     "text": {"type": "plain_text", "text": "x"}, "value": value, "action_ts": "1700000001.000"}],
    });
    if let (Some(payload), Value::Object(surface)) = (payload.as_object_mut(), surface) {
        payload.extend(surface);
    }
    serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap()
}

impl TestApp {
    /// Sends `body` to `path` signed at `ts` with `secret`, plus extra headers.
    pub async fn post_signed_with(
        &self,
        path: &str,
        body: &str,
        content_type: &str,
        ts: i64,
        secret: &str,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let ts = ts.to_string();
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .header(verify::TIMESTAMP_HEADER, &ts)
            .header(verify::SIGNATURE_HEADER, verify::sign(secret.as_bytes(), &ts, body.as_bytes()));
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        req.body(body.to_owned()).send().await.unwrap()
    }

    pub async fn post_command_body(&self, body: &str) -> reqwest::Response {
        self.post_signed_with("/slack/commands", body, "application/x-www-form-urlencoded", now(), SECRET, &[]).await
    }

    /// Sends a signed slash command whose `response_url` is served by the fake Slack.
    pub async fn post_command(&self, user: &str, channel: &str, text: &str) -> reqwest::Response {
        self.post_command_body(&command_body_with(user, channel, text, &self.slack.response_url("cmd"))).await
    }

    pub async fn post_event(&self, body: &str, extra: &[(&str, &str)]) -> reqwest::Response {
        self.post_signed_with("/slack/events", body, "application/json", now(), SECRET, extra).await
    }

    pub async fn post_interaction(&self, body: &str) -> reqwest::Response {
        self.post_signed_with("/slack/interactions", body, "application/x-www-form-urlencoded", now(), SECRET, &[])
            .await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    /// `GET /metrics` on the metrics listener, as text.
    pub async fn metrics(&self) -> String {
        let base = self.metrics_base.as_ref().expect("metrics are on ([server] metrics_bind)");
        let res = self.http.get(format!("{base}/metrics")).send().await.unwrap();
        assert_eq!(res.status(), 200, "GET /metrics on the metrics listener");
        res.text().await.unwrap()
    }

    /// Waits (up to 10 s) until the calls the fake Slack recorded satisfy `done`; returns them.
    pub async fn wait_for(&self, what: &str, done: impl Fn(&[Call]) -> bool) -> Vec<Call> {
        for _ in 0..200 {
            let calls = self.slack.calls();
            if done(&calls) {
                return calls;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for {what}; calls: {:#?}", self.slack.calls());
    }

    /// Waits until no answer or button task is running.
    pub async fn settle(&self) {
        for _ in 0..200 {
            if self.state.tasks.is_empty() {
                tokio::time::sleep(Duration::from_millis(30)).await;
                if self.state.tasks.is_empty() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("tasks did not finish");
    }

    /// Stops the server (as on SIGTERM) and waits for it to finish.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.server.take().unwrap().await.unwrap()
    }
}

/// A message Slack accepted (`chat.postMessage`).
#[derive(Debug, Clone)]
pub struct Post {
    /// Channel id.
    pub channel: String,
    /// Parent thread, when a reply.
    pub thread_ts: Option<String>,
    /// The `ts` Slack gave it.
    pub ts: String,
    /// The request body as JSON text (text, blocks, attachments).
    pub text: String,
}

/// Accepted posts (not updates) among `calls`, in order.
pub fn posts(calls: &[Call]) -> Vec<Post> {
    accepted(calls, "chat.postMessage")
        .map(|c| Post {
            channel: c.body["channel"].as_str().unwrap_or_default().to_owned(),
            thread_ts: c.body["thread_ts"].as_str().map(str::to_owned),
            ts: c.posted_ts().unwrap_or_default().to_owned(),
            text: c.text(),
        })
        .collect()
}

/// Accepted edits of the message `ts`, as JSON text, in order.
pub fn updates_of(calls: &[Call], ts: &str) -> Vec<String> {
    accepted(calls, "chat.update").filter(|c| c.body["ts"] == ts).map(Call::text).collect()
}

/// Accepted ephemeral messages among `calls`, as (user, JSON text).
pub fn ephemerals(calls: &[Call]) -> Vec<(String, String)> {
    accepted(calls, "chat.postEphemeral")
        .map(|c| (c.body["user"].as_str().unwrap_or_default().to_owned(), c.text()))
        .collect()
}

/// What was sent to slash commands' `response_url`s, as JSON text.
pub fn responses(calls: &[Call]) -> Vec<String> {
    accepted(calls, "response_url").map(Call::text).collect()
}

/// Accepted calls of `method` among `calls`.
pub fn accepted<'a>(calls: &'a [Call], method: &'a str) -> impl Iterator<Item = &'a Call> + 'a {
    calls.iter().filter(move |c| c.ok && c.method == method)
}

/// How many answers (messages with the feedback buttons) were posted.
pub fn answers_posted(calls: &[Call]) -> usize {
    posts(calls).iter().filter(|p| p.text.contains("feedback_up")).count()
}

/// Whether an answer (a message with the feedback buttons) was posted.
pub fn answer_posted(calls: &[Call]) -> bool {
    answers_posted(calls) > 0
}
