//! A local Bedrock Runtime server speaking the Converse and InvokeModel wire formats, scripted per test.
