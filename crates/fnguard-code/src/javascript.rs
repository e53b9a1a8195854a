//! AWS SDK in JavaScript/TypeScript: v3 commands (`new GetObjectCommand`) and aggregated
//! clients (`new S3().getObject`), `@aws-sdk/lib-dynamodb`, v2 clients (`new AWS.S3()`) and
//! `DocumentClient`; the handler's definition; relative imports.

use crate::handler::FileScan;
use crate::mapping::{action_for, service_prefix};
use crate::HashMap;
use fnguard_syntax::NodeExt;
use tree_sitter::Node;

#[derive(Clone, PartialEq, Debug)]
enum Var {
    /// A client whose methods are operations (v2, or a v3 aggregated client).
    Client(&'static str),
    /// `DocumentClient` / `DynamoDBDocument`: put, get, query, ...
    DocClient,
    /// A v3 bare client (`new S3Client()`): its operations are commands, but handing it to
    /// code that is not followed hides which commands it sends.
    Bare,
}

impl Var {
    fn encode(&self) -> String {
        match self {
            Var::Client(s) => format!("client:{s}"),
            Var::DocClient => "doc".into(),
            Var::Bare => "bare".into(),
        }
    }

    fn decode(text: &str) -> Option<Var> {
        match text {
            "doc" => Some(Var::DocClient),
            "bare" => Some(Var::Bare),
            t => service_prefix(t.strip_prefix("client:")?).map(Var::Client),
        }
    }
}

/// Wrappers that return the SDK object they are given (X-Ray, Powertools tracer).
const CAPTURE_WRAPPERS: &[&str] = &[
    "captureAWS",
    "captureAWSClient",
    "captureAWSv3Client",
    "captureAWSv3Clients",
];

/// Calls that take an SDK object without using it to call AWS.
const HARMLESS_CALLEES: &[&str] = &[
    "log",
    "info",
    "warn",
    "error",
    "debug",
    "trace",
    "String",
    "JSON.stringify",
    "typeof",
    "Object.keys",
];

struct Scan<'a> {
    src: &'a [u8],
    /// Local names of v3 commands → (service, operation).
    commands: HashMap<String, (&'static str, String)>,
    /// Local names of client classes → what `new` makes of them.
    classes: HashMap<String, Var>,
    /// Names bound to the `aws-sdk` (v2) namespace.
    aws_ns: Vec<String>,
    /// Local names of v3 bare client classes (`S3Client`).
    bare_clients: Vec<String>,
    vars: HashMap<String, Var>,
    /// Functions of this file that return an SDK object (`const makeS3 = () => new S3()`).
    factories: HashMap<String, Var>,
    out: FileScan,
    handler: Option<&'a str>,
    /// The first pass only learns names; calls are recorded by the second.
    recording: bool,
    /// Names holding an environment variable's value (`const BUCKET = process.env.BUCKET`).
    env_consts: HashMap<String, String>,
    /// Parameter objects naming their resource through an environment variable
    /// (`const params = { TableName: process.env.TABLE, ... }`).
    param_targets: HashMap<String, String>,
    /// Parameter objects' literal key fields (`const params = { Key: "out/" + name }`).
    param_keys: HashMap<String, Vec<fnguard_model::KeyLiteral>>,
    /// Names holding a record field (`const key = decodeURIComponent(record.s3.object.key)`).
    field_aliases: HashMap<String, String>,
}

const DOC_OPS: &[(&str, &str)] = &[
    ("put", "dynamodb:PutItem"),
    ("get", "dynamodb:GetItem"),
    ("query", "dynamodb:Query"),
    ("scan", "dynamodb:Scan"),
    ("update", "dynamodb:UpdateItem"),
    ("delete", "dynamodb:DeleteItem"),
    ("batchWrite", "dynamodb:BatchWriteItem"),
    ("batchGet", "dynamodb:BatchGetItem"),
    ("transactGet", "dynamodb:GetItem"),
];

fn doc_command(name: &str) -> Option<&'static str> {
    let op = name.strip_suffix("Command")?;
    Some(match op {
        "Put" => "dynamodb:PutItem",
        "Get" => "dynamodb:GetItem",
        "Query" => "dynamodb:Query",
        "Scan" => "dynamodb:Scan",
        "Update" => "dynamodb:UpdateItem",
        "Delete" => "dynamodb:DeleteItem",
        "BatchWrite" => "dynamodb:BatchWriteItem",
        "BatchGet" => "dynamodb:BatchGetItem",
        "TransactGet" => "dynamodb:GetItem",
        "TransactWrite" => "dynamodb:PutItem",
        _ => return None,
    })
}

#[cfg(test)]
pub fn scan(text: &str, handler: Option<&str>) -> FileScan {
    scan_as(text, handler, false)
}

/// `typescript`: parse with the TypeScript grammar (type annotations, interfaces, `as`).
pub fn scan_as(text: &str, handler: Option<&str>, typescript: bool) -> FileScan {
    scan_with(text, handler, typescript, &[])
}

/// As [`scan_as`], with SDK objects that names imported from other local modules hold
/// (`seeds`: local name → the encoding of `FileScan::exported`; `make()` for factories).
/// The kinds of node `Scan::visit` reads: a kind it reads must be listed here, or it is never
/// given one.
const VISITED: &[&str] = &[
    "import_statement",
    "variable_declarator",
    "assignment_expression",
    "export_specifier",
    "export_statement",
    "function_declaration",
    "if_statement",
    "shorthand_property_identifier",
    "property_identifier",
    "new_expression",
    "return_statement",
    "call_expression",
];

pub fn scan_with(
    text: &str,
    handler: Option<&str>,
    typescript: bool,
    seeds: &[(String, String)],
) -> FileScan {
    scan_passes(text, handler, typescript, seeds, false)
}

/// `walk_every_node`: the second pass walks the whole tree again, as it did before it read
/// only the nodes the first found (the test of [`VISITED`] compares the two).
fn scan_passes(
    text: &str,
    handler: Option<&str>,
    typescript: bool,
    seeds: &[(String, String)],
    walk_every_node: bool,
) -> FileScan {
    let mut s = Scan {
        src: text.as_bytes(),
        commands: HashMap::default(),
        classes: HashMap::default(),
        aws_ns: Vec::new(),
        bare_clients: Vec::new(),
        vars: HashMap::default(),
        factories: HashMap::default(),
        out: FileScan::default(),
        handler,
        recording: false,
        env_consts: HashMap::default(),
        param_targets: HashMap::default(),
        param_keys: HashMap::default(),
        field_aliases: HashMap::default(),
    };
    for (name, enc) in seeds {
        let Some(v) = Var::decode(enc) else { continue };
        match name.strip_suffix("()") {
            Some(f) => {
                s.factories.insert(f.to_string(), v);
            }
            None => {
                s.vars.insert(name.clone(), v);
            }
        }
    }
    let grammar = if typescript {
        crate::parse::Grammar::TypeScript
    } else {
        crate::parse::Grammar::JavaScript
    };
    let Some(tree) = crate::parse::parse(grammar, text) else {
        s.out.dynamic = true;
        return s.out;
    };
    // Two passes: the first learns which names hold SDK objects (wherever they are assigned
    // or returned), the second records the calls made on them.
    let visited = crate::handler::preorder_of_kinds(&tree, VISITED, |node| s.visit(node));
    s.recording = true;
    s.out.calls.clear();
    s.out.imports.clear();
    s.out.packages.clear();
    s.out.bindings.clear();
    s.out.handler_line = None;
    if walk_every_node {
        crate::handler::preorder(&tree, |node| s.visit(node));
    } else {
        for node in visited {
            s.visit(node);
        }
    }
    let mut exported: Vec<(String, String)> = s
        .vars
        .iter()
        .filter(|(n, _)| !n.contains('.') && !seeds.iter().any(|(sn, _)| sn == *n))
        .map(|(n, v)| (n.clone(), v.encode()))
        .collect();
    exported.extend(
        s.factories
            .iter()
            .map(|(f, v)| (format!("{f}()"), v.encode())),
    );
    exported.sort();
    s.out.exported = exported;
    s.out
}

fn unquote(s: &str) -> &str {
    s.trim_matches(|c| c == '"' || c == '\'' || c == '`')
}

impl Scan<'_> {
    fn text(&self, n: Node) -> &str {
        n.utf8_text(self.src).unwrap_or("")
    }

    fn pos(n: Node) -> (u32, u32) {
        let p = n.start_position();
        (p.row as u32 + 1, p.column as u32 + 1)
    }

    fn record(&mut self, actions: Vec<String>, n: Node, target: Option<String>) {
        if !self.recording {
            return;
        }
        let (line, col) = Self::pos(n);
        let keys = if actions.iter().any(|a| crate::keys::writes_keys(a)) {
            self.written_keys(n)
        } else {
            Vec::new()
        };
        for action in actions {
            self.out.calls.push(crate::handler::ScannedCall {
                action,
                line,
                col,
                target: target.clone(),
                keys: keys.clone(),
            });
        }
    }

    /// The environment variable an expression reads: `process.env.X`, `process.env["X"]`,
    /// `process.env.X || "default"`, or a name bound to one of those.
    fn env_of(&self, n: Node) -> Option<String> {
        let n = self.unwrap(n);
        match n.kind_name() {
            "identifier" => self.env_consts.get(self.text(n)).cloned(),
            "member_expression" | "subscript_expression"
                if crate::python::is_trigger_bucket(self.text(n)) =>
            {
                Some(fnguard_model::TRIGGERING_BUCKET.to_string())
            }
            "member_expression" => {
                let obj = n.field("object")?;
                let prop = n.field("property")?;
                (self.text(obj) == "process.env").then(|| self.text(prop).to_string())
            }
            "subscript_expression" => {
                let obj = n.field("object")?;
                let index = n.field("index")?;
                (self.text(obj) == "process.env" && index.kind_name() == "string")
                    .then(|| unquote(self.text(index)).to_string())
            }
            "binary_expression" => {
                let op = n.field("operator").map(|o| self.text(o));
                if matches!(op, Some("||" | "??")) {
                    self.env_of(n.field("left")?)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The resource a parameter object names through an environment variable.
    fn param_target(&self, n: Node) -> Option<String> {
        let n = self.unwrap(n);
        match n.kind_name() {
            "identifier" => self.param_targets.get(self.text(n)).cloned(),
            "object" => {
                let mut c = n.walk();
                let props: Vec<Node> = n.named_children(&mut c).collect();
                props.into_iter().find_map(|p| match p.kind_name() {
                    // `PutEventsCommand({ Entries: [{ EventBusName: process.env.BUS, ... }] })`:
                    // the bus of the first entry.
                    // An entry that names no bus (or `"default"`) goes to the default bus.
                    "pair" if unquote(self.text(p.field("key")?)) == "Entries" => {
                        let first = self.first_entry(p.field("value")?)?;
                        match self.pair_value(first, "EventBusName") {
                            None => Some(fnguard_model::DEFAULT_EVENT_BUS.to_string()),
                            Some(v)
                                if matches!(self.literal_prefix(v),
                                    Some((name, true)) if name == "default") =>
                            {
                                Some(fnguard_model::DEFAULT_EVENT_BUS.to_string())
                            }
                            Some(v) => self.env_of(v),
                        }
                    }
                    "pair" => {
                        let key = unquote(self.text(p.field("key")?));
                        crate::python::RESOURCE_PARAMS
                            .contains(&key)
                            .then(|| self.env_of(p.field("value")?))?
                    }
                    "shorthand_property_identifier" => {
                        let key = self.text(p);
                        crate::python::RESOURCE_PARAMS
                            .contains(&key)
                            .then(|| self.env_consts.get(key).cloned())?
                    }
                    _ => None,
                })
            }
            _ => None,
        }
    }

    /// The record field an expression holds: `record.s3.object.key`, `keys["sk"]`,
    /// `decodeURIComponent(key)`, `key.replace(/\+/g, " ")`, or a name assigned one of those.
    fn field_of(&self, n: Node) -> Option<String> {
        let n = self.unwrap(n);
        match n.kind_name() {
            "member_expression" => {
                let prop = n.field("property")?;
                Some(self.text(prop).to_string())
            }
            "subscript_expression" => {
                let index = n.field("index")?;
                (index.kind_name() == "string").then(|| unquote(self.text(index)).to_string())
            }
            "identifier" => self.field_aliases.get(self.text(n)).cloned(),
            "call_expression" => {
                let f = n.field("function")?;
                let callee = self.text(f);
                if crate::keys::is_key_normaliser(callee) {
                    let first = n.field("arguments")?.named_child(0)?;
                    return self.field_of(first);
                }
                // `key.replace(/\+/g, " ")`, `key.toLowerCase()`
                if f.kind_name() == "member_expression" {
                    let method = self.text(f.field("property")?);
                    if matches!(method, "replace" | "replaceAll" | "trim" | "toString") {
                        return self.field_of(f.field("object")?);
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// `if (keys.sk.S.startsWith("product#")) {...}` (act only on those) and
    /// `if (key.startsWith("processed/")) return;` (skip those).
    fn key_filter(&mut self, node: Node) {
        let Some(mut cond) = node.field("condition") else {
            return;
        };
        let mut negated = false;
        loop {
            match cond.kind_name() {
                "parenthesized_expression" => match cond.named_child(0) {
                    Some(inner) => cond = inner,
                    None => return,
                },
                "unary_expression"
                    if cond.field("operator").is_some_and(|o| self.text(o) == "!") =>
                {
                    negated = !negated;
                    match cond.field("argument") {
                        Some(inner) => cond = inner,
                        None => return,
                    }
                }
                _ => break,
            }
        }
        if cond.kind_name() != "call_expression" {
            return;
        }
        let Some(f) = cond
            .field("function")
            .filter(|f| f.kind_name() == "member_expression")
        else {
            return;
        };
        let method = f
            .field("property")
            .map(|p| self.text(p))
            .unwrap_or_default();
        if !matches!(method, "startsWith" | "endsWith") {
            return;
        }
        let suffix = method == "endsWith";
        let Some(field) = f.field("object").and_then(|o| {
            // DynamoDB stream images wrap values in their type: `Keys.sk.S`.
            let o = self.unwrap(o);
            if o.kind_name() == "member_expression"
                && o.field("property")
                    .is_some_and(|p| matches!(self.text(p), "S" | "N" | "B"))
            {
                self.field_of(o.field("object")?)
            } else {
                self.field_of(o)
            }
        }) else {
            return;
        };
        let Some(arg) = cond
            .field("arguments")
            .and_then(|a| a.named_child(0))
            .filter(|a| a.kind_name() == "string")
        else {
            return;
        };
        let prefix = unquote(self.text(arg)).to_string();
        if prefix.is_empty() {
            return;
        }
        let exits = node.field("consequence").is_some_and(|b| {
            let last = if b.kind_name() == "statement_block" {
                let mut c = b.walk();
                b.named_children(&mut c).last()
            } else {
                Some(b)
            };
            last.is_some_and(|l| {
                matches!(
                    l.kind_name(),
                    "return_statement"
                        | "continue_statement"
                        | "break_statement"
                        | "throw_statement"
                )
            })
        });
        let only = match (negated, exits) {
            (false, false) | (true, true) => true,
            (false, true) => false,
            (true, false) => return,
        };
        let (line, col) = Self::pos(node);
        self.out
            .key_filters
            .push((field, vec![prefix], suffix, only, line, col));
    }

    /// What a written key is known to start and end with.
    /// The first object of an `Entries: [{...}]` list.
    fn first_entry<'t>(&self, list: Node<'t>) -> Option<Node<'t>> {
        let list = self.unwrap(list);
        let mut c = list.walk();
        let first = list
            .named_children(&mut c)
            .find(|e| e.kind_name() == "object");
        first
    }

    /// The value of a property of an object literal.
    fn pair_value<'t>(&self, obj: Node<'t>, name: &str) -> Option<Node<'t>> {
        let mut c = obj.walk();
        let pair = obj.named_children(&mut c).find(|e| {
            e.kind_name() == "pair"
                && e.field("key")
                    .is_some_and(|k| unquote(self.text(k)) == name)
        });
        pair.and_then(|p| p.field("value"))
    }

    fn key_literal(&self, field: String, n: Node) -> Option<fnguard_model::KeyLiteral> {
        crate::keys::key_literal(field, self.literal_prefix(n), || self.literal_suffix(n))
    }

    /// The literal end of a string expression: `` `${key}.gif` ``, `key + '.gif'`.
    fn literal_suffix(&self, n: Node) -> Option<String> {
        let n = self.unwrap(n);
        match n.kind_name() {
            "string" => Some(unquote(self.text(n)).to_string()).filter(|s| !s.is_empty()),
            "template_string" => {
                let mut c = n.walk();
                let mut tail = String::new();
                for ch in n.named_children(&mut c) {
                    if ch.kind_name() == "template_substitution" {
                        tail.clear();
                    } else {
                        tail.push_str(self.text(ch));
                    }
                }
                (!tail.is_empty()).then_some(tail)
            }
            "binary_expression" => {
                let op = n.field("operator").map(|o| self.text(o));
                (op == Some("+"))
                    .then(|| self.literal_suffix(n.field("right")?))
                    .flatten()
            }
            _ => None,
        }
    }

    /// The literal start of a string expression: (start, whether it is the whole value).
    fn literal_prefix(&self, n: Node) -> Option<(String, bool)> {
        let n = self.unwrap(n);
        match n.kind_name() {
            "string" => Some((unquote(self.text(n)).to_string(), true)),
            "template_string" => {
                let mut c = n.walk();
                let children: Vec<Node> = n.named_children(&mut c).collect();
                let substituted = children
                    .iter()
                    .any(|c| c.kind_name() == "template_substitution");
                let mut prefix = String::new();
                for ch in children {
                    if ch.kind_name() == "template_substitution" {
                        break;
                    }
                    prefix.push_str(self.text(ch));
                }
                (!substituted || !prefix.is_empty()).then_some((prefix, !substituted))
            }
            "binary_expression" => {
                let op = n.field("operator").map(|o| self.text(o));
                let (l, _) = self.literal_prefix(n.field("left")?)?;
                (op == Some("+") && !l.is_empty()).then_some((l, false))
            }
            _ => None,
        }
    }

    /// Literal key fields of a parameter object: `Key` (an S3 key, or a DynamoDB key object)
    /// and `Item`.
    fn object_keys(&self, n: Node) -> Vec<fnguard_model::KeyLiteral> {
        let n = self.unwrap(n);
        if n.kind_name() == "identifier" {
            return self
                .param_keys
                .get(self.text(n))
                .cloned()
                .unwrap_or_default();
        }
        if n.kind_name() != "object" {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut c = n.walk();
        let pairs: Vec<Node> = n
            .named_children(&mut c)
            .filter(|p| p.kind_name() == "pair")
            .collect();
        for pair in pairs {
            let (Some(k), Some(v)) = (pair.field("key"), pair.field("value")) else {
                continue;
            };
            let key = unquote(self.text(k));
            // `PutEvents`: the `Source` the events carry decides which rules match them.
            if key == "Entries" {
                if let Some(source) = self
                    .first_entry(v)
                    .and_then(|e| self.pair_value(e, "Source"))
                {
                    out.extend(self.key_literal("source".into(), source));
                }
                continue;
            }
            if key != "Key" && key != "Item" {
                continue;
            }
            let v = self.unwrap(v);
            if v.kind_name() == "object" {
                let mut c = v.walk();
                let inner: Vec<Node> = v
                    .named_children(&mut c)
                    .filter(|p| p.kind_name() == "pair")
                    .collect();
                for p in inner {
                    let (Some(fk), Some(fv)) = (p.field("key"), p.field("value")) else {
                        continue;
                    };
                    // Low-level clients wrap values: `{ S: "totalquantity" }`.
                    let fv = if fv.kind_name() == "object" {
                        let mut c = fv.walk();
                        let typed = fv
                            .named_children(&mut c)
                            .find(|p| p.kind_name() == "pair")
                            .and_then(|p| p.field("value"));
                        match typed {
                            Some(t) => t,
                            None => continue,
                        }
                    } else {
                        fv
                    };
                    if let Some(k) = self.key_literal(unquote(self.text(fk)).to_string(), fv) {
                        out.push(k);
                    }
                }
            } else if key == "Key" {
                if let Some(k) = self.key_literal("key".into(), v) {
                    out.push(k);
                }
            }
        }
        out
    }

    fn written_keys(&self, call: Node) -> Vec<fnguard_model::KeyLiteral> {
        call.field("arguments")
            .and_then(|a| a.named_child(0))
            .map(|a| self.object_keys(a))
            .unwrap_or_default()
    }

    fn first_arg_target(&self, call: Node) -> Option<String> {
        let first = call.field("arguments")?.named_child(0)?;
        self.param_target(first)
    }

    fn package(&mut self, module: &str) {
        if !self.out.packages.iter().any(|m| m == module) {
            self.out.packages.push(module.to_string());
        }
    }

    fn import(&mut self, module: &str) {
        if !self.out.imports.iter().any(|m| m == module) {
            self.out.imports.push(module.to_string());
        }
    }

    fn mark_handler(&mut self, name: &str, n: Node) {
        if self.handler == Some(name) && self.out.handler_line.is_none() {
            self.out.handler_line = Some(Self::pos(n));
        }
    }

    /// Names imported from a module (ES import clause or a destructuring `require`).
    fn bind_module(
        &mut self,
        module: &str,
        names: Vec<(String, String)>,
        default_name: Option<String>,
    ) {
        if !module.starts_with('.') {
            self.package(module);
        }
        if module.starts_with('.') {
            self.import(module);
            for (imported, local) in names {
                self.out
                    .bindings
                    .push((local, module.to_string(), imported));
            }
            if let Some(d) = default_name {
                self.out
                    .bindings
                    .push((d, module.to_string(), "*".to_string()));
            }
            return;
        }
        // `import DynamoDB from 'aws-sdk/clients/dynamodb'`: the default export is the service's
        // client class; `DocumentClient` is a named export of the DynamoDB module.
        if let Some(svc_module) = module.strip_prefix("aws-sdk/clients/") {
            let svc = service_prefix(svc_module);
            if let Some(d) = default_name {
                if let Some(svc) = svc {
                    self.classes.insert(d.clone(), Var::Client(svc));
                }
                if svc_module == "dynamodb" {
                    self.classes
                        .insert(format!("{d}.DocumentClient"), Var::DocClient);
                }
            }
            for (imported, local) in names {
                if imported == "DocumentClient" && svc_module == "dynamodb" {
                    self.classes.insert(local, Var::DocClient);
                } else if let Some(svc) = service_prefix(&imported) {
                    self.classes.insert(local, Var::Client(svc));
                }
            }
            return;
        }
        if module == "aws-sdk" || module.starts_with("aws-sdk/") {
            if let Some(d) = default_name {
                self.aws_ns.push(d);
            }
            for (imported, local) in names {
                if let Some(svc) = service_prefix(&imported) {
                    self.classes.insert(local, Var::Client(svc));
                }
            }
            return;
        }
        if module == "@aws-sdk/lib-dynamodb" {
            for (imported, local) in names {
                if doc_command(&imported).is_some() {
                    self.commands.insert(local, ("dynamodb-doc", imported));
                } else if imported == "DynamoDBDocument" {
                    self.classes.insert(local, Var::DocClient);
                }
            }
            return;
        }
        let Some(pkg) = module.strip_prefix("@aws-sdk/client-") else {
            return;
        };
        let Some(svc) = service_prefix(pkg) else {
            return;
        };
        for (imported, local) in names {
            if let Some(op) = imported.strip_suffix("Command") {
                self.commands.insert(local, (svc, op.to_string()));
            } else if imported.ends_with("Client") {
                self.bare_clients.push(local);
            } else if !imported.ends_with("Client")
                && imported.chars().next().is_some_and(char::is_uppercase)
            {
                // `S3`, `DynamoDB`: the aggregated client with one method per operation.
                self.classes.insert(local, Var::Client(svc));
            }
        }
    }

    fn what_new_makes(&self, new_expr: Node) -> Option<Var> {
        let ctor = new_expr.field("constructor")?;
        let text = self.text(ctor);
        if let Some(v) = self.classes.get(text) {
            return Some(v.clone());
        }
        if self.bare_clients.iter().any(|b| b == text) {
            return Some(Var::Bare);
        }
        // `AWS.S3`, `AWS.DynamoDB.DocumentClient`
        let mut parts = text.split('.');
        let ns = parts.next()?;
        if !self.aws_ns.iter().any(|n| n == ns) {
            return None;
        }
        let rest: Vec<&str> = parts.collect();
        match rest.as_slice() {
            ["DynamoDB", "DocumentClient"] => Some(Var::DocClient),
            [class] => service_prefix(class).map(Var::Client),
            _ => None,
        }
    }

    /// Reads a node of one of the [`VISITED`] kinds (it is given no other).
    fn visit(&mut self, node: Node) {
        match node.kind_name() {
            "import_statement" => {
                let Some(src) = node.field("source") else {
                    return;
                };
                let module = unquote(self.text(src)).to_string();
                let mut names = Vec::new();
                let mut default_name = None;
                let mut stack = vec![node];
                while let Some(n) = stack.pop() {
                    match n.kind_name() {
                        "import_specifier" => {
                            let name = n
                                .field("name")
                                .map(|x| self.text(x).to_string())
                                .unwrap_or_default();
                            let local = n
                                .field("alias")
                                .map(|x| self.text(x).to_string())
                                .unwrap_or_else(|| name.clone());
                            names.push((name, local));
                        }
                        "namespace_import" => {
                            let id = (0..n.named_child_count())
                                .filter_map(|i| n.named_child(u32::try_from(i).ok()?))
                                .find(|x| x.kind_name() == "identifier");
                            if let Some(id) = id {
                                default_name = Some(self.text(id).to_string());
                            }
                        }
                        "import_clause" => {
                            let mut c = n.walk();
                            for ch in n.named_children(&mut c) {
                                if ch.kind_name() == "identifier" {
                                    default_name = Some(self.text(ch).to_string());
                                } else {
                                    stack.push(ch);
                                }
                            }
                        }
                        _ => {
                            let mut c = n.walk();
                            stack.extend(n.named_children(&mut c));
                        }
                    }
                }
                self.bind_module(&module, names, default_name);
            }
            "variable_declarator" => {
                let (Some(name), Some(value)) = (node.field("name"), node.field("value")) else {
                    return;
                };
                if name.kind_name() == "identifier" {
                    let n = self.text(name).to_string();
                    if matches!(
                        value.kind_name(),
                        "arrow_function" | "function_expression" | "function" | "call_expression"
                    ) {
                        self.mark_handler(&n, name);
                    }
                }
                if let Some(module) = self.required_module(value) {
                    match name.kind_name() {
                        "identifier" => {
                            let local = self.text(name).to_string();
                            self.bind_module(&module, Vec::new(), Some(local));
                        }
                        "object_pattern" => {
                            let mut names = Vec::new();
                            let mut c = name.walk();
                            for p in name.named_children(&mut c) {
                                match p.kind_name() {
                                    "shorthand_property_identifier_pattern" => {
                                        let t = self.text(p).to_string();
                                        names.push((t.clone(), t));
                                    }
                                    "pair_pattern" => {
                                        if let (Some(k), Some(v)) =
                                            (p.field("key"), p.field("value"))
                                        {
                                            names.push((
                                                self.text(k).to_string(),
                                                self.text(v).to_string(),
                                            ));
                                        }
                                    }
                                    _ => {}
                                }
                            }
                            self.bind_module(&module, names, None);
                        }
                        _ => {}
                    }
                    return;
                }
                self.learn_values(name, value);
                if let Some(v) = self.value_of(value) {
                    let n = self.text(name).to_string();
                    self.vars.insert(n, v);
                } else if let Some(f) = self.factory_value(value) {
                    // `const makeS3 = () => new S3()`
                    let n = self.text(name).to_string();
                    self.factories.insert(n, f);
                }
            }
            "assignment_expression" => {
                let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
                    return;
                };
                let l = self.text(left).to_string();
                if let Some(h) = self.handler {
                    if l == format!("exports.{h}") || l == format!("module.exports.{h}") {
                        self.mark_handler(h, left);
                    }
                }
                if let Some(v) = self.value_of(right) {
                    self.vars.insert(l, v);
                }
            }
            "export_specifier" => {
                // `export { default as producer } from './kinesis/producer'`
                let exported = node.field("alias").or_else(|| node.field("name"));
                if let (Some(h), Some(e)) = (self.handler, exported) {
                    if self.text(e) == h {
                        self.mark_handler(h, e);
                    }
                }
            }
            "export_statement" => {
                if let Some(src) = node.field("source") {
                    let m = unquote(self.text(src)).to_string();
                    if m.starts_with('.') {
                        self.import(&m);
                    } else {
                        self.package(&m);
                    }
                }
            }
            "function_declaration" => {
                if let Some(name) = node.field("name") {
                    let n = self.text(name).to_string();
                    self.mark_handler(&n, name);
                }
            }
            "if_statement" if self.recording => self.key_filter(node),
            "shorthand_property_identifier" | "property_identifier" => {
                // `module.exports = { handler }` / `{ handler: main }`
                if let Some(h) = self.handler {
                    if self.text(node) == h
                        && node
                            .parent()
                            .is_some_and(|p| matches!(p.kind_name(), "object" | "pair"))
                    {
                        self.mark_handler(h, node);
                    }
                }
            }
            "new_expression" => {
                if self.recording {
                    self.escapes(node);
                }
                let Some(ctor) = node.field("constructor") else {
                    return;
                };
                let name = self.text(ctor).to_string();
                if let Some((svc, op)) = self.commands.get(&name).cloned() {
                    let actions = if svc == "dynamodb-doc" {
                        doc_command(&op)
                            .map(|a| vec![a.to_string()])
                            .unwrap_or_default()
                    } else {
                        action_for(svc, &op)
                    };
                    let target = self.first_arg_target(node);
                    self.record(actions, node, target);
                }
            }
            "return_statement" => {
                if let Some(v) = node.named_child(0).and_then(|e| self.value_of(e)) {
                    if let Some(f) = self.enclosing_function(node) {
                        self.factories.insert(f, v);
                    }
                }
            }
            "call_expression" => {
                if self.recording {
                    self.escapes(node);
                }
                self.call(node)
            }
            _ => {}
        }
    }

    /// What a declaration binds that says which resource a call acts on: environment values
    /// (`const { BUCKET } = process.env`) and parameter objects.
    fn learn_values(&mut self, name: Node, value: Node) {
        match name.kind_name() {
            "identifier" => {
                let n = self.text(name).to_string();
                match self.env_of(value) {
                    Some(env) => {
                        self.env_consts.insert(n.clone(), env);
                    }
                    None => {
                        self.env_consts.remove(&n);
                    }
                }
                match self.param_target(value) {
                    Some(env) => {
                        self.param_targets.insert(n.clone(), env);
                    }
                    None => {
                        self.param_targets.remove(&n);
                    }
                }
                let keys = self.object_keys(value);
                if keys.is_empty() {
                    self.param_keys.remove(&n);
                } else {
                    self.param_keys.insert(n.clone(), keys);
                }
                match self.field_of(value) {
                    Some(field) => {
                        self.field_aliases.insert(n, field);
                    }
                    None => {
                        self.field_aliases.remove(&n);
                    }
                }
            }
            "object_pattern" if self.text(self.unwrap(value)) == "process.env" => {
                let mut c = name.walk();
                let props: Vec<Node> = name.named_children(&mut c).collect();
                for p in props {
                    match p.kind_name() {
                        "shorthand_property_identifier_pattern" => {
                            let t = self.text(p).to_string();
                            self.env_consts.insert(t.clone(), t);
                        }
                        "pair_pattern" => {
                            if let (Some(k), Some(v)) = (p.field("key"), p.field("value")) {
                                self.env_consts.insert(
                                    self.text(v).to_string(),
                                    unquote(self.text(k)).to_string(),
                                );
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// An arrow function whose body is an SDK object (`() => new S3()`).
    fn factory_value(&self, value: Node) -> Option<Var> {
        if value.kind_name() != "arrow_function" {
            return None;
        }
        let body = value.field("body")?;
        (body.kind_name() != "statement_block").then(|| self.value_of(body))?
    }

    /// `AWSXRay.captureAWS(x)`, `tracer.captureAWSv3Client(x)`, `await x`, `(x)`: x.
    fn unwrap<'t>(&self, mut n: Node<'t>) -> Node<'t> {
        for _ in 0..8 {
            match n.kind_name() {
                "await_expression"
                | "parenthesized_expression"
                | "as_expression"
                | "non_null_expression"
                | "satisfies_expression" => match n.named_child(0) {
                    Some(inner) => n = inner,
                    None => return n,
                },
                "call_expression" => {
                    let callee = n.field("function").map(|f| self.text(f)).unwrap_or("");
                    let short = callee.rsplit('.').next().unwrap_or(callee);
                    match n.field("arguments").and_then(|a| a.named_child(0)) {
                        Some(arg) if CAPTURE_WRAPPERS.contains(&short) => n = arg,
                        _ => return n,
                    }
                }
                _ => return n,
            }
        }
        n
    }

    /// What an expression holds, when it is an SDK object.
    fn value_of(&self, n: Node) -> Option<Var> {
        let n = self.unwrap(n);
        match n.kind_name() {
            "new_expression" => self.what_new_makes(n),
            "identifier" | "member_expression" => self.vars.get(self.text(n)).cloned(),
            "call_expression" => {
                let f = n.field("function")?;
                let t = self.text(f);
                if t.starts_with("DynamoDBDocumentClient.from")
                    || t.starts_with("DynamoDBDocument.from")
                {
                    return Some(Var::DocClient);
                }
                self.factories.get(t).cloned()
            }
            _ => None,
        }
    }

    /// The function a `return` belongs to, by the name it is bound to.
    fn enclosing_function(&self, n: Node) -> Option<String> {
        let mut cur = n.parent();
        while let Some(p) = cur {
            match p.kind_name() {
                "function_declaration" | "method_definition" => {
                    return p.field("name").map(|x| self.text(x).to_string());
                }
                "arrow_function" | "function_expression" | "function" => {
                    let decl = p
                        .parent()
                        .filter(|d| d.kind_name() == "variable_declarator")?;
                    return decl.field("name").map(|x| self.text(x).to_string());
                }
                _ => {}
            }
            cur = p.parent();
        }
        None
    }

    /// An SDK object handed to code this scan does not follow: its later calls cannot be
    /// named, so "unused" cannot be proven.
    fn escapes(&mut self, call: Node) {
        let Some(f) = call.field("function").or_else(|| call.field("constructor")) else {
            return;
        };
        let callee = self.text(f);
        let short = callee.rsplit('.').next().unwrap_or(callee);
        if HARMLESS_CALLEES.contains(&short)
            || HARMLESS_CALLEES.contains(&callee)
            || CAPTURE_WRAPPERS.contains(&short)
            || callee.starts_with("DynamoDBDocumentClient.from")
            || callee.starts_with("DynamoDBDocument.from")
        {
            return;
        }
        if f.kind_name() == "member_expression" {
            if let Some(obj) = f.field("object") {
                if self.value_of(obj).is_some() {
                    return;
                }
            }
        }
        let Some(args) = call.field("arguments") else {
            return;
        };
        let mut c = args.walk();
        let passed: Vec<Node> = args.named_children(&mut c).collect();
        for a in passed {
            // A v3 client sends commands, and commands are seen wherever they are built.
            let holds = self.value_of(a).is_some_and(|v| v != Var::Bare)
                || (a.kind_name() == "identifier" && self.aws_ns.iter().any(|n| n == self.text(a)));
            if holds {
                self.out.dynamic = true;
            }
        }
    }

    fn required_module(&self, value: Node) -> Option<String> {
        let value = self.unwrap(value);
        let call = if value.kind_name() == "await_expression" {
            value.named_child(0)?
        } else {
            value
        };
        if call.kind_name() != "call_expression" {
            return None;
        }
        let f = call.field("function")?;
        if self.text(f) != "require" {
            return None;
        }
        let arg = call.field("arguments")?.named_child(0)?;
        (arg.kind_name() == "string").then(|| unquote(self.text(arg)).to_string())
    }

    fn call(&mut self, node: Node) {
        let Some(f) = node.field("function") else {
            return;
        };
        if self.text(f) == "require" {
            if let Some(arg) = node.field("arguments").and_then(|a| a.named_child(0)) {
                let m = unquote(self.text(arg)).to_string();
                if m.starts_with('.') {
                    self.import(&m);
                } else {
                    self.package(&m);
                }
            }
            return;
        }
        match f.kind_name() {
            "member_expression" => {
                let (Some(obj), Some(prop)) = (f.field("object"), f.field("property")) else {
                    return;
                };
                let op = self.text(prop).to_string();
                let recv = self.value_of(obj);
                let actions = match recv {
                    Some(Var::Client(svc))
                        if !matches!(
                            op.as_str(),
                            "send" | "destroy" | "promise" | "config" | "middlewareStack"
                        ) =>
                    {
                        action_for(svc, &op)
                    }
                    Some(Var::DocClient) => DOC_OPS
                        .iter()
                        .find(|(o, _)| *o == op)
                        .map(|(_, a)| vec![a.to_string()])
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                let target = self.first_arg_target(node);
                self.record(actions, node, target);
            }
            "subscript_expression" => {
                if let Some(obj) = f.field("object") {
                    if self.vars.contains_key(self.text(obj)) {
                        self.out.dynamic = true;
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::scan;

    /// The second pass reads only the nodes of the kinds in `VISITED` the first pass found; on
    /// every JavaScript and TypeScript file of the repository that gives what a walk of every
    /// node gave.
    #[test]
    fn the_second_pass_reads_what_a_walk_of_every_node_reads() {
        let sources = crate::repository_sources(&["js", "mjs", "cjs", "ts", "tsx"]);
        assert!(sources.len() > 100, "{}", sources.len());
        for (path, text) in sources {
            let typescript = path.extension().is_some_and(|x| x == "ts" || x == "tsx");
            for handler in [None, Some("handler"), Some("main")] {
                assert_eq!(
                    super::scan_passes(&text, handler, typescript, &[], false),
                    super::scan_passes(&text, handler, typescript, &[], true),
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
    fn sdk_v3_commands_and_lib_dynamodb() {
        let src = r#"
import { S3Client, GetObjectCommand, PutObjectCommand as Put } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
const s3 = new S3Client({});
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (event) => {
  await s3.send(new GetObjectCommand({ Bucket: "b", Key: "k" }));
  await s3.send(new Put({ Bucket: "b", Key: "k" }));
  await doc.send(new PutCommand({ TableName: "t", Item: {} }));
  await doc.send(new QueryCommand({ TableName: "t" }));
};
"#;
        assert_eq!(
            actions(src),
            vec![
                "dynamodb:PutItem",
                "dynamodb:Query",
                "s3:GetObject",
                "s3:PutObject"
            ]
        );
        assert_eq!(
            scan(src, Some("handler")).handler_line.map(|l| l.0),
            Some(7)
        );
    }

    #[test]
    fn sdk_v2_clients_and_document_client() {
        let src = r#"
const AWS = require('aws-sdk');
const { SQS } = require('aws-sdk');
const ddb = new AWS.DynamoDB.DocumentClient();
const sqs = new SQS();
const lambda = new AWS.Lambda();
exports.handler = async (event) => {
  await ddb.put({ TableName: 't', Item: {} }).promise();
  await ddb.scan({ TableName: 't' }).promise();
  await sqs.sendMessage({ QueueUrl: 'q', MessageBody: 'm' }).promise();
  await lambda.invoke({ FunctionName: 'f' }).promise();
  const helper = require('./lib/helper');
};
"#;
        assert_eq!(
            actions(src),
            vec![
                "dynamodb:PutItem",
                "dynamodb:Scan",
                "lambda:InvokeFunction",
                "sqs:SendMessage"
            ]
        );
        let s = scan(src, Some("handler"));
        assert_eq!(s.handler_line.map(|l| l.0), Some(7));
        assert_eq!(s.imports, vec!["./lib/helper"]);
    }

    #[test]
    fn typescript_handlers() {
        let src = "import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\nimport type { APIGatewayProxyEvent } from 'aws-lambda';\nconst sqs = new SQSClient({});\nexport const handler = async (event: APIGatewayProxyEvent): Promise<{ statusCode: number }> => {\n  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.Q as string, MessageBody: event.body ?? '' }));\n  return { statusCode: 202 };\n};\n";
        let s = super::scan_as(src, Some("handler"), true);
        assert_eq!(s.handler_line.map(|l| l.0), Some(4));
        assert_eq!(
            s.calls
                .iter()
                .map(|c| c.action.as_str())
                .collect::<Vec<_>>(),
            vec!["sqs:SendMessage"]
        );
    }

    #[test]
    fn computed_method_names_make_the_scan_incomplete() {
        let s = scan(
            "const AWS = require('aws-sdk');\nconst s3 = new AWS.S3();\ns3[op]({});\n",
            None,
        );
        assert!(s.dynamic);
    }

    #[test]
    fn xray_and_powertools_wrappers_return_the_sdk_they_wrap() {
        let src = r#"
const AWSXRay = require('aws-xray-sdk-core');
const AWS = AWSXRay.captureAWS(require('aws-sdk'));
const { Tracer } = require('@aws-lambda-powertools/tracer');
const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const tracer = new Tracer();
const ddb = tracer.captureAWSv3Client(new DynamoDBClient({}));
const sqs = AWSXRay.captureAWSClient(new AWS.SQS());
exports.handler = async (event) => {
  await new AWS.S3().putObject({ Bucket: 'b', Key: 'k', Body: 'x' }).promise();
  await sqs.sendMessage({ QueueUrl: 'q', MessageBody: 'm' }).promise();
  await ddb.send(new PutItemCommand({ TableName: 't', Item: {} }));
};
"#;
        let s = scan(src, Some("handler"));
        assert!(!s.dynamic);
        assert_eq!(
            actions(src),
            vec!["dynamodb:PutItem", "s3:PutObject", "sqs:SendMessage"]
        );
    }

    #[test]
    fn factories_escapes_and_imported_clients() {
        let src = r#"
const AWS = require('aws-sdk');
const makeQueue = () => new AWS.SQS();
function docs() { return new AWS.DynamoDB.DocumentClient(); }
exports.handler = async () => {
  await makeQueue().sendMessage({}).promise();
  await docs().put({}).promise();
};
"#;
        assert_eq!(actions(src), vec!["dynamodb:PutItem", "sqs:SendMessage"]);
        assert!(!scan(src, None).dynamic);
        let escaping = "const AWS = require('aws-sdk');\nconst s3 = new AWS.S3();\nconst repo = new Repo(s3);\n";
        assert!(scan(escaping, None).dynamic);
        let imported =
            "const { s3 } = require('./clients');\nexports.h = () => s3.getObject({}).promise();\n";
        assert!(scan(imported, None).calls.is_empty());
        let seeded = super::scan_with(imported, None, false, &[("s3".into(), "client:s3".into())]);
        assert_eq!(seeded.calls.len(), 1);
        assert_eq!(seeded.calls[0].action, "s3:GetObject");
        let exporting =
            "const AWS = require('aws-sdk');\nconst s3 = new AWS.S3();\nmodule.exports = { s3 };\n";
        assert!(scan(exporting, None)
            .exported
            .contains(&("s3".to_string(), "client:s3".to_string())));
    }

    #[test]
    fn the_resource_a_call_acts_on_is_named_by_its_environment_variable() {
        let src = r#"
const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
const AWS = require('aws-sdk');
const { DEST_BUCKET, TABLE: tableName } = process.env;
const QUEUE = process.env['QUEUE_URL'] || '';
const s3 = new S3Client({});
const ddb = new AWS.DynamoDB.DocumentClient();
const sqs = new AWS.SQS();
exports.handler = async (event) => {
  await s3.send(new PutObjectCommand({ Bucket: DEST_BUCKET, Key: 'k', Body: '' }));
  const params = { TableName: tableName, Item: {} };
  await ddb.put(params).promise();
  await sqs.sendMessage({ QueueUrl: QUEUE, MessageBody: 'm' }).promise();
  await ddb.get({ TableName: event.table, Key: {} }).promise();
};
"#;
        let got: Vec<(String, Option<String>)> = scan(src, None)
            .calls
            .into_iter()
            .map(|c| (c.action, c.target))
            .collect();
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            got,
            vec![
                ("s3:PutObject".to_string(), s("DEST_BUCKET")),
                ("dynamodb:PutItem".to_string(), s("TABLE")),
                ("sqs:SendMessage".to_string(), s("QUEUE_URL")),
                ("dynamodb:GetItem".to_string(), None),
            ]
        );
    }
}

#[cfg(test)]
mod client_module_tests {
    #[test]
    fn clients_of_per_service_modules_are_sdk_objects_and_escape_when_passed_on() {
        let lib = "import { DocumentClient } from 'aws-sdk/clients/dynamodb';\nimport S3 from 'aws-sdk/clients/s3';\nlet client: DocumentClient;\nclient = new DocumentClient();\nexport let DefaultDocumentClient: DocumentClientInterface = client;\nconst s3 = new S3();\nexport const head = () => s3.headObject({}).promise();\n";
        let s = super::scan_as(lib, None, true);
        assert!(s
            .exported
            .contains(&("DefaultDocumentClient".to_string(), "doc".to_string())));
        assert_eq!(
            s.calls
                .iter()
                .map(|c| c.action.as_str())
                .collect::<Vec<_>>(),
            ["s3:GetObject"]
        );
        // The handler hands the imported client to a function typed by an interface.
        let handler = "import { DefaultDocumentClient } from './lib/document_client';\nconst client = DefaultDocumentClient;\nexport const addPoints = async (c: DocumentClientInterface) => { await c.put({}).promise(); };\nexport const handler = async (e) => { await addPoints(client); };\n";
        let seeds = vec![("DefaultDocumentClient".to_string(), "doc".to_string())];
        assert!(super::scan_with(handler, Some("handler"), true, &seeds).dynamic);
    }
}
