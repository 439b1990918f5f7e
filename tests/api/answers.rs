//! Verified answers read like a person wrote them, in the terminal (`asklake ask`) and in Slack: the entry's
//! template with the count, the last time in the asker's time zone and the account by name.

use crate::support::lake::shared_lake;

/// `asklake ask QUESTION` on the shared sample lake in time zone `tz`; the first line of what it printed.
fn ask(question: &str, tz: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_asklake"))
        .current_dir(dir.path())
        .args(["ask", question])
        .env_remove("ASKLAKE_CONFIG")
        .env("ASKLAKE_ENGINE__KIND", "duckdb")
        .env("ASKLAKE_DUCKDB__PATH", &shared_lake().path)
        .env("ASKLAKE_LLM__PROVIDER", "none")
        .env("ASKLAKE_PIPELINE__TIMEZONE", tz)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn the_readme_question_is_answered_with_the_entrys_template_in_the_askers_zone_with_account_names() {
    let ko = ask("root 계정 사용한 로그 있어?", "Asia/Seoul");
    assert!(ko.starts_with("루트 계정 사용 ") && ko.contains("— 마지막은 ") && ko.contains("(KST)"), "{ko}");
    assert!(ko.contains("acme-"), "the account is named: {ko}");
    assert!(!ko.contains("event_time=") && !ko.contains("account_id"), "{ko}");
    let en = ask("Was the root user used?", "UTC");
    assert!(en.starts_with("Root user used ") && en.contains("(UTC)") && en.contains("acme-"), "{en}");
}

#[test]
fn an_entry_without_a_template_gets_the_generic_summary_with_names_and_the_zone() {
    let text = ask("EC2 인스턴스의 기동, 중지, 삭제 등 확인이 가능한가요?", "Asia/Seoul");
    assert!(text.contains("건을 찾았습니다 — ") && text.contains("(KST)") && text.contains("계정 acme-"), "{text}");
}
