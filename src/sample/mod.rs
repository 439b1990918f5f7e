//! A deterministic synthetic Security Lake v2 (CloudTrail management + VPC Flow) with planted incidents.
//!
//! One in-memory event model (`event::CtEvent`, `flow::Flow`) is written three ways: OCSF rows in DuckDB
//! (`ocsf`, `flow`, `load`), optional Parquet copies, and optional raw CloudTrail `.json.gz` files (`raw`), so a
//! query over any of them gives the same answer. Three accounts (`acme-prod`, `acme-dev`,
//! `acme-shared-services`), two regions (`ap-northeast-2`, `us-east-1`), 30 days before "now", busiest in Seoul
//! office hours. Randomness comes from `rng::Rng` (SplitMix64) only, so a seed and "now" fix every byte.
//!
//! Planted incidents (all in the last 7 days) and their manifest `details` keys:
//! - `RootConsoleLoginWithoutMfa` (acme-prod): `mfa_used`.
//! - `AccessKeyUsedFromNewIp` (acme-prod, hyunwoo.lee): `user_name`, `access_key_id`, `create_event_id`,
//!   `country`, `usual_ips`, `count` (uses of the new key; `event_ids` = the CreateAccessKey + every use).
//! - `PortScan` (acme-prod, VPC Flow): `target_ip`, `instance_id`, `distinct_ports`, `denied_count`,
//!   `allowed_ports`, `count` (flow rows; `event_ids` is empty).
//! - `SecurityGroupOpenToWorld` (acme-dev): `group_id`, `port`, `cidr`, `rule_id`.
//! - `AdminPolicyAttached` (acme-dev): `target_user`, `policy_arn`.
//! - `AccessDeniedBurst` (acme-shared-services, ci-deploy): `count`, `error_code`, `user_name`.
//! - `StopLogging` (acme-prod): `trail_arn`.
//! - `TerraformBulkChange` (acme-shared-services): `write_count`, `user_agent` (`event_ids` = the write calls).
//! - `CryptoMining` (acme-dev, cross-source: CloudTrail + Route 53 + Security Hub): `instance_id`, `private_ip`,
//!   `instance_type`, `key_name`, `key_pair_id`, `create_event_id`, `run_event_id`, `domain`, `pool_ip`,
//!   `dns_count`, `finding_id`, `finding_type`, `severity` (`event_ids` = `CreateKeyPair` and `RunInstances`).
//!
//! Besides CloudTrail and VPC Flow (`rows` between them), the lake holds Security Hub findings (`findings_bg`,
//! about `rows / 200`) and Route 53 Resolver queries (`dns_bg`, `rows / 5`) in their v2 tables.
//!
//! Cross-source incidents (`incidents_b`; the S3, Lambda, EKS and WAF rows live in `sources`):
//! - `S3Exfiltration` (acme-prod): `bucket`, `policy_event_id`, `public_access_block_event_id`, `get_count`,
//!   `distinct_keys`, `bytes_out`, `downloader`, `policy_source_ip` (`source_ip` = the downloader).
//! - `LambdaBackdoor` (acme-prod): `function_name`, `function_arn`, `update_event_id`, `invoker_role`,
//!   `invoker_arn`, `usual_invoker_role`, `invocation_count`.
//! - `EksPodExec` (acme-prod, cluster prod-apne2): `cluster`, `namespace`, `pods`, `exec_count`, `exec_audit_ids`,
//!   `anonymous_count`, `secret` (`event_ids` is empty).
//! - `WafSqlInjection` (acme-prod): `web_acl`, `rule_id`, `blocked_count`, `request_count`, `country`, `host`,
//!   `user_agent`, `vpcflow_count`, `target_ip`, `instance_id` (`event_ids` is empty).
//!
//! Background data never repeats an incident's pattern (no other root sign-in without MFA, no other 0.0.0.0/0
//! rule, admin grant, `StopLogging`, `CreateAccessKey`, `CreateKeyPair`/`ImportKeyPair`, crypto-currency finding,
//! High GuardDuty finding or mining-pool lookup; no bucket policy or public-access-block change, no anonymous S3 or
//! Kubernetes request, no `pods/exec`, no SQL-injection block, no planted address), so tests can expect exact
//! answers.

mod assets;
mod background;
mod call;
mod classify;
pub mod cli;
mod crypto;
mod data_events;
mod dns;
mod dns_bg;
mod eks;
mod eks_row;
mod event;
mod findings;
mod findings_bg;
mod flow;
mod flow_row;
mod incidents;
mod incidents_b;
mod ips;
mod load;
pub mod manifest;
mod ocsf;
mod ops;
mod parts;
mod raw;
mod rng;
pub mod schema;
mod sources;
#[cfg(test)]
mod tests;
mod timing;
mod waf;
mod waf_row;
mod world;

use std::path::PathBuf;

use chrono::{DateTime, Utc};

pub use manifest::{Incident, IncidentKind, Manifest, SampleAccount};

/// Options of `asklake sample generate`.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// DuckDB file to write (default: `[duckdb] path`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Approximate total rows (all tables).
    #[arg(long, default_value_t = 200_000)]
    pub rows: usize,
    /// Random seed; the same seed and `--now` give the same lake.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Also write Parquet files into this folder.
    #[arg(long)]
    pub parquet_dir: Option<PathBuf>,
    /// Also write the CloudTrail part as raw CloudTrail `.json.gz` files into this folder.
    #[arg(long)]
    pub cloudtrail_dir: Option<PathBuf>,
    /// Pretend "now" is this RFC 3339 time (default: the current time).
    #[arg(long)]
    pub now: Option<DateTime<Utc>>,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

/// What to generate (library form of [`GenerateArgs`]).
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// DuckDB file to write.
    pub out: PathBuf,
    /// Approximate total rows.
    pub rows: usize,
    /// Seed.
    pub seed: u64,
    /// "Now".
    pub now: DateTime<Utc>,
    /// Optional Parquet folder.
    pub parquet_dir: Option<PathBuf>,
    /// Optional raw CloudTrail folder.
    pub cloudtrail_dir: Option<PathBuf>,
    /// Replace existing files.
    pub force: bool,
}

/// Smallest `rows` accepted: every planted incident must fit beside some background.
pub const MIN_ROWS: usize = 1_000;

/// Share of rows that go to the CloudTrail table (the rest are VPC Flow rows).
const CLOUDTRAIL_SHARE: f64 = 0.45;

/// What went wrong preparing the outputs (the generator itself cannot fail on valid options).
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    /// An output exists and `force` was not given.
    #[error("{0} already exists; pass --force to replace it, or choose another path")]
    Exists(PathBuf),
    /// Too few rows requested.
    #[error("--rows {0} is too small: use at least {MIN_ROWS} so every planted incident fits")]
    TooFewRows(usize),
}

/// The generated data before it is written.
struct Lake {
    events: Vec<event::CtEvent>,
    flows: Vec<flow::Flow>,
    sources: sources::Sources,
    findings: Vec<findings::Finding>,
    dns: Vec<dns::Query>,
    manifest: Manifest,
}

/// Builds the whole lake in memory: background plus planted incidents, sorted by time.
fn build(seed: u64, now: DateTime<Utc>, rows: usize) -> Lake {
    let clock = timing::Clock::new(now);
    let world = world::World::new(seed);
    let hosts = flow::hosts(&world);
    let mut planted = incidents::plant(&world, &clock, &hosts, seed);
    let (found, queries) = findings_and_dns(&world, &clock, &hosts, seed, rows, &mut planted);
    let mut sources = sources::build(&world, &clock, &hosts, seed, rows);
    planted.incidents.append(&mut sources.incidents);
    planted.events.append(&mut sources.ct_events);
    planted.flows.append(&mut sources.flows);
    let base = rows - sources::budget(rows);
    let ct_target = (base as f64 * CLOUDTRAIL_SHARE) as usize;
    let flow_target = base - ct_target;
    let mut events = background::Background::new(&world, &clock, seed, ips::pool_size(rows))
        .events(ct_target.saturating_sub(planted.events.len()));
    scrub(&mut events, &planted.incidents);
    events.extend(planted.events);
    events.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
    let mut rng = rng::Rng::fork(seed, "vpcflow-background");
    let mut flows = flow::background(
        &mut rng,
        &clock,
        &hosts,
        flow_target.saturating_sub(planted.flows.len()),
        &incidents::PLANTED_IPS,
    );
    flows.extend(planted.flows);
    flows.sort_by(|a, b| {
        (a.start, &a.host.account, &a.src_ip, &a.dst_ip, a.dst_port).cmp(&(
            b.start,
            &b.host.account,
            &b.src_ip,
            &b.dst_ip,
            b.dst_port,
        ))
    });
    let manifest = Manifest {
        seed,
        now: clock.now(),
        cloudtrail_rows: events.len(),
        vpcflow_rows: flows.len(),
        source_rows: sources.rows(),
        findings_rows: found.len(),
        dns_rows: queries.len(),
        accounts: world.accounts.clone(),
        regions: world::REGIONS.iter().map(|r| r.to_string()).collect(),
        incidents: planted.incidents,
    };
    Lake { events, flows, sources, findings: found, dns: queries, manifest }
}

/// Background findings and DNS queries with the planted ones moved in, each sorted by time.
fn findings_and_dns(
    world: &world::World,
    clock: &timing::Clock,
    hosts: &[flow::Host],
    seed: u64,
    rows: usize,
    planted: &mut incidents::Planted,
) -> (Vec<findings::Finding>, Vec<dns::Query>) {
    let mut found = findings_bg::Background::new(world, clock, hosts, seed).findings((rows / 200).clamp(100, 5_000));
    found.append(&mut planted.findings);
    found.sort_by(|a, b| (a.time, &a.id).cmp(&(b.time, &b.id)));
    let mut rng = rng::Rng::fork(seed, "dns-background");
    let dns_rows = rows / 5;
    let sources = dns_bg::sources(hosts, (dns_rows / 12).clamp(50, 4_000), &mut rng);
    let mut queries = dns_bg::background(&mut rng, clock, &sources, dns_rows.saturating_sub(planted.dns.len()));
    queries.append(&mut planted.dns);
    queries.sort_by(|a, b| (a.time, &a.src_ip, &a.name).cmp(&(b.time, &b.src_ip, &b.name)));
    (found, queries)
}

/// Drops background events by an incident's actor close to the incident, so its window holds only planted events.
fn scrub(events: &mut Vec<event::CtEvent>, incidents: &[Incident]) {
    let margin = chrono::Duration::minutes(30);
    events.retain(|e| {
        let arn = e.identity.arn.as_deref().unwrap_or_default();
        !incidents
            .iter()
            .any(|i| !i.actor.is_empty() && i.actor == arn && e.time >= i.start - margin && e.time <= i.end + margin)
    });
}

/// Refuses to replace existing outputs without `force`; with it, removes them. Creates parent folders.
fn prepare_outputs(opts: &GenerateOptions) -> anyhow::Result<()> {
    use anyhow::Context;
    if opts.rows < MIN_ROWS {
        return Err(SampleError::TooFewRows(opts.rows).into());
    }
    let manifest = Manifest::path_for(&opts.out);
    let wal = PathBuf::from(format!("{}.wal", opts.out.display()));
    let mut existing = vec![opts.out.clone(), manifest, wal];
    if let Some(dir) = &opts.parquet_dir {
        existing.push(dir.join(format!("{}.parquet", schema::CLOUDTRAIL_TABLE)));
        existing.push(dir.join(format!("{}.parquet", schema::VPCFLOW_TABLE)));
        existing.extend(sources::TABLES.iter().map(|t| dir.join(format!("{t}.parquet"))));
        existing.push(dir.join(format!("{}.parquet", findings::TABLE)));
        existing.push(dir.join(format!("{}.parquet", dns::TABLE)));
    }
    if let Some(dir) = &opts.cloudtrail_dir {
        existing.push(dir.join("AWSLogs"));
    }
    for path in existing.iter().filter(|p| p.exists()) {
        if !opts.force {
            return Err(SampleError::Exists(path.clone()).into());
        }
        let removed = if path.is_dir() { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) };
        removed.with_context(|| format!("removing {} (replaced by --force)", path.display()))?;
    }
    if let Some(parent) = opts.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| {
            format!("creating folder {} for the lake; check the path and its permissions", parent.display())
        })?;
    }
    Ok(())
}

/// Generates the lake described by `opts` and writes its manifest beside it ([`Manifest::path_for`]).
pub fn generate(opts: &GenerateOptions) -> anyhow::Result<Manifest> {
    use anyhow::Context;
    let _span =
        tracing::info_span!("sample_generate", out = %opts.out.display(), rows = opts.rows, seed = opts.seed).entered();
    prepare_outputs(opts)?;
    let lake = build(opts.seed, opts.now, opts.rows);
    let scratch = PathBuf::from(format!("{}.scratch", opts.out.display()));
    std::fs::create_dir_all(&scratch).with_context(|| {
        format!("creating scratch folder {}; check the path and its permissions", scratch.display())
    })?;
    let written = load::write_lake(&opts.out, &scratch, &lake.events, &lake.flows);
    let sourced = sources::write(&opts.out, &scratch, &lake.sources);
    if sourced.is_err() {
        let _ = std::fs::remove_dir_all(&scratch);
        let _ = std::fs::remove_file(&opts.out);
    }
    sourced?;
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&scratch);
        let _ = std::fs::remove_file(&opts.out);
    }
    written?;
    let extra =
        load::write_table(&opts.out, &scratch, findings::TABLE, findings::DDL, &lake.findings, findings::write_row)
            .and_then(|()| load::write_table(&opts.out, &scratch, dns::TABLE, dns::DDL, &lake.dns, dns::write_row));
    if extra.is_err() {
        let _ = std::fs::remove_dir_all(&scratch);
        let _ = std::fs::remove_file(&opts.out);
    }
    extra?;
    let cleaned = std::fs::remove_dir_all(&scratch);
    cleaned.with_context(|| format!("removing scratch folder {}", scratch.display()))?;
    if let Some(dir) = &opts.parquet_dir {
        load::export_parquet(&opts.out, dir)?;
    }
    if let Some(dir) = &opts.cloudtrail_dir {
        let _span = tracing::info_span!("sample_raw_cloudtrail", dir = %dir.display()).entered();
        raw::write_files(dir, &lake.events, opts.seed)?;
    }
    let path = Manifest::path_for(&opts.out);
    let mut text = serde_json::to_string_pretty(&lake.manifest).context("serialising the manifest")?;
    text.push('\n');
    std::fs::write(&path, text).with_context(|| format!("writing manifest {}", path.display()))?;
    Ok(lake.manifest)
}
