//! The sources beside CloudTrail management events and VPC Flow: S3 and Lambda data events, EKS audit logs and
//! WAF logs — their share of the rows, background plus planted incidents, and loading them into DuckDB.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use duckdb::Connection;

use super::event::CtEvent;
use super::flow::{Flow, Host};
use super::incidents_b::{self, PlantedB};
use super::load::{columns_of, literal, write_lines};
use super::manifest::Incident;
use super::timing::Clock;
use super::world::World;
use super::{data_events, eks, eks_row, waf, waf_row};

/// Share of all rows per table: (table, share). Together 18 %; the rest is CloudTrail management and VPC Flow.
const SHARES: [(&str, f64); 4] =
    [(data_events::S3_TABLE, 0.06), (data_events::LAMBDA_TABLE, 0.03), (eks::TABLE, 0.05), (waf::TABLE, 0.04)];

/// The tables this module writes, in load order.
pub const TABLES: [&str; 4] = [data_events::S3_TABLE, data_events::LAMBDA_TABLE, eks::TABLE, waf::TABLE];

/// Rows the four tables take out of a lake of `rows` rows (their planted rows included).
pub fn budget(rows: usize) -> usize {
    SHARES.iter().map(|(_, share)| (rows as f64 * share) as usize).sum()
}

fn share(rows: usize, table: &str) -> usize {
    SHARES.iter().find(|(t, _)| *t == table).map_or(0, |(_, s)| (rows as f64 * s) as usize)
}

/// The rows of the four tables, plus what their incidents add to CloudTrail and VPC Flow.
#[derive(Debug, Default)]
pub struct Sources {
    /// S3 data events, by time.
    pub s3: Vec<CtEvent>,
    /// Lambda data events, by time.
    pub lambda: Vec<CtEvent>,
    /// EKS audit events, by time.
    pub eks: Vec<eks::K8sEvent>,
    /// WAF requests, by time.
    pub waf: Vec<waf::WafEvent>,
    /// CloudTrail management events of the incidents.
    pub ct_events: Vec<CtEvent>,
    /// VPC flows of the incidents.
    pub flows: Vec<Flow>,
    /// Manifest entries of the incidents.
    pub incidents: Vec<Incident>,
}

impl Sources {
    /// Rows per table, for the manifest.
    pub fn rows(&self) -> BTreeMap<String, usize> {
        [
            (data_events::S3_TABLE, self.s3.len()),
            (data_events::LAMBDA_TABLE, self.lambda.len()),
            (eks::TABLE, self.eks.len()),
            (waf::TABLE, self.waf.len()),
        ]
        .into_iter()
        .map(|(t, n)| (t.to_string(), n))
        .collect()
    }
}

/// Background and planted rows for a lake of `rows` rows.
pub fn build(world: &World, clock: &Clock, hosts: &[Host], seed: u64, rows: usize) -> Sources {
    let PlantedB { incidents, events, s3, lambda, eks: k8s, waf: web, flows } =
        incidents_b::plant(world, clock, hosts, seed);
    let mut out = Sources { ct_events: events, flows, incidents, ..Sources::default() };
    out.s3 =
        data_events::s3_background(world, clock, seed, share(rows, data_events::S3_TABLE).saturating_sub(s3.len()));
    out.s3.extend(s3);
    let lambda_rows = share(rows, data_events::LAMBDA_TABLE).saturating_sub(lambda.len());
    out.lambda = data_events::lambda_background(world, clock, seed, lambda_rows);
    out.lambda.extend(lambda);
    out.eks = eks::background(world, clock, seed, share(rows, eks::TABLE).saturating_sub(k8s.len()));
    out.eks.extend(k8s);
    out.waf = waf::background(world, clock, seed, share(rows, waf::TABLE).saturating_sub(web.len()));
    out.waf.extend(web);
    for list in [&mut out.s3, &mut out.lambda] {
        list.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
    }
    out.eks.sort_by(|a, b| (a.time, &a.audit_id).cmp(&(b.time, &b.audit_id)));
    out.waf.sort_by(|a, b| (a.time, &a.request_id).cmp(&(b.time, &b.request_id)));
    out
}

#[cfg(test)]
#[path = "sources_tests.rs"]
mod tests;

/// Creates the four tables in the lake at `db` and loads them through JSON lines in `scratch`.
pub fn write(db: &Path, scratch: &Path, s: &Sources) -> anyhow::Result<()> {
    let _span = tracing::info_span!("sample_load_sources", db = %db.display()).entered();
    let files = [
        (data_events::S3_TABLE, scratch.join("s3_data.jsonl")),
        (data_events::LAMBDA_TABLE, scratch.join("lambda.jsonl")),
        (eks::TABLE, scratch.join("eks.jsonl")),
        (waf::TABLE, scratch.join("waf.jsonl")),
    ];
    write_lines(&files[0].1, &s.s3, data_events::write_row)?;
    write_lines(&files[1].1, &s.lambda, data_events::write_row)?;
    write_lines(&files[2].1, &s.eks, eks_row::write_row)?;
    write_lines(&files[3].1, &s.waf, waf_row::write_row)?;
    let conn = Connection::open(db).with_context(|| format!("opening DuckDB file {}", db.display()))?;
    let ct_ddl = super::schema::CLOUDTRAIL_DDL;
    for ddl in [
        ct_ddl.replace(super::schema::CLOUDTRAIL_TABLE, data_events::S3_TABLE),
        ct_ddl.replace(super::schema::CLOUDTRAIL_TABLE, data_events::LAMBDA_TABLE),
        eks_row::DDL.to_string(),
        waf_row::DDL.to_string(),
    ] {
        conn.execute_batch(&ddl).context("creating a data-source table")?;
    }
    for (table, file) in &files {
        let columns = columns_of(&conn, table)?;
        let sql = format!(
            "INSERT INTO {table} SELECT * FROM read_json({}, format = 'newline_delimited', columns = {columns}, maximum_object_size = 16777216)",
            literal(&file.to_string_lossy())
        );
        conn.execute_batch(&sql).with_context(|| format!("loading {table}"))?;
    }
    conn.execute_batch("CHECKPOINT").context("checkpointing the lake")?;
    Ok(())
}
