//! What a rule matches on: an event's key `service:Action` (its `eventSource` without `.amazonaws.com`, and its
//! `eventName` without an API version suffix), event patterns over keys, and `*` globs.

use std::fmt;

/// An event's identity for rules: the service that logged it and the API action, version suffix removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventKey {
    /// `eventSource` without `.amazonaws.com`, e.g. `lambda`; the whole source when it is not an AWS host.
    pub service: String,
    /// `eventName` with any trailing date-version suffix removed, e.g. `UpdateFunctionCode`.
    pub action: String,
}

impl EventKey {
    /// The key of an event from its `eventSource` and `eventName`.
    pub fn new(source: &str, name: &str) -> Self {
        let service = source.strip_suffix(".amazonaws.com").unwrap_or(source);
        Self { service: service.to_owned(), action: normalise_action(name).to_owned() }
    }
}

impl fmt::Display for EventKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.service, self.action)
    }
}

/// `name` without a trailing API version suffix: eight digits that form a calendar date (`YYYYMMDD`, year
/// 1990–2099), optionally followed by `v` and digits, directly after a letter. `UpdateFunctionCode20150331v2`
/// → `UpdateFunctionCode`; `AddPermission20150331` → `AddPermission`. Anything else is returned unchanged, so a
/// name that merely ends in digits (`ListObjectsV2`, `CreateThing2`, `Foo123456789`) keeps its digits.
pub fn normalise_action(name: &str) -> &str {
    let bytes = name.as_bytes();
    // Strip an optional `v<digits>` tail first.
    let mut end = bytes.len();
    let digits_tail = bytes.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits_tail > 0 && end > digits_tail && bytes[end - digits_tail - 1] == b'v' {
        let before_v = end - digits_tail - 1;
        if before_v >= 8 && bytes[before_v - 8..before_v].iter().all(u8::is_ascii_digit) {
            end = before_v;
        }
    }
    if end < 9 {
        return name;
    }
    let date = &bytes[end - 8..end];
    let head = bytes[end - 9];
    if !date.iter().all(u8::is_ascii_digit) || !head.is_ascii_alphabetic() || !is_date(date) {
        return name;
    }
    &name[..end - 8]
}

/// Whether eight ASCII digits are a plausible API date `YYYYMMDD`.
fn is_date(d: &[u8]) -> bool {
    let num = |r: std::ops::Range<usize>| d[r].iter().fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
    let (year, month, day) = (num(0..4), num(4..6), num(6..8));
    (1990..=2099).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// One entry of a rule's `events`: `service:Action`, `service:*`, or `*` (every event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventPattern {
    /// Every event.
    Any,
    /// Every action of one service.
    Service(String),
    /// One action of one service.
    Exact(EventKey),
}

impl EventPattern {
    /// Reads `service:Action`, `service:*` or `*`; a bare action name is refused (a rule names its service).
    pub fn parse(text: &str) -> Result<Self, String> {
        if text == "*" {
            return Ok(Self::Any);
        }
        let Some((service, action)) = text.split_once(':') else {
            return Err(format!(
                "event {text:?} names no service: write it as \"<service>:{text}\", e.g. \"iam:{text}\" \
                 (the service is the eventSource without .amazonaws.com)"
            ));
        };
        if service.is_empty() || action.is_empty() || service.contains('*') {
            return Err(format!("event {text:?}: write \"<service>:<Action>\" or \"<service>:*\""));
        }
        if action == "*" {
            return Ok(Self::Service(service.to_owned()));
        }
        if action.contains('*') {
            return Err(format!("event {text:?}: only a whole action may be \"*\""));
        }
        let key = EventKey { service: service.to_owned(), action: normalise_action(action).to_owned() };
        Ok(Self::Exact(key))
    }
}

/// `*`-glob match over the whole text.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lambda_version_suffixes_are_removed() {
        assert_eq!(normalise_action("UpdateFunctionCode20150331v2"), "UpdateFunctionCode");
        assert_eq!(normalise_action("UpdateFunctionConfiguration20150331v2"), "UpdateFunctionConfiguration");
        assert_eq!(normalise_action("AddPermission20150331v2"), "AddPermission");
        assert_eq!(normalise_action("CreateFunction20150331"), "CreateFunction");
        assert_eq!(normalise_action("PublishLayerVersion20181031"), "PublishLayerVersion");
        assert_eq!(normalise_action("GetFunction20150331v10"), "GetFunction");
    }

    #[test]
    fn names_that_merely_end_in_digits_keep_them() {
        for name in [
            "ListObjectsV2",
            "CreateThing2",
            "Foo123456789",
            "Foo20151331",
            "Foo20150332",
            "Bar18990101",
            "20150331",
            "A20150331x",
            "Get1320150331",
            "Create20150331v",
            "UpdateFunctionCodev2",
            "DescribeInstances",
            "",
        ] {
            assert_eq!(normalise_action(name), name, "{name}");
        }
    }

    #[test]
    fn keys_name_the_service_without_the_aws_host() {
        let k = EventKey::new("lambda.amazonaws.com", "AddPermission20150331v2");
        assert_eq!(k.to_string(), "lambda:AddPermission");
        assert_eq!(EventKey::new("example.com", "X").service, "example.com");
    }

    #[test]
    fn patterns_name_their_service() {
        assert!(EventPattern::parse("StopLogging").unwrap_err().contains("names no service"));
        assert_eq!(EventPattern::parse("*").unwrap(), EventPattern::Any);
        assert_eq!(EventPattern::parse("s3:*").unwrap(), EventPattern::Service("s3".into()));
        assert!(EventPattern::parse("s3:Put*").is_err());
        assert!(EventPattern::parse(":X").is_err());
        let lambda = EventPattern::parse("lambda:UpdateFunctionCode20150331v2").unwrap();
        assert_eq!(lambda, EventPattern::Exact(EventKey::new("lambda.amazonaws.com", "UpdateFunctionCode")));
    }

    #[test]
    fn globs_match_prefixes_suffixes_and_middles() {
        assert!(glob("arn:*:role/CI*", "arn:aws:iam::1:role/CIDeploy"));
        assert!(glob("*", ""));
        assert!(!glob("a*b", "ab-c"));
        assert!(glob("a*b*c", "a-b-c"));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// A suffix is removed exactly when it is a date-version suffix after a letter, and nothing else changes.
        #[test]
        fn normalising_removes_only_a_date_version_suffix(
            base in "[A-Z][a-zA-Z]{0,20}",
            y in 1990u32..2100, m in 1u32..13, d in 1u32..32,
            v in proptest::option::of(0u32..100),
            tail in "[0-9]{0,12}",
        ) {
            let suffix = format!("{y:04}{m:02}{d:02}{}", v.map(|v| format!("v{v}")).unwrap_or_default());
            let with_suffix = format!("{base}{suffix}");
            prop_assert_eq!(normalise_action(&with_suffix), base.as_str());
            let digits = format!("{base}{tail}");
            let stripped = normalise_action(&digits);
            prop_assert!(stripped == digits || (tail.len() == 8 && stripped == base));
            prop_assert_eq!(normalise_action(normalise_action(&with_suffix)), base.as_str());
        }
    }
}
