//! Required literals of the signature rules: for each pattern, a set of strings one of which
//! every match contains. One case-insensitive Aho-Corasick pass over a value then says whether
//! any rule can match at all, and most values (text without `<!ENTITY`, `rO0AB`, `__import__`)
//! skip the rule automaton entirely: the automaton costs about half of inspecting plain text.

use crate::signatures::{Window, Windows};
use crate::walks::Walk;
use regex_syntax::hir::{Class, Hir, HirKind};

/// Shortest literal worth looking for: shorter ones are in most values anyway.
const MIN_ATOM: usize = 2;

/// Longest atom looked for: a longer one is looked for by its first bytes (any match holds
/// them too, at the same place). The scanner reads a long value as four segments, each from
/// this many bytes early; the detectors' own words are no longer (`information_schema`).
const MAX_ATOM: usize = 18;

/// Classes of at most this many characters (digits, blanks) are read as alternatives.
const SMALL_CLASS: usize = 10;

/// Most alternatives kept for one pattern before it counts as having no usable literal.
const MAX_ATOMS: usize = 64;

/// Every match of `pattern` (matched case-insensitively) contains one of the returned strings
/// (compare them case-insensitively); `None` when the pattern has no such set worth using.
#[cfg(test)]
pub fn required(pattern: &str) -> Option<Vec<Vec<u8>>> {
    Some(with_walks(pattern)?.into_iter().map(|(a, _)| a).collect())
}

/// `required`, each literal with the shape of the text a match has before it (`None` when no
/// walk can follow it).
pub fn with_walks(pattern: &str) -> Option<Vec<(Vec<u8>, Option<Walk>)>> {
    // Parsed case-sensitively: with `(?i)` every letter would be a class. Matching the atoms
    // ASCII-case-insensitively covers what the case-insensitive pattern matches.
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .unicode(false)
        .build()
        .parse(pattern)
        .ok()?;
    let atoms = atoms_of(&hir)?;
    (atoms.set.iter().all(|a| a.len() >= MIN_ATOM) && atoms.set.len() <= MAX_ATOMS)
        .then(|| atoms.set.into_iter().zip(atoms.walks).collect())
}

/// Literals one of which every match contains; `exact` when every match *is* one of them
/// (so that literals of neighbouring parts can be joined: `n(?:c|cat)` → `nc`, `ncat`);
/// `prefix` when every match *starts with* one of them (so that they can end a join:
/// `nc\s+` → `nc `, `nc\t`, ...). `walks[i]` is the shape of the text a match has before
/// `set[i]` (`None`: a shape no walk follows).
struct Atoms {
    set: Vec<Vec<u8>>,
    walks: Vec<Option<Walk>>,
    exact: bool,
    prefix: bool,
}

impl Atoms {
    fn exact(set: Vec<Vec<u8>>) -> Atoms {
        Atoms {
            walks: vec![Some(Walk::default()); set.len()],
            set,
            exact: true,
            prefix: true,
        }
    }

    /// Literals of a part of a concatenation, with what precedes the part (`before`).
    fn after(set: Vec<Vec<u8>>, walks: Vec<Option<Walk>>, before: Option<&Walk>) -> Atoms {
        Atoms {
            walks: walks.into_iter().map(|w| Some(w?.then(before?))).collect(),
            set,
            exact: false,
            prefix: false,
        }
    }

    /// The shortest literal's length, then fewer alternatives: how well the set filters.
    fn quality(&self) -> (usize, usize) {
        (
            self.set.iter().map(Vec::len).min().unwrap_or(0),
            usize::MAX - self.set.len(),
        )
    }
}

/// Every literal of `left` followed by every literal of `right`, if there are not too many.
fn product(left: &[Vec<u8>], right: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    (left.len() * right.len() <= MAX_ATOMS).then(|| {
        left.iter()
            .flat_map(|l| {
                right.iter().map(move |r| {
                    let mut joined = l.clone();
                    joined.extend_from_slice(r);
                    joined
                })
            })
            .collect()
    })
}

fn atoms_of(h: &Hir) -> Option<Atoms> {
    match h.kind() {
        HirKind::Literal(l) => Some(Atoms::exact(vec![l.0.to_vec()])),
        HirKind::Capture(c) => atoms_of(&c.sub),
        // A small class is a few one-character literals (`(?:b|c)` is parsed as `[bc]`).
        HirKind::Class(class) => {
            let mut set = Vec::new();
            match class {
                Class::Bytes(c) => {
                    for r in c.ranges() {
                        if usize::from(r.end() - r.start()) >= SMALL_CLASS {
                            return None;
                        }
                        set.extend((r.start()..=r.end()).map(|b| vec![b]));
                    }
                }
                Class::Unicode(c) => {
                    for r in c.ranges() {
                        if (r.end() as usize) - (r.start() as usize) >= SMALL_CLASS {
                            return None;
                        }
                        set.extend((r.start()..=r.end()).map(|ch| ch.to_string().into_bytes()));
                    }
                }
            }
            (set.len() <= SMALL_CLASS).then(|| Atoms::exact(set))
        }
        // The first repetition starts every match.
        HirKind::Repetition(r) if r.min >= 1 => atoms_of(&r.sub).map(|a| Atoms {
            exact: a.exact && r.max == Some(1) && r.min == 1,
            prefix: a.prefix,
            set: a.set,
            walks: a.walks,
        }),
        HirKind::Alternation(branches) => {
            let mut set = Vec::new();
            let mut walks = Vec::new();
            let mut exact = true;
            let mut prefix = true;
            for b in branches {
                let a = atoms_of(b)?;
                exact &= a.exact;
                prefix &= a.prefix;
                set.extend(a.set);
                walks.extend(a.walks);
                if set.len() > MAX_ATOMS {
                    return None;
                }
            }
            Some(Atoms {
                set,
                walks,
                exact,
                prefix,
            })
        }
        HirKind::Concat(parts) => {
            // Runs of exact parts are joined into products, and a run may end with a part
            // whose matches start with its literals; the best candidate is kept. A run that
            // starts at the first part gives literals every match starts with.
            let mut best: Option<Atoms> = None;
            let mut run: Option<Vec<Vec<u8>>> = None;
            // Where the run starts: its literals have the parts before it before them.
            let mut run_from = 0;
            let mut run_leads = true;
            let mut all_exact = true;
            let before = |k: usize| Walk::over(parts.get(..k).unwrap_or_default());
            let consider = |set: Vec<Vec<u8>>,
                            walks: Vec<Option<Walk>>,
                            from: usize,
                            leads: bool,
                            best: &mut Option<Atoms>| {
                let mut cand = Atoms::after(set, walks, before(from).as_ref());
                cand.prefix = leads;
                if best.as_ref().is_none_or(|b| cand.quality() > b.quality()) {
                    *best = Some(cand);
                }
            };
            let plain = |n: usize| vec![Some(Walk::default()); n];
            for (j, part) in parts.iter().enumerate() {
                // Assertions (`\b`, `^`) match no text: literals on both sides are adjacent.
                if matches!(part.kind(), HirKind::Look(_)) {
                    continue;
                }
                match atoms_of(part) {
                    Some(a) if a.exact => {
                        run = Some(match run.take() {
                            None => {
                                run_from = j;
                                a.set
                            }
                            Some(prev) => match product(&prev, &a.set) {
                                Some(joined) => joined,
                                None => {
                                    all_exact = false;
                                    let n = prev.len();
                                    consider(prev, plain(n), run_from, run_leads, &mut best);
                                    run_leads = false;
                                    run_from = j;
                                    a.set
                                }
                            },
                        });
                    }
                    other => {
                        all_exact = false;
                        let leads = run_leads;
                        run_leads = false;
                        match (run.take(), other) {
                            (Some(prev), Some(a)) if a.prefix => match product(&prev, &a.set) {
                                Some(joined) => {
                                    let n = joined.len();
                                    consider(joined, plain(n), run_from, leads, &mut best)
                                }
                                None => {
                                    let n = prev.len();
                                    consider(prev, plain(n), run_from, leads, &mut best);
                                    consider(a.set, a.walks, j, false, &mut best);
                                }
                            },
                            (prev, other) => {
                                if let Some(prev) = prev {
                                    let n = prev.len();
                                    consider(prev, plain(n), run_from, leads, &mut best);
                                }
                                if let Some(a) = other {
                                    // The first part's own literals start every match.
                                    consider(a.set, a.walks, j, leads && a.prefix, &mut best);
                                }
                            }
                        }
                    }
                }
            }
            if let Some(prev) = run.take() {
                if all_exact {
                    return Some(Atoms::exact(prev));
                }
                let n = prev.len();
                consider(prev, plain(n), run_from, run_leads, &mut best);
            }
            best
        }
        _ => None,
    }
}

/// Whether any rule of a set can match a value, decided by the rules' atoms, found in the
/// same automaton pass as the detectors' trigger words (`detect::triggers`).
pub struct Prefilter {
    scanner: crate::detect::triggers::Scanner,
    /// Rules with no usable atoms: always possible.
    unfiltered: Vec<usize>,
    /// The rules each atom belongs to, by the atom's index in the scanner, each with the
    /// shape of the text its matches have before the atom. An atom several rules share
    /// (`exec`, `eval`) is one pattern of the scanner: one report per occurrence.
    atom_rules: Vec<Vec<(usize, Option<Walk>)>>,
    /// Rules every atom of which has a walk: they can be read in windows.
    walkable: Vec<bool>,
    /// `DENSE_ATOMS` (0: windows however many there are, for the tests).
    dense_atoms: usize,
    rules: usize,
}

/// The atoms the scanner saw (their indices), from its bitset.
fn atoms_seen(triggers: &crate::detect::triggers::Triggers) -> impl Iterator<Item = usize> + '_ {
    triggers
        .literals_seen
        .iter()
        .enumerate()
        .flat_map(|(w, &word)| {
            std::iter::successors((word != 0).then_some(word), |&bits| {
                let rest = bits & (bits - 1);
                (rest != 0).then_some(rest)
            })
            .map(move |bits| w * 64 + bits.trailing_zeros() as usize)
        })
}

/// The rules a value may match and where each reads it (`Prefilter::plan`), with the lists
/// kept from one value to the next: a short value's first look allocated eight times.
#[derive(Default)]
pub struct Plan {
    /// The rules that may match, in order.
    pub rules: Vec<usize>,
    /// Where each of `rules` reads the value (by its place in `rules`).
    pub windows: Windows,
    possible: Vec<bool>,
    slot: Vec<usize>,
    budgets: Vec<usize>,
    by_atom: Vec<u32>,
    counts: Vec<usize>,
}

/// A rule is read over its whole value instead of windows when its atoms occur at least once
/// in this many bytes: the windows would cover most of the value anyway, and a rule read
/// over the whole value runs in lock step with others.
const DENSE_ATOMS: usize = 48;

impl Prefilter {
    pub fn new(patterns: &[&str]) -> Prefilter {
        let mut atoms: Vec<Vec<u8>> = Vec::new();
        let mut atom_rules: Vec<Vec<(usize, Option<Walk>)>> = Vec::new();
        let mut index: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::new();
        let mut unfiltered = Vec::new();
        let mut walkable = vec![false; patterns.len()];
        for (i, p) in patterns.iter().enumerate() {
            match with_walks(p) {
                Some(set) => {
                    walkable[i] = set.iter().all(|(_, w)| w.is_some());
                    for (mut atom, walk) in set {
                        atom.truncate(MAX_ATOM);
                        // The scanner folds ASCII case: atoms that differ only in case are one.
                        let k = *index.entry(atom.to_ascii_lowercase()).or_insert_with(|| {
                            atoms.push(atom);
                            atom_rules.push(Vec::new());
                            atoms.len() - 1
                        });
                        let Some(rules) = atom_rules.get_mut(k) else {
                            continue;
                        };
                        // The same atom in two branches of a rule: either shape may precede it.
                        match rules.iter_mut().find(|(r, _)| *r == i) {
                            Some((_, known)) => {
                                *known = match (known.take(), walk) {
                                    (Some(a), Some(b)) => Some(Walk::any(vec![a, b])),
                                    _ => None,
                                }
                            }
                            None => rules.push((i, walk)),
                        }
                    }
                }
                None => unfiltered.push(i),
            }
        }
        let scanner = crate::detect::triggers::Scanner::new(&atoms);
        if !scanner.is_complete() {
            unfiltered = (0..patterns.len()).collect();
            walkable = vec![false; patterns.len()];
        }
        Prefilter {
            scanner,
            unfiltered,
            atom_rules,
            walkable,
            dense_atoms: DENSE_ATOMS,
            rules: patterns.len(),
        }
    }

    /// The same prefilter, giving windows however dense the atoms are (for tests and
    /// fuzzing: short texts have too few atoms to get windows otherwise).
    pub fn windows_however_many(self) -> Prefilter {
        Prefilter {
            dense_atoms: 0,
            ..self
        }
    }

    /// The rules that may match a value the scanner found `triggers` in (`plan.rules`: those
    /// without atoms and those one of whose atoms occurs, in order), and for each the windows
    /// of `text` its automaton needs to read, sorted by their start (`plan.windows`).
    pub fn plan(&self, triggers: &crate::detect::triggers::Triggers, text: &[u8], plan: &mut Plan) {
        self.possible_rules_into(triggers, plan);
        self.windows_into(triggers, text, plan);
    }

    /// The rules that may match a value the scanner found `triggers` in, in order.
    pub fn possible_rules(&self, triggers: &crate::detect::triggers::Triggers) -> Vec<usize> {
        let mut plan = Plan::default();
        self.possible_rules_into(triggers, &mut plan);
        plan.rules
    }

    fn possible_rules_into(&self, triggers: &crate::detect::triggers::Triggers, plan: &mut Plan) {
        let possible = &mut plan.possible;
        possible.clear();
        possible.resize(self.rules, false);
        for &rule in &self.unfiltered {
            if let Some(p) = possible.get_mut(rule) {
                *p = true;
            }
        }
        if triggers.literal && triggers.literals_seen.is_empty() {
            // Found without saying which (no automaton): any rule may match.
            possible.iter_mut().for_each(|p| *p = true);
        }
        for atom in atoms_seen(triggers) {
            for &(rule, _) in self.atom_rules.get(atom).into_iter().flatten() {
                if let Some(p) = possible.get_mut(rule) {
                    *p = true;
                }
            }
        }
        plan.rules.clear();
        plan.rules.extend(
            possible
                .iter()
                .enumerate()
                .filter_map(|(r, &p)| p.then_some(r)),
        );
    }

    fn windows_into(
        &self,
        triggers: &crate::detect::triggers::Triggers,
        text: &[u8],
        plan: &mut Plan,
    ) {
        let Plan {
            rules,
            windows,
            slot,
            budgets,
            by_atom,
            counts,
            ..
        } = plan;
        windows.whole(rules.len());
        if u32::try_from(text.len()).is_err()
            || triggers.literals_seen.is_empty()
            || triggers.literal_hits_dropped
        {
            return;
        }
        for (k, &r) in rules.iter().enumerate() {
            if self.walkable.get(r).copied().unwrap_or(false) {
                windows.use_windows(k);
            }
        }
        // Rule → its place in `rules` (`usize::MAX` between values).
        if slot.len() < self.rules {
            slot.resize(self.rules, usize::MAX);
        }
        for (k, &r) in rules.iter().enumerate() {
            if let Some(s) = slot.get_mut(r) {
                *s = k;
            }
        }
        let most = text
            .len()
            .checked_div(self.dense_atoms)
            .map_or(usize::MAX, |n| n + 1);
        // Counted first: a rule whose atoms are dense reads the whole text, and walking back
        // from each of its atoms would be wasted. No rule has more occurrences than all the
        // atoms together; when those are too many, they are counted by atom, then the atoms
        // seen are added up by rule.
        if triggers.literal_hits.len() > most {
            by_atom.clear();
            by_atom.resize(self.atom_rules.len(), 0);
            for &(atom, _) in &triggers.literal_hits {
                if let Some(count) = by_atom.get_mut(atom as usize) {
                    *count += 1;
                }
            }
            counts.clear();
            counts.resize(rules.len(), 0);
            for atom in atoms_seen(triggers) {
                let count = by_atom.get(atom).copied().unwrap_or(0) as usize;
                for (rule, _) in self.atom_rules.get(atom).into_iter().flatten() {
                    if let Some(total) = slot.get(*rule).and_then(|&k| counts.get_mut(k)) {
                        *total += count;
                    }
                }
            }
            for (k, &count) in counts.iter().enumerate() {
                if count > most {
                    windows.read_whole(k);
                }
            }
        }
        if windows.any() {
            // Walks read back through the text; past this much in all, a rule reads it whole.
            budgets.clear();
            budgets.resize(rules.len(), 2 * text.len() + 64);
            for &(atom, at) in &triggers.literal_hits {
                let at = at as usize;
                for (rule, walk) in self.atom_rules.get(atom as usize).into_iter().flatten() {
                    let Some(&k) = slot.get(*rule) else {
                        continue;
                    };
                    let Some(budget) = budgets.get_mut(k) else {
                        continue;
                    };
                    if windows.of(k).is_none() {
                        continue;
                    }
                    match walk.as_ref().and_then(|w| w.back(text, at, budget)) {
                        Some(from) => windows.push(k, Window { from, atom: at }),
                        // Walks too long: the whole text.
                        None => windows.read_whole(k),
                    }
                }
            }
            windows.sort();
        }
        for &r in rules.iter() {
            if let Some(s) = slot.get_mut(r) {
                *s = usize::MAX;
            }
        }
    }

    /// Whether any rule may match `text`, and the detectors' trigger words in it.
    pub fn scan(&self, text: &[u8]) -> (bool, crate::detect::triggers::Triggers) {
        let mut triggers = crate::detect::triggers::Triggers::default();
        (self.scan_into(text, &mut triggers), triggers)
    }

    /// `scan`, into `triggers`' lists.
    pub fn scan_into(&self, text: &[u8], triggers: &mut crate::detect::triggers::Triggers) -> bool {
        self.scanner.scan_into(text, triggers);
        !self.unfiltered.is_empty() || triggers.literal
    }

    /// The rules without atoms (always run).
    #[cfg(test)]
    pub fn unfiltered(&self) -> &[usize] {
        &self.unfiltered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atoms(p: &str) -> Option<Vec<String>> {
        required(p).map(|v| {
            v.into_iter()
                .map(|a| String::from_utf8_lossy(&a).into_owned())
                .collect()
        })
    }

    #[test]
    fn literals_every_match_contains() {
        assert_eq!(atoms(r"(?:^|[\s,])rO0AB"), Some(vec!["rO0AB".into()]));
        assert_eq!(
            atoms(r"__import__\s*\(|\bos\.system\s*\("),
            Some(vec!["__import__".into(), "os.system".into()])
        );
        assert_eq!(atoms(r";\s*sleep\s*\(\s*\d+"), Some(vec!["sleep".into()]));
        // A branch without a literal leaves the whole pattern unfiltered.
        assert_eq!(atoms(r"abc|\d+x?"), None);
        // Optional parts are not required.
        assert_eq!(atoms(r"(?:abc)?d"), None);
        assert_eq!(atoms(r"x(?:abc)*yz"), Some(vec!["yz".into()]));
        assert_eq!(atoms(r"a(?:b|c)d"), Some(vec!["abd".into(), "acd".into()]));
    }

    #[test]
    fn literals_extend_into_what_every_match_starts_with() {
        let blanks = ["\t", "\n", "\u{b}", "\u{c}", "\r", " "];
        // A repetition's first round ends a join: `nc` alone is in far more text than `nc `.
        let nc = atoms(r"\bn(?:c|cat)\s+-").unwrap();
        assert_eq!(nc.len(), 12);
        assert!(nc.contains(&"nc ".to_string()) && nc.contains(&"ncat\t".to_string()));
        assert!(!nc.contains(&"nc".to_string()));
        let ab: Vec<String> = blanks.iter().map(|b| format!("ab{b}")).collect();
        assert_eq!(atoms(r"ab\s+c"), Some(ab));
        // Assertions match no text: the literals around them are adjacent.
        assert_eq!(atoms(r"\bos\.system\b"), Some(vec!["os.system".into()]));
        // Digits are a small class.
        assert_eq!(atoms(r"x:\d").map(|a| a.len()), Some(10));
        // Only a run from the first part gives literals a match starts with.
        assert_eq!(
            atoms(r"(?:xy\s+|zw\s+)q"),
            Some(
                blanks
                    .iter()
                    .flat_map(|b| [format!("xy{b}")])
                    .chain(blanks.iter().map(|b| format!("zw{b}")))
                    .collect()
            )
        );
    }

    #[test]
    fn every_corpus_match_of_a_rule_holds_one_of_its_atoms() {
        let rules: toml::Value = toml::from_str(include_str!("../data/rules.toml")).unwrap();
        let mut payloads: Vec<String> = Vec::new();
        for text in [
            include_str!("../tests/corpus/attacks.toml"),
            include_str!("../tests/heldout/attacks.toml"),
            include_str!("../tests/heldout/round5-attacks.toml"),
        ] {
            let t: toml::Value = toml::from_str(text).unwrap();
            for group in t["attack"].as_array().unwrap() {
                for p in group["payloads"].as_array().unwrap() {
                    payloads.push(p.as_str().unwrap().to_string());
                }
            }
        }
        let mut checked = 0;
        for rule in rules["rule"].as_array().unwrap() {
            let pattern = rule["pattern"].as_str().unwrap();
            let re = regex::bytes::Regex::new(&format!("(?i-u){pattern}")).unwrap();
            let Some(set) = required(pattern) else {
                continue;
            };
            for p in payloads.iter().filter(|p| re.is_match(p.as_bytes())) {
                let lower = p.to_ascii_lowercase();
                assert!(
                    set.iter().any(|a| lower
                        .as_bytes()
                        .windows(a.len())
                        .any(|w| w.eq_ignore_ascii_case(a))),
                    "{}: {p:?} matches but holds none of its atoms",
                    rule["id"]
                );
                checked += 1;
            }
        }
        assert!(checked > 30, "{checked}");
    }

    #[test]
    fn only_rules_whose_atoms_occur_may_match() {
        let p = Prefilter::new(&[
            r"<!ENTITY\s+%",
            r"\bphar://",
            r"\d+",
            r"__import__|\bexec\(",
        ]);
        let possible = |text: &[u8]| p.possible_rules(&p.scan(text).1);
        // The rule without atoms is always possible.
        assert_eq!(possible(b"plain text"), vec![2]);
        assert_eq!(possible(b"a <!entity % x"), vec![0, 2]);
        assert_eq!(possible(b"PHAR://x and exec(1)"), vec![1, 2, 3]);
        assert_eq!(possible(b"__IMPORT__ <!ENTITY\t"), vec![0, 2, 3]);
        // An atom two rules share (in any case) is looked for once and makes both possible.
        let shared = Prefilter::new(&[r"abc", r"ABC|zzz", r"qq"]);
        assert_eq!(shared.possible_rules(&shared.scan(b"xAbCx").1), vec![0, 1]);
        assert_eq!(shared.possible_rules(&shared.scan(b"zzz qq").1), vec![1, 2]);
    }

    #[test]
    fn a_long_atom_is_looked_for_by_its_start() {
        let p = Prefilter::new(&[r"javax\.management\.BadAttributeValueExpException"]);
        let possible = |text: &[u8]| p.possible_rules(&p.scan(text).1);
        assert_eq!(possible(b"x javax.management.Bad"), vec![0]);
        assert!(possible(b"x javax.management").is_empty());
    }

    #[test]
    fn atoms_match_any_case() {
        let p = Prefilter::new(&[r"<!ENTITY\s+%", r"\bphar://"]);
        assert!(p.scan(b"a <!entity % x").0);
        assert!(p.scan(b"PHAR://x").0);
        assert!(!p.scan(b"plain text").0);
        assert!(Prefilter::new(&[r"\d+"]).scan(b"plain text").0);
    }
}
