//! Reads `ECOSYSTEM<TAB>A<TAB>B` lines on standard input and prints fnguard's ordering of A and
//! B (-1, 0, 1) per line: the Rust side of `tools/differential_versions.py`.

use fnguard_deps::version::Ecosystem;
use std::io::{BufRead, Write};

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines().map_while(Result::ok) {
        let mut parts = line.splitn(3, '\t');
        let (Some(eco), Some(a), Some(b)) = (parts.next(), parts.next(), parts.next()) else {
            let _ = writeln!(out, "?");
            continue;
        };
        let Some(eco) = Ecosystem::from_osv(eco) else {
            let _ = writeln!(out, "?");
            continue;
        };
        let o = eco.compare(a, b) as i8;
        let _ = writeln!(out, "{o}");
    }
}
