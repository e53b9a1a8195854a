use crate::RuleMeta;
use fnguard_model::{Finding, Location, Project, Severity};

/// What a rule sees: one project and the scan's settings.
pub struct Context<'a> {
    pub project: &'a Project,
    /// Today's date as (year, month, day), supplied by the caller so rules stay pure.
    pub today: (i32, u32, u32),
}

impl<'a> Context<'a> {
    pub fn finding(
        &self,
        meta: &'static RuleMeta,
        location: Location,
        message: impl Into<String>,
    ) -> FindingBuilder {
        FindingBuilder {
            finding: Finding {
                rule: meta.id,
                name: meta.name,
                severity: meta.severity,
                practice: meta.practice,
                message: message.into(),
                function: None,
                resource: None,
                location,
                related: Vec::new(),
                remediation: String::new(),
                fingerprint: String::new(),
                evidence: serde_json::Value::Null,
            },
            discriminator: String::new(),
        }
    }
}

pub struct FindingBuilder {
    finding: Finding,
    discriminator: String,
}

impl FindingBuilder {
    pub fn function(mut self, id: &str) -> Self {
        self.finding.function = Some(id.to_string());
        self
    }

    pub fn resource(mut self, id: &str) -> Self {
        self.finding.resource = Some(id.to_string());
        self
    }

    pub fn severity(mut self, s: Severity) -> Self {
        self.finding.severity = s;
        self
    }

    pub fn related(mut self, l: Location) -> Self {
        if l != self.finding.location && !self.finding.related.contains(&l) {
            self.finding.related.push(l);
        }
        self
    }

    pub fn fix(mut self, text: impl Into<String>) -> Self {
        self.finding.remediation = text.into();
        self
    }

    pub fn evidence(mut self, v: serde_json::Value) -> Self {
        self.finding.evidence = v;
        self
    }

    /// What distinguishes this finding from others of the same rule on the same element
    /// (a route, a variable name); part of the fingerprint.
    pub fn key(mut self, k: impl Into<String>) -> Self {
        self.discriminator = k.into();
        self
    }

    pub fn emit(mut self, out: &mut Vec<Finding>) {
        self.finding.fingerprint = self.finding.compute_fingerprint(&self.discriminator);
        out.push(self.finding);
    }
}
