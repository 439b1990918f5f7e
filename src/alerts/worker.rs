//! The drain worker: receive → parse → dedupe → rules → group → render → post → mark seen → delete.
//!
//! Logic is apart from wiring: [`Worker::drain_once`] drains what is queued now and returns a [`DrainOutcome`].
//! A queue message is deleted only when every event it carries landed everywhere it is owed (its account channel,
//! and the red channel for a red event), or was a duplicate or ignored. A message asklake cannot fully handle (not
//! readable, or with a record that is not) is never deleted: it is left to the queue's redrive policy (the SQS
//! dead-letter queue, or the embedded queue's dead-letter table). Posting is at least once: a crash after Slack
//! accepted a post and before its eventID was recorded posts it again; after that point, never.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tracing::{info, warn};

use super::batch::{Batch, Held, Owed};
use super::envelope::parse_message_at;
use super::group::{Alerted, Routing};
use super::narrative::Narrator;
use super::park::{ParkPolicy, Parks};
use super::queue::{AlertQueue, QueueMessage};
use super::render::Renderer;
use super::rules::{Rules, Severity, Verdict};
use crate::ha::{Claims, LocalClaims};
use crate::slack::api::SlackApi;
use crate::store::Store;

/// Namespace of CloudTrail eventIDs posted to their account channel, in the seen-ids table.
pub const SEEN_NAMESPACE: &str = "cloudtrail";
/// Namespace of red eventIDs whose copy landed in `[alerts] red_channel`.
pub const RED_NAMESPACE: &str = "cloudtrail-red";

/// Worker knobs.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Concurrent receive calls per round.
    pub receivers: usize,
    /// Visibility timeout; held messages are extended before half of it is left.
    pub visibility: Duration,
    /// Most messages taken in one drain.
    pub max_messages: usize,
    /// `en` or `ko`.
    pub language: String,
    /// Longest time one step keeps receiving before it posts, so a steady trickle cannot hold red events back.
    pub receive_budget: Duration,
    /// Retry schedule of channels Slack refuses for good.
    pub park: ParkPolicy,
    /// Longest time the held digests get to go out when the worker stops; what is left goes back to the queue.
    pub shutdown_flush: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            receivers: 2,
            visibility: Duration::from_secs(120),
            max_messages: 20_000,
            language: "en".into(),
            receive_budget: Duration::from_secs(5),
            park: ParkPolicy::default(),
            shutdown_flush: Duration::from_secs(20),
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
    /// EventBridge events of detail-types that carry no CloudTrail record (skipped, not errors).
    pub skipped: usize,
    /// Entries that could not be read (each logged with its eventID or position; its neighbours go on).
    pub broken_records: usize,
    /// Events already delivered earlier (or twice in this batch).
    pub duplicates: usize,
    /// Events posted to their account channel.
    pub alerted: usize,
    /// Messages that could not be read at all.
    pub unparseable: usize,
    /// Messages left to the queue's redrive policy, not deleted: unreadable, or with entries that could not be read.
    pub left: usize,
    /// Slack messages posted (parents, copies, thread replies and admin notices).
    pub posts: usize,
    /// Slack posts that failed (after the client's retries).
    pub failed_posts: usize,
    /// Queue messages deleted.
    pub deleted: usize,
    /// Queue messages given back to the queue.
    pub released: usize,
    /// Queue messages put off until their parked channel may be tried again.
    pub parked: usize,
}

/// Where a drain takes its messages from.
#[derive(Debug, Clone, Copy)]
enum Receive {
    /// Everything queued now.
    All,
    /// What arrives within the budget.
    Budget(Duration),
    /// Nothing new: only what is held (the flush at shutdown).
    Nothing,
}

/// Messages in flight and the channels on hold.
#[derive(Default)]
struct State {
    batch: Batch,
    parks: Parks,
}

/// The change-feed worker.
pub struct Worker {
    pub(super) queue: Arc<dyn AlertQueue>,
    pub(super) slack: Arc<dyn SlackApi>,
    pub(super) store: Store,
    rules: Rules,
    pub(super) routing: Routing,
    pub(super) renderer: Renderer,
    pub(super) narrator: Option<Arc<dyn Narrator>>,
    pub(super) settings: WorkerSettings,
    /// Who posts an event when another instance may hold the same message (see [`crate::ha`]).
    pub(super) claims: Arc<dyn Claims>,
    state: tokio::sync::Mutex<State>,
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
        let state = tokio::sync::Mutex::new(State { batch: Batch::default(), parks: Parks::new(settings.park) });
        let claims = Arc::new(LocalClaims::new(store.clone()));
        Self { queue, slack, store, rules, routing, renderer, narrator, settings, claims, state }
    }

    /// Claims each event's post in `claims` before posting it, so another instance that receives the same queue
    /// message (after a visibility timeout) posts nothing twice. Without it the worker is a single instance.
    pub fn with_claims(mut self, claims: Arc<dyn Claims>) -> Self {
        self.claims = claims;
        self
    }

    /// Drains what is queued now: red events immediately, then one digest per account; deletes what was posted.
    pub async fn drain_once(&self) -> anyhow::Result<DrainOutcome> {
        self.drain(true, Receive::All).await
    }

    /// One polling step: receive what is queued, post red events now; when `flush`, post the held digests too.
    /// Without `flush`, messages of non-red events stay held (invisible, extended) until a flushing step.
    /// A step stops receiving after [`WorkerSettings::receive_budget`] and posts what it has.
    pub async fn step(&self, flush: bool) -> anyhow::Result<DrainOutcome> {
        self.drain(flush, Receive::Budget(self.settings.receive_budget)).await
    }

    async fn drain(&self, flush: bool, receive: Receive) -> anyhow::Result<DrainOutcome> {
        let mut out = DrainOutcome::default();
        let msgs = self.receive_all(receive).await?;
        out.received = msgs.len();
        let fresh = self.prepare(msgs, &mut out)?;
        let mut state = self.state.lock().await;
        let State { batch, parks } = &mut *state;
        batch.absorb(fresh);
        let in_flight: Vec<QueueMessage> = batch.msgs.iter().map(|h| h.msg.clone()).collect();
        let events = std::mem::take(&mut batch.events);
        let (now, later): (Vec<_>, Vec<_>) = events.into_iter().partition(|e| flush || e.severity == Severity::Red);
        let done = tokio::select! {
            done = self.post_all(now.clone(), &batch.owed, parks, &mut out) => done,
            _ = heartbeat(self.queue.clone(), in_flight, self.settings.visibility) => unreachable!("heartbeat never ends"),
        };
        for (id, owed) in batch.owed.iter_mut() {
            owed.main &= !done.main.contains(id);
            owed.red &= !done.red.contains(id);
        }
        let settled = |e: &Alerted| batch.owed.get(&e.event.id).is_none_or(|o| o.settled());
        let parked = |e: &Alerted| done.parked.contains_key(&e.event.id);
        batch.events = if flush {
            Vec::new()
        } else {
            later.into_iter().chain(now.into_iter().filter(|e| !settled(e) && !parked(e))).collect()
        };
        self.settle(batch, &done, flush, &mut out).await;
        info!(?out, flush, "alert drain step finished");
        Ok(out)
    }

    async fn receive_all(&self, receive: Receive) -> anyhow::Result<Vec<QueueMessage>> {
        let budget = match receive {
            Receive::Nothing => return Ok(Vec::new()),
            Receive::All => None,
            Receive::Budget(b) => Some(b),
        };
        let mut all = Vec::new();
        let started = Instant::now();
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

    /// Parses each message entry by entry, drops duplicates and unwatched events, and notes what each event owes.
    fn prepare(&self, msgs: Vec<QueueMessage>, out: &mut DrainOutcome) -> anyhow::Result<Batch> {
        let mut batch = Batch::default();
        let expires = Instant::now() + self.settings.visibility;
        let received = chrono::Utc::now();
        for m in msgs {
            let parsed = match parse_message_at(&m.body, received) {
                Ok(p) => p,
                Err(e) => {
                    warn!(message_id = %m.id, receive_count = m.receive_count, error = %e,
                        "alert message cannot be read; left to the queue's dead-letter policy");
                    out.unparseable += 1;
                    batch.left.push(m);
                    continue;
                }
            };
            for err in &parsed.errors {
                warn!(message_id = %m.id, receive_count = m.receive_count, record = %err,
                    "a record cannot be read; the rest of its message goes on, and the message is left to the dead-letter policy");
            }
            out.parsed += parsed.events.len();
            out.skipped += parsed.skipped.len();
            out.broken_records += parsed.errors.len();
            let mut waiting = HashSet::new();
            for ev in parsed.events {
                let Some(owed) = self.owed(&ev, out)? else { continue };
                waiting.insert(ev.id.clone());
                if batch.owed.contains_key(&ev.id) {
                    out.duplicates += 1;
                    continue;
                }
                batch.owed.insert(ev.id.clone(), owed.0);
                batch.events.push(owed.1);
            }
            batch.msgs.push(Held { msg: m, waiting, broken: !parsed.errors.is_empty(), expires });
        }
        Ok(batch)
    }

    /// What `ev` is still owed, or `None` when it is a duplicate, ignored or unwatched (counted in `out`).
    fn owed(&self, ev: &super::envelope::CtEvent, out: &mut DrainOutcome) -> anyhow::Result<Option<(Owed, Alerted)>> {
        let main_done = self.store.is_seen(SEEN_NAMESPACE, &ev.id)?;
        if main_done && self.store.is_seen(RED_NAMESPACE, &ev.id)? {
            out.duplicates += 1;
            return Ok(None);
        }
        let (actor, verdict) = self.rules.judge(ev);
        let (severity, reasons) = match verdict {
            Verdict::Alert { severity, reasons } => (severity, reasons),
            _ if main_done => {
                out.duplicates += 1;
                return Ok(None);
            }
            Verdict::Ignored => {
                out.ignored += 1;
                return Ok(None);
            }
            Verdict::Unwatched => {
                out.unwatched += 1;
                return Ok(None);
            }
        };
        let red = severity == Severity::Red
            && self.routing.red_copy(&ev.account)
            && !self.store.is_seen(RED_NAMESPACE, &ev.id)?;
        let owed = Owed { main: !main_done, red };
        if owed.settled() {
            out.duplicates += 1;
            return Ok(None);
        }
        Ok(Some((owed, Alerted { event: ev.clone(), actor, severity, reasons })))
    }

    /// Runs until `shutdown` resolves: polls every `poll` (red events go out at once) and posts digests every
    /// `digest`. On shutdown the held digests are posted (for at most [`WorkerSettings::shutdown_flush`]) and
    /// whatever is still held goes back to the queue.
    pub async fn run(&self, poll: Duration, digest: Duration, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let poll = poll.clamp(Duration::from_secs(1), (self.settings.visibility / 3).max(Duration::from_secs(1)));
        let mut tick = tokio::time::interval(poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut next_digest = Instant::now() + digest;
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tick.tick() => {
                    let flush = Instant::now() >= next_digest;
                    if flush {
                        next_digest += digest.max(Duration::from_secs(1));
                    }
                    if let Err(e) = self.step(flush).await {
                        warn!(error = %format!("{e:#}"), "alert drain failed");
                    }
                }
            }
        }
        match tokio::time::timeout(self.settings.shutdown_flush, self.drain(true, Receive::Nothing)).await {
            Ok(Ok(out)) => info!(?out, "held alerts posted at shutdown"),
            Ok(Err(e)) => warn!(error = %format!("{e:#}"), "could not post held alerts at shutdown"),
            Err(_) => warn!("posting held alerts at shutdown took too long; the rest goes back to the queue"),
        }
        let mut state = self.state.lock().await;
        let held: Vec<QueueMessage> = state.batch.msgs.drain(..).map(|h| h.msg).collect();
        if let Err(e) = self.queue.release(&held).await {
            warn!(error = %e, "could not release held messages on shutdown");
        }
        state.batch = Batch::default();
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
