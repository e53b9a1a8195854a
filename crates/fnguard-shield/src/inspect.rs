//! Matching attacker-controlled values against the rules in `data/rules.toml`, within a time
//! budget. One `RegexSet` pass per value finds every rule that matches; the regex engine is
//! linear in the input, so a hostile value cannot make inspection explode.

use crate::envelope::{Envelope, Field};
use regex::bytes::Regex;
use regex_automata::{meta, Input, MatchKind, PatternSet};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

const BUILTIN: &str = include_str!("../data/rules.toml");

#[derive(Debug, Clone, Deserialize)]
struct RuleFile {
    rule: Vec<RuleSpec>,
}

#[derive(Debug, Clone, Deserialize)]
struct RuleSpec {
    id: String,
    class: String,
    description: String,
    pattern: String,
    #[serde(default)]
    keys: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    pub rule: String,
    pub class: String,
    pub description: String,
    pub record: Option<usize>,
    pub path: String,
    /// The matched text, cut to 120 characters and with control characters escaped.
    pub excerpt: String,
}

#[derive(Debug, Default)]
pub struct Inspection {
    pub hits: Vec<Hit>,
    /// The budget ran out before every value was inspected.
    pub incomplete: bool,
    pub fields_inspected: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("rules file: {0}")]
    Parse(String),
    #[error("rule `{id}`: pattern does not compile: {reason}")]
    Pattern { id: String, reason: String },
}

pub struct Detector {
    values: Set,
    keys: Set,
    /// Matcher caches kept from one event to the next (making them costs more than matching
    /// a small event), unless the last inspection was slow: a crafted value can leave a lazy
    /// DFA cache that makes every later search slow, so such a cache is thrown away.
    caches: std::sync::Mutex<Option<(meta::Cache, meta::Cache)>>,
}

/// An inspection slower than this leaves fresh matcher caches for the next event.
const SLOW_INSPECTION: Duration = Duration::from_millis(2);

struct Set {
    /// All the rules in one automaton. Matched with a cache made for each event, so that no
    /// matcher state (a lazy DFA cache a crafted value has filled or made give up) carries over
    /// from one event to the next.
    set: meta::Regex,
    /// Single rules, built on their first hit (only to cut the excerpt): most never fire, and
    /// building them all would double the extension's init time.
    each: Vec<std::sync::OnceLock<Option<Regex>>>,
    patterns: Vec<String>,
    specs: Vec<RuleSpec>,
}

impl Set {
    fn new(specs: Vec<RuleSpec>) -> Result<Set, RulesError> {
        // ASCII semantics (`(?-u)`): payload syntax is ASCII, and Unicode classes would make
        // the automata several times larger and slower to build (extension init time).
        let patterns: Vec<String> = specs
            .iter()
            .map(|s| format!("(?i-u){}", s.pattern))
            .collect();
        // Parsing each pattern alone names the rule whose pattern is broken.
        for (spec, p) in specs.iter().zip(&patterns) {
            regex_syntax::ast::parse::Parser::new()
                .parse(p)
                .map_err(|e| RulesError::Pattern {
                    id: spec.id.clone(),
                    reason: e.to_string(),
                })?;
        }
        let set = meta::Builder::new()
            .configure(
                meta::Config::new()
                    .match_kind(MatchKind::All)
                    .utf8_empty(false)
                    .nfa_size_limit(Some(64 << 20)),
            )
            .syntax(regex_automata::util::syntax::Config::new().utf8(false))
            .build_many(&patterns)
            .map_err(|e| RulesError::Pattern {
                id: "(set)".into(),
                reason: e.to_string(),
            })?;
        let each = patterns
            .iter()
            .map(|_| std::sync::OnceLock::new())
            .collect();
        Ok(Set {
            set,
            each,
            patterns,
            specs,
        })
    }
}

impl Detector {
    pub fn builtin() -> Result<Detector, RulesError> {
        Detector::from_toml(BUILTIN)
    }

    pub fn from_toml(text: &str) -> Result<Detector, RulesError> {
        let file: RuleFile = toml::from_str(text).map_err(|e| RulesError::Parse(e.to_string()))?;
        let (keys, values): (Vec<RuleSpec>, Vec<RuleSpec>) =
            file.rule.into_iter().partition(|r| r.keys);
        Ok(Detector {
            values: Set::new(values)?,
            keys: Set::new(keys)?,
            caches: std::sync::Mutex::new(None),
        })
    }

    pub fn rule_count(&self) -> usize {
        self.values.specs.len() + self.keys.specs.len()
    }

    pub fn inspect(&self, env: &Envelope, budget: Duration) -> Inspection {
        let start = Instant::now();
        let mut out = Inspection::default();
        let kept = self.caches.lock().ok().and_then(|mut c| c.take());
        let mut caches =
            kept.unwrap_or_else(|| (self.values.set.create_cache(), self.keys.set.create_cache()));
        for (n, field) in env.fields.iter().enumerate() {
            // Checking the clock costs more than matching a short value: every 32 fields.
            if n % 32 == 31 && start.elapsed() > budget {
                out.incomplete = true;
                break;
            }
            out.fields_inspected += 1;
            let (set, cache) = if field.is_key {
                (&self.keys, &mut caches.1)
            } else {
                (&self.values, &mut caches.0)
            };
            self.match_field(set, cache, field, &mut out.hits);
        }
        if start.elapsed() < SLOW_INSPECTION {
            if let Ok(mut c) = self.caches.lock() {
                *c = Some(caches);
            }
        }
        out
    }

    fn match_field(&self, set: &Set, cache: &mut meta::Cache, field: &Field, hits: &mut Vec<Hit>) {
        for candidate in variants(&field.value) {
            let mut matched = PatternSet::new(set.set.pattern_len());
            set.set.which_overlapping_matches_with(
                cache,
                &Input::new(candidate.as_bytes()),
                &mut matched,
            );
            for i in matched.iter().map(|p| p.as_usize()) {
                let spec = &set.specs[i];
                if hits
                    .iter()
                    .any(|h| h.rule == spec.id && h.path == field.path && h.record == field.record)
                {
                    continue;
                }
                let matched = set.each[i]
                    .get_or_init(|| Regex::new(&set.patterns[i]).ok())
                    .as_ref()
                    .and_then(|r| r.find(candidate.as_bytes()))
                    .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
                    .unwrap_or_default();
                hits.push(Hit {
                    rule: spec.id.clone(),
                    class: spec.class.clone(),
                    description: spec.description.clone(),
                    record: field.record,
                    path: field.path.clone(),
                    excerpt: excerpt(&matched),
                });
            }
        }
    }
}

/// The value as given, and percent-decoded once and twice when that changes it (payloads are
/// often encoded again to slip past filters that decode once).
fn variants(value: &str) -> Vec<std::borrow::Cow<'_, str>> {
    let mut out = vec![std::borrow::Cow::Borrowed(value)];
    let mut current = value.to_string();
    for _ in 0..2 {
        if !current.contains('%') {
            break;
        }
        let decoded = percent_encoding::percent_decode_str(&current)
            .decode_utf8_lossy()
            .into_owned();
        if decoded == current {
            break;
        }
        out.push(std::borrow::Cow::Owned(decoded.clone()));
        current = decoded;
    }
    out
}

fn excerpt(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().take(120) {
        if c.is_control() {
            out.push_str(&c.escape_default().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_compile() {
        let d = Detector::builtin().unwrap();
        assert!(d.rule_count() >= 15);
    }

    #[test]
    fn a_bad_pattern_names_its_rule() {
        let err = Detector::from_toml(
            "[[rule]]\nid = \"broken\"\nclass = \"x\"\ndescription = \"d\"\npattern = \"(\"\n",
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("`broken`"), "{err}");
    }

    #[test]
    fn doubly_encoded_values_are_decoded() {
        let v = variants("..%252f..%252fetc%252fpasswd");
        assert_eq!(v.last().unwrap(), "../../etc/passwd");
    }
}
