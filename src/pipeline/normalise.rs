//! Question normalisation: trim and collapse whitespace, refuse empty or over-long questions, detect the language.

use super::Language;

/// A question ready for retrieval and prompting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalised {
    /// Trimmed text with runs of whitespace collapsed to one space.
    pub text: String,
    /// Korean when the text contains Hangul, else English.
    pub language: Language,
}

/// Why a question was refused before any work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuestionError {
    /// Nothing but whitespace.
    #[error("the question is empty")]
    Empty,
    /// Longer than `[pipeline] max_question_chars`.
    #[error("the question has {chars} characters, over the limit of {max}")]
    TooLong {
        /// Characters given.
        chars: usize,
        /// Limit.
        max: usize,
    },
}

impl QuestionError {
    /// What to tell the asker, in their language.
    pub fn user_message(&self, language: Language) -> String {
        match (self, language) {
            (QuestionError::Empty, Language::Ko) => "질문이 비어 있습니다. 예: `root 계정 사용한 로그 있어?`".into(),
            (QuestionError::Empty, Language::En) => {
                "The question is empty. Ask something like `who used the root account this week?`".into()
            }
            (QuestionError::TooLong { chars, max }, Language::Ko) => {
                format!("질문이 너무 깁니다 ({chars}자, 최대 {max}자). 한두 문장으로 줄여서 다시 물어봐 주세요.")
            }
            (QuestionError::TooLong { chars, max }, Language::En) => format!(
                "The question is too long ({chars} characters, the limit is {max}). Shorten it to one or two sentences and ask again."
            ),
        }
    }
}

/// Korean when `text` contains any Hangul syllable or jamo.
pub fn detect_language(text: &str) -> Language {
    let hangul = |c: char| matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}');
    if text.chars().any(hangul) { Language::Ko } else { Language::En }
}

/// Normalises `text`, refusing empty questions and ones over `max_chars` characters.
pub fn normalise(text: &str, max_chars: usize) -> Result<Normalised, QuestionError> {
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(QuestionError::TooLong { chars, max: max_chars });
    }
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(QuestionError::Empty);
    }
    Ok(Normalised { language: detect_language(&collapsed), text: collapsed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hangul_means_korean() {
        assert_eq!(detect_language("root 계정 사용한 로그 있어?"), Language::Ko);
        assert_eq!(detect_language("who used root?"), Language::En);
    }

    #[test]
    fn whitespace_is_collapsed_and_empty_is_refused() {
        assert_eq!(normalise("  who\n used   root? ", 100).unwrap().text, "who used root?");
        assert_eq!(normalise(" \n\t", 100).unwrap_err(), QuestionError::Empty);
    }

    #[test]
    fn long_questions_are_refused_with_their_length() {
        let err = normalise(&"a".repeat(20_000), 2000).unwrap_err();
        assert_eq!(err, QuestionError::TooLong { chars: 20_000, max: 2000 });
        assert!(err.user_message(Language::En).contains("20000 characters"));
    }
}
