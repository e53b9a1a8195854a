//! Prints how long the built-in rules take to compile (extension init budget).
fn main() {
    let t = std::time::Instant::now();
    let d = fnguard_shield::inspect::Detector::builtin().map(|d| d.rule_count());
    println!("{:?} rules compiled in {:?}", d.ok(), t.elapsed());
}
