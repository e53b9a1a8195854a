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
    out.sort();
    out.dedup();
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
    }
}
