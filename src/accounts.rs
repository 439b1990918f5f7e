//! Named AWS accounts (`[[accounts]]`): one list that serves alert routing, the `account_name` logical column,
//! the prompt and the library's parameter extraction ("prod 계정", "acme-dev" → an account id).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// One `[[accounts]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// 12-digit AWS account id.
    pub id: String,
    /// Display name (`acme-prod`); empty = the id is shown.
    #[serde(default)]
    pub name: String,
    /// Other names people use for it (`prod`, `운영`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Slack channel id for this account's change-feed summaries (empty = `[alerts] default_channel`).
    #[serde(default)]
    pub channel: String,
    /// Team or person responsible (shown in App Home; free text).
    #[serde(default)]
    pub owner: String,
}

impl AccountConfig {
    /// The name shown to people: `name`, or the id when unnamed.
    pub fn display_name(&self) -> &str {
        if self.name.trim().is_empty() { &self.id } else { &self.name }
    }

    /// The name and aliases, non-empty ones only.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str())
            .chain(self.aliases.iter().map(String::as_str))
            .filter(|n| !n.trim().is_empty())
    }
}

/// The sample lake's accounts: the defaults of the embedded setup when `[[accounts]]` is empty.
pub fn sample_lake_accounts() -> Vec<AccountConfig> {
    let one = |id: &str, name: &str, aliases: &[&str]| AccountConfig {
        id: id.into(),
        name: name.into(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        channel: String::new(),
        owner: String::new(),
    };
    vec![
        one("318205947761", "acme-prod", &["prod", "production", "운영"]),
        one("574630192858", "acme-dev", &["dev", "development", "개발"]),
        one("902417365524", "acme-shared-services", &["shared-services", "shared", "공용"]),
    ]
}

/// Why an `[[accounts]]` list is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountsError {
    /// The id is not 12 digits.
    #[error("[[accounts]] id {0:?} is not a 12-digit AWS account id")]
    BadId(String),
    /// The same id twice.
    #[error("[[accounts]] id {0} is listed twice; keep one entry per account")]
    DuplicateId(String),
    /// A name or alias that is empty, too long or holds control characters or quotes.
    #[error("[[accounts]] name or alias {0:?} is not usable: use 1-64 characters without control characters or quotes")]
    BadName(String),
    /// The same name or alias on two accounts.
    #[error("[[accounts]] name or alias {0:?} is used by two accounts; each must name one account")]
    DuplicateName(String),
}

/// The configured accounts, with lookups by id and by name or alias.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Accounts {
    list: Vec<AccountConfig>,
}

impl Accounts {
    /// Checks and wraps `list`.
    ///
    /// # Errors
    /// When an id is not 12 digits or repeats, or a name or alias is unusable or names two accounts.
    pub fn new(list: Vec<AccountConfig>) -> Result<Self, AccountsError> {
        let mut ids = BTreeSet::new();
        let mut names = BTreeSet::new();
        for a in &list {
            if a.id.len() != 12 || !a.id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(AccountsError::BadId(a.id.clone()));
            }
            if !ids.insert(a.id.clone()) {
                return Err(AccountsError::DuplicateId(a.id.clone()));
            }
            for n in a.names() {
                let bad = n.chars().count() > 64 || n.chars().any(|c| c.is_control() || "'\"`\\".contains(c));
                if bad {
                    return Err(AccountsError::BadName(n.to_owned()));
                }
                if !names.insert(n.trim().to_lowercase()) {
                    return Err(AccountsError::DuplicateName(n.to_owned()));
                }
            }
            if a.aliases.iter().any(|x| x.trim().is_empty()) {
                return Err(AccountsError::BadName(String::new()));
            }
        }
        Ok(Self { list })
    }

    /// Every account, in configured order.
    pub fn all(&self) -> &[AccountConfig] {
        &self.list
    }

    /// Whether no account is configured.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The account with id `id`.
    pub fn get(&self, id: &str) -> Option<&AccountConfig> {
        self.list.iter().find(|a| a.id == id)
    }

    /// The name shown for `id`: its configured name, else the id itself.
    pub fn name_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.get(id).map_or(id, AccountConfig::display_name)
    }

    /// The account called `word` (name or alias, case-insensitive).
    pub fn by_name(&self, word: &str) -> Option<&AccountConfig> {
        let word = word.trim().to_lowercase();
        self.list.iter().find(|a| a.names().any(|n| n.trim().to_lowercase() == word))
    }

    /// Ids of the accounts `text` names by name or alias, in order of first mention, with the byte ranges of
    /// the mentions. A mention is a whole word: not glued to ASCII letters, digits, `-` or `_` on either side
    /// (so `prod` does not match inside `acme-prod` or `production`), Korean particles after it are fine.
    pub fn mentions(&self, text: &str) -> Vec<(String, std::ops::Range<usize>)> {
        let lower = text.to_lowercase();
        if lower.len() != text.len() {
            return Vec::new(); // lowercasing changed byte offsets (rare scripts); names are not looked for
        }
        let mut found: Vec<(String, std::ops::Range<usize>)> = Vec::new();
        let mut names: Vec<(String, &str)> =
            self.list.iter().flat_map(|a| a.names().map(move |n| (n.trim().to_lowercase(), a.id.as_str()))).collect();
        // Longer names first, so `acme-prod` wins over `prod` where both could match.
        names.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
        for (name, id) in names {
            for (start, _) in lower.match_indices(&name) {
                let range = start..start + name.len();
                let glued = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if glued(lower[..start].chars().next_back()) || glued(lower[range.end..].chars().next()) {
                    continue;
                }
                if found.iter().any(|(_, r)| r.start < range.end && range.start < r.end) {
                    continue;
                }
                found.push((id.to_owned(), range));
            }
        }
        found.sort_by_key(|(_, r)| r.start);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Accounts {
        Accounts::new(sample_lake_accounts()).unwrap()
    }

    fn ids(text: &str) -> Vec<String> {
        sample().mentions(text).into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn names_and_aliases_are_found_as_whole_words_with_korean_particles() {
        assert_eq!(ids("acme-prod에서 루트 로그인 있었어?"), vec!["318205947761"]);
        assert_eq!(ids("prod 계정 루트 사용"), vec!["318205947761"]);
        assert_eq!(ids("Root logins in ACME-DEV"), vec!["574630192858"]);
        assert_eq!(ids("개발 계정과 운영 계정"), vec!["574630192858", "318205947761"]);
        assert!(ids("production-like workloads in productivity").is_empty());
        assert!(ids("acme-prodx and xprod").is_empty());
        assert_eq!(ids("acme-shared-services"), vec!["902417365524"], "the longer name wins over `shared`");
    }

    #[test]
    fn lists_with_bad_ids_quotes_or_clashing_names_are_refused() {
        let mut list = sample_lake_accounts();
        list[0].id = "1234".into();
        assert_eq!(Accounts::new(list).unwrap_err(), AccountsError::BadId("1234".into()));
        let mut list = sample_lake_accounts();
        list[1].aliases.push("it's".into());
        assert!(matches!(Accounts::new(list), Err(AccountsError::BadName(_))));
        let mut list = sample_lake_accounts();
        list[2].aliases.push("PROD".into());
        assert!(matches!(Accounts::new(list), Err(AccountsError::DuplicateName(_))));
        let mut list = sample_lake_accounts();
        list[2].id = list[0].id.clone();
        assert!(matches!(Accounts::new(list), Err(AccountsError::DuplicateId(_))));
    }

    #[test]
    fn unknown_ids_show_as_themselves() {
        let a = sample();
        assert_eq!(a.name_of("318205947761"), "acme-prod");
        assert_eq!(a.name_of("111122223333"), "111122223333");
        assert_eq!(a.by_name("운영").map(|a| a.id.as_str()), Some("318205947761"));
    }
}
