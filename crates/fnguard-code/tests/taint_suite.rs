//! The taint fixture suite (`tests/taint_suite/`, written by `tools/gen_taint_suite.py`): every
//! case names the rules it must trigger (`expect: FG501`) or `none`; a rule that fires and is
//! not named is a false positive. Precision and recall are printed per rule and must stay high.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use fnguard_code::{analyze_function, Language};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Default, Debug)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
}

fn run(lang_dir: &str, lang: Language, ext: &str) -> (BTreeMap<String, Score>, Vec<String>, usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/taint_suite")
        .join(lang_dir);
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    let mut mistakes = Vec::new();
    let mut cases = 0;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for path in files {
        // A case that needs a code package of its own (a web adapter reads every source of
        // its package) is a directory holding `<dir name>.<ext>`.
        let (dir, path) = if path.is_dir() {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let case = path.join(format!("{name}.{ext}"));
            if !case.is_file() {
                continue;
            }
            (path.clone(), case)
        } else {
            (dir.clone(), path)
        };
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with('_') || !name.ends_with(ext) {
            continue;
        }
        cases += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let header = text.lines().next().unwrap();
        let label = header.split("expect:").nth(1).unwrap().trim();
        let expected: BTreeSet<String> = if label == "none" {
            BTreeSet::new()
        } else {
            label.split(',').map(|s| s.trim().to_string()).collect()
        };
        let stem = name.trim_end_matches(&format!(".{ext}"));
        let handler = if lang == Language::Java {
            format!("{stem}::handleRequest")
        } else if lang == Language::Go {
            "bootstrap".to_string()
        } else {
            format!("{stem}.handler")
        };
        let facts = analyze_function(&dir, &dir, &handler, lang);
        assert!(facts.unresolved.is_none(), "{name}: {:?}", facts.unresolved);
        let found: BTreeSet<String> = facts.findings.iter().map(|f| f.rule.clone()).collect();
        for r in expected.union(&found) {
            let s = scores.entry(r.clone()).or_default();
            match (expected.contains(r), found.contains(r)) {
                (true, true) => s.tp += 1,
                (false, true) => {
                    s.fp += 1;
                    mistakes.push(format!("{lang_dir}/{name}: unexpected {r}"));
                }
                (true, false) => {
                    s.fn_ += 1;
                    mistakes.push(format!("{lang_dir}/{name}: missed {r}"));
                }
                _ => {}
            }
        }
    }
    (scores, mistakes, cases)
}

#[test]
fn precision_and_recall_on_the_suite() {
    let mut total = Score::default();
    let mut all_mistakes = Vec::new();
    let mut cases = 0;
    for (dir, lang, ext) in [
        ("python", Language::Python, "py"),
        ("javascript", Language::JavaScript, "js"),
        ("java", Language::Java, "java"),
        ("go", Language::Go, "go"),
    ] {
        let (scores, mistakes, n) = run(dir, lang, ext);
        cases += n;
        for (rule, s) in &scores {
            eprintln!("{dir:<10} {rule}: tp {} fp {} fn {}", s.tp, s.fp, s.fn_);
            total.tp += s.tp;
            total.fp += s.fp;
            total.fn_ += s.fn_;
        }
        all_mistakes.extend(mistakes);
    }
    let precision = total.tp as f64 / (total.tp + total.fp).max(1) as f64;
    let recall = total.tp as f64 / (total.tp + total.fn_).max(1) as f64;
    eprintln!(
        "{cases} cases: precision {:.3} ({} / {}), recall {:.3} ({} / {})",
        precision,
        total.tp,
        total.tp + total.fp,
        recall,
        total.tp,
        total.tp + total.fn_
    );
    for m in &all_mistakes {
        eprintln!("  {m}");
    }
    assert!(cases >= 150, "only {cases} cases");
    assert!(
        precision >= 0.95 && recall >= 0.95,
        "precision {precision:.3}, recall {recall:.3}"
    );
}
