use crate::Location;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The nine practices fnguard is organised around; the digit in a rule id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Practice(pub u8);

impl Practice {
    pub fn title(self) -> &'static str {
        match self.0 {
            1 => "Map your app",
            2 => "Perimeter at the function level",
            3 => "Minimal role per function",
            4 => "Secure dependencies",
            5 => "Bad code",
            6 => "Configuration tests",
            7 => "Flow of information",
            8 => "DoS and denial-of-wallet",
            9 => "Refresh FaaS containers",
            _ => "Unknown practice",
        }
    }
}

impl Serialize for Practice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

/// One problem found in the user's application. Findings are results, not tool failures.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub practice: Practice,
    pub message: String,
    /// The function the finding is about, when it is exactly one.
    pub function: Option<String>,
    /// Every function the finding concerns (one for a function's own setting, several for a
    /// shared role, API or package), by id.
    pub functions: Vec<String>,
    pub resource: Option<String>,
    pub location: Location,
    pub related: Vec<Location>,
    pub remediation: String,
    pub fingerprint: String,
    pub evidence: Evidence,
    /// Edits `fnguard fix` can make to resolve the finding.
    pub fixes: Vec<Fix>,
}

/// A finding's rule-specific details: a JSON value, kept as its compact text. Evidence is made
/// once, written once and seldom read; as a `serde_json::Value` object (an ordered map with
/// its own strings) it costs four times the memory, which a template with a hundred thousand
/// findings feels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence(Option<Box<str>>);

impl Evidence {
    pub fn new(value: &serde_json::Value) -> Self {
        match value {
            serde_json::Value::Null => Self(None),
            // Copied out rather than shrunk: the writer starts with room for 128 bytes, and
            // allocators keep a block that shrinks by less than half.
            v => Self(Some(Box::from(v.to_string().as_str()))),
        }
    }

    /// The value, to read or change (changes are kept with [`Evidence::new`]).
    pub fn value(&self) -> serde_json::Value {
        self.0
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default()
    }

    pub fn is_null(&self) -> bool {
        self.0.is_none()
    }

    /// The value as compact JSON text.
    pub fn json(&self) -> &str {
        self.0.as_deref().unwrap_or("null")
    }
}

impl From<serde_json::Value> for Evidence {
    fn from(value: serde_json::Value) -> Self {
        Self::new(&value)
    }
}

impl Serialize for Evidence {
    /// As the value itself would be: the text is read and given to the serializer piece by
    /// piece (a pretty printer indents it as it would the value), with no value built between.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_deref() {
            None => s.serialize_unit(),
            Some(text) => {
                serde_transcode::transcode(&mut serde_json::Deserializer::from_str(text), s)
            }
        }
    }
}

/// Whether a fix can be applied without review (ruff's vocabulary): a safe fix keeps the
/// application deployable and working; an unsafe one changes behaviour a user must accept
/// (callers need credentials, a runtime upgrade, a throttle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    Safe,
    Unsafe,
}

/// A fix a rule offers: what to change, said in the model's terms. Turning it into text edits
/// needs the descriptor's syntax (serverless, SAM, CloudFormation, YAML or JSON), which is the
/// fixer's job; rules read no files.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, for people.
    pub title: String,
    /// The descriptor to edit, relative to the scanned root.
    pub file: String,
    pub change: Change,
}

/// The changes fixes make. Each names the element by its id in the descriptor.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// Turn on active X-Ray tracing.
    Tracing { function: String },
    /// Keep the function's logs for `days`.
    LogRetention { function: String, days: i64 },
    /// Require IAM authentication on the function's URL, whose `AuthType` is written at
    /// `line` (in a URL resource, a SAM `FunctionUrlConfig` or a serverless `url`).
    UrlAuthIam { function: String, line: u32 },
    /// Move functions to another runtime: the runtime `from` written at `line` (a function's
    /// own or a shared setting such as `provider.runtime` or SAM `Globals`) becomes `to`.
    Runtime {
        functions: Vec<String>,
        line: u32,
        from: String,
        to: String,
    },
    /// Cap the function's concurrency.
    ReservedConcurrency { function: String, limit: i64 },
    /// In the policy statement written at `line`, replace the wildcard action patterns
    /// `drop` with the actions the role's functions are known to need, `add`.
    NarrowActions {
        role: String,
        line: u32,
        drop: Vec<String>,
        add: Vec<String>,
    },
    /// In the policy statement written at `line`, replace `Resource: "*"` with the resources
    /// the role's functions are known to reach. A resource the analysis could not resolve
    /// (`<...>`) makes the fix refuse.
    NarrowResources {
        role: String,
        line: u32,
        resources: Vec<String>,
    },
    /// Give an SQS queue that feeds a function a dead-letter queue of its own (a new queue
    /// resource and the queue's `RedrivePolicy`).
    QueueRedrive { queue: String },
    /// Give a function invoked asynchronously a dead-letter queue of its own (a new queue
    /// resource and the function's dead-letter setting).
    FunctionDeadLetter { function: String },
    /// Hide a template parameter's value (`NoEcho`); with `remove_default`, drop its
    /// literal default so the secret is passed at deploy time instead.
    NoEcho {
        parameter: String,
        remove_default: bool,
    },
}

impl Change {
    /// The function whose own declaration the change edits, if it is one function's.
    pub fn function(&self) -> Option<&str> {
        match self {
            Change::Tracing { function }
            | Change::LogRetention { function, .. }
            | Change::UrlAuthIam { function, .. }
            | Change::ReservedConcurrency { function, .. }
            | Change::FunctionDeadLetter { function } => Some(function),
            Change::Runtime { .. }
            | Change::NoEcho { .. }
            | Change::NarrowActions { .. }
            | Change::NarrowResources { .. }
            | Change::QueueRedrive { .. } => None,
        }
    }
}

impl Finding {
    /// Findings that join several weaknesses into a path an attacker can walk (FG701, FG702):
    /// every report puts them first.
    pub fn is_attack_path(&self) -> bool {
        matches!(self.rule, "FG701" | "FG702")
    }

    /// A fingerprint that survives line moves: rule, file, function, resource and a rule-chosen
    /// discriminator (never the line number).
    pub fn compute_fingerprint(&self, discriminator: &str) -> String {
        let mut h = Fnv64::default();
        for part in [
            self.rule,
            self.location.file.as_str(),
            self.function.as_deref().unwrap_or(""),
            self.resource.as_deref().unwrap_or(""),
            discriminator,
        ] {
            h.write(part.as_bytes());
            h.write(&[0]);
        }
        format!("{:016x}", h.0)
    }
}

/// How serious a tool-side problem is: an error lost part of the input, a warning did not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
}

/// A tool failure or notice about the input (a file that could not be parsed, a skipped
/// provider). Reported beside findings, never as one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ScanError {
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
    pub level: Level,
}

impl ScanError {
    pub fn error(file: &str, line: Option<u32>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            line,
            message: message.into(),
            level: Level::Error,
        }
    }

    pub fn warning(file: &str, line: Option<u32>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            line,
            message: message.into(),
            level: Level::Warning,
        }
    }
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file, l, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// FNV-1a: small, stable across platforms and releases (unlike std's SipHash keys).
struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Evidence;
    use serde_json::json;

    #[test]
    fn evidence_is_written_as_its_value_would_be() {
        let values = [
            json!(null),
            json!({}),
            json!([]),
            json!({"runtime": "nodejs16.x", "n": 3, "list": [1, -2, 1.5, true, null]}),
            json!({"z": {"b": [], "a": {}}, "a": "tab\t quote\" é \u{1F600} \u{E000}"}),
            json!({"big": u64::MAX, "small": i64::MIN, "float": 1e300, "tiny": 0.1, "neg": -0.0}),
            json!(["only", ["nested", [[]]]]),
            json!("a string"),
        ];
        for v in values {
            let e = Evidence::new(&v);
            assert_eq!(e.is_null(), v.is_null());
            assert_eq!(e.value(), v);
            assert_eq!(e.json(), v.to_string());
            assert_eq!(
                serde_json::to_string(&e).unwrap(),
                serde_json::to_string(&v).unwrap()
            );
            // Straight to the pretty printer, as reports write it (not through a value).
            #[derive(serde::Serialize)]
            struct Doc<T> {
                evidence: T,
                after: u8,
            }
            assert_eq!(
                serde_json::to_string_pretty(&Doc {
                    evidence: &e,
                    after: 1
                })
                .unwrap(),
                serde_json::to_string_pretty(&Doc {
                    evidence: &v,
                    after: 1
                })
                .unwrap()
            );
        }
    }
}
