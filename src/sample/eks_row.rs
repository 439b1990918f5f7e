//! An EKS audit event as a Security Lake v2 `eks_audit_2_0` row (OCSF API Activity 6003), and the table's DDL.
//!
//! Shape: the Glue schema in aws-samples `sample-generative-ai-chatbot-for-amazon-security-lake`
//! (`…_eks_audit_2_0.json`); field mapping: ocsf/examples `mappings/markdown/AWS/v1.1.0/EKS Audit Logs`.

use std::collections::BTreeMap;

use super::parts::{Name, Uid};
use serde::Serialize;

use super::eks::{K8sEvent, received};
use super::ocsf::{Observable, timestamp_text};

/// `CREATE TABLE` for the EKS audit table.
pub const DDL: &str = r#"CREATE TABLE IF NOT EXISTS eks_audit_2_0 (
    metadata STRUCT(log_level VARCHAR, product STRUCT(version VARCHAR, vendor_name VARCHAR, name VARCHAR, feature STRUCT(name VARCHAR)), profiles VARCHAR[], version VARCHAR),
    api STRUCT(request STRUCT(uid VARCHAR, containers STRUCT(name VARCHAR, image STRUCT(name VARCHAR, path VARCHAR, uid VARCHAR))[]), operation VARCHAR, version VARCHAR, response STRUCT(code INTEGER, message VARCHAR, error VARCHAR, error_message VARCHAR, containers STRUCT(name VARCHAR, image STRUCT(name VARCHAR, path VARCHAR, uid VARCHAR))[]), "group" STRUCT(name VARCHAR)),
    message VARCHAR,
    http_request STRUCT(url STRUCT(path VARCHAR), user_agent VARCHAR),
    actor STRUCT("user" STRUCT(name VARCHAR, uid VARCHAR, groups STRUCT(name VARCHAR)[], type_id INTEGER), session STRUCT(credential_uid VARCHAR, issuer VARCHAR, uid VARCHAR)),
    cloud STRUCT(account STRUCT(uid VARCHAR), provider VARCHAR),
    src_endpoint STRUCT(ip VARCHAR, intermediate_ips VARCHAR[]),
    resources STRUCT(namespace VARCHAR, name VARCHAR, uid VARCHAR, version VARCHAR, type VARCHAR)[],
    start_time_dt TIMESTAMP,
    time_dt TIMESTAMP,
    time BIGINT,
    severity_id INTEGER,
    severity VARCHAR,
    class_name VARCHAR,
    class_uid INTEGER,
    category_name VARCHAR,
    category_uid INTEGER,
    activity_name VARCHAR,
    activity_id INTEGER,
    type_name VARCHAR,
    type_uid BIGINT,
    unmapped MAP(VARCHAR, VARCHAR),
    accountid VARCHAR,
    region VARCHAR,
    asl_version VARCHAR,
    observables STRUCT(name VARCHAR, value VARCHAR, type VARCHAR, type_id INTEGER)[]
)"#;

#[derive(Serialize)]
struct Product<'a> {
    version: &'a str,
    vendor_name: &'a str,
    name: &'a str,
    feature: Name<'a>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    log_level: &'a str,
    product: Product<'a>,
    profiles: [&'a str; 2],
    version: &'a str,
}

#[derive(Serialize)]
struct Request<'a> {
    uid: &'a str,
}

#[derive(Serialize)]
struct Response<'a> {
    code: i32,
    message: Option<&'a str>,
    error: Option<&'a str>,
    error_message: Option<&'a str>,
}

#[derive(Serialize)]
struct Api<'a> {
    request: Request<'a>,
    operation: &'a str,
    version: &'a str,
    response: Response<'a>,
    group: Name<'a>,
}

#[derive(Serialize)]
struct Path<'a> {
    path: &'a str,
}

#[derive(Serialize)]
struct Http<'a> {
    url: Path<'a>,
    user_agent: &'a str,
}

#[derive(Serialize)]
struct User<'a> {
    name: &'a str,
    uid: Option<&'a str>,
    groups: Vec<Name<'a>>,
    type_id: i32,
}

#[derive(Serialize)]
struct Session<'a> {
    credential_uid: Option<&'a str>,
    issuer: Option<&'a str>,
    uid: Option<&'a str>,
}

#[derive(Serialize)]
struct Actor<'a> {
    user: User<'a>,
    session: Option<Session<'a>>,
}

#[derive(Serialize)]
struct Cloud<'a> {
    account: Uid<'a>,
    provider: &'a str,
}

#[derive(Serialize)]
struct Src<'a> {
    ip: &'a str,
    intermediate_ips: Option<Vec<&'a str>>,
}

#[derive(Serialize)]
struct ResourceRow<'a> {
    namespace: Option<&'a str>,
    name: Option<&'a str>,
    uid: Option<&'a str>,
    version: Option<&'a str>,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Serialize)]
struct Row<'a> {
    metadata: Metadata<'a>,
    api: Api<'a>,
    message: &'a str,
    http_request: Http<'a>,
    actor: Actor<'a>,
    cloud: Cloud<'a>,
    src_endpoint: Src<'a>,
    resources: Vec<ResourceRow<'a>>,
    start_time_dt: String,
    time_dt: String,
    time: i64,
    severity_id: i32,
    severity: &'a str,
    class_name: &'a str,
    class_uid: i32,
    category_name: &'a str,
    category_uid: i32,
    activity_name: &'a str,
    activity_id: i32,
    type_name: String,
    type_uid: i64,
    unmapped: BTreeMap<&'a str, String>,
    accountid: &'a str,
    region: &'a str,
    asl_version: &'a str,
    observables: Vec<Observable<'a>>,
}

/// OCSF API Activity from the Kubernetes verb.
fn activity(verb: &str) -> (i32, &'static str) {
    match verb {
        "create" => (1, "Create"),
        "get" | "list" | "watch" => (2, "Read"),
        "update" | "patch" => (3, "Update"),
        "delete" | "deletecollection" => (4, "Delete"),
        _ => (99, "Other"),
    }
}

/// Writes `e` as one JSON line of the EKS audit table.
pub fn write_row(out: &mut Vec<u8>, e: &K8sEvent) -> std::io::Result<()> {
    let (activity_id, activity_name) = activity(e.verb);
    let uri = e.uri();
    let kind = match e.subresource {
        Some(sub) => format!("{}/{sub}", e.resource),
        None => e.resource.to_string(),
    };
    let group = match e.resource {
        "deployments" | "replicasets" => "apps",
        "leases" => "coordination.k8s.io",
        "clusterrolebindings" => "rbac.authorization.k8s.io",
        _ => "",
    };
    let failed = e.code >= 400;
    let reason = match e.code {
        403 => Some("Forbidden"),
        404 => Some("NotFound"),
        401 => Some("Unauthorized"),
        _ => None,
    };
    let mut unmapped = BTreeMap::new();
    unmapped.insert("annotations.authorization.k8s.io/decision", if e.allowed { "allow" } else { "forbid" }.into());
    unmapped.insert("annotations.authorization.k8s.io/reason", e.reason.clone());
    unmapped.insert("cluster_name", e.cluster.clone());
    unmapped.insert("kind", "Event".into());
    let row = Row {
        metadata: Metadata {
            log_level: "Metadata",
            product: Product {
                version: "audit.k8s.io/v1",
                vendor_name: "AWS",
                name: "Amazon EKS",
                feature: Name { name: "Elastic Kubernetes Service" },
            },
            profiles: ["cloud", "datetime"],
            version: "1.1.0",
        },
        api: Api {
            request: Request { uid: &e.audit_id },
            operation: e.verb,
            version: "v1",
            response: Response {
                code: e.code,
                message: None,
                error: reason,
                error_message: failed.then_some("Failure"),
            },
            group: Name { name: group },
        },
        message: "ResponseComplete",
        http_request: Http { url: Path { path: &uri }, user_agent: &e.user_agent },
        actor: Actor {
            user: User {
                name: &e.user,
                uid: None,
                groups: e.groups.iter().map(|g| Name { name: g }).collect(),
                type_id: 0,
            },
            session: e.issuer.as_deref().map(|issuer| Session {
                credential_uid: None,
                issuer: Some(issuer),
                uid: None,
            }),
        },
        cloud: Cloud { account: Uid { uid: &e.account }, provider: "AWS" },
        src_endpoint: Src { ip: &e.source_ip, intermediate_ips: None },
        resources: vec![ResourceRow {
            namespace: e.namespace.as_deref(),
            name: e.name.as_deref(),
            uid: None,
            version: None,
            kind,
        }],
        start_time_dt: timestamp_text(received(e)),
        time_dt: timestamp_text(e.time),
        time: e.time.timestamp_millis(),
        severity_id: 1,
        severity: "Informational",
        class_name: "API Activity",
        class_uid: 6003,
        category_name: "Application Activity",
        category_uid: 6,
        activity_name,
        activity_id,
        type_name: format!("API Activity: {activity_name}"),
        type_uid: 600300 + i64::from(activity_id),
        unmapped,
        accountid: &e.account,
        region: e.region,
        asl_version: "2.0",
        observables: vec![
            Observable { name: "actor.user.name", value: &e.user, kind: "User Name", type_id: 4 },
            Observable { name: "src_endpoint.ip", value: &e.source_ip, kind: "IP Address", type_id: 2 },
        ],
    };
    serde_json::to_writer(&mut *out, &row).map_err(std::io::Error::other)?;
    out.push(b'\n');
    Ok(())
}
