//! Edits to YAML descriptors that splice text at the positions `yamlpath` (tree-sitter-yaml)
//! reports, so comments, quoting and layout outside the edited entry stay as they were.
//!
//! `yamlpatch` (same authors) was evaluated first: the release that builds with fnguard's
//! toolchain loses the indentation of mappings nested two levels deep and cannot replace a
//! scalar with a mapping (`url: true` → `url: {authorizer: aws_iam}`), both of which fixes
//! need. Whatever the splice produces is checked by the caller against the intended value.

use crate::text::{after_line, line_start, splice};
use crate::FixError;
use yamlpath::{Component, Document, Route};

fn route<'a>(keys: &[&'a str]) -> Route<'a> {
    Route::from(
        keys.iter()
            .map(|k| match crate::index_of(k) {
                Some(i) => Component::Index(i),
                None => Component::Key((*k).into()),
            })
            .collect::<Vec<_>>(),
    )
}

/// `lines_of` without the panic guard.
fn lines_of_unguarded(text: &str, routes: &[Vec<&str>]) -> Vec<Option<(usize, usize)>> {
    let Ok(doc) = document(text) else {
        return vec![None; routes.len()];
    };
    routes
        .iter()
        .map(|keys| {
            let feature = doc.query_exact(&route(keys)).ok()??;
            let ((start, _), (end, _)) = feature.location.point_span;
            Some((start + 1, end + 1))
        })
        .collect()
}

fn document(text: &str) -> Result<Document, FixError> {
    // The file already read as YAML (the caller parsed it): this is the editor's own parser
    // (tree-sitter-yaml) disagreeing, which is said as such.
    Document::new(text).map_err(|e| {
        FixError::Unsupported(format!(
            "the YAML editor cannot parse this file (tree-sitter-yaml: {e}); edit it by hand"
        ))
    })
}

/// The column (in bytes) of byte `offset` on its line.
fn column(text: &str, offset: usize) -> usize {
    offset - line_start(text, offset)
}

/// A key as YAML writes it: plain when that reads back as the same string.
fn key_text(key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/'))
        && !key.ends_with(':')
        && key.parse::<f64>().is_err()
        && !matches!(
            key.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~"
        );
    if plain {
        key.to_string()
    } else {
        serde_json::Value::String(key.to_string()).to_string()
    }
}

fn scalar_text(value: &serde_json::Value) -> Result<String, FixError> {
    let yaml = yaml_serde::to_string(value).map_err(|e| FixError::Edit(e.to_string()))?;
    Ok(yaml.trim_end_matches('\n').to_string())
}

/// The text that follows `key:` for `value`, in block style, for a key at column `indent`.
fn value_text(value: &serde_json::Value, indent: usize, step: usize) -> Result<String, FixError> {
    match value {
        serde_json::Value::Object(map) if !map.is_empty() => {
            let mut out = String::new();
            for (k, v) in map {
                out.push('\n');
                out.push_str(&" ".repeat(indent + step));
                out.push_str(&key_text(k));
                out.push(':');
                out.push_str(&value_text(v, indent + step, step)?);
            }
            Ok(out)
        }
        // JSON is YAML: other collections are written in flow style, quoted throughout.
        serde_json::Value::Object(_) | serde_json::Value::Array(_) => Ok(format!(" {value}")),
        _ => Ok(format!(" {}", scalar_text(value)?)),
    }
}

/// Runs a yamlpath query or edit, turning a panic inside yamlpath (it asserts on tree shapes
/// some inputs produce) into a refusal: user input must never bring fnguard down.
fn guarded<T>(f: impl FnOnce() -> Result<T, FixError>) -> Result<T, FixError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(FixError::Unsupported(
            "the YAML editor (yamlpath) failed on this file; edit it by hand".into(),
        ))
    })
}

/// The 1-based first and last lines of the feature at each route (one parse for all).
pub(crate) fn lines_of(text: &str, routes: &[Vec<&str>]) -> Vec<Option<(usize, usize)>> {
    guarded(|| Ok(lines_of_unguarded(text, routes))).unwrap_or_else(|_| vec![None; routes.len()])
}

/// Sets `key` in the mapping at `keys` to `value` (replacing the old value, or adding an entry
/// after the mapping's last one), creating missing mappings on the way.
pub(crate) fn set(
    text: &str,
    keys: &[&str],
    key: &str,
    value: &serde_json::Value,
) -> Result<String, FixError> {
    guarded(|| set_unguarded(text, keys, key, value))
}

/// Removes the entry at `keys` (its whole lines).
pub(crate) fn remove(text: &str, keys: &[&str]) -> Result<String, FixError> {
    guarded(|| remove_unguarded(text, keys))
}

/// The document's indent step: the smallest positive difference between a mapping key's
/// column and its parent's; two when the document has no nesting.
fn indent_step(text: &str) -> usize {
    let mut step = usize::MAX;
    let mut previous = 0usize;
    for line in text.lines() {
        let trimmed = line.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if indent > previous {
            step = step.min(indent - previous);
        }
        previous = indent;
    }
    if step == usize::MAX {
        2
    } else {
        step
    }
}

/// `set` without the panic guard.
fn set_unguarded(
    text: &str,
    keys: &[&str],
    key: &str,
    value: &serde_json::Value,
) -> Result<String, FixError> {
    let doc = document(text)?;
    let step = indent_step(text);
    let mut full: Vec<&str> = keys.to_vec();
    full.push(key);
    if doc.query_exists(&route(&full)) {
        let Some(old) = doc
            .query_exact(&route(&full))
            .map_err(|e| FixError::Edit(e.to_string()))?
        else {
            return Err(FixError::NotFound(full.join("/")));
        };
        let key_feature = doc
            .query_key_only(&route(&full))
            .map_err(|e| FixError::Edit(e.to_string()))?;
        let key_column = column(text, key_feature.location.byte_span.0);
        let (start, end) = old.location.byte_span;
        let rendered = value_text(value, key_column, step)?;
        // `value_text` starts with the space after the colon, or a newline for a block: the
        // old value is replaced from just after the key's colon.
        let key_end = key_feature.location.byte_span.1;
        let Some(colon) = text[key_end..start].find(':').map(|i| key_end + i) else {
            return Err(FixError::Unsupported(format!(
                "`{}` is not a `key: value` entry",
                full.join("/")
            )));
        };
        return Ok(splice(text, colon + 1..end, &rendered));
    }
    let mut depth = 0;
    while depth < keys.len() && doc.query_exists(&route(&keys[..=depth])) {
        depth += 1;
    }
    let (parent, key, value) = if depth == keys.len() {
        (keys, key, value.clone())
    } else {
        let mut nested = serde_json::json!({ key: value });
        for k in keys[depth + 1..].iter().rev() {
            nested = serde_json::json!({ *k: nested });
        }
        (&keys[..depth], keys[depth], nested)
    };
    let Some(mapping) = doc
        .query_exact(&route(parent))
        .map_err(|e| FixError::Edit(e.to_string()))?
    else {
        return Err(FixError::NotFound(parent.join("/")));
    };
    // By its text: yamlpath's own `kind()` gives up on tagged nodes (`url: !Ref X`).
    let head = text[mapping.location.byte_span.0..].trim_start();
    let block_mapping = !head.starts_with(['{', '[', '!', '&', '*', '|', '>', '"', '\''])
        && head.lines().next().is_some_and(|l| l.contains(':'));
    if !block_mapping {
        return Err(FixError::Unsupported(format!(
            "`{}` is not a block mapping; edit it by hand",
            parent.join("/")
        )));
    }
    let (start, end) = mapping.location.byte_span;
    let indent = column(text, start);
    let entry = format!(
        "{}{}:{}",
        " ".repeat(indent),
        key_text(key),
        value_text(&value, indent, step)?
    );
    // After the line the mapping's last entry ends on, so a trailing comment stays on it; the
    // parser counts comment lines that follow (a section header for the next resource) into
    // the mapping, so those are stepped back over.
    let mut last = end.saturating_sub(1).max(start);
    loop {
        let line_start = line_start(text, last);
        let line = &text[line_start..after_line(text, last)];
        let trimmed = line.trim();
        if line_start <= start || !(trimmed.is_empty() || trimmed.starts_with('#')) {
            break;
        }
        last = line_start.saturating_sub(1);
    }
    let at = after_line(text, last);
    let insertion = if at == text.len() && !text.ends_with('\n') {
        format!("\n{entry}")
    } else {
        format!("{entry}\n")
    };
    Ok(splice(text, at..at, &insertion))
}

/// `remove` without the panic guard.
fn remove_unguarded(text: &str, keys: &[&str]) -> Result<String, FixError> {
    let doc = document(text)?;
    if !doc.query_exists(&route(keys)) {
        return Ok(text.to_string());
    }
    let key_feature = doc
        .query_key_only(&route(keys))
        .map_err(|e| FixError::Edit(e.to_string()))?;
    let value_end = doc
        .query_exact(&route(keys))
        .map_err(|e| FixError::Edit(e.to_string()))?
        .map_or(key_feature.location.byte_span.1, |v| v.location.byte_span.1);
    let key_start = key_feature.location.byte_span.0;
    let line_start = text[..key_start].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..key_start].trim().is_empty() {
        return Err(FixError::Unsupported(format!(
            "`{}` shares its line with other entries; edit it by hand",
            keys.join("/")
        )));
    }
    let end = after_line(text, value_end.saturating_sub(1).max(key_start));
    Ok(splice(text, line_start..end, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# the stack\nResources:\n  Fn:\n    Type: AWS::Serverless::Function  # main\n    Properties:\n      Runtime: python3.12\n      Role: !GetAtt Role.Arn   # the role\n  Other:\n    Type: AWS::SQS::Queue\n";

    #[test]
    fn adds_after_the_last_entry_keeping_comments_and_tags() {
        let out = set(
            DOC,
            &["Resources", "Fn", "Properties"],
            "Tracing",
            &"Active".into(),
        )
        .unwrap();
        assert_eq!(
            out,
            DOC.replace("# the role\n", "# the role\n      Tracing: Active\n")
        );
    }

    #[test]
    fn adds_before_the_comments_that_head_the_next_section() {
        let doc = "Resources:\n  Fn:\n    Properties:\n      Runtime: python3.12\n\n  ######\n  # Roles\n  ######\n  Role:\n    Type: AWS::IAM::Role\n";
        let out = set(
            doc,
            &["Resources", "Fn", "Properties"],
            "Tracing",
            &"Active".into(),
        )
        .unwrap();
        assert_eq!(
            out,
            doc.replace("python3.12\n", "python3.12\n      Tracing: Active\n")
        );
    }

    #[test]
    fn adds_nested_mappings_in_block_style() {
        let out = set(
            DOC,
            &["Resources"],
            "FnLogGroup",
            &serde_json::json!({"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${Fn}"}, "RetentionInDays": 90}}),
        )
        .unwrap();
        assert!(out.ends_with("    Type: AWS::SQS::Queue\n  FnLogGroup:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName:\n        Fn::Sub: /aws/lambda/${Fn}\n      RetentionInDays: 90\n"), "{out}");
        let out = set(
            DOC,
            &["Resources", "Fn", "Properties", "TracingConfig"],
            "Mode",
            &"Active".into(),
        )
        .unwrap();
        assert!(
            out.contains("# the role\n      TracingConfig:\n        Mode: Active\n  Other:"),
            "{out}"
        );
    }

    #[test]
    fn replaces_scalars_and_scalars_with_mappings() {
        let out = set(
            DOC,
            &["Resources", "Fn", "Properties"],
            "Runtime",
            &"python3.13".into(),
        )
        .unwrap();
        assert_eq!(out, DOC.replace("python3.12", "python3.13"));
        let sls = "functions:\n  api:\n    url: true # public\n    handler: h.main\n";
        let out = set(
            sls,
            &["functions", "api"],
            "url",
            &serde_json::json!({"authorizer": "aws_iam"}),
        )
        .unwrap();
        assert_eq!(out, "functions:\n  api:\n    url:\n      authorizer: aws_iam # public\n    handler: h.main\n");
    }

    #[test]
    fn a_mapping_ending_in_a_multibyte_character_is_edited_at_its_line_end() {
        let doc = "Resources:\n  Fn:\n    Properties:\n      Description: escalation ─\n";
        let out = set(
            doc,
            &["Resources", "Fn", "Properties"],
            "Tracing",
            &"Active".into(),
        )
        .unwrap();
        assert_eq!(out, format!("{doc}      Tracing: Active\n"));
    }

    #[test]
    fn removes_whole_entries() {
        let out = remove(DOC, &["Resources", "Fn", "Properties", "Runtime"]).unwrap();
        assert_eq!(out, DOC.replace("      Runtime: python3.12\n", ""));
    }

    #[test]
    fn quotes_keys_and_values_that_would_read_back_differently() {
        assert_eq!(key_text("Fn::Sub"), "Fn::Sub");
        assert_eq!(key_text("yes"), "\"yes\"");
        assert_eq!(scalar_text(&"true".into()).unwrap(), "'true'");
        assert_eq!(scalar_text(&90.into()).unwrap(), "90");
    }
}
