//! A CloudTrail event as a Security Lake v2 `cloud_trail_mgmt_2_0` row (reference §2.1 and §2.3), as JSON.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::parts::{Name, Uid};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::classify::classify;
use super::event::{CtEvent, EventType};

/// `time_dt` text DuckDB reads as a UTC `TIMESTAMP`.
pub fn timestamp_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

#[derive(Serialize)]
struct Product<'a> {
    version: &'a str,
    name: &'a str,
    vendor_name: &'a str,
    feature: Name<'a>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    product: Product<'a>,
    event_code: &'a str,
    uid: &'a str,
    profiles: [&'a str; 2],
    version: &'a str,
}

#[derive(Serialize)]
struct Cloud<'a> {
    region: &'a str,
    provider: &'a str,
}

#[derive(Serialize)]
struct Response<'a> {
    error: Option<&'a str>,
    message: Option<&'a str>,
    data: Option<String>,
}

#[derive(Serialize)]
struct Request<'a> {
    data: Option<String>,
    uid: Option<&'a str>,
}

#[derive(Serialize)]
struct Api<'a> {
    response: Response<'a>,
    operation: &'a str,
    version: Option<&'a str>,
    service: Name<'a>,
    request: Request<'a>,
}

#[derive(Serialize)]
struct ActorUser<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    name: Option<&'a str>,
    uid_alt: Option<&'a str>,
    uid: Option<&'a str>,
    account: Option<Uid<'a>>,
    credential_uid: Option<&'a str>,
}

#[derive(Serialize)]
struct ActorSession<'a> {
    created_time_dt: String,
    is_mfa: bool,
    issuer: Option<&'a str>,
}

#[derive(Serialize)]
struct Actor<'a> {
    user: ActorUser<'a>,
    session: Option<ActorSession<'a>>,
    invoked_by: Option<&'a str>,
    idp: Option<Name<'a>>,
}

#[derive(Serialize)]
struct SrcEndpoint<'a> {
    uid: Option<&'a str>,
    ip: Option<&'a str>,
    domain: Option<&'a str>,
}

#[derive(Serialize)]
struct Session<'a> {
    uid: Option<&'a str>,
    uid_alt: Option<&'a str>,
    credential_uid: Option<&'a str>,
    issuer: Option<&'a str>,
}

#[derive(Serialize)]
struct ResourceRow<'a> {
    uid: &'a str,
    owner: OwnerRow<'a>,
    #[serde(rename = "type")]
    kind: &'a str,
}

#[derive(Serialize)]
struct OwnerRow<'a> {
    account: Uid<'a>,
}

#[derive(Serialize)]
struct TargetUser<'a> {
    uid_alt: Option<&'a str>,
    uid: Option<&'a str>,
    name: Option<&'a str>,
}

/// One entry of `observables`.
#[derive(Serialize)]
pub struct Observable<'a> {
    /// Field path.
    pub name: &'a str,
    /// Value.
    pub value: &'a str,
    /// Type name.
    #[serde(rename = "type")]
    pub kind: &'a str,
    /// Type id.
    pub type_id: i32,
}

#[derive(Serialize)]
struct CtRow<'a> {
    metadata: Metadata<'a>,
    time: i64,
    time_dt: String,
    cloud: Cloud<'a>,
    api: Api<'a>,
    dst_endpoint: Option<SvcName<'a>>,
    actor: Actor<'a>,
    http_request: UserAgent<'a>,
    src_endpoint: SrcEndpoint<'a>,
    session: Option<Session<'a>>,
    policy: Option<Uid<'a>>,
    resources: Option<Vec<ResourceRow<'a>>>,
    class_name: &'a str,
    class_uid: i32,
    category_name: &'a str,
    category_uid: i32,
    severity_id: i32,
    severity: &'a str,
    user: Option<TargetUser<'a>>,
    activity_name: &'a str,
    activity_id: i32,
    type_uid: i64,
    type_name: String,
    status: &'a str,
    is_mfa: Option<bool>,
    unmapped: BTreeMap<String, String>,
    accountid: &'a str,
    region: &'a str,
    asl_version: &'a str,
    observables: Vec<Observable<'a>>,
}

#[derive(Serialize)]
struct SvcName<'a> {
    svc_name: &'a str,
}

#[derive(Serialize)]
struct UserAgent<'a> {
    user_agent: &'a str,
}

fn json_text(v: &Value) -> Option<String> {
    (!v.is_null()).then(|| v.to_string())
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, key| v.get(key))?.as_str()
}

/// Writes `e` as one JSON line of the CloudTrail table.
pub fn write_row(out: &mut impl std::io::Write, e: &CtEvent) -> std::io::Result<()> {
    let class = classify(&e.name);
    let id = &e.identity;
    let is_ip = e.source_ip.parse::<IpAddr>().is_ok();
    let auth = class.class_uid == 3002;
    let change = class.class_uid == 3001;
    let status = if e.failed() { "Failure" } else { "Success" };
    let target = change
        .then(|| TargetUser {
            uid_alt: str_at(&e.response, &["user", "userId"]),
            uid: str_at(&e.response, &["user", "arn"]),
            name: str_at(&e.request, &["userName"]).or(str_at(&e.response, &["accessKey", "userName"])),
        })
        .filter(|t| t.name.is_some() || t.uid.is_some());
    let target_name = target.as_ref().and_then(|t| t.name);
    let mut observables = Vec::new();
    if is_ip {
        observables.push(Observable { name: "src_endpoint.ip", value: &e.source_ip, kind: "IP Address", type_id: 2 });
    }
    if let Some(name) = id.user_name.as_deref() {
        observables.push(Observable { name: "actor.user.name", value: name, kind: "User Name", type_id: 4 });
    }
    if let Some(name) = target_name {
        observables.push(Observable { name: "user.name", value: name, kind: "User Name", type_id: 4 });
    }
    let row = CtRow {
        metadata: Metadata {
            product: Product {
                version: e.event_version,
                name: "CloudTrail",
                vendor_name: "AWS",
                feature: Name { name: "Management" },
            },
            event_code: e.event_type.as_str(),
            uid: &e.event_id,
            profiles: ["cloud", "datetime"],
            version: "1.1.0",
        },
        time: e.time.timestamp_millis(),
        time_dt: timestamp_text(e.time),
        cloud: Cloud { region: &e.region, provider: "AWS" },
        api: Api {
            response: Response {
                error: e.error_code.as_deref(),
                message: e.error_message.as_deref(),
                data: json_text(&e.response),
            },
            operation: &e.name,
            version: None,
            service: Name { name: &e.source },
            request: Request { data: json_text(&e.request), uid: e.request_id.as_deref() },
        },
        dst_endpoint: str_at(&e.additional, &["LoginTo"]).filter(|_| auth).map(|svc_name| SvcName { svc_name }),
        actor: Actor {
            user: ActorUser {
                kind: id.kind.as_str(),
                name: id.user_name.as_deref(),
                uid_alt: id.principal_id.as_deref(),
                uid: id.arn.as_deref(),
                account: id.account_id.as_deref().map(|uid| Uid { uid }),
                credential_uid: id.access_key_id.as_deref(),
            },
            session: id.session.as_ref().map(|s| ActorSession {
                created_time_dt: timestamp_text(s.created),
                is_mfa: s.mfa,
                issuer: s.issuer.as_ref().map(|i| i.arn.as_str()),
            }),
            invoked_by: id.invoked_by.as_deref(),
            idp: None,
        },
        http_request: UserAgent { user_agent: &e.user_agent },
        src_endpoint: SrcEndpoint {
            uid: e.vpc_endpoint.as_deref(),
            ip: is_ip.then_some(e.source_ip.as_str()),
            domain: (!is_ip).then_some(e.source_ip.as_str()),
        },
        session: assumed_session(e),
        policy: str_at(&e.request, &["policyArn"]).map(|uid| Uid { uid }),
        resources: (!e.resources.is_empty()).then(|| {
            e.resources
                .iter()
                .map(|r| ResourceRow {
                    uid: &r.arn,
                    owner: OwnerRow { account: Uid { uid: &r.account_id } },
                    kind: &r.kind,
                })
                .collect()
        }),
        class_name: class.class_name,
        class_uid: class.class_uid,
        category_name: class.category_name,
        category_uid: class.category_uid,
        severity_id: 1,
        severity: "Informational",
        user: target,
        activity_name: class.activity_name,
        activity_id: class.activity_id,
        type_uid: class.type_uid(),
        type_name: class.type_name(),
        status,
        is_mfa: str_at(&e.additional, &["MFAUsed"]).filter(|_| auth).map(|v| v.eq_ignore_ascii_case("yes")),
        unmapped: unmapped(e),
        accountid: &e.recipient_account,
        region: &e.region,
        asl_version: "2.0",
        observables,
    };
    serde_json::to_writer(&mut *out, &row)?;
    out.write_all(b"\n")
}

/// Top-level `session` for STS calls that issue credentials.
fn assumed_session(e: &CtEvent) -> Option<Session<'_>> {
    let key = str_at(&e.response, &["credentials", "accessKeyId"])?;
    Some(Session {
        uid: None,
        uid_alt: str_at(&e.response, &["assumedRoleUser", "assumedRoleId"]),
        credential_uid: Some(key),
        issuer: str_at(&e.request, &["roleArn"]),
    })
}

/// Fields with no OCSF home, under their dotted CloudTrail names.
pub fn unmapped(e: &CtEvent) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    m.insert("recipientAccountId".into(), e.recipient_account.clone());
    m.insert("readOnly".into(), e.read_only.to_string());
    m.insert("managementEvent".into(), "true".into());
    if e.from_console {
        m.insert("sessionCredentialFromConsole".into(), "true".into());
    }
    if let Some(issuer) = e.identity.session.as_ref().and_then(|s| s.issuer.as_ref()) {
        let prefix = "userIdentity.sessionContext.sessionIssuer";
        m.insert(format!("{prefix}.type"), "Role".into());
        m.insert(format!("{prefix}.principalId"), issuer.principal_id.clone());
        m.insert(format!("{prefix}.accountId"), issuer.account_id.clone());
        m.insert(format!("{prefix}.userName"), issuer.user_name.clone());
    }
    if let Value::Object(extra) = &e.additional {
        let auth = e.event_type == EventType::ConsoleSignIn;
        for (k, v) in extra {
            if auth && (k == "MFAUsed" || k == "LoginTo") {
                continue;
            }
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            m.insert(format!("additionalEventData.{k}"), text);
        }
    }
    m
}
