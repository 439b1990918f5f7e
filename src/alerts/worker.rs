//! The drain worker: receive → parse → dedupe → rules → group → render → post → mark seen → delete.
//!
//! Logic is apart from wiring: [`Worker::drain_once`] drains what is queued now and returns a [`DrainOutcome`].
//! A queue message is deleted only when every event it carries was posted (or is a duplicate / ignored).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tracing::{info, warn};

use super::classify::classify;
use super::envelope::parse_body;
use super::group::{AccountGroup, Alerted, Routing, group};
use super::narrative::{Narrator, narrative};
use super::queue::{AlertQueue, QueueError, QueueMessage};
use super::render::{MessageKind, RenderedGroup, Renderer};
use super::rules::{Rules, Severity, Verdict};
use crate::slack::api::{OutgoingMessage, SlackApi};
use crate::store::Store;

/// Namespace of CloudTrail eventIDs in the seen-ids table.
pub const SEEN_NAMESPACE: &str = "cloudtrail";

/// Worker knobs.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Concurrent receive calls per round.
    pub receivers: usize,
    /// Receives after which an unparseable message is deleted (0 = leave it for the DLQ).
    pub max_receives: u32,
    /// Visibility timeout; held messages are extended every half of it.
    pub visibility: Duration,
    /// Most messages taken in one drain.
    pub max_messages: usize,
    /// `en` or `ko`.
    pub language: String,
    /// Longest time one step keeps receiving before it posts, so a steady trickle cannot hold red events back.
    pub receive_budget: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            receivers: 2,
            max_receives: 5,
            visibility: Duration::from_secs(120),
            max_messages: 20_000,
            language: "en".into(),
            receive_budget: Duration::from_secs(5),
        }
    }
}

/// What one drain did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrainOutcome {
    /// Queue messages received.
    pub received: usize,
    /// CloudTrail events parsed from them.
    pub parsed: usize,
    /// Events dropped by ignore rules.
    pub ignored: usize,
    /// Events not on the watch list.
    pub unwatched: usize,
    /// Events already posted earlier (or twice in this batch).
    pub duplicates: usize,
    /// Events posted to Slack.
    pub alerted: usize,
    /// Unparseable messages deleted after `max_receives`.
    pub poisoned: usize,
    /// Unparseable messages left for a later receive (or the DLQ).
    pub unparseable: usize,
    /// Slack messages posted (parents, copies and thread replies).
    pub posts: usize,
    /// Slack posts that failed (after the client's retries).
    pub failed_posts: usize,
    /// Queue messages deleted.
    pub deleted: usize,
    /// Queue messages given back to the queue.
    pub released: usize,
}

/// The change-feed worker.
pub struct Worker {
    queue: Arc<dyn AlertQueue>,
    slack: Arc<dyn SlackApi>,
    store: Store,
    rules: Rules,
    routing: Routing,
    renderer: Renderer,
    narrator: Option<Arc<dyn Narrator>>,
    settings: WorkerSettings,
    held: tokio::sync::Mutex<Batch>,
}

impl Batch {
    fn absorb(&mut self, other: Batch) {
        self.msgs.extend(other.msgs);
        self.waiting.extend(other.waiting);
        // A redelivered copy of a message whose event is still held must not be posted twice.
        let known: HashSet<String> = self.events.iter().map(|e| e.event.id.clone()).collect();
        self.events.extend(other.events.into_iter().filter(|e| !known.contains(&e.event.id)));
        self.poison.extend(other.poison);
        self.retry_later.extend(other.retry_later);
    }
}

#[derive(Default)]
struct Batch {
    msgs: Vec<QueueMessage>,
    /// Per message: eventIDs still to post.
    waiting: Vec<HashSet<String>>,
    events: Vec<Alerted>,
    poison: Vec<QueueMessage>,
    retry_later: Vec<QueueMessage>,
}

impl Worker {
    /// Builds a worker from its parts. `slack` is the one layer that retries and paces posts (the production
    /// [`SlackWebClient`](crate::slack::client::SlackWebClient)); the worker posts each message once and gives its
    /// queue messages back when a post fails.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        queue: Arc<dyn AlertQueue>,
        slack: Arc<dyn SlackApi>,
        store: Store,
        rules: Rules,
        routing: Routing,
        renderer: Renderer,
        narrator: Option<Arc<dyn Narrator>>,
        settings: WorkerSettings,
    ) -> Self {
        Self { queue, slack, store, rules, routing, renderer, narrator, settings, held: Default::default() }
    }

    /// Drains what is queued now: red events immediately, then one digest per account; deletes what was posted.
    pub async fn drain_once(&self) -> anyhow::Result<DrainOutcome> {
        self.drain(true, None).await
    }

    /// One polling step: receive what is queued, post red events now; when `flush`, post the held digests too.
    /// Without `flush`, messages of non-red events stay held (invisible, extended) until a flushing step.
    /// A step stops receiving after [`WorkerSettings::receive_budget`] and posts what it has.
    pub async fn step(&self, flush: bool) -> anyhow::Result<DrainOutcome> {
        self.drain(flush, Some(self.settings.receive_budget)).await
    }

    async fn drain(&self, flush: bool, budget: Option<Duration>) -> anyhow::Result<DrainOutcome> {
        let mut out = DrainOutcome::default();
        let msgs = self.receive_all(budget).await?;
        out.received = msgs.len();
        let fresh = self.prepare(msgs, &mut out)?;
        let mut held = self.held.lock().await;
        held.absorb(fresh);
        let in_flight = held.msgs.clone();
        let events = std::mem::take(&mut held.events);
        let (now, later): (Vec<_>, Vec<_>) = events.into_iter().partition(|e| flush || e.severity == Severity::Red);
        let posted = tokio::select! {
            posted = self.post_all(now.clone(), &mut out) => posted,
            _ = heartbeat(self.queue.clone(), in_flight, self.settings.visibility) => unreachable!("heartbeat never ends"),
        };
        held.events = if flush {
            Vec::new()
        } else {
            later.into_iter().chain(now.into_iter().filter(|e| !posted.contains(&e.event.id))).collect()
        };
        self.settle(&mut held, &posted, flush, &mut out).await;
        info!(?out, flush, "alert drain step finished");
        Ok(out)
    }

    async fn receive_all(&self, budget: Option<Duration>) -> anyhow::Result<Vec<QueueMessage>> {
        let mut all = Vec::new();
        let started = tokio::time::Instant::now();
        while all.len() < self.settings.max_messages && budget.is_none_or(|b| started.elapsed() < b) {
            let rounds = (0..self.settings.receivers.max(1)).map(|_| self.queue.receive(10));
            let mut got = 0;
            for r in futures::future::join_all(rounds).await {
                let msgs = r?;
                got += msgs.len();
                all.extend(msgs);
            }
            if got == 0 {
                break;
            }
        }
        Ok(all)
    }

    fn prepare(&self, msgs: Vec<QueueMessage>, out: &mut DrainOutcome) -> anyhow::Result<Batch> {
        let mut batch = Batch::default();
        let mut in_batch: HashSet<String> = HashSet::new();
        for m in msgs {
            let events = match parse_body(&m.body) {
                Ok(ev) => ev,
                Err(e) => {
                    let give_up = self.settings.max_receives > 0 && m.receive_count >= self.settings.max_receives;
                    warn!(message_id = %m.id, receive_count = m.receive_count, error = %e, give_up, "unparseable alert message");
                    if give_up {
                        batch.poison.push(m)
                    } else {
                        batch.retry_later.push(m)
                    }
                    continue;
                }
            };
            out.parsed += events.len();
            let mut waiting = HashSet::new();
            for ev in events {
                if self.store.is_seen(SEEN_NAMESPACE, &ev.id)? {
                    out.duplicates += 1;
                    continue;
                }
                let actor = classify(&ev);
                match self.rules.evaluate(&ev, &actor) {
                    Verdict::Ignored => out.ignored += 1,
                    Verdict::Unwatched => out.unwatched += 1,
                    Verdict::Alert { severity, reasons } => {
                        waiting.insert(ev.id.clone());
                        if in_batch.insert(ev.id.clone()) {
                            batch.events.push(Alerted { event: ev, actor, severity, reasons });
                        } else {
                            out.duplicates += 1;
                        }
                    }
                }
            }
            batch.msgs.push(m);
            batch.waiting.push(waiting);
        }
        Ok(batch)
    }

    /// Posts red events immediately, then the digests; returns the eventIDs Slack accepted.
    async fn post_all(&self, events: Vec<Alerted>, out: &mut DrainOutcome) -> HashSet<String> {
        let (red, rest): (Vec<_>, Vec<_>) = events.into_iter().partition(|e| e.severity == Severity::Red);
        let mut posted = HashSet::new();
        for g in group(red, &self.routing) {
            self.post_group(&g, MessageKind::Immediate, &mut posted, out).await;
        }
        for g in group(rest, &self.routing) {
            self.post_group(&g, MessageKind::Digest, &mut posted, out).await;
        }
        posted
    }

    async fn post_group(
        &self,
        g: &AccountGroup,
        kind: MessageKind,
        posted: &mut HashSet<String>,
        out: &mut DrainOutcome,
    ) {
        if g.route.channel.is_empty() {
            warn!(account = %g.account, "no Slack channel for this account: set [alerts] default_channel or the account's channel");
            out.failed_posts += 1;
            return;
        }
        let story = narrative(g, self.narrator.as_deref(), &self.settings.language).await;
        let rendered: RenderedGroup = match self.renderer.render(g, kind, Some(&story)) {
            Ok(r) => r,
            Err(e) => {
                warn!(account = %g.account, error = %e, "could not render alert");
                out.failed_posts += 1;
                return;
            }
        };
        let parent_msg = OutgoingMessage {
            channel: g.route.channel.clone(),
            thread_ts: None,
            content: rendered.parent.content.clone(),
        };
        let parent = match self.slack.post_message(&parent_msg).await {
            Ok(p) => p,
            Err(e) => {
                warn!(account = %g.account, error = %e, "alert not posted; its messages go back to the queue");
                out.failed_posts += 1;
                return;
            }
        };
        out.posts += 1;
        self.mark(&rendered.parent.event_ids, posted, out);
        let red_copy =
            g.worst() == Severity::Red && !g.route.red_channel.is_empty() && g.route.red_channel != g.route.channel;
        if red_copy {
            let copy = OutgoingMessage { channel: g.route.red_channel.clone(), ..parent_msg };
            match self.slack.post_message(&copy).await {
                Ok(_) => out.posts += 1,
                Err(e) => warn!(error = %e, "copy to the red channel failed"),
            }
        }
        for reply in rendered.thread {
            let msg = OutgoingMessage {
                channel: parent.channel.clone(),
                thread_ts: Some(parent.ts.clone()),
                content: reply.content,
            };
            match self.slack.post_message(&msg).await {
                Ok(_) => {
                    out.posts += 1;
                    self.mark(&reply.event_ids, posted, out);
                }
                Err(e) => {
                    warn!(account = %g.account, error = %e, "thread reply not posted; its events will be posted again");
                    out.failed_posts += 1;
                    break;
                }
            }
        }
    }

    fn mark(&self, ids: &[String], posted: &mut HashSet<String>, out: &mut DrainOutcome) {
        for id in ids {
            if let Err(e) = self.store.mark_seen(SEEN_NAMESPACE, id) {
                warn!(error = %format!("{e:#}"), "could not record a posted eventID");
            }
            posted.insert(id.clone());
        }
        out.alerted += ids.len();
    }

    /// Deletes finished and poison messages, releases unparseable ones; on `flush` releases what failed,
    /// otherwise keeps unfinished messages held and extends their visibility.
    async fn settle(&self, held: &mut Batch, posted: &HashSet<String>, flush: bool, out: &mut DrainOutcome) {
        let mut done = std::mem::take(&mut held.poison);
        out.poisoned = done.len();
        out.unparseable = held.retry_later.len();
        let mut back = std::mem::take(&mut held.retry_later);
        let mut keep = Batch::default();
        for (m, mut waiting) in held.msgs.drain(..).zip(held.waiting.drain(..)) {
            waiting.retain(|id| !posted.contains(id));
            if waiting.is_empty() {
                done.push(m);
            } else if flush {
                back.push(m);
            } else {
                keep.msgs.push(m);
                keep.waiting.push(waiting);
            }
        }
        match self.queue.delete(&done).await {
            Ok(n) => out.deleted += n,
            Err(e @ QueueError::PartialDelete { deleted, .. }) => {
                out.deleted += deleted;
                warn!(error = %e, "some queue deletes failed; those messages will be redelivered and skipped as duplicates")
            }
            Err(e) => {
                warn!(error = %e, "some queue deletes failed; those messages will be redelivered and skipped as duplicates")
            }
        }
        match self.queue.release(&back).await {
            Ok(()) => out.released += back.len(),
            Err(e) => warn!(error = %e, "could not release messages; they reappear after the visibility timeout"),
        }
        if !keep.msgs.is_empty()
            && let Err(e) = self.queue.extend(&keep.msgs, self.settings.visibility).await
        {
            warn!(error = %e, "could not extend held messages");
        }
        held.msgs = keep.msgs;
        held.waiting = keep.waiting;
    }

    /// Runs until `shutdown` resolves: polls every `poll` (red events go out at once) and posts digests every
    /// `digest`. Held messages are released on shutdown.
    pub async fn run(&self, poll: Duration, digest: Duration, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let poll = poll.clamp(Duration::from_secs(1), (self.settings.visibility / 3).max(Duration::from_secs(1)));
        let mut tick = tokio::time::interval(poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut next_digest = tokio::time::Instant::now() + digest;
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tick.tick() => {
                    let flush = tokio::time::Instant::now() >= next_digest;
                    if flush {
                        next_digest += digest.max(Duration::from_secs(1));
                    }
                    if let Err(e) = self.step(flush).await {
                        warn!(error = %format!("{e:#}"), "alert drain failed");
                    }
                }
            }
        }
        let mut held = self.held.lock().await;
        if let Err(e) = self.queue.release(&held.msgs).await {
            warn!(error = %e, "could not release held messages on shutdown");
        }
        *held = Batch::default();
    }
}
async fn heartbeat(queue: Arc<dyn AlertQueue>, msgs: Vec<QueueMessage>, visibility: Duration) {
    let every = (visibility / 2).max(Duration::from_millis(500));
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = queue.extend(&msgs, visibility).await {
            warn!(error = %e, "could not extend visibility of in-flight messages");
        }
    }
}
