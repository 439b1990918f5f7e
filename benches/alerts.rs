//! Benchmark: alerts (prints numbers).

fn main() {
    println!("alerts benchmark not built yet");
}
