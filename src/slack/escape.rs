//! Escaping for Slack mrkdwn: user- and event-controlled text can never ping, link or break formatting.

/// Escapes `&`, `<` and `>` as Slack requires, so `<!channel>` or `<@U123>` in data renders as text.
pub fn mrkdwn(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text for use inside a ``` code block: mrkdwn escaping plus breaking up triple backticks.
pub fn code_block(text: &str) -> String {
    mrkdwn(text).replace("```", "`\u{200b}``")
}

/// Escapes text for inline emphasis (`*…*`, `_…_`, `` `…` ``): mrkdwn escaping and neutralised markers.
pub fn inline(text: &str) -> String {
    mrkdwn(text).replace('`', "'").replace('\n', " ")
}

/// Truncates `text` to at most `max` characters, ending with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// minijinja filter `mrkdwn`.
pub fn mrkdwn_filter(value: String) -> String {
    mrkdwn(&value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_mentions_in_data_cannot_ping() {
        assert_eq!(mrkdwn("<!channel> & <@U123>"), "&lt;!channel&gt; &amp; &lt;@U123&gt;");
    }

    #[test]
    fn ampersand_is_escaped_first_so_entities_are_not_double_decoded() {
        assert_eq!(mrkdwn("&lt;"), "&amp;lt;");
    }

    #[test]
    fn code_blocks_cannot_be_closed_by_data() {
        assert!(!code_block("a```b").contains("```"));
    }

    #[test]
    fn truncate_counts_characters_not_bytes() {
        assert_eq!(truncate("가나다라", 3), "가나…");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
