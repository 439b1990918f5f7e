//! `asklake ask --chart out.png`: the terminal path writes the same chart the Slack thread gets, or says why
//! there is none.

use std::path::Path;
use std::process::Output;

use crate::support::lake::shared_lake;

fn ask(question: &str, chart: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_asklake"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["ask", question, "--chart"])
        .arg(chart)
        .env_remove("ASKLAKE_CONFIG")
        .env("ASKLAKE_ENGINE__KIND", "duckdb")
        .env("ASKLAKE_DUCKDB__PATH", &shared_lake().path)
        .env("ASKLAKE_LLM__PROVIDER", "none")
        .output()
        .unwrap()
}

#[test]
fn a_top_n_answer_writes_a_bar_chart_png() {
    let dir = tempfile::tempdir().unwrap();
    let out_png = dir.path().join("out.png");
    let out = ask("What was the most frequently occurring API call?", &out_png);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("chart written to"), "{stderr}");
    let png = std::fs::read(&out_png).expect("the chart file exists");
    let pixmap = tiny_skia::Pixmap::decode_png(&png).expect("a PNG");
    assert_eq!(pixmap.width(), asklake::chart::render::WIDTH);
    assert!(pixmap.height() >= asklake::chart::render::HEIGHT, "20 bars may make it taller, never shorter");
    // Same picture as the library renders for the same answer: bars in the series colour are present.
    let blue = pixmap.pixels().iter().filter(|p| (p.red(), p.green(), p.blue()) == (31, 119, 180)).count();
    assert!(blue > 10_000, "bars are drawn ({blue} bar pixels)");
}

#[test]
fn an_answer_without_rows_writes_no_chart_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let out_png = dir.path().join("out.png");
    // No model and no verified match: no result, so no chart.
    let out = ask("blorp the frobnicator", &out_png);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no chart fits this answer"), "{stderr}");
    assert!(!out_png.exists());
}
