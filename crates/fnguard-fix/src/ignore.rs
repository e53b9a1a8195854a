//! `fnguard fix --add-ignore REASON`: a `fnguard:ignore` comment above every line that has
//! findings, so a project can adopt fnguard and fail only on what is new.

use crate::FixError;

const MARKER: &str = "fnguard:ignore";

/// How a file writes a line comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentStyle {
    /// `#`: YAML, Terraform, Python, shell, TOML.
    Hash,
    /// `//`: JavaScript, TypeScript, Java, Go.
    Slashes,
}

impl CommentStyle {
    /// None for files without comments (JSON).
    pub fn of(path: &str) -> Option<CommentStyle> {
        let lower = path.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
        match ext {
            "yml" | "yaml" | "tf" | "py" | "toml" | "sh" => Some(CommentStyle::Hash),
            "js" | "mjs" | "cjs" | "ts" | "mts" | "cts" | "tsx" | "jsx" | "java" | "go" => {
                Some(CommentStyle::Slashes)
            }
            _ => None,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            CommentStyle::Hash => "#",
            CommentStyle::Slashes => "//",
        }
    }
}

/// The rules to silence on one 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreMark {
    pub line: u32,
    pub rules: Vec<String>,
}

/// Inserts `# fnguard:ignore FG201,FG801 REASON` above each marked line, indented like it. A
/// line whose line above already carries an ignore gets its rules added there instead (a new
/// comment between them would detach the old one). Refused when a line sits inside a
/// multi-line string, where a comment would become part of the string.
pub fn add_ignores(
    text: &str,
    style: CommentStyle,
    marks: &[IgnoreMark],
    reason: &str,
) -> Result<String, FixError> {
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    // Marks are applied bottom up, so the lines above each one are still the original ones.
    let inside = inside_multiline_strings(&lines, style);
    let mut marks: Vec<&IgnoreMark> = marks.iter().filter(|m| m.line >= 1).collect();
    marks.sort_by_key(|m| std::cmp::Reverse(m.line));
    marks.dedup_by_key(|m| m.line);
    for mark in marks {
        let i = mark.line as usize - 1;
        if i >= lines.len() {
            return Err(FixError::NotFound(format!("line {}", mark.line)));
        }
        if inside[i] {
            return Err(FixError::Unsupported(format!(
                "line {} is inside a multi-line string; add the ignore by hand",
                mark.line
            )));
        }
        let rules = mark.rules.join(",");
        if let Some(above) = i.checked_sub(1).filter(|&j| lines[j].contains(MARKER)) {
            let line = &lines[above];
            let at = line.find(MARKER).map_or(0, |p| p + MARKER.len());
            let rest = &line[at..];
            let ids_end = rest
                .trim_start()
                .find(char::is_whitespace)
                .map_or(rest.len(), |e| e + (rest.len() - rest.trim_start().len()));
            let merged = format!(
                "{}{},{rules}{}",
                &line[..at],
                &rest[..ids_end],
                &rest[ids_end..]
            );
            lines[above] = merged;
            continue;
        }
        let line = &lines[i];
        let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        let comment = format!("{indent}{} {MARKER} {rules} {reason}", style.prefix());
        lines.insert(i, comment.trim_end().to_string());
    }
    Ok(lines.join("\n"))
}

/// Per line, whether it sits inside a multi-line string: a YAML block scalar (`key: |`,
/// `key: >`, running while lines are indented deeper than its key), Python triple quotes, a
/// JavaScript template literal. One pass over the file.
fn inside_multiline_strings(lines: &[String], style: CommentStyle) -> Vec<bool> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut out = Vec::with_capacity(lines.len());
    let (mut triple_double, mut triple_single, mut backticks) = (0usize, 0usize, 0usize);
    let mut block_scalar: Option<usize> = None;
    for line in lines {
        let blank = line.trim().is_empty();
        if block_scalar.is_some_and(|base| !blank && indent(line) <= base) {
            block_scalar = None;
        }
        let quoted = match style {
            CommentStyle::Slashes => backticks % 2 == 1,
            CommentStyle::Hash => triple_double % 2 == 1 || triple_single % 2 == 1,
        };
        out.push(quoted || block_scalar.is_some());
        triple_double += line.matches("\"\"\"").count();
        triple_single += line.matches("\'\'\'").count();
        backticks += line.matches('`').count();
        if style == CommentStyle::Hash && block_scalar.is_none() {
            let t = line.trim_end();
            let opener = t
                .split(" #")
                .next()
                .unwrap_or(t)
                .trim_end()
                .trim_end_matches(['-', '+', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
            if opener.ends_with(": |") || opener.ends_with(": >") || opener.ends_with("- |") {
                block_scalar = Some(indent(line));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_above_with_the_lines_indentation() {
        let text = "functions:\n  api:\n    url: true\n";
        let out = add_ignores(
            text,
            CommentStyle::Hash,
            &[IgnoreMark {
                line: 3,
                rules: vec!["FG201".into(), "FG801".into()],
            }],
            "adopted 2026-12-04",
        )
        .unwrap();
        assert_eq!(
            out,
            "functions:\n  api:\n    # fnguard:ignore FG201,FG801 adopted 2026-12-04\n    url: true\n"
        );
    }

    #[test]
    fn an_existing_ignore_above_gets_the_new_rules() {
        let text = "a:\n  # fnguard:ignore FG201 webhook with HMAC\n  url: true\n";
        let out = add_ignores(
            text,
            CommentStyle::Hash,
            &[IgnoreMark {
                line: 3,
                rules: vec!["FG801".into()],
            }],
            "x",
        )
        .unwrap();
        assert_eq!(
            out,
            "a:\n  # fnguard:ignore FG201,FG801 webhook with HMAC\n  url: true\n"
        );
    }

    #[test]
    fn refuses_lines_inside_multiline_strings() {
        let yaml = "Code:\n  ZipFile: |\n    import os\n    os.system(x)\n";
        let mark = [IgnoreMark {
            line: 4,
            rules: vec!["FG501".into()],
        }];
        assert!(add_ignores(yaml, CommentStyle::Hash, &mark, "r").is_err());
        let py = "q = \"\"\"\nselect 1\n\"\"\"\nrun(q)\n";
        let ok = [IgnoreMark {
            line: 4,
            rules: vec!["FG501".into()],
        }];
        assert!(add_ignores(py, CommentStyle::Hash, &ok, "r").is_ok());
        let inside = [IgnoreMark {
            line: 2,
            rules: vec!["FG501".into()],
        }];
        assert!(add_ignores(py, CommentStyle::Hash, &inside, "r").is_err());
    }
}
