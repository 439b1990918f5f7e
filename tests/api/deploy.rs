//! The deployment templates: the task role grants exactly the AWS calls asklake's code makes.
//!
//! The calls are read from the code itself: every operation of an `aws-sdk-*` crate (its `src/operation/`
//! folders, found with `cargo metadata`) that a file under `src/` importing that crate calls as `.op()`. The
//! grants are read from `deploy/asklake.yaml`. Adding an SDK call without its permission, or a permission
//! nothing calls, fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_norway::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The IAM service prefix of each SDK crate asklake links.
const SDK_SERVICES: [(&str, &str); 5] = [
    ("aws-sdk-athena", "athena"),
    ("aws-sdk-sqs", "sqs"),
    ("aws-sdk-bedrockruntime", "bedrock"),
    ("aws-sdk-sts", "sts"),
    ("aws-sdk-dynamodb", "dynamodb"),
];

/// Calls every principal may make without a grant (AWS: "No permissions are required to perform this operation").
const NEEDS_NO_GRANT: [&str; 1] = ["sts:GetCallerIdentity"];

/// Operations whose IAM action is not their own name (AWS's service authorization reference).
const ACTION_OF: [(&str, &str); 5] = [
    ("sqs:DeleteMessageBatch", "sqs:DeleteMessage"),
    ("sqs:ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility"),
    ("sqs:SendMessageBatch", "sqs:SendMessage"),
    ("bedrock:Converse", "bedrock:InvokeModel"),
    ("bedrock:ConverseStream", "bedrock:InvokeModelWithResponseStream"),
];

/// What Athena does with the caller's credentials while it runs a query asklake started: read the Glue
/// catalog, get Lake Formation credentials, read the lake, write results, decrypt a customer-keyed lake.
const ATHENA_ON_OUR_BEHALF: [&str; 11] = [
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:GetPartitions",
    "lakeformation:GetDataAccess",
    "s3:GetObject",
    "s3:ListBucket",
    "s3:GetBucketLocation",
    "s3:PutObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
    "kms:Decrypt",
];

#[test]
fn the_task_role_grants_exactly_the_aws_calls_the_code_makes() {
    let called = iam_actions_called_by_code();
    assert!(called.contains("athena:StartQueryExecution"), "the scan found no Athena call: {called:?}");
    let mut needed: BTreeSet<String> =
        called.iter().filter(|a| !NEEDS_NO_GRANT.contains(&a.as_str())).cloned().collect();
    if called.contains("athena:StartQueryExecution") {
        needed.extend(ATHENA_ON_OUR_BEHALF.iter().map(|a| a.to_string()));
    }
    let granted: BTreeSet<String> = task_role_statements().into_iter().flat_map(|s| s.actions).collect();
    let missing: Vec<_> = needed.difference(&granted).collect();
    let unused: Vec<_> = granted.difference(&needed).collect();
    assert!(missing.is_empty(), "deploy/asklake.yaml's task role lacks {missing:?}, which the code calls");
    assert!(unused.is_empty(), "deploy/asklake.yaml's task role grants {unused:?}, which no code calls");
}

#[test]
fn no_task_role_statement_grants_a_wildcard_action_or_resource() {
    for s in task_role_statements() {
        for action in &s.actions {
            assert!(!action.contains('*'), "statement {} grants the wildcard action {action}", s.sid);
        }
        // GetDataAccess has no resource-level permissions; Lake Formation grants scope it instead.
        if s.actions != ["lakeformation:GetDataAccess"] {
            assert!(!s.resources.iter().any(|r| r == "*"), "statement {} applies to every resource", s.sid);
        }
    }
}

#[test]
fn the_queue_keeps_what_asklake_cannot_handle_in_a_dead_letter_queue() {
    let template = template("asklake.yaml");
    let redrive = &template["Resources"]["AlertsQueue"]["Properties"]["RedrivePolicy"];
    assert!(redrive["deadLetterTargetArn"].is_tagged_or_string(), "AlertsQueue has no dead-letter queue");
    assert!(redrive["maxReceiveCount"].as_u64().is_some_and(|n| n >= 3), "maxReceiveCount too low: {redrive:?}");
    let workgroup = &template["Resources"]["WorkGroup"]["Properties"]["WorkGroupConfiguration"];
    assert_eq!(workgroup["EnforceWorkGroupConfiguration"].as_bool(), Some(true));
    assert!(!workgroup["BytesScannedCutoffPerQuery"].is_null(), "the workgroup has no scan cap");
}

#[test]
fn member_accounts_forward_only_write_management_events_and_sign_ins() {
    let template = template("org-events.yaml");
    let body = template["Resources"]["MemberForwarders"]["Properties"]["TemplateBody"].as_str().expect("inline body");
    let members: Value = serde_norway::from_str(body).expect("the StackSet's template body is YAML");
    let writes = &members["Resources"]["WriteCallsRule"]["Properties"]["EventPattern"];
    assert_eq!(writes["detail"]["readOnly"], serde_norway::from_str::<Value>("[false]").unwrap());
    assert_eq!(writes["detail"]["eventCategory"], serde_norway::from_str::<Value>("[Management]").unwrap());
    let sign_ins = &members["Resources"]["SignInRule"]["Properties"]["EventPattern"]["detail-type"];
    assert_eq!(sign_ins[0].as_str(), Some("AWS Console Sign In via CloudTrail"));
}

trait ValueExt {
    fn is_tagged_or_string(&self) -> bool;
}

impl ValueExt for Value {
    fn is_tagged_or_string(&self) -> bool {
        matches!(self, Value::Tagged(_) | Value::String(_))
    }
}

struct Statement {
    sid: String,
    actions: Vec<String>,
    resources: Vec<String>,
}

fn template(name: &str) -> Value {
    let path = Path::new(ROOT).join("deploy").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// The task role's policy statements, with `!If [cond, statement, NoValue]` taken as the statement.
fn task_role_statements() -> Vec<Statement> {
    let template = template("asklake.yaml");
    let policies = template["Resources"]["TaskRole"]["Properties"]["Policies"].as_sequence().expect("policies");
    let mut out = Vec::new();
    for policy in policies {
        for raw in policy["PolicyDocument"]["Statement"].as_sequence().expect("statements") {
            let statement = match raw {
                Value::Tagged(t) if t.tag == "If" => t.value[1].clone(),
                other => other.clone(),
            };
            assert_eq!(statement["Effect"].as_str(), Some("Allow"), "unexpected statement {statement:?}");
            out.push(Statement {
                sid: statement["Sid"].as_str().unwrap_or("(no sid)").to_owned(),
                actions: strings(&statement["Action"]),
                resources: strings(&statement["Resource"]),
            });
        }
    }
    out
}

/// A string, a list of strings, or intrinsic functions (shown as their tag, never `*`).
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => items.iter().flat_map(strings).collect(),
        Value::Tagged(t) => vec![format!("!{}", t.tag)],
        other => panic!("unexpected policy value {other:?}"),
    }
}

/// IAM actions for every SDK operation called under `src/`.
fn iam_actions_called_by_code() -> BTreeSet<String> {
    let crates = sdk_crate_dirs();
    let sources = rust_files(&Path::new(ROOT).join("src"));
    let mut actions = BTreeSet::new();
    for (krate, service) in SDK_SERVICES {
        let dir = crates.get(krate).unwrap_or_else(|| panic!("{krate} is not a dependency"));
        let operations = sdk_operations(dir);
        assert!(operations.len() > 3, "found no operations in {}", dir.display());
        let import = krate.replace('-', "_");
        for file in &sources {
            let text = std::fs::read_to_string(file).expect("source file");
            if !text.contains(&import) {
                continue;
            }
            for op in &operations {
                if text.contains(&format!(".{op}()")) {
                    actions.insert(iam_action(service, op));
                }
            }
        }
    }
    actions
}

fn iam_action(service: &str, operation: &str) -> String {
    let pascal: String = operation
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect();
    let action = format!("{service}:{pascal}");
    ACTION_OF.iter().find(|(op, _)| *op == action).map(|(_, a)| a.to_string()).unwrap_or(action)
}

/// The operation module names of an SDK crate (`src/operation/start_query_execution/` → `start_query_execution`).
fn sdk_operations(crate_dir: &Path) -> Vec<String> {
    let dir = crate_dir.join("src").join("operation");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// The host's target triple, from `rustc -vV`.
fn host_triple() -> String {
    let out = std::process::Command::new("rustc").arg("-vV").output().expect("running rustc -vV");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc -vV prints the host").trim().to_owned()
}

/// Source folders of the `aws-sdk-*` packages this build resolved, from `cargo metadata`. Filtered to the host
/// platform, so it works offline on a machine that downloaded only what its own build needs.
fn sdk_crate_dirs() -> BTreeMap<String, PathBuf> {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline", "--filter-platform", &host_triple()])
        .arg("--manifest-path")
        .arg(Path::new(ROOT).join("Cargo.toml"))
        .output()
        .expect("running cargo metadata");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let mut dirs = BTreeMap::new();
    for p in meta["packages"].as_array().expect("packages") {
        let name = p["name"].as_str().unwrap_or_default();
        if name.starts_with("aws-sdk-") {
            let manifest = PathBuf::from(p["manifest_path"].as_str().expect("manifest path"));
            dirs.insert(name.to_owned(), manifest.parent().expect("crate dir").to_path_buf());
        }
    }
    dirs
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("source dir").filter_map(|e| e.ok()) {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}
