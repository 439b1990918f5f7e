//! Parking: a channel Slack refuses for good (`not_in_channel`, `is_archived`, `invalid_blocks`, …) is retried on a
//! slow, doubling schedule instead of every poll, and the admin is told once what to fix.
//!
//! Every failure the Slack client does not call retryable ([`SlackError::is_retryable`]) parks: an unknown code
//! cannot make the feed spin. Token and workspace errors (`invalid_auth`, `missing_scope`, …) park every channel.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::slack::api::SlackError;

/// Error codes that concern the token or the workspace, not one channel: every channel waits.
const WORKSPACE_CODES: &[&str] = &[
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "no_permission",
    "missing_scope",
    "org_login_required",
    "ekm_access_denied",
    "team_access_not_granted",
    "not_allowed_token_type",
];

/// Error codes that say the message itself was refused (a rendering or template problem).
const MESSAGE_CODES: &[&str] = &[
    "invalid_blocks",
    "invalid_blocks_format",
    "invalid_attachments",
    "too_many_attachments",
    "msg_too_long",
    "no_text",
];

/// The code used when an account has no channel to post to.
pub const NO_CHANNEL: &str = "no_channel";

/// Retry schedule of a parked channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParkPolicy {
    /// Wait before the first retry.
    pub first: Duration,
    /// Longest wait; each failed retry doubles the wait up to this.
    pub max: Duration,
}

impl Default for ParkPolicy {
    fn default() -> Self {
        Self { first: Duration::from_secs(15 * 60), max: Duration::from_secs(3600) }
    }
}

/// What a failed post means for the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Trying again soon can work (rate limits, outages): the messages go back to the queue.
    Retry,
    /// Trying again soon cannot work: park, with Slack's error code.
    Park(String),
}

/// Classifies a failed post: anything the client does not call retryable parks.
pub fn verdict(err: &SlackError) -> Verdict {
    match err {
        e if e.is_retryable() => Verdict::Retry,
        SlackError::Api { code } => Verdict::Park(code.clone()),
        other => Verdict::Park(other.to_string()),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Workspace,
    Channel(String),
}

fn key(channel: &str, code: &str) -> Key {
    if WORKSPACE_CODES.contains(&code) { Key::Workspace } else { Key::Channel(channel.to_owned()) }
}

#[derive(Debug, Clone)]
struct Park {
    until: Instant,
    wait: Duration,
    code: String,
    noticed: bool,
}

/// What the admin should be told about a new or renewed park.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct News {
    /// The refused channel (empty when the account has none).
    pub channel: String,
    /// Slack's error code.
    pub code: String,
    /// Wait before the next retry.
    pub wait: Duration,
    /// Whether this is the first failure since the channel last worked (log loudly, once).
    pub first: bool,
    /// Whether the token or workspace is at fault (every channel waits; no message can reach Slack).
    pub workspace: bool,
    /// Whether a notice still has to be posted for this park.
    pub notice_due: bool,
}

/// Parked channels and the workspace, with their retry times.
#[derive(Debug, Default)]
pub struct Parks {
    policy: ParkPolicy,
    parked: HashMap<Key, Park>,
}

impl Parks {
    /// No channel parked.
    pub fn new(policy: ParkPolicy) -> Self {
        Self { policy, parked: HashMap::new() }
    }

    /// When `channel` may be tried again, if it (or the workspace) is parked and that time has not come.
    pub fn blocked(&self, channel: &str, now: Instant) -> Option<Instant> {
        [Key::Workspace, Key::Channel(channel.to_owned())]
            .iter()
            .filter_map(|k| self.parked.get(k))
            .map(|p| p.until)
            .filter(|until| *until > now)
            .max()
    }

    /// Records a permanent failure of a post to `channel`: parks it (or the workspace) for the first wait, or
    /// doubles the wait of a park that was already there.
    pub fn failed(&mut self, channel: &str, code: &str, now: Instant) -> News {
        let key = key(channel, code);
        let workspace = key == Key::Workspace;
        let policy = self.policy;
        let first = !self.parked.contains_key(&key);
        let park = self.parked.entry(key).or_insert_with(|| Park {
            until: now,
            wait: Duration::ZERO,
            code: code.to_owned(),
            noticed: false,
        });
        park.wait = if first { policy.first } else { (park.wait * 2).min(policy.max) }.max(Duration::from_secs(1));
        park.until = now + park.wait;
        park.code = code.to_owned();
        News {
            channel: channel.to_owned(),
            code: code.to_owned(),
            wait: park.wait,
            first,
            workspace,
            notice_due: !park.noticed,
        }
    }

    /// Records that the notice for `channel`'s park was posted, so it is not posted again until it recovers.
    pub fn noticed(&mut self, channel: &str, code: &str) {
        if let Some(p) = self.parked.get_mut(&key(channel, code)) {
            p.noticed = true;
        }
    }

    /// Records a post that landed in `channel`: it and the workspace are no longer parked. Returns the codes of
    /// the parks that ended.
    pub fn succeeded(&mut self, channel: &str) -> Vec<String> {
        [Key::Workspace, Key::Channel(channel.to_owned())]
            .iter()
            .filter_map(|k| self.parked.remove(k))
            .map(|p| p.code)
            .collect()
    }
}

/// `15 min`, `1 h`, `30 s`.
pub fn human(wait: Duration) -> String {
    let secs = wait.as_secs();
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// `<#C123>` for a channel id, or the text in backticks with mrkdwn control characters removed.
fn channel_ref(channel: &str) -> String {
    if !channel.is_empty() && channel.bytes().all(|b| b.is_ascii_alphanumeric()) {
        format!("<#{channel}>")
    } else {
        let clean: String = channel.chars().filter(|c| !matches!(c, '<' | '>' | '&' | '`')).take(80).collect();
        format!("`{clean}`")
    }
}

/// The message that tells the admin what to fix, in `language` (`en` or `ko`).
pub fn notice(news: &News, language: &str) -> String {
    let ch = channel_ref(&news.channel);
    let wait = human(news.wait);
    let code = news.code.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(60).collect::<String>();
    let ko = language == "ko";
    let fix = match (code.as_str(), ko) {
        ("not_in_channel", false) => format!("asklake is not a member of {ch}. Invite it: `/invite @asklake` in {ch}."),
        ("not_in_channel", true) => {
            format!("asklake가 {ch} 채널의 멤버가 아닙니다. {ch} 에서 `/invite @asklake` 로 초대하세요.")
        }
        ("channel_not_found", false) => format!(
            "asklake cannot find channel {ch} (deleted, or private without asklake). Invite asklake or fix the channel id in `[alerts]`."
        ),
        ("channel_not_found", true) => format!(
            "asklake가 {ch} 채널을 찾을 수 없습니다 (삭제되었거나 초대되지 않은 비공개 채널). asklake를 초대하거나 `[alerts]`의 채널 ID를 고치세요."
        ),
        ("is_archived", false) => {
            format!("{ch} is archived. Unarchive it or route its accounts to another channel in `[alerts]`.")
        }
        ("is_archived", true) => {
            format!("{ch} 채널이 보관(archive)되었습니다. 보관을 해제하거나 `[alerts]`에서 다른 채널로 바꾸세요.")
        }
        (c, false) if MESSAGE_CODES.contains(&c) => format!(
            "Slack refused a change alert for {ch} as malformed (`{c}`). Check custom Block Kit templates, or report it as a bug."
        ),
        (c, true) if MESSAGE_CODES.contains(&c) => format!(
            "Slack이 {ch} 채널의 변경 알림 메시지를 거부했습니다 (`{c}`). 사용자 지정 Block Kit 템플릿을 확인하거나 버그로 보고하세요."
        ),
        (c, false) => format!("Slack refuses change alerts for {ch} (`{c}`). Fix the cause in Slack or in `[alerts]`."),
        (c, true) => {
            format!("Slack이 {ch} 채널의 변경 알림을 거부합니다 (`{c}`). Slack 또는 `[alerts]`에서 원인을 고치세요.")
        }
    };
    if ko {
        format!(":warning: {fix} 알림은 큐에 남아 있으며 {wait} 후 (이후 최대 1시간 간격으로) 다시 시도합니다.")
    } else {
        format!(":warning: {fix} The alerts stay queued and are retried in {wait}, then at growing intervals.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str) -> SlackError {
        SlackError::Api { code: code.into() }
    }

    #[test]
    fn anything_the_client_would_not_retry_parks() {
        assert_eq!(verdict(&SlackError::RateLimited { retry_after: None }), Verdict::Retry);
        assert_eq!(verdict(&SlackError::Transport { message: "reset".into() }), Verdict::Retry);
        assert_eq!(verdict(&api("internal_error")), Verdict::Retry);
        for code in
            ["not_in_channel", "channel_not_found", "is_archived", "invalid_blocks", "invalid_auth", "brand_new"]
        {
            assert_eq!(verdict(&api(code)), Verdict::Park(code.into()), "{code}");
        }
    }

    #[test]
    fn waits_double_up_to_the_cap_and_a_landed_post_ends_the_park() {
        let mut parks = Parks::new(ParkPolicy::default());
        let t0 = Instant::now();
        let first = parks.failed("C1", "not_in_channel", t0);
        assert!(first.first && first.notice_due && !first.workspace);
        assert_eq!(parks.blocked("C1", t0), Some(t0 + Duration::from_secs(900)));
        assert_eq!(parks.blocked("C2", t0), None, "other channels go on");
        parks.noticed("C1", "not_in_channel");
        let waits: Vec<u64> = (0..4).map(|_| parks.failed("C1", "not_in_channel", t0).wait.as_secs()).collect();
        assert_eq!(waits, [1800, 3600, 3600, 3600]);
        assert!(!parks.failed("C1", "not_in_channel", t0).notice_due, "told once");

        assert_eq!(parks.succeeded("C1"), ["not_in_channel"]);
        assert_eq!(parks.blocked("C1", t0), None);
        assert!(parks.failed("C1", "not_in_channel", t0).notice_due, "a new park is told again");
    }

    #[test]
    fn token_errors_park_every_channel() {
        let mut parks = Parks::new(ParkPolicy::default());
        let t0 = Instant::now();
        assert!(parks.failed("C1", "invalid_auth", t0).workspace);
        assert!(parks.blocked("C2", t0).is_some());
        assert_eq!(parks.blocked("C2", t0 + Duration::from_secs(901)), None, "until the retry time");
    }

    #[test]
    fn notices_say_what_to_fix_in_the_admins_language() {
        let news = |code: &str| News {
            channel: "C0ALERTS".into(),
            code: code.into(),
            wait: Duration::from_secs(900),
            first: true,
            workspace: false,
            notice_due: true,
        };
        let en = notice(&news("not_in_channel"), "en");
        assert!(en.contains("/invite @asklake") && en.contains("<#C0ALERTS>") && en.contains("15 min"), "{en}");
        assert!(notice(&news("is_archived"), "ko").contains("보관"));
        assert!(notice(&news("invalid_blocks"), "en").contains("malformed"));
        let odd = News { channel: "<!here>".into(), ..news("x<y>") };
        let shown = notice(&odd, "en");
        assert!(!shown.contains("<!here>") && !shown.contains("x<y>"), "{shown}");
    }
}
