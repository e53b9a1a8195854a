//! Building the graph from one project of the model.

use crate::sensitivity::{classify, Sensitivity};
use fnguard_iam::{catalog, effective_permissions, AccessLevel};
use fnguard_model::{
    wildcard_match, Auth, Function, Location, Project, Resource, ResourceKind, RoleRef,
    TriggerKind, Val,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Function,
    Resource,
    Api,
    Role,
    /// Something outside the project: a URL, a schedule, an existing queue.
    External,
}

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    /// The resource type (`S3 bucket`) or the runtime.
    pub detail: String,
    /// An entry point anyone can call (no authorizer, URL with AuthType NONE).
    pub public: bool,
    pub sensitivity: Option<Sensitivity>,
    /// Why the sensitivity was chosen (`tag data-classification=restricted`).
    pub sensitivity_reason: String,
    pub location: Option<Location>,
    /// A function's handler, as configured.
    pub handler: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeKind {
    Trigger,
    Invoke,
    Read,
    Write,
    Assume,
}

impl EdgeKind {
    pub fn label(self) -> &'static str {
        match self {
            EdgeKind::Trigger => "trigger",
            EdgeKind::Invoke => "invoke",
            EdgeKind::Read => "read",
            EdgeKind::Write => "write",
            EdgeKind::Assume => "assume",
        }
    }
}

/// What an edge is known from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeSource {
    /// The descriptor says so (a trigger, a destination, a role).
    Declared,
    /// The handler's code calls the API on a resource it names.
    Code,
    /// The role allows it (the code may or may not use it).
    Iam,
    /// The role allows it only through a wildcard resource (`dynamodb:*` on `*`): drawn to the
    /// sensitive stores it exposes, for attack paths; never part of a loop.
    Wildcard,
}

#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    pub source: EdgeSource,
    /// `POST /orders`, `s3:PutObject`, ...
    pub detail: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Graph {
    pub project: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl Graph {
    /// The node with this id: `build` keeps nodes sorted by id, so lookups stay logarithmic on
    /// applications with 100,000 functions.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes
            .binary_search_by(|n| n.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.nodes[i])
    }

    /// The edges leaving `id`: `build` keeps edges sorted by their source.
    pub fn edges_from(&self, id: &str) -> &[Edge] {
        let start = self.edges.partition_point(|e| e.from.as_str() < id);
        let end = start + self.edges[start..].partition_point(|e| e.from == id);
        &self.edges[start..end]
    }

    /// The edges arriving at each node, built in one pass.
    pub fn edges_to(&self) -> HashMap<&str, Vec<&Edge>> {
        let mut to: HashMap<&str, Vec<&Edge>> = HashMap::new();
        for e in &self.edges {
            to.entry(e.to.as_str()).or_default().push(e);
        }
        to
    }
}

pub fn fn_node(id: &str) -> String {
    format!("fn:{id}")
}

fn res_node(id: &str) -> String {
    format!("res:{id}")
}

/// Builds the graph of one project; `sensitive_words` extends the name-based classification.
pub fn build(p: &Project, sensitive_words: &[String]) -> Graph {
    let mut g = Graph {
        project: p.path.clone(),
        ..Graph::default()
    };
    let index = ResourceIndex::new(p);
    for f in &p.functions {
        g.nodes.push(Node {
            id: fn_node(&f.id),
            kind: NodeKind::Function,
            label: f.id.clone(),
            detail: f
                .runtime
                .as_ref()
                .and_then(|r| r.value.as_str())
                .unwrap_or(if f.is_image { "container image" } else { "" })
                .to_string(),
            public: is_public(p, f),
            sensitivity: None,
            sensitivity_reason: String::new(),
            handler: f
                .handler
                .as_ref()
                .and_then(|h| h.value.as_str())
                .map(str::to_string),
            location: Some(f.location.clone()),
        });
    }
    // What each function's IAM edges ask of every resource, worked out once per resource (it
    // was once per function and resource: quadratic in a project of thousands of each).
    let mut facts: Vec<ResourceFacts> = Vec::with_capacity(p.resources.len());
    for r in &p.resources {
        let (s, why) = classify(r, sensitive_words);
        facts.push(ResourceFacts {
            service: service_of(r.kind),
            arns: arns_of(r),
            sensitive: s.is_sensitive(),
        });
        g.nodes.push(Node {
            id: res_node(&r.id),
            kind: NodeKind::Resource,
            label: r.id.clone(),
            detail: r.kind.label().to_string(),
            public: false,
            sensitivity: Some(s),
            sensitivity_reason: why,
            handler: None,
            location: Some(r.location.clone()),
        });
    }
    for a in &p.apis {
        g.nodes.push(Node {
            id: format!("api:{}", a.id),
            kind: NodeKind::Api,
            label: a.id.clone(),
            detail: format!("{} ({})", a.kind.label(), api_guard(a)),
            public: !a.private,
            sensitivity: None,
            sensitivity_reason: String::new(),
            handler: None,
            location: Some(a.location.clone()),
        });
    }
    for r in &p.roles {
        g.nodes.push(Node {
            id: format!("role:{}", r.id),
            kind: NodeKind::Role,
            label: r.id.clone(),
            detail: "IAM role".into(),
            public: false,
            sensitivity: None,
            sensitivity_reason: String::new(),
            handler: None,
            location: Some(r.location.clone()),
        });
    }
    let mut edges: BTreeMap<(String, String, EdgeKind), Edge> = BTreeMap::new();
    let mut add = |e: Edge| {
        let key = (e.from.clone(), e.to.clone(), e.kind);
        match edges.get_mut(&key) {
            // Several routes of one API to one function: one edge that lists them all.
            Some(old)
                if old.source == e.source
                    && e.kind == EdgeKind::Trigger
                    && !old.detail.split("; ").any(|d| d == e.detail) =>
            {
                old.detail = format!("{}; {}", old.detail, e.detail);
            }
            // The strongest evidence wins: declared, then code, then IAM.
            Some(old) if old.source <= e.source => {}
            _ => {
                edges.insert(key, e);
            }
        }
    };
    let targets = GrantTargets::new(p, &facts);
    let lookup = Lookup::new(p, &targets);
    let mut role_reach: HashMap<String, Vec<Edge>> = HashMap::new();
    for f in &p.functions {
        let target = fn_node(&f.id);
        if let Some(url) = &f.url {
            let id = format!("url:{}", f.id);
            g.nodes.push(Node {
                id: id.clone(),
                kind: NodeKind::External,
                label: format!("function URL of {}", f.id),
                detail: format!("AuthType {}", url.auth_type.value.as_str().unwrap_or("?")),
                public: url
                    .auth_type
                    .value
                    .as_str()
                    .is_some_and(|a| a.eq_ignore_ascii_case("NONE")),
                sensitivity: None,
                sensitivity_reason: String::new(),
                handler: None,
                location: Some(url.location.clone()),
            });
            add(Edge {
                from: id,
                to: target.clone(),
                kind: EdgeKind::Trigger,
                source: EdgeSource::Declared,
                detail: "function URL".into(),
            });
        }
        for t in &f.triggers {
            let (from, detail) = match &t.kind {
                TriggerKind::Api {
                    api,
                    method,
                    path,
                    auth,
                    api_key_required,
                    ..
                } => (
                    format!("api:{api}"),
                    format!(
                        "{method} {path} (auth: {}{})",
                        auth_label(auth),
                        if *api_key_required { ", API key" } else { "" }
                    ),
                ),
                TriggerKind::Alb { api, .. } => (format!("api:{api}"), "ALB".into()),
                TriggerKind::S3 { bucket, events, .. } => (
                    source_node(&mut g, &index, p, bucket, ResourceKind::Bucket),
                    events.join(","),
                ),
                TriggerKind::Sqs { queue, .. } => (
                    source_node(&mut g, &index, p, queue, ResourceKind::Queue),
                    "SQS".into(),
                ),
                TriggerKind::Sns { topic } => (
                    source_node(&mut g, &index, p, topic, ResourceKind::Topic),
                    "SNS".into(),
                ),
                TriggerKind::Stream {
                    source, service, ..
                } => {
                    // A DynamoDB stream belongs to its table.
                    let kind = if service.to_ascii_lowercase().contains("dynamodb") {
                        ResourceKind::Table
                    } else {
                        ResourceKind::Stream
                    };
                    (
                        source_node(&mut g, &index, p, source, kind),
                        service.clone(),
                    )
                }
                TriggerKind::EventBridge { bus, .. } => match bus {
                    Some(b) => (
                        source_node(&mut g, &index, p, b, ResourceKind::EventBus),
                        "EventBridge".into(),
                    ),
                    None => (
                        external(&mut g, "eventbridge:default", "default event bus"),
                        "EventBridge".into(),
                    ),
                },
                TriggerKind::Schedule { expression } => (
                    external(
                        &mut g,
                        &format!("schedule:{}", expression.as_str().unwrap_or("?")),
                        &format!("schedule {}", expression.as_str().unwrap_or("?")),
                    ),
                    "schedule".into(),
                ),
                TriggerKind::Cognito { pool } => (
                    source_node(&mut g, &index, p, pool, ResourceKind::UserPool),
                    "Cognito trigger".into(),
                ),
                TriggerKind::Other { source, .. } => (
                    external(&mut g, &format!("event:{source}"), source),
                    source.clone(),
                ),
            };
            add(Edge {
                from,
                to: target.clone(),
                kind: EdgeKind::Trigger,
                source: EdgeSource::Declared,
                detail,
            });
        }
        match &f.role {
            RoleRef::Declared { id, .. } => add(Edge {
                from: target.clone(),
                to: format!("role:{id}"),
                kind: EdgeKind::Assume,
                source: EdgeSource::Declared,
                detail: String::new(),
            }),
            RoleRef::External { arn, .. } => {
                let text = arn.as_str().unwrap_or("external role").to_string();
                let id = external(&mut g, &format!("role:{text}"), &text);
                add(Edge {
                    from: target.clone(),
                    to: id,
                    kind: EdgeKind::Assume,
                    source: EdgeSource::Declared,
                    detail: String::new(),
                });
            }
            RoleRef::None => {}
        }
        // Failure destinations and dead-letter queues receive the function's events.
        for (setting, what) in [
            (&f.on_failure_destination, "on-failure destination"),
            (&f.dead_letter, "dead-letter queue"),
        ] {
            let Some(s) = setting else { continue };
            for g in lookup.referred(&s.value, &lookup.functions, &p.functions, |g| &g.id) {
                add(Edge {
                    from: target.clone(),
                    to: fn_node(&g.id),
                    kind: EdgeKind::Invoke,
                    source: EdgeSource::Declared,
                    detail: what.into(),
                });
            }
            for r in lookup.referred(&s.value, &lookup.resources, &p.resources, |r| &r.id) {
                let action = match r.kind {
                    ResourceKind::Queue => "sqs:SendMessage",
                    ResourceKind::Topic => "sns:Publish",
                    ResourceKind::EventBus => "events:PutEvents",
                    _ => continue,
                };
                add(Edge {
                    from: target.clone(),
                    to: res_node(&r.id),
                    kind: EdgeKind::Write,
                    source: EdgeSource::Declared,
                    detail: format!("{action} ({what})"),
                });
            }
        }
        for e in code_edges(p, f, &lookup) {
            add(e);
        }
        if let RoleRef::Declared { id, .. } = &f.role {
            let reach = role_reach
                .entry(id.clone())
                .or_insert_with(|| iam_edges(p, id, &facts, &index, &targets));
            for e in reach.iter() {
                add(Edge {
                    from: target.clone(),
                    ..e.clone()
                });
            }
        }
    }
    for m in p
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::StateMachine)
    {
        for id in &m.invokes {
            add(Edge {
                from: res_node(&m.id),
                to: fn_node(id),
                kind: EdgeKind::Invoke,
                source: EdgeSource::Declared,
                detail: "lambda:InvokeFunction (Step Functions task)".into(),
            });
        }
    }
    g.edges = edges.into_values().collect();
    g.nodes.sort_by(|a, b| a.id.cmp(&b.id));
    g.nodes.dedup_by(|a, b| a.id == b.id);
    g
}

fn external(g: &mut Graph, id: &str, label: &str) -> String {
    let id = format!("ext:{id}");
    // Repeats are removed when `build` sorts the nodes.
    g.nodes.push(Node {
        id: id.clone(),
        kind: NodeKind::External,
        label: label.to_string(),
        detail: String::new(),
        public: false,
        sensitivity: None,
        sensitivity_reason: String::new(),
        handler: None,
        location: None,
    });
    id
}

/// The node of a trigger's source: a resource of the project (by id, then by name), else an
/// external node named by the value.
fn source_node(
    g: &mut Graph,
    index: &ResourceIndex,
    p: &Project,
    v: &Val<String>,
    kind: ResourceKind,
) -> String {
    match v.as_str() {
        Some(s) => match index.find(p, s, kind) {
            Some(r) => res_node(&r.id),
            None => external(g, s, s),
        },
        None => external(
            g,
            &format!("unknown {}", kind.label()),
            &format!("unresolved {}", kind.label()),
        ),
    }
}

/// What the IAM edges of every function ask of one resource.
struct ResourceFacts {
    service: Option<&'static str>,
    arns: Vec<String>,
    sensitive: bool,
}

/// An allowing grant with its actions expanded, by service.
type GrantActions<'g> = (
    &'g fnguard_iam::Grant,
    HashMap<&'static str, Vec<&'static fnguard_iam::Action>>,
);

/// The resources a grant can reach, found without looking at each of them: by the ARN a
/// policy names, by the id an unresolved value mentions, or among the few a wildcard can.
struct GrantTargets {
    /// Resources by service: what a wildcard ARN pattern is matched against.
    with_service: HashMap<&'static str, Vec<usize>>,
    /// Sensitive resources by service: what a grant on `*` exposes.
    sensitive: HashMap<&'static str, Vec<usize>>,
    /// Lower-cased ARN -> resources.
    by_arn: HashMap<String, Vec<usize>>,
    /// Every resource id, to find the ones an unresolved value's text contains.
    ids: Option<aho_corasick::AhoCorasick>,
    /// Pattern of `ids` -> resources with that id.
    id_resources: Vec<Vec<usize>>,
    /// How many resources the project has.
    all: usize,
}

impl GrantTargets {
    fn new(p: &Project, facts: &[ResourceFacts]) -> Self {
        let mut t = GrantTargets {
            with_service: HashMap::new(),
            sensitive: HashMap::new(),
            by_arn: HashMap::new(),
            ids: None,
            id_resources: Vec::new(),
            all: p.resources.len(),
        };
        let mut patterns: HashMap<&str, usize> = HashMap::new();
        let mut ids: Vec<&str> = Vec::new();
        for (i, (r, rf)) in p.resources.iter().zip(facts).enumerate() {
            if !r.id.is_empty() {
                let k = *patterns.entry(r.id.as_str()).or_insert_with(|| {
                    ids.push(r.id.as_str());
                    t.id_resources.push(Vec::new());
                    ids.len() - 1
                });
                t.id_resources[k].push(i);
            }
            let Some(service) = rf.service else {
                continue;
            };
            t.with_service.entry(service).or_default().push(i);
            if rf.sensitive {
                t.sensitive.entry(service).or_default().push(i);
            }
            for a in &rf.arns {
                t.by_arn.entry(a.to_ascii_lowercase()).or_default().push(i);
            }
        }
        t.ids = aho_corasick::AhoCorasick::new(&ids).ok();
        t
    }

    /// The resources (indexes, in order) that any of `grants` may name or expose: a superset
    /// of those [`iam_edges`] draws an edge to.
    /// The resources whose id `text` contains (every resource if the ids could not be indexed).
    fn containing(&self, text: &str) -> Vec<usize> {
        match &self.ids {
            Some(ac) => ac
                .find_overlapping_iter(text)
                .flat_map(|m| self.id_resources[m.pattern().as_usize()].iter().copied())
                .collect(),
            None => (0..self.all).collect(),
        }
    }

    /// Only resources of the services a grant's actions act on can be reached through it.
    fn candidates(&self, facts: &[ResourceFacts], grants: &[GrantActions]) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for (g, by_service) in grants {
            let of = |map: &'_ HashMap<&'static str, Vec<usize>>| -> Vec<usize> {
                by_service
                    .keys()
                    .filter_map(|svc| map.get(svc))
                    .flatten()
                    .copied()
                    .collect()
            };
            for v in &g.resources {
                match v {
                    Val::Known(pattern) if pattern == "*" || pattern.ends_with(":*") => {
                        out.extend(of(&self.sensitive));
                    }
                    Val::Known(pattern) if pattern.contains(['*', '?']) => {
                        out.extend(
                            of(&self.with_service).into_iter().filter(|&i| {
                                facts[i].arns.iter().any(|a| wildcard_match(pattern, a))
                            }),
                        );
                    }
                    Val::Known(pattern) => {
                        out.extend(
                            self.by_arn
                                .get(&pattern.to_ascii_lowercase())
                                .into_iter()
                                .flatten(),
                        );
                    }
                    // Every resource whose id the text contains, as [`grant_names`] asks.
                    Val::Unknown(u) => match &self.ids {
                        Some(_) => out.extend(self.containing(&u.reason)),
                        None => out.extend(of(&self.with_service)),
                    },
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The project's resources by kind and id and by kind and name, and its roles by id, so that
/// each trigger and role is found without a scan of them all.
struct ResourceIndex<'a> {
    by_id: HashMap<(ResourceKind, &'a str), usize>,
    by_name: HashMap<(ResourceKind, &'a str), usize>,
    roles: HashMap<&'a str, usize>,
}

impl<'a> ResourceIndex<'a> {
    fn new(p: &'a Project) -> Self {
        let mut by_id = HashMap::new();
        let mut by_name = HashMap::new();
        for (i, r) in p.resources.iter().enumerate() {
            by_id.entry((r.kind, r.id.as_str())).or_insert(i);
            if let Some(n) = r.name.as_ref().and_then(|n| n.as_str()) {
                by_name.entry((r.kind, n)).or_insert(i);
            }
        }
        let mut roles = HashMap::new();
        for (i, r) in p.roles.iter().enumerate() {
            roles.entry(r.id.as_str()).or_insert(i);
        }
        ResourceIndex {
            by_id,
            by_name,
            roles,
        }
    }

    /// As [`find_resource`]: the first resource of `kind` whose id is `s`, whose name is `s`,
    /// or whose id ends `s` after a colon (an ARN).
    fn find<'p>(&self, p: &'p Project, s: &str, kind: ResourceKind) -> Option<&'p Resource> {
        let mut best = self
            .by_id
            .get(&(kind, s))
            .into_iter()
            .chain(self.by_name.get(&(kind, s)))
            .copied()
            .min();
        for (at, _) in s.match_indices(':') {
            if let Some(&i) = self.by_id.get(&(kind, &s[at + 1..])) {
                best = Some(best.map_or(i, |b| b.min(i)));
            }
        }
        best.map(|i| &p.resources[i])
    }
}

pub(crate) fn find_resource<'a>(
    p: &'a Project,
    s: &str,
    kind: ResourceKind,
) -> Option<&'a Resource> {
    p.resources.iter().filter(|r| r.kind == kind).find(|r| {
        r.id == s
            || r.name.as_ref().and_then(|n| n.as_str()) == Some(s)
            || s.ends_with(&format!(":{}", r.id))
    })
}

/// Whether anyone can invoke the function from outside: a function URL without auth, or a
/// route with no authorizer and no API key on an API that is not private.
pub fn is_public(p: &fnguard_model::Project, f: &Function) -> bool {
    f.url.as_ref().is_some_and(|u| {
        u.auth_type
            .value
            .as_str()
            .is_some_and(|a| a.eq_ignore_ascii_case("NONE"))
    }) || f.triggers.iter().any(|t| match &t.kind {
        TriggerKind::Api {
            api,
            auth: Auth::None,
            api_key_required: false,
            ..
        }
        | TriggerKind::Alb {
            api,
            auth: Auth::None,
        } => !p.api(api).is_some_and(|a| a.private),
        _ => false,
    })
}

/// The service prefix of the IAM actions that act on a kind of resource.
pub(crate) fn service_of(kind: ResourceKind) -> Option<&'static str> {
    Some(match kind {
        ResourceKind::Bucket => "s3",
        ResourceKind::Table => "dynamodb",
        ResourceKind::Queue => "sqs",
        ResourceKind::Topic => "sns",
        ResourceKind::Stream => "kinesis",
        ResourceKind::Secret => "secretsmanager",
        ResourceKind::Parameter => "ssm",
        ResourceKind::EventBus => "events",
        ResourceKind::Key => "kms",
        ResourceKind::StateMachine => "states",
        _ => return None,
    })
}

fn level_of(action: &str) -> Option<EdgeKind> {
    let a = catalog().get(action)?;
    match a.level {
        AccessLevel::Read | AccessLevel::List => Some(EdgeKind::Read),
        AccessLevel::Write => Some(EdgeKind::Write),
        _ => None,
    }
}

/// Resources the code names: environment variables it reads whose value refers to a resource
/// (or is its name or ARN).
fn code_resources<'a>(
    f: &Function,
    named_by: impl Fn(&fnguard_model::EnvVar) -> Vec<&'a Resource>,
) -> Vec<&'a Resource> {
    let Some(code) = &f.code else {
        return Vec::new();
    };
    let mut out: Vec<&Resource> = Vec::new();
    for v in f
        .environment
        .iter()
        .filter(|v| code.env_reads.contains(&v.name))
    {
        for r in named_by(v) {
            if !out.iter().any(|x| x.id == r.id) {
                out.push(r);
            }
        }
    }
    out
}

/// The resources one environment variable's value refers to.
pub(crate) fn named_by<'a>(p: &'a Project, v: &fnguard_model::EnvVar) -> Vec<&'a Resource> {
    p.resources.iter().filter(|r| names(v, r)).collect()
}

/// Whether an environment variable's value refers to a resource: a reference to it, an
/// unresolved value that mentions its id, or its name or an ARN or path ending in it.
fn names(v: &fnguard_model::EnvVar, r: &Resource) -> bool {
    let name = r.name.as_ref().and_then(|n| n.as_str());
    v.refs.contains(&r.id)
        || matches!(&v.value, Val::Unknown(u) if u.reason.contains(&r.id))
        || v.value.as_str().is_some_and(|val| {
            Some(val) == name
                || name.is_some_and(|n| {
                    // `.../name` or `...:name`, without building either string.
                    val.strip_suffix(n)
                        .is_some_and(|rest| rest.ends_with('/') || rest.ends_with(':'))
                })
        })
}

/// Functions and resources by id and resources by name, for the values that refer to them
/// (destinations, environment variables): the candidates are found by lookup and then checked
/// with the same test a scan of all of them applied, so the answer is the scan's.
struct Lookup<'a> {
    functions: HashMap<&'a str, Vec<usize>>,
    resources: HashMap<&'a str, Vec<usize>>,
    resource_names: HashMap<&'a str, Vec<usize>>,
    targets: &'a GrantTargets,
}

impl<'a> Lookup<'a> {
    fn new(p: &'a Project, targets: &'a GrantTargets) -> Self {
        let mut l = Lookup {
            functions: HashMap::new(),
            resources: HashMap::new(),
            resource_names: HashMap::new(),
            targets,
        };
        for (i, f) in p.functions.iter().enumerate() {
            l.functions.entry(f.id.as_str()).or_default().push(i);
        }
        for (i, r) in p.resources.iter().enumerate() {
            l.resources.entry(r.id.as_str()).or_default().push(i);
            if let Some(n) = r.name.as_ref().and_then(|n| n.as_str()) {
                l.resource_names.entry(n).or_default().push(i);
            }
        }
        l
    }

    /// The elements (in model order) a setting's value refers to, as [`refers_to`] decides.
    fn referred<'e, T>(
        &self,
        v: &Val<String>,
        by_id: &HashMap<&str, Vec<usize>>,
        all: &'e [T],
        id: impl Fn(&T) -> &String,
    ) -> Vec<&'e T> {
        let mut keys: Vec<&str> = Vec::new();
        match v {
            Val::Known(s) => {
                keys.push(s);
                keys.extend(s.match_indices(':').map(|(k, _)| &s[k + 1..]));
            }
            Val::Unknown(u) => {
                for w in u.reason.split(|c: char| {
                    !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
                }) {
                    keys.push(w);
                    keys.extend(w.split('.').next());
                }
            }
        }
        let mut found: Vec<usize> = keys
            .into_iter()
            .filter_map(|k| by_id.get(k))
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .map(|i| &all[i])
            .filter(|x| refers_to(v, id(x)))
            .collect()
    }

    /// As [`named_by`], without testing every resource.
    fn named_by<'p>(&self, p: &'p Project, v: &fnguard_model::EnvVar) -> Vec<&'p Resource> {
        let mut found: Vec<usize> = v
            .refs
            .iter()
            .filter_map(|id| self.resources.get(id.as_str()))
            .flatten()
            .copied()
            .collect();
        match &v.value {
            Val::Unknown(u) => found.extend(self.targets.containing(&u.reason)),
            Val::Known(val) => {
                let suffixes = val
                    .match_indices(['/', ':'])
                    .map(|(k, _)| &val[k + 1..])
                    .chain([val.as_str()]);
                for n in suffixes {
                    found.extend(self.resource_names.get(n).into_iter().flatten());
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .map(|i| &p.resources[i])
            .filter(|r| names(v, r))
            .collect()
    }
}

fn code_edges(p: &Project, f: &Function, lookup: &Lookup) -> Vec<Edge> {
    let Some(code) = &f.code else {
        return Vec::new();
    };
    let from = fn_node(&f.id);
    let mut out = Vec::new();
    let named = code_resources(f, |v| lookup.named_by(p, v));
    for call in &code.calls {
        let Some((svc, _)) = call.action.split_once(':') else {
            continue;
        };
        if svc == "lambda" && call.action.ends_with(":InvokeFunction")
            || call.action.ends_with(":InvokeAsync")
        {
            // Functions named through environment variables.
            for v in f
                .environment
                .iter()
                .filter(|v| code.env_reads.contains(&v.name))
            {
                for g in &p.functions {
                    let fname = g.name.as_ref().and_then(|n| n.as_str());
                    if v.refs.contains(&g.id) || (fname.is_some() && v.value.as_str() == fname) {
                        out.push(Edge {
                            from: from.clone(),
                            to: fn_node(&g.id),
                            kind: EdgeKind::Invoke,
                            source: EdgeSource::Code,
                            detail: call.action.clone(),
                        });
                    }
                }
            }
            continue;
        }
        let Some(kind) = level_of(&call.action) else {
            continue;
        };
        // A call whose resource parameter is an environment variable acts on what that
        // variable names, not on every store the code reads a name of.
        let targets: Vec<&Resource> = match &call.resource_env {
            // Writing back to the bucket in the triggering event: every bucket that triggers
            // the function.
            Some(env) if env == fnguard_model::TRIGGERING_BUCKET => f
                .triggers
                .iter()
                .filter(|t| matches!(t.kind, TriggerKind::S3 { .. }))
                .filter_map(|t| t.kind.source_resource())
                .filter_map(|id| p.resources.iter().find(|r| r.id == id))
                .collect(),
            Some(env) => f
                .environment
                .iter()
                .filter(|v| &v.name == env)
                .flat_map(|v| lookup.named_by(p, v))
                .collect(),
            None => named.clone(),
        };
        for r in targets.iter().filter(|r| service_of(r.kind) == Some(svc)) {
            out.push(Edge {
                from: from.clone(),
                to: res_node(&r.id),
                kind,
                source: EdgeSource::Code,
                detail: call.action.clone(),
            });
        }
    }
    out
}

/// The ARN patterns of a resource, as IAM policies name it.
pub(crate) fn arns_of(r: &Resource) -> Vec<String> {
    let Some(name) = r.name.as_ref().and_then(|n| n.as_str()) else {
        return Vec::new();
    };
    match r.kind {
        ResourceKind::Bucket => vec![
            format!("arn:aws:s3:::{name}"),
            format!("arn:aws:s3:::{name}/x"),
        ],
        ResourceKind::Table => vec![format!("arn:aws:dynamodb:r:a:table/{name}")],
        ResourceKind::Queue => vec![format!("arn:aws:sqs:r:a:{name}")],
        ResourceKind::Topic => vec![format!("arn:aws:sns:r:a:{name}")],
        ResourceKind::Stream => vec![format!("arn:aws:kinesis:r:a:stream/{name}")],
        ResourceKind::Secret => vec![format!("arn:aws:secretsmanager:r:a:secret:{name}-abcdef")],
        ResourceKind::Parameter => vec![format!(
            "arn:aws:ssm:r:a:parameter/{}",
            name.trim_start_matches('/')
        )],
        ResourceKind::EventBus => vec![format!("arn:aws:events:r:a:event-bus/{name}")],
        ResourceKind::StateMachine => vec![format!("arn:aws:states:r:a:stateMachine:{name}")],
        _ => Vec::new(),
    }
}

/// Whether a grant's resource value names the resource: a reference to it, or an ARN pattern
/// matching its ARN (never `*`: a grant on everything is not an edge to each store).
fn grant_names(v: &Val<String>, r: &Resource, arns: &[String]) -> bool {
    match v {
        Val::Known(pattern) => {
            pattern != "*"
                && !pattern.ends_with(":*")
                && arns.iter().any(|a| wildcard_match(pattern, a))
        }
        Val::Unknown(u) => u.reason.contains(&r.id),
    }
}

/// The edges the role `id` gives each function that assumes it, with an empty `from`: they
/// depend on the role alone, so a role shared by many functions is worked out once (a shared
/// role with a statement per function made this quadratic).
fn iam_edges(
    p: &Project,
    id: &str,
    facts: &[ResourceFacts],
    index: &ResourceIndex,
    targets: &GrantTargets,
) -> Vec<Edge> {
    let Some(role) = index.roles.get(id).map(|&i| &p.roles[i]) else {
        return Vec::new();
    };
    let perms = effective_permissions(role);
    let from = String::new();
    let mut out: Vec<Edge> = Vec::new();
    // Each allowing grant's actions by service, expanded once for all the resources.
    let grants: Vec<GrantActions> = perms
        .grants
        .iter()
        .filter(|g| g.allow && !g.not_action)
        .map(|g| {
            let mut by_service: HashMap<&'static str, Vec<&'static fnguard_iam::Action>> =
                HashMap::new();
            for pattern in &g.actions {
                for action in catalog().expand(pattern) {
                    let svc = action.name.split(':').next().unwrap_or_default();
                    by_service.entry(svc).or_default().push(action);
                }
            }
            (g, by_service)
        })
        .collect();
    if grants.is_empty() {
        return out;
    }
    // Where each (resource node, kind) edge is in `out`.
    let mut at: HashMap<(String, EdgeKind), usize> = HashMap::new();
    for i in targets.candidates(facts, &grants) {
        let (r, rf) = (&p.resources[i], &facts[i]);
        let Some(svc) = rf.service else {
            continue;
        };
        let arns = &rf.arns;
        // A grant on every resource exposes the sensitive stores among them.
        let sensitive = rf.sensitive;
        for (grant, by_service) in &grants {
            let Some(actions) = by_service.get(svc) else {
                continue;
            };
            let named = grant.resources.iter().any(|v| grant_names(v, r, arns));
            let wildcard = !named
                && sensitive
                && grant.resources.iter().any(|v| {
                    matches!(v, Val::Known(pattern)
                        if pattern == "*"
                            || (pattern.ends_with(":*")
                                && arns.iter().any(|a| wildcard_match(pattern, a))))
                });
            if !named && !wildcard {
                continue;
            }
            let source = if named {
                EdgeSource::Iam
            } else {
                EdgeSource::Wildcard
            };
            {
                for action in actions {
                    if let Some(kind) = level_of(&action.name)
                        .filter(|k| named || matches!(k, EdgeKind::Read | EdgeKind::Write))
                    {
                        let to = res_node(&r.id);
                        match at.get(&(to.clone(), kind)).map(|&k| &mut out[k]) {
                            // A write that creates events (what matters for loops) is shown.
                            Some(e)
                                if kind == EdgeKind::Write
                                    && !produces_events(&e.detail)
                                    && produces_events(&action.name) =>
                            {
                                e.detail = action.name.clone();
                            }
                            Some(_) => {}
                            None => {
                                at.insert((to.clone(), kind), out.len());
                                out.push(Edge {
                                    from: from.clone(),
                                    to,
                                    kind,
                                    source,
                                    detail: action.name.clone(),
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// Writes that create new objects, messages, items or records, and so new events for whatever
/// the store triggers (deleting a message or changing its visibility does not).
pub fn produces_events(action: &str) -> bool {
    let action = action.split(' ').next().unwrap_or(action);
    matches!(
        action.to_ascii_lowercase().as_str(),
        "s3:putobject"
            | "s3:copyobject"
            | "s3:completemultipartupload"
            | "s3:restoreobject"
            | "sqs:sendmessage"
            | "sqs:sendmessagebatch"
            | "sns:publish"
            | "sns:publishbatch"
            | "dynamodb:putitem"
            | "dynamodb:updateitem"
            | "dynamodb:deleteitem"
            | "dynamodb:batchwriteitem"
            | "dynamodb:transactwriteitems"
            | "dynamodb:partiqlinsert"
            | "dynamodb:partiqlupdate"
            | "dynamodb:partiqldelete"
            | "kinesis:putrecord"
            | "kinesis:putrecords"
            | "events:putevents"
            | "lambda:invokefunction"
            | "lambda:invokeasync"
            | "states:startexecution"
            | "states:startsyncexecution"
    )
}

/// What stands in front of an API besides its routes' authorizers: private endpoint, WAF,
/// stage and usage-plan throttling.
fn api_guard(a: &fnguard_model::Api) -> String {
    let mut parts: Vec<String> = Vec::new();
    if a.private {
        parts.push("private".into());
    }
    if !a.stages.is_empty() && a.stages.iter().all(|s| s.waf) {
        parts.push("WAF".into());
    } else if a.stages.iter().any(|s| s.waf) {
        parts.push("WAF on some stages".into());
    }
    let throttle = |t: &fnguard_model::Throttle| {
        let rate = t.rate.as_ref().and_then(|r| r.known().copied());
        let burst = t.burst.as_ref().and_then(|b| b.known().copied());
        match (rate, burst) {
            (Some(r), Some(b)) => format!("{r} req/s, burst {b}"),
            (Some(r), None) => format!("{r} req/s"),
            (None, Some(b)) => format!("burst {b}"),
            (None, None) => "unresolved".into(),
        }
    };
    for s in &a.stages {
        if let Some(t) = &s.throttle {
            parts.push(format!(
                "stage {} throttled {}",
                s.name.as_str().unwrap_or("?"),
                throttle(t)
            ));
        }
    }
    if let Some(t) = &a.usage_plan_throttle {
        parts.push(format!("usage plan {}", throttle(t)));
    }
    if parts.is_empty() {
        "no WAF, no throttling".into()
    } else {
        parts.join("; ")
    }
}

fn auth_label(a: &Auth) -> String {
    match a {
        Auth::None => "none".into(),
        Auth::Iam => "IAM".into(),
        Auth::Cognito => "Cognito".into(),
        Auth::Lambda => "Lambda authorizer".into(),
        Auth::Jwt => "JWT".into(),
        Auth::Unknown(why) => format!("unknown ({why})"),
    }
}

/// Whether a setting's value names a model element (a reference to it, or its id).
fn refers_to(v: &Val<String>, id: &str) -> bool {
    match v {
        Val::Known(s) => s == id || s.strip_suffix(id).is_some_and(|rest| rest.ends_with(':')),
        Val::Unknown(u) => u
            .reason
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .any(|w| w == id || w.split('.').next() == Some(id)),
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;

    fn node(id: &str) -> Node {
        Node {
            id: id.into(),
            kind: NodeKind::Function,
            label: id.into(),
            detail: String::new(),
            public: false,
            sensitivity: None,
            sensitivity_reason: String::new(),
            handler: None,
            location: None,
        }
    }

    fn edge(from: &str, to: &str, kind: EdgeKind) -> Edge {
        Edge {
            from: from.into(),
            to: to.into(),
            kind,
            source: EdgeSource::Declared,
            detail: String::new(),
        }
    }

    #[test]
    fn lookups_agree_with_a_scan_of_the_graph() {
        let g = Graph {
            project: "p".into(),
            nodes: ["fn:a", "fn:b", "fn:c", "res:t"]
                .into_iter()
                .map(node)
                .collect(),
            edges: vec![
                edge("fn:a", "fn:b", EdgeKind::Invoke),
                edge("fn:a", "res:t", EdgeKind::Write),
                edge("fn:b", "res:t", EdgeKind::Read),
                edge("res:t", "fn:c", EdgeKind::Trigger),
            ],
        };
        for id in ["fn:a", "fn:b", "fn:c", "res:t", "fn:", "res:u", ""] {
            assert_eq!(
                g.node(id).map(|n| n.id.as_str()),
                g.nodes.iter().find(|n| n.id == id).map(|n| n.id.as_str())
            );
            let at = |e: &Edge| e as *const Edge;
            let scanned: Vec<_> = g.edges.iter().filter(|e| e.from == id).map(at).collect();
            let found: Vec<_> = g.edges_from(id).iter().map(at).collect();
            assert_eq!(found, scanned, "{id}");
            let arriving: Vec<_> = g.edges.iter().filter(|e| e.to == id).map(at).collect();
            let to = g.edges_to();
            let found: Vec<_> = to.get(id).into_iter().flatten().map(|e| at(e)).collect();
            assert_eq!(found, arriving, "{id}");
        }
    }
}
