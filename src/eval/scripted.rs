//! Hand-written model replies for authoring a recording without a model: each dev-set question is answered with
//! the SQL written for it in a replies file, or with its gold SQL (or a decline) when the file has none.
//!
//! This is how `eval/recordings/baseline` was made (no model is reachable where asklake is developed): run
//! `asklake eval --scripted-replies FILE --record DIR`, and every request the pipeline sends is saved with the
//! hand-written reply, marked as such in the recording. It measures the harness, not a model.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use serde::Deserialize;

use super::devset::{DevSet, Expect};
use crate::llm::record::CallLabel;
use crate::llm::{Generation, GenerationRequest, Llm, LlmError, Reply, TextCompletion, Usage};

/// One hand-written reply.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedReply {
    /// SQL to answer with.
    #[serde(default)]
    pub sql: Option<String>,
    /// Or a decline reason.
    #[serde(default)]
    pub decline: Option<String>,
    /// The reply's note.
    #[serde(default)]
    pub notes: String,
}

/// Replies for one question, one per attempt (the last one repeats).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// Dev-set question id.
    pub id: String,
    /// Why this reply differs from the gold SQL (the mistake a model plausibly makes).
    #[serde(default)]
    pub why: String,
    /// Replies, first attempt first.
    pub attempts: Vec<ScriptedReply>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(rename = "reply", default)]
    replies: Vec<Script>,
}

/// A "model" that answers from hand-written replies, keyed by the question id at the start of the call label.
pub struct ScriptedLlm {
    replies: HashMap<String, Vec<Reply>>,
    label: CallLabel,
    calls: Mutex<HashMap<String, usize>>,
}

/// Text returned for summary requests.
pub const SCRIPTED_SUMMARY: &str = "(hand-written baseline reply, not a model's: the summary is not evaluated)";

impl ScriptedLlm {
    /// Loads `path` and fills every other question of `set` with its gold SQL or a decline.
    ///
    /// # Errors
    /// When the file cannot be read or names a question the dev set does not have.
    pub fn load(path: &Path, set: &DevSet, label: CallLabel) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))?;
        let file: File = toml::from_str(&text).with_context(|| format!("{} is not a replies file", path.display()))?;
        let mut replies: HashMap<String, Vec<Reply>> = set
            .questions
            .iter()
            .map(|c| {
                let reply = match (&c.gold, c.expect) {
                    (Some(sql), Expect::Rows) => Reply::Sql { sql: sql.clone(), notes: String::new() },
                    _ => Reply::Decline { reason: "The security lake tables cannot answer this.".into() },
                };
                (c.id.clone(), vec![reply])
            })
            .collect();
        for s in file.replies {
            let slot = replies.get_mut(&s.id).with_context(|| format!("{}: no such question in the dev set", s.id))?;
            *slot = s
                .attempts
                .into_iter()
                .map(|a| match (a.sql, a.decline) {
                    (Some(sql), None) => Ok(Reply::Sql { sql, notes: a.notes }),
                    (None, Some(reason)) => Ok(Reply::Decline { reason }),
                    _ => anyhow::bail!("{}: each attempt has exactly one of sql or decline", s.id),
                })
                .collect::<anyhow::Result<_>>()?;
        }
        Ok(Self { replies, label, calls: Mutex::default() })
    }
}

/// Rough token count of a request (characters / 4), so the recording carries plausible usage.
fn estimate(request: &GenerationRequest) -> u32 {
    let chars = request.system.chars().count() + request.messages.iter().map(|m| m.text.chars().count()).sum::<usize>();
    u32::try_from(chars / 4).unwrap_or(u32::MAX)
}

#[async_trait::async_trait]
impl Llm for ScriptedLlm {
    fn name(&self) -> &'static str {
        "scripted"
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, LlmError> {
        let label = self.label.get();
        let id = label.split_whitespace().next().unwrap_or_default().to_owned();
        let n = {
            let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
            let n = calls.entry(label).or_insert(0);
            *n += 1;
            *n - 1
        };
        let replies =
            self.replies.get(&id).ok_or_else(|| LlmError::Invalid(format!("no scripted reply for {id:?}")))?;
        let reply = replies.get(n).or(replies.last()).cloned().ok_or_else(|| LlmError::Invalid(id.clone()))?;
        let output = match &reply {
            Reply::Sql { sql, .. } => sql.len() / 4 + 20,
            Reply::Decline { reason } => reason.len() / 4 + 10,
        };
        Ok(Generation {
            reply,
            usage: Usage { input_tokens: estimate(request), output_tokens: u32::try_from(output).unwrap_or(u32::MAX) },
        })
    }

    async fn complete_text(&self, request: &GenerationRequest) -> Result<TextCompletion, LlmError> {
        Ok(TextCompletion {
            text: SCRIPTED_SUMMARY.into(),
            usage: Usage { input_tokens: estimate(request), output_tokens: 20 },
        })
    }
}
