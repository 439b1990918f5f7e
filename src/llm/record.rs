//! Recorded model calls: `--record DIR` saves every request and reply of any [`Llm`], and the `replay` provider
//! answers from such a folder, reporting each request it has no reply for instead of failing silently.
//!
//! A recording is a folder of JSON files, one per request, named by the request's key: the first 24 hex digits of
//! the SHA-256 of the request's canonical content (call kind, system prompt, messages). The file keeps the
//! messages in clear (so a reviewer sees what was asked), the system prompt's own SHA-256 (so a prompt change is
//! visible without storing the whole prompt), a label saying which question and turn made the call, and the
//! reply. Anything in the request that changes (the prompt template, retrieved examples, validation feedback, the
//! pinned time) changes the key, so a replay after such a change meets a request it has no reply for: it is
//! reported as a [`Miss`] naming the label and the question text, and the call fails with
//! [`LlmError::NotRecorded`].

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ChatMessage, Generation, GenerationRequest, Llm, LlmError, Reply, Role, TextCompletion, Usage};

/// Which question and turn is asking right now ("q042 turn 2"); set by the caller, copied into recordings and
/// misses. Empty when nobody set it (`asklake ask`).
#[derive(Debug, Clone, Default)]
pub struct CallLabel(Arc<Mutex<String>>);

impl CallLabel {
    /// Sets the label for the calls that follow.
    pub fn set(&self, label: impl Into<String>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = label.into();
    }
    /// The current label.
    pub fn get(&self) -> String {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Kind of model call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    /// [`Llm::generate`]: SQL or decline by forced tool call.
    Sql,
    /// [`Llm::complete_text`]: the answer summary.
    Text,
}

/// A recorded reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tool", rename_all = "snake_case")]
pub enum RecordedReply {
    /// `answer_with_sql`.
    AnswerWithSql {
        /// The query.
        sql: String,
        /// The model's note.
        #[serde(default)]
        notes: String,
    },
    /// `decline`.
    Decline {
        /// Why.
        reason: String,
    },
    /// A plain-text reply.
    Text {
        /// The text.
        text: String,
    },
}

/// One recorded call (one file).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recorded {
    /// The request key (also the file name).
    pub key: String,
    /// Call kind.
    pub kind: CallKind,
    /// Which question and turn made the call, when known.
    #[serde(default)]
    pub label: String,
    /// Who wrote the reply: "model <id>" for a live recording, or a note for hand-written replies.
    #[serde(default)]
    pub author: String,
    /// SHA-256 of the system prompt.
    pub system_sha256: String,
    /// The messages, oldest first, as `role: text`.
    pub messages: Vec<String>,
    /// The reply.
    pub reply: RecordedReply,
    /// Token usage reported with the reply.
    #[serde(default)]
    pub usage: Usage,
}

/// The stable key of a request: 24 hex digits of the SHA-256 of its canonical content.
pub fn request_key(kind: CallKind, request: &GenerationRequest) -> String {
    let mut h = Sha256::new();
    h.update(match kind {
        CallKind::Sql => b"sql\0".as_slice(),
        CallKind::Text => b"text\0".as_slice(),
    });
    // Length-prefixed fields, so no two different requests share a byte stream.
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    field(&request.system);
    for m in &request.messages {
        field(role_name(m.role));
        field(&m.text);
    }
    hex::encode(&h.finalize()[..12])
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Builds the record of one call.
pub fn record_of(
    kind: CallKind,
    request: &GenerationRequest,
    label: String,
    author: String,
    reply: RecordedReply,
    usage: Usage,
) -> Recorded {
    Recorded {
        key: request_key(kind, request),
        kind,
        label,
        author,
        system_sha256: sha256_hex(&request.system),
        messages: request.messages.iter().map(|m| format!("{}: {}", role_name(m.role), m.text)).collect(),
        reply,
        usage,
    }
}

/// Writes `record` into `dir` as `<key>.json`.
pub fn write_record(dir: &Path, record: &Recorded) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let path = dir.join(format!("{}.json", record.key));
    let text = serde_json::to_string_pretty(record).context("could not serialise a recorded call")?;
    std::fs::write(&path, text + "\n").with_context(|| format!("could not write {}", path.display()))
}

/// Wraps any model and saves every successful call into a folder.
pub struct RecordingLlm {
    inner: Arc<dyn Llm>,
    dir: PathBuf,
    label: CallLabel,
    author: String,
}

impl RecordingLlm {
    /// Records `inner`'s calls into `dir`; `author` says who wrote the replies (e.g. "model <id>").
    pub fn new(inner: Arc<dyn Llm>, dir: PathBuf, label: CallLabel, author: impl Into<String>) -> Self {
        Self { inner, dir, label, author: author.into() }
    }

    fn save(&self, kind: CallKind, request: &GenerationRequest, reply: RecordedReply, usage: Usage) {
        let record = record_of(kind, request, self.label.get(), self.author.clone(), reply, usage);
        if let Err(e) = write_record(&self.dir, &record) {
            tracing::error!(error = %format!("{e:#}"), "could not save a recorded model call");
        }
    }
}

#[async_trait::async_trait]
impl Llm for RecordingLlm {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, LlmError> {
        let g = self.inner.generate(request).await?;
        let reply = match &g.reply {
            Reply::Sql { sql, notes } => RecordedReply::AnswerWithSql { sql: sql.clone(), notes: notes.clone() },
            Reply::Decline { reason } => RecordedReply::Decline { reason: reason.clone() },
        };
        self.save(CallKind::Sql, request, reply, g.usage);
        Ok(g)
    }

    async fn complete_text(&self, request: &GenerationRequest) -> Result<TextCompletion, LlmError> {
        let t = self.inner.complete_text(request).await?;
        self.save(CallKind::Text, request, RecordedReply::Text { text: t.text.clone() }, t.usage);
        Ok(t)
    }
}

/// A request the recording has no reply for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Miss {
    /// Which question and turn asked.
    pub label: String,
    /// Call kind.
    pub kind: CallKind,
    /// The request key that was looked up.
    pub key: String,
    /// The question text (from the last user message), cut to 160 characters.
    pub question: String,
}

/// Answers from a recording folder.
pub struct ReplayLlm {
    dir: PathBuf,
    records: HashMap<String, Recorded>,
    label: CallLabel,
    misses: Mutex<Vec<Miss>>,
    used: Mutex<HashSet<String>>,
}

impl ReplayLlm {
    /// Loads every `*.json` recording in `dir`.
    ///
    /// # Errors
    /// When the folder cannot be read or a file is not a recording.
    pub fn open(dir: &Path, label: CallLabel) -> anyhow::Result<Self> {
        let entries = std::fs::read_dir(dir).with_context(|| {
            format!("could not read the recording folder {} (record one with --record DIR)", dir.display())
        })?;
        let mut records = HashMap::new();
        for entry in entries {
            let path = entry.with_context(|| format!("could not list {}", dir.display()))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).with_context(|| format!("could not read {}", path.display()))?;
            let record: Recorded =
                serde_json::from_str(&text).with_context(|| format!("{} is not a recorded call", path.display()))?;
            records.insert(record.key.clone(), record);
        }
        Ok(Self { dir: dir.to_owned(), records, label, misses: Mutex::default(), used: Mutex::default() })
    }

    /// Number of recorded calls.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the recording is empty.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Requests met so far that the recording has no reply for, and forgets them.
    pub fn take_misses(&self) -> Vec<Miss> {
        std::mem::take(&mut *self.misses.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Recorded calls no request has asked for so far (stale after a prompt change), sorted by label.
    pub fn unused(&self) -> Vec<&Recorded> {
        let used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<&Recorded> = self.records.values().filter(|r| !used.contains(&r.key)).collect();
        out.sort_by(|a, b| (&a.label, &a.key).cmp(&(&b.label, &b.key)));
        out
    }

    fn lookup(&self, kind: CallKind, request: &GenerationRequest) -> Result<&Recorded, LlmError> {
        let key = request_key(kind, request);
        if let Some(r) = self.records.get(&key).filter(|r| r.kind == kind) {
            self.used.lock().unwrap_or_else(|p| p.into_inner()).insert(key);
            return Ok(r);
        }
        let question = question_of(&request.messages);
        let label = self.label.get();
        tracing::warn!(%key, %label, "replay: no recorded reply for this request");
        let text = format!(
            "no recorded reply in {} for this {} request (key {key}{}, question {question:?}); the prompt, retrieval or validation feedback changed since it was recorded: record again",
            self.dir.display(),
            match kind {
                CallKind::Sql => "SQL",
                CallKind::Text => "summary",
            },
            if label.is_empty() { String::new() } else { format!(", {label}") },
        );
        self.misses.lock().unwrap_or_else(|p| p.into_inner()).push(Miss { label, kind, key, question });
        Err(LlmError::NotRecorded(text))
    }
}

/// The question a request is about: the first line of the last user message that names one, cut short.
fn question_of(messages: &[ChatMessage]) -> String {
    let last = messages.iter().rev().find(|m| m.role == Role::User).map(|m| m.text.as_str()).unwrap_or("");
    let line = last
        .lines()
        .find(|l| l.to_ascii_lowercase().contains("question"))
        .or_else(|| last.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("");
    line.chars().take(160).collect()
}

#[async_trait::async_trait]
impl Llm for ReplayLlm {
    fn name(&self) -> &'static str {
        "replay"
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, LlmError> {
        let r = self.lookup(CallKind::Sql, request)?;
        let reply = match &r.reply {
            RecordedReply::AnswerWithSql { sql, notes } => Reply::Sql { sql: sql.clone(), notes: notes.clone() },
            RecordedReply::Decline { reason } => Reply::Decline { reason: reason.clone() },
            RecordedReply::Text { .. } => {
                return Err(LlmError::MalformedToolInput(format!("recording {} holds text, not a tool call", r.key)));
            }
        };
        Ok(Generation { reply, usage: r.usage })
    }

    async fn complete_text(&self, request: &GenerationRequest) -> Result<TextCompletion, LlmError> {
        let r = self.lookup(CallKind::Text, request)?;
        match &r.reply {
            RecordedReply::Text { text } => Ok(TextCompletion { text: text.clone(), usage: r.usage }),
            _ => Err(LlmError::MalformedToolInput(format!("recording {} holds a tool call, not text", r.key))),
        }
    }
}

#[cfg(test)]
mod tests;
