//! Slack message limits, enforced by truncation before anything is sent: a message that would be rejected
//! (`invalid_blocks`, `msg_too_long`) is cut down instead, and then parsed into slack-morphism types.

use serde_json::{Value, json};
use slack_morphism::prelude::SlackMessageContent;

/// Blocks per message.
pub const MAX_BLOCKS: usize = 50;
/// Characters in a section's text (and in a `markdown` block).
pub const MAX_SECTION_TEXT: usize = 3000;
/// Characters in a header's plain text.
pub const MAX_HEADER_TEXT: usize = 150;
/// Elements in a context block.
pub const MAX_CONTEXT_ELEMENTS: usize = 10;
/// Elements in an actions block.
pub const MAX_ACTIONS_ELEMENTS: usize = 25;
/// Characters in a button's label.
pub const MAX_BUTTON_TEXT: usize = 75;
/// Characters in a button's value.
pub const MAX_BUTTON_VALUE: usize = 2000;
/// Characters of text in the whole message (top-level text plus all block text).
pub const MAX_TOTAL_TEXT: usize = 40_000;
/// Characters of the top-level fallback text.
pub const MAX_FALLBACK_TEXT: usize = 3000;

/// Why a rendered message could not be turned into a Slack message.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    /// The JSON is not a message Slack-morphism understands (a template bug).
    #[error("rendered message is not valid Block Kit: {0}")]
    Invalid(#[from] serde_json::Error),
}

/// Cuts `message` (`{text, blocks, attachments}`) down to Slack's limits and parses it.
pub fn enforce(mut message: Value) -> Result<SlackMessageContent, LimitError> {
    if let Some(text) = message.get_mut("text") {
        truncate_value(text, MAX_FALLBACK_TEXT);
    }
    if let Some(blocks) = message.get_mut("blocks").and_then(Value::as_array_mut) {
        enforce_blocks(blocks);
    }
    if let Some(atts) = message.get_mut("attachments").and_then(Value::as_array_mut) {
        for att in atts {
            if let Some(blocks) = att.get_mut("blocks").and_then(Value::as_array_mut) {
                enforce_blocks(blocks);
            }
        }
    }
    enforce_total(&mut message);
    Ok(serde_json::from_value(message)?)
}

/// Total characters of text in the message, as counted against [`MAX_TOTAL_TEXT`].
pub fn total_text(message: &Value) -> usize {
    let mut n = 0;
    visit_texts(message, &mut |s| n += s.chars().count());
    n
}

fn visit_texts(v: &Value, f: &mut dyn FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|i| visit_texts(i, f)),
        Value::Object(map) => {
            for (k, item) in map {
                if matches!(k.as_str(), "text" | "fields" | "elements" | "blocks" | "attachments") {
                    visit_texts(item, f);
                }
            }
        }
        _ => {}
    }
}

fn enforce_blocks(blocks: &mut Vec<Value>) {
    if blocks.len() > MAX_BLOCKS {
        let dropped = blocks.len() - (MAX_BLOCKS - 1);
        blocks.truncate(MAX_BLOCKS - 1);
        blocks.push(note(&format!("… {dropped} more block(s) left out (Slack allows {MAX_BLOCKS} per message)")));
    }
    for block in blocks.iter_mut() {
        match block.get("type").and_then(Value::as_str) {
            Some("section") => {
                if let Some(text) = block.pointer_mut("/text/text") {
                    truncate_value(text, MAX_SECTION_TEXT);
                }
                if let Some(fields) = block.get_mut("fields").and_then(Value::as_array_mut) {
                    fields.truncate(10);
                    for f in fields {
                        if let Some(t) = f.get_mut("text") {
                            truncate_value(t, 2000);
                        }
                    }
                }
            }
            Some("markdown") => {
                if let Some(text) = block.get_mut("text") {
                    truncate_value(text, MAX_SECTION_TEXT);
                }
            }
            Some("header") => {
                if let Some(text) = block.pointer_mut("/text/text") {
                    truncate_value(text, MAX_HEADER_TEXT);
                }
            }
            Some("context") => {
                if let Some(els) = block.get_mut("elements").and_then(Value::as_array_mut) {
                    els.truncate(MAX_CONTEXT_ELEMENTS);
                    for el in els {
                        if let Some(t) = el.get_mut("text") {
                            truncate_value(t, MAX_SECTION_TEXT);
                        }
                    }
                }
            }
            Some("actions") => {
                if let Some(els) = block.get_mut("elements").and_then(Value::as_array_mut) {
                    els.truncate(MAX_ACTIONS_ELEMENTS);
                    for el in els {
                        if let Some(t) = el.pointer_mut("/text/text") {
                            truncate_value(t, MAX_BUTTON_TEXT);
                        }
                        if let Some(v) = el.get_mut("value") {
                            truncate_value(v, MAX_BUTTON_VALUE);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// When the whole message is over [`MAX_TOTAL_TEXT`], drops blocks from the end (keeping the first) and notes it.
fn enforce_total(message: &mut Value) {
    if total_text(message) <= MAX_TOTAL_TEXT {
        return;
    }
    let Some(blocks) = message.get_mut("blocks").and_then(Value::as_array_mut) else { return };
    let mut dropped = 0;
    while blocks.len() > 1 {
        blocks.pop();
        dropped += 1;
        let used: usize = blocks
            .iter()
            .map(|b| {
                let mut n = 0;
                visit_texts(b, &mut |s| n += s.chars().count());
                n
            })
            .sum();
        if used + MAX_FALLBACK_TEXT + 200 <= MAX_TOTAL_TEXT {
            break;
        }
    }
    blocks.push(note(&format!("… {dropped} block(s) left out to stay within Slack's message size")));
}

fn note(text: &str) -> Value {
    json!({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
}

/// Truncates a JSON string in place to `max` characters; a cut ``` code block is closed again.
fn truncate_value(v: &mut Value, max: usize) {
    let Value::String(s) = v else { return };
    if s.chars().count() <= max {
        return;
    }
    let fenced = s.starts_with("```");
    let keep = if fenced { max.saturating_sub(5) } else { max.saturating_sub(1) };
    let mut cut: String = s.chars().take(keep).collect();
    // Do not leave half an entity such as `&am` behind.
    if let Some(amp) = cut.rfind('&')
        && !cut[amp..].contains(';')
    {
        cut.truncate(amp);
    }
    cut.push('…');
    if fenced {
        cut.push_str("\n```");
    }
    *s = cut;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_sections_headers_and_block_counts_are_cut_not_rejected() {
        let mut blocks = vec![json!({"type": "header", "text": {"type": "plain_text", "text": "h".repeat(400)}})];
        for _ in 0..80 {
            blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": "s".repeat(5000)}}));
        }
        let msg = json!({"text": "t".repeat(50_000), "blocks": blocks});
        let content = enforce(msg).unwrap();
        let v = serde_json::to_value(&content).unwrap();
        let blocks = v["blocks"].as_array().unwrap();
        assert!(blocks.len() <= MAX_BLOCKS);
        assert!(v["text"].as_str().unwrap().chars().count() <= MAX_FALLBACK_TEXT);
        assert!(blocks[0]["text"]["text"].as_str().unwrap().chars().count() <= MAX_HEADER_TEXT);
        for b in blocks.iter().filter(|b| b["type"] == "section") {
            assert!(b["text"]["text"].as_str().unwrap().chars().count() <= MAX_SECTION_TEXT);
        }
        assert!(total_text(&v) <= MAX_TOTAL_TEXT, "{}", total_text(&v));
    }

    #[test]
    fn a_cut_code_block_is_closed_and_entities_are_not_split() {
        let mut v = Value::String(format!("```{}&amp;tail```", "a".repeat(2988)));
        truncate_value(&mut v, MAX_SECTION_TEXT);
        let s = v.as_str().unwrap();
        assert!(s.ends_with("…\n```"));
        assert!(!s.contains("&am…"));
        assert!(s.chars().count() <= MAX_SECTION_TEXT);
    }
}
