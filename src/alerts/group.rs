//! Grouping: classified events per recipient account, with counts per (actor, action) and routing.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::classify::Actor;
use super::envelope::CtEvent;
use super::rules::Severity;
use crate::config::AlertsConfig;

/// An event that passed the rules.
#[derive(Debug, Clone)]
pub struct Alerted {
    /// The event.
    pub event: CtEvent,
    /// Who made it.
    pub actor: Actor,
    /// Rule severity.
    pub severity: Severity,
    /// Raising conditions that matched.
    pub reasons: Vec<String>,
}

/// Where an account's messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Account display name (the id when unnamed).
    pub name: String,
    /// Main channel.
    pub channel: String,
    /// Extra channel for red events (may be empty).
    pub red_channel: String,
}

/// Account id → name and channel.
#[derive(Debug, Clone, Default)]
pub struct Routing {
    accounts: BTreeMap<String, (String, String)>,
    default_channel: String,
    red_channel: String,
}

impl Routing {
    /// From `[alerts]` alone (its deprecated `[[alerts.accounts]]`); the app uses [`Routing::for_config`].
    pub fn from_config(cfg: &AlertsConfig) -> Self {
        let accounts = cfg.accounts.iter().map(|a| (a.id.clone(), (a.name.clone(), a.channel.clone()))).collect();
        Self { accounts, default_channel: cfg.default_channel.clone(), red_channel: cfg.red_channel.clone() }
    }

    /// From the whole configuration: `[[accounts]]` (names and channels, see [`crate::config::Config::accounts`])
    /// and `[alerts]` (default and red channels).
    pub fn for_config(config: &crate::config::Config) -> Self {
        let accounts =
            config.accounts().all().iter().map(|a| (a.id.clone(), (a.name.clone(), a.channel.clone()))).collect();
        let cfg = &config.alerts;
        Self { accounts, default_channel: cfg.default_channel.clone(), red_channel: cfg.red_channel.clone() }
    }

    /// The channel for accounts without their own (`[alerts] default_channel`; also where admin notices go).
    pub fn default_channel(&self) -> &str {
        &self.default_channel
    }

    /// Whether `account`'s red events are also copied to `[alerts] red_channel` (set, and not its own channel).
    pub fn red_copy(&self, account: &str) -> bool {
        let route = self.route(account);
        !route.red_channel.is_empty() && route.red_channel != route.channel
    }

    /// The route for `account`.
    pub fn route(&self, account: &str) -> Route {
        let (name, channel) = self.accounts.get(account).cloned().unwrap_or_default();
        Route {
            name: if name.is_empty() { account.to_owned() } else { name },
            channel: if channel.is_empty() { self.default_channel.clone() } else { channel },
            red_channel: self.red_channel.clone(),
        }
    }
}

/// Count of one (actor, action) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairCount {
    /// The actor.
    pub actor: Actor,
    /// Event name.
    pub action: String,
    /// Worst severity among them.
    pub worst: Severity,
    /// How many.
    pub count: usize,
}

/// One account's events for one message.
#[derive(Debug, Clone)]
pub struct AccountGroup {
    /// Recipient account id.
    pub account: String,
    /// Its route.
    pub route: Route,
    /// Events, worst first, then by time.
    pub events: Vec<Alerted>,
}

impl AccountGroup {
    /// Worst severity (the colour).
    pub fn worst(&self) -> Severity {
        self.events.iter().map(|e| e.severity).max().unwrap_or_default()
    }

    /// Counts per (actor, action), largest first.
    pub fn counts(&self) -> Vec<PairCount> {
        let mut map: BTreeMap<(&Actor, &str), (Severity, usize)> = BTreeMap::new();
        for e in &self.events {
            let slot = map.entry((&e.actor, e.event.name.as_str())).or_insert((e.severity, 0));
            slot.0 = slot.0.max(e.severity);
            slot.1 += 1;
        }
        let mut out: Vec<PairCount> = map
            .into_iter()
            .map(|((actor, action), (worst, count))| PairCount {
                actor: actor.clone(),
                action: action.to_owned(),
                worst,
                count,
            })
            .collect();
        out.sort_by(|a, b| b.worst.cmp(&a.worst).then(b.count.cmp(&a.count)).then(a.action.cmp(&b.action)));
        out
    }

    /// Distinct performers, in first-seen order.
    pub fn performers(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        self.events.iter().map(|e| e.actor.name.as_str()).filter(|n| seen.insert(*n)).map(str::to_owned).collect()
    }

    /// Distinct regions, sorted.
    pub fn regions(&self) -> Vec<String> {
        let regions: BTreeSet<&str> =
            self.events.iter().map(|e| e.event.region.as_str()).filter(|r| !r.is_empty()).collect();
        regions.into_iter().map(str::to_owned).collect()
    }

    /// First and last event time.
    pub fn time_range(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let min = self.events.iter().map(|e| e.event.time).min()?;
        let max = self.events.iter().map(|e| e.event.time).max()?;
        Some((min, max))
    }

    /// The most frequent region (for the console link).
    pub fn main_region(&self) -> String {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &self.events {
            *counts.entry(e.event.region.as_str()).or_default() += 1;
        }
        counts.into_iter().max_by_key(|(_, n)| *n).map(|(r, _)| r.to_owned()).unwrap_or_else(|| "us-east-1".into())
    }
}

/// Groups events per recipient account (sorted by account id); events worst first, then by time.
pub fn group(events: Vec<Alerted>, routing: &Routing) -> Vec<AccountGroup> {
    let mut map: BTreeMap<String, Vec<Alerted>> = BTreeMap::new();
    for e in events {
        match map.get_mut(&e.event.account) {
            Some(list) => list.push(e),
            None => {
                map.insert(e.event.account.clone(), vec![e]);
            }
        }
    }
    map.into_iter()
        .map(|(account, mut events)| {
            events.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.event.time.cmp(&b.event.time)));
            AccountGroup { route: routing.route(&account), account, events }
        })
        .collect()
}
