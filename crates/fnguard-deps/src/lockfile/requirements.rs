//! pip `requirements*.txt`: `name==1.2` pins (extras, environment markers, `--hash` options,
//! `\` continuations), `-r`/`--requirement` includes (relative to the including file, cycles and
//! depth bounded), and everything else (ranges, bare names, URLs, editable installs) as loose.

use super::{read_text, Ctx};
use crate::version::Ecosystem;

const MAX_INCLUDE_DEPTH: usize = 8;

pub(crate) fn requirements(text: &str, ctx: &mut Ctx<'_>, depth: usize) {
    for (line_no, logical) in logical_lines(text) {
        let line = strip_comment(&logical);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(target) = include_target(line) {
            include(target, line_no, ctx, depth);
            continue;
        }
        if line.starts_with('-') {
            // `-c` constraints, `--index-url`, `-f`: not packages. `-e`/`--editable`: the
            // application's own code when it is a path, remote code when it is a URL.
            if let Some(rest) = line
                .strip_prefix("-e")
                .or_else(|| line.strip_prefix("--editable"))
            {
                let target = rest.trim().trim_start_matches('=').trim();
                if !is_local(target) && !is_fixed_remote(target) {
                    ctx.loose(egg_name(target), "editable install", line_no);
                }
            }
            continue;
        }
        let requirement = line.split(" --").next().unwrap_or(line).trim();
        let requirement = requirement.split(';').next().unwrap_or(requirement).trim();
        // `name @ url`, or a bare URL or path.
        let (named, target) = match requirement.split_once(" @ ") {
            Some((n, t)) => (Some(n.trim()), t.trim()),
            None => (None, requirement),
        };
        if named.is_some() || target.contains("://") || is_local(target) {
            if !is_local(target) && !is_fixed_remote(target) {
                ctx.loose(named.unwrap_or(egg_name(target)), "direct URL", line_no);
            }
            continue;
        }
        let (name, spec) = split_spec(requirement);
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            ctx.problem(
                Some(line_no),
                format!("unrecognised requirement `{requirement}`"),
            );
            continue;
        }
        let pinned = spec
            .strip_prefix("===")
            .or_else(|| spec.strip_prefix("=="))
            .map(str::trim)
            .filter(|v| !v.contains(',') && !v.contains('*') && !v.is_empty());
        let f = ctx.found(Ecosystem::PyPI, name, pinned, line_no);
        f.direct = Some(true);
        if pinned.is_none() {
            ctx.loose(name, spec, line_no);
        }
    }
}

/// `git+https://host/tool.git@main#egg=tool` → `tool` (the URL when it names no package).
fn egg_name(target: &str) -> &str {
    target
        .split_once("#egg=")
        .map(|(_, n)| n.split('&').next().unwrap_or(n))
        .filter(|n| !n.is_empty())
        .unwrap_or(target)
}

/// A directory or file of the application itself: `../shared/src`, `.`, `file:///build/x`.
fn is_local(target: &str) -> bool {
    target.starts_with('.')
        || target.starts_with('/')
        || target.starts_with("file:")
        || target.starts_with("~/")
}

/// Remote code that cannot change under the same reference: a VCS URL at a commit, or one
/// release archive (`.../pkg-1.2.3.tar.gz`, a wheel).
fn is_fixed_remote(target: &str) -> bool {
    let url = target.split('#').next().unwrap_or(target);
    if url.contains('+') && url.split("://").next().is_some_and(|s| s.contains('+')) {
        // `git+https://host/repo.git@<commit>`
        let reference = url.rsplit_once('@').map(|(_, r)| r).unwrap_or("");
        return (7..=40).contains(&reference.len())
            && reference.bytes().all(|b| b.is_ascii_hexdigit());
    }
    [".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2"]
        .iter()
        .any(|ext| url.ends_with(ext))
}

fn include(target: &str, line_no: u32, ctx: &mut Ctx<'_>, depth: usize) {
    let base = ctx
        .path
        .parent()
        .unwrap_or_else(|| std::path::Path::new("."));
    let path = base.join(target);
    if depth >= MAX_INCLUDE_DEPTH || ctx.out.also_read.contains(&path) || path == ctx.path {
        ctx.problem(Some(line_no), format!("`-r {target}`: include cycle or nesting deeper than {MAX_INCLUDE_DEPTH}; not followed"));
        return;
    }
    match read_text(&path) {
        Ok(text) => {
            ctx.out.also_read.push(path.clone());
            let mut inner = Ctx {
                path: &path,
                out: ctx.out,
            };
            requirements(&text, &mut inner, depth + 1);
        }
        Err(e) => ctx.problem(Some(line_no), format!("`-r {target}`: {e}")),
    }
}

fn include_target(line: &str) -> Option<&str> {
    for flag in ["--requirement=", "--requirement ", "-r "] {
        if let Some(rest) = line.strip_prefix(flag) {
            return Some(rest.trim());
        }
    }
    line.strip_prefix("-r")
        .filter(|r| !r.is_empty())
        .map(str::trim)
}

/// Joins `\`-continued lines, keeping the first physical line's number.
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut start = 0u32;
    for (n, raw) in text.lines().enumerate() {
        if buf.is_empty() {
            start = n as u32 + 1;
        }
        if let Some(stripped) = raw.trim_end().strip_suffix('\\') {
            buf.push_str(stripped);
            buf.push(' ');
        } else {
            buf.push_str(raw);
            out.push((start, std::mem::take(&mut buf)));
        }
    }
    if !buf.is_empty() {
        out.push((start, buf));
    }
    out
}

fn strip_comment(line: &str) -> &str {
    // pip treats ` #` (or a line starting with `#`) as a comment; `#` inside a URL fragment is not.
    if line.trim_start().starts_with('#') {
        return "";
    }
    match line.find(" #") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// `requests[socks]>=2.0` → (`requests`, `>=2.0`).
fn split_spec(req: &str) -> (&str, &str) {
    let end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .unwrap_or(req.len());
    let name = &req[..end];
    let mut rest = req[end..].trim_start();
    if rest.starts_with('[') {
        rest = rest.find(']').map_or("", |i| &rest[i + 1..]).trim_start();
    }
    (name, rest.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockfile::Parsed;

    fn parse(text: &str) -> Parsed {
        let mut out = Parsed::default();
        let p = std::path::Path::new("/nonexistent/requirements.txt");
        requirements(
            text,
            &mut Ctx {
                path: p,
                out: &mut out,
            },
            0,
        );
        out
    }

    #[test]
    fn pins_ranges_and_continuations() {
        let out = parse(
            "# deps\nrequests[socks]==2.19.0 ; python_version >= \"3\" \\\n    --hash=sha256:abc\nboto3>=1.20\nflask\n-e git+https://x/y.git#egg=y\nurllib3===1.26.4 # pinned\n",
        );
        let got: Vec<_> = out
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_deref(), p.line))
            .collect();
        assert_eq!(
            got,
            [
                ("requests", Some("2.19.0"), 2),
                ("boto3", None, 4),
                ("flask", None, 5),
                ("urllib3", Some("1.26.4"), 7)
            ]
        );
        let loose: Vec<_> = out
            .loose
            .iter()
            .map(|l| (l.name.as_str(), l.spec.as_str()))
            .collect();
        assert_eq!(
            loose,
            [
                ("boto3", ">=1.20"),
                ("flask", ""),
                ("y", "editable install")
            ]
        );
    }

    #[test]
    fn missing_include_is_reported_with_its_line() {
        let out = parse("-r base.txt\n");
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].line, Some(1));
    }
}
