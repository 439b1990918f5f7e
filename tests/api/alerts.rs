//! The CloudTrail change feed, black-box: moto SQS / the embedded queue → worker → the real Slack client → the
//! local fake Slack Web API.

use std::sync::Arc;
use std::time::Duration;

use asklake::alerts::group::Routing;
use asklake::alerts::queue::{AlertQueue, EmbeddedQueue, QueueError, QueueMessage};
use asklake::alerts::render::Renderer;
use asklake::alerts::rules::Rules;
use asklake::alerts::sqs::SqsQueue;
use asklake::alerts::worker::{Worker, WorkerSettings};
use asklake::config::{AccountRoute, AlertsConfig};
use asklake::slack::api::SlackApi;
use asklake::slack::client::{ClientPolicy, SlackWebClient};
use asklake::store::Store;
use asklake::templates::Templates;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::support::crash::HangOnDelete;
use crate::support::fake_slack::{BOT_TOKEN, FakeSlack, Fault};
use crate::support::moto;

const ACCOUNTS: [&str; 3] = ["111111111111", "222222222222", "333333333333"];

/// The production client policy, with quick transient backoff and no channel pacing (pacing has its own test in
/// `slack_client`).
fn client_policy() -> ClientPolicy {
    ClientPolicy {
        transient_backoff: Duration::from_millis(10),
        channel_interval: Duration::ZERO,
        request_timeout: Duration::from_secs(10),
        ..ClientPolicy::default()
    }
}

/// Wire calls one message takes before the worker gives up on it: the client's one try plus its retries, and
/// nothing above the client retries again.
fn wire_calls_per_failed_post() -> usize {
    (client_policy().max_retries + 1) as usize
}

fn alerts_config() -> AlertsConfig {
    let mut cfg =
        AlertsConfig { default_channel: "C_DEFAULT".into(), red_channel: "C_SECURITY".into(), ..Default::default() };
    for (i, id) in ACCOUNTS.iter().enumerate() {
        cfg.accounts.push(AccountRoute { id: (*id).into(), name: format!("acct-{i}"), channel: format!("C_ACCT{i}") });
    }
    cfg
}

fn worker(queue: Arc<dyn AlertQueue>, slack: &FakeSlack, store: Store, vis: Duration) -> Worker {
    worker_with(queue, slack, store, WorkerSettings { receivers: 3, visibility: vis, ..WorkerSettings::default() })
}

fn worker_with(queue: Arc<dyn AlertQueue>, slack: &FakeSlack, store: Store, settings: WorkerSettings) -> Worker {
    let client: Arc<dyn SlackApi> =
        Arc::new(SlackWebClient::new(&slack.api_url, &SecretString::from(BOT_TOKEN), client_policy()).unwrap());
    Worker::new(
        queue,
        client,
        store,
        Rules::defaults(),
        Routing::from_config(&alerts_config()),
        Renderer::new(Templates::embedded(), chrono_tz::Asia::Seoul, "en"),
        None,
        settings,
    )
}

/// A Terraform-made CreateRole in `account`, with a unique role name `tfrole-<i>-x` that shows in Slack.
fn terraform_event(i: usize, account: &str) -> String {
    json!({"version": "0", "id": format!("eb-{i}"), "detail-type": "AWS API Call via CloudTrail", "source": "aws.iam",
        "account": account, "time": "2026-11-22T05:00:00Z", "region": "us-east-1", "resources": [],
        "detail": {"eventVersion": "1.08", "eventID": format!("ct-{i:05}"), "eventName": "CreateRole",
            "eventSource": "iam.amazonaws.com", "eventTime": format!("2026-11-22T05:{:02}:{:02}Z", (i / 60) % 60, i % 60),
            "awsRegion": "us-east-1", "recipientAccountId": account,
            "userAgent": "APN/1.0 HashiCorp/1.0 Terraform/1.9.0 (+https://www.terraform.io) terraform-provider-aws/5.80.0",
            "userIdentity": {"type": "AssumedRole", "arn": format!("arn:aws:sts::{account}:assumed-role/deployer/tf"),
                "sessionContext": {"sessionIssuer": {"userName": "deployer"}}},
            "requestParameters": {"roleName": format!("tfrole-{i}-x")}}})
    .to_string()
}

fn storm(n: usize) -> Vec<String> {
    (0..n).map(|i| terraform_event(i, ACCOUNTS[i % 3])).collect()
}

/// How many times `tfrole-<i>-x` appears across all posts Slack accepted, per i.
fn sightings(posts: &[Value], n: usize) -> Vec<usize> {
    let text: String = posts.iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
    (0..n).map(|i| text.matches(&format!("tfrole-{i}-x")).count()).collect()
}

async fn sqs_setup(name: &str, vis: Duration) -> (aws_sdk_sqs::Client, String, Arc<dyn AlertQueue>) {
    let client = moto::sqs_client().await;
    let url = moto::create_queue(&client, name).await;
    let queue = Arc::new(SqsQueue::new(client.clone(), url.clone(), Duration::ZERO, vis));
    (client, url, queue)
}

#[tokio::test]
async fn a_terraform_storm_of_2000_events_posts_one_digest_per_account_and_every_event_exactly_once() {
    let (client, url, queue) = sqs_setup("storm", Duration::from_secs(60)).await;
    // Twenty EventBridge events per SQS message (a `{"Records": [...]}` batch) keeps moto quick.
    let batches: Vec<String> = storm(2_000)
        .chunks(20)
        .map(|c| json!({"Records": c.iter().map(|b| serde_json::from_str::<Value>(b).unwrap()["detail"].clone()).collect::<Vec<_>>()}).to_string())
        .collect();
    moto::send_all(&client, &url, &batches).await;
    let slack = FakeSlack::start().await;
    let w = worker(queue, &slack, Store::in_memory().unwrap(), Duration::from_secs(60));

    let out = w.drain_once().await.unwrap();

    let posts = slack.posts();
    let parents: Vec<_> = posts.iter().filter(|p| p["thread_ts"].is_null()).collect();
    assert_eq!(parents.len(), 3, "one digest per account");
    let mut channels: Vec<_> = parents.iter().map(|p| p["channel"].as_str().unwrap()).collect();
    channels.sort();
    assert_eq!(channels, ["C_ACCT0", "C_ACCT1", "C_ACCT2"]);
    assert!(posts.iter().any(|p| p["thread_ts"].is_string()), "overflow goes to the thread");
    assert!(slack.calls().iter().all(|c| c.ok), "Slack refused no message of the storm");
    assert!(sightings(&posts, 2_000).iter().all(|&n| n == 1), "every event visible exactly once");
    // SQS is at-least-once (and moto's concurrent receives can hand one message out twice): a repeated message is
    // counted as duplicates and posted once. Deleting it with the older of its two receipts may be refused, but
    // every message is deleted through one of them, so the queue ends empty.
    assert!(out.received >= 100, "{out:?}");
    assert_eq!((out.alerted, out.parsed - out.duplicates), (2_000, 2_000), "{out:?}");
    assert!((100..=out.received).contains(&out.deleted), "{out:?}");
    assert_eq!(out.duplicates, (out.received - 100) * 20, "{out:?}");
    assert_eq!(moto::depth(&client, &url).await, 0);
}

#[tokio::test]
async fn slack_429_and_500_mid_batch_lose_nothing_and_double_nothing() {
    let (client, url, queue) = sqs_setup("flaky", Duration::from_secs(60)).await;
    moto::send_all(&client, &url, &storm(300)).await;
    let slack = FakeSlack::start().await;
    // Call 2 is rate limited (retried after Retry-After); from call 4 on, 500s exhaust one message's budget.
    slack.fail_call("chat.postMessage", 2, Fault::RateLimited(1));
    for n in 4..4 + wire_calls_per_failed_post() {
        slack.fail_call("chat.postMessage", n, Fault::ServerError);
    }
    let w = worker(queue, &slack, Store::in_memory().unwrap(), Duration::from_secs(60));

    let first = w.drain_once().await.unwrap();
    assert!(first.failed_posts >= 1 && first.released > 0, "{first:?}");
    let second = w.drain_once().await.unwrap();

    assert_eq!(second.failed_posts, 0, "{second:?}");
    assert!(sightings(&slack.posts(), 300).iter().all(|&n| n == 1), "nothing lost, nothing doubled");
    assert_eq!(first.alerted + second.alerted, 300);
    assert_eq!(moto::depth(&client, &url).await, 0);
}

#[tokio::test]
async fn a_429_storm_costs_each_message_one_try_plus_the_clients_retries_and_loses_nothing() {
    let (client, url, queue) = sqs_setup("storm429", Duration::from_secs(60)).await;
    moto::send_all(&client, &url, &storm(30)).await;
    let slack = FakeSlack::start().await;
    // Three digests (one per account), every try of each refused until the budget is spent; then Slack recovers.
    let budget = wire_calls_per_failed_post();
    slack.fail_next("chat.postMessage", Fault::RateLimited(0), 3 * budget);
    let w = worker(queue, &slack, Store::in_memory().unwrap(), Duration::from_secs(60));

    let first = w.drain_once().await.unwrap();

    let calls = slack.calls_of("chat.postMessage");
    // At-least-once receives (moto can hand a message to two concurrent receivers): a repeat is a duplicate.
    assert_eq!((first.failed_posts, first.alerted), (3, 0), "{first:?}");
    assert_eq!((first.released, first.received - first.duplicates), (first.received, 30), "all given back: {first:?}");
    assert_eq!(calls.len(), 3 * budget, "at most 1 + max_retries calls per message: {calls:#?}");
    let per_channel = |ch: &str| calls.iter().filter(|c| c.body["channel"] == ch).count();
    assert!(["C_ACCT0", "C_ACCT1", "C_ACCT2"].iter().all(|ch| per_channel(ch) == budget));
    assert!(slack.posts().is_empty());

    let second = w.drain_once().await.unwrap();

    assert_eq!((second.failed_posts, second.alerted), (0, 30), "{second:?}");
    assert!(sightings(&slack.posts(), 30).iter().all(|&n| n == 1), "nothing lost, nothing doubled");
    assert_eq!(moto::depth(&client, &url).await, 0);
}

#[tokio::test]
async fn a_message_that_cannot_be_handled_is_left_for_the_sqs_dead_letter_queue_while_its_neighbours_are_posted() {
    let client = moto::sqs_client().await;
    let (url, dlq) = moto::create_queue_with_dlq(&client, "redrive", 2).await;
    let vis = Duration::from_secs(1);
    let queue: Arc<dyn AlertQueue> = Arc::new(SqsQueue::new(client.clone(), url.clone(), Duration::ZERO, vis));
    let good: Value = serde_json::from_str(&terraform_event(7, ACCOUNTS[0])).unwrap();
    let mixed = json!({"Records": [good["detail"], {"eventID": "ct-broken", "eventTime": "yesterday"}]});
    let insight =
        json!({"detail-type": "AWS Insight via CloudTrail", "account": ACCOUNTS[1], "detail": {"eventID": "in-1"}});
    let mut bodies = vec!["{not json".to_owned(), mixed.to_string(), insight.to_string()];
    bodies.extend(storm(3));
    moto::send_all(&client, &url, &bodies).await;
    let slack = FakeSlack::start().await;
    // One receiver: receive counts are what this test is about, and moto can hand a message to two concurrent
    // receivers at once, which would count one receive twice.
    let settings = WorkerSettings { receivers: 1, visibility: vis, ..WorkerSettings::default() };
    let w = worker_with(queue, &slack, Store::in_memory().unwrap(), settings);

    let first = w.drain_once().await.unwrap();

    assert_eq!((first.alerted, first.unparseable, first.broken_records, first.skipped), (4, 1, 1, 1), "{first:?}");
    assert_eq!((first.left, first.deleted), (2, 4), "garbage and the half-broken message stay: {first:?}");
    assert_eq!(moto::depth(&client, &url).await, 2);
    for _ in 0..2 {
        tokio::time::sleep(vis + Duration::from_millis(600)).await;
        let again = w.drain_once().await.unwrap();
        assert_eq!((again.alerted, again.deleted), (0, 0), "never deleted, never posted twice: {again:?}");
    }

    assert_eq!(moto::depth(&client, &dlq).await, 2, "moved by the redrive policy after two receives");
    assert_eq!(moto::depth(&client, &url).await, 0);
    // The three storm events and the good record beside the broken one (event 7), each once.
    assert_eq!(sightings(&slack.posts(), 8), [1, 1, 1, 0, 0, 0, 0, 1]);
}

#[tokio::test]
async fn the_embedded_queue_moves_an_unhandled_message_to_its_dead_letters_and_the_cli_replays_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = asklake::config::Config::default();
    config.store.path = dir.path().join("feed.db");
    config.alerts = alerts_config();
    config.alerts.max_receives = 2;
    let store = Store::open(&config.store.path).unwrap();
    let queue = EmbeddedQueue::new(store.clone(), Duration::from_millis(50)).with_max_receives(2);
    queue.push(&["{not json".to_owned(), terraform_event(1, ACCOUNTS[0])]).unwrap();
    let slack = FakeSlack::start().await;
    let w = worker(Arc::new(queue), &slack, store.clone(), Duration::from_millis(50));

    let mut left = 0;
    for _ in 0..3 {
        left += w.drain_once().await.unwrap().left;
        tokio::time::sleep(Duration::from_millis(120)).await;
    }

    assert_eq!(left, 2, "left twice, never deleted");
    let dead = store.dead_letters().unwrap();
    assert_eq!(dead.len(), 1);
    let line = asklake::alerts::cli::dead_letter_line(&dead[0]);
    assert!(line.contains("receives 2") && line.contains("cannot be read: body is not JSON"), "{line}");
    assert!(!line.contains("{not json"), "the body is not printed: {line}");
    assert_eq!((store.queue_len().unwrap(), slack.posts().len()), (0, 1));

    let code = asklake::alerts::cli::run(&config, asklake::cli::AlertsCommand::DeadLetters { replay: true }).await;

    assert!(code.is_ok());
    assert!(store.dead_letters().unwrap().is_empty());
    assert_eq!(store.queue_len().unwrap(), 1, "back in the queue for another try");
}

/// Over three hours of tokio's paused clock (the fake Slack answers over loopback in no paused time), a channel the
/// bot was never invited to gets a handful of tries on the production schedule (15 min doubling to 1 h), not one
/// per 2 s poll, and the admin channel gets one notice.
#[tokio::test(start_paused = true)]
async fn a_channel_asklake_is_not_in_is_retried_a_few_times_in_three_hours_and_the_admin_told_once() {
    let queue = Arc::new(crate::support::memory_queue::MemoryQueue::new(Duration::from_secs(120)));
    queue.push(&[terraform_event(1, ACCOUNTS[0]), terraform_event(2, ACCOUNTS[1])]);
    let slack = FakeSlack::start().await;
    slack.not_a_member_of("C_ACCT0");
    let settings = WorkerSettings { receivers: 1, ..WorkerSettings::default() };
    let w = Arc::new(worker_with(queue.clone(), &slack, Store::in_memory().unwrap(), settings));
    let stop = tokio_util::sync::CancellationToken::new();
    let run = {
        let (w, stop) = (w.clone(), stop.clone());
        tokio::spawn(
            async move { w.run(Duration::from_secs(2), Duration::from_secs(300), stop.cancelled_owned()).await },
        )
    };

    tokio::time::sleep(Duration::from_secs(3 * 3600)).await;

    let tries = slack.calls_of("chat.postMessage").iter().filter(|c| c.body["channel"] == "C_ACCT0").count();
    assert!((3..=6).contains(&tries), "{tries} tries in 3 h, not one per poll");
    let notices = slack.posts_in("C_DEFAULT");
    assert_eq!(notices.len(), 1, "told once: {notices:#?}");
    assert!(notices[0].to_string().contains("/invite @asklake"), "{}", notices[0]);
    assert_eq!(slack.posts_in("C_ACCT1").len(), 1, "other channels go on");
    assert_eq!(queue.len(), 1, "the refused channel's message is kept");
    stop.cancel();
    run.await.unwrap();
}

#[tokio::test]
async fn a_worker_killed_after_posting_but_before_deleting_redelivers_without_duplicate_posts() {
    let vis = Duration::from_secs(2);
    let (client, url, queue) = sqs_setup("killed", vis).await;
    moto::send_all(&client, &url, &storm(40)).await;
    let slack = FakeSlack::start().await;
    let store = Store::in_memory().unwrap();
    let doomed = worker(Arc::new(HangOnDelete(queue.clone())), &slack, store.clone(), vis);
    assert!(
        tokio::time::timeout(Duration::from_secs(3), doomed.drain_once()).await.is_err(),
        "drain should hang on delete"
    );
    drop(doomed);
    let posts_before = slack.posts().len();
    assert!(posts_before > 0);
    assert_eq!(moto::depth(&client, &url).await, 40, "nothing was deleted");

    tokio::time::sleep(vis + Duration::from_millis(500)).await;
    let restarted = worker(queue, &slack, store, vis);
    // The doomed worker received its batches one after another, so their visibility runs out one after another
    // too: drain until every message has come back (each drain is one receive round).
    let mut duplicates = 0;
    let mut outcomes = Vec::new();
    for _ in 0..10 {
        let out = restarted.drain_once().await.unwrap();
        duplicates += out.duplicates;
        outcomes.push(out);
        if duplicates >= 40 || moto::depth(&client, &url).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    assert!(duplicates >= 40, "SQS may redeliver a message twice, never lose one: {outcomes:?}");
    assert_eq!(slack.posts().len(), posts_before, "no duplicate posts");
    assert_eq!(moto::depth(&client, &url).await, 0);
}

#[tokio::test]
async fn red_events_are_posted_immediately_apart_from_the_digest_and_copied_to_the_red_channel() {
    let store = Store::in_memory().unwrap();
    let queue = EmbeddedQueue::new(store.clone(), Duration::from_secs(60));
    let mut bodies = storm(3);
    let mut red: Value = serde_json::from_str(&terraform_event(99, ACCOUNTS[0])).unwrap();
    red["detail"]["eventName"] = json!("StopLogging");
    red["detail"]["eventSource"] = json!("cloudtrail.amazonaws.com");
    red["detail"]["userAgent"] = json!("aws-cli/2.15.0");
    bodies.push(red.to_string());
    queue.push(&bodies).unwrap();
    let slack = FakeSlack::start().await;
    let w = worker(Arc::new(queue), &slack, store.clone(), Duration::from_secs(60));

    let out = w.drain_once().await.unwrap();

    let posts = slack.posts();
    let first = posts[0].to_string();
    assert!(first.contains("StopLogging") && first.contains("#d40e0d"), "red first: {first}");
    assert_eq!(posts[0]["channel"], "C_ACCT0");
    assert_eq!(posts[1]["channel"], "C_SECURITY");
    assert_eq!(out.posts, 5, "red + copy + three digests");
    assert_eq!(store.queue_len().unwrap(), 0);
}

mod http {
    use super::*;
    use asklake::alerts::http::{AlertsHttpState, router};
    use asklake::alerts::sns::SnsFetcher;

    struct LocalCert;

    #[async_trait::async_trait]
    impl SnsFetcher for LocalCert {
        async fn certificate(&self, _url: &str) -> anyhow::Result<String> {
            Ok(include_str!("../../src/alerts/fixtures/sns_test_cert.pem").to_owned())
        }
        async fn confirm(&self, _url: &str) -> anyhow::Result<()> {
            Ok(())
        }
    }

    async fn serve(store: &Store, topics: Vec<String>) -> String {
        let state = AlertsHttpState {
            queue: EmbeddedQueue::new(store.clone(), Duration::from_secs(60)),
            sns_topics: Arc::new(topics),
            sns: Arc::new(LocalCert),
            events_token: None,
            // The fixtures were signed at 2026-11-22T01:00:0xZ; SNS messages count for an hour.
            clock: Arc::new(|| "2026-11-22T01:05:00Z".parse().unwrap()),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router(state)).await.unwrap() });
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn posted_events_in_every_envelope_are_queued_and_bad_json_gets_a_clear_400() {
        let store = Store::in_memory().unwrap();
        let base = serve(&store, vec![]).await;
        let http = reqwest::Client::new();
        let one: Value = serde_json::from_str(&terraform_event(1, ACCOUNTS[0])).unwrap();
        let sns = json!({"Type": "Notification", "Message": terraform_event(2, ACCOUNTS[1])});
        let records = json!({"Records": [one["detail"].clone(), serde_json::from_str::<Value>(&terraform_event(3, ACCOUNTS[2])).unwrap()["detail"]]});

        for (body, want) in [(one.clone(), 1), (json!([one, sns]), 2), (records, 2)] {
            let r = http.post(format!("{base}/events")).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 202);
            assert_eq!(r.json::<Value>().await.unwrap()["queued"], want);
        }
        let bad = http.post(format!("{base}/events")).body("{oops").send().await.unwrap();
        assert_eq!(bad.status(), 400);
        assert!(bad.text().await.unwrap().contains("not valid JSON"));
        let odd = http.post(format!("{base}/events")).json(&json!({"hello": 1})).send().await.unwrap();
        assert_eq!(odd.status(), 400);
        assert_eq!(store.queue_len().unwrap(), 5);
    }

    #[tokio::test]
    async fn sns_notifications_are_verified_and_only_allowlisted_topics_accepted() {
        let store = Store::in_memory().unwrap();
        let topic = "arn:aws:sns:us-east-1:111122223333:cloudtrail-feed".to_owned();
        let base = serve(&store, vec![topic]).await;
        let http = reqwest::Client::new();
        let note: Value =
            serde_json::from_str(include_str!("../../src/alerts/fixtures/sns_notification_v1.json")).unwrap();
        let confirm: Value =
            serde_json::from_str(include_str!("../../src/alerts/fixtures/sns_confirmation_v2.json")).unwrap();

        let ok = http.post(format!("{base}/sns")).json(&note).send().await.unwrap();
        assert_eq!(ok.status(), 202);
        let c = http.post(format!("{base}/sns")).json(&confirm).send().await.unwrap();
        assert_eq!(c.status(), 200);
        let mut forged = note.clone();
        forged["Message"] = json!(forged["Message"].as_str().unwrap().replace("mallory", "alice"));
        assert_eq!(http.post(format!("{base}/sns")).json(&forged).send().await.unwrap().status(), 401);
        let mut other = note;
        other["TopicArn"] = json!("arn:aws:sns:us-east-1:999999999999:other");
        assert_eq!(http.post(format!("{base}/sns")).json(&other).send().await.unwrap().status(), 403);
        assert_eq!(store.queue_len().unwrap(), 1);
    }
}

#[tokio::test]
async fn a_delete_refused_for_one_receipt_still_deletes_the_rest_and_reports_both_counts() {
    let (client, url, queue) = sqs_setup("stale-receipt", Duration::from_secs(60)).await;
    moto::send_all(&client, &url, &[terraform_event(1, "111111111111"), terraform_event(2, "111111111111")]).await;
    let mut got = Vec::new();
    while got.len() < 2 {
        got.extend(queue.receive(10).await.unwrap());
    }
    // A receipt SQS does not know: a sender fault, which fails the same way every time.
    let bogus = QueueMessage { receipt: "not-a-receipt-handle".into(), ..got[0].clone() };

    let err = queue.delete(&[got[0].clone(), bogus, got[1].clone()]).await.unwrap_err();

    assert!(matches!(err, QueueError::PartialDelete { deleted: 2, failed: 1, total: 3 }), "{err:?}");
    assert_eq!(moto::depth(&client, &url).await, 0, "both real receipts deleted their messages");
}
