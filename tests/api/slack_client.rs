//! The real slack-morphism client behind `SlackApi`, against the local fake Slack Web API.

use std::time::{Duration, Instant};

use asklake::slack::api::{OutgoingMessage, SlackApi, SlackError};
use asklake::slack::client::{ClientPolicy, SlackWebClient};
use secrecy::SecretString;
use slack_morphism::prelude::*;

use crate::support::fake_slack::{BOT_TOKEN, FakeSlack, Fault};

fn client(fake: &FakeSlack, policy: ClientPolicy) -> SlackWebClient {
    SlackWebClient::new(&fake.api_url, &SecretString::from(BOT_TOKEN), policy).expect("client")
}

fn quick_policy() -> ClientPolicy {
    ClientPolicy {
        max_retries: 3,
        max_retry_after: Duration::from_secs(5),
        transient_backoff: Duration::from_millis(10),
        channel_interval: Duration::ZERO,
        channel_burst: 1,
        update_interval: Duration::ZERO,
        update_burst: 1,
        request_timeout: Duration::from_secs(10),
    }
}

fn text_message(channel: &str, text: &str) -> OutgoingMessage {
    OutgoingMessage {
        channel: channel.into(),
        thread_ts: None,
        content: SlackMessageContent::new().with_text(text.into()),
    }
}

#[tokio::test]
async fn a_posted_message_reaches_slack_with_the_bot_token_and_returns_its_ts() {
    let fake = FakeSlack::start().await;
    let posted = client(&fake, quick_policy()).post_message(&text_message("C1", "hello")).await.unwrap();
    assert_eq!(posted.channel, "C1");
    assert!(!posted.ts.is_empty());
    let posts = fake.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["text"], "hello");
}

#[tokio::test]
async fn a_thread_reply_carries_thread_ts() {
    let fake = FakeSlack::start().await;
    let mut msg = text_message("C1", "reply");
    msg.thread_ts = Some("1700000000.000100".into());
    client(&fake, quick_policy()).post_message(&msg).await.unwrap();
    assert_eq!(fake.posts()[0]["thread_ts"], "1700000000.000100");
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after_and_then_succeeds() {
    let fake = FakeSlack::start().await;
    fake.fail_next("chat.postMessage", Fault::RateLimited(1), 1);
    let started = Instant::now();
    client(&fake, quick_policy()).post_message(&text_message("C1", "after limit")).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(950), "Retry-After was not honoured");
    let calls: Vec<_> = fake.calls().into_iter().filter(|c| c.method == "chat.postMessage").collect();
    assert_eq!(calls.len(), 2);
    assert!(!calls[0].ok && calls[1].ok);
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_until_the_budget_runs_out() {
    let fake = FakeSlack::start().await;
    fake.fail_next("chat.postMessage", Fault::ServerError, 10);
    let err = client(&fake, quick_policy()).post_message(&text_message("C1", "x")).await.unwrap_err();
    assert!(matches!(err, SlackError::Transport { .. }), "{err:?}");
    assert_eq!(fake.calls().len(), 4, "one try plus three retries");
    assert!(fake.posts().is_empty());
}

#[tokio::test]
async fn an_api_error_is_not_retried_and_keeps_slacks_code() {
    let fake = FakeSlack::start().await;
    fake.fail_next("chat.postMessage", Fault::Api("channel_not_found"), 1);
    let err = client(&fake, quick_policy()).post_message(&text_message("C404", "x")).await.unwrap_err();
    assert_eq!(err, SlackError::Api { code: "channel_not_found".into() });
    assert!(!err.is_retryable());
    assert_eq!(fake.calls().len(), 1);
}

#[tokio::test]
async fn a_message_over_slacks_block_limit_is_refused_like_slack_does() {
    let fake = FakeSlack::start().await;
    let blocks: Vec<SlackBlock> =
        (0..51).map(|i| SlackSectionBlock::new().with_text(md!("row {}", i)).into()).collect();
    let msg = OutgoingMessage {
        channel: "C1".into(),
        thread_ts: None,
        content: SlackMessageContent::new().with_blocks(blocks),
    };
    let err = client(&fake, quick_policy()).post_message(&msg).await.unwrap_err();
    assert_eq!(err, SlackError::Api { code: "invalid_blocks".into() });
}

#[tokio::test]
async fn a_wrong_token_is_reported_as_invalid_auth() {
    let fake = FakeSlack::start().await;
    let c = SlackWebClient::new(&fake.api_url, &SecretString::from("xoxb-wrong"), quick_policy()).unwrap();
    let err = c.post_message(&text_message("C1", "x")).await.unwrap_err();
    assert_eq!(err, SlackError::Api { code: "invalid_auth".into() });
}

#[tokio::test]
async fn a_file_upload_takes_the_three_v2_steps_into_the_thread() {
    let fake = FakeSlack::start().await;
    let csv = b"a,b\n1,2\n".to_vec();
    client(&fake, quick_policy())
        .upload_file("C1", Some("1700000000.000100"), "result.csv", "Result", csv.clone())
        .await
        .unwrap();
    let methods: Vec<String> = fake.calls().into_iter().filter(|c| c.ok).map(|c| c.method).collect();
    assert_eq!(methods, ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]);
    let upload = &fake.accepted("upload")[0];
    assert_eq!(upload["content"], "a,b\n1,2\n");
    let complete = &fake.accepted("files.completeUploadExternal")[0];
    assert_eq!(complete["channel_id"], "C1");
    assert_eq!(complete["thread_ts"], "1700000000.000100");
}

#[tokio::test]
async fn posts_to_one_channel_are_paced_but_other_channels_are_not_held_up() {
    let fake = FakeSlack::start().await;
    let policy = ClientPolicy { channel_interval: Duration::from_millis(300), channel_burst: 1, ..quick_policy() };
    let c = client(&fake, policy);
    let started = Instant::now();
    c.post_message(&text_message("C1", "one")).await.unwrap();
    c.post_message(&text_message("C2", "other channel")).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(250), "a different channel must not wait");
    c.post_message(&text_message("C1", "two")).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(290), "same channel must wait the interval");
    assert_eq!(fake.posts_in("C1").len(), 2);
}

#[tokio::test]
async fn an_edit_is_one_chat_update_of_the_same_ts() {
    let fake = FakeSlack::start().await;
    let content = SlackMessageContent::new().with_text("edited".into());
    client(&fake, quick_policy()).update_message("C1", "1700000000.000100", &content).await.unwrap();
    let calls = fake.calls_of("chat.update");
    assert_eq!(calls.len(), 1, "Slack's answer parsed, so nothing was retried: {calls:#?}");
    assert_eq!(
        (calls[0].body["ts"].as_str(), calls[0].body["text"].as_str()),
        (Some("1700000000.000100"), Some("edited"))
    );
}

#[tokio::test]
async fn a_garbled_200_on_chat_post_message_is_not_retried_so_the_message_is_not_posted_twice() {
    let fake = FakeSlack::start().await;
    fake.fail_next("chat.postMessage", Fault::Garbled, 1);

    let err = client(&fake, quick_policy()).post_message(&text_message("C1", "once only")).await.unwrap_err();

    assert!(matches!(err, SlackError::Unreadable { .. }), "{err:?}");
    assert_eq!(fake.calls_of("chat.postMessage").len(), 1, "the call that may have posted is not sent again");
    assert_eq!(fake.posts().len(), 1, "Slack has the message exactly once");
}

#[tokio::test]
async fn a_garbled_200_on_chat_update_is_retried_because_an_edit_can_be_repeated() {
    let fake = FakeSlack::start().await;
    fake.fail_next("chat.update", Fault::Garbled, 1);
    let content = SlackMessageContent::new().with_text("edited".into());

    client(&fake, quick_policy()).update_message("C1", "1700000000.000100", &content).await.unwrap();

    let calls = fake.calls_of("chat.update");
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert!(calls.iter().all(|c| c.body["text"] == "edited" && c.body["ts"] == "1700000000.000100"));
}

#[tokio::test]
async fn a_connection_reset_after_chat_post_message_went_out_is_not_resent_but_an_edit_is() {
    let fake = FakeSlack::start().await;
    let c = client(&fake, quick_policy());
    fake.fail_next("chat.postMessage", Fault::Reset, 1);

    let err = c.post_message(&text_message("C1", "once only")).await.unwrap_err();

    assert!(matches!(err, SlackError::Unreadable { .. }), "{err:?}");
    assert_eq!(fake.calls_of("chat.postMessage").len(), 1, "the request reached Slack, so it is not sent again");
    assert_eq!(fake.posts().len(), 1);

    fake.fail_next("chat.update", Fault::Reset, 1);
    let content = SlackMessageContent::new().with_text("edited".into());
    c.update_message("C1", "1700000000.000100", &content).await.unwrap();
    assert_eq!(fake.calls_of("chat.update").len(), 2, "an edit can be repeated");
}

#[tokio::test]
async fn a_connection_that_cannot_be_made_had_no_effect_so_even_a_post_is_tried_again() {
    // A port nothing listens on: every try is refused before a byte is sent.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let policy = ClientPolicy { max_retries: 2, ..quick_policy() };
    let c = SlackWebClient::new(&format!("http://{closed}/api"), &SecretString::from(BOT_TOKEN), policy).unwrap();
    let started = Instant::now();

    let err = c.post_message(&text_message("C1", "x")).await.unwrap_err();

    assert!(matches!(err, SlackError::Transport { .. }), "{err:?}");
    assert!(err.had_no_effect());
    // Two retries with a 10 ms base back-off: the client waited between tries instead of giving up at once.
    assert!(started.elapsed() >= Duration::from_millis(20), "{:?}", started.elapsed());
}

#[tokio::test]
async fn an_ephemeral_refused_with_internal_error_is_not_resent_but_a_429_is() {
    let fake = FakeSlack::start().await;
    let c = client(&fake, quick_policy());
    let content = SlackMessageContent::new().with_text("only you".into());

    fake.fail_next("chat.postEphemeral", Fault::Api("internal_error"), 1);
    let err = c.post_ephemeral("C1", "U1", &content).await.unwrap_err();
    assert_eq!(err, SlackError::Api { code: "internal_error".into() });
    assert_eq!(fake.calls_of("chat.postEphemeral").len(), 1, "Slack says it may have partly happened");

    fake.fail_next("chat.postEphemeral", Fault::RateLimited(0), 1);
    c.post_ephemeral("C1", "U1", &content).await.unwrap();
    assert_eq!(fake.calls_of("chat.postEphemeral").len(), 3, "a 429 had no effect and is tried again");
    assert_eq!(fake.ephemerals().len(), 1);
}

#[tokio::test]
async fn a_retry_after_longer_than_the_policy_allows_fails_the_call_at_once() {
    let fake = FakeSlack::start().await;
    fake.fail_next("chat.postMessage", Fault::RateLimited(120), 1);
    let started = Instant::now();

    let err = client(&fake, quick_policy()).post_message(&text_message("C1", "x")).await.unwrap_err();

    assert_eq!(err, SlackError::RateLimited { retry_after: Some(Duration::from_secs(120)) });
    assert!(started.elapsed() < Duration::from_secs(2), "did not wait");
    assert_eq!(fake.calls_of("chat.postMessage").len(), 1);
}

#[tokio::test]
async fn a_hung_call_is_abandoned_after_the_request_timeout_and_only_an_edit_is_sent_again() {
    let fake = FakeSlack::start().await;
    let policy = ClientPolicy { request_timeout: Duration::from_millis(300), ..quick_policy() };
    let c = client(&fake, policy);
    fake.fail_next("chat.postMessage", Fault::Slow(Duration::from_secs(5)), 1);
    fake.fail_next("chat.update", Fault::Slow(Duration::from_secs(5)), 1);

    let started = Instant::now();
    let err = c.post_message(&text_message("C1", "slow")).await.unwrap_err();
    assert!(matches!(err, SlackError::Unreadable { ref message } if message.contains("no answer")), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "the post did not wait for the hung answer");
    assert_eq!(fake.calls_of("chat.postMessage").len(), 1, "a post that may have landed is not sent again");

    let content = SlackMessageContent::new().with_text("edit".into());
    c.update_message("C1", "1700000000.000100", &content).await.unwrap();
    assert_eq!(fake.calls_of("chat.update").len(), 2, "the hung edit was abandoned and sent again");
}
