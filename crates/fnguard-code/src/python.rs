//! boto3 in Python: clients (`boto3.client("s3")`), resources and their tables, buckets and
//! objects, paginators; and the local modules a file imports.

use crate::handler::FileScan;
use crate::mapping::{action_for, service_prefix};
use std::collections::HashMap;
use tree_sitter::{Node, Parser};

#[derive(Clone, Copy, PartialEq)]
enum Var {
    Client(&'static str),
    Resource(&'static str),
    Table,
    Bucket,
    Object,
}

struct Scan<'a> {
    src: &'a [u8],
    vars: HashMap<String, Var>,
    out: FileScan,
    handler: Option<&'a str>,
}

pub fn scan(text: &str, handler: Option<&str>) -> FileScan {
    let mut s = Scan {
        src: text.as_bytes(),
        vars: HashMap::new(),
        out: FileScan {
            calls: Vec::new(),
            dynamic: false,
            imports: Vec::new(),
            handler_line: None,
        },
        handler,
    };
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .is_err()
    {
        s.out.dynamic = true;
        return s.out;
    }
    let Some(tree) = parser.parse(text, None) else {
        s.out.dynamic = true;
        return s.out;
    };
    // Pre-order, iteratively: assignments are seen before the calls that follow them.
    crate::handler::preorder(&tree, |node| s.visit(node));
    s.out
}

impl Scan<'_> {
    fn text(&self, n: Node) -> &str {
        n.utf8_text(self.src).unwrap_or("")
    }

    fn string_arg(&self, call: Node) -> Option<String> {
        let args = call.child_by_field_name("arguments")?;
        let first = args.named_child(0)?;
        if first.kind() != "string" {
            return None;
        }
        let t = self.text(first);
        Some(t.trim_matches(|c| c == '"' || c == '\'').to_string())
    }

    /// What a call expression evaluates to, if it creates an SDK object.
    fn classify(&mut self, call: Node) -> Option<Var> {
        let func = call.child_by_field_name("function")?;
        let name = match func.kind() {
            "attribute" => self
                .text(func.child_by_field_name("attribute")?)
                .to_string(),
            "identifier" => self.text(func).to_string(),
            _ => return None,
        };
        let receiver = func
            .child_by_field_name("object")
            .map(|o| self.text(o).to_string());
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
                let object = func.child_by_field_name("object")?;
                let recv = if object.kind() == "call" {
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
            _ => None,
        }
    }

    fn record(&mut self, actions: Vec<String>, node: Node) {
        let p = node.start_position();
        for a in actions {
            self.out
                .calls
                .push((a, p.row as u32 + 1, p.column as u32 + 1));
        }
    }

    fn visit(&mut self, node: Node) {
        match node.kind() {
            "assignment" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return;
                };
                // `handler = Mangum(app)`: a module-level wrapper is the handler.
                if let Some(h) = self.handler {
                    if left.kind() == "identifier"
                        && self.text(left) == h
                        && self.out.handler_line.is_none()
                        && node
                            .parent()
                            .and_then(|p| p.parent())
                            .is_some_and(|m| m.kind() == "module")
                    {
                        let p = left.start_position();
                        self.out.handler_line = Some((p.row as u32 + 1, p.column as u32 + 1));
                    }
                }
                if right.kind() == "call" {
                    if let Some(v) = self.classify(right) {
                        let name = self.text(left).to_string();
                        self.vars.insert(name, v);
                    }
                }
            }
            "call" => self.call(node),
            "function_definition" => {
                if let (Some(h), Some(name)) = (self.handler, node.child_by_field_name("name")) {
                    if self.text(name) == h && self.out.handler_line.is_none() {
                        let p = name.start_position();
                        self.out.handler_line = Some((p.row as u32 + 1, p.column as u32 + 1));
                    }
                }
            }
            "import_statement" => {
                let mut c = node.walk();
                for n in node.named_children(&mut c) {
                    let target = if n.kind() == "aliased_import" {
                        n.child_by_field_name("name")
                    } else {
                        Some(n)
                    };
                    if let Some(t) = target {
                        self.out.imports.push(self.text(t).to_string());
                    }
                }
            }
            "import_from_statement" => {
                if let Some(m) = node.child_by_field_name("module_name") {
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
                            let name = n.child_by_field_name("name").unwrap_or(n);
                            self.out
                                .imports
                                .push(format!("{module}.{}", self.text(name)));
                        }
                        self.out.imports.push(module);
                    }
                }
            }
            _ => {}
        }
    }

    fn call(&mut self, node: Node) {
        let Some(func) = node.child_by_field_name("function") else {
            return;
        };
        if func.kind() == "identifier" && self.text(func) == "getattr" {
            // getattr(client, name)(...) hides which operation runs.
            if let Some(args) = node.child_by_field_name("arguments") {
                let first = args.named_child(0);
                if first.is_some_and(|f| self.vars.contains_key(self.text(f))) {
                    self.out.dynamic = true;
                }
            }
            return;
        }
        if func.kind() != "attribute" {
            return;
        }
        let (Some(obj), Some(attr)) = (
            func.child_by_field_name("object"),
            func.child_by_field_name("attribute"),
        ) else {
            return;
        };
        let op = self.text(attr).to_string();
        let recv = if obj.kind() == "call" {
            self.classify(obj)
        } else {
            self.vars.get(self.text(obj)).copied()
        };
        let Some(recv) = recv else {
            // `bucket.objects.all()` / `.filter()`: listing through a collection.
            if obj.kind() == "attribute" {
                if let Some(inner) = obj.child_by_field_name("object") {
                    if self.vars.get(self.text(inner)).copied() == Some(Var::Bucket)
                        && matches!(op.as_str(), "all" | "filter" | "delete")
                    {
                        let a = if op == "delete" {
                            "s3:DeleteObject"
                        } else {
                            "s3:ListBucket"
                        };
                        self.record(vec![a.to_string()], node);
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
            Var::Resource(_) => Vec::new(),
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
        self.record(actions, node);
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
}
