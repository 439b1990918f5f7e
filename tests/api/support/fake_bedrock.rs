//! A local Bedrock Runtime server speaking the Converse and InvokeModel wire formats, scripted per test.
//!
//! Replies are a queue: each `POST /model/{id}/converse` takes the next one (an empty queue answers 500
//! `InternalServerException` so a missing script fails loudly). Errors carry `x-amzn-errortype` like the real
//! service. Every request body is recorded. `POST /model/{id}/invoke` answers Titan-style embeddings.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asklake::config::LlmConfig;
use asklake::llm::bedrock::BedrockLlm;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_smithy_types::retry::RetryConfig;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// One scripted reply.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A tool call.
    Tool {
        /// Tool name.
        name: String,
        /// Tool input.
        input: Value,
    },
    /// Plain text (`end_turn`, no tool call).
    Text(String),
    /// An AWS error.
    Error {
        /// HTTP status.
        status: u16,
        /// `x-amzn-errortype`.
        kind: String,
        /// Message.
        message: String,
    },
    /// A 200 response whose body is not JSON.
    Garbage,
    /// Wait, then answer with the inner reply.
    Slow(Duration, Box<Reply>),
}

impl Reply {
    /// `answer_with_sql { sql }`.
    pub fn sql(sql: &str) -> Self {
        Reply::Tool { name: "answer_with_sql".into(), input: json!({"sql": sql, "notes": "scripted"}) }
    }
    /// `decline { reason }`.
    pub fn decline(reason: &str) -> Self {
        Reply::Tool { name: "decline".into(), input: json!({"reason": reason}) }
    }
    /// Plain text.
    pub fn text(text: &str) -> Self {
        Reply::Text(text.into())
    }
    /// 429 ThrottlingException.
    pub fn throttled() -> Self {
        Reply::Error {
            status: 429,
            kind: "ThrottlingException".into(),
            message: "Too many requests, please wait before trying again.".into(),
        }
    }
    /// 403 AccessDeniedException.
    pub fn access_denied() -> Self {
        Reply::Error {
            status: 403,
            kind: "AccessDeniedException".into(),
            message: "You don't have access to the model with the specified model ID.".into(),
        }
    }
    /// 400 ValidationException.
    pub fn validation(message: &str) -> Self {
        Reply::Error { status: 400, kind: "ValidationException".into(), message: message.into() }
    }
}

/// A recorded request.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `converse` or `invoke`.
    pub operation: String,
    /// Model id from the path (decoded).
    pub model_id: String,
    /// JSON body.
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    replies: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<Recorded>>,
}

/// The running fake.
#[derive(Clone)]
pub struct FakeBedrock {
    /// Base URL, e.g. `http://127.0.0.1:PORT`.
    pub url: String,
    inner: Arc<Inner>,
}

impl FakeBedrock {
    /// Starts the fake on a free port.
    pub async fn start() -> Self {
        let inner = Arc::new(Inner::default());
        let app = Router::new()
            .route("/model/{id}/converse", post(converse))
            .route("/model/{id}/invoke", post(invoke))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake bedrock");
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        Self { url, inner }
    }

    /// Queues replies, answered in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.inner.replies.lock().unwrap().extend(replies);
    }

    /// Replies not used yet.
    pub fn unused(&self) -> usize {
        self.inner.replies.lock().unwrap().len()
    }

    /// Converse request bodies so far.
    pub fn converse_requests(&self) -> Vec<Value> {
        self.inner
            .requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.operation == "converse")
            .map(|r| r.body.clone())
            .collect()
    }

    /// All recorded requests.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.requests.lock().unwrap().clone()
    }

    /// The `[llm]` settings pointing at this fake.
    pub fn llm_config(&self) -> LlmConfig {
        LlmConfig {
            provider: asklake::config::LlmProvider::Bedrock,
            model_id: "anthropic.claude-3-5-sonnet-20240620-v1:0".into(),
            endpoint_url: self.url.clone(),
            timeout_secs: 5,
            ..LlmConfig::default()
        }
    }

    /// A real Bedrock client pointed at this fake.
    pub fn llm(&self) -> BedrockLlm {
        BedrockLlm::from_sdk_config(&test_sdk_config(&self.url), &self.llm_config())
    }
}

/// SDK config with static credentials, a local endpoint and fast retries (3 attempts, 10 ms initial backoff).
pub fn test_sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
            "AKIDTEST", "secret", None, None, "static",
        )))
        .retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(10)))
        .build()
}

async fn converse(State(inner): State<Arc<Inner>>, Path(id): Path<String>, body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    inner.requests.lock().unwrap().push(Recorded { operation: "converse".into(), model_id: id, body });
    let next = inner.replies.lock().unwrap().pop_front();
    respond(next.unwrap_or(Reply::Error {
        status: 500,
        kind: "InternalServerException".into(),
        message: "fake bedrock: no scripted reply left".into(),
    }))
    .await
}

async fn respond(reply: Reply) -> Response {
    let mut reply = reply;
    while let Reply::Slow(wait, inner) = reply {
        tokio::time::sleep(wait).await;
        reply = *inner;
    }
    let usage = json!({"inputTokens": 1200, "outputTokens": 80, "totalTokens": 1280});
    match reply {
        Reply::Tool { name, input } => axum::Json(json!({
            "output": {"message": {"role": "assistant", "content": [
                {"toolUse": {"toolUseId": "tooluse_fake_1", "name": name, "input": input}}
            ]}},
            "stopReason": "tool_use", "usage": usage, "metrics": {"latencyMs": 42}
        }))
        .into_response(),
        Reply::Text(text) => axum::Json(json!({
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "end_turn", "usage": usage, "metrics": {"latencyMs": 42}
        }))
        .into_response(),
        Reply::Error { status, kind, message } => (
            StatusCode::from_u16(status).unwrap(),
            [
                ("x-amzn-errortype", format!("{kind}:http://internal.amazon.com/coral/com.amazon.bedrock/")),
                ("content-type", "application/json".into()),
            ],
            json!({"message": message}).to_string(),
        )
            .into_response(),
        Reply::Garbage => {
            (StatusCode::OK, [("content-type", "application/json")], "{\"output\": <html>oops").into_response()
        }
        Reply::Slow(..) => unreachable!("unwrapped above"),
    }
}

/// Titan-style embeddings: a deterministic normalised vector from character trigrams.
async fn invoke(State(inner): State<Arc<Inner>>, Path(id): Path<String>, body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    inner.requests.lock().unwrap().push(Recorded { operation: "invoke".into(), model_id: id, body: body.clone() });
    let Some(text) = body["inputText"].as_str() else {
        return (
            StatusCode::BAD_REQUEST,
            [("x-amzn-errortype", "ValidationException")],
            json!({"message": "Malformed input request: required key [inputText] not found"}).to_string(),
        )
            .into_response();
    };
    let dims = body["dimensions"].as_u64().unwrap_or(1024) as usize;
    let mut v = vec![0f32; dims];
    let chars: Vec<char> = text.to_lowercase().chars().collect();
    for w in chars.windows(3) {
        let h = w.iter().fold(7u64, |h, c| h.wrapping_mul(31).wrapping_add(*c as u64));
        v[(h % dims as u64) as usize] += 1.0;
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.iter_mut().for_each(|x| *x /= norm);
    axum::Json(json!({"embedding": v, "inputTextTokenCount": chars.len() / 4 + 1})).into_response()
}
