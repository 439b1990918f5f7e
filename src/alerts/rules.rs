//! Rules as data: watched events, ignore rules (evaluated first), base severities and raising conditions.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::classify::Actor;
use super::envelope::CtEvent;

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
    /// A condition misses its parameters.
    #[error("rule {name:?}: {message}")]
    Condition {
        /// Raise rule name.
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
    /// Event name.
    pub event: Option<String>,
    /// Recipient account id.
    pub account: Option<String>,
    /// User agent.
    pub user_agent: Option<String>,
    /// Why (for operators).
    #[serde(default)]
    pub reason: String,
}

/// Base severity for a list of events.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRule {
    /// Event names.
    pub events: Vec<String>,
    /// Severity.
    pub severity: Severity,
}

/// A named condition implemented in code, or a field predicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// `userIdentity.type == Root`.
    RootActor,
    /// A CIDR of `0.0.0.0/0` or `::/0` in the request.
    OpenIngress,
    /// `AdministratorAccess` or a policy allowing `*`.
    AdminPolicy,
    /// `CreateAccessKey` naming a user other than the caller.
    AccessKeyForOtherUser,
    /// A successful console login without MFA.
    ConsoleLoginWithoutMfa,
    /// A grant to everyone (`*`, `AllUsers`, `all`).
    PublicGrant,
    /// `field` (dotted path) equals `value` (compared as text).
    FieldEquals,
    /// `field` (dotted path) contains `value`.
    FieldContains,
}

/// Raises severity when a condition holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaiseRule {
    /// Shown as the reason.
    pub name: String,
    /// The condition.
    pub when: Condition,
    /// Only for these events (empty = any).
    #[serde(default)]
    pub events: Vec<String>,
    /// Field path for field predicates.
    pub field: Option<String>,
    /// Value for field predicates.
    pub value: Option<String>,
    /// Severity raised to.
    pub severity: Severity,
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
    rule: Vec<EventRule>,
    #[serde(default)]
    raise: Vec<RaiseRule>,
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
    /// Alert with this severity; `reasons` name the raising conditions.
    Alert {
        /// Final severity.
        severity: Severity,
        /// Why it was raised or lowered.
        reasons: Vec<String>,
    },
}

/// Compiled rules.
#[derive(Debug, Clone)]
pub struct Rules {
    watch_all: bool,
    failed_red: Severity,
    ignore: Vec<IgnoreRule>,
    base: HashMap<String, Severity>,
    raise: Vec<RaiseRule>,
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

    /// Parses rules from TOML text.
    pub fn parse(text: &str, origin: &str) -> Result<Self, RulesError> {
        let file: RulesFile =
            toml::from_str(text).map_err(|e| RulesError::Invalid { origin: origin.into(), message: e.to_string() })?;
        for r in &file.raise {
            let needs_field = matches!(r.when, Condition::FieldEquals | Condition::FieldContains);
            if needs_field && (r.field.is_none() || r.value.is_none()) {
                return Err(RulesError::Condition {
                    name: r.name.clone(),
                    message: "needs `field` and `value`".into(),
                });
            }
        }
        let mut base = HashMap::new();
        for rule in &file.rule {
            for e in &rule.events {
                base.entry(e.clone()).or_insert(rule.severity);
            }
        }
        Ok(Self {
            watch_all: file.watch_all,
            failed_red: file.failed_red,
            ignore: file.ignore,
            base,
            raise: file.raise,
        })
    }

    /// Evaluates one event: ignore rules first, then the base severity, raises, and the failed-attempt rule.
    pub fn evaluate(&self, ev: &CtEvent, actor: &Actor) -> Verdict {
        if self.ignore.iter().any(|r| ignore_matches(r, ev, actor)) {
            return Verdict::Ignored;
        }
        let Some(mut severity) = self.base.get(&ev.name).copied().or(self.watch_all.then_some(Severity::Green)) else {
            return Verdict::Unwatched;
        };
        let mut reasons = Vec::new();
        for r in &self.raise {
            let applies = r.events.is_empty() || r.events.iter().any(|e| e == &ev.name);
            if applies && holds(r, ev, actor) {
                severity = severity.max(r.severity);
                reasons.push(r.name.clone());
            }
        }
        if ev.failed && severity == Severity::Red {
            severity = self.failed_red;
            reasons.push("failed attempt".into());
        }
        Verdict::Alert { severity, reasons }
    }
}

fn ignore_matches(r: &IgnoreRule, ev: &CtEvent, actor: &Actor) -> bool {
    let principal_ok = r.principal.as_deref().is_none_or(|p| glob(p, &ev.identity.arn) || glob(p, &actor.name));
    principal_ok
        && r.event.as_deref().is_none_or(|p| glob(p, &ev.name))
        && r.account.as_deref().is_none_or(|p| glob(p, &ev.account))
        && r.user_agent.as_deref().is_none_or(|p| glob(p, &ev.user_agent))
}

/// `*`-glob match over the whole text.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn holds(r: &RaiseRule, ev: &CtEvent, actor: &Actor) -> bool {
    // Built on demand: most conditions never look at the request.
    let req = || ev.value_at("requestParameters");
    match r.when {
        Condition::RootActor => actor.root,
        Condition::OpenIngress => req().is_some_and(|v| any_string(v, &|s| s == "0.0.0.0/0" || s == "::/0")),
        Condition::AdminPolicy => req().is_some_and(is_admin_policy),
        Condition::AccessKeyForOtherUser => {
            let target = ev.str_at("requestParameters.userName").unwrap_or_default();
            let caller = ev.identity.user_name.as_str();
            !target.is_empty() && (target != caller || ev.identity.kind != "IAMUser")
        }
        Condition::ConsoleLoginWithoutMfa => {
            let ok = ev.str_at("responseElements.ConsoleLogin") == Some("Success");
            let federated = matches!(ev.identity.kind.as_str(), "AssumedRole" | "FederatedUser" | "SAMLUser");
            // Read last: `additionalEventData` is outside the typed fields, so reading it builds the tree.
            ok && !federated && !ev.str_at("additionalEventData.MFAUsed").unwrap_or("No").eq_ignore_ascii_case("yes")
        }
        Condition::PublicGrant => req().is_some_and(is_public_grant),
        Condition::FieldEquals => field_text(ev, r).is_some_and(|t| Some(t.as_str()) == r.value.as_deref()),
        Condition::FieldContains => {
            field_text(ev, r).is_some_and(|t| t.contains(r.value.as_deref().unwrap_or_default()))
        }
    }
}

fn field_text(ev: &CtEvent, r: &RaiseRule) -> Option<String> {
    let v = ev.value_at(r.field.as_deref()?)?;
    Some(match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn any_string(v: &Value, pred: &dyn Fn(&str) -> bool) -> bool {
    match v {
        Value::String(s) => pred(s),
        Value::Array(a) => a.iter().any(|x| any_string(x, pred)),
        Value::Object(m) => m.values().any(|x| any_string(x, pred)),
        _ => false,
    }
}

fn is_admin_policy(req: &Value) -> bool {
    if req.get("policyArn").and_then(Value::as_str).is_some_and(|a| a.ends_with("/AdministratorAccess")) {
        return true;
    }
    let Some(doc) = req.get("policyDocument").and_then(Value::as_str) else { return false };
    let Ok(doc) = serde_json::from_str::<Value>(doc) else { return false };
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one) => vec![one.clone()],
        None => return false,
    };
    statements.iter().any(|s| {
        s.get("Effect").and_then(Value::as_str) == Some("Allow")
            && any_string(s.get("Action").unwrap_or(&Value::Null), &|a| a == "*" || a == "*:*")
    })
}

fn is_public_grant(req: &Value) -> bool {
    let policy_public = ["bucketPolicy", "policy"].iter().filter_map(|k| req.get(*k)).any(|p| {
        let text = match p {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        compact.contains("\"Principal\":\"*\"") || compact.contains("\"AWS\":\"*\"")
    });
    policy_public
        || any_string(req, &|s| s.ends_with("/global/AllUsers") || s.ends_with("/global/AuthenticatedUsers"))
        || req.pointer("/createVolumePermission/add/items").is_some_and(|v| any_string(v, &|s| s == "all"))
        || req.pointer("/launchPermission/add/items").is_some_and(|v| any_string(v, &|s| s == "all"))
        || req.get("principal").and_then(Value::as_str) == Some("*")
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
