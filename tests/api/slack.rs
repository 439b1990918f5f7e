//! Black-box tests of the Slack app: the real router on port 0, signed requests, a scripted asker, and the real
//! slack-morphism client making every Web API call over HTTP to a local fake Slack.

mod charts;
mod fakes;
mod fuzz;
pub(crate) mod harness;
mod home;
mod offers;
mod protocol;
mod socket_mode;

use std::time::Duration;

use serde_json::{Value, json};

use fakes::{ScriptedAsker, answer_for, table};
use harness::*;

use crate::support::fake_slack::Fault;

// ---------------------------------------------------------------- verification

#[tokio::test]
async fn a_forged_signature_is_rejected_with_401() {
    let app = spawn_app().await;
    let body = command_body("U1", "C1", "who used root?");
    let res = app
        .post_signed_with("/slack/commands", &body, "application/x-www-form-urlencoded", now(), "wrong-secret", &[])
        .await;
    assert_eq!(res.status(), 401);
    app.settle().await;
    assert!(app.slack.calls().is_empty());
    assert!(app.asker.asked().is_empty());
}

#[tokio::test]
async fn a_signature_six_minutes_old_is_rejected_with_401() {
    let app = spawn_app().await;
    let body = command_body("U1", "C1", "who used root?");
    let res = app
        .post_signed_with("/slack/commands", &body, "application/x-www-form-urlencoded", now() - 360, SECRET, &[])
        .await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn a_signature_from_the_future_is_rejected_with_401() {
    let app = spawn_app().await;
    let body = event_body(
        "EvF",
        json!({"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> hi", "ts": "1.0"}),
    );
    let res = app.post_signed_with("/slack/events", &body, "application/json", now() + 360, SECRET, &[]).await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn missing_signature_headers_are_rejected_with_401_and_counted() {
    let app = spawn_app().await;
    let res = app.http.post(format!("{}/slack/events", app.base)).body("{}").send().await.unwrap();
    assert_eq!(res.status(), 401);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("asklake_slack_verification_failures_total 1"), "{metrics}");
    assert!(metrics.contains("route=\"/slack/events\",status=\"401\"} 1"), "{metrics}");
}

#[tokio::test]
async fn an_oversize_body_is_rejected_with_413() {
    let app = spawn_with(|c| c.slack.max_body_bytes = 1024, ScriptedAsker::new()).await;
    let body = command_body("U1", "C1", &"x".repeat(4096));
    let res = app.post_command_body(&body).await;
    assert_eq!(res.status(), 413);
    assert!(app.asker.asked().is_empty());
}

#[tokio::test]
async fn url_verification_is_answered_with_the_challenge() {
    let app = spawn_app().await;
    let body = json!({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"});
    let res = app.post_event(&body.to_string(), &[]).await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["challenge"], "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
}

#[tokio::test]
async fn a_retried_or_replayed_event_is_processed_once() {
    let app = spawn_app().await;
    let body = event_body(
        "EvRetry",
        json!({"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> who used root?", "ts": "1.5"}),
    );
    assert_eq!(app.post_event(&body, &[]).await.status(), 200);
    let retry = app.post_event(&body, &[("x-slack-retry-num", "1"), ("x-slack-retry-reason", "http_timeout")]).await;
    assert_eq!(retry.status(), 200, "retries are acknowledged so Slack stops resending");
    assert_eq!(app.post_event(&body, &[]).await.status(), 200);
    app.wait_for("the answer", answer_posted).await;
    app.settle().await;
    assert_eq!(app.asker.asked().len(), 1);
    assert_eq!(answers_posted(&app.slack.calls()), 1);
}

// ---------------------------------------------------------------- slash command

#[tokio::test]
async fn a_slash_command_is_acked_then_answered_in_a_thread_under_an_echo_of_the_question() {
    let app = spawn_with(|_| {}, ScriptedAsker::new().with_step_delay(Duration::from_millis(80))).await;

    let res = app.post_command("U1", "C1", "who created IAM users?").await;

    assert_eq!(res.status(), 200);
    let ack: Value = res.json().await.unwrap();
    assert_eq!(ack["response_type"], "ephemeral");
    assert!(ack["text"].as_str().unwrap().contains("Working on it"), "{ack}");
    let calls = app.wait_for("the answer", answer_posted).await;
    let posts = posts(&calls);
    let root = &posts[0];
    assert_eq!((root.channel.as_str(), &root.thread_ts), ("C1", &None));
    assert!(root.text.contains("<@U1>") && root.text.contains("who created IAM users?"), "{}", root.text);
    assert!(
        posts[1..].iter().all(|p| p.thread_ts.as_deref() == Some(root.ts.as_str())),
        "status and answer are in the thread"
    );
    assert!(posts[1].text.contains("Working on it"));
    app.settle().await;
    let updates = updates_of(&app.slack.calls(), &posts[1].ts);
    assert!(updates.iter().any(|u| u.contains("Generating SQL (attempt 2/3)")), "{updates:#?}");
    assert!(updates.iter().any(|u| u.contains("Running on Athena (scanned 1.2 GB)")), "{updates:#?}");
    assert!(updates.last().unwrap().contains("Done in"), "{updates:#?}");
    let answer = &posts.last().unwrap().text;
    assert!(answer.contains("Found 3 rows.") && answer.contains("r2c1") && answer.contains("SELECT actor_arn"));
}

#[tokio::test]
async fn a_hung_status_edit_does_not_hold_the_answer_back() {
    let app = spawn_app().await;
    // Every edit takes effect but its answer never comes back in time (the client gives up after 10 s).
    app.slack.fail_next("chat.update", Fault::Slow(Duration::from_secs(60)), 100);

    app.post_command("U1", "C1", "who used root?").await;

    app.wait_for("the answer while the status edit hangs", answer_posted).await;
}

#[tokio::test]
async fn help_and_empty_text_show_usage_with_this_setups_examples_in_the_askers_language_ephemerally() {
    let app = spawn_app().await;
    let english = app.state.setup.example_questions(asklake::slack::render::Lang::En);
    assert!(!english.is_empty());
    for text in ["", "help"] {
        let res = app.post_command("U1", "C1", text).await;
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["response_type"], "ephemeral");
        let s = v.to_string();
        assert!(s.contains("Examples") && !s.contains("예시 질문"), "{s}");
        assert!(english.iter().all(|q| s.contains(&asklake::slack::escape::inline(q))), "{s}");
    }
    let ko = app.post_command("U1", "C1", "도움말").await.text().await.unwrap();
    let korean = app.state.setup.example_questions(asklake::slack::render::Lang::Ko);
    assert!(korean.iter().all(|q| ko.contains(&asklake::slack::escape::inline(q))) && !ko.contains("Examples"), "{ko}");
    app.settle().await;
    assert!(app.slack.calls().is_empty() && app.asker.asked().is_empty());
}

#[tokio::test]
async fn a_user_outside_the_allowed_list_is_refused_politely() {
    let app = spawn_with(|c| c.slack.allowed_users = vec!["U1".into()], ScriptedAsker::new()).await;
    let v: Value = app.post_command("U2", "C1", "who used root?").await.json().await.unwrap();
    assert_eq!(v["response_type"], "ephemeral");
    assert!(v["text"].as_str().unwrap().contains("not on the list"), "{v}");
    let v: Value = app.post_command("U1", "C1", "who used root?").await.json().await.unwrap();
    assert!(v["text"].as_str().unwrap().contains("Working on it"));
    app.wait_for("the answer", answer_posted).await;
    assert_eq!(app.asker.asked().len(), 1);
}

#[tokio::test]
async fn a_channel_outside_the_allowed_list_is_refused() {
    let app = spawn_with(|c| c.slack.allowed_channels = vec!["C1".into()], ScriptedAsker::new()).await;
    let v: Value = app.post_command("U1", "C9", "who used root?").await.json().await.unwrap();
    assert!(v["text"].as_str().unwrap().contains("does not answer in this channel"), "{v}");
    app.settle().await;
    assert!(app.asker.asked().is_empty());
}

// ---------------------------------------------------------------- events

async fn ask_by_command(app: &TestApp, text: &str) -> String {
    app.post_command("U1", "C1", text).await;
    let calls = app.wait_for("the answer", answer_posted).await;
    app.settle().await;
    posts(&calls)[0].ts.clone()
}

#[tokio::test]
async fn a_reply_in_an_answer_thread_is_a_follow_up_that_carries_the_history() {
    let app = spawn_app().await;
    let root = ask_by_command(&app, "who created IAM users?").await;

    let reply = json!({"type": "message", "channel": "C1", "channel_type": "channel", "user": "U2",
        "text": "only yesterday", "ts": "1700000099.000001", "thread_ts": root});
    app.post_event(&event_body("EvFollow", reply), &[]).await;

    app.wait_for("the follow-up answer", |c| answers_posted(c) == 2).await;
    let asked = app.asker.asked();
    assert_eq!(asked[1].text, "only yesterday");
    assert_eq!(asked[1].history.len(), 1);
    assert_eq!(asked[1].history[0].question, "who created IAM users?");
    assert!(asked[1].history[0].sql.as_deref().unwrap().starts_with("SELECT actor_arn"));
    assert_eq!(asked[1].history[0].columns, vec!["column_0", "column_1"]);
    assert_eq!(asked[1].history[0].row_count, 3);
    let last = posts(&app.slack.calls()).last().unwrap().clone();
    assert_eq!(last.thread_ts.as_deref(), Some(root.as_str()), "the follow-up is answered in the same thread");
}

#[tokio::test]
async fn a_reply_in_someone_elses_thread_is_ignored() {
    let app = spawn_app().await;
    let reply = json!({"type": "message", "channel": "C1", "channel_type": "channel", "user": "U2",
        "text": "lunch?", "ts": "5.1", "thread_ts": "5.0"});
    app.post_event(&event_body("EvOther", reply), &[]).await;
    app.settle().await;
    assert!(app.asker.asked().is_empty() && app.slack.calls().is_empty());
}

#[tokio::test]
async fn an_app_mention_is_answered_in_the_mentions_thread() {
    let app = spawn_app().await;
    let mention = json!({"type": "app_mention", "user": "U1", "channel": "C7", "text": "<@UBOT> failed console logins today", "ts": "1700000050.000100"});
    app.post_event(&event_body("EvMention", mention), &[]).await;
    let calls = app.wait_for("the answer", answer_posted).await;
    assert_eq!(app.asker.asked()[0].text, "failed console logins today");
    for p in posts(&calls) {
        assert_eq!((p.channel.as_str(), p.thread_ts.as_deref()), ("C7", Some("1700000050.000100")));
    }
}

#[tokio::test]
async fn a_dm_is_answered_when_dms_are_allowed() {
    let app = spawn_with(|c| c.slack.allow_dms = true, ScriptedAsker::new()).await;
    let dm = json!({"type": "message", "channel": "D1", "channel_type": "im", "user": "U1", "text": "root logins this week", "ts": "7.1"});
    app.post_event(&event_body("EvDm", dm), &[]).await;
    app.wait_for("the answer", answer_posted).await;
    assert_eq!(app.asker.asked()[0].text, "root logins this week");
}

#[tokio::test]
async fn a_dm_is_refused_when_dms_are_off() {
    let app = spawn_app().await;
    let dm = json!({"type": "message", "channel": "D1", "channel_type": "im", "user": "U1", "text": "root logins this week", "ts": "7.1"});
    app.post_event(&event_body("EvDmOff", dm), &[]).await;
    let calls = app.wait_for("a refusal", |c| !ephemerals(c).is_empty()).await;
    assert!(ephemerals(&calls)[0].1.contains("does not answer direct messages"));
    app.settle().await;
    assert!(app.asker.asked().is_empty());
}

#[tokio::test]
async fn bot_messages_own_messages_and_edits_do_not_loop() {
    let app = spawn_app().await;
    let root = ask_by_command(&app, "who created IAM users?").await;
    let before = app.slack.calls().len();
    let events = [
        json!({"type": "message", "channel": "C1", "channel_type": "channel", "bot_id": "BSELF", "user": "UBOT",
               "text": "Found 3 rows.", "ts": "9.1", "thread_ts": root}),
        json!({"type": "message", "subtype": "bot_message", "channel": "C1", "channel_type": "channel", "bot_id": "BOTHER",
               "text": "another bot", "ts": "9.2", "thread_ts": root}),
        json!({"type": "message", "channel": "C1", "channel_type": "channel", "user": "UBOT",
               "text": "own message without bot_id", "ts": "9.3", "thread_ts": root}),
        json!({"type": "message", "subtype": "message_changed", "channel": "C1", "channel_type": "channel", "ts": "9.4",
               "message": {"user": "U1", "text": "edited question", "ts": "9.0", "thread_ts": root}}),
        json!({"type": "message", "subtype": "message_deleted", "channel": "C1", "channel_type": "channel", "ts": "9.5", "deleted_ts": "9.0"}),
    ];
    for (i, e) in events.into_iter().enumerate() {
        assert_eq!(app.post_event(&event_body(&format!("EvLoop{i}"), e), &[]).await.status(), 200);
    }
    app.settle().await;
    assert_eq!(app.asker.asked().len(), 1);
    assert_eq!(app.slack.calls().len(), before);
}

// ---------------------------------------------------------------- buttons

async fn answered(app: &TestApp) -> (String, String) {
    let root = ask_by_command(app, "who created IAM users?").await;
    let answer = posts(&app.slack.calls()).into_iter().find(|p| p.text.contains("feedback_up")).unwrap();
    let v: Value = serde_json::from_str(&answer.text).unwrap();
    let id = v["blocks"].as_array().unwrap().iter().find(|b| b["type"] == "actions").unwrap()["elements"][0]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    (root, id)
}

#[tokio::test]
async fn thumbs_up_records_the_vote_and_files_a_library_candidate() {
    let app = spawn_app().await;
    let (_, id) = answered(&app).await;
    let res = app.post_interaction(&button_body("U5", "C1", "feedback_up", &id)).await;
    assert_eq!(res.status(), 200);
    app.wait_for("the thanks", |c| !ephemerals(c).is_empty()).await;
    let votes = app.state.store.feedback_for(&id).unwrap();
    assert_eq!(votes.len(), 1);
    assert_eq!((votes[0].user.as_str(), votes[0].vote), ("U5", asklake::store::feedback::Vote::Up));
    let filed = app.candidates.0.lock().unwrap().clone();
    assert_eq!(filed.len(), 1);
    assert_eq!((filed[0].question.as_str(), filed[0].asker.as_str()), ("who created IAM users?", "U1"));
    assert!(filed[0].sql.starts_with("SELECT actor_arn"));
}

#[tokio::test]
async fn thumbs_down_is_recorded_without_filing_a_candidate() {
    let app = spawn_app().await;
    let (_, id) = answered(&app).await;
    app.post_interaction(&button_body("U5", "C1", "feedback_down", &id)).await;
    app.wait_for("the thanks", |c| !ephemerals(c).is_empty()).await;
    assert_eq!(app.state.store.feedback_for(&id).unwrap()[0].vote, asklake::store::feedback::Vote::Down);
    assert!(app.candidates.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn show_sql_posts_the_full_sql_in_the_thread() {
    let app = spawn_app().await;
    let (root, id) = answered(&app).await;
    let before = posts(&app.slack.calls()).len();
    app.post_interaction(&button_body("U5", "C1", "show_sql", &id)).await;
    let calls = app.wait_for("the SQL", |c| posts(c).len() > before).await;
    let last = posts(&calls).last().unwrap().clone();
    assert_eq!(last.thread_ts.as_deref(), Some(root.as_str()));
    assert!(last.text.contains("```\\nSELECT actor_arn, count(*) AS n FROM cloudtrail"), "{}", last.text);
}

#[tokio::test]
async fn download_csv_uploads_the_stored_rows_into_the_thread_through_files_upload_v2() {
    let app = spawn_app().await;
    let (root, id) = answered(&app).await;
    let before = app.slack.calls().len();

    app.post_interaction(&button_body("U5", "C1", "download_csv", &id)).await;

    let calls = app.wait_for("the upload", |c| accepted(c, "files.completeUploadExternal").count() == 1).await;
    let steps: Vec<&str> = calls[before..].iter().filter(|c| c.ok).map(|c| c.method.as_str()).collect();
    assert_eq!(steps, ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]);
    let get = accepted(&calls, "files.getUploadURLExternal").next().unwrap();
    assert!(get.body["filename"].as_str().unwrap().ends_with(".csv"), "{:?}", get.body);
    let csv = "column_0,column_1\r\nr0c0,r0c1\r\nr1c0,r1c1\r\nr2c0,r2c1\r\n";
    assert_eq!(get.body["length"], csv.len().to_string());
    assert_eq!(accepted(&calls, "upload").next().unwrap().body["content"], csv);
    let complete = accepted(&calls, "files.completeUploadExternal").next().unwrap();
    assert_eq!(complete.body["channel_id"], "C1");
    assert_eq!(complete.body["thread_ts"], root.as_str());
    assert!(complete.body["files"][0]["title"].as_str().unwrap().contains("who created IAM users? (3 rows"));
}

#[tokio::test]
async fn a_button_for_an_unknown_answer_gets_an_ephemeral_explanation() {
    let app = spawn_app().await;
    app.post_interaction(&button_body("U5", "C1", "download_csv", "no-such-answer")).await;
    let calls = app.wait_for("the explanation", |c| !ephemerals(c).is_empty()).await;
    assert!(ephemerals(&calls)[0].1.contains("no longer stored"));
}

// ---------------------------------------------------------------- limits, escaping, retries, state

#[tokio::test]
async fn a_500_row_40_column_answer_is_posted_within_slack_limits() {
    let asker = ScriptedAsker::new();
    asker.push(answer_for("everything", table(40, 500)));
    let app = spawn_with(|_| {}, asker).await;
    app.post_command("U1", "C1", "everything").await;
    let calls = app.wait_for("the answer", answer_posted).await;
    let answer = posts(&calls).into_iter().find(|p| p.text.contains("feedback_up")).unwrap();
    let v: Value = serde_json::from_str(&answer.text).unwrap();
    let blocks = v["blocks"].as_array().unwrap();
    assert!(blocks.len() <= 50);
    assert!(blocks.iter().all(|b| b["text"]["text"].as_str().is_none_or(|t| t.chars().count() <= 3000)));
    assert!(answer.text.chars().count() < 40_000);
    assert!(answer.text.contains("more rows") && answer.text.contains("more columns"));
    assert!(app.slack.calls().iter().all(|c| c.ok), "Slack refused nothing: {:#?}", app.slack.calls());
}

#[tokio::test]
async fn channel_pings_in_the_question_and_in_the_data_do_not_ping() {
    let asker = ScriptedAsker::new();
    let mut result = table(1, 1);
    result.rows[0][0] = asklake::engines::Value::Text("<!channel> wake up".into());
    asker.push(answer_for("<!channel> who used root?", result));
    let app = spawn_with(|_| {}, asker).await;
    let ack = app.post_command("U1", "C1", "<!channel> who used root?").await.text().await.unwrap();
    assert!(!ack.contains("<!channel>"), "{ack}");
    let calls = app.wait_for("the answer", answer_posted).await;
    for post in posts(&calls) {
        assert!(!post.text.contains("<!channel>"), "{}", post.text);
    }
    assert!(posts(&calls).iter().any(|p| p.text.contains("&lt;!channel&gt; wake up")));
}

#[tokio::test]
async fn a_code_fence_or_markers_in_result_data_cannot_restyle_the_answer() {
    let asker = ScriptedAsker::new();
    let agent = "aws-cli/2.0 ```python *bold* _it_ ~x~";
    let mut answer = answer_for("user agents?", table(1, 1));
    answer.text = format!("Top user agent: {agent}");
    answer.result.as_mut().unwrap().rows[0][0] = asklake::engines::Value::Text(agent.into());
    asker.push(answer);
    let app = spawn_with(|_| {}, asker).await;

    app.post_command("U1", "C1", "user agents?").await;

    let calls = app.wait_for("the answer", answer_posted).await;
    let posted = posts(&calls).into_iter().find(|p| p.text.contains("feedback_up")).unwrap();
    let v: Value = serde_json::from_str(&posted.text).unwrap();
    let headline = v["blocks"][0]["text"]["text"].as_str().unwrap();
    assert_eq!(headline, "Top user agent: aws-cli/2.0 ˋˋˋpython ∗bold∗ ˍitˍ ∼x∼");
    let fallback = v["text"].as_str().unwrap();
    assert!(!fallback.contains(['`', '*', '_', '~']), "the notification text too: {fallback}");
    let table = v["blocks"][1]["text"]["text"].as_str().unwrap();
    assert!(table.starts_with("```") && table.contains("*bold*"), "inside the table's code block data is as it is");
    assert_eq!(table.matches("```").count(), 2, "the data cannot close the table's code block: {table}");
}

#[tokio::test]
async fn a_429_with_retry_after_on_the_answer_post_is_waited_out_and_the_answer_arrives_once() {
    let app = spawn_app().await;
    // Calls 1 and 2 are the root and the status line; the third `chat.postMessage` is the answer.
    app.slack.fail_call("chat.postMessage", 3, Fault::RateLimited(1));

    app.post_command("U1", "C1", "who used root?").await;

    app.wait_for("the answer", answer_posted).await;
    app.settle().await;
    let calls = app.slack.calls_of("chat.postMessage");
    assert_eq!(calls.iter().map(|c| c.ok).collect::<Vec<_>>(), [true, true, false, true], "{calls:#?}");
    assert!(calls[2].text().contains("feedback_up"), "the refused call was the answer");
    assert_eq!(answers_posted(&app.slack.calls()), 1);
}

#[tokio::test]
async fn a_5xx_storm_on_the_answer_post_costs_one_client_budget_and_the_asker_is_told() {
    let app = spawn_app().await;
    // Calls 1 and 2 are the root and the status line; every try the client makes of the answer gets a 500.
    let budget = 1 + client_policy().max_retries as usize;
    for n in 3..3 + budget {
        app.slack.fail_call("chat.postMessage", n, Fault::ServerError);
    }

    app.post_command("U1", "C1", "who used root?").await;

    let calls = app.wait_for("an explanation", |c| !responses(c).is_empty()).await;
    app.settle().await;
    let tries = app.slack.calls_of("chat.postMessage");
    assert_eq!(tries.len(), 2 + budget, "the client's budget once, nothing above it retries: {tries:#?}");
    assert_eq!(answers_posted(&app.slack.calls()), 0);
    let told = &responses(&calls)[0];
    assert!(told.contains("Slack was busy") && !told.contains("/invite"), "an outage is not an invite problem: {told}");
}

#[tokio::test]
async fn rate_limited_status_edits_are_waited_out_and_the_answer_still_arrives_once() {
    let app = spawn_with(|_| {}, ScriptedAsker::new().with_step_delay(Duration::from_millis(60))).await;
    app.slack.fail_next("chat.update", Fault::RateLimited(1), 2);

    app.post_command("U1", "C1", "who used root?").await;

    app.wait_for("the answer", answer_posted).await;
    app.settle().await;
    assert!(app.slack.calls_of("chat.update").iter().any(|c| !c.ok), "an edit was refused");
    assert_eq!(answers_posted(&app.slack.calls()), 1);
    let status = posts(&app.slack.calls())[1].ts.clone();
    assert!(updates_of(&app.slack.calls(), &status).last().unwrap().contains("Done in"));
}

#[tokio::test]
async fn channel_not_found_on_the_question_post_is_explained_through_the_response_url_and_runs_nothing() {
    let app = spawn_app().await;
    app.slack.fail_next("chat.postMessage", Fault::Api("channel_not_found"), 1);

    let res = app.post_command("U1", "C404", "who used root?").await;

    assert_eq!(res.status(), 200);
    let calls = app.wait_for("an explanation", |c| !responses(c).is_empty()).await;
    app.settle().await;
    let text = &responses(&calls)[0];
    assert!(text.contains("could not post the answer here") && text.contains("/invite @asklake"), "{text}");
    assert!(text.contains("\"response_type\":\"ephemeral\""), "only the asker sees it: {text}");
    assert_eq!(app.slack.calls_of("chat.postMessage").len(), 1, "an API error is not retried");
    assert!(app.asker.asked().is_empty(), "no question is run when there is nowhere to answer");
}

#[tokio::test]
async fn a_slash_command_in_a_channel_asklake_was_never_invited_to_reaches_the_asker_anyway() {
    let app = spawn_app().await;
    app.slack.not_a_member_of("C9");

    app.post_command("U1", "C9", "who used root?").await;

    let calls = app.wait_for("an explanation", |c| !responses(c).is_empty()).await;
    app.settle().await;
    assert!(responses(&calls)[0].contains("/invite @asklake"));
    let refused: Vec<_> = app.slack.calls_of("chat.postMessage");
    assert!(refused.iter().all(|c| !c.ok && c.response["error"] == "not_in_channel"), "{refused:#?}");
    assert!(app.slack.ephemerals().is_empty(), "chat.postEphemeral cannot reach a channel asklake is not in");
}

#[tokio::test]
async fn when_the_response_url_is_gone_the_explanation_falls_back_to_an_ephemeral_message() {
    let app = spawn_app().await;
    app.slack.fail_next("chat.postMessage", Fault::Api("channel_not_found"), 1);
    let expired = format!("http://{}/no-such-response-url", app.slack.addr());

    app.post_command_body(&command_body_with("U1", "C1", "who used root?", &expired)).await;

    let calls = app.wait_for("an explanation", |c| !ephemerals(c).is_empty()).await;
    let (user, text) = &ephemerals(&calls)[0];
    assert_eq!(user, "U1");
    assert!(text.contains("/invite @asklake"), "{text}");
}

#[tokio::test]
async fn not_in_channel_on_a_mention_reply_tells_the_asker_and_the_next_question_is_answered() {
    let app = spawn_app().await;
    app.slack.fail_next("chat.postMessage", Fault::Api("not_in_channel"), 1);
    let mention = |id: &str, ts: &str| {
        event_body(
            id,
            json!({"type": "app_mention", "user": "U1", "channel": "C7", "text": "<@UBOT> root logins", "ts": ts}),
        )
    };

    app.post_event(&mention("EvNotIn", "1700000050.000100"), &[]).await;

    let calls = app.wait_for("an explanation", |c| !ephemerals(c).is_empty()).await;
    assert!(ephemerals(&calls)[0].1.contains("/invite @asklake"));
    app.settle().await;
    app.post_event(&mention("EvAfterInvite", "1700000060.000100"), &[]).await;
    app.wait_for("the answer", answer_posted).await;
}

#[tokio::test]
async fn a_failed_csv_upload_gets_an_ephemeral_apology_instead_of_silence() {
    let app = spawn_app().await;
    let (_, id) = answered(&app).await;
    app.slack.fail_next("files.completeUploadExternal", Fault::Api("not_in_channel"), 1);

    app.post_interaction(&button_body("U5", "C1", "download_csv", &id)).await;

    let calls = app.wait_for("an apology", |c| !ephemerals(c).is_empty()).await;
    let (user, text) = &ephemerals(&calls)[0];
    assert_eq!(user, "U5");
    assert!(text.contains("Sorry, that did not work"), "{text}");
}

#[tokio::test]
async fn threads_survive_a_restart_so_follow_ups_keep_their_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("asklake.db");
    let first = spawn_on(&path, |_| {}, ScriptedAsker::new()).await;
    let root = ask_by_command(&first, "who created IAM users?").await;
    first.shutdown().await.unwrap();

    let second = spawn_on(&path, |_| {}, ScriptedAsker::new()).await;
    let reply = json!({"type": "message", "channel": "C1", "channel_type": "channel", "user": "U1",
        "text": "and last week?", "ts": "1700000099.000001", "thread_ts": root});
    second.post_event(&event_body("EvAfterRestart", reply), &[]).await;
    second.wait_for("the follow-up answer", answer_posted).await;
    assert_eq!(second.asker.asked()[0].history[0].question, "who created IAM users?");
}

#[tokio::test]
async fn shutdown_lets_an_answer_in_flight_finish() {
    let app = spawn_with(|_| {}, ScriptedAsker::new().with_step_delay(Duration::from_millis(150))).await;
    app.post_command("U1", "C1", "who used root?").await;
    app.wait_for("the status message", |c| posts(c).len() == 2).await;
    let slack = app.slack.clone();
    app.shutdown().await.unwrap();
    assert!(answer_posted(&slack.calls()), "the answer was posted before the server exited");
}

#[tokio::test]
async fn healthz_and_metrics_are_served() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.text().await.unwrap(), "ok");
    app.post_command("U1", "C1", "who used root?").await;
    app.wait_for("the answer", answer_posted).await;
    app.settle().await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("asklake_http_requests_total{route=\"/slack/commands\",status=\"200\"} 1"), "{metrics}");
    assert!(metrics.contains("asklake_answers_in_flight 0"));
    assert!(metrics.contains("asklake_answer_seconds_count 1"));
}
