//! Neutralising event-controlled text for its place in an alert message: one line, no markup, no mentions, no key
//! material, bounded length.
//!
//! [`Safe`] is the only text type the alert templates are given for data; it is made by [`line`] (mrkdwn or
//! plain text) or [`code`] (inside an inline code span). Both, in this order:
//! 1. drop invisible format characters (bidi embeddings, overrides and isolates, zero-width characters, the soft
//!    hyphen, tag characters) and turn control characters and every Unicode space or line break into one space;
//! 2. mask key material ([`mask_keys`]);
//! 3. truncate to the given number of characters, ending with `…` (and mask again: a cut can shorten a longer
//!    run to exactly a secret's length);
//! 4. escape `&`, `<`, `>` as Slack requires; in text, also replace the mrkdwn markers `*`, `~` and `` ` `` and
//!    the colons of `:shortcode:` runs with look-alikes, and `_` unless it sits between two letters or digits
//!    (where Slack never reads it as emphasis); in code, replace `` ` ``.

use serde::Serialize;

/// Text that is safe for its place in an alert: one line, escaped, bounded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Safe(String);

impl Safe {
    /// The escaped text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Characters of the escaped text.
    pub fn chars(&self) -> usize {
        self.0.chars().count()
    }

    /// Whether there is no text.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Stands for a mask's `*` between masking and escaping, so escaping can tell it from a `*` in the data (which
/// becomes a look-alike); [`one_line`] drops it from data.
const MASK_STAR: char = '\u{E000}';

/// Neutralises `raw` for mrkdwn or plain text, keeping at most `max` characters of it (before escaping).
pub fn line(raw: &str, max: usize) -> Safe {
    let text = clean(raw, max);
    let chars: Vec<char> = text.chars().collect();
    let shortcode_colons = shortcode_colons(&chars);
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let word = |j: Option<usize>| j.and_then(|j| chars.get(j)).is_some_and(|c| c.is_alphanumeric());
        match c {
            '&' | '<' | '>' => escape(c, &mut out),
            '*' => out.push('\u{2217}'),
            '~' => out.push('\u{223C}'),
            '`' => out.push('\''),
            '_' if !(word(i.checked_sub(1)) && word(Some(i + 1))) => out.push('\u{FF3F}'),
            ':' if shortcode_colons.contains(&i) => out.push('\u{2236}'),
            MASK_STAR => out.push('*'),
            _ => out.push(c),
        }
    }
    Safe(out)
}

/// Neutralises `raw` for the inside of an inline code span (`` `…` ``), keeping at most `max` characters.
pub fn code(raw: &str, max: usize) -> Safe {
    let text = clean(raw, max);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' | '<' | '>' => escape(c, &mut out),
            '`' => out.push('\''),
            MASK_STAR => out.push('*'),
            _ => out.push(c),
        }
    }
    Safe(out)
}

fn escape(c: char, out: &mut String) {
    out.push_str(match c {
        '&' => "&amp;",
        '<' => "&lt;",
        _ => "&gt;",
    });
}

/// `raw` on one line, masked, truncated to `max` characters. Masked before the cut so no prefix of a key
/// survives, and again after it, since a cut can end a longer run exactly at secret length.
fn clean(raw: &str, max: usize) -> String {
    mask_with(&cut(&mask_with(&one_line(raw), MASK_STAR), max), MASK_STAR).into_owned()
}

/// Truncates to `max` characters, ending with `…` when cut.
fn cut(text: &str, max: usize) -> String {
    crate::slack::escape::truncate(text, max)
}

/// Format characters that change how text around them is shown without being seen themselves.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{0600}'..='\u{0605}' | '\u{06DD}'
        | '\u{070F}' | '\u{0890}' | '\u{0891}' | '\u{08E2}' | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}'
        | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// `raw` on one line: invisible characters dropped, controls and whitespace runs as one space, trimmed.
pub fn one_line(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut space = false;
    for c in raw.chars() {
        if invisible(c) || c == MASK_STAR {
            continue;
        }
        if c.is_control() || c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// Indices of colons that open a `:name:` run Slack could show as an emoji (each run's first colon). Runs without a
/// letter (`14:00:07`, an account id in an ARN) are left alone: no severity icon or mention is spelled without one.
fn shortcode_colons(chars: &[char]) -> Vec<usize> {
    let name = |c: char| c.is_ascii_alphanumeric() || "_+-'".contains(c);
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ':' {
            let len = chars[i + 1..].iter().take_while(|c| name(**c)).count();
            let lettered = chars[i + 1..i + 1 + len].iter().any(char::is_ascii_alphabetic);
            if lettered && chars.get(i + 1 + len) == Some(&':') {
                found.push(i);
                i += 1 + len; // the closing colon may open the next run
                continue;
            }
        }
        i += 1;
    }
    found
}

/// Whether `text` holds an access key id (`AKIA`/`ASIA` + 16 of `A–Z 0–9`) or a secret-shaped run (exactly 40
/// characters of `A–Z a–z 0–9 + /` with an upper-case letter, a lower-case letter and a digit).
pub fn has_key_material(text: &str) -> bool {
    !matches!(mask_keys(text), std::borrow::Cow::Borrowed(_))
}

/// Masks key material: an access key id keeps its prefix and last four (`AKIA****WXYZ`); a secret-shaped run
/// becomes `[masked]`.
pub fn mask_keys(text: &str) -> std::borrow::Cow<'_, str> {
    mask_with(text, '*')
}

/// [`mask_keys`] with `star` for the masked characters of a key id.
fn mask_with(text: &str, star: char) -> std::borrow::Cow<'_, str> {
    let b = text.as_bytes();
    let mut out: Option<String> = None;
    let (mut i, mut copied) = (0, 0);
    while i < b.len() {
        let replacement = key_id_at(b, i).map(|n| (n, masked_id(&text[i..i + n], star))).or_else(|| secret_at(b, i));
        match replacement {
            Some((n, masked)) => {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                o.push_str(&text[copied..i]);
                o.push_str(&masked);
                i += n;
                copied = i;
            }
            None => i += 1,
        }
    }
    match out {
        Some(mut o) => {
            o.push_str(&text[copied..]);
            std::borrow::Cow::Owned(o)
        }
        None => std::borrow::Cow::Borrowed(text),
    }
}

fn key_id_at(b: &[u8], i: usize) -> Option<usize> {
    let w = b.get(i..i + 20)?;
    ((w.starts_with(b"AKIA") || w.starts_with(b"ASIA"))
        && w.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
    .then_some(20)
}

fn masked_id(id: &str, star: char) -> String {
    let stars: String = std::iter::repeat_n(star, 4).collect();
    format!("{}{stars}{}", &id[..4], &id[id.len() - 4..])
}

fn secret_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
}

/// A maximal run of exactly 40 secret characters starting at `i`, mixing cases and digits.
fn secret_at(b: &[u8], i: usize) -> Option<(usize, String)> {
    if i > 0 && secret_char(b[i - 1]) {
        return None;
    }
    let run = b[i..].iter().take_while(|c| secret_char(**c)).count();
    let w = &b[i..i + run];
    let mixed = w.iter().any(u8::is_ascii_uppercase)
        && w.iter().any(u8::is_ascii_lowercase)
        && w.iter().any(u8::is_ascii_digit);
    (run == 40 && mixed).then(|| (40, "[masked]".to_owned()))
}

#[cfg(test)]
#[path = "neutral_tests.rs"]
mod tests;
