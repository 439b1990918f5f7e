//! OpenAI-compatible adapter: `POST {base}/chat/completions` with `tools` and a forced `tool_choice`.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tracing::Instrument;

use super::{
    DECLINE_TOOL, DECLINE_TOOL_DESCRIPTION, Generation, GenerationRequest, Llm, LlmError, Role, SQL_TOOL,
    SQL_TOOL_DESCRIPTION, TextCompletion, Usage, decline_tool_schema, parse_tool_call, sql_tool_schema,
};
use crate::config::LlmConfig;

/// Client for an OpenAI-compatible chat completions server (a local model server, a gateway).
#[derive(Debug, Clone)]
pub struct OpenAiLlm {
    http: reqwest::Client,
    url: String,
    api_key: Option<SecretString>,
    model: String,
    max_tokens: u32,
    temperature: f32,
    timeout: Duration,
}

impl OpenAiLlm {
    /// Builds the client from `[llm]` (`openai_base_url`, `openai_api_key`, `model_id`, `timeout_secs`).
    pub fn from_config(llm: &LlmConfig) -> anyhow::Result<Self> {
        anyhow::ensure!(
            !llm.openai_base_url.is_empty(),
            "[llm] openai_base_url is empty: set it to the server's base URL, e.g. http://127.0.0.1:8080/v1"
        );
        let timeout = Duration::from_secs(llm.timeout_secs.max(1));
        let http = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(Self {
            http,
            url: format!("{}/chat/completions", llm.openai_base_url.trim_end_matches('/')),
            api_key: llm.openai_api_key.clone(),
            model: llm.model_id.clone(),
            max_tokens: llm.max_tokens,
            temperature: llm.temperature,
            timeout,
        })
    }

    fn body(&self, request: &GenerationRequest, tools: bool) -> Value {
        let mut messages = vec![json!({"role": "system", "content": request.system})];
        messages.extend(request.messages.iter().map(|m| {
            let role = if m.role == Role::User { "user" } else { "assistant" };
            json!({"role": role, "content": m.text})
        }));
        let mut body = json!({
            "model": self.model, "messages": messages,
            "max_tokens": self.max_tokens, "temperature": self.temperature,
        });
        if tools {
            let tool = |name: &str, description: &str, schema: Value| json!({"type": "function", "function": {"name": name, "description": description, "parameters": schema}});
            body["tools"] = json!([
                tool(SQL_TOOL, SQL_TOOL_DESCRIPTION, sql_tool_schema()),
                tool(DECLINE_TOOL, DECLINE_TOOL_DESCRIPTION, decline_tool_schema()),
            ]);
            body["tool_choice"] = json!("required");
        }
        body
    }

    async fn post(&self, body: &Value) -> Result<Value, LlmError> {
        let mut req = self.http.post(&self.url).json(body);
        if let Some(key) = &self.api_key {
            req = req.bearer_auth(key.expose_secret());
        }
        let span = tracing::info_span!("openai.chat", model = %self.model);
        let resp = req.send().instrument(span).await.map_err(|e| {
            if e.is_timeout() { LlmError::Timeout(self.timeout) } else { LlmError::Unavailable(e.to_string()) }
        })?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| LlmError::Unavailable(e.to_string()))?;
        match status.as_u16() {
            200..=299 => {
                serde_json::from_str(&text).map_err(|e| LlmError::Unavailable(format!("unreadable reply: {e}")))
            }
            401 | 403 => Err(LlmError::AccessDenied(truncate(&text))),
            404 => Err(LlmError::ModelNotFound(truncate(&text))),
            429 => Err(LlmError::Throttled(truncate(&text))),
            400 | 422 => Err(LlmError::Invalid(truncate(&text))),
            _ => Err(LlmError::Unavailable(format!("HTTP {status}: {}", truncate(&text)))),
        }
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(300).collect()
}

fn usage(reply: &Value) -> Usage {
    let n = |k: &str| reply["usage"][k].as_u64().and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
    Usage { input_tokens: n("prompt_tokens"), output_tokens: n("completion_tokens") }
}

#[async_trait::async_trait]
impl Llm for OpenAiLlm {
    fn name(&self) -> &'static str {
        "openai"
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, LlmError> {
        let reply = self.post(&self.body(request, true)).await?;
        let choice = &reply["choices"][0];
        let call = &choice["message"]["tool_calls"][0]["function"];
        let Some(name) = call["name"].as_str() else {
            let stop_reason = choice["finish_reason"].as_str().unwrap_or("unknown").to_owned();
            return Err(LlmError::NoToolCall { stop_reason });
        };
        let args: Value = match &call["arguments"] {
            Value::String(s) => serde_json::from_str(s)
                .map_err(|e| LlmError::MalformedToolInput(format!("arguments are not JSON: {e}")))?,
            other => other.clone(),
        };
        Ok(Generation { reply: parse_tool_call(name, &args)?, usage: usage(&reply) })
    }

    async fn complete_text(&self, request: &GenerationRequest) -> Result<TextCompletion, LlmError> {
        let reply = self.post(&self.body(request, false)).await?;
        let text = reply["choices"][0]["message"]["content"].as_str().unwrap_or_default().trim().to_owned();
        if text.is_empty() {
            return Err(LlmError::NoToolCall { stop_reason: "empty text".into() });
        }
        Ok(TextCompletion { text, usage: usage(&reply) })
    }
}
