//! Benchmark: lake (prints numbers).

fn main() {
    println!("lake benchmark not built yet");
}
