//! Java (tree-sitter-java) to the taint IR.
//!
//! Java is typed, so the lowering does what Python and JavaScript leave to the engine: a method
//! called on a variable, field or parameter of a known type is written with that type's full
//! name (`java.sql.Statement.execute`, `java.lang.Runtime.getRuntime.exec`), and the methods of
//! the `java.util` collections are written as the container operations the engine tracks element
//! by element (`list.add(x)` appends, `list.get(1)` reads position 1, `new HashMap<>()` is a map
//! whose `put`/`get` keys are followed). Methods of the classes of one file are its functions by
//! simple name; a class of another file is reached through the fully qualified name it is
//! imported under (or its package's name), which the caller resolves to a source file.

use super::ir::{Call, Expr, FunctionDef, Module, Param, Pos, Stmt, Target};
use super::syntax::{binary, code_children as named_children, end, pos, unescape_c as unescape};
use crate::HashMap;
use fnguard_syntax::NodeExt;
use tree_sitter::Node;

const MAX_DEPTH: usize = 120;

/// Classes of `java.lang`, used without an import.
const JAVA_LANG: &[&str] = &[
    "String",
    "StringBuilder",
    "StringBuffer",
    "Runtime",
    "ProcessBuilder",
    "Process",
    "System",
    "Math",
    "Integer",
    "Long",
    "Double",
    "Float",
    "Boolean",
    "Character",
    "Object",
    "Thread",
    "Class",
    "ClassLoader",
    "Exception",
    "RuntimeException",
    "Throwable",
    "Error",
    "Iterable",
];

/// Well-known classes by package, for `import java.util.*;`-style imports.
const WILDCARD_CLASSES: &[(&str, &[&str])] = &[
    (
        "java.util",
        &[
            "List",
            "ArrayList",
            "LinkedList",
            "Map",
            "HashMap",
            "TreeMap",
            "LinkedHashMap",
            "Set",
            "HashSet",
            "Vector",
            "Collection",
            "Enumeration",
            "Properties",
            "Random",
            "Base64",
            "Scanner",
            "Deque",
            "ArrayDeque",
        ],
    ),
    (
        "java.io",
        &[
            "File",
            "FileInputStream",
            "FileOutputStream",
            "FileReader",
            "FileWriter",
            "RandomAccessFile",
            "ObjectInputStream",
            "InputStream",
            "OutputStream",
            "PrintWriter",
        ],
    ),
    (
        "java.sql",
        &[
            "Statement",
            "PreparedStatement",
            "CallableStatement",
            "Connection",
            "ResultSet",
            "DriverManager",
        ],
    ),
    ("java.nio.file", &["Files", "Paths", "Path"]),
    (
        "javax.servlet.http",
        &[
            "HttpServletRequest",
            "HttpServletResponse",
            "HttpSession",
            "Cookie",
        ],
    ),
    (
        "jakarta.servlet.http",
        &[
            "HttpServletRequest",
            "HttpServletResponse",
            "HttpSession",
            "Cookie",
        ],
    ),
    (
        "javax.naming.directory",
        &["DirContext", "InitialDirContext", "SearchControls"],
    ),
    (
        "javax.xml.xpath",
        &["XPath", "XPathFactory", "XPathExpression"],
    ),
];

const LISTS: &[&str] = &[
    "java.util.List",
    "java.util.ArrayList",
    "java.util.LinkedList",
    "java.util.Vector",
    "java.util.Collection",
    "java.util.Deque",
    "java.util.ArrayDeque",
];
const MAPS: &[&str] = &[
    "java.util.Map",
    "java.util.HashMap",
    "java.util.TreeMap",
    "java.util.LinkedHashMap",
    "java.util.Hashtable",
    "java.util.Properties",
];

/// Types whose parameters carry a servlet request: entry points of web adapters.
pub const REQUEST_TYPES: &[&str] = &[
    "javax.servlet.http.HttpServletRequest",
    "jakarta.servlet.http.HttpServletRequest",
    "javax.servlet.ServletRequest",
    "jakarta.servlet.ServletRequest",
];

pub fn lower(text: &str) -> Option<Module> {
    let tree = crate::parse::parse(crate::parse::Grammar::Java, text)?;
    let root = tree.root_node();
    let mut l = Lower {
        src: text.as_bytes(),
        module: Module::default(),
        package: String::new(),
        imports: HashMap::default(),
        wildcards: Vec::new(),
        classes: Vec::new(),
        fields: HashMap::default(),
        instance_fields: Default::default(),
        locals: Vec::new(),
    };
    for c in named_children(root) {
        match c.kind_name() {
            "package_declaration" => {
                if let Some(n) = named_children(c)
                    .into_iter()
                    .find(|n| matches!(n.kind_name(), "scoped_identifier" | "identifier"))
                {
                    l.package = l.text(n);
                }
            }
            "import_declaration" => l.import(c),
            _ => {}
        }
    }
    // Every class of the file (nested and local ones too), so that calls on their instances
    // resolve to their methods.
    crate::handler::preorder(&tree, |n| {
        if matches!(
            n.kind_name(),
            "class_declaration"
                | "enum_declaration"
                | "record_declaration"
                | "interface_declaration"
        ) {
            if let Some(name) = n.field("name") {
                l.classes
                    .push(name.utf8_text(text.as_bytes()).unwrap_or("").to_string());
            }
        }
    });
    let mut top = Vec::new();
    for c in named_children(root) {
        if is_type_declaration(c.kind_name()) {
            l.class(c, &mut top, 0);
        }
    }
    l.module.top = top;
    l.module.lang = "java";
    // Classes named in full (`org.x.helpers.Utils.run(...)`) or of this package (`Helper.run`)
    // are reached like imported ones.
    for class in referenced_classes(&l.module) {
        if !l.module.local_imports.iter().any(|(b, _, _)| *b == class) {
            let simple = class.rsplit('.').next().unwrap_or(&class).to_string();
            l.module
                .local_imports
                .push((class.clone(), class, Some(simple)));
        }
    }
    let mut imported: Vec<String> = l.imports.values().cloned().collect();
    imported.extend(l.wildcards.iter().cloned());
    imported.sort();
    l.module.imported = imported;
    Some(l.module)
}

/// The fully qualified classes the calls of a module name (`org.x.Utils` of
/// `org.x.Utils.run`): the segments up to the first capitalised one, below a package.
pub(crate) fn referenced_classes(module: &Module) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        let segments: Vec<&str> = name.split('.').collect();
        let Some(class_at) = segments
            .iter()
            .position(|s| s.starts_with(|c: char| c.is_ascii_uppercase()))
        else {
            return;
        };
        if class_at == 0 {
            return;
        }
        let class = segments[..=class_at].join(".");
        if !out.contains(&class) {
            out.push(class);
        }
    };
    super::ir::visit_body(&module.top, &mut |_| {}, &mut |c| add(&c.callee));
    super::ir::each_function(module, &mut |f| {
        super::ir::visit_body(&f.body, &mut |_| {}, &mut |c| add(&c.callee));
    });
    out.retain(|c| {
        !c.starts_with("java.") && !c.starts_with("javax.") && !c.starts_with("jakarta.")
    });
    out
}

fn is_type_declaration(kind: &str) -> bool {
    matches!(
        kind,
        "class_declaration" | "enum_declaration" | "record_declaration" | "interface_declaration"
    )
}

struct Lower<'a> {
    src: &'a [u8],
    module: Module,
    package: String,
    /// Simple name -> fully qualified name, from single-type imports.
    imports: HashMap<String, String>,
    /// Packages imported with `.*`.
    wildcards: Vec<String>,
    /// Classes declared in this file.
    classes: Vec<String>,
    /// Field name -> declared type (qualified), over the file's classes.
    fields: HashMap<String, String>,
    /// Instance (not static) fields: read and written through `this`.
    instance_fields: crate::HashSet<String>,
    /// Declared types of the locals of the method being lowered, innermost scope last.
    locals: Vec<HashMap<String, String>>,
}

impl Lower<'_> {
    fn text(&self, n: Node) -> String {
        n.utf8_text(self.src).unwrap_or("").to_string()
    }

    fn import(&mut self, n: Node) {
        let is_static = {
            let mut c = n.walk();
            let found = n.children(&mut c).any(|c| c.kind_name() == "static");
            found
        };
        let Some(name) = named_children(n)
            .into_iter()
            .find(|c| matches!(c.kind_name(), "scoped_identifier" | "identifier"))
        else {
            return;
        };
        let full = self.text(name);
        let wildcard = named_children(n)
            .iter()
            .any(|c| c.kind_name() == "asterisk");
        if wildcard {
            self.wildcards.push(full);
            return;
        }
        let simple = full.rsplit('.').next().unwrap_or(&full).to_string();
        if is_static {
            // `import static org.x.Utils.run;` binds `run` to the class's method.
            self.module.aliases.push((simple, full));
            return;
        }
        self.imports.insert(simple.clone(), full.clone());
        self.module.aliases.push((simple.clone(), full.clone()));
        self.module
            .local_imports
            .push((full.clone(), full, Some(simple)));
    }

    /// The fully qualified form of a type or class name as written (`List<String>` ->
    /// `java.util.List`); classes of this file keep their simple name.
    fn qualify(&self, written: &str) -> String {
        let base = written.split('<').next().unwrap_or(written).trim();
        let base = base.trim_end_matches("[]").trim();
        if base.contains('.') {
            return base.to_string();
        }
        if self.classes.iter().any(|c| c == base) {
            return base.to_string();
        }
        if let Some(full) = self.imports.get(base) {
            return full.clone();
        }
        if JAVA_LANG.contains(&base) {
            return format!("java.lang.{base}");
        }
        for (pkg, names) in WILDCARD_CLASSES {
            if names.contains(&base) && self.wildcards.iter().any(|w| w == pkg) {
                return format!("{pkg}.{base}");
            }
        }
        let capitalised = base.starts_with(|c: char| c.is_ascii_uppercase());
        // An SDK client from `import software.amazon.awssdk.services.s3.*;`.
        let sdk_client = base.ends_with("Client")
            || base.ends_with("Presigner")
            || base.ends_with("Utilities")
            || base.starts_with("Amazon")
            || base.starts_with("AWS");
        if sdk_client {
            if let Some(w) = self.wildcards.iter().find(|w| {
                (w.starts_with("software.amazon.awssdk.services.")
                    || w.starts_with("com.amazonaws.services."))
                    && !w.ends_with(".model")
            }) {
                return format!("{w}.{base}");
            }
        }
        // Classes of the file's own package come before those of `.*` imports (JLS 6.4.1).
        if !self.package.is_empty() && capitalised {
            return format!("{}.{base}", self.package);
        }
        if let Some(w) = self.wildcards.first() {
            if self.wildcards.len() == 1 && capitalised {
                return format!("{w}.{base}");
            }
        }
        base.to_string()
    }

    fn type_of(&self, n: Option<Node>) -> Option<String> {
        let t = n?;
        Some(self.qualify(&self.text(t)))
    }

    fn local_type(&self, name: &str) -> Option<String> {
        for scope in self.locals.iter().rev() {
            if let Some(t) = scope.get(name) {
                return Some(t.clone());
            }
        }
        None
    }

    /// The class an initializer makes: `new T(...)`, or a static factory of `T`
    /// (`T.getInstance(...)`, `T.getInstanceStrong()`).
    fn made_type(&self, value: Node) -> Option<String> {
        match value.kind_name() {
            "object_creation_expression" => {
                if named_children(value)
                    .iter()
                    .any(|c| c.kind_name() == "class_body")
                {
                    return None;
                }
                self.type_of(value.field("type"))
            }
            "method_invocation" => {
                let name = self.text(value.field("name")?);
                if !name.starts_with("getInstance") {
                    return None;
                }
                let object = value.field("object")?;
                let class = self.dotted(object)?;
                let last = class.rsplit('.').next().unwrap_or(&class);
                last.starts_with(|c: char| c.is_ascii_uppercase())
                    .then(|| self.qualify(&class))
            }
            _ => None,
        }
    }

    /// A bare name that is an instance field (not shadowed by a local or parameter).
    fn is_instance_field(&self, name: &str) -> bool {
        self.instance_fields.contains(name) && self.local_type(name).is_none()
    }

    fn this_member(name: String, p: Pos) -> Expr {
        Expr::Member {
            obj: Box::new(Expr::Name("this".into(), p)),
            key: Some(name),
            index: None,
            pos: p,
        }
    }

    fn declare(&mut self, name: String, ty: String) {
        if let Some(scope) = self.locals.last_mut() {
            scope.insert(name, ty);
        }
    }

    /// A class (and the classes nested in it): its methods become functions and methods, its
    /// fields and static blocks module-level statements. A class whose methods take a servlet
    /// request, or a Spring/JAX-RS controller, gives routes.
    fn class(&mut self, n: Node, top: &mut Vec<Stmt>, depth: usize) {
        if depth > 16 {
            return;
        }
        let Some(name) = n.field("name").map(|x| self.text(x)) else {
            return;
        };
        let Some(body) = n.field("body") else {
            return;
        };
        let controller = has_annotation(self, n, &["RestController", "Controller", "Path"]);
        // A Spring Cloud Function component: `class Convert implements Function<I, O>`.
        let function_component = n
            .field("interfaces")
            .map(|i| self.text(i))
            .is_some_and(|t| {
                ["Function<", "Consumer<", "BiFunction<"]
                    .iter()
                    .any(|f| t.contains(f))
            });
        // Fields first: methods read them whatever their order.
        for c in named_children(body) {
            if c.kind_name() == "field_declaration" {
                let ty = self.type_of(c.field("type"));
                let is_static = named_children(c)
                    .into_iter()
                    .filter(|m| m.kind_name() == "modifiers")
                    .any(|m| self.text(m).split_whitespace().any(|w| w == "static"));
                let mut cur = c.walk();
                for d in c.children_by_field_name("declarator", &mut cur) {
                    if let (Some(n), Some(t)) = (d.field("name"), ty.clone()) {
                        let field = self.text(n);
                        if !is_static {
                            self.instance_fields.insert(field.clone());
                        }
                        self.fields.insert(field, t);
                    }
                }
            }
        }
        let members: Vec<Node> = match body.kind_name() {
            "enum_body" => named_children(body)
                .into_iter()
                .flat_map(|c| {
                    if c.kind_name() == "enum_body_declarations" {
                        named_children(c)
                    } else {
                        vec![c]
                    }
                })
                .collect(),
            _ => named_children(body),
        };
        for c in members {
            match c.kind_name() {
                "field_declaration" => {
                    self.locals.push(HashMap::default());
                    let mut cur = c.walk();
                    let declarators: Vec<Node> =
                        c.children_by_field_name("declarator", &mut cur).collect();
                    for d in declarators {
                        if let Some(s) = self.declarator(d, None, 0) {
                            top.push(s);
                        }
                    }
                    self.locals.pop();
                }
                "static_initializer" | "block" => {
                    self.locals.push(HashMap::default());
                    for b in named_children(c) {
                        top.extend(self.stmt(b, 0));
                    }
                    self.locals.pop();
                }
                "method_declaration"
                | "constructor_declaration"
                | "compact_constructor_declaration" => {
                    let is_ctor = c.kind_name() != "method_declaration";
                    // An abstract or interface method has no body to run: a call to it runs
                    // one of the implementations, which the analysis finds by name.
                    if c.field("body").is_none() {
                        continue;
                    }
                    let Some(mut f) = self.method(c, is_ctor) else {
                        continue;
                    };
                    let request_params = self.request_params(c);
                    let mapped = has_annotation(
                        self,
                        c,
                        &[
                            "RequestMapping",
                            "GetMapping",
                            "PostMapping",
                            "PutMapping",
                            "DeleteMapping",
                            "PatchMapping",
                            "GET",
                            "POST",
                            "PUT",
                            "DELETE",
                            "PATCH",
                            // Micronaut.
                            "Get",
                            "Post",
                            "Put",
                            "Delete",
                            "Patch",
                        ],
                    );
                    // Spring Cloud Function: a `@Bean` returning a `Function`/`Consumer` whose
                    // lambda receives the event, or a function component's `apply`/`accept`.
                    let bean_function = has_annotation(self, c, &["Bean"])
                        && c.field("type").map(|t| self.text(t)).is_some_and(|t| {
                            ["Function<", "Consumer<", "BiFunction<"]
                                .iter()
                                .any(|f| t.contains(f))
                        });
                    if bean_function {
                        for st in &f.body {
                            if let Stmt::Return(Some(Expr::Function(lambda)), _) = st {
                                self.module.routes.push((**lambda).clone());
                            }
                        }
                    }
                    if function_component && matches!(f.name.as_str(), "apply" | "accept") {
                        self.module.routes.push(f.clone());
                    }
                    if !request_params.is_empty() || (controller && mapped) {
                        // Only the request (or, for a controller, every parameter: path
                        // variables, bodies, query parameters) is request data: a response
                        // object passed beside it is not.
                        let mut route = f.clone();
                        if !request_params.is_empty() {
                            route.params = f
                                .params
                                .iter()
                                .enumerate()
                                .map(|(i, p)| {
                                    if request_params.contains(&i) {
                                        p.clone()
                                    } else {
                                        Param::Name(String::new())
                                    }
                                })
                                .collect();
                        }
                        self.module.routes.push(route);
                    }
                    let short = f.name.clone();
                    if !is_ctor && !self.module.functions.iter().any(|g| g.name == short) {
                        self.module.functions.push(f.clone());
                    }
                    f.name = format!("{name}.{short}");
                    self.module.methods.push(f);
                }
                k if is_type_declaration(k) => self.class(c, top, depth + 1),
                _ => {}
            }
        }
    }

    /// Indexes of the parameters typed as a servlet request.
    fn request_params(&self, method: Node) -> Vec<usize> {
        let Some(params) = method.field("parameters") else {
            return Vec::new();
        };
        named_children(params)
            .into_iter()
            .filter(|p| matches!(p.kind_name(), "formal_parameter" | "spread_parameter"))
            .enumerate()
            .filter(|(_, p)| {
                self.type_of(p.field("type"))
                    .is_some_and(|t| REQUEST_TYPES.contains(&t.as_str()))
            })
            .map(|(i, _)| i)
            .collect()
    }

    fn method(&mut self, n: Node, is_ctor: bool) -> Option<FunctionDef> {
        // The engine runs `constructor` methods when a class is instantiated.
        let name = if is_ctor {
            "constructor".to_string()
        } else {
            self.text(n.field("name")?)
        };
        self.locals.push(HashMap::default());
        let params = n
            .field("parameters")
            .map(|p| self.params(p))
            .unwrap_or_default();
        let body = n
            .field("body")
            .map(|b| self.block(b, 1))
            .unwrap_or_default();
        self.locals.pop();
        Some(FunctionDef {
            name,
            params,
            body,
            pos: pos(n),
            end: end(n),
            globals: Vec::new(),
        })
    }

    fn params(&mut self, p: Node) -> Vec<Param> {
        let mut out = Vec::new();
        for c in named_children(p) {
            match c.kind_name() {
                "formal_parameter" => {
                    let Some(name) = c.field("name").map(|n| self.text(n)) else {
                        continue;
                    };
                    if let Some(t) = self.type_of(c.field("type")) {
                        self.declare(name.clone(), t);
                    }
                    out.push(Param::Name(name));
                }
                "spread_parameter" => {
                    if let Some(d) = named_children(c)
                        .into_iter()
                        .find(|d| d.kind_name() == "variable_declarator")
                        .and_then(|d| d.field("name"))
                    {
                        out.push(Param::Name(self.text(d)));
                    }
                }
                "identifier" => {
                    let name = self.text(c);
                    self.declare(name.clone(), "?".into());
                    out.push(Param::Name(name));
                }
                "inferred_parameters" => {
                    for i in named_children(c) {
                        let name = self.text(i);
                        self.declare(name.clone(), "?".into());
                        out.push(Param::Name(name));
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn block(&mut self, b: Node, depth: usize) -> Vec<Stmt> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        if b.kind_name() != "block" && b.kind_name() != "constructor_body" {
            return self.stmt(b, depth);
        }
        self.locals.push(HashMap::default());
        let out = named_children(b)
            .into_iter()
            .flat_map(|s| self.stmt(s, depth))
            .collect();
        self.locals.pop();
        out
    }

    fn declarator(&mut self, d: Node, ty: Option<String>, depth: usize) -> Option<Stmt> {
        let name = self.text(d.field("name")?);
        // What the variable holds is the class it is made from when that is written
        // (`Random r = SecureRandom.getInstance(...)`, `List<T> l = new ArrayList<>()`, `var`).
        let made = d.field("value").and_then(|v| self.made_type(v));
        if let Some(t) = made.or(ty) {
            self.declare(name.clone(), t);
        }
        let value = d.field("value")?;
        let value = self.expr(value, depth + 1);
        Some(Stmt::Assign {
            targets: vec![Target::Name(name)],
            value,
            augment: false,
            pos: pos(d),
        })
    }

    fn stmt(&mut self, n: Node, depth: usize) -> Vec<Stmt> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        let d = depth + 1;
        match n.kind_name() {
            "local_variable_declaration" => {
                let ty = self.type_of(n.field("type"));
                let mut cur = n.walk();
                let declarators: Vec<Node> =
                    n.children_by_field_name("declarator", &mut cur).collect();
                declarators
                    .into_iter()
                    .filter_map(|x| self.declarator(x, ty.clone(), d))
                    .collect()
            }
            "expression_statement" => named_children(n)
                .into_iter()
                .flat_map(|e| self.expr_stmt(e, d))
                .collect(),
            "return_statement" => vec![Stmt::Return(
                n.named_child(0).map(|e| self.expr(e, d)),
                pos(n),
            )],
            "yield_statement" => vec![Stmt::Return(
                n.named_child(0).map(|e| self.expr(e, d)),
                pos(n),
            )],
            "throw_statement" => vec![Stmt::Raise(
                n.named_child(0).map(|e| self.expr(e, d)),
                pos(n),
            )],
            "block" => self.block(n, d),
            "if_statement" => {
                let cond = n
                    .field("condition")
                    .map(|c| self.expr(c, d))
                    .unwrap_or(Expr::Const(String::new(), pos(n)));
                let then = n
                    .field("consequence")
                    .map(|b| self.block(b, d))
                    .unwrap_or_default();
                let otherwise = n
                    .field("alternative")
                    .map(|b| self.block(b, d))
                    .unwrap_or_default();
                vec![Stmt::If {
                    cond,
                    then,
                    otherwise,
                }]
            }
            "while_statement" | "do_statement" => {
                let iter = n
                    .field("condition")
                    .map(|c| self.expr(c, d))
                    .unwrap_or(Expr::Const(String::new(), pos(n)));
                let body = n
                    .field("body")
                    .map(|b| self.block(b, d))
                    .unwrap_or_default();
                vec![Stmt::Loop {
                    target: vec![],
                    iter,
                    body,
                }]
            }
            "for_statement" => {
                self.locals.push(HashMap::default());
                let mut out = Vec::new();
                let mut cur = n.walk();
                let inits: Vec<Node> = n.children_by_field_name("init", &mut cur).collect();
                for i in inits {
                    if i.kind_name() == "local_variable_declaration" {
                        out.extend(self.stmt(i, d));
                    } else {
                        out.extend(self.expr_stmt(i, d));
                    }
                }
                let iter = n
                    .field("condition")
                    .map(|c| self.expr(c, d))
                    .unwrap_or(Expr::Const(String::new(), pos(n)));
                let mut body = n
                    .field("body")
                    .map(|b| self.block(b, d))
                    .unwrap_or_default();
                let mut cur = n.walk();
                let updates: Vec<Node> = n.children_by_field_name("update", &mut cur).collect();
                for u in updates {
                    body.extend(self.expr_stmt(u, d));
                }
                self.locals.pop();
                out.push(Stmt::Loop {
                    target: vec![],
                    iter,
                    body,
                });
                out
            }
            "enhanced_for_statement" => {
                self.locals.push(HashMap::default());
                let name = n.field("name").map(|x| self.text(x)).unwrap_or_default();
                if let Some(t) = self.type_of(n.field("type")) {
                    self.declare(name.clone(), t);
                }
                let iter = n
                    .field("value")
                    .map(|v| self.expr(v, d))
                    .unwrap_or(Expr::Const(String::new(), pos(n)));
                let body = n
                    .field("body")
                    .map(|b| self.block(b, d))
                    .unwrap_or_default();
                self.locals.pop();
                vec![Stmt::Loop {
                    target: vec![Target::Name(name)],
                    iter,
                    body,
                }]
            }
            "try_statement" | "try_with_resources_statement" => {
                self.locals.push(HashMap::default());
                let mut body = Vec::new();
                if let Some(res) = n.field("resources") {
                    for r in named_children(res) {
                        if r.kind_name() != "resource" {
                            continue;
                        }
                        let ty = self.type_of(r.field("type"));
                        if let (Some(name), Some(value)) = (r.field("name"), r.field("value")) {
                            let name = self.text(name);
                            if let Some(t) = ty {
                                self.declare(name.clone(), t);
                            }
                            let value = self.expr(value, d);
                            body.push(Stmt::Assign {
                                targets: vec![Target::Name(name)],
                                value,
                                augment: false,
                                pos: pos(r),
                            });
                        }
                    }
                }
                if let Some(b) = n.field("body") {
                    body.extend(self.block(b, d));
                }
                let mut handlers = Vec::new();
                let mut finally = Vec::new();
                for c in named_children(n) {
                    match c.kind_name() {
                        "catch_clause" => {
                            let name = named_children(c)
                                .into_iter()
                                .find(|p| p.kind_name() == "catch_formal_parameter")
                                .and_then(|p| p.field("name"))
                                .map(|x| self.text(x));
                            if let Some(n) = &name {
                                self.declare(n.clone(), "java.lang.Exception".into());
                            }
                            let h = c
                                .field("body")
                                .map(|b| self.block(b, d))
                                .unwrap_or_default();
                            handlers.push((name, h, pos(c)));
                        }
                        "finally_clause" => {
                            if let Some(b) = c.named_child(0) {
                                finally = self.block(b, d);
                            }
                        }
                        _ => {}
                    }
                }
                self.locals.pop();
                vec![Stmt::Try {
                    body,
                    handlers,
                    finally,
                }]
            }
            "switch_expression" => self.switch(n, d),
            "labeled_statement" => named_children(n)
                .into_iter()
                .filter(|c| c.kind_name() != "identifier")
                .flat_map(|c| self.stmt(c, d))
                .collect(),
            "synchronized_statement" => n
                .field("body")
                .map(|b| self.block(b, d))
                .unwrap_or_default(),
            "local_class_declaration" | "class_declaration" => {
                let mut top = Vec::new();
                self.class(n, &mut top, 1);
                top
            }
            "explicit_constructor_invocation" => {
                let args = self.arguments(n.field("arguments"), d);
                vec![Stmt::Expr(Expr::Other(args, pos(n)))]
            }
            _ => Vec::new(),
        }
    }

    /// `switch (x) { case 'A': ...; break; case 'B': case 'C': ...; default: ... }` as an
    /// if/else chain on the subject (the engine folds it when the subject is a constant).
    /// Groups that fall through into the next keep the next one's statements too.
    fn switch(&mut self, n: Node, d: usize) -> Vec<Stmt> {
        let p = pos(n);
        let subject = n
            .field("condition")
            .map(|c| self.expr(c, d))
            .unwrap_or(Expr::Const(String::new(), p));
        let Some(body) = n.field("body") else {
            return vec![Stmt::Expr(subject)];
        };
        // (literals, is default, statements, ends with break/return)
        let mut groups: Vec<(Vec<Expr>, bool, Vec<Stmt>, bool)> = Vec::new();
        for g in named_children(body) {
            let mut literals = Vec::new();
            let mut default = false;
            let mut stmts = Vec::new();
            let mut ends = false;
            for c in named_children(g) {
                match c.kind_name() {
                    "switch_label" => {
                        let values = named_children(c);
                        if values.is_empty() {
                            default = true;
                        }
                        for v in values {
                            literals.push(self.expr(v, d));
                        }
                    }
                    "break_statement" => ends = true,
                    "return_statement" | "throw_statement" => {
                        ends = true;
                        stmts.extend(self.stmt(c, d));
                    }
                    "expression" | "block" | "expression_statement" => {
                        // `case X -> ...` rules never fall through.
                        ends = g.kind_name() == "switch_rule" || ends;
                        stmts.extend(self.stmt(c, d));
                    }
                    k if g.kind_name() == "switch_rule" && k != "switch_label" => {
                        ends = true;
                        let e = self.expr(c, d);
                        stmts.push(Stmt::Expr(e));
                    }
                    _ => stmts.extend(self.stmt(c, d)),
                }
            }
            if g.kind_name() == "switch_rule" {
                ends = true;
            }
            groups.push((literals, default, stmts, ends));
        }
        // Fall-through: a group without break runs the next group's statements as well.
        for i in (0..groups.len()).rev() {
            if !groups[i].3 {
                if let Some(next) = groups.get(i + 1).map(|g| g.2.clone()) {
                    groups[i].2.extend(next);
                }
            }
        }
        let mut otherwise: Vec<Stmt> = groups
            .iter()
            .find(|g| g.1)
            .map(|g| g.2.clone())
            .unwrap_or_default();
        for (mut literals, default, stmts, _) in groups.into_iter().rev() {
            if default || literals.is_empty() {
                continue;
            }
            let cond = if literals.len() == 1 {
                Expr::Compare {
                    op: "==".into(),
                    left: Box::new(subject.clone()),
                    right: Box::new(literals.remove(0)),
                    pos: p,
                }
            } else {
                Expr::Compare {
                    op: "in".into(),
                    left: Box::new(subject.clone()),
                    right: Box::new(Expr::Seq(literals, p)),
                    pos: p,
                }
            };
            otherwise = vec![Stmt::If {
                cond,
                then: stmts,
                otherwise,
            }];
        }
        let mut out = vec![Stmt::Expr(subject)];
        out.extend(otherwise);
        out
    }

    fn expr_stmt(&mut self, e: Node, d: usize) -> Vec<Stmt> {
        match e.kind_name() {
            "assignment_expression" => {
                let (Some(left), Some(right)) = (e.field("left"), e.field("right")) else {
                    return vec![];
                };
                let op = e
                    .field("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                let value = self.expr(right, d);
                vec![Stmt::Assign {
                    targets: self.targets(left, d),
                    value,
                    augment: op != "=",
                    pos: pos(e),
                }]
            }
            "update_expression" => Vec::new(),
            _ => {
                let lowered = self.expr(e, d);
                let mut out = vec![Stmt::Expr(lowered.clone())];
                // `random.nextBytes(buf)`, `in.read(buf)`: the array argument is filled with
                // what the call produces.
                if let Expr::Call(c) = &lowered {
                    let method = c.callee.rsplit('.').next().unwrap_or("");
                    if matches!(method, "nextBytes" | "read" | "readFully" | "readNBytes") {
                        if let Some(Expr::Name(buf, _)) = c.args.first() {
                            out.push(Stmt::Assign {
                                targets: vec![Target::Name(buf.clone())],
                                value: lowered.clone(),
                                augment: true,
                                pos: c.pos,
                            });
                        }
                    }
                }
                out
            }
        }
    }

    fn targets(&mut self, left: Node, d: usize) -> Vec<Target> {
        match left.kind_name() {
            "identifier" => {
                let name = self.text(left);
                if self.is_instance_field(&name) {
                    return vec![Target::Index("this".into(), Expr::Str(name, pos(left)))];
                }
                vec![Target::Name(name)]
            }
            "field_access" => {
                let obj = left.field("object");
                let field = left.field("field").map(|f| self.text(f));
                match (obj.map(|o| (o.kind_name(), o)), field) {
                    // `this.x = v` sets the field `x` of the instance.
                    (Some(("this", _)), Some(f)) => {
                        vec![Target::Index("this".into(), Expr::Str(f, pos(left)))]
                    }
                    (Some(("identifier", o)), Some(f)) => {
                        vec![Target::Index(self.text(o), Expr::Str(f, pos(left)))]
                    }
                    _ => vec![Target::Ignore],
                }
            }
            "array_access" => {
                let arr = left.field("array");
                let index = left.field("index").map(|i| self.expr(i, d));
                match (arr, index) {
                    (Some(a), Some(i)) if a.kind_name() == "identifier" => {
                        vec![Target::Index(self.text(a), i)]
                    }
                    _ => vec![Target::Ignore],
                }
            }
            _ => vec![Target::Ignore],
        }
    }

    fn arguments(&mut self, args: Option<Node>, d: usize) -> Vec<Expr> {
        let Some(a) = args else { return Vec::new() };
        named_children(a)
            .into_iter()
            .map(|c| self.expr(c, d))
            .collect()
    }

    fn expr(&mut self, n: Node, depth: usize) -> Expr {
        let p = pos(n);
        if depth > MAX_DEPTH {
            return Expr::Const(String::new(), p);
        }
        let d = depth + 1;
        let none = || Expr::Const(String::new(), p);
        match n.kind_name() {
            "identifier" => {
                let name = self.text(n);
                if self.is_instance_field(&name) {
                    return Self::this_member(name, p);
                }
                Expr::Name(name, p)
            }
            "this" => Expr::Name("this".into(), p),
            "string_literal" | "text_block" => {
                let mut s = String::new();
                for c in named_children(n) {
                    match c.kind_name() {
                        "string_fragment" | "multiline_string_fragment" => {
                            s.push_str(&self.text(c))
                        }
                        "escape_sequence" => s.push_str(&unescape(&self.text(c))),
                        _ => {}
                    }
                }
                if n.kind_name() == "text_block" && s.is_empty() {
                    s = self.text(n).trim_matches('"').to_string();
                }
                Expr::Str(s, p)
            }
            "character_literal" => {
                let t = self.text(n);
                let inner = t.trim_matches('\'');
                Expr::Str(unescape(inner), p)
            }
            "decimal_integer_literal"
            | "hex_integer_literal"
            | "octal_integer_literal"
            | "binary_integer_literal"
            | "decimal_floating_point_literal" => {
                let t = self.text(n).replace('_', "");
                let t = t
                    .trim_end_matches(['L', 'l', 'f', 'F', 'd', 'D'])
                    .to_string();
                Expr::Const(t, p)
            }
            "true" | "false" => Expr::Const(self.text(n), p),
            "null_literal" => Expr::Const("null".into(), p),
            "parenthesized_expression" => n
                .named_child(0)
                .map(|c| self.expr(c, d))
                .unwrap_or_else(none),
            "cast_expression" => n
                .field("value")
                .map(|c| self.expr(c, d))
                .unwrap_or_else(none),
            "field_access" => {
                let obj = n
                    .field("object")
                    .map(|o| self.expr(o, d))
                    .unwrap_or_else(none);
                let key = n.field("field").map(|f| self.text(f));
                Expr::Member {
                    obj: Box::new(obj),
                    key,
                    index: None,
                    pos: p,
                }
            }
            "array_access" => {
                let obj = n
                    .field("array")
                    .map(|o| self.expr(o, d))
                    .unwrap_or_else(none);
                let index = n.field("index").map(|i| self.expr(i, d));
                Expr::Member {
                    obj: Box::new(obj),
                    key: None,
                    index: index.map(Box::new),
                    pos: p,
                }
            }
            "binary_expression" => {
                let op = n
                    .field("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                let l = n
                    .field("left")
                    .map(|x| self.expr(x, d))
                    .unwrap_or_else(none);
                let r = n
                    .field("right")
                    .map(|x| self.expr(x, d))
                    .unwrap_or_else(none);
                binary(op, l, r, p)
            }
            "unary_expression" => {
                let op = n
                    .field("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                let operand = n
                    .field("operand")
                    .map(|x| self.expr(x, d))
                    .unwrap_or_else(none);
                match op.as_str() {
                    "!" => Expr::Not(Box::new(operand), p),
                    "-" => match operand {
                        Expr::Const(c, cp) if c.parse::<f64>().is_ok() => {
                            Expr::Const(format!("-{c}"), cp)
                        }
                        other => Expr::Op("-".into(), vec![Expr::Const("0".into(), p), other], p),
                    },
                    _ => operand,
                }
            }
            "ternary_expression" => {
                let part = |l: &mut Self, f: &'static str| {
                    n.field(f)
                        .map(|x| l.expr(x, d))
                        .unwrap_or(Expr::Const(String::new(), p))
                };
                let cond = part(self, "condition");
                let then = part(self, "consequence");
                let otherwise = part(self, "alternative");
                Expr::Op("?:".into(), vec![cond, then, otherwise], p)
            }
            "instanceof_expression" => Expr::Const("true".into(), p),
            "method_invocation" => self.invocation(n, d),
            "object_creation_expression" => self.creation(n, d),
            "array_creation_expression" => match n.field("value") {
                Some(v) => self.expr(v, d),
                None => Expr::Seq(Vec::new(), p),
            },
            "array_initializer" => Expr::Seq(
                named_children(n)
                    .into_iter()
                    .map(|c| self.expr(c, d))
                    .collect(),
                p,
            ),
            "lambda_expression" => {
                self.locals.push(HashMap::default());
                let params = match n.field("parameters") {
                    Some(ps) if ps.kind_name() == "identifier" => {
                        let name = self.text(ps);
                        self.declare(name.clone(), "?".into());
                        vec![Param::Name(name)]
                    }
                    Some(ps) => self.params(ps),
                    None => Vec::new(),
                };
                let body = match n.field("body") {
                    Some(b) if b.kind_name() == "block" => self.block(b, d),
                    Some(b) => vec![Stmt::Return(Some(self.expr(b, d)), pos(b))],
                    None => Vec::new(),
                };
                self.locals.pop();
                Expr::Function(Box::new(FunctionDef {
                    name: "<lambda>".into(),
                    params,
                    body,
                    pos: p,
                    end: end(n),
                    globals: Vec::new(),
                }))
            }
            "assignment_expression" => {
                // An assignment used as a value: its value.
                n.field("right")
                    .map(|r| self.expr(r, d))
                    .unwrap_or_else(none)
            }
            "switch_expression" => {
                let stmts = self.switch(n, d);
                Expr::Other(
                    stmts
                        .into_iter()
                        .filter_map(|s| match s {
                            Stmt::Expr(e) => Some(e),
                            _ => None,
                        })
                        .collect(),
                    p,
                )
            }
            "class_literal" | "method_reference" => Expr::Const(self.text(n), p),
            _ => Expr::Other(
                named_children(n)
                    .into_iter()
                    .map(|c| self.expr(c, d))
                    .collect(),
                p,
            ),
        }
    }

    /// The dotted name of a receiver written as names (`org.x.Utils`, `request`), or None.
    fn dotted(&self, n: Node) -> Option<String> {
        match n.kind_name() {
            "identifier" => Some(self.text(n)),
            "field_access" => {
                let obj = self.dotted(n.field("object")?)?;
                Some(format!("{obj}.{}", self.text(n.field("field")?)))
            }
            "scoped_identifier" => Some(self.text(n)),
            _ => None,
        }
    }

    /// What a receiver is called: its declared type when known (a local, a parameter or a
    /// field), a class name qualified, or the chain of names and calls it is written as.
    fn receiver_name(&self, n: Node) -> Option<String> {
        match n.kind_name() {
            "identifier" => {
                let name = self.text(n);
                if let Some(t) = self.local_type(&name) {
                    return Some(t);
                }
                if let Some(t) = self.fields.get(&name) {
                    return Some(t.clone());
                }
                if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                    return Some(self.qualify(&name));
                }
                Some(name)
            }
            "this" | "super" => None,
            "field_access" => {
                let obj = n.field("object")?;
                let field = self.text(n.field("field")?);
                if obj.kind_name() == "this" {
                    return Some(self.fields.get(&field).cloned().unwrap_or(field));
                }
                let base = self.dotted(obj).map(|b| {
                    // `org.x.Utils.FIELD`: qualified already; `Utils.FIELD`: qualify the class.
                    match b.split_once('.') {
                        None if b.starts_with(|c: char| c.is_ascii_uppercase()) => self.qualify(&b),
                        _ => b,
                    }
                });
                match base {
                    Some(b) => Some(format!("{b}.{field}")),
                    None => Some(format!("{}.{field}", self.receiver_name(obj)?)),
                }
            }
            "method_invocation" => {
                let name = self.text(n.field("name")?);
                match n.field("object") {
                    Some(o) => match self.receiver_name(o) {
                        Some(r) => Some(format!("{r}.{name}")),
                        None => Some(name),
                    },
                    None => Some(name),
                }
            }
            "object_creation_expression" => {
                let ty = self.type_of(n.field("type"))?;
                Some(ty)
            }
            "parenthesized_expression" => self.receiver_name(n.named_child(0)?),
            "cast_expression" => self.type_of(n.field("type")),
            "string_literal" => Some("java.lang.String".into()),
            _ => None,
        }
    }

    fn invocation(&mut self, n: Node, d: usize) -> Expr {
        let p = pos(n);
        let name = n.field("name").map(|x| self.text(x)).unwrap_or_default();
        let object = n.field("object");
        let mut args = self.arguments(n.field("arguments"), d);
        let receiver = object
            .filter(|o| !matches!(o.kind_name(), "this" | "super"))
            .map(|o| self.expr(o, d));
        let recv_name = object.and_then(|o| self.receiver_name(o));
        // A call on this file's classes (their instances, `this`, or no receiver) runs the
        // method: it is called by its simple name.
        let local_class = |l: &Self, r: &Option<String>| {
            r.as_ref().is_some_and(|r| l.classes.iter().any(|c| c == r))
        };
        let callee = match (&object, &recv_name) {
            (None, _) => self
                .module
                .aliases
                .iter()
                .find(|(a, _)| *a == name)
                .map(|(_, full)| full.clone())
                .unwrap_or_else(|| name.clone()),
            (Some(o), _) if matches!(o.kind_name(), "this" | "super") => name.clone(),
            (Some(_), r) if local_class(self, r) => name.clone(),
            (Some(_), Some(r)) => format!("{r}.{name}"),
            (Some(_), None) => name.clone(),
        };
        let ty = recv_name.clone().unwrap_or_default();
        let text = super::ir::call_text(&self.text(n));
        // Containers of java.util, as the engine's container operations.
        if let Some(Expr::Name(var, vp)) = &receiver {
            if LISTS.contains(&ty.as_str()) {
                match (name.as_str(), args.len()) {
                    ("get", 1) => {
                        return Expr::Member {
                            obj: Box::new(Expr::Name(var.clone(), *vp)),
                            key: None,
                            index: Some(Box::new(args.remove(0))),
                            pos: p,
                        };
                    }
                    ("add" | "addLast" | "offer" | "push", 1) => {
                        return call(format!("{var}.append"), receiver, args, p, text);
                    }
                    ("add", 2) => return call(format!("{var}.insert"), receiver, args, p, text),
                    ("addFirst", 1) => {
                        return call(format!("{var}.appendleft"), receiver, args, p, text)
                    }
                    ("remove", 1) if matches!(args[0], Expr::Const(..)) => {
                        return call(format!("{var}.pop"), receiver, args, p, text);
                    }
                    ("removeFirst" | "poll" | "pop", 0) => {
                        return call(format!("{var}.popleft"), receiver, args, p, text);
                    }
                    ("removeLast", 0) => {
                        return call(format!("{var}.pop"), receiver, args, p, text)
                    }
                    _ => {}
                }
            }
            if MAPS.contains(&ty.as_str()) && name == "getProperty" {
                return call(format!("{var}.get"), receiver, args, p, text);
            }
            if MAPS.contains(&ty.as_str()) && name == "setProperty" {
                return call(format!("{var}.put"), receiver, args, p, text);
            }
        }
        // `a.equals(b)`: a comparison the engine can fold and use as a guard.
        if matches!(
            name.as_str(),
            "equals" | "equalsIgnoreCase" | "contentEquals"
        ) && args.len() == 1
        {
            if let Some(r) = receiver {
                return Expr::Compare {
                    op: "==".into(),
                    left: Box::new(r),
                    right: Box::new(args.remove(0)),
                    pos: p,
                };
            }
        }
        // `s.charAt(i)`: one character, by position.
        if name == "charAt" && args.len() == 1 {
            if let Some(r) = receiver {
                return Expr::Member {
                    obj: Box::new(r),
                    key: None,
                    index: Some(Box::new(args.remove(0))),
                    pos: p,
                };
            }
        }
        call(callee, receiver, args, p, text)
    }

    fn creation(&mut self, n: Node, d: usize) -> Expr {
        let p = pos(n);
        let ty = self.type_of(n.field("type")).unwrap_or_default();
        let args = self.arguments(n.field("arguments"), d);
        let text = super::ir::call_text(&self.text(n));
        // An anonymous class: its methods are code of this file.
        if let Some(body) = named_children(n)
            .into_iter()
            .find(|c| c.kind_name() == "class_body")
        {
            let mut defs = Vec::new();
            for m in named_children(body) {
                if m.kind_name() == "method_declaration" {
                    if let Some(f) = self.method(m, false) {
                        defs.push(Expr::Function(Box::new(f)));
                    }
                }
            }
            let mut parts = args;
            parts.extend(defs);
            return Expr::Other(parts, p);
        }
        if args.is_empty() && (LISTS.contains(&ty.as_str()) || ty == "java.util.HashSet") {
            return Expr::Call(Box::new(Call {
                callee: "list".into(),
                receiver: None,
                args,
                kwargs: Vec::new(),
                is_new: true,
                pos: p,
                text,
                key: None,
            }));
        }
        if args.is_empty() && MAPS.contains(&ty.as_str()) {
            return Expr::Call(Box::new(Call {
                callee: "Map".into(),
                receiver: None,
                args,
                kwargs: Vec::new(),
                is_new: true,
                pos: p,
                text,
                key: None,
            }));
        }
        let callee = ty;
        Expr::Call(Box::new(Call {
            callee,
            receiver: None,
            args,
            kwargs: Vec::new(),
            is_new: true,
            pos: p,
            text,
            key: None,
        }))
    }
}

fn call(callee: String, receiver: Option<Expr>, args: Vec<Expr>, p: Pos, text: String) -> Expr {
    Expr::Call(Box::new(Call {
        callee,
        receiver,
        args,
        kwargs: Vec::new(),
        is_new: false,
        pos: p,
        text,
        key: None,
    }))
}

fn has_annotation(l: &Lower, n: Node, names: &[&str]) -> bool {
    named_children(n)
        .into_iter()
        .filter(|c| c.kind_name() == "modifiers")
        .flat_map(named_children)
        .filter(|a| matches!(a.kind_name(), "annotation" | "marker_annotation"))
        .any(|a| {
            a.field("name")
                .map(|x| l.text(x))
                .is_some_and(|t| names.contains(&t.rsplit('.').next().unwrap_or(&t)))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn callees(src: &str) -> Vec<String> {
        let m = lower(src).expect("lowers");
        let mut out = Vec::new();
        for f in m.functions.iter().chain(&m.routes) {
            super::super::ir::visit_body(&f.body, &mut |_| {}, &mut |c| out.push(c.callee.clone()));
        }
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn calls_are_named_by_the_receivers_type() {
        let src = r#"
package com.example;
import java.sql.Statement;
import com.example.util.Helper;
import software.amazon.awssdk.services.glue.model.*;
import software.amazon.awssdk.services.s3.*;
public class App {
    private final Runtime rt = Runtime.getRuntime();
    public String run(String cmd, Statement st) throws Exception {
        st.execute("SELECT " + cmd);
        Runtime.getRuntime().exec(cmd);
        rt.exec(cmd);
        Helper.clean(cmd);
        new Other().go();
        S3Client.create().listBuckets();
        local(cmd);
        return cmd.trim();
    }
    void local(String s) {}
}
"#;
        let c = callees(src);
        for want in [
            "java.sql.Statement.execute",
            "java.lang.Runtime.getRuntime.exec",
            "java.lang.Runtime.exec",
            "com.example.util.Helper.clean",
            // The file's package comes before `.*` imports; SDK clients from an SDK package's.
            "com.example.Other.go",
            "software.amazon.awssdk.services.s3.S3Client.create.listBuckets",
            "local",
            "java.lang.String.trim",
        ] {
            assert!(c.contains(&want.to_string()), "{want} not in {c:?}");
        }
    }

    #[test]
    fn servlet_methods_are_routes_with_only_the_request_as_data() {
        let src = r#"
import javax.servlet.http.*;
public class T extends HttpServlet {
    public void doPost(HttpServletRequest request, HttpServletResponse response) {}
    public void helper(String s) {}
}
"#;
        let m = lower(src).expect("lowers");
        assert_eq!(m.routes.len(), 1);
        let names: Vec<String> = m.routes[0]
            .params
            .iter()
            .map(|p| match p {
                Param::Name(n) => n.clone(),
                Param::Destructure(_) => String::new(),
            })
            .collect();
        assert_eq!(names, vec!["request".to_string(), String::new()]);
    }

    #[test]
    fn hostile_nesting_is_bounded() {
        let src = format!(
            "class A {{ void f() {{ int x = {}1{}; }} }}",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        assert!(lower(&src).is_some());
    }
}
