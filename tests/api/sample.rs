//! Tests for the sample part of asklake: determinism, size, planted incidents, raw CloudTrail files, errors.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use asklake::sample::{GenerateOptions, IncidentKind, Manifest, generate};
use chrono::{DateTime, Duration, TimeZone, Utc};
use duckdb::Connection;

use crate::support::lake::{SHARED_ROWS, shared_lake};

fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

fn options(dir: &Path, rows: usize, seed: u64) -> GenerateOptions {
    GenerateOptions {
        out: dir.join("lake.duckdb"),
        rows,
        seed,
        now: fixed_now(),
        parquet_dir: None,
        cloudtrail_dir: None,
        force: false,
    }
}

/// Opens a generated lake read-only, so many tests can read the shared lake at once.
fn open(path: &Path) -> Connection {
    let config = duckdb::Config::default().access_mode(duckdb::AccessMode::ReadOnly).expect("read-only config");
    Connection::open_with_flags(path, config).expect("open generated lake")
}

fn strings(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("prepare {sql}: {e}"));
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).expect("query");
    let mut out: Vec<String> = rows.map(|r| r.expect("row")).collect();
    out.sort();
    out
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn checksum(conn: &Connection, table: &str) -> String {
    conn.query_row(&format!("SELECT CAST(sum(hash(t)) AS VARCHAR) || ':' || count(*) FROM {table} t"), [], |r| r.get(0))
        .expect("checksum")
}

fn sorted(ids: &[String]) -> Vec<String> {
    let mut v = ids.to_vec();
    v.sort();
    v
}

fn incident(m: &Manifest, kind: IncidentKind) -> &asklake::sample::Incident {
    m.incident(kind).unwrap_or_else(|| panic!("manifest has no {kind:?}"))
}

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

#[test]
fn the_same_seed_and_now_give_identical_manifests_and_tables() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ma = generate(&options(a.path(), 3_000, 7)).expect("first run");
    let mb = generate(&options(b.path(), 3_000, 7)).expect("second run");
    assert_eq!(ma, mb);
    let text_a = std::fs::read(Manifest::path_for(&a.path().join("lake.duckdb"))).unwrap();
    let text_b = std::fs::read(Manifest::path_for(&b.path().join("lake.duckdb"))).unwrap();
    assert_eq!(text_a, text_b, "manifest files differ byte for byte");
    let (ca, cb) = (open(&a.path().join("lake.duckdb")), open(&b.path().join("lake.duckdb")));
    for table in ["cloud_trail_mgmt_2_0", "vpc_flow_2_0", "sh_findings_2_0", "route53_2_0"] {
        assert_eq!(checksum(&ca, table), checksum(&cb, table), "{table} differs between runs");
    }
}

#[test]
fn a_different_seed_gives_different_data() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ma = generate(&options(a.path(), 2_000, 1)).unwrap();
    let mb = generate(&options(b.path(), 2_000, 2)).unwrap();
    assert_ne!(ma.incidents[0].event_ids, mb.incidents[0].event_ids);
    let (ca, cb) = (open(&a.path().join("lake.duckdb")), open(&b.path().join("lake.duckdb")));
    assert_ne!(checksum(&ca, "cloud_trail_mgmt_2_0"), checksum(&cb, "cloud_trail_mgmt_2_0"));
    assert_ne!(checksum(&ca, "vpc_flow_2_0"), checksum(&cb, "vpc_flow_2_0"));
}

#[test]
fn the_requested_size_is_respected_within_ten_percent() {
    let dir = tempfile::tempdir().unwrap();
    let small = generate(&options(dir.path(), 2_000, 3)).unwrap();
    let conn = open(&dir.path().join("lake.duckdb"));
    let ct = count(&conn, "SELECT count(*) FROM cloud_trail_mgmt_2_0");
    let flows = count(&conn, "SELECT count(*) FROM vpc_flow_2_0");
    assert_eq!((ct as usize, flows as usize), (small.cloudtrail_rows, small.vpcflow_rows));
    let others: usize = small.source_rows.values().sum();
    for (table, rows) in &small.source_rows {
        assert_eq!(count(&conn, &format!("SELECT count(*) FROM {table}")) as usize, *rows, "{table}");
    }
    let total = (ct + flows) as f64 + others as f64;
    assert!((1_800.0..=2_200.0).contains(&total), "2,000 rows asked, {total} written");
    let shared = &shared_lake().manifest;
    let total = (shared.cloudtrail_rows + shared.vpcflow_rows + shared.source_rows.values().sum::<usize>()) as f64;
    let asked = SHARED_ROWS as f64;
    assert!((asked * 0.9..=asked * 1.1).contains(&total), "{asked} rows asked, {total} written");
}

#[test]
fn a_small_lake_still_holds_every_planted_incident() {
    let dir = tempfile::tempdir().unwrap();
    let m = generate(&options(dir.path(), 2_000, 11)).unwrap();
    let conn = open(&dir.path().join("lake.duckdb"));
    let kinds: BTreeSet<IncidentKind> = m.incidents.iter().map(|i| i.kind).collect();
    assert_eq!(kinds.len(), 13, "all thirteen kinds are planted");
    for i in m.incidents.iter().filter(|i| !i.event_ids.is_empty()) {
        let list = i.event_ids.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(",");
        let found = count(&conn, &format!("SELECT count(*) FROM cloud_trail_mgmt_2_0 WHERE metadata.uid IN ({list})"));
        assert_eq!(found as usize, i.event_ids.len(), "{:?} events missing", i.kind);
    }
    let scan = incident(&m, IncidentKind::PortScan);
    let sql = format!("SELECT count(*) FROM vpc_flow_2_0 WHERE src_endpoint.ip = '{}'", scan.source_ip);
    assert_eq!(count(&conn, &sql).to_string(), scan.details["count"]);
}

#[test]
fn every_incident_is_in_the_last_week_at_its_own_time() {
    let m = &shared_lake().manifest;
    let week_ago = m.now - Duration::days(7);
    let mut starts = BTreeSet::new();
    let accounts: BTreeSet<&str> = m.incidents.iter().map(|i| i.account_id.as_str()).collect();
    for i in &m.incidents {
        assert!(i.start > week_ago && i.end < m.now, "{:?} at {} is outside the last week", i.kind, i.start);
        assert!(i.start <= i.end);
        starts.insert(i.start);
    }
    assert_eq!(starts.len(), m.incidents.len(), "incidents share a start time");
    assert!(accounts.len() >= 3, "incidents span only {accounts:?}");
    assert!(m.accounts.len() >= 3 && m.regions.len() >= 2);
}

#[test]
fn the_root_console_login_without_mfa_is_exactly_the_planted_event() {
    let lake = shared_lake();
    let i = incident(&lake.manifest, IncidentKind::RootConsoleLoginWithoutMfa);
    let conn = open(&lake.path);
    let found = strings(
        &conn,
        "SELECT metadata.uid FROM cloud_trail_mgmt_2_0 WHERE api.operation = 'ConsoleLogin' \
         AND actor.user.type = 'Root' AND is_mfa = false",
    );
    assert_eq!(found, sorted(&i.event_ids));
    let (class, status, ip, account): (i32, String, String, String) = conn
        .query_row(
            &format!("SELECT class_uid, status, src_endpoint.ip, accountid FROM cloud_trail_mgmt_2_0 WHERE metadata.uid = '{}'", i.event_ids[0]),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (class, status.as_str(), ip.as_str(), account.as_str()),
        (3002, "Success", i.source_ip.as_str(), i.account_id.as_str())
    );
    let recent = count(
        &conn,
        "SELECT count(*) FROM cloud_trail_mgmt_2_0 WHERE api.operation = 'ConsoleLogin' AND actor.user.type = 'Root' \
         AND is_mfa = false AND time_dt > CAST(current_timestamp AS TIMESTAMP) - INTERVAL '7' DAY",
    );
    assert_eq!(recent, 1, "a 'last 7 days' query finds the root login");
}

#[test]
fn the_new_access_key_is_used_only_from_an_address_never_seen_for_its_user() {
    let lake = shared_lake();
    let i = incident(&lake.manifest, IncidentKind::AccessKeyUsedFromNewIp);
    let key = &i.details["access_key_id"];
    let conn = open(&lake.path);
    let created = strings(
        &conn,
        "SELECT metadata.uid FROM cloud_trail_mgmt_2_0 WHERE api.operation = 'CreateAccessKey' \
         AND json_extract_string(api.response.data, '$.accessKey.accessKeyId') IS NOT NULL",
    );
    assert_eq!(created, vec![i.details["create_event_id"].clone()]);
    let used = strings(
        &conn,
        &format!("SELECT metadata.uid FROM cloud_trail_mgmt_2_0 WHERE actor.user.credential_uid = '{key}'"),
    );
    let mut expected: Vec<String> =
        i.event_ids.iter().filter(|id| **id != i.details["create_event_id"]).cloned().collect();
    expected.sort();
    assert_eq!(used, expected);
    let ips = strings(
        &conn,
        &format!("SELECT DISTINCT src_endpoint.ip FROM cloud_trail_mgmt_2_0 WHERE actor.user.credential_uid = '{key}'"),
    );
    assert_eq!(ips, vec![i.source_ip.clone()]);
    let before = count(
        &conn,
        &format!(
            "SELECT count(*) FROM cloud_trail_mgmt_2_0 WHERE actor.user.name = '{}' AND src_endpoint.ip = '{}' AND time_dt < TIMESTAMP '{}'",
            i.details["user_name"],
            i.source_ip,
            ts(i.start)
        ),
    );
    assert_eq!(before, 0, "the new address was seen for the user before");
    let anyone =
        count(&conn, &format!("SELECT count(*) FROM cloud_trail_mgmt_2_0 WHERE src_endpoint.ip = '{}'", i.source_ip));
    assert_eq!(anyone as usize, expected.len(), "the address appears outside the incident");
}

#[test]
fn the_port_scan_is_the_only_source_probing_a_hundred_ports_and_is_mostly_denied() {
    let lake = shared_lake();
    let i = incident(&lake.manifest, IncidentKind::PortScan);
    let conn = open(&lake.path);
    let found = strings(
        &conn,
        "SELECT src_endpoint.ip || ' -> ' || dst_endpoint.ip FROM vpc_flow_2_0 WHERE connection_info.direction = 'Inbound' \
         GROUP BY src_endpoint.ip, dst_endpoint.ip HAVING count(DISTINCT dst_endpoint.port) >= 100",
    );
    assert_eq!(found, vec![format!("{} -> {}", i.source_ip, i.details["target_ip"])]);
    let (ports, denied, minutes): (i64, i64, i64) = conn
        .query_row(
            &format!(
                "SELECT count(DISTINCT dst_endpoint.port), count(*) FILTER (WHERE action = 'Denied'), \
                 date_diff('minute', min(time_dt), max(time_dt)) FROM vpc_flow_2_0 WHERE src_endpoint.ip = '{}'",
                i.source_ip
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(ports.to_string(), i.details["distinct_ports"]);
    assert_eq!(denied.to_string(), i.details["denied_count"]);
    assert!(denied * 10 > ports * 9, "scan should be mostly denied");
    assert!(minutes <= 10, "scan spans {minutes} minutes");
}

#[test]
fn the_world_open_ssh_rule_is_exactly_the_planted_event() {
    let lake = shared_lake();
    let i = incident(&lake.manifest, IncidentKind::SecurityGroupOpenToWorld);
    let conn = open(&lake.path);
    let found = strings(
        &conn,
        "SELECT metadata.uid FROM cloud_trail_mgmt_2_0 WHERE api.operation = 'AuthorizeSecurityGroupIngress' \
         AND api.request.data LIKE '%\"cidrIp\":\"0.0.0.0/0\"%' AND api.request.data LIKE '%\"fromPort\":22,%'",
    );
    assert_eq!(found, sorted(&i.event_ids));
    let group = strings(
        &conn,
        &format!(
            "SELECT json_extract_string(api.request.data, '$.groupId') FROM cloud_trail_mgmt_2_0 WHERE metadata.uid = '{}'",
            i.event_ids[0]
        ),
    );
    assert_eq!(group, vec![i.details["group_id"].clone()]);
    let world = count(&conn, "SELECT count(*) FROM cloud_trail_mgmt_2_0 WHERE api.request.data LIKE '%0.0.0.0/0%'");
    assert_eq!(world, 1, "no other event mentions 0.0.0.0/0");
}

#[test]
fn the_administrator_access_grant_is_exactly_the_planted_event() {
    let lake = shared_lake();
    let i = incident(&lake.manifest, IncidentKind::AdminPolicyAttached);
    let conn = open(&lake.path);
    let found = strings(
        &conn,
        "SELECT metadata.uid FROM cloud_trail_mgmt_2_0 WHERE api.operation LIKE 'Attach%Policy' \
         AND policy.uid = 'arn:aws:iam::aws:policy/AdministratorAccess'",
    );
    assert_eq!(found, sorted(&i.event_ids));
    let (target, class, activity): (String, i32, String) = conn
        .query_row(
            &format!(
                "SELECT \"user\".name, class_uid, activity_name FROM cloud_trail_mgmt_2_0 WHERE metadata.uid = '{}'",
                i.event_ids[0]
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((target.as_str(), class, activity.as_str()), (i.details["target_user"].as_str(), 3001, "Attach Policy"));
}

#[test]
fn the_access_denied_burst_is_the_only_principal_with_thirty_denials_in_an_hour() {
    let lake = shared_lake();
    let i = incident(&lake.manifest, IncidentKind::AccessDeniedBurst);
    let conn = open(&lake.path);
    let found = strings(
        &conn,
        "SELECT actor.user.uid FROM cloud_trail_mgmt_2_0 WHERE api.response.error = 'AccessDenied' \
         GROUP BY actor.user.uid, date_trunc('hour', time_dt) HAVING count(*) >= 30",
    );
    assert_eq!(found, vec![i.actor.clone()]);
    let ids = strings(
        &conn,
        &format!(
            "SELECT metadata.uid FROM cloud_trail_mgmt_2_0 WHERE api.response.error = 'AccessDenied' AND actor.user.uid = '{}' \
             AND time_dt BETWEEN TIMESTAMP '{}' AND TIMESTAMP '{}'",
            i.actor,
            ts(i.start),
            ts(i.end)
        ),
    );
    assert_eq!(ids, sorted(&i.event_ids));
    assert!(i.event_ids.len() >= 30 && i.end - i.start <= Duration::minutes(10));
}

#[test]
fn stop_logging_is_exactly_the_planted_event() {
    let lake = shared_lake();
    let i = incident(&lake.manifest, IncidentKind::StopLogging);
    let conn = open(&lake.path);
    let found = strings(&conn, "SELECT metadata.uid FROM cloud_trail_mgmt_2_0 WHERE api.operation = 'StopLogging'");
    assert_eq!(found, sorted(&i.event_ids));
    let who = strings(
        &conn,
        "SELECT actor.user.uid || ' ' || src_endpoint.ip FROM cloud_trail_mgmt_2_0 WHERE api.operation = 'StopLogging'",
    );
    assert_eq!(who, vec![format!("{} {}", i.actor, i.source_ip)]);
}

#[test]
fn the_terraform_bulk_change_is_the_only_hour_with_fifty_terraform_writes() {
    let lake = shared_lake();
    let i = incident(&lake.manifest, IncidentKind::TerraformBulkChange);
    let conn = open(&lake.path);
    let found = strings(
        &conn,
        "SELECT actor.user.uid FROM cloud_trail_mgmt_2_0 WHERE http_request.user_agent LIKE '%Terraform/%' \
         AND unmapped['readOnly'] = 'false' GROUP BY actor.user.uid, date_trunc('hour', time_dt) HAVING count(*) >= 50",
    );
    assert_eq!(found, vec![i.actor.clone()]);
    let ids = strings(
        &conn,
        &format!(
            "SELECT metadata.uid FROM cloud_trail_mgmt_2_0 WHERE actor.user.uid = '{}' AND unmapped['readOnly'] = 'false' \
             AND time_dt BETWEEN TIMESTAMP '{}' AND TIMESTAMP '{}'",
            i.actor,
            ts(i.start),
            ts(i.end)
        ),
    );
    assert_eq!(ids, sorted(&i.event_ids));
    assert!(ids.len() >= 50);
}

#[test]
fn the_cloudtrail_table_has_all_three_classes_with_consistent_types() {
    let conn = open(&shared_lake().path);
    let classes = strings(
        &conn,
        "SELECT DISTINCT class_uid || ' ' || class_name || ' / ' || category_name FROM cloud_trail_mgmt_2_0",
    );
    assert_eq!(
        classes,
        vec![
            "3001 Account Change / Identity & Access Management",
            "3002 Authentication / Identity & Access Management",
            "6003 API Activity / Application Activity",
        ]
    );
    let bad = count(
        &conn,
        "SELECT count(*) FROM cloud_trail_mgmt_2_0 WHERE type_uid <> class_uid * 100 + activity_id \
         OR type_name <> class_name || ': ' || activity_name OR (status = 'Failure') <> (api.response.error IS NOT NULL \
         OR coalesce(json_extract_string(api.response.data, '$.ConsoleLogin') = 'Failure', false))",
    );
    assert_eq!(bad, 0);
    let types = strings(&conn, "SELECT DISTINCT actor.user.type FROM cloud_trail_mgmt_2_0");
    assert_eq!(types, vec!["AWSService", "AssumedRole", "IAMUser", "Root"]);
    let agents = strings(
        &conn,
        "SELECT DISTINCT CASE WHEN http_request.user_agent LIKE 'aws-cli/%' THEN 'cli' WHEN http_request.user_agent LIKE 'Boto3/%' THEN 'boto3' \
         WHEN http_request.user_agent LIKE '%Terraform/%' THEN 'terraform' WHEN http_request.user_agent = 'cloudformation.amazonaws.com' THEN 'cfn' \
         WHEN http_request.user_agent LIKE 'Mozilla/%' THEN 'browser' WHEN http_request.user_agent LIKE 'console.%' THEN 'console' ELSE 'other' END \
         FROM cloud_trail_mgmt_2_0",
    );
    for want in ["cli", "boto3", "terraform", "cfn", "browser", "console"] {
        assert!(agents.iter().any(|a| a == want), "no {want} user agent in {agents:?}");
    }
    let recipients =
        count(&conn, "SELECT count(*) FROM cloud_trail_mgmt_2_0 WHERE unmapped['recipientAccountId'] <> accountid");
    assert_eq!(recipients, 0);
}

#[test]
fn vpc_flow_rows_have_both_actions_directions_and_several_protocols() {
    let conn = open(&shared_lake().path);
    let shapes = strings(&conn, "SELECT DISTINCT action || ' ' || disposition || ' ' || type_uid FROM vpc_flow_2_0");
    assert_eq!(shapes, vec!["Allowed Allowed 400106", "Denied Blocked 400105"]);
    let directions = strings(&conn, "SELECT DISTINCT connection_info.direction FROM vpc_flow_2_0");
    assert_eq!(directions, vec!["Inbound", "Outbound"]);
    let protocols = count(&conn, "SELECT count(DISTINCT connection_info.protocol_num) FROM vpc_flow_2_0");
    assert_eq!(protocols, 3);
    let busy = count(&conn, "SELECT count(*) FROM vpc_flow_2_0 WHERE hour(time_dt + INTERVAL 9 HOUR) BETWEEN 9 AND 18");
    let total = count(&conn, "SELECT count(*) FROM vpc_flow_2_0");
    assert!(busy * 24 > total * 10, "Seoul office hours should be busier: {busy} of {total}");
}

fn raw_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn raw_cloudtrail_files_hold_exactly_the_events_of_the_ocsf_table() {
    let lake = shared_lake();
    let files = raw_files(&lake.cloudtrail_dir);
    assert!(!files.is_empty());
    let pattern = regex::Regex::new(
        r"AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/\d{4}/\d{2}/\d{2}/(\d{12})_CloudTrail_([a-z0-9-]+)_\d{8}T\d{4}Z_[A-Z0-9]{16}\.json\.gz$",
    )
    .unwrap();
    let mut raw: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for file in &files {
        let text = file.to_string_lossy().replace('\\', "/");
        let caps = pattern.captures(&text).unwrap_or_else(|| panic!("unexpected file name {text}"));
        assert_eq!((&caps[1], &caps[2]), (&caps[3], &caps[4]));
        let mut json = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(file).unwrap()).read_to_string(&mut json).expect("valid gzip");
        let doc: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        for record in doc["Records"].as_array().expect("Records array") {
            assert_eq!(record["recipientAccountId"], caps[1]);
            assert_eq!(record["awsRegion"], caps[2]);
            raw.insert(record["eventID"].as_str().unwrap().to_string(), record.clone());
        }
    }
    assert_eq!(raw.len(), lake.manifest.cloudtrail_rows);
    let conn = open(&lake.path);
    let mut stmt = conn
        .prepare(
            "SELECT metadata.uid, api.operation, coalesce(src_endpoint.ip, src_endpoint.domain), actor.user.type, \
             coalesce(actor.user.uid, ''), coalesce(actor.user.credential_uid, ''), status FROM cloud_trail_mgmt_2_0",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok([r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?])
        })
        .unwrap();
    let mut seen = 0;
    for row in rows {
        let [uid, op, ip, kind, arn, key, status] = row.unwrap();
        let r = raw.get(&uid).unwrap_or_else(|| panic!("event {uid} missing from raw files"));
        let id = &r["userIdentity"];
        assert_eq!(
            (r["eventName"].as_str(), r["sourceIPAddress"].as_str(), id["type"].as_str()),
            (Some(op.as_str()), Some(ip.as_str()), Some(kind.as_str()))
        );
        assert_eq!(id["arn"].as_str().unwrap_or(""), arn);
        assert_eq!(id["accessKeyId"].as_str().unwrap_or(""), key);
        let failed = r.get("errorCode").is_some() || r["responseElements"]["ConsoleLogin"] == "Failure";
        assert_eq!(status, if failed { "Failure" } else { "Success" });
        seen += 1;
    }
    assert_eq!(seen, raw.len());
    let root = incident(&lake.manifest, IncidentKind::RootConsoleLoginWithoutMfa);
    let login = &raw[&root.event_ids[0]];
    assert_eq!(login["additionalEventData"]["MFAUsed"], "No");
    assert_eq!(login["eventType"], "AwsConsoleSignIn");
    let sg = incident(&lake.manifest, IncidentKind::SecurityGroupOpenToWorld);
    let rule = &raw[&sg.event_ids[0]]["requestParameters"]["ipPermissions"]["items"][0];
    assert_eq!(
        (rule["fromPort"].as_i64(), rule["ipRanges"]["items"][0]["cidrIp"].as_str()),
        (Some(22), Some("0.0.0.0/0"))
    );
}

#[test]
fn parquet_export_holds_every_row_of_both_tables() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path(), 2_000, 5);
    opts.parquet_dir = Some(dir.path().join("parquet"));
    let m = generate(&opts).unwrap();
    let conn = Connection::open_in_memory().unwrap();
    let parquet = dir.path().join("parquet");
    let ct = count(
        &conn,
        &format!("SELECT count(*) FROM read_parquet('{}')", parquet.join("cloud_trail_mgmt_2_0.parquet").display()),
    );
    let flows = count(
        &conn,
        &format!("SELECT count(*) FROM read_parquet('{}')", parquet.join("vpc_flow_2_0.parquet").display()),
    );
    assert_eq!((ct as usize, flows as usize), (m.cloudtrail_rows, m.vpcflow_rows));
}

#[test]
fn an_existing_lake_is_not_replaced_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path(), 1_000, 9);
    generate(&opts).unwrap();
    let err = generate(&opts).expect_err("second run without --force must fail").to_string();
    assert!(err.contains("already exists") && err.contains("--force") && err.contains("lake.duckdb"), "{err}");
    opts.force = true;
    opts.seed = 10;
    let m = generate(&opts).expect("--force replaces the lake");
    assert_eq!(m.seed, 10);
}

#[test]
fn an_output_path_that_cannot_be_created_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "x").unwrap();
    let mut opts = options(dir.path(), 1_000, 9);
    opts.out = blocker.join("lake.duckdb");
    let err = format!("{:#}", generate(&opts).expect_err("a file as parent folder must fail"));
    assert!(err.contains("not-a-folder") && err.contains("creating folder"), "{err}");
}

#[test]
fn too_few_rows_are_refused_with_the_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let err = generate(&options(dir.path(), 10, 1)).expect_err("10 rows is too few").to_string();
    assert!(err.contains("--rows 10") && err.contains("1000"), "{err}");
    assert!(!dir.path().join("lake.duckdb").exists());
}

#[test]
fn the_cli_refuses_to_overwrite_and_prints_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested/lake.duckdb");
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_asklake"))
            .current_dir(dir.path())
            .args(["sample", "generate", "--rows", "1000", "--seed", "4", "--now", "2026-11-20T09:00:00Z", "--out"])
            .arg(&out)
            .output()
            .expect("run asklake")
    };
    let first = run();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&first.stderr));
    for want in [
        "cloud_trail_mgmt_2_0",
        "vpc_flow_2_0",
        "acme-prod",
        "ap-northeast-2",
        "RootConsoleLoginWithoutMfa",
        "rows/s",
        "lake.manifest.json",
    ] {
        assert!(stdout.contains(want), "summary lacks {want}:\n{stdout}");
    }
    let second = run();
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("--force"), "{stderr}");
}
