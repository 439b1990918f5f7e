//! Socket Mode: the app opens a WebSocket to Slack with the app-level token (`xapp-…`) instead of receiving
//! HTTP requests. Envelopes are acked by slack-morphism when a callback returns, so callbacks only queue work.

use std::sync::Arc;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use slack_morphism::prelude::*;
use tokio_util::sync::CancellationToken;

use crate::state::AppState;

/// Connects with `app_token` and serves Slack traffic until `shutdown` fires.
///
/// # Errors
/// When the HTTPS connector cannot be built or `apps.connections.open` fails (bad token, Socket Mode off).
pub async fn run(state: AppState, app_token: SecretString, shutdown: CancellationToken) -> anyhow::Result<()> {
    let client = Arc::new(
        crate::slack::usergroups::hyper_client(&state.config.slack.api_url)
            .context("could not load the system's TLS roots")?,
    );
    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_command_events(on_command)
        .with_push_events(on_push)
        .with_interaction_events(on_interaction);
    let env =
        Arc::new(SlackClientEventsListenerEnvironment::new(client).with_error_handler(on_error).with_user_state(state));
    let listener = SlackClientSocketModeListener::new(&SlackClientSocketModeConfig::new(), env, callbacks);
    let token = SlackApiToken::new(app_token.expose_secret().to_owned().into());
    listener
        .listen_for(&token)
        .await
        .context("could not open a Socket Mode connection (check [slack] app_token and that Socket Mode is on)")?;
    listener.start().await;
    tracing::info!("Socket Mode connected");
    shutdown.cancelled().await;
    listener.shutdown().await;
    Ok(())
}

async fn app_state(states: &SlackClientEventsUserState) -> Option<AppState> {
    states.read().await.get_user_state::<AppState>().cloned()
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let app = app_state(&states).await.ok_or("asklake state missing")?;
    Ok(crate::slack::commands::handle(&app, event).await)
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let app = app_state(&states).await.ok_or("asklake state missing")?;
    crate::slack::events::dispatch(&app, event);
    Ok(())
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let app = app_state(&states).await.ok_or("asklake state missing")?;
    crate::slack::interactions::dispatch(&app, event);
    Ok(())
}

fn on_error(
    err: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<SlackHyperClient>,
    _states: SlackClientEventsUserState,
) -> HttpStatusCode {
    tracing::warn!(error = %err, "Socket Mode delivery failed");
    HttpStatusCode::OK
}
