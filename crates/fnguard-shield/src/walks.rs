//! How far before one of its atoms a signature rule's match can start.
//!
//! Every match of a rule holds one of its atoms (`atoms`), and the part of the pattern before
//! that atom has a shape: a few bytes (`['"]`), a run of a class (`\s*`), a choice of either.
//! Walking that shape back from where the atom occurs finds a position no later than where any
//! match holding that occurrence starts. The rule's automaton then reads only from there, and
//! only until none of its partial matches is alive past the atom, instead of the whole value.
//!
//! A walk is conservative, never exact: a class is read as every byte it could match in any
//! case (and, in a Unicode class, as all bytes from 0x80 up), a character as up to four bytes,
//! a run as long as the text allows. Starting early only costs reading; starting late would miss a match.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The shape of the text a match has before an atom, read backwards from the atom.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Walk(Vec<Step>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    /// At most this many bytes.
    Fixed(usize),
    /// Bytes of a set, as many as precede (up to `max` bytes when bounded).
    Run { bytes: ByteSet, max: Option<usize> },
    /// Whichever of several shapes reaches furthest back.
    Any(Vec<Walk>),
}

/// A set of bytes, a bit each.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn add(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1 << (b & 63);
    }

    fn has(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }
}

/// Bytes a character of a case-insensitive Unicode pattern can take (`k` matches the
/// three-byte Kelvin sign).
const CHAR_BYTES: usize = 4;

impl Walk {
    /// The walk back over `parts` (a concatenation, left to right), or `None` when the text
    /// they match has no shape a walk can follow (an unbounded repetition of a group).
    pub fn over(parts: &[Hir]) -> Option<Walk> {
        let mut steps = Vec::new();
        for part in parts.iter().rev() {
            steps_of(part, &mut steps)?;
        }
        Some(Walk(steps))
    }

    /// This walk followed by `further` (the text before the part this walk covers).
    pub fn then(mut self, further: &Walk) -> Walk {
        for step in &further.0 {
            match step {
                Step::Fixed(n) => push_fixed(&mut self.0, *n),
                other => self.0.push(other.clone()),
            }
        }
        self
    }

    /// One of `walks`, whichever reaches further back (walks of fixed lengths are read as
    /// their longest: nothing to choose at run time).
    pub fn any(walks: Vec<Walk>) -> Walk {
        let fixed: Option<Vec<usize>> = walks.iter().map(Walk::fixed).collect();
        if let Some(lengths) = fixed {
            let mut steps = Vec::new();
            push_fixed(&mut steps, lengths.into_iter().max().unwrap_or(0));
            return Walk(steps);
        }
        // A walk that is the start of another one never reaches further back than it (the
        // other goes on from where it stops): only the longest of such are kept, and often one
        // is left (`system` after `\b`, after `{\s*`, after `'\s*;\s*`).
        let mut kept: Vec<Walk> = Vec::new();
        for (i, w) in walks.iter().enumerate() {
            let covered = walks.iter().enumerate().any(|(j, other)| {
                j != i && other.0.starts_with(&w.0) && (other.0.len() > w.0.len() || j < i)
            });
            if !covered {
                kept.push(w.clone());
            }
        }
        match kept.len() {
            1 => kept.pop().unwrap_or_default(),
            _ => Walk(vec![Step::Any(kept)]),
        }
    }

    /// The walk's length when it is a fixed number of bytes.
    fn fixed(&self) -> Option<usize> {
        self.0.iter().try_fold(0, |sum, step| match step {
            Step::Fixed(n) => Some(sum + n),
            _ => None,
        })
    }

    /// Where a match holding an atom that starts at `at` can start at the earliest, walking
    /// back through `text`; `None` once the walk has read more than `budget` bytes in all.
    pub fn back(&self, text: &[u8], at: usize, budget: &mut usize) -> Option<usize> {
        let mut at = at.min(text.len());
        for step in &self.0 {
            at = match step {
                Step::Fixed(n) => at.saturating_sub(*n),
                Step::Run { bytes, max } => {
                    let floor = max.map_or(0, |m| at.saturating_sub(m));
                    let mut from = at;
                    while from > floor && text.get(from - 1).is_some_and(|&b| bytes.has(b)) {
                        from -= 1;
                    }
                    *budget = budget.checked_sub(at - from)?;
                    from
                }
                Step::Any(walks) => {
                    let mut earliest = at;
                    for w in walks {
                        earliest = earliest.min(w.back(text, at, budget)?);
                    }
                    earliest
                }
            };
            if at == 0 {
                break;
            }
        }
        Some(at)
    }
}

/// Appends the backward steps of `h` (the text it matches, read from its end) to `steps`.
fn steps_of(h: &Hir, steps: &mut Vec<Step>) -> Option<()> {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(l) => push_fixed(steps, CHAR_BYTES * l.0.len()),
        HirKind::Class(_) => push_fixed(steps, CHAR_BYTES),
        HirKind::Capture(c) => steps_of(&c.sub, steps)?,
        HirKind::Concat(parts) => {
            for part in parts.iter().rev() {
                steps_of(part, steps)?;
            }
        }
        HirKind::Alternation(branches) => {
            let walks = branches
                .iter()
                .map(|b| Walk::over(std::slice::from_ref(b)))
                .collect::<Option<Vec<Walk>>>()?;
            append(steps, Walk::any(walks));
        }
        HirKind::Repetition(r) => {
            if let Some(bytes) = run_bytes(&r.sub) {
                steps.push(Step::Run {
                    bytes,
                    max: r.max.map(|m| CHAR_BYTES * m as usize),
                });
            } else if r.max == Some(1) {
                // `(?:%\s*)?`: the part or nothing.
                let once = Walk::over(std::slice::from_ref(&r.sub))?;
                append(steps, Walk::any(vec![once, Walk::default()]));
            } else {
                r.max?;
                push_fixed(steps, CHAR_BYTES * h.properties().maximum_len()?);
            }
        }
    }
    Some(())
}

fn append(steps: &mut Vec<Step>, walk: Walk) {
    for step in walk.0 {
        match step {
            Step::Fixed(n) => push_fixed(steps, n),
            other => steps.push(other),
        }
    }
}

fn push_fixed(steps: &mut Vec<Step>, n: usize) {
    if n == 0 {
        return;
    }
    if let Some(Step::Fixed(last)) = steps.last_mut() {
        *last += n;
    } else {
        steps.push(Step::Fixed(n));
    }
}

/// The bytes a repetition of `h` is made of, when `h` is one character or a class.
fn run_bytes(h: &Hir) -> Option<ByteSet> {
    match h.kind() {
        HirKind::Class(c) => Some(bytes_of(c)),
        HirKind::Capture(c) => run_bytes(&c.sub),
        HirKind::Literal(l) => {
            let mut bytes = ByteSet::default();
            match &l.0[..] {
                [b] if b.is_ascii() => {
                    bytes.add(*b);
                    bytes.add(b.to_ascii_lowercase());
                    bytes.add(b.to_ascii_uppercase());
                }
                // A byte from 0x80 up, or one character of several bytes.
                [_] => (0x80..=0xff).for_each(|b| bytes.add(b)),
                _ if std::str::from_utf8(&l.0).is_ok_and(|c| c.chars().count() == 1) => {
                    (0x80..=0xff).for_each(|b| bytes.add(b));
                }
                _ => return None,
            }
            Some(bytes)
        }
        _ => None,
    }
}

/// Every byte of text `class` can match in a case-insensitive pattern: its ASCII members in
/// both cases, and all bytes from 0x80 up when the class is Unicode (`(?u:\s)` also matches
/// U+00A0). A byte class (the rules are matched as `(?i-u)`) is exactly its bytes.
fn bytes_of(class: &Class) -> ByteSet {
    let mut bytes = ByteSet::default();
    let mut mark = |lo: u32, hi: u32| {
        for c in lo..=hi.min(0xff) {
            if let Ok(b) = u8::try_from(c) {
                bytes.add(b);
                bytes.add(b.to_ascii_lowercase());
                bytes.add(b.to_ascii_uppercase());
            }
        }
    };
    match class {
        Class::Bytes(c) => c
            .ranges()
            .iter()
            .for_each(|r| mark(u32::from(r.start()), u32::from(r.end()))),
        Class::Unicode(c) => {
            c.ranges()
                .iter()
                .for_each(|r| mark(u32::from(r.start()), u32::from(r.end()).min(0x7f)));
            (0x80..=0xff).for_each(|b| bytes.add(b));
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(prefix: &str) -> Option<Walk> {
        let hir = regex_syntax::ParserBuilder::new()
            .utf8(false)
            .unicode(false)
            .build()
            .parse(prefix)
            .unwrap();
        Walk::over(std::slice::from_ref(&hir))
    }

    fn back(prefix: &str, text: &str) -> Option<usize> {
        walk(prefix)?.back(text.as_bytes(), text.len(), &mut { usize::MAX })
    }

    #[test]
    fn runs_are_read_back_as_far_as_they_go() {
        // `'  ;  ` before the atom: the whole of it.
        assert_eq!(back(r#"['"]\s*[;.]\s*"#, "xxxxx'  ;  "), Some(1));
        assert_eq!(back(r"\s*", "ab  \t"), Some(2));
        // A non-ASCII byte may be a Unicode space, but only in a Unicode class.
        assert_eq!(back(r"(?u:\s)*", "ab\u{a0} "), Some(2));
        assert_eq!(back(r"\s*", "ab\u{a0} "), Some(4));
        // A negated byte class takes every other byte.
        assert_eq!(back(r#"[^"']*"#, "a'b\u{e9}c"), Some(2));
        // Any case of a class's letters.
        assert_eq!(back(r"[a-c]*", "xyzABCabc"), Some(3));
        // A bounded run stops at its bound (two characters of up to four bytes).
        assert_eq!(back(r"\s{0,2}", "ab     "), Some(2));
        assert_eq!(back(r"\s{0,1}", &" ".repeat(9)), Some(5));
    }

    #[test]
    fn a_choice_takes_the_furthest_branch() {
        assert_eq!(back(r"(?:x|\s*)", "abcd    "), Some(4));
        assert_eq!(back(r"(?:%\s*)?", "abcdefgh%   "), Some(5));
        assert_eq!(back("", "abc"), Some(3));
    }

    #[test]
    fn a_walk_that_another_continues_is_dropped() {
        let short = walk(r"\s*").unwrap();
        let long = walk(r"['\x22]\s*[;.]\s*").unwrap();
        let other = walk(r"\{\s*").unwrap();
        assert_eq!(Walk::any(vec![short.clone(), long.clone()]), long);
        assert_eq!(
            Walk::any(vec![Walk::default(), long.clone(), long.clone()]),
            long
        );
        // Neither continues the other: both stay.
        let both = Walk::any(vec![long.clone(), walk(r"x\s*\t*").unwrap()]);
        assert!(matches!(&both.0[..], [Step::Any(w)] if w.len() == 2));
        // Walks know lengths and bytes, not which literal: `{` is one character as `'` is.
        assert_eq!(Walk::any(vec![long.clone(), other]), long);
    }

    #[test]
    fn a_repeated_character_is_a_run() {
        assert_eq!(back(r"x\t*", "ab\t\t"), Some(0));
        assert_eq!(back(r"a*", "bAaA"), Some(1));
        assert_eq!(back(r"é*", "bé"), Some(1));
    }

    #[test]
    fn an_unbounded_group_has_no_walk() {
        assert_eq!(walk(r"(?:ab)*"), None);
        assert_eq!(walk(r"(?:a\s)+"), None);
        assert!(walk(r"(?:ab){0,3}").is_some());
    }

    #[test]
    fn the_budget_bounds_the_bytes_read() {
        let w = walk(r"\s*").unwrap();
        let text = " ".repeat(100);
        let mut budget = 50;
        assert_eq!(w.back(text.as_bytes(), 100, &mut budget), None);
        let mut budget = 100;
        assert_eq!(w.back(text.as_bytes(), 100, &mut budget), Some(0));
        assert_eq!(budget, 0);
    }
}
