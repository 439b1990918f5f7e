//! A small hand-built lake: the same CloudTrail events written as sample-lake rows (nested OCSF v2) and as
//! raw CloudTrail `.json.gz` files, plus VPC Flow rows with a port scan. Built once per test run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use asklake::sample::schema::{CLOUDTRAIL_DDL, VPCFLOW_DDL};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

/// Paths of the built fixture.
pub struct Fixture {
    /// DuckDB sample lake file.
    pub lake: PathBuf,
    /// Folder of raw CloudTrail files holding the same CloudTrail events.
    pub cloudtrail_dir: PathBuf,
    /// Number of CloudTrail events.
    pub events: usize,
    /// The scanner's IP in VPC Flow.
    pub scanner_ip: String,
    _dir: tempfile::TempDir,
}

/// The shared fixture.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| build(400, 600))
}

/// One CloudTrail event, described once and written both ways.
#[derive(Debug, Clone)]
pub struct Ev {
    pub id: String,
    pub time: DateTime<Utc>,
    pub account: String,
    pub region: String,
    pub source: String,
    pub name: String,
    pub event_type: String,
    pub class: String,
    pub activity: String,
    pub actor_type: String,
    pub arn: Option<String>,
    pub user_name: Option<String>,
    pub principal: String,
    pub access_key: Option<String>,
    pub session_mfa: Option<bool>,
    pub issuer: Option<String>,
    pub source_ip: String,
    pub user_agent: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub request: Option<Value>,
    pub response: Option<Value>,
    pub resources: Vec<String>,
    pub mfa_used: Option<bool>,
    pub read_only: bool,
}

/// Small deterministic generator (LCG) so the fixture is the same every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

const ACCOUNTS: [&str; 2] = ["111122223333", "444455556666"];
const REGIONS: [&str; 2] = ["us-east-1", "ap-northeast-2"];
const IPS: [&str; 5] = ["203.0.113.10", "198.51.100.7", "192.0.2.44", "203.0.113.99", "10.1.2.3"];
const USERS: [&str; 4] = ["alice", "bob", "terraform-ci", "관리자"];

/// Events: routine calls plus planted ones (root login without MFA, AccessDenied burst, Terraform changes).
pub fn events(n: usize) -> Vec<Ev> {
    let mut rng = Rng(7);
    let start = Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap();
    let ops: [(&str, &str, &str, &str, bool); 9] = [
        ("ec2.amazonaws.com", "DescribeInstances", "API Activity", "Read", true),
        ("s3.amazonaws.com", "ListBuckets", "API Activity", "Read", true),
        ("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", "API Activity", "Update", false),
        ("iam.amazonaws.com", "CreateUser", "Account Change", "Create", false),
        ("iam.amazonaws.com", "CreateAccessKey", "Account Change", "Create", false),
        ("iam.amazonaws.com", "AttachUserPolicy", "Account Change", "Attach Policy", false),
        ("cloudtrail.amazonaws.com", "StopLogging", "API Activity", "Update", false),
        ("sts.amazonaws.com", "GetCallerIdentity", "API Activity", "Read", true),
        ("signin.amazonaws.com", "ConsoleLogin", "Authentication", "Logon", false),
    ];
    (0..n)
        .map(|i| {
            let (source, name, class, activity, read_only) = ops[rng.next(ops.len())];
            let account = ACCOUNTS[rng.next(2)].to_string();
            let user = USERS[rng.next(USERS.len())];
            let root = name == "ConsoleLogin" && i % 5 == 0;
            let denied = i % 7 == 3 && name != "ConsoleLogin";
            let terraform = user == "terraform-ci";
            let target = if source == "iam.amazonaws.com" { Some(format!("svc-{}", rng.next(3))) } else { None };
            Ev {
                id: format!("00000000-0000-4000-8000-{i:012}"),
                time: start + Duration::seconds((i as i64) * 97 + rng.next(60) as i64),
                region: REGIONS[rng.next(2)].to_string(),
                source: source.into(),
                name: name.into(),
                event_type: if name == "ConsoleLogin" { "AwsConsoleSignIn".into() } else { "AwsApiCall".into() },
                class: class.into(),
                activity: activity.into(),
                actor_type: if root { "Root".into() } else { "IAMUser".into() },
                arn: Some(if root {
                    format!("arn:aws:iam::{account}:root")
                } else {
                    format!("arn:aws:iam::{account}:user/{user}")
                }),
                user_name: if root { None } else { Some(user.into()) },
                principal: if root { account.clone() } else { format!("AIDA{i:016}") },
                access_key: if name == "ConsoleLogin" { None } else { Some(format!("AKIA{:016}", rng.next(4))) },
                session_mfa: if name == "ConsoleLogin" { None } else { Some(rng.next(3) == 0) },
                issuer: None,
                source_ip: if i % 11 == 0 && name != "ConsoleLogin" {
                    "cloudformation.amazonaws.com".into()
                } else {
                    IPS[rng.next(IPS.len())].into()
                },
                user_agent: if terraform {
                    "APN/1.0 HashiCorp/1.0 Terraform/1.7.5".into()
                } else {
                    "aws-cli/2.15.0 Python/3.11.6".into()
                },
                error_code: denied.then(|| "AccessDenied".to_string()),
                error_message: denied
                    .then(|| format!("User: arn:aws:iam::{account}:user/{user} is not authorized to perform: {name}")),
                request: target.as_ref().map(|t| json!({"userName": t})),
                response: (name == "CreateAccessKey" && !denied)
                    .then(|| json!({"accessKey": {"accessKeyId": format!("AKIANEW{i:013}"), "status": "Active"}})),
                resources: if name == "StopLogging" {
                    vec![format!("arn:aws:cloudtrail:us-east-1:{account}:trail/main")]
                } else {
                    vec![]
                },
                mfa_used: (name == "ConsoleLogin").then(|| !root && rng.next(2) == 0),
                read_only,
                account,
            }
        })
        .collect()
}

impl Ev {
    /// The raw CloudTrail record (absent fields are left out, as CloudTrail does).
    pub fn raw(&self) -> Value {
        let mut identity = json!({"type": self.actor_type, "principalId": self.principal, "accountId": self.account});
        let id = identity.as_object_mut().unwrap();
        if let Some(a) = &self.arn {
            id.insert("arn".into(), json!(a));
        }
        if let Some(u) = &self.user_name {
            id.insert("userName".into(), json!(u));
        }
        if let Some(k) = &self.access_key {
            id.insert("accessKeyId".into(), json!(k));
        }
        if let Some(m) = self.session_mfa {
            id.insert(
                "sessionContext".into(),
                json!({"attributes": {"mfaAuthenticated": m.to_string(), "creationDate": "2024-05-01T00:00:00Z"}}),
            );
        }
        let mut r = json!({
            "eventVersion": "1.09", "userIdentity": identity, "eventTime": self.time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "eventSource": self.source, "eventName": self.name, "awsRegion": self.region, "sourceIPAddress": self.source_ip,
            "userAgent": self.user_agent, "requestParameters": self.request, "responseElements": self.response,
            "requestID": format!("req-{}", self.id), "eventID": self.id, "readOnly": self.read_only, "eventType": self.event_type,
            "managementEvent": true, "recipientAccountId": self.account, "eventCategory": "Management",
        });
        let o = r.as_object_mut().unwrap();
        if let Some(c) = &self.error_code {
            o.insert("errorCode".into(), json!(c));
        }
        if let Some(m) = &self.error_message {
            o.insert("errorMessage".into(), json!(m));
        }
        if !self.resources.is_empty() {
            let res: Vec<Value> = self
                .resources
                .iter()
                .map(|a| json!({"ARN": a, "accountId": self.account, "type": "AWS::CloudTrail::Trail"}))
                .collect();
            o.insert("resources".into(), json!(res));
        }
        if let Some(m) = self.mfa_used {
            o.insert("additionalEventData".into(), json!({"MFAUsed": if m { "Yes" } else { "No" }, "LoginTo": "https://console.aws.amazon.com/console/home"}));
            o.insert("responseElements".into(), json!({"ConsoleLogin": "Success"}));
        }
        r
    }

    /// The nested Security Lake v2 row, as a `VALUES` tuple for [`CT_COLUMNS`].
    pub fn row_sql(&self) -> String {
        let is_ip = self.source_ip.chars().all(|c| c.is_ascii_digit() || c == '.');
        let status = if self.error_code.is_some() { "Failure" } else { "Success" };
        let response =
            if self.mfa_used.is_some() { Some(json!({"ConsoleLogin": "Success"})) } else { self.response.clone() };
        let resources = if self.resources.is_empty() {
            "[]".to_string()
        } else {
            let items: Vec<String> = self
                .resources
                .iter()
                .map(|a| {
                    format!(
                        "{{'uid': {}, 'owner': {{'account': {{'uid': {}}}}}, 'type': 'AWS::CloudTrail::Trail'}}",
                        q(a),
                        q(&self.account)
                    )
                })
                .collect();
            format!("[{}]", items.join(", "))
        };
        let session = match self.session_mfa {
            Some(m) => format!(
                "{{'created_time_dt': TIMESTAMP '2024-05-01 00:00:00', 'is_mfa': {m}, 'issuer': {}}}",
                oq(&self.issuer)
            ),
            None => "NULL".into(),
        };
        let target = self.request.as_ref().and_then(|r| r["userName"].as_str()).map(str::to_owned);
        let user = match &target {
            Some(t) => format!("{{'uid_alt': NULL, 'uid': NULL, 'name': {}}}", q(t)),
            None => "NULL".into(),
        };
        let login_to =
            if self.mfa_used.is_some() { q("https://console.aws.amazon.com/console/home") } else { "NULL".into() };
        format!(
            "({{'product': {{'version': '1.09', 'name': 'CloudTrail', 'vendor_name': 'AWS', 'feature': {{'name': 'Management'}}}}, 'event_code': {et}, 'uid': {id}, 'profiles': ['cloud', 'datetime'], 'version': '1.1.0'}}, \
             {ms}, TIMESTAMP '{ts}', {{'region': {region}, 'provider': 'AWS'}}, \
             {{'response': {{'error': {err}, 'message': {msg}, 'data': {resp}}}, 'operation': {op}, 'version': NULL, 'service': {{'name': {svc}}}, 'request': {{'data': {req}, 'uid': {rid}}}}}, \
             {{'svc_name': {login_to}}}, \
             {{'user': {{'type': {at}, 'name': {un}, 'uid_alt': {pid}, 'uid': {arn}, 'account': {{'uid': {acct}}}, 'credential_uid': {key}}}, 'session': {session}, 'invoked_by': NULL, 'idp': NULL}}, \
             {{'user_agent': {ua}}}, {{'uid': NULL, 'ip': {ip}, 'domain': {dom}}}, {resources}, {class}, {user}, {activity}, '{status}', {is_mfa}, \
             MAP {{'readOnly': '{ro}', 'recipientAccountId': {acct}}}, {acct}, {region})",
            et = q(&self.event_type),
            id = q(&self.id),
            ms = self.time.timestamp_millis(),
            ts = self.time.format("%Y-%m-%d %H:%M:%S"),
            region = q(&self.region),
            err = oq(&self.error_code),
            msg = oq(&self.error_message),
            resp = oq(&response.map(|v| v.to_string())),
            op = q(&self.name),
            svc = q(&self.source),
            req = oq(&self.request.as_ref().map(|v| v.to_string())),
            rid = q(&format!("req-{}", self.id)),
            at = q(&self.actor_type),
            un = oq(&self.user_name),
            pid = q(&self.principal),
            arn = oq(&self.arn),
            acct = q(&self.account),
            key = oq(&self.access_key),
            ua = q(&self.user_agent),
            ip = if is_ip { q(&self.source_ip) } else { "NULL".into() },
            dom = if is_ip { "NULL".into() } else { q(&self.source_ip) },
            class = q(&self.class),
            activity = q(&self.activity),
            is_mfa = self.mfa_used.map_or("NULL".into(), |m| m.to_string()),
            ro = self.read_only,
        )
    }
}

/// Columns filled by [`Ev::row_sql`].
pub const CT_COLUMNS: &str = "metadata, time, time_dt, cloud, api, dst_endpoint, actor, http_request, src_endpoint, resources, class_name, \"user\", activity_name, status, is_mfa, unmapped, accountid, region";

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn oq(s: &Option<String>) -> String {
    s.as_deref().map_or_else(|| "NULL".into(), q)
}

/// VPC Flow rows: ordinary traffic plus a port scan from one IP (many ports, mostly Denied).
pub fn vpc_rows(n: usize, scanner: &str) -> Vec<String> {
    let mut rng = Rng(11);
    let start = Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap();
    (0..n)
        .map(|i| {
            let scan = i % 3 == 0;
            let src = if scan { scanner.to_string() } else { format!("10.0.{}.{}", rng.next(4), rng.next(200)) };
            let dst_port = if scan { 1000 + i as i64 } else { [443, 22, 53, 3389][rng.next(4)] };
            let action = if scan && i % 4 != 0 { "Denied" } else { "Allowed" };
            let t = start + Duration::seconds(i as i64 * 60);
            let ts = t.format("%Y-%m-%d %H:%M:%S");
            let proto = if dst_port == 53 { 17 } else { 6 };
            format!(
                "({{'account': {{'uid': {acct}}}, 'region': 'us-east-1', 'zone': 'use1-az1', 'provider': 'AWS'}}, \
                 {{'port': {sport}, 'svc_name': '-', 'ip': {src}, 'intermediate_ips': NULL, 'interface_uid': NULL, 'vpc_uid': NULL, 'instance_uid': NULL, 'subnet_uid': NULL}}, \
                 {{'port': {dst_port}, 'svc_name': '-', 'ip': '10.0.1.{d}', 'intermediate_ips': NULL, 'interface_uid': 'eni-0abc{d}', 'vpc_uid': 'vpc-0a1b', 'instance_uid': 'i-0abc{d}', 'subnet_uid': 'subnet-0a1b'}}, \
                 {{'protocol_num': {proto}, 'tcp_flags': 2, 'protocol_ver': 'IPv4', 'boundary_id': NULL, 'boundary': NULL, 'direction_id': 1, 'direction': 'Inbound'}}, \
                 {{'packets': {pk}, 'bytes': {by}}}, {ms}, TIMESTAMP '{ts}', TIMESTAMP '{ts}', TIMESTAMP '{ts}', 'OK', '{action}', {acct}, 'us-east-1')",
                acct = q(ACCOUNTS[i % 2]), sport = 40000 + rng.next(20000), src = q(&src), d = rng.next(5),
                pk = 1 + rng.next(50), by = 40 + rng.next(100_000), ms = t.timestamp_millis(),
            )
        })
        .collect()
}

/// The columns filled by [`vpc_rows`].
const VPC_COLUMNS: &str = "cloud, src_endpoint, dst_endpoint, connection_info, traffic, time, time_dt, start_time_dt, end_time_dt, status_code, action, accountid, region";

/// Writes the lake file and the raw folder for `n_ct` CloudTrail events and `n_vpc` flows.
pub fn build(n_ct: usize, n_vpc: usize) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake.duckdb");
    let cloudtrail_dir = dir.path().join("cloudtrail");
    let evs = events(n_ct);
    let scanner_ip = "198.51.100.66".to_string();
    write_lake(&lake, &evs, &vpc_rows(n_vpc, &scanner_ip));
    write_raw(&cloudtrail_dir, &evs);
    Fixture { lake, cloudtrail_dir, events: evs.len(), scanner_ip, _dir: dir }
}

/// Writes the sample lake file.
pub fn write_lake(path: &Path, evs: &[Ev], vpc: &[String]) {
    let conn = duckdb::Connection::open(path).unwrap();
    conn.execute_batch(CLOUDTRAIL_DDL).unwrap();
    conn.execute_batch(VPCFLOW_DDL).unwrap();
    for chunk in evs.chunks(200) {
        let rows: Vec<String> = chunk.iter().map(Ev::row_sql).collect();
        conn.execute_batch(&format!("INSERT INTO cloud_trail_mgmt_2_0 ({CT_COLUMNS}) VALUES {}", rows.join(",\n")))
            .unwrap();
    }
    for chunk in vpc.chunks(200) {
        conn.execute_batch(&format!("INSERT INTO vpc_flow_2_0 ({VPC_COLUMNS}) VALUES {}", chunk.join(",\n"))).unwrap();
    }
}

/// Writes the events as gzipped `{"Records": […]}` files in a CloudTrail-like tree, one plain `.json`,
/// and a digest file without `Records`.
pub fn write_raw(dir: &Path, evs: &[Ev]) {
    for (i, chunk) in evs.chunks(97).enumerate() {
        let first = &chunk[0];
        let folder = dir.join(format!("AWSLogs/{}/CloudTrail/{}/2024/05/0{}", first.account, first.region, 1 + i % 3));
        std::fs::create_dir_all(&folder).unwrap();
        let body = json!({"Records": chunk.iter().map(Ev::raw).collect::<Vec<_>>()}).to_string();
        if i == 1 {
            std::fs::write(folder.join(format!("{}_CloudTrail_{i}.json", first.account)), body).unwrap();
        } else {
            write_gz(&folder.join(format!("{}_CloudTrail_{i}.json.gz", first.account)), body.as_bytes());
        }
    }
    let digest = dir.join("AWSLogs/111122223333/CloudTrail-Digest/us-east-1");
    std::fs::create_dir_all(&digest).unwrap();
    write_gz(
        &digest.join("digest.json.gz"),
        br#"{"awsAccountId":"111122223333","digestStartTime":"2024-05-01T00:00:00Z","logFiles":[]}"#,
    );
}

/// Gzips `bytes` into `path`.
pub fn write_gz(path: &Path, bytes: &[u8]) {
    let file = std::fs::File::create(path).unwrap();
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap();
}
