//! Composer / PHP `version_compare` ordering: `-`, `_`, `+` become `.`, a `.` is inserted
//! between digits and letters, and letter parts rank `dev` < `alpha`/`a` < `beta`/`b` <
//! `RC`/`rc` < (number) < `pl`/`p`; unknown words rank with `dev`.

use super::{cmp_digits, is_digits};
use std::cmp::Ordering;

#[derive(Debug, Clone)]
pub struct PackagistVersion {
    parts: Vec<String>,
}

impl PackagistVersion {
    pub fn parse(text: &str) -> Self {
        let text = text
            .strip_prefix('v')
            .or_else(|| text.strip_prefix('V'))
            .unwrap_or(text);
        let mut canon = String::with_capacity(text.len() + 4);
        let mut prev: Option<char> = None;
        for c in text.chars() {
            let c = if matches!(c, '-' | '_' | '+') { '.' } else { c };
            if let Some(p) = prev {
                let boundary = (p != '.' && c != '.') && (p.is_ascii_digit() != c.is_ascii_digit());
                if boundary {
                    canon.push('.');
                }
            }
            canon.push(c);
            prev = Some(c);
        }
        PackagistVersion {
            parts: canon.split('.').map(str::to_string).collect(),
        }
    }
}

fn weight(word: &str) -> u8 {
    if word.starts_with("RC") {
        return 3;
    }
    const SPECIAL: [&str; 6] = ["dev", "a", "b", "rc", "#", "p"];
    SPECIAL
        .iter()
        .position(|s| word.starts_with(s))
        .map_or(0, |i| i as u8)
}

fn compare_parts(a: &[&str], b: &[&str]) -> Ordering {
    for (x, y) in a.iter().zip(b.iter()) {
        let o = match (is_digits(x), is_digits(y)) {
            (true, true) => cmp_digits(x, y),
            (false, false) => weight(x).cmp(&weight(y)),
            (true, false) => weight("#").cmp(&weight(y)),
            (false, true) => weight(x).cmp(&weight("#")),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    use std::cmp::Ordering::*;
    match a.len().cmp(&b.len()) {
        Equal => Equal,
        Greater => {
            if is_digits(a[b.len()]) {
                Greater
            } else {
                compare_parts(&a[b.len()..], &["#"])
            }
        }
        Less => {
            if is_digits(b[a.len()]) {
                Less
            } else {
                compare_parts(&["#"], &b[a.len()..])
            }
        }
    }
}

impl Ord for PackagistVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let a: Vec<&str> = self.parts.iter().map(String::as_str).collect();
        let b: Vec<&str> = other.parts.iter().map(String::as_str).collect();
        compare_parts(&a, &b)
    }
}

impl PartialOrd for PackagistVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for PackagistVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for PackagistVersion {}
