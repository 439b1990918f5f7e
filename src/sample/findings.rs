//! Security Hub findings: the model, the `sh_findings_2_0` DDL and OCSF row (reference §2.7 and
//! `raw/chatbot_schema_sh_findings_2_0.json`), kept to the columns the catalog reads plus their neighbours.

use super::parts::Uid;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ocsf::{Observable, timestamp_text};

/// Name of the findings table in the sample lake.
pub const TABLE: &str = "sh_findings_2_0";

/// `CREATE TABLE` for the findings table (vulnerabilities, evidences and the single `resource` are left out).
pub const DDL: &str = r#"CREATE TABLE IF NOT EXISTS sh_findings_2_0 (
    metadata STRUCT(log_version VARCHAR, product STRUCT(feature STRUCT(uid VARCHAR, name VARCHAR), uid VARCHAR, name VARCHAR, vendor_name VARCHAR, version VARCHAR), processed_time_dt TIMESTAMP, profiles VARCHAR[], version VARCHAR),
    time BIGINT,
    time_dt TIMESTAMP,
    confidence_score INTEGER,
    message VARCHAR,
    cloud STRUCT(account STRUCT(uid VARCHAR), region VARCHAR, provider VARCHAR),
    finding_info STRUCT(created_time_dt TIMESTAMP, uid VARCHAR, "desc" VARCHAR, title VARCHAR, modified_time_dt TIMESTAMP, first_seen_time_dt TIMESTAMP, last_seen_time_dt TIMESTAMP, related_events STRUCT(product_uid VARCHAR, uid VARCHAR)[], types VARCHAR[], src_url VARCHAR),
    remediation STRUCT("desc" VARCHAR, "references" VARCHAR[]),
    compliance STRUCT(standards VARCHAR[], requirements VARCHAR[], control VARCHAR, status VARCHAR, status_detail VARCHAR, status_code VARCHAR),
    resources STRUCT(type VARCHAR, uid VARCHAR, cloud_partition VARCHAR, region VARCHAR, labels VARCHAR[], data VARCHAR, criticality VARCHAR, owner STRUCT(account STRUCT(uid VARCHAR)))[],
    class_name VARCHAR,
    class_uid INTEGER,
    category_name VARCHAR,
    category_uid INTEGER,
    severity_id INTEGER,
    severity VARCHAR,
    activity_name VARCHAR,
    activity_id INTEGER,
    type_uid BIGINT,
    type_name VARCHAR,
    status VARCHAR,
    unmapped MAP(VARCHAR, VARCHAR),
    accountid VARCHAR,
    region VARCHAR,
    asl_version VARCHAR,
    observables STRUCT(name VARCHAR, value VARCHAR, type VARCHAR, type_id INTEGER)[]
)"#;

/// OCSF 1.1 finding class of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// 2004: threat detections (GuardDuty, Macie, Access Analyzer).
    Detection,
    /// 2003: control and rule checks (Security Hub controls, Config).
    Compliance,
    /// 2002: software vulnerabilities (Inspector).
    Vulnerability,
}

impl Class {
    fn uid_name(self) -> (i32, &'static str) {
        match self {
            Class::Detection => (2004, "Detection Finding"),
            Class::Compliance => (2003, "Compliance Finding"),
            Class::Vulnerability => (2002, "Vulnerability Finding"),
        }
    }
}

/// One finding update as Security Hub sends it to Security Lake.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Finding id (GuardDuty/Inspector ARN, Security Hub control finding ARN).
    pub id: String,
    /// Product name (`GuardDuty`, `Inspector`, `Macie`, `Config`, `Security Hub`, `IAM Access Analyzer`).
    pub product: &'static str,
    /// ASFF `GeneratorId`.
    pub generator: String,
    /// ASFF types; the first is the main one.
    pub types: Vec<String>,
    /// Title.
    pub title: String,
    /// Description.
    pub desc: String,
    /// 1 Informational … 5 Critical.
    pub severity_id: i32,
    /// Workflow status (`New`, `In Progress`, `Suppressed`, `Resolved`).
    pub status: &'static str,
    /// Control id and check result, for compliance findings.
    pub compliance: Option<(String, &'static str)>,
    /// ASFF resource type.
    pub resource_type: &'static str,
    /// Resource id or ARN.
    pub resource_id: String,
    /// Account.
    pub account: String,
    /// Region.
    pub region: &'static str,
    /// First observation.
    pub first_seen: DateTime<Utc>,
    /// Last observation.
    pub last_seen: DateTime<Utc>,
    /// Creation.
    pub created: DateTime<Utc>,
    /// This update's time (`time_dt`).
    pub time: DateTime<Utc>,
    /// Remediation text.
    pub remediation: String,
    /// Documentation or console link.
    pub url: String,
    /// Confidence 0–100.
    pub confidence: Option<i32>,
    /// OCSF class.
    pub class: Class,
}

/// The OCSF severity caption of `id`.
pub fn severity_name(id: i32) -> &'static str {
    match id {
        1 => "Informational",
        2 => "Low",
        3 => "Medium",
        4 => "High",
        5 => "Critical",
        _ => "Unknown",
    }
}

#[derive(Serialize)]
struct Feature<'a> {
    uid: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct Product<'a> {
    feature: Feature<'a>,
    uid: String,
    name: &'a str,
    vendor_name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct Metadata<'a> {
    log_version: &'a str,
    product: Product<'a>,
    processed_time_dt: String,
    profiles: [&'a str; 1],
    version: &'a str,
}

#[derive(Serialize)]
struct Cloud<'a> {
    account: Uid<'a>,
    region: &'a str,
    provider: &'a str,
}

#[derive(Serialize)]
struct Info<'a> {
    created_time_dt: String,
    uid: &'a str,
    desc: &'a str,
    title: &'a str,
    modified_time_dt: String,
    first_seen_time_dt: String,
    last_seen_time_dt: String,
    types: &'a [String],
    src_url: &'a str,
}

#[derive(Serialize)]
struct Remediation<'a> {
    desc: &'a str,
    references: [&'a str; 1],
}

#[derive(Serialize)]
struct Compliance<'a> {
    standards: [&'a str; 1],
    control: &'a str,
    status: &'a str,
}

#[derive(Serialize)]
struct Owner<'a> {
    account: Uid<'a>,
}

#[derive(Serialize)]
struct ResourceRow<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    uid: &'a str,
    cloud_partition: &'a str,
    region: &'a str,
    owner: Owner<'a>,
}

#[derive(Serialize)]
struct Row<'a> {
    metadata: Metadata<'a>,
    time: i64,
    time_dt: String,
    confidence_score: Option<i32>,
    message: &'a str,
    cloud: Cloud<'a>,
    finding_info: Info<'a>,
    remediation: Remediation<'a>,
    compliance: Option<Compliance<'a>>,
    resources: [ResourceRow<'a>; 1],
    class_name: &'a str,
    class_uid: i32,
    category_name: &'a str,
    category_uid: i32,
    severity_id: i32,
    severity: &'a str,
    activity_name: &'a str,
    activity_id: i32,
    type_uid: i64,
    type_name: String,
    status: &'a str,
    unmapped: std::collections::BTreeMap<&'a str, String>,
    accountid: &'a str,
    region: &'a str,
    asl_version: &'a str,
    observables: Vec<Observable<'a>>,
}

/// Writes `f` as one JSON line of the findings table.
pub fn write_row(out: &mut impl std::io::Write, f: &Finding) -> std::io::Result<()> {
    let (class_uid, class_name) = f.class.uid_name();
    let (activity_id, activity_name) = match (f.status, f.time == f.created) {
        ("Resolved", _) => (3, "Close"),
        (_, true) => (1, "Create"),
        _ => (2, "Update"),
    };
    let standard = "standards/aws-foundational-security-best-practices/v/1.0.0";
    let mut unmapped = std::collections::BTreeMap::new();
    unmapped.insert("Severity.Normalized", (f.severity_id * 20 - 10).max(0).to_string());
    unmapped.insert("RecordState", if f.status == "Resolved" { "ARCHIVED" } else { "ACTIVE" }.to_string());
    let mut observables =
        vec![Observable { name: "resources[0].uid", value: &f.resource_id, kind: "Resource UID", type_id: 10 }];
    if f.resource_type == "AwsEc2Instance" {
        observables.push(Observable { name: "resources[0].type", value: f.resource_type, kind: "Other", type_id: 99 });
    }
    let row = Row {
        metadata: Metadata {
            log_version: "2018-10-08",
            product: Product {
                feature: Feature { uid: &f.generator, name: f.product },
                uid: format!(
                    "arn:aws:securityhub:{}::product/aws/{}",
                    f.region,
                    f.product.to_lowercase().replace(' ', "")
                ),
                name: "Security Hub",
                vendor_name: "AWS",
                version: "2018-10-08",
            },
            processed_time_dt: timestamp_text(f.time),
            profiles: ["cloud"],
            version: "1.1.0",
        },
        time: f.time.timestamp_millis(),
        time_dt: timestamp_text(f.time),
        confidence_score: f.confidence,
        message: &f.title,
        cloud: Cloud { account: Uid { uid: &f.account }, region: f.region, provider: "AWS" },
        finding_info: Info {
            created_time_dt: timestamp_text(f.created),
            uid: &f.id,
            desc: &f.desc,
            title: &f.title,
            modified_time_dt: timestamp_text(f.time),
            first_seen_time_dt: timestamp_text(f.first_seen),
            last_seen_time_dt: timestamp_text(f.last_seen),
            types: &f.types,
            src_url: &f.url,
        },
        remediation: Remediation { desc: &f.remediation, references: [&f.url] },
        compliance: f.compliance.as_ref().map(|(control, status)| Compliance {
            standards: [standard],
            control,
            status,
        }),
        resources: [ResourceRow {
            kind: f.resource_type,
            uid: &f.resource_id,
            cloud_partition: "aws",
            region: f.region,
            owner: Owner { account: Uid { uid: &f.account } },
        }],
        class_name,
        class_uid,
        category_name: "Findings",
        category_uid: 2,
        severity_id: f.severity_id,
        severity: severity_name(f.severity_id),
        activity_name,
        activity_id,
        type_uid: i64::from(class_uid) * 100 + i64::from(activity_id),
        type_name: format!("{class_name}: {activity_name}"),
        status: f.status,
        unmapped,
        accountid: &f.account,
        region: f.region,
        asl_version: "2.0",
        observables,
    };
    serde_json::to_writer(&mut *out, &row)?;
    out.write_all(b"\n")
}
