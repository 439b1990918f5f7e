//! Two instances at once: two real `asklake serve` processes share one fake Slack, one moto (the SQS queue and
//! the DynamoDB claims table) and one fake Bedrock, as two ECS tasks share Slack, the queue and the table.
//! A Slack retry that reaches the other process posts nothing twice; a queue message the other process gets
//! after a visibility timeout posts nothing twice; a thread follow-up that reaches the other process is answered
//! with the thread's earlier turn in the model's prompt.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use asklake::slack::verify;
use serde_json::{Value, json};

use crate::slack::harness::{answers_posted, event_body};
use crate::support::fake_bedrock::{FakeBedrock, Reply};
use crate::support::fake_slack::{BOT_TOKEN, FakeSlack};
use crate::support::lake::shared_lake;
use crate::support::moto;

const SECRET: &str = "ha-signing-secret";
const CHANNEL: &str = "C_SEC";
const ALERTS: &str = "C_ALERTS";
const QUESTION: &str = "root 계정 사용한 로그 있어?";

/// What both processes share.
struct Shared {
    slack: FakeSlack,
    bedrock: FakeBedrock,
    queue_url: String,
    table: String,
}

impl Shared {
    async fn start() -> Self {
        let slack = FakeSlack::start().await;
        let bedrock = FakeBedrock::start().await;
        let sqs = moto::sqs_client().await;
        let queue_url = moto::create_queue(&sqs, "ha").await;
        let table = claims_table().await;
        Self { slack, bedrock, queue_url, table }
    }
}

/// A fresh claims table on moto, shaped as deploy/asklake.yaml makes it.
async fn claims_table() -> String {
    use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
    let client = aws_sdk_dynamodb::Client::new(&moto_sdk().await);
    let name = format!("asklake-claims-{}", uuid::Uuid::new_v4().simple());
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap(),
        )
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .send()
        .await
        .expect("create the claims table on moto");
    name
}

async fn moto_sdk() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(moto::moto().endpoint.clone())
        .credentials_provider(aws_credential_types::Credentials::new("test", "test", None, None, "static"))
        .load()
        .await
}

/// One `asklake serve` process.
struct Instance {
    child: Child,
    base: String,
    dir: tempfile::TempDir,
    http: reqwest::Client,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

impl Instance {
    /// Starts `asklake serve` named `name` with its own store, coordinated through `shared`'s claims table (none
    /// when `ha` is false), and waits until it answers `/healthz`.
    async fn start(name: &str, shared: &Shared, ha: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_asklake"));
        cmd.arg("serve")
            .current_dir(dir.path())
            .env("ASKLAKE_SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("ASKLAKE_SERVER__INTAKE_BIND", "127.0.0.1:0")
            .env("ASKLAKE_SLACK__BOT_TOKEN", BOT_TOKEN)
            .env("ASKLAKE_SLACK__SIGNING_SECRET", SECRET)
            .env("ASKLAKE_SLACK__API_URL", &shared.slack.api_url)
            .env("ASKLAKE_SLACK__ALLOW_EVERYONE", "true")
            .env("ASKLAKE_STORE__PATH", dir.path().join("asklake.db"))
            .env("ASKLAKE_LIBRARY__CANDIDATES_FILE", dir.path().join("candidates.toml"))
            .env("ASKLAKE_DUCKDB__PATH", &shared_lake().path)
            .env("ASKLAKE_LLM__PROVIDER", "bedrock")
            .env("ASKLAKE_LLM__ENDPOINT_URL", &shared.bedrock.url)
            .env("ASKLAKE_LLM__TIMEOUT_SECS", "5")
            .env("ASKLAKE_AWS__REGION", "us-east-1")
            .env("ASKLAKE_AWS__ENDPOINT_URL", &moto::moto().endpoint)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("ASKLAKE_ALERTS__QUEUE", "sqs")
            .env("ASKLAKE_ALERTS__SQS_QUEUE_URL", &shared.queue_url)
            .env("ASKLAKE_ALERTS__DEFAULT_CHANNEL", ALERTS)
            .env("ASKLAKE_ALERTS__VISIBILITY_TIMEOUT_SECS", "2")
            .env("ASKLAKE_ALERTS__DIGEST_INTERVAL_SECS", "2")
            .env("ASKLAKE_HA__INSTANCE_ID", name)
            .env_remove("ASKLAKE_CONFIG")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        if ha {
            cmd.env("ASKLAKE_HA__CLAIMS_TABLE", &shared.table);
        }
        let child = cmd.spawn().expect("asklake serve starts");
        let instance = Self { child, base: format!("http://127.0.0.1:{port}"), dir, http: reqwest::Client::new() };
        instance.wait_healthy().await;
        instance
    }

    async fn wait_healthy(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        while tokio::time::Instant::now() < deadline {
            if let Ok(r) = self.http.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("serve did not come up:\n{}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("serve.log")).unwrap_or_default()
    }

    /// Delivers an Events API body as Slack does (signed); `retry` sets `X-Slack-Retry-Num`.
    async fn event(&self, body: &str, retry: Option<u32>) {
        let ts = chrono::Utc::now().timestamp().to_string();
        let mut req = self
            .http
            .post(format!("{}/slack/events", self.base))
            .header("content-type", "application/json")
            .header(verify::TIMESTAMP_HEADER, &ts)
            .header(verify::SIGNATURE_HEADER, verify::sign(SECRET.as_bytes(), &ts, body.as_bytes()));
        if let Some(n) = retry {
            req = req.header("x-slack-retry-num", n.to_string()).header("x-slack-retry-reason", "http_timeout");
        }
        let res = req.body(body.to_owned()).send().await.expect("serve answers");
        assert_eq!(res.status(), 200, "the event is acknowledged");
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill").arg(format!("-{signal}")).arg(self.child.id().to_string()).status().unwrap();
        assert!(status.success(), "kill -{signal}");
    }

    /// Stops the process as ECS does (SIGTERM) and waits for it to exit.
    async fn terminate(mut self) -> String {
        self.signal("TERM");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while self.child.try_wait().unwrap().is_none() {
            assert!(tokio::time::Instant::now() < deadline, "serve did not stop:\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.log()
    }
}

/// An @mention of asklake that a person posted in `CHANNEL` (so Slack holds it as a thread root).
fn mention(slack: &FakeSlack, event_id: &str) -> (String, String) {
    let text = format!("<@UBOT> {QUESTION}");
    let ts = slack.user_message(CHANNEL, "U1", &text, None);
    let event = json!({"type": "app_mention", "user": "U1", "channel": CHANNEL, "text": text, "ts": ts});
    (event_body(event_id, event), ts)
}

async fn wait_answers(slack: &FakeSlack, n: usize, logs: &[&Instance]) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while answers_posted(&slack.calls()) < n {
        let logs: Vec<String> = logs.iter().map(|i| i.log()).collect();
        assert!(tokio::time::Instant::now() < deadline, "expected {n} answers: {:#?}\n{logs:#?}", slack.calls());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_slack_retry_delivered_to_the_other_instance_is_answered_once() {
    let shared = Shared::start().await;
    let (a, b) = tokio::join!(Instance::start("a", &shared, true), Instance::start("b", &shared, true));
    let (body, _) = mention(&shared.slack, "EvRETRY0001");

    a.event(&body, None).await;
    b.event(&body, Some(1)).await;
    wait_answers(&shared.slack, 1, &[&a, &b]).await;
    // Time for a second answer to show, had the other instance taken the retry.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let calls = shared.slack.calls();
    assert_eq!(answers_posted(&calls), 1, "one answer for one question:\n{}\n{}", a.log(), b.log());
    let statuses = shared.slack.posts().iter().filter(|p| p.to_string().contains("⏳")).count();
    assert_eq!(statuses, 1, "one instance worked on it");
}

#[tokio::test]
async fn a_queue_message_redelivered_to_the_other_instance_after_a_visibility_timeout_is_posted_once() {
    let shared = Shared::start().await;
    let sqs = moto::sqs_client().await;
    let a = Instance::start("a", &shared, true).await;
    moto::send_all(&sqs, &shared.queue_url, &[create_user_event("ct-ha-0001", "ha-probe-user")]).await;
    // Instance a takes the message and holds it for its digest; then it stalls (a frozen task) and its
    // visibility runs out.
    wait_in_flight(&sqs, &shared.queue_url).await;
    a.signal("STOP");

    let b = Instance::start("b", &shared, true).await;
    let posted = shared.slack.wait_for("chat.postMessage", 1, Duration::from_secs(60)).await;
    assert!(posted[0].to_string().contains("ha-probe-user"), "b posted the event: {}", posted[0]);
    // a wakes up and stops: on the way out it posts the digest it held, unless b's post is known.
    a.signal("CONT");
    let a_log = a.terminate().await;

    let mentions = shared.slack.posts().iter().filter(|p| p.to_string().contains("ha-probe-user")).count();
    assert_eq!(mentions, 1, "the event was posted once:\n{a_log}\n{}", b.log());
    assert_eq!(moto::depth(&sqs, &shared.queue_url).await, 0, "the message left the queue:\n{}", b.log());
}

#[tokio::test]
async fn a_thread_follow_up_received_by_the_other_instance_is_answered_with_the_threads_context() {
    let shared = Shared::start().await;
    let (a, b) = tokio::join!(Instance::start("a", &shared, true), Instance::start("b", &shared, true));
    let (body, root) = mention(&shared.slack, "EvTHREAD0001");
    a.event(&body, None).await;
    wait_answers(&shared.slack, 1, &[&a, &b]).await;
    let first = shared.bedrock.converse_requests().len();
    shared.bedrock.script([Reply::decline("test"), Reply::decline("test"), Reply::decline("test")]);

    let follow_up = "그 중에서 어제 것만 보여줘";
    let ts = shared.slack.user_message(CHANNEL, "U1", follow_up, Some(&root));
    let event = json!({"type": "message", "user": "U1", "channel": CHANNEL, "channel_type": "channel",
        "text": follow_up, "ts": ts, "thread_ts": root});
    b.event(&event_body("EvTHREAD0002", event), None).await;
    wait_answers(&shared.slack, 2, &[&a, &b]).await;

    let answers: Vec<Value> =
        shared.slack.posts().into_iter().filter(|p| p.to_string().contains("feedback_up")).collect();
    assert_eq!(answers[1]["thread_ts"], root.as_str(), "b answered in the thread");
    let prompts = shared.bedrock.converse_requests();
    assert!(prompts.len() > first, "b asked the model:\n{}", b.log());
    let prompt = prompts[first..].iter().map(Value::to_string).collect::<String>();
    let history = prompt.split("<history>").nth(1).and_then(|h| h.split("</history>").next()).unwrap_or_default();
    assert!(history.contains(QUESTION), "the earlier turn, answered by a, is in b's prompt: {prompt}");
    assert!(prompt.contains(follow_up));
    let store = asklake::store::Store::open(&b.dir.path().join("asklake.db")).unwrap();
    let thread = store.thread(CHANNEL, &root).unwrap().expect("b knows the thread now");
    assert_eq!(thread.history.len(), 2, "a's turn read back from Slack, then b's own");
    assert_eq!(thread.history[0].question, QUESTION);
    drop(a);
}

/// A console-made CreateUser in the default account (yellow: held for the digest, not posted at once).
fn create_user_event(id: &str, user: &str) -> String {
    json!({"version": "0", "id": format!("eb-{id}"), "detail-type": "AWS API Call via CloudTrail", "source": "aws.iam",
        "account": "111122223333", "time": "2026-11-30T20:00:00Z", "region": "us-east-1", "resources": [],
        "detail": {"eventVersion": "1.08", "eventID": id, "eventName": "CreateUser",
            "eventSource": "iam.amazonaws.com", "eventTime": "2026-11-30T20:00:00Z", "awsRegion": "us-east-1",
            "recipientAccountId": "111122223333", "sourceIPAddress": "203.0.113.7",
            "userAgent": "AWS Internal", "requestParameters": {"userName": user},
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice", "userName": "alice"}}})
    .to_string()
}

/// Waits until the queue's one message is held by a receiver (received, not yet deleted).
async fn wait_in_flight(sqs: &aws_sdk_sqs::Client, url: &str) {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let out = sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap();
        let held = out.attributes().and_then(|a| a.get(&A::ApproximateNumberOfMessagesNotVisible)).cloned();
        if held.as_deref() == Some("1") {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "the message was never received");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn doctor_passes_a_claims_table_it_can_write_and_names_the_fix_for_a_missing_one() {
    use asklake::doctor::{AwsClients, Outcome};
    use asklake::ha::dynamo::DynamoClaims;
    let sdk = moto_sdk().await;
    let table = claims_table().await;
    let mut aws = AwsClients::from_sdk_config(&sdk, None);

    aws.claims = Some(DynamoClaims::new(aws_sdk_dynamodb::Client::new(&sdk), &table, "doctor"));
    let healthy = aws.claims_table().await;
    aws.claims = Some(DynamoClaims::new(aws_sdk_dynamodb::Client::new(&sdk), "no-such-table", "doctor"));
    let missing = aws.claims_table().await;

    assert!(matches!(&healthy, Outcome::Pass(seen) if seen.contains(&table)), "{healthy:?}");
    match missing {
        Outcome::Fail { problem, fix } => {
            assert!(problem.contains("claims table"), "{problem}");
            assert!(fix.contains("ClaimsTable") && fix.contains("dynamodb:PutItem"), "{fix}");
        }
        other => panic!("a missing table must fail: {other:?}"),
    }
}

#[tokio::test]
async fn a_claim_in_the_shared_table_is_exclusive_until_released_finished_or_expired() {
    use asklake::ha::dynamo::DynamoClaims;
    use asklake::ha::{Claim, Claims};
    let sdk = moto_sdk().await;
    let table = claims_table().await;
    let a = DynamoClaims::new(aws_sdk_dynamodb::Client::new(&sdk), &table, "a");
    let b = DynamoClaims::new(aws_sdk_dynamodb::Client::new(&sdk), &table, "b");
    let lease = Duration::from_secs(60);

    assert_eq!(a.claim("cloudtrail", "E1", lease).await.unwrap(), Claim::Won);
    assert!(matches!(b.claim("cloudtrail", "E1", lease).await.unwrap(), Claim::Held { .. }), "b waits for a");
    assert_eq!(a.claim("cloudtrail", "E1", lease).await.unwrap(), Claim::Won, "a may retry its own lease");
    b.release("cloudtrail", "E1").await.unwrap();
    assert!(matches!(b.claim("cloudtrail", "E1", lease).await.unwrap(), Claim::Held { .. }), "b cannot free a's lease");
    a.release("cloudtrail", "E1").await.unwrap();
    assert_eq!(b.claim("cloudtrail", "E1", lease).await.unwrap(), Claim::Won, "a gave it back");
    b.finish("cloudtrail", "E1", lease).await.unwrap();
    assert_eq!(a.claim("cloudtrail", "E1", lease).await.unwrap(), Claim::Done);
    a.release("cloudtrail", "E1").await.unwrap();
    assert_eq!(b.claim("cloudtrail", "E1", lease).await.unwrap(), Claim::Done, "a release never undoes a post");

    assert_eq!(a.claim("cloudtrail", "E2", Duration::ZERO).await.unwrap(), Claim::Won);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(b.claim("cloudtrail", "E2", lease).await.unwrap(), Claim::Won, "an expired lease is free");

    assert!(a.once("slack-event", "Ev1", lease).await.unwrap());
    assert!(!b.once("slack-event", "Ev1", lease).await.unwrap(), "the other instance sees the delivery taken");
    assert!(b.once("slack-command", "Ev1", lease).await.unwrap(), "namespaces are apart");
}
