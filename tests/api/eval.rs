//! `asklake eval` on the committed baseline recording: the harness runs the whole dev set through the real
//! pipeline with a frozen clock, and a request the recording lacks is reported as a changed request.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

const NOW: &str = "2026-12-03T06:00:00Z";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One sample lake for the dev set's "now", generated once per test binary.
fn lake() -> &'static Path {
    static LAKE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &LAKE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("lake.duckdb");
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_asklake"))
                .args(["sample", "generate", "--now", NOW, "--out"])
                .arg(&path)
                .env_remove("ASKLAKE_CONFIG")
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            (dir, path)
        })
        .1
}

/// `asklake <args>` from the repository, on the eval lake, with no model and no config file.
fn asklake<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    std::process::Command::new(env!("CARGO_BIN_EXE_asklake"))
        .current_dir(repo())
        .args(args)
        .env("ASKLAKE_DUCKDB__PATH", lake())
        .env_remove("ASKLAKE_CONFIG")
        .env("ASKLAKE_ENGINE__KIND", "duckdb")
        .env("ASKLAKE_LLM__PROVIDER", "none")
        .output()
        .unwrap()
}

fn eval(recording: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["eval".as_ref(), "--now".as_ref(), NOW.as_ref(), "--replay".as_ref(), recording.as_os_str()];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    asklake(args)
}

#[test]
fn the_baseline_recording_replays_every_request_and_prints_the_report() {
    let out = eval(&repo().join("eval/recordings/baseline"), &[]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "a prompt, retrieval or validation change altered recorded requests (re-record, see eval/recordings/baseline/README.md):\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("changed requests: 0"), "{report}");
    assert!(report.contains("| **overall** | 226 |"), "{report}");
    // The hand-written §6 mistakes are caught as failures with gold and predicted SQL side by side.
    for id in ["time-dawn-01", "time-noperiod-01", "list-01", "fu-02b", "lam-02", "fnd-04"] {
        assert!(report.contains(&format!("### `{id}`")), "{id} should fail:\n{report}");
    }
    // Rescues by the retry loop are passes: the validation error fed back (seed-03), the empty check (acct-01).
    // The new sources' first attempts: an unknown column (waf-01, s3-03), an empty result (dns-01, lam-01, eks-04).
    for id in ["seed-03", "acct-01", "inject-01", "waf-01", "s3-03", "dns-01", "lam-01", "eks-04"] {
        assert!(!report.contains(&format!("### `{id}`")), "{id} should pass:\n{report}");
    }
}

#[test]
fn a_request_missing_from_the_recording_is_reported_as_changed_not_a_crash() {
    let copy = tempfile::tempdir().unwrap();
    let source = repo().join("eval/recordings/baseline");
    let mut removed = 0;
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        // Drop every recorded reply to one question's first SQL request (the ablation runs recorded their own
        // variants of it too), as if its prompt had changed.
        if text.contains("\"label\": \"inc-trail-01 (turn 1)\"") && text.contains("\"kind\": \"sql\"") {
            removed += 1;
            continue;
        }
        std::fs::write(copy.path().join(path.file_name().unwrap()), text).unwrap();
    }
    assert!(removed > 0, "the baseline should hold inc-trail-01's request");
    let out = eval(copy.path(), &["--only", "inc-trail"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{report}");
    assert!(report.contains("changed requests: 1"), "{report}");
    assert!(report.contains("- inc-trail-01 (turn 1) (Sql request"), "{report}");
}

/// `asklake ask` with no model on the dev set's lake.
fn ask(question: &str) -> Output {
    asklake(["ask", "--now", NOW, question])
}

#[test]
fn a_verified_hunt_asked_without_a_period_covers_the_default_week() {
    // fu-04a: the port scan was planted four days before "now"; a one-day default window answered "none".
    let out = ask("포트 스캔한 IP 알려줘");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("45.155.205.233"), "the planted scanner is missing:\n{text}");
}

#[test]
fn a_verified_listing_cut_by_its_limit_says_how_many_rows_matched_in_the_table() {
    for (question, caption) in [
        ("Show rejected (denied) network traffic in VPC Flow Logs", "showing 200 of "),
        ("VPC 플로우 로그에서 거부된 트래픽을 보여줘", "행 중 200행 표시"),
    ] {
        let out = ask(question);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("verified query: vpcflow-rejected-traffic"), "{text}");
        assert!(text.contains(caption), "no \"{caption}\" under the table:\n{text}");
    }
}
