//! Data sensitivity of a store: from its tags (`data-classification` and common variants), then
//! from its name and attribute names (users, payments, cards, tokens, personal data).

use fnguard_model::Resource;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sensitivity {
    Unknown,
    Public,
    Internal,
    Confidential,
    Restricted,
}

impl Sensitivity {
    pub fn label(self) -> &'static str {
        match self {
            Sensitivity::Unknown => "unknown",
            Sensitivity::Public => "public",
            Sensitivity::Internal => "internal",
            Sensitivity::Confidential => "confidential",
            Sensitivity::Restricted => "restricted",
        }
    }

    pub fn is_sensitive(self) -> bool {
        self >= Sensitivity::Confidential
    }
}

const TAG_KEYS: &[&str] = &[
    "data-classification",
    "dataclassification",
    "data_classification",
    "classification",
    "sensitivity",
    "data-sensitivity",
    "confidentiality",
];

/// Words in a store's name that say what it holds, strongest first.
const RESTRICTED_WORDS: &[&str] = &[
    "payment",
    "card",
    "credit",
    "billing",
    "ssn",
    "passport",
    "medical",
    "health",
    "patient",
    "secret",
    "credential",
    "token",
    "password",
];
const CONFIDENTIAL_WORDS: &[&str] = &[
    "user", "customer", "account", "profile", "member", "order", "invoice", "email", "address",
    "phone", "pii", "personal", "employee", "tenant", "identity", "session",
];

/// `extra_words`: user-configured words that make a store sensitive (`[data] sensitive_words`).
pub fn classify(r: &Resource, extra_words: &[String]) -> (Sensitivity, String) {
    for (k, v) in &r.tags {
        if TAG_KEYS.contains(&k.to_ascii_lowercase().as_str()) {
            let v = v.to_ascii_lowercase();
            let s = match v.as_str() {
                "public" => Sensitivity::Public,
                "internal" | "private" => Sensitivity::Internal,
                "confidential" | "sensitive" | "pii" => Sensitivity::Confidential,
                "restricted" | "secret" | "highly-confidential" | "pci" | "phi" => {
                    Sensitivity::Restricted
                }
                _ => Sensitivity::Unknown,
            };
            if s != Sensitivity::Unknown {
                return (s, format!("tag {k}={v}"));
            }
        }
    }
    if matches!(r.kind, fnguard_model::ResourceKind::Secret) {
        return (Sensitivity::Restricted, "a secret".into());
    }
    let name = r
        .name
        .as_ref()
        .and_then(|n| n.as_str())
        .unwrap_or(&r.id)
        .to_ascii_lowercase();
    let words = |list: &[&str]| {
        list.iter()
            .find(|w| name.contains(*w))
            .map(|w| w.to_string())
    };
    if let Some(w) = extra_words
        .iter()
        .find(|w| name.contains(&w.to_ascii_lowercase()))
    {
        return (
            Sensitivity::Confidential,
            format!("name contains `{w}` (configured)"),
        );
    }
    if let Some(w) = words(RESTRICTED_WORDS) {
        return (Sensitivity::Restricted, format!("name contains `{w}`"));
    }
    if let Some(w) = words(CONFIDENTIAL_WORDS) {
        return (Sensitivity::Confidential, format!("name contains `{w}`"));
    }
    if let Some(attr) = r.custom_attributes.iter().find(|a| {
        RESTRICTED_WORDS
            .iter()
            .chain(CONFIDENTIAL_WORDS)
            .any(|w| a.to_ascii_lowercase().contains(w))
    }) {
        return (Sensitivity::Confidential, format!("attribute `{attr}`"));
    }
    (Sensitivity::Unknown, String::new())
}
