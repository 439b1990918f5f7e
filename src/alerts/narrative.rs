//! The narrative line: a deterministic summary sentence, or an LLM's text over redacted events.

use std::collections::BTreeSet;

use serde_json::Value;

use super::group::AccountGroup;
use super::redact::redact;
use super::rules::Severity;

/// Writes a short plain-text narrative for one account's events (an LLM in production, see [`LlmNarrator`]).
#[async_trait::async_trait]
pub trait Narrator: Send + Sync {
    /// One short paragraph about `events` (already redacted) in `language` (`en`/`ko`).
    async fn narrate(&self, events: &[Value], language: &str) -> anyhow::Result<String>;
}

/// Most bytes of redacted event JSON sent to the model for one message.
const MAX_PROMPT_EVENTS_BYTES: usize = 24_000;

/// A [`Narrator`] over the configured language model: plain-text completion, no tools, over redacted events.
///
/// Its text lands in one block of the message; it never sees or changes colours, routing or the event list.
pub struct LlmNarrator {
    llm: std::sync::Arc<dyn crate::llm::Llm>,
    templates: crate::templates::Templates,
}

impl LlmNarrator {
    /// A narrator over `llm`, prompting with `prompts/narrative_system.md.j2` from `templates`.
    pub fn new(llm: std::sync::Arc<dyn crate::llm::Llm>, templates: crate::templates::Templates) -> Self {
        Self { llm, templates }
    }
}

#[async_trait::async_trait]
impl Narrator for LlmNarrator {
    async fn narrate(&self, events: &[Value], language: &str) -> anyhow::Result<String> {
        use anyhow::Context;
        let system = self
            .templates
            .render("prompts/narrative_system.md.j2", minijinja::context! { language })
            .context("could not render the narrative prompt")?;
        let mut listed = String::new();
        let mut shown = 0;
        for event in events {
            let line = event.to_string();
            if listed.len() + line.len() > MAX_PROMPT_EVENTS_BYTES {
                break;
            }
            listed.push_str(&line);
            listed.push('\n');
            shown += 1;
        }
        let user = format!(
            "{} AWS change event(s); {shown} shown below as redacted CloudTrail JSON, one per line.\n<events>\n{listed}</events>",
            events.len()
        );
        let request = crate::llm::GenerationRequest { system, messages: vec![crate::llm::ChatMessage::user(user)] };
        let done = self.llm.complete_text(&request).await.context("the model could not write the narrative")?;
        Ok(done.text)
    }
}

/// Most characters of model text kept.
const MAX_NARRATIVE: usize = 600;

/// The narrative for a group: the model's text when a narrator is given and answers, else the deterministic one.
pub async fn narrative(g: &AccountGroup, narrator: Option<&dyn Narrator>, language: &str) -> String {
    if let Some(n) = narrator {
        let redacted: Vec<Value> = g.events.iter().take(200).map(|e| redact(e.event.detail())).collect();
        match n.narrate(&redacted, language).await {
            Ok(text) if !text.trim().is_empty() => {
                let clean: String =
                    text.chars().filter(|c| !c.is_control() || *c == '\n').take(MAX_NARRATIVE).collect();
                return clean.trim().to_owned();
            }
            Ok(_) => tracing::warn!("narrator returned nothing; using the deterministic summary"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "narrator failed; using the deterministic summary"),
        }
    }
    summary_sentence(g, language)
}

/// "3 changes by 2 people: 1 red (root ConsoleLogin), 2 yellow." — or the Korean equivalent.
pub fn summary_sentence(g: &AccountGroup, language: &str) -> String {
    let n = g.events.len();
    let people = g.events.iter().map(|e| e.actor.name.as_str()).collect::<BTreeSet<_>>().len();
    let count = |s: Severity| g.events.iter().filter(|e| e.severity == s).count();
    let reds: Vec<String> = g
        .events
        .iter()
        .filter(|e| e.severity == Severity::Red)
        .map(|e| format!("{} {}", e.actor.name, e.event.name))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .take(3)
        .collect();
    let (r, y, gr) = (count(Severity::Red), count(Severity::Yellow), count(Severity::Green));
    if language == "ko" {
        let mut parts = Vec::new();
        if r > 0 {
            parts.push(format!("위험 {r}건({})", reds.join(", ")));
        }
        if y > 0 {
            parts.push(format!("주의 {y}건"));
        }
        if gr > 0 {
            parts.push(format!("일반 {gr}건"));
        }
        return format!("{people}명이 {n}건을 변경했습니다: {}.", parts.join(", "));
    }
    let plural = |k: usize, one: &str, many: &str| if k == 1 { format!("{k} {one}") } else { format!("{k} {many}") };
    let mut parts = Vec::new();
    if r > 0 {
        parts.push(format!("{r} red ({})", reds.join(", ")));
    }
    if y > 0 {
        parts.push(format!("{y} yellow"));
    }
    if gr > 0 {
        parts.push(format!("{gr} green"));
    }
    format!("{} by {}: {}.", plural(n, "change", "changes"), plural(people, "person", "people"), parts.join(", "))
}
