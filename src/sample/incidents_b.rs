//! Cross-source planted incidents: S3 exfiltration after a bucket was made public, a Lambda backdoor, an EKS pod
//! exec after anonymous probing, and WAF SQL-injection blocks from an address also seen in VPC Flow.
//!
//! Each incident's CloudTrail management events go to the CloudTrail table (their ids are the manifest's
//! `event_ids`); its data-event, audit and WAF rows go to their own tables and are described by `details`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::call::Call;
use super::data_events::{function_arn, invoke, s3_call};
use super::eks::{CI_USER, CLUSTERS, K8sEvent};
use super::event::{CtEvent, Identity, IdentityKind, Issuer, Resource};
use super::flow::{Flow, Host};
use super::manifest::{Incident, IncidentKind};
use super::rng::Rng;
use super::timing::Clock;
use super::waf::{ACLS, WafEvent, request_id};
use super::world::{Principal, SEOUL, Style, World, agents};

/// Where the public bucket is downloaded from.
pub const EXFIL_IP: &str = "198.144.121.93";
/// Where the Lambda backdoor is planted and invoked from.
pub const LAMBDA_IP: &str = "162.247.74.201";
/// Where the anonymous EKS probing and the pod exec come from.
pub const EKS_IP: &str = "139.59.147.88";
/// The SQL-injection client (also seen in VPC Flow).
pub const SQLI_IP: &str = "179.43.175.108";
/// Addresses no background row of any table uses (their first octets are outside every background pool).
pub const PLANTED_IPS: [&str; 4] = [EXFIL_IP, LAMBDA_IP, EKS_IP, SQLI_IP];
/// The bucket made public and then downloaded.
pub const PAYROLL_BUCKET: &str = "acme-prod-payroll-exports";
/// The function whose code is replaced.
pub const BACKDOORED_FUNCTION: &str = "image-resizer";

/// Everything the four incidents plant, per table.
#[derive(Debug, Default)]
pub struct PlantedB {
    /// Manifest entries.
    pub incidents: Vec<Incident>,
    /// CloudTrail management events.
    pub events: Vec<CtEvent>,
    /// S3 data events.
    pub s3: Vec<CtEvent>,
    /// Lambda data events.
    pub lambda: Vec<CtEvent>,
    /// EKS audit events.
    pub eks: Vec<K8sEvent>,
    /// WAF requests.
    pub waf: Vec<WafEvent>,
    /// VPC flows.
    pub flows: Vec<Flow>,
}

/// Plants the four incidents in the last seven days, each at its own time.
pub fn plant(world: &World, clock: &Clock, hosts: &[Host], seed: u64) -> PlantedB {
    let mut p = PlantedB::default();
    let mut rng = Rng::fork(seed, "incidents-b");
    s3_exfiltration(&mut p, &mut rng, world, clock, seed);
    lambda_backdoor(&mut p, &mut rng, world, clock, seed);
    eks_exec(&mut p, &mut rng, world, clock);
    waf_sqli(&mut p, &mut rng, world, clock, hosts);
    p
}

struct Facts {
    kind: IncidentKind,
    description: String,
    account: String,
    actor: String,
    source_ip: &'static str,
    event_ids: Vec<String>,
    details: Vec<(&'static str, String)>,
}

fn incident(f: Facts, times: &[DateTime<Utc>]) -> Incident {
    Incident {
        kind: f.kind,
        description: f.description,
        account_id: f.account,
        region: SEOUL.into(),
        start: times.iter().copied().min().unwrap_or_default(),
        end: times.iter().copied().max().unwrap_or_default(),
        actor: f.actor,
        source_ip: f.source_ip.into(),
        event_ids: f.event_ids,
        details: f.details.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<BTreeMap<_, _>>(),
    }
}

fn s3_exfiltration(p: &mut PlantedB, rng: &mut Rng, world: &World, clock: &Clock, seed: u64) {
    let user = world.user("jaehyun.park").clone();
    let home = user.ips[1].clone();
    let bucket = PAYROLL_BUCKET;
    let host = format!("{bucket}.s3.{SEOUL}.amazonaws.com");
    let at = clock.seoul(3, 1, 12) + Duration::seconds(rng.range(0, 40));
    let mut changes = Vec::new();
    let policy = json!({ "Version": "2012-10-17", "Statement": [{ "Sid": "PublicRead", "Effect": "Allow",
        "Principal": "*", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*") }] });
    for (i, (name, request)) in [
        ("DeleteBucketPublicAccessBlock", json!({ "bucketName": bucket, "Host": host, "publicAccessBlock": "" })),
        ("PutBucketPolicy", json!({ "bucketName": bucket, "Host": host, "policy": "", "bucketPolicy": policy })),
    ]
    .into_iter()
    .enumerate()
    {
        let call = Call { who: &user, at: at + Duration::seconds(i as i64 * 47), region: SEOUL, service: "s3", name };
        let mut e = call.build(rng, seed, request, Value::Null, false);
        e.source_ip = home.clone();
        e.resources = vec![Resource {
            arn: format!("arn:aws:s3:::{bucket}"),
            account_id: user.account.clone(),
            kind: "AWS::S3::Bucket".into(),
        }];
        changes.push(e);
    }
    let mut reader = user.clone();
    reader.ips = vec![EXFIL_IP.into()];
    reader.agent = "Wget/1.21.4";
    let anonymous = Identity {
        kind: IdentityKind::AwsAccount,
        principal_id: Some(String::new()),
        arn: None,
        account_id: Some("anonymous".into()),
        access_key_id: None,
        user_name: None,
        session: None,
        invoked_by: None,
    };
    let first = at + Duration::minutes(19) + Duration::seconds(rng.range(0, 30));
    let (mut gets, mut bytes, mut keys) = (0, 0i64, std::collections::BTreeSet::new());
    for i in 0..141i64 {
        let t = first + Duration::seconds(i * 8 + rng.range(0, 5));
        let (op, key) = if i == 0 {
            ("ListObjects", "payroll/".to_string())
        } else {
            ("GetObject", format!("payroll/{}/employees-{:03}.csv", 2024 + (i % 3), (i * 7) % 120))
        };
        let size = rng.range(180_000, 3_200_000);
        let mut e = s3_call(rng, seed, &reader, t, SEOUL, bucket, op, &key, size);
        e.identity = anonymous.clone();
        e.user_agent = reader.agent.into();
        if op == "GetObject" {
            gets += 1;
            bytes += size;
            keys.insert(key);
        }
        p.s3.push(e);
    }
    let last = p.s3.last().map_or(first, |e| e.time);
    let ids: Vec<String> = changes.iter().map(|e| e.event_id.clone()).collect();
    let facts = Facts {
        kind: IncidentKind::S3Exfiltration,
        description: format!(
            "jaehyun.park removed the public access block of {bucket} and made it public with a bucket policy; \
             19 minutes later {EXFIL_IP} downloaded {gets} objects anonymously."
        ),
        account: user.account.clone(),
        actor: user.arn.clone(),
        source_ip: EXFIL_IP,
        event_ids: ids.clone(),
        details: vec![
            ("bucket", bucket.into()),
            ("policy_event_id", ids[1].clone()),
            ("public_access_block_event_id", ids[0].clone()),
            ("get_count", gets.to_string()),
            ("distinct_keys", keys.len().to_string()),
            ("bytes_out", bytes.to_string()),
            ("downloader", "anonymous".into()),
            ("policy_source_ip", home),
        ],
    };
    p.incidents.push(incident(facts, &[at, last]));
    p.events.extend(changes);
}

fn lambda_backdoor(p: &mut PlantedB, rng: &mut Rng, world: &World, clock: &Clock, seed: u64) {
    let account = world.account(0).to_string();
    let mut updater = world
        .of(&account, Style::Automation)
        .into_iter()
        .find(|p| p.arn.contains("/lambda-cost-report/"))
        .expect("the cost-report role is part of the cast")
        .clone();
    updater.ips = vec![LAMBDA_IP.into()];
    updater.agent = "aws-cli/1.29.0 Python/3.11.4 Linux/6.1.0-13-amd64 botocore/1.31.0";
    let name = BACKDOORED_FUNCTION;
    let arn = function_arn(&account, SEOUL, name);
    let at = clock.seoul(4, 3, 5) + Duration::seconds(rng.range(0, 40));
    let read = Call { who: &updater, at, region: SEOUL, service: "lambda", name: "GetFunction20150331v2" };
    let read = read.build(rng, seed, json!({ "functionName": name }), Value::Null, true);
    let update = Call {
        who: &updater,
        at: at + Duration::seconds(64),
        region: SEOUL,
        service: "lambda",
        name: "UpdateFunctionCode20150331v2",
    };
    let response = json!({ "functionName": name, "functionArn": arn, "version": "$LATEST", "codeSha256": rng.hex(43),
        "lastUpdateStatus": "InProgress", "runtime": "python3.12" });
    let update =
        update.build(rng, seed, json!({ "functionName": name, "publish": false, "dryRun": false }), response, false);
    let role = "batch-jobs-role";
    let issuer = Issuer {
        arn: format!("arn:aws:iam::{account}:role/{role}"),
        user_name: role.into(),
        principal_id: format!("AROA{}", rng.iam_chars(17)),
        account_id: account.clone(),
    };
    let invoker = Principal {
        kind: IdentityKind::AssumedRole,
        style: Style::Automation,
        account: account.clone(),
        arn: format!("arn:aws:sts::{account}:assumed-role/{role}/backfill-7731"),
        principal_id: format!("{}:backfill-7731", issuer.principal_id),
        user_name: None,
        access_key: None,
        issuer: Some(issuer.clone()),
        service: None,
        ips: vec![LAMBDA_IP.into()],
        mfa: false,
        agent: agents::BOTO3,
    };
    let first = update.time + Duration::minutes(15);
    let invocations: Vec<CtEvent> = (0..12i64)
        .map(|i| {
            let t = first + Duration::seconds(i * 200 + rng.range(0, 60));
            invoke(rng, seed, &invoker, t, SEOUL, name)
        })
        .collect();
    let last = invocations.last().map_or(first, |e| e.time);
    let usual = format!("arn:aws:iam::{account}:role/app-backend-role");
    let facts = Facts {
        kind: IncidentKind::LambdaBackdoor,
        description: format!(
            "The cost-report role, used from {LAMBDA_IP}, replaced the code of {name}; the role {role}, which never \
             invoked it before, then invoked it {} times.",
            invocations.len()
        ),
        account: account.clone(),
        actor: updater.arn.clone(),
        source_ip: LAMBDA_IP,
        event_ids: vec![read.event_id.clone(), update.event_id.clone()],
        details: vec![
            ("function_name", name.into()),
            ("function_arn", arn),
            ("update_event_id", update.event_id.clone()),
            ("invoker_role", issuer.arn.clone()),
            ("invoker_arn", invoker.arn.clone()),
            ("usual_invoker_role", usual),
            ("invocation_count", invocations.len().to_string()),
        ],
    };
    p.incidents.push(incident(facts, &[at, last]));
    p.events.extend([read, update]);
    p.lambda.extend(invocations);
}

fn k8s(
    rng: &mut Rng,
    account: &str,
    at: DateTime<Utc>,
    call: (&'static str, &'static str, Option<&'static str>),
) -> K8sEvent {
    let (verb, resource, sub) = call;
    K8sEvent {
        time: at,
        account: account.into(),
        region: SEOUL,
        cluster: CLUSTERS[0].1.into(),
        audit_id: rng.uuid(),
        verb,
        resource,
        subresource: sub,
        namespace: None,
        name: None,
        user: String::new(),
        groups: Vec::new(),
        issuer: None,
        source_ip: EKS_IP.into(),
        user_agent: "curl/8.4.0".into(),
        code: 403,
        allowed: false,
        reason: String::new(),
    }
}

/// An anonymous probe: (verb, resource, subresource, namespace or "", object name).
type Probe = (&'static str, &'static str, Option<&'static str>, &'static str, Option<&'static str>);

fn eks_exec(p: &mut PlantedB, rng: &mut Rng, world: &World, clock: &Clock) {
    let account = world.account(CLUSTERS[0].0).to_string();
    let at = clock.seoul(5, 23, 2) + Duration::seconds(rng.range(0, 40));
    let probes: [Probe; 5] = [
        ("list", "secrets", None, "kube-system", None),
        ("list", "pods", None, "", None),
        ("get", "configmaps", None, "kube-system", Some("aws-auth")),
        ("list", "namespaces", None, "", None),
        ("list", "clusterrolebindings", None, "", None),
    ];
    let mut events = Vec::new();
    for (i, (verb, resource, sub, ns, name)) in probes.into_iter().enumerate() {
        let mut e = k8s(rng, &account, at + Duration::seconds(i as i64 * 23), (verb, resource, sub));
        e.namespace = (!ns.is_empty()).then(|| ns.to_string());
        e.name = name.map(str::to_string);
        e.user = "system:anonymous".into();
        e.groups = vec!["system:unauthenticated".into()];
        events.push(e);
    }
    let anonymous = events.len();
    let pods = [format!("payments-api-7d9f8c6b5-{}", rng.hex(5)), format!("payments-api-7d9f8c6b5-{}", rng.hex(5))];
    let start = at + Duration::minutes(39);
    let steps: [(&str, &str, Option<&str>, Option<&str>); 5] = [
        ("list", "pods", None, None),
        ("create", "pods", Some("exec"), Some(&pods[0])),
        ("create", "pods", Some("exec"), Some(&pods[0])),
        ("create", "pods", Some("exec"), Some(&pods[1])),
        ("get", "secrets", None, Some("payments-db-credentials")),
    ];
    for (i, (verb, resource, sub, name)) in steps.into_iter().enumerate() {
        let t = start + Duration::seconds(i as i64 * 41 + rng.range(0, 9));
        let mut e = k8s(rng, &account, t, (verb, resource, sub));
        e.namespace = Some("payments".into());
        e.name = name.map(str::to_string);
        e.user = CI_USER.into();
        e.groups =
            ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"].map(String::from).to_vec();
        e.user_agent = "kubectl/v1.28.4 (linux/amd64) kubernetes/bae2c62".into();
        e.code = if sub == Some("exec") { 101 } else { 200 };
        e.allowed = true;
        e.reason = "RBAC: allowed by RoleBinding \"ci-deployer/payments\" of ClusterRole \"edit\" to ServiceAccount \"build-runner/ci\"".into();
        events.push(e);
    }
    let times: Vec<DateTime<Utc>> = events.iter().map(|e| e.time).collect();
    let ids = |sub: Option<&str>| {
        events
            .iter()
            .filter(|e| e.subresource == sub && e.user == CI_USER)
            .map(|e| e.audit_id.clone())
            .collect::<Vec<_>>()
    };
    let exec_ids = ids(Some("exec"));
    let facts = Facts {
        kind: IncidentKind::EksPodExec,
        description: format!(
            "{EKS_IP} probed the prod-apne2 API server anonymously ({anonymous} forbidden requests), then used the CI \
             service account's token to exec into payments pods {} times and read a database secret.",
            exec_ids.len()
        ),
        account,
        actor: CI_USER.into(),
        source_ip: EKS_IP,
        event_ids: Vec::new(),
        details: vec![
            ("cluster", CLUSTERS[0].1.into()),
            ("namespace", "payments".into()),
            ("pods", pods.join(",")),
            ("exec_count", exec_ids.len().to_string()),
            ("exec_audit_ids", exec_ids.join(",")),
            ("anonymous_count", anonymous.to_string()),
            ("secret", "payments-db-credentials".into()),
        ],
    };
    p.incidents.push(incident(facts, &times));
    p.eks.extend(events);
}

fn waf_sqli(p: &mut PlantedB, rng: &mut Rng, world: &World, clock: &Clock, hosts: &[Host]) {
    let acl = &ACLS[0];
    let account = world.account(acl.account).to_string();
    let start = clock.seoul(6, 20, 15) + Duration::seconds(rng.range(0, 40));
    let agent = "sqlmap/1.7.11#stable (https://sqlmap.org)";
    let payloads = [
        ("id=1' OR '1'='1", vec!["'", "OR", "'1'='1"]),
        ("id=1 UNION SELECT username,password FROM users--", vec!["UNION", "SELECT"]),
        ("id=1; DROP TABLE orders--", vec![";", "DROP", "TABLE"]),
        ("id=1 AND SLEEP(5)", vec!["AND", "SLEEP"]),
    ];
    let mut events = Vec::new();
    for i in 0..64i64 {
        let blocked = i >= 8;
        let (uri, args, matched) = if blocked {
            let (args, tokens) = &payloads[(i % 4) as usize];
            ("/api/v1/products", args.to_string(), tokens.iter().map(|t| t.to_string()).collect())
        } else {
            (["/", "/robots.txt", "/api/v1/products", "/login"][(i % 4) as usize], String::new(), Vec::new())
        };
        events.push(WafEvent {
            time: start + Duration::seconds(i * 13 + rng.range(0, 6)),
            account: account.clone(),
            region: acl.region,
            acl_arn: acl.arn(&account),
            source_type: acl.source_type,
            source_id: format!("{account}-{}", acl.source),
            client_ip: SQLI_IP.into(),
            country: "RO",
            method: "GET",
            host: "shop.acme.co.kr",
            uri: uri.into(),
            args,
            user_agent: agent.into(),
            request_id: request_id(rng),
            status: if blocked {
                403
            } else if uri == "/robots.txt" {
                404
            } else {
                200
            },
            rule_id: if blocked { "AWS-AWSManagedRulesSQLiRuleSet" } else { "Default_Action" },
            rule_type: if blocked { "MANAGED_RULE_GROUP" } else { "REGULAR" },
            condition: blocked.then_some("SQL_INJECTION"),
            location: blocked.then_some("QUERY_STRING"),
            matched,
            labels: if blocked { vec!["awswaf:managed:aws:sql-database:SQLi_QueryArguments"] } else { Vec::new() },
            blocked,
        });
    }
    let target =
        hosts.iter().find(|h| h.account == account && h.region == SEOUL).expect("prod has Seoul hosts").clone();
    let ports: [(i32, bool); 14] = [
        (443, true),
        (443, true),
        (443, true),
        (80, true),
        (443, true),
        (443, true),
        (22, false),
        (22, false),
        (3306, false),
        (3306, false),
        (8080, false),
        (5432, false),
        (443, true),
        (22, false),
    ];
    let flow_start = start - Duration::minutes(6);
    let flows: Vec<Flow> = ports
        .iter()
        .enumerate()
        .map(|(i, (port, accept))| {
            let at = flow_start + Duration::seconds(i as i64 * 61);
            Flow {
                host: target.clone(),
                ingress: true,
                src_ip: SQLI_IP.into(),
                src_port: rng.range(40000, 60000) as i32,
                dst_ip: target.ip.clone(),
                dst_port: *port,
                protocol: 6,
                packets: if *accept { rng.range(8, 40) } else { 1 },
                bytes: if *accept { rng.range(900, 9000) } else { 44 },
                start: at,
                end: at + Duration::seconds(rng.range(5, 55)),
                accept: *accept,
                tcp_flags: if *accept { 19 } else { 2 },
                external: true,
            }
        })
        .collect();
    let blocked = events.iter().filter(|e| e.blocked).count();
    let mut times: Vec<DateTime<Utc>> = events.iter().map(|e| e.time).collect();
    times.extend(flows.iter().map(|f| f.start));
    let facts = Facts {
        kind: IncidentKind::WafSqlInjection,
        description: format!(
            "WAF blocked {blocked} SQL-injection requests (sqlmap) from {SQLI_IP} to shop.acme.co.kr; the same address \
             reached {} directly in {} VPC flows.",
            target.ip,
            flows.len()
        ),
        account,
        actor: String::new(),
        source_ip: SQLI_IP,
        event_ids: Vec::new(),
        details: vec![
            ("web_acl", acl.name.into()),
            ("rule_id", "AWS-AWSManagedRulesSQLiRuleSet".into()),
            ("blocked_count", blocked.to_string()),
            ("request_count", events.len().to_string()),
            ("country", "RO".into()),
            ("host", "shop.acme.co.kr".into()),
            ("user_agent", agent.into()),
            ("vpcflow_count", flows.len().to_string()),
            ("target_ip", target.ip.clone()),
            ("instance_id", target.instance.clone()),
        ],
    };
    p.incidents.push(incident(facts, &times));
    p.waf.extend(events);
    p.flows.extend(flows);
}
