//! Path traversal by canonicalisation: each path-like token of the (decoded) value is walked
//! segment by segment, with `\` read as `/`, `..;` as `..` and runs of dots as `..` (filters
//! that strip `../` once turn `....//` into it). A token that climbs two levels above where it
//! starts, or one level into a system directory, is a traversal; so is a system file named
//! by its absolute path. A field known to reach a file API may not climb at all.

use super::{Found, Strictness};

/// Where a climb aims when it is an attack (`lib`, `src` and the like are where relative
/// imports go).
const SYSTEM_ROOTS: &[&str] = &[
    "etc", "proc", "var", "root", "home", "windows", "winnt", "boot.ini", "system32", "inetpub",
];

/// Files an attacker reads by absolute path (lower case, `/` separators).
const SYSTEM_FILES: &[&str] = &[
    "/etc/passwd",
    "/etc/shadow",
    "/etc/group",
    "/etc/sudoers",
    "/etc/hosts",
    "/etc/hostname",
    "/proc/self/",
    "/proc/thread-self/",
    "/var/runtime",
    "/var/task/",
    "/root/.ssh",
    "/.ssh/id_",
    "/.aws/credentials",
    "/.aws/config",
    "c:/windows/",
    "c:/winnt/",
    "/boot.ini",
    "/win.ini",
    "/windows/system32/",
    "//?/",
    "/etc/environment",
    "/opt/extensions/",
];

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\'' | '<' | '>' | ',' | '=' | '&' | '?' | '|' | '(' | ')' | '`'
        )
}

pub fn detect(value: &str, strictness: Strictness) -> Option<Found> {
    if !value.contains(['.', '/', '\\', ':']) {
        return None;
    }
    let unified = value.replace('\\', "/");
    let lower = unified.to_ascii_lowercase();
    let found = |at: usize, what: &'static str| {
        Found::new(
            "path-canonical",
            "path-traversal",
            what,
            value,
            at.saturating_sub(8),
        )
    };
    if lower.trim_start().starts_with("file:/") {
        return Some(found(0, "a file: URL"));
    }
    for file in SYSTEM_FILES {
        let mut from = 0;
        while let Some(p) = lower[from..].find(file) {
            let at = from + p;
            // `/proc/self/` inside a longer word (`docs/proc/self/`) is still a path; only a
            // letter or digit glued before the slash makes it part of another name.
            let glued = lower[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() && !file.starts_with("c:"));
            if !glued || file.starts_with("/.") {
                return Some(found(at, "a system file by its absolute path"));
            }
            from = at + 1;
        }
    }
    if !unified.contains("..") {
        return None;
    }
    // A value that is one path token is what a file API would get; a path inside text
    // (a relative import in a code sample, `../` in prose) has to climb further to count.
    let whole = !value.trim().contains(is_separator);
    let needed: i64 = match (strictness, whole) {
        (Strictness::Sink, _) => 1,
        (_, true) => 2,
        (_, false) => 3,
    };
    let mut offset = 0;
    for token in unified.split(is_separator) {
        let start = offset;
        offset += token.len() + 1;
        if !token.contains("..") {
            continue;
        }
        let segments: Vec<&str> = token.split('/').collect();
        let mut depth: i64 = 0;
        for (n, seg) in segments.iter().enumerate() {
            let seg = seg.trim_end_matches(';');
            let up = seg.len() >= 2 && seg.bytes().all(|c| c == b'.');
            if up {
                depth -= 1;
                // What the climb lands on: a system directory or a secret file counts after
                // one level; anything else after `needed` levels, and only if a name follows
                // (`wait..` and a trailing `../` name nothing).
                let next = segments[n + 1..]
                    .iter()
                    .find(|s| !s.is_empty() && !s.bytes().all(|c| c == b'.'))
                    .map(|s| s.to_ascii_lowercase());
                let sensitive = next.as_deref().is_some_and(|s| {
                    SYSTEM_ROOTS.contains(&s)
                        || s.starts_with(".env")
                        || s.starts_with(".ssh")
                        || s.starts_with(".aws")
                        || s.starts_with(".git")
                });
                if depth <= -1 && sensitive || -depth >= needed && next.is_some() {
                    return Some(found(start, "a path that climbs out of its directory"));
                }
            } else if !seg.is_empty() && seg != "." {
                depth += 1;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(v: &str) -> bool {
        detect(v, Strictness::Generic).is_some()
    }

    #[test]
    fn traversals() {
        for v in [
            "../../../../etc/passwd",
            "..\\..\\windows\\win.ini",
            "images/../../../var/task/handler.py",
            "../../x",
            "/proc/self/environ",
            "....//....//etc/passwd",
            "file:///etc/passwd",
            "C:\\Windows\\System32\\drivers\\etc\\hosts",
            "uploads/../../etc/passwd",
            "..;/..;/admin",
            "name=../etc/shadow",
            "../etc/passwd",
            "/home/user/.ssh/id_rsa",
        ] {
            assert!(hit(v), "missed: {v}");
        }
    }

    #[test]
    fn prose_and_paths() {
        for v in [
            "../relative is how my teacher writes it in prose",
            "path/to/some/file.txt",
            "C:/Users/ana/Documents",
            "Wait.. what?",
            "and so on...",
            "my.file.name.tar.gz",
            "https://www.example.com/a/b/../c",
            "see ../README.md",
            "one/../two",
            "import x from '../../lib/x'",
            "const y = require('../../util')",
        ] {
            assert!(!hit(v), "false positive: {v}");
        }
        assert!(detect("../secret.txt", Strictness::Sink).is_some());
        assert!(detect("../secret.txt", Strictness::Generic).is_none());
        assert!(detect("../.env", Strictness::Generic).is_some());
    }
}
