//! How long discovery takes on a tree, against a plain listing of the same tree (what the
//! walk could cost at least): `cargo run --release -p fnguard-ingest --example discover_time DIR`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::time::Instant;

fn list(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(t) = e.file_type() else { continue };
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "node_modules" {
            continue;
        }
        if t.is_dir() {
            list(&e.path(), out);
        } else if t.is_file() {
            out.push(e.path());
        }
    }
}

fn main() {
    let Some(root) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: discover_time DIR");
        std::process::exit(2);
    };
    let runs = 5;
    for _ in 0..runs {
        let t = Instant::now();
        let (c, _, s) = fnguard_ingest::discover_with_survey(&root, &[]);
        let discover = t.elapsed();
        let t = Instant::now();
        let mut files = Vec::new();
        list(&root, &mut files);
        let listing = t.elapsed();
        let t = Instant::now();
        let mut n = 0;
        for e in ignore::WalkBuilder::new(&root)
            .hidden(false)
            .require_git(false)
            .build()
            .flatten()
        {
            n += usize::from(e.file_type().is_some_and(|t| t.is_file()));
        }
        let walk = t.elapsed();
        println!(
            "discover {:>7.1} ms ({} candidates, {} files) | serial ignore walk {:>7.1} ms ({n}) | read_dir listing {:>7.1} ms ({})",
            discover.as_secs_f64() * 1e3,
            c.len(),
            s.walked.len(),
            walk.as_secs_f64() * 1e3,
            listing.as_secs_f64() * 1e3,
            files.len()
        );
    }
}
