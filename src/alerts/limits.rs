//! Slack message limits, enforced on rendered JSON before anything is sent.

use serde_json::Value;

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
                blocks_total += blocks.len();
                chars += blocks.iter_mut().map(fix_block).sum::<usize>();
            }
        }
    }
    if let Some(Value::Array(blocks)) = msg.get_mut("blocks") {
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
    fn too_many_blocks_is_an_error() {
        let blocks: Vec<_> = (0..51).map(|_| json!({"type": "divider"})).collect();
        let mut m = json!({"attachments": [{"blocks": blocks}]});
        assert_eq!(enforce(&mut m), Err(LimitError::TooManyBlocks(51)));
    }
}
