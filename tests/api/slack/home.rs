//! The App Home, black-box: a signed `app_home_opened` event makes the app publish the person's Home through the
//! real client's `views.publish` on the fake Slack (which validates the view as Slack does); an example button
//! there answers with the verified query in the person's DM; forged events and buttons do nothing.

use asklake::accounts::AccountConfig;
use asklake::config::Config;
use asklake::library::Library;
use asklake::pipeline::sources::Sources;
use asklake::slack::home_setup::Setup;
use serde_json::{Value, json};

use super::fakes::ScriptedAsker;
use super::harness::*;
use crate::support::fake_slack::Fault;

const DM: &str = "D0HOME1";

/// CloudTrail on, VPC Flow off, on the embedded library.
fn setup() -> Setup {
    let sources = Sources { on: vec!["cloudtrail".into()], off: vec![("vpcflow".into(), "vpc_flow_2_0".into())] };
    Setup::build(&Config::default(), Library::embedded().unwrap().entries(), &sources)
}

fn configure(c: &mut Config) {
    c.slack.allow_dms = true;
    c.accounts = vec![AccountConfig {
        id: "318205947761".into(),
        name: "acme-prod".into(),
        aliases: vec!["prod".into()],
        channel: "C0PRODALERTS".into(),
        owner: "<!channel> platform".into(),
    }];
}

fn home_opened(event_id: &str, user: &str) -> String {
    event_body(
        event_id,
        json!({"type": "app_home_opened", "user": user, "channel": DM, "tab": "home",
                                "event_ts": "1700000000.000200"}),
    )
}

/// The block_actions payload Slack sends when `user` presses `action_id` (value `value`) on their Home `view`.
fn home_button(user: &str, view: &Value, action_id: &str, value: &str) -> String {
    let surface = json!({"container": {"type": "view", "view_id": view["id"]}, "view": view});
    block_actions_body(user, surface, "b1", action_id, value)
}

fn buttons(view: &Value) -> Vec<Value> {
    view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap().clone())
        .collect()
}

async fn open_home(app: &TestApp, user: &str, event_id: &str) -> Value {
    let before = app.slack.accepted("views.publish").len();
    assert_eq!(app.post_event(&home_opened(event_id, user), &[]).await.status(), 200);
    app.wait_for("the Home", |_| app.slack.accepted("views.publish").len() > before).await;
    app.slack.home(user).expect("a Home was kept for the user")
}

#[tokio::test]
async fn opening_the_home_publishes_the_setup_examples_recent_questions_and_alert_channels() {
    let setup = setup();
    let app = spawn_with_setup(setup.clone(), configure, ScriptedAsker::new()).await;
    app.post_command("U1", "C1", "who deleted <!here> trails?").await;
    app.wait_for("the answer", answer_posted).await;

    let view = open_home(&app, "U1", "EvHome1").await;

    let text = view.to_string();
    assert_eq!(view["type"], "home");
    assert_eq!(view["private_metadata"], DM);
    assert!(text.contains("Engine: DuckDB") && text.contains("no model"), "{text}");
    assert!(text.contains("sources on: cloudtrail") && text.contains("Sources off: vpcflow"), "{text}");
    assert!(text.contains(&format!("Verified questions: {}", Library::embedded().unwrap().entries().len())));
    let library = Library::embedded().unwrap();
    let shown = buttons(&view);
    assert_eq!(shown.len(), setup.examples.len());
    assert!(!shown.is_empty());
    for button in &shown {
        let entry = library.get(button["value"].as_str().unwrap()).expect("a library entry");
        assert!(entry.sql.contains("cloudtrail") && !entry.sql.contains("vpcflow"), "{}: off source", entry.id);
        assert_eq!(button["text"]["text"], asklake::slack::escape::truncate(&entry.question_en, 72));
    }
    assert!(text.contains("who deleted &lt;!here&gt; trails?"), "the recent question, escaped: {text}");
    assert!(text.contains("acme-prod `318205947761` → <#C0PRODALERTS>"), "{text}");
    assert!(!text.contains("<!channel>"), "the owner is escaped: {text}");

    let other = open_home(&app, "U2", "EvHome2").await;
    assert!(!other.to_string().contains("trails?"), "recent questions are per person");
}

#[tokio::test]
async fn a_home_example_button_answers_with_that_verified_query_in_the_persons_dm() {
    let setup = setup();
    let app = spawn_with_setup(setup.clone(), configure, ScriptedAsker::new()).await;
    let view = open_home(&app, "U1", "EvHome3").await;
    let button = buttons(&view)[1].clone();
    let entry = button["value"].as_str().unwrap().to_owned();

    app.post_interaction(&home_button("U1", &view, button["action_id"].as_str().unwrap(), &entry)).await;

    let calls = app.wait_for("the verified answer", answer_posted).await;
    let ran = app.asker.offers_run();
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].entry, entry);
    let example = setup.example(&entry).unwrap();
    let (start, end) = (ran[0].params.start.unwrap(), ran[0].params.end.unwrap());
    assert_eq!(end - start, example.window.unwrap(), "the entry's default window");
    assert!((chrono::Utc::now() - end).num_seconds().abs() < 30, "ending now");
    let library = Library::embedded().unwrap();
    ran[0].params.checked_values(library.get(&entry).unwrap()).expect("parameters the offer path accepts");
    let posted = posts(&calls);
    assert!(posted.iter().all(|p| p.channel == DM), "everything went to the DM: {posted:#?}");
    let answer = posted.iter().find(|p| p.text.contains("feedback_up")).unwrap();
    assert_eq!(answer.thread_ts.as_deref(), Some(posted[0].ts.as_str()), "in the thread of the echoed question");
    assert!(answer.text.contains(&entry), "the verified entry answered: {}", answer.text);
}

#[tokio::test]
async fn a_forged_or_unsigned_home_event_publishes_nothing() {
    let app = spawn_with_setup(setup(), configure, ScriptedAsker::new()).await;
    let body = home_opened("EvForged", "U1");
    let forged = app.post_signed_with("/slack/events", &body, "application/json", now(), "wrong-secret", &[]).await;
    assert_eq!(forged.status(), 401);
    let unsigned = app.http.post(format!("{}/slack/events", app.base)).body(body.clone()).send().await.unwrap();
    assert_eq!(unsigned.status(), 401);
    let stale = app.post_signed_with("/slack/events", &body, "application/json", now() - 600, SECRET, &[]).await;
    assert_eq!(stale.status(), 401);
    app.settle().await;
    assert!(app.slack.calls_of("views.publish").is_empty());
}

#[tokio::test]
async fn a_button_for_an_entry_the_home_does_not_offer_runs_nothing() {
    let app = spawn_with_setup(setup(), configure, ScriptedAsker::new()).await;
    let view = open_home(&app, "U1", "EvHome4").await;
    let library = Library::embedded().unwrap();
    let vpc = library.entries().iter().find(|e| e.sql.contains("vpcflow")).unwrap().id.clone();
    for value in [vpc.as_str(), "root-usage' OR 1=1", "SELECT 1"] {
        app.post_interaction(&home_button("U1", &view, "home_example_0", value)).await;
    }
    let mut no_dm = view.clone();
    no_dm["private_metadata"] = json!("C0NOTADM");
    let good = buttons(&view)[0]["value"].as_str().unwrap().to_owned();
    app.post_interaction(&home_button("U1", &no_dm, "home_example_0", &good)).await;
    app.wait_for("three refusals", |c| ephemerals(c).len() >= 3).await;
    app.settle().await;
    assert!(app.asker.offers_run().is_empty());
    assert!(!answer_posted(&app.slack.calls()));
}

#[tokio::test]
async fn a_person_asklake_does_not_serve_sees_why_and_nothing_of_the_setup() {
    let app = spawn_with_setup(
        setup(),
        |c| {
            configure(c);
            c.slack.allow_everyone = false;
            c.slack.allowed_users = vec!["U2".into()];
        },
        ScriptedAsker::new(),
    )
    .await;
    let view = open_home(&app, "U1", "EvHome5").await;
    let text = view.to_string();
    assert!(text.contains("not on the list"), "{text}");
    assert!(!text.contains("acme-prod") && !text.contains("Engine") && buttons(&view).is_empty(), "{text}");
    assert!(open_home(&app, "U2", "EvHome6").await.to_string().contains("acme-prod"));
}

#[tokio::test]
async fn without_dms_the_home_lists_the_examples_without_buttons() {
    let app = spawn_with_setup(
        setup(),
        |c| {
            configure(c);
            c.slack.allow_dms = false;
        },
        ScriptedAsker::new(),
    )
    .await;
    let view = open_home(&app, "U1", "EvHome7").await;
    assert!(buttons(&view).is_empty());
    let text = view.to_string();
    assert!(text.contains("/asklake &lt;question&gt;") && text.contains(&setup().examples[0].question_en), "{text}");
}

#[tokio::test]
async fn a_rate_limited_publish_waits_and_is_sent_again() {
    let app = spawn_with_setup(setup(), configure, ScriptedAsker::new()).await;
    app.slack.fail_next("views.publish", Fault::RateLimited(1), 1);
    let view = open_home(&app, "U1", "EvHome8").await;
    assert!(!buttons(&view).is_empty());
    let tries = app.slack.calls_of("views.publish");
    assert_eq!((tries.len(), tries[0].ok, tries[1].ok), (2, false, true));
}

#[tokio::test]
async fn a_home_opened_over_socket_mode_publishes_the_home_too() {
    use crate::support::fake_slack::{APP_TOKEN, FakeSlack};
    use crate::support::fake_socket_mode::FakeSocketMode;
    let envelope = json!({"type": "events_api", "envelope_id": "env-home", "accepts_response_payload": false,
        "payload": serde_json::from_str::<Value>(&home_opened("EvSocketHome", "U1")).unwrap()});
    let socket = FakeSocketMode::start(vec![envelope]).await;
    let slack = FakeSlack::start().await;
    slack.set_socket_url(&socket.url);
    let edit = |c: &mut Config| {
        configure(c);
        c.slack.app_token = Some(secrecy::SecretString::from(APP_TOKEN));
    };
    let app = spawn_with_fake(slack, edit, ScriptedAsker::new()).await;
    socket.ack_for("env-home", std::time::Duration::from_secs(10)).await;
    app.wait_for("the Home", |_| !app.slack.accepted("views.publish").is_empty()).await;
    let view = app.slack.home("U1").unwrap();
    assert!(view.to_string().contains("acme-prod") && !buttons(&view).is_empty());
}
