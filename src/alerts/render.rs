//! Rendering: an account group → Block Kit messages (parent + chunked thread replies) via `blocks/alert_*.j2`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::Value;
use slack_morphism::prelude::SlackMessageContent;

use super::console::{cloudtrail_url, resource_id};
use super::group::{AccountGroup, Alerted};
use super::limits::{self, LimitError};
use crate::slack::escape::{mrkdwn, truncate};
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
    action: String,
    resource: String,
    actor: String,
    badge: &'static str,
    time: String,
    region: String,
    note: String,
}

#[derive(Serialize)]
struct CountLine {
    icon: &'static str,
    actor: String,
    badge: &'static str,
    action: String,
    count: String,
}

#[derive(Serialize)]
struct Field {
    label: &'static str,
    value: String,
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
        let head_sections = self.pack(&g.events[..n.min(PARENT_EVENTS)]);
        let shown: usize = head_sections.iter().map(Vec::len).sum();
        let (head, rest) = g.events.split_at(shown);
        let remaining = rest.len();
        let title = match kind {
            MessageKind::Digest => self.label("changes", "건의 변경"),
            MessageKind::Immediate => self.label("red events", "건의 위험 이벤트"),
        };
        let text = format!("{} {} ({}): {} {}", worst.icon(), g.route.name, g.account, n, title);
        let sections: Vec<Vec<Line>> = head_sections.iter().map(|s| s.iter().map(|e| self.line(e)).collect()).collect();
        let more = (remaining > 0).then(|| {
            if self.korean {
                format!("외 {remaining}건은 스레드에 있습니다")
            } else {
                format!("+{remaining} more in the thread")
            }
        });
        let header = truncate(&format!("{} {} — {} {}", worst.icon(), g.route.name, n, title), 120);
        let button_url = cloudtrail_url(&g.main_region(), (n == 1).then(|| g.events[0].event.id.as_str()));
        let ctx = serde_json::json!({
            "text": text,
            "color": worst.color(),
            "header": header,
            "fields": self.fields(g),
            "button_text": self.label("View in CloudTrail", "CloudTrail에서 보기"),
            "button_url": button_url,
            "narrative": narrative.map(|t| truncate(t, 1_500)),
            "counts": self.counts(g),
            "sections": sections,
            "more": more,
        });
        let parent =
            self.finish("blocks/alert_digest.json.j2", &ctx, head.iter().map(|e| e.event.id.clone()).collect())?;
        let mut chunks: Vec<Vec<Vec<&Alerted>>> = Vec::new();
        let mut rest = rest;
        while !rest.is_empty() {
            let sections = self.pack(&rest[..rest.len().min(THREAD_EVENTS)]);
            let used: usize = sections.iter().map(Vec::len).sum();
            rest = &rest[used..];
            chunks.push(sections);
        }
        let parts = chunks.len();
        let mut thread = Vec::with_capacity(parts);
        for (i, sections) in chunks.iter().enumerate() {
            let lines: Vec<Vec<Line>> = sections.iter().map(|s| s.iter().map(|e| self.line(e)).collect()).collect();
            let text = format!("{} {} ({}) — {}/{parts}", worst.icon(), g.route.name, g.account, i + 1);
            let ctx = serde_json::json!({"text": text, "color": worst.color(), "sections": lines});
            let ids = sections.iter().flatten().map(|e| e.event.id.clone()).collect();
            thread.push(self.finish("blocks/alert_thread.json.j2", &ctx, ids)?);
        }
        Ok(RenderedGroup { parent, thread })
    }

    /// Splits events into sections within the per-section and per-message budgets; returns what fits.
    fn pack<'a>(&self, events: &'a [Alerted]) -> Vec<Vec<&'a Alerted>> {
        let mut sections: Vec<Vec<&Alerted>> = Vec::new();
        let (mut cur, mut cur_len, mut total) = (Vec::new(), 0usize, 0usize);
        for e in events {
            let len = self.line_len(e);
            if total + len > MESSAGE_BUDGET && !(sections.is_empty() && cur.is_empty()) {
                break;
            }
            if !cur.is_empty() && (cur.len() == LINES_PER_SECTION || cur_len + len > SECTION_BUDGET) {
                sections.push(std::mem::take(&mut cur));
                cur_len = 0;
            }
            cur.push(e);
            cur_len += len;
            total += len;
        }
        if !cur.is_empty() {
            sections.push(cur);
        }
        sections
    }

    /// Escaped length of a line plus formatting overhead.
    fn line_len(&self, e: &Alerted) -> usize {
        let l = self.line(e);
        [&l.action, &l.resource, &l.actor, &l.time, &l.region, &l.note]
            .iter()
            .map(|s| mrkdwn(s).chars().count())
            .sum::<usize>()
            + 60
    }

    fn line(&self, e: &Alerted) -> Line {
        let mut note = e.reasons.join(", ");
        if e.event.failed {
            let code = e.event.str_at("errorCode").unwrap_or("failed");
            note = if note.is_empty() { code.to_owned() } else { format!("{note}, {code}") };
        }
        Line {
            icon: e.severity.icon(),
            action: truncate(&e.event.name, 64),
            resource: truncate(&resource_id(&e.event).replace('`', "'"), 100),
            actor: truncate(&e.actor.name, 80),
            badge: e.actor.kind.badge(),
            time: e.event.time.with_timezone(&self.tz).format("%H:%M:%S").to_string(),
            region: truncate(&e.event.region, 20),
            note: truncate(&note, 120),
        }
    }

    fn counts(&self, g: &AccountGroup) -> Vec<CountLine> {
        g.counts()
            .into_iter()
            .take(MAX_COUNT_LINES)
            .map(|c| CountLine {
                icon: c.worst.icon(),
                actor: truncate(&c.actor.name, 80),
                badge: c.actor.kind.badge(),
                action: truncate(&c.action, 64),
                count: c.count.to_string(),
            })
            .collect()
    }

    fn fields(&self, g: &AccountGroup) -> Vec<Field> {
        let performers = g.performers();
        let shown = performers.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
        let performers = if performers.len() > 5 { format!("{shown} +{}", performers.len() - 5) } else { shown };
        vec![
            Field { label: self.label("Performed by", "수행자"), value: truncate(&performers, 500) },
            Field { label: self.label("Time", "시간"), value: self.time_range(g.time_range()) },
            Field { label: self.label("Regions", "리전"), value: truncate(&g.regions().join(", "), 300) },
            Field {
                label: self.label("Account", "계정"),
                value: format!("{} ({})", truncate(&g.route.name, 80), g.account),
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

    fn finish(&self, template: &str, ctx: &Value, event_ids: Vec<String>) -> Result<Rendered, RenderError> {
        let text = self.templates.render(template, ctx).map_err(RenderError::Template)?;
        let mut json: Value = serde_json::from_str(&text).map_err(|e| RenderError::Invalid(e.to_string()))?;
        limits::enforce(&mut json)?;
        let content: SlackMessageContent =
            serde_json::from_value(json.clone()).map_err(|e| RenderError::Invalid(e.to_string()))?;
        Ok(Rendered { content, json, event_ids })
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
