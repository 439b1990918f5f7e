//! The App Home tab: on `app_home_opened` asklake publishes the person's Home ([`home_view`]) with
//! `views.publish`; an example button there runs that verified question, with its default window ending now,
//! through the same offered-query path as any verified-question button, and answers in the person's DM with the
//! app.
//!
//! Access is checked before anything is shown: a person asklake does not serve sees only why. The buttons exist
//! only where DMs are answered, and a press is checked again (a view is not proof of access).
//!
//! [`home_view`]: super::home_view

use slack_morphism::prelude::{SlackInteractionBlockActionsEvent, SlackView};
use tracing::Instrument;

use super::access::Origin;
use super::conversation::{self, Ask};
use super::home_view::{self, HOME_EXAMPLE, HomeContent, is_conversation_id};
use super::render::{self, Lang};
use crate::library::Offer;
use crate::state::AppState;

/// Publishes `user`'s Home; `channel` is their DM with the app (from the event).
///
/// # Errors
/// When the store cannot be read, the view cannot be built or `views.publish` fails.
pub async fn opened(app: &AppState, user: &str, channel: &str) -> anyhow::Result<()> {
    let recent = app.store.recent_questions(user)?;
    let lang = recent.first().map_or(Lang::En, |r| Lang::of(&r.question));
    let view = match app.access.check_user(user).await {
        Err(denied) => home_view::refused(denied.user_message(), lang)?,
        Ok(()) => {
            let buttons =
                app.access.check(Origin { user, channel, is_dm: true }).await.is_ok() && is_conversation_id(channel);
            let accounts = app.config.accounts();
            home_view::home(&HomeContent {
                setup: &app.setup,
                accounts: accounts.all(),
                default_channel: &app.config.alerts.default_channel,
                recent: &recent,
                buttons,
                dm_channel: channel,
                lang,
            })?
        }
    };
    app.slack.publish_home(user, &view).await?;
    Ok(())
}

/// A press of a Home example button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomePress {
    /// Who pressed.
    pub user: String,
    /// The library entry id the button carries.
    pub entry: String,
    /// The DM channel kept in the view's private metadata (checked to be a conversation id).
    pub dm_channel: Option<String>,
}

/// The Home example presses in a block-actions payload (buttons on a Home view only).
pub fn presses(event: &SlackInteractionBlockActionsEvent) -> Vec<HomePress> {
    let Some(SlackView::Home(view)) = &event.view else { return Vec::new() };
    let Some(user) = event.user.as_ref().map(|u| u.id.0.clone()) else { return Vec::new() };
    let dm_channel = view.private_metadata.clone().filter(|c| c.starts_with('D') && is_conversation_id(c));
    event
        .actions
        .iter()
        .flatten()
        .filter(|a| a.action_id.0.starts_with(HOME_EXAMPLE))
        .filter_map(|a| Some(HomePress { user: user.clone(), entry: a.value.clone()?, dm_channel: dm_channel.clone() }))
        .collect()
}

/// Handles the Home presses in `event`, each in a task.
pub fn spawn_presses(app: &AppState, event: &SlackInteractionBlockActionsEvent) {
    for press in presses(event) {
        let span = tracing::info_span!("home_button", user = %press.user, entry = %press.entry);
        let app2 = app.clone();
        app.tasks.spawn(
            async move {
                if let Err(err) = run_example(&app2, &press).await {
                    tracing::error!(error = format!("{err:#}"), "Home example button failed");
                }
            }
            .instrument(span),
        );
    }
}

/// Runs the pressed example in the person's DM, when the entry is one this setup offers and they may ask there.
async fn run_example(app: &AppState, press: &HomePress) -> anyhow::Result<()> {
    let Some(dm) = &press.dm_channel else {
        tracing::warn!("refused a Home button without the DM channel asklake put in the view");
        return Ok(());
    };
    let lang = app.store.recent_questions(&press.user)?.first().map_or(Lang::En, |r| Lang::of(&r.question));
    if let Err(denied) = app.access.check(Origin { user: &press.user, channel: dm, is_dm: true }).await {
        tracing::info!(reason = %denied, "refused a Home button");
        let text = render::plain(denied.user_message());
        app.slack.post_ephemeral(dm, &press.user, &text).await?;
        return Ok(());
    }
    let Some(example) = app.setup.example(&press.entry) else {
        tracing::warn!("refused a Home button for an entry this setup does not offer");
        let text = render::plain(super::texts::bad_button(lang));
        app.slack.post_ephemeral(dm, &press.user, &text).await?;
        return Ok(());
    };
    let question = example.question(lang).to_owned();
    let offer =
        Offer { entry: example.id.clone(), question: question.clone(), params: example.params_at(chrono::Utc::now()) };
    conversation::spawn(
        app,
        Ask {
            channel: dm.clone(),
            user: press.user.clone(),
            text: question,
            thread_ts: None,
            history: Vec::new(),
            response_url: None,
            command: None,
            offer: Some(offer),
        },
    );
    Ok(())
}
