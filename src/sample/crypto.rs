//! The cross-source crypto-mining incident: a new key pair, an instance launched with it, that instance's DNS
//! queries to a mining pool, and the GuardDuty finding about them.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::call::Call;
use super::dns_bg::{Source, beacon, incident_ip};
use super::findings::{Class, Finding};
use super::flow::Host;
use super::incidents::{Facts, Planted};
use super::manifest::IncidentKind;
use super::rng::Rng;
use super::timing::Clock;
use super::world::{SEOUL, World};

/// Where the stolen credentials are used from (a hosting range no background address comes from).
pub const MINER_IP: &str = "94.156.71.20";
/// The mining pool the instance resolves.
pub const POOL_DOMAIN: &str = "xmr-asia1.nanopool.org";
/// The pool's address.
pub const POOL_IP: &str = "51.15.65.182";
/// The GuardDuty finding type raised.
pub const FINDING_TYPE: &str = "CryptoCurrency:EC2/BitcoinTool.B!DNS";
/// Name of the key pair the attacker creates.
pub const KEY_NAME: &str = "ops-recovery-key";

const INSTANCE_TYPE: &str = "c5.4xlarge";
const AMI: &str = "ami-0c9c942bd7bf113a2";
/// Minutes between the miner's pool lookups, and how many it makes.
const BEACON_MINUTES: i64 = 2;
const BEACONS: usize = 90;

/// What the incident's pieces share.
struct Miner {
    account: String,
    instance: String,
    ip: String,
    host: Host,
}

/// Plants the incident in acme-dev, Seoul, at 02:05 Seoul time yesterday.
pub fn plant(p: &mut Planted, rng: &mut Rng, world: &World, clock: &Clock, hosts: &[Host], seed: u64) {
    let mut who = world.user("yuna.han").clone();
    who.ips = vec![MINER_IP.into()];
    who.agent =
        "aws-cli/2.13.25 Python/3.11.6 Linux/6.5.0-1014-aws exe/x86_64.ubuntu.22 prompt/off command/ec2.run-instances";
    let host =
        hosts.iter().find(|h| h.account == who.account && h.region == SEOUL).expect("dev has Seoul hosts").clone();
    let miner = Miner {
        account: who.account.clone(),
        instance: format!("i-0{}", rng.hex(16)),
        ip: incident_ip(&host, 0),
        host,
    };
    let created = clock.seoul(1, 2, 5) + Duration::seconds(rng.range(0, 50));
    let key_id = format!("key-0{}", rng.hex(16));
    let fingerprint: Vec<String> = (0..20).map(|_| rng.hex(2)).collect();
    let call = Call { who: &who, at: created, region: SEOUL, service: "ec2", name: "CreateKeyPair" };
    let response = json!({ "requestId": rng.uuid(), "keyName": KEY_NAME, "keyFingerprint": fingerprint.join(":"),
                           "keyPairId": key_id, "keyMaterial": "<sensitiveDataRemoved>" });
    let request = json!({ "keyName": KEY_NAME, "keyType": "rsa", "keyFormat": "pem" });
    let create = call.build(rng, seed, request, response, false);
    let launched = created + Duration::seconds(rng.range(150, 260));
    let response = run_response(rng, &miner);
    let call = Call { who: &who, at: launched, region: SEOUL, service: "ec2", name: "RunInstances" };
    let run = call.build(rng, seed, run_request(), response, false);
    let queries = dns(rng, &miner, launched);
    let first = queries.iter().map(|q| q.time).min().unwrap_or(launched);
    let last = queries.iter().map(|q| q.time).max().unwrap_or(launched);
    let findings = finding(rng, &miner, first, last);
    let facts = Facts {
        kind: IncidentKind::CryptoMining,
        description: format!(
            "yuna.han's access key was used from {MINER_IP} to create key pair {KEY_NAME} and launch {} with it; the instance resolved {POOL_DOMAIN} {BEACONS} times and GuardDuty raised {FINDING_TYPE}.",
            miner.instance
        ),
        account: &who.account,
        region: SEOUL,
        actor: who.arn.clone(),
        source_ip: MINER_IP,
        details: vec![
            ("instance_id", miner.instance.clone()),
            ("private_ip", miner.ip.clone()),
            ("instance_type", INSTANCE_TYPE.into()),
            ("key_name", KEY_NAME.into()),
            ("key_pair_id", key_id),
            ("create_event_id", create.event_id.clone()),
            ("run_event_id", run.event_id.clone()),
            ("domain", POOL_DOMAIN.into()),
            ("pool_ip", POOL_IP.into()),
            ("dns_count", BEACONS.to_string()),
            ("finding_id", findings[0].id.clone()),
            ("finding_type", FINDING_TYPE.into()),
            ("severity", "High".into()),
        ],
    };
    let ids = vec![create.event_id.clone(), run.event_id.clone()];
    p.record(facts, vec![create, run], ids);
    p.dns.extend(queries);
    p.findings.extend(findings);
}

fn run_request() -> serde_json::Value {
    json!({
        "instancesSet": { "items": [{ "imageId": AMI, "minCount": 1, "maxCount": 1, "keyName": KEY_NAME }] },
        "instanceType": INSTANCE_TYPE,
        "blockDeviceMapping": {},
        "monitoring": { "enabled": false },
        "disableApiTermination": false,
        "disableApiStop": false
    })
}

fn run_response(rng: &mut Rng, m: &Miner) -> serde_json::Value {
    json!({
        "requestId": rng.uuid(),
        "reservationId": format!("r-0{}", rng.hex(16)),
        "ownerId": m.account,
        "groupSet": {},
        "instancesSet": { "items": [{
            "instanceId": m.instance, "imageId": AMI, "instanceState": { "code": 0, "name": "pending" },
            "privateIpAddress": m.ip, "keyName": KEY_NAME, "instanceType": INSTANCE_TYPE,
            "subnetId": m.host.subnet, "vpcId": m.host.vpc
        }] }
    })
}

/// The miner's first downloads, then its pool lookups every two minutes.
fn dns(rng: &mut Rng, m: &Miner, launched: DateTime<Utc>) -> Vec<super::dns::Query> {
    let src = Source { host: m.host.clone(), ip: m.ip.clone() };
    let boot = launched + Duration::seconds(70);
    let mut out = beacon(&src, &m.instance, "github.com", "20.200.245.247", &[boot], rng);
    let fetch = boot + Duration::seconds(4);
    out.extend(beacon(&src, &m.instance, "objects.githubusercontent.com", "185.199.110.133", &[fetch], rng));
    let start = boot + Duration::seconds(rng.range(40, 80));
    let times: Vec<DateTime<Utc>> = (0..BEACONS as i64)
        .map(|i| start + Duration::minutes(i * BEACON_MINUTES) + Duration::seconds(rng.range(0, 15)))
        .collect();
    out.extend(beacon(&src, &m.instance, POOL_DOMAIN, POOL_IP, &times, rng));
    out
}

/// The GuardDuty finding as created, then updated an hour later with a later last-seen time.
fn finding(rng: &mut Rng, m: &Miner, first: DateTime<Utc>, last: DateTime<Utc>) -> Vec<Finding> {
    let region = m.host.region;
    let detector: String = Rng::fork(0, &format!("{}/gd", m.account)).hex(32);
    let created = first + Duration::minutes(rng.range(12, 25));
    let f = Finding {
        id: format!("arn:aws:guardduty:{region}:{}:detector/{detector}/finding/{}", m.account, rng.hex(32)),
        product: "GuardDuty",
        generator: format!("arn:aws:guardduty:{region}:{}:detector/{detector}", m.account),
        types: vec![FINDING_TYPE.into(), "TTPs/Command and Control/CryptoCurrency:EC2-BitcoinTool.B!DNS".into()],
        title: format!("EC2 instance {} is querying a domain name that is associated with Bitcoin-related activity.", m.instance),
        desc: format!("EC2 instance {} is querying {POOL_DOMAIN}, a domain name associated with crypto-currency mining.", m.instance),
        severity_id: 4,
        status: "New",
        compliance: None,
        resource_type: "AwsEc2Instance",
        resource_id: format!("arn:aws:ec2:{region}:{}:instance/{}", m.account, m.instance),
        account: m.account.clone(),
        region,
        first_seen: first,
        last_seen: created - Duration::minutes(3),
        created,
        time: created,
        remediation: "If this activity is unexpected the instance is likely compromised: isolate it, snapshot its volumes for forensics, terminate it, and rotate the credentials that launched it.".into(),
        url: format!("https://{region}.console.aws.amazon.com/guardduty/home?region={region}#/findings"),
        confidence: Some(8),
        class: Class::Detection,
    };
    let mut update = f.clone();
    update.time = (created + Duration::hours(1)).min(last + Duration::minutes(5));
    update.last_seen = update.time - Duration::minutes(4);
    vec![f, update]
}
