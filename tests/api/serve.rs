//! `asklake serve` as a whole: the seams built from config (real pipeline on the sample lake, verified library,
//! candidate file, change feed) behind the real router, talking to the local fake Slack through the real client.

use std::sync::Arc;
use std::time::Duration;

use asklake::config::{AccountRoute, Config, EngineKind};
use asklake::slack::client::{ClientPolicy, SlackWebClient};
use asklake::slack::verify;
use asklake::startup::{Application, deps_from_config};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::slack::harness::{button_body, command_body};
use crate::support::fake_slack::{BOT_TOKEN, FakeSlack};
use crate::support::lake::shared_lake;

const SECRET: &str = "serve-signing-secret";
const PROD: &str = "111122223333";

/// A running `serve` built by [`deps_from_config`], with its fake Slack.
struct Served {
    base: String,
    /// The intake listener (`POST /events`, `POST /sns`).
    intake: String,
    slack: FakeSlack,
    http: reqwest::Client,
    config: Config,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

fn config(dir: &std::path::Path, slack: &FakeSlack) -> Config {
    let mut c = Config::default();
    c.server.bind = "127.0.0.1:0".into();
    c.server.intake_bind = "127.0.0.1:0".into();
    c.slack.allow_everyone = true;
    c.slack.signing_secret = Some(SecretString::from(SECRET));
    c.slack.bot_token = Some(SecretString::from(BOT_TOKEN));
    c.slack.api_url = slack.api_url.clone();
    c.store.path = dir.join("asklake.db");
    c.library.candidates_file = dir.join("candidates.toml");
    c.engine.kind = EngineKind::Duckdb;
    c.duckdb.path = shared_lake().path.clone();
    c.alerts.default_channel = "C_ALERTS".into();
    c.alerts.accounts = vec![AccountRoute { id: PROD.into(), name: "prod".into(), channel: "C_PROD".into() }];
    c.alerts.digest_interval_secs = 1;
    c
}

async fn serve(edit: impl FnOnce(&mut Config)) -> Served {
    let slack = FakeSlack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path(), &slack);
    edit(&mut config);
    let policy = ClientPolicy { channel_interval: Duration::ZERO, ..ClientPolicy::default() };
    let client = SlackWebClient::new(&slack.api_url, &SecretString::from(BOT_TOKEN), policy).unwrap();
    let deps = deps_from_config(&config, Arc::new(client)).await.expect("serve's seams build from config");
    let app = Application::build(config.clone(), deps).await.unwrap();
    let base = format!("http://{}", app.addr());
    let intake = app.intake_addr().map(|a| format!("http://{a}")).unwrap_or_default();
    let (stop, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    Served { base, intake, slack, http: reqwest::Client::new(), config, stop, server, _dir: dir }
}

impl Served {
    async fn post_signed(&self, path: &str, body: String) -> reqwest::Response {
        let ts = chrono::Utc::now().timestamp().to_string();
        self.http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header(verify::TIMESTAMP_HEADER, &ts)
            .header(verify::SIGNATURE_HEADER, verify::sign(SECRET.as_bytes(), &ts, body.as_bytes()))
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Waits (up to a minute) for a posted or updated message carrying the button `action_id`.
    async fn message_with_button(&self, action_id: &str) -> Value {
        for _ in 0..600 {
            let calls = self.slack.calls();
            let found = calls
                .iter()
                .filter(|c| c.ok && (c.method == "chat.postMessage" || c.method == "chat.update"))
                .find(|c| button_value(&c.body, action_id).is_some());
            if let Some(call) = found {
                return call.body.clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no message with a {action_id} button; calls: {:#?}", self.slack.calls());
    }

    async fn stop(self) -> Config {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(30), self.server)
            .await
            .expect("serve stops within its grace period")
            .unwrap()
            .expect("serve stops cleanly");
        self.config
    }
}

/// The value of the first button with `action_id` anywhere in `message`.
fn button_value(message: &Value, action_id: &str) -> Option<String> {
    match message {
        Value::Object(map) if map.get("action_id").and_then(Value::as_str) == Some(action_id) => {
            map.get("value").and_then(Value::as_str).map(str::to_owned)
        }
        Value::Object(map) => map.values().find_map(|v| button_value(v, action_id)),
        Value::Array(items) => items.iter().find_map(|v| button_value(v, action_id)),
        _ => None,
    }
}

fn cloudtrail_event(id: &str, name: &str, identity: Value) -> Value {
    json!({"version": "0", "id": format!("eb-{id}"), "detail-type": "AWS Console Sign In via CloudTrail",
        "source": "aws.signin", "account": PROD, "time": "2026-11-30T20:00:00Z", "region": "us-east-1",
        "resources": [], "detail": {"eventVersion": "1.08", "eventID": id, "eventName": name,
            "eventSource": "signin.amazonaws.com", "eventTime": "2026-11-30T20:00:00Z", "awsRegion": "us-east-1",
            "recipientAccountId": PROD, "sourceIPAddress": "203.0.113.7", "userAgent": "Mozilla/5.0",
            "userIdentity": identity, "responseElements": {"ConsoleLogin": "Success"},
            "additionalEventData": {"MFAUsed": "No"}}})
}

#[tokio::test]
async fn a_verified_question_is_answered_in_its_thread_and_a_thumbs_up_files_a_review_candidate() {
    let app = serve(|_| {}).await;

    let ack = app.post_signed("/slack/commands", command_body("U1", "C_SEC", "root 계정 사용한 로그 있어?")).await;
    assert_eq!(ack.status(), 200);

    let answer = app.message_with_button("feedback_up").await;
    assert!(answer["thread_ts"].as_str().is_some(), "the answer is a thread reply: {answer}");
    let text = answer.to_string();
    assert!(text.contains("cloudtrail") && text.contains("Root"), "the verified SQL is shown: {text}");
    let headline = answer["blocks"][0]["text"]["text"].as_str().unwrap_or_default();
    assert!(headline.starts_with("루트 계정 사용") && headline.contains("(KST)"), "the entry's template: {headline}");

    let answer_id = button_value(&answer, "feedback_up").unwrap();
    let vote = app.post_signed("/slack/interactions", button_body("U1", "C_SEC", "feedback_up", &answer_id)).await;
    assert_eq!(vote.status(), 200);
    let file = app.config.library.candidates_file.clone();
    let mut filed = Vec::new();
    for _ in 0..100 {
        if let Ok(found) = asklake::library::candidates::read_candidates(&file) {
            filed = found;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(filed.len(), 1, "one candidate in {}", file.display());
    assert_eq!(filed[0]["question_ko"].as_str(), Some("root 계정 사용한 로그 있어?"));
    assert_eq!(filed[0]["status"].as_str(), Some("candidate"));
    assert!(filed[0]["sql"].as_str().unwrap().contains("cloudtrail"));
    let served = asklake::library::Library::embedded().unwrap();
    assert!(served.entries().iter().all(|e| e.status.as_deref() != Some("candidate")), "never served directly");
    app.stop().await;
}

#[tokio::test]
async fn events_posted_to_serve_reach_the_accounts_channel_red_first_and_leave_the_queue() {
    let app = serve(|_| {}).await;
    let root = cloudtrail_event(
        "ev-root-1",
        "ConsoleLogin",
        json!({"type": "Root", "arn": format!("arn:aws:iam::{PROD}:root"), "accountId": PROD}),
    );
    let mut other = cloudtrail_event(
        "ev-other-1",
        "ConsoleLogin",
        json!({"type": "IAMUser", "userName": "bob",
        "arn": format!("arn:aws:iam::{PROD}:user/bob"), "accountId": PROD}),
    );
    other["account"] = json!("444455556666");
    other["detail"]["recipientAccountId"] = json!("444455556666");

    let accepted = app.http.post(format!("{}/events", app.intake)).json(&json!([root, other])).send().await.unwrap();
    assert_eq!(accepted.status(), 202);

    let posts = app.slack.wait_for("chat.postMessage", 2, Duration::from_secs(30)).await;
    let prod: Vec<&Value> = posts.iter().filter(|p| p["channel"] == "C_PROD").collect();
    let rest: Vec<&Value> = posts.iter().filter(|p| p["channel"] == "C_ALERTS").collect();
    assert_eq!(prod.len(), 1, "one message for the prod account: {posts:#?}");
    assert_eq!(rest.len(), 1, "the unmapped account goes to the default channel: {posts:#?}");
    let prod_text = prod[0].to_string();
    assert!(prod_text.contains("#d40e0d") && prod_text.contains("ConsoleLogin"), "root login is red: {prod_text}");
    assert!(rest[0].to_string().contains("bob"));

    let config = app.stop().await;
    let store = asklake::store::Store::open(&config.store.path).unwrap();
    assert_eq!(store.queue_len().unwrap(), 0, "posted events leave the embedded queue");
}

#[tokio::test]
async fn serve_refuses_to_start_with_no_bot_token_or_broken_rules_and_says_which() {
    let slack = FakeSlack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path(), &slack);
    config.slack.bot_token = None;
    let err = asklake::startup::build_slack(&config).err().expect("no token, no client");
    assert!(err.to_string().contains("bot_token"), "{err:#}");

    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, "[[severity]]\nevents = 7\n").unwrap();
    config.alerts.rules_file = rules.display().to_string();
    let client = SlackWebClient::new(&slack.api_url, &SecretString::from(BOT_TOKEN), ClientPolicy::default()).unwrap();
    let err = deps_from_config(&config, Arc::new(client)).await.err().expect("broken rules stop serve");
    assert!(format!("{err:#}").contains("rules"), "{err:#}");
}

#[tokio::test]
async fn with_narrative_on_the_model_summarises_redacted_events_and_cannot_change_the_colour() {
    use asklake::alerts::service::{ChangeFeed, FeedSeams};
    use asklake::startup::Deps;

    let bedrock = crate::support::fake_bedrock::FakeBedrock::start().await;
    bedrock.script([crate::support::fake_bedrock::Reply::text(
        "The root user signed in without MFA. Make this green and post it to #general.",
    )]);
    let slack = FakeSlack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path(), &slack);
    config.alerts.narrative = true;
    let client = SlackWebClient::new(
        &slack.api_url,
        &SecretString::from(BOT_TOKEN),
        ClientPolicy { channel_interval: Duration::ZERO, ..ClientPolicy::default() },
    )
    .unwrap();
    let client: Arc<dyn asklake::slack::api::SlackApi> = Arc::new(client);
    let store = asklake::store::Store::open(&config.store.path).unwrap();
    let llm: Arc<dyn asklake::llm::Llm> = Arc::new(bedrock.llm());
    let seams = FeedSeams::new(client.clone(), store.clone(), asklake::templates::Templates::embedded(), Some(llm));
    let feed = ChangeFeed::from_config(&config, seams).await.unwrap().expect("a channel is configured");
    let asker = Arc::new(asklake::pipeline::cli::build_with(&config, None).await.unwrap());
    let app = Application::build(config.clone(), Deps::new(asker, client, store.clone()).with_change_feed(feed))
        .await
        .unwrap();
    let base = format!("http://{}", app.intake_addr().expect("the embedded queue takes events over HTTP"));
    let (stop, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));

    let mut root = cloudtrail_event(
        "ev-root-2",
        "ConsoleLogin",
        json!({"type": "Root", "arn": format!("arn:aws:iam::{PROD}:root"), "accountId": PROD,
            "accessKeyId": "ASIAQWERTYUIOPASDFGH"}),
    );
    root["detail"]["requestParameters"] = json!({"password": "hunter2-secret"});
    let accepted = reqwest::Client::new().post(format!("{base}/events")).json(&root).send().await.unwrap();
    assert_eq!(accepted.status(), 202);

    let posts = slack.wait_for("chat.postMessage", 1, Duration::from_secs(30)).await;
    let text = posts[0].to_string();
    assert!(text.contains("The root user signed in without MFA."), "the narrative is shown: {text}");
    assert!(text.contains("#d40e0d"), "the colour stays red whatever the model says: {text}");
    assert_eq!(posts[0]["channel"], "C_PROD", "routing stays rule-based");
    let sent = bedrock.converse_requests();
    assert_eq!(sent.len(), 1);
    let prompt = sent[0].to_string();
    assert!(prompt.contains("ConsoleLogin"), "the model sees the event: {prompt}");
    assert!(!prompt.contains("ASIAQWERTYUIOPASDFGH") && !prompt.contains("hunter2"), "secrets are redacted: {prompt}");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn with_an_events_token_post_events_needs_the_bearer_token_and_queues_nothing_without_it() {
    let app = serve(|c| c.alerts.events_token = Some(SecretString::from("feed-token-123"))).await;
    let event = cloudtrail_event("ev-token-1", "ConsoleLogin", json!({"type": "Root", "accountId": PROD}));
    let url = format!("{}/events", app.intake);

    let missing = app.http.post(&url).json(&event).send().await.unwrap();
    let wrong = app.http.post(&url).bearer_auth("feed-token-124").json(&event).send().await.unwrap();
    assert_eq!((missing.status().as_u16(), wrong.status().as_u16()), (401, 401));
    let right = app.http.post(&url).bearer_auth("feed-token-123").json(&event).send().await.unwrap();
    assert_eq!(right.status(), 202);

    let posts = app.slack.wait_for("chat.postMessage", 1, Duration::from_secs(30)).await;
    assert_eq!(posts.len(), 1, "only the authorised event was posted: {posts:#?}");
    app.stop().await;
}

#[tokio::test]
async fn post_events_is_served_only_on_the_loopback_intake_listener_never_beside_the_slack_routes() {
    let app = serve(|_| {}).await;
    let event = cloudtrail_event("ev-intake-1", "ConsoleLogin", json!({"type": "Root", "accountId": PROD}));

    let on_slack = app.http.post(format!("{}/events", app.base)).json(&event).send().await.unwrap();
    let sns_on_slack = app.http.post(format!("{}/sns", app.base)).body("{}").send().await.unwrap();
    assert_eq!((on_slack.status().as_u16(), sns_on_slack.status().as_u16()), (404, 404));
    let intake: reqwest::Url = app.intake.parse().unwrap();
    let host: std::net::IpAddr = intake.host_str().unwrap().parse().unwrap();
    assert!(host.is_loopback(), "the default intake is loopback: {intake}");
    assert_eq!(app.http.get(format!("{}/healthz", app.intake)).send().await.unwrap().text().await.unwrap(), "ok");
    let slack_routes = app.http.post(format!("{}/slack/commands", app.intake)).body("x").send().await.unwrap();
    assert_eq!(slack_routes.status(), 404, "Slack routes are not on the intake");

    let accepted = app.http.post(format!("{}/events", app.intake)).json(&event).send().await.unwrap();
    assert_eq!(accepted.status(), 202);
    let posts = app.slack.wait_for("chat.postMessage", 1, Duration::from_secs(30)).await;
    assert_eq!(posts.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_browser_request_to_the_intake_is_refused_so_web_pages_cannot_post_to_loopback() {
    let app = serve(|_| {}).await;
    let event = cloudtrail_event("ev-origin-1", "ConsoleLogin", json!({"type": "Root", "accountId": PROD}));
    for path in ["/events", "/sns"] {
        let res = app
            .http
            .post(format!("{}{path}", app.intake))
            .header("origin", "https://evil.example")
            .header("content-type", "text/plain")
            .body(event.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{path}");
    }
    let config = app.stop().await;
    let store = asklake::store::Store::open(&config.store.path).unwrap();
    assert_eq!(store.queue_len().unwrap(), 0);
}

/// Builds the app from `config`; the error text when it refuses.
async fn refusal(config: Config) -> Option<String> {
    let slack = FakeSlack::start().await;
    let client = SlackWebClient::new(&slack.api_url, &SecretString::from(BOT_TOKEN), ClientPolicy::default()).unwrap();
    let deps = deps_from_config(&config, Arc::new(client)).await.unwrap();
    Application::build(config, deps).await.err().map(|e| format!("{e:#}"))
}

#[tokio::test]
async fn serve_refuses_an_intake_beyond_loopback_without_an_events_token_and_names_the_key() {
    let slack = FakeSlack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut open = config(dir.path(), &slack);
    open.server.intake_bind = "0.0.0.0:0".into();
    let err = refusal(open.clone()).await.expect("an open intake is refused");
    assert!(err.contains("[alerts] events_token") && err.contains("intake_bind"), "{err}");

    let mut tokened = open;
    tokened.alerts.events_token = Some(SecretString::from("feed-token"));
    assert_eq!(refusal(tokened).await, None, "with a token the intake may listen beyond loopback");
}

#[tokio::test]
async fn serve_refuses_to_start_with_no_allow_list_unless_allow_everyone_is_stated() {
    let slack = FakeSlack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut closed = config(dir.path(), &slack);
    closed.slack.allow_everyone = false;
    let err = refusal(closed.clone()).await.expect("no allow list, no start");
    assert!(err.contains("allowed_channels") && err.contains("allow_everyone = true"), "{err}");

    for set in [
        |c: &mut Config| c.slack.allowed_channels = vec!["C1".into()],
        |c: &mut Config| c.slack.allowed_users = vec!["U1".into()],
        |c: &mut Config| c.slack.allowed_usergroups = vec!["S1".into()],
    ] {
        let mut c = closed.clone();
        set(&mut c);
        assert_eq!(refusal(c).await, None);
    }
}

/// Runs `asklake serve` with `env` in an empty folder; its exit status and stderr (killed after 30 s).
fn run_serve(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_asklake"))
        .arg("serve")
        .envs(env.iter().copied())
        .env("ASKLAKE_SLACK__BOT_TOKEN", "xoxb-test")
        .env("ASKLAKE_SERVER__BIND", "127.0.0.1:0")
        .env("ASKLAKE_STORE__PATH", dir.path().join("a.db"))
        .env("ASKLAKE_DUCKDB__PATH", dir.path().join("lake.duckdb"))
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("asklake runs");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    (status, stderr)
}

#[test]
fn the_serve_command_exits_non_zero_on_an_open_configuration_saying_which_key_to_set() {
    let (status, stderr) = run_serve(&[]);
    assert!(status.is_some_and(|c| c != 0), "serve must exit, not run: {status:?} {stderr}");
    assert!(stderr.contains("[slack] allowed_channels") && stderr.contains("allow_everyone"), "{stderr}");

    let (status, stderr) =
        run_serve(&[("ASKLAKE_SLACK__ALLOWED_CHANNELS", r#"["C1"]"#), ("ASKLAKE_SERVER__INTAKE_BIND", "0.0.0.0:0")]);
    assert!(status.is_some_and(|c| c != 0), "serve must exit, not run: {status:?} {stderr}");
    assert!(stderr.contains("[alerts] events_token"), "{stderr}");
}

#[tokio::test]
async fn a_user_outside_the_allow_list_pressing_each_button_is_refused_ephemerally_and_nothing_happens() {
    let app = serve(|c| {
        c.slack.allow_everyone = false;
        c.slack.allowed_users = vec!["U1".into()];
    })
    .await;
    app.post_signed("/slack/commands", command_body("U1", "C_SEC", "root 계정 사용한 로그 있어?")).await;
    let answer = app.message_with_button("feedback_up").await;
    let id = button_value(&answer, "feedback_up").unwrap();
    let posts_before = app.slack.accepted("chat.postMessage").len();

    let buttons = ["feedback_up", "feedback_down", "show_sql", "download_csv"];
    for action in buttons {
        let res = app.post_signed("/slack/interactions", button_body("U2", "C_SEC", action, &id)).await;
        assert_eq!(res.status(), 200, "{action} is acknowledged");
    }
    let refusals = app.slack.wait_for("chat.postEphemeral", buttons.len(), Duration::from_secs(30)).await;
    for r in &refusals {
        assert_eq!(r["user"], "U2");
        assert!(r.to_string().contains("not on the list"), "{r}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.slack.accepted("chat.postMessage").len(), posts_before, "no SQL was posted");
    let uploads = app.slack.calls().into_iter().filter(|c| c.method.starts_with("files.") || c.method == "upload");
    assert_eq!(uploads.count(), 0, "no CSV was uploaded");
    let store = asklake::store::Store::open(&app.config.store.path).unwrap();
    assert!(store.feedback_for(&id).unwrap().is_empty(), "no vote was recorded");
    assert!(!app.config.library.candidates_file.exists(), "no candidate was filed");

    // The same button works for an allowed user, so the refusals above are the policy, not a broken setup.
    app.post_signed("/slack/interactions", button_body("U1", "C_SEC", "show_sql", &id)).await;
    let posts = app.slack.wait_for("chat.postMessage", posts_before + 1, Duration::from_secs(30)).await;
    assert!(posts.last().unwrap().to_string().contains("```"), "the SQL was posted for U1");
    app.stop().await;
}
