//! `usergroups.users.list` through slack-morphism, for `[slack] allowed_usergroups` (scope `usergroups:read`).

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use slack_morphism::prelude::*;

use super::access::UserGroupDirectory;
use super::api::SlackError;

/// A slack-morphism client over hyper that also speaks plain HTTP, so tests can point it at a local fake.
///
/// # Errors
/// When the system's TLS roots cannot be loaded.
pub fn hyper_client(api_url: &str) -> std::io::Result<SlackHyperClient> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()?
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .build();
    let connector = SlackClientHyperConnector::from(https)
        .with_slack_api_url(api_url)
        .with_rate_control(SlackApiRateControlConfig::new().with_max_retries(2));
    Ok(SlackClient::new(connector))
}

/// Lists user-group members with the bot token.
pub struct SlackUserGroups {
    client: Arc<SlackHyperClient>,
    token: SlackApiToken,
}

impl SlackUserGroups {
    /// A directory calling `api_url` with `bot_token`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(api_url: &str, bot_token: &SecretString) -> std::io::Result<Self> {
        Ok(Self {
            client: Arc::new(hyper_client(api_url)?),
            token: SlackApiToken::new(bot_token.expose_secret().to_owned().into()),
        })
    }
}

#[async_trait::async_trait]
impl UserGroupDirectory for SlackUserGroups {
    async fn members(&self, usergroup: &str) -> Result<Vec<String>, SlackError> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiUserGroupsUsersListRequest::new(usergroup.to_owned().into());
        match session.usergroups_users_list(&request).await {
            Ok(response) => Ok(response.users.into_iter().map(|u| u.0).collect()),
            Err(slack_morphism::errors::SlackClientError::ApiError(e)) => Err(SlackError::Api { code: e.code }),
            Err(slack_morphism::errors::SlackClientError::RateLimitError(e)) => {
                Err(SlackError::RateLimited { retry_after: e.retry_after })
            }
            Err(other) => Err(SlackError::Transport { message: other.to_string() }),
        }
    }
}
