//! `asklake alerts eval`: the shipped rules on the labelled corpus in `data/alerts_corpus/` meet the targets
//! (≥ 90% of High/Critical must-fire events shown red or yellow, ≤ 3% of must-not-fire events shown red), and a
//! rule set that misses them makes the command fail.

use std::path::PathBuf;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/api/data/alerts_corpus/corpus.jsonl")
}

fn eval(envs: &[(&str, String)]) -> (bool, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_asklake"));
    cmd.args(["alerts", "eval"]).arg(corpus()).env_remove("ASKLAKE_CONFIG").env("RUST_LOG", "error");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.current_dir(std::env::temp_dir()).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    (out.status.success(), text)
}

/// `n/d` from the report line starting with `label`.
fn fraction(report: &str, label: &str) -> (usize, usize) {
    let line = report.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("no {label:?} in {report}"));
    let (_, after) = line.split_once(": ").unwrap();
    let (n, rest) = after.split_once('/').unwrap();
    let d = rest.split_whitespace().next().unwrap();
    (n.parse().unwrap(), d.parse().unwrap())
}

#[test]
fn the_shipped_rules_meet_the_targets_on_the_labelled_corpus() {
    let (ok, report) = eval(&[]);
    let (shown, must_fire) = fraction(&report, "recall");
    let (false_red, must_not) = fraction(&report, "false red");
    assert!(must_fire >= 150 && must_not >= 150, "corpus too small: {report}");
    assert!(shown as f64 >= 0.90 * must_fire as f64, "{report}");
    assert!(false_red as f64 <= 0.03 * must_not as f64, "{report}");
    assert!(ok && report.ends_with("PASS\n"), "{report}");
}

#[test]
fn rules_that_miss_the_targets_fail_the_command_and_name_the_misses() {
    let dir = tempfile::tempdir().unwrap();
    // Name-only thinking: every CloudTrail stop is red, nothing else is watched.
    let rules = dir.path().join("narrow.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nevents = [\"cloudtrail:StopLogging\", \"ec2:CreateNetworkAclEntry\"]\nseverity = \"red\"\n",
    )
    .unwrap();
    let (ok, report) = eval(&[("ASKLAKE_ALERTS__RULES_FILE", rules.display().to_string())]);
    assert!(!ok, "{report}");
    assert!(report.contains("misses by event name:") && report.contains("rds:StartExportTask"), "{report}");
    assert!(report.contains("false reds by event name:") && report.contains("ec2:CreateNetworkAclEntry"), "{report}");
    assert!(report.ends_with("FAIL\n"), "{report}");
}
