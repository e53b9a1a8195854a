use crate::RuleMeta;
use fnguard_model::{Finding, Location, Project, ProjectIndex, Severity, SourceFormat};
use std::collections::HashMap;

/// What a rule sees: one project and the scan's settings.
pub struct Context<'a> {
    pub project: &'a Project,
    pub index: ProjectIndex<'a>,
    /// Today's date as (year, month, day), supplied by the caller so rules stay pure.
    pub today: (i32, u32, u32),
    /// Accounts whose layers the user trusts (configuration), for FG403.
    pub trusted_layer_accounts: &'a [String],
    /// The account's concurrency limit and the wallet budget (configuration), for FG8xx.
    pub account_concurrency: u64,
    pub max_usd_per_hour: f64,
    pub region: Option<&'a str>,
    /// The deployed counterpart of `project` (`fnguard aws drift` only), for FG612.
    pub drift: Option<&'a crate::drift::Drift<'a>>,
    /// The application graph, built once per project by the first rule that asks.
    pub graph: std::cell::OnceCell<fnguard_flow::Graph>,
    /// The roles functions use, with their effective permissions and functions: nine rules
    /// walk them, and each used to work out every role's permissions again.
    pub(crate) roles: std::cell::OnceCell<Vec<RoleInUse<'a>>>,
    /// Least-privilege analyses by the role's index in `roles`, shared by the rules that need one (expanding a
    /// role's wildcards over the action catalogue is the costly part of a rule run).
    pub(crate) least:
        std::cell::RefCell<HashMap<usize, std::rc::Rc<fnguard_iam::FunctionPermissions>>>,
    /// The project's resources by id and name, for the least-privilege analyses.
    pub(crate) resources: std::cell::OnceCell<fnguard_iam::Resources<'a>>,
}

/// A role, its effective permissions and the functions that use it.
pub(crate) type RoleInUse<'a> = (
    &'a fnguard_model::Role,
    fnguard_iam::RolePolicies,
    Vec<&'a fnguard_model::Function>,
);

impl<'a> Context<'a> {
    /// The least-privilege analysis of the `i`th role in use (`roles_in_use`), for all the
    /// functions that use it.
    pub(crate) fn least_privilege(
        &self,
        i: usize,
    ) -> Option<std::rc::Rc<fnguard_iam::FunctionPermissions>> {
        if let Some(hit) = self.least.borrow().get(&i) {
            return Some(hit.clone());
        }
        let (role, _, fns) = crate::rules::p3_role::roles_in_use(self).get(i)?;
        let resources = self
            .resources
            .get_or_init(|| fnguard_iam::Resources::new(&self.project.resources));
        let lp = std::rc::Rc::new(fnguard_iam::analyse(role, fns, resources));
        self.least.borrow_mut().insert(i, lp.clone());
        Some(lp)
    }

    /// The project's application graph (triggers, invocations, reads, writes, roles).
    pub fn graph(&self) -> &fnguard_flow::Graph {
        self.graph
            .get_or_init(|| fnguard_flow::build(self.project, &[]))
    }

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
                functions: Vec::new(),
                resource: None,
                location,
                related: Vec::new(),
                remediation: String::new(),
                fingerprint: String::new(),
                evidence: fnguard_model::Evidence::default(),
                fixes: Vec::new(),
            },
            evidence: serde_json::Value::Null,
            discriminator: String::new(),
            editable: matches!(
                self.project.format,
                SourceFormat::Serverless
                    | SourceFormat::Sam
                    | SourceFormat::CloudFormation
                    | SourceFormat::Terraform
            ),
        }
    }
}

pub struct FindingBuilder {
    finding: Finding,
    /// Kept as a value while the rule adds to it; the finding keeps its text.
    evidence: serde_json::Value,
    discriminator: String,
    /// Whether the project's descriptors are the user's source (not a synthesized CDK template
    /// or a live account), so that fixes can edit them.
    editable: bool,
}

impl FindingBuilder {
    /// The functions a shared setting applies to: one sets `function`, several are listed in
    /// the message's subject and in `evidence.functions`.
    pub fn functions(mut self, ids: &[&str]) -> Self {
        self.finding.functions = ids.iter().map(|s| s.to_string()).collect();
        match ids {
            [one] => self.finding.function = Some(one.to_string()),
            _ => {
                if !self.evidence.is_object() {
                    self.evidence = serde_json::json!({});
                }
                self.evidence["functions"] = serde_json::json!(ids);
            }
        }
        self
    }

    pub fn function(mut self, id: &str) -> Self {
        self.finding.function = Some(id.to_string());
        self.finding.functions = vec![id.to_string()];
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

    /// An edit `fnguard fix` can make. Descriptors fnguard does not edit (synthesized CDK
    /// templates, live accounts) get none: the fix belongs in the source.
    /// `file` is the descriptor that declares the element (YAML, JSON or Terraform).
    pub fn autofix(
        mut self,
        applicability: fnguard_model::Applicability,
        title: impl Into<String>,
        file: &str,
        change: fnguard_model::Change,
    ) -> Self {
        let lower = file.to_ascii_lowercase();
        let text_format = [".yml", ".yaml", ".json", ".template", ".tf"]
            .iter()
            .any(|e| lower.ends_with(e));
        // A function inside a Terraform module is declared in the module's files, not in the
        // caller's `.tf` the finding points at.
        let outside_module = change
            .function()
            .is_none_or(|f| !f.starts_with("module.") && !f.contains('['));
        if self.editable && text_format && outside_module {
            // Most findings have one fix: room for exactly one, not the four a first push
            // makes (a fix is a hundred bytes and more).
            self.finding.fixes.reserve_exact(1);
            self.finding.fixes.push(fnguard_model::Fix {
                applicability,
                title: title.into(),
                file: file.to_string(),
                change,
            });
        }
        self
    }

    /// Rule-specific details; merged with what `functions` added.
    pub fn evidence(mut self, v: serde_json::Value) -> Self {
        match (&mut self.evidence, v) {
            (serde_json::Value::Object(existing), serde_json::Value::Object(new)) => {
                existing.extend(new);
            }
            (slot, v) => *slot = v,
        }
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
        self.finding.evidence = fnguard_model::Evidence::new(&self.evidence);
        out.push(self.finding);
    }
}

/// `function `a`` or `functions `a`, `b` and 3 more`, for messages about a shared setting.
pub fn subject(ids: &[&str]) -> String {
    match ids {
        [one] => format!("function `{one}`"),
        _ if ids.len() <= 3 => format!(
            "functions {}",
            ids.iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => format!(
            "functions {} and {} more",
            ids[..2]
                .iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", "),
            ids.len() - 2
        ),
    }
}

/// Group items by the location of the setting they come from, keeping first-seen order, so
/// that one setting shared by many functions (a provider default) gives one finding.
pub fn group_by_location<T: Clone>(
    items: Vec<(Location, T, &str)>,
) -> Vec<(Location, T, Vec<&str>)> {
    let mut out: Vec<(Location, T, Vec<&str>)> = Vec::new();
    let mut seen: HashMap<Location, usize> = HashMap::new();
    for (loc, value, id) in items {
        match seen.get(&loc) {
            Some(&i) => out[i].2.push(id),
            None => {
                seen.insert(loc.clone(), out.len());
                out.push((loc, value, vec![id]));
            }
        }
    }
    out
}
