#![no_main]
use fnguard_shield::atoms::{Plan, Prefilter};
use fnguard_shield::signatures::{Caches, Rules};
use libfuzzer_sys::fuzz_target;
use regex_automata::{meta, util::syntax, Input, MatchKind, PatternSet};
use std::sync::{Mutex, OnceLock};

/// The built-in rules three ways: the per-rule lazy DFAs, the per-rule full DFAs, and the one
/// automaton for all of them that they replaced (the reference); and the rules' atoms, which
/// say which rules to read and where (windows).
struct Engines {
    prefilter: Prefilter,
    lazy: Rules,
    full: Rules,
    reference: meta::Regex,
    caches: Mutex<(Caches, Caches)>,
    all: Vec<usize>,
}

fn engines() -> Option<&'static Engines> {
    static ENGINES: OnceLock<Option<Engines>> = OnceLock::new();
    ENGINES
        .get_or_init(|| {
            let file: toml::Value =
                toml::from_str(include_str!("../../crates/fnguard-shield/data/rules.toml")).ok()?;
            let raw: Vec<&str> = file
                .get("rule")?
                .as_array()?
                .iter()
                .filter_map(|r| r.get("pattern")?.as_str())
                .collect();
            let patterns: Vec<String> = raw.iter().map(|p| format!("(?i-u){p}")).collect();
            let reference = meta::Builder::new()
                .configure(
                    meta::Config::new()
                        .match_kind(MatchKind::All)
                        .utf8_empty(false)
                        .nfa_size_limit(Some(64 << 20)),
                )
                .syntax(syntax::Config::new().utf8(false))
                .build_many(&patterns)
                .ok()?;
            Some(Engines {
                prefilter: Prefilter::new(&raw).windows_however_many(),
                lazy: Rules::new(&patterns).ok()?.full_dfas_after(usize::MAX),
                full: Rules::new(&patterns).ok()?.full_dfas_after(0),
                reference,
                caches: Mutex::new((Caches::default(), Caches::default())),
                all: (0..patterns.len()).collect(),
            })
        })
        .as_ref()
}

// Any bytes: both kinds of per-rule automaton find exactly the rules the one automaton finds,
// reading the whole text or only the windows around the rules' atoms.
fuzz_target!(|data: &[u8]| {
    let Some(e) = engines() else {
        return;
    };
    let mut expected = PatternSet::new(e.reference.pattern_len());
    e.reference
        .which_overlapping_matches(&Input::new(data), &mut expected);
    let expected: Vec<usize> = expected.iter().map(|p| p.as_usize()).collect();
    let Ok(mut caches) = e.caches.lock() else {
        return;
    };
    let (lazy_caches, full_caches) = &mut *caches;
    // One plan, made for the text reversed first, as an event's values share one: what that
    // leaves in its lists must not change this text's plan.
    let mut plan = Plan::default();
    let reversed: Vec<u8> = data.iter().rev().copied().collect();
    let (other_may, other) = e.prefilter.scan(&reversed);
    if other_may {
        e.prefilter.plan(&other, &reversed, &mut plan);
    }
    let (may, triggers) = e.prefilter.scan(data);
    if may {
        e.prefilter.plan(&triggers, data, &mut plan);
    }
    for (rules, caches) in [(&e.lazy, lazy_caches), (&e.full, full_caches)] {
        assert_eq!(rules.matching(caches, data, &e.all), expected);
        // No rule may match: the inspection reads none.
        let within = if may {
            rules.matching_within(caches, data, &plan.rules, &plan.windows)
        } else {
            Vec::new()
        };
        assert_eq!(within, expected);
    }
});
