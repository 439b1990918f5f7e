//! A WAF log record as a Security Lake v2 `waf_2_0` row (OCSF HTTP Activity 4002), and the table's DDL.
//!
//! Shape: the Glue schema in aws-samples `sample-generative-ai-chatbot-for-amazon-security-lake`
//! (`…_waf_2_0.json`); field mapping and values: ocsf/examples `mappings/markdown/AWS/v1.1.0/WAF` (README and
//! `Samples/waf.ocsf`: a block is `action 'Denied'`, `disposition 'Blocked'`).

use super::parts::Uid;
use serde::Serialize;

use super::ocsf::{Observable, timestamp_text};
use super::waf::WafEvent;

/// `CREATE TABLE` for the WAF table.
pub const DDL: &str = r#"CREATE TABLE IF NOT EXISTS waf_2_0 (
    metadata STRUCT(product STRUCT(feature STRUCT(uid VARCHAR), version VARCHAR, vendor_name VARCHAR, name VARCHAR), labels VARCHAR[], profiles VARCHAR[], version VARCHAR),
    src_endpoint STRUCT(svc_name VARCHAR, uid VARCHAR, ip VARCHAR, location STRUCT(country VARCHAR)),
    http_request STRUCT(url STRUCT(path VARCHAR, hostname VARCHAR), version VARCHAR, http_method VARCHAR, uid VARCHAR, args VARCHAR, http_headers STRUCT(name VARCHAR, value VARCHAR)[], user_agent VARCHAR, x_forwarded_for VARCHAR[], referrer VARCHAR),
    firewall_rule STRUCT(uid VARCHAR, type VARCHAR, condition VARCHAR, match_location VARCHAR, match_details VARCHAR[], rate_limit INTEGER),
    http_status INTEGER,
    time BIGINT,
    time_dt TIMESTAMP,
    class_name VARCHAR,
    class_uid INTEGER,
    category_name VARCHAR,
    category_uid INTEGER,
    severity_id INTEGER,
    severity VARCHAR,
    cloud STRUCT(provider VARCHAR),
    activity_name VARCHAR,
    activity_id INTEGER,
    type_name VARCHAR,
    type_uid BIGINT,
    action VARCHAR,
    action_id INTEGER,
    disposition VARCHAR,
    disposition_id INTEGER,
    unmapped MAP(VARCHAR, VARCHAR),
    accountid VARCHAR,
    region VARCHAR,
    asl_version VARCHAR,
    observables STRUCT(name VARCHAR, value VARCHAR, type VARCHAR, type_id INTEGER)[]
)"#;

#[derive(Serialize)]
struct Product<'a> {
    feature: Uid<'a>,
    version: &'a str,
    vendor_name: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct Metadata<'a> {
    product: Product<'a>,
    labels: &'a [&'a str],
    profiles: [&'a str; 3],
    version: &'a str,
}

#[derive(Serialize)]
struct Location<'a> {
    country: &'a str,
}

#[derive(Serialize)]
struct Src<'a> {
    svc_name: &'a str,
    uid: &'a str,
    ip: &'a str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Url<'a> {
    path: &'a str,
    hostname: &'a str,
}

#[derive(Serialize)]
struct Header<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct Http<'a> {
    url: Url<'a>,
    version: &'a str,
    http_method: &'a str,
    uid: &'a str,
    args: &'a str,
    http_headers: Vec<Header<'a>>,
    user_agent: &'a str,
    x_forwarded_for: Option<Vec<&'a str>>,
    referrer: Option<&'a str>,
}

#[derive(Serialize)]
struct Rule<'a> {
    uid: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    condition: Option<&'a str>,
    match_location: Option<&'a str>,
    match_details: Option<&'a [String]>,
    rate_limit: Option<i32>,
}

#[derive(Serialize)]
struct Cloud<'a> {
    provider: &'a str,
}

#[derive(Serialize)]
struct Row<'a> {
    metadata: Metadata<'a>,
    src_endpoint: Src<'a>,
    http_request: Http<'a>,
    firewall_rule: Rule<'a>,
    http_status: i32,
    time: i64,
    time_dt: String,
    class_name: &'a str,
    class_uid: i32,
    category_name: &'a str,
    category_uid: i32,
    severity_id: i32,
    severity: &'a str,
    cloud: Cloud<'a>,
    activity_name: &'a str,
    activity_id: i32,
    type_name: String,
    type_uid: i64,
    action: &'a str,
    action_id: i32,
    disposition: &'a str,
    disposition_id: i32,
    unmapped: std::collections::BTreeMap<&'a str, &'a str>,
    accountid: &'a str,
    region: &'a str,
    asl_version: &'a str,
    observables: Vec<Observable<'a>>,
}

/// OCSF HTTP Activity from the method.
fn activity(method: &str) -> (i32, &'static str) {
    match method {
        "CONNECT" => (1, "Connect"),
        "DELETE" => (2, "Delete"),
        "GET" => (3, "Get"),
        "HEAD" => (4, "Head"),
        "OPTIONS" => (5, "Options"),
        "POST" => (6, "Post"),
        "PUT" => (7, "Put"),
        _ => (99, "Other"),
    }
}

/// Writes `e` as one JSON line of the WAF table.
pub fn write_row(out: &mut Vec<u8>, e: &WafEvent) -> std::io::Result<()> {
    let (activity_id, activity_name) = activity(e.method);
    let (action, action_id, disposition, disposition_id) =
        if e.blocked { ("Denied", 2, "Blocked", 2) } else { ("Allowed", 1, "Allowed", 1) };
    let mut unmapped = std::collections::BTreeMap::new();
    unmapped.insert("action", if e.blocked { "BLOCK" } else { "ALLOW" });
    unmapped.insert("terminatingRuleMatchDetails[].sensitivityLevel", if e.condition.is_some() { "LOW" } else { "" });
    unmapped.retain(|_, v| !v.is_empty());
    let row = Row {
        metadata: Metadata {
            product: Product { feature: Uid { uid: &e.acl_arn }, version: "1", vendor_name: "AWS", name: "AWS WAF" },
            labels: &e.labels,
            profiles: ["cloud", "security_control", "datetime"],
            version: "1.1.0",
        },
        src_endpoint: Src {
            svc_name: e.source_type,
            uid: &e.source_id,
            ip: &e.client_ip,
            location: Location { country: e.country },
        },
        http_request: Http {
            url: Url { path: &e.uri, hostname: e.host },
            version: "HTTP/1.1",
            http_method: e.method,
            uid: &e.request_id,
            args: &e.args,
            http_headers: vec![
                Header { name: "accept", value: "*/*" },
                Header {
                    name: "accept-language",
                    value: if e.country == "KR" { "ko-KR,ko;q=0.9" } else { "en-US,en;q=0.8" },
                },
            ],
            user_agent: &e.user_agent,
            x_forwarded_for: None,
            referrer: None,
        },
        firewall_rule: Rule {
            uid: e.rule_id,
            kind: e.rule_type,
            condition: e.condition,
            match_location: e.location,
            match_details: (!e.matched.is_empty()).then_some(e.matched.as_slice()),
            rate_limit: (e.rule_type == "RATE_BASED").then_some(2000),
        },
        http_status: e.status,
        time: e.time.timestamp_millis(),
        time_dt: timestamp_text(e.time),
        class_name: "HTTP Activity",
        class_uid: 4002,
        category_name: "Network Activity",
        category_uid: 4,
        severity_id: 1,
        severity: "Informational",
        cloud: Cloud { provider: "AWS" },
        activity_name,
        activity_id,
        type_name: format!("HTTP Activity: {activity_name}"),
        type_uid: 400200 + i64::from(activity_id),
        action,
        action_id,
        disposition,
        disposition_id,
        unmapped,
        accountid: &e.account,
        region: e.region,
        asl_version: "2.0",
        observables: vec![
            Observable { name: "src_endpoint.ip", value: &e.client_ip, kind: "IP Address", type_id: 2 },
            Observable { name: "firewall_rule.uid", value: e.rule_id, kind: "Resource UID", type_id: 10 },
        ],
    };
    serde_json::to_writer(&mut *out, &row).map_err(std::io::Error::other)?;
    out.push(b'\n');
    Ok(())
}
