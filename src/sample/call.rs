//! Builds [`CtEvent`]s for a principal: the common fields once, then small adjustments per scenario.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::event::{CtEvent, EventType, Identity, IdentityKind, Resource};
use super::rng::Rng;
use super::world::{Principal, agents};

/// Everything that varies between calls of one principal.
pub struct Call<'a> {
    /// Who calls.
    pub who: &'a Principal,
    /// When.
    pub at: DateTime<Utc>,
    /// `awsRegion`.
    pub region: &'a str,
    /// Service prefix, e.g. `ec2` (→ `ec2.amazonaws.com`).
    pub service: &'a str,
    /// `eventName`.
    pub name: &'a str,
}

impl Call<'_> {
    /// A successful SDK/CLI call from one of the principal's usual IPs.
    pub fn build(&self, rng: &mut Rng, seed: u64, request: Value, response: Value, read_only: bool) -> CtEvent {
        let who = self.who;
        let identity = who.identity(seed, self.at, false, false);
        let source_ip = if who.ips.is_empty() { "AWS Internal".to_string() } else { rng.pick(&who.ips).clone() };
        let user_agent = match who.kind {
            IdentityKind::AwsService => who.service.clone().unwrap_or_default(),
            _ => who.agent.to_string(),
        };
        CtEvent {
            event_version: "1.09",
            identity,
            time: self.at,
            source: format!("{}.amazonaws.com", self.service),
            name: self.name.to_string(),
            region: self.region.to_string(),
            source_ip,
            user_agent,
            error_code: None,
            error_message: None,
            request,
            response,
            additional: Value::Null,
            request_id: Some(rng.uuid()),
            event_id: rng.uuid(),
            read_only,
            resources: Vec::new(),
            event_type: EventType::ApiCall,
            recipient_account: who.account.clone(),
            vpc_endpoint: None,
            from_console: false,
        }
    }
}

/// Turns `e` into a console call with `agent` (a console session identity, credential from the console).
pub fn via_console(mut e: CtEvent, who: &Principal, seed: u64, agent: &str) -> CtEvent {
    e.identity = who.identity(seed, e.time, true, false);
    e.user_agent = agent.to_string();
    e.from_console = true;
    e
}

/// Marks `e` as failed with `code` and `message` (responseElements become null, as CloudTrail records).
pub fn fail(mut e: CtEvent, code: &str, message: &str) -> CtEvent {
    e.error_code = Some(code.to_string());
    e.error_message = Some(message.to_string());
    e.response = Value::Null;
    e
}

/// A `ConsoleLogin` event for `who` (`identity` lets failed logins hide details).
pub fn console_login(rng: &mut Rng, who: &Principal, at: DateTime<Utc>, ip: &str, mfa: bool, ok: bool) -> CtEvent {
    let identity: Identity = who.identity(0, at, false, true);
    let mut additional = json!({
        "LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
        "MobileVersion": "No",
        "MFAUsed": if mfa { "Yes" } else { "No" },
    });
    if mfa {
        let device = match who.kind {
            IdentityKind::Root => format!("arn:aws:iam::{}:mfa/root-account-mfa-device", who.account),
            _ => format!("arn:aws:iam::{}:mfa/{}", who.account, who.display()),
        };
        additional["MFAIdentifier"] = Value::String(device);
    }
    CtEvent {
        event_version: "1.09",
        identity,
        time: at,
        source: "signin.amazonaws.com".into(),
        name: "ConsoleLogin".into(),
        region: super::world::VIRGINIA.into(),
        source_ip: ip.to_string(),
        user_agent: rng.pick(&agents::BROWSERS).to_string(),
        error_code: None,
        error_message: (!ok).then(|| "Failed authentication".to_string()),
        request: Value::Null,
        response: json!({ "ConsoleLogin": if ok { "Success" } else { "Failure" } }),
        additional,
        request_id: None,
        event_id: rng.uuid(),
        read_only: false,
        resources: Vec::new(),
        event_type: EventType::ConsoleSignIn,
        recipient_account: who.account.clone(),
        vpc_endpoint: None,
        from_console: false,
    }
}

/// An `AssumeRole` issuing temporary credentials for `role_arn`, with the role as a resource.
pub fn assume_role(rng: &mut Rng, seed: u64, call: &Call<'_>, role_arn: &str, session: &str) -> CtEvent {
    let key = format!("ASIA{}", rng.iam_chars(16));
    let role_id = format!("AROA{}", rng.iam_chars(17));
    let role_name = role_arn.rsplit('/').next().unwrap_or(role_arn);
    let account = call.who.account.clone();
    let expires = super::raw::event_time(call.at + chrono::Duration::hours(1));
    let mut e = call.build(
        rng,
        seed,
        json!({ "roleArn": role_arn, "roleSessionName": session, "durationSeconds": 3600 }),
        json!({
            "credentials": { "accessKeyId": key, "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLE", "expiration": expires },
            "assumedRoleUser": {
                "assumedRoleId": format!("{role_id}:{session}"),
                "arn": format!("arn:aws:sts::{account}:assumed-role/{role_name}/{session}"),
            }
        }),
        true,
    );
    e.resources = vec![Resource { arn: role_arn.to_string(), account_id: account, kind: "AWS::IAM::Role".into() }];
    e
}
