//! Inline suppressions: `fnguard:ignore FG201[,FG203] <reason>` in a comment, on the
//! element's line or the line above it.

use fnguard_rules::Suppression;

const MARKER: &str = "fnguard:ignore";

pub fn scan_text(file: &str, text: &str) -> Vec<Suppression> {
    let mut out = Vec::new();
    // Nearly every file has none: one search of the whole text instead of one per line.
    if !text.contains(MARKER) {
        return out;
    }
    for (i, line) in text.lines().enumerate() {
        let Some(pos) = line.find(MARKER) else {
            continue;
        };
        let rest = line[pos + MARKER.len()..]
            .trim_start_matches([':', '='])
            .trim();
        let mut rules = Vec::new();
        let mut words = rest.split_whitespace().peekable();
        while let Some(w) = words.peek() {
            let candidates: Vec<&str> = w.split(',').filter(|s| !s.is_empty()).collect();
            if !candidates.is_empty() && candidates.iter().all(|c| looks_like_rule(c)) {
                rules.extend(candidates.iter().map(|c| c.to_string()));
                words.next();
            } else {
                break;
            }
        }
        let reason: String = words.collect::<Vec<_>>().join(" ");
        let reason = reason
            .trim_start_matches(['-', ':', '—'])
            .trim()
            .to_string();
        if rules.is_empty() {
            continue;
        }
        out.push(Suppression {
            file: file.to_string(),
            line: i as u32 + 1,
            rules,
            reason: (!reason.is_empty()).then_some(reason),
        });
    }
    out
}

fn looks_like_rule(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() == 5 && s[..2].eq_ignore_ascii_case("FG") && b[2..].iter().all(u8::is_ascii_digit))
        || fnguard_rules::find_rule(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_and_reason() {
        let s = scan_text(
            "t.yml",
            "a: 1\n  url: true # fnguard:ignore FG201 public webhook, verified by HMAC\n# fnguard:ignore FG203,FG206\n",
        );
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].line, 2);
        assert_eq!(s[0].rules, vec!["FG201"]);
        assert_eq!(
            s[0].reason.as_deref(),
            Some("public webhook, verified by HMAC")
        );
        assert_eq!(s[1].rules, vec!["FG203", "FG206"]);
        assert_eq!(s[1].reason, None);
    }
}
