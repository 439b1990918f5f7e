//! The doctor's Slack steps: the bot token works and carries the scopes `manifest.yml` asks for, and the bot is a
//! member of every alert channel. Plain Web API calls, so the granted scopes can be read from Slack's
//! `x-oauth-scopes` response header.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::Outcome;
use crate::config::SlackConfig;

/// The app manifest this build ships; its bot scopes are what the doctor expects.
const MANIFEST: &str = include_str!("../../manifest.yml");

/// The bot scopes `manifest.yml` declares (`oauth_config.scopes.bot`).
pub fn manifest_bot_scopes() -> Vec<String> {
    let mut in_scopes = false;
    let mut in_bot = false;
    let mut out = Vec::new();
    for line in MANIFEST.lines() {
        let content = line.split('#').next().unwrap_or("").trim_end();
        let trimmed = content.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed == "scopes:" {
            in_scopes = true;
            continue;
        }
        if in_scopes && trimmed == "bot:" {
            in_bot = true;
            continue;
        }
        if in_bot {
            match trimmed.strip_prefix("- ") {
                Some(scope) => out.push(scope.trim().to_owned()),
                None => break,
            }
        }
    }
    out
}

/// Calls the Slack Web API with the bot token.
pub struct SlackProbe {
    client: reqwest::Client,
    api_url: String,
    token: SecretString,
}

impl SlackProbe {
    /// A probe for `[slack]` (none without a bot token).
    pub fn from_config(slack: &SlackConfig) -> Option<Self> {
        let token = slack.bot_token.clone()?;
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().ok()?;
        Some(Self { client, api_url: slack.api_url.trim_end_matches('/').to_owned(), token })
    }

    async fn call(&self, method: &str, form: &[(&str, &str)]) -> Result<(Value, Option<String>), String> {
        let response = self
            .client
            .post(format!("{}/{method}", self.api_url))
            .bearer_auth(self.token.expose_secret())
            .form(form)
            .send()
            .await
            .map_err(|e| format!("{method} did not answer: {e}"))?;
        let scopes = response.headers().get("x-oauth-scopes").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let status = response.status();
        let body: Value = response.json().await.map_err(|e| format!("{method} answered {status} unreadably: {e}"))?;
        Ok((body, scopes))
    }

    /// `auth.test`: the token is valid; the scopes granted include every scope of the manifest.
    pub async fn auth_and_scopes(&self) -> Outcome {
        let (body, scopes) = match self.call("auth.test", &[]).await {
            Ok(answer) => answer,
            Err(e) => return Outcome::fail(e, "check network access to Slack and [slack] api_url"),
        };
        if body["ok"] != Value::Bool(true) {
            let code = body["error"].as_str().unwrap_or("unknown_error");
            return Outcome::fail(
                format!("Slack refused the bot token: {code}"),
                "copy the Bot User OAuth Token (xoxb-…) again from the app's OAuth & Permissions page",
            );
        }
        let who =
            format!("bot {} in {}", body["user_id"].as_str().unwrap_or("?"), body["team"].as_str().unwrap_or("?"));
        let Some(granted) = scopes else {
            return Outcome::Pass(format!("{who}; Slack did not report the granted scopes"));
        };
        let granted: Vec<&str> = granted.split(',').map(str::trim).collect();
        let missing: Vec<String> =
            manifest_bot_scopes().into_iter().filter(|s| !granted.contains(&s.as_str())).collect();
        if missing.is_empty() {
            Outcome::Pass(format!("{who}; all {} manifest scopes granted", granted.len()))
        } else {
            Outcome::fail(
                format!("{who} lacks the scopes {}", missing.join(", ")),
                "update the app from manifest.yml (App Manifest page), then reinstall it to the workspace",
            )
        }
    }

    /// `conversations.info`: the bot is a member of `channel`.
    pub async fn membership(&self, channel: &str) -> Outcome {
        let (body, _) = match self.call("conversations.info", &[("channel", channel)]).await {
            Ok(answer) => answer,
            Err(e) => return Outcome::fail(e, "check network access to Slack"),
        };
        if body["ok"] != Value::Bool(true) {
            let code = body["error"].as_str().unwrap_or("unknown_error");
            let fix = match code {
                "channel_not_found" => {
                    "check the channel id (not its name); for a private channel, /invite @asklake first"
                }
                "missing_scope" => "add channels:read and groups:read (they are in manifest.yml) and reinstall the app",
                _ => "check the channel id in [alerts]",
            };
            return Outcome::fail(format!("conversations.info {channel}: {code}"), fix);
        }
        let name = body["channel"]["name"].as_str().unwrap_or(channel);
        if body["channel"]["is_archived"] == Value::Bool(true) {
            return Outcome::fail(
                format!("#{name} is archived"),
                "unarchive it or route its accounts to another channel",
            );
        }
        if body["channel"]["is_member"] == Value::Bool(true) {
            Outcome::Pass(format!("#{name}: the bot is a member"))
        } else {
            Outcome::fail(
                format!("the bot is not a member of #{name}, so its alerts cannot be posted"),
                format!("in #{name}: /invite @asklake"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_bot_scopes_are_read_without_their_comments() {
        let scopes = manifest_bot_scopes();
        assert!(scopes.contains(&"chat:write".to_owned()), "{scopes:?}");
        assert!(scopes.contains(&"commands".to_owned()), "{scopes:?}");
        assert!(scopes.iter().all(|s| !s.contains('#') && !s.contains(' ')), "{scopes:?}");
    }
}
