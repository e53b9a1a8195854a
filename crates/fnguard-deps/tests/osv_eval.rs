//! The evaluator against real records and the OSV schema's edge cases.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use fnguard_deps::osv::{Affected, Record, Verdict};
use fnguard_deps::version::Ecosystem;
use std::io::Read;
use std::path::Path;

fn fixture(rel: &str) -> Record {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/osv")
        .join(rel);
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn record(json: &str) -> Record {
    serde_json::from_str(json).unwrap()
}

fn affected(r: &Record, eco: Ecosystem, name: &str, v: &str) -> Option<Option<String>> {
    match r.evaluate(eco, name, Some(v)) {
        Some(Verdict::Affected { fixed }) => Some(fixed),
        Some(Verdict::NotAffected) => None,
        None => panic!("known version evaluated as unknown"),
    }
}

#[test]
fn several_ranges_fix_on_the_same_branch() {
    let r = fixture("ghsa/npm/GHSA-c2qf-rxjj-qqgw.json"); // semver ReDoS, three branches
    assert_eq!(
        affected(&r, Ecosystem::Npm, "semver", "7.5.1"),
        Some(Some("7.5.2".into()))
    );
    assert_eq!(
        affected(&r, Ecosystem::Npm, "semver", "6.3.0"),
        Some(Some("6.3.1".into()))
    );
    assert_eq!(
        affected(&r, Ecosystem::Npm, "semver", "5.7.1"),
        Some(Some("5.7.2".into()))
    );
    assert_eq!(affected(&r, Ecosystem::Npm, "semver", "7.5.2"), None);
    assert_eq!(affected(&r, Ecosystem::Npm, "semver", "6.3.1"), None);
    assert_eq!(affected(&r, Ecosystem::Npm, "semver", "5.7.2"), None);
}

#[test]
fn last_affected_has_no_fix_to_suggest() {
    let r = fixture("ghsa/npm/GHSA-29mw-wpgm-hmr9.json");
    let entry = r
        .entries_for(Ecosystem::Npm, "lodash.trimend")
        .next()
        .unwrap()
        .clone();
    let last = entry.ranges[0]
        .events
        .iter()
        .find_map(|e| e.last_affected.clone())
        .unwrap();
    assert_eq!(
        affected(&r, Ecosystem::Npm, "lodash.trimend", &last),
        Some(None)
    );
    assert_eq!(
        affected(&r, Ecosystem::Npm, "lodash", "4.17.20"),
        Some(Some("4.17.21".into()))
    );
    assert_eq!(affected(&r, Ecosystem::Npm, "lodash", "4.17.21"), None);
}

#[test]
fn maven_release_qualifiers_and_branches() {
    let r = fixture("ghsa/Maven/GHSA-36p3-wjmg-h94x.json"); // Spring4Shell
    let n = "org.springframework:spring-beans";
    assert_eq!(
        affected(&r, Ecosystem::Maven, n, "5.2.19.RELEASE"),
        Some(Some("5.2.20.RELEASE".into()))
    );
    assert_eq!(affected(&r, Ecosystem::Maven, n, "5.2.20.RELEASE"), None);
    assert_eq!(
        affected(&r, Ecosystem::Maven, n, "5.3.17"),
        Some(Some("5.3.18".into()))
    );
    assert_eq!(affected(&r, Ecosystem::Maven, n, "5.3.18"), None);
    let log4j = fixture("ghsa/Maven/GHSA-jfh8-c2jp-5v3q.json");
    let n = "org.apache.logging.log4j:log4j-core";
    assert_eq!(
        affected(&log4j, Ecosystem::Maven, n, "2.14.1"),
        Some(Some("2.15.0".into()))
    );
    assert_eq!(affected(&log4j, Ecosystem::Maven, n, "2.3.2"), None);
}

#[test]
fn pypi_names_are_normalised() {
    let r = fixture("ghsa/PyPI/GHSA-8q59-q68h-6hv4.json"); // written `PyYAML`
    assert!(affected(&r, Ecosystem::PyPI, "pyyaml", "5.3.1").is_some());
    assert!(affected(&r, Ecosystem::PyPI, "PyYaml", "5.4").is_none());
    let d = fixture("ghsa/PyPI/GHSA-jh3w-4vvf-mjgr.json");
    assert_eq!(
        affected(&d, Ecosystem::PyPI, "django", "4.2.2"),
        Some(Some("4.2.3".into()))
    );
    // A release candidate precedes the `introduced: 4.2.0` of its branch.
    assert_eq!(affected(&d, Ecosystem::PyPI, "django", "4.2rc1"), None);
    assert_eq!(affected(&d, Ecosystem::PyPI, "django", "3.1.14"), None);
}

#[test]
fn go_versions_with_v_prefix_and_incompatible() {
    let r = fixture("ghsa/Go/GHSA-4374-p667-p6c8.json");
    assert!(affected(&r, Ecosystem::Go, "golang.org/x/net", "v0.16.0").is_some());
    assert!(affected(&r, Ecosystem::Go, "golang.org/x/net", "v0.17.0").is_none());
    assert!(affected(
        &r,
        Ecosystem::Go,
        "golang.org/x/net",
        "v0.0.0-20230101000000-abcdefabcdef"
    )
    .is_some());
}

#[test]
fn withdrawn_records_never_match() {
    let r = fixture("ghsa/RubyGems/GHSA-35c4-f3rq-f9g3.json");
    assert!(r.withdrawn.is_some());
    assert_eq!(
        affected(&r, Ecosystem::RubyGems, "activesupport", "4.1.0"),
        None
    );
}

#[test]
fn malicious_records_cover_unknown_versions() {
    let r = fixture("mal/npm/MAL-2025-20690.json");
    assert!(r.is_malicious());
    assert_eq!(
        r.evaluate(Ecosystem::Npm, "flatmap-stream", None),
        Some(Verdict::Affected { fixed: None })
    );
    // A bounded advisory says nothing about an unknown version.
    let bounded = fixture("ghsa/npm/GHSA-c2qf-rxjj-qqgw.json");
    assert_eq!(bounded.evaluate(Ecosystem::Npm, "semver", None), None);
}

#[test]
fn git_range_first_does_not_stop_evaluation() {
    let r = record(
        r#"{"id":"X-1","affected":[{"package":{"ecosystem":"PyPI","name":"p"},"ranges":[
        {"type":"GIT","repo":"https://example.com/r","events":[{"introduced":"0"},{"fixed":"abc"}]},
        {"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"fixed":"1.4"}]}]}]}"#,
    );
    assert_eq!(
        affected(&r, Ecosystem::PyPI, "p", "1.2"),
        Some(Some("1.4".into()))
    );
    assert_eq!(affected(&r, Ecosystem::PyPI, "p", "1.4"), None);
}

#[test]
fn limit_caps_a_range() {
    let r = record(
        r#"{"id":"X-2","affected":[{"package":{"ecosystem":"npm","name":"p"},"ranges":[
        {"type":"SEMVER","events":[{"introduced":"0"},{"limit":"2.0.0"}]}]}]}"#,
    );
    assert!(affected(&r, Ecosystem::Npm, "p", "1.9.9").is_some());
    assert!(affected(&r, Ecosystem::Npm, "p", "2.0.0").is_none());
    assert!(affected(&r, Ecosystem::Npm, "p", "3.1.0").is_none());
}

#[test]
fn versions_lists_compare_parsed() {
    let r = record(
        r#"{"id":"X-3","affected":[{"package":{"ecosystem":"PyPI","name":"p"},"versions":["1.0","2.0.0"]}]}"#,
    );
    assert!(affected(&r, Ecosystem::PyPI, "p", "1.0.0").is_some());
    assert!(affected(&r, Ecosystem::PyPI, "p", "2.0").is_some());
    assert!(affected(&r, Ecosystem::PyPI, "p", "1.0.1").is_none());
}

#[test]
fn npm_prereleases_order_below_their_release() {
    let r = fixture("ghsa/npm/GHSA-qw6h-vgh9-j6wx.json"); // express, 5.0.0-alpha.1 .. 5.0.0
    assert_eq!(
        affected(&r, Ecosystem::Npm, "express", "5.0.0-beta.1"),
        Some(Some("5.0.0".into()))
    );
    assert!(affected(&r, Ecosystem::Npm, "express", "5.0.0").is_none());
    assert!(affected(&r, Ecosystem::Npm, "express", "4.19.2").is_some());
}

#[test]
fn severity_from_cvss_then_database() {
    use fnguard_model::Severity;
    let r = fixture("ghsa/Maven/GHSA-jfh8-c2jp-5v3q.json"); // log4shell, CVSS 10
    assert_eq!(r.fnguard_severity().0, Severity::Critical);
    let no_vector = fixture("ghsa/npm/GHSA-4xc9-xhrj-v574.json");
    let (sev, _) = no_vector.fnguard_severity();
    let db = no_vector
        .database_specific
        .as_ref()
        .and_then(|d| d.severity.clone());
    assert!(db.is_some());
    assert_ne!(sev, Severity::Info);
}

/// Every version a PyPA record lists is affected through its ranges alone, except where the
/// record itself explains the difference; each exception is classified mechanically:
/// - the entry has a GIT range (osv.dev derives `versions` from the repository's tags),
/// - the entry has no SEMVER/ECOSYSTEM range at all (a versions-only entry),
/// - a pre-release is listed below its branch's `introduced` (`3.2a1` with `introduced: 3.2`),
/// - the range's intervals overlap as written, which the schema's sorted walk cannot express
///   (wagtail's PYSEC-2021-114 lists `[2.11, 2.11.7)` and `[0, 2.11.6)` in one range).
///
/// The matcher still reports all of these: it consults the `versions` list too.
#[test]
fn pypa_versions_lists_agree_with_ranges() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv/pypa-affected.jsonl.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(p).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let eco = Ecosystem::PyPI;
    let mut checked = 0usize;
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut unexplained = Vec::new();
    for line in text.lines() {
        let r: Record = serde_json::from_str(line).unwrap();
        for a in &r.affected {
            let ranges_only = Affected {
                versions: Vec::new(),
                ..a.clone()
            };
            for v in &a.versions {
                checked += 1;
                if ranges_only.evaluate(eco, v) != Verdict::NotAffected {
                    continue;
                }
                let evaluable: Vec<_> = a.ranges.iter().filter(|r| r.kind != "GIT").collect();
                let reason = if a.ranges.iter().any(|r| r.kind == "GIT") {
                    "git range"
                } else if evaluable.is_empty() {
                    "versions-only entry"
                } else if is_prerelease_below_introduced(eco, v, &evaluable) {
                    "pre-release below introduced"
                } else if evaluable.iter().any(|r| overlapping(eco, r)) {
                    "overlapping intervals"
                } else {
                    unexplained.push(format!("{} {v}", r.id));
                    continue;
                };
                *reasons.entry(reason).or_default() += 1;
            }
        }
    }
    assert!(checked > 50_000, "only {checked} listed versions");
    assert!(unexplained.is_empty(), "{unexplained:#?}");
    eprintln!("{checked} listed versions; exceptions: {reasons:?}");
}

fn is_prerelease_below_introduced(
    eco: Ecosystem,
    v: &str,
    ranges: &[&fnguard_deps::osv::Range],
) -> bool {
    let pre = ["a", "b", "rc", "dev"].iter().any(|m| v.contains(m));
    pre && ranges.iter().any(|r| {
        r.events
            .iter()
            .filter_map(|e| e.introduced.as_deref())
            .any(|i| {
                i != "0"
                    && eco.compare(v, i) == std::cmp::Ordering::Less
                    && v.starts_with(i.trim_end_matches(".0"))
            })
    })
}

/// Pairs each `introduced` with the next end as written and checks whether two intervals overlap.
fn overlapping(eco: Ecosystem, r: &fnguard_deps::osv::Range) -> bool {
    let mut intervals: Vec<(String, Option<String>)> = Vec::new();
    for e in &r.events {
        if let Some(i) = &e.introduced {
            intervals.push((i.clone(), None));
        }
        if let Some(end) = e.fixed.as_ref().or(e.last_affected.as_ref()) {
            if let Some(last) = intervals.last_mut() {
                last.1 = Some(end.clone());
            }
        }
    }
    let lt =
        |a: &str, b: &str| a == "0" && b != "0" || eco.compare(a, b) == std::cmp::Ordering::Less;
    for (i, (s1, e1)) in intervals.iter().enumerate() {
        for (s2, e2) in intervals.iter().skip(i + 1) {
            let before =
                |end: &Option<String>, start: &str| end.as_deref().is_some_and(|e| !lt(start, e));
            if !(before(e1, s2) || before(e2, s1)) {
                return true;
            }
        }
    }
    false
}

mod intervals {
    use super::*;
    use proptest::prelude::*;

    fn semver() -> impl Strategy<Value = (u32, u32, u32)> {
        (0u32..4, 0u32..4, 0u32..4)
    }

    fn text(v: (u32, u32, u32)) -> String {
        format!("{}.{}.{}", v.0, v.1, v.2)
    }

    proptest! {
        /// Two intervals in one range, written in either order: a version is affected exactly
        /// when it lies in one of them, and the suggested fix closes the interval it lies in.
        #[test]
        fn affected_iff_inside_an_interval(
            a in semver(), b in semver(), c in semver(), d in semver(), v in semver(),
            swap in any::<bool>(),
        ) {
            let mut bounds = [a, b, c, d];
            bounds.sort();
            prop_assume!(bounds[0] < bounds[1] && bounds[1] < bounds[2] && bounds[2] < bounds[3]);
            let first = format!(r#"{{"introduced":"{}"}},{{"fixed":"{}"}}"#, text(bounds[0]), text(bounds[1]));
            let second = format!(r#"{{"introduced":"{}"}},{{"fixed":"{}"}}"#, text(bounds[2]), text(bounds[3]));
            let events = if swap { format!("{second},{first}") } else { format!("{first},{second}") };
            let r = record(&format!(
                r#"{{"id":"P-1","affected":[{{"package":{{"ecosystem":"npm","name":"p"}},"ranges":[{{"type":"SEMVER","events":[{events}]}}]}}]}}"#
            ));
            let want = if bounds[0] <= v && v < bounds[1] {
                Some(Some(text(bounds[1])))
            } else if bounds[2] <= v && v < bounds[3] {
                Some(Some(text(bounds[3])))
            } else {
                None
            };
            prop_assert_eq!(affected(&r, Ecosystem::Npm, "p", &text(v)), want);
        }
    }
}
