//! Charts in Slack: an answer that is a top-N gets a PNG in its thread, uploaded through files upload v2 by the
//! real client, after the answer; no chart where one would mislead; a failed upload never costs the answer.

use asklake::engines::{ColumnMeta, ColumnType, QueryResult, Value};
use serde_json::json;

use super::fakes::{ScriptedAsker, answer_for};
use super::harness::*;
use crate::support::fake_slack::{BOT_TOKEN, FakeSlack, Fault};

/// `accounts` with a count each: the shape of a top-N.
fn top(accounts: &[(&str, i64)]) -> QueryResult {
    QueryResult {
        columns: vec![
            ColumnMeta { name: "account".into(), ty: ColumnType::Text },
            ColumnMeta { name: "failed_logins".into(), ty: ColumnType::Integer },
        ],
        rows: accounts.iter().map(|(a, n)| vec![Value::Text((*a).into()), Value::Int(*n)]).collect(),
        ..Default::default()
    }
}

const QUESTION: &str = "계정별 콘솔 로그인 실패 상위 3개";

async fn ask(asker: ScriptedAsker, slack: FakeSlack) -> TestApp {
    let app = spawn_with_fake(slack, |_| {}, asker).await;
    app.post_command("U1", "C1", QUESTION).await;
    app
}

fn asker_with(result: QueryResult) -> ScriptedAsker {
    let asker = ScriptedAsker::new();
    asker.push(answer_for(QUESTION, result));
    asker
}

#[tokio::test]
async fn a_top_n_answer_gets_a_png_chart_in_its_thread_after_the_answer() {
    let slack = FakeSlack::start().await;
    let app = ask(asker_with(top(&[("운영", 12), ("acme-dev", 7), ("sandbox", 2)])), slack.clone()).await;
    let calls = app.wait_for("the chart", |c| accepted(c, "files.completeUploadExternal").count() == 1).await;
    let answer = posts(&calls).into_iter().find(|p| p.text.contains("feedback_up")).expect("the answer");
    let files = slack.files_in("C1");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].thread_ts, answer.thread_ts, "the chart sits in the answer's thread");
    assert!(files[0].filename.ends_with(".png") && files[0].title.contains("로그인 실패"), "{:?}", files[0].title);
    let png = tiny_skia::Pixmap::decode_png(&files[0].bytes).expect("a PNG");
    assert_eq!(png.width(), asklake::chart::render::WIDTH);
    let position = |m: &str| calls.iter().position(|c| c.ok && c.method == m).unwrap();
    let answer_at = calls.iter().position(|c| c.ok && c.text().contains("feedback_up")).unwrap();
    assert!(answer_at < position("files.getUploadURLExternal"), "the answer goes out first");
}

#[tokio::test]
async fn a_one_row_result_posts_no_chart() {
    let slack = FakeSlack::start().await;
    let app = ask(asker_with(top(&[("운영", 12)])), slack.clone()).await;
    app.wait_for("the answer", answer_posted).await;
    app.settle().await;
    assert!(slack.calls_of("files.getUploadURLExternal").is_empty());
    assert!(slack.files_in("C1").is_empty());
}

#[tokio::test]
async fn a_rate_limited_upload_is_retried_and_the_chart_still_arrives() {
    let slack = FakeSlack::start().await;
    slack.fail_next("files.getUploadURLExternal", Fault::RateLimited(1), 1);
    slack.fail_next("upload", Fault::RateLimited(1), 1);
    let app = ask(asker_with(top(&[("a", 3), ("b", 1)])), slack.clone()).await;
    app.wait_for("the chart", |c| accepted(c, "files.completeUploadExternal").count() == 1).await;
    assert_eq!(slack.calls_of("files.getUploadURLExternal").len(), 2);
    assert_eq!(slack.calls_of("upload").len(), 2);
    assert_eq!(slack.files_in("C1").len(), 1);
}

#[tokio::test]
async fn a_failed_upload_leaves_the_answer_posted_and_the_app_answering() {
    let slack = FakeSlack::start().await;
    slack.fail_next("files.completeUploadExternal", Fault::Api("internal_error"), 1);
    let asker = asker_with(top(&[("a", 3), ("b", 1)]));
    asker.push(answer_for("again", top(&[("c", 5), ("d", 4)])));
    let app = ask(asker, slack.clone()).await;
    app.wait_for("the refused share", |c| c.iter().any(|c| c.method == "files.completeUploadExternal")).await;
    app.settle().await;
    assert_eq!(answers_posted(&slack.calls()), 1, "the answer stands");
    assert!(slack.files_in("C1").is_empty());
    app.post_command("U1", "C1", "again").await;
    app.wait_for("the next chart", |c| accepted(c, "files.completeUploadExternal").count() == 1).await;
}

#[tokio::test]
async fn without_files_write_the_answer_is_posted_and_the_chart_refused() {
    let slack = FakeSlack::start().await;
    slack.grant_scopes(&["commands", "chat:write"]);
    let app = ask(asker_with(top(&[("a", 3), ("b", 1)])), slack.clone()).await;
    app.wait_for("the refused upload", |c| c.iter().any(|c| c.method == "files.getUploadURLExternal")).await;
    app.settle().await;
    let refused = &slack.calls_of("files.getUploadURLExternal")[0];
    assert!(!refused.ok);
    assert!(answer_posted(&slack.calls()) && slack.files_in("C1").is_empty());
}

/// The fake's upload URL is as strict as Slack's: exactly the announced length, once, then completion.
#[tokio::test]
async fn the_fake_upload_url_takes_exactly_the_announced_length() {
    let slack = FakeSlack::start().await;
    let http = reqwest::Client::new();
    let auth = format!("Bearer {BOT_TOKEN}");
    let url = format!("{}/files.getUploadURLExternal?filename=c.png&length=5", slack.api_url);
    let got: serde_json::Value =
        http.get(url).header("authorization", &auth).send().await.unwrap().json().await.unwrap();
    let (upload_url, file_id) = (got["upload_url"].as_str().unwrap(), got["file_id"].as_str().unwrap());
    let complete = || {
        http.post(format!("{}/files.completeUploadExternal", slack.api_url))
            .header("authorization", &auth)
            .json(&json!({"files": [{"id": file_id}], "channel_id": "C1"}))
            .send()
    };
    assert_eq!(http.post(upload_url).body("1234").send().await.unwrap().status(), 400, "short");
    let early: serde_json::Value = complete().await.unwrap().json().await.unwrap();
    assert_eq!(early["error"], "file_not_found", "nothing arrived yet");
    assert_eq!(http.post(upload_url).body("12345").send().await.unwrap().status(), 200);
    assert_eq!(http.post(upload_url).body("12345").send().await.unwrap().status(), 400, "only once");
    let done: serde_json::Value = complete().await.unwrap().json().await.unwrap();
    assert_eq!(done["ok"], true, "{done}");
    assert_eq!(slack.files_in("C1")[0].bytes, b"12345");
}
