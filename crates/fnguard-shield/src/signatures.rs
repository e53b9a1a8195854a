//! The signature rules' matcher: an automaton per rule, and the rules whose atoms occur in a
//! value run over it together, in lock step.
//!
//! Why not one automaton for all the rules: its states are sets of partial matches of every
//! rule at once. Text made of the starts of many rules' payloads, each cut short, meets a new
//! combination every few bytes; each is worked out when first met, the cache fills, and the
//! automaton gave up for the slow engine (120 ms per MB of such text). One rule's automaton
//! has a few hundred states whatever the text.
//!
//! Why lock step: a DFA search is a chain of dependent loads, one per byte. The chains of
//! several rules are independent, so read together they cost little more than one.
//!
//! Why two kinds of automaton: a rule's full DFA reads a byte in two thirds of the time of its
//! lazy DFA (no cache to consult, no state to work out), but takes up to 13 ms to build. It is
//! built once the rule's lazy DFA has read `DENSE_AFTER` bytes in the process, which took
//! longer than the build: a function that sees a payload now and then never pays for it, one
//! under a flood of them pays it once. Until then, and for user rules too large for one, the
//! lazy DFA reads.

use regex_automata::dfa::{dense, Automaton};
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::hybrid::LazyStateID;
use regex_automata::nfa::thompson;
use regex_automata::util::primitives::StateID;
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Largest compiled rule (the same bound the rules were always compiled under).
const NFA_SIZE_LIMIT: usize = 64 << 20;

/// Largest full DFA built for one rule (the built-in rules' largest is about 320 KB).
const DENSE_SIZE_LIMIT: usize = 8 << 20;

/// A rule's full DFA is built once its lazy DFA has read this many bytes.
const DENSE_AFTER: usize = 4 << 20;

/// Rules read in lock step (more would not fit the registers).
const LANES: usize = 4;

pub struct Rules {
    patterns: Vec<String>,
    /// Each rule as a regex, built on first use: it cuts a hit's excerpt, and decides what a
    /// rule's automaton could not. Most never fire.
    regexes: Vec<OnceLock<Option<regex::bytes::Regex>>>,
    lazy: Vec<DFA>,
    dense: Vec<OnceLock<Option<dense::DFA<Vec<u32>>>>>,
    /// Bytes each rule's lazy DFA has read, until its full DFA is built.
    read_lazily: Vec<AtomicUsize>,
    /// `DENSE_AFTER` (the tests read every text both ways).
    dense_after: usize,
}

/// Each rule's lazy DFA cache: which of its states have been worked out.
#[derive(Default)]
pub struct Caches {
    per_rule: Vec<Option<Cache>>,
}

/// What the automata found: the rules that match, and those they could not decide (a
/// Unicode word boundary next to a non-ASCII byte, or a lazy DFA that gave up).
#[derive(Default)]
struct Found {
    matched: Vec<usize>,
    undecided: Vec<usize>,
}

/// One rule's search in progress, a byte at a time.
trait Lane {
    fn rule(&self) -> usize;
    /// Reads `byte`: `None` while the search goes on.
    fn step(&mut self, byte: u8) -> Option<Outcome>;
    /// The end of the text: how the search came out.
    fn finish(&mut self) -> Outcome;

    /// Reads `text` from `at` with the `N` lanes of `group` in lock step, until one of them
    /// ends: the position after the byte it ended on (every lane has read that byte) and how
    /// each lane that ended did; or the end of the text.
    fn lock_step<const N: usize>(
        group: &mut [Self],
        text: &[u8],
        at: usize,
    ) -> (usize, [Option<Outcome>; LANES])
    where
        Self: Sized,
    {
        lock_step::<Self, N>(group, text, at)
    }
}

struct LazyLane<'a> {
    rule: usize,
    dfa: &'a DFA,
    cache: Cache,
    state: LazyStateID,
}

struct DenseLane<'a> {
    rule: usize,
    dfa: &'a dense::DFA<Vec<u32>>,
    state: StateID,
}

impl Lane for LazyLane<'_> {
    fn rule(&self) -> usize {
        self.rule
    }

    /// A transition already worked out is read without a mutable borrow of the cache (the
    /// loop keeps what it loads from it); the others are worked out apart.
    #[inline(always)]
    fn step(&mut self, byte: u8) -> Option<Outcome> {
        let next = self.dfa.next_state_untagged(&self.cache, self.state, byte);
        if next.is_tagged() {
            return self.step_tagged(byte);
        }
        self.state = next;
        None
    }

    fn finish(&mut self) -> Outcome {
        match self.dfa.next_eoi_state(&mut self.cache, self.state) {
            Ok(state) => Outcome::of_lazy(state).unwrap_or(Outcome::NoMatch),
            Err(_) => Outcome::Undecided,
        }
    }
}

impl LazyLane<'_> {
    /// A transition not worked out yet, or to a match, dead or quit state.
    #[cold]
    #[inline(never)]
    fn step_tagged(&mut self, byte: u8) -> Option<Outcome> {
        match self.dfa.next_state(&mut self.cache, self.state, byte) {
            Ok(state) => {
                self.state = state;
                if state.is_tagged() {
                    Outcome::of_lazy(state)
                } else {
                    None
                }
            }
            Err(_) => Some(Outcome::Undecided),
        }
    }
}

impl Lane for DenseLane<'_> {
    fn rule(&self) -> usize {
        self.rule
    }

    #[inline(always)]
    fn step(&mut self, byte: u8) -> Option<Outcome> {
        self.state = self.dfa.next_state(self.state, byte);
        if self.dfa.is_special_state(self.state) {
            Outcome::of_dense(self.dfa, self.state)
        } else {
            None
        }
    }

    fn finish(&mut self) -> Outcome {
        let state = self.dfa.next_eoi_state(self.state);
        Outcome::of_dense(self.dfa, state).unwrap_or(Outcome::NoMatch)
    }

    /// As `lock_step`, with the states and automata held in locals: the loop stores nothing
    /// to memory, so what it loads from the automata stays loaded (twice as fast).
    fn lock_step<const N: usize>(
        group: &mut [Self],
        text: &[u8],
        at: usize,
    ) -> (usize, [Option<Outcome>; LANES]) {
        let mut outcomes: [Option<Outcome>; LANES] = [None; LANES];
        let Ok(lanes) = <&mut [Self; N]>::try_from(group) else {
            return (text.len(), outcomes);
        };
        let dfas: [&dense::DFA<Vec<u32>>; N] = std::array::from_fn(|k| lanes[k].dfa);
        let mut states: [StateID; N] = std::array::from_fn(|k| lanes[k].state);
        let mut end = text.len();
        for (i, &byte) in text.iter().enumerate().skip(at) {
            let mut special = false;
            for (state, dfa) in states.iter_mut().zip(dfas) {
                *state = dfa.next_state(*state, byte);
                special |= dfa.is_special_state(*state);
            }
            if special {
                for ((state, dfa), outcome) in states.iter().zip(dfas).zip(outcomes.iter_mut()) {
                    if dfa.is_special_state(*state) {
                        *outcome = Outcome::of_dense(dfa, *state);
                    }
                }
                if outcomes.iter().any(Option::is_some) {
                    end = i + 1;
                    break;
                }
            }
        }
        for (lane, state) in lanes.iter_mut().zip(states) {
            lane.state = state;
        }
        (end, outcomes)
    }
}

impl Rules {
    /// `patterns` as they are matched (flags included); the error names the pattern's index.
    pub fn new(patterns: &[String]) -> Result<Rules, (usize, String)> {
        let lazy = patterns
            .iter()
            .enumerate()
            .map(|(i, p)| {
                DFA::builder()
                    .configure(
                        DFA::config()
                            .match_kind(MatchKind::LeftmostFirst)
                            // A Unicode word boundary is read as ASCII until a non-ASCII byte,
                            // where the search says it cannot decide (then the rule's own
                            // regex decides).
                            .unicode_word_boundary(true),
                    )
                    .syntax(syntax::Config::new().utf8(false))
                    .thompson(compiler())
                    .build(p)
                    .map_err(|e| (i, e.to_string()))
            })
            .collect::<Result<Vec<DFA>, _>>()?;
        Ok(Rules {
            patterns: patterns.to_vec(),
            regexes: patterns.iter().map(|_| OnceLock::new()).collect(),
            dense: lazy.iter().map(|_| OnceLock::new()).collect(),
            read_lazily: lazy.iter().map(|_| AtomicUsize::new(0)).collect(),
            lazy,
            dense_after: DENSE_AFTER,
        })
    }

    /// The same rules, with each rule's full DFA built once its lazy one has read more than
    /// `bytes` (0: from the first byte; `usize::MAX`: never), to compare the two.
    pub fn full_dfas_after(self, bytes: usize) -> Rules {
        Rules {
            dense_after: bytes,
            ..self
        }
    }

    /// Rule `rule` as a regex (built on first use).
    pub fn regex(&self, rule: usize) -> Option<&regex::bytes::Regex> {
        self.regexes
            .get(rule)?
            .get_or_init(|| {
                regex::bytes::RegexBuilder::new(self.patterns.get(rule)?)
                    .size_limit(NFA_SIZE_LIMIT)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lazy.len()
    }

    /// Rule `rule`'s full DFA: built now if `build`, else only if it was already.
    fn dense(&self, rule: usize, build: bool) -> Option<&dense::DFA<Vec<u32>>> {
        let cell = self.dense.get(rule)?;
        if !build {
            return cell.get()?.as_ref();
        }
        cell.get_or_init(|| {
            dense::Builder::new()
                .configure(
                    dense::Config::new()
                        .match_kind(MatchKind::LeftmostFirst)
                        .unicode_word_boundary(true)
                        // Accelerated states would be special states: every byte they cover
                        // would leave the lock step.
                        .accelerate(false)
                        .minimize(false)
                        .dfa_size_limit(Some(DENSE_SIZE_LIMIT))
                        .determinize_size_limit(Some(2 * DENSE_SIZE_LIMIT)),
                )
                .syntax(syntax::Config::new().utf8(false))
                .thompson(compiler())
                .build(self.patterns.get(rule)?)
                .ok()
        })
        .as_ref()
    }

    /// Which of `rules` (ascending) match somewhere in `text`, in ascending order.
    pub fn matching(&self, caches: &mut Caches, text: &[u8], rules: &[usize]) -> Vec<usize> {
        let mut found = Found::default();
        if caches.per_rule.len() < self.lazy.len() {
            caches.per_rule.resize_with(self.lazy.len(), || None);
        }
        let input = Input::new(text);
        let mut lazy: Vec<LazyLane> = Vec::new();
        let mut dense: Vec<DenseLane> = Vec::new();
        for &rule in rules {
            let read = self
                .read_lazily
                .get(rule)
                .map_or(0, |r| r.fetch_add(text.len(), Ordering::Relaxed));
            if let Some(dfa) = self.dense(rule, read.saturating_add(text.len()) > self.dense_after)
            {
                match dfa.start_state_forward(&input) {
                    Ok(state) => dense.push(DenseLane { rule, dfa, state }),
                    Err(_) => found.undecided.push(rule),
                }
                continue;
            }
            let Some(dfa) = self.lazy.get(rule) else {
                continue;
            };
            let mut cache = caches.per_rule[rule]
                .take()
                .unwrap_or_else(|| dfa.create_cache());
            match dfa.start_state_forward(&mut cache, &input) {
                Ok(state) => lazy.push(LazyLane {
                    rule,
                    dfa,
                    cache,
                    state,
                }),
                Err(_) => {
                    found.undecided.push(rule);
                    caches.per_rule[rule] = Some(cache);
                }
            }
        }
        // Full DFAs keep nothing between searches.
        read(dense, text, &mut found);
        for lane in read(lazy, text, &mut found) {
            caches.per_rule[lane.rule] = Some(lane.cache);
        }
        for rule in found.undecided {
            if self.regex(rule).is_some_and(|r| r.is_match(text)) {
                found.matched.push(rule);
            }
        }
        found.matched.sort_unstable();
        found.matched
    }
}

fn compiler() -> thompson::Config {
    thompson::Config::new()
        .utf8(false)
        .which_captures(thompson::WhichCaptures::None)
        .nfa_size_limit(Some(NFA_SIZE_LIMIT))
}

/// Runs `lanes` over `text`, four at a time, each to the end of the text or until it ends;
/// records how each came out and gives the lanes back.
fn read<L: Lane>(mut lanes: Vec<L>, text: &[u8], found: &mut Found) -> Vec<L> {
    let mut done: Vec<L> = Vec::with_capacity(lanes.len());
    while !lanes.is_empty() {
        // Groups as even as can be (five lanes read as three and two, not four and one: a
        // lane alone costs nearly what three do).
        let take = lanes.len().div_ceil(lanes.len().div_ceil(LANES));
        let mut group: Vec<L> = lanes.drain(..take).collect();
        let mut at = 0;
        while !group.is_empty() && at < text.len() {
            let (next, outcomes) = match group.len() {
                1 => L::lock_step::<1>(&mut group, text, at),
                2 => L::lock_step::<2>(&mut group, text, at),
                3 => L::lock_step::<3>(&mut group, text, at),
                _ => L::lock_step::<LANES>(&mut group, text, at),
            };
            at = next;
            // Ended lanes leave the group, last first so that the indices hold.
            for (k, outcome) in outcomes.into_iter().enumerate().rev() {
                if let Some(outcome) = outcome {
                    let lane = group.remove(k);
                    outcome.record(lane.rule(), found);
                    done.push(lane);
                }
            }
        }
        for mut lane in group {
            lane.finish().record(lane.rule(), found);
            done.push(lane);
        }
    }
    done
}

/// `Lane::lock_step`, a lane at a time through `Lane::step`.
fn lock_step<L: Lane, const N: usize>(
    group: &mut [L],
    text: &[u8],
    mut at: usize,
) -> (usize, [Option<Outcome>; LANES]) {
    let mut outcomes: [Option<Outcome>; LANES] = [None, None, None, None];
    let Ok(lanes) = <&mut [L; N]>::try_from(group) else {
        return (text.len(), outcomes);
    };
    while let Some(&byte) = text.get(at) {
        at += 1;
        let mut any = false;
        for (lane, outcome) in lanes.iter_mut().zip(outcomes.iter_mut()) {
            if let Some(o) = lane.step(byte) {
                *outcome = Some(o);
                any = true;
            }
        }
        if any {
            break;
        }
    }
    (at, outcomes)
}

#[derive(Clone, Copy)]
enum Outcome {
    Matched,
    NoMatch,
    Undecided,
}

impl Outcome {
    /// What a tagged lazy state says, if the search is over (a match is seen one byte late:
    /// the state after the match's last byte, or the end-of-text state, is the match state).
    fn of_lazy(state: LazyStateID) -> Option<Outcome> {
        if state.is_match() {
            Some(Outcome::Matched)
        } else if state.is_dead() {
            Some(Outcome::NoMatch)
        } else if state.is_quit() {
            Some(Outcome::Undecided)
        } else {
            None
        }
    }

    fn of_dense(dfa: &dense::DFA<Vec<u32>>, state: StateID) -> Option<Outcome> {
        if dfa.is_match_state(state) {
            Some(Outcome::Matched)
        } else if dfa.is_dead_state(state) {
            Some(Outcome::NoMatch)
        } else if dfa.is_quit_state(state) {
            Some(Outcome::Undecided)
        } else {
            None
        }
    }

    fn record(self, rule: usize, found: &mut Found) {
        match self {
            Outcome::Matched => found.matched.push(rule),
            Outcome::Undecided => found.undecided.push(rule),
            Outcome::NoMatch => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_automata::{meta, PatternSet};

    fn rules() -> Vec<String> {
        let file: toml::Value = toml::from_str(include_str!("../data/rules.toml")).unwrap();
        file["rule"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("(?i-u){}", r["pattern"].as_str().unwrap()))
            .collect()
    }

    /// The one automaton for all the rules that this matcher replaced: the reference.
    fn reference(patterns: &[String]) -> impl Fn(&[u8]) -> Vec<usize> {
        let set = meta::Builder::new()
            .configure(
                meta::Config::new()
                    .match_kind(MatchKind::All)
                    .utf8_empty(false)
                    .nfa_size_limit(Some(NFA_SIZE_LIMIT)),
            )
            .syntax(syntax::Config::new().utf8(false))
            .build_many(patterns)
            .unwrap();
        move |text| {
            let mut m = PatternSet::new(set.pattern_len());
            set.which_overlapping_matches(&Input::new(text), &mut m);
            m.iter().map(|p| p.as_usize()).collect()
        }
    }

    fn texts() -> Vec<Vec<u8>> {
        let mut payloads: Vec<String> = Vec::new();
        for text in [
            include_str!("../tests/corpus/attacks.toml"),
            include_str!("../tests/corpus/benign.toml"),
            include_str!("../tests/heldout/attacks.toml"),
            include_str!("../tests/heldout/round5-attacks.toml"),
        ] {
            let t: toml::Value = toml::from_str(text).unwrap();
            for item in t
                .as_table()
                .unwrap()
                .values()
                .filter_map(|v| v.as_array())
                .flatten()
            {
                if let Some(text) = item.as_str() {
                    payloads.push(text.to_string());
                }
                for p in item
                    .get("payloads")
                    .and_then(|v| v.as_array())
                    .into_iter()
                    .flatten()
                {
                    payloads.push(p.as_str().unwrap_or_default().to_string());
                }
            }
        }
        assert!(payloads.len() > 200, "{}", payloads.len());
        let mut texts: Vec<Vec<u8>> = payloads.iter().map(|p| p.as_bytes().to_vec()).collect();
        // Payloads cut at every length and glued to each other: partial matches of several
        // rules alive at once, matches that end at the text's end or start at its start.
        let mut x: u64 = 1;
        for _ in 0..3000 {
            let mut t = Vec::new();
            for _ in 0..4 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let p = payloads[(x >> 33) as usize % payloads.len()].as_bytes();
                let from = (x >> 20) as usize % (p.len() + 1);
                let to = from + (x >> 40) as usize % (p.len() - from + 1);
                t.extend_from_slice(&p[from..to]);
                t.push(b" x'\"\n"[(x >> 50) as usize % 5]);
            }
            texts.push(t);
        }
        texts
    }

    #[test]
    fn finds_what_one_automaton_for_all_rules_finds() {
        let patterns = rules();
        let reference = reference(&patterns);
        // Every text is read by the lazy DFAs, and by the full ones.
        let lazy = Rules::new(&patterns).unwrap().full_dfas_after(usize::MAX);
        let dense = Rules::new(&patterns).unwrap().full_dfas_after(0);
        let all: Vec<usize> = (0..lazy.len()).collect();
        let mut caches = Caches::default();
        let mut matched = 0;
        for t in texts() {
            let expected = reference(&t);
            for rules in [&lazy, &dense] {
                let found = rules.matching(&mut caches, &t, &all);
                assert_eq!(found, expected, "{:?}", String::from_utf8_lossy(&t));
            }
            matched += usize::from(!expected.is_empty());
        }
        assert!(dense
            .dense
            .iter()
            .all(|d| d.get().is_some_and(Option::is_some)));
        assert!(lazy.dense.iter().all(|d| d.get().is_none()));
        assert!(matched > 300, "{matched}");
    }

    #[test]
    fn only_the_rules_asked_about_are_searched() {
        let patterns = vec![r"(?i-u)abc".to_string(), r"(?i-u)\bxyz$".to_string()];
        for dense_after in [0, usize::MAX] {
            let rules = Rules::new(&patterns).unwrap().full_dfas_after(dense_after);
            only_those(&rules);
        }
    }

    fn only_those(rules: &Rules) {
        let mut caches = Caches::default();
        assert_eq!(rules.matching(&mut caches, b"ABC xyz", &[0, 1]), vec![0, 1]);
        assert_eq!(rules.matching(&mut caches, b"ABC xyz", &[1]), vec![1]);
        // Look-around at either end of the text.
        assert!(rules.matching(&mut caches, b"axyz", &[1]).is_empty());
        assert!(rules.matching(&mut caches, b"xyz a", &[1]).is_empty());
        assert!(rules.matching(&mut caches, b"", &[0, 1]).is_empty());
    }

    #[test]
    fn a_rule_its_automaton_cannot_decide_is_decided_by_its_regex() {
        // A Unicode word boundary next to a non-ASCII byte: the automata stop there.
        let patterns = vec![r"(?u)\bcafé\b".to_string()];
        for dense_after in [0, usize::MAX] {
            let rules = Rules::new(&patterns).unwrap().full_dfas_after(dense_after);
            let mut caches = Caches::default();
            assert_eq!(
                rules.matching(&mut caches, "le café".as_bytes(), &[0]),
                vec![0]
            );
            assert!(rules
                .matching(&mut caches, "le cafébar".as_bytes(), &[0])
                .is_empty());
            assert!(rules.matching(&mut caches, b"le cafe", &[0]).is_empty());
        }
    }
}
