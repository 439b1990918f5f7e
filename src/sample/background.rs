//! Ordinary CloudTrail traffic: SDK reads, KMS, role assumption, console sign-ins and everyday changes, with the
//! long tail of a few hundred other operations (`ops`) and thousands of source addresses (`ips`).
//!
//! Nothing here may resemble a planted incident: no root sign-in without MFA, no world-open ingress, no admin
//! policy grants, no `StopLogging`, no new access keys or key pairs, no bursts of denials, no large Terraform runs.

use serde_json::{Value, json};

use super::assets;
use super::call::{Call, assume_role, console_login, fail, via_console};
use super::event::{CtEvent, Resource};
use super::rng::Rng;
use super::timing::{Clock, Rhythm};
use super::world::{Principal, REGIONS, SEOUL, Style, VIRGINIA, World, agents};
use super::{ips, ops};

/// Read calls: (service, eventName, requestParameters as JSON text).
const READS: [(&str, &str, &str); 30] = [
    ("ec2", "DescribeInstances", r#"{"instancesSet":{},"filterSet":{}}"#),
    ("ec2", "DescribeSecurityGroups", r#"{"securityGroupSet":{},"securityGroupIdSet":{},"filterSet":{}}"#),
    ("ec2", "DescribeVolumes", r#"{"volumeSet":{},"filterSet":{}}"#),
    ("ec2", "DescribeSubnets", r#"{"subnetSet":{},"filterSet":{}}"#),
    ("ec2", "DescribeVpcs", r#"{"vpcSet":{},"filterSet":{}}"#),
    ("ec2", "DescribeNetworkInterfaces", r#"{"networkInterfaceIdSet":{},"filterSet":{}}"#),
    ("ec2", "DescribeInstanceStatus", r#"{"instancesSet":{},"filterSet":{},"includeAllInstances":false}"#),
    ("s3", "ListBuckets", r#"{"Host":"s3.amazonaws.com"}"#),
    ("s3", "GetBucketLocation", r#"{"location":"","Host":"s3.amazonaws.com"}"#),
    ("s3", "GetBucketPolicy", r#"{"policy":"","Host":"s3.amazonaws.com"}"#),
    ("s3", "GetBucketAcl", r#"{"acl":"","Host":"s3.amazonaws.com"}"#),
    ("s3", "GetBucketEncryption", r#"{"encryption":"","Host":"s3.amazonaws.com"}"#),
    ("iam", "ListUsers", "{}"),
    ("iam", "ListRoles", "{}"),
    ("iam", "GetRole", r#"{"roleName":"app-backend-role"}"#),
    ("iam", "ListAttachedRolePolicies", r#"{"roleName":"eks-node-group-role"}"#),
    ("iam", "GetAccountSummary", "null"),
    ("sts", "GetCallerIdentity", "null"),
    ("cloudtrail", "DescribeTrails", r#"{"includeShadowTrails":true}"#),
    ("cloudtrail", "LookupEvents", r#"{"maxResults":50}"#),
    ("logs", "DescribeLogGroups", r#"{"limit":50}"#),
    (
        "logs",
        "DescribeLogStreams",
        r#"{"logGroupName":"/aws/lambda/cost-report","descending":true,"orderBy":"LastEventTime"}"#,
    ),
    ("lambda", "ListFunctions20150331", "null"),
    ("rds", "DescribeDBInstances", r#"{"maxRecords":100}"#),
    ("rds", "DescribeDBSnapshots", r#"{"snapshotType":"manual"}"#),
    ("elasticloadbalancing", "DescribeLoadBalancers", "null"),
    ("elasticloadbalancing", "DescribeTargetHealth", r#"{"targetGroupArn":"web-tg"}"#),
    ("monitoring", "DescribeAlarms", r#"{"stateValue":"ALARM"}"#),
    ("ssm", "DescribeInstanceInformation", r#"{"maxResults":50}"#),
    ("eks", "DescribeCluster", r#"{"name":"main"}"#),
];

/// Managed policies granted in everyday work (never administrator access).
const EVERYDAY_POLICIES: [&str; 3] = [
    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
];

/// An inline policy document as IAM receives it (a JSON string).
const LOG_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/*"}]}"#;

/// Generates ordinary events.
pub struct Background<'a> {
    world: &'a World,
    clock: &'a Clock,
    seed: u64,
    rng: Rng,
    principals: Vec<Principal>,
}

impl<'a> Background<'a> {
    /// A generator over `world` and `clock`, each workload calling from `pool` addresses ([`ips::pool_size`]).
    pub fn new(world: &'a World, clock: &'a Clock, seed: u64, pool: usize) -> Self {
        let principals = ips::widen(world, pool, seed);
        Self { world, clock, seed, rng: Rng::fork(seed, "cloudtrail-background"), principals }
    }

    /// `count` events (unsorted).
    pub fn events(&mut self, count: usize) -> Vec<CtEvent> {
        let mut out = Vec::with_capacity(count);
        // A few root sign-ins, always with MFA, spread over the month.
        let roots = (count / 4000).clamp(1, 6);
        for i in 0..roots {
            out.push(self.root_login(i));
        }
        while out.len() < count {
            let kind = self.rng.weighted(&[500, 90, 70, 100, 60, 70, 25, 30, 30, 40]);
            let e = match kind {
                9 => self.machine_write(),
                0 => self.machine_read(),
                1 => self.kms(),
                2 => self.service_assume(),
                3 => self.human_read(),
                4 => self.human_console_read(),
                5 => self.human_write(),
                6 => self.login(),
                7 => self.cloudformation(),
                _ => self.terraform(),
            };
            out.push(e);
        }
        out
    }

    fn account(&mut self) -> String {
        let ix = self.rng.weighted(&[5, 3, 2]);
        self.world.account(ix).to_string()
    }

    fn principal(&mut self, style: Style) -> Principal {
        loop {
            let account = self.account();
            let all: Vec<&Principal> =
                self.principals.iter().filter(|p| p.account == account && p.style == style).collect();
            if !all.is_empty() {
                return (*self.rng.pick(&all)).clone();
            }
        }
    }

    fn region_for(&mut self, service: &str) -> &'static str {
        if service == "iam" || self.rng.chance(0.3) { VIRGINIA } else { SEOUL }
    }

    fn read(&mut self, who: &Principal, rhythm: Rhythm) -> CtEvent {
        let (service, name, request) = if self.rng.chance(0.3) {
            let op = ops::draw(&mut self.rng, true);
            (op.service, op.name, Value::Null)
        } else {
            let weights: Vec<u32> = (0..READS.len() as u32).map(|rank| 1000 / (rank + 1)).collect();
            let (service, name, request) = READS[self.rng.weighted(&weights)];
            (service, name, serde_json::from_str(request).unwrap_or(Value::Null))
        };
        let at = self.clock.sample(&mut self.rng, rhythm);
        let region = self.region_for(service);
        let call = Call { who, at, region, service, name };
        let mut e = call.build(&mut self.rng, self.seed, request, Value::Null, true);
        if self.rng.chance(0.015) {
            e = self.read_error(e);
        }
        mark_endpoint(e)
    }

    /// One change from the long tail by `who` at `at`.
    fn tail_write(&mut self, who: &Principal, at: chrono::DateTime<chrono::Utc>) -> CtEvent {
        let op = ops::draw(&mut self.rng, false);
        let request = ops::request(op, &who.account, self.rng.below(1000));
        let region = self.region_for(op.service);
        let call = Call { who, at, region, service: op.service, name: op.name };
        mark_endpoint(call.build(&mut self.rng, self.seed, request, Value::Null, false))
    }

    fn machine_write(&mut self) -> CtEvent {
        let who = self.principal(Style::Automation);
        let at = self.clock.sample(&mut self.rng, Rhythm::Machine);
        self.tail_write(&who, at)
    }

    fn read_error(&mut self, e: CtEvent) -> CtEvent {
        let who = e.identity.arn.clone().unwrap_or_default();
        if e.source == "ec2.amazonaws.com" {
            return fail(e, "Client.UnauthorizedOperation", "You are not authorized to perform this operation.");
        }
        if self.rng.chance(0.4) {
            return fail(e, "ThrottlingException", "Rate exceeded");
        }
        let msg = format!(
            "User: {who} is not authorized to perform this action because no identity-based policy allows the action"
        );
        fail(e, "AccessDenied", &msg)
    }

    fn machine_read(&mut self) -> CtEvent {
        let who = self.principal(Style::Automation);
        self.read(&who, Rhythm::Machine)
    }

    fn human_read(&mut self) -> CtEvent {
        let who = self.principal(Style::Human);
        self.read(&who, Rhythm::Human)
    }

    fn human_console_read(&mut self) -> CtEvent {
        let who = self.principal(Style::Human);
        let e = self.read(&who, Rhythm::Human);
        let agent = if e.source == "ec2.amazonaws.com" { agents::EC2_CONSOLE } else { agents::CONSOLE };
        via_console(e, &who, self.seed, agent)
    }

    fn kms(&mut self) -> CtEvent {
        let who = self.principal(Style::Automation);
        let at = self.clock.sample(&mut self.rng, Rhythm::Machine);
        let region = if self.rng.chance(0.75) { SEOUL } else { VIRGINIA };
        let key = assets::kms_key(&who.account, region);
        let name = if self.rng.chance(0.7) { "Decrypt" } else { "GenerateDataKey" };
        let request = if name == "Decrypt" {
            let function = format!("arn:aws:lambda:{region}:{}:function:cost-report", who.account);
            json!({
                "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                "encryptionContext": { "aws:lambda:FunctionArn": function }
            })
        } else {
            json!({ "keyId": key, "keySpec": "AES_256" })
        };
        let call = Call { who: &who, at, region, service: "kms", name };
        let mut e = call.build(&mut self.rng, self.seed, request, Value::Null, true);
        e.resources = vec![Resource { arn: key, account_id: who.account.clone(), kind: "AWS::KMS::Key".into() }];
        e
    }

    fn service_assume(&mut self) -> CtEvent {
        let who = self.principal(Style::Service);
        let at = self.clock.sample(&mut self.rng, Rhythm::Machine);
        let region = if self.rng.chance(0.7) { SEOUL } else { VIRGINIA };
        let role = match who.service.as_deref() {
            Some("lambda.amazonaws.com") => "lambda-cost-report",
            Some("ec2.amazonaws.com") => "eks-node-group-role",
            _ => "aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
        };
        let role_arn = format!("arn:aws:iam::{}:role/{role}", who.account);
        let session = self.rng.range(1_700_000_000, 1_800_000_000).to_string();
        let call = Call { who: &who, at, region, service: "sts", name: "AssumeRole" };
        let mut e = assume_role(&mut self.rng, self.seed, &call, &role_arn, &session);
        e.recipient_account = who.account.clone();
        e
    }

    fn login(&mut self) -> CtEvent {
        let who = loop {
            let p = self.principal(Style::Human);
            if p.kind == super::event::IdentityKind::IamUser {
                break p;
            }
        };
        let at = self.clock.sample(&mut self.rng, Rhythm::Human);
        let ip = self.rng.pick(&who.ips).clone();
        let ok = !self.rng.chance(0.08);
        console_login(&mut self.rng, &who, at, &ip, who.mfa, ok)
    }

    fn root_login(&mut self, i: usize) -> CtEvent {
        let account = self.world.account(i % 3).to_string();
        let root = self.world.root(&account, super::world::OFFICE_IP);
        let at = self.clock.sample(&mut self.rng, Rhythm::Human);
        console_login(&mut self.rng, &root, at, super::world::OFFICE_IP, true, true)
    }

    fn human_write(&mut self) -> CtEvent {
        let who = self.principal(Style::Human);
        let at = self.clock.sample(&mut self.rng, Rhythm::Human);
        let console = self.rng.chance(0.5);
        let e = if self.rng.chance(0.35) { self.tail_write(&who, at) } else { self.write(&who, at) };
        if console {
            let agent = if e.source == "ec2.amazonaws.com" { agents::EC2_CONSOLE } else { agents::CONSOLE };
            via_console(e, &who, self.seed, agent)
        } else {
            e
        }
    }

    fn cloudformation(&mut self) -> CtEvent {
        let who = self.principal(Style::CloudFormation);
        let at = self.clock.sample(&mut self.rng, Rhythm::Human);
        if self.rng.chance(0.5) { self.read(&who, Rhythm::Human) } else { self.write(&who, at) }
    }

    fn terraform(&mut self) -> CtEvent {
        let who = self.principal(Style::Terraform);
        let at = self.clock.sample(&mut self.rng, Rhythm::Human);
        if self.rng.chance(0.85) { self.read(&who, Rhythm::Human) } else { self.write(&who, at) }
    }

    /// One everyday change by `who` at `at`.
    fn write(&mut self, who: &Principal, at: chrono::DateTime<chrono::Utc>) -> CtEvent {
        let account = who.account.clone();
        let account_name =
            self.world.accounts.iter().find(|a| a.id == account).map_or(String::new(), |a| a.name.clone());
        let n = self.rng.below(1000);
        let instance = assets::instance(&account, n);
        let group = assets::security_group(&account, n);
        let (service, name, request, response) = match self.rng.below(14) {
            0 => (
                "ec2",
                "StopInstances",
                json!({ "instancesSet": { "items": [{ "instanceId": instance }] }, "force": false }),
                state_change(&instance, (64, "stopping"), (16, "running")),
            ),
            1 => (
                "ec2",
                "StartInstances",
                json!({ "instancesSet": { "items": [{ "instanceId": instance }] } }),
                state_change(&instance, (0, "pending"), (80, "stopped")),
            ),
            2 => ("ec2", "CreateTags", tag_request(&instance, "owner", &who.display()), json!({ "_return": true })),
            3 => {
                let (cidr, port) = *self.rng.pick(&[
                    ("10.0.0.0/16", 5432),
                    ("10.0.0.0/16", 6379),
                    ("10.20.0.0/16", 443),
                    ("172.16.8.0/24", 8080),
                    ("58.151.93.2/32", 3389),
                ]);
                (
                    "ec2",
                    "AuthorizeSecurityGroupIngress",
                    ingress_request(&group, cidr, port),
                    ingress_response(&mut self.rng, &account, &group, cidr, port),
                )
            }
            4 => (
                "ec2",
                "RevokeSecurityGroupIngress",
                ingress_request(&group, "10.0.0.0/16", 6379),
                json!({ "_return": true }),
            ),
            5 => (
                "s3",
                "PutBucketTagging",
                json!({ "bucketName": assets::bucket(&account_name, n), "Host": "s3.amazonaws.com", "tagging": "" }),
                Value::Null,
            ),
            6 => (
                "rds",
                "CreateDBSnapshot",
                json!({
                    "dBInstanceIdentifier": assets::database(n),
                    "dBSnapshotIdentifier": format!("{}-manual-{n}", assets::database(n))
                }),
                json!({ "status": "creating" }),
            ),
            7 => (
                "rds",
                "RestoreDBInstanceFromDBSnapshot",
                json!({
                    "dBInstanceIdentifier": format!("{}-restore-{n}", assets::database(n)),
                    "dBSnapshotIdentifier": format!("{}-manual-{}", assets::database(n), n / 2)
                }),
                json!({ "dBInstanceStatus": "creating" }),
            ),
            8 => (
                "lambda",
                "UpdateFunctionCode20150331v2",
                json!({ "functionName": assets::function(n), "publish": true }),
                json!({ "functionName": assets::function(n), "version": format!("{}", n % 40 + 1) }),
            ),
            9 => (
                "ssm",
                "PutParameter",
                json!({ "name": format!("/app/{}/feature-flags", account_name), "type": "String", "overwrite": true }),
                json!({ "version": n % 30 + 1, "tier": "Standard" }),
            ),
            10 => (
                "iam",
                "AttachRolePolicy",
                json!({ "roleName": assets::app_role(n), "policyArn": *self.rng.pick(&EVERYDAY_POLICIES) }),
                Value::Null,
            ),
            11 => (
                "iam",
                "PutRolePolicy",
                json!({ "roleName": assets::app_role(n), "policyName": "inline-s3-logs", "policyDocument": LOG_POLICY }),
                Value::Null,
            ),
            12 => (
                "iam",
                "TagRole",
                json!({ "roleName": assets::app_role(n), "tags": [{ "key": "team", "value": "platform" }] }),
                Value::Null,
            ),
            _ => ("kms", "EnableKeyRotation", json!({ "keyId": assets::kms_key(&account, SEOUL) }), Value::Null),
        };
        let region = if service == "iam" { VIRGINIA } else { *self.rng.pick(&REGIONS) };
        let call = Call { who, at, region, service, name };
        let e = call.build(&mut self.rng, self.seed, request, response, false);
        if self.rng.chance(0.03) {
            return match service {
                "ec2" => fail(e, "Client.InvalidPermission.Duplicate", "the specified rule already exists"),
                "iam" => fail(e, "NoSuchEntity", "The role with name batch-jobs-role cannot be found."),
                _ => fail(e, "ValidationException", "1 validation error detected"),
            };
        }
        e
    }
}

/// Calls from a private address came through an interface VPC endpoint, as CloudTrail records.
fn mark_endpoint(mut e: CtEvent) -> CtEvent {
    if e.source_ip.starts_with("10.") {
        e.vpc_endpoint = Some(assets::id(&e.recipient_account, "vpce", 0, "vpce-0"));
    }
    e
}

/// `responseElements` of `StopInstances` / `StartInstances` for one instance.
fn state_change(instance: &str, now: (u32, &str), before: (u32, &str)) -> Value {
    json!({ "instancesSet": { "items": [{
        "instanceId": instance,
        "currentState": { "code": now.0, "name": now.1 },
        "previousState": { "code": before.0, "name": before.1 }
    }] } })
}

/// `requestParameters` of `CreateTags` setting one tag on one resource.
pub fn tag_request(resource: &str, key: &str, value: &str) -> Value {
    json!({
        "resourcesSet": { "items": [{ "resourceId": resource }] },
        "tagSet": { "items": [{ "key": key, "value": value }] }
    })
}

/// `requestParameters` of `AuthorizeSecurityGroupIngress` / `Revoke…` for one TCP port and CIDR.
pub fn ingress_request(group: &str, cidr: &str, port: u16) -> Value {
    json!({
        "groupId": group,
        "ipPermissions": { "items": [{
            "ipProtocol": "tcp", "fromPort": port, "toPort": port, "groups": {},
            "ipRanges": { "items": [{ "cidrIp": cidr }] }, "ipv6Ranges": {}, "prefixListIds": {}
        }] }
    })
}

/// `responseElements` of a successful `AuthorizeSecurityGroupIngress`.
pub fn ingress_response(rng: &mut Rng, account: &str, group: &str, cidr: &str, port: u16) -> Value {
    json!({
        "requestId": rng.uuid(),
        "_return": true,
        "securityGroupRuleSet": { "items": [{
            "groupOwnerId": account, "groupId": group, "securityGroupRuleId": format!("sgr-0{}", rng.hex(16)),
            "isEgress": false, "ipProtocol": "tcp", "fromPort": port, "toPort": port, "cidrIpv4": cidr
        }] }
    })
}
