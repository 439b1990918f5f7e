//! Benchmark: pipeline (prints numbers).

fn main() {
    println!("pipeline benchmark not built yet");
}
