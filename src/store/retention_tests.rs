//! Retention: what is older than the configured age goes, what is newer stays, and the schedule repeats.

use super::*;
use crate::store::threads::{StoredAnswer, StoredResult};

const DAY: i64 = 24 * 3600;

fn answer(id: &str) -> StoredAnswer {
    StoredAnswer {
        id: id.into(),
        channel: "C1".into(),
        thread_ts: "1.0".into(),
        asker: "U1".into(),
        question: "q".into(),
        answer: "a".into(),
        sql: Some("SELECT 1".into()),
        result: Some(StoredResult { columns: vec!["x".into()], rows: vec![vec!["1".into()]], truncated: false }),
    }
}

/// One answer, one vote and one seen id, each written `age_days` ago.
fn write_aged(store: &Store, id: &str, age_days: i64) {
    let at = chrono::Utc::now().timestamp() - age_days * DAY;
    store.save_answer(&answer(id)).unwrap();
    store.record_feedback(id, "U1", crate::store::feedback::Vote::Up).unwrap();
    store.mark_seen("cloudtrail", id).unwrap();
    let conn = store.conn();
    conn.execute("UPDATE answers SET created_at = ?1 WHERE id = ?2", rusqlite::params![at, id]).unwrap();
    conn.execute("UPDATE feedback SET voted_at = ?1 WHERE answer_id = ?2", rusqlite::params![at, id]).unwrap();
    conn.execute("UPDATE seen_ids SET seen_at = ?1 WHERE id = ?2", rusqlite::params![at, id]).unwrap();
}

fn defaults() -> Retention {
    Retention::from_config(&StoreConfig::default())
}

#[test]
fn the_defaults_keep_answers_rows_and_votes_30_days_and_seen_ids_14() {
    let store = Store::in_memory().unwrap();
    for (id, age) in [("fresh", 1), ("fortnight", 20), ("old", 40)] {
        write_aged(&store, id, age);
    }

    let pruned = store.prune(&defaults()).unwrap();

    assert_eq!(pruned, Pruned { answers: 1, feedback: 1, seen: 2 });
    assert!(store.answer("old").unwrap().is_none(), "answer and its result rows are gone");
    assert!(store.feedback_for("old").unwrap().is_empty());
    let kept = store.answer("fortnight").unwrap().expect("20 days < 30");
    assert_eq!(kept.result.unwrap().rows, vec![vec!["1".to_string()]]);
    assert_eq!(store.feedback_for("fortnight").unwrap().len(), 1);
    assert!(!store.is_seen("cloudtrail", "fortnight").unwrap(), "20 days > 14");
    assert!(store.is_seen("cloudtrail", "fresh").unwrap());
    assert!(store.answer("fresh").unwrap().is_some());
}

#[test]
fn zero_days_keeps_everything() {
    let store = Store::in_memory().unwrap();
    write_aged(&store, "ancient", 4000);
    let cfg = StoreConfig { answer_retention_days: 0, seen_retention_days: 0, ..StoreConfig::default() };

    assert_eq!(store.prune(&Retention::from_config(&cfg)).unwrap(), Pruned::default());
    assert!(store.answer("ancient").unwrap().is_some());
}

#[tokio::test(start_paused = true)]
async fn the_schedule_prunes_at_start_and_again_every_period_until_stopped() {
    let store = Store::in_memory().unwrap();
    write_aged(&store, "a", 40);
    let stop = CancellationToken::new();
    let task = tokio::spawn(run(store.clone(), defaults(), PRUNE_EVERY, stop.clone()));

    wait_until(|| store.answer("a").unwrap().is_none()).await;
    write_aged(&store, "b", 40);
    tokio::time::advance(PRUNE_EVERY / 2).await;
    settle().await;
    assert!(store.answer("b").unwrap().is_some(), "not before the next period");
    tokio::time::advance(PRUNE_EVERY / 2).await;
    wait_until(|| store.answer("b").unwrap().is_none()).await;

    stop.cancel();
    task.await.unwrap();
}

/// Lets the spawned prune (a blocking task) run; the paused clock does not move meanwhile.
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

async fn wait_until(mut done: impl FnMut() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::task::yield_now().await;
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    panic!("the prune did not happen");
}
