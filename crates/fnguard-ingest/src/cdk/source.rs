//! Reads CDK application source (TypeScript/JavaScript or Python) into the constructs it
//! instantiates and the methods it calls on them, with their arguments as values: literals,
//! local constants, references to other constructs and enum members (`Runtime.NODEJS_20_X`).
//! Anything else stays an unknown with its reason.

use std::collections::HashMap;
use std::sync::Arc;
use tree_sitter::{Node as TsNode, Parser};

/// Expressions nested deeper than this are unknown (hostile or generated input).
const MAX_DEPTH: usize = 64;

/// A value as the source writes it, at its position.
#[derive(Debug, Clone)]
pub(crate) struct Val {
    pub v: V,
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone)]
pub(crate) enum V {
    Str(String),
    Num(String),
    Bool(bool),
    List(Vec<Val>),
    /// Object literal or keyword arguments; keys in camelCase.
    Map(Vec<(String, Val)>),
    /// A construct of the application, by index.
    Construct(usize),
    /// An attribute of a construct (`table.tableName`, `queue.queueArn`).
    Attr(usize, String),
    /// A path of a REST API construct (`api.root.addResource("items")`): `""` is the root.
    ApiPath(usize, String),
    /// A dotted name that is no construct: an enum member or a library constant
    /// (`lambda.Runtime.NODEJS_20_X`, `FunctionUrlAuthType.NONE`).
    Member(String),
    /// A call or instantiation that makes no construct (`Duration.seconds(30)`,
    /// `new SqsEventSource(queue)`, `new PolicyStatement({...})`): last segment of the callee.
    Call(String, Vec<Val>),
    Unknown(String),
}

/// `new lambda.Function(this, "Id", {...})`.
#[derive(Debug, Clone)]
pub(crate) struct Construct {
    /// The class's last segment (`Function`, `Queue`).
    pub class: String,
    pub id: String,
    pub props: Val,
    /// The class whose body declares it (`OrdersStack`), for the construct path.
    pub scope: String,
    pub at: Val,
}

/// `fn.addEventSource(...)`, `queue.grantSendMessages(fn)`: a method of a construct.
#[derive(Debug, Clone)]
pub(crate) struct MethodCall {
    pub target: usize,
    /// camelCase (`add_event_source` is read as `addEventSource`).
    pub method: String,
    pub args: Vec<Val>,
    pub at: Val,
}

#[derive(Debug, Default)]
pub(crate) struct App {
    pub constructs: Vec<Construct>,
    pub calls: Vec<MethodCall>,
    /// (file, line, message): what could not be read.
    pub problems: Vec<(String, u32, String)>,
}

/// Construct classes read (last segment of the class name).
pub(crate) const CONSTRUCTS: &[&str] = &[
    "Function",
    "NodejsFunction",
    "PythonFunction",
    "DockerImageFunction",
    "SingletonFunction",
    "GoFunction",
    "Queue",
    "Topic",
    "Bucket",
    "Table",
    "TableV2",
    "Stream",
    "EventBus",
    "Rule",
    "FunctionUrl",
    "RestApi",
    "LambdaRestApi",
    "SpecRestApi",
    "HttpApi",
    "Role",
    "Secret",
];

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Lang {
    TypeScript,
    Python,
}

pub(crate) fn camel(s: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for (i, c) in s.chars().enumerate() {
        if c == '_' && i > 0 {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

struct Reader<'a> {
    src: &'a [u8],
    file: Arc<str>,
    lang: Lang,
    app: &'a mut App,
    /// Names bound in this file (`const q = ...`, `this.q = ...`, `self.q = ...`).
    scope: HashMap<String, Val>,
    class: String,
}

pub(crate) fn read(app: &mut App, file: &str, text: &str, lang: Lang) {
    let mut parser = Parser::new();
    let language = match lang {
        Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Lang::Python => tree_sitter_python::LANGUAGE.into(),
    };
    if parser.set_language(&language).is_err() {
        return;
    }
    let Some(tree) = parser.parse(text, None) else {
        app.problems
            .push((file.to_string(), 1, "could not be parsed".to_string()));
        return;
    };
    let mut r = Reader {
        src: text.as_bytes(),
        file: Arc::from(file),
        lang,
        app,
        scope: HashMap::new(),
        class: String::new(),
    };
    r.walk(tree.root_node(), 0);
}

impl Reader<'_> {
    fn text(&self, n: TsNode) -> String {
        n.utf8_text(self.src).unwrap_or_default().to_string()
    }

    fn val(&self, n: TsNode, v: V) -> Val {
        let p = n.start_position();
        Val {
            v,
            file: self.file.clone(),
            line: p.row as u32 + 1,
            column: p.column as u32 + 1,
        }
    }

    /// Statements in source order: bindings first, so later uses resolve.
    fn walk(&mut self, n: TsNode, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match n.kind() {
            "class_declaration" | "class_definition" | "abstract_class_declaration" => {
                let saved = std::mem::take(&mut self.class);
                self.class = n
                    .child_by_field_name("name")
                    .map(|c| self.text(c))
                    .unwrap_or_default();
                self.children(n, depth);
                self.class = saved;
                return;
            }
            "variable_declarator" => {
                if let (Some(name), Some(value)) = (
                    n.child_by_field_name("name"),
                    n.child_by_field_name("value"),
                ) {
                    let v = self.expr(value, depth + 1);
                    if name.kind() == "identifier" {
                        self.scope.insert(self.text(name), v);
                    }
                    return;
                }
            }
            "assignment_expression" | "assignment" => {
                if let (Some(left), Some(right)) = (
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                ) {
                    let v = self.expr(right, depth + 1);
                    let name = self.text(left);
                    // `this.queue = ...`, `self.queue = ...`, `queue = ...`.
                    self.scope.insert(name, v);
                    return;
                }
            }
            "call_expression" | "call" | "new_expression" => {
                self.expr(n, depth + 1);
                return;
            }
            _ => {}
        }
        self.children(n, depth);
    }

    fn children(&mut self, n: TsNode, depth: usize) {
        let mut c = n.walk();
        let kids: Vec<TsNode> = n.named_children(&mut c).collect();
        for k in kids {
            self.walk(k, depth + 1);
        }
    }

    fn dotted(&self, n: TsNode) -> Option<String> {
        match n.kind() {
            "identifier" | "this" | "self" | "property_identifier" => Some(self.text(n)),
            "member_expression" => Some(format!(
                "{}.{}",
                self.dotted(n.child_by_field_name("object")?)?,
                self.text(n.child_by_field_name("property")?)
            )),
            "attribute" => Some(format!(
                "{}.{}",
                self.dotted(n.child_by_field_name("object")?)?,
                self.text(n.child_by_field_name("attribute")?)
            )),
            "non_null_expression" | "parenthesized_expression" => self.dotted(n.named_child(0)?),
            _ => None,
        }
    }

    fn expr(&mut self, n: TsNode, depth: usize) -> Val {
        if depth > MAX_DEPTH {
            return self.val(n, V::Unknown("nested too deeply".into()));
        }
        let d = depth + 1;
        match n.kind() {
            "string" => {
                let t = self.text(n);
                // Python string prefixes and quotes.
                let t = t.trim_start_matches(['r', 'b', 'u', 'R', 'B', 'U']);
                if t.starts_with('f') {
                    return self.val(n, V::Unknown("a formatted string".into()));
                }
                let inner = t
                    .trim_start_matches("\"\"\"")
                    .trim_end_matches("\"\"\"")
                    .trim_matches(['"', '\'']);
                self.val(n, V::Str(inner.to_string()))
            }
            "template_string" => {
                let mut c = n.walk();
                if n.named_children(&mut c)
                    .any(|k| k.kind() == "template_substitution")
                {
                    return self.val(n, V::Unknown("a template string with substitutions".into()));
                }
                let t = self.text(n);
                self.val(n, V::Str(t.trim_matches('`').to_string()))
            }
            "number" | "integer" | "float" => {
                let t = self.text(n).replace('_', "");
                self.val(n, V::Num(t))
            }
            "true" => self.val(n, V::Bool(true)),
            "false" => self.val(n, V::Bool(false)),
            "parenthesized_expression"
            | "non_null_expression"
            | "as_expression"
            | "satisfies_expression"
            | "await_expression" => match n.named_child(0) {
                Some(c) => self.expr(c, d),
                None => self.val(n, V::Unknown("empty".into())),
            },
            "array" | "list" | "tuple" => {
                let mut c = n.walk();
                let items: Vec<TsNode> = n.named_children(&mut c).collect();
                let vals = items
                    .into_iter()
                    .filter(|i| i.kind() != "comment")
                    .map(|i| self.expr(i, d))
                    .collect();
                self.val(n, V::List(vals))
            }
            "object" | "dictionary" => {
                let mut c = n.walk();
                let pairs: Vec<TsNode> = n.named_children(&mut c).collect();
                let mut out = Vec::new();
                for p in pairs {
                    match p.kind() {
                        "pair" => {
                            let (Some(k), Some(v)) =
                                (p.child_by_field_name("key"), p.child_by_field_name("value"))
                            else {
                                continue;
                            };
                            let key = self.text(k).trim_matches(['"', '\'']).to_string();
                            let value = self.expr(v, d);
                            out.push((key, value));
                        }
                        "shorthand_property_identifier" => {
                            let name = self.text(p);
                            let value = self.lookup(p, &name);
                            out.push((name, value));
                        }
                        _ => {}
                    }
                }
                self.val(n, V::Map(out))
            }
            "identifier" | "this" | "member_expression" | "attribute" => {
                let Some(name) = self.dotted(n) else {
                    return self.val(n, V::Unknown(format!("`{}`", self.text(n))));
                };
                self.lookup(n, &name)
            }
            "new_expression" | "call_expression" | "call" => self.call(n, d),
            _ => {
                let t = self.text(n);
                let short: String = t.chars().take(40).collect();
                self.val(n, V::Unknown(format!("`{short}`")))
            }
        }
    }

    /// A name: a binding of this file, a construct's attribute, or a library constant.
    fn lookup(&self, n: TsNode, name: &str) -> Val {
        if let Some(v) = self.scope.get(name) {
            let mut v = v.clone();
            // Where it is used, not where it was bound, is what a finding points at; but
            // constructs keep their own position.
            if !matches!(v.v, V::Construct(_)) {
                let here = self.val(n, V::Bool(false));
                v.line = here.line;
                v.column = here.column;
                v.file = here.file;
            }
            return v;
        }
        // `table.tableName`: an attribute of a bound construct.
        if let Some((base, attr)) = name.rsplit_once('.') {
            if let Some(Val {
                v: V::Construct(i), ..
            }) = self.scope.get(base)
            {
                return self.val(n, V::Attr(*i, camel(attr)));
            }
        }
        if name.contains('.') {
            return self.val(n, V::Member(name.to_string()));
        }
        self.val(
            n,
            V::Unknown(format!("`{name}` is not a value fnguard can read here")),
        )
    }

    fn call(&mut self, n: TsNode, d: usize) -> Val {
        let is_new = n.kind() == "new_expression";
        let func = n
            .child_by_field_name("function")
            .or_else(|| n.child_by_field_name("constructor"));
        let callee = func.and_then(|f| self.dotted(f)).unwrap_or_default();
        let (args, kwargs) = self.arguments(n, d);
        // `from_asset` (Python) is `fromAsset`.
        let last = camel(callee.rsplit('.').next().unwrap_or(""));
        let capitalised = last.chars().next().is_some_and(char::is_uppercase);
        // A construct: `new X(scope, "Id", props)` / `X(self, "Id", **props)`.
        if (is_new || (self.lang == Lang::Python && capitalised))
            && CONSTRUCTS.contains(&last.as_str())
            && args.len() >= 2
            // A scope comes first; JavaScript's own `new Function("a", "return a")` has none.
            && !matches!(args[0].v, V::Str(_))
        {
            if let V::Str(id) = &args[1].v {
                let props = match (args.get(2), kwargs.is_empty()) {
                    (Some(p), _) => p.clone(),
                    (None, false) => self.val(n, V::Map(kwargs)),
                    (None, true) => self.val(n, V::Map(Vec::new())),
                };
                let index = self.app.constructs.len();
                let at = self.val(n, V::Construct(index));
                self.app.constructs.push(Construct {
                    class: last,
                    id: id.clone(),
                    props,
                    scope: self.class.clone(),
                    at: at.clone(),
                });
                return at;
            }
        }
        // `api.root.addResource("items").addMethod("GET", integration)`, also chained.
        let chained = func
            .filter(|f| matches!(f.kind(), "member_expression" | "attribute"))
            .and_then(|f| {
                let obj = f.child_by_field_name("object")?;
                let prop = f
                    .child_by_field_name("property")
                    .or_else(|| f.child_by_field_name("attribute"))?;
                matches!(obj.kind(), "call_expression" | "call").then(|| (obj, self.text(prop)))
            });
        let target = match chained {
            Some((obj, method)) => match self.expr(obj, d).v {
                V::ApiPath(api, path) => Some((api, path, method)),
                _ => None,
            },
            None => callee.rsplit_once('.').and_then(|(base, method)| {
                self.api_path(base)
                    .map(|(api, path)| (api, path, method.to_string()))
            }),
        };
        if let Some((api, path, method)) = target {
            if let Some(v) = self.api_call(n, api, path, &method, &args, &kwargs) {
                return v;
            }
        }
        // `queue.grantSendMessages(fn)`: a method of a construct.
        if let Some((base, method)) = callee.rsplit_once('.') {
            if let Some(Val {
                v: V::Construct(i), ..
            }) = self.scope.get(base)
            {
                let mut all = args.clone();
                if !kwargs.is_empty() {
                    all.push(self.val(n, V::Map(kwargs.clone())));
                }
                let at = self.val(n, V::Bool(false));
                self.app.calls.push(MethodCall {
                    target: *i,
                    method: camel(method),
                    args: all,
                    at,
                });
                return self.val(n, V::Unknown(format!("the result of `{callee}`")));
            }
        }
        // `statement.addActions("s3:GetObject")`: a policy statement built step by step.
        if let Some((base, method)) = callee.rsplit_once('.') {
            let field = match camel(method).as_str() {
                "addActions" => Some("actions"),
                "addResources" => Some("resources"),
                "addAllResources" => Some("allResources"),
                _ => None,
            };
            if let (Some(field), Some(stmt)) = (field, self.scope.get_mut(base)) {
                let at = stmt_at(stmt);
                if let V::Call(class, sargs) = &mut stmt.v {
                    if class == "PolicyStatement" {
                        add_to_statement(sargs, field, args, &at);
                        return self.val(n, V::Unknown(format!("the result of `{callee}`")));
                    }
                }
            }
        }
        let mut all = args;
        if !kwargs.is_empty() {
            all.push(self.val(n, V::Map(kwargs)));
        }
        self.val(n, V::Call(last, all))
    }

    /// A method of a REST API path: `addResource`, `resourceForPath`, `addProxy`, `addMethod`.
    fn api_call(
        &mut self,
        n: TsNode,
        api: usize,
        path: String,
        method: &str,
        args: &[Val],
        kwargs: &[(String, Val)],
    ) -> Option<Val> {
        let part = match args.first().map(|a| &a.v) {
            Some(V::Str(p)) => Some(p.trim_matches('/').to_string()),
            _ => None,
        };
        let joined = |part: &str| {
            if path.is_empty() {
                part.to_string()
            } else {
                format!("{path}/{part}")
            }
        };
        let method = camel(method);
        match method.as_str() {
            "addResource" | "resourceForPath" => {
                let part = part?;
                Some(self.val(n, V::ApiPath(api, joined(&part))))
            }
            "addProxy" | "addMethod" => {
                let proxy = method == "addProxy";
                let at_path = if proxy { joined("{proxy+}") } else { path };
                let mut all = vec![self.val(n, V::Str(at_path.clone()))];
                if proxy {
                    // A proxy's methods come from its `defaultIntegration`.
                    let opts = args
                        .first()
                        .cloned()
                        .unwrap_or_else(|| self.val(n, V::Map(kwargs.to_vec())));
                    let integ = match &opts.v {
                        V::Map(m) => m
                            .iter()
                            .find(|(k, _)| k == "defaultIntegration")
                            .map(|(_, v)| v.clone()),
                        _ => None,
                    };
                    let Some(integ) = integ else {
                        return Some(self.val(n, V::ApiPath(api, at_path)));
                    };
                    all.push(self.val(n, V::Str("ANY".into())));
                    all.push(integ);
                } else {
                    all.extend(args.iter().cloned());
                }
                if !kwargs.is_empty() {
                    all.push(self.val(n, V::Map(kwargs.to_vec())));
                }
                let at = self.val(n, V::Bool(false));
                self.app.calls.push(MethodCall {
                    target: api,
                    method: "addMethod".into(),
                    args: all,
                    at,
                });
                Some(self.val(n, V::ApiPath(api, at_path)))
            }
            _ => None,
        }
    }

    /// The REST API and path a name stands for: a bound resource, or `api.root`.
    fn api_path(&self, base: &str) -> Option<(usize, String)> {
        match self.scope.get(base).map(|v| &v.v) {
            Some(V::ApiPath(i, p)) => return Some((*i, p.clone())),
            Some(V::Construct(i)) if self.is_rest_api(*i) => return Some((*i, String::new())),
            _ => {}
        }
        let api = base.strip_suffix(".root")?;
        match self.scope.get(api).map(|v| &v.v) {
            Some(V::Construct(i)) if self.is_rest_api(*i) => Some((*i, String::new())),
            _ => None,
        }
    }

    fn is_rest_api(&self, i: usize) -> bool {
        matches!(
            self.app.constructs.get(i).map(|c| c.class.as_str()),
            Some("RestApi" | "LambdaRestApi" | "SpecRestApi")
        )
    }

    /// Positional arguments, and keyword arguments (Python) as camelCase pairs.
    fn arguments(&mut self, n: TsNode, d: usize) -> (Vec<Val>, Vec<(String, Val)>) {
        let mut args = Vec::new();
        let mut kwargs = Vec::new();
        let Some(list) = n.child_by_field_name("arguments") else {
            return (args, kwargs);
        };
        let mut c = list.walk();
        let items: Vec<TsNode> = list.named_children(&mut c).collect();
        for a in items {
            match a.kind() {
                "comment" => {}
                "keyword_argument" => {
                    let (Some(k), Some(v)) = (
                        a.child_by_field_name("name"),
                        a.child_by_field_name("value"),
                    ) else {
                        continue;
                    };
                    let key = camel(&self.text(k));
                    let value = self.expr(v, d);
                    kwargs.push((key, value));
                }
                _ => args.push(self.expr(a, d)),
            }
        }
        (args, kwargs)
    }
}

fn stmt_at(v: &Val) -> Val {
    Val {
        v: V::Bool(false),
        file: v.file.clone(),
        line: v.line,
        column: v.column,
    }
}

/// Adds `values` to the `field` list of a `PolicyStatement(...)` call's props map.
fn add_to_statement(args: &mut Vec<Val>, field: &str, values: Vec<Val>, at: &Val) {
    if args.is_empty() {
        args.push(Val {
            v: V::Map(Vec::new()),
            ..at.clone()
        });
    }
    let Some(Val {
        v: V::Map(props), ..
    }) = args.first_mut()
    else {
        return;
    };
    let (field, values) = if field == "allResources" {
        (
            "resources",
            vec![Val {
                v: V::Str("*".into()),
                ..at.clone()
            }],
        )
    } else {
        (field, values)
    };
    match props.iter_mut().find(|(k, _)| k == field) {
        Some((
            _,
            Val {
                v: V::List(items), ..
            },
        )) => items.extend(values),
        _ => props.push((
            field.to_string(),
            Val {
                v: V::List(values),
                ..at.clone()
            },
        )),
    }
}
