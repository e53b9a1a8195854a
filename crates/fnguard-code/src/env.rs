//! Environment variable names a source file reads by literal name. A text scan rather than a
//! syntax walk: the spellings are few and fixed, and a read inside a comment only adds a
//! candidate that must still match a template resource the call can act on.

const INDEXED: &[&str] = &["environ[", "environ.get(", "getenv(", "process.env["];

pub fn env_reads(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in INDEXED {
        for (i, _) in text.match_indices(marker) {
            if let Some(name) = quoted(&text[i + marker.len()..]) {
                out.push(name);
            }
        }
    }
    for (i, _) in text.match_indices("process.env.") {
        let name: String = text[i + "process.env.".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
    }
    out.extend(destructured(text));
    out.sort();
    out.dedup();
    out
}

/// `const { TABLE, BUCKET: bucket, QUEUE = "" } = process.env`
fn destructured(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("process.env") {
        let after = text[i + "process.env".len()..].chars().next();
        if after.is_some_and(|c| c == '.' || c == '[' || c.is_ascii_alphanumeric()) {
            continue;
        }
        let before = text[..i].trim_end();
        let Some(before) = before.strip_suffix('=').map(str::trim_end) else {
            continue;
        };
        let Some(body_end) = before.strip_suffix('}') else {
            continue;
        };
        let Some(open) = body_end.rfind('{') else {
            continue;
        };
        for entry in body_end[open + 1..].split(',') {
            let name: String = entry
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

/// `"TABLE"]` / `'TABLE')` → `TABLE`
fn quoted(rest: &str) -> Option<String> {
    let rest = rest.trim_start();
    let quote = rest
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\'' | '`'))?;
    let body = &rest[1..];
    let end = body.find(quote)?;
    let name = &body[..end];
    let valid = !name.is_empty()
        && name.len() <= 256
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_python_and_javascript_reads() {
        let py = "import os\nT = os.environ['TABLE']\nB = os.environ.get(\"BUCKET\", 'x')\nQ = os.getenv('QUEUE')\nD = os.environ[name]\n";
        assert_eq!(env_reads(py), ["BUCKET", "QUEUE", "TABLE"]);
        let js = "const t = process.env.TABLE_NAME;\nconst b = process.env['BUCKET'];\nconst x = process.env[`${k}`];\n";
        assert_eq!(env_reads(js), ["BUCKET", "TABLE_NAME"]);
        let js = "const {\n  ORDERS, BUCKET: bucket,\n  QUEUE = ''\n} = process.env;\nconst e = process.env;\n";
        assert_eq!(env_reads(js), ["BUCKET", "ORDERS", "QUEUE"]);
    }
}
