use crate::{registry, Context, Rule, RuleMeta};
use fnguard_model::{Finding, Project, Severity};
use rayon::prelude::*;
use std::collections::HashMap;

/// Which rules run, and at what severity.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `--select`: rule ids or prefixes (`FG2`); when given, only these run (opt-in included).
    pub select: Vec<String>,
    /// `--ignore`: ids or prefixes never run.
    pub ignore: Vec<String>,
    /// `[rules] enable` in fnguard.toml: opt-in rules turned on alongside the defaults.
    pub enable: Vec<String>,
    /// `[rules.severity]` overrides.
    pub severity: HashMap<String, Severity>,
}

fn matches(patterns: &[String], meta: &RuleMeta) -> bool {
    matches_rule(patterns, meta.id, meta.name)
}

fn matches_rule(patterns: &[String], id: &str, name: &str) -> bool {
    patterns.iter().any(|p| {
        let p = p.trim();
        p.eq_ignore_ascii_case("ALL")
            || id.len() >= p.len()
                && id.is_char_boundary(p.len())
                && id[..p.len()].eq_ignore_ascii_case(p)
            || name == p
    })
}

impl Selection {
    pub fn is_enabled(&self, meta: &RuleMeta) -> bool {
        if matches(&self.ignore, meta) {
            return false;
        }
        if !self.select.is_empty() {
            return matches(&self.select, meta);
        }
        !meta.opt_in || matches(&self.enable, meta)
    }

    /// Whether a custom rule (a Rego policy's `custom.id` and name) runs: custom rules are on
    /// unless ignored or left out by a selection, like the built-in ones that are not opt-in.
    pub fn is_custom_enabled(&self, id: &str, name: &str) -> bool {
        if matches_rule(&self.ignore, id, name) {
            return false;
        }
        self.select.is_empty() || matches_rule(&self.select, id, name)
    }

    /// Patterns that name no rule: almost always a typo the user wants to hear about.
    pub fn unknown_patterns(&self) -> Vec<String> {
        self.unknown_patterns_among(&[])
    }

    /// Patterns that name neither a built-in rule nor one of the `custom` rules (id, name).
    pub fn unknown_patterns_among(&self, custom: &[(&str, &str)]) -> Vec<String> {
        let all = registry();
        self.select
            .iter()
            .chain(&self.ignore)
            .chain(&self.enable)
            .chain(self.severity.keys())
            .filter(|p| {
                let pattern = std::slice::from_ref(*p);
                !all.iter().any(|r| matches(pattern, r.meta()))
                    && !custom
                        .iter()
                        .any(|(id, name)| matches_rule(pattern, id, name))
            })
            .cloned()
            .collect()
    }
}

#[derive(Default)]
pub struct RuleConfig {
    pub selection: Selection,
    pub today: (i32, u32, u32),
    /// Accounts whose Lambda layers are trusted (`[deps] trusted_layer_accounts`), for FG403.
    pub trusted_layer_accounts: Vec<String>,
    /// `[wallet] account_concurrency` (None: 1000) and `max_usd_per_hour` (None: 100).
    pub account_concurrency: Option<u64>,
    pub max_usd_per_hour: Option<f64>,
    /// Region for prices.
    pub region: Option<String>,
}

/// Run every enabled rule over every project. Results are sorted for stable output.
pub fn run(projects: &[Project], config: &RuleConfig) -> Vec<Finding> {
    run_each(projects.iter().map(|p| (p, None)), config)
}

/// Run the enabled rules over a declared project with its deployed counterpart (FG612 needs
/// it; the other rules see the declared project as in `run`).
pub fn run_drift(
    project: &Project,
    drift: &crate::drift::Drift<'_>,
    config: &RuleConfig,
) -> Vec<Finding> {
    run_each(std::iter::once((project, Some(drift))), config)
}

/// The rules that read [`Context::graph`] (a test checks that the other rules never build it,
/// and that each of these does on its fixtures).
pub const GRAPH_READERS: &[&str] = &[
    "FG512", "FG513", "FG701", "FG702", "FG801", "FG802", "FG804",
];

fn context<'a>(
    project: &'a Project,
    drift: Option<&'a crate::drift::Drift<'a>>,
    config: &'a RuleConfig,
) -> Context<'a> {
    Context {
        project,
        index: fnguard_model::ProjectIndex::new(project),
        today: config.today,
        trusted_layer_accounts: &config.trusted_layer_accounts,
        account_concurrency: config.account_concurrency.unwrap_or(1000),
        max_usd_per_hour: config.max_usd_per_hour.unwrap_or(100.0),
        region: config.region.as_deref(),
        drift,
        graph: std::cell::OnceCell::new(),
        roles: std::cell::OnceCell::new(),
        least: Default::default(),
        resources: Default::default(),
    }
}

/// Runs one rule on `project` as the engine does, and says whether it built the graph.
#[doc(hidden)]
pub fn rule_builds_graph(rule: &dyn Rule, project: &Project, config: &RuleConfig) -> bool {
    let cx = context(project, None, config);
    rule.check(&cx, &mut Vec::new());
    cx.graph.get().is_some()
}

fn run_each<'a>(
    projects: impl Iterator<Item = (&'a Project, Option<&'a crate::drift::Drift<'a>>)>,
    config: &RuleConfig,
) -> Vec<Finding> {
    let rules: Vec<&dyn Rule> = registry()
        .iter()
        .copied()
        .filter(|r| config.selection.is_enabled(r.meta()))
        .collect();
    // Projects are independent and the rules pure: one task per project.
    let projects: Vec<_> = projects.collect();
    // The rules that read the application graph run first, and the graph is dropped before
    // the others: on a large project it is a tenth of the memory, and the findings of the
    // other rules need not share the peak with it. The order of the rules does not change the
    // report (findings are sorted below, and two rules' findings never compare equal).
    let (graph_readers, others): (Vec<&dyn Rule>, Vec<&dyn Rule>) = rules
        .iter()
        .partition(|r| GRAPH_READERS.contains(&r.meta().id));
    let per_project: Vec<Vec<Finding>> = projects
        .into_par_iter()
        .map(|(project, drift)| {
            let mut out = Vec::new();
            let mut cx = context(project, drift, config);
            for rule in &graph_readers {
                rule.check(&cx, &mut out);
            }
            drop(cx.graph.take());
            for rule in &others {
                rule.check(&cx, &mut out);
            }
            if !project.construct_paths.is_empty() {
                for f in &mut out {
                    attach_construct_path(project, f);
                }
            }
            out
        })
        .collect();
    // One project's findings are taken as they are; several are joined into a vector of the
    // exact size (collecting through `flatten` grows one by doubling, beside the originals).
    let mut per_project = per_project;
    let mut out: Vec<Finding> = if per_project.len() == 1 {
        per_project.pop().unwrap_or_default()
    } else {
        let mut all = Vec::with_capacity(per_project.iter().map(Vec::len).sum());
        for mut findings in per_project {
            all.append(&mut findings);
        }
        all
    };
    for f in &mut out {
        if let Some(s) = config.selection.severity.get(f.rule) {
            f.severity = *s;
        }
    }
    out.sort_by(|a, b| {
        // Attack paths first, the worst first; then everything in file order.
        let rank = |f: &Finding| {
            (
                !f.is_attack_path(),
                std::cmp::Reverse(f.is_attack_path().then_some(f.severity)),
            )
        };
        (
            rank(a),
            &a.location.file,
            a.location.line,
            a.rule,
            &a.message,
        )
            .cmp(&(
                rank(b),
                &b.location.file,
                b.location.line,
                b.rule,
                &b.message,
            ))
    });
    out.dedup_by(|a, b| a.fingerprint == b.fingerprint && a.location == b.location);
    out
}

/// CDK users edit constructs, not the synthesized template: name the construct too.
fn attach_construct_path(project: &Project, f: &mut Finding) {
    let path = f
        .function
        .as_deref()
        .and_then(|id| project.construct_path(id))
        .or_else(|| {
            f.resource
                .as_deref()
                .and_then(|id| project.construct_path(id))
        });
    let Some(path) = path else { return };
    f.message = format!("{} [CDK construct {path}]", f.message);
    let mut evidence = f.evidence.value();
    if !evidence.is_object() {
        evidence = serde_json::json!({});
    }
    evidence["construct_path"] = serde_json::Value::String(path.to_string());
    f.evidence = fnguard_model::Evidence::new(&evidence);
}

/// `fnguard:ignore FG201 <reason>` found in a file, on `line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub file: String,
    pub line: u32,
    pub rules: Vec<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Default)]
pub struct SuppressionOutcome {
    pub kept: Vec<Finding>,
    pub suppressed: Vec<(Finding, Suppression)>,
    /// Suppressions that matched no finding, or that give no reason.
    pub problems: Vec<(Suppression, &'static str)>,
}

/// A suppression covers findings on its own line or the line below it.
pub fn apply_suppressions(
    mut findings: Vec<Finding>,
    suppressions: &[Suppression],
) -> SuppressionOutcome {
    let mut used = vec![false; suppressions.len()];
    let mut outcome = SuppressionOutcome::default();
    let mut hits = Vec::new();
    // The kept findings stay where they are: a second vector of them was a tenth of a large
    // scan's peak memory.
    let suppressed: Vec<Finding> = findings
        .extract_if(.., |f| {
            let hit = suppressions.iter().position(|s| {
                s.reason.is_some()
                    && s.file == f.location.file
                    && (f.location.line == s.line || f.location.line == s.line + 1)
                    && s.rules
                        .iter()
                        .any(|r| r.eq_ignore_ascii_case(f.rule) || r == f.name)
            });
            if let Some(i) = hit {
                used[i] = true;
                hits.push(i);
            }
            hit.is_some()
        })
        .collect();
    outcome.suppressed = suppressed
        .into_iter()
        .zip(hits)
        .map(|(f, i)| (f, suppressions[i].clone()))
        .collect();
    outcome.kept = findings;
    for (s, used) in suppressions.iter().zip(used) {
        if s.reason.is_none() {
            outcome.problems.push((
                s.clone(),
                "suppression has no reason; write why after the rule id",
            ));
        } else if !used {
            outcome
                .problems
                .push((s.clone(), "suppression matches no finding; remove it"));
        }
    }
    outcome
}
