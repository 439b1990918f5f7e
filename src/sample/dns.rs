//! Route 53 Resolver query logs: the model, the `route53_2_0` DDL and OCSF row (reference §2.7,
//! `raw/chatbot_schema_route53_2_0.json`, and the OCSF Route 53 mapping of raw `query_name`, `srcids`, …).

use super::parts::{Name, Uid};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ocsf::{Observable, timestamp_text};

/// Name of the DNS table in the sample lake.
pub const TABLE: &str = "route53_2_0";

/// `CREATE TABLE` for the Route 53 Resolver query log table (OCSF DNS Activity 4003).
pub const DDL: &str = r#"CREATE TABLE IF NOT EXISTS route53_2_0 (
    metadata STRUCT(product STRUCT(version VARCHAR, name VARCHAR, feature STRUCT(name VARCHAR), vendor_name VARCHAR), profiles VARCHAR[], version VARCHAR),
    cloud STRUCT(account STRUCT(uid VARCHAR), region VARCHAR, provider VARCHAR),
    src_endpoint STRUCT(vpc_uid VARCHAR, ip VARCHAR, port INTEGER, instance_uid VARCHAR),
    time BIGINT,
    time_dt TIMESTAMP,
    query STRUCT(hostname VARCHAR, type VARCHAR, class VARCHAR),
    answers STRUCT(type VARCHAR, rdata VARCHAR, class VARCHAR)[],
    connection_info STRUCT(protocol_name VARCHAR, direction VARCHAR, direction_id INTEGER),
    dst_endpoint STRUCT(instance_uid VARCHAR, interface_uid VARCHAR),
    firewall_rule STRUCT(uid VARCHAR),
    severity_id INTEGER,
    severity VARCHAR,
    class_name VARCHAR,
    class_uid INTEGER,
    category_name VARCHAR,
    category_uid INTEGER,
    activity_id INTEGER,
    activity_name VARCHAR,
    type_uid BIGINT,
    type_name VARCHAR,
    rcode_id INTEGER,
    rcode VARCHAR,
    disposition VARCHAR,
    action VARCHAR,
    action_id INTEGER,
    unmapped MAP(VARCHAR, VARCHAR),
    accountid VARCHAR,
    region VARCHAR,
    asl_version VARCHAR,
    observables STRUCT(name VARCHAR, value VARCHAR, type VARCHAR, type_id INTEGER)[]
)"#;

/// One DNS query and its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// When the resolver received it.
    pub time: DateTime<Utc>,
    /// Account owning the VPC.
    pub account: String,
    /// Region.
    pub region: &'static str,
    /// VPC.
    pub vpc: String,
    /// Source private IP.
    pub src_ip: String,
    /// Source port.
    pub src_port: i32,
    /// Instance (the node for containers), if any.
    pub instance: Option<String>,
    /// Name asked, with the trailing dot.
    pub name: String,
    /// Record type.
    pub qtype: &'static str,
    /// `NoError`, `NXDomain` or `ServError`.
    pub rcode: &'static str,
    /// Answers: (type, data).
    pub answers: Vec<(&'static str, String)>,
    /// UDP or TCP.
    pub tcp: bool,
    /// What a DNS Firewall rule did (`Blocked`, `Alert`), if one matched.
    pub firewall: Option<&'static str>,
}

#[derive(Serialize)]
struct Product<'a> {
    version: &'a str,
    name: &'a str,
    feature: Name<'a>,
    vendor_name: &'a str,
}

#[derive(Serialize)]
struct Metadata<'a> {
    product: Product<'a>,
    profiles: [&'a str; 2],
    version: &'a str,
}

#[derive(Serialize)]
struct Cloud<'a> {
    account: Uid<'a>,
    region: &'a str,
    provider: &'a str,
}

#[derive(Serialize)]
struct Src<'a> {
    vpc_uid: &'a str,
    ip: &'a str,
    port: i32,
    instance_uid: Option<&'a str>,
}

#[derive(Serialize)]
struct QueryRow<'a> {
    hostname: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    class: &'a str,
}

#[derive(Serialize)]
struct Answer<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    rdata: &'a str,
    class: &'a str,
}

#[derive(Serialize)]
struct Connection<'a> {
    protocol_name: &'a str,
    direction: &'a str,
    direction_id: i32,
}

#[derive(Serialize)]
struct Row<'a> {
    metadata: Metadata<'a>,
    cloud: Cloud<'a>,
    src_endpoint: Src<'a>,
    time: i64,
    time_dt: String,
    query: QueryRow<'a>,
    answers: Vec<Answer<'a>>,
    connection_info: Connection<'a>,
    severity_id: i32,
    severity: &'a str,
    class_name: &'a str,
    class_uid: i32,
    category_name: &'a str,
    category_uid: i32,
    activity_id: i32,
    activity_name: &'a str,
    type_uid: i64,
    type_name: &'a str,
    rcode_id: i32,
    rcode: &'a str,
    firewall_rule: Option<Uid<'a>>,
    disposition: Option<&'a str>,
    action: Option<&'a str>,
    action_id: Option<i32>,
    unmapped: std::collections::BTreeMap<&'a str, &'a str>,
    accountid: &'a str,
    region: &'a str,
    asl_version: &'a str,
    observables: Vec<Observable<'a>>,
}

/// Writes `q` as one JSON line of the DNS table.
pub fn write_row(out: &mut impl std::io::Write, q: &Query) -> std::io::Result<()> {
    let rcode_id = match q.rcode {
        "NoError" => 0,
        "ServError" => 2,
        "NXDomain" => 3,
        _ => 99,
    };
    let mut observables = vec![Observable { name: "query.hostname", value: &q.name, kind: "Hostname", type_id: 1 }];
    observables.push(Observable { name: "src_endpoint.ip", value: &q.src_ip, kind: "IP Address", type_id: 2 });
    if let Some(instance) = q.instance.as_deref() {
        observables.push(Observable {
            name: "src_endpoint.instance_uid",
            value: instance,
            kind: "Resource UID",
            type_id: 10,
        });
    }
    let mut unmapped = std::collections::BTreeMap::new();
    unmapped.insert("version", "1.100000");
    let row = Row {
        metadata: Metadata {
            product: Product {
                version: "1.100000",
                name: "Route 53",
                feature: Name { name: "Resolver Query Logs" },
                vendor_name: "AWS",
            },
            profiles: ["cloud", "security_control"],
            version: "1.1.0",
        },
        cloud: Cloud { account: Uid { uid: &q.account }, region: q.region, provider: "AWS" },
        src_endpoint: Src { vpc_uid: &q.vpc, ip: &q.src_ip, port: q.src_port, instance_uid: q.instance.as_deref() },
        time: q.time.timestamp_millis(),
        time_dt: timestamp_text(q.time),
        query: QueryRow { hostname: &q.name, kind: q.qtype, class: "IN" },
        answers: q.answers.iter().map(|(kind, rdata)| Answer { kind, rdata, class: "IN" }).collect(),
        connection_info: Connection {
            protocol_name: if q.tcp { "TCP" } else { "UDP" },
            direction: "Outbound",
            direction_id: 2,
        },
        severity_id: 1,
        severity: "Informational",
        class_name: "DNS Activity",
        class_uid: 4003,
        category_name: "Network Activity",
        category_uid: 4,
        activity_id: 2,
        activity_name: "Response",
        type_uid: 400_302,
        type_name: "DNS Activity: Response",
        rcode_id,
        rcode: q.rcode,
        firewall_rule: q.firewall.map(|_| Uid { uid: "rslvr-frg-0c5a1b2d3e4f5a6b7" }),
        disposition: q.firewall,
        action: q.firewall.map(|f| if f == "Blocked" { "Denied" } else { "Allowed" }),
        action_id: q.firewall.map(|f| if f == "Blocked" { 2 } else { 1 }),
        unmapped,
        accountid: &q.account,
        region: q.region,
        asl_version: "2.0",
        observables,
    };
    serde_json::to_writer(&mut *out, &row)?;
    out.write_all(b"\n")
}
