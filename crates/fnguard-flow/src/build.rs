//! Building the graph from one project of the model.

use crate::sensitivity::{classify, Sensitivity};
use fnguard_iam::{catalog, effective_permissions, AccessLevel};
use fnguard_model::{
    wildcard_match, Auth, Function, Location, Project, Resource, ResourceKind, RoleRef,
    TriggerKind, Val,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

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

impl Edge {
    pub fn as_ref(&self) -> EdgeRef<'_> {
        EdgeRef {
            from: &self.from,
            to: &self.to,
            kind: self.kind,
            source: self.source,
            detail: &self.detail,
        }
    }
}

/// An edge of the graph as its readers see it: a function's own edges and the ones its role
/// gives it look the same.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EdgeRef<'g> {
    pub from: &'g str,
    pub to: &'g str,
    pub kind: EdgeKind,
    pub source: EdgeSource,
    pub detail: &'g str,
}

#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub project: String,
    pub nodes: Vec<Node>,
    /// Every edge but the ones roles give, sorted by (from, to, kind).
    edges: Vec<Edge>,
    /// What each role's grants reach (edges to resources only, never to functions; `from` is
    /// empty), sorted by (to, kind). Stored once per role and not per function: a role shared
    /// by thousands of functions that reaches thousands of tables would otherwise be millions
    /// of edges.
    role_reach: Vec<RoleReach>,
    /// Function node -> its role's entry in `role_reach`.
    reach_of: HashMap<String, usize>,
    /// The nodes an `invoke` edge arrives at.
    invoked: HashSet<String>,
}

impl Graph {
    /// A graph of these nodes and edges, none given by a role (tests and hand-made graphs).
    pub fn new(project: String, mut nodes: Vec<Node>, mut edges: Vec<Edge>) -> Graph {
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        edges.sort_by(|a, b| (&a.from, &a.to, a.kind).cmp(&(&b.from, &b.to, b.kind)));
        let mut g = Graph {
            project,
            nodes,
            edges,
            ..Graph::default()
        };
        g.index_invoked();
        g
    }

    /// The node with this id: `build` keeps nodes sorted by id, so lookups stay logarithmic on
    /// applications with 100,000 functions.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes
            .binary_search_by(|n| n.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.nodes[i])
    }

    /// The edges leaving `id`, sorted by (to, kind): its own, and for a function the ones its
    /// role gives where it has no edge of its own of that kind to that node (the strongest
    /// evidence wins: declared, then code, then IAM).
    pub fn edges_from<'g>(&'g self, id: &str) -> EdgesFrom<'g> {
        self.select_from(id, Selection::All)
    }

    /// The edges of `edges_from` that reach a store classified confidential or restricted.
    pub fn sensitive_edges_from<'g>(&'g self, id: &str) -> EdgesFrom<'g> {
        self.select_from(id, Selection::Sensitive)
    }

    /// The edges of `edges_from` along which the application goes on: invocations, and writes
    /// that create events in a store that triggers or invokes something (`produces_events`).
    pub fn moves_from<'g>(&'g self, id: &str) -> EdgesFrom<'g> {
        self.select_from(id, Selection::Moves)
    }

    fn own_edges_from(&self, id: &str) -> &[Edge] {
        let start = self.edges.partition_point(|e| e.from.as_str() < id);
        let end = start + self.edges[start..].partition_point(|e| e.from == id);
        &self.edges[start..end]
    }

    fn select_from<'g>(&'g self, id: &str, selection: Selection) -> EdgesFrom<'g> {
        let own = self.own_edges_from(id);
        // Only functions assume roles: no hashing for the stores a traversal passes through.
        let reach = if id.starts_with("fn:") {
            self.reach_of.get(id)
        } else {
            None
        };
        match (own.first(), reach) {
            (Some(first), Some(&r)) => EdgesFrom {
                graph: self,
                selection,
                from: &first.from,
                own_all: own,
                own,
                reach: &self.role_reach[r].edges,
                picks: match selection {
                    Selection::All => &[],
                    Selection::Sensitive => &self.role_reach[r].sensitive,
                    Selection::Moves => &self.role_reach[r].moves,
                },
            },
            _ => EdgesFrom {
                own_all: own,
                own,
                ..EdgesFrom::empty(self, selection)
            },
        }
    }

    fn selects(&self, selection: Selection, e: &Edge) -> bool {
        match selection {
            Selection::All => true,
            Selection::Sensitive => self
                .node(&e.to)
                .and_then(|n| n.sensitivity)
                .is_some_and(Sensitivity::is_sensitive),
            Selection::Moves => match e.kind {
                EdgeKind::Invoke => true,
                EdgeKind::Write => {
                    produces_events(&e.detail)
                        && self
                            .own_edges_from(&e.to)
                            .iter()
                            .any(|t| matches!(t.kind, EdgeKind::Trigger | EdgeKind::Invoke))
                }
                _ => false,
            },
        }
    }

    /// Which edges of each role's reach the selections pick: worked out once per role, not
    /// once per function that assumes it.
    fn index_reach(&mut self) {
        let mut reach = std::mem::take(&mut self.role_reach);
        for r in &mut reach {
            let pick = |selection| -> Vec<u32> {
                (0..r.edges.len() as u32)
                    .filter(|&i| self.selects(selection, &r.edges[i as usize]))
                    .collect()
            };
            r.sensitive = pick(Selection::Sensitive);
            r.moves = pick(Selection::Moves);
        }
        self.role_reach = reach;
    }

    /// Every edge, sorted by (from, to, kind), the ones roles give included.
    pub fn edges(&self) -> impl Iterator<Item = EdgeRef<'_>> + '_ {
        self.edges
            .chunk_by(|a, b| a.from == b.from)
            .flat_map(|own| self.edges_from(&own[0].from))
    }

    /// The edges arriving at each node, built in one pass.
    pub fn edges_to(&self) -> HashMap<&str, Vec<EdgeRef<'_>>> {
        let mut to: HashMap<&str, Vec<EdgeRef<'_>>> = HashMap::new();
        for e in self.edges() {
            to.entry(e.to).or_default().push(e);
        }
        to
    }

    /// Whether another element of the application invokes this node (roles give no edges to
    /// functions, so the graph's own edges say).
    pub fn is_invoked(&self, id: &str) -> bool {
        self.invoked.contains(id)
    }

    fn index_invoked(&mut self) {
        self.invoked = self
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Invoke)
            .map(|e| e.to.clone())
            .collect();
    }
}

/// The edges a role's grants give (`from` empty), sorted by (to, kind), and which of them each
/// selection picks.
#[derive(Debug, Clone, Default)]
struct RoleReach {
    edges: Vec<Edge>,
    sensitive: Vec<u32>,
    moves: Vec<u32>,
}

/// Which of a node's edges a traversal wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    All,
    /// Edges to stores classified confidential or restricted.
    Sensitive,
    /// Invocations, and event-creating writes to stores that trigger or invoke something.
    Moves,
}

/// The edges leaving one node: its own merged with its role's, in (to, kind) order; a role's
/// edge is left out where the node has its own edge of that kind to that node.
pub struct EdgesFrom<'g> {
    graph: &'g Graph,
    selection: Selection,
    from: &'g str,
    /// All the node's own edges, for the overrides.
    own_all: &'g [Edge],
    /// The own edges not yet visited.
    own: &'g [Edge],
    reach: &'g [Edge],
    /// For a selection other than `All`: the indexes in `reach` it picks, not yet visited.
    picks: &'g [u32],
}

impl<'g> EdgesFrom<'g> {
    fn empty(graph: &'g Graph, selection: Selection) -> Self {
        EdgesFrom {
            graph,
            selection,
            from: "",
            own_all: &[],
            own: &[],
            reach: &[],
            picks: &[],
        }
    }

    fn next_own(&mut self) -> Option<&'g Edge> {
        while let Some((e, rest)) = self.own.split_first() {
            if self.graph.selects(self.selection, e) {
                return Some(e);
            }
            self.own = rest;
        }
        None
    }

    fn next_reach(&mut self) -> Option<&'g Edge> {
        loop {
            let e = if self.selection == Selection::All {
                let (e, rest) = self.reach.split_first()?;
                self.reach = rest;
                e
            } else {
                let (&i, rest) = self.picks.split_first()?;
                self.picks = rest;
                self.reach.get(i as usize)?
            };
            let overridden = self
                .own_all
                .binary_search_by(|o| (o.to.as_str(), o.kind).cmp(&(e.to.as_str(), e.kind)))
                .is_ok();
            if !overridden {
                return Some(e);
            }
        }
    }

    fn reached(&self, e: &'g Edge) -> EdgeRef<'g> {
        EdgeRef {
            from: self.from,
            ..e.as_ref()
        }
    }
}

impl<'g> Iterator for EdgesFrom<'g> {
    type Item = EdgeRef<'g>;

    fn next(&mut self) -> Option<EdgeRef<'g>> {
        let own = self.next_own();
        // Peek at the role's next edge without losing it: take it and put it back.
        let (reach_before, picks_before) = (self.reach, self.picks);
        let reach = self.next_reach();
        match (own, reach) {
            (Some(o), Some(r)) if (o.to.as_str(), o.kind) > (r.to.as_str(), r.kind) => {
                Some(self.reached(r))
            }
            (Some(o), _) => {
                (self.reach, self.picks) = (reach_before, picks_before);
                self.own = &self.own[1..];
                Some(o.as_ref())
            }
            (None, Some(r)) => Some(self.reached(r)),
            (None, None) => None,
        }
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
    // Role id -> its entry in `g.role_reach`.
    let mut role_reach: HashMap<String, usize> = HashMap::new();
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
            let at = *role_reach.entry(id.clone()).or_insert_with(|| {
                let mut reach = iam_edges(p, id, &facts, &index, &targets);
                reach.sort_by(|a, b| (&a.to, a.kind).cmp(&(&b.to, b.kind)));
                g.role_reach.push(RoleReach {
                    edges: reach,
                    ..RoleReach::default()
                });
                g.role_reach.len() - 1
            });
            g.reach_of.insert(target.clone(), at);
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
    g.index_invoked();
    g.index_reach();
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
    /// Every resource id, to find the ones an unresolved value's text contains: built when
    /// first needed (only values whose references are unknown need it, and building it for
    /// 40,000 ids took longer than the rest of the graph).
    ids: std::cell::OnceCell<Option<aho_corasick::AhoCorasick>>,
    /// The ids, in pattern order.
    id_names: Vec<String>,
    /// Pattern of `ids` -> resources with that id.
    id_resources: Vec<Vec<usize>>,
    /// Resource id -> its pattern in `ids`.
    id_pattern: HashMap<String, usize>,
    /// How many resources the project has.
    all: usize,
}

impl GrantTargets {
    fn new(p: &Project, facts: &[ResourceFacts]) -> Self {
        let mut t = GrantTargets {
            with_service: HashMap::new(),
            sensitive: HashMap::new(),
            by_arn: HashMap::new(),
            ids: std::cell::OnceCell::new(),
            id_names: Vec::new(),
            id_resources: Vec::new(),
            id_pattern: HashMap::new(),
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
        t.id_names = ids.iter().map(|s| s.to_string()).collect();
        t.id_pattern = patterns
            .into_iter()
            .map(|(id, k)| (id.to_string(), k))
            .collect();
        t
    }

    /// The resources an unresolved value is made from ([`fnguard_model::Unresolved::mentions`]): by its
    /// references when known, else every resource whose id its text contains.
    fn mentioned(&self, u: &fnguard_model::Unresolved) -> Vec<usize> {
        let refs = u.refs();
        if refs.is_empty() {
            return self.containing(&u.reason);
        }
        refs.into_iter()
            .filter_map(|id| self.id_pattern.get(id))
            .flat_map(|&k| self.id_resources[k].iter().copied())
            .collect()
    }

    /// The resources whose id `text` contains (every resource if the ids could not be indexed).
    fn ids(&self) -> Option<&aho_corasick::AhoCorasick> {
        self.ids
            .get_or_init(|| aho_corasick::AhoCorasick::new(&self.id_names).ok())
            .as_ref()
    }

    fn containing(&self, text: &str) -> Vec<usize> {
        match self.ids() {
            Some(ac) => ac
                .find_overlapping_iter(text)
                .flat_map(|m| self.id_resources[m.pattern().as_usize()].iter().copied())
                .collect(),
            None => (0..self.all).collect(),
        }
    }

    /// The resources (indexes, in order) that any of `grants` may name or expose: a superset
    /// of those [`iam_edges`] draws an edge to. Only resources of the services a grant's actions
    /// act on can be reached through it.
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
                    // The resources the value is made from, as [`grant_names`] asks.
                    Val::Unknown(u) => {
                        if !u.refs().is_empty() || self.ids().is_some() {
                            out.extend(self.mentioned(u));
                        } else {
                            out.extend(of(&self.with_service));
                        }
                    }
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
        || matches!(&v.value, Val::Unknown(u) if u.mentions(&r.id))
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
            Val::Unknown(u) => found.extend(self.targets.mentioned(u)),
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
        Val::Unknown(u) => u.mentions(&r.id),
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
            // Only the services of the project's resources are looked up: `*` alone is
            // 22,000 actions, and grouping them all was 1 % of a scan.
            for pattern in &g.actions {
                for &svc in targets.with_service.keys() {
                    let actions = catalog().expand_in(pattern, svc);
                    if !actions.is_empty() {
                        by_service.entry(svc).or_default().extend(actions);
                    }
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
    const CREATING: &[&str] = &[
        "s3:putobject",
        "s3:copyobject",
        "s3:completemultipartupload",
        "s3:restoreobject",
        "sqs:sendmessage",
        "sqs:sendmessagebatch",
        "sns:publish",
        "sns:publishbatch",
        "dynamodb:putitem",
        "dynamodb:updateitem",
        "dynamodb:deleteitem",
        "dynamodb:batchwriteitem",
        "dynamodb:transactwriteitems",
        "dynamodb:partiqlinsert",
        "dynamodb:partiqlupdate",
        "dynamodb:partiqldelete",
        "kinesis:putrecord",
        "kinesis:putrecords",
        "events:putevents",
        "lambda:invokefunction",
        "lambda:invokeasync",
        "states:startexecution",
        "states:startsyncexecution",
    ];
    let action = action.split(' ').next().unwrap_or(action);
    // Asked for every write edge of every traversal: no lower-cased copy.
    CREATING.iter().any(|c| c.eq_ignore_ascii_case(action))
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
        let mut g = Graph::new(
            "p".into(),
            ["fn:a", "fn:b", "fn:c", "res:t", "res:u", "res:w", "role:r"]
                .into_iter()
                .map(|id| Node {
                    sensitivity: Some(if ["res:t", "res:u"].contains(&id) {
                        Sensitivity::Confidential
                    } else {
                        Sensitivity::Internal
                    }),
                    ..node(id)
                })
                .collect(),
            vec![
                edge("fn:a", "fn:b", EdgeKind::Invoke),
                edge("fn:a", "res:t", EdgeKind::Write),
                edge("fn:a", "role:r", EdgeKind::Assume),
                edge("fn:b", "res:t", EdgeKind::Read),
                edge("fn:b", "role:r", EdgeKind::Assume),
                edge("res:t", "fn:c", EdgeKind::Trigger),
            ],
        );
        // What role `r` allows: a write to `t` (fn:a has a declared one, which wins), a read of
        // `t` (fn:b has one), a read of `u` (neither has).
        let reach = |kind, to: &str, detail: &str| Edge {
            source: EdgeSource::Iam,
            detail: detail.into(),
            ..edge("", to, kind)
        };
        // And event-creating writes to `t` (which triggers `c`) and `w` (which triggers nothing).
        let mut granted = vec![
            reach(EdgeKind::Write, "res:t", "sqs:SendMessage"),
            reach(EdgeKind::Read, "res:t", "sqs:ReceiveMessage"),
            reach(EdgeKind::Read, "res:u", "dynamodb:GetItem"),
            reach(EdgeKind::Write, "res:w", "sqs:SendMessage"),
        ];
        granted.sort_by(|a, b| (&a.to, a.kind).cmp(&(&b.to, b.kind)));
        g.role_reach.push(RoleReach {
            edges: granted.clone(),
            ..RoleReach::default()
        });
        g.reach_of.insert("fn:a".into(), 0);
        g.reach_of.insert("fn:b".into(), 0);
        g.index_reach();
        // The graph as it would be with every function's copy of its role's edges.
        let mut expanded: BTreeMap<(String, String, EdgeKind), Edge> = g
            .edges
            .iter()
            .map(|e| ((e.from.clone(), e.to.clone(), e.kind), e.clone()))
            .collect();
        for f in ["fn:a", "fn:b"] {
            for e in &granted {
                expanded
                    .entry((f.into(), e.to.clone(), e.kind))
                    .or_insert_with(|| Edge {
                        from: f.into(),
                        ..e.clone()
                    });
            }
        }
        let expanded: Vec<Edge> = expanded.into_values().collect();
        let key = |e: EdgeRef| {
            (
                e.from.to_string(),
                e.to.to_string(),
                e.kind,
                e.source,
                e.detail.to_string(),
            )
        };
        let all: Vec<_> = g.edges().map(key).collect();
        assert_eq!(
            all,
            expanded.iter().map(|e| key(e.as_ref())).collect::<Vec<_>>()
        );
        assert_eq!(all.len(), 12);
        let to = g.edges_to();
        for id in [
            "fn:a", "fn:b", "fn:c", "res:t", "res:u", "res:w", "fn:", "res:v", "",
        ] {
            assert_eq!(
                g.node(id).map(|n| n.id.as_str()),
                g.nodes.iter().find(|n| n.id == id).map(|n| n.id.as_str())
            );
            let scanned: Vec<_> = expanded
                .iter()
                .filter(|e| e.from == id)
                .map(|e| key(e.as_ref()))
                .collect();
            let found: Vec<_> = g.edges_from(id).map(key).collect();
            assert_eq!(found, scanned, "{id}");
            let sensitive: Vec<_> = expanded
                .iter()
                .filter(|e| e.from == id && ["res:t", "res:u"].contains(&e.to.as_str()))
                .map(|e| key(e.as_ref()))
                .collect();
            let found: Vec<_> = g.sensitive_edges_from(id).map(key).collect();
            assert_eq!(found, sensitive, "{id}");
            // `t` triggers `c`; `u` starts nothing.
            let moves: Vec<_> = expanded
                .iter()
                .filter(|e| {
                    e.from == id
                        && (e.kind == EdgeKind::Invoke
                            || (e.kind == EdgeKind::Write
                                && e.to == "res:t"
                                && produces_events(&e.detail)))
                })
                .map(|e| key(e.as_ref()))
                .collect();
            let found: Vec<_> = g.moves_from(id).map(key).collect();
            assert_eq!(found, moves, "{id}");
            let arriving: Vec<_> = expanded
                .iter()
                .filter(|e| e.to == id)
                .map(|e| key(e.as_ref()))
                .collect();
            let found: Vec<_> = to.get(id).into_iter().flatten().map(|e| key(*e)).collect();
            assert_eq!(found, arriving, "{id}");
            let invoked = expanded
                .iter()
                .any(|e| e.to == id && e.kind == EdgeKind::Invoke);
            assert_eq!(g.is_invoked(id), invoked, "{id}");
        }
    }
}
