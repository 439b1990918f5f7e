//! The `Llm` seam: SQL generation by forced tool call, with Bedrock Converse and OpenAI-compatible adapters.
//!
//! A generation reply is always a tool call: `answer_with_sql { sql, notes }` or `decline { reason }`. The
//! adapters force a tool choice so a model cannot answer in prose; a reply without a tool call is an
//! [`LlmError::NoToolCall`]. Every call reports its token usage.

pub mod aws;
pub mod bedrock;
pub mod document;
pub mod openai;
pub mod record;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use crate::config::{Config, LlmProvider};

/// Name of the tool that returns SQL.
pub const SQL_TOOL: &str = "answer_with_sql";
/// Name of the tool that declines a question.
pub const DECLINE_TOOL: &str = "decline";

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Role {
    /// The asker / the app.
    User,
    /// The model.
    Assistant,
}

/// One chat message (text only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    /// Author.
    pub role: Role,
    /// Text.
    pub text: String,
}

impl ChatMessage {
    /// A user message.
    pub fn user(text: impl Into<String>) -> Self {
        Self { role: Role::User, text: text.into() }
    }
    /// An assistant message.
    pub fn assistant(text: impl Into<String>) -> Self {
        Self { role: Role::Assistant, text: text.into() }
    }
}

/// A request for SQL (forced tool call) or for plain text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GenerationRequest {
    /// System prompt.
    pub system: String,
    /// Conversation, oldest first; the last message is from the user.
    pub messages: Vec<ChatMessage>,
}

/// What the model answered with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Reply {
    /// SQL over the logical tables.
    Sql {
        /// The query.
        sql: String,
        /// The model's short note on its reading of the question.
        notes: String,
    },
    /// Not a question the lake can answer.
    Decline {
        /// Why, addressed to the asker.
        reason: String,
    },
}

/// Tokens used by one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Usage {
    /// Input (prompt) tokens.
    pub input_tokens: u32,
    /// Output tokens.
    pub output_tokens: u32,
}

/// A forced-tool reply and its usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Generation {
    /// The tool call.
    pub reply: Reply,
    /// Tokens.
    pub usage: Usage,
}

/// A plain-text reply and its usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextCompletion {
    /// The text.
    pub text: String,
    /// Tokens.
    pub usage: Usage,
}

/// Why a model call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// The service is rate limiting us.
    #[error("model throttled: {0}")]
    Throttled(String),
    /// Credentials lack `bedrock:InvokeModel` or model access is not granted.
    #[error("access denied: {0}")]
    AccessDenied(String),
    /// The model id does not exist in this region / account.
    #[error("model not found: {0}")]
    ModelNotFound(String),
    /// The model is not ready (still loading or provisioning).
    #[error("model not ready: {0}")]
    ModelNotReady(String),
    /// The call took longer than allowed.
    #[error("model call timed out after {0:?}")]
    Timeout(Duration),
    /// The service rejected the request (bad parameters, context window exceeded).
    #[error("request rejected: {0}")]
    Invalid(String),
    /// The model answered without calling a tool.
    #[error("the model answered without calling a tool (stop reason {stop_reason})")]
    NoToolCall {
        /// Stop reason reported by the service.
        stop_reason: String,
    },
    /// The tool call's input did not match the tool's schema.
    #[error("malformed tool input: {0}")]
    MalformedToolInput(String),
    /// Network failure or a service-side error.
    #[error("model service unavailable: {0}")]
    Unavailable(String),
    /// Replay only: the recording has no reply for this request (it changed since it was recorded).
    #[error("{0}")]
    NotRecorded(String),
}

impl LlmError {
    /// Whether asking again with a reminder could help (the model misbehaved, the service did not).
    pub fn is_model_misbehaviour(&self) -> bool {
        matches!(self, LlmError::NoToolCall { .. } | LlmError::MalformedToolInput(_))
    }

    /// Text safe to show the asker: what happened and what to do next.
    pub fn user_message(&self) -> String {
        match self {
            LlmError::Throttled(_) => {
                "The language model is rate limiting asklake right now. Try again in a minute, or ask an admin to raise the Bedrock quota.".into()
            }
            LlmError::AccessDenied(_) => {
                "asklake is not allowed to call the language model. Ask an admin to grant bedrock:InvokeModel and enable access to the configured model in the Bedrock console.".into()
            }
            LlmError::ModelNotFound(_) => {
                "The configured language model does not exist in this region. Ask an admin to check [llm] model_id and region.".into()
            }
            LlmError::ModelNotReady(_) => "The language model is still starting up. Try again in a minute.".into(),
            LlmError::Timeout(d) => {
                format!("The language model did not answer within {}s. Try again, or ask a simpler question.", d.as_secs())
            }
            LlmError::Invalid(_) => {
                "The language model rejected the request. Try a shorter question; if it keeps happening, ask an admin to check the logs.".into()
            }
            LlmError::NoToolCall { .. } | LlmError::MalformedToolInput(_) => {
                "The language model did not return a usable query. Try rephrasing the question.".into()
            }
            LlmError::Unavailable(_) => "The language model is unavailable right now. Try again in a minute.".into(),
            LlmError::NotRecorded(_) => {
                "The replayed model recording has no reply for this question as asked now (the prompt changed since it was recorded). Record it again with --record DIR against a live model.".into()
            }
        }
    }
}

/// A language model that writes SQL by tool call and short texts.
#[async_trait::async_trait]
pub trait Llm: Send + Sync {
    /// Short name for logs ("bedrock", "openai").
    fn name(&self) -> &'static str;
    /// Asks for SQL; the reply is forced to be one of the two tools.
    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, LlmError>;
    /// Asks for plain text (the answer summary).
    async fn complete_text(&self, request: &GenerationRequest) -> Result<TextCompletion, LlmError>;
}

/// JSON schema of the `answer_with_sql` tool input.
pub fn sql_tool_schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "sql": {"type": "string", "description": "One read-only Trino SELECT over the logical tables."},
            "notes": {"type": "string", "description": "One short sentence: how the question was read (time window, filters)."}
        },
        "required": ["sql"]
    })
}

/// JSON schema of the `decline` tool input.
pub fn decline_tool_schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "reason": {"type": "string", "description": "Why the security lake cannot answer this, in the asker's language."}
        },
        "required": ["reason"]
    })
}

/// Description of the `answer_with_sql` tool.
pub const SQL_TOOL_DESCRIPTION: &str = "Answer the question with one SQL query over the logical tables.";
/// Description of the `decline` tool.
pub const DECLINE_TOOL_DESCRIPTION: &str =
    "Decline questions that the security lake tables cannot answer (not about AWS activity or network logs).";

/// Turns a tool call (name + JSON input) into a [`Reply`].
pub fn parse_tool_call(name: &str, input: &serde_json::Value) -> Result<Reply, LlmError> {
    let field = |key: &str| input.get(key).and_then(serde_json::Value::as_str).map(str::trim);
    match name {
        SQL_TOOL => {
            let sql = field("sql").filter(|s| !s.is_empty()).ok_or_else(|| {
                LlmError::MalformedToolInput(format!("{SQL_TOOL} input has no non-empty string `sql`"))
            })?;
            Ok(Reply::Sql { sql: sql.to_owned(), notes: field("notes").unwrap_or_default().to_owned() })
        }
        DECLINE_TOOL => {
            let reason = field("reason").filter(|s| !s.is_empty()).ok_or_else(|| {
                LlmError::MalformedToolInput(format!("{DECLINE_TOOL} input has no non-empty string `reason`"))
            })?;
            Ok(Reply::Decline { reason: reason.to_owned() })
        }
        other => Err(LlmError::MalformedToolInput(format!("unknown tool {other:?}"))),
    }
}

/// Builds the configured model, or `None` when `[llm] provider = "none"`.
pub async fn from_config(config: &Config) -> anyhow::Result<Option<Arc<dyn Llm>>> {
    match config.llm.provider {
        LlmProvider::None => Ok(None),
        LlmProvider::Bedrock => Ok(Some(Arc::new(bedrock::BedrockLlm::from_config(config).await?))),
        LlmProvider::Openai => Ok(Some(Arc::new(openai::OpenAiLlm::from_config(&config.llm)?))),
        LlmProvider::Replay => {
            Ok(Some(Arc::new(record::ReplayLlm::open(&config.llm.replay_dir, record::CallLabel::default())?)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sql_tool_call_becomes_a_sql_reply() {
        let reply = parse_tool_call(SQL_TOOL, &json!({"sql": " SELECT 1 ", "notes": "n"})).unwrap();
        assert_eq!(reply, Reply::Sql { sql: "SELECT 1".into(), notes: "n".into() });
    }

    #[test]
    fn a_tool_call_without_sql_is_malformed() {
        let err = parse_tool_call(SQL_TOOL, &json!({"query": "SELECT 1"})).unwrap_err();
        assert!(matches!(err, LlmError::MalformedToolInput(_)));
        let err = parse_tool_call("run_python", &json!({})).unwrap_err();
        assert!(err.to_string().contains("run_python"));
    }

    #[test]
    fn user_messages_say_what_to_do_next() {
        assert!(LlmError::AccessDenied("x".into()).user_message().contains("bedrock:InvokeModel"));
        assert!(LlmError::Throttled("x".into()).user_message().contains("Try again"));
    }
}
