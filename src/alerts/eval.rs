//! `asklake alerts eval CORPUS`: labelled CloudTrail records through the worker's own reading and classification
//! (envelope parsing, then [`Rules::judge`]); recall on must-fire events, false reds on must-not-fire events, and
//! the misses by event name.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::Value;

use super::envelope::parse_message;
use super::rules::{EventKey, Rules, Severity, Verdict};

/// Least share of must-fire High/Critical events shown red or yellow.
pub const TARGET_RECALL: f64 = 0.90;
/// Largest share of must-not-fire events shown red.
pub const TARGET_FALSE_RED: f64 = 0.03;

/// What a labelled event must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// Must be shown (at `min_colour` or above).
    Alert,
    /// Must not be shown red (green, yellow or not shown are fine).
    Ignore,
}

/// One labelled event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The CloudTrail record (or any body the worker reads: EventBridge, SNS).
    pub event: Value,
    /// The expected outcome.
    pub expect: Expect,
    /// Least colour for a must-fire event.
    #[serde(default)]
    pub min_colour: Severity,
    /// The public rule (or issue) the case mirrors.
    #[serde(default)]
    pub source: String,
}

/// Reads a corpus: one JSON case per line (blank lines and lines starting with `#` skipped).
///
/// # Errors
/// A line that is not a case, named by its number.
pub fn load_corpus(text: &str) -> anyhow::Result<Vec<Case>> {
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let case: Case = serde_json::from_str(line).map_err(|e| {
            anyhow::anyhow!("corpus line {}: not a case {{event, expect, min_colour, source}}: {e}", i + 1)
        })?;
        cases.push(case);
    }
    anyhow::ensure!(!cases.is_empty(), "the corpus has no cases (one JSON object per line)");
    Ok(cases)
}

/// The measured outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Must-fire events whose minimum colour is red or yellow (High/Critical in public rule sets).
    pub must_fire: usize,
    /// Of those, shown red or yellow.
    pub shown: usize,
    /// Of those shown, below their own minimum colour (a red-minimum event shown yellow).
    pub below_min: usize,
    /// Must-not-fire events.
    pub must_not: usize,
    /// Of those, shown red.
    pub false_red: usize,
    /// Missed must-fire events: event key → the sources they mirror.
    pub misses: BTreeMap<String, Vec<String>>,
    /// Must-not-fire events shown red: event key → sources.
    pub false_reds: BTreeMap<String, Vec<String>>,
}

impl Report {
    /// Share of must-fire events shown red or yellow (1.0 when there are none).
    pub fn recall(&self) -> f64 {
        ratio(self.shown, self.must_fire, 1.0)
    }

    /// Share of must-not-fire events shown red (0.0 when there are none).
    pub fn false_red_rate(&self) -> f64 {
        ratio(self.false_red, self.must_not, 0.0)
    }

    /// Whether both targets are met.
    pub fn passes(&self) -> bool {
        self.recall() >= TARGET_RECALL && self.false_red_rate() <= TARGET_FALSE_RED
    }

    /// The report as printed by `asklake alerts eval`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let pct = |x: f64| x * 100.0;
        let _ = writeln!(
            out,
            "{} labelled events: {} must fire, {} must not",
            self.must_fire + self.must_not,
            self.must_fire,
            self.must_not
        );
        let _ = writeln!(
            out,
            "recall (must-fire High/Critical shown red or yellow): {}/{} = {:.1}% (target >= {:.0}%)",
            self.shown,
            self.must_fire,
            pct(self.recall()),
            pct(TARGET_RECALL)
        );
        let _ = writeln!(out, "  shown below their minimum colour: {}", self.below_min);
        let _ = writeln!(
            out,
            "false red (must-not-fire shown red): {}/{} = {:.1}% (target <= {:.0}%)",
            self.false_red,
            self.must_not,
            pct(self.false_red_rate()),
            pct(TARGET_FALSE_RED)
        );
        section(&mut out, "misses by event name", &self.misses);
        section(&mut out, "false reds by event name", &self.false_reds);
        let _ = writeln!(out, "{}", if self.passes() { "PASS" } else { "FAIL" });
        out
    }
}

fn ratio(n: usize, d: usize, empty: f64) -> f64 {
    if d == 0 { empty } else { n as f64 / d as f64 }
}

fn section(out: &mut String, title: &str, by_name: &BTreeMap<String, Vec<String>>) {
    if by_name.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}:");
    for (name, sources) in by_name {
        let _ = writeln!(out, "  {name}  {}  ({})", sources.len(), sources.join("; "));
    }
}

/// The colour the worker would give `event`, or `None` when it would not show it (ignored, unwatched, or not a
/// readable record). Reads the body as the worker does, so an envelope works as well as a bare record.
pub fn colour_of(rules: &Rules, event: &Value) -> (String, Option<Severity>) {
    let key = event_name(event);
    let Ok(parsed) = parse_message(&event.to_string()) else { return (key, None) };
    let Some(ev) = parsed.events.first() else { return (key, None) };
    let key = EventKey::new(&ev.source, &ev.name).to_string();
    match rules.judge(ev).1 {
        Verdict::Alert { severity, .. } => (key, Some(severity)),
        Verdict::Ignored | Verdict::Unwatched => (key, None),
    }
}

fn event_name(event: &Value) -> String {
    let rec = event.get("detail").unwrap_or(event);
    let text = |k: &str| rec.get(k).and_then(Value::as_str).unwrap_or("?").to_owned();
    let source = text("eventSource");
    EventKey::new(&source, &text("eventName")).to_string()
}

/// Runs every case through `rules`.
pub fn evaluate(rules: &Rules, cases: &[Case]) -> Report {
    let mut r = Report::default();
    for case in cases {
        let (key, colour) = colour_of(rules, &case.event);
        match case.expect {
            Expect::Alert if case.min_colour >= Severity::Yellow => {
                r.must_fire += 1;
                if colour.is_some_and(|c| c >= Severity::Yellow) {
                    r.shown += 1;
                    r.below_min += usize::from(colour < Some(case.min_colour));
                } else {
                    r.misses.entry(key).or_default().push(case.source.clone());
                }
            }
            Expect::Alert => {}
            Expect::Ignore => {
                r.must_not += 1;
                if colour == Some(Severity::Red) {
                    r.false_red += 1;
                    r.false_reds.entry(key).or_default().push(case.source.clone());
                }
            }
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn case(name: &str, source: &str, expect: &str, min: &str) -> String {
        let ev = json!({"eventID": format!("{source}-{name}"), "eventName": name, "eventSource": format!("{source}.amazonaws.com"),
            "eventTime": "2026-11-22T00:00:00Z", "recipientAccountId": "111122223333",
            "userIdentity": {"type": "IAMUser", "userName": "a", "arn": "arn:aws:iam::111122223333:user/a"}});
        json!({"event": ev, "expect": expect, "min_colour": min, "source": "test"}).to_string()
    }

    #[test]
    fn recall_false_reds_and_misses_are_counted_by_event_name() {
        let text = [
            case("StopLogging", "cloudtrail", "alert", "red"),
            case("UpdateFunctionCode20150331v2", "lambda", "alert", "yellow"),
            case("DescribeInstances", "ec2", "alert", "yellow"),
            case("DeleteTrail", "cloudtrail", "ignore", "green"),
            case("DeleteDetector", "frauddetector", "ignore", "green"),
        ]
        .join("\n");
        let report = evaluate(&Rules::defaults(), &load_corpus(&text).unwrap());
        assert_eq!((report.must_fire, report.shown, report.must_not, report.false_red), (3, 2, 2, 1));
        assert_eq!(report.misses.keys().collect::<Vec<_>>(), ["ec2:DescribeInstances"]);
        assert_eq!(report.false_reds.keys().collect::<Vec<_>>(), ["cloudtrail:DeleteTrail"]);
        assert!(!report.passes());
        let text = report.render();
        assert!(text.contains("2/3 = 66.7%") && text.contains("1/2 = 50.0%") && text.ends_with("FAIL\n"), "{text}");
    }

    #[test]
    fn a_bad_corpus_line_is_named() {
        let err = load_corpus("\n{\"event\": {}, \"expect\": \"maybe\"}\n").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
