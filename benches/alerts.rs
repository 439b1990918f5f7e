//! Benchmark: the change feed. Prints events/s for parse → classify → rules → group → render on one core, and
//! an end-to-end drain of 10,000 queued events through moto SQS to the in-memory Slack double
//! (`asklake::slack::memory`).
//!
//! Run: `cargo bench --profile dev --bench alerts` (needs `moto_server` on PATH for the second part;
//! `-- --in-memory-only` skips it).

use std::sync::Arc;
use std::time::{Duration, Instant};

use asklake::alerts::classify::classify;
use asklake::alerts::envelope::parse_body;
use asklake::alerts::group::{Alerted, Routing, group};
use asklake::alerts::render::{MessageKind, Renderer};
use asklake::alerts::rules::{Rules, Verdict};
use asklake::alerts::sqs::SqsQueue;
use asklake::alerts::worker::{Worker, WorkerSettings};
use asklake::config::AlertsConfig;
use asklake::slack::memory::{MemorySlack, Method};
use asklake::store::Store;
use asklake::templates::Templates;

/// The allocator `asklake` itself runs with (see `src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../tests/api/support/moto.rs"]
#[allow(dead_code)]
mod moto;

const NAMES: &[&str] = &[
    "CreateRole",
    "AttachRolePolicy",
    "CreateBucket",
    "RunInstances",
    "AuthorizeSecurityGroupIngress",
    "DeleteSecurityGroup",
    "PutBucketPolicy",
    "CreateUser",
];

fn body(i: usize) -> String {
    let account = ["111111111111", "222222222222", "333333333333"][i % 3];
    let ua = if i.is_multiple_of(4) {
        "console.ec2.amazonaws.com"
    } else {
        "APN/1.0 HashiCorp/1.0 Terraform/1.9.0 terraform-provider-aws/5.80.0"
    };
    serde_json::json!({"version": "0", "id": format!("eb-{i}"), "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.iam", "account": account, "time": "2026-11-22T05:00:00Z", "region": "us-east-1", "resources": [],
        "detail": {"eventVersion": "1.08", "eventID": format!("bench-{i:07}"), "eventName": NAMES[i % NAMES.len()],
            "eventSource": "iam.amazonaws.com", "eventTime": format!("2026-11-22T05:{:02}:{:02}Z", (i / 60) % 60, i % 60),
            "awsRegion": "us-east-1", "recipientAccountId": account, "userAgent": ua, "readOnly": false,
            "userIdentity": {"type": "AssumedRole", "arn": format!("arn:aws:sts::{account}:assumed-role/deployer/s{}", i % 7),
                "accountId": account, "sessionContext": {"sessionIssuer": {"userName": "deployer"}}},
            "requestParameters": {"roleName": format!("role-{i}"), "groupId": "sg-0123456789abcdef0",
                "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
                    "ipRanges": {"items": [{"cidrIp": "10.0.0.0/8"}]}}]}},
            "responseElements": null, "requestID": "req", "eventType": "AwsApiCall", "managementEvent": true}})
    .to_string()
}

fn pipeline(bodies: &[String]) -> usize {
    let rules = Rules::defaults();
    let routing = Routing::default();
    let renderer = Renderer::new(Templates::embedded(), chrono_tz::Asia::Seoul, "en");
    let mut alerted = Vec::with_capacity(bodies.len());
    for b in bodies {
        for event in parse_body(b).expect("bench bodies parse") {
            let actor = classify(&event);
            if let Verdict::Alert { severity, reasons } = rules.evaluate(&event, &actor) {
                alerted.push(Alerted { event, actor, severity, reasons });
            }
        }
    }
    let mut messages = 0;
    for g in group(alerted, &routing) {
        let r = renderer.render(&g, MessageKind::Digest, None).expect("render");
        messages += 1 + r.thread.len();
    }
    messages
}

async fn end_to_end(n: usize) -> anyhow::Result<()> {
    let client = moto::sqs_client().await;
    let url = moto::create_queue(&client, "bench").await;
    // Ten events per SQS message (`{"Records": [...]}`), as a CloudTrail-file fan-out would send them.
    let bodies: Vec<String> = (0..n)
        .collect::<Vec<_>>()
        .chunks(10)
        .map(|c| {
            let records: Vec<serde_json::Value> = c
                .iter()
                .map(|&i| serde_json::from_str::<serde_json::Value>(&body(i)).unwrap()["detail"].clone())
                .collect();
            serde_json::json!({ "Records": records }).to_string()
        })
        .collect();
    let t = Instant::now();
    moto::send_all(&client, &url, &bodies).await;
    println!("  enqueue into moto: {n} events in {:.1} s", t.elapsed().as_secs_f64());
    let slack = Arc::new(MemorySlack::counting());
    let cfg = AlertsConfig { default_channel: "C_BENCH".into(), ..Default::default() };
    let worker = Worker::new(
        Arc::new(SqsQueue::new(client.clone(), url.clone(), Duration::ZERO, Duration::from_secs(300))),
        slack.clone(),
        Store::in_memory()?,
        Rules::defaults(),
        Routing::from_config(&cfg),
        Renderer::new(Templates::embedded(), chrono_tz::Asia::Seoul, "en"),
        None,
        WorkerSettings { receivers: 4, ..WorkerSettings::default() },
    );
    let t = Instant::now();
    let out = worker.drain_once().await?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "  drain: {} SQS messages, {} events, {} posted, {} deleted in {secs:.2} s = {:.0} events/s; Slack posts made: {}",
        out.received,
        out.parsed,
        out.alerted,
        out.deleted,
        out.parsed as f64 / secs,
        slack.accepted(Method::PostMessage)
    );
    // SQS is at-least-once: a message received twice is deduplicated by eventID and its stale receipt may not delete.
    println!("  messages left in the queue (redelivered duplicates): {}", moto::depth(&client, &url).await);
    anyhow::ensure!(out.alerted == n && out.failed_posts == 0, "not everything was posted: {out:?}");
    Ok(())
}

fn peak_rss_kb() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn main() {
    let n = 100_000;
    let bodies: Vec<String> = (0..n).map(body).collect();
    pipeline(&bodies[..1_000]); // warm-up
    println!("alerts: parse → classify → rules → group → render, one core ({n} events; target ≥ 50,000/s)");
    // One drain step holds a batch (a Terraform storm is ~2,000 events); 100,000 at once is the worst case.
    // This machine is shared: one run can be a third slower than the next. Each size runs ROUNDS times and
    // prints the median and the best round.
    const ROUNDS: usize = 5;
    for batch in [2_000, 20_000, n] {
        let mut rates = Vec::with_capacity(ROUNDS);
        let mut messages = 0;
        for _ in 0..ROUNDS {
            let t = Instant::now();
            messages = bodies.chunks(batch).map(pipeline).sum();
            rates.push(n as f64 / t.elapsed().as_secs_f64());
        }
        rates.sort_by(f64::total_cmp);
        println!(
            "  batches of {batch:>6}: median {:>6.0} events/s, best {:>6.0} ({ROUNDS} rounds; {messages} Slack messages rendered per round)",
            rates[ROUNDS / 2],
            rates[ROUNDS - 1]
        );
    }

    if std::env::args().any(|a| a == "--in-memory-only") {
        return;
    }
    println!("alerts: end-to-end drain through moto SQS");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    if let Err(e) = rt.block_on(end_to_end(10_000)) {
        println!("  skipped: {e:#}");
    }
    println!("  peak RSS (VmHWM): {}", peak_rss_kb());
}
