//! Who may ask and press buttons: allowed channels, users and user groups from `[slack]`, and whether DMs are
//! answered. Closed by default: with all three lists empty nobody is allowed unless `allow_everyone = true`.
//!
//! User-group membership comes from `usergroups.users.list` through a [`UserGroupDirectory`] and is cached for
//! [`GROUP_CACHE_TTL`]; when the lookup fails the group grants nothing (fail closed) and the error is logged.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::SlackConfig;
use crate::slack::api::SlackError;

/// How long a group's member list is trusted.
pub const GROUP_CACHE_TTL: Duration = Duration::from_secs(300);
/// Longest wait for a member list during an ack.
const LOOKUP_TIMEOUT: Duration = Duration::from_millis(1500);

/// Looks up user-group members (`usergroups.users.list`, scope `usergroups:read`).
#[async_trait::async_trait]
pub trait UserGroupDirectory: Send + Sync {
    /// User ids in `usergroup`.
    async fn members(&self, usergroup: &str) -> Result<Vec<String>, SlackError>;
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The channel is not in `allowed_channels`.
    #[error("channel not allowed")]
    Channel,
    /// The user is neither in `allowed_users` nor in an allowed group.
    #[error("user not allowed")]
    User,
    /// A direct message while `allow_dms` is off.
    #[error("direct messages are off")]
    DirectMessages,
    /// No allow list is set and `allow_everyone` is not stated.
    #[error("no allow list configured")]
    Unconfigured,
}

impl Denied {
    /// The polite text shown to the refused user (ephemeral).
    pub fn user_message(self) -> &'static str {
        match self {
            Denied::Channel => {
                "Sorry, asklake does not answer in this channel. Ask in one of the channels your admins set up for it."
            }
            Denied::User => {
                "Sorry, you are not on the list of people who can ask asklake. Ask your Slack admin to add you."
            }
            Denied::DirectMessages => {
                "Sorry, asklake does not answer direct messages here. Use `/asklake` in a channel it has been added to."
            }
            Denied::Unconfigured => {
                "Sorry, asklake has not been opened to anyone yet. Ask your Slack admin to set who may use it \
                 ([slack] allowed_channels, allowed_users or allowed_usergroups)."
            }
        }
    }
}

/// Where a request comes from.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// User id.
    pub user: &'a str,
    /// Channel id.
    pub channel: &'a str,
    /// True for a direct message with the app.
    pub is_dm: bool,
}

/// Member lists by group id, with when they were fetched.
type GroupCache = Mutex<HashMap<String, (Instant, Arc<HashSet<String>>)>>;

/// The access rules.
pub struct AccessPolicy {
    channels: HashSet<String>,
    users: HashSet<String>,
    groups: Vec<String>,
    allow_everyone: bool,
    allow_dms: bool,
    directory: Option<Arc<dyn UserGroupDirectory>>,
    cache: GroupCache,
}

impl std::fmt::Debug for AccessPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessPolicy")
            .field("channels", &self.channels.len())
            .field("users", &self.users.len())
            .field("groups", &self.groups)
            .field("allow_everyone", &self.allow_everyone)
            .field("allow_dms", &self.allow_dms)
            .finish_non_exhaustive()
    }
}

impl AccessPolicy {
    /// Rules from config; `directory` resolves `allowed_usergroups` (without one, groups grant nothing).
    pub fn new(config: &SlackConfig, directory: Option<Arc<dyn UserGroupDirectory>>) -> Self {
        Self {
            channels: config.allowed_channels.iter().cloned().collect(),
            users: config.allowed_users.iter().cloned().collect(),
            groups: config.allowed_usergroups.clone(),
            allow_everyone: config.allow_everyone,
            allow_dms: config.allow_dms,
            directory,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Whether DMs are answered at all.
    pub fn allows_dms(&self) -> bool {
        self.allow_dms
    }

    /// Checks `origin` against the rules (the same for questions and for every button).
    pub async fn check(&self, origin: Origin<'_>) -> Result<(), Denied> {
        let no_lists = self.channels.is_empty() && self.users.is_empty() && self.groups.is_empty();
        if no_lists && !self.allow_everyone {
            return Err(Denied::Unconfigured);
        }
        if origin.is_dm {
            if !self.allow_dms {
                return Err(Denied::DirectMessages);
            }
        } else if !self.channels.is_empty() && !self.channels.contains(origin.channel) {
            return Err(Denied::Channel);
        }
        self.check_user(origin.user).await
    }

    /// Checks the person alone (the user and group lists, and that an allow list exists), wherever they are:
    /// what the App Home shows depends on it.
    pub async fn check_user(&self, user: &str) -> Result<(), Denied> {
        let no_lists = self.channels.is_empty() && self.users.is_empty() && self.groups.is_empty();
        if no_lists && !self.allow_everyone {
            return Err(Denied::Unconfigured);
        }
        if self.users.is_empty() && self.groups.is_empty() {
            return Ok(());
        }
        if self.users.contains(user) {
            return Ok(());
        }
        for group in &self.groups {
            if self.group_members(group).await.contains(user) {
                return Ok(());
            }
        }
        Err(Denied::User)
    }

    async fn group_members(&self, group: &str) -> Arc<HashSet<String>> {
        if let Some((at, members)) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(group)
            && at.elapsed() < GROUP_CACHE_TTL
        {
            return members.clone();
        }
        let Some(directory) = &self.directory else { return Arc::default() };
        match tokio::time::timeout(LOOKUP_TIMEOUT, directory.members(group)).await {
            Ok(Ok(list)) => {
                let members: Arc<HashSet<String>> = Arc::new(list.into_iter().collect());
                self.cache
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(group.to_owned(), (Instant::now(), members.clone()));
                members
            }
            Ok(Err(err)) => {
                tracing::warn!(usergroup = group, error = %err, "could not list user-group members; the group grants no access");
                Arc::default()
            }
            Err(_) => {
                tracing::warn!(usergroup = group, "user-group lookup timed out; the group grants no access");
                Arc::default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Groups(AtomicUsize);

    #[async_trait::async_trait]
    impl UserGroupDirectory for Groups {
        async fn members(&self, usergroup: &str) -> Result<Vec<String>, SlackError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            match usergroup {
                "S1" => Ok(vec!["U3".into()]),
                _ => Err(SlackError::Api { code: "no_such_subteam".into() }),
            }
        }
    }

    fn config(channels: &[&str], users: &[&str], groups: &[&str], dms: bool) -> SlackConfig {
        SlackConfig {
            allow_everyone: channels.is_empty() && users.is_empty() && groups.is_empty(),
            allowed_channels: channels.iter().map(|s| s.to_string()).collect(),
            allowed_users: users.iter().map(|s| s.to_string()).collect(),
            allowed_usergroups: groups.iter().map(|s| s.to_string()).collect(),
            allow_dms: dms,
            ..SlackConfig::default()
        }
    }

    fn at<'a>(user: &'a str, channel: &'a str) -> Origin<'a> {
        Origin { user, channel, is_dm: false }
    }

    #[tokio::test]
    async fn empty_lists_without_allow_everyone_allow_nobody() {
        let closed = AccessPolicy::new(&SlackConfig { allow_dms: true, ..SlackConfig::default() }, None);
        assert_eq!(closed.check(at("U1", "C1")).await, Err(Denied::Unconfigured));
        let dm = Origin { user: "U1", channel: "D1", is_dm: true };
        assert_eq!(closed.check(dm).await, Err(Denied::Unconfigured));
        assert!(Denied::Unconfigured.user_message().contains("allowed_channels"));
    }

    #[tokio::test]
    async fn allow_everyone_with_empty_lists_allows_channels_but_not_dms() {
        let p = AccessPolicy::new(&config(&[], &[], &[], false), None);
        assert_eq!(p.check(at("U1", "C1")).await, Ok(()));
        assert_eq!(p.check(Origin { user: "U1", channel: "D1", is_dm: true }).await, Err(Denied::DirectMessages));
    }

    #[tokio::test]
    async fn channel_and_user_lists_are_both_enforced() {
        let p = AccessPolicy::new(&config(&["C1"], &["U1"], &[], true), None);
        assert_eq!(p.check(at("U1", "C1")).await, Ok(()));
        assert_eq!(p.check(at("U1", "C2")).await, Err(Denied::Channel));
        assert_eq!(p.check(at("U2", "C1")).await, Err(Denied::User));
        assert_eq!(p.check(Origin { user: "U1", channel: "D9", is_dm: true }).await, Ok(()));
    }

    #[tokio::test]
    async fn group_members_are_allowed_and_the_lookup_is_cached_and_fails_closed() {
        let dir = Arc::new(Groups(AtomicUsize::new(0)));
        let p = AccessPolicy::new(&config(&[], &["U1"], &["S1", "S404"], false), Some(dir.clone()));
        assert_eq!(p.check(at("U3", "C1")).await, Ok(()));
        assert_eq!(p.check(at("U3", "C1")).await, Ok(()));
        assert_eq!(dir.0.load(Ordering::SeqCst), 1, "second check served from cache");
        assert_eq!(p.check(at("U4", "C1")).await, Err(Denied::User));
    }
}
