//! The change-feed worker's production path on tokio's paused clock: `Worker::run` holding digests for 300 s,
//! red events at once, held messages kept hidden, the flush at shutdown, crashes around the post, red-channel copies
//! and channels Slack refuses for good. Queue and Slack are in-process doubles on the same clock.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asklake::alerts::group::Routing;
use asklake::alerts::queue::AlertQueue;
use asklake::alerts::render::Renderer;
use asklake::alerts::rules::Rules;
use asklake::alerts::worker::{Worker, WorkerSettings};
use asklake::config::{AccountRoute, AlertsConfig};
use asklake::slack::api::{OutgoingMessage, PostedMessage, SlackApi, SlackError};
use asklake::slack::memory::MemorySlack;
use asklake::store::Store;
use asklake::templates::Templates;
use serde_json::json;
use slack_morphism::prelude::SlackMessageContent;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::support::crash::HangOnDelete;
use crate::support::memory_queue::MemoryQueue;

const A0: &str = "111111111111";
const A1: &str = "222222222222";
const VIS: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_secs(2);
const DIGEST: Duration = Duration::from_secs(300);

fn alerts_config() -> AlertsConfig {
    let mut cfg =
        AlertsConfig { default_channel: "C_ADMIN".into(), red_channel: "C_SECURITY".into(), ..Default::default() };
    for (i, id) in [A0, A1].iter().enumerate() {
        cfg.accounts.push(AccountRoute { id: (*id).into(), name: format!("acct-{i}"), channel: format!("C_ACCT{i}") });
    }
    cfg
}

/// A yellow (digest) event: a Terraform CreateRole naming role `role-<id>`.
fn digest_event(id: &str, account: &str) -> String {
    json!({"detail-type": "AWS API Call via CloudTrail", "account": account,
        "detail": {"eventID": id, "eventName": "CreateRole", "eventSource": "iam.amazonaws.com",
            "eventTime": "2026-11-22T05:00:00Z", "awsRegion": "us-east-1", "recipientAccountId": account,
            "userAgent": "APN/1.0 HashiCorp/1.0 Terraform/1.9.0",
            "userIdentity": {"type": "AssumedRole", "arn": format!("arn:aws:sts::{account}:assumed-role/deployer/tf")},
            "requestParameters": {"roleName": format!("role-{id}")}}})
    .to_string()
}

/// A red event: StopLogging from the CLI, naming trail `trail-<id>`.
fn red_event(id: &str, account: &str) -> String {
    json!({"detail-type": "AWS API Call via CloudTrail", "account": account,
        "detail": {"eventID": id, "eventName": "StopLogging", "eventSource": "cloudtrail.amazonaws.com",
            "eventTime": "2026-11-22T05:00:00Z", "awsRegion": "us-east-1", "recipientAccountId": account,
            "userAgent": "aws-cli/2.15.0",
            "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::{account}:user/mallory")},
            "requestParameters": {"name": format!("trail-{id}")}}})
    .to_string()
}

/// The in-memory Slack with channels that refuse posts (by error code), transient failures, and a switch that
/// makes an accepted post never answer (a crash after Slack took it). Every attempt is recorded with its time.
#[derive(Default)]
struct Slack {
    inner: MemorySlack,
    refused: Mutex<HashMap<String, &'static str>>,
    flaky: Mutex<HashMap<String, usize>>,
    hang_after_post: AtomicBool,
    attempts: Mutex<Vec<(String, Instant)>>,
}

impl Slack {
    fn refuse(&self, channel: &str, code: &'static str) {
        self.refused.lock().unwrap().insert(channel.into(), code);
    }
    fn accept(&self, channel: &str) {
        self.refused.lock().unwrap().remove(channel);
    }
    fn fail_next(&self, channel: &str, times: usize) {
        self.flaky.lock().unwrap().insert(channel.into(), times);
    }
    fn attempts_in(&self, channel: &str) -> usize {
        self.attempts.lock().unwrap().iter().filter(|(c, _)| c == channel).count()
    }
    /// Texts of accepted posts in `channel` (JSON of the content), in order.
    fn posted_in(&self, channel: &str) -> Vec<String> {
        self.inner
            .posts()
            .into_iter()
            .filter(|(m, _)| m.channel == channel)
            .map(|(m, _)| serde_json::to_string(&m.content).unwrap())
            .collect()
    }
    /// How many accepted posts, anywhere, mention `needle`.
    fn sightings(&self, needle: &str) -> usize {
        self.inner.posts().iter().filter(|(m, _)| serde_json::to_string(&m.content).unwrap().contains(needle)).count()
    }
}

#[async_trait::async_trait]
impl SlackApi for Slack {
    async fn post_message(&self, msg: &OutgoingMessage) -> Result<PostedMessage, SlackError> {
        self.attempts.lock().unwrap().push((msg.channel.clone(), Instant::now()));
        if let Some(code) = self.refused.lock().unwrap().get(&msg.channel) {
            return Err(SlackError::Api { code: (*code).into() });
        }
        if let Some(n) = self.flaky.lock().unwrap().get_mut(&msg.channel).filter(|n| **n > 0) {
            *n -= 1;
            return Err(SlackError::Transport { message: "connection refused".into() });
        }
        let posted = self.inner.post_message(msg).await?;
        if self.hang_after_post.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        Ok(posted)
    }
    async fn update_message(&self, channel: &str, ts: &str, content: &SlackMessageContent) -> Result<(), SlackError> {
        self.inner.update_message(channel, ts, content).await
    }
    async fn post_ephemeral(&self, channel: &str, user: &str, content: &SlackMessageContent) -> Result<(), SlackError> {
        self.inner.post_ephemeral(channel, user, content).await
    }
    async fn upload_file(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        filename: &str,
        title: &str,
        bytes: Vec<u8>,
    ) -> Result<(), SlackError> {
        self.inner.upload_file(channel, thread_ts, filename, title, bytes).await
    }
}

fn worker(queue: Arc<dyn AlertQueue>, slack: Arc<dyn SlackApi>, store: Store) -> Arc<Worker> {
    let settings = WorkerSettings { visibility: VIS, ..WorkerSettings::default() };
    Arc::new(Worker::new(
        queue,
        slack,
        store,
        Rules::defaults(),
        Routing::from_config(&alerts_config()),
        Renderer::new(Templates::embedded(), chrono_tz::Asia::Seoul, "en"),
        None,
        settings,
    ))
}

/// Runs `worker.run` (2 s polls, 300 s digest) in a task until the token is cancelled.
fn spawn_run(w: &Arc<Worker>) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let stop = CancellationToken::new();
    let (w, s) = (w.clone(), stop.clone());
    (stop, tokio::spawn(async move { w.run(POLL, DIGEST, s.cancelled_owned()).await }))
}

#[tokio::test(start_paused = true)]
async fn run_holds_digest_events_until_the_300_s_digest_posts_red_at_once_and_keeps_held_messages_hidden() {
    let queue = Arc::new(MemoryQueue::new(VIS));
    queue.push(&[digest_event("y1", A0), digest_event("y2", A1), red_event("r1", A0)]);
    let slack = Arc::new(Slack::default());
    let w = worker(queue.clone(), slack.clone(), Store::in_memory().unwrap());

    let (stop, task) = spawn_run(&w);
    tokio::time::sleep(Duration::from_secs(5)).await;

    assert_eq!(slack.posted_in("C_ACCT0").len(), 1, "the red event went out at once");
    assert!(slack.posted_in("C_ACCT0")[0].contains("trail-r1"));
    assert_eq!(slack.posted_in("C_SECURITY").len(), 1, "with its red-channel copy");
    assert_eq!((slack.sightings("role-y1"), slack.sightings("role-y2")), (0, 0), "digest events are held");
    assert_eq!(queue.len(), 2, "the red message is deleted, the held ones are not");

    tokio::time::sleep(Duration::from_secs(290)).await;
    assert_eq!((slack.sightings("role-y1"), slack.sightings("role-y2")), (0, 0), "still held at 295 s");
    let extends_while_held = queue.extend_calls();

    tokio::time::sleep(Duration::from_secs(10)).await;

    assert_eq!((slack.sightings("role-y1"), slack.sightings("role-y2")), (1, 1), "the digest went out at 300 s");
    assert_eq!(slack.posted_in("C_ACCT1").len(), 1);
    assert_eq!(queue.len(), 0);
    // 295 s held with a 120 s visibility: extended before each half-life ran out, not on every 2 s poll.
    assert!((4..=10).contains(&extends_while_held), "{extends_while_held} extensions");
    assert_eq!(queue.extended_late(), 0, "no held message ever became visible again");
    assert!(queue.receives_per_message().values().all(|&n| n == 1), "{:?}", queue.receives_per_message());
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn stopping_the_worker_posts_the_held_digest_and_deletes_its_messages() {
    let queue = Arc::new(MemoryQueue::new(VIS));
    queue.push(&[digest_event("y1", A0), digest_event("y2", A0)]);
    let slack = Arc::new(Slack::default());
    let w = worker(queue.clone(), slack.clone(), Store::in_memory().unwrap());
    let (stop, task) = spawn_run(&w);
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(slack.sightings("role-y1"), 0, "held before the stop");

    stop.cancel();
    task.await.unwrap();

    assert_eq!(slack.posted_in("C_ACCT0").len(), 1, "one digest with both events");
    assert_eq!((slack.sightings("role-y1"), slack.sightings("role-y2")), (1, 1));
    assert_eq!((queue.len(), queue.deleted()), (0, 2));
}

#[tokio::test(start_paused = true)]
async fn a_crash_after_the_post_was_recorded_and_before_the_delete_is_deduplicated_on_restart() {
    let queue = Arc::new(MemoryQueue::new(VIS));
    queue.push(&[red_event("r1", A0), digest_event("y1", A1)]);
    let slack = Arc::new(Slack::default());
    let store = Store::in_memory().unwrap();
    let doomed = worker(Arc::new(HangOnDelete(queue.clone())), slack.clone(), store.clone());
    assert!(tokio::time::timeout(Duration::from_secs(10), doomed.drain_once()).await.is_err(), "hangs on delete");
    drop(doomed);
    let posts_before = slack.inner.posts().len();
    assert_eq!(posts_before, 3, "red, its copy, and the digest");

    tokio::time::sleep(VIS).await;
    let restarted = worker(queue.clone(), slack.clone(), store);
    let out = restarted.drain_once().await.unwrap();

    assert_eq!((out.received, out.duplicates, out.deleted), (2, 2, 2), "{out:?}");
    assert_eq!(slack.inner.posts().len(), posts_before, "nothing posted twice");
    assert_eq!(queue.len(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_crash_between_slack_accepting_and_the_record_posts_again_at_least_once_never_zero_times() {
    let queue = Arc::new(MemoryQueue::new(VIS));
    queue.push(&[digest_event("y1", A0)]);
    let slack = Arc::new(Slack::default());
    let store = Store::in_memory().unwrap();
    slack.hang_after_post.store(true, Ordering::SeqCst);
    let doomed = worker(queue.clone(), slack.clone(), store.clone());
    assert!(tokio::time::timeout(Duration::from_secs(10), doomed.drain_once()).await.is_err());
    drop(doomed);
    assert_eq!(slack.sightings("role-y1"), 1, "Slack took the post; the worker died before recording it");

    slack.hang_after_post.store(false, Ordering::SeqCst);
    tokio::time::sleep(VIS).await;
    let out = worker(queue.clone(), slack.clone(), store).drain_once().await.unwrap();

    // The guarantee is at least once: the window between Slack's answer and the eventID's record repeats a post.
    assert_eq!((out.alerted, out.duplicates), (1, 0), "{out:?}");
    assert_eq!(slack.sightings("role-y1"), 2);
    assert_eq!(queue.len(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_message_is_deleted_only_after_the_red_channel_copy_landed_too() {
    let queue = Arc::new(MemoryQueue::new(VIS));
    queue.push(&[red_event("r1", A0)]);
    let slack = Arc::new(Slack::default());
    slack.fail_next("C_SECURITY", 1);
    let w = worker(queue.clone(), slack.clone(), Store::in_memory().unwrap());

    let first = w.drain_once().await.unwrap();

    assert_eq!((first.alerted, first.deleted, first.released), (1, 0, 1), "{first:?}");
    assert_eq!((slack.posted_in("C_ACCT0").len(), slack.posted_in("C_SECURITY").len()), (1, 0));
    assert_eq!(queue.len(), 1, "kept until the copy lands");

    let second = w.drain_once().await.unwrap();

    assert_eq!((second.deleted, second.alerted), (1, 0), "{second:?}");
    assert_eq!(slack.posted_in("C_ACCT0").len(), 1, "the account post is not repeated");
    assert_eq!(slack.posted_in("C_SECURITY").len(), 1);
    assert!(slack.posted_in("C_SECURITY")[0].contains("trail-r1"));
    assert_eq!(queue.len(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_refused_red_channel_keeps_the_message_and_tells_the_admin_without_reposting_the_account_message() {
    let queue = Arc::new(MemoryQueue::new(VIS));
    queue.push(&[red_event("r1", A0)]);
    let slack = Arc::new(Slack::default());
    slack.refuse("C_SECURITY", "is_archived");
    let w = worker(queue.clone(), slack.clone(), Store::in_memory().unwrap());

    let out = w.drain_once().await.unwrap();

    assert_eq!((out.alerted, out.deleted, out.parked), (1, 0, 1), "{out:?}");
    let notices = slack.posted_in("C_ADMIN");
    assert_eq!(notices.len(), 1);
    assert!(notices[0].contains("C_SECURITY") && notices[0].contains("archived"), "{}", notices[0]);
    assert!(queue.longest_extend() >= Duration::from_secs(899), "put off for the park: {:?}", queue.longest_extend());

    slack.accept("C_SECURITY");
    tokio::time::sleep(Duration::from_secs(901)).await;
    let later = w.drain_once().await.unwrap();

    assert_eq!(later.deleted, 1, "{later:?}");
    assert_eq!((slack.posted_in("C_ACCT0").len(), slack.posted_in("C_SECURITY").len()), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_channel_slack_refuses_for_good_is_tried_a_few_times_in_three_hours_and_the_admin_is_told_once() {
    let queue = Arc::new(MemoryQueue::new(VIS));
    queue.push(&[red_event("r1", A0), digest_event("y1", A0), digest_event("y2", A1)]);
    let slack = Arc::new(Slack::default());
    slack.refuse("C_ACCT0", "not_in_channel");
    let w = worker(queue.clone(), slack.clone(), Store::in_memory().unwrap());
    let started = Instant::now();
    let (stop, task) = spawn_run(&w);

    tokio::time::sleep(Duration::from_secs(3 * 3600)).await;

    // Retries at 0, 15, 45, 105 and 165 min: the wait doubles from 15 min up to the 1 h cap; not every 2 s poll.
    let attempts = slack.attempts_in("C_ACCT0");
    assert!((3..=6).contains(&attempts), "{attempts} attempts in 3 h");
    let notices = slack.posted_in("C_ADMIN");
    assert_eq!(notices.len(), 1, "told once: {notices:?}");
    assert!(notices[0].contains("/invite @asklake") && notices[0].contains("C_ACCT0"), "{}", notices[0]);
    assert_eq!(slack.sightings("trail-r1"), 1, "the red copy reached the security channel at once, once");
    assert_eq!(slack.sightings("role-y2"), 1, "other accounts' alerts are not held up");
    assert_eq!(queue.len(), 2, "the refused channel's messages are kept, not deleted");
    assert!(
        queue.receive_times(1, started).len() <= attempts + 1,
        "put off between retries, not re-received each poll"
    );

    slack.accept("C_ACCT0");
    tokio::time::sleep(Duration::from_secs(3600 + 300)).await;

    assert_eq!(slack.posted_in("C_ACCT0").len(), 2, "the red event and the digest, once each, after the fix");
    assert_eq!((slack.sightings("trail-r1"), slack.sightings("role-y1")), (2, 1), "red: account post + copy");
    assert_eq!(queue.len(), 0);
    assert_eq!(slack.posted_in("C_ADMIN").len(), 1, "no further notice");
    stop.cancel();
    task.await.unwrap();
}
