//! Benchmark: library retrieval quality and speed (prints numbers).
//!
//! Prints the held-out evaluation (recall@1, recall@3, false short-circuit rate on off-topic and near-miss
//! questions, short-circuit coverage), the leave-one-out tuning pass over the library's own paraphrases with a
//! threshold sweep, and the time per retrieval. Run: `cargo bench --profile dev --bench library`.

use std::path::Path;
use std::time::Instant;

use asklake::library::eval::{EvalSet, evaluate, leave_one_out};
use asklake::library::{HybridRetriever, Library, Retriever};
use chrono::Utc;

const THRESHOLD: f32 = 0.82;

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let library = Library::embedded()?;
    let entries = library.entries().len();
    let texts: usize = library.entries().iter().map(|e| e.texts().count()).sum();
    println!("library: {entries} entries, {texts} question texts; short-circuit threshold {THRESHOLD}");

    let started = Instant::now();
    let retriever = HybridRetriever::new(library.clone(), THRESHOLD, 3);
    println!("index build: {:?}", started.elapsed());

    let set = EvalSet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/data/retrieval_eval.toml"))?;
    let report = runtime.block_on(evaluate(&retriever, &set, Utc::now(), chrono_tz::Asia::Seoul));
    println!("\nheld-out evaluation ({} paraphrases, {} negatives):", report.cases, report.negatives);
    println!("  recall@1                 {:.3}", report.recall_at_1());
    println!("  recall@3                 {:.3}", report.recall_at_3());
    println!(
        "  false short-circuit rate {:.3} ({} of {})",
        report.false_short_circuit_rate(),
        report.false_short_circuits.len(),
        report.negatives
    );
    println!("  wrong-entry short-circuits {}", report.wrong_short_circuits.len());
    println!(
        "  short-circuit coverage   {:.3} (paraphrases answered without the model)",
        report.short_circuit_coverage()
    );
    for (q, want, got) in &report.misses {
        println!("  miss: {q:?} expected {want}, top 3 {got:?}");
    }

    let loo = leave_one_out(&library);
    println!("\nleave-one-out over library paraphrases ({} texts; tuning data):", loo.cases);
    println!(
        "  recall@1 {:.3}  recall@3 {:.3}",
        loo.hits_at_1 as f64 / loo.cases as f64,
        loo.hits_at_3 as f64 / loo.cases as f64
    );
    let worst_negative = loo.negative_scores.iter().copied().fold(0.0f32, f32::max);
    println!("  highest tuning-negative score {worst_negative:.3}");
    for t in [0.6f32, 0.65, 0.7, 0.75, 0.8, 0.82, 0.85, 0.9] {
        let (right, wrong, neg) = loo.at(t);
        let (v_right, v_wrong) = loo.variants_at(t);
        println!(
            "  threshold {t:.2}: paraphrases short-circuited right {right:.3} / wrong {wrong}; \
             near-exact variants right {v_right:.3} / wrong {v_wrong}; tuning negatives over {neg}"
        );
    }

    let questions: Vec<&str> = set.case.iter().map(|c| c.question.as_str()).collect();
    let started = Instant::now();
    let rounds = 5;
    for _ in 0..rounds {
        for q in &questions {
            runtime.block_on(retriever.retrieve(q, Utc::now(), chrono_tz::Asia::Seoul));
        }
    }
    let per = started.elapsed() / (rounds * questions.len()) as u32;
    println!("\nretrieve (lexical, {entries} entries): {per:?} per question");
    Ok(())
}
