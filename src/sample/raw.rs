//! The CloudTrail part of the lake as raw trail files: `{"Records":[…]}` `.json.gz` in the S3 key layout.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Datelike, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;
use serde_json::Value;

use super::event::{CtEvent, Identity};
use super::rng::Rng;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RawAttributes {
    creation_date: String,
    mfa_authenticated: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RawIssuer<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    principal_id: &'a str,
    arn: &'a str,
    account_id: &'a str,
    user_name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RawSession<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    session_issuer: Option<RawIssuer<'a>>,
    attributes: RawAttributes,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RawIdentity<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    principal_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_key_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_context: Option<RawSession<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invoked_by: Option<&'a str>,
}

#[derive(Serialize)]
struct RawResource<'a> {
    #[serde(rename = "accountId")]
    account_id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(rename = "ARN")]
    arn: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RawRecord<'a> {
    event_version: &'a str,
    user_identity: RawIdentity<'a>,
    event_time: String,
    event_source: &'a str,
    event_name: &'a str,
    aws_region: &'a str,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: &'a str,
    user_agent: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<&'a str>,
    request_parameters: &'a Value,
    response_elements: &'a Value,
    #[serde(skip_serializing_if = "is_null")]
    additional_event_data: &'a Value,
    #[serde(rename = "requestID", skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    #[serde(rename = "eventID")]
    event_id: &'a str,
    read_only: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resources: Vec<RawResource<'a>>,
    event_type: &'a str,
    management_event: bool,
    recipient_account_id: &'a str,
    event_category: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    vpc_endpoint_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_credential_from_console: Option<&'a str>,
}

fn is_null(v: &&Value) -> bool {
    v.is_null()
}

/// CloudTrail's `eventTime` spelling.
pub fn event_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn identity(id: &Identity) -> RawIdentity<'_> {
    RawIdentity {
        kind: id.kind.as_str(),
        principal_id: id.principal_id.as_deref(),
        arn: id.arn.as_deref(),
        account_id: id.account_id.as_deref(),
        access_key_id: id.access_key_id.as_deref(),
        user_name: id.user_name.as_deref(),
        session_context: id.session.as_ref().map(|s| RawSession {
            session_issuer: s.issuer.as_ref().map(|i| RawIssuer {
                kind: "Role",
                principal_id: &i.principal_id,
                arn: &i.arn,
                account_id: &i.account_id,
                user_name: &i.user_name,
            }),
            attributes: RawAttributes { creation_date: event_time(s.created), mfa_authenticated: s.mfa.to_string() },
        }),
        invoked_by: id.invoked_by.as_deref(),
    }
}

fn record(e: &CtEvent) -> RawRecord<'_> {
    RawRecord {
        event_version: e.event_version,
        user_identity: identity(&e.identity),
        event_time: event_time(e.time),
        event_source: &e.source,
        event_name: &e.name,
        aws_region: &e.region,
        source_ip_address: &e.source_ip,
        user_agent: &e.user_agent,
        error_code: e.error_code.as_deref(),
        error_message: e.error_message.as_deref(),
        request_parameters: &e.request,
        response_elements: &e.response,
        additional_event_data: &e.additional,
        request_id: e.request_id.as_deref(),
        event_id: &e.event_id,
        read_only: e.read_only,
        resources: e
            .resources
            .iter()
            .map(|r| RawResource { account_id: &r.account_id, kind: &r.kind, arn: &r.arn })
            .collect(),
        event_type: e.event_type.as_str(),
        management_event: true,
        recipient_account_id: &e.recipient_account,
        event_category: "Management",
        vpc_endpoint_id: e.vpc_endpoint.as_deref(),
        session_credential_from_console: e.from_console.then_some("true"),
    }
}

/// `e` as a raw CloudTrail record (the objects inside `Records`).
#[cfg(test)]
pub(super) fn record_json(e: &CtEvent) -> serde_json::Result<Value> {
    serde_json::to_value(record(e))
}

#[derive(Serialize)]
struct LogFile<'a> {
    #[serde(rename = "Records")]
    records: Vec<RawRecord<'a>>,
}

/// Writes `events` (sorted by time) as one gzip file per account, region and UTC day; returns the file count.
pub fn write_files(dir: &Path, events: &[CtEvent], seed: u64) -> anyhow::Result<usize> {
    let mut groups: BTreeMap<(&str, &str, chrono::NaiveDate), Vec<&CtEvent>> = BTreeMap::new();
    for e in events {
        groups.entry((e.recipient_account.as_str(), e.region.as_str(), e.time.date_naive())).or_default().push(e);
    }
    let mut rng = Rng::fork(seed, "raw-file-names");
    for ((account, region, day), group) in &groups {
        let last = group.last().map_or_else(Utc::now, |e| e.time);
        let path = file_path(dir, account, region, *day, last, &rng.iam_chars(16));
        write_file(&path, group).with_context(|| format!("writing raw CloudTrail file {}", path.display()))?;
    }
    Ok(groups.len())
}

fn file_path(
    dir: &Path,
    account: &str,
    region: &str,
    day: chrono::NaiveDate,
    last: DateTime<Utc>,
    id: &str,
) -> PathBuf {
    let folder = dir
        .join("AWSLogs")
        .join(account)
        .join("CloudTrail")
        .join(region)
        .join(format!("{:04}", day.year()))
        .join(format!("{:02}", day.month()))
        .join(format!("{:02}", day.day()));
    let ts = last.format("%Y%m%dT%H%MZ");
    folder.join(format!("{account}_CloudTrail_{region}_{ts}_{id}.json.gz"))
}

fn write_file(path: &Path, group: &[&CtEvent]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).with_context(|| format!("creating folder {}", parent.display()))?;
    }
    let file = fs::File::create(path)?;
    let mut gz = GzEncoder::new(std::io::BufWriter::new(file), Compression::fast());
    let log = LogFile { records: group.iter().map(|e| record(e)).collect() };
    serde_json::to_writer(&mut gz, &log)?;
    gz.finish()?.flush()?;
    Ok(())
}
