//! What Slack expects of an app beyond answering: each delivery acted on once, only the configured slash
//! commands, the unsigned `ssl_check` probe, refused bodies logged without their content, and every sentence in
//! the asker's language.

use std::time::Duration;

use serde_json::Value;

use super::answered;
use super::fakes::ScriptedAsker;
use super::harness::*;

/// Slack's v0 scheme has no nonce, so an identical signed slash command replayed inside the five-minute window
/// verifies again; its `trigger_id` is what makes it a replay.
#[tokio::test]
async fn a_replayed_slash_command_inside_the_window_is_answered_once() {
    let app = spawn_app().await;
    let body = command_body("U1", "C1", "who used root?");
    let ts = now() - 60;
    let mut acks = Vec::new();
    for _ in 0..3 {
        let res =
            app.post_signed_with("/slack/commands", &body, "application/x-www-form-urlencoded", ts, SECRET, &[]).await;
        assert_eq!(res.status(), 200);
        acks.push(res.json::<Value>().await.unwrap());
    }
    app.wait_for("the answer", answer_posted).await;
    app.settle().await;
    assert_eq!(app.asker.asked().len(), 1, "the pipeline ran once");
    assert_eq!(answers_posted(&app.slack.calls()), 1);
    assert_eq!(posts(&app.slack.calls()).len(), 3, "one question, one status line, one answer");
    assert!(acks[1]["text"].as_str().unwrap().contains("already received"), "{}", acks[1]);
    assert_eq!(acks[1]["response_type"], "ephemeral");
}

#[tokio::test]
async fn a_replayed_button_press_records_one_vote_and_thanks_once() {
    let app = spawn_app().await;
    let (_, id) = answered(&app).await;
    let body = button_body("U5", "C1", "feedback_up", &id);
    for _ in 0..3 {
        assert_eq!(app.post_interaction(&body).await.status(), 200);
    }
    app.wait_for("the thanks", |c| !ephemerals(c).is_empty()).await;
    app.settle().await;
    assert_eq!(app.state.store.feedback_for(&id).unwrap().len(), 1);
    assert_eq!(app.candidates.0.lock().unwrap().len(), 1, "one library candidate");
    assert_eq!(ephemerals(&app.slack.calls()).len(), 1);
    let again = app.post_interaction(&button_body("U5", "C1", "feedback_down", &id)).await;
    assert_eq!(again.status(), 200);
    app.wait_for("a second, new press", |c| ephemerals(c).len() == 2).await;
}

#[tokio::test]
async fn an_ssl_check_probe_is_answered_200_without_a_signature_and_runs_nothing() {
    let app = spawn_app().await;
    let probe = "ssl_check=1&token=deprecated-verification-token";
    let res = app
        .http
        .post(format!("{}/slack/commands", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(probe)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().is_empty());
    let unsigned = app.http.post(format!("{}/slack/commands", app.base)).body(command_body("U1", "C1", "x")).send();
    assert_eq!(unsigned.await.unwrap().status(), 401, "only the probe skips verification");
    app.settle().await;
    assert!(app.slack.calls().is_empty() && app.asker.asked().is_empty());
    let metrics = app.metrics().await;
    assert!(metrics.contains("asklake_slack_verification_failures_total 1"), "the probe is not a failure: {metrics}");
}

#[tokio::test]
async fn a_413_is_logged_with_its_route_and_size_but_not_its_body() {
    let logs = CapturedLogs::default();
    let _guard = tracing::subscriber::set_default(logs.subscriber());
    let app = spawn_with(|c| c.slack.max_body_bytes = 1024, ScriptedAsker::new()).await;
    let body = command_body("U1", "C1", &format!("secret-question-text {}", "x".repeat(4096)));

    assert_eq!(app.post_command_body(&body).await.status(), 413);

    let text = logs.text();
    assert!(text.contains("max_body_bytes") && text.contains("/slack/commands"), "{text}");
    assert!(text.contains(&body.len().to_string()), "the declared size is logged: {text}");
    assert!(!text.contains("secret-question-text"), "the body is never logged: {text}");
}

/// Log lines written while a test runs on its thread (the app's tasks run there too).
#[derive(Clone, Default)]
struct CapturedLogs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync {
        let writer = self.clone();
        tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).with_writer(move || writer.clone()).finish()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn a_command_other_than_the_configured_one_is_refused_with_a_pointer_and_runs_nothing() {
    let app = spawn_app().await;
    let body = command_body("U1", "C1", "who used root?").replace("%2Fasklake", "%2Fnotasklake");

    let res = app.post_command_body(&body).await;

    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["response_type"], "ephemeral");
    let text = v["text"].as_str().unwrap();
    assert!(text.contains("`/notasklake`") && text.contains("`/asklake`"), "{text}");
    app.settle().await;
    assert!(app.asker.asked().is_empty() && app.slack.calls().is_empty());
}

#[tokio::test]
async fn the_configured_command_is_answered_and_named_in_the_thread() {
    let app = spawn_with(|c| c.slack.commands = vec!["/seclake".into()], ScriptedAsker::new()).await;
    let asked = |cmd: &str| command_body("U1", "C1", "who used root?").replace("%2Fasklake", cmd);

    let refused: Value = app.post_command_body(&asked("%2Fasklake")).await.json().await.unwrap();
    let ack: Value = app.post_command_body(&asked("%2Fseclake")).await.json().await.unwrap();

    assert!(refused["text"].as_str().unwrap().contains("`/seclake`"), "{refused}");
    assert!(ack["text"].as_str().unwrap().contains("Working on it"), "{ack}");
    let calls = app.wait_for("the answer", answer_posted).await;
    assert!(posts(&calls)[0].text.contains("asked with `/seclake`"), "{}", posts(&calls)[0].text);
    assert_eq!(app.asker.asked().len(), 1);
}

#[tokio::test]
async fn a_korean_question_is_acked_threaded_and_answered_around_in_korean() {
    let app = spawn_with(|_| {}, ScriptedAsker::new().with_step_delay(Duration::from_millis(30))).await;

    let ack: Value = app.post_command("U1", "C1", "root 계정 사용한 로그 있어?").await.json().await.unwrap();

    let text = ack["text"].as_str().unwrap();
    assert!(text.contains("확인하는 중") && !text.contains("Working on it"), "{ack}");
    let calls = app.wait_for("the answer", answer_posted).await;
    app.settle().await;
    let posts = posts(&calls);
    assert!(posts[0].text.contains("님이 `/asklake`로 질문했습니다") && !posts[0].text.contains("asked with"));
    assert!(posts[1].text.contains("확인하는 중") && !posts[1].text.contains("Working on it"));
    let updates = updates_of(&app.slack.calls(), &posts[1].ts);
    assert!(updates.iter().all(|u| !u.contains("Generating SQL") && !u.contains("Done in")), "{updates:#?}");
    assert!(updates.last().unwrap().contains("초 만에 완료"), "{updates:#?}");
}

#[tokio::test]
async fn korean_refusals_and_help_are_in_korean() {
    let app = spawn_with(
        |c| {
            c.slack.allowed_users = vec!["U1".into()];
            c.pipeline.max_question_chars = 20;
        },
        ScriptedAsker::new(),
    )
    .await;
    let denied: Value = app.post_command("U2", "C1", "루트 계정 로그").await.json().await.unwrap();
    assert!(denied["text"].as_str().unwrap().contains("목록에 없습니다"), "{denied}");
    let long: Value = app.post_command("U1", "C1", &"루트 계정 로그 ".repeat(5)).await.json().await.unwrap();
    assert!(long["text"].as_str().unwrap().starts_with("질문이 "), "{long}");
    let help = app.post_command("U1", "C1", "도움말").await.text().await.unwrap();
    assert!(help.contains("사용법") && help.contains("이 채널에서 질문"), "{help}");
    let body = command_body("U1", "C1", "루트 계정 로그").replace("%2Fasklake", "%2Fother");
    let other: Value = app.post_command_body(&body).await.json().await.unwrap();
    assert!(other["text"].as_str().unwrap().contains("답하지 않습니다"), "{other}");
    app.settle().await;
    assert!(app.asker.asked().is_empty());
}
