//! The planted incidents: the events that make them up and the manifest facts a correct answer contains.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::assets;
use super::background::{ingress_request, ingress_response, tag_request};
use super::call::{Call, console_login, fail, via_console};
use super::event::CtEvent;
use super::flow::{Flow, Host, port_scan};
use super::manifest::{Incident, IncidentKind};
use super::rng::Rng;
use super::timing::Clock;
use super::world::{CI_IP, SEOUL, Style, VIRGINIA, World, agents};

/// IP the root user signs in from without MFA.
pub const ROOT_IP: &str = "112.169.74.30";
/// IP the stolen access key is used from (Netherlands hosting).
pub const STOLEN_KEY_IP: &str = "185.107.56.211";
/// The scanner.
pub const SCANNER_IP: &str = "45.155.205.233";
/// Where `StopLogging` comes from.
pub const STOP_LOGGING_IP: &str = "91.240.118.172";
/// Addresses background data must never use.
pub const PLANTED_IPS: [&str; 5] = [ROOT_IP, STOLEN_KEY_IP, SCANNER_IP, STOP_LOGGING_IP, super::crypto::MINER_IP];

/// Everything planted.
#[derive(Debug, Default)]
pub struct Planted {
    /// Manifest entries.
    pub incidents: Vec<Incident>,
    /// CloudTrail events of all incidents.
    pub events: Vec<CtEvent>,
    /// VPC flows of all incidents.
    pub flows: Vec<Flow>,
    /// Security Hub findings of all incidents.
    pub findings: Vec<super::findings::Finding>,
    /// DNS queries of all incidents.
    pub dns: Vec<super::dns::Query>,
}

/// Plants every incident in the last seven days, each at its own time and account.
pub fn plant(world: &World, clock: &Clock, hosts: &[Host], seed: u64) -> Planted {
    let mut p = Planted::default();
    let mut rng = Rng::fork(seed, "incidents");
    let r = &mut rng;
    root_login(&mut p, r, world, clock);
    stolen_key(&mut p, r, world, clock, seed);
    scan(&mut p, r, world, clock, hosts);
    open_ssh(&mut p, r, world, clock, seed);
    admin_policy(&mut p, r, world, clock, seed);
    denied_burst(&mut p, r, world, clock, seed);
    stop_logging(&mut p, r, world, clock, seed);
    terraform(&mut p, r, world, clock, seed);
    super::crypto::plant(&mut p, r, world, clock, hosts, seed);
    p
}

/// The manifest facts of one incident, before its times are known.
pub struct Facts<'a> {
    /// Kind.
    pub kind: IncidentKind,
    /// One sentence.
    pub description: String,
    /// Account.
    pub account: &'a str,
    /// Region.
    pub region: &'a str,
    /// Actor ARN or name.
    pub actor: String,
    /// Source IP.
    pub source_ip: &'a str,
    /// Kind-specific facts.
    pub details: Vec<(&'a str, String)>,
}

impl Planted {
    /// Records an incident made of CloudTrail `events` (`ids` go to the manifest).
    pub fn record(&mut self, facts: Facts<'_>, events: Vec<CtEvent>, ids: Vec<String>) {
        let start = events.iter().map(|e| e.time).min().unwrap_or_default();
        let end = events.iter().map(|e| e.time).max().unwrap_or_default();
        self.push(facts, start, end, ids);
        self.events.extend(events);
    }

    fn push(&mut self, f: Facts<'_>, start: DateTime<Utc>, end: DateTime<Utc>, ids: Vec<String>) {
        self.incidents.push(Incident {
            kind: f.kind,
            description: f.description,
            account_id: f.account.to_string(),
            region: f.region.to_string(),
            start,
            end,
            actor: f.actor,
            source_ip: f.source_ip.to_string(),
            event_ids: ids,
            details: f.details.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<BTreeMap<_, _>>(),
        });
    }
}

fn root_login(p: &mut Planted, rng: &mut Rng, world: &World, clock: &Clock) {
    let account = world.account(0);
    let root = world.root(account, ROOT_IP);
    let at = clock.seoul(6, 2, 47) + Duration::seconds(13);
    let login = console_login(rng, &root, at, ROOT_IP, false, true);
    let id = login.event_id.clone();
    let facts = Facts {
        kind: IncidentKind::RootConsoleLoginWithoutMfa,
        description: format!("The root user of {account} signed in to the console without MFA from {ROOT_IP}."),
        account,
        region: VIRGINIA,
        actor: root.arn.clone(),
        source_ip: ROOT_IP,
        details: vec![("mfa_used", "No".into())],
    };
    p.record(facts, vec![login], vec![id]);
}

fn stolen_key(p: &mut Planted, rng: &mut Rng, world: &World, clock: &Clock, seed: u64) {
    let user = world.user("hyunwoo.lee").clone();
    let key = format!("AKIA{}", rng.iam_chars(16));
    let created = clock.seoul(5, 14, 5) + Duration::seconds(31);
    let create_date = created.format("%b %-d, %Y %-I:%M:%S %p").to_string();
    let call = Call { who: &user, at: created, region: VIRGINIA, service: "iam", name: "CreateAccessKey" };
    let response = json!({ "accessKey": { "accessKeyId": key, "status": "Active", "userName": "hyunwoo.lee", "createDate": create_date } });
    let mut create = call.build(rng, seed, json!({ "userName": "hyunwoo.lee" }), response, false);
    create.source_ip = super::world::OFFICE_IP.into();
    let create = via_console(create, &user, seed, agents::CONSOLE);
    let mut thief = user.clone();
    thief.access_key = Some(key.clone());
    thief.agent = "aws-cli/1.18.69 Python/3.8.10 Linux/5.4.0-150-generic botocore/1.17.48";
    thief.ips = vec![STOLEN_KEY_IP.into()];
    let uses: [(&str, &str, &str, Value); 9] = [
        ("sts", "GetCallerIdentity", VIRGINIA, Value::Null),
        ("iam", "ListUsers", VIRGINIA, json!({})),
        ("iam", "ListAttachedUserPolicies", VIRGINIA, json!({ "userName": "hyunwoo.lee" })),
        ("s3", "ListBuckets", VIRGINIA, json!({ "Host": "s3.amazonaws.com" })),
        ("ec2", "DescribeInstances", SEOUL, json!({ "instancesSet": {}, "filterSet": {} })),
        ("ec2", "DescribeInstances", VIRGINIA, json!({ "instancesSet": {}, "filterSet": {} })),
        ("secretsmanager", "ListSecrets", SEOUL, json!({ "maxResults": 100 })),
        ("ec2", "DescribeSecurityGroups", SEOUL, json!({ "securityGroupSet": {}, "filterSet": {} })),
        (
            "s3",
            "GetBucketPolicy",
            VIRGINIA,
            json!({ "bucketName": "acme-prod-backups", "policy": "", "Host": "s3.amazonaws.com" }),
        ),
    ];
    let first_use = clock.seoul(5, 16, 40);
    let mut events = vec![create];
    for (i, (service, name, region, request)) in uses.into_iter().enumerate() {
        let at = first_use + Duration::seconds(i as i64 * 97 + rng.range(0, 40));
        let call = Call { who: &thief, at, region, service, name };
        events.push(call.build(rng, seed, request, Value::Null, true));
    }
    let ids = events.iter().map(|e| e.event_id.clone()).collect();
    let facts = Facts {
        kind: IncidentKind::AccessKeyUsedFromNewIp,
        description: format!(
            "hyunwoo.lee created access key {key}, which was then used from {STOLEN_KEY_IP} (Netherlands), an address never seen for this user."
        ),
        account: &user.account,
        region: VIRGINIA,
        actor: user.arn.clone(),
        source_ip: STOLEN_KEY_IP,
        details: vec![
            ("user_name", "hyunwoo.lee".into()),
            ("access_key_id", key),
            ("country", "Netherlands".into()),
            ("create_event_id", events[0].event_id.clone()),
            ("usual_ips", user.ips.join(",")),
            ("count", (events.len() - 1).to_string()),
        ],
    };
    p.record(facts, events, ids);
}

fn scan(p: &mut Planted, rng: &mut Rng, world: &World, clock: &Clock, hosts: &[Host]) {
    let account = world.account(0);
    let target =
        hosts.iter().find(|h| h.account == account && h.region == SEOUL).expect("prod has Seoul hosts").clone();
    let mut ports: Vec<i32> = vec![
        21, 22, 23, 25, 53, 80, 110, 135, 139, 143, 443, 445, 993, 995, 1433, 1521, 3306, 3389, 5432, 5900, 6379, 8080,
        8443, 9200, 27017,
    ];
    while ports.len() < 320 {
        let port = rng.range(1, 10000) as i32;
        if !ports.contains(&port) {
            ports.push(port);
        }
    }
    let open = [80, 443];
    let start = clock.seoul(4, 21, 10) + Duration::seconds(rng.range(0, 50));
    let flows = port_scan(rng, &target, SCANNER_IP, start, &ports, &open, 4);
    let denied = flows.iter().filter(|f| !f.accept).count();
    let facts = Facts {
        kind: IncidentKind::PortScan,
        description: format!(
            "{SCANNER_IP} probed {} TCP ports on {} ({}) in four minutes; {denied} were denied.",
            ports.len(),
            target.ip,
            target.instance
        ),
        account,
        region: SEOUL,
        actor: String::new(),
        source_ip: SCANNER_IP,
        details: vec![
            ("target_ip", target.ip.clone()),
            ("instance_id", target.instance.clone()),
            ("distinct_ports", ports.len().to_string()),
            ("denied_count", denied.to_string()),
            ("allowed_ports", "80,443".into()),
            ("count", flows.len().to_string()),
        ],
    };
    let s = flows.iter().map(|f| f.start).min().unwrap_or(start);
    let e = flows.iter().map(|f| f.start).max().unwrap_or(start);
    p.push(facts, s, e, Vec::new());
    p.flows.extend(flows);
}

fn open_ssh(p: &mut Planted, rng: &mut Rng, world: &World, clock: &Clock, seed: u64) {
    let user = world.user("sungmin.oh").clone();
    let group = assets::id(&user.account, "sg-bastion", 0, "sg-0");
    let at = clock.seoul(3, 11, 20) + Duration::seconds(44);
    let call = Call { who: &user, at, region: SEOUL, service: "ec2", name: "AuthorizeSecurityGroupIngress" };
    let response = ingress_response(rng, &user.account, &group, "0.0.0.0/0", 22);
    let rule =
        response["securityGroupRuleSet"]["items"][0]["securityGroupRuleId"].as_str().unwrap_or_default().to_string();
    let mut e = call.build(rng, seed, ingress_request(&group, "0.0.0.0/0", 22), response, false);
    e.source_ip = super::world::OFFICE_IP.into();
    let e = via_console(e, &user, seed, agents::EC2_CONSOLE);
    let id = e.event_id.clone();
    let facts = Facts {
        kind: IncidentKind::SecurityGroupOpenToWorld,
        description: format!("sungmin.oh opened {group} to 0.0.0.0/0 on TCP port 22 from the EC2 console."),
        account: &user.account,
        region: SEOUL,
        actor: user.arn.clone(),
        source_ip: super::world::OFFICE_IP,
        details: vec![
            ("group_id", group.clone()),
            ("port", "22".into()),
            ("cidr", "0.0.0.0/0".into()),
            ("rule_id", rule),
        ],
    };
    p.record(facts, vec![e], vec![id]);
}

fn admin_policy(p: &mut Planted, rng: &mut Rng, world: &World, clock: &Clock, seed: u64) {
    let user = world.user("jiho.jung").clone();
    let at = clock.seoul(2, 23, 40) + Duration::seconds(9);
    let policy = "arn:aws:iam::aws:policy/AdministratorAccess";
    let call = Call { who: &user, at, region: VIRGINIA, service: "iam", name: "AttachUserPolicy" };
    let mut e = call.build(rng, seed, json!({ "userName": "yuna.han", "policyArn": policy }), Value::Null, false);
    e.source_ip = user.ips[1].clone();
    let id = e.event_id.clone();
    let facts = Facts {
        kind: IncidentKind::AdminPolicyAttached,
        description: "jiho.jung attached AdministratorAccess to the IAM user yuna.han late at night with the CLI."
            .into(),
        account: &user.account,
        region: VIRGINIA,
        actor: user.arn.clone(),
        source_ip: &user.ips[1],
        details: vec![("target_user", "yuna.han".into()), ("policy_arn", policy.into())],
    };
    p.record(facts, vec![e], vec![id]);
}

fn denied_burst(p: &mut Planted, rng: &mut Rng, world: &World, clock: &Clock, seed: u64) {
    let who = world.user("ci-deploy").clone();
    let start = clock.seoul(2, 15, 2) + Duration::seconds(5);
    let calls: [(&str, &str, Value); 8] = [
        ("iam", "ListUsers", json!({})),
        ("iam", "ListRoles", json!({})),
        ("iam", "GetUser", json!({ "userName": "minji.kim" })),
        ("iam", "ListPolicies", json!({ "scope": "Local" })),
        ("iam", "GetAccountAuthorizationDetails", json!({})),
        ("s3", "ListBuckets", json!({ "Host": "s3.amazonaws.com" })),
        ("s3", "GetBucketPolicy", json!({ "bucketName": "acme-shared-services-terraform-state", "policy": "" })),
        ("s3", "GetBucketAcl", json!({ "bucketName": "acme-shared-services-backups", "acl": "" })),
    ];
    let mut events = Vec::new();
    for i in 0..40i64 {
        let (service, name, request) = calls[(i % 8) as usize].clone();
        let at = start + Duration::seconds(i * 5 + rng.range(0, 4));
        let call = Call { who: &who, at, region: VIRGINIA, service, name };
        let e = call.build(rng, seed, request, Value::Null, true);
        let msg = format!(
            "User: {} is not authorized to perform: {service}:{name} because no identity-based policy allows the {service}:{name} action",
            who.arn
        );
        events.push(fail(e, "AccessDenied", &msg));
    }
    let ids = events.iter().map(|e| e.event_id.clone()).collect();
    let facts = Facts {
        kind: IncidentKind::AccessDeniedBurst,
        description: "ci-deploy received 40 AccessDenied errors in under four minutes while enumerating IAM and S3."
            .into(),
        account: &who.account,
        region: VIRGINIA,
        actor: who.arn.clone(),
        source_ip: CI_IP,
        details: vec![("count", "40".into()), ("error_code", "AccessDenied".into()), ("user_name", "ci-deploy".into())],
    };
    p.record(facts, events, ids);
}

fn stop_logging(p: &mut Planted, rng: &mut Rng, world: &World, clock: &Clock, seed: u64) {
    let account = world.account(0);
    let mut who = world
        .of(account, Style::Automation)
        .into_iter()
        .find(|p| p.arn.contains("app-backend-role"))
        .expect("app role")
        .clone();
    who.ips = vec![STOP_LOGGING_IP.into()];
    who.agent = agents::CLI;
    let trail = assets::trail(account);
    let at = clock.seoul(1, 4, 15) + Duration::seconds(27);
    let call = Call { who: &who, at, region: VIRGINIA, service: "cloudtrail", name: "StopLogging" };
    let e = call.build(rng, seed, json!({ "name": trail }), Value::Null, false);
    let id = e.event_id.clone();
    let facts = Facts {
        kind: IncidentKind::StopLogging,
        description: format!("The role session {} stopped the trail {trail} at night from {STOP_LOGGING_IP}.", who.arn),
        account,
        region: VIRGINIA,
        actor: who.arn.clone(),
        source_ip: STOP_LOGGING_IP,
        details: vec![("trail_arn", trail.clone())],
    };
    p.record(facts, vec![e], vec![id]);
}

fn terraform(p: &mut Planted, rng: &mut Rng, world: &World, clock: &Clock, seed: u64) {
    let account = world.account(2);
    let who = world.of(account, Style::Terraform)[0].clone();
    let start = clock.seoul(1, 10, 0) + Duration::seconds(12);
    let writes = terraform_writes(rng, account);
    let mut events = Vec::new();
    let mut ids = Vec::new();
    for (i, (service, name, request)) in writes.into_iter().enumerate() {
        let at = start + Duration::seconds(i as i64 * 6 + rng.range(0, 5));
        if i % 3 == 0 {
            let read = Call { who: &who, at, region: SEOUL, service: "ec2", name: "DescribeVpcs" };
            events.push(read.build(rng, seed, json!({ "vpcSet": {}, "filterSet": {} }), Value::Null, true));
        }
        let call = Call { who: &who, at, region: SEOUL, service, name: &name };
        let e = call.build(rng, seed, request, json!({ "_return": true }), false);
        ids.push(e.event_id.clone());
        events.push(e);
    }
    let facts = Facts {
        kind: IncidentKind::TerraformBulkChange,
        description: format!(
            "terraform-deployer made {} write calls with Terraform in about seven minutes.",
            ids.len()
        ),
        account,
        region: SEOUL,
        actor: who.arn.clone(),
        source_ip: CI_IP,
        details: vec![("write_count", ids.len().to_string()), ("user_agent", agents::TERRAFORM.into())],
    };
    p.record(facts, events, ids);
}

fn terraform_writes(rng: &mut Rng, account: &str) -> Vec<(&'static str, String, Value)> {
    let mut out: Vec<(&'static str, String, Value)> = Vec::new();
    let vpc = assets::id(account, "tf-vpc", 0, "vpc-0");
    out.push(("ec2", "CreateVpc".into(), json!({ "cidrBlock": "10.40.0.0/16" })));
    for n in 0..6 {
        out.push(("ec2", "CreateSubnet".into(), json!({ "vpcId": vpc, "cidrBlock": format!("10.40.{n}.0/24") })));
        out.push((
            "ec2",
            "CreateTags".into(),
            tag_request(&format!("subnet-0{}", rng.hex(16)), "ManagedBy", "terraform"),
        ));
    }
    for n in 0..8 {
        let group = format!("sg-0{}", rng.hex(16));
        out.push(("ec2", "CreateSecurityGroup".into(), json!({ "groupName": format!("svc-{n}"), "vpcId": vpc })));
        out.push(("ec2", "AuthorizeSecurityGroupIngress".into(), ingress_request(&group, "10.40.0.0/16", 443)));
        out.push(("ec2", "CreateTags".into(), tag_request(&group, "ManagedBy", "terraform")));
    }
    for name in
        ["CreateRouteTable", "CreateInternetGateway", "AttachInternetGateway", "CreateNatGateway", "AllocateAddress"]
    {
        out.push(("ec2", name.into(), json!({ "vpcId": vpc })));
    }
    for n in 0..6 {
        out.push(("logs", "CreateLogGroup".into(), json!({ "logGroupName": format!("/ecs/service-{n}") })));
        out.push((
            "logs",
            "PutRetentionPolicy".into(),
            json!({ "logGroupName": format!("/ecs/service-{n}"), "retentionInDays": 30 }),
        ));
    }
    for name in [
        "CreateLoadBalancer",
        "CreateTargetGroup",
        "CreateListener",
        "ModifyLoadBalancerAttributes",
        "ModifyTargetGroupAttributes",
    ] {
        out.push(("elasticloadbalancing", name.into(), json!({ "name": "svc-alb" })));
    }
    for n in 0..4 {
        out.push(("ecs", "RegisterTaskDefinition".into(), json!({ "family": format!("service-{n}") })));
        out.push(("ecs", "CreateService".into(), json!({ "serviceName": format!("service-{n}"), "cluster": "main" })));
    }
    out
}
