//! boto3 in Python: clients (`boto3.client("s3")`), resources and their tables, buckets and
//! objects, paginators; and the local modules a file imports.

use crate::handler::FileScan;
use crate::mapping::{action_for, service_prefix};
use crate::HashMap;
use fnguard_syntax::NodeExt;
use tree_sitter::Node;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Var {
    Client(&'static str),
    Resource(&'static str),
    Table,
    Bucket,
    Object,
    Queue,
    Topic,
}

impl Var {
    /// How the object travels to the files that import it (`FileScan::exported`).
    fn encode(self) -> String {
        match self {
            Var::Client(s) => format!("client:{s}"),
            Var::Resource(s) => format!("resource:{s}"),
            Var::Table => "table".into(),
            Var::Bucket => "bucket".into(),
            Var::Object => "object".into(),
            Var::Queue => "queue".into(),
            Var::Topic => "topic".into(),
        }
    }

    fn decode(text: &str) -> Option<Var> {
        Some(match text {
            "table" => Var::Table,
            "bucket" => Var::Bucket,
            "object" => Var::Object,
            "queue" => Var::Queue,
            "topic" => Var::Topic,
            t => match t.split_once(':')? {
                ("client", svc) => Var::Client(service_prefix(svc)?),
                ("resource", svc) => Var::Resource(service_prefix(svc)?),
                _ => return None,
            },
        })
    }
}

/// Calls that take an SDK object without using it to call AWS (printing, type checks).
const HARMLESS_CALLEES: &[&str] = &[
    "print",
    "len",
    "str",
    "repr",
    "isinstance",
    "type",
    "id",
    "hasattr",
    "getattr",
    "vars",
    "dir",
    "debug",
    "info",
    "warning",
    "error",
    "exception",
    "critical",
    "log",
];

struct Scan<'a> {
    src: &'a [u8],
    vars: HashMap<String, Var>,
    /// Functions of this file that return an SDK object (`def get_table(): return ...`).
    factories: HashMap<String, Var>,
    out: FileScan,
    handler: Option<&'a str>,
    /// The first pass only learns names; calls are recorded by the second.
    recording: bool,
    /// Names holding an environment variable's value (`TABLE = os.environ["TABLE_NAME"]`).
    env_consts: HashMap<String, String>,
    /// Module-level names assigned a string literal (`SOURCE = "shop.orders"`).
    str_consts: HashMap<String, String>,
    /// SDK objects bound to one resource named by an environment variable
    /// (`table = dynamodb.Table(os.environ["TABLE_NAME"])`).
    targets: HashMap<String, String>,
    /// Names holding a record field (`key = unquote_plus(record["s3"]["object"]["key"])`).
    field_aliases: HashMap<String, String>,
}

/// Client parameters that name the resource an operation acts on.
pub(crate) const RESOURCE_PARAMS: &[&str] = &[
    "Bucket",
    "TableName",
    "QueueUrl",
    "QueueName",
    "TopicArn",
    "TargetArn",
    "StreamName",
    "StreamARN",
    "DeliveryStreamName",
    "FunctionName",
    "StateMachineArn",
    "stateMachineArn",
    "SecretId",
];

pub fn scan(text: &str, handler: Option<&str>) -> FileScan {
    scan_with(text, handler, &[])
}

/// As [`scan`], with SDK objects that names imported from other local modules hold
/// (`seeds`: local name → the encoding of `FileScan::exported`).
/// The kinds of node `Scan::visit` reads: a kind it reads must be listed here, or it is never
/// given one.
const VISITED: &[&str] = &[
    "assignment",
    "return_statement",
    "list",
    "tuple",
    "dictionary",
    "set",
    "call",
    "if_statement",
    "function_definition",
    "import_statement",
    "import_from_statement",
];

pub fn scan_with(text: &str, handler: Option<&str>, seeds: &[(String, String)]) -> FileScan {
    scan_passes(text, handler, seeds, false)
}

/// `walk_every_node`: the second pass walks the whole tree again, as it did before it read
/// only the nodes the first found (the test of [`VISITED`] compares the two).
fn scan_passes(
    text: &str,
    handler: Option<&str>,
    seeds: &[(String, String)],
    walk_every_node: bool,
) -> FileScan {
    let mut s = Scan {
        src: text.as_bytes(),
        vars: HashMap::default(),
        factories: HashMap::default(),
        out: FileScan::default(),
        handler,
        recording: false,
        env_consts: HashMap::default(),
        str_consts: HashMap::default(),
        targets: HashMap::default(),
        field_aliases: HashMap::default(),
    };
    for (name, enc) in seeds {
        match name.strip_suffix("()") {
            Some(f) => {
                if let Some(v) = Var::decode(enc) {
                    s.factories.insert(f.to_string(), v);
                }
            }
            None => {
                if let Some(v) = Var::decode(enc) {
                    s.vars.insert(name.clone(), v);
                }
            }
        }
    }
    let Some(tree) = crate::parse::parse(crate::parse::Grammar::Python, text) else {
        s.out.dynamic = true;
        return s.out;
    };
    // Two passes over the tree: the first learns which names hold SDK objects (wherever they
    // are assigned or returned), the second records the calls made on them.
    let visited = crate::handler::preorder_of_kinds(&tree, VISITED, |node| s.visit(node));
    s.recording = true;
    s.out.calls.clear();
    s.out.imports.clear();
    s.out.bindings.clear();
    s.out.handler_line = None;
    if walk_every_node {
        crate::handler::preorder(&tree, |node| s.visit(node));
    } else {
        for node in visited {
            s.visit(node);
        }
    }
    // Module-level SDK objects and factories are what other files can import.
    let root = tree.root_node();
    let mut exported: Vec<(String, String)> = Vec::new();
    let mut c = root.walk();
    for stmt in root.named_children(&mut c) {
        if stmt.kind_name() == "expression_statement" {
            if let Some(a) = stmt
                .named_child(0)
                .filter(|a| a.kind_name() == "assignment")
            {
                if let Some(left) = a.field("left") {
                    let name = s.text(left).to_string();
                    if let Some(v) = s.vars.get(&name) {
                        exported.push((name, v.encode()));
                    }
                }
            }
        }
    }
    for (f, v) in &s.factories {
        exported.push((format!("{f}()"), v.encode()));
    }
    exported.sort();
    s.out.exported = exported;
    s.out
}

impl Scan<'_> {
    fn text(&self, n: Node) -> &str {
        n.utf8_text(self.src).unwrap_or("")
    }

    fn string_arg(&self, call: Node) -> Option<String> {
        let args = call.field("arguments")?;
        let first = args.named_child(0)?;
        if first.kind_name() != "string" {
            return None;
        }
        let t = self.text(first);
        Some(t.trim_matches(|c| c == '"' || c == '\'').to_string())
    }

    /// What a call expression evaluates to, if it creates an SDK object.
    fn classify(&mut self, call: Node) -> Option<Var> {
        let func = call.field("function")?;
        let name = match func.kind_name() {
            "attribute" => self.text(func.field("attribute")?).to_string(),
            "identifier" => {
                let n = self.text(func).to_string();
                // `get_table()`: a function of this file (or imported) returning one.
                if let Some(v) = self.factories.get(&n) {
                    return Some(*v);
                }
                n
            }
            _ => return None,
        };
        let receiver = func.field("object").map(|o| self.text(o).to_string());
        match name.as_str() {
            "client" | "resource" => {
                let is_boto = receiver.as_deref().is_none_or(|r| {
                    r.contains("boto3") || r.to_ascii_lowercase().contains("session")
                });
                if !is_boto {
                    return None;
                }
                let Some(svc) = self.string_arg(call) else {
                    self.out.dynamic = true;
                    return None;
                };
                let prefix = service_prefix(&svc)?;
                Some(if name == "client" {
                    Var::Client(prefix)
                } else {
                    Var::Resource(prefix)
                })
            }
            "Table" | "Bucket" | "Object" => {
                // `boto3.resource("dynamodb").Table(...)` chains without a variable between.
                let object = func.field("object")?;
                let recv = if object.kind_name() == "call" {
                    self.classify(object)?
                } else {
                    self.vars.get(receiver.as_deref()?).copied()?
                };
                match (name.as_str(), recv) {
                    ("Table", Var::Resource("dynamodb")) => Some(Var::Table),
                    ("Bucket", Var::Resource("s3")) => Some(Var::Bucket),
                    ("Object", Var::Resource("s3") | Var::Bucket) => Some(Var::Object),
                    _ => None,
                }
            }
            // The resource API's other objects: `sqs.Queue(url)`, `sns.Topic(arn)`, and the
            // calls that return them.
            "Queue" | "Topic" | "get_queue_by_name" | "create_queue" | "create_topic" => {
                let object = func.field("object")?;
                let recv = if object.kind_name() == "call" {
                    self.classify(object)?
                } else {
                    self.vars.get(receiver.as_deref()?).copied()?
                };
                match (name.as_str(), recv) {
                    ("Queue" | "get_queue_by_name" | "create_queue", Var::Resource("sqs")) => {
                        Some(Var::Queue)
                    }
                    ("Topic" | "create_topic", Var::Resource("sns")) => Some(Var::Topic),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `resource.meta.client`, `table.meta.client`: the low-level client behind a resource.
    fn meta_client(&self, n: Node) -> Option<Var> {
        if n.kind_name() != "attribute" || self.text(n.field("attribute")?) != "client" {
            return None;
        }
        let meta = n.field("object")?;
        if meta.kind_name() != "attribute" || self.text(meta.field("attribute")?) != "meta" {
            return None;
        }
        let base = meta.field("object")?;
        match self.vars.get(self.text(base)).copied()? {
            Var::Resource(s) => Some(Var::Client(s)),
            Var::Table => Some(Var::Client("dynamodb")),
            Var::Bucket | Var::Object => Some(Var::Client("s3")),
            Var::Queue => Some(Var::Client("sqs")),
            Var::Topic => Some(Var::Client("sns")),
            Var::Client(_) => None,
        }
    }

    /// What an expression holds, when it is an SDK object.
    fn value_of(&mut self, n: Node) -> Option<Var> {
        match n.kind_name() {
            "call" => self.classify(n),
            "identifier" | "attribute" => self
                .vars
                .get(self.text(n))
                .copied()
                .or_else(|| self.meta_client(n)),
            "await" | "parenthesized_expression" => self.value_of(n.named_child(0)?),
            _ => None,
        }
    }

    /// A function's name, for the `return` statements inside it.
    fn enclosing_function(&self, n: Node) -> Option<String> {
        let mut cur = n.parent();
        while let Some(p) = cur {
            if p.kind_name() == "function_definition" {
                return p.field("name").map(|x| self.text(x).to_string());
            }
            cur = p.parent();
        }
        None
    }

    /// An SDK object handed to code this scan does not follow (a class, a local function, a
    /// list): its later calls cannot be named, so "unused" cannot be proven.
    fn escapes(&mut self, call: Node) {
        let Some(func) = call.field("function") else {
            return;
        };
        let callee = self.text(func);
        let short = callee.rsplit('.').next().unwrap_or(callee);
        if HARMLESS_CALLEES.contains(&short) {
            return;
        }
        // Calls on an SDK object take plain values, except the SDK's own helpers.
        if func.kind_name() == "attribute" {
            if let Some(obj) = func.field("object") {
                if self.value_of(obj).is_some() {
                    return;
                }
            }
        }
        let Some(args) = call.field("arguments") else {
            return;
        };
        let mut c = args.walk();
        let passed: Vec<Node> = args
            .named_children(&mut c)
            .map(|a| {
                if a.kind_name() == "keyword_argument" {
                    a.field("value").unwrap_or(a)
                } else {
                    a
                }
            })
            .collect();
        for a in passed {
            if self.value_of(a).is_some() {
                self.out.dynamic = true;
            }
        }
    }

    fn record(&mut self, actions: Vec<String>, node: Node, target: Option<String>) {
        if !self.recording {
            return;
        }
        let p = node.start_position();
        let keys = if actions.iter().any(|a| crate::keys::writes_keys(a)) {
            self.written_keys(node)
        } else {
            Vec::new()
        };
        for action in actions {
            self.out.calls.push(crate::handler::ScannedCall {
                action,
                line: p.row as u32 + 1,
                col: p.column as u32 + 1,
                target: target.clone(),
                keys: keys.clone(),
            });
        }
    }

    /// The environment variable an expression reads: `os.environ["X"]`, `os.environ.get("X")`,
    /// `os.getenv("X")`, or a name assigned one of those.
    fn env_of(&self, n: Node) -> Option<String> {
        let literal = |n: Node| -> Option<String> {
            (n.kind_name() == "string").then(|| {
                self.text(n)
                    .trim_matches(|c| c == '"' || c == '\'')
                    .to_string()
            })
        };
        match n.kind_name() {
            "identifier" => self.env_consts.get(self.text(n)).cloned(),
            "parenthesized_expression" => self.env_of(n.named_child(0)?),
            "subscript" | "attribute" if is_trigger_bucket(self.text(n)) => {
                Some(fnguard_model::TRIGGERING_BUCKET.to_string())
            }
            "subscript" => {
                let value = self.text(n.field("value")?);
                if !matches!(value, "os.environ" | "environ") {
                    return None;
                }
                literal(n.field("subscript")?)
            }
            "call" => {
                let f = self.text(n.field("function")?);
                if !matches!(f, "os.environ.get" | "os.getenv" | "environ.get" | "getenv") {
                    return None;
                }
                literal(n.field("arguments")?.named_child(0)?)
            }
            _ => None,
        }
    }

    /// The record field an expression holds: `keys["sk"]`, `record.s3.object.key`,
    /// `item.get("sk")`, `unquote_plus(key)`, or a name assigned one of those.
    fn field_of(&self, n: Node) -> Option<String> {
        match n.kind_name() {
            "subscript" => {
                let sub = n.field("subscript")?;
                (sub.kind_name() == "string").then(|| {
                    self.text(sub)
                        .trim_matches(|c| c == '"' || c == '\'')
                        .to_string()
                })
            }
            "attribute" => Some(self.text(n.field("attribute")?).to_string()),
            "identifier" => self.field_aliases.get(self.text(n)).cloned(),
            "call" => {
                let func = n.field("function")?;
                let callee = self.text(func);
                let first = n.field("arguments")?.named_child(0);
                if callee.ends_with(".get") && func.kind_name() == "attribute" {
                    let a = first?;
                    return (a.kind_name() == "string").then(|| {
                        self.text(a)
                            .trim_matches(|c| c == '"' || c == '\'')
                            .to_string()
                    });
                }
                if crate::keys::is_key_normaliser(callee) {
                    return self.field_of(first?);
                }
                None
            }
            _ => None,
        }
    }

    /// `if keys["sk"].startswith("product#"):` (act only on those) and
    /// `if key.startswith("processed/"): continue` (skip those).
    fn key_filter(&mut self, node: Node) {
        let Some(mut cond) = node.field("condition") else {
            return;
        };
        let mut negated = false;
        while cond.kind_name() == "not_operator" || cond.kind_name() == "parenthesized_expression" {
            if cond.kind_name() == "not_operator" {
                negated = !negated;
                let Some(arg) = cond.field("argument") else {
                    return;
                };
                cond = arg;
            } else {
                let Some(inner) = cond.named_child(0) else {
                    return;
                };
                cond = inner;
            }
        }
        if cond.kind_name() != "call" {
            return;
        }
        let Some(func) = cond.field("function") else {
            return;
        };
        let method = func
            .field("attribute")
            .map(|a| self.text(a))
            .unwrap_or_default();
        if func.kind_name() != "attribute" || !matches!(method, "startswith" | "endswith") {
            return;
        }
        let suffix = method == "endswith";
        let Some(field) = func.field("object").and_then(|o| self.field_of(o)) else {
            return;
        };
        let Some(arg) = cond.field("arguments").and_then(|a| a.named_child(0)) else {
            return;
        };
        let strings = |n: Node| -> Vec<String> {
            let mut c = n.walk();
            let items: Vec<Node> = if n.kind_name() == "tuple" {
                n.named_children(&mut c).collect()
            } else {
                vec![n]
            };
            items
                .into_iter()
                .filter(|i| {
                    let mut c = i.walk();
                    let plain = !i
                        .named_children(&mut c)
                        .any(|ch| ch.kind_name() == "interpolation");
                    i.kind_name() == "string" && plain
                })
                .map(|i| {
                    self.text(i)
                        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                        .trim_matches(|c| c == '"' || c == '\'')
                        .to_string()
                })
                .collect()
        };
        let prefixes = strings(arg);
        if prefixes.is_empty() || prefixes.iter().any(String::is_empty) {
            return;
        }
        let exits = node.field("consequence").is_some_and(|b| {
            let mut c = b.walk();
            b.named_children(&mut c).last().is_some_and(|l| {
                matches!(
                    l.kind_name(),
                    "return_statement"
                        | "continue_statement"
                        | "break_statement"
                        | "raise_statement"
                )
            })
        });
        // A branch that acts on the matching records, or an exit for the others: only those;
        // an exit for the matching records: those are skipped.
        let only = match (negated, exits) {
            (false, false) | (true, true) => true,
            (false, true) => false,
            (true, false) => return,
        };
        let p = node.start_position();
        self.out.key_filters.push((
            field,
            prefixes,
            suffix,
            only,
            p.row as u32 + 1,
            p.column as u32 + 1,
        ));
    }

    /// What a written key is known to start and end with.
    fn key_literal(&self, field: String, n: Node) -> Option<fnguard_model::KeyLiteral> {
        crate::keys::key_literal(field, self.literal_prefix(n), || self.literal_suffix(n))
    }

    /// The literal end of a string expression: `f"{name}.gif"`, `name + ".gif"`.
    fn literal_suffix(&self, n: Node) -> Option<String> {
        match n.kind_name() {
            "string" => {
                let mut c = n.walk();
                let children: Vec<Node> = n.named_children(&mut c).collect();
                let mut tail = String::new();
                for ch in children {
                    match ch.kind_name() {
                        "string_content" => tail.push_str(self.text(ch)),
                        "interpolation" => tail.clear(),
                        _ => {}
                    }
                }
                (!tail.is_empty()).then_some(tail)
            }
            "binary_operator" => {
                let op = n.field("operator").map(|o| self.text(o));
                (op == Some("+"))
                    .then(|| self.literal_suffix(n.field("right")?))
                    .flatten()
            }
            "parenthesized_expression" => self.literal_suffix(n.named_child(0)?),
            _ => None,
        }
    }

    /// The literal start of a string expression: (start, whether it is the whole value).
    fn literal_prefix(&self, n: Node) -> Option<(String, bool)> {
        match n.kind_name() {
            "identifier" => self.str_consts.get(self.text(n)).map(|s| (s.clone(), true)),
            "string" => {
                let mut c = n.walk();
                let children: Vec<Node> = n.named_children(&mut c).collect();
                let interpolated = children.iter().any(|c| c.kind_name() == "interpolation");
                let mut prefix = String::new();
                for ch in children {
                    match ch.kind_name() {
                        "string_content" => prefix.push_str(self.text(ch)),
                        "interpolation" => break,
                        _ => {}
                    }
                }
                if !interpolated && prefix.is_empty() {
                    return Some((String::new(), true));
                }
                (!prefix.is_empty()).then_some((prefix, !interpolated))
            }
            "binary_operator" => {
                let (l, _) = self.literal_prefix(n.field("left")?)?;
                let op = n.field("operator").map(|o| self.text(o));
                match op {
                    Some("+") if !l.is_empty() => Some((l, false)),
                    Some("%") => {
                        let upto = l.split('%').next().unwrap_or("").to_string();
                        (!upto.is_empty()).then_some((upto, false))
                    }
                    _ => None,
                }
            }
            "call" => {
                // `"processed/{}".format(name)`
                let func = n.field("function")?;
                if func.kind_name() != "attribute"
                    || self.text(func.field("attribute")?) != "format"
                {
                    return None;
                }
                let (l, _) = self.literal_prefix(func.field("object")?)?;
                let upto = l.split('{').next().unwrap_or("").to_string();
                (!upto.is_empty()).then_some((upto, false))
            }
            "parenthesized_expression" => self.literal_prefix(n.named_child(0)?),
            _ => None,
        }
    }

    /// Key fields a write call sets with a literal start: `Key="processed/" + name` (S3),
    /// `Key={"pk": k, "sk": "totalquantity"}` and `Item={...}` (DynamoDB).
    fn written_keys(&self, call: Node) -> Vec<fnguard_model::KeyLiteral> {
        let mut out = Vec::new();
        // `put_events`: the `Source` the events carry decides which rules match them.
        if let Some(source) = self
            .first_entry(call)
            .and_then(|e| self.dict_field(e, "Source"))
        {
            out.extend(self.key_literal("source".into(), source));
        }
        for param in ["Key", "Item"] {
            let Some(v) = self.kwarg(call, &[param]) else {
                continue;
            };
            if v.kind_name() == "dictionary" {
                let mut c = v.walk();
                let pairs: Vec<Node> = v.named_children(&mut c).collect();
                for pair in pairs.into_iter().filter(|p| p.kind_name() == "pair") {
                    let (Some(k), Some(val)) = (pair.field("key"), pair.field("value")) else {
                        continue;
                    };
                    let Some((field, true)) = self.literal_prefix(k) else {
                        continue;
                    };
                    if let Some(k) = self.key_literal(field, val) {
                        out.push(k);
                    }
                }
            } else if param == "Key" {
                if let Some(k) = self.key_literal("key".into(), v) {
                    out.push(k);
                }
            }
        }
        out
    }

    /// A keyword argument's value node.
    fn kwarg<'t>(&self, call: Node<'t>, names: &[&str]) -> Option<Node<'t>> {
        let args = call.field("arguments")?;
        let mut c = args.walk();
        let found = args.named_children(&mut c).find(|a| {
            a.kind_name() == "keyword_argument"
                && a.field("name")
                    .is_some_and(|k| names.contains(&self.text(k)))
        });
        found.and_then(|a| a.field("value"))
    }

    /// The first entry of `put_events(Entries=[{...}])`.
    fn first_entry<'t>(&self, call: Node<'t>) -> Option<Node<'t>> {
        let entries = self.kwarg(call, &["Entries"])?;
        let mut c = entries.walk();
        let first = entries
            .named_children(&mut c)
            .find(|n| n.kind_name() == "dictionary");
        first
    }

    /// A field of a dictionary literal.
    fn dict_field<'t>(&self, dict: Node<'t>, name: &str) -> Option<Node<'t>> {
        let mut c = dict.walk();
        let found = dict.named_children(&mut c).find_map(|pair| {
            let key = pair.field("key")?;
            (pair.kind_name() == "pair" && self.text(key).trim_matches(['"', '\'']) == name)
                .then(|| pair.field("value"))
                .flatten()
        });
        found
    }

    /// `put_events(Entries=[{"EventBusName": os.environ["BUS"], ...}])`: the bus of the first
    /// entry, as its environment variable; an entry that names no bus (or `"default"`) goes to
    /// the default bus.
    fn entries_bus(&self, call: Node) -> Option<String> {
        let first = self.first_entry(call)?;
        match self.dict_field(first, "EventBusName") {
            None => Some(fnguard_model::DEFAULT_EVENT_BUS.to_string()),
            Some(v) if matches!(self.literal_prefix(v), Some((name, true)) if name == "default") => {
                Some(fnguard_model::DEFAULT_EVENT_BUS.to_string())
            }
            Some(v) => self.env_of(v),
        }
    }

    /// The resource a resource-API constructor binds (`dynamodb.Table(os.environ["T"])`,
    /// `sqs.get_queue_by_name(QueueName=QUEUE)`), as its environment variable.
    fn constructor_target(&self, call: Node) -> Option<String> {
        if call.kind_name() != "call" {
            return None;
        }
        let func = call.field("function")?;
        let name = self.text(func.field("attribute")?);
        if !matches!(
            name,
            "Table" | "Bucket" | "Object" | "Queue" | "Topic" | "get_queue_by_name"
        ) {
            return None;
        }
        // `bucket.Object(key)`: the object is in the bucket's bucket.
        if name == "Object" {
            if let Some(recv) = func.field("object") {
                if self.vars.get(self.text(recv)).copied() == Some(Var::Bucket) {
                    return self.targets.get(self.text(recv)).cloned();
                }
            }
        }
        let first = call
            .field("arguments")?
            .named_child(0)
            .filter(|a| a.kind_name() != "keyword_argument");
        match first {
            Some(a) => self.env_of(a),
            None => self
                .kwarg(call, &["QueueName", "name", "bucket_name", "table_name"])
                .and_then(|v| self.env_of(v)),
        }
    }

    /// Reads a node of one of the [`VISITED`] kinds (it is given no other).
    fn visit(&mut self, node: Node) {
        match node.kind_name() {
            "assignment" => {
                let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
                    return;
                };
                // `handler = Mangum(app)`: a module-level wrapper is the handler.
                if let Some(h) = self.handler {
                    if left.kind_name() == "identifier"
                        && self.text(left) == h
                        && self.out.handler_line.is_none()
                        && node
                            .parent()
                            .and_then(|p| p.parent())
                            .is_some_and(|m| m.kind_name() == "module")
                    {
                        let p = left.start_position();
                        self.out.handler_line = Some((p.row as u32 + 1, p.column as u32 + 1));
                    }
                }
                let name = self.text(left).to_string();
                match self
                    .field_of(right)
                    .filter(|_| left.kind_name() == "identifier")
                {
                    Some(field) => {
                        self.field_aliases.insert(name.clone(), field);
                    }
                    None => {
                        self.field_aliases.remove(&name);
                    }
                }
                match self.env_of(right) {
                    Some(env) => {
                        self.env_consts.insert(name.clone(), env);
                    }
                    None => {
                        self.env_consts.remove(&name);
                    }
                }
                // Only module-level constants: a local of one function says nothing of
                // a parameter of the same name in another.
                let module_level = node
                    .parent()
                    .and_then(|p| p.parent())
                    .is_some_and(|g| g.kind_name() == "module");
                match self
                    .literal_prefix(right)
                    .filter(|(_, whole)| *whole && module_level && left.kind_name() == "identifier")
                {
                    Some((text, _)) => {
                        self.str_consts.insert(name.clone(), text);
                    }
                    None => {
                        self.str_consts.remove(&name);
                    }
                }
                if let Some(v) = self.value_of(right) {
                    match self.constructor_target(right) {
                        Some(env) => {
                            self.targets.insert(name.clone(), env);
                        }
                        None => {
                            self.targets.remove(&name);
                        }
                    }
                    self.vars.insert(name, v);
                } else if left.kind_name() == "subscript" && self.value_of(right).is_some() {
                    self.out.dynamic = true;
                }
            }
            "return_statement" => {
                if let Some(v) = node.named_child(0).and_then(|e| self.value_of(e)) {
                    if let Some(f) = self.enclosing_function(node) {
                        self.factories.insert(f, v);
                    }
                }
            }
            "list" | "tuple" | "dictionary" | "set" => {
                // `clients = {"s3": s3}`: where it goes next is not followed.
                let mut c = node.walk();
                let items: Vec<Node> = node.named_children(&mut c).collect();
                for i in items {
                    let v = if i.kind_name() == "pair" {
                        i.field("value")
                    } else {
                        Some(i)
                    };
                    if v.is_some_and(|v| matches!(v.kind_name(), "identifier" | "call"))
                        && v.and_then(|v| self.value_of(v)).is_some()
                    {
                        self.out.dynamic = true;
                    }
                }
            }
            "call" => {
                if self.recording {
                    self.escapes(node);
                }
                self.call(node);
            }
            "if_statement" if self.recording => self.key_filter(node),
            "function_definition" => {
                if let (Some(h), Some(name)) = (self.handler, node.field("name")) {
                    if self.text(name) == h && self.out.handler_line.is_none() {
                        let p = name.start_position();
                        self.out.handler_line = Some((p.row as u32 + 1, p.column as u32 + 1));
                    }
                }
            }
            "import_statement" => {
                let mut c = node.walk();
                for n in node.named_children(&mut c) {
                    let target = if n.kind_name() == "aliased_import" {
                        n.field("name")
                    } else {
                        Some(n)
                    };
                    if let Some(t) = target {
                        self.out.imports.push(self.text(t).to_string());
                    }
                }
            }
            "import_from_statement" => {
                if let Some(m) = node.field("module_name") {
                    let module = self.text(m).to_string();
                    if module.chars().all(|c| c == '.') {
                        // `from . import db`: each name is a sibling module.
                        let mut c = node.walk();
                        for n in node.children_by_field_name("name", &mut c) {
                            self.out.imports.push(format!("{module}{}", self.text(n)));
                        }
                    } else {
                        // `from lib import storage` may name a submodule (lib/storage.py).
                        let mut c = node.walk();
                        for n in node.children_by_field_name("name", &mut c) {
                            let name = n.field("name").unwrap_or(n);
                            let local = n.field("alias").unwrap_or(name);
                            self.out
                                .imports
                                .push(format!("{module}.{}", self.text(name)));
                            self.out.bindings.push((
                                self.text(local).to_string(),
                                module.clone(),
                                self.text(name).to_string(),
                            ));
                        }
                        self.out.imports.push(module);
                    }
                }
            }
            _ => {}
        }
    }

    fn call(&mut self, node: Node) {
        let Some(func) = node.field("function") else {
            return;
        };
        if func.kind_name() == "identifier" && self.text(func) == "getattr" {
            // getattr(client, name)(...) hides which operation runs.
            if let Some(args) = node.field("arguments") {
                let first = args.named_child(0);
                if first.is_some_and(|f| self.vars.contains_key(self.text(f))) {
                    self.out.dynamic = true;
                }
            }
            return;
        }
        if func.kind_name() != "attribute" {
            return;
        }
        let (Some(obj), Some(attr)) = (func.field("object"), func.field("attribute")) else {
            return;
        };
        let op = self.text(attr).to_string();
        let recv = self.value_of(obj);
        let Some(recv) = recv else {
            // `bucket.objects.all()` / `.filter()`: listing through a collection.
            if obj.kind_name() == "attribute" {
                if let Some(inner) = obj.field("object") {
                    if self.vars.get(self.text(inner)).copied() == Some(Var::Bucket)
                        && matches!(op.as_str(), "all" | "filter" | "delete")
                    {
                        let a = if op == "delete" {
                            "s3:DeleteObject"
                        } else {
                            "s3:ListBucket"
                        };
                        let target = self.targets.get(self.text(inner)).cloned();
                        self.record(vec![a.to_string()], node, target);
                    }
                }
            }
            return;
        };
        let actions = match recv {
            Var::Client(svc) => {
                if op == "get_paginator" || op == "get_waiter" {
                    match self.string_arg(node) {
                        Some(inner) if op == "get_paginator" => action_for(svc, &inner),
                        Some(_) => Vec::new(),
                        None => {
                            self.out.dynamic = true;
                            Vec::new()
                        }
                    }
                } else if matches!(op.as_str(), "can_paginate" | "close" | "exceptions") {
                    Vec::new()
                } else {
                    action_for(svc, &op)
                }
            }
            // Operations on the service resource itself (`dynamodb.batch_get_item`).
            Var::Resource(svc) => match op.as_str() {
                "get_queue_by_name" => vec!["sqs:GetQueueUrl".into()],
                "create_queue" => vec!["sqs:CreateQueue".into()],
                "create_topic" => vec!["sns:CreateTopic".into()],
                "Table" | "Bucket" | "Object" | "Queue" | "Topic" => Vec::new(),
                _ if op.chars().all(|c| c.is_ascii_lowercase() || c == '_') => action_for(svc, &op),
                _ => Vec::new(),
            },
            Var::Queue => match op.as_str() {
                "send_message" => vec!["sqs:SendMessage".into()],
                "send_messages" => vec!["sqs:SendMessage".into()],
                "receive_messages" => vec!["sqs:ReceiveMessage".into()],
                "delete_messages" => vec!["sqs:DeleteMessage".into()],
                "change_message_visibility_batch" => vec!["sqs:ChangeMessageVisibility".into()],
                "purge" => vec!["sqs:PurgeQueue".into()],
                "delete" => vec!["sqs:DeleteQueue".into()],
                "set_attributes" => vec!["sqs:SetQueueAttributes".into()],
                "load" | "reload" => vec!["sqs:GetQueueAttributes".into()],
                _ => Vec::new(),
            },
            Var::Topic => match op.as_str() {
                "publish" => vec!["sns:Publish".into()],
                "subscribe" => vec!["sns:Subscribe".into()],
                "delete" => vec!["sns:DeleteTopic".into()],
                "set_attributes" => vec!["sns:SetTopicAttributes".into()],
                "load" | "reload" => vec!["sns:GetTopicAttributes".into()],
                _ => Vec::new(),
            },
            Var::Table => match op.as_str() {
                "batch_writer" => vec!["dynamodb:BatchWriteItem".to_string()],
                _ => action_for("dynamodb", &op),
            },
            Var::Bucket => match op.as_str() {
                "put_object" | "upload_file" | "upload_fileobj" => vec!["s3:PutObject".into()],
                "download_file" | "download_fileobj" => vec!["s3:GetObject".into()],
                "delete_objects" => vec!["s3:DeleteObject".into()],
                _ => Vec::new(),
            },
            Var::Object => match op.as_str() {
                "get" | "download_file" | "download_fileobj" | "load" => {
                    vec!["s3:GetObject".into()]
                }
                "put" | "upload_file" | "upload_fileobj" => vec!["s3:PutObject".into()],
                "delete" => vec!["s3:DeleteObject".into()],
                _ => Vec::new(),
            },
        };
        let target = match recv {
            Var::Client(_) => self
                .kwarg(node, RESOURCE_PARAMS)
                .and_then(|v| self.env_of(v))
                .or_else(|| self.entries_bus(node)),
            Var::Resource(_) => None,
            _ if obj.kind_name() == "call" => self.constructor_target(obj),
            _ => self.targets.get(self.text(obj)).cloned(),
        };
        self.record(actions, node, target);
    }
}

/// `record["s3"]["bucket"]["name"]`, `record.s3.bucket.name`: the bucket whose event triggered
/// the function.
pub(crate) fn is_trigger_bucket(text: &str) -> bool {
    let t: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace('"', "'");
    t.ends_with("['bucket']['name']") || t.ends_with(".bucket.name")
}

#[cfg(test)]
mod tests {
    use super::scan;

    /// The second pass reads only the nodes of the kinds in `VISITED` the first pass found; on
    /// every Python file of the repository that gives what a walk of every node gave.
    #[test]
    fn the_second_pass_reads_what_a_walk_of_every_node_reads() {
        let sources = crate::repository_sources(&["py"]);
        assert!(sources.len() > 100, "{}", sources.len());
        for (path, text) in sources {
            for handler in [None, Some("handler"), Some("lambda_handler")] {
                assert_eq!(
                    super::scan_passes(&text, handler, &[], false),
                    super::scan_passes(&text, handler, &[], true),
                    "{}",
                    path.display()
                );
            }
        }
    }

    fn actions(src: &str) -> Vec<String> {
        let mut a: Vec<String> = scan(src, None)
            .calls
            .into_iter()
            .map(|c| c.action)
            .collect();
        a.sort();
        a.dedup();
        a
    }

    #[test]
    fn boto3_clients_resources_and_paginators() {
        let src = r#"
import boto3
s3 = boto3.client("s3")
ddb = boto3.resource('dynamodb')
table = ddb.Table(os.environ["TABLE"])

def handler(event, context):
    s3.put_object(Bucket="b", Key="k", Body=b"")
    table.put_item(Item={})
    table.query(KeyConditionExpression="x")
    boto3.client("sqs").send_message(QueueUrl="q", MessageBody="m")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="b"):
        pass
"#;
        assert_eq!(
            actions(src),
            vec![
                "dynamodb:PutItem",
                "dynamodb:Query",
                "s3:ListBucket",
                "s3:PutObject",
                "sqs:SendMessage"
            ]
        );
        let s = scan(src, Some("handler"));
        assert_eq!(s.handler_line.map(|l| l.0), Some(7));
        assert!(!s.dynamic);
    }

    #[test]
    fn dynamic_calls_make_the_scan_incomplete() {
        let s = scan(
            "import boto3\nc = boto3.client('s3')\ngetattr(c, op)(Bucket='b')\n",
            None,
        );
        assert!(s.dynamic);
        let s = scan("import boto3\nc = boto3.client(service)\n", None);
        assert!(s.dynamic);
    }

    #[test]
    fn resource_api_queues_topics_and_meta_clients() {
        let src = r#"
import boto3
sqs = boto3.resource("sqs")
sns = boto3.resource("sns")
ddb = boto3.resource("dynamodb")
table = ddb.Table("t")

def handler(event, context):
    sqs.Queue(event["url"]).send_message(MessageBody="x")
    q = sqs.get_queue_by_name(QueueName="jobs")
    q.receive_messages()
    sns.Topic("arn").publish(Message="m")
    table.meta.client.transact_write_items(TransactItems=[])
    ddb.batch_get_item(RequestItems={})
"#;
        let s = scan(src, None);
        assert!(!s.dynamic);
        let mut a: Vec<String> = s.calls.into_iter().map(|c| c.action).collect();
        a.sort();
        a.dedup();
        assert_eq!(
            a,
            vec![
                "dynamodb:BatchGetItem",
                // TransactWriteItems is authorised per item action.
                "dynamodb:ConditionCheckItem",
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "sns:Publish",
                "sqs:GetQueueUrl",
                "sqs:ReceiveMessage",
                "sqs:SendMessage",
            ]
        );
    }

    #[test]
    fn factories_are_followed_and_escaping_clients_make_the_scan_incomplete() {
        let src = r#"
import boto3

def get_table():
    return boto3.resource("dynamodb").Table("t")

def handler(event, context):
    get_table().put_item(Item={})
"#;
        let s = scan(src, None);
        assert_eq!(
            s.calls
                .iter()
                .map(|c| c.action.as_str())
                .collect::<Vec<_>>(),
            ["dynamodb:PutItem"]
        );
        assert!(!s.dynamic);
        assert!(s
            .exported
            .contains(&("get_table()".to_string(), "table".to_string())));
        // Handed to a class this scan does not follow: what it calls is unknown.
        let wrapped = "import boto3\nfrom db import MediaDB\ndb = MediaDB(boto3.resource('dynamodb').Table('t'))\n";
        assert!(scan(wrapped, None).dynamic);
        let passed =
            "import boto3\ns3 = boto3.client('s3')\ndef handler(e, c):\n    upload(s3, e)\n";
        assert!(scan(passed, None).dynamic);
        let logged = "import boto3\ns3 = boto3.client('s3')\nprint(s3)\n";
        assert!(!scan(logged, None).dynamic);
    }

    #[test]
    fn objects_imported_from_other_modules_are_known_through_seeds() {
        let src = "from db import table\ndef handler(e, c):\n    table.put_item(Item={})\n";
        assert!(scan(src, None).calls.is_empty());
        let seeded = super::scan_with(src, None, &[("table".into(), "table".into())]);
        assert_eq!(seeded.calls.len(), 1);
        assert_eq!(seeded.calls[0].action, "dynamodb:PutItem");
    }

    fn targets(src: &str) -> Vec<(String, Option<String>)> {
        scan(src, None)
            .calls
            .into_iter()
            .map(|c| (c.action, c.target))
            .collect()
    }

    #[test]
    fn the_resource_a_call_acts_on_is_named_by_its_environment_variable() {
        let src = r#"
import os
import boto3
from os import environ
s3 = boto3.client("s3")
OUTPUT = os.environ["OUTPUT_BUCKET"]
table = boto3.resource("dynamodb").Table(environ.get("TABLE_NAME"))
bucket = boto3.resource("s3").Bucket(os.getenv("ARCHIVE"))

def handler(event, context):
    s3.get_object(Bucket=event["Records"][0]["s3"]["bucket"]["name"], Key="k")
    s3.put_object(Bucket=OUTPUT, Key="k", Body=b"")
    table.update_item(Key={"pk": "x"})
    bucket.Object("k").put(Body=b"")
    boto3.resource("sqs").Queue(os.environ["QUEUE_URL"]).send_message(MessageBody="m")
"#;
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            targets(src),
            vec![
                // The bucket named in the triggering event.
                (
                    "s3:GetObject".to_string(),
                    s(fnguard_model::TRIGGERING_BUCKET)
                ),
                ("s3:PutObject".to_string(), s("OUTPUT_BUCKET")),
                ("dynamodb:UpdateItem".to_string(), s("TABLE_NAME")),
                ("s3:PutObject".to_string(), s("ARCHIVE")),
                ("sqs:SendMessage".to_string(), s("QUEUE_URL")),
            ]
        );
    }
}
