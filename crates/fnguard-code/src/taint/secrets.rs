//! FG509: credentials written into source and configuration files: well-known formats (AWS
//! access keys, private keys, provider tokens, JWTs, connection strings with passwords) anywhere
//! in a string, and high-entropy or password literals assigned to secret-named variables.
//! Shares its detector with FG602 (`fnguard_model::secrets`).

use fnguard_model::secrets::{known_credential, literal_secret};
use fnguard_model::{CodeFinding, FlowStep, Location};

/// Lines longer than this are minified code or data, not hand-written credentials.
const MAX_LINE: usize = 2_000;

pub fn scan(rel: &str, text: &str) -> Vec<CodeFinding> {
    // In code, only quoted literals are values; `NAME=value` lines are for .env-style files.
    let code = [".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".tsx", ".jsx"]
        .iter()
        .any(|e| rel.ends_with(e));
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.len() > MAX_LINE {
            continue;
        }
        let line_no = i as u32 + 1;
        let mut reported = false;
        if line.contains("-----BEGIN") && line.contains("PRIVATE KEY") {
            let body_follows = lines
                .get(i + 1)
                .is_some_and(|next| next.trim().len() >= 40 || line.len() > 80);
            if body_follows {
                out.push(finding(rel, line_no, line, "a private key".into()));
                continue;
            }
        }
        for (col, value) in quoted_strings(line) {
            if let Some(kind) = known_credential(&value) {
                let mut why = format!("a literal that matches the {kind} pattern");
                if kind == "AWS access key id" && has_aws_secret_near(&lines, i) {
                    why.push_str(", with its secret access key next to it");
                }
                out.push(finding_at(rel, line_no, col, &value, why));
                reported = true;
                break;
            }
        }
        if reported {
            continue;
        }
        if let Some((name, value, col)) = assignment(line, code) {
            if let Some(why) = literal_secret(&name, &value) {
                out.push(finding_at(rel, line_no, col, &name, why));
            }
        }
    }
    out
}

fn has_aws_secret_near(lines: &[&str], i: usize) -> bool {
    let lo = i.saturating_sub(3);
    let hi = (i + 4).min(lines.len());
    lines[lo..hi].iter().any(|l| {
        quoted_strings(l).iter().any(|(_, v)| {
            v.len() == 40
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+')
        })
    })
}

/// Quoted string literals on a line, with the column of each.
fn quoted_strings(line: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let q = bytes[i];
        if q == b'"' || q == b'\'' || q == b'`' {
            if let Some(end) = line[i + 1..].find(q as char) {
                out.push((i as u32 + 1, line[i + 1..i + 1 + end].to_string()));
                i += end + 2;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// `NAME = "value"`, `const name = 'value'`, `"name": "value"`, `name: value`, `NAME=value`
/// (.env): the name and the value.
fn assignment(line: &str, code: bool) -> Option<(String, String, u32)> {
    let t = line.trim_start();
    let indent = (line.len() - t.len()) as u32;
    let t = t
        .strip_prefix("export ")
        .or_else(|| t.strip_prefix("const "))
        .or_else(|| t.strip_prefix("let "))
        .or_else(|| t.strip_prefix("var "))
        .or_else(|| t.strip_prefix("final "))
        .unwrap_or(t);
    let sep = t.find(['=', ':'])?;
    let name = t[..sep]
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .trim_end_matches(['+', '-', '!', '<', '>'])
        .trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        return None;
    }
    let rest = t[sep + 1..].trim_start_matches(['=', ':']).trim();
    // `==` comparisons, arrows and type annotations are not assignments.
    if t[sep..].starts_with("==") || rest.starts_with('>') {
        return None;
    }
    let value = match rest.chars().next()? {
        '"' | '\'' | '`' => {
            let q = rest.chars().next()?;
            let end = rest[1..].find(q)?;
            // `'prefix=' + randomBytes(16)`, `"%s" % x`, `'a'.concat(b)`: the literal is part
            // of a value computed at run time.
            let after = rest[1 + end + 1..].trim_start();
            if after.starts_with(['+', '%', '.', '*']) {
                return None;
            }
            rest[1..1 + end].to_string()
        }
        // Unquoted: only in .env-style lines (`NAME=value`).
        _ if !code
            && t[sep..].starts_with('=')
            && !rest.contains(' ')
            && !rest.contains('(')
            && !rest.contains('.') =>
        {
            rest.trim_end_matches(';').to_string()
        }
        _ => return None,
    };
    let last = name.rsplit('.').next().unwrap_or(name).to_string();
    Some((last, value, indent + 1))
}

fn finding(rel: &str, line: u32, text: &str, why: String) -> CodeFinding {
    finding_at(rel, line, 1, text.trim(), why)
}

fn finding_at(rel: &str, line: u32, col: u32, what: &str, why: String) -> CodeFinding {
    let location = Location::new(rel, line, col);
    let shown: String = what.chars().take(24).collect();
    CodeFinding {
        rule: "FG509".into(),
        sink: shown,
        location: location.clone(),
        path: vec![FlowStep {
            location,
            note: why.clone(),
        }],
        detail: why,
        event_fields: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::scan;

    #[test]
    fn finds_credentials_not_placeholders() {
        let text = "AWS_KEY = 'AKIAQWERTYUIOPASDFGHJ'\nAWS_KEY = \"AKIAZXCVBNMASDFGHJKL\"\nsecret = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz\"\nDB_PASSWORD = 'changeme'\nexample = 'AKIAIOSFODNN7EXAMPLE'\nconst apiKey = process.env.API_KEY;\nstripe = \"sk_live_51HxQdVLk8s7D9cPq2mYt0aZbN4eR\"\n";
        let found: Vec<(u32, String)> = scan("a.py", text)
            .into_iter()
            .map(|f| (f.location.line, f.detail))
            .collect();
        let lines: Vec<u32> = found.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![2, 3, 7], "{found:?}");
        assert!(
            found[0].1.contains("secret access key next to it"),
            "{found:?}"
        );
    }
}
