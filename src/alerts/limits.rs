//! Slack message limits, enforced on rendered JSON before anything is sent.
//!
//! Texts over their limit are truncated; a button or accessory whose URL is longer than [`MAX_URL`] is removed
//! (an `actions` block left empty goes with it), so the message still posts, without that link.

use serde_json::Value;

pub use super::link::MAX_URL;
use crate::slack::escape::truncate;

/// Blocks per message.
pub const MAX_BLOCKS: usize = 50;
/// Characters per section text.
pub const MAX_SECTION: usize = 3_000;
/// Characters per section field.
pub const MAX_FIELD: usize = 2_000;
/// Fields per section.
pub const MAX_FIELDS: usize = 10;
/// Characters in a header.
pub const MAX_HEADER: usize = 150;
/// Characters of text in the whole message.
pub const MAX_TOTAL: usize = 40_000;

/// A limit that truncation cannot fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// Too many blocks in one message.
    #[error("message has {0} blocks (Slack allows {MAX_BLOCKS})")]
    TooManyBlocks(usize),
    /// Too much text.
    #[error("message has {0} characters of text (Slack allows {MAX_TOTAL})")]
    TooLong(usize),
}

/// Truncates over-long texts in place and checks block count and total size.
pub fn enforce(msg: &mut Value) -> Result<(), LimitError> {
    let mut blocks_total = 0;
    let mut chars = msg.get("text").and_then(Value::as_str).map_or(0, |t| t.chars().count());
    if let Some(Value::Array(atts)) = msg.get_mut("attachments") {
        for a in atts.iter_mut() {
            if let Some(Value::Array(blocks)) = a.get_mut("blocks") {
                drop_long_urls(blocks);
                blocks_total += blocks.len();
                chars += blocks.iter_mut().map(fix_block).sum::<usize>();
            }
        }
    }
    if let Some(Value::Array(blocks)) = msg.get_mut("blocks") {
        drop_long_urls(blocks);
        blocks_total += blocks.len();
        chars += blocks.iter_mut().map(fix_block).sum::<usize>();
    }
    if blocks_total > MAX_BLOCKS {
        return Err(LimitError::TooManyBlocks(blocks_total));
    }
    if chars > MAX_TOTAL {
        return Err(LimitError::TooLong(chars));
    }
    Ok(())
}

/// Whether `v` carries a `url` longer than [`MAX_URL`] characters.
fn long_url(v: &Value) -> bool {
    v.get("url").and_then(Value::as_str).is_some_and(|u| u.chars().count() > MAX_URL)
}

/// Removes elements and accessories with over-long URLs, and `actions` blocks left without elements.
fn drop_long_urls(blocks: &mut Vec<Value>) {
    for b in blocks.iter_mut() {
        if let Some(map) = b.as_object_mut() {
            if map.get("accessory").is_some_and(long_url) {
                map.remove("accessory");
            }
            if let Some(Value::Array(els)) = map.get_mut("elements") {
                els.retain(|e| !long_url(e));
            }
        }
    }
    blocks.retain(|b| {
        b.get("type").and_then(Value::as_str) != Some("actions")
            || b.get("elements").and_then(Value::as_array).is_some_and(|e| !e.is_empty())
    });
}

fn cap(v: Option<&mut Value>, max: usize) -> usize {
    let Some(Value::String(s)) = v else { return 0 };
    if s.chars().count() > max {
        *s = truncate(s, max);
    }
    s.chars().count()
}

fn fix_block(b: &mut Value) -> usize {
    let kind = b.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
    match kind.as_str() {
        "header" => cap(b.pointer_mut("/text/text"), MAX_HEADER),
        "section" => {
            let mut n = cap(b.pointer_mut("/text/text"), MAX_SECTION);
            if let Some(Value::Array(fields)) = b.get_mut("fields") {
                fields.truncate(MAX_FIELDS);
                n += fields.iter_mut().map(|f| cap(f.get_mut("text"), MAX_FIELD)).sum::<usize>();
            }
            n
        }
        "context" => match b.get_mut("elements") {
            Some(Value::Array(els)) => {
                els.truncate(10);
                els.iter_mut().map(|e| cap(e.get_mut("text"), MAX_SECTION)).sum()
            }
            _ => 0,
        },
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_headers_and_sections_are_truncated_not_rejected() {
        let mut m = json!({"text": "t", "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "h".repeat(400)}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "s".repeat(5000)}}]});
        enforce(&mut m).unwrap();
        assert_eq!(m.pointer("/blocks/0/text/text").unwrap().as_str().unwrap().chars().count(), MAX_HEADER);
        assert_eq!(m.pointer("/blocks/1/text/text").unwrap().as_str().unwrap().chars().count(), MAX_SECTION);
    }

    #[test]
    fn a_button_with_a_url_over_3000_characters_is_removed_and_the_message_still_posts() {
        let long = format!("https://us-east-1.console.aws.amazon.com/?x={}", "y".repeat(10_000));
        let mut m = json!({"attachments": [{"blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "s"},
             "accessory": {"type": "button", "text": {"type": "plain_text", "text": "b"}, "url": long}},
            {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "b"}, "url": long}]},
            {"type": "actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "ok"}, "url": "https://example.aws/"},
                {"type": "button", "text": {"type": "plain_text", "text": "b"}, "url": long}]}]}]});
        enforce(&mut m).unwrap();
        let blocks = m.pointer("/attachments/0/blocks").unwrap().as_array().unwrap();
        assert_eq!(blocks.len(), 2, "the emptied actions block is gone: {m}");
        assert!(blocks[0].get("accessory").is_none());
        assert_eq!(blocks[1]["elements"].as_array().unwrap().len(), 1);
        assert!(!m.to_string().contains("yyyy"));
    }

    #[test]
    fn too_many_blocks_is_an_error() {
        let blocks: Vec<_> = (0..51).map(|_| json!({"type": "divider"})).collect();
        let mut m = json!({"attachments": [{"blocks": blocks}]});
        assert_eq!(enforce(&mut m), Err(LimitError::TooManyBlocks(51)));
    }
}
