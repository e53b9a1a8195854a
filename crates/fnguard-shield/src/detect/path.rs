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
pub(super) const SYSTEM_FILES: &[&str] = &[
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

const fn is_separator_byte(c: u8) -> bool {
    c.is_ascii_whitespace()
        || matches!(
            c,
            b'"' | b'\'' | b'<' | b'>' | b',' | b'=' | b'&' | b'?' | b'|' | b'(' | b')' | b'`'
        )
}

const SEPARATES_TOKENS: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = is_separator_byte(c as u8);
        c += 1;
    }
    t
};

pub fn detect(value: &str, strictness: Strictness) -> Option<Found> {
    let triggers = super::triggers::Scanner::detectors_only().scan(value.as_bytes());
    detect_with(value, strictness, &triggers.system_files)
}

/// `system_files`: where the value names a system file (`triggers::Scanner`).
pub fn detect_with(
    value: &str,
    strictness: Strictness,
    system_files: &[(usize, usize)],
) -> Option<Found> {
    let b = value.as_bytes();
    let found = |at: usize, what: &'static str| {
        Found::new(
            "path-canonical",
            "path-traversal",
            what,
            value,
            at.saturating_sub(8),
        )
    };
    let lead = value.trim_start().as_bytes();
    if lead.len() >= 6 && lead[..6].eq_ignore_ascii_case(b"file:/") {
        // `file://mapping.json` (a name and no path) is the AWS CLI's way to say "read this
        // local file"; a URL with a path names a file or, with a host, a network share.
        let after = lead[5..].strip_prefix(b"//").unwrap_or(&lead[5..]);
        let names_a_path = after.iter().any(|&c| c == b'/' || c == b'\\');
        if names_a_path || after.is_empty() {
            return Some(found(0, "a file: URL"));
        }
    }
    // Whether the value is text (has a blank), read once: a value can name a system file at
    // every few bytes, and reading it again at each was quadratic.
    let mut in_text: Option<bool> = None;
    for &(at, end) in system_files {
        let text = &b[at..end];
        // A letter or digit glued before the slash makes it part of another name
        // (`abc/etc/passwd` is a directory `abc`); `c:` and dotfiles stand anywhere.
        let glued = at > 0 && b[at - 1].is_ascii_alphanumeric();
        let anywhere = text.first().is_some_and(|c| c.eq_ignore_ascii_case(&b'c'))
            || text.get(1) == Some(&b'.');
        // The function's own directories appear in every stack trace: in text they are a
        // mention; as the whole value (or in a field that reaches a file API) a target.
        let lambda_dir = [b"/var/task".as_slice(), b"/var/runtime", b"/opt/extensions"]
            .iter()
            .any(|d| text.len() >= d.len() && text[..d.len()].eq_ignore_ascii_case(d));
        let in_text = *in_text.get_or_insert_with(|| value.trim().contains(char::is_whitespace));
        // In prose people ask about their own system's files (`where is /etc/hosts on
        // macOS?`); only files that hold secrets count there.
        let secret = [
            b"/etc/shadow".as_slice(),
            b"/etc/sudoers",
            b"/proc/",
            b"/root/.ssh",
            b"/.ssh/id_",
            b"/.aws/",
        ]
        .iter()
        .any(|f| text.len() >= f.len() && text[..f.len()].eq_ignore_ascii_case(f));
        // `~/.aws/credentials` in text is the writer's own file: only a shell expands `~`, and
        // a file API given it looks for a directory named `~`.
        let home = at > 0 && b[at - 1] == b'~';
        if in_text && strictness != Strictness::Sink && (lambda_dir || home || !secret && !anywhere)
        {
            continue;
        }
        if !glued || anywhere {
            return Some(found(at, "a system file by its absolute path"));
        }
    }
    if !has_dots(value) {
        return None;
    }
    // A value that is one path token is what a file API would get. A path inside text is a
    // mention: relative imports and links in code and docs climb three or four levels in a
    // monorepo (`from "../../../test-utils/x"`), so there a climb to an ordinary name counts
    // only past `TEXT_CLIMB`; one into a system directory or secret counts at any depth.
    let whole = !value.trim().bytes().any(is_separator_byte);
    let needed: i64 = match (strictness, whole) {
        (Strictness::Sink, _) => 1,
        (_, true) => 2,
        (_, false) => TEXT_CLIMB,
    };
    value_climbs(value, needed).map(|at| found(at, "a path that climbs out of its directory"))
}

/// Levels a path in text must climb to count when it names no system directory or secret.
const TEXT_CLIMB: i64 = 5;

static DOTS: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b".."));

/// Whether `value` holds `..`, with a searcher built once (building one per value cost as
/// much as searching a kilobyte).
pub(crate) fn has_dots(value: &str) -> bool {
    DOTS.find(value.as_bytes()).is_some()
}

/// Bytes after a walked token searched in place for the next run of dots.
const NEAR_DOTS: usize = 8;

/// Where the first token that `climbs` starts. Only a token with a run of dots can climb:
/// each such token is walked once, and the text between them is passed over with a substring
/// search.
fn value_climbs(value: &str, needed: i64) -> Option<usize> {
    let b = value.as_bytes();
    let dots = &*DOTS;
    // The search starts again after each walked token: a token can hold a run of dots from
    // end to end.
    let mut walked_to = 0;
    // Once runs of dots come close together, the next one is looked for in the bytes just
    // after the last token first, in place: in a value of short tokens with dots (`&..` over
    // and over) each search's set-up cost more than the token's walk.
    let mut close = false;
    let next_dots = |from: usize, close: bool| {
        let near_end = if close {
            (from + NEAR_DOTS).min(b.len())
        } else {
            from
        };
        let near = &b[from..near_end];
        match near.windows(2).position(|w| w == b"..") {
            Some(p) => Some(from + p),
            None if near_end >= b.len() => None,
            // The window's last byte may start a run the search finds.
            None => {
                let from = near_end.saturating_sub(1).max(from);
                dots.find(&b[from..]).map(|p| from + p)
            }
        }
    };
    while let Some(at) = next_dots(walked_to, close) {
        close = at - walked_to < NEAR_DOTS;
        let start = b[walked_to..at]
            .iter()
            .rposition(|&c| SEPARATES_TOKENS[c as usize])
            .map_or(walked_to, |p| walked_to + p + 1);
        let end = b[at..]
            .iter()
            .position(|&c| SEPARATES_TOKENS[c as usize])
            .map_or(b.len(), |p| at + p);
        if climbs(&b[start..end], needed) {
            return Some(start);
        }
        walked_to = end;
    }
    None
}

/// Whether one path token names something after climbing `needed` levels above where it
/// starts, or a system directory or secret file after any climb. Segments end at `/` and `\`.
fn climbs(token: &[u8], needed: i64) -> bool {
    let mut depth: i64 = 0;
    let mut lowest: i64 = 0;
    for segment in token.split(|&c| c == b'/' || c == b'\\') {
        let mut seg = segment;
        while let [rest @ .., b';'] = seg {
            seg = rest;
        }
        if seg.len() >= 2 && seg.iter().all(|&x| x == b'.') {
            depth -= 1;
            lowest = lowest.min(depth);
        } else if !seg.is_empty() && seg != b"." {
            let sensitive = depth <= -1 && {
                let name = std::str::from_utf8(seg)
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                SYSTEM_ROOTS.contains(&name.as_str())
                    || [".env", ".ssh", ".aws", ".git"]
                        .iter()
                        .any(|p| name.starts_with(p))
            };
            if sensitive || -lowest >= needed {
                return true;
            }
            depth += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk over every segment of the value, as it was before tokens without a run of
    /// dots were passed over: whether it finds a climb, and where.
    fn climb_walking_every_segment(value: &str, needed: i64) -> Option<usize> {
        let b = value.as_bytes();
        let found = |at: usize, _: &str| at;
        let mut token_start = 0;
        let mut seg_start = 0;
        let mut depth: i64 = 0;
        let mut lowest: i64 = 0;
        let mut i = 0;
        loop {
            // Name bytes in a tight loop: only segment ends need a look.
            while i < b.len() && !ENDS_SEGMENT[b[i] as usize] {
                i += 1;
            }
            let c = b.get(i).copied();
            let ends_token = c.is_none_or(is_separator_byte);
            let mut seg = &b[seg_start..i];
            while let [rest @ .., b';'] = seg {
                seg = rest;
            }
            if seg.len() >= 2 && seg.iter().all(|&x| x == b'.') {
                depth -= 1;
                lowest = lowest.min(depth);
            } else if !seg.is_empty() && seg != b"." {
                let sensitive = depth <= -1 && {
                    let name = std::str::from_utf8(seg)
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    SYSTEM_ROOTS.contains(&name.as_str())
                        || [".env", ".ssh", ".aws", ".git"]
                            .iter()
                            .any(|p| name.starts_with(p))
                };
                if sensitive || -lowest >= needed {
                    return Some(found(
                        token_start,
                        "a path that climbs out of its directory",
                    ));
                }
                depth += 1;
            }
            seg_start = i + 1;
            if ends_token {
                token_start = i + 1;
                depth = 0;
                lowest = 0;
            }
            if i >= b.len() {
                return None;
            }
            i += 1;
        }
    }

    /// Bytes that end a path segment: separators between tokens, and `/` and `\` inside them.
    const ENDS_SEGMENT: [bool; 256] = {
        let mut t = [false; 256];
        let mut c = 0;
        while c < 256 {
            let b = c as u8;
            t[c] = is_separator_byte(b) || b == b'/' || b == b'\\';
            c += 1;
        }
        t
    };

    #[test]
    fn passing_over_tokens_without_dots_changes_no_judgment() {
        const PIECES: &[&str] = &[
            "..", ".", "...", "/", "\\", ";", "..;", " ", "\"", "'", "?", "&", "=", "etc",
            "passwd", "x", "lib", ".env", ".ssh", "Windows", "a", "\n", "(", "`", "é",
        ];
        let mut hits = 0;
        for v in crate::detect::pieces_joined(PIECES, 5, 30_000, 58) {
            for needed in 1..=3 {
                let expected = climb_walking_every_segment(&v, needed);
                hits += usize::from(expected.is_some());
                let start = value_climbs(&v, needed);
                assert_eq!(start, expected, "{v:?} {needed}");
            }
        }
        // Many of them climb: the judgments are reached, not only the search.
        assert!(hits > 2_000, "{hits}");
    }

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
            // A home directory by its path, and `~` as the whole value.
            "please read /root/.aws/credentials for me",
            "~/.aws/credentials",
            "file:/etc/passwd",
            "file://localhost/etc/passwd",
            "file://attacker.example/share/x",
            "FILE://C:\\Windows\\win.ini",
            // In text: into a system directory at any depth, elsewhere past five levels.
            "open ../../../../etc/hosts now",
            "the file is ../../../../../../data/export.csv",
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
            "TypeError: x\n    at handler (/var/task/index.js:9:3)",
            "Where can I find the /etc/hosts file on macOS?",
            "import x from '../../lib/x'",
            "const y = require('../../util')",
            "import { normalize } from \"../../../test-utils/normalize-template\";",
            "See [the guide](../../../../docs/setup.md) for details.",
            "Keys stored in `~/.aws/credentials` are used by the CLI.",
            "chmod 600 ~/.ssh/id_ed25519 first",
            "file://mapping-rules.json",
        ] {
            assert!(!hit(v), "false positive: {v}");
        }
        assert!(detect("../secret.txt", Strictness::Sink).is_some());
        assert!(detect("../secret.txt", Strictness::Generic).is_none());
        assert!(detect("../.env", Strictness::Generic).is_some());
    }
}
