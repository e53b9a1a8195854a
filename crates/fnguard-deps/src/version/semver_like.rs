//! SemVer 2.0 ordering, read leniently the way npm, Cargo and Go tooling meet real versions:
//! a leading `v`, missing minor/patch (`1.2` is `1.2.0`), extra numeric components (kept as
//! part of the pre-release string for SemVer, as a fourth component for NuGet), build metadata
//! ignored (so Go's `+incompatible` orders with its base version), numeric components of any size.

use super::{cmp_digits, is_digits};
use std::cmp::Ordering;

#[derive(Debug, Clone)]
pub struct SemverLike {
    components: Vec<String>,
    /// Everything after the numeric components: `-beta.1+build`.
    rest: String,
}

impl SemverLike {
    pub fn parse(text: &str, max_components: usize) -> Self {
        let text = text.strip_prefix('v').unwrap_or(text);
        let mut components = Vec::new();
        let mut current = String::new();
        let mut rest = String::new();
        let mut in_rest = false;
        for c in text.chars() {
            if in_rest {
                rest.push(c);
            } else if c.is_ascii_digit() {
                current.push(c);
            } else {
                if !current.is_empty() {
                    components.push(std::mem::take(&mut current));
                }
                if c != '.' {
                    in_rest = true;
                    rest.push(c);
                }
            }
        }
        if !in_rest && !current.is_empty() {
            components.push(current);
        }
        if components.len() > max_components {
            // `1.2.3.4` in SemVer: the fourth number is not a component; it is compared as
            // part of the pre-release text, as node-semver's loose mode does.
            let extra: String = components[max_components..]
                .iter()
                .map(|c| format!(".{c}"))
                .collect();
            components.truncate(max_components);
            rest = extra + &rest;
        }
        SemverLike { components, rest }
    }

    pub fn cmp_semver(&self, other: &Self, case_insensitive: bool) -> Ordering {
        let n = self.components.len().max(other.components.len());
        for i in 0..n {
            let a = self.components.get(i).map_or("0", String::as_str);
            let b = other.components.get(i).map_or("0", String::as_str);
            let o = cmp_digits(a, b);
            if o != Ordering::Equal {
                return o;
            }
        }
        if case_insensitive {
            cmp_prerelease(&self.rest.to_lowercase(), &other.rest.to_lowercase())
        } else {
            cmp_prerelease(&self.rest, &other.rest)
        }
    }
}

fn cmp_prerelease(a: &str, b: &str) -> Ordering {
    let strip = |s: &str| -> String {
        let s = s.split('+').next().unwrap_or("");
        s.strip_prefix('-').unwrap_or(s).to_string()
    };
    let (a, b) = (strip(a), strip(b));
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        // A release sorts after its pre-releases.
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let a: Vec<&str> = a.split('.').collect();
    let b: Vec<&str> = b.split('.').collect();
    for (x, y) in a.iter().zip(b.iter()) {
        let o = match (is_digits(x), is_digits(y)) {
            (true, true) => cmp_digits(x, y),
            (false, false) => x.cmp(y),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}
