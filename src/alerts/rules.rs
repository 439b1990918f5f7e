//! Rules as data: ignore rules (evaluated first), then rules that name events by `service:Action` and may look at
//! the caller and the request; the highest matching severity wins, with its reasons.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::classify::Actor;
use super::envelope::CtEvent;
use super::rules_cond::text_at;
pub use super::rules_cond::{Condition, Principal};
pub use super::rules_match::{EventKey, EventPattern, glob, normalise_action};

/// The shipped default rules.
pub const DEFAULT_RULES: &str = include_str!("default_rules.toml");

/// Impact of a change: shown as the message colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Routine.
    #[default]
    Green,
    /// Worth a look.
    Yellow,
    /// Posted immediately.
    Red,
}

impl Severity {
    /// Attachment colour.
    pub fn color(self) -> &'static str {
        match self {
            Severity::Red => "#d40e0d",
            Severity::Yellow => "#f2c744",
            Severity::Green => "#2eb67d",
        }
    }

    /// Emoji shown before event lines (the colour survives if attachments lose prominence).
    pub fn icon(self) -> &'static str {
        match self {
            Severity::Red => ":red_circle:",
            Severity::Yellow => ":large_yellow_circle:",
            Severity::Green => ":large_green_circle:",
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Red => "red",
            Severity::Yellow => "yellow",
            Severity::Green => "green",
        }
    }
}

/// Why a rules file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// Not valid TOML or wrong shape.
    #[error("rules file {origin} is invalid: {message}")]
    Invalid {
        /// File name or `default rules`.
        origin: String,
        /// Parser message.
        message: String,
    },
    /// A rule cannot be used as written.
    #[error("rule {name:?}: {message}")]
    Condition {
        /// The rule's reason, or its position.
        name: String,
        /// What is missing.
        message: String,
    },
}

/// A drop rule; every field given must match (globs with `*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreRule {
    /// Caller ARN or display name.
    pub principal: Option<String>,
    /// Event key `service:Action` (version suffix removed), e.g. `signin:ConsoleLogin` or `s3:Delete*`.
    pub event: Option<String>,
    /// Recipient account id.
    pub account: Option<String>,
    /// User agent.
    pub user_agent: Option<String>,
    /// Why (for operators).
    #[serde(default)]
    pub reason: String,
}

/// One rule: the events it watches, what must hold, the severity it gives and why (shown in the message).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// `service:Action` (the eventSource without `.amazonaws.com`, the eventName without a version suffix),
    /// `service:*`, or `*`.
    pub events: Vec<String>,
    /// Severity given when the rule matches.
    pub severity: Severity,
    /// Why, in English; shown in the message.
    #[serde(default)]
    pub reason: String,
    /// Why, in Korean (the English text is shown when empty).
    #[serde(default)]
    pub reason_ko: String,
    /// Caller types the rule is limited to (empty = any).
    #[serde(default)]
    pub principal: Vec<Principal>,
    /// Named conditions that must all hold.
    #[serde(default)]
    pub when: Vec<Condition>,
    /// Named conditions none of which may hold.
    #[serde(default)]
    pub unless: Vec<Condition>,
    /// Dotted paths whose value (as text) must equal the given text.
    #[serde(default)]
    pub field_equals: BTreeMap<String, String>,
    /// Dotted paths whose value must be absent or differ from the given text.
    #[serde(default)]
    pub field_not_equals: BTreeMap<String, String>,
    /// Dotted paths of which at least one must equal the given text.
    #[serde(default)]
    pub any_field_equals: BTreeMap<String, String>,
    /// Dotted paths whose value (as text) must contain the given text, ignoring ASCII case.
    #[serde(default)]
    pub field_contains: BTreeMap<String, String>,
}

impl Rule {
    fn holds(&self, ev: &CtEvent) -> bool {
        let eq = |(path, want): (&String, &String)| text_at(ev, path).as_deref() == Some(want.as_str());
        (self.principal.is_empty() || Principal::of(ev).is_some_and(|p| self.principal.contains(&p)))
            && self.field_equals.iter().all(eq)
            && !self.field_not_equals.iter().any(eq)
            && (self.any_field_equals.is_empty() || self.any_field_equals.iter().any(eq))
            && self.field_contains.iter().all(|(path, part)| {
                text_at(ev, path).is_some_and(|t| t.to_ascii_lowercase().contains(&part.to_ascii_lowercase()))
            })
            && self.when.iter().all(|c| c.holds(ev))
            && !self.unless.iter().any(|c| c.holds(ev))
    }

    fn reason(&self, korean: bool) -> &str {
        if korean && !self.reason_ko.is_empty() { &self.reason_ko } else { &self.reason }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    watch_all: bool,
    #[serde(default = "default_failed_red")]
    failed_red: Severity,
    #[serde(default)]
    ignore: Vec<IgnoreRule>,
    #[serde(default)]
    rule: Vec<Rule>,
}

fn default_failed_red() -> Severity {
    Severity::Yellow
}

/// What the rules say about one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// An ignore rule matched.
    Ignored,
    /// Not a watched event.
    Unwatched,
    /// Alert with this severity; `reasons` are the reasons of the rules that gave it.
    Alert {
        /// Final severity.
        severity: Severity,
        /// Why: the reason texts of the matching rules at the final severity.
        reasons: Vec<String>,
    },
}

/// Compiled rules, indexed by event key.
#[derive(Debug, Clone)]
pub struct Rules {
    watch_all: bool,
    failed_red: Severity,
    ignore: Vec<IgnoreRule>,
    rules: Vec<Rule>,
    /// `service:Action` → rules naming it.
    exact: HashMap<String, Vec<usize>>,
    /// service → rules naming `service:*`.
    service: HashMap<String, Vec<usize>>,
    /// Rules naming `*`.
    any: Vec<usize>,
    korean: bool,
}

impl Rules {
    /// The shipped defaults.
    pub fn defaults() -> Self {
        Self::parse(DEFAULT_RULES, "default rules").expect("shipped rules are valid")
    }

    /// Loads `path`, or the defaults when `path` is empty.
    pub fn load(path: &str) -> anyhow::Result<Self> {
        if path.is_empty() {
            return Ok(Self::defaults());
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("could not read rules file {path} ([alerts] rules_file): {e}"))?;
        Ok(Self::parse(&text, path)?)
    }

    /// These rules with reasons in `language` (`ko` for Korean; anything else English).
    pub fn in_language(mut self, language: &str) -> Self {
        self.korean = language == "ko";
        self
    }

    /// Parses rules from TOML text. Every event pattern must name its service.
    pub fn parse(text: &str, origin: &str) -> Result<Self, RulesError> {
        let file: RulesFile =
            toml::from_str(text).map_err(|e| RulesError::Invalid { origin: origin.into(), message: e.to_string() })?;
        let mut rules = Self {
            watch_all: file.watch_all,
            failed_red: file.failed_red,
            ignore: file.ignore,
            rules: Vec::new(),
            exact: HashMap::new(),
            service: HashMap::new(),
            any: Vec::new(),
            korean: false,
        };
        for ig in &rules.ignore {
            if let Some(e) = ig.event.as_deref().filter(|e| *e != "*" && !e.contains(':')) {
                let message = format!("ignore event {e:?} names no service: write \"<service>:{e}\"");
                return Err(RulesError::Condition { name: ig.reason.clone(), message });
            }
        }
        for (i, rule) in file.rule.into_iter().enumerate() {
            let name = if rule.reason.is_empty() { format!("rule {}", i + 1) } else { rule.reason.clone() };
            if rule.events.is_empty() {
                return Err(RulesError::Condition { name, message: "lists no `events`".into() });
            }
            for e in &rule.events {
                match EventPattern::parse(e).map_err(|message| RulesError::Condition { name: name.clone(), message })? {
                    EventPattern::Any => rules.any.push(i),
                    EventPattern::Service(s) => rules.service.entry(s).or_default().push(i),
                    EventPattern::Exact(k) => rules.exact.entry(k.to_string()).or_default().push(i),
                }
            }
            rules.rules.push(rule);
        }
        Ok(rules)
    }

    /// Attributes `ev` and evaluates it: the one classification step the worker, `alerts preview` and
    /// `alerts eval` share.
    pub fn judge(&self, ev: &CtEvent) -> (Actor, Verdict) {
        let actor = super::classify::classify(ev);
        let verdict = self.evaluate(ev, &actor);
        (actor, verdict)
    }

    /// Evaluates one event: ignore rules first, then every rule naming its key; the highest severity wins and the
    /// reasons of the rules that gave it are kept. A failed attempt at a red action is shown as `failed_red`.
    pub fn evaluate(&self, ev: &CtEvent, actor: &Actor) -> Verdict {
        let key = EventKey::new(&ev.source, &ev.name);
        let key_text = key.to_string();
        if self.ignore.iter().any(|r| ignore_matches(r, ev, actor, &key_text)) {
            return Verdict::Ignored;
        }
        let exact = self.exact.get(&key_text).into_iter().flatten();
        let service = self.service.get(&key.service).into_iter().flatten();
        let mut matched: Vec<usize> =
            exact.chain(service).chain(&self.any).copied().filter(|&i| self.rules[i].holds(ev)).collect();
        matched.sort_unstable();
        matched.dedup();
        let Some(mut severity) =
            matched.iter().map(|&i| self.rules[i].severity).max().or(self.watch_all.then_some(Severity::Green))
        else {
            return Verdict::Unwatched;
        };
        let mut reasons: Vec<String> = Vec::new();
        for &i in &matched {
            let rule = &self.rules[i];
            let text = rule.reason(self.korean);
            if rule.severity == severity && !text.is_empty() && !reasons.iter().any(|r| r == text) {
                reasons.push(text.to_owned());
            }
        }
        if ev.failed && severity == Severity::Red {
            severity = self.failed_red;
            reasons.push(if self.korean { "실패한 시도" } else { "failed attempt" }.into());
        }
        Verdict::Alert { severity, reasons }
    }
}

fn ignore_matches(r: &IgnoreRule, ev: &CtEvent, actor: &Actor, key: &str) -> bool {
    let principal_ok = r.principal.as_deref().is_none_or(|p| glob(p, &ev.identity.arn) || glob(p, &actor.name));
    principal_ok
        && r.event.as_deref().is_none_or(|p| glob(p, key))
        && r.account.as_deref().is_none_or(|p| glob(p, &ev.account))
        && r.user_agent.as_deref().is_none_or(|p| glob(p, &ev.user_agent))
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
