//! AWS SDK in JavaScript/TypeScript: v3 commands (`new GetObjectCommand`) and aggregated
//! clients (`new S3().getObject`), `@aws-sdk/lib-dynamodb`, v2 clients (`new AWS.S3()`) and
//! `DocumentClient`; the handler's definition; relative imports.

use crate::handler::FileScan;
use crate::mapping::{action_for, service_prefix};
use std::collections::HashMap;
use tree_sitter::{Node, Parser};

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
pub fn scan_with(
    text: &str,
    handler: Option<&str>,
    typescript: bool,
    seeds: &[(String, String)],
) -> FileScan {
    let mut s = Scan {
        src: text.as_bytes(),
        commands: HashMap::new(),
        classes: HashMap::new(),
        aws_ns: Vec::new(),
        bare_clients: Vec::new(),
        vars: HashMap::new(),
        factories: HashMap::new(),
        out: FileScan::default(),
        handler,
        recording: false,
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
    let mut parser = Parser::new();
    let language: tree_sitter::Language = if typescript {
        tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()
    } else {
        tree_sitter_javascript::LANGUAGE.into()
    };
    if parser.set_language(&language).is_err() {
        s.out.dynamic = true;
        return s.out;
    }
    let Some(tree) = parser.parse(text, None) else {
        s.out.dynamic = true;
        return s.out;
    };
    // Two passes: the first learns which names hold SDK objects (wherever they are assigned
    // or returned), the second records the calls made on them.
    crate::handler::preorder(&tree, |node| s.visit(node));
    s.recording = true;
    s.out.calls.clear();
    s.out.imports.clear();
    s.out.bindings.clear();
    s.out.handler_line = None;
    crate::handler::preorder(&tree, |node| s.visit(node));
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

    fn record(&mut self, actions: Vec<String>, n: Node) {
        if !self.recording {
            return;
        }
        let (l, c) = Self::pos(n);
        for a in actions {
            self.out.calls.push((a, l, c));
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
        let ctor = new_expr.child_by_field_name("constructor")?;
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

    fn visit(&mut self, node: Node) {
        match node.kind() {
            "import_statement" => {
                let Some(src) = node.child_by_field_name("source") else {
                    return;
                };
                let module = unquote(self.text(src)).to_string();
                let mut names = Vec::new();
                let mut default_name = None;
                let mut stack = vec![node];
                while let Some(n) = stack.pop() {
                    match n.kind() {
                        "import_specifier" => {
                            let name = n
                                .child_by_field_name("name")
                                .map(|x| self.text(x).to_string())
                                .unwrap_or_default();
                            let local = n
                                .child_by_field_name("alias")
                                .map(|x| self.text(x).to_string())
                                .unwrap_or_else(|| name.clone());
                            names.push((name, local));
                        }
                        "namespace_import" => {
                            let id = (0..n.named_child_count())
                                .filter_map(|i| n.named_child(i))
                                .find(|x| x.kind() == "identifier");
                            if let Some(id) = id {
                                default_name = Some(self.text(id).to_string());
                            }
                        }
                        "import_clause" => {
                            let mut c = n.walk();
                            for ch in n.named_children(&mut c) {
                                if ch.kind() == "identifier" {
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
                let (Some(name), Some(value)) = (
                    node.child_by_field_name("name"),
                    node.child_by_field_name("value"),
                ) else {
                    return;
                };
                if name.kind() == "identifier" {
                    let n = self.text(name).to_string();
                    if matches!(
                        value.kind(),
                        "arrow_function" | "function_expression" | "function" | "call_expression"
                    ) {
                        self.mark_handler(&n, name);
                    }
                }
                if let Some(module) = self.required_module(value) {
                    match name.kind() {
                        "identifier" => {
                            let local = self.text(name).to_string();
                            self.bind_module(&module, Vec::new(), Some(local));
                        }
                        "object_pattern" => {
                            let mut names = Vec::new();
                            let mut c = name.walk();
                            for p in name.named_children(&mut c) {
                                match p.kind() {
                                    "shorthand_property_identifier_pattern" => {
                                        let t = self.text(p).to_string();
                                        names.push((t.clone(), t));
                                    }
                                    "pair_pattern" => {
                                        if let (Some(k), Some(v)) = (
                                            p.child_by_field_name("key"),
                                            p.child_by_field_name("value"),
                                        ) {
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
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
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
                let exported = node
                    .child_by_field_name("alias")
                    .or_else(|| node.child_by_field_name("name"));
                if let (Some(h), Some(e)) = (self.handler, exported) {
                    if self.text(e) == h {
                        self.mark_handler(h, e);
                    }
                }
            }
            "export_statement" => {
                if let Some(src) = node.child_by_field_name("source") {
                    let m = unquote(self.text(src)).to_string();
                    if m.starts_with('.') {
                        self.import(&m);
                    }
                }
            }
            "function_declaration" => {
                if let Some(name) = node.child_by_field_name("name") {
                    let n = self.text(name).to_string();
                    self.mark_handler(&n, name);
                }
            }
            "shorthand_property_identifier" | "property_identifier" => {
                // `module.exports = { handler }` / `{ handler: main }`
                if let Some(h) = self.handler {
                    if self.text(node) == h
                        && node
                            .parent()
                            .is_some_and(|p| matches!(p.kind(), "object" | "pair"))
                    {
                        self.mark_handler(h, node);
                    }
                }
            }
            "new_expression" => {
                if self.recording {
                    self.escapes(node);
                }
                let Some(ctor) = node.child_by_field_name("constructor") else {
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
                    self.record(actions, node);
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

    /// An arrow function whose body is an SDK object (`() => new S3()`).
    fn factory_value(&self, value: Node) -> Option<Var> {
        if value.kind() != "arrow_function" {
            return None;
        }
        let body = value.child_by_field_name("body")?;
        (body.kind() != "statement_block").then(|| self.value_of(body))?
    }

    /// `AWSXRay.captureAWS(x)`, `tracer.captureAWSv3Client(x)`, `await x`, `(x)`: x.
    fn unwrap<'t>(&self, mut n: Node<'t>) -> Node<'t> {
        for _ in 0..8 {
            match n.kind() {
                "await_expression"
                | "parenthesized_expression"
                | "as_expression"
                | "non_null_expression"
                | "satisfies_expression" => match n.named_child(0) {
                    Some(inner) => n = inner,
                    None => return n,
                },
                "call_expression" => {
                    let callee = n
                        .child_by_field_name("function")
                        .map(|f| self.text(f))
                        .unwrap_or("");
                    let short = callee.rsplit('.').next().unwrap_or(callee);
                    match n
                        .child_by_field_name("arguments")
                        .and_then(|a| a.named_child(0))
                    {
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
        match n.kind() {
            "new_expression" => self.what_new_makes(n),
            "identifier" | "member_expression" => self.vars.get(self.text(n)).cloned(),
            "call_expression" => {
                let f = n.child_by_field_name("function")?;
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
            match p.kind() {
                "function_declaration" | "method_definition" => {
                    return p
                        .child_by_field_name("name")
                        .map(|x| self.text(x).to_string());
                }
                "arrow_function" | "function_expression" | "function" => {
                    let decl = p.parent().filter(|d| d.kind() == "variable_declarator")?;
                    return decl
                        .child_by_field_name("name")
                        .map(|x| self.text(x).to_string());
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
        let Some(f) = call
            .child_by_field_name("function")
            .or_else(|| call.child_by_field_name("constructor"))
        else {
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
        if f.kind() == "member_expression" {
            if let Some(obj) = f.child_by_field_name("object") {
                if self.value_of(obj).is_some() {
                    return;
                }
            }
        }
        let Some(args) = call.child_by_field_name("arguments") else {
            return;
        };
        let mut c = args.walk();
        let passed: Vec<Node> = args.named_children(&mut c).collect();
        for a in passed {
            // A v3 client sends commands, and commands are seen wherever they are built.
            let holds = self.value_of(a).is_some_and(|v| v != Var::Bare)
                || (a.kind() == "identifier" && self.aws_ns.iter().any(|n| n == self.text(a)));
            if holds {
                self.out.dynamic = true;
            }
        }
    }

    fn required_module(&self, value: Node) -> Option<String> {
        let value = self.unwrap(value);
        let call = if value.kind() == "await_expression" {
            value.named_child(0)?
        } else {
            value
        };
        if call.kind() != "call_expression" {
            return None;
        }
        let f = call.child_by_field_name("function")?;
        if self.text(f) != "require" {
            return None;
        }
        let arg = call.child_by_field_name("arguments")?.named_child(0)?;
        (arg.kind() == "string").then(|| unquote(self.text(arg)).to_string())
    }

    fn call(&mut self, node: Node) {
        let Some(f) = node.child_by_field_name("function") else {
            return;
        };
        if self.text(f) == "require" {
            if let Some(arg) = node
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
            {
                let m = unquote(self.text(arg)).to_string();
                if m.starts_with('.') {
                    self.import(&m);
                }
            }
            return;
        }
        match f.kind() {
            "member_expression" => {
                let (Some(obj), Some(prop)) = (
                    f.child_by_field_name("object"),
                    f.child_by_field_name("property"),
                ) else {
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
                self.record(actions, node);
            }
            "subscript_expression" => {
                if let Some(obj) = f.child_by_field_name("object") {
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

    fn actions(src: &str) -> Vec<String> {
        let mut a: Vec<String> = scan(src, None).calls.into_iter().map(|c| c.0).collect();
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
            s.calls.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
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
        assert_eq!(seeded.calls[0].0, "s3:GetObject");
        let exporting =
            "const AWS = require('aws-sdk');\nconst s3 = new AWS.S3();\nmodule.exports = { s3 };\n";
        assert!(scan(exporting, None)
            .exported
            .contains(&("s3".to_string(), "client:s3".to_string())));
    }
}
