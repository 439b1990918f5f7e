//! Retention inside `serve`: the running application prunes stored answers, result rows, votes and seen ids older
//! than `[store]`'s ages, and keeps newer ones.

use std::sync::Arc;
use std::time::Duration;

use asklake::config::Config;
use asklake::pipeline::{Answer, Asker, ProgressSink, Question};
use asklake::slack::memory::MemorySlack;
use asklake::startup::{Application, Deps};
use asklake::store::Store;
use asklake::store::feedback::Vote;
use asklake::store::threads::{StoredAnswer, StoredResult};
use tokio_util::sync::CancellationToken;

/// No question is asked in these tests.
struct NoQuestions;

#[async_trait::async_trait]
impl Asker for NoQuestions {
    async fn ask(&self, _: Question, _: &dyn ProgressSink, _: CancellationToken) -> Answer {
        unreachable!("no question is asked here")
    }
}

/// An answer with result rows, a vote and a seen id, all written `days` ago.
fn write_aged(store: &Store, id: &str, days: i64) {
    let at = chrono::Utc::now().timestamp() - days * 24 * 3600;
    let result = StoredResult { columns: vec!["n".into()], rows: vec![vec!["1".into()]], truncated: false };
    let answer = StoredAnswer {
        id: id.into(),
        channel: "C1".into(),
        thread_ts: "1.0".into(),
        asker: "U1".into(),
        question: "who deleted the trail?".into(),
        answer: "mallory".into(),
        sql: Some("SELECT 1".into()),
        result: Some(result),
    };
    store.save_answer(&answer).unwrap();
    store.record_feedback(id, "U1", Vote::Up).unwrap();
    store.mark_seen("cloudtrail", id).unwrap();
    let conn = store.conn();
    conn.execute("UPDATE answers SET created_at = ?1 WHERE id = ?2", rusqlite::params![at, id]).unwrap();
    conn.execute("UPDATE feedback SET voted_at = ?1 WHERE answer_id = ?2", rusqlite::params![at, id]).unwrap();
    conn.execute("UPDATE seen_ids SET seen_at = ?1 WHERE id = ?2", rusqlite::params![at, id]).unwrap();
}

#[tokio::test]
async fn a_running_server_prunes_what_is_older_than_the_configured_ages_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.server.bind = "127.0.0.1:0".into();
    config.slack.allow_everyone = true;
    config.store.path = dir.path().join("asklake.db");
    config.store.answer_retention_days = 7;
    config.store.seen_retention_days = 3;
    let store = Store::open(&config.store.path).unwrap();
    write_aged(&store, "old", 8);
    write_aged(&store, "recent", 5);
    write_aged(&store, "new", 1);
    let deps = Deps::new(Arc::new(NoQuestions), Arc::new(MemorySlack::new()), store.clone());
    let app = Application::build(config, deps).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));

    let mut pruned = false;
    for _ in 0..200 {
        if store.answer("old").unwrap().is_none() {
            pruned = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    assert!(pruned, "serve prunes at start");
    assert!(store.feedback_for("old").unwrap().is_empty());
    assert!(!store.is_seen("cloudtrail", "recent").unwrap(), "5 days > 3 for seen ids");
    let kept = store.answer("recent").unwrap().expect("5 days < 7 for answers");
    assert_eq!(kept.result.unwrap().rows, vec![vec!["1".to_string()]]);
    assert_eq!(store.feedback_for("recent").unwrap().len(), 1);
    assert!(store.is_seen("cloudtrail", "new").unwrap());
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(30), server).await.unwrap().unwrap().unwrap();
}
