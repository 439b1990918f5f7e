//! Amazon Bedrock adapter: the Converse API with two tools and a forced tool choice, every call under a timeout.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::converse::{ConverseError, ConverseOutput};
use aws_sdk_bedrockruntime::types::{
    AnyToolChoice, ContentBlock, ConversationRole, ConverseOutput as Output, InferenceConfiguration, Message,
    SystemContentBlock, Tool, ToolChoice, ToolConfiguration, ToolInputSchema, ToolSpecification,
};
use tracing::Instrument;

use super::document::{to_document, to_json};
use super::{
    DECLINE_TOOL, DECLINE_TOOL_DESCRIPTION, Generation, GenerationRequest, Llm, LlmError, Role, SQL_TOOL,
    SQL_TOOL_DESCRIPTION, TextCompletion, Usage, decline_tool_schema, parse_tool_call, sql_tool_schema,
};
use crate::config::{Config, LlmConfig};

/// Bedrock Converse client with the model settings from `[llm]`.
#[derive(Debug, Clone)]
pub struct BedrockLlm {
    client: Client,
    model_id: String,
    max_tokens: u32,
    temperature: f32,
    timeout: Duration,
}

impl BedrockLlm {
    /// Builds the client from `[aws]` and `[llm]` (region and endpoint overrides included).
    pub async fn from_config(config: &Config) -> anyhow::Result<Self> {
        anyhow::ensure!(!config.llm.model_id.is_empty(), "[llm] model_id is empty: set a Bedrock model id");
        let sdk = super::aws::sdk_config(&config.aws, &config.llm.region).await;
        Ok(Self::from_sdk_config(&sdk, &config.llm))
    }

    /// Builds the client from an already loaded SDK config (tests pass static credentials here).
    pub fn from_sdk_config(sdk: &SdkConfig, llm: &LlmConfig) -> Self {
        let mut builder = aws_sdk_bedrockruntime::config::Builder::from(sdk);
        if !llm.endpoint_url.is_empty() {
            builder = builder.endpoint_url(&llm.endpoint_url);
        }
        Self {
            client: Client::from_conf(builder.build()),
            model_id: llm.model_id.clone(),
            max_tokens: llm.max_tokens,
            temperature: llm.temperature,
            timeout: Duration::from_secs(llm.timeout_secs.max(1)),
        }
    }

    async fn converse(&self, request: &GenerationRequest, tools: bool) -> Result<ConverseOutput, LlmError> {
        let messages = request
            .messages
            .iter()
            .map(|m| {
                let role = match m.role {
                    Role::User => ConversationRole::User,
                    Role::Assistant => ConversationRole::Assistant,
                };
                Message::builder()
                    .role(role)
                    .content(ContentBlock::Text(m.text.clone()))
                    .build()
                    .map_err(|e| LlmError::Invalid(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let inference = InferenceConfiguration::builder()
            .max_tokens(i32::try_from(self.max_tokens).unwrap_or(i32::MAX))
            .temperature(self.temperature)
            .build();
        let mut call = self
            .client
            .converse()
            .model_id(&self.model_id)
            .system(SystemContentBlock::Text(request.system.clone()))
            .set_messages(Some(messages))
            .inference_config(inference);
        if tools {
            call = call.tool_config(tool_config()?);
        }
        let span = tracing::info_span!("bedrock.converse", model = %self.model_id, tools);
        match tokio::time::timeout(self.timeout, call.send().instrument(span)).await {
            Err(_) => Err(LlmError::Timeout(self.timeout)),
            Ok(Err(err)) => {
                let mapped = map_error(err);
                tracing::warn!(error = %mapped, "bedrock converse failed");
                Err(mapped)
            }
            Ok(Ok(out)) => Ok(out),
        }
    }
}

fn tool_config() -> Result<ToolConfiguration, LlmError> {
    let spec = |name: &str, description: &str, schema: serde_json::Value| {
        ToolSpecification::builder()
            .name(name)
            .description(description)
            .input_schema(ToolInputSchema::Json(to_document(&schema)))
            .build()
            .map(Tool::ToolSpec)
            .map_err(|e| LlmError::Invalid(e.to_string()))
    };
    ToolConfiguration::builder()
        .tools(spec(SQL_TOOL, SQL_TOOL_DESCRIPTION, sql_tool_schema())?)
        .tools(spec(DECLINE_TOOL, DECLINE_TOOL_DESCRIPTION, decline_tool_schema())?)
        .tool_choice(ToolChoice::Any(AnyToolChoice::builder().build()))
        .build()
        .map_err(|e| LlmError::Invalid(e.to_string()))
}

fn usage(out: &ConverseOutput) -> Usage {
    out.usage()
        .map(|u| Usage {
            input_tokens: u32::try_from(u.input_tokens()).unwrap_or(0),
            output_tokens: u32::try_from(u.output_tokens()).unwrap_or(0),
        })
        .unwrap_or_default()
}

fn content(out: &ConverseOutput) -> &[ContentBlock] {
    match out.output() {
        Some(Output::Message(m)) => m.content(),
        _ => &[],
    }
}

/// Maps an SDK error to [`LlmError`] by the service's error code.
fn map_error(err: SdkError<ConverseError>) -> LlmError {
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let message = e.message().unwrap_or("no message").to_owned();
            match e {
                ConverseError::ThrottlingException(_) => LlmError::Throttled(message),
                ConverseError::AccessDeniedException(_) => LlmError::AccessDenied(message),
                ConverseError::ResourceNotFoundException(_) => LlmError::ModelNotFound(message),
                ConverseError::ModelNotReadyException(_) => LlmError::ModelNotReady(message),
                ConverseError::ModelTimeoutException(_) => LlmError::Unavailable(format!("model timeout: {message}")),
                ConverseError::ValidationException(_) => LlmError::Invalid(message),
                _ => match e.code() {
                    Some("ThrottlingException" | "TooManyRequestsException") => LlmError::Throttled(message),
                    Some("AccessDeniedException" | "UnrecognizedClientException") => LlmError::AccessDenied(message),
                    code => LlmError::Unavailable(format!("{}: {message}", code.unwrap_or("error"))),
                },
            }
        }
        SdkError::ResponseError(_) => LlmError::Unavailable(format!(
            "unreadable response: {}",
            aws_smithy_types::error::display::DisplayErrorContext(&err)
        )),
        _ => LlmError::Unavailable(aws_smithy_types::error::display::DisplayErrorContext(&err).to_string()),
    }
}

#[async_trait::async_trait]
impl Llm for BedrockLlm {
    fn name(&self) -> &'static str {
        "bedrock"
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, LlmError> {
        let out = self.converse(request, true).await?;
        let usage = usage(&out);
        let tool_use = content(&out).iter().find_map(|c| match c {
            ContentBlock::ToolUse(t) => Some(t),
            _ => None,
        });
        let Some(tool_use) = tool_use else {
            return Err(LlmError::NoToolCall { stop_reason: out.stop_reason().as_str().to_owned() });
        };
        let reply = parse_tool_call(tool_use.name(), &to_json(tool_use.input()))?;
        tracing::debug!(input_tokens = usage.input_tokens, output_tokens = usage.output_tokens, "bedrock generation");
        Ok(Generation { reply, usage })
    }

    async fn complete_text(&self, request: &GenerationRequest) -> Result<TextCompletion, LlmError> {
        let out = self.converse(request, false).await?;
        let text: String = content(&out)
            .iter()
            .filter_map(|c| match c {
                ContentBlock::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let text = text.trim().to_owned();
        if text.is_empty() {
            return Err(LlmError::NoToolCall { stop_reason: format!("{} (no text)", out.stop_reason().as_str()) });
        }
        Ok(TextCompletion { text, usage: usage(&out) })
    }
}
