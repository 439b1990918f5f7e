//! Benchmark: the change feed. Prints events/s for parse → classify → rules → group → render on one core, and
//! an end-to-end drain of 10,000 queued events through moto SQS to the in-memory Slack double
//! (`asklake::slack::memory`).
//!
//! Run: `cargo bench --profile dev --bench alerts` (needs `moto_server` on PATH for the second part;
//! `-- --in-memory-only` skips it).

// The `RunInstances` answer below is one long `json!` literal.
#![recursion_limit = "256"]

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

/// A response of realistic size for the events that answer with the resource they made (CloudTrail keeps
/// `responseElements` for writes: a `RunInstances` answer runs to a few KB, a `CreateRole` one to a few hundred
/// bytes); other events answer `null`.
fn response(name: &str, i: usize, account: &str) -> serde_json::Value {
    match name {
        "RunInstances" => serde_json::json!({"requestId": format!("r-{i}"), "reservationId": format!("r-0{i:016x}"),
            "ownerId": account, "groupSet": {}, "instancesSet": {"items": [{"instanceId": format!("i-0{i:016x}"),
            "imageId": "ami-0c55b159cbfafe1f0", "instanceState": {"code": 0, "name": "pending"},
            "privateDnsName": format!("ip-10-0-{}-{}.ec2.internal", i % 250, i % 200), "amiLaunchIndex": 0,
            "productCodes": {}, "instanceType": "t3.micro", "launchTime": 1_790_000_000_000_u64,
            "placement": {"availabilityZone": "us-east-1a", "tenancy": "default"}, "monitoring": {"state": "disabled"},
            "subnetId": "subnet-0a1b2c3d", "vpcId": "vpc-0a1b2c3d", "privateIpAddress": format!("10.0.{}.{}", i % 250, i % 200),
            "stateReason": {"code": "pending", "message": "pending"}, "architecture": "x86_64",
            "rootDeviceType": "ebs", "rootDeviceName": "/dev/xvda", "blockDeviceMapping": {},
            "virtualizationType": "hvm", "hypervisor": "xen", "clientToken": format!("terraform-{i:020}"),
            "groupSet": {"items": [{"groupId": "sg-0123456789abcdef0", "groupName": "web"}]}, "sourceDestCheck": true,
            "networkInterfaceSet": {"items": [network_interface(i, account)]},
            "ebsOptimized": false, "enaSupport": true, "cpuOptions": {"coreCount": 1, "threadsPerCore": 2},
            "capacityReservationSpecification": {"capacityReservationPreference": "open"},
            "enclaveOptions": {"enabled": false}, "metadataOptions": {"state": "pending", "httpTokens": "required",
                "httpPutResponseHopLimit": 2, "httpEndpoint": "enabled"},
            "privateDnsNameOptions": {"hostnameType": "ip-name"}}]}}),
        "CreateRole" => serde_json::json!({"role": {"path": "/", "roleName": format!("role-{i}"),
            "roleId": format!("AROA{i:016}"), "arn": format!("arn:aws:iam::{account}:role/role-{i}"),
            "createDate": "Nov 22, 2026, 5:00:00 AM",
            "assumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"}}),
        _ => serde_json::Value::Null,
    }
}

/// The network interface a `RunInstances` answer lists.
fn network_interface(i: usize, account: &str) -> serde_json::Value {
    serde_json::json!({"networkInterfaceId": format!("eni-0{i:016x}"), "subnetId": "subnet-0a1b2c3d",
                "vpcId": "vpc-0a1b2c3d", "ownerId": account, "status": "in-use", "macAddress": "0e:00:00:00:00:01",
                "privateIpAddress": format!("10.0.{}.{}", i % 250, i % 200), "sourceDestCheck": true,
                "groupSet": {"items": [{"groupId": "sg-0123456789abcdef0", "groupName": "web"}]},
                "attachment": {"attachmentId": format!("eni-attach-0{i:016x}"), "deviceIndex": 0, "status": "attaching",
                    "attachTime": 1_790_000_000_000_u64, "deleteOnTermination": true},
                "privateIpAddressesSet": {"item": [{"privateIpAddress": format!("10.0.{}.{}", i % 250, i % 200), "primary": true}]},
                "ipv6AddressesSet": {}, "tagSet": {}, "interfaceType": "interface"})
}

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
            "responseElements": response(NAMES[i % NAMES.len()], i, account), "requestID": "req", "eventType": "AwsApiCall", "managementEvent": true}})
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

/// CPU time this thread has run (Linux `schedstat`), or `None` where that is not available.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok().map(Duration::from_nanos)
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
    let avg = bodies.iter().map(String::len).sum::<usize>() / n;
    println!(
        "alerts: parse → classify → rules → group → render, one core ({n} events of {avg} bytes on average; target ≥ 50,000/s)"
    );
    // One drain step holds a batch (a Terraform storm is ~2,000 events); 100,000 at once is the worst case.
    // This machine is shared: a neighbour can steal a third of a round's wall-clock time. Each round is timed on
    // the wall clock and on this thread's own CPU time (which stolen time does not count). The sizes take turns
    // within each round, so a slow spell hits them alike; each prints its median and best round.
    const ROUNDS: usize = 7;
    let sizes = [2_000, 20_000, n];
    let mut wall = vec![Vec::with_capacity(ROUNDS); sizes.len()];
    let mut cpu = vec![Vec::with_capacity(ROUNDS); sizes.len()];
    let mut messages = vec![0; sizes.len()];
    // A yardstick run in the same rounds: only building a `serde_json::Value` tree of each body. It slows down
    // with the machine, so the ratio to it holds when absolute numbers move.
    let mut yardstick = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let trees = bodies.iter().filter(|b| serde_json::from_str::<serde_json::Value>(b).is_ok()).count();
        yardstick.push(trees as f64 / t.elapsed().as_secs_f64());
        for (k, &batch) in sizes.iter().enumerate() {
            let (t, c) = (Instant::now(), thread_cpu());
            messages[k] = bodies.chunks(batch).map(pipeline).sum();
            wall[k].push(n as f64 / t.elapsed().as_secs_f64());
            if let (Some(c0), Some(c1)) = (c, thread_cpu()) {
                cpu[k].push(n as f64 / (c1 - c0).as_secs_f64());
            }
        }
    }
    let median_best = |r: &mut Vec<f64>| {
        r.sort_by(f64::total_cmp);
        if r.is_empty() {
            "unavailable".to_owned()
        } else {
            format!("{:>6.0} (best {:>6.0})", r[r.len() / 2], r[r.len() - 1])
        }
    };
    println!("  yardstick, serde_json::Value trees only: {} bodies per wall second", median_best(&mut yardstick));
    for (k, batch) in sizes.iter().enumerate() {
        println!(
            "  batches of {batch:>6}: {} events per CPU second, {} per wall second; median of {ROUNDS} rounds, {} Slack messages each",
            median_best(&mut cpu[k]),
            median_best(&mut wall[k]),
            messages[k]
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
