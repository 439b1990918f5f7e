//! Replies through a slash command's `response_url`: it reaches the asker even in a channel asklake is not in,
//! where `chat.postEphemeral` fails with `not_in_channel` or `channel_not_found`.

use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Context;
use serde_json::json;

/// How long a `response_url` reply may take.
const TIMEOUT: Duration = Duration::from_secs(5);

fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| reqwest::Client::builder().timeout(TIMEOUT).build().unwrap_or_default())
}

/// Shows `text` to the asker only, through `response_url` (valid for 30 minutes after the command).
///
/// # Errors
/// When the URL cannot be reached or does not answer 2xx.
#[tracing::instrument(skip_all)]
pub async fn ephemeral(response_url: &str, text: &str) -> anyhow::Result<()> {
    let body = json!({"response_type": "ephemeral", "replace_original": false, "text": text});
    let response =
        http().post(response_url).json(&body).send().await.context("could not reach the command's response_url")?;
    anyhow::ensure!(response.status().is_success(), "the command's response_url answered HTTP {}", response.status());
    Ok(())
}
