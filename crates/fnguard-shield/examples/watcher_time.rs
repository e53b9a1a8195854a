//! Times one environment check (`FNGUARD_PROC_SCOPE=group|all`, watching /tmp and a code dir).
use fnguard_shield::config::Config;
use fnguard_shield::watcher::Watcher;
use std::collections::HashMap;
fn main() {
    let vars: HashMap<String, String> = std::env::vars().collect();
    let cfg = Config::from_vars(&vars).unwrap_or_default();
    let t = std::time::Instant::now();
    let mut w = Watcher::baseline(&cfg, vec![]);
    println!("baseline {:?}", t.elapsed());
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = std::time::Instant::now();
        let a = w.check();
        times.push(t.elapsed());
        std::hint::black_box(a);
    }
    times.sort();
    println!("check p50 {:?} max {:?}", times[25], times[49]);
}
