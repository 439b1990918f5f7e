//! Rendering: an account group → Block Kit messages (parent + chunked thread replies) via `blocks/alert_*.j2`.
//!
//! Every string taken from an event (or from the model's narrative) reaches a template only as a
//! [`neutral::Safe`], and the console button only as a [`Link`]: data can neither add lines, mentions or markup
//! to a message nor pick a link's host.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::Value;
use slack_morphism::prelude::SlackMessageContent;

use super::console::{cloudtrail_link, resource_id};
use super::group::{AccountGroup, Alerted};
use super::limits::{self, LimitError};
use super::link::Link;
use super::neutral::{self, Safe};
use crate::templates::Templates;

/// Events listed in the parent message; the rest go to the thread.
pub const PARENT_EVENTS: usize = 20;
/// Most events per thread reply.
pub const THREAD_EVENTS: usize = 60;
/// Event lines per section block.
const LINES_PER_SECTION: usize = 10;
/// Section text budget (Slack allows 3,000).
const SECTION_BUDGET: usize = 2_800;
/// Cumulative text budget per message (Slack rejects long block text well below the documented 40k).
const MESSAGE_BUDGET: usize = 11_000;
/// Count lines shown in the parent.
const MAX_COUNT_LINES: usize = 12;
/// Characters of an account name or id shown in headers and titles.
const NAME_CHARS: usize = 60;

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The template failed.
    #[error("alert template failed: {0:#}")]
    Template(anyhow::Error),
    /// The output is not valid Block Kit JSON for slack-morphism.
    #[error("rendered alert is not a valid Slack message: {0}")]
    Invalid(String),
    /// Slack limits could not be met.
    #[error(transparent)]
    Limits(#[from] LimitError),
}

/// Which kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// Periodic digest.
    Digest,
    /// Red events posted immediately.
    Immediate,
}

/// A message ready to post, with the events it shows.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Slack content (already validated and within limits).
    pub content: SlackMessageContent,
    /// The raw JSON (for `alerts preview` and snapshots).
    pub json: Value,
    /// eventIDs listed in this message.
    pub event_ids: Vec<String>,
}

/// A parent message and its thread replies.
#[derive(Debug, Clone)]
pub struct RenderedGroup {
    /// Parent message.
    pub parent: Rendered,
    /// Thread replies, in order.
    pub thread: Vec<Rendered>,
}

/// Renders account groups.
#[derive(Debug, Clone)]
pub struct Renderer {
    templates: Templates,
    tz: Tz,
    korean: bool,
}

#[derive(Serialize)]
struct Line {
    icon: &'static str,
    action: Safe,
    resource: Safe,
    actor: Safe,
    badge: &'static str,
    time: Safe,
    region: Safe,
    note: Safe,
}

impl Line {
    /// Length of the line's (already escaped) text plus its formatting overhead.
    fn escaped_len(&self) -> usize {
        [&self.action, &self.resource, &self.actor, &self.time, &self.region, &self.note]
            .iter()
            .map(|s| s.chars())
            .sum::<usize>()
            + 60
    }
}

/// Splits lines (given by their escaped lengths) into sections within the per-section and per-message budgets;
/// returns the index ranges of the sections that fit, in order.
fn pack(lens: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut sections = Vec::new();
    let (mut start, mut end, mut cur_len, mut total) = (0usize, 0usize, 0usize, 0usize);
    for (i, &len) in lens.iter().enumerate() {
        if total + len > MESSAGE_BUDGET && i > 0 {
            break;
        }
        if i > start && (i - start == LINES_PER_SECTION || cur_len + len > SECTION_BUDGET) {
            sections.push(start..i);
            start = i;
            cur_len = 0;
        }
        cur_len += len;
        total += len;
        end = i + 1;
    }
    if end > start {
        sections.push(start..end);
    }
    sections
}

#[derive(Serialize)]
struct CountLine {
    icon: &'static str,
    actor: Safe,
    badge: &'static str,
    action: Safe,
    count: usize,
}

/// What `blocks/alert_digest.json.j2` is given: static text, severities' icons and colours, and data only as
/// [`Safe`] text or a [`Link`].
#[derive(Serialize)]
struct DigestContext {
    icon: &'static str,
    color: &'static str,
    name: Safe,
    account: Safe,
    title: Safe,
    fields: Vec<Field>,
    button_text: &'static str,
    button_url: Option<Link>,
    narrative: Option<Safe>,
    counts: Vec<CountLine>,
    sections: Vec<Vec<Line>>,
    more: Option<Safe>,
}

/// What `blocks/alert_thread.json.j2` is given.
#[derive(Serialize)]
struct ThreadContext {
    icon: &'static str,
    color: &'static str,
    name: Safe,
    account: Safe,
    part: Safe,
    sections: Vec<Vec<Line>>,
}

#[derive(Serialize)]
struct Field {
    label: &'static str,
    value: Safe,
}

impl Renderer {
    /// A renderer showing times in `tz`, labels in Korean when `language == "ko"`.
    pub fn new(templates: Templates, tz: Tz, language: &str) -> Self {
        Self { templates, tz, korean: language == "ko" }
    }

    fn label(&self, en: &'static str, ko: &'static str) -> &'static str {
        if self.korean { ko } else { en }
    }

    /// Renders one account group: a parent listing the first events and thread replies with the rest.
    pub fn render(
        &self,
        g: &AccountGroup,
        kind: MessageKind,
        narrative: Option<&str>,
    ) -> Result<RenderedGroup, RenderError> {
        let worst = g.worst();
        let n = g.events.len();
        // Each event's line is built once; packing only needs its escaped length.
        let mut lines: Vec<Option<Line>> = g.events.iter().map(|e| Some(self.line(e))).collect();
        let lens: Vec<usize> = lines.iter().flatten().map(Line::escaped_len).collect();
        let mut take = |range: std::ops::Range<usize>| -> Vec<Line> {
            lines[range].iter_mut().map(|l| l.take().expect("each line is placed once")).collect()
        };
        let head_sections = pack(&lens[..n.min(PARENT_EVENTS)]);
        let shown: usize = head_sections.iter().map(|r| r.len()).sum();
        let remaining = n - shown;
        let title = match kind {
            MessageKind::Digest if n == 1 => self.label("change", "건의 변경"),
            MessageKind::Digest => self.label("changes", "건의 변경"),
            MessageKind::Immediate if n == 1 => self.label("red event", "건의 위험 이벤트"),
            MessageKind::Immediate => self.label("red events", "건의 위험 이벤트"),
        };
        let sections: Vec<Vec<Line>> = head_sections.iter().map(|r| take(r.clone())).collect();
        let more = (remaining > 0).then(|| {
            neutral::line(
                &if self.korean {
                    format!("외 {remaining}건은 스레드에 있습니다")
                } else {
                    format!("+{remaining} more in the thread")
                },
                80,
            )
        });
        let (name, account) = (neutral::line(&g.route.name, NAME_CHARS), neutral::line(&g.account, NAME_CHARS));
        let ctx = DigestContext {
            icon: worst.icon(),
            color: worst.color(),
            name: name.clone(),
            account: account.clone(),
            title: neutral::line(&format!("{n} {title}"), 40),
            fields: self.fields(g),
            button_text: self.label("View in CloudTrail", "CloudTrail에서 보기"),
            button_url: cloudtrail_link(&g.main_region(), (n == 1).then(|| g.events[0].event.id.as_str())),
            narrative: narrative.map(|t| neutral::line(t, 1_500)),
            counts: self.counts(g),
            sections,
            more,
        };
        let ids = |from: usize, to: usize| g.events[from..to].iter().map(|e| e.event.id.clone()).collect();
        let parent = self.finish("blocks/alert_digest.json.j2", &ctx, ids(0, shown))?;
        let mut chunks: Vec<Vec<std::ops::Range<usize>>> = Vec::new();
        let mut start = shown;
        while start < n {
            let sections = pack(&lens[start..n.min(start + THREAD_EVENTS)]);
            let used: usize = sections.iter().map(|r| r.len()).sum();
            chunks.push(sections.into_iter().map(|r| r.start + start..r.end + start).collect());
            start += used;
        }
        let parts = chunks.len();
        let mut thread = Vec::with_capacity(parts);
        for (i, sections) in chunks.into_iter().enumerate() {
            let (from, to) = (sections[0].start, sections[sections.len() - 1].end);
            let lines: Vec<Vec<Line>> = sections.into_iter().map(&mut take).collect();
            let part = neutral::line(&format!("{}/{parts}", i + 1), 20);
            let ctx = ThreadContext {
                icon: worst.icon(),
                color: worst.color(),
                name: name.clone(),
                account: account.clone(),
                part,
                sections: lines,
            };
            thread.push(self.finish("blocks/alert_thread.json.j2", &ctx, ids(from, to))?);
        }
        Ok(RenderedGroup { parent, thread })
    }

    fn line(&self, e: &Alerted) -> Line {
        let mut note = e.reasons.join(", ");
        if e.event.failed {
            let code = if e.event.error_code.is_empty() { "failed" } else { e.event.error_code.as_str() };
            note = if note.is_empty() { code.to_owned() } else { format!("{note}, {code}") };
        }
        if e.event.time_unknown {
            let said = self.label("no eventTime: time received", "eventTime 없음: 수신 시각");
            note = if note.is_empty() { said.to_owned() } else { format!("{note}, {said}") };
        }
        Line {
            icon: e.severity.icon(),
            action: neutral::line(&e.event.name, 64),
            resource: neutral::code(&resource_id(&e.event), 100),
            actor: neutral::line(&e.actor.name, 80),
            badge: e.actor.kind.badge(),
            time: neutral::line(&e.event.time.with_timezone(&self.tz).format("%H:%M:%S").to_string(), 20),
            region: neutral::line(&e.event.region, 20),
            note: neutral::line(&note, 120),
        }
    }

    fn counts(&self, g: &AccountGroup) -> Vec<CountLine> {
        g.counts()
            .into_iter()
            .take(MAX_COUNT_LINES)
            .map(|c| CountLine {
                icon: c.worst.icon(),
                actor: neutral::line(&c.actor.name, 80),
                badge: c.actor.kind.badge(),
                action: neutral::line(&c.action, 64),
                count: c.count,
            })
            .collect()
    }

    fn fields(&self, g: &AccountGroup) -> Vec<Field> {
        let performers = g.performers();
        let shown = performers.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
        let performers = if performers.len() > 5 { format!("{shown} +{}", performers.len() - 5) } else { shown };
        vec![
            Field { label: self.label("Performed by", "수행자"), value: neutral::line(&performers, 500) },
            Field { label: self.label("Time", "시간"), value: neutral::line(&self.time_range(g.time_range()), 80) },
            Field { label: self.label("Regions", "리전"), value: neutral::line(&g.regions().join(", "), 300) },
            Field {
                label: self.label("Account", "계정"),
                value: neutral::line(
                    &format!("{} ({})", crate::slack::escape::truncate(&g.route.name, NAME_CHARS), g.account),
                    2 * NAME_CHARS + 3,
                ),
            },
        ]
    }

    fn time_range(&self, range: Option<(DateTime<Utc>, DateTime<Utc>)>) -> String {
        let Some((a, b)) = range else { return "-".into() };
        let (a, b) = (a.with_timezone(&self.tz), b.with_timezone(&self.tz));
        if a == b {
            a.format("%Y-%m-%d %H:%M:%S %Z").to_string()
        } else if a.date_naive() == b.date_naive() {
            format!("{} – {}", a.format("%Y-%m-%d %H:%M:%S"), b.format("%H:%M:%S %Z"))
        } else {
            format!("{} – {}", a.format("%Y-%m-%d %H:%M"), b.format("%Y-%m-%d %H:%M %Z"))
        }
    }

    fn finish(&self, template: &str, ctx: &impl Serialize, event_ids: Vec<String>) -> Result<Rendered, RenderError> {
        let text = self.templates.render(template, ctx).map_err(RenderError::Template)?;
        let mut json: Value = serde_json::from_str(&text).map_err(|e| RenderError::Invalid(e.to_string()))?;
        limits::enforce(&mut json)?;
        let content: SlackMessageContent = serde::Deserialize::deserialize(&json)
            .map_err(|e: serde_json::Error| RenderError::Invalid(e.to_string()))?;
        Ok(Rendered { content, json, event_ids })
    }
}

#[cfg(test)]
#[path = "render_props.rs"]
mod props;
#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
