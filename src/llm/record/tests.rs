//! Recording and replay: what is recorded comes back, and a changed request is reported, not answered.

use std::sync::atomic::{AtomicU32, Ordering};

use super::*;

/// A model that answers SQL with a counter, so a second live call would be visible.
struct Counting(AtomicU32);

#[async_trait::async_trait]
impl Llm for Counting {
    fn name(&self) -> &'static str {
        "counting"
    }
    async fn generate(&self, _request: &GenerationRequest) -> Result<Generation, LlmError> {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        Ok(Generation {
            reply: Reply::Sql { sql: format!("SELECT {n}"), notes: "n".into() },
            usage: Usage { input_tokens: 100 + n, output_tokens: 7 },
        })
    }
    async fn complete_text(&self, _request: &GenerationRequest) -> Result<TextCompletion, LlmError> {
        Ok(TextCompletion { text: "three rows".into(), usage: Usage { input_tokens: 5, output_tokens: 2 } })
    }
}

fn request(system: &str, question: &str) -> GenerationRequest {
    GenerationRequest { system: system.into(), messages: vec![ChatMessage::user(format!("Question: {question}"))] }
}

#[test]
fn the_key_depends_on_every_part_of_the_request_and_nothing_else() {
    let a = request("sys", "root logins");
    assert_eq!(request_key(CallKind::Sql, &a), request_key(CallKind::Sql, &a.clone()));
    assert_ne!(request_key(CallKind::Sql, &a), request_key(CallKind::Text, &a));
    assert_ne!(request_key(CallKind::Sql, &a), request_key(CallKind::Sql, &request("sys2", "root logins")));
    assert_ne!(request_key(CallKind::Sql, &a), request_key(CallKind::Sql, &request("sys", "root logins?")));
    // Moving text across the system/message boundary changes the key (fields are length-prefixed).
    let moved = GenerationRequest { system: "sysQ".into(), messages: vec![ChatMessage::user("uestion: root logins")] };
    assert_ne!(request_key(CallKind::Sql, &a), request_key(CallKind::Sql, &moved));
    assert_eq!(request_key(CallKind::Sql, &a).len(), 24);
}

#[tokio::test]
async fn a_recorded_call_replays_with_its_reply_and_usage() {
    let dir = tempfile::tempdir().unwrap();
    let label = CallLabel::default();
    label.set("q001 turn 1");
    let live = RecordingLlm::new(Arc::new(Counting(AtomicU32::new(0))), dir.path().into(), label.clone(), "test");
    let g = live.generate(&request("sys", "root logins")).await.unwrap();
    let t = live.complete_text(&request("sum", "root logins")).await.unwrap();

    let replay = ReplayLlm::open(dir.path(), CallLabel::default()).unwrap();
    assert_eq!(replay.len(), 2);
    assert_eq!(replay.generate(&request("sys", "root logins")).await.unwrap(), g);
    assert_eq!(replay.complete_text(&request("sum", "root logins")).await.unwrap(), t);
    assert!(replay.take_misses().is_empty());
    assert!(replay.unused().is_empty());
    let file: Recorded = serde_json::from_str(
        &std::fs::read_to_string(
            dir.path().join(format!("{}.json", request_key(CallKind::Sql, &request("sys", "root logins")))),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(file.label, "q001 turn 1");
    assert_eq!(file.messages, vec!["user: Question: root logins".to_owned()]);
}

#[tokio::test]
async fn a_changed_request_is_reported_with_its_label_and_question_not_answered() {
    let dir = tempfile::tempdir().unwrap();
    let live = RecordingLlm::new(Arc::new(Counting(AtomicU32::new(0))), dir.path().into(), CallLabel::default(), "t");
    live.generate(&request("prompt v1", "root logins")).await.unwrap();

    let label = CallLabel::default();
    let replay = ReplayLlm::open(dir.path(), label.clone()).unwrap();
    label.set("q007 turn 2");
    let err = replay.generate(&request("prompt v2", "root logins")).await.unwrap_err();
    let LlmError::NotRecorded(text) = &err else { panic!("expected NotRecorded, got {err:?}") };
    assert!(text.contains("q007 turn 2") && text.contains("root logins"), "{text}");
    assert!(!err.is_model_misbehaviour(), "a miss must end the question, not be retried");
    let misses = replay.take_misses();
    assert_eq!(misses.len(), 1);
    assert_eq!(misses[0].label, "q007 turn 2");
    assert_eq!(misses[0].question, "Question: root logins");
    assert_eq!(replay.unused().len(), 1, "the v1 recording is now stale");
}

#[test]
fn a_folder_that_does_not_exist_says_how_to_make_one() {
    let err = ReplayLlm::open(Path::new("/nonexistent/recording"), CallLabel::default()).err().unwrap();
    assert!(format!("{err:#}").contains("--record DIR"));
}
