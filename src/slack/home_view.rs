//! The App Home view (`views.publish`): what is configured, example questions as buttons, the person's recent
//! questions and the alert channels by account. Every user- or data-controlled string is escaped here; the view
//! is cut to Slack's Home limits (100 blocks, 3 000 characters a section) and parsed into slack-morphism types.

use serde_json::{Value, json};
use slack_morphism::prelude::SlackView;

use super::escape;
use super::home_setup::Setup;
use super::limits::{MAX_BUTTON_TEXT, MAX_SECTION_TEXT};
use super::render::Lang;
use crate::accounts::AccountConfig;
use crate::store::recent::RecentQuestion;

/// Blocks in a Home view.
pub const MAX_HOME_BLOCKS: usize = 100;
/// Action id prefix of the example buttons (`home_example_0`, …); the value is the library entry id.
pub const HOME_EXAMPLE: &str = "home_example_";
/// Accounts listed before "+N more".
const MAX_ACCOUNT_LINES: usize = 200;

/// Everything one person's Home shows.
#[derive(Debug, Clone)]
pub struct HomeContent<'a> {
    /// The setup.
    pub setup: &'a Setup,
    /// Named accounts with their alert channels.
    pub accounts: &'a [AccountConfig],
    /// `[alerts] default_channel` (empty = none).
    pub default_channel: &'a str,
    /// The person's recent questions, newest first.
    pub recent: &'a [RecentQuestion],
    /// Whether example buttons can answer in the app's DMs (DMs allowed for this person).
    pub buttons: bool,
    /// The DM channel the buttons answer in (kept in the view's private metadata).
    pub dm_channel: &'a str,
    /// Language of the labels.
    pub lang: Lang,
}

/// Why a Home view could not be built.
#[derive(Debug, thiserror::Error)]
#[error("the App Home view is not valid Block Kit: {0}")]
pub struct ViewError(#[from] serde_json::Error);

/// Whether `id` looks like a Slack conversation id (`C…`, `G…`, `D…`: uppercase letters and digits).
pub fn is_conversation_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some('C' | 'G' | 'D'))
        && (3..=24).contains(&id.len())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// The Home for a person asklake serves.
///
/// # Errors
/// When the blocks do not parse as a Home view (a bug here).
pub fn home(content: &HomeContent<'_>) -> Result<SlackView, ViewError> {
    let ko = content.lang == Lang::Ko;
    let mut blocks =
        vec![header(if ko { "asklake: 보안 레이크에 질문하기" } else { "asklake: ask your security lake" })];
    blocks.push(section(&setup_text(content.setup, ko)));
    blocks.push(json!({"type": "divider"}));
    blocks.extend(example_blocks(content, ko));
    blocks.push(json!({"type": "divider"}));
    blocks.push(section(&recent_text(content.recent, ko)));
    blocks.push(json!({"type": "divider"}));
    blocks.extend(account_blocks(content.accounts, content.default_channel, ko));
    let dm = if is_conversation_id(content.dm_channel) { content.dm_channel } else { "" };
    finish(blocks, dm)
}

/// The Home for a person asklake does not serve: the reason and what to do, nothing about the setup.
///
/// # Errors
/// When the blocks do not parse as a Home view (a bug here).
pub fn refused(reason: &str, lang: Lang) -> Result<SlackView, ViewError> {
    let _ = lang;
    finish(vec![header("asklake"), section(&escape::mrkdwn(reason))], "")
}

fn finish(mut blocks: Vec<Value>, private_metadata: &str) -> Result<SlackView, ViewError> {
    if blocks.len() > MAX_HOME_BLOCKS {
        let left = blocks.len() - (MAX_HOME_BLOCKS - 1);
        blocks.truncate(MAX_HOME_BLOCKS - 1);
        blocks.push(context(&format!("… {left} more block(s) left out")));
    }
    let view = json!({"type": "home", "private_metadata": private_metadata, "blocks": blocks});
    Ok(serde_json::from_value(view)?)
}

fn header(text: &str) -> Value {
    json!({"type": "header", "text": {"type": "plain_text", "text": escape::truncate(text, 150)}})
}

fn section(mrkdwn: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": escape::truncate(mrkdwn, MAX_SECTION_TEXT)}})
}

fn context(mrkdwn: &str) -> Value {
    json!({"type": "context", "elements": [{"type": "mrkdwn", "text": escape::truncate(mrkdwn, MAX_SECTION_TEXT)}]})
}

fn list(items: &[String]) -> String {
    items.iter().map(|t| escape::inline(t)).collect::<Vec<_>>().join(", ")
}

fn setup_text(setup: &Setup, ko: bool) -> String {
    let model = match (&setup.model, ko) {
        (Some(m), _) => format!("`{}`", escape::code_span(m)),
        (None, false) => "no model: only verified questions are answered".to_owned(),
        (None, true) => "모델 없음: 검증된 질문만 답합니다".to_owned(),
    };
    let on = if setup.sources_on.is_empty() { "-".to_owned() } else { list(&setup.sources_on) };
    let off = if setup.sources_off.is_empty() { "-".to_owned() } else { list(&setup.sources_off) };
    let engine = escape::inline(&setup.engine);
    if ko {
        format!(
            "*현재 설정*\n• 엔진: {engine}\n• 모델: {model}\n• 켜진 Security Lake 소스: {on}\n• 꺼진 소스: {off}\n• 검증된 질문: {}개",
            setup.library_size
        )
    } else {
        format!(
            "*This asklake*\n• Engine: {engine}\n• Model: {model}\n• Security Lake sources on: {on}\n• Sources off: {off}\n• Verified questions: {}",
            setup.library_size
        )
    }
}

fn example_blocks(content: &HomeContent<'_>, ko: bool) -> Vec<Value> {
    let questions = content.setup.example_questions(content.lang);
    if questions.is_empty() {
        let none = if ko {
            "*예시 질문*\n이 설정에서 바로 실행할 수 있는 검증된 질문이 없습니다. 켜진 소스를 확인해 주세요."
        } else {
            "*Example questions*\nNo verified question runs on this setup as it is: check which sources are on."
        };
        return vec![section(none)];
    }
    if !content.buttons {
        let title = if ko {
            "*예시 질문* (채널에서 `/asklake &lt;질문&gt;`으로 물어보세요)"
        } else {
            "*Example questions* (ask them in a channel with `/asklake &lt;question&gt;`)"
        };
        let items: Vec<String> = questions.iter().map(|q| format!("• {}", escape::inline(q))).collect();
        return vec![section(&format!("{title}\n{}", items.join("\n")))];
    }
    let title = if ko {
        "*예시 질문*: 누르면 asklake와의 DM에 답이 옵니다"
    } else {
        "*Example questions*: press one to get the answer in your DM with asklake"
    };
    let buttons: Vec<Value> = content
        .setup
        .examples
        .iter()
        .zip(&questions)
        .enumerate()
        .map(|(n, (example, question))| {
            json!({"type": "button", "action_id": format!("{HOME_EXAMPLE}{n}"), "value": example.id,
                   "text": {"type": "plain_text", "text": escape::truncate(question, MAX_BUTTON_TEXT - 3)}})
        })
        .collect();
    let mut blocks = vec![section(title)];
    blocks
        .extend(buttons.chunks(super::limits::MAX_ACTIONS_ELEMENTS).map(|c| json!({"type": "actions", "elements": c})));
    blocks
}

fn recent_text(recent: &[RecentQuestion], ko: bool) -> String {
    let title = if ko { "*최근 내 질문*" } else { "*Your recent questions*" };
    if recent.is_empty() {
        let none = if ko { "아직 없습니다." } else { "None yet." };
        return format!("{title}\n{none}");
    }
    let items: Vec<String> = recent
        .iter()
        .map(|r| {
            let when = chrono::DateTime::from_timestamp(r.asked_at, 0)
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default();
            format!("• {} _({when})_", escape::inline(&escape::truncate(&r.question, 280)))
        })
        .collect();
    format!("{title}\n{}", items.join("\n"))
}

fn channel(id: &str) -> String {
    if is_conversation_id(id) { format!("<#{id}>") } else { format!("`{}`", escape::code_span(id)) }
}

fn account_blocks(accounts: &[AccountConfig], default_channel: &str, ko: bool) -> Vec<Value> {
    let title = if ko { "*계정별 알림 채널*" } else { "*Alert channels by account*" };
    let default = default_channel.trim();
    let mut lines: Vec<String> = accounts
        .iter()
        .take(MAX_ACCOUNT_LINES)
        .map(|a| {
            let target = match (a.channel.trim(), default) {
                ("", "") => (if ko { "채널 없음" } else { "no channel" }).to_owned(),
                ("", d) => format!("{} {}", channel(d), if ko { "(기본)" } else { "(default)" }),
                (c, _) => channel(c),
            };
            let owner = if a.owner.trim().is_empty() {
                String::new()
            } else {
                format!(" · {} {}", if ko { "담당" } else { "owner" }, escape::inline(&escape::truncate(&a.owner, 80)))
            };
            let name = escape::inline(&escape::truncate(a.display_name(), 80));
            format!("• {name} `{}` → {target}{owner}", escape::code_span(&a.id))
        })
        .collect();
    if accounts.len() > MAX_ACCOUNT_LINES {
        let more = accounts.len() - MAX_ACCOUNT_LINES;
        lines.push(if ko { format!("… 외 {more}개 계정") } else { format!("… and {more} more accounts") });
    }
    match (lines.is_empty(), default) {
        (true, "") => lines.push(
            (if ko {
                "설정된 계정도 기본 채널도 없습니다."
            } else {
                "No accounts and no default channel are set."
            })
            .to_owned(),
        ),
        (true, d) => lines.push(format!("{} {}", if ko { "모든 계정:" } else { "Every account:" }, channel(d))),
        _ => {}
    }
    let mut blocks = Vec::new();
    let mut current = title.to_owned();
    for line in lines {
        if current.chars().count() + line.chars().count() + 1 > MAX_SECTION_TEXT - 100 {
            blocks.push(section(&current));
            current.clear();
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(&line);
    }
    blocks.push(section(&current));
    blocks
}

#[cfg(test)]
mod tests;
