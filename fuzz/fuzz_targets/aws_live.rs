#![no_main]
use fnguard_aws::usage::Observed;
use fnguard_aws::Snapshot;
use libfuzzer_sys::fuzz_target;

// Live-mode input fnguard reads from files: a saved snapshot (translated into a template and
// loaded, then drift-matched against itself), CloudTrail log text, and a deployed package
// (unzipped into a scratch directory with the size bounds). None of them may panic.
fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    match selector % 3 {
        0 => {
            if let Ok(snap) = serde_json::from_slice::<Snapshot>(rest) {
                let (project, _, lines) = fnguard_aws::load(&snap);
                if let Some(p) = project {
                    for f in &p.functions {
                        let mut loc = f.location.clone();
                        lines.relocate(&mut loc);
                    }
                    let mut taken = Default::default();
                    let drift = fnguard_rules::drift::match_functions(
                        &p,
                        &p,
                        &Default::default(),
                        &mut taken,
                    );
                    let _ = fnguard_rules::run_drift(&p, &drift, &Default::default());
                }
            }
        }
        1 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let mut o = Observed::default();
                let _ = o.add_text(text);
            }
        }
        _ => {
            let dir = std::env::temp_dir().join(format!("fnguard-fuzz-unzip-{}", std::process::id()));
            let _ = fnguard_aws::code::unzip(rest, &dir);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
});
