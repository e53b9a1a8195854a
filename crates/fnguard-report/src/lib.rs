//! Renderers. Each format lives in its own module and only turns findings into text.

mod github;
mod gitlab;
mod html;
mod human;
mod json;
mod junit;
mod markdown;
mod sarif;

pub use github::render_github;
pub use gitlab::render_gitlab;
pub use html::render_html;
pub use human::{render_human, write_human, HumanOptions};
pub use json::{json_schema, render_json, write_json, JsonReport};
pub use junit::render_junit;
pub use markdown::render_markdown;
pub use sarif::{render_sarif, write_sarif};

use fnguard_model::{Finding, ScanError, Severity};
use std::collections::BTreeMap;

pub const SCHEMA_ID: &str = "fnguard/v1";

/// A project as reports list it.
#[derive(Debug, Clone)]
pub struct ProjectSummary {
    pub path: String,
    pub format: String,
    pub functions: Vec<String>,
}

/// Everything a report shows about one scan.
pub struct ScanReport<'a> {
    pub tool_version: &'a str,
    pub projects: &'a [ProjectSummary],
    pub errors: &'a [ScanError],
    pub findings: &'a [Finding],
}

impl ScanReport<'_> {
    pub fn counts(&self) -> BTreeMap<Severity, usize> {
        let mut m = BTreeMap::new();
        for s in Severity::ALL {
            m.insert(s, 0);
        }
        for f in self.findings {
            *m.entry(f.severity).or_default() += 1;
        }
        m
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Markdown,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "human" | "text" => Format::Human,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            "junit" => Format::Junit,
            "markdown" | "md" => Format::Markdown,
            _ => return None,
        })
    }
}

pub(crate) fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters at all.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
