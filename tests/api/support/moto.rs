//! Starts (once per test run) a moto_server on 127.0.0.1 for SQS, and stops it when the test process exits.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A running moto_server.
#[derive(Debug)]
pub struct Moto {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    child: Child,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

static MOTO: OnceLock<Moto> = OnceLock::new();

/// The shared moto_server of this test run, started on first use.
pub fn moto() -> &'static Moto {
    MOTO.get_or_init(|| start().expect("moto_server must be installed (pip install 'moto[server]')"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn start() -> std::io::Result<Moto> {
    let port = free_port();
    // A watchdog shell kills moto when this test process ends, since statics are never dropped.
    let script = format!(
        "moto_server -H 127.0.0.1 -p {port} >/dev/null 2>&1 & m=$!; \
         while kill -0 {pid} 2>/dev/null; do sleep 1; done; kill $m",
        pid = std::process::id()
    );
    let child = Command::new("sh").arg("-c").arg(script).stdin(Stdio::null()).spawn()?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(Moto { endpoint: format!("http://127.0.0.1:{port}"), child });
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(std::io::Error::other(format!("moto_server did not answer on port {port} within 60 s")))
}

/// An SQS client pointed at moto with static test credentials.
pub async fn sqs_client() -> aws_sdk_sqs::Client {
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(moto().endpoint.clone())
        .credentials_provider(aws_credential_types::Credentials::new("test", "test", None, None, "static"))
        .load()
        .await;
    aws_sdk_sqs::Client::new(&conf)
}

/// Creates a fresh queue named `name` plus a unique suffix; returns its URL.
pub async fn create_queue(client: &aws_sdk_sqs::Client, name: &str) -> String {
    let unique = format!("{name}-{}", uuid::Uuid::new_v4().simple());
    let out = client.create_queue().queue_name(unique).send().await.expect("create_queue on moto");
    out.queue_url().expect("queue url").to_owned()
}

/// Sends bodies in batches of ten.
pub async fn send_all(client: &aws_sdk_sqs::Client, url: &str, bodies: &[String]) {
    use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
    for chunk in bodies.chunks(10) {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(i, b)| SendMessageBatchRequestEntry::builder().id(i.to_string()).message_body(b).build().unwrap())
            .collect();
        let out =
            client.send_message_batch().queue_url(url).set_entries(Some(entries)).send().await.expect("send batch");
        assert!(out.failed().is_empty(), "moto refused messages");
    }
}

/// Visible plus in-flight messages.
pub async fn depth(client: &aws_sdk_sqs::Client, url: &str) -> usize {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let out = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::ApproximateNumberOfMessages)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .expect("queue attributes");
    let attrs = out.attributes().cloned().unwrap_or_default();
    [A::ApproximateNumberOfMessages, A::ApproximateNumberOfMessagesNotVisible]
        .iter()
        .map(|k| attrs.get(k).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0))
        .sum()
}

/// Creates a fresh queue whose redrive policy moves a message to a fresh dead-letter queue after
/// `max_receive_count` receives; returns (queue URL, dead-letter queue URL).
pub async fn create_queue_with_dlq(
    client: &aws_sdk_sqs::Client,
    name: &str,
    max_receive_count: u32,
) -> (String, String) {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let dlq = create_queue(client, &format!("{name}-dlq")).await;
    let attrs =
        client.get_queue_attributes().queue_url(&dlq).attribute_names(A::QueueArn).send().await.expect("dlq arn");
    let arn = attrs.attributes().and_then(|a| a.get(&A::QueueArn)).expect("QueueArn").clone();
    let policy = serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": max_receive_count.to_string()});
    let unique = format!("{name}-{}", uuid::Uuid::new_v4().simple());
    let out = client
        .create_queue()
        .queue_name(unique)
        .attributes(A::RedrivePolicy, policy.to_string())
        .send()
        .await
        .expect("create_queue with a redrive policy on moto");
    (out.queue_url().expect("queue url").to_owned(), dlq)
}
