//! The taint catalog (`data/taint.toml`, plus user files): sources, sanitizers, sinks.

use serde::Deserialize;

const BUILTIN: &str = include_str!("../../data/taint.toml");

#[derive(Debug, Clone, Deserialize, Default)]
pub struct Catalog {
    #[serde(default)]
    pub sources: Sources,
    #[serde(default, rename = "sanitizer")]
    pub sanitizers: Vec<Sanitizer>,
    #[serde(default, rename = "sink")]
    pub sinks: Vec<Sink>,
    /// `sinks` by the last name of their call patterns, built on first use (after the user's
    /// entries were appended).
    #[serde(skip)]
    sink_index: std::sync::OnceLock<SinkIndex>,
}

/// Which sinks a callee can match, from its last dotted name: `callee_matches` is only true when
/// the pattern and the callee end in the same name (or the pattern is `*`).
#[derive(Debug, Clone, Default)]
struct SinkIndex {
    by_last_name: crate::HashMap<String, Vec<usize>>,
    /// Sinks with a `*` pattern: candidates for every call.
    any_call: Vec<usize>,
}

fn last_name(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct Sources {
    #[serde(default)]
    pub secret_calls: Vec<String>,
    #[serde(default)]
    pub error_calls: Vec<String>,
    #[serde(default)]
    pub propagators: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Sanitizer {
    #[serde(default)]
    pub calls: Vec<String>,
    /// Methods of objects these calls build (`Key("pk").eq(v)`): builders that bind values
    /// instead of splicing them.
    #[serde(default)]
    pub receivers: Vec<String>,
    /// The rules it protects against; empty: all.
    #[serde(default)]
    pub rules: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Sink {
    pub rule: String,
    #[serde(default)]
    pub calls: Vec<String>,
    #[serde(default)]
    pub args: Vec<i32>,
    /// The object the method is called on is the sink (`path.read_text()`).
    #[serde(default)]
    pub receiver: bool,
    #[serde(default)]
    pub kwargs: Vec<String>,
    /// Only when this keyword argument / option has this literal value (`shell`, `True`).
    #[serde(default)]
    pub when_kwarg: Vec<String>,
    /// Not when this keyword argument has one of these values (`Loader`, `SafeLoader`, ...).
    #[serde(default)]
    pub unless_kwarg: Vec<String>,
    /// `string`: not an object literal; `object-from-event`: a query object shaped by the event.
    #[serde(default)]
    pub shape: Option<String>,
    #[serde(default)]
    pub requires_import: Vec<String>,
    /// Only calls on an object chain starting at one of these variables (`res`, `response`).
    #[serde(default)]
    pub receiver_roots: Vec<String>,
    /// Callees the wildcard patterns must not take (`re.search` for `*.search`).
    #[serde(default)]
    pub except_calls: Vec<String>,
    #[serde(default)]
    pub requires_text: Vec<String>,
    #[serde(default)]
    pub arg_contains: Option<String>,
    #[serde(default)]
    pub write_mode: bool,
    /// The handler's return value is the sink.
    #[serde(default)]
    pub response: bool,
    /// Log sinks: what counts is the whole event, its headers, or secrets.
    #[serde(default)]
    pub logged: bool,
    /// Response sinks: only when the response is an HTML page (a Flask route's text, a
    /// Lambda proxy response with an HTML content type).
    #[serde(default)]
    pub html: bool,
    /// Only request data itself, or derived through string operations and decoders, counts:
    /// not what a library call the analysis did not read returned for it (an SDK response, a
    /// command's output).
    #[serde(default)]
    pub direct: bool,
    /// Only identity fields taken from the request count.
    #[serde(default)]
    pub identity: bool,
    #[serde(default)]
    pub sql: bool,
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub note: String,
    /// The languages it applies to (`java`, `go`); none: Python and JavaScript, whose library
    /// names the entries without one were written for.
    #[serde(default)]
    pub langs: Vec<String>,
}

impl Sink {
    pub fn applies_to(&self, lang: &str) -> bool {
        if self.langs.is_empty() {
            return matches!(lang, "python" | "javascript" | "");
        }
        self.langs.iter().any(|l| l == lang)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct CatalogError {
    pub file: String,
    pub message: String,
}

impl Catalog {
    /// The sinks (in catalog order) one of whose call patterns may match `callee`: every sink
    /// `callee_matches` accepts is among them. A call used to be compared with all 633 patterns.
    pub fn sinks_for_callee(&self, callee: &str) -> Vec<&Sink> {
        let index = self.sink_index.get_or_init(|| {
            let mut index = SinkIndex::default();
            for (k, sink) in self.sinks.iter().enumerate() {
                for pattern in &sink.calls {
                    let list = if pattern == "*" {
                        &mut index.any_call
                    } else {
                        index
                            .by_last_name
                            .entry(last_name(pattern).to_string())
                            .or_default()
                    };
                    if list.last() != Some(&k) {
                        list.push(k);
                    }
                }
            }
            index
        });
        let named = index
            .by_last_name
            .get(last_name(callee))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut picked: Vec<usize> = named.iter().chain(&index.any_call).copied().collect();
        picked.sort_unstable();
        picked.dedup();
        picked.into_iter().map(|k| &self.sinks[k]).collect()
    }

    pub fn builtin() -> Catalog {
        // The built-in catalog is tested to parse; an error here is a build defect.
        toml::from_str(BUILTIN).unwrap_or_default()
    }

    /// The built-in catalog with a user's entries appended.
    pub fn with_user(file: &str, text: &str) -> Result<Catalog, CatalogError> {
        let extra: Catalog = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            CatalogError {
                file: file.to_string(),
                message: match line {
                    Some(l) => format!("line {l}: {}", e.message()),
                    None => e.message().to_string(),
                },
            }
        })?;
        let mut c = Catalog::builtin();
        c.sources.secret_calls.extend(extra.sources.secret_calls);
        c.sources.error_calls.extend(extra.sources.error_calls);
        c.sources.propagators.extend(extra.sources.propagators);
        c.sanitizers.extend(extra.sanitizers);
        c.sinks.extend(extra.sinks);
        Ok(c)
    }
}

/// `*.name` matches any callee ending in `.name` (or exactly `name`); `*` matches any call;
/// otherwise the callee must equal the pattern or end with `.pattern` after an alias prefix.
pub fn callee_matches(pattern: &str, callee: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if let Some(method) = pattern.strip_prefix("*.") {
        return callee == method || crate::ends_with_dotted(callee, method);
    }
    callee == pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_parses() {
        let c: Catalog = toml::from_str(BUILTIN).expect("data/taint.toml parses");
        assert!(c.sinks.len() > 20);
        for s in &c.sinks {
            assert!(s.rule.starts_with("FG"), "{s:?}");
            assert!(!s.note.is_empty(), "{s:?}");
        }
    }

    /// The index gives exactly the sinks a scan of every pattern gives, for callees that
    /// match patterns of each form and for ones that match none.
    #[test]
    fn the_sink_index_agrees_with_every_pattern() {
        let mut c = Catalog::builtin();
        c.sinks.push(Sink {
            calls: vec!["*".into()],
            ..c.sinks[0].clone()
        });
        let mut callees: Vec<String> = c
            .sinks
            .iter()
            .flat_map(|s| s.calls.iter().chain(&s.except_calls))
            .flat_map(|p| {
                let p = p.trim_start_matches("*.");
                [
                    p.to_string(),
                    format!("x.{p}"),
                    format!("{p}x"),
                    format!("x{p}"),
                ]
            })
            .collect();
        callees.extend(["", ".", "execute.", "a.b.c"].map(String::from));
        for callee in &callees {
            let scanned: Vec<*const Sink> = c
                .sinks
                .iter()
                .filter(|s| s.calls.iter().any(|p| callee_matches(p, callee)))
                .map(|s| s as *const Sink)
                .collect();
            let indexed: Vec<*const Sink> = c
                .sinks_for_callee(callee)
                .into_iter()
                .filter(|s| s.calls.iter().any(|p| callee_matches(p, callee)))
                .map(|s| s as *const Sink)
                .collect();
            assert_eq!(scanned, indexed, "{callee}");
        }
    }

    #[test]
    fn patterns() {
        assert!(callee_matches("*.execute", "cursor.execute"));
        assert!(callee_matches("*.execute", "execute"));
        assert!(!callee_matches("*.execute", "executemany"));
        assert!(!callee_matches("*.execute", "reexecute"));
        assert!(callee_matches("*.execute", "a.b.execute"));
        assert!(callee_matches("os.system", "os.system"));
        assert!(!callee_matches("os.system", "myos.system"));
    }
}
