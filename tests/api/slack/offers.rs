//! One-click verified questions: a "needs a model" answer offers buttons that run the verified query with the
//! question's parameters in the same thread; forged, garbled or foreign button values run nothing.

use std::time::Duration;

use asklake::library::{Offer, OfferParams};
use asklake::pipeline::Outcome;
use serde_json::{Value, json};

use super::fakes::{ScriptedAsker, answer_for, table};
use super::harness::*;

fn offer() -> Offer {
    Offer {
        entry: "root-console-logins".into(),
        question: "Did anyone sign in to the console as root?".into(),
        params: OfferParams { account_scope: Some("318205947761".into()), ..OfferParams::default() },
    }
}

/// Asks a question that gets a "needs a model" answer with one offer; returns (thread ts, button value).
async fn offered(app: &TestApp) -> (String, String) {
    let before = posts(&app.slack.calls()).len();
    app.post_command("U1", "C1", "acme-prod root logins?").await;
    let calls =
        app.wait_for("the answer", |c| posts(c).iter().skip(before).any(|p| p.text.contains("run_offer_0"))).await;
    let answer = posts(&calls).into_iter().skip(before).find(|p| p.text.contains("run_offer_0")).unwrap();
    let v: Value = serde_json::from_str(&answer.text).unwrap();
    let actions = v["blocks"].as_array().unwrap().iter().find(|b| b["block_id"] == "asklake_offers").unwrap();
    let button = &actions["elements"][0];
    assert_eq!(button["text"]["text"], "Did anyone sign in to the console as root?");
    let value = button["value"].as_str().unwrap().to_owned();
    assert!(!value.to_lowercase().contains("select"), "the button carries no SQL: {value}");
    (answer.thread_ts.unwrap(), value)
}

fn spawn_needing_a_model() -> ScriptedAsker {
    let asker = ScriptedAsker::new();
    let mut needs = answer_for("acme-prod root logins?", table(0, 0));
    needs.outcome = Outcome::NeedsModel { suggestions: vec![offer().question] };
    (needs.result, needs.sql) = (None, None);
    needs.offers = vec![offer()];
    asker.push(needs);
    asker
}

#[tokio::test]
async fn a_suggestion_button_runs_the_verified_query_with_the_questions_parameters_in_the_same_thread() {
    let app = spawn_with(|_| {}, spawn_needing_a_model()).await;
    let (thread, value) = offered(&app).await;
    let before = posts(&app.slack.calls()).len();

    app.post_interaction(&button_body("U5", "C1", "run_offer_0", &value)).await;

    let calls = app.wait_for("the verified answer", |c| answers_posted(c) >= 2).await;
    assert_eq!(app.asker.offers_run(), vec![offer()], "the stored entry and parameters ran, nothing else");
    let reply = posts(&calls).into_iter().skip(before).find(|p| p.text.contains("feedback_up")).unwrap();
    assert_eq!(reply.thread_ts.as_deref(), Some(thread.as_str()));
    assert!(reply.text.contains("root-console-logins"), "{}", reply.text);
}

#[tokio::test]
async fn forged_garbled_or_foreign_button_values_run_nothing() {
    let app = spawn_with(|_| {}, spawn_needing_a_model()).await;
    let (_, value) = offered(&app).await;
    let (id, _) = value.split_once(':').unwrap();
    let forged = [
        ("run_offer_0", "7b0c9a52-3f4d-4c1e-8a6b-0d9e8f7a6b5c:0".to_owned()), // an answer that does not exist
        ("run_offer_0", format!("{id}:1")),                                   // an offer number it does not have
        ("run_offer_1", format!("{id}:1")),
        ("run_offer_0", "SELECT * FROM cloudtrail:0".to_owned()),
        ("run_offer_0", format!("{}:0", id.to_uppercase())),
        ("run_offer_0", format!("{id}:0:extra")),
    ];
    for (action, value) in &forged {
        app.post_interaction(&button_body("U5", "C1", action, value)).await;
    }
    // The real value pressed from another channel is refused too.
    app.post_interaction(&button_body("U5", "C2", "run_offer_0", &value)).await;
    let calls = app.wait_for("every refusal", |c| ephemerals(c).len() > forged.len()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(app.asker.offers_run().is_empty(), "{:?}", app.asker.offers_run());
    assert_eq!(answers_posted(&app.slack.calls()), 1);
    let texts: Vec<String> = ephemerals(&calls).into_iter().map(|(_, t)| t).collect();
    assert!(texts.iter().any(|t| t.contains("did not recognise")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("no longer stored")), "{texts:?}");
}

#[tokio::test]
async fn a_user_the_access_rules_refuse_cannot_run_an_offer() {
    let app = spawn_with(
        |c| {
            c.slack.allow_everyone = false;
            c.slack.allowed_users = vec!["U1".into()];
        },
        spawn_needing_a_model(),
    )
    .await;
    let (_, value) = offered(&app).await;
    app.post_interaction(&button_body("U9", "C1", "run_offer_0", &value)).await;
    app.wait_for("the refusal", |c| !ephemerals(c).is_empty()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(app.asker.offers_run().is_empty());
}

#[tokio::test]
async fn a_button_on_a_korean_answer_that_is_gone_is_explained_in_korean() {
    let app = spawn_app().await;
    let mut payload: Value = {
        let body = button_body("U5", "C1", "download_csv", "no-such-answer");
        let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap();
        serde_json::from_str(&form[0].1).unwrap()
    };
    payload["message"] =
        json!({"type": "message", "ts": "1700000000.000003", "user": "UBOT", "text": "루트 계정 사용 2건"});
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
    app.post_interaction(&body).await;
    let calls = app.wait_for("the explanation", |c| !ephemerals(c).is_empty()).await;
    assert!(ephemerals(&calls)[0].1.contains("더 이상 저장되어 있지 않습니다"), "{:?}", ephemerals(&calls));
}
