//! What a value means once the layers an attacker can wrap it in are taken off: URL encoding
//! (to a fixed point, so double and triple encoding fall too), HTML character references,
//! JavaScript/JSON escapes, overlong UTF-8 slashes and Unicode compatibility forms (fullwidth
//! `＜`, ligatures) folded by compatibility decomposition, as NFKC does. Every pass is linear and the number of passes is fixed.

/// Decoding rounds before giving up on a fixed point: three layers of encoding is already more
/// than any application decodes.
const ROUNDS: usize = 4;

/// The value fully decoded, when that differs from the value.
pub fn decoded(value: &str) -> Option<String> {
    let mut current: Option<String> = None;
    // How many times a step changed the text, and for each step the count at which it last
    // found nothing to decode: a step is not run again on text nobody changed since (a second
    // round used to read the whole value with every step only to learn that).
    let mut changes = 0usize;
    let mut found_nothing_at: [Option<usize>; STEPS.len()] = [None; STEPS.len()];
    for _ in 0..ROUNDS {
        let before = changes;
        for (step, (applies, decode)) in STEPS.iter().enumerate() {
            if found_nothing_at[step] == Some(changes) {
                continue;
            }
            let text = current.as_deref().unwrap_or(value);
            match applies(text).then(|| decode(text)).flatten() {
                Some(next) => {
                    current = Some(next);
                    changes += 1;
                    found_nothing_at[step] = None;
                }
                None => found_nothing_at[step] = Some(changes),
            }
        }
        if changes == before {
            break;
        }
    }
    current.filter(|s| s != value)
}

type Step = (fn(&str) -> bool, fn(&str) -> Option<String>);

/// Each encoding's layer taken off in turn, each step saying whether it changed anything (so
/// that a value is not copied and compared just to learn that).
const STEPS: [Step; 4] = [
    (|s| s.contains('%'), percent),
    (|s| s.contains('&') && s.contains(';'), html_entities),
    (|s| s.contains('\\'), escapes),
    (|s| !s.is_ascii(), compatibility_fold),
];

/// Where the first byte from 0x80 up is in `b`: after the first few, eight bytes at a time
/// (text with a non-ASCII character now and then is read to its next one over and over).
fn first_non_ascii(b: &[u8]) -> Option<usize> {
    // The first bytes plainly: in text that is mostly non-ASCII the next one is near.
    let near = b.len().min(8);
    if let Some(p) = b[..near].iter().position(|&c| c >= 0x80) {
        return Some(p);
    }
    let mut chunks = b[near..].chunks_exact(8);
    let mut at = near;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default());
        let high = word & 0x8080_8080_8080_8080;
        if high != 0 {
            return Some(at + (high.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| c >= 0x80)
        .map(|p| at + p)
}

/// Compatibility decomposition (the K of NFKC) of the characters that have one: fullwidth
/// `＜`, small form `﹤`, the one-dot leader `․` and ligatures become the ASCII a parser would
/// see. Composition and reordering are left out: they never produce ASCII, and skipping them
/// keeps the fold a table lookup per character (combining marks, the slow case of NFKC, pass
/// through). `None` when nothing changes, without building a copy.
fn compatibility_fold(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out: Option<String> = None;
    // `s[..copied]` is in `out` (once there is one): unchanged text goes in runs, not a
    // character at a time.
    let mut copied = 0;
    let mut compat = String::new();
    let mut canonical = String::new();
    // Characters already looked up that have nothing to fold, by their low byte: text repeats
    // its characters (and invalid UTF-8 is one replacement character over and over), and the
    // decomposition tables cost tens of nanoseconds a lookup.
    let mut unfolded = ['\0'; 256];
    let mut at = 0;
    while let Some(p) = first_non_ascii(&b[at..]) {
        at += p;
        let Some(c) = s[at..].chars().next() else {
            break;
        };
        let len = c.len_utf8();
        // Slashes with no compatibility mapping that Windows' best-fit conversion and some
        // path APIs still read as `/` and `\` (`..∕..∕etc∕passwd`).
        let best_fit = match c {
            '\u{2215}' | '\u{2044}' | '\u{29f8}' => Some('/'),
            '\u{2216}' | '\u{29f5}' | '\u{29f9}' => Some('\\'),
            _ => None,
        };
        let fold = if ('\u{300}'..='\u{36f}').contains(&c) || unfolded[c as usize & 255] == c {
            false
        } else if let Some(slash) = best_fit {
            compat.clear();
            compat.push(slash);
            true
        } else {
            compat.clear();
            unicode_normalization::char::decompose_compatible(c, |d| compat.push(d));
            // Most characters have no decomposition (CJK, emoji, the replacement character
            // of invalid UTF-8): then they have no canonical one either, as canonical
            // mappings are a subset of compatibility ones.
            let fold = if compat.len() == len && compat.starts_with(c) {
                false
            } else {
                // Accented letters (`ó` is `o` and an accent canonically) are text, not a
                // disguise: only a compatibility mapping (fullwidth, small forms, ligatures)
                // is folded.
                canonical.clear();
                unicode_normalization::char::decompose_canonical(c, |d| canonical.push(d));
                compat != canonical
            };
            if !fold {
                unfolded[c as usize & 255] = c;
            }
            fold
        };
        if fold {
            let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
            o.push_str(&s[copied..at]);
            o.extend(
                compat
                    .chars()
                    .filter(|d| best_fit.is_some() || !('\u{300}'..='\u{36f}').contains(d)),
            );
            copied = at + len;
        }
        at += len;
    }
    if let Some(o) = out.as_mut() {
        o.push_str(&s[copied..]);
    }
    out
}

/// Percent-decoding that also takes IIS's `%uXXXX` and the overlong UTF-8 forms of `/`, `\` and
/// `.` that old decoders accepted (`%c0%af`); invalid UTF-8 becomes U+FFFD.
fn percent(s: &str) -> Option<String> {
    let b = s.as_bytes();
    // Most values with a `%` hold no escape (`100%`, or a second round with nothing left): they
    // are told apart without a copy.
    let first = memchr::memchr_iter(b'%', b).find(|&at| percent_escape(b, at).is_some())?;
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..first]);
    let mut i = first;
    while i < b.len() {
        // Copy the run up to the next `%` in one go.
        match memchr::memchr(b'%', &b[i..]) {
            Some(0) => {}
            Some(p) => {
                out.extend_from_slice(&b[i..i + p]);
                i += p;
            }
            None => {
                out.extend_from_slice(&b[i..]);
                break;
            }
        }
        match percent_escape(b, i) {
            Some((bytes, len, used)) => {
                out.extend_from_slice(&bytes[..len]);
                i += used;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    Some(lossy_text(out))
}

/// The escape at `b[at]` (a `%`): the bytes it stands for (`len` of them) and how many bytes
/// it spans. Inlined: out of line, the call per escape made `%25` repeated 17 % slower.
#[inline(always)]
fn percent_escape(b: &[u8], at: usize) -> Option<([u8; 4], usize, usize)> {
    if let Some(v) = hex_at(b, at + 1, 2) {
        let v = v as u8;
        // Overlong two-byte forms: %c0%af is '/', %c0%ae is '.', %c1%9c is '\'.
        if (v == 0xc0 || v == 0xc1) && b.get(at + 3) == Some(&b'%') {
            if let Some(w) = hex_at(b, at + 4, 2) {
                let c = (((v & 0x1f) as u32) << 6) | (w & 0x3f);
                if c < 0x80 {
                    return Some(([c as u8, 0, 0, 0], 1, 6));
                }
            }
        }
        return Some(([v, 0, 0, 0], 1, 3));
    }
    if matches!(b.get(at + 1), Some(b'u' | b'U')) {
        let c = hex_at(b, at + 2, 4).and_then(char::from_u32)?;
        let mut buf = [0u8; 4];
        let len = c.encode_utf8(&mut buf).len();
        return Some((buf, len, 6));
    }
    None
}

fn hex_at(b: &[u8], at: usize, len: usize) -> Option<u32> {
    let digits = b.get(at..at + len)?;
    let mut v = 0u32;
    for d in digits {
        v = v * 16 + (*d as char).to_digit(16)?;
    }
    Some(v)
}

/// `&lt;`, `&#39;`, `&#x2F;` and the named references payloads use; unknown names stay.
fn html_entities(s: &str) -> Option<String> {
    // Most `&` start no reference (`Tom & Jerry`, a second round with nothing left): such a
    // value is told apart without a copy.
    let first =
        memchr::memchr_iter(b'&', s.as_bytes()).find(|&at| reference(&s[at + 1..]).is_some())?;
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..first]);
    let mut rest = &s[first..];
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        match reference(tail) {
            Some((c, used)) => {
                out.push(c);
                rest = &tail[used..];
            }
            None => {
                out.push('&');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    Some(out)
}

/// The character reference `tail` starts with (after its `&`), and how many bytes it spans
/// with its `;`.
fn reference(tail: &str) -> Option<(char, usize)> {
    // A reference is short; looking further would make `&&&&…` quadratic.
    let end = tail.bytes().take(12).position(|c| c == b';');
    end.and_then(|e| {
        let name = &tail[..e];
        let c = if let Some(num) = name.strip_prefix('#') {
            let n = match num.strip_prefix(['x', 'X']) {
                Some(h) => u32::from_str_radix(h, 16).ok(),
                None => num.parse::<u32>().ok(),
            };
            n.and_then(char::from_u32)
        } else {
            match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "sol" => Some('/'),
                "bsol" => Some('\\'),
                "colon" => Some(':'),
                "semi" => Some(';'),
                "lpar" => Some('('),
                "rpar" => Some(')'),
                "period" => Some('.'),
                "grave" => Some('`'),
                "dollar" => Some('$'),
                "verbar" | "vert" => Some('|'),
                "num" => Some('#'),
                "lbrace" => Some('{'),
                "rbrace" => Some('}'),
                "NewLine" => Some('\n'),
                "Tab" => Some('\t'),
                _ => None,
            }
        };
        c.map(|c| (c, e + 1))
    })
}

/// JavaScript and JSON escapes (`\u0027`, `\x27`, `\/`) as a JSON or JS parser would read
/// them; other backslashes stay (they mean something to shells and Windows paths).
fn escapes(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        // Backslashes can be every other byte: the next few bytes are read one by one, and
        // only past them is the rest searched.
        let near = (i + 16).min(b.len());
        match b[i..near].iter().position(|&c| c == b'\\') {
            Some(p) => i += p,
            None => match memchr::memchr(b'\\', &b[near..]) {
                Some(p) => i = near + p,
                None => break,
            },
        }
        let decoded = match b.get(i + 1) {
            Some(b'u') => {
                if b.get(i + 2) == Some(&b'{') {
                    let close = b[i + 3..].iter().take(8).position(|&c| c == b'}');
                    close.and_then(|c| {
                        let hex = std::str::from_utf8(&b[i + 3..i + 3 + c]).ok()?;
                        let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                        Some((ch, 4 + c))
                    })
                } else {
                    hex_at(b, i + 2, 4).and_then(char::from_u32).map(|c| (c, 6))
                }
            }
            Some(b'x') => hex_at(b, i + 2, 2).and_then(char::from_u32).map(|c| (c, 4)),
            Some(b'/') => Some(('/', 2)),
            _ => None,
        };
        match decoded {
            Some((c, used)) => {
                out.push_str(&s[last..i]);
                out.push(c);
                i += used;
                last = i;
            }
            None => i += 2,
        }
    }
    if last == 0 {
        return None;
    }
    out.push_str(s.get(last..).unwrap_or_default());
    Some(out)
}

/// Decoded bytes as text, invalid sequences replaced: validated by the standard library's
/// word-at-a-time check and kept without a copy when valid (`from_utf8_lossy` reads byte by
/// byte, and copies).
fn lossy_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_non_ascii_byte_is_found_at_any_place() {
        for len in 0..40 {
            let mut text = vec![b'a'; len];
            assert_eq!(first_non_ascii(&text), None);
            for at in 0..len {
                text[at] = 0xc3;
                assert_eq!(first_non_ascii(&text), Some(at), "{len} {at}");
                // Only the first counts.
                if at + 1 < len {
                    text[len - 1] = 0x80;
                    assert_eq!(first_non_ascii(&text), Some(at));
                    text[len - 1] = b'a';
                }
                text[at] = b'a';
            }
        }
    }

    /// `compatibility_fold` as it was, a character at a time: the reference.
    fn compatibility_fold_by_character(s: &str) -> Option<String> {
        let mut out: Option<String> = None;
        let mut compat = String::new();
        let mut canonical = String::new();
        for (at, c) in s.char_indices() {
            if c.is_ascii() || ('\u{300}'..='\u{36f}').contains(&c) {
                if let Some(o) = out.as_mut() {
                    o.push(c);
                }
                continue;
            }
            // Slashes with no compatibility mapping that Windows' best-fit conversion and some
            // path APIs still read as `/` and `\` (`..∕..∕etc∕passwd`).
            let best_fit = match c {
                '\u{2215}' | '\u{2044}' | '\u{29f8}' => Some('/'),
                '\u{2216}' | '\u{29f5}' | '\u{29f9}' => Some('\\'),
                _ => None,
            };
            if let Some(b) = best_fit {
                let o = out.get_or_insert_with(|| {
                    let mut o = String::with_capacity(s.len());
                    o.push_str(&s[..at]);
                    o
                });
                o.push(b);
                continue;
            }
            compat.clear();
            canonical.clear();
            unicode_normalization::char::decompose_compatible(c, |d| compat.push(d));
            // Accented letters (`ó` is `o` and an accent canonically) are text, not a disguise:
            // only a compatibility mapping (fullwidth, small forms, ligatures) is folded.
            unicode_normalization::char::decompose_canonical(c, |d| canonical.push(d));
            if compat == canonical {
                if let Some(o) = out.as_mut() {
                    o.push(c);
                }
                continue;
            }
            let o = out.get_or_insert_with(|| {
                let mut o = String::with_capacity(s.len());
                o.push_str(&s[..at]);
                o
            });
            o.extend(
                compat
                    .chars()
                    .filter(|d| !('\u{300}'..='\u{36f}').contains(d)),
            );
        }
        out
    }

    #[test]
    fn folding_in_runs_folds_as_by_character() {
        const PIECES: &[&str] = &[
            "a", " ", "é", "e\u{301}", "\u{301}", "＜", "＇", "ｏ", "ﬁ", "∕", "⧵", "․", "日本",
            "😀", "﹤", "Å", "ǅ", "²", "\u{2044}", "x", "\u{fffd}", "한", "㎏",
        ];
        let folded = crate::detect::agrees_with_reference(
            PIECES,
            19,
            20_000,
            59,
            compatibility_fold,
            compatibility_fold_by_character,
            |r| r.is_some(),
        );
        assert!(folded > 5_000, "{folded}");
    }

    /// `html_entities` as it was, copying every value it looked at: the reference.
    fn html_entities_copying_everything(s: &str) -> Option<String> {
        let mut out = String::with_capacity(s.len());
        let mut changed = false;
        let mut rest = s;
        while let Some(at) = rest.find('&') {
            out.push_str(&rest[..at]);
            let tail = &rest[at + 1..];
            // A reference is short; looking further would make `&&&&…` quadratic.
            let end = tail.bytes().take(12).position(|c| c == b';');
            let decoded = end.and_then(|e| {
                let name = &tail[..e];
                let c = if let Some(num) = name.strip_prefix('#') {
                    let n = match num.strip_prefix(['x', 'X']) {
                        Some(h) => u32::from_str_radix(h, 16).ok(),
                        None => num.parse::<u32>().ok(),
                    };
                    n.and_then(char::from_u32)
                } else {
                    match name {
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "amp" => Some('&'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        "sol" => Some('/'),
                        "bsol" => Some('\\'),
                        "colon" => Some(':'),
                        "semi" => Some(';'),
                        "lpar" => Some('('),
                        "rpar" => Some(')'),
                        "period" => Some('.'),
                        "grave" => Some('`'),
                        "dollar" => Some('$'),
                        "verbar" | "vert" => Some('|'),
                        "num" => Some('#'),
                        "lbrace" => Some('{'),
                        "rbrace" => Some('}'),
                        "NewLine" => Some('\n'),
                        "Tab" => Some('\t'),
                        _ => None,
                    }
                };
                c.map(|c| (c, e + 1))
            });
            match decoded {
                Some((c, used)) => {
                    out.push(c);
                    rest = &tail[used..];
                    changed = true;
                }
                None => {
                    out.push('&');
                    rest = tail;
                }
            }
        }
        out.push_str(rest);
        changed.then_some(out)
    }

    #[test]
    fn references_without_a_known_name_are_told_without_a_copy_and_decode_the_same() {
        const PIECES: &[&str] = &[
            "&",
            ";",
            "&lt;",
            "&LT;",
            "&amp;",
            "&#39;",
            "&#x2F;",
            "&#X2f;",
            "&#;",
            "&#xzz;",
            "&nope;",
            "&verbar;",
            "&NewLine;",
            "&#1114112;",
            "lt",
            "#39",
            "a",
            " ",
            "é",
            "&&",
            "&;",
            "&#x110000;",
        ];
        let decoded = crate::detect::agrees_with_reference(
            PIECES,
            17,
            20_000,
            59,
            html_entities,
            html_entities_copying_everything,
            |r| r.is_some(),
        );
        assert!(decoded > 5_000, "{decoded}");
    }

    /// `percent` as it was, copying every value it looked at: the reference.
    fn percent_copying_everything(s: &str) -> Option<String> {
        let b = s.as_bytes();
        let mut out: Vec<u8> = Vec::with_capacity(b.len());
        let mut changed = false;
        let mut i = 0;
        while i < b.len() {
            // Copy the run up to the next `%` in one go.
            match memchr::memchr(b'%', &b[i..]) {
                Some(0) => {}
                Some(p) => {
                    out.extend_from_slice(&b[i..i + p]);
                    i += p;
                }
                None => {
                    out.extend_from_slice(&b[i..]);
                    break;
                }
            }
            if b[i] == b'%' {
                if let Some(v) = hex_at(b, i + 1, 2) {
                    let v = v as u8;
                    // Overlong two-byte forms: %c0%af is '/', %c0%ae is '.', %c1%9c is '\'.
                    if (v == 0xc0 || v == 0xc1) && b.get(i + 3) == Some(&b'%') {
                        if let Some(w) = hex_at(b, i + 4, 2) {
                            let c = (((v & 0x1f) as u32) << 6) | (w & 0x3f);
                            if c < 0x80 {
                                out.push(c as u8);
                                i += 6;
                                changed = true;
                                continue;
                            }
                        }
                    }
                    out.push(v);
                    i += 3;
                    changed = true;
                    continue;
                }
                if matches!(b.get(i + 1), Some(b'u' | b'U')) {
                    if let Some(c) = hex_at(b, i + 2, 4).and_then(char::from_u32) {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        i += 6;
                        changed = true;
                        continue;
                    }
                }
            }
            out.push(b[i]);
            i += 1;
        }
        changed.then(|| lossy_text(out))
    }

    #[test]
    fn percent_without_escapes_is_told_without_a_copy_and_decodes_the_same() {
        const PIECES: &[&str] = &[
            "%", "%2", "%2e", "%2E", "%c0", "%af", "%c0%af", "%c1%9c", "%u", "%u002", "%u0027",
            "%U00e9", "%zz", "%%", "%25", "a", " ", "é", "%ff", "%d8%00", "2e", "u0027",
        ];
        let decoded = crate::detect::agrees_with_reference(
            PIECES,
            13,
            20_000,
            59,
            percent,
            percent_copying_everything,
            |r| r.is_some(),
        );
        assert!(decoded > 5_000, "{decoded}");
    }

    /// `decoded` as it was: every step in every round, to a round that changes nothing.
    fn decoded_round_by_round(value: &str) -> Option<String> {
        let round = |s: &str| {
            let mut out: Option<String> = None;
            for (applies, decode) in STEPS {
                let current = out.as_deref().unwrap_or(s);
                if applies(current) {
                    if let Some(next) = decode(current) {
                        out = Some(next);
                    }
                }
            }
            out
        };
        let mut current: Option<String> = None;
        for _ in 0..ROUNDS {
            match round(current.as_deref().unwrap_or(value)) {
                Some(next) => current = Some(next),
                None => break,
            }
        }
        current.filter(|s| s != value)
    }

    #[test]
    fn steps_skipped_on_unchanged_text_decode_as_every_round_in_full() {
        // Layers of every encoding, nested in each other and cut short.
        const PIECES: &[&str] = &[
            "%", "25", "2e", "2", "e", "%u002e", "&", "amp;", "#x25;", "#37;", "lt;", ";", "\\",
            "u0025", "x25", "x2e", "/", "＜", "ﬁ", "a", " ", "..",
        ];
        let reached = crate::detect::agrees_with_reference(
            PIECES,
            29,
            20_000,
            58,
            decoded,
            decoded_round_by_round,
            |d| {
                d.as_deref()
                    .is_some_and(|d| d.contains('<') && d.contains('.'))
            },
        );
        assert!(reached > 200, "{reached}");
    }

    #[test]
    fn layers_come_off_to_a_fixed_point() {
        assert_eq!(decoded("..%252f..%252fetc").unwrap(), "../../etc");
        assert_eq!(decoded("%c0%ae%c0%ae%c0%afetc").unwrap(), "../etc");
        assert_eq!(
            decoded("&#x27; OR &#39;1&#39;=&#39;1").unwrap(),
            "' OR '1'='1"
        );
        assert_eq!(decoded("\\u0027 or 1=1--").unwrap(), "' or 1=1--");
        assert_eq!(decoded("%u0027%u003b").unwrap(), "';");
        assert_eq!(decoded("＜script＞ ＇ｏｒ").unwrap(), "<script> 'or");
        assert_eq!(decoded("&amp;lt;").unwrap(), "<");
        assert_eq!(decoded("..∕..∕etc∕passwd").unwrap(), "../../etc/passwd");
        assert_eq!(
            decoded("..%u2216..%u2216win.ini").unwrap(),
            "..\\..\\win.ini"
        );
    }

    #[test]
    fn plain_text_is_left_alone() {
        for v in [
            "Ana López, Zürich, naïve café",
            "100% cotton",
            "Tom & Jerry",
            "C:\\Users\\ana",
            "a && b",
            "日本語",
            "50%",
        ] {
            assert_eq!(decoded(v), None, "{v}");
        }
    }

    #[test]
    fn a_backslash_at_the_end_is_left_as_it_is() {
        for v in ["\\", "a\\", "\\u00", "\\x4", "\\\\", "\\u0027\\"] {
            let d = decoded(v);
            assert!(
                d.as_deref().is_none_or(|d| d.ends_with('\\')),
                "{v:?} {d:?}"
            );
        }
        assert_eq!(decoded("\\u0027\\").as_deref(), Some("'\\"));
    }

    #[test]
    fn hostile_repetition_stays_linear() {
        let s = "&".repeat(100_000) + &"%".repeat(100_000) + &"\\u".repeat(50_000);
        assert_eq!(decoded(&s), None);
    }
}
