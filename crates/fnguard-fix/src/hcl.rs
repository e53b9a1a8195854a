//! Edits to Terraform files: `hcl-edit` parses and says where each block and attribute is;
//! the edit splices text there, indented like its neighbours, so every other byte of the file
//! stays. (`hcl-edit` can also rebuild a body, but new items come out without indentation.)

use crate::text::{after_line, indentation, line_start, splice};
use crate::FixError;
use hcl_edit::structure::{Block, Body};
use hcl_edit::Span;

fn parse(text: &str) -> Result<Body, FixError> {
    hcl_edit::parser::parse_body(text).map_err(|e| FixError::Syntax(e.to_string()))
}

/// The block `ident "label" "label" {` at the top level, then nested blocks by ident.
fn find<'a>(body: &'a Body, path: &[&str], labels: &[&str]) -> Option<&'a Block> {
    let (first, rest) = path.split_first()?;
    let mut block = body.blocks().find(|b| {
        b.ident.as_str() == *first
            && b.labels.len() == labels.len()
            && b.labels
                .iter()
                .zip(labels)
                .all(|(l, want)| l.as_str() == *want)
    })?;
    for ident in rest {
        block = block.body.blocks().find(|b| b.ident.as_str() == *ident)?;
    }
    Some(block)
}

/// Inserts `lines` (already indented) before the closing brace of the block at `path`.
fn insert_in_block(
    text: &str,
    block: &Block,
    make: impl FnOnce(&str) -> String,
) -> Result<String, FixError> {
    let span = block
        .span()
        .ok_or_else(|| FixError::Edit("the block has no position".into()))?;
    let close = text[..span.end]
        .rfind('}')
        .filter(|c| *c >= span.start)
        .ok_or_else(|| FixError::Edit("the block has no closing brace".into()))?;
    let close_line_start = line_start(text, close);
    if close_line_start <= span.start || !text[close_line_start..close].trim().is_empty() {
        return Err(FixError::Unsupported(
            "the block is written on one line; edit it by hand".into(),
        ));
    }
    // Like the block's first item, else two spaces deeper than the block.
    let indent = match block.body.iter().next().and_then(|s| s.span()) {
        Some(first) => indentation(text, first.start).to_string(),
        None => format!("{}  ", indentation(text, span.start)),
    };
    Ok(splice(
        text,
        close_line_start..close_line_start,
        &make(&indent),
    ))
}

/// Sets `attr = value` (value as HCL text) in the block at `path`: the value is replaced when
/// the attribute is there, else a line is added before the block's closing brace.
pub(crate) fn set_attribute(
    text: &str,
    path: &[&str],
    labels: &[&str],
    attr: &str,
    value: &str,
) -> Result<String, FixError> {
    let body = parse(text)?;
    let block = find(&body, path, labels)
        .ok_or_else(|| FixError::NotFound(format!("{} {}", path.join("."), labels.join("."))))?;
    if let Some(existing) = block.body.get_attribute(attr) {
        let span = existing
            .value
            .span()
            .ok_or_else(|| FixError::Edit("the attribute has no position".into()))?;
        return Ok(splice(text, span, value));
    }
    insert_in_block(text, block, |indent| format!("{indent}{attr} = {value}\n"))
}

/// Sets `attr = value` inside the nested block `nested` of the block at `path` (the nested
/// block is added when missing).
pub(crate) fn set_nested(
    text: &str,
    path: &[&str],
    labels: &[&str],
    nested: &str,
    attr: &str,
    value: &str,
) -> Result<String, FixError> {
    let body = parse(text)?;
    let mut inner = path.to_vec();
    inner.push(nested);
    if find(&body, &inner, labels).is_some() {
        return set_attribute(text, &inner, labels, attr, value);
    }
    let block = find(&body, path, labels)
        .ok_or_else(|| FixError::NotFound(format!("{} {}", path.join("."), labels.join("."))))?;
    insert_in_block(text, block, |indent| {
        format!("{indent}{nested} {{\n{indent}  {attr} = {value}\n{indent}}}\n")
    })
}

/// Removes `attr` from the block at `path` (its whole lines).
pub(crate) fn remove_attribute(
    text: &str,
    path: &[&str],
    labels: &[&str],
    attr: &str,
) -> Result<String, FixError> {
    let body = parse(text)?;
    let block = find(&body, path, labels)
        .ok_or_else(|| FixError::NotFound(format!("{} {}", path.join("."), labels.join("."))))?;
    let Some(existing) = block.body.get_attribute(attr) else {
        return Ok(text.to_string());
    };
    let span = existing
        .span()
        .ok_or_else(|| FixError::Edit("the attribute has no position".into()))?;
    let line_start = line_start(text, span.start);
    if !text[line_start..span.start].trim().is_empty() {
        return Err(FixError::Unsupported(format!(
            "`{attr}` shares its line; edit it by hand"
        )));
    }
    Ok(splice(text, line_start..after_line(text, span.end), ""))
}

/// Appends a top-level block (HCL text) at the end of the file, after a blank line.
pub(crate) fn append(text: &str, block: &str) -> String {
    let sep = if text.ends_with("\n\n") || text.is_empty() {
        ""
    } else if text.ends_with('\n') {
        "\n"
    } else {
        "\n\n"
    };
    format!("{text}{sep}{block}")
}

/// The value text of `attr` in the block at `path`, for checking an edit.
pub(crate) fn attribute_text(
    text: &str,
    path: &[&str],
    labels: &[&str],
    attr: &str,
) -> Option<String> {
    let body = parse(text).ok()?;
    let block = find(&body, path, labels)?;
    let span = block.body.get_attribute(attr)?.value.span()?;
    Some(text[span].to_string())
}

/// Whether a top-level block with these labels exists.
pub(crate) fn has_block(text: &str, ident: &str, labels: &[&str]) -> bool {
    parse(text).is_ok_and(|b| find(&b, &[ident], labels).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TF: &str = "# the api\nresource \"aws_lambda_function\" \"api\" {\n  function_name = \"api\" # name\n  runtime       = \"python3.8\"\n}\n\nvariable \"db_password\" {\n  type    = string\n  default = \"hunter2\"\n}\n";

    #[test]
    fn adds_and_replaces_attributes_indented_like_their_neighbours() {
        let out = set_attribute(
            TF,
            &["resource"],
            &["aws_lambda_function", "api"],
            "reserved_concurrent_executions",
            "100",
        )
        .unwrap();
        assert_eq!(
            out,
            TF.replace(
                "  runtime       = \"python3.8\"\n}",
                "  runtime       = \"python3.8\"\n  reserved_concurrent_executions = 100\n}"
            )
        );
        let out = set_attribute(
            TF,
            &["resource"],
            &["aws_lambda_function", "api"],
            "runtime",
            "\"python3.13\"",
        )
        .unwrap();
        assert_eq!(out, TF.replace("python3.8", "python3.13"));
    }

    #[test]
    fn adds_nested_blocks_and_removes_attributes() {
        let out = set_nested(
            TF,
            &["resource"],
            &["aws_lambda_function", "api"],
            "tracing_config",
            "mode",
            "\"Active\"",
        )
        .unwrap();
        assert!(
            out.contains("  runtime       = \"python3.8\"\n  tracing_config {\n    mode = \"Active\"\n  }\n}"),
            "{out}"
        );
        let again = set_nested(
            &out,
            &["resource"],
            &["aws_lambda_function", "api"],
            "tracing_config",
            "mode",
            "\"PassThrough\"",
        )
        .unwrap();
        assert_eq!(again, out.replace("\"Active\"", "\"PassThrough\""));
        let out = remove_attribute(TF, &["variable"], &["db_password"], "default").unwrap();
        assert_eq!(out, TF.replace("  default = \"hunter2\"\n", ""));
        assert_eq!(
            attribute_text(TF, &["variable"], &["db_password"], "type").as_deref(),
            Some("string")
        );
    }
}
