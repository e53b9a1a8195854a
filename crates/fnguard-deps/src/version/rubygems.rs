//! `Gem::Version` ordering: segments split at `.` and at digit/letter changes; a letter segment
//! makes the rest a pre-release (`1.0.a` < `1.0`); trailing zeros in the release and the
//! pre-release part are insignificant.

use super::{cmp_digits, is_digits};
use std::cmp::Ordering;

#[derive(Debug, Clone)]
pub struct GemVersion {
    segments: Vec<String>,
}

impl GemVersion {
    pub fn parse(text: &str) -> Self {
        let mut canon = String::new();
        let mut prev_digit: Option<bool> = None;
        for c in text.chars() {
            if c == '.' {
                canon.push('.');
                prev_digit = None;
                continue;
            }
            let digit = c.is_ascii_digit();
            if prev_digit.is_some_and(|p| p != digit) {
                canon.push('.');
            }
            canon.push(c);
            prev_digit = Some(digit);
        }
        let mut numbers = Vec::new();
        let mut prerelease = Vec::new();
        for seg in canon.split('.') {
            if !prerelease.is_empty() || !is_digits(seg) {
                prerelease.push(seg.to_string());
            } else {
                numbers.push(seg.to_string());
            }
        }
        let mut segments = drop_trailing_zeros(numbers);
        segments.extend(drop_trailing_zeros(prerelease));
        GemVersion { segments }
    }
}

fn drop_trailing_zeros(mut segs: Vec<String>) -> Vec<String> {
    while segs.last().is_some_and(|s| s == "0") {
        segs.pop();
    }
    segs
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.segments.len().max(other.segments.len());
        for i in 0..n {
            let a = self.segments.get(i).map_or("0", String::as_str);
            let b = other.segments.get(i).map_or("0", String::as_str);
            let o = match (is_digits(a), is_digits(b)) {
                (true, true) => cmp_digits(a, b),
                (false, false) => a.cmp(b),
                // A pre-release letter sorts before any number.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GemVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GemVersion {}
