//! A local fake of Slack's Socket Mode WebSocket: greets every connection with `hello`, sends scripted envelopes
//! on the first one, and records every frame the app sends back (the acks).
//!
//! Point the fake Web API's `apps.connections.open` at [`FakeSocketMode::url`] with `FakeSlack::set_socket_url`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// Handle to a running fake. Cheap to clone.
#[derive(Clone)]
pub struct FakeSocketMode {
    /// `ws://127.0.0.1:<port>/link`, as `apps.connections.open` would answer.
    pub url: String,
    received: Arc<Mutex<Vec<Value>>>,
    connections: Arc<Mutex<usize>>,
}

impl FakeSocketMode {
    /// Starts a fake on a free loopback port that sends `envelopes` after the first connection's `hello`.
    pub async fn start(envelopes: Vec<Value>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake socket mode");
        let url = format!("ws://{}/link", listener.local_addr().unwrap());
        let fake = FakeSocketMode { url, received: Arc::default(), connections: Arc::default() };
        let server = fake.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let first = {
                    let mut n = server.connections.lock().unwrap();
                    *n += 1;
                    *n == 1
                };
                let envelopes = if first { envelopes.clone() } else { Vec::new() };
                tokio::spawn(server.clone().serve(tcp, envelopes));
            }
        });
        fake
    }

    async fn serve(self, tcp: tokio::net::TcpStream, envelopes: Vec<Value>) {
        let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else { return };
        let hello = json!({"type": "hello", "num_connections": 1,
            "debug_info": {"host": "fake-socket-mode", "approximate_connection_time": 3600},
            "connection_info": {"app_id": "A1"}});
        for frame in std::iter::once(hello).chain(envelopes) {
            if ws.send(Message::Text(frame.to_string().into())).await.is_err() {
                return;
            }
        }
        // Reading also answers the client's pings.
        while let Some(Ok(msg)) = ws.next().await {
            if let Message::Text(text) = msg {
                let value = serde_json::from_str(text.as_str()).unwrap_or(Value::String(text.to_string()));
                self.received.lock().unwrap().push(value);
            }
        }
    }

    /// How many WebSocket connections the app opened.
    pub fn connections(&self) -> usize {
        *self.connections.lock().unwrap()
    }

    /// Waits (up to `timeout`) for the app's ack of `envelope_id`, or panics with what it did send.
    pub async fn ack_for(&self, envelope_id: &str, timeout: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let found = self.received.lock().unwrap().iter().find(|v| v["envelope_id"] == envelope_id).cloned();
            if let Some(ack) = found {
                return ack;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("no ack for {envelope_id} within {timeout:?}; received {:#?}", self.received.lock().unwrap());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
