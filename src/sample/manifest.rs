//! The planted-facts manifest written beside a generated lake, so tests and users can check answers.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of incident was planted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    /// Root user console login without MFA.
    RootConsoleLoginWithoutMfa,
    /// An IAM user's new access key used from a new country/IP after `CreateAccessKey`.
    AccessKeyUsedFromNewIp,
    /// TCP port scan from one external IP (VPC Flow, many ports, mostly Denied).
    PortScan,
    /// Security group opened to 0.0.0.0/0 on port 22.
    SecurityGroupOpenToWorld,
    /// `AttachUserPolicy` with AdministratorAccess.
    AdminPolicyAttached,
    /// A burst of `AccessDenied` errors from one principal.
    AccessDeniedBurst,
    /// CloudTrail `StopLogging`.
    StopLogging,
    /// Terraform-driven bulk changes (Terraform user agent).
    TerraformBulkChange,
    /// A new key pair, an instance launched with it, its DNS queries to a mining pool and GuardDuty's finding.
    CryptoMining,
    /// A bucket made public (`PutBucketPolicy`) and then downloaded in a burst from a new address (S3 data events).
    S3Exfiltration,
    /// `UpdateFunctionCode` from an odd address, then invocations by a role that never invoked the function.
    LambdaBackdoor,
    /// Anonymous requests to an EKS API server, then `pods/exec` by a service account from the same address.
    EksPodExec,
    /// WAF SQL-injection blocks from an address that also reached an instance in VPC Flow.
    WafSqlInjection,
}

/// One planted incident and the facts a correct answer contains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Kind.
    pub kind: IncidentKind,
    /// One sentence a human can check against.
    pub description: String,
    /// Account the events are recorded in.
    pub account_id: String,
    /// Region of the events.
    pub region: String,
    /// Time of the first planted event.
    pub start: DateTime<Utc>,
    /// Time of the last planted event.
    pub end: DateTime<Utc>,
    /// Actor: ARN or user name (empty for network incidents).
    pub actor: String,
    /// Source IP of the actor or scanner (empty if none).
    pub source_ip: String,
    /// CloudTrail eventIDs (`metadata.uid`) of the planted CloudTrail rows; empty for VPC Flow incidents.
    pub event_ids: Vec<String>,
    /// Kind-specific facts, e.g. `user_name`, `access_key_id`, `group_id`, `port`, `target_ip`, `count`.
    pub details: BTreeMap<String, String>,
}

/// An account in the sample lake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleAccount {
    /// 12-digit id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// Everything a test needs to know about a generated lake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Seed used.
    pub seed: u64,
    /// The "now" the lake was generated relative to.
    pub now: DateTime<Utc>,
    /// Rows written to the CloudTrail table.
    pub cloudtrail_rows: usize,
    /// Rows written to the VPC Flow table.
    pub vpcflow_rows: usize,
    /// Rows written to the Security Hub findings table.
    #[serde(default)]
    pub findings_rows: usize,
    /// Rows written to the Route 53 Resolver query log table.
    #[serde(default)]
    pub dns_rows: usize,
    /// Rows written to each other source table (`s3_data_2_0`, `lambda_execution_2_0`, `eks_audit_2_0`, `waf_2_0`).
    #[serde(default)]
    pub source_rows: BTreeMap<String, usize>,
    /// Accounts present.
    pub accounts: Vec<SampleAccount>,
    /// Regions present.
    pub regions: Vec<String>,
    /// Planted incidents.
    pub incidents: Vec<Incident>,
}

impl Manifest {
    /// The first incident of `kind`.
    pub fn incident(&self, kind: IncidentKind) -> Option<&Incident> {
        self.incidents.iter().find(|i| i.kind == kind)
    }

    /// Path of the manifest written beside a lake file: `lake.duckdb` → `lake.manifest.json`.
    pub fn path_for(lake: &std::path::Path) -> std::path::PathBuf {
        lake.with_extension("manifest.json")
    }
}
