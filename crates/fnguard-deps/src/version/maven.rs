//! Maven's `ComparableVersion` ordering: tokens split at `.`, `-` and digit/letter transitions,
//! each remembering its separator; well-known qualifiers (`alpha` < `beta` < `milestone` < `rc`
//! < `snapshot` < release < `sp`) before unknown ones; trailing null tokens (`0`, `final`, `ga`,
//! `release`) trimmed so `1.0` equals `1`; the shorter version padded with nulls.

use super::{cmp_digits, is_digits};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    /// `.` or `-`; the first token has none and behaves as `.`... except for ordering, where
    /// only equal separators compare by value.
    sep: char,
    value: String,
    is_null: bool,
}

const KEYWORDS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

fn keyword_rank(k: &str) -> usize {
    KEYWORDS
        .iter()
        .position(|w| *w == k)
        .unwrap_or(KEYWORDS.len())
}

impl Token {
    fn separator_rank(&self) -> u8 {
        // ".qualifier" < "-qualifier" < "-number" < ".number"
        match (is_digits(&self.value), self.sep) {
            (true, '-') => 2,
            (true, _) => 3,
            (false, '-') => 1,
            (false, _) => 0,
        }
    }

    fn same(&self, other: &Token) -> bool {
        self.sep == other.sep && self.value == other.value
    }

    fn cmp_token(&self, other: &Token) -> Ordering {
        if self.sep != other.sep {
            return self.separator_rank().cmp(&other.separator_rank());
        }
        let (a_num, b_num) = (is_digits(&self.value), is_digits(&other.value));
        if a_num && b_num {
            return cmp_digits(&self.value, &other.value);
        }
        // Numbers sort after qualifiers, except for padding nulls.
        if a_num && !self.is_null {
            return Ordering::Greater;
        }
        if b_num && !other.is_null {
            return Ordering::Less;
        }
        let (ra, rb) = (keyword_rank(&self.value), keyword_rank(&other.value));
        if ra == KEYWORDS.len() && rb == KEYWORDS.len() {
            return self.value.cmp(&other.value);
        }
        ra.cmp(&rb)
    }

    fn null_like(&self) -> Token {
        if self.sep == '-' {
            Token {
                sep: '-',
                value: String::new(),
                is_null: true,
            }
        } else {
            // `sp` is the one qualifier after the empty release marker; padding must say so.
            let value = if self.value == "sp" { "" } else { "0" };
            Token {
                sep: '.',
                value: value.to_string(),
                is_null: true,
            }
        }
    }

    fn trimmable(&self) -> bool {
        matches!(self.value.as_str(), "0" | "" | "final" | "ga")
    }
}

#[derive(Debug, Clone)]
pub struct MavenVersion {
    tokens: Vec<Token>,
}

impl MavenVersion {
    pub fn parse(text: &str) -> Self {
        let mut tokens: Vec<Token> = Vec::new();
        let mut sep = '.';
        let mut first = true;
        for (piece, next_sep) in split_keep(text) {
            let bounds = transitions(piece);
            let mut start = 0;
            for (j, end) in bounds.iter().copied().enumerate() {
                let this_sep = if j > 0 {
                    '-'
                } else if first {
                    '.'
                } else {
                    sep
                };
                let mut value = piece[start..end].to_lowercase();
                if value.is_empty() {
                    value = "0".to_string();
                }
                match value.as_str() {
                    "cr" => value = "rc".to_string(),
                    "ga" | "final" | "release" => value.clear(),
                    _ => {}
                }
                // `a1`, `b2`, `m3` abbreviate alpha/beta/milestone only when a number follows.
                if end != piece.len() {
                    match value.as_str() {
                        "a" => value = "alpha".to_string(),
                        "b" => value = "beta".to_string(),
                        "m" => value = "milestone".to_string(),
                        _ => {}
                    }
                }
                if is_digits(&value) {
                    let trimmed = value.trim_start_matches('0');
                    value = if trimmed.is_empty() {
                        "0".to_string()
                    } else {
                        trimmed.to_string()
                    };
                }
                tokens.push(Token {
                    sep: this_sep,
                    value,
                    is_null: false,
                });
                start = end;
            }
            first = false;
            if let Some(s) = next_sep {
                sep = s;
            }
        }
        // Trim trailing nulls, then again before each remaining `-`, from the end backwards.
        let mut i = tokens.len() as isize - 1;
        while i > 0 {
            let idx = i as usize;
            if tokens[idx].trimmable() {
                tokens.remove(idx);
                i -= 1;
                continue;
            }
            while i >= 0 && tokens[i as usize].sep != '-' {
                i -= 1;
            }
            i -= 1;
        }
        MavenVersion { tokens }
    }
}

/// Splits at `.` and `-`, pairing each piece with the separator that follows it.
fn split_keep(text: &str) -> Vec<(&str, Option<char>)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '.' || c == '-' {
            out.push((&text[start..i], Some(c)));
            start = i + 1;
        }
    }
    out.push((&text[start..], None));
    out
}

/// End offsets of the runs in `piece` where it switches between digits and non-digits.
fn transitions(piece: &str) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut prev: Option<bool> = None;
    for (i, c) in piece.char_indices() {
        let digit = c.is_ascii_digit();
        if prev.is_some_and(|p| p != digit) {
            ends.push(i);
        }
        prev = Some(digit);
    }
    ends.push(piece.len());
    ends
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.tokens.len().max(other.tokens.len());
        for i in 0..n {
            let (a, b) = match (self.tokens.get(i), other.tokens.get(i)) {
                (Some(a), Some(b)) => (a.clone(), b.clone()),
                (None, Some(b)) => (b.null_like(), b.clone()),
                (Some(a), None) => (a.clone(), a.null_like()),
                (None, None) => return Ordering::Equal,
            };
            if a.same(&b) {
                continue;
            }
            return a.cmp_token(&b);
        }
        Ordering::Equal
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}
