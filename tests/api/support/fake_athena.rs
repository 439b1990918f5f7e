//! A local Athena (AWS JSON 1.1) server that answers as Athena engine v3 (Trino) would, executing with DuckDB.
//!
//! Queries go QUEUED → RUNNING → SUCCEEDED/FAILED over successive `GetQueryExecution` calls, as slowly as the
//! [`Latency`] model says ([`model`]: queue, planning and per-byte scan time; bytes scanned are the rows the
//! query's partition predicates keep). With `ResultReuseConfiguration` enabled, a query whose text and workgroup
//! match a query that SUCCEEDED within `MaxAgeInMinutes` is answered from that result: it scans 0 bytes and
//! reports `Statistics.ResultReuseInformation.ReusedPreviousResult: true`, as Athena's result reuse does. Before DuckDB sees
//! a query, [`trino`] refuses what Trino refuses and DuckDB accepts (select-list aliases in GROUP BY/HAVING,
//! QUALIFY, `* EXCLUDE/REPLACE`, `::` casts, functions Trino does not have), with Athena's texts. A FAILED
//! status carries `StateChangeReason` and `AthenaError` (`ErrorCategory`, `ErrorType`, `Retryable`) as the
//! real service does. Results page at `MaxResults` (≤ 1000) with `NextToken`; the first row of the first page
//! is the header row. Tests can script the next query to run forever (for timeouts and `StopQueryExecution`),
//! to report bytes scanned, to fail with a given reason and `AthenaError`, and can make every call throttled
//! or access-denied.

mod model;
mod trino;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use asklake::config::Config;
use asklake::engines::athena::{AthenaEngine, PollSchedule, RestartPolicy};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

pub use self::model::Latency;
use self::model::{Kind, Phase};

/// Glue database of the fixture table.
pub const DATABASE: &str = "amazon_security_lake_glue_db_us_east_1";
/// Fixture table shaped like the Security Lake v2 CloudTrail table.
pub const TABLE: &str = "amazon_security_lake_table_us_east_1_cloud_trail_mgmt_2_0";

/// How the next started query behaves.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Run it on DuckDB.
    Normal,
    /// Stay RUNNING until stopped, reporting this many bytes scanned.
    Slow {
        /// Bytes reported while running.
        scan_bytes: u64,
    },
    /// Fail with this `StateChangeReason` and no `AthenaError` (as older responses look).
    Fail(String),
    /// Fail with this reason and `AthenaError`.
    FailWith(AthenaFailure),
}

/// A FAILED status: `StateChangeReason` and, when `category` is set, `AthenaError`.
///
/// Categories and types follow the Athena error catalog
/// (<https://docs.aws.amazon.com/athena/latest/ug/error-reference.html>, also in the awsdocs
/// amazon-athena-user-guide repository as `doc_source/error-reference.md`): category 1 system, 2 user, 3 other;
/// type 1006 syntax error, 1110 table or view does not exist, 1303 function not found, 200 query engine internal
/// error, 1403 Amazon S3 throttling. Which type Athena puts on each Trino code is not documented; these follow
/// the catalog's descriptions.
#[derive(Debug, Clone, PartialEq)]
pub struct AthenaFailure {
    /// `StateChangeReason` (also `AthenaError.ErrorMessage`).
    pub reason: String,
    /// `AthenaError.ErrorCategory`; `None` leaves `AthenaError` out.
    pub category: Option<i32>,
    /// `AthenaError.ErrorType`.
    pub error_type: i32,
    /// `AthenaError.Retryable`.
    pub retryable: bool,
}

impl AthenaFailure {
    /// A user error (category 2) of the given type.
    pub fn user(reason: impl Into<String>, error_type: i32) -> Self {
        Self { reason: reason.into(), category: Some(2), error_type, retryable: false }
    }

    /// Trino's unknown-column failure, worded as Athena words it.
    pub fn column_not_found(line: u64, column: u64, name: &str) -> Self {
        Self::user(
            format!(
                "COLUMN_NOT_FOUND: line {line}:{column}: Column '{name}' cannot be resolved or requester is not authorized to access requested resources"
            ),
            1006,
        )
    }

    /// A passing internal failure Athena marks retryable (category 1, type 200).
    pub fn transient() -> Self {
        Self {
            reason: "GENERIC_INTERNAL_ERROR: the query engine lost a worker while running this query; submit it again"
                .into(),
            category: Some(1),
            error_type: 200,
            retryable: true,
        }
    }

    /// S3 throttling the table scan (type 1403), which Athena also marks retryable.
    pub fn s3_slow_down() -> Self {
        Self {
            reason: "HIVE_CANNOT_OPEN_SPLIT: s3://aws-security-data-lake/x.parquet: Please reduce your request rate. (Service: Amazon S3; Status Code: 503; Error Code: SlowDown)".into(),
            category: Some(1),
            error_type: 1403,
            retryable: true,
        }
    }
}

#[derive(Debug, Clone)]
struct Table {
    columns: Vec<(String, String)>,
    rows: Vec<Vec<Option<String>>>,
}

#[derive(Debug)]
struct Query {
    sql: String,
    workgroup: String,
    polls: u32,
    outcome: Result<Table, AthenaFailure>,
    slow: Option<u64>,
    stopped: bool,
    started: Instant,
    kind: Kind,
    scan_bytes: u64,
    /// When the result this query answers with was produced (its own end, or the reused query's).
    result_at: Option<Instant>,
}

#[derive(Default)]
struct Inner {
    queries: Mutex<HashMap<String, Query>>,
    tokens: Mutex<HashMap<String, String>>,
    next: Mutex<VecDeque<Behaviour>>,
    calls: Mutex<Vec<(String, Value)>>,
    throttle: Mutex<u32>,
    deny: Mutex<bool>,
    db: Mutex<Option<duckdb::Connection>>,
    latency: Mutex<Latency>,
    /// Added to the real clock (tests age stored results without waiting).
    skew: Mutex<Duration>,
}

impl Inner {
    fn now(&self) -> Instant {
        Instant::now() + *self.skew.lock().unwrap()
    }
}

/// The running fake.
#[derive(Clone)]
pub struct FakeAthena {
    /// Base URL.
    pub url: String,
    inner: Arc<Inner>,
}

impl FakeAthena {
    /// Starts the fake with the fixture table loaded.
    pub async fn start() -> Self {
        let inner = Arc::new(Inner::default());
        *inner.db.lock().unwrap() = Some(fixture_db());
        let app = Router::new().route("/", post(handle)).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake athena");
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        Self { url, inner }
    }

    /// Scripts the behaviour of the next started query.
    pub fn next_query(&self, behaviour: Behaviour) {
        self.inner.next.lock().unwrap().push_back(behaviour);
    }

    /// The next `n` calls answer `TooManyRequestsException`.
    pub fn throttle(&self, n: u32) {
        *self.inner.throttle.lock().unwrap() = n;
    }

    /// Adds the (empty) Security Lake VPC Flow table, so every catalog table exists.
    pub fn with_vpcflow_table(&self) {
        let table = "amazon_security_lake_table_us_east_1_vpc_flow_2_0";
        let ddl = asklake::sample::schema::VPCFLOW_DDL.replace("vpc_flow_2_0", &format!("{DATABASE}.{table}"));
        self.inner.db.lock().unwrap().as_ref().expect("fixture db").execute_batch(&ddl).expect("vpc flow DDL");
    }

    /// Replaces the latency model (default: instant).
    pub fn set_latency(&self, latency: Latency) {
        *self.inner.latency.lock().unwrap() = latency;
    }

    /// Moves the fake's clock forward: stored results get older, running queries get further.
    pub fn advance(&self, by: Duration) {
        *self.inner.skew.lock().unwrap() += by;
    }

    /// Queries that scanned the lake (started, not answered from a stored result, not `EXPLAIN`).
    pub fn scans(&self) -> usize {
        self.inner.queries.lock().unwrap().values().filter(|q| q.kind == Kind::Scan).count()
    }

    /// Adds the Security Hub findings and Route 53 tables (empty, v2 shape).
    pub fn with_findings_and_dns_tables(&self) {
        for (suffix, ddl) in [
            ("sh_findings_2_0", asklake::sample::schema::FINDINGS_DDL),
            ("route53_2_0", asklake::sample::schema::DNS_DDL),
        ] {
            let table = format!("{DATABASE}.amazon_security_lake_table_us_east_1_{suffix}");
            let ddl = ddl.replacen(suffix, &table, 1);
            self.inner.db.lock().unwrap().as_ref().expect("fixture db").execute_batch(&ddl).expect("DDL");
        }
    }

    /// Every call answers `AccessDeniedException`.
    pub fn deny_all(&self) {
        *self.inner.deny.lock().unwrap() = true;
    }

    /// Operation names called so far, in order.
    pub fn operations(&self) -> Vec<String> {
        self.inner.calls.lock().unwrap().iter().map(|(op, _)| op.clone()).collect()
    }

    /// Request bodies of one operation.
    pub fn bodies(&self, operation: &str) -> Vec<Value> {
        self.inner.calls.lock().unwrap().iter().filter(|(op, _)| op == operation).map(|(_, b)| b.clone()).collect()
    }

    /// SQL texts started so far.
    pub fn started_sql(&self) -> Vec<String> {
        self.bodies("StartQueryExecution").iter().map(|b| b["QueryString"].as_str().unwrap_or("").to_owned()).collect()
    }

    /// Config whose `[athena]` settings fit this fake.
    pub fn config(&self) -> Config {
        let mut config = Config::default();
        config.engine.kind = asklake::config::EngineKind::Athena;
        config.athena.workgroup = "asklake".into();
        config.athena.output_location = "s3://asklake-results/athena/".into();
        config.athena.query_timeout_secs = 10;
        config
    }

    /// A real Athena engine pointed at this fake, polling every 5–20 ms, restarting retryable failures after
    /// 10 ms, 20 ms.
    pub fn engine(&self, config: &Config) -> AthenaEngine {
        let sdk = super::fake_bedrock::test_sdk_config(&self.url);
        AthenaEngine::from_sdk_config(&sdk, config)
            .with_poll_schedule(PollSchedule {
                initial: std::time::Duration::from_millis(5),
                factor: 1.5,
                max: std::time::Duration::from_millis(20),
            })
            .with_restart_policy(RestartPolicy { max_restarts: 2, backoff: std::time::Duration::from_millis(10) })
    }
}

fn fixture_db() -> duckdb::Connection {
    let conn = duckdb::Connection::open_in_memory().expect("duckdb in memory");
    // Trino functions DuckDB lacks (regexp_like, date_add with a unit, …) so Athena-dialect SQL runs as on Trino.
    conn.execute_batch(&asklake::engines::duckdb::shims::install_sql()).expect("Trino shims");
    let ddl = asklake::sample::schema::CLOUDTRAIL_DDL.replace("cloud_trail_mgmt_2_0", &format!("{DATABASE}.{TABLE}"));
    conn.execute_batch(&format!("ATTACH ':memory:' AS {DATABASE}; {ddl};")).expect("fixture DDL");
    let row = |t: &str, op: &str, svc: &str, user_type: &str, arn: &str, ip: &str, status: &str, err: &str| {
        let err = if err.is_empty() { "NULL".to_owned() } else { format!("'{err}'") };
        format!(
            "(TIMESTAMP '{t}', {{'response': {{'error': {err}, 'message': NULL, 'data': NULL}}, 'operation': '{op}', 'version': NULL, \
             'service': {{'name': '{svc}'}}, 'request': {{'data': NULL, 'uid': NULL}}}}, \
             {{'user': {{'type': '{user_type}', 'name': NULL, 'uid_alt': NULL, 'uid': '{arn}', 'account': {{'uid': '111122223333'}}, 'credential_uid': NULL}}, \
             'session': NULL, 'invoked_by': NULL, 'idp': NULL}}, {{'uid': NULL, 'ip': '{ip}', 'domain': NULL}}, '{status}', '111122223333', 'us-east-1')"
        )
    };
    let rows = [
        row(
            "2026-11-20 01:00:00",
            "ConsoleLogin",
            "signin.amazonaws.com",
            "Root",
            "arn:aws:iam::111122223333:root",
            "203.0.113.9",
            "Success",
            "",
        ),
        row(
            "2026-11-20 02:00:00",
            "CreateUser",
            "iam.amazonaws.com",
            "IAMUser",
            "arn:aws:iam::111122223333:user/alice",
            "198.51.100.7",
            "Success",
            "",
        ),
        row(
            "2026-11-21 03:00:00",
            "DeleteTrail",
            "cloudtrail.amazonaws.com",
            "IAMUser",
            "arn:aws:iam::111122223333:user/mallory",
            "192.0.2.66",
            "Failure",
            "AccessDenied",
        ),
        row(
            "2026-11-21 04:00:00",
            "ConsoleLogin",
            "signin.amazonaws.com",
            "IAMUser",
            "arn:aws:iam::111122223333:user/alice",
            "198.51.100.7",
            "Success",
            "",
        ),
    ];
    conn.execute_batch(&format!(
        "INSERT INTO {DATABASE}.{TABLE} (time_dt, api, actor, src_endpoint, status, accountid, region) VALUES {};",
        rows.join(", ")
    ))
    .expect("fixture rows");
    conn
}

fn error(kind: &str, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [("content-type", "application/x-amz-json-1.1")],
        json!({"__type": kind, "Message": message}).to_string(),
    )
        .into_response()
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, [("content-type", "application/x-amz-json-1.1")], body.to_string()).into_response()
}

async fn handle(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: String) -> Response {
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(op) = target.strip_prefix("AmazonAthena.") else {
        return error("UnknownOperationException", &format!("unknown target {target:?}"));
    };
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    inner.calls.lock().unwrap().push((op.to_owned(), body.clone()));
    if *inner.deny.lock().unwrap() {
        return error(
            "AccessDeniedException",
            &format!(
                "User: arn:aws:iam::111122223333:user/asklake is not authorized to perform: athena:{op} on resource: arn:aws:athena:us-east-1:111122223333:workgroup/asklake"
            ),
        );
    }
    {
        let mut throttle = inner.throttle.lock().unwrap();
        if *throttle > 0 {
            *throttle -= 1;
            return error("TooManyRequestsException", "Rate exceeded");
        }
    }
    match op {
        "StartQueryExecution" => start(&inner, &body),
        "GetQueryExecution" => get_execution(&inner, &body),
        "GetQueryResults" => get_results(&inner, &body),
        "StopQueryExecution" => {
            if let Some(q) = inner.queries.lock().unwrap().get_mut(body["QueryExecutionId"].as_str().unwrap_or("")) {
                q.stopped = true;
            }
            ok(json!({}))
        }
        "GetWorkGroup" => work_group(&body),
        "GetTableMetadata" => table_metadata(&inner, &body),
        other => error("InvalidRequestException", &format!("fake athena does not implement {other}")),
    }
}

/// The one workgroup the fake knows, `asklake`, configured as deploy/asklake.yaml configures it.
fn work_group(body: &Value) -> Response {
    let name = body["WorkGroup"].as_str().unwrap_or("");
    if name != "asklake" {
        return error("InvalidRequestException", &format!("WorkGroup {name} is not found."));
    }
    ok(json!({"WorkGroup": {"Name": name, "State": "ENABLED", "Configuration": {
        "ResultConfiguration": {"OutputLocation": "s3://asklake-results/athena/"},
        "EnforceWorkGroupConfiguration": true,
        "BytesScannedCutoffPerQuery": 10_737_418_240u64}}}))
}

/// Metadata of a table the fixture database holds; Athena's `MetadataException` for any other.
fn table_metadata(inner: &Inner, body: &Value) -> Response {
    let (database, table) = (body["DatabaseName"].as_str().unwrap_or(""), body["TableName"].as_str().unwrap_or(""));
    let found: i64 = inner
        .db
        .lock()
        .unwrap()
        .as_ref()
        .expect("fixture db")
        .query_row(
            "SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? AND table_name = ?",
            [database, table],
            |r| r.get(0),
        )
        .unwrap_or(0);
    if found == 0 {
        return error("MetadataException", &format!("Table {table} not found in database {database}"));
    }
    ok(json!({"TableMetadata": {"Name": table, "TableType": "EXTERNAL_TABLE", "Columns": []}}))
}

fn start(inner: &Inner, body: &Value) -> Response {
    let sql = body["QueryString"].as_str().unwrap_or("").to_owned();
    if sql.trim().is_empty() {
        return error("InvalidRequestException", "QueryString must not be empty");
    }
    let token = body["ClientRequestToken"].as_str().unwrap_or("").to_owned();
    if let Some(id) = inner.tokens.lock().unwrap().get(&token) {
        return ok(json!({"QueryExecutionId": id}));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let workgroup = body["WorkGroup"].as_str().unwrap_or("primary").to_owned();
    let now = inner.now();
    let query = match reusable(inner, body, &sql, &workgroup, now) {
        Some((table, result_at)) => Query {
            sql,
            workgroup,
            polls: 0,
            outcome: Ok(table),
            slow: None,
            stopped: false,
            started: now,
            kind: Kind::Reused,
            scan_bytes: 0,
            result_at: Some(result_at),
        },
        None => fresh(inner, sql, workgroup, now),
    };
    inner.tokens.lock().unwrap().insert(token, id.clone());
    inner.queries.lock().unwrap().insert(id.clone(), query);
    ok(json!({"QueryExecutionId": id}))
}

/// A query that runs: scripted behaviour, or DuckDB with the cost model's bytes.
fn fresh(inner: &Inner, sql: String, workgroup: String, now: Instant) -> Query {
    let behaviour = inner.next.lock().unwrap().pop_front().unwrap_or(Behaviour::Normal);
    let explain = sql.trim_start().starts_with("EXPLAIN ");
    let (outcome, slow) = match behaviour {
        Behaviour::Normal => (run_duckdb(inner, &sql), None),
        Behaviour::Slow { scan_bytes } => (Err(AthenaFailure::user("never finishes", 0)), Some(scan_bytes)),
        Behaviour::Fail(reason) => (Err(AthenaFailure { category: None, ..AthenaFailure::user(reason, 0) }), None),
        Behaviour::FailWith(failure) => (Err(failure), None),
    };
    let kind = match (&outcome, explain) {
        (_, true) => Kind::Explain,
        (Err(_), false) if slow.is_none() => Kind::FailsAnalysis,
        _ => Kind::Scan,
    };
    let scan_bytes = if kind == Kind::Scan && slow.is_none() { scanned(inner, &sql) } else { 0 };
    Query { sql, workgroup, polls: 0, outcome, slow, stopped: false, started: now, kind, scan_bytes, result_at: None }
}

/// A stored result `StartQueryExecution` may answer with: same text and workgroup, SUCCEEDED (a fresh run)
/// within the request's `ResultReuseByAgeConfiguration.MaxAgeInMinutes`, newest first.
fn reusable(inner: &Inner, body: &Value, sql: &str, workgroup: &str, now: Instant) -> Option<(Table, Instant)> {
    let by_age = &body["ResultReuseConfiguration"]["ResultReuseByAgeConfiguration"];
    if by_age["Enabled"].as_bool() != Some(true) {
        return None;
    }
    let max_age = Duration::from_secs(by_age["MaxAgeInMinutes"].as_u64().unwrap_or(60) * 60);
    let queries = inner.queries.lock().unwrap();
    queries
        .values()
        .filter(|q| q.sql == sql && q.workgroup == workgroup && q.kind == Kind::Scan && !q.stopped)
        .filter_map(|q| Some((q.outcome.as_ref().ok()?, q.result_at?)))
        .filter(|(_, at)| now.saturating_duration_since(*at) <= max_age)
        .max_by_key(|(_, at)| *at)
        .map(|(t, at)| (t.clone(), at))
}

/// Bytes the query scans: for each Security Lake table it reads, the rows its partition predicate keeps (all
/// rows without one) times the model's row size.
fn scanned(inner: &Inner, sql: &str) -> u64 {
    let per_row = inner.latency.lock().unwrap().bytes_per_row;
    let guard = inner.db.lock().unwrap();
    let conn = guard.as_ref().expect("fixture db");
    model::table_scans(sql, DATABASE)
        .iter()
        .map(|(table, predicate)| {
            let all = format!("SELECT count(*) FROM {DATABASE}.{table}");
            let kept = predicate.as_ref().map(|p| format!("{all} WHERE {p}"));
            let count = |q: &str| conn.query_row(q, [], |r| r.get::<_, i64>(0)).ok();
            let rows = kept.as_deref().and_then(count).or_else(|| count(&all)).unwrap_or(0);
            rows.max(0) as u64 * per_row
        })
        .sum()
}

fn get_execution(inner: &Inner, body: &Value) -> Response {
    let id = body["QueryExecutionId"].as_str().unwrap_or("");
    let mut queries = inner.queries.lock().unwrap();
    let Some(q) = queries.get_mut(id) else {
        return error("InvalidRequestException", &format!("QueryExecution {id} was not found"));
    };
    q.polls += 1;
    let now = inner.now();
    let latency = *inner.latency.lock().unwrap();
    let phases = latency.phases(q.kind, q.scan_bytes);
    let phase = model::state(q.polls, now.saturating_duration_since(q.started), phases, q.kind);
    let (state, failure, bytes) = match (&q.outcome, q.slow) {
        _ if q.stopped => ("CANCELLED", Some(AthenaFailure::user("Query was cancelled by user", 1011)), 0),
        (_, Some(bytes)) => ("RUNNING", None, bytes),
        _ if phase == Phase::Queued => ("QUEUED", None, 0),
        _ if phase == Phase::Running => ("RUNNING", None, 0),
        (Ok(_), None) => ("SUCCEEDED", None, q.scan_bytes),
        (Err(failure), None) => ("FAILED", Some(failure.clone()), 0),
    };
    if state == "SUCCEEDED" && q.result_at.is_none() {
        q.result_at = Some(now);
    }
    let mut status = json!({"State": state, "SubmissionDateTime": 1.7e9});
    if let Some(f) = failure {
        status["StateChangeReason"] = json!(f.reason);
        if let Some(category) = f.category {
            status["AthenaError"] = json!({
                "ErrorCategory": category, "ErrorType": f.error_type, "Retryable": f.retryable, "ErrorMessage": f.reason
            });
        }
    }
    let millis = |d: Duration| d.as_millis() as u64;
    ok(json!({"QueryExecution": {
        "QueryExecutionId": id, "Query": q.sql, "StatementType": "DML", "Status": status,
        "Statistics": {
            "DataScannedInBytes": bytes,
            "QueryQueueTimeInMillis": millis(phases.0),
            "QueryPlanningTimeInMillis": millis(latency.planning.min(phases.1)),
            "EngineExecutionTimeInMillis": millis(phases.1),
            "TotalExecutionTimeInMillis": millis(phases.0 + phases.1),
            "ResultReuseInformation": {"ReusedPreviousResult": q.kind == Kind::Reused}
        },
        "WorkGroup": q.workgroup
    }}))
}

fn get_results(inner: &Inner, body: &Value) -> Response {
    let id = body["QueryExecutionId"].as_str().unwrap_or("");
    let queries = inner.queries.lock().unwrap();
    let Some(q) = queries.get(id) else {
        return error("InvalidRequestException", &format!("QueryExecution {id} was not found"));
    };
    let table = match (&q.outcome, q.slow, q.result_at) {
        (Ok(t), None, Some(_)) if !q.stopped => t,
        _ => return error("InvalidRequestException", "Query has not yet finished. Current state: RUNNING"),
    };
    let max = body["MaxResults"].as_u64().unwrap_or(1000).min(1000) as usize;
    let offset: usize = body["NextToken"].as_str().and_then(|t| t.parse().ok()).unwrap_or(0);
    let header: Vec<Option<String>> = table.columns.iter().map(|(n, _)| Some(n.clone())).collect();
    let all: Vec<&Vec<Option<String>>> = std::iter::once(&header).chain(table.rows.iter()).collect();
    let page = all.iter().skip(offset).take(max);
    let rows: Vec<Value> = page
        .map(|r| json!({"Data": r.iter().map(|c| match c { Some(v) => json!({"VarCharValue": v}), None => json!({}) }).collect::<Vec<_>>()}))
        .collect();
    let columns: Vec<Value> = table
        .columns
        .iter()
        .map(|(n, t)| json!({"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": n, "Label": n, "Type": t, "Precision": 0, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": t == "varchar"}))
        .collect();
    let mut out = json!({"ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": columns}}, "UpdateCount": 0});
    if offset + max < all.len() {
        out["NextToken"] = json!((offset + max).to_string());
    }
    ok(out)
}

/// Trino's lambda functions under their DuckDB names (`transform(a, x -> …)` is `list_transform` there).
fn trino_lambdas(sql: &str) -> String {
    static TRANSFORM: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    TRANSFORM
        .get_or_init(|| regex::Regex::new(r"(?i)\btransform\s*\(").unwrap())
        .replace_all(sql, "list_transform(")
        .into_owned()
}

/// Runs `sql` on the fixture DuckDB after Trino's own checks, turning errors into Athena failures.
fn run_duckdb(inner: &Inner, sql: &str) -> Result<Table, AthenaFailure> {
    let guard = inner.db.lock().unwrap();
    let conn = guard.as_ref().expect("fixture db");
    let (explain, query) = match sql.trim().strip_prefix("EXPLAIN ") {
        Some(rest) => (true, rest),
        None => (false, sql),
    };
    if let Some(refused) = trino::refuse(query, conn) {
        return Err(refused);
    }
    let query = &trino_lambdas(query);
    let columns = describe(conn, query).map_err(|e| trino_reason(&e.to_string()))?;
    if explain {
        return Ok(Table {
            columns: vec![("Query Plan".into(), "varchar".into())],
            rows: vec![vec![Some("Fragment 0".into())]],
        });
    }
    let cast = format!("SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ({query})");
    let mut stmt = conn.prepare(&cast).map_err(|e| trino_reason(&e.to_string()))?;
    let n = columns.len();
    let rows = stmt
        .query_map([], |row| (0..n).map(|i| row.get::<_, Option<String>>(i)).collect::<Result<Vec<_>, _>>())
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| trino_reason(&e.to_string()))?;
    Ok(Table { columns, rows })
}

fn describe(conn: &duckdb::Connection, sql: &str) -> duckdb::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(&format!("DESCRIBE {sql}"))?;
    let cols = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    cols.map(|c| c.map(|(name, ty)| (name, athena_type(&ty)))).collect()
}

fn athena_type(duck: &str) -> String {
    match duck {
        "VARCHAR" => "varchar".into(),
        "BIGINT" | "HUGEINT" => "bigint".into(),
        "INTEGER" => "integer".into(),
        "BOOLEAN" => "boolean".into(),
        "DOUBLE" | "FLOAT" => "double".into(),
        "TIMESTAMP" => "timestamp".into(),
        "DATE" => "date".into(),
        other if other.starts_with("STRUCT") => "row".into(),
        other if other.ends_with("[]") => "array".into(),
        other => other.to_ascii_lowercase(),
    }
}

/// A DuckDB error as the Athena failure Trino would report for the same mistake.
fn trino_reason(duck: &str) -> AthenaFailure {
    let grab = |pat: &str| regex::Regex::new(pat).unwrap().captures(duck).map(|c| c[1].to_owned());
    let first = duck.lines().next().unwrap_or(duck);
    if let Some(col) = grab(r#"Referenced column "([^"]+)" not found"#) {
        AthenaFailure::column_not_found(1, 8, &col)
    } else if let Some(f) = grab(r#"Function with name "?([A-Za-z_0-9]+)"? does not exist"#) {
        AthenaFailure::user(format!("FUNCTION_NOT_FOUND: line 1:8: Function '{f}' not registered"), 1303)
    } else if let Some(t) = grab(r#"Table with name "?([A-Za-z_0-9]+)"? does not exist"#) {
        AthenaFailure::user(
            format!("TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.{DATABASE}.{t}' does not exist"),
            1110,
        )
    } else if duck.contains("Parser Error") {
        AthenaFailure::user(format!("SYNTAX_ERROR: line 1:1: {first}"), 1006)
    } else {
        AthenaFailure::user(format!("GENERIC_INTERNAL_ERROR: {first}"), 1000)
    }
}
