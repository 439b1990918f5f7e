//! A local fake of the Slack Web API: records calls, can answer 429 with Retry-After and ok:false errors.
//!
//! It speaks the same wire format as slack.com for the methods asklake uses (JSON bodies, `ok`/`error`
//! envelopes, `Retry-After` on 429, files upload v2 with an absolute upload URL) and enforces the message limits
//! Slack enforces (50 blocks, 40,000 characters of text, 3,000 per section text, 150 per header), so a message that
//! Slack would reject is rejected here too. Messages are kept per channel with their thread and metadata, and
//! `conversations.replies` reads them back (metadata only with `include_all_metadata=true`, as Slack does).

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

/// The bot token the fake accepts.
pub const BOT_TOKEN: &str = "xoxb-test-token";
/// The app-level token the fake accepts for `apps.connections.open` (Socket Mode).
pub const APP_TOKEN: &str = "xapp-test-token";

/// A scripted failure for the next call(s) of a method.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// HTTP 429 with `Retry-After: secs`.
    RateLimited(u64),
    /// HTTP 500 with an HTML body, like an upstream outage.
    ServerError,
    /// HTTP 200 with `{"ok": false, "error": code}`.
    Api(&'static str),
    /// The call takes effect (a post is accepted and recorded) but the HTTP 200 answer is cut off mid-JSON, like a
    /// connection dropped while the body was read: the client cannot know it worked.
    Garbled,
    /// The call takes effect, but the answer only comes after this delay, like a Slack edge that hangs.
    Slow(Duration),
    /// The call takes effect, then the connection is closed before any answer is written, like a reset after
    /// the request went out.
    Reset,
}

/// One recorded call.
#[derive(Debug, Clone)]
pub struct Call {
    /// API method, e.g. `chat.postMessage` (or `upload` for the binary upload step).
    pub method: String,
    /// JSON body (or query parameters as an object for GET methods; `{"len": n}` for uploads).
    pub body: Value,
    /// Whether the call was answered successfully.
    pub ok: bool,
    /// What the fake answered (`{"ok": false, "error": …}` for failures, `null` for faults and uploads).
    pub response: Value,
    /// When the call took effect (or was refused).
    pub at: Instant,
}

impl Call {
    /// The message `ts` Slack gave a successful `chat.postMessage`.
    pub fn posted_ts(&self) -> Option<&str> {
        self.response["ts"].as_str()
    }

    /// The body as JSON text, for `contains` checks on what a human would read.
    pub fn text(&self) -> String {
        self.body.to_string()
    }
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    faults: HashMap<String, VecDeque<Fault>>,
    /// Faults for the n-th call (1-based) of a method.
    numbered: HashMap<(String, usize), Fault>,
    counts: HashMap<String, usize>,
    next_ts: u64,
    /// Upload URLs handed out, by file id.
    uploads: HashMap<String, Upload>,
    /// Files shared by `files.completeUploadExternal`, in order.
    shared: Vec<SharedFile>,
    usergroups: HashMap<String, Vec<String>>,
    socket_url: Option<String>,
    outside: HashSet<String>,
    scopes: Option<String>,
    /// Simulated network round trip of every Web API call: half before it takes effect, half after.
    latency: Duration,
    /// Every message in every channel (posted by the bot or said by a person), in order.
    messages: Vec<Value>,
    /// Each user's published App Home view (`views.publish`), as Slack stores it.
    homes: HashMap<String, Value>,
}

/// A file announced by `files.getUploadURLExternal`.
struct Upload {
    filename: String,
    /// The announced length; the upload URL accepts exactly this many bytes.
    length: usize,
    /// The bytes, once the upload URL received them.
    bytes: Option<Vec<u8>>,
}

/// A file shared into a channel (and thread) by `files.completeUploadExternal`.
#[derive(Debug, Clone)]
pub struct SharedFile {
    /// Slack's file id.
    pub id: String,
    /// The name given to `files.getUploadURLExternal`.
    pub filename: String,
    /// The title given to `files.completeUploadExternal`.
    pub title: String,
    /// The channel it was shared in.
    pub channel: String,
    /// The thread it was shared in, if any.
    pub thread_ts: Option<String>,
    /// The uploaded bytes.
    pub bytes: Vec<u8>,
}

/// The bot scopes of `manifest.yml`, granted by default.
const MANIFEST_SCOPES: [&str; 10] = [
    "commands",
    "chat:write",
    "app_mentions:read",
    "channels:history",
    "groups:history",
    "im:history",
    "files:write",
    "usergroups:read",
    "channels:read",
    "groups:read",
];

/// Handle to a running fake. Cheap to clone.
#[derive(Clone)]
pub struct FakeSlack {
    /// Base URL to give the client, e.g. `http://127.0.0.1:1234/api`.
    pub api_url: String,
    addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

impl FakeSlack {
    /// Starts a fake on a free loopback port.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake slack");
        let addr = listener.local_addr().unwrap();
        let inner = Arc::new(Mutex::new(Inner { next_ts: 1_700_000_000_000_100, ..Default::default() }));
        let fake = FakeSlack { api_url: format!("http://{addr}/api"), addr, inner };
        let app = Router::new()
            .route("/api/files.getUploadURLExternal", get(get_upload_url).post(get_upload_url))
            .route("/api/conversations.replies", get(conversations_replies))
            .route("/api/views.publish", post(views_publish))
            .route("/api/{method}", post(api_call).get(api_call_get))
            .route("/upload/{file_id}", post(upload))
            .route("/response/{id}", post(response_url))
            .with_state(fake.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake slack server");
        });
        fake
    }

    /// The scopes the bot token reports (`x-oauth-scopes`), instead of the manifest's.
    pub fn grant_scopes(&self, scopes: &[&str]) {
        self.inner.lock().unwrap().scopes = Some(scopes.join(","));
    }

    /// Makes the next `times` calls of `method` fail with `fault`.
    pub fn fail_next(&self, method: &str, fault: Fault, times: usize) {
        let mut inner = self.inner.lock().unwrap();
        let queue = inner.faults.entry(method.to_owned()).or_default();
        for _ in 0..times {
            queue.push_back(fault.clone());
        }
    }

    /// Makes the `n`-th call (1-based, counting every call of `method` so far, failed ones included) fail with
    /// `fault`. Scripted `fail_next` faults are taken first.
    pub fn fail_call(&self, method: &str, n: usize, fault: Fault) {
        self.inner.lock().unwrap().numbered.insert((method.to_owned(), n), fault);
    }

    /// Declares the members of a user group (for `usergroups.users.list`).
    pub fn set_usergroup(&self, group: &str, users: &[&str]) {
        self.inner.lock().unwrap().usergroups.insert(group.to_owned(), users.iter().map(|u| u.to_string()).collect());
    }

    /// Makes `channel` one the bot was never invited to: posts, ephemerals and edits there answer `not_in_channel`.
    pub fn not_a_member_of(&self, channel: &str) {
        self.inner.lock().unwrap().outside.insert(channel.to_owned());
    }

    /// A slash command `response_url` served by this fake; what is sent to it is recorded as method `response_url`.
    pub fn response_url(&self, id: &str) -> String {
        format!("http://{}/response/{id}", self.addr)
    }

    /// The WebSocket URL `apps.connections.open` hands out (a local Socket Mode server).
    pub fn set_socket_url(&self, url: &str) {
        self.inner.lock().unwrap().socket_url = Some(url.to_owned());
    }

    /// Makes every Web API call take `rtt` longer, like a real network round trip to Slack (half of it before the
    /// call takes effect, half after).
    pub fn set_latency(&self, rtt: Duration) {
        self.inner.lock().unwrap().latency = rtt;
    }

    /// A person says `text` in `channel` (in the thread `thread_ts` when given), as the Slack client would post
    /// it; returns the message's `ts` (use it in the event asklake then receives).
    pub fn user_message(&self, channel: &str, user: &str, text: &str, thread_ts: Option<&str>) -> String {
        let ts = self.next_ts();
        let message = json!({"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
                             "thread_ts": thread_ts});
        self.inner.lock().unwrap().messages.push(message);
        ts
    }

    /// The thread rooted at `root` in `channel`: the root and its replies, oldest first, as stored.
    pub fn thread(&self, channel: &str, root: &str) -> Vec<Value> {
        let inner = self.inner.lock().unwrap();
        let mut out: Vec<Value> = inner
            .messages
            .iter()
            .filter(|m| m["channel"] == channel && (m["ts"] == root || m["thread_ts"] == root))
            .cloned()
            .collect();
        out.sort_by_key(ts_key);
        out
    }

    /// All calls so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// Successful calls of `method`, bodies in order.
    pub fn accepted(&self, method: &str) -> Vec<Value> {
        self.calls().into_iter().filter(|c| c.ok && c.method == method).map(|c| c.body).collect()
    }

    /// Messages Slack accepted (`chat.postMessage`), in order.
    pub fn posts(&self) -> Vec<Value> {
        self.accepted("chat.postMessage")
    }

    /// Every call of `method`, answered or refused, in order.
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.method == method).collect()
    }

    /// Accepted `chat.postEphemeral` bodies, in order.
    pub fn ephemerals(&self) -> Vec<Value> {
        self.accepted("chat.postEphemeral")
    }

    /// Accepted `chat.update` bodies, in order.
    pub fn updates(&self) -> Vec<Value> {
        self.accepted("chat.update")
    }

    /// Accepted messages in `channel`.
    pub fn posts_in(&self, channel: &str) -> Vec<Value> {
        self.posts().into_iter().filter(|p| p["channel"] == channel).collect()
    }

    /// Waits until at least `n` calls of `method` were accepted, or panics after `timeout`.
    pub async fn wait_for(&self, method: &str, n: usize, timeout: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let got = self.accepted(method);
            if got.len() >= n {
                return got;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "expected {n} accepted {method} calls within {timeout:?}, got {}: {:#?}",
                    got.len(),
                    self.calls()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn take_fault(&self, method: &str) -> Option<Fault> {
        let mut inner = self.inner.lock().unwrap();
        let n = {
            let count = inner.counts.entry(method.to_owned()).or_default();
            *count += 1;
            *count
        };
        let queued = inner.faults.get_mut(method).and_then(VecDeque::pop_front);
        queued.or_else(|| inner.numbered.remove(&(method.to_owned(), n)))
    }

    fn record(&self, method: &str, body: Value, ok: bool) {
        self.record_answer(method, body, ok, Value::Null);
    }

    fn record_answer(&self, method: &str, body: Value, ok: bool, response: Value) {
        let at = Instant::now();
        self.inner.lock().unwrap().calls.push(Call { method: method.to_owned(), body, ok, response, at });
    }

    fn next_ts(&self) -> String {
        let mut inner = self.inner.lock().unwrap();
        inner.next_ts += 100;
        let ts = inner.next_ts;
        format!("{}.{:06}", ts / 1_000_000, ts % 1_000_000)
    }

    /// Files shared into `channel` so far, in order.
    pub fn files_in(&self, channel: &str) -> Vec<SharedFile> {
        self.inner.lock().unwrap().shared.iter().filter(|f| f.channel == channel).cloned().collect()
    }

    /// Whether the bot token holds `scope` (the manifest's scopes unless [`FakeSlack::grant_scopes`] changed them).
    fn has_scope(&self, scope: &str) -> bool {
        match &self.inner.lock().unwrap().scopes {
            Some(granted) => granted.split(',').any(|s| s == scope),
            None => MANIFEST_SCOPES.contains(&scope),
        }
    }

    /// The App Home view last published for `user` (with the `id`, `hash` and `team_id` Slack adds).
    pub fn home(&self, user: &str) -> Option<Value> {
        self.inner.lock().unwrap().homes.get(user).cloned()
    }

    /// Address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

fn authorized(headers: &HeaderMap, method: &str) -> bool {
    // Socket Mode connections are opened with the app-level token; everything else takes the bot token.
    let token = if method == "apps.connections.open" { APP_TOKEN } else { BOT_TOKEN };
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {token}"))
}

fn error(code: &str) -> Response {
    Json(json!({"ok": false, "error": code})).into_response()
}

/// The answer Slack gives before looking at the arguments: `invalid_auth` for a wrong token, or a scripted fault.
/// A refused call is recorded as failed.
fn refuse(fake: &FakeSlack, headers: &HeaderMap, method: &str, body: &Value) -> Option<Response> {
    let refused =
        if !authorized(headers, method) { error("invalid_auth") } else { fault_response(fake.take_fault(method)?) };
    fake.record(method, body.clone(), false);
    Some(refused)
}

fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::RateLimited(secs) => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", secs.to_string()), ("content-type", "application/json".to_owned())],
            json!({"ok": false, "error": "ratelimited"}).to_string(),
        )
            .into_response(),
        Fault::ServerError => {
            (StatusCode::INTERNAL_SERVER_ERROR, [("content-type", "text/html")], "<html>upstream error</html>")
                .into_response()
        }
        Fault::Api(code) => error(code),
        // Only `files.getUploadURLExternal` gets here (it is cut off before it takes effect).
        Fault::Garbled => (StatusCode::OK, [("content-type", "application/json")], "{\"ok\": tr").into_response(),
        Fault::Slow(_) | Fault::Reset => unreachable!("a slow or reset call takes effect first"),
    }
}

/// Checks a message body against Slack's limits; returns Slack's error code when it would be rejected.
pub fn limit_violation(body: &Value) -> Option<&'static str> {
    let text_len = body["text"].as_str().map(|t| t.chars().count()).unwrap_or(0);
    if text_len > 40_000 {
        return Some("msg_too_long");
    }
    let mut all_blocks: Vec<&Value> = body["blocks"].as_array().map(|b| b.iter().collect()).unwrap_or_default();
    if all_blocks.len() > 50 {
        return Some("invalid_blocks");
    }
    if let Some(atts) = body["attachments"].as_array() {
        for att in atts {
            let blocks = att["blocks"].as_array().map(Vec::len).unwrap_or(0);
            if blocks > 50 {
                return Some("invalid_attachments");
            }
            all_blocks.extend(att["blocks"].as_array().into_iter().flatten());
        }
    }
    if body["blocks"].is_null() && body["attachments"].is_null() && text_len == 0 {
        return Some("no_text");
    }
    for block in all_blocks {
        match block["type"].as_str() {
            Some("section") => {
                let t = block["text"]["text"].as_str().map(|t| t.chars().count()).unwrap_or(0);
                if t > 3000 || (block["text"].is_null() && block["fields"].is_null()) {
                    return Some("invalid_blocks");
                }
                if let Some(fields) = block["fields"].as_array()
                    && (fields.len() > 10
                        || fields.iter().any(|f| f["text"].as_str().map_or(0, |s| s.chars().count()) > 2000))
                {
                    return Some("invalid_blocks");
                }
            }
            Some("header") => {
                let t = block["text"]["text"].as_str().map(|t| t.chars().count()).unwrap_or(0);
                if t == 0 || t > 150 || block["text"]["type"] != "plain_text" {
                    return Some("invalid_blocks");
                }
            }
            Some("context") => {
                if block["elements"].as_array().map(Vec::len).unwrap_or(0) > 10 {
                    return Some("invalid_blocks");
                }
            }
            Some("actions") => {
                if block["elements"].as_array().map(Vec::len).unwrap_or(0) > 25 {
                    return Some("invalid_blocks");
                }
            }
            Some(_) => {}
            None => return Some("invalid_blocks"),
        }
    }
    None
}

async fn api_call(
    State(fake): State<FakeSlack>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = if body.is_empty() {
        json!({})
    } else if let Ok(v) = serde_json::from_slice(&body) {
        v
    } else {
        // Form-encoded bodies (some methods) become a flat object.
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
        Value::Object(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
    };
    let half_rtt = fake.inner.lock().unwrap().latency / 2;
    if !half_rtt.is_zero() {
        tokio::time::sleep(half_rtt).await;
    }
    if !authorized(&headers, &method) {
        fake.record(&method, body, false);
        return error("invalid_auth");
    }
    let mut slow = None;
    let mut reset = false;
    let garble = match fake.take_fault(&method) {
        Some(Fault::Garbled) => true,
        Some(Fault::Reset) => {
            reset = true;
            false
        }
        Some(Fault::Slow(delay)) => {
            slow = Some(delay);
            false
        }
        Some(fault) => {
            fake.record(&method, body, false);
            return fault_response(fault);
        }
        None => false,
    };
    let in_channel = |b: &Value| !fake.inner.lock().unwrap().outside.contains(b["channel"].as_str().unwrap_or(""));
    let response = match method.as_str() {
        "chat.postMessage" | "chat.postEphemeral" | "chat.update" if !in_channel(&body) => Err("not_in_channel"),
        "chat.postMessage" => {
            if body["channel"].as_str().unwrap_or("").is_empty() {
                Err("channel_not_found")
            } else if let Some(code) = limit_violation(&body) {
                Err(code)
            } else {
                let ts = fake.next_ts();
                let mut stored = json!({"type": "message", "channel": body["channel"], "user": "UBOT",
                    "bot_id": "BBOT", "text": body["text"], "ts": ts, "thread_ts": body["thread_ts"]});
                if !body["metadata"].is_null() {
                    stored["metadata"] = body["metadata"].clone();
                }
                fake.inner.lock().unwrap().messages.push(stored);
                Ok(json!({"ok": true, "channel": body["channel"], "ts": ts,
                          "message": {"type": "message", "text": body["text"], "ts": ts}}))
            }
        }
        "chat.update" => match limit_violation(&body) {
            Some(code) => Err(code),
            None if body["ts"].as_str().is_none() => Err("message_not_found"),
            None => Ok(json!({"ok": true, "channel": body["channel"], "ts": body["ts"], "text": body["text"],
                          "message": {"type": "message", "user": "UBOT", "bot_id": "BBOT", "text": body["text"]}})),
        },
        "chat.postEphemeral" => match limit_violation(&body) {
            Some(code) => Err(code),
            None => Ok(json!({"ok": true, "message_ts": fake.next_ts()})),
        },
        "files.completeUploadExternal" => complete_upload(&fake, &body),
        "usergroups.users.list" => {
            let group = body["usergroup"].as_str().unwrap_or_default().to_owned();
            match fake.inner.lock().unwrap().usergroups.get(&group) {
                Some(users) => Ok(json!({"ok": true, "users": users})),
                None => Err("no_such_subteam"),
            }
        }
        "apps.connections.open" => match fake.inner.lock().unwrap().socket_url.clone() {
            Some(url) => Ok(json!({"ok": true, "url": url})),
            None => Err("not_allowed_token_type"),
        },
        "auth.test" => Ok(json!({"ok": true, "url": "https://test.slack.com/", "user_id": "UBOT", "bot_id": "BBOT",
                                 "team_id": "T1", "team": "test"})),
        "conversations.info" => {
            let channel = body["channel"].as_str().unwrap_or_default().to_owned();
            if channel.is_empty() || channel.starts_with("CGONE") {
                Err("channel_not_found")
            } else {
                Ok(json!({"ok": true, "channel": {"id": channel, "name": channel.to_ascii_lowercase(),
                          "is_archived": false, "is_member": in_channel(&json!({"channel": channel}))}}))
            }
        }
        _ => Err("unknown_method"),
    };
    let answer = match response {
        Ok(v) if garble => {
            fake.record_answer(&method, body, true, v.clone());
            let text = v.to_string();
            (StatusCode::OK, [("content-type", "application/json")], text[..text.len() / 2].to_owned()).into_response()
        }
        Ok(v) => {
            fake.record_answer(&method, body, true, v.clone());
            let mut response = Json(v).into_response();
            if method == "auth.test" {
                // Slack reports the token's scopes in this header on every Web API answer.
                let scopes = fake.inner.lock().unwrap().scopes.clone().unwrap_or_else(|| MANIFEST_SCOPES.join(","));
                response.headers_mut().insert("x-oauth-scopes", scopes.parse().expect("header value"));
            }
            response
        }
        Err(code) => {
            fake.record_answer(&method, body, false, json!({"ok": false, "error": code}));
            error(code)
        }
    };
    // A slow call has already taken effect (it is recorded); only its answer is late.
    if let Some(delay) = slow.map(|d| d + half_rtt).or((!half_rtt.is_zero()).then_some(half_rtt)) {
        tokio::time::sleep(delay).await;
    }
    if reset {
        // Unwinding out of the handler makes the server drop the connection without writing a byte;
        // `resume_unwind` skips the panic hook, so nothing is printed.
        drop(answer);
        std::panic::resume_unwind(Box::new("fake Slack resets the connection"));
    }
    answer
}

/// A message's `ts` as (seconds, microseconds), for ordering.
fn ts_key(message: &Value) -> (u64, u64) {
    let ts = message["ts"].as_str().unwrap_or("0.0");
    let (secs, micros) = ts.split_once('.').unwrap_or((ts, "0"));
    (secs.parse().unwrap_or(0), micros.parse().unwrap_or(0))
}

/// `conversations.replies` (GET, as the client sends it): the thread's messages oldest first, metadata only when
/// asked for with `include_all_metadata=true`; `thread_not_found` when no message has that `ts`.
async fn conversations_replies(
    State(fake): State<FakeSlack>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    const METHOD: &str = "conversations.replies";
    let body = json!(params);
    if let Some(refused) = refuse(&fake, &headers, METHOD, &body) {
        return refused;
    }
    let (channel, root) = (params.get("channel").cloned().unwrap_or_default(), params.get("ts").cloned());
    let Some(root) = root else {
        fake.record_answer(METHOD, body, false, json!({"ok": false, "error": "invalid_arguments"}));
        return error("invalid_arguments");
    };
    let with_metadata = params.get("include_all_metadata").is_some_and(|v| v == "true" || v == "1");
    let limit: usize = params.get("limit").and_then(|l| l.parse().ok()).unwrap_or(1000);
    let mut messages = fake.thread(&channel, &root);
    if messages.is_empty() {
        fake.record_answer(METHOD, body, false, json!({"ok": false, "error": "thread_not_found"}));
        return error("thread_not_found");
    }
    messages.truncate(limit);
    for m in &mut messages {
        if let Some(obj) = m.as_object_mut() {
            obj.retain(|_, v| !v.is_null());
            if !with_metadata {
                obj.remove("metadata");
            }
        }
    }
    let answer = json!({"ok": true, "messages": messages, "has_more": false});
    fake.record_answer(METHOD, body, true, answer.clone());
    Json(answer).into_response()
}

/// A Web API method called with GET (its arguments in the query string), as Slack also accepts.
async fn api_call_get(
    fake: State<FakeSlack>,
    method: Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    api_call(fake, method, headers, Bytes::from(query.unwrap_or_default())).await
}

async fn get_upload_url(
    State(fake): State<FakeSlack>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let body = json!(params);
    if !authorized(&headers, "files.getUploadURLExternal") {
        fake.record("files.getUploadURLExternal", body, false);
        return error("invalid_auth");
    }
    if let Some(fault) = fake.take_fault("files.getUploadURLExternal") {
        fake.record("files.getUploadURLExternal", body, false);
        return fault_response(fault);
    }
    if !fake.has_scope("files:write") {
        fake.record("files.getUploadURLExternal", body, false);
        return error("missing_scope");
    }
    // Slack wants a name and a positive length.
    let length: Option<usize> = params.get("length").and_then(|l| l.parse().ok()).filter(|l| *l > 0);
    let (Some(filename), Some(length)) = (params.get("filename").filter(|f| !f.is_empty()), length) else {
        fake.record("files.getUploadURLExternal", body, false);
        return error("invalid_arguments");
    };
    let file_id = format!("F{}", fake.next_ts().replace('.', ""));
    let upload = Upload { filename: filename.clone(), length, bytes: None };
    fake.inner.lock().unwrap().uploads.insert(file_id.clone(), upload);
    fake.record("files.getUploadURLExternal", body, true);
    let url = format!("http://{}/upload/{file_id}", fake.addr);
    Json(json!({"ok": true, "upload_url": url, "file_id": file_id})).into_response()
}

/// The upload URL: accepts exactly the announced number of bytes for a file id it handed out, once; can be
/// scripted (method `upload`) to answer 429 or 500 like Slack's upload host does under load.
async fn upload(State(fake): State<FakeSlack>, Path(file_id): Path<String>, body: Bytes) -> Response {
    let record = json!({"file_id": file_id, "len": body.len(), "content": String::from_utf8_lossy(&body)});
    if let Some(fault) = fake.take_fault("upload") {
        fake.record("upload", record, false);
        return fault_response(fault);
    }
    let verdict = {
        let mut inner = fake.inner.lock().unwrap();
        match inner.uploads.get_mut(&file_id) {
            None => Err((StatusCode::NOT_FOUND, "no such upload")),
            Some(u) if u.bytes.is_some() => Err((StatusCode::BAD_REQUEST, "already uploaded")),
            Some(u) if u.length != body.len() => Err((StatusCode::BAD_REQUEST, "length mismatch")),
            Some(u) => {
                u.bytes = Some(body.to_vec());
                Ok(())
            }
        }
    };
    fake.record("upload", record, verdict.is_ok());
    match verdict {
        Ok(()) => (StatusCode::OK, format!("OK - {}", body.len())).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// `files.completeUploadExternal`: shares uploaded files into `channel_id` (and `thread_ts`). Refuses files it
/// never announced or whose bytes never arrived (`file_not_found`), a channel the bot is not in, and a token
/// without `files:write`.
fn complete_upload(fake: &FakeSlack, body: &Value) -> Result<Value, &'static str> {
    if !fake.has_scope("files:write") {
        return Err("missing_scope");
    }
    let files = body["files"].as_array().cloned().unwrap_or_default();
    let channel = body["channel_id"].as_str().unwrap_or_default().to_owned();
    let mut inner = fake.inner.lock().unwrap();
    if !channel.is_empty() && inner.outside.contains(&channel) {
        return Err("not_in_channel");
    }
    let uploaded = |f: &Value| {
        let id = f["id"].as_str().unwrap_or_default();
        inner.uploads.get(id).and_then(|u| u.bytes.clone().map(|b| (id.to_owned(), u.filename.clone(), b)))
    };
    let found: Vec<(String, String, Vec<u8>)> = files.iter().filter_map(uploaded).collect();
    if files.is_empty() || found.len() != files.len() {
        return Err("file_not_found");
    }
    let mut out = Vec::new();
    for ((id, filename, bytes), f) in found.into_iter().zip(&files) {
        let title = f["title"].as_str().unwrap_or(&filename).to_owned();
        out.push(
            json!({"id": id, "title": title, "name": filename, "created": 1_700_000_000, "timestamp": 1_700_000_000}),
        );
        if !channel.is_empty() {
            let thread_ts = body["thread_ts"].as_str().map(str::to_owned);
            inner.shared.push(SharedFile { id, filename, title, channel: channel.clone(), thread_ts, bytes });
        }
    }
    Ok(json!({"ok": true, "files": out}))
}

async fn response_url(State(fake): State<FakeSlack>, Path(id): Path<String>, body: Bytes) -> Response {
    match serde_json::from_slice::<Value>(&body) {
        Ok(mut v) => {
            v["response_url_id"] = json!(id);
            fake.record("response_url", v, true);
            (StatusCode::OK, "ok").into_response()
        }
        Err(_) => {
            fake.record("response_url", json!({"raw": String::from_utf8_lossy(&body)}), false);
            (StatusCode::BAD_REQUEST, "invalid_payload").into_response()
        }
    }
}

/// Why Slack would refuse a `views.publish` view (`invalid_arguments`, as Slack answers for a bad view), or
/// `None`: a `home` view of at most 100 blocks, each within the block limits, private metadata of at most 3,000
/// characters, button labels of at most 75 and values of at most 2,000, action ids unique in the view.
pub fn view_violation(view: &Value) -> Option<&'static str> {
    if view["type"] != "home" {
        return Some("invalid_arguments");
    }
    let Some(blocks) = view["blocks"].as_array() else { return Some("invalid_arguments") };
    if blocks.is_empty() || blocks.len() > 100 {
        return Some("invalid_arguments");
    }
    if view["private_metadata"].as_str().is_some_and(|m| m.chars().count() > 3000) {
        return Some("invalid_arguments");
    }
    let chars = |v: &Value| v.as_str().map_or(0, |t| t.chars().count());
    let mut action_ids = HashSet::new();
    for block in blocks {
        let bad = match block["type"].as_str() {
            Some("section") => chars(&block["text"]["text"]) == 0 || chars(&block["text"]["text"]) > 3000,
            Some("header") => {
                block["text"]["type"] != "plain_text" || !(1..=150).contains(&chars(&block["text"]["text"]))
            }
            Some("context") => block["elements"].as_array().is_none_or(|e| e.is_empty() || e.len() > 10),
            Some("divider") => false,
            Some("actions") => {
                let elements = block["elements"].as_array().cloned().unwrap_or_default();
                elements.is_empty()
                    || elements.len() > 25
                    || elements.iter().any(|e| {
                        e["type"] != "button"
                            || !(1..=75).contains(&chars(&e["text"]["text"]))
                            || chars(&e["value"]) > 2000
                            || !action_ids.insert(e["action_id"].as_str().unwrap_or("").to_owned())
                    })
            }
            _ => true,
        };
        if bad {
            return Some("invalid_arguments");
        }
    }
    None
}

/// `views.publish`: checks the token, scripted faults (429 with Retry-After, errors), the arguments and the view
/// as Slack does, then keeps the view as the user's Home and answers it back with the fields Slack adds.
async fn views_publish(State(fake): State<FakeSlack>, headers: HeaderMap, body: Bytes) -> Response {
    const METHOD: &str = "views.publish";
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Some(refused) = refuse(&fake, &headers, METHOD, &body) {
        return refused;
    }
    let user = body["user_id"].as_str().unwrap_or_default().to_owned();
    let refusal = if !body.is_object() || user.is_empty() || !body["view"].is_object() {
        Some("invalid_arguments")
    } else if !user.starts_with('U') && !user.starts_with('W') {
        Some("user_not_found")
    } else {
        view_violation(&body["view"])
    };
    if let Some(code) = refusal {
        fake.record_answer(METHOD, body, false, json!({"ok": false, "error": code}));
        return error(code);
    }
    let id = format!("V{}", fake.next_ts().replace('.', ""));
    let mut view = body["view"].clone();
    view["id"] = json!(id);
    view["team_id"] = json!("T1");
    view["hash"] = json!(format!("{id}.hash"));
    view["app_id"] = json!("A1");
    view["bot_id"] = json!("BBOT");
    fake.inner.lock().unwrap().homes.insert(user, view.clone());
    let answer = json!({"ok": true, "view": view});
    fake.record_answer(METHOD, body, true, answer.clone());
    Json(answer).into_response()
}
