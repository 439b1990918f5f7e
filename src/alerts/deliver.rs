//! Delivery: posts account groups to their channel and red groups' copies to the red channel, each once, marks
//! each landed delivery in the seen-ids table, and parks channels Slack refuses for good.

use std::collections::{HashMap, HashSet};

use slack_morphism::prelude::SlackMessageContent;
use tokio::time::Instant;
use tracing::{info, warn};

use super::batch::Owed;
use super::group::{AccountGroup, Alerted, group};
use super::narrative::narrative;
use super::park::{self, News, Parks, Verdict};
use super::render::{MessageKind, RenderedGroup};
use super::rules::Severity;
use super::worker::{DrainOutcome, RED_NAMESPACE, SEEN_NAMESPACE, Worker};
use crate::slack::api::{OutgoingMessage, PostedMessage, SlackError};

/// What one round of posting achieved.
#[derive(Debug, Default)]
pub struct Delivered {
    /// eventIDs whose account-channel post landed.
    pub main: HashSet<String>,
    /// eventIDs whose red-channel copy landed.
    pub red: HashSet<String>,
    /// eventIDs put off because their channel is parked, with the time it may be tried again.
    pub parked: HashMap<String, Instant>,
}

impl Delivered {
    pub(super) fn put_off<'a>(&mut self, ids: impl IntoIterator<Item = &'a String>, until: Instant) {
        for id in ids {
            let at = self.parked.entry(id.clone()).or_insert(until);
            *at = (*at).max(until);
        }
    }
}

/// Where a post goes and which namespace records it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Dest {
    Main,
    Red,
}

impl Dest {
    /// The seen-ids (and claims) namespace of deliveries to this destination.
    pub(super) fn namespace(self) -> &'static str {
        if self == Dest::Main { SEEN_NAMESPACE } else { RED_NAMESPACE }
    }
}

impl Worker {
    /// Posts red events' groups first, then the digests; returns what landed and what was put off.
    pub(super) async fn post_all(
        &self,
        events: Vec<Alerted>,
        owed: &HashMap<String, Owed>,
        parks: &mut Parks,
        out: &mut DrainOutcome,
    ) -> Delivered {
        let (red, rest): (Vec<_>, Vec<_>) = events.into_iter().partition(|e| e.severity == Severity::Red);
        let mut done = Delivered::default();
        for g in group(red, &self.routing) {
            self.post_group(&g, MessageKind::Immediate, owed, parks, &mut done, out).await;
        }
        for g in group(rest, &self.routing) {
            self.post_group(&g, MessageKind::Digest, owed, parks, &mut done, out).await;
        }
        done
    }

    async fn post_group(
        &self,
        g: &AccountGroup,
        kind: MessageKind,
        owed: &HashMap<String, Owed>,
        parks: &mut Parks,
        done: &mut Delivered,
        out: &mut DrainOutcome,
    ) {
        let owes = |e: &&Alerted, dest: Dest| {
            owed.get(&e.event.id).is_some_and(|o| if dest == Dest::Main { o.main } else { o.red })
        };
        let main: Vec<Alerted> = g.events.iter().filter(|e| owes(e, Dest::Main)).cloned().collect();
        let red_ids: Vec<String> = g.events.iter().filter(|e| owes(e, Dest::Red)).map(|e| e.event.id.clone()).collect();
        let mut parent = None;
        if !main.is_empty() {
            let sub = AccountGroup { events: main, ..g.clone() };
            parent = self.post_main(&sub, kind, parks, done, out).await;
        }
        if red_ids.is_empty() {
            return;
        }
        if let Some(until) = parks.blocked(&g.route.red_channel, Instant::now()) {
            done.put_off(&red_ids, until);
            return;
        }
        let red_ids = self.claim_posts(&red_ids, Dest::Red, done, out).await;
        if red_ids.is_empty() {
            return;
        }
        // The copy repeats the account message when it covers every event owed a copy; otherwise it is rendered
        // from those events alone (a redelivered event whose account post landed earlier).
        let covered = parent.as_ref().is_some_and(|(ids, _)| red_ids.iter().all(|i| ids.contains(i)));
        let content = match parent {
            Some((_, content)) if covered => Some(content),
            _ => {
                let events = g.events.iter().filter(|e| red_ids.contains(&e.event.id)).cloned().collect();
                self.render(&AccountGroup { events, ..g.clone() }, kind, out).await.map(|r| r.parent.content)
            }
        };
        let Some(content) = content else {
            self.release_posts(&red_ids, Dest::Red).await;
            return;
        };
        let channel = g.route.red_channel.clone();
        if self.send(&channel, None, content, &red_ids, Dest::Red, parks, done, out).await.is_some() {
            info!(account = %g.account, events = red_ids.len(), "red events copied to the red channel");
        }
    }

    /// Posts `g` to its account channel with its thread; returns the parent's events and content once rendered,
    /// for the red copy to reuse.
    async fn post_main(
        &self,
        g: &AccountGroup,
        kind: MessageKind,
        parks: &mut Parks,
        done: &mut Delivered,
        out: &mut DrainOutcome,
    ) -> Option<(HashSet<String>, SlackMessageContent)> {
        let all: Vec<String> = g.events.iter().map(|e| e.event.id.clone()).collect();
        let channel = g.route.channel.clone();
        if let Some(until) = parks.blocked(&channel, Instant::now()) {
            done.put_off(&all, until);
            return None;
        }
        if channel.is_empty() {
            out.failed_posts += 1;
            self.park(parks, &channel, park::NO_CHANNEL, &all, done, out, &g.account).await;
            return None;
        }
        let won = self.claim_posts(&all, Dest::Main, done, out).await;
        if won.is_empty() {
            return None;
        }
        let claimed;
        let g = if won.len() == all.len() {
            g
        } else {
            let events = g.events.iter().filter(|e| won.contains(&e.event.id)).cloned().collect();
            claimed = AccountGroup { events, ..g.clone() };
            &claimed
        };
        let Some(rendered) = self.render(g, kind, out).await else {
            self.release_posts(&won, Dest::Main).await;
            return None;
        };
        let ids: HashSet<String> = rendered.parent.event_ids.iter().cloned().collect();
        let content = rendered.parent.content.clone();
        // Events of replies never sent are owed again: the message goes back (or is put off) with them.
        let posted =
            self.send(&channel, None, content.clone(), &rendered.parent.event_ids, Dest::Main, parks, done, out).await;
        let Some(parent) = posted else { return Some((ids, content)) };
        for reply in rendered.thread {
            let sent = self
                .send(&parent.channel, Some(&parent.ts), reply.content, &reply.event_ids, Dest::Main, parks, done, out)
                .await;
            if sent.is_none() {
                break;
            }
        }
        Some((ids, content))
    }

    async fn render(&self, g: &AccountGroup, kind: MessageKind, out: &mut DrainOutcome) -> Option<RenderedGroup> {
        let story = narrative(g, self.narrator.as_deref(), &self.settings.language).await;
        match self.renderer.render(g, kind, Some(&story)) {
            Ok(r) => Some(r),
            Err(e) => {
                warn!(account = %g.account, error = %e, "could not render alert; its messages go back to the queue");
                out.failed_posts += 1;
                None
            }
        }
    }

    /// Sends one message for `ids`; marks them delivered to `dest` when it lands, parks the channel when Slack
    /// refuses it for good.
    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        content: SlackMessageContent,
        ids: &[String],
        dest: Dest,
        parks: &mut Parks,
        done: &mut Delivered,
        out: &mut DrainOutcome,
    ) -> Option<PostedMessage> {
        if let Some(until) = parks.blocked(channel, Instant::now()) {
            done.put_off(ids, until);
            return None;
        }
        let msg = OutgoingMessage { channel: channel.to_owned(), thread_ts: thread_ts.map(str::to_owned), content };
        match self.slack.post_message(&msg).await {
            Ok(posted) => {
                out.posts += 1;
                for code in parks.succeeded(channel) {
                    info!(channel, code, "Slack accepts alerts again; the channel is no longer parked");
                }
                self.mark(ids, dest, done, out);
                self.finish_posts(ids, dest).await;
                Some(posted)
            }
            Err(e) => {
                out.failed_posts += 1;
                self.release_posts(ids, dest).await;
                self.failed(channel, &e, ids, parks, done, out).await;
                None
            }
        }
    }

    async fn failed(
        &self,
        channel: &str,
        err: &SlackError,
        ids: &[String],
        parks: &mut Parks,
        done: &mut Delivered,
        out: &mut DrainOutcome,
    ) {
        match park::verdict(err) {
            Verdict::Retry => {
                warn!(channel, error = %err, "alert not posted; its messages go back to the queue");
            }
            Verdict::Park(code) => self.park(parks, channel, &code, ids, done, out, "").await,
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn park(
        &self,
        parks: &mut Parks,
        channel: &str,
        code: &str,
        ids: &[String],
        done: &mut Delivered,
        out: &mut DrainOutcome,
        account: &str,
    ) {
        let now = Instant::now();
        let news = parks.failed(channel, code, now);
        done.put_off(ids, now + news.wait);
        if news.first && code == park::NO_CHANNEL {
            warn!(account, retry_in = %park::human(news.wait),
                "no Slack channel for this account: set [alerts] default_channel or the account's channel; its alerts stay queued");
        } else if news.first {
            warn!(channel, code, retry_in = %park::human(news.wait), workspace = news.workspace,
                "Slack refuses alerts for this channel; they stay queued and are retried on a slow schedule");
        } else {
            info!(channel, code, retry_in = %park::human(news.wait), "channel still refused; retrying later");
        }
        if news.notice_due {
            self.notify_admin(parks, &news, out).await;
        }
    }

    /// Tells the admin once, in `[alerts] default_channel`, what to fix (not when that channel is the one refused,
    /// or when the token itself is refused: such a notice could not land).
    async fn notify_admin(&self, parks: &mut Parks, news: &News, out: &mut DrainOutcome) {
        let admin = self.routing.default_channel();
        if news.workspace || news.channel.is_empty() || admin.is_empty() || admin == news.channel {
            return;
        }
        if parks.blocked(admin, Instant::now()).is_some() {
            return;
        }
        let text = park::notice(news, &self.settings.language);
        let msg = OutgoingMessage::new(admin, None, SlackMessageContent::new().with_text(text));
        match self.slack.post_message(&msg).await {
            Ok(_) => {
                out.posts += 1;
                parks.noticed(&news.channel, &news.code);
            }
            Err(e) => warn!(channel = admin, error = %e, "could not tell the admin about a refused channel"),
        }
    }

    fn mark(&self, ids: &[String], dest: Dest, done: &mut Delivered, out: &mut DrainOutcome) {
        let namespace = dest.namespace();
        for id in ids {
            if let Err(e) = self.store.mark_seen(namespace, id) {
                warn!(error = %format!("{e:#}"), "could not record a delivered eventID");
            }
        }
        if dest == Dest::Main {
            done.main.extend(ids.iter().cloned());
            out.alerted += ids.len();
        } else {
            done.red.extend(ids.iter().cloned());
        }
    }
}
