//! Property tests of the three Slack payload parsers (`/slack/commands`, `/slack/events`, `/slack/interactions`):
//! arbitrary and mutated form bodies, event callbacks and interaction payloads never panic, never get past
//! signature verification unsigned, and a signed one that is malformed gets a 400, never a 5xx.
//!
//! The handlers are called directly (the same functions the router mounts) on an app built by the real
//! `Application::build` with an in-memory store, the in-memory Slack double and a scripted asker, so a few
//! hundred cases per suite run in seconds.

use std::cell::Cell;
use std::sync::Arc;

use asklake::slack::memory::MemorySlack;
use asklake::slack::{commands, events, interactions, verify};
use asklake::startup::{Application, Deps};
use asklake::state::AppState;
use asklake::store::Store;
use axum::body::{Bytes, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use serde_json::{Value, json};
use slack_morphism::prelude::{SlackCommandEvent, SlackInteractionEvent, SlackPushEvent};
use tokio::runtime::Runtime;

use super::fakes::ScriptedAsker;
use super::harness::{SECRET, button_body, command_body, event_body, now};

const CASES: u32 = 256;

/// Which parser a body is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Commands,
    Events,
    Interactions,
}

/// The app under test, with its doubles, on a runtime of its own (proptest cases are synchronous).
struct Subject {
    rt: Runtime,
    state: AppState,
    asker: Arc<ScriptedAsker>,
    slack: Arc<MemorySlack>,
}

impl Subject {
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let asker = Arc::new(ScriptedAsker::new());
        let slack = Arc::new(MemorySlack::new());
        let state = rt.block_on(async {
            let mut config = super::harness::config(std::path::Path::new(":memory:"), "http://127.0.0.1:9/api");
            config.server.bind = "127.0.0.1:0".into();
            let deps = Deps::new(asker.clone(), slack.clone(), Store::in_memory().unwrap());
            Application::build(config, deps).await.unwrap().state()
        });
        Self { rt, state, asker, slack }
    }

    /// Calls the route's handler with `body` and these headers; returns the status and the response body.
    fn call(&self, route: Route, headers: HeaderMap, body: Vec<u8>) -> (u16, Vec<u8>) {
        let state = State(self.state.clone());
        let body = Bytes::from(body);
        self.rt.block_on(async {
            let response: Response = match route {
                Route::Commands => commands::http(state, headers, body).await,
                Route::Events => events::http(state, headers, body).await,
                Route::Interactions => interactions::http(state, headers, body).await,
            };
            let status = response.status().as_u16();
            (status, to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec())
        })
    }

    /// Lets every answer and button task spawned so far finish.
    fn settle(&self) {
        self.rt.block_on(async {
            self.state.tasks.close();
            self.state.tasks.wait().await;
            self.state.tasks.reopen();
        });
    }
}

fn signed(body: &[u8], ts: i64, secret: &str) -> HeaderMap {
    let ts = ts.to_string();
    let mut h = HeaderMap::new();
    h.insert(verify::TIMESTAMP_HEADER, ts.parse().unwrap());
    h.insert(verify::SIGNATURE_HEADER, verify::sign(secret.as_bytes(), &ts, body).parse().unwrap());
    h
}

// ---------------------------------------------------------------- generators

/// Byte-level edits of a body: flip, delete, insert, truncate.
fn mutate(base: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((any::<Index>(), any::<u8>(), 0..4u8), 1..8).prop_map(move |edits| {
        let mut b = base.clone();
        for (at, byte, op) in edits {
            let i = if b.is_empty() { 0 } else { at.index(b.len()) };
            match op {
                0 if !b.is_empty() => b[i] ^= byte | 1,
                1 if !b.is_empty() => {
                    b.remove(i);
                }
                2 => b.insert(i.min(b.len()), byte),
                _ => b.truncate(i),
            }
        }
        b
    })
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// `base` with fields at some of `paths` replaced by arbitrary JSON or removed.
fn edit_fields(base: Value, paths: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(paths), prop::option::of(json_value())), 1..4).prop_map(move |edits| {
        let mut v = base.clone();
        for (path, replacement) in edits {
            let (parent, key) = path.rsplit_once('/').unwrap_or(("", path));
            let target = if parent.is_empty() { Some(&mut v) } else { v.pointer_mut(parent) };
            if let Some(Value::Object(map)) = target {
                match replacement {
                    Some(r) => map.insert(key.to_owned(), r),
                    None => map.remove(key),
                };
            }
        }
        v
    })
}

fn command_bodies() -> impl Strategy<Value = Vec<u8>> {
    let keys = prop_oneof![
        prop::sample::select(vec![
            "token",
            "team_id",
            "channel_id",
            "user_id",
            "command",
            "text",
            "response_url",
            "trigger_id",
            "ssl_check",
        ])
        .prop_map(str::to_owned),
        "[a-z_]{1,12}",
    ];
    let forms = prop::collection::vec((keys, ".{0,40}"), 0..12)
        .prop_map(|pairs| serde_urlencoded::to_string(pairs).unwrap().into_bytes());
    prop_oneof![
        forms,
        mutate(command_body("U1", "C1", "who used root?").into_bytes()),
        prop::collection::vec(any::<u8>(), 0..300),
    ]
}

const EVENT_PATHS: &[&str] = &[
    "type",
    "event_id",
    "event",
    "authorizations",
    "challenge",
    "/event/type",
    "/event/text",
    "/event/user",
    "/event/channel",
    "/event/ts",
    "/event/thread_ts",
    "/event/subtype",
    "/event/bot_id",
];

fn event_bodies() -> impl Strategy<Value = Vec<u8>> {
    let mention: Value = serde_json::from_str(&event_body(
        "EvFuzz",
        json!({"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> who used root?", "ts": "1.5"}),
    ))
    .unwrap();
    prop_oneof![
        edit_fields(mention.clone(), EVENT_PATHS).prop_map(|v| v.to_string().into_bytes()),
        mutate(mention.to_string().into_bytes()),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..300),
    ]
}

const INTERACTION_PATHS: &[&str] =
    &["type", "trigger_id", "user", "actions", "container", "channel", "/actions/0", "/user/id", "/channel/id"];

fn interaction_bodies() -> impl Strategy<Value = Vec<u8>> {
    let form = button_body("U5", "C1", "feedback_up", "no-such-answer");
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&form).unwrap();
    let payload: Value = serde_json::from_str(&pairs[0].1).unwrap();
    let as_form = |v: Value| serde_urlencoded::to_string([("payload", v.to_string())]).unwrap().into_bytes();
    prop_oneof![
        edit_fields(payload, INTERACTION_PATHS).prop_map(as_form),
        json_value().prop_map(as_form),
        mutate(form.into_bytes()),
        prop::collection::vec(any::<u8>(), 0..300),
    ]
}

fn bodies(route: Route) -> BoxedStrategy<Vec<u8>> {
    match route {
        Route::Commands => command_bodies().boxed(),
        Route::Events => event_bodies().boxed(),
        Route::Interactions => interaction_bodies().boxed(),
    }
}

/// Whether the route's own parser accepts `body` (what a signed body must have to get a 200).
fn parses(route: Route, body: &[u8]) -> bool {
    match route {
        Route::Commands => serde_urlencoded::from_bytes::<SlackCommandEvent>(body).is_ok(),
        Route::Events => serde_json::from_slice::<SlackPushEvent>(body).is_ok(),
        Route::Interactions => {
            #[derive(serde::Deserialize)]
            struct Form {
                payload: String,
            }
            serde_urlencoded::from_bytes::<Form>(body)
                .is_ok_and(|f| serde_json::from_str::<SlackInteractionEvent>(&f.payload).is_ok())
        }
    }
}

/// How a request is (not) signed.
#[derive(Debug, Clone)]
enum Forgery {
    /// No signature headers.
    Missing,
    /// Signed with another secret.
    WrongSecret,
    /// Signed correctly, but six minutes ago.
    Stale,
    /// A correct signature of a different body (the body was changed after signing).
    OtherBody(Vec<u8>),
    /// Garbage header values.
    Garbage(String, String),
}

fn forgeries() -> impl Strategy<Value = Forgery> {
    prop_oneof![
        Just(Forgery::Missing),
        Just(Forgery::WrongSecret),
        Just(Forgery::Stale),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Forgery::OtherBody),
        ("[ -~]{0,70}", "[ -~]{0,12}").prop_map(|(s, t)| Forgery::Garbage(s, t)),
    ]
}

fn forged_headers(forgery: &Forgery, body: &[u8]) -> HeaderMap {
    match forgery {
        Forgery::Missing => HeaderMap::new(),
        Forgery::WrongSecret => signed(body, now(), "not-the-secret"),
        Forgery::Stale => signed(body, now() - 360, SECRET),
        Forgery::OtherBody(other) => {
            let mut other = other.clone();
            other.extend_from_slice(b"!");
            signed(&other, now(), SECRET)
        }
        Forgery::Garbage(sig, ts) => {
            let mut h = HeaderMap::new();
            if let (Ok(sig), Ok(ts)) = (sig.parse::<HeaderValue>(), ts.parse::<HeaderValue>()) {
                h.insert(verify::SIGNATURE_HEADER, sig);
                h.insert(verify::TIMESTAMP_HEADER, ts);
            }
            h
        }
    }
}

fn runner() -> TestRunner {
    TestRunner::new(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })
}

// ---------------------------------------------------------------- properties

#[test]
fn unsigned_or_forged_payloads_never_get_past_verification() {
    let subject = Subject::new();
    let refused = Cell::new(0u64);
    for route in [Route::Commands, Route::Events, Route::Interactions] {
        runner()
            .run(&(bodies(route), forgeries()), |(body, forgery)| {
                let ssl_probe = route == Route::Commands && commands::is_ssl_check(&body);
                let (status, answer) = subject.call(route, forged_headers(&forgery, &body), body);
                if ssl_probe {
                    prop_assert_eq!(
                        (status, answer.len()),
                        (200, 0),
                        "the ssl_check probe is answered and nothing else"
                    );
                } else {
                    prop_assert_eq!(status, 401);
                    refused.set(refused.get() + 1);
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{route:?}: {e}"));
    }
    subject.settle();
    assert!(subject.asker.asked().is_empty(), "an unsigned payload reached the pipeline");
    assert!(subject.slack.calls().is_empty(), "an unsigned payload made asklake call Slack");
    let metrics = subject.state.metrics.render();
    let refused = refused.get();
    assert!(metrics.contains(&format!("asklake_slack_verification_failures_total {refused}")), "{metrics}");
    assert!(refused > u64::from(CASES) * 2, "most cases were real forgeries, not probes: {refused}");
}

#[test]
fn signed_arbitrary_payloads_never_panic_and_malformed_ones_get_a_400() {
    let subject = Subject::new();
    for route in [Route::Commands, Route::Events, Route::Interactions] {
        let (accepted, malformed) = (Cell::new(0), Cell::new(0));
        runner()
            .run(&bodies(route), |body| {
                let well_formed = parses(route, &body) || (route == Route::Commands && commands::is_ssl_check(&body));
                let (status, _) = subject.call(route, signed(&body, now(), SECRET), body);
                prop_assert!(status < 500, "a 5xx for a signed payload");
                prop_assert_eq!(status, if well_formed { 200 } else { 400 });
                let counter = if well_formed { &accepted } else { &malformed };
                counter.set(counter.get() + 1);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{route:?}: {e}"));
        let (accepted, malformed) = (accepted.get(), malformed.get());
        assert!(accepted > 0 && malformed > 0, "{route:?}: both kinds were tried ({accepted} parsed, {malformed} not)");
    }
    subject.settle();
}
