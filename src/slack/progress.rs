//! The status message in an answer's thread: pipeline progress coalesced into at most one `chat.update` per
//! interval, so a fast pipeline never trips Slack's rate limits and a slow one still shows where it is.
//!
//! One task owns every edit of the status message, the final one included, so edits land in order by
//! construction and nobody waits for an edit: the answer is posted while the final edit is still on its way.

use std::time::Duration;

use slack_morphism::prelude::SlackMessageContent;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use super::render::{self, Lang};
use crate::pipeline::{Progress, ProgressSink};
use crate::state::AppState;

/// Receives progress from the pipeline without waiting on Slack.
#[derive(Debug)]
pub struct StatusSink {
    tx: watch::Sender<Option<Progress>>,
}

#[async_trait::async_trait]
impl ProgressSink for StatusSink {
    async fn update(&self, progress: Progress) {
        self.tx.send_replace(Some(progress));
    }
}

/// Progress reported so far, waiting for a status message to show it in.
#[derive(Debug)]
pub struct StatusFeed {
    rx: watch::Receiver<Option<Progress>>,
}

/// A sink for the pipeline and the feed an updater reads it from; the pipeline may start before the status
/// message exists (the latest progress is kept).
pub fn channel() -> (StatusSink, StatusFeed) {
    let (tx, rx) = watch::channel(None::<Progress>);
    (StatusSink { tx }, StatusFeed { rx })
}

/// The task that edits the status message; [`StatusUpdater::finish`] hands it the final edit.
#[derive(Debug)]
pub struct StatusUpdater {
    done: oneshot::Sender<SlackMessageContent>,
    handle: JoinHandle<()>,
}

impl StatusUpdater {
    /// Makes `last` the final edit, after any edit in progress; await the handle to know it was sent.
    pub fn finish(self, last: SlackMessageContent) -> JoinHandle<()> {
        // The task only ends after receiving this or when its sender is dropped, so the send cannot be lost.
        let _ = self.done.send(last);
        self.handle
    }
}

impl StatusFeed {
    /// Starts editing the message `ts` in `channel` as progress arrives, at most once per `app.status_interval`.
    pub fn start(self, app: &AppState, channel: &str, ts: &str, lang: Lang) -> StatusUpdater {
        let (done, mut finished) = oneshot::channel::<SlackMessageContent>();
        let (app, channel, ts, interval) = (app.clone(), channel.to_owned(), ts.to_owned(), app.status_interval);
        let mut rx = self.rx;
        let handle = tokio::spawn(async move {
            // Progress sent before the status message existed is shown at once.
            if rx.borrow().is_some() {
                rx.mark_changed();
            }
            let last = loop {
                tokio::select! {
                    last = &mut finished => break last.ok(),
                    changed = rx.changed() => if changed.is_err() { break (&mut finished).await.ok() },
                }
                let latest = rx.borrow_and_update().clone();
                if let Some(progress) = latest {
                    edit(&app, &channel, &ts, &progress_content(&app, &progress, lang)).await;
                }
                tokio::select! {
                    last = &mut finished => break last.ok(),
                    _ = tokio::time::sleep(interval) => {}
                }
            };
            if let Some(last) = last {
                edit(&app, &channel, &ts, &Some(last)).await;
            }
        });
        StatusUpdater { done, handle }
    }
}

fn progress_content(app: &AppState, progress: &Progress, lang: Lang) -> Option<SlackMessageContent> {
    let text = render::progress_text(progress, lang);
    render::status(&app.templates, "⏳", &text)
        .map_err(|err| tracing::error!(error = %err, "could not render a status message"))
        .ok()
}

async fn edit(app: &AppState, channel: &str, ts: &str, content: &Option<SlackMessageContent>) {
    let Some(content) = content else { return };
    // Edits are best effort: the client's own retries only, the next edit or the final one will catch up.
    if let Err(err) = app.slack.update_message(channel, ts, content).await {
        tracing::warn!(error = %err, "could not update the status message");
    }
}

/// The default interval between status edits (the client also paces `chat.update` to Slack's per-method limit).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);
