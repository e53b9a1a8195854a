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

/// Each rule's lazy DFA cache: which of its states have been worked out. Boxed: a search
/// takes a rule's cache and puts it back, and moving the cache itself (a few hundred bytes)
/// six times per search was 4 % of a short value's first look.
#[derive(Default)]
pub struct Caches {
    per_rule: Vec<Option<Box<Cache>>>,
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
    cache: Box<Cache>,
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

    /// Whether rule `rule`'s full DFA should read the next `len` bytes (counts them).
    fn dense_now(&self, rule: usize, len: usize) -> bool {
        let read = self
            .read_lazily
            .get(rule)
            .map_or(0, |r| r.fetch_add(len, Ordering::Relaxed));
        read.saturating_add(len) > self.dense_after
    }

    /// Which of `rules` (ascending) match somewhere in `text`, in ascending order.
    pub fn matching(&self, caches: &mut Caches, text: &[u8], rules: &[usize]) -> Vec<usize> {
        self.matching_within(caches, text, rules, &Windows::default())
    }

    /// `matching`, where a rule with windows (`windows.of(i)` for `rules[i]`, sorted by their
    /// start) is read only from each window's start until none of its partial matches is
    /// alive past the window's atom: every match of the rule holds one of its atoms, and
    /// starts no earlier than the window of that occurrence does.
    pub fn matching_within(
        &self,
        caches: &mut Caches,
        text: &[u8],
        rules: &[usize],
        windows: &Windows,
    ) -> Vec<usize> {
        let mut found = Found::default();
        if caches.per_rule.len() < self.lazy.len() {
            caches.per_rule.resize_with(self.lazy.len(), || None);
        }
        let input = Input::new(text);
        let mut lazy: Vec<LazyLane> = Vec::new();
        let mut dense: Vec<DenseLane> = Vec::new();
        for (k, &rule) in rules.iter().enumerate() {
            if let Some(windows) = windows.of(k) {
                self.read_windows(caches, text, rule, windows)
                    .record(rule, &mut found);
                continue;
            }
            if let Some(dfa) = self.dense(rule, self.dense_now(rule, text.len())) {
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
                .unwrap_or_else(|| Box::new(dfa.create_cache()));
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

    /// Rule `rule` read over `windows` of `text` alone (the windows are short: lock step
    /// would not pay).
    fn read_windows(
        &self,
        caches: &mut Caches,
        text: &[u8],
        rule: usize,
        windows: &[Window],
    ) -> Outcome {
        // Bytes read in windows count towards the full DFA, not the text's length: windows
        // usually cover a small part of it.
        let build = self
            .read_lazily
            .get(rule)
            .is_some_and(|r| r.load(Ordering::Relaxed) > self.dense_after);
        if let Some(dfa) = self.dense(rule, build) {
            let Some(starts) = dense_starts(dfa) else {
                return Outcome::Undecided;
            };
            return search_windows(&mut WindowedDense { dfa, starts }, text, windows).0;
        }
        let (Some(dfa), Some(slot)) = (self.lazy.get(rule), caches.per_rule.get_mut(rule)) else {
            return Outcome::NoMatch;
        };
        let mut lane = WindowedLazy {
            dfa,
            cache: slot.take().unwrap_or_else(|| Box::new(dfa.create_cache())),
            starts: [LazyStateID::default(); 4],
            clears: 0,
        };
        // Start states worked out with no clear of the cache in between (a clear halfway would
        // leave some numbered the old way).
        let (outcome, read) = if lane.renumber() {
            search_windows(&mut lane, text, windows)
        } else {
            (Outcome::Undecided, 0)
        };
        *slot = Some(lane.cache);
        if let Some(r) = self.read_lazily.get(rule) {
            r.fetch_add(read, Ordering::Relaxed);
        }
        outcome
    }
}

/// For each rule a value may match (by its place in the list of them), the windows of the
/// value its automaton reads, or none: the whole value. The lists are kept from one value to
/// the next (a short value's first look allocated a list per rule).
#[derive(Default)]
pub struct Windows {
    lists: Vec<Vec<Window>>,
    whole: Vec<bool>,
    rules: usize,
}

impl Windows {
    /// `rules` rules, each to be read over the whole value.
    pub fn whole(&mut self, rules: usize) {
        self.rules = rules;
        self.whole.clear();
        self.whole.resize(rules, true);
        if self.lists.len() < rules {
            self.lists.resize_with(rules, Vec::new);
        }
        for list in &mut self.lists[..rules] {
            list.clear();
        }
    }

    /// The `k`th rule is read over windows (none yet).
    pub fn use_windows(&mut self, k: usize) {
        if let (Some(whole), Some(list)) = (self.whole.get_mut(k), self.lists.get_mut(k)) {
            *whole = false;
            list.clear();
        }
    }

    /// The `k`th rule is read over the whole value after all.
    pub fn read_whole(&mut self, k: usize) {
        if let Some(whole) = self.whole.get_mut(k) {
            *whole = true;
        }
    }

    /// Adds a window of the `k`th rule, if it reads windows.
    pub fn push(&mut self, k: usize, window: Window) {
        if let (Some(false), Some(list)) = (self.whole.get(k), self.lists.get_mut(k)) {
            list.push(window);
        }
    }

    /// Whether any rule reads windows.
    pub fn any(&self) -> bool {
        self.whole.iter().any(|w| !w)
    }

    /// Sorts each rule's windows by their start.
    pub fn sort(&mut self) {
        for (list, whole) in self.lists.iter_mut().zip(&self.whole) {
            if !whole {
                list.sort_unstable();
            }
        }
    }

    /// The `k`th rule's windows, or `None` if it reads the whole value.
    pub fn of(&self, k: usize) -> Option<&[Window]> {
        match self.whole.get(k) {
            Some(false) if k < self.rules => self.lists.get(k).map(Vec::as_slice),
            _ => None,
        }
    }

    /// Windows in all (for tests).
    #[cfg(test)]
    pub fn count(&self) -> usize {
        (0..self.rules)
            .filter_map(|k| self.of(k))
            .map(<[Window]>::len)
            .sum()
    }
}

/// Where a rule's match may start (`from`), for one occurrence of one of its atoms (`atom`,
/// where the atom starts): no match holding that occurrence starts before `from`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Window {
    pub from: usize,
    pub atom: usize,
}

/// The start state an automaton returns to when no partial match is alive depends on the
/// byte before (a word byte, a line end, another byte): each kind's sample text, whose second
/// byte is where a search would start.
const START_KINDS: [&[u8]; 4] = [b" x", b"\nx", b"\rx", b"ax"];

/// The kind (index in `START_KINDS`) of the byte before a position.
fn start_kind(byte: u8) -> usize {
    match byte {
        b'\n' => 1,
        b'\r' => 2,
        b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'_' => 3,
        _ => 0,
    }
}

fn dense_starts(dfa: &dense::DFA<Vec<u32>>) -> Option<[StateID; 4]> {
    let mut starts = [StateID::ZERO; 4];
    for (start, sample) in starts.iter_mut().zip(START_KINDS) {
        *start = dfa
            .start_state_forward(&Input::new(sample).range(1..))
            .ok()?;
    }
    Some(starts)
}

fn lazy_starts(dfa: &DFA, cache: &mut Cache) -> Option<[LazyStateID; 4]> {
    let mut starts = [LazyStateID::default(); 4];
    for (start, sample) in starts.iter_mut().zip(START_KINDS) {
        *start = dfa
            .start_state_forward(cache, &Input::new(sample).range(1..))
            .ok()?;
    }
    Some(starts)
}

/// A rule's automaton read from any position, telling when it is back in a start state (the
/// state after a byte that leaves no partial match alive).
trait Windowed {
    type State: Copy;
    fn start_at(&mut self, text: &[u8], at: usize) -> Option<Self::State>;
    /// Reads `text[at..to]` from `state`, and from `watch` on stops when the automaton is back
    /// in a start state: where it stopped (after the byte that took it there), its state, and
    /// how the search ended (`None` while it goes on).
    fn run(
        &mut self,
        state: Self::State,
        text: &[u8],
        at: usize,
        to: usize,
        watch: usize,
    ) -> (usize, Self::State, Option<Outcome>);
    fn finish(&mut self, state: Self::State) -> Outcome;
}

struct WindowedLazy<'a> {
    dfa: &'a DFA,
    cache: Box<Cache>,
    /// The start states (by `start_kind`), valid while the cache has been cleared `clears`
    /// times: a cleared cache numbers its states anew.
    starts: [LazyStateID; 4],
    clears: usize,
}

impl WindowedLazy<'_> {
    /// Works the start states out again after the cache was cleared; false if that cleared
    /// it again (states the caller holds are then stale).
    fn renumber(&mut self) -> bool {
        let before = self.cache.clear_count();
        match lazy_starts(self.dfa, &mut self.cache) {
            Some(starts) => self.starts = starts,
            None => return false,
        }
        self.clears = self.cache.clear_count();
        self.clears == before
    }

    /// The transition a fast read could not take (not worked out yet, or to a match, dead or
    /// quit state).
    #[cold]
    #[inline(never)]
    fn slow_step(&mut self, state: LazyStateID, byte: u8) -> Result<LazyStateID, Outcome> {
        let next = self
            .dfa
            .next_state(&mut self.cache, state, byte)
            .map_err(|_| Outcome::Undecided)?;
        // A state the cache was cleared to make room for is numbered anew, and so are the
        // starts: work them out again (that must not clear it once more).
        if self.cache.clear_count() != self.clears && !self.renumber() {
            return Err(Outcome::Undecided);
        }
        match Outcome::of_lazy(next) {
            Some(outcome) => Err(outcome),
            None => Ok(next),
        }
    }
}

impl Windowed for WindowedLazy<'_> {
    type State = LazyStateID;

    fn start_at(&mut self, text: &[u8], at: usize) -> Option<LazyStateID> {
        let input = Input::new(text).range(at..);
        let state = self.dfa.start_state_forward(&mut self.cache, &input).ok()?;
        if self.cache.clear_count() == self.clears {
            return Some(state);
        }
        // Cleared to make room for the start state: renumber, then ask again (a start state
        // asked for again is found, not added, unless renumbering cleared the cache).
        if !self.renumber() {
            return None;
        }
        let state = self.dfa.start_state_forward(&mut self.cache, &input).ok()?;
        (self.cache.clear_count() == self.clears).then_some(state)
    }

    fn run(
        &mut self,
        mut state: LazyStateID,
        text: &[u8],
        at: usize,
        to: usize,
        watch: usize,
    ) -> (usize, LazyStateID, Option<Outcome>) {
        for (i, &byte) in text.iter().enumerate().take(to).skip(at) {
            let mut next = self.dfa.next_state_untagged(&self.cache, state, byte);
            if next.is_tagged() {
                next = match self.slow_step(state, byte) {
                    Ok(next) => next,
                    Err(outcome) => return (i + 1, state, Some(outcome)),
                };
            }
            state = next;
            if i >= watch && state == self.starts[start_kind(byte)] {
                return (i + 1, state, None);
            }
        }
        (to.max(at), state, None)
    }

    fn finish(&mut self, state: LazyStateID) -> Outcome {
        match self.dfa.next_eoi_state(&mut self.cache, state) {
            Ok(state) => Outcome::of_lazy(state).unwrap_or(Outcome::NoMatch),
            Err(_) => Outcome::Undecided,
        }
    }
}

struct WindowedDense<'a> {
    dfa: &'a dense::DFA<Vec<u32>>,
    starts: [StateID; 4],
}

impl Windowed for WindowedDense<'_> {
    type State = StateID;

    fn start_at(&mut self, text: &[u8], at: usize) -> Option<StateID> {
        self.dfa
            .start_state_forward(&Input::new(text).range(at..))
            .ok()
    }

    fn run(
        &mut self,
        mut state: StateID,
        text: &[u8],
        at: usize,
        to: usize,
        watch: usize,
    ) -> (usize, StateID, Option<Outcome>) {
        for (i, &byte) in text.iter().enumerate().take(to).skip(at) {
            state = self.dfa.next_state(state, byte);
            if self.dfa.is_special_state(state) {
                if let Some(outcome) = Outcome::of_dense(self.dfa, state) {
                    return (i + 1, state, Some(outcome));
                }
            }
            if i >= watch && state == self.starts[start_kind(byte)] {
                return (i + 1, state, None);
            }
        }
        (to.max(at), state, None)
    }

    fn finish(&mut self, state: StateID) -> Outcome {
        let state = self.dfa.next_eoi_state(state);
        Outcome::of_dense(self.dfa, state).unwrap_or(Outcome::NoMatch)
    }
}

/// Reads `text` from each window's start until the automaton is back in its start state past
/// the atom of every window it has entered: no match that starts before there is alive, and
/// any later match holds a later atom. Windows whose atom lies before that point are done.
/// Returns how the search came out and how many bytes it read.
fn search_windows<W: Windowed>(
    automaton: &mut W,
    text: &[u8],
    windows: &[Window],
) -> (Outcome, usize) {
    // Every match that starts before `covered` has been ruled out.
    let mut covered = 0;
    let mut read = 0;
    let mut next = 0;
    while let Some(window) = windows.get(next) {
        next += 1;
        if window.atom < covered {
            continue;
        }
        let mut at = window.from.max(covered);
        let mut reach = window.atom;
        let Some(mut state) = automaton.start_at(text, at) else {
            return (Outcome::Undecided, read);
        };
        loop {
            // Windows that start where the automaton already reads are read with this one.
            while let Some(w) = windows.get(next).filter(|w| w.from <= at) {
                reach = reach.max(w.atom);
                next += 1;
            }
            let to = windows.get(next).map_or(text.len(), |w| w.from);
            // A start state matters once past the atoms: it says no match that started before
            // is alive.
            let (stop, after, ended) = automaton.run(state, text, at, to, reach);
            read += stop - at;
            (at, state) = (stop, after);
            if let Some(outcome) = ended {
                return (outcome, read);
            }
            if at >= text.len() {
                return (automaton.finish(state), read);
            }
            // Back at the start (or at the next window): done once past every atom entered.
            if at > reach && at < to {
                covered = at;
                break;
            }
        }
    }
    (Outcome::NoMatch, read)
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

    /// The built-in rules' patterns as written.
    fn raw_rules() -> Vec<String> {
        let file: toml::Value = toml::from_str(include_str!("../data/rules.toml")).unwrap();
        file["rule"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["pattern"].as_str().unwrap().to_string())
            .collect()
    }

    /// The built-in rules' patterns as matched.
    fn rules() -> Vec<String> {
        raw_rules().iter().map(|p| format!("(?i-u){p}")).collect()
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

    /// Longer texts than `texts`: pieces of payloads between words, so that windows are
    /// many, far apart, and close enough to merge.
    fn long_texts() -> Vec<Vec<u8>> {
        let pieces = texts();
        let fillers: [&[u8]; 6] = [b"lorem ipsum ", b" ", b"x", b"\n", b"word_", b"  \t  "];
        let mut x: u64 = 7;
        let mut out = Vec::new();
        for _ in 0..1500 {
            let mut t = Vec::new();
            for _ in 0..12 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                t.extend_from_slice(&pieces[(x >> 33) as usize % pieces.len()]);
                for _ in 0..(x >> 20) % 4 {
                    t.extend_from_slice(fillers[(x >> 40) as usize % fillers.len()]);
                }
            }
            out.push(t);
        }
        out
    }

    #[test]
    fn windows_find_what_reading_the_whole_text_finds() {
        let raw_rules = raw_rules();
        let raw: Vec<&str> = raw_rules.iter().map(String::as_str).collect();
        let patterns = rules();
        let reference = reference(&patterns);
        let prefilter = crate::atoms::Prefilter::new(&raw).windows_however_many();
        let mut caches = Caches::default();
        // One plan for every text, as in an event: lists left from one must not leak into the
        // next.
        let mut plan = crate::atoms::Plan::default();
        let (mut windowed, mut matched) = (0, 0);
        for dense_after in [0, usize::MAX] {
            let rules = Rules::new(&patterns).unwrap().full_dfas_after(dense_after);
            for t in texts().into_iter().chain(long_texts()) {
                let expected = reference(&t);
                let (may, triggers) = prefilter.scan(&t);
                if may {
                    prefilter.plan(&triggers, &t, &mut plan);
                } else {
                    plan.rules.clear();
                    plan.windows.whole(0);
                }
                windowed += plan.windows.count();
                let found = rules.matching_within(&mut caches, &t, &plan.rules, &plan.windows);
                assert_eq!(found, expected, "{:?}", String::from_utf8_lossy(&t));
                matched += usize::from(!expected.is_empty());
            }
        }
        assert!(windowed > 20_000 && matched > 2_000, "{windowed} {matched}");
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
