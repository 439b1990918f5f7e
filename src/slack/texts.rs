//! The sentences asklake shows people in Slack outside rendered answers (acks, refusals, button replies), each in
//! English and Korean; callers pass the asker's language ([`Lang::of`] the question).

use super::access::Denied;
use super::escape;
use super::render::Lang;

/// The ack of a question: what asklake is working on.
pub fn working_on(question: &str, lang: Lang) -> String {
    let quoted = escape::inline(&escape::truncate(question, 200));
    match lang {
        Lang::En => format!("⏳ Working on it: _{quoted}_"),
        Lang::Ko => format!("⏳ 확인하는 중입니다: _{quoted}_"),
    }
}

/// A slash command asklake is not configured to answer (`name` as Slack sent it).
pub fn unknown_command(name: &str, configured: &[String], lang: Lang) -> String {
    let name = escape::code_span(&escape::truncate(name, 40));
    let known: Vec<String> = configured.iter().map(|c| format!("`{}`", escape::code_span(c.trim()))).collect();
    match (lang, known.is_empty()) {
        (Lang::En, false) => format!("asklake does not answer `{name}`. Ask with {} instead.", known.join(" or ")),
        (Lang::En, true) => format!(
            "asklake does not answer `{name}`: no slash command is set up. Mention the app in a channel instead."
        ),
        (Lang::Ko, false) => {
            format!("asklake는 `{name}` 명령에 답하지 않습니다. {}(으)로 질문해 주세요.", known.join(", "))
        }
        (Lang::Ko, true) => format!(
            "asklake는 `{name}` 명령에 답하지 않습니다. 설정된 슬래시 명령이 없으니 채널에서 앱을 멘션해 질문해 주세요."
        ),
    }
}

/// A slash command that was already received (same `trigger_id`): nothing is done twice.
pub fn replayed(lang: Lang) -> &'static str {
    match lang {
        Lang::En => {
            "This command was already received; its answer is in the thread. To ask again, run the command again."
        }
        Lang::Ko => "이미 받은 명령입니다. 답변은 스레드에 있습니다. 다시 물어보려면 명령을 새로 실행해 주세요.",
    }
}

/// Usage in one line, when the help message cannot be rendered.
pub fn usage(command: &str, lang: Lang) -> String {
    let command = escape::code_span(command.trim());
    match lang {
        Lang::En => format!("Usage: `{command} <question>`"),
        Lang::Ko => format!("사용법: `{command} <질문>`"),
    }
}

/// A question over the length limit.
pub fn too_long(chars: usize, max: usize, lang: Lang) -> String {
    match lang {
        Lang::En => format!("That question is {chars} characters long; asklake takes up to {max}. Please shorten it."),
        Lang::Ko => format!("질문이 {chars}자입니다. asklake는 {max}자까지 받습니다. 질문을 줄여서 다시 보내 주세요."),
    }
}

/// Why a question was refused, in the asker's language.
// A variant added to `Denied` later falls back to its English message until it is translated here.
#[allow(unreachable_patterns)]
pub fn denied(denied: Denied, lang: Lang) -> &'static str {
    match (lang, denied) {
        (Lang::Ko, Denied::Channel) => {
            "죄송합니다. asklake는 이 채널에서 답하지 않습니다. 관리자가 asklake용으로 정한 채널에서 질문해 주세요."
        }
        (Lang::Ko, Denied::User) => {
            "죄송합니다. asklake에 질문할 수 있는 사용자 목록에 없습니다. Slack 관리자에게 추가를 요청해 주세요."
        }
        (Lang::Ko, Denied::DirectMessages) => {
            "죄송합니다. 여기서는 asklake가 DM에 답하지 않습니다. asklake가 추가된 채널에서 `/asklake`로 질문해 주세요."
        }
        (_, other) => other.user_message(),
    }
}

/// What a vote did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thanks {
    /// A 👍 that filed the question and its SQL for the verified library.
    Filed,
    /// A 👍 that was only recorded.
    Recorded,
    /// A 👎.
    Noted,
}

/// Thanks for a vote.
pub fn thanks(what: Thanks, lang: Lang) -> &'static str {
    match (lang, what) {
        (Lang::En, Thanks::Filed) => "Thanks! This question and its SQL were filed for the verified library.",
        (Lang::En, Thanks::Recorded) => "Thanks, your vote is recorded.",
        (Lang::En, Thanks::Noted) => {
            "Thanks, noted. Reply in the thread with what was wrong and asklake will try again."
        }
        (Lang::Ko, Thanks::Filed) => "감사합니다! 이 질문과 SQL을 검증된 쿼리 라이브러리 후보로 올렸습니다.",
        (Lang::Ko, Thanks::Recorded) => "감사합니다. 평가를 기록했습니다.",
        (Lang::Ko, Thanks::Noted) => {
            "감사합니다. 스레드에 무엇이 틀렸는지 답글로 남겨 주시면 asklake가 다시 시도합니다."
        }
    }
}

/// "Show SQL" on an answer without SQL.
pub fn no_sql(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "This answer has no SQL.",
        Lang::Ko => "이 답변에는 SQL이 없습니다.",
    }
}

/// "Download CSV" on an answer without rows.
pub fn no_rows(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "This answer has no rows to download.",
        Lang::Ko => "이 답변에는 내려받을 행이 없습니다.",
    }
}

/// A button on an answer that is no longer stored (pruned, or from another asklake).
pub fn answer_gone(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "That answer is no longer stored. Ask the question again to get fresh buttons.",
        Lang::Ko => "이 답변은 더 이상 저장되어 있지 않습니다. 질문을 다시 하시면 새 버튼이 생깁니다.",
    }
}

/// A button whose value asklake did not make.
pub fn bad_button(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "asklake did not recognise that button. Ask the question again to get fresh buttons.",
        Lang::Ko => "asklake가 알 수 없는 버튼입니다. 질문을 다시 하시면 새 버튼이 생깁니다.",
    }
}

/// A button whose action failed.
pub fn button_failed(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Sorry, that did not work. Please try again in a moment.",
        Lang::Ko => "죄송합니다. 처리하지 못했습니다. 잠시 후 다시 눌러 주세요.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_korean_question_is_acked_in_korean_and_an_english_one_in_english() {
        let ko = working_on("root 계정 사용한 로그 있어?", Lang::of("root 계정 사용한 로그 있어?"));
        assert!(ko.starts_with("⏳ 확인하는 중") && ko.contains("root 계정"), "{ko}");
        assert!(working_on("who used root?", Lang::En).contains("Working on it"));
    }

    #[test]
    fn every_refusal_has_a_korean_version() {
        for d in [Denied::Channel, Denied::User, Denied::DirectMessages] {
            let ko = denied(d, Lang::Ko);
            assert!(ko.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)), "{ko}");
            assert_eq!(denied(d, Lang::En), d.user_message());
        }
    }

    #[test]
    fn an_unknown_command_names_the_ones_that_work_with_its_name_escaped() {
        let text = unknown_command("/x`<!here>", &["/asklake".into()], Lang::En);
        assert!(text.contains("`/asklake`") && !text.contains("<!here>"), "{text}");
        assert_eq!(text.matches('`').count(), 4, "two code spans only: {text}");
    }
}
