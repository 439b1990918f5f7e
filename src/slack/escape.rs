//! Escaping for Slack mrkdwn: user- and data-controlled text can never ping, link or change formatting.
//!
//! Slack's mrkdwn has no escape character for its formatting markers, so outside code blocks every marker in
//! data is replaced by a look-alike that Slack does not interpret (an allow-list: what is left is plain text):
//!
//! | in data | shown as | why |
//! |---|---|---|
//! | `&` `<` `>` | `&amp;` `&lt;` `&gt;` | Slack's own escapes: no `<!channel>`, `<@U…>` or `<url\|link>` |
//! | `*` | `∗` (U+2217) | bold |
//! | `_` | `ˍ` (U+02CD) | italics |
//! | `~` | `∼` (U+223C) | strike-through |
//! | `` ` `` | `ˋ` (U+02CB) | inline code and ``` code blocks |
//! | `>` starting a line | `›` (U+203A) | block quote (Slack reads `&gt;` at a line start as one too) |
//!
//! Inside a code block (``` … ```) Slack applies no formatting, so [`code_block`] keeps the text as it is and only
//! breaks up ``` so data cannot close the block. The template filter `mrkdwn` applies Slack's three escapes only
//! (see [`mrkdwn_filter`]).

/// The look-alike for a mrkdwn formatting marker, `None` for any other character.
fn look_alike(c: char) -> Option<char> {
    match c {
        '*' => Some('\u{2217}'),
        '_' => Some('\u{02CD}'),
        '~' => Some('\u{223C}'),
        '`' => Some('\u{02CB}'),
        _ => None,
    }
}

/// Pushes `c`, with `&`, `<`, `>` escaped as Slack requires (every `&` becomes `&amp;`, so entities in data are
/// shown, not decoded).
fn push_escaped(c: char, out: &mut String) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        _ => out.push(c),
    }
}

/// Makes data safe anywhere in mrkdwn outside a code block: Slack's escapes for `&`, `<`, `>`, and look-alikes
/// for the formatting markers (see the module docs), so `<!channel>` renders as text and ``` or `*` restyle nothing.
pub fn mrkdwn(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut line_start = true;
    for c in text.chars() {
        match (c, look_alike(c)) {
            (_, Some(same)) => out.push(same),
            ('>', None) if line_start => out.push('\u{203A}'),
            _ => push_escaped(c, &mut out),
        }
        line_start = matches!(c, '\n' | '\r') || (line_start && c.is_whitespace());
    }
    out
}

/// Escapes text for use inside a ``` code block: Slack's escapes, and a zero-width space between two backticks
/// so no run of them can close the block.
pub fn code_block(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut after_tick = false;
    for c in text.chars() {
        if c == '`' && after_tick {
            out.push('\u{200b}');
        }
        push_escaped(c, &mut out);
        after_tick = c == '`';
    }
    out
}

/// Escapes text for one line of mrkdwn (inside `_…_`, `*…*` or a list item): [`mrkdwn`] with newlines as spaces.
pub fn inline(text: &str) -> String {
    mrkdwn(&text.replace(['\n', '\r'], " "))
}

/// Escapes text for an inline code span (`` `…` ``): Slack's escapes, no backtick to end the span early, one line.
/// Inside the span no other marker is interpreted, so `_` and `*` stay as they are.
pub fn code_span(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '`' => out.push('\u{02CB}'),
            '\n' | '\r' => out.push(' '),
            _ => push_escaped(c, &mut out),
        }
    }
    out
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

/// Slack's three escapes only (`&`, `<`, `>`): no ping, link or mention, but formatting markers pass through.
pub fn entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    text.chars().for_each(|c| push_escaped(c, &mut out));
    out
}

/// minijinja filter `mrkdwn`: [`entities`] only, because the alert templates pass their own markup (emoji
/// shortcodes such as `:red_circle:`) through it together with data. Answers are escaped in Rust with [`mrkdwn`].
pub fn mrkdwn_filter(value: String) -> String {
    entities(&value)
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;

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
        assert!(!code_block("a````b").contains("```"), "four backticks leave no three in a row");
    }

    #[test]
    fn a_user_agent_with_a_code_fence_or_markers_restyles_nothing() {
        assert_eq!(mrkdwn("aws-cli/2 ```evil``` *b* _i_ ~s~"), "aws-cli/2 ˋˋˋevilˋˋˋ ∗b∗ ˍiˍ ∼s∼");
        assert_eq!(mrkdwn("a > b\n> quoted\n  > indented"), "a &gt; b\n› quoted\n  › indented");
    }

    #[test]
    fn inside_a_code_block_data_is_shown_as_it_is() {
        assert_eq!(code_block("SELECT a_b * 2 FROM t WHERE x ~ '`'"), "SELECT a_b * 2 FROM t WHERE x ~ '`'");
    }

    #[test]
    fn truncate_counts_characters_not_bytes() {
        assert_eq!(truncate("가나다라", 3), "가나…");
        assert_eq!(truncate("abc", 3), "abc");
    }

    /// Strings built mostly from what mrkdwn and Slack's escapes treat specially.
    pub(crate) fn hostile() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("```".to_owned()),
            Just("`".to_owned()),
            Just("*".to_owned()),
            Just("_".to_owned()),
            Just("~".to_owned()),
            Just(">".to_owned()),
            Just("<".to_owned()),
            Just("&".to_owned()),
            Just("&gt;".to_owned()),
            Just("<!channel>".to_owned()),
            Just("<@U123|x>".to_owned()),
            Just("<https://evil.example|click>".to_owned()),
            Just("\n".to_owned()),
            Just(" ".to_owned()),
            "[a-z가-힣0-9]{1,4}",
            any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|p| p.concat())
    }

    /// Characters that carry meaning in mrkdwn outside a code block.
    const MARKERS: [char; 6] = ['*', '_', '~', '`', '<', '>'];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn escaped_data_holds_no_marker_no_raw_entity_and_no_quote(s in hostile()) {
            let out = mrkdwn(&s);
            prop_assert!(!out.contains(MARKERS), "{out:?}");
            for (i, _) in out.match_indices('&') {
                let rest = &out[i..];
                prop_assert!(["&amp;", "&lt;", "&gt;"].iter().any(|e| rest.starts_with(e)), "{out:?}");
            }
            prop_assert!(out.lines().all(|l| !l.trim_start().starts_with("&gt;")), "{out:?}");
            prop_assert_eq!(out.chars().filter(|c| *c == '\n').count(), s.chars().filter(|c| *c == '\n').count());
            prop_assert!(!inline(&s).contains(['\n', '\r']));
        }

        #[test]
        fn code_block_content_cannot_close_the_block_or_ping(s in hostile()) {
            let out = code_block(&s);
            prop_assert!(!out.contains("```") && !out.contains(['<', '>']), "{out:?}");
            let span = code_span(&s);
            prop_assert!(!span.contains(['`', '<', '>', '\n', '\r']), "{span:?}");
        }
    }
}
