//! PEP 440 ordering via `pep440_rs`, with the pre-PEP 440 "legacy" ordering of `packaging` < 22
//! for strings that are not valid versions (old releases on PyPI still carry them, and the
//! advisory databases list them): legacy versions sort before every valid version.

use pep440_rs::Version as Pep440;
use std::cmp::Ordering;
use std::str::FromStr;

#[derive(Debug, Clone)]
pub enum PyPIVersion {
    Valid(Pep440),
    Legacy(Vec<String>),
}

impl PyPIVersion {
    pub fn parse(text: &str) -> Self {
        match Pep440::from_str(text) {
            Ok(v) => PyPIVersion::Valid(v),
            Err(_) => PyPIVersion::Legacy(legacy_key(text)),
        }
    }
}

impl Ord for PyPIVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PyPIVersion::Valid(a), PyPIVersion::Valid(b)) => a.cmp(b),
            (PyPIVersion::Legacy(a), PyPIVersion::Legacy(b)) => a.cmp(b),
            (PyPIVersion::Legacy(_), PyPIVersion::Valid(_)) => Ordering::Less,
            (PyPIVersion::Valid(_), PyPIVersion::Legacy(_)) => Ordering::Greater,
        }
    }
}

impl PartialOrd for PyPIVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for PyPIVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for PyPIVersion {}

/// `packaging.version.LegacyVersion`'s key: runs of digits (zero-padded so they compare as
/// numbers), runs of letters (with `pre`/`preview`/`rc` meaning `c`, `dev` sorting first), and
/// `-` separators, with trailing zeros of each numeric series dropped.
fn legacy_key(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut raw: Vec<String> = Vec::new();
    let mut chars = lower.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut s = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                s.push(d);
                chars.next();
            }
            raw.push(s);
        } else if c.is_ascii_lowercase() {
            let mut s = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_lowercase()) {
                s.push(d);
                chars.next();
            }
            raw.push(s);
        } else {
            // `.` separates and is dropped; `-` is kept; anything else is its own part.
            chars.next();
            if c != '.' {
                raw.push(c.to_string());
            }
        }
    }
    let mut parts: Vec<String> = Vec::new();
    let mapped = raw
        .into_iter()
        .map(|p| match p.as_str() {
            "pre" | "preview" | "rc" => "c".to_string(),
            "-" => "final-".to_string(),
            "dev" => "@".to_string(),
            _ => p,
        })
        .filter(|p| !p.is_empty())
        .map(|p| {
            if p.starts_with(|c: char| c.is_ascii_digit()) {
                format!("{p:0>8}")
            } else {
                format!("*{p}")
            }
        })
        .chain(std::iter::once("*final".to_string()));
    for part in mapped {
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    }
    parts
}
