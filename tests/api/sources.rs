//! Tests for the S3, Lambda, EKS and WAF logical tables over the sample lake: every column reads through the
//! sample-lake binding, and each cross-source incident is exactly what the logical tables return.

use asklake::catalog::Catalog;
use asklake::engines::duckdb::{DuckDbEngine, DuckDbSettings};
use asklake::engines::{ExecOptions, SqlEngine};
use asklake::pipeline::validate::validate;
use asklake::sample::{Incident, IncidentKind};

use crate::support::lake::shared_lake;

const TABLES: [&str; 4] = ["s3_data", "lambda_data", "eks_audit", "waf"];

/// Columns that may be NULL on every row of the sample lake (what the sample's cast never does).
const MAY_BE_EMPTY: [(&str, &str); 5] = [
    ("s3_data", "source_domain"),
    ("s3_data", "vpc_endpoint_id"),
    ("lambda_data", "actor_name"),
    ("lambda_data", "error_code"),
    ("waf", "referrer"),
];

fn engine() -> DuckDbEngine {
    DuckDbEngine::open_sample_lake(&shared_lake().path, &DuckDbSettings::default()).expect("the shared lake opens")
}

/// Runs `sql` over the logical tables and returns every row as text cells.
async fn rows(sql: &str) -> Vec<Vec<String>> {
    let catalog = Catalog::embedded().unwrap();
    let engine = engine();
    let v = validate(sql, &catalog, engine.binding(), 10_000).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let r = engine.execute(&v, &ExecOptions::default()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut out: Vec<Vec<String>> = r.rows.iter().map(|row| row.iter().map(|c| c.to_string()).collect()).collect();
    out.sort();
    out
}

async fn column(sql: &str) -> Vec<String> {
    rows(sql).await.into_iter().map(|mut r| r.remove(0)).collect()
}

fn incident(kind: IncidentKind) -> &'static Incident {
    shared_lake().manifest.incident(kind).unwrap_or_else(|| panic!("the sample plants {kind:?}"))
}

fn sorted(list: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = list.into_iter().collect();
    v.sort();
    v
}

#[tokio::test]
async fn every_column_of_the_new_tables_reads_through_the_sample_lake_binding_and_holds_data() {
    let catalog = Catalog::embedded().unwrap();
    for table in TABLES {
        let t = catalog.table(table).unwrap_or_else(|| panic!("the catalog has {table}"));
        let counts: Vec<String> = t.columns.iter().map(|c| format!("count({})", c.name)).collect();
        let sql = format!("SELECT count(*), {} FROM {table}", counts.join(", "));
        let got = rows(&sql).await.remove(0);
        let total: i64 = got[0].parse().unwrap();
        assert!(total > 100, "{table} has only {total} rows");
        for (col, n) in t.columns.iter().zip(&got[1..]) {
            let empty = n == "0";
            let allowed = MAY_BE_EMPTY.contains(&(table, col.name.as_str()));
            assert!(!empty || allowed, "{table}.{} is NULL on every row: its expression reads nothing", col.name);
        }
        let all = rows(&format!("SELECT * FROM {table} LIMIT 3")).await;
        assert_eq!(all[0].len(), t.columns.len(), "{table}: SELECT * gives every logical column");
    }
}

#[tokio::test]
async fn the_new_tables_share_accounts_regions_and_times_with_cloudtrail() {
    let accounts = column("SELECT DISTINCT account_id FROM cloudtrail").await;
    for table in TABLES {
        let theirs = column(&format!("SELECT DISTINCT account_id FROM {table}")).await;
        assert!(theirs.iter().all(|a| accounts.contains(a)), "{table} has accounts {theirs:?} outside {accounts:?}");
        let days =
            column(&format!("SELECT CAST(date_diff('day', min(event_time), max(event_time)) AS varchar) FROM {table}"))
                .await;
        assert!(days[0].parse::<i64>().unwrap() >= 25, "{table} spans only {} days", days[0]);
    }
}

#[tokio::test]
async fn the_s3_exfiltration_is_exactly_a_public_bucket_policy_then_an_anonymous_burst() {
    let i = incident(IncidentKind::S3Exfiltration);
    let d = &i.details;
    let changes = column(
        "SELECT event_id FROM cloudtrail WHERE api_operation IN ('PutBucketPolicy', 'DeleteBucketPublicAccessBlock', 'PutBucketAcl')",
    )
    .await;
    assert_eq!(changes, sorted(i.event_ids.clone()));
    let policy =
        column(&format!("SELECT request_data FROM cloudtrail WHERE event_id = '{}'", d["policy_event_id"])).await;
    assert!(policy[0].contains("\"Principal\":\"*\""), "{policy:?}");
    let burst = rows(&format!(
        "SELECT CAST(count(*) AS varchar), CAST(count(DISTINCT object_key) AS varchar), CAST(sum(bytes_out) AS varchar) \
         FROM s3_data WHERE source_ip = '{}' AND api_operation = 'GetObject'",
        i.source_ip
    ))
    .await;
    assert_eq!(burst[0], vec![d["get_count"].clone(), d["distinct_keys"].clone(), d["bytes_out"].clone()]);
    let who = rows(&format!(
        "SELECT DISTINCT bucket, actor_type, actor_account_id, coalesce(actor_arn, '-') FROM s3_data WHERE source_ip = '{}'",
        i.source_ip
    ))
    .await;
    assert_eq!(who, vec![vec![d["bucket"].clone(), "AWSAccount".into(), "anonymous".into(), "-".into()]]);
    let anonymous = column("SELECT DISTINCT source_ip FROM s3_data WHERE actor_account_id = 'anonymous'").await;
    assert_eq!(anonymous, vec![i.source_ip.clone()], "only the planted downloader is anonymous");
}

#[tokio::test]
async fn the_lambda_backdoor_is_a_code_update_then_invocations_by_a_role_never_seen_before() {
    let i = incident(IncidentKind::LambdaBackdoor);
    let d = &i.details;
    let updates = column(&format!(
        "SELECT event_id FROM cloudtrail WHERE api_operation LIKE 'UpdateFunctionCode%' AND source_ip = '{}'",
        i.source_ip
    ))
    .await;
    assert_eq!(updates, vec![d["update_event_id"].clone()]);
    let invokers = column(&format!(
        "SELECT DISTINCT coalesce(session_issuer, invoked_by) FROM lambda_data WHERE function_name = '{}' AND account_id = '{}'",
        d["function_name"], i.account_id
    ))
    .await;
    assert!(invokers.contains(&d["usual_invoker_role"]) && invokers.contains(&d["invoker_role"]), "{invokers:?}");
    let odd = rows(&format!(
        "SELECT CAST(count(*) AS varchar), min(function_arn), min(source_ip), CAST(min(event_time) > TIMESTAMP '{}' AS varchar) \
         FROM lambda_data WHERE session_issuer = '{}'",
        i.start.format("%Y-%m-%d %H:%M:%S"),
        d["invoker_role"]
    ))
    .await;
    assert_eq!(
        odd[0],
        vec![d["invocation_count"].clone(), d["function_arn"].clone(), i.source_ip.clone(), "true".into()]
    );
}

#[tokio::test]
async fn the_eks_incident_is_anonymous_probing_then_the_only_pod_exec_from_the_same_address() {
    let i = incident(IncidentKind::EksPodExec);
    let d = &i.details;
    let exec = column("SELECT audit_id FROM eks_audit WHERE subresource IN ('exec', 'attach', 'portforward')").await;
    assert_eq!(exec, sorted(d["exec_audit_ids"].split(',').map(String::from)));
    let who = rows("SELECT DISTINCT user_name, source_ip, cluster_name, namespace, verb, resource FROM eks_audit WHERE subresource = 'exec'").await;
    assert_eq!(
        who,
        vec![vec![
            i.actor.clone(),
            i.source_ip.clone(),
            d["cluster"].clone(),
            d["namespace"].clone(),
            "create".into(),
            "pods".into()
        ]]
    );
    let anonymous = rows(
        "SELECT source_ip, decision, CAST(response_code AS varchar), CAST(count(*) AS varchar) FROM eks_audit \
         WHERE user_name = 'system:anonymous' AND contains(user_groups, 'system:unauthenticated') \
         GROUP BY source_ip, decision, response_code",
    )
    .await;
    assert_eq!(anonymous, vec![vec![i.source_ip.clone(), "forbid".into(), "403".into(), d["anonymous_count"].clone()]]);
}

#[tokio::test]
async fn the_waf_sql_injection_client_is_the_only_blocked_client_also_seen_in_vpc_flow() {
    let i = incident(IncidentKind::WafSqlInjection);
    let d = &i.details;
    let sqli = rows(
        "SELECT client_ip, web_acl, country, host, rule_id, action, CAST(count(*) AS varchar) FROM waf \
         WHERE match_condition = 'SQL_INJECTION' GROUP BY 1, 2, 3, 4, 5, 6",
    )
    .await;
    assert_eq!(
        sqli,
        vec![vec![
            i.source_ip.clone(),
            d["web_acl"].clone(),
            d["country"].clone(),
            d["host"].clone(),
            d["rule_id"].clone(),
            "Blocked".into(),
            d["blocked_count"].clone()
        ]]
    );
    let joined = rows(
        "SELECT w.client_ip, CAST(count(DISTINCT v.event_time) AS varchar) FROM waf w JOIN vpcflow v ON v.src_ip = w.client_ip \
         AND v.account_id = w.account_id WHERE w.action = 'Blocked' GROUP BY w.client_ip",
    )
    .await;
    assert_eq!(joined.len(), 1, "{joined:?}");
    assert_eq!(joined[0][0], i.source_ip);
    let flows =
        column(&format!("SELECT CAST(count(*) AS varchar) FROM vpcflow WHERE src_ip = '{}'", i.source_ip)).await;
    assert_eq!(flows, vec![d["vpcflow_count"].clone()]);
}
