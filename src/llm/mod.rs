//! The `Llm` seam: SQL generation by forced tool call, with Bedrock Converse and OpenAI-compatible adapters.
