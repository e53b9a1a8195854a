use crate::{Location, Val};
use serde::Serialize;

/// An IAM (identity or resource) policy document as written, after variable resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PolicyDocument {
    pub statements: Vec<Statement>,
    pub location: Location,
    /// The inline policy's name, when the document is one of a role's inline policies and its
    /// name is written (`Policies[].PolicyName`, `AWS::IAM::Policy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A customer-managed policy attached to the role (`AWS::IAM::ManagedPolicy`), folded in as
    /// a document because its ARN only exists once deployed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub managed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Val<Effect>,
    pub actions: Vec<Val<String>>,
    pub not_actions: Vec<Val<String>>,
    pub resources: Vec<Val<String>>,
    pub not_resources: Vec<Val<String>>,
    /// `None` for identity policies, which have no principal.
    pub principals: Option<Principals>,
    pub not_principals: Option<Principals>,
    /// Condition operators and keys, kept so rules can tell a scoped grant from an open one.
    pub conditions: Vec<Condition>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Principals {
    /// `"*"` as a bare principal.
    pub wildcard: bool,
    pub aws: Vec<Val<String>>,
    pub service: Vec<Val<String>>,
    pub federated: Vec<Val<String>>,
}

impl Principals {
    /// True when the principal list admits anybody: `*`, `{"AWS": "*"}`.
    pub fn is_anyone(&self) -> bool {
        self.wildcard || self.aws.iter().any(|a| a.as_str() == Some("*"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<Val<String>>,
}

impl Statement {
    pub fn is_allow(&self) -> bool {
        matches!(self.effect, Val::Known(Effect::Allow))
    }

    pub fn has_condition_key(&self, keys: &[&str]) -> bool {
        self.conditions
            .iter()
            .any(|c| keys.iter().any(|k| c.key.eq_ignore_ascii_case(k)))
    }

    /// Whether this statement's actions (by pattern) could include `action`.
    pub fn may_allow_action(&self, action: &str) -> bool {
        if !self.is_allow() {
            return false;
        }
        if !self.not_actions.is_empty() {
            return !self
                .not_actions
                .iter()
                .any(|a| a.as_str().is_some_and(|p| wildcard_match(p, action)));
        }
        self.actions
            .iter()
            .any(|a| a.as_str().is_some_and(|p| wildcard_match(p, action)))
    }
}

/// IAM-style wildcard match (`*` any run, `?` one character), ASCII case-insensitive.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    // Called for every action of the catalogue when a pattern is expanded: no allocation.
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    if p == b"*" {
        return true;
    }
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi].eq_ignore_ascii_case(&t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("s3:*", "s3:GetObject"));
        assert!(wildcard_match("S3:get*", "s3:GetObject"));
        assert!(wildcard_match("*", "anything"));
        assert!(wildcard_match(
            "lambda:Invoke?unction",
            "lambda:InvokeFunction"
        ));
        assert!(!wildcard_match("s3:Put*", "s3:GetObject"));
        assert!(!wildcard_match("sns:Publish", "sns:PublishBatch"));
    }
}
