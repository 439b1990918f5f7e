//! Validated link parts and the only way to build a URL placed in an alert message.
//!
//! A [`Link`] is made by [`Link::https`] from fixed text written in the code and parts that passed an allow-list
//! pattern ([`Region`], [`AccountId`], [`ResourceId`]); resource parts are percent-encoded, and a URL longer
//! than [`MAX_URL`] is refused. Callers drop the link (and its button) when any part fails: data never chooses
//! a host, and never widens a URL past Slack's limit.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::neutral::has_key_material;

/// Longest URL Slack accepts in a button or a link.
pub const MAX_URL: usize = 3_000;
/// Longest resource id placed in a URL.
pub const MAX_RESOURCE_ID: usize = 256;

static REGION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$").expect("region pattern compiles"));

/// AWS partition of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// Commercial.
    Aws,
    /// China.
    AwsCn,
    /// GovCloud (US).
    AwsUsGov,
    /// Isolated regions (`us-iso-*`, `us-isob-*`, …): no public console.
    Iso,
}

/// An AWS region name that matches `^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region(String);

impl Region {
    /// The region, when `text` is shaped like one.
    pub fn parse(text: &str) -> Option<Self> {
        REGION.is_match(text).then(|| Self(text.to_owned()))
    }

    /// The region name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The partition the region belongs to.
    pub fn partition(&self) -> Partition {
        let r = self.0.as_str();
        if r.starts_with("cn-") {
            Partition::AwsCn
        } else if r.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else if r.split('-').nth(1).is_some_and(|p| p.starts_with("iso")) {
            Partition::Iso
        } else {
            Partition::Aws
        }
    }
}

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountId(String);

impl AccountId {
    /// The account id, when `text` is exactly 12 ASCII digits.
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())).then(|| Self(text.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A resource or event id: 1 to [`MAX_RESOURCE_ID`] characters from `A–Z a–z 0–9 - _ . : / @ + = ,`, holding
/// no key material (a URL is copied and logged; an access key id or secret must never ride in one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceId(String);

impl ResourceId {
    /// The id, when every character is in the allow-list, the length is within bounds and no key is in it.
    pub fn parse(text: &str) -> Option<Self> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.:/@+=,".contains(c);
        let shaped = !text.is_empty() && text.len() <= MAX_RESOURCE_ID && text.chars().all(allowed);
        (shaped && !has_key_material(text)).then(|| Self(text.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One piece of a URL given to [`Link::https`].
#[derive(Debug, Clone, Copy)]
pub enum Part<'a> {
    /// Text written in the code (hosts, paths, separators).
    Fixed(&'static str),
    /// A region, written as is (its pattern allows only `a–z`, `0–9` and `-`).
    Region(&'a Region),
    /// An account id, written as is (digits only).
    Account(&'a AccountId),
    /// A resource id, percent-encoded (everything but `A–Z a–z 0–9 - . _ ~`).
    Resource(&'a ResourceId),
}

/// A URL built only from validated parts, at most [`MAX_URL`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Link(String);

impl Link {
    /// Joins `parts` into a URL; `None` unless the first part is fixed `https://…` text and the result fits
    /// [`MAX_URL`].
    pub fn https(parts: &[Part<'_>]) -> Option<Self> {
        if !matches!(parts.first(), Some(Part::Fixed(origin)) if origin.starts_with("https://")) {
            return None;
        }
        let mut url = String::new();
        for part in parts {
            match part {
                Part::Fixed(text) => url.push_str(text),
                Part::Region(r) => url.push_str(r.as_str()),
                Part::Account(a) => url.push_str(a.as_str()),
                Part::Resource(id) => percent_encode(id.as_str(), &mut url),
            }
            if url.len() > MAX_URL {
                return None;
            }
        }
        Some(Self(url))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn percent_encode(text: &str, out: &mut String) {
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_match_the_aws_pattern_and_nothing_else() {
        for good in ["us-east-1", "ap-northeast-2", "us-gov-west-1", "cn-north-1", "us-iso-east-1", "us-isob-east-1"] {
            assert!(Region::parse(good).is_some(), "{good}");
        }
        for bad in [
            "evil.example/x?y=",
            "https://evil.example/…?x=",
            "us-east-1.evil.example",
            "us-east-1\n",
            "US-EAST-1",
            "us-east-١",
            "",
            "us-east-12",
        ] {
            assert!(Region::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn account_ids_are_twelve_ascii_digits() {
        assert!(AccountId::parse("111122223333").is_some());
        for bad in ["11112222333", "1111222233334", "11112222333x", "１１１１２２２２３３３３"] {
            assert!(AccountId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn resource_ids_are_allow_listed_bounded_and_percent_encoded() {
        let arn = ResourceId::parse("arn:aws:iam::111122223333:policy/a+b=c,d@e").unwrap();
        let link = Link::https(&[Part::Fixed("https://example.aws/"), Part::Resource(&arn)]).unwrap();
        assert_eq!(link.as_str(), "https://example.aws/arn%3Aaws%3Aiam%3A%3A111122223333%3Apolicy%2Fa%2Bb%3Dc%2Cd%40e");
        for bad in ["a b", "a\"><x", "a#b", "a?b", "a%2F", "ü", "", "x\n", "e-AKIAIOSFODNN7EXAMPLE"] {
            assert!(ResourceId::parse(bad).is_none(), "{bad:?}");
        }
        assert!(ResourceId::parse(&"a".repeat(MAX_RESOURCE_ID)).is_some());
        assert!(ResourceId::parse(&"a".repeat(MAX_RESOURCE_ID + 1)).is_none());
    }

    #[test]
    fn links_start_with_fixed_https_text_and_stay_within_slacks_url_limit() {
        let id = ResourceId::parse(&"/".repeat(MAX_RESOURCE_ID)).unwrap();
        let parts: Vec<Part<'_>> =
            std::iter::once(Part::Fixed("https://h/")).chain(std::iter::repeat_n(Part::Resource(&id), 4)).collect();
        assert_eq!(Link::https(&parts[..4]).unwrap().as_str().len(), 10 + 3 * 3 * MAX_RESOURCE_ID);
        assert!(Link::https(&parts).is_none(), "4 × 768 encoded characters exceed 3,000");
        assert!(Link::https(&[Part::Fixed("http://h/")]).is_none());
        let region = Region::parse("us-east-1").unwrap();
        assert!(Link::https(&[Part::Region(&region)]).is_none(), "data never starts a URL");
    }

    #[test]
    fn partitions_follow_the_region_prefix() {
        let p = |r: &str| Region::parse(r).unwrap().partition();
        assert_eq!(p("eu-west-1"), Partition::Aws);
        assert_eq!(p("cn-northwest-1"), Partition::AwsCn);
        assert_eq!(p("us-gov-east-1"), Partition::AwsUsGov);
        assert_eq!(p("us-isob-east-1"), Partition::Iso);
    }
}
