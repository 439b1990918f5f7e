//! CloudTrail data events for S3 (`s3_data_2_0`) and Lambda (`lambda_execution_2_0`): everyday object reads and
//! writes and function invocations, written with the CloudTrail row writer and marked as data events.
//!
//! Who does what is fixed per bucket and per function, so an unusual reader or invoker stands out: workloads
//! read and write through their NAT addresses, people use the CLI from the office, and each function has its
//! usual invokers (a role or a service trigger). Nothing here reads from a planted address, changes a bucket
//! policy, or invokes a function from a role outside its usual set.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::assets;
use super::call::Call;
use super::event::{CtEvent, IdentityKind, Resource};
use super::rng::Rng;
use super::timing::{Clock, Rhythm};
use super::world::{Principal, SEOUL, Style, VIRGINIA, World};

/// S3 data-event table of the sample lake.
pub const S3_TABLE: &str = "s3_data_2_0";
/// Lambda data-event table of the sample lake.
pub const LAMBDA_TABLE: &str = "lambda_execution_2_0";

/// S3 object operations with their weights (reads dominate, as in real buckets).
const S3_OPS: [(&str, u32); 6] = [
    ("GetObject", 55),
    ("PutObject", 20),
    ("HeadObject", 12),
    ("ListObjects", 6),
    ("DeleteObject", 4),
    ("CopyObject", 3),
];

/// Lambda functions of every account and who invokes them: (name, invoking role or `""`, triggering service).
pub const FUNCTIONS: [(&str, &str, &str); 5] = [
    ("cost-report", "", "events.amazonaws.com"),
    ("image-resizer", "app-backend-role", "s3.amazonaws.com"),
    ("slack-notifier", "monitoring-readonly", "sns.amazonaws.com"),
    ("log-shipper", "", "logs.amazonaws.com"),
    ("order-events-consumer", "app-backend-role", "sqs.amazonaws.com"),
];

/// `count` S3 object calls by the accounts' workloads and people.
pub fn s3_background(world: &World, clock: &Clock, seed: u64, count: usize) -> Vec<CtEvent> {
    let mut rng = Rng::fork(seed, "s3-data-background");
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let ix = rng.weighted(&[6, 3, 2]);
        let account = world.accounts[ix].clone();
        let style = if rng.chance(0.85) { Style::Automation } else { Style::Human };
        let who: Vec<&Principal> = world.of(&account.id, style).into_iter().filter(|p| !p.ips.is_empty()).collect();
        let Some(who) = (!who.is_empty()).then(|| (*rng.pick(&who)).clone()) else { continue };
        let rhythm = if style == Style::Human { Rhythm::Human } else { Rhythm::Machine };
        let at = clock.sample(&mut rng, rhythm);
        let n = rng.below(5);
        let bucket = assets::bucket(&account.name, n);
        let op = S3_OPS[rng.weighted(&S3_OPS.map(|(_, w)| w))].0;
        let key = object_key(&mut rng, n, at);
        let size = object_size(&mut rng);
        let region = if rng.chance(0.8) { SEOUL } else { VIRGINIA };
        let mut e = s3_call(&mut rng, seed, &who, at, region, &bucket, op, &key, size);
        if rng.chance(0.01) {
            e = super::call::fail(e, "AccessDenied", "Access Denied");
        } else if op == "GetObject" && rng.chance(0.01) {
            e = super::call::fail(e, "NoSuchKey", "The specified key does not exist.");
        }
        out.push(e);
    }
    out
}

/// A key typical of the bucket kind `n` (see [`assets::bucket`]).
fn object_key(rng: &mut Rng, n: u64, at: DateTime<Utc>) -> String {
    let day = at.format("%Y/%m/%d");
    match n % 5 {
        0 => format!("images/{}/{}.{}", rng.hex(2), rng.hex(12), rng.pick(&["png", "jpg", "webp"])),
        1 => format!("alb/AWSLogs/{day}/{}.log.gz", rng.hex(16)),
        2 => format!("db/{}/{}.dump.gz", assets::database(rng.below(3)), at.format("%Y-%m-%d")),
        3 => format!("env/{}/terraform.tfstate", rng.pick(&["prod", "dev", "shared"])),
        _ => format!("exports/{day}/orders-{}.csv", rng.below(40)),
    }
}

/// Object sizes with a long tail: mostly kilobytes, now and then hundreds of megabytes.
fn object_size(rng: &mut Rng) -> i64 {
    let exp = rng.weighted(&[30, 30, 20, 10, 6, 3, 1]) as u32;
    let base = 1i64 << (10 + 3 * exp);
    base + rng.range(0, base)
}

/// One S3 object call by `who` with its request parameters, resources and byte counts.
#[allow(clippy::too_many_arguments)]
pub fn s3_call(
    rng: &mut Rng,
    seed: u64,
    who: &Principal,
    at: DateTime<Utc>,
    region: &str,
    bucket: &str,
    op: &str,
    key: &str,
    size: i64,
) -> CtEvent {
    let call = Call { who, at, region, service: "s3", name: op };
    let host = format!("{bucket}.s3.{region}.amazonaws.com");
    let list = op == "ListObjects";
    let request = if list {
        json!({ "bucketName": bucket, "Host": host, "prefix": key.split('/').next().unwrap_or(""), "list-type": "2" })
    } else {
        json!({ "bucketName": bucket, "Host": host, "key": key })
    };
    let read_only = matches!(op, "GetObject" | "HeadObject" | "ListObjects");
    let mut e = call.build(rng, seed, request, Value::Null, read_only);
    let (bytes_in, bytes_out) = match op {
        "GetObject" => (0, size),
        "PutObject" => (size, 0),
        "ListObjects" => (0, rng.range(600, 9000)),
        _ => (0, 0),
    };
    e.additional = json!({
        "SignatureVersion": "SigV4",
        "CipherSuite": "TLS_AES_128_GCM_SHA256",
        "bytesTransferredIn": bytes_in,
        "bytesTransferredOut": bytes_out,
        "AuthenticationMethod": "AuthHeader",
        "x-amz-id-2": rng.hex(40),
    });
    let owner = who.account.clone();
    let mut resources = vec![Resource {
        arn: format!("arn:aws:s3:::{bucket}"),
        account_id: owner.clone(),
        kind: "AWS::S3::Bucket".into(),
    }];
    if !list {
        resources.insert(
            0,
            Resource { arn: format!("arn:aws:s3:::{bucket}/{key}"), account_id: owner, kind: "AWS::S3::Object".into() },
        );
    }
    e.resources = resources;
    e
}

/// `count` invocations of the accounts' functions by their usual invokers.
pub fn lambda_background(world: &World, clock: &Clock, seed: u64, count: usize) -> Vec<CtEvent> {
    let mut rng = Rng::fork(seed, "lambda-data-background");
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let ix = rng.weighted(&[6, 3, 2]);
        let account = world.account(ix).to_string();
        let (name, role, service) = FUNCTIONS[rng.weighted(&[10, 30, 8, 25, 27])];
        let by_role = !role.is_empty() && rng.chance(0.6);
        let who = if by_role {
            let robots = world.of(&account, Style::Automation);
            let Some(p) = robots.into_iter().find(|p| p.arn.contains(&format!("/{role}/"))) else { continue };
            p.clone()
        } else {
            service_principal(&account, service)
        };
        let at = clock.sample(&mut rng, Rhythm::Machine);
        let mut e = invoke(&mut rng, seed, &who, at, SEOUL, name);
        if rng.chance(0.004) {
            e = super::call::fail(e, "TooManyRequestsException", "Rate Exceeded.");
        }
        out.push(e);
    }
    out
}

/// An AWS service acting on its own behalf in `account` (an event source invoking a function).
pub fn service_principal(account: &str, service: &str) -> Principal {
    Principal {
        kind: IdentityKind::AwsService,
        style: Style::Service,
        account: account.into(),
        arn: String::new(),
        principal_id: String::new(),
        user_name: None,
        access_key: None,
        issuer: None,
        service: Some(service.into()),
        ips: vec![service.into()],
        mfa: false,
        agent: "",
    }
}

/// The ARN of function `name` in `account` and `region`.
pub fn function_arn(account: &str, region: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:{account}:function:{name}")
}

/// One `Invoke` of `name` by `who`.
pub fn invoke(rng: &mut Rng, seed: u64, who: &Principal, at: DateTime<Utc>, region: &str, name: &str) -> CtEvent {
    let arn = function_arn(&who.account, region, name);
    let call = Call { who, at, region, service: "lambda", name: "Invoke" };
    let kind = if who.kind == IdentityKind::AwsService { "Event" } else { "RequestResponse" };
    let mut e = call.build(rng, seed, json!({ "functionName": arn, "invocationType": kind }), Value::Null, false);
    e.additional = json!({ "functionVersion": format!("{arn}:$LATEST") });
    e.resources = vec![Resource { arn, account_id: who.account.clone(), kind: "AWS::Lambda::Function".into() }];
    e
}

/// Writes a data event as one JSON line of its table: the CloudTrail row, marked as a data event.
pub fn write_row(out: &mut Vec<u8>, e: &CtEvent) -> std::io::Result<()> {
    let mut line = Vec::with_capacity(2048);
    super::ocsf::write_row(&mut line, e)?;
    let mut row: Value = serde_json::from_slice(&line).map_err(std::io::Error::other)?;
    row["metadata"]["product"]["feature"]["name"] = Value::from("Data");
    row["unmapped"]["managementEvent"] = Value::from("false");
    row["unmapped"]["eventCategory"] = Value::from("Data");
    serde_json::to_writer(&mut *out, &row).map_err(std::io::Error::other)?;
    out.push(b'\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_event_row_is_a_cloudtrail_row_marked_as_data() {
        let world = World::new(1);
        let clock = Clock::new(chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 20, 9, 0, 0).unwrap());
        let e = s3_background(&world, &clock, 1, 1).remove(0);
        let mut line = Vec::new();
        write_row(&mut line, &e).unwrap();
        let row: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(row["metadata"]["product"]["feature"]["name"], "Data");
        assert_eq!(row["unmapped"]["managementEvent"], "false");
        assert_eq!(row["metadata"]["uid"], e.event_id.as_str());
        let request: Value = serde_json::from_str(row["api"]["request"]["data"].as_str().unwrap()).unwrap();
        assert!(request["bucketName"].as_str().unwrap().starts_with("acme-"));
        assert!(row["unmapped"]["additionalEventData.bytesTransferredOut"].is_string());
    }
}
