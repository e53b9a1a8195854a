//! Required literals of the signature rules: for each pattern, a set of strings one of which
//! every match contains. One case-insensitive Aho-Corasick pass over a value then says whether
//! any rule can match at all, and most values (text without `<!ENTITY`, `rO0AB`, `__import__`)
//! skip the rule automaton entirely: the automaton costs about half of inspecting plain text.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Shortest literal worth looking for: shorter ones are in most values anyway.
const MIN_ATOM: usize = 2;

/// Classes of at most this many characters are read as alternatives.
const SMALL_CLASS: usize = 8;

/// Most alternatives kept for one pattern before it counts as having no usable literal.
const MAX_ATOMS: usize = 64;

/// Every match of `pattern` (matched case-insensitively) contains one of the returned strings
/// (compare them case-insensitively); `None` when the pattern has no such set worth using.
pub fn required(pattern: &str) -> Option<Vec<Vec<u8>>> {
    // Parsed case-sensitively: with `(?i)` every letter would be a class. Matching the atoms
    // ASCII-case-insensitively covers what the case-insensitive pattern matches.
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .unicode(false)
        .build()
        .parse(pattern)
        .ok()?;
    let atoms = of(&hir)?;
    (atoms.iter().all(|a| a.len() >= MIN_ATOM) && atoms.len() <= MAX_ATOMS).then_some(atoms)
}

/// Literals one of which every match contains; `exact` when every match *is* one of them
/// (so that literals of neighbouring parts can be joined: `n(?:c|cat)` → `nc`, `ncat`).
struct Atoms {
    set: Vec<Vec<u8>>,
    exact: bool,
}

impl Atoms {
    /// The shortest literal's length, then fewer alternatives: how well the set filters.
    fn quality(&self) -> (usize, usize) {
        (
            self.set.iter().map(Vec::len).min().unwrap_or(0),
            usize::MAX - self.set.len(),
        )
    }
}

/// A set of literals one of which every match of `h` contains, or `None`.
fn of(h: &Hir) -> Option<Vec<Vec<u8>>> {
    atoms_of(h).map(|a| a.set)
}

fn atoms_of(h: &Hir) -> Option<Atoms> {
    match h.kind() {
        HirKind::Literal(l) => Some(Atoms {
            set: vec![l.0.to_vec()],
            exact: true,
        }),
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
            (set.len() <= SMALL_CLASS).then_some(Atoms { set, exact: true })
        }
        HirKind::Repetition(r) if r.min >= 1 => atoms_of(&r.sub).map(|a| Atoms {
            exact: a.exact && r.max == Some(1) && r.min == 1,
            set: a.set,
        }),
        HirKind::Alternation(branches) => {
            let mut set = Vec::new();
            let mut exact = true;
            for b in branches {
                let a = atoms_of(b)?;
                exact &= a.exact;
                set.extend(a.set);
                if set.len() > MAX_ATOMS {
                    return None;
                }
            }
            Some(Atoms { set, exact })
        }
        HirKind::Concat(parts) => {
            // Runs of exact parts are joined into products; the best candidate is kept.
            let mut best: Option<Atoms> = None;
            let mut run: Option<Vec<Vec<u8>>> = None;
            let mut all_exact = true;
            let consider = |cand: Atoms, best: &mut Option<Atoms>| {
                if best.as_ref().is_none_or(|b| cand.quality() > b.quality()) {
                    *best = Some(cand);
                }
            };
            for part in parts {
                match atoms_of(part) {
                    Some(a) if a.exact => {
                        run = Some(match run.take() {
                            Some(prev) if prev.len() * a.set.len() <= MAX_ATOMS => prev
                                .iter()
                                .flat_map(|p| {
                                    a.set.iter().map(move |s| {
                                        let mut joined = p.clone();
                                        joined.extend_from_slice(s);
                                        joined
                                    })
                                })
                                .collect(),
                            Some(prev) => {
                                all_exact = false;
                                consider(
                                    Atoms {
                                        set: prev,
                                        exact: false,
                                    },
                                    &mut best,
                                );
                                a.set
                            }
                            None => a.set,
                        });
                    }
                    other => {
                        all_exact = false;
                        if let Some(prev) = run.take() {
                            consider(
                                Atoms {
                                    set: prev,
                                    exact: false,
                                },
                                &mut best,
                            );
                        }
                        if let Some(a) = other {
                            consider(
                                Atoms {
                                    set: a.set,
                                    exact: false,
                                },
                                &mut best,
                            );
                        }
                    }
                }
            }
            if let Some(prev) = run.take() {
                consider(
                    Atoms {
                        set: prev,
                        exact: all_exact,
                    },
                    &mut best,
                );
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
}

impl Prefilter {
    pub fn new(patterns: &[&str]) -> Prefilter {
        let mut atoms = Vec::new();
        let mut unfiltered = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            match required(p) {
                Some(set) => atoms.extend(set),
                None => unfiltered.push(i),
            }
        }
        let scanner = crate::detect::triggers::Scanner::new(&atoms);
        if !scanner.is_complete() {
            unfiltered = (0..patterns.len()).collect();
        }
        Prefilter {
            scanner,
            unfiltered,
        }
    }

    /// Whether any rule may match `text`, and the detectors' trigger words in it.
    pub fn scan(&self, text: &[u8]) -> (bool, crate::detect::triggers::Triggers) {
        let triggers = self.scanner.scan(text);
        (!self.unfiltered.is_empty() || triggers.literal, triggers)
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
        assert_eq!(
            atoms(r"\bn(?:c|cat)\s+-"),
            Some(vec!["nc".into(), "ncat".into()])
        );
        assert_eq!(atoms(r"a(?:b|c)d"), Some(vec!["abd".into(), "acd".into()]));
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
