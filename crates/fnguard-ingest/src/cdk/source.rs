//! Reads CDK application source (TypeScript/JavaScript or Python) into the constructs it
//! instantiates and the methods it calls on them, with their arguments as values: literals,
//! local constants, references to other constructs and enum members (`Runtime.NODEJS_20_X`).
//! Anything else stays an unknown with its reason.

use fnguard_syntax::NodeExt;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tree_sitter::{Node as TsNode, Parser, Tree};

/// Expressions nested deeper than this are unknown (hostile or generated input).
const MAX_DEPTH: usize = 64;
/// Construct classes of the application instantiated inside one another deeper than this are
/// not followed.
const MAX_NESTING: usize = 8;
/// A class of the application is read for at most this many of its instances.
const MAX_INSTANCES: usize = 16;
/// A loop over a known list is read once per item for at most this many items.
const MAX_LOOP_ITEMS: usize = 32;
/// Loop bodies read per item, in all of an application: nested loops multiply, so past this
/// every loop body is read once.
const MAX_LOOP_PASSES: usize = 512;
/// At most this many constructs per application.
const MAX_CONSTRUCTS: usize = 20_000;

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
    /// A construct scope (`this` of a construct class, what was passed as `scope`, a
    /// `new Stack(app, "Id")`): its stack's id (empty when not known) and the construct ids
    /// below the stack.
    Scope(String, Vec<String>),
    /// A string built from parts (`"integrations/" + integ.ref`, `` `${name}-fn` ``).
    Concat(Vec<Val>),
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
    /// Where it is in the construct tree: the stack and the constructs around it
    /// (`ApiStack/Workers`), or the class whose body declares it when no instantiation of that
    /// class was followed.
    pub scope: String,
    /// The ids of the application's constructs around it inside its stack, joined: CDK
    /// prefixes logical ids with them.
    pub id_prefix: String,
    pub at: Val,
    /// An existing resource (`Bucket.fromBucketName(...)`): what identifies it (an ARN or a
    /// name, as `V::Map` with `arn`/`name` for attribute imports); no resource is created.
    pub imported: Option<Val>,
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
    "Policy",
    "ManagedPolicy",
    "LayerVersion",
    "WebSocketApi",
    "StateMachine",
    "Key",
    "StringParameter",
    "LogGroup",
];

/// Methods that build a Step Functions definition from states (`submit.next(wait)`): their
/// value keeps the state they are called on, so a state machine knows every task.
const CHAIN_METHODS: &[&str] = &[
    "next",
    "when",
    "otherwise",
    "afterwards",
    "branch",
    "addCatch",
    "addRetry",
    "start",
    "toSingleState",
    "iterator",
    "itemProcessor",
];

/// The method recorded on a function a CodePipeline `LambdaInvokeAction` invokes.
pub(crate) const PIPELINE_INVOKE: &str = "#pipelineInvoke";

/// The method recorded on a function for a grant by a construct fnguard does not model.
pub(crate) const UNMODELLED_GRANT: &str = "#unmodelledGrant";

/// Python callers may pass positional parameters by name (`SqsEventSource(queue=q)`,
/// `Queue(self, id="Jobs")`): the names, in order, of the parameters read positionally.
/// `a|b` accepts either name.
const POSITIONAL: &[(&str, &[&str])] = &[
    ("LambdaFunction", &["handler"]),
    ("SqsEventSource", &["queue"]),
    ("S3EventSource", &["bucket"]),
    ("DynamoEventSource", &["table"]),
    ("KinesisEventSource", &["stream"]),
    ("SnsEventSource", &["topic"]),
    ("LambdaSubscription", &["fn"]),
    ("LambdaDestination", &["fn"]),
    ("SqsDestination", &["queue"]),
    ("SnsDestination", &["topic"]),
    ("EventBridgeDestination", &["eventBus"]),
    ("LambdaIntegration", &["handler"]),
    ("HttpLambdaIntegration", &["id", "handler"]),
    ("WebSocketLambdaIntegration", &["id", "handler"]),
    ("addEventSource", &["source"]),
    ("addEventNotification", &["event", "dest"]),
    ("addObjectCreatedNotification", &["dest"]),
    ("addObjectRemovedNotification", &["dest"]),
    ("addSubscription", &["subscription"]),
    ("addTarget", &["target"]),
    ("addToRolePolicy", &["statement"]),
    ("addToPolicy", &["statement"]),
    ("addToPrincipalPolicy", &["statement"]),
    ("addManagedPolicy", &["policy"]),
    ("addEnvironment", &["key", "value"]),
    ("addResource", &["pathPart"]),
    ("addMethod", &["httpMethod", "integration"]),
    ("grant*", &["grantee|identity|principal"]),
];

/// Moves keyword arguments named like `callee`'s leading parameters into the positional list.
fn take_positional(callee: &str, args: &mut Vec<Val>, kwargs: &mut Vec<(String, Val)>) {
    let params = if CONSTRUCTS.contains(&callee) {
        &["scope", "id"][..]
    } else {
        let key = if callee.starts_with("grant") {
            "grant*"
        } else {
            callee
        };
        match POSITIONAL.iter().find(|(c, _)| *c == key) {
            Some((_, p)) => p,
            None => return,
        }
    };
    for (i, names) in params.iter().enumerate() {
        if args.len() > i {
            continue;
        }
        if args.len() < i {
            return;
        }
        let Some(at) = kwargs
            .iter()
            .position(|(k, _)| names.split('|').any(|n| n == k))
        else {
            return;
        };
        args.push(kwargs.remove(at).1);
    }
}

/// CDK modules (`aws-apigatewayv2`, `aws_apigatewayv2`) -> CloudFormation service names.
const CFN_SERVICES: &[(&str, &str)] = &[
    ("lambda", "Lambda"),
    ("apigateway", "ApiGateway"),
    ("apigatewayv2", "ApiGatewayV2"),
    ("iam", "IAM"),
    ("sqs", "SQS"),
    ("sns", "SNS"),
    ("s3", "S3"),
    ("dynamodb", "DynamoDB"),
    ("events", "Events"),
    ("kinesis", "Kinesis"),
    ("stepfunctions", "StepFunctions"),
    ("secretsmanager", "SecretsManager"),
    ("logs", "Logs"),
    ("kms", "KMS"),
    ("cognito", "Cognito"),
    ("ssm", "SSM"),
    ("scheduler", "Scheduler"),
    ("pipes", "Pipes"),
    ("elasticloadbalancingv2", "ElasticLoadBalancingV2"),
    ("appsync", "AppSync"),
];

/// `aws-cdk-lib/aws-apigatewayv2`, `@aws-cdk/aws-apigatewayv2`, `aws_cdk.aws_apigatewayv2`
/// -> `apigatewayv2`.
fn module_stem(module: &str) -> String {
    let last = module.rsplit(['/', '.']).next().unwrap_or(module);
    let last = last
        .strip_prefix("aws-")
        .or_else(|| last.strip_prefix("aws_"))
        .unwrap_or(last);
    last.replace('_', "-")
}

/// `Stream.fromStreamArn(this, "S", arn)`: an existing resource this application uses.
fn import_kind(method: &str) -> Option<&'static str> {
    let method = method.strip_suffix("V2").unwrap_or(method);
    if !method.starts_with("from") {
        return None;
    }
    if method.ends_with("Arn") {
        Some("arn")
    } else if method.ends_with("Name") || method.ends_with("Url") {
        Some("name")
    } else if method.ends_with("Attributes") {
        Some("attributes")
    } else {
        None
    }
}

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

struct Reader<'a, 't> {
    src: &'t [u8],
    file: Arc<str>,
    /// `file`'s index in the application's files.
    file_index: usize,
    lang: Lang,
    app: &'a mut App,
    /// Names bound in this file (`const q = ...`, `this.q = ...`, `self.q = ...`).
    scope: HashMap<String, Val>,
    class: String,
    /// Methods of the class being read, by name, until they are read: a method is read where
    /// the class first calls it (`this.makeFunction(...)`), so what it returns is known there.
    methods: HashMap<String, TsNode<'t>>,
    /// What the method being read returns.
    returned: Option<Val>,
    /// Methods being read, against recursion.
    active: usize,
    /// Names imported from CDK modules -> the module (`apigatewayv2`): what L1 classes are.
    modules: HashMap<String, String>,
    shared: &'t Shared<'t>,
    /// The stack being read (its construct id), when reached through its instantiation.
    stack: String,
    /// Construct ids between the stack and here (`Workers/Queue`).
    path: Vec<String>,
    /// Application classes being instantiated around this reader.
    nesting: usize,
    /// The class declaration this reader reads; others it meets are deferred.
    reading: Option<usize>,
    /// Whether instantiations of the application's classes are followed.
    follow: bool,
    /// Reading a file's module level for its bindings only: what it runs there (making the
    /// app's stacks) already ran where the file was executed.
    bindings_only: bool,
}

/// A source file of the application, parsed.
pub(crate) struct Parsed {
    pub rel: Arc<str>,
    pub text: String,
    pub tree: Tree,
    pub lang: Lang,
}

thread_local! {
    /// A parser per language and thread, reused from file to file.
    static PARSERS: std::cell::RefCell<Vec<(Lang, Parser)>> = const { std::cell::RefCell::new(Vec::new()) };
}

pub(crate) fn parse(rel: &str, text: String, lang: Lang) -> Option<Parsed> {
    let tree = PARSERS.with(|parsers| {
        let mut parsers = parsers.borrow_mut();
        let k = match parsers.iter().position(|(l, _)| *l == lang) {
            Some(k) => k,
            None => {
                let language = match lang {
                    Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
                    Lang::Python => tree_sitter_python::LANGUAGE.into(),
                };
                let mut parser = Parser::new();
                parser.set_language(&language).ok()?;
                parsers.push((lang, parser));
                parsers.len() - 1
            }
        };
        parsers[k].1.parse(&text, None)
    })?;
    Some(Parsed {
        rel: Arc::from(rel),
        text,
        tree,
        lang,
    })
}

/// An import statement: the module it names and the names it brings in.
struct Import {
    /// `"./config"`, `"aws-cdk-lib/aws-sqs"`, `".settings"`, `"aws_cdk"`, `"aws_cdk.aws_sqs"`.
    module: String,
    /// (imported name, local name). A whole module (`import * as x`, a default import,
    /// Python `import a.b as x`) is imported as `*`.
    names: Vec<(String, String)>,
}

/// The imports one statement makes (`import ... from "..."`, `from x import y`, `import x`).
fn read_imports(n: TsNode, src: &[u8], lang: Lang) -> Vec<Import> {
    let text = |n: TsNode| n.utf8_text(src).unwrap_or_default().to_string();
    match (lang, n.kind_name()) {
        (Lang::TypeScript, "import_statement") => {
            let Some(source) = n.field("source") else {
                return Vec::new();
            };
            let module = text(source).trim_matches(['"', '\'', '`']).to_string();
            let mut names = Vec::new();
            let mut stack = vec![n];
            while let Some(x) = stack.pop() {
                let mut c = x.walk();
                for k in x.named_children(&mut c) {
                    match k.kind_name() {
                        "namespace_import" => {
                            if let Some(id) = k.named_child(0) {
                                names.push(("*".to_string(), text(id)));
                            }
                        }
                        "import_specifier" => {
                            let Some(name) = k.field("name").map(text) else {
                                continue;
                            };
                            let local = k.field("alias").map(text).unwrap_or_else(|| name.clone());
                            names.push((name, local));
                        }
                        "identifier" => names.push(("*".to_string(), text(k))),
                        "import_clause" | "named_imports" => stack.push(k),
                        _ => {}
                    }
                }
            }
            vec![Import { module, names }]
        }
        (Lang::Python, "import_from_statement" | "import_statement") => {
            let from = n.field("module_name").map(text);
            let mut out = Vec::new();
            let mut names = Vec::new();
            let mut c = n.walk();
            for k in n.children_by_field_name("name", &mut c) {
                let (name, alias) = match k.kind_name() {
                    "aliased_import" => (k.field("name").map(text), k.field("alias").map(text)),
                    _ => (Some(text(k)), None),
                };
                let Some(name) = name else { continue };
                let local = alias.unwrap_or_else(|| name.clone());
                match &from {
                    Some(_) => names.push((name, local)),
                    // `import a.b as x`: the module itself.
                    None => out.push(Import {
                        module: name,
                        names: vec![("*".to_string(), local)],
                    }),
                }
            }
            if let Some(module) = from {
                out.push(Import { module, names });
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The files a local module import may name, from the importing file's folder (and, for
/// Python's absolute imports, the folders above it and the entry's).
fn module_files(module: &str, lang: Lang, dir: &Path, entry_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    match lang {
        Lang::TypeScript => {
            if module.starts_with('.') {
                let base = dir.join(module);
                for ext in [".ts", ".js", "/index.ts", "/index.js", ""] {
                    out.push(PathBuf::from(format!("{}{ext}", base.display())));
                }
            }
        }
        Lang::Python => {
            let dots = module.chars().take_while(|c| *c == '.').count();
            let rest = module[dots..].replace('.', "/");
            let mut bases = Vec::new();
            if dots > 0 {
                let mut b = dir.to_path_buf();
                for _ in 1..dots {
                    b = b.parent().map(Path::to_path_buf).unwrap_or_default();
                }
                bases.push(b);
            } else {
                bases.extend(dir.ancestors().take(4).map(Path::to_path_buf));
                bases.extend(entry_dir.map(Path::to_path_buf));
            }
            for b in bases {
                let m = b.join(&rest);
                out.push(PathBuf::from(format!("{}.py", m.display())));
                out.push(m.join("__init__.py"));
            }
        }
    }
    out
}

fn parent_dir(rel: &str) -> PathBuf {
    Path::new(rel)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The local files the imports of `file` may name, anywhere in it (imports inside functions
/// too), lexically normalized: a superset of what reading the app follows.
pub(crate) fn imported_paths(file: &Parsed, entry_dir: Option<&Path>) -> Vec<PathBuf> {
    let dir = parent_dir(&file.rel);
    let mut out = Vec::new();
    let mut cursor = file.tree.walk();
    'walk: loop {
        let n = cursor.node();
        let is_import = matches!(n.kind_name(), "import_statement" | "import_from_statement");
        if is_import {
            for import in read_imports(n, file.text.as_bytes(), file.lang) {
                out.extend(
                    module_files(&import.module, file.lang, &dir, entry_dir)
                        .iter()
                        .map(|p| crate::normalize_lexically(p)),
                );
            }
        }
        // TypeScript allows import declarations only at the top level of a module or a
        // namespace: function and class bodies (most of a file) are not entered. Python's may
        // be anywhere.
        let may_hold_imports = file.lang == Lang::Python
            || matches!(
                n.kind_name(),
                "program"
                    | "expression_statement"
                    | "internal_module"
                    | "module"
                    | "ambient_declaration"
                    | "statement_block"
            );
        if !is_import && may_hold_imports && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    out
}

/// The application's files by their (lexically normalized) path.
fn path_index(files: &[Parsed]) -> HashMap<PathBuf, usize> {
    files
        .iter()
        .enumerate()
        .map(|(k, f)| (crate::normalize_lexically(Path::new(f.rel.as_ref())), k))
        .collect()
}

/// The entry file and the local modules it imports, transitively: the code `cdk synth` runs.
fn executed_files(files: &[Parsed], entry: Option<usize>) -> std::collections::HashSet<usize> {
    let mut done = std::collections::HashSet::new();
    let Some(entry) = entry else { return done };
    let entry_dir = parent_dir(&files[entry].rel);
    let paths = path_index(files);
    let mut todo = vec![entry];
    while let Some(k) = todo.pop() {
        if !done.insert(k) {
            continue;
        }
        let f = &files[k];
        let dir = parent_dir(&f.rel);
        let root = f.tree.root_node();
        let mut c = root.walk();
        for item in root.named_children(&mut c) {
            for import in read_imports(item, f.text.as_bytes(), f.lang) {
                todo.extend(
                    module_files(&import.module, f.lang, &dir, Some(&entry_dir))
                        .iter()
                        .find_map(|p| paths.get(&crate::normalize_lexically(p)).copied()),
                );
            }
        }
    }
    done
}

/// What every reader of one application shares.
struct Shared<'t> {
    files: &'t [Parsed],
    /// `files` by path.
    paths: HashMap<PathBuf, usize>,
    /// Classes the application declares: name -> (file, declaration).
    classes: HashMap<String, (usize, TsNode<'t>)>,
    /// How many instances of each class were read.
    instances: RefCell<HashMap<String, usize>>,
    /// `cdk.json`'s `context`, for `tryGetContext`.
    context: serde_json::Map<String, serde_json::Value>,
    /// Classes met while reading files, read at the end unless an instantiation was followed.
    deferred: RefCell<Vec<(usize, TsNode<'t>)>>,
    /// Loop bodies read per item so far.
    loop_passes: std::cell::Cell<usize>,
    /// Top-level values of local modules other files import, by file.
    module_values: RefCell<HashMap<usize, Option<HashMap<String, Val>>>>,
    /// Where `cdk synth` runs (relative paths the app opens start there) and the scanned root
    /// (source positions are relative to it).
    app_dir: std::path::PathBuf,
    root: std::path::PathBuf,
    /// Configuration files the application loads (`config.yml`), by path.
    configs: RefCell<HashMap<std::path::PathBuf, Option<serde_json::Value>>>,
}

/// Configuration files larger than this are not read.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Reads the application from its entry file (the `app` command of `cdk.json`) the way it
/// runs: a stack or construct class of the application is read where it is instantiated, with
/// its parameters bound to the arguments (props passed to stacks and constructs) and once per
/// instance. Classes no followed code instantiates are read once on their own afterwards.
pub(crate) fn read_app(
    app: &mut App,
    files: &[Parsed],
    entry: Option<usize>,
    context: serde_json::Map<String, serde_json::Value>,
    dirs: (&std::path::Path, &std::path::Path),
) {
    let mut classes = HashMap::new();
    for (k, f) in files.iter().enumerate() {
        let mut stack = vec![f.tree.root_node()];
        while let Some(n) = stack.pop() {
            let mut c = n.walk();
            for child in n.named_children(&mut c) {
                match child.kind_name() {
                    "class_declaration" | "class_definition" | "abstract_class_declaration" => {
                        if let Some(name) = child.field("name") {
                            let name = name.utf8_text(f.text.as_bytes()).unwrap_or_default();
                            classes.entry(name.to_string()).or_insert((k, child));
                        }
                    }
                    "export_statement" | "decorated_definition" => stack.push(child),
                    _ => {}
                }
            }
        }
    }
    let shared = Shared {
        files,
        paths: path_index(files),
        classes,
        instances: RefCell::new(HashMap::new()),
        context,
        deferred: RefCell::new(Vec::new()),
        loop_passes: std::cell::Cell::new(0),
        module_values: RefCell::new(HashMap::new()),
        app_dir: dirs.0.to_path_buf(),
        root: dirs.1.to_path_buf(),
        configs: RefCell::new(HashMap::new()),
    };
    let order: Vec<usize> = entry
        .into_iter()
        .chain((0..files.len()).filter(|k| Some(*k) != entry))
        .collect();
    let executed = executed_files(files, entry);
    for k in order {
        let mut r = Reader::new(app, &shared, k);
        // With an entry, what files it never imports instantiate (tests, scripts) is not the
        // app; importing a module runs its top-level code.
        r.follow = entry.is_none() || executed.contains(&k);
        r.walk(files[k].tree.root_node(), 0);
    }
    // Classes no followed code instantiated, once each, on their own.
    let deferred: Vec<(usize, TsNode)> = shared.deferred.borrow().clone();
    for (k, decl) in deferred {
        let name = decl
            .field("name")
            .and_then(|x| x.utf8_text(files[k].text.as_bytes()).ok())
            .unwrap_or_default();
        if shared.instances.borrow().get(name).is_some_and(|c| *c > 0) {
            continue;
        }
        let mut r = Reader::new(app, &shared, k);
        r.module_level(files[k].tree.root_node());
        r.reading = Some(decl.id());
        r.walk(decl, 0);
    }
}

impl<'a, 't> Reader<'a, 't> {
    fn new(app: &'a mut App, shared: &'t Shared<'t>, file: usize) -> Self {
        let f = &shared.files[file];
        Reader {
            src: f.text.as_bytes(),
            file: f.rel.clone(),
            file_index: file,
            lang: f.lang,
            app,
            scope: HashMap::new(),
            class: String::new(),
            methods: HashMap::new(),
            returned: None,
            active: 0,
            modules: HashMap::new(),
            shared,
            stack: String::new(),
            path: Vec::new(),
            nesting: 0,
            reading: None,
            follow: true,
            bindings_only: false,
        }
    }

    /// `new OrdersStack(app, "Orders", { table })`: reads the class for this instance, in its
    /// own file, with the constructor's parameters bound to the arguments; the instance is its
    /// fields (`this.queue = ...`).
    fn instantiate(
        &mut self,
        n: TsNode<'t>,
        class: &str,
        args: &[Val],
        kwargs: &[(String, Val)],
    ) -> Option<Val> {
        let &(file, decl) = self.shared.classes.get(class)?;
        if self.nesting >= MAX_NESTING || self.app.constructs.len() >= MAX_CONSTRUCTS {
            return None;
        }
        {
            let mut counts = self.shared.instances.borrow_mut();
            let count = counts.entry(class.to_string()).or_insert(0);
            if *count >= MAX_INSTANCES {
                return None;
            }
            *count += 1;
        }
        let id = match args.get(1).map(|a| &a.v) {
            Some(V::Str(s)) => s.clone(),
            _ => class.to_string(),
        };
        let f = &self.shared.files[file];
        let heritage: String = {
            let mut c = decl.walk();
            decl.children(&mut c)
                .filter(|k| {
                    matches!(
                        k.kind_name(),
                        "class_heritage" | "argument_list" | "superclasses"
                    )
                })
                .map(|k| {
                    k.utf8_text(f.text.as_bytes())
                        .unwrap_or_default()
                        .to_string()
                })
                .collect()
        };
        let is_stack = heritage.contains("Stack") && !heritage.contains("NestedStack");
        let mut sub = Reader::new(&mut *self.app, self.shared, file);
        sub.nesting = self.nesting + 1;
        let here = if self.stack.is_empty() {
            self.class.clone()
        } else {
            self.stack.clone()
        };
        if is_stack {
            sub.stack = id;
        } else {
            // Inside the scope it is given.
            let (stack, path) = match args.first().map(|a| &a.v) {
                Some(V::Scope(st, p)) => (if st.is_empty() { here } else { st.clone() }, p.clone()),
                _ => (here, self.path.clone()),
            };
            sub.stack = stack;
            sub.path = path;
            sub.path.push(id);
        }
        sub.module_level(f.tree.root_node());
        let this = sub.val(decl, V::Scope(sub.stack.clone(), sub.path.clone()));
        sub.scope.insert("this".into(), this.clone());
        sub.scope.insert("self".into(), this);
        if is_stack {
            let name = sub.val(decl, V::Str(sub.stack.clone()));
            sub.scope.insert("this.stackName".into(), name.clone());
            sub.scope.insert("self.stack_name".into(), name);
        }
        sub.bind_constructor(decl, args, kwargs);
        sub.reading = Some(decl.id());
        sub.walk(decl, 1);
        let fields: Vec<(String, Val)> = sub
            .scope
            .iter()
            .filter_map(|(k, v)| {
                let field = k
                    .strip_prefix("this.")
                    .or_else(|| k.strip_prefix("self."))?;
                (!field.contains('.')).then(|| (field.to_string(), v.clone()))
            })
            .collect();
        Some(self.val(n, V::Map(fields)))
    }

    /// Whether `items` more per-item passes fit in the application's loop budget (and takes
    /// them).
    fn loop_budget(&self, items: usize) -> bool {
        let used = self.shared.loop_passes.get();
        if used + items > MAX_LOOP_PASSES {
            return false;
        }
        self.shared.loop_passes.set(used + items);
        true
    }

    /// A callback (`(name) => { ... }`) read with its first parameter bound to `item`.
    fn run_callback(&mut self, cb: TsNode<'t>, item: Val, d: usize) {
        let param = cb
            .field("parameter")
            .or_else(|| {
                cb.field("parameters")
                    .and_then(|ps| ps.named_child(0))
                    .map(|p| p.field("pattern").unwrap_or(p))
            })
            .filter(|p| p.kind_name() == "identifier");
        if let Some(p) = param {
            let name = self.text(p);
            self.scope.insert(name, item);
        }
        if let Some(body) = cb.field("body") {
            if body.kind_name() == "statement_block" {
                self.walk(body, d + 1);
            } else {
                self.expr(body, d + 1);
            }
        }
    }

    /// Imports and module-level bindings of a file read for a class it declares.
    fn module_level(&mut self, root: TsNode<'t>) {
        let (follow, bindings_only) = (self.follow, self.bindings_only);
        self.follow = false;
        self.bindings_only = true;
        self.module_level_items(root);
        self.follow = follow;
        self.bindings_only = bindings_only;
    }

    fn module_level_items(&mut self, root: TsNode<'t>) {
        let mut c = root.walk();
        let items: Vec<TsNode> = root.named_children(&mut c).collect();
        for item in items {
            let item = if item.kind_name() == "export_statement" {
                match item.field("declaration") {
                    Some(d) => d,
                    None => continue,
                }
            } else {
                item
            };
            match item.kind_name() {
                "import_statement" | "import_from_statement" => self.import(item),
                "lexical_declaration" | "variable_declaration" => self.walk(item, 1),
                // Python: `TABLE = "orders"` (not calls, which may make constructs of a script).
                "expression_statement"
                    if item
                        .named_child(0)
                        .is_some_and(|a| a.kind_name() == "assignment") =>
                {
                    self.walk(item, 1)
                }
                _ => {}
            }
        }
    }

    /// Binds the constructor's parameters (`scope, id, props` / `self, scope, construct_id, *,
    /// table, **kwargs`) to an instantiation's arguments.
    fn bind_constructor(&mut self, decl: TsNode<'t>, args: &[Val], kwargs: &[(String, Val)]) {
        let Some(body) = decl.field("body") else {
            return;
        };
        let mut c = body.walk();
        let ctor = body.named_children(&mut c).find(|m| {
            matches!(m.kind_name(), "method_definition" | "function_definition")
                && m.field("name")
                    .is_some_and(|x| matches!(self.text(x).as_str(), "constructor" | "__init__"))
        });
        let Some(params) = ctor.and_then(|m| m.field("parameters")) else {
            return;
        };
        let mut rest: Vec<(String, Val)> = kwargs.to_vec();
        let mut position = 0;
        let mut c = params.walk();
        let list: Vec<TsNode> = params.named_children(&mut c).collect();
        for p in list {
            let kind = p.kind_name();
            if kind == "dictionary_splat_pattern" {
                if let Some(name) = p.named_child(0) {
                    let name = self.text(name);
                    let all = self.val(p, V::Map(std::mem::take(&mut rest)));
                    self.scope.insert(name, all);
                }
                continue;
            }
            let id = match kind {
                "identifier" => Some(p),
                _ => p
                    .field("pattern")
                    .or_else(|| p.field("name"))
                    .or_else(|| p.named_child(0)),
            };
            let Some(id) = id.filter(|i| i.kind_name() == "identifier") else {
                continue;
            };
            let name = self.text(id);
            if name == "self" {
                continue;
            }
            let value = match args.get(position) {
                Some(v) => Some(v.clone()),
                None => rest
                    .iter()
                    .position(|(k, _)| *k == camel(&name))
                    .map(|i| rest.remove(i).1),
            };
            position += 1;
            if let Some(v) = value {
                // `constructor(..., private readonly props: Props)` is also a field.
                let mut pc = p.walk();
                if p.children(&mut pc)
                    .any(|k| k.kind_name() == "accessibility_modifier")
                {
                    self.scope.insert(format!("this.{name}"), v.clone());
                }
                self.scope.insert(name, v);
            }
        }
    }

    /// A name bound here, or a field of one (`props.prefix`, `this.workers.queue`).
    fn resolve(&self, name: &str) -> Option<Val> {
        if let Some(v) = self.scope.get(name) {
            return Some(v.clone());
        }
        let mut cut = name.len();
        while let Some(i) = name[..cut].rfind('.') {
            cut = i;
            let Some(base) = self.scope.get(&name[..cut]) else {
                continue;
            };
            let mut v = base.clone();
            for field in name[cut + 1..].split('.') {
                v = match &v.v {
                    V::Map(entries) => entries
                        .iter()
                        .find(|(k, _)| *k == field || *k == camel(field))
                        .map(|(_, x)| x.clone())?,
                    _ => return None,
                };
            }
            return Some(v);
        }
        None
    }

    /// The methods of a class body other than its constructor (`__init__`).
    fn class_methods(&self, class: TsNode<'t>) -> HashMap<String, TsNode<'t>> {
        let mut out = HashMap::new();
        let Some(body) = class.field("body") else {
            return out;
        };
        let mut c = body.walk();
        for m in body.named_children(&mut c) {
            // Python methods may be decorated.
            let m = if m.kind_name() == "decorated_definition" {
                match m.field("definition") {
                    Some(d) => d,
                    None => continue,
                }
            } else {
                m
            };
            if !matches!(m.kind_name(), "method_definition" | "function_definition") {
                continue;
            }
            let Some(name) = m.field("name").map(|n| self.text(n)) else {
                continue;
            };
            if name != "constructor" && name != "__init__" {
                out.insert(name, m);
            }
        }
        out
    }

    /// Reads a method of the current class at its first call, with its parameters bound to
    /// the call's arguments; what it returns is the call's value.
    fn call_method(&mut self, name: &str, args: &[Val], at: &Val) -> Option<Val> {
        if self.active > 8 {
            return None;
        }
        let m = self.methods.remove(name)?;
        if let Some(params) = m.field("parameters") {
            let mut c = params.walk();
            let names: Vec<String> = params
                .named_children(&mut c)
                .filter_map(|p| {
                    let id = match p.kind_name() {
                        "identifier" => Some(p),
                        _ => p
                            .field("pattern")
                            .or_else(|| p.field("name"))
                            .or_else(|| p.named_child(0)),
                    }?;
                    (id.kind_name() == "identifier").then(|| self.text(id))
                })
                .filter(|n| n != "self")
                .collect();
            for (name, v) in names.into_iter().zip(args.iter()) {
                self.scope.insert(name, v.clone());
            }
        }
        let saved = self.returned.take();
        self.active += 1;
        if let Some(body) = m.field("body") {
            self.walk(body, 1);
        }
        self.active -= 1;
        let v = std::mem::replace(&mut self.returned, saved);
        Some(v.unwrap_or_else(|| Val {
            v: V::Unknown(format!("what `{name}` returns")),
            ..at.clone()
        }))
    }

    /// A JSON or YAML file the application reads, once per path.
    fn config(&self, path: &std::path::Path) -> Option<serde_json::Value> {
        let path = crate::normalize_lexically(path);
        if let Some(v) = self.shared.configs.borrow().get(&path) {
            return v.clone();
        }
        let value = (|| {
            let meta = std::fs::symlink_metadata(&path).ok()?;
            if !meta.is_file() || meta.len() > MAX_CONFIG_BYTES {
                return None;
            }
            let text = std::fs::read_to_string(&path).ok()?;
            let name = path.to_string_lossy().to_ascii_lowercase();
            if name.ends_with(".json") {
                serde_json::from_str(&text).ok()
            } else if name.ends_with(".yml") || name.ends_with(".yaml") {
                crate::yaml::parse(&text, &name).root.map(|r| r.to_json())
            } else {
                None
            }
        })();
        self.shared.configs.borrow_mut().insert(path, value.clone());
        value
    }

    /// Records which CDK module each imported name comes from, and binds the constants
    /// imported from local modules.
    fn import(&mut self, n: TsNode) {
        for import in read_imports(n, self.src, self.lang) {
            for (name, local) in &import.names {
                // `import { aws_lambda as lambda } from "aws-cdk-lib"`,
                // `from aws_cdk import aws_sqs as sqs`: the name is the module.
                let module = if name.starts_with("aws_") {
                    module_stem(name)
                } else {
                    module_stem(&import.module)
                };
                self.modules.insert(local.clone(), module);
            }
            self.import_local_values(&import);
        }
    }

    /// `import { TABLES } from "./config"`, `from .settings import STAGES`: the values a local
    /// module binds at its top level, under the names this file gives them.
    fn import_local_values(&mut self, import: &Import) {
        if import.module.starts_with("aws_cdk") || import.module == "constructs" {
            return;
        }
        let pairs: Vec<&(String, String)> = import
            .names
            .iter()
            .filter(|(name, _)| name != "*")
            .collect();
        if pairs.is_empty() {
            return;
        }
        let dir = parent_dir(&self.file);
        let target = module_files(&import.module, self.lang, &dir, None)
            .iter()
            .find_map(|p| {
                self.shared
                    .paths
                    .get(&crate::normalize_lexically(p))
                    .copied()
            });
        let Some(values) = target.and_then(|t| self.module_values(t)) else {
            return;
        };
        for (name, local) in pairs {
            if let Some(v) = values.get(name) {
                self.scope.insert(local.clone(), v.clone());
            }
        }
    }

    /// What a module binds at its top level (constants, not constructs), once per module; a
    /// module being read (an import cycle) has none.
    fn module_values(&mut self, file: usize) -> Option<HashMap<String, Val>> {
        if let Some(v) = self.shared.module_values.borrow().get(&file) {
            return v.clone();
        }
        if self.nesting >= MAX_NESTING {
            return None;
        }
        self.shared.module_values.borrow_mut().insert(file, None);
        let mut sub = Reader::new(&mut *self.app, self.shared, file);
        sub.nesting = self.nesting + 1;
        sub.module_level(self.shared.files[file].tree.root_node());
        let values: HashMap<String, Val> = sub
            .scope
            .into_iter()
            .filter(|(k, v)| !k.contains('.') && !matches!(v.v, V::Unknown(_)))
            .collect();
        self.shared
            .module_values
            .borrow_mut()
            .insert(file, Some(values.clone()));
        Some(values)
    }

    /// The CDK module a class name comes from (`lambda` for `lambda.Function` or an imported
    /// `Function`), when the file's imports say.
    fn module_of(&self, callee: &str) -> Option<String> {
        let segments: Vec<&str> = callee.split('.').collect();
        if let Some(m) = segments
            .iter()
            .rev()
            .skip(1)
            .find(|s| s.starts_with("aws_"))
        {
            return Some(module_stem(m));
        }
        self.modules.get(*segments.first()?).cloned()
    }

    /// The CloudFormation type of an L1 class (`apigwv2.CfnRoute` ->
    /// `AWS::ApiGatewayV2::Route`), from the module it is imported from.
    fn l1_type(&self, callee: &str, class: &str) -> Option<String> {
        let rest = class.strip_prefix("Cfn").filter(|r| !r.is_empty())?;
        let segments: Vec<&str> = callee.split('.').collect();
        let module = segments
            .iter()
            .rev()
            .skip(1)
            .find(|s| s.starts_with("aws_"))
            .map(|s| module_stem(s))
            .or_else(|| {
                segments
                    .first()
                    .and_then(|first| self.modules.get(*first).cloned())
            })?;
        let service = CFN_SERVICES
            .iter()
            .find(|(m, _)| *m == module)
            .map(|(_, s)| *s)?;
        Some(format!("AWS::{service}::{rest}"))
    }

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
    fn walk(&mut self, n: TsNode<'t>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match n.kind_name() {
            "class_declaration" | "class_definition" | "abstract_class_declaration"
                if self.reading != Some(n.id()) =>
            {
                // Read where it is instantiated, or at the end.
                self.shared.deferred.borrow_mut().push((self.file_index, n));
                return;
            }
            "class_declaration" | "class_definition" | "abstract_class_declaration" => {
                let saved = std::mem::take(&mut self.class);
                // `this` of a class read on its own: the root of its construct tree.
                let root = self.val(n, V::Scope(self.stack.clone(), self.path.clone()));
                self.scope
                    .entry("this".into())
                    .or_insert_with(|| root.clone());
                self.scope.entry("self".into()).or_insert(root);
                let methods = self.class_methods(n);
                let saved_methods = std::mem::replace(&mut self.methods, methods);
                self.class = n.field("name").map(|c| self.text(c)).unwrap_or_default();
                // The constructor and fields first; methods where they are called, and the
                // ones never called from it after.
                let method_names: Vec<String> = self.methods.keys().cloned().collect();
                if let Some(body) = n.field("body") {
                    let mut c = body.walk();
                    let members: Vec<TsNode> = body.named_children(&mut c).collect();
                    for m in members {
                        let def = if m.kind_name() == "decorated_definition" {
                            m.field("definition").unwrap_or(m)
                        } else {
                            m
                        };
                        let name = def.field("name").map(|x| self.text(x));
                        if name.is_some_and(|x| method_names.contains(&x)) {
                            continue;
                        }
                        self.walk(m, depth + 1);
                    }
                }
                let mut rest: Vec<(String, TsNode)> = self.methods.drain().collect();
                rest.sort_by_key(|(_, m)| m.start_byte());
                for (_, m) in rest {
                    self.walk(m, depth + 1);
                }
                self.methods = saved_methods;
                self.class = saved;
                return;
            }
            // `readonly entry = path.join(__dirname, "...")`: a field of the instance.
            "public_field_definition" => {
                if let (Some(name), Some(value)) = (n.field("name"), n.field("value")) {
                    let v = self.expr(value, depth + 1);
                    let key = format!("this.{}", self.text(name));
                    self.scope.insert(key, v);
                    return;
                }
            }
            "import_statement" | "import_from_statement" => {
                self.import(n);
                return;
            }
            // `for (const name of names)`, `for name in names:`: the body once per item of a
            // known list, else once with the name unknown.
            "for_in_statement" | "for_statement" => {
                if let (Some(left), Some(right), Some(body)) =
                    (n.field("left"), n.field("right"), n.field("body"))
                {
                    let over_keys = n.field("operator").is_some_and(|o| self.text(o) == "in")
                        && self.lang == Lang::TypeScript;
                    let items = self.expr(right, depth + 1);
                    let name = (left.kind_name() == "identifier").then(|| self.text(left));
                    match (&items.v, name) {
                        (V::List(list), Some(name))
                            if !over_keys
                                && (1..=MAX_LOOP_ITEMS).contains(&list.len())
                                && self.loop_budget(list.len()) =>
                        {
                            for item in list.clone() {
                                self.scope.insert(name.clone(), item);
                                self.walk(body, depth + 1);
                            }
                        }
                        _ => self.walk(body, depth + 1),
                    }
                    return;
                }
            }
            "return_statement" => {
                if let Some(value) = n.named_child(0) {
                    let v = self.expr(value, depth + 1);
                    self.returned = Some(v);
                    return;
                }
            }
            "variable_declarator" => {
                if let (Some(name), Some(value)) = (n.field("name"), n.field("value")) {
                    let v = self.expr(value, depth + 1);
                    if name.kind_name() == "identifier" {
                        self.scope.insert(self.text(name), v);
                    }
                    return;
                }
            }
            // `with open("config.yml") as stream:`.
            "as_pattern" => {
                if let (Some(value), Some(alias)) = (n.named_child(0), n.field("alias")) {
                    let v = self.expr(value, depth + 1);
                    let name = self.text(alias);
                    self.scope.insert(name, v);
                    return;
                }
            }
            "assignment_expression" | "assignment" => {
                if let (Some(left), Some(right)) = (n.field("left"), n.field("right")) {
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

    fn children(&mut self, n: TsNode<'t>, depth: usize) {
        let mut c = n.walk();
        let kids: Vec<TsNode> = n.named_children(&mut c).collect();
        for k in kids {
            self.walk(k, depth + 1);
        }
    }

    fn dotted(&self, n: TsNode) -> Option<String> {
        match n.kind_name() {
            "identifier" | "this" | "self" | "property_identifier" => Some(self.text(n)),
            "member_expression" => Some(format!(
                "{}.{}",
                self.dotted(n.field("object")?)?,
                self.text(n.field("property")?)
            )),
            "attribute" => Some(format!(
                "{}.{}",
                self.dotted(n.field("object")?)?,
                self.text(n.field("attribute")?)
            )),
            "non_null_expression" | "parenthesized_expression" => self.dotted(n.named_child(0)?),
            _ => None,
        }
    }

    fn expr(&mut self, n: TsNode<'t>, depth: usize) -> Val {
        if depth > MAX_DEPTH {
            return self.val(n, V::Unknown("nested too deeply".into()));
        }
        let d = depth + 1;
        match n.kind_name() {
            "string" => {
                let t = self.text(n);
                // Python string prefixes and quotes.
                let t = t.trim_start_matches(['r', 'b', 'u', 'R', 'B', 'U']);
                if t.starts_with(['f', 'F']) {
                    // f"{name}-fn": literal parts and interpolations.
                    let mut c = n.walk();
                    let kids: Vec<TsNode> = n.named_children(&mut c).collect();
                    let mut parts = Vec::new();
                    for k in kids {
                        match k.kind_name() {
                            "string_content" => parts.push(self.val(k, V::Str(self.text(k)))),
                            "interpolation" => {
                                let v = match k.field("expression") {
                                    Some(e) => self.expr(e, d),
                                    None => self.val(k, V::Unknown("empty".into())),
                                };
                                parts.push(v);
                            }
                            _ => {}
                        }
                    }
                    return concat(self.val(n, V::Bool(false)), parts);
                }
                let inner = t
                    .trim_start_matches("\"\"\"")
                    .trim_end_matches("\"\"\"")
                    .trim_matches(['"', '\'']);
                self.val(n, V::Str(inner.to_string()))
            }
            "template_string" => {
                let mut c = n.walk();
                let kids: Vec<TsNode> = n.named_children(&mut c).collect();
                if !kids
                    .iter()
                    .any(|k| k.kind_name() == "template_substitution")
                {
                    let t = self.text(n);
                    return self.val(n, V::Str(t.trim_matches('`').to_string()));
                }
                // The literal text between substitutions, and each substitution's value.
                let mut parts = Vec::new();
                let mut from = n.start_byte() + 1;
                for k in kids
                    .iter()
                    .filter(|k| k.kind_name() == "template_substitution")
                {
                    if k.start_byte() > from {
                        let lit =
                            String::from_utf8_lossy(&self.src[from..k.start_byte()]).to_string();
                        parts.push(self.val(*k, V::Str(lit)));
                    }
                    let inner = match k.named_child(0) {
                        Some(e) => self.expr(e, d),
                        None => self.val(*k, V::Unknown("empty".into())),
                    };
                    parts.push(inner);
                    from = k.end_byte();
                }
                let end = n.end_byte().saturating_sub(1);
                if end > from {
                    let lit = String::from_utf8_lossy(&self.src[from..end]).to_string();
                    parts.push(self.val(n, V::Str(lit)));
                }
                concat(self.val(n, V::Bool(false)), parts)
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
                    .filter(|i| i.kind_name() != "comment")
                    .map(|i| self.expr(i, d))
                    .collect();
                self.val(n, V::List(vals))
            }
            "object" | "dictionary" => {
                let mut c = n.walk();
                let pairs: Vec<TsNode> = n.named_children(&mut c).collect();
                let mut out = Vec::new();
                for p in pairs {
                    match p.kind_name() {
                        "pair" => {
                            let (Some(k), Some(v)) = (p.field("key"), p.field("value")) else {
                                continue;
                            };
                            let key = self.text(k).trim_matches(['"', '\'']).to_string();
                            let value = self.expr(v, d);
                            out.retain(|(x, _)| *x != key);
                            out.push((key, value));
                        }
                        "shorthand_property_identifier" => {
                            let name = self.text(p);
                            let value = self.lookup(p, &name);
                            out.push((name, value));
                        }
                        // `{...common, handler: "x"}`, `{**common, "k": v}`: later keys win.
                        "spread_element" | "dictionary_splat" => {
                            if let Some(inner) = p.named_child(0) {
                                if let V::Map(entries) = self.expr(inner, d).v {
                                    for (k, v) in entries {
                                        out.retain(|(x, _)| *x != k);
                                        out.push((k, v));
                                    }
                                }
                            }
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
            // A callback (`items.forEach(i => ...)` over an unknown list, event handlers):
            // what it builds is read once.
            "arrow_function" | "function_expression" => {
                if let Some(body) = n.field("body") {
                    if body.kind_name() == "statement_block" {
                        self.walk(body, d);
                    } else {
                        self.expr(body, d);
                    }
                }
                self.val(n, V::Unknown("a function".into()))
            }
            // `props["table"]`, `config["region"]`.
            "subscript" | "subscript_expression" => {
                let base = n.field("value").or_else(|| n.field("object"));
                let index = n.field("subscript").or_else(|| n.field("index"));
                if let (Some(b), Some(i)) = (base, index) {
                    if let (V::Map(entries), V::Str(key)) = (self.expr(b, d).v, self.expr(i, d).v) {
                        if let Some((_, v)) = entries.into_iter().find(|(k, _)| *k == key) {
                            return v;
                        }
                    }
                }
                self.val(
                    n,
                    V::Unknown(format!(
                        "`{}`",
                        self.text(n).chars().take(40).collect::<String>()
                    )),
                )
            }
            // `"prefix-" + name`, `__dirname + "/../lambda"` (a path join).
            "binary_expression" | "binary_operator"
                if n.field("operator").is_some_and(|o| self.text(o) == "+") =>
            {
                let (Some(l), Some(r)) = (n.field("left"), n.field("right")) else {
                    return self.val(n, V::Unknown("a sum".into()));
                };
                let (lv, rv) = (self.expr(l, d), self.expr(r, d));
                match (&lv.v, &rv.v) {
                    (V::Unknown(u), V::Str(b)) if u.contains("__dirname") && b.starts_with('/') => {
                        self.val(n, V::Call("join".into(), vec![lv.clone(), rv.clone()]))
                    }
                    // Numbers add; only strings (or references) are joined.
                    (V::Num(_), _) | (_, V::Num(_)) => self.val(
                        n,
                        V::Unknown(format!(
                            "`{}`",
                            self.text(n).chars().take(40).collect::<String>()
                        )),
                    ),
                    _ => concat(self.val(n, V::Bool(false)), vec![lv, rv]),
                }
            }
            _ => {
                let t = self.text(n);
                let short: String = t.chars().take(40).collect();
                self.val(n, V::Unknown(format!("`{short}`")))
            }
        }
    }

    /// A name: a binding of this file, a construct's attribute, or a library constant.
    fn lookup(&self, n: TsNode, name: &str) -> Val {
        if let Some(mut v) = self.resolve(name) {
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
            }) = self.resolve(base)
            {
                return self.val(n, V::Attr(i, camel(attr)));
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

    fn call(&mut self, n: TsNode<'t>, d: usize) -> Val {
        let is_new = n.kind_name() == "new_expression";
        let func = n.field("function").or_else(|| n.field("constructor"));
        let callee = func.and_then(|f| self.dotted(f)).unwrap_or_default();
        // `names.forEach((name) => { ... })` over a known list: the callback once per item.
        if let Some((base, method)) = callee.rsplit_once('.') {
            if matches!(method, "forEach" | "map" | "flatMap") {
                if let Some(Val {
                    v: V::List(items), ..
                }) = self.resolve(base)
                {
                    let callback =
                        n.field("arguments")
                            .and_then(|a| a.named_child(0))
                            .filter(|c| {
                                matches!(c.kind_name(), "arrow_function" | "function_expression")
                            });
                    if let Some(cb) = callback {
                        if (1..=MAX_LOOP_ITEMS).contains(&items.len())
                            && self.loop_budget(items.len())
                        {
                            for item in items {
                                self.run_callback(cb, item, d);
                            }
                            return self.val(n, V::Unknown(format!("the result of `{callee}`")));
                        }
                    }
                }
            }
        }
        let (mut args, mut kwargs) = self.arguments(n, d);
        // `from_asset` (Python) is `fromAsset`.
        // `a.next(b).next(c)`: a method of a call's result still has a name.
        let method_name = func
            .filter(|f| matches!(f.kind_name(), "member_expression" | "attribute"))
            .and_then(|f| f.field("property").or_else(|| f.field("attribute")))
            .map(|p| self.text(p));
        let last = match callee.rsplit('.').next() {
            Some(l) if !l.is_empty() => camel(l),
            _ => camel(method_name.as_deref().unwrap_or("")),
        };
        take_positional(&last, &mut args, &mut kwargs);
        // `this.makeQueue(...)`: a method of this class, read here.
        if let Some(method) = callee
            .strip_prefix("this.")
            .or_else(|| callee.strip_prefix("self."))
        {
            if self.methods.contains_key(method) {
                let at = self.val(n, V::Bool(false));
                let method = method.to_string();
                if let Some(v) = self.call_method(&method, &args, &at) {
                    return v;
                }
            }
        }
        let capitalised = last.chars().next().is_some_and(char::is_uppercase);
        // An L1 construct: `new CfnRoute(this, "Id", {...})`.
        if (is_new || (self.lang == Lang::Python && capitalised))
            && args.len() >= 2
            && !matches!(args[0].v, V::Str(_))
        {
            if let Some(ty) = self.l1_type(&callee, &last) {
                let props = match (args.get(2), kwargs.is_empty()) {
                    (Some(p), _) => p.clone(),
                    (None, false) => self.val(n, V::Map(std::mem::take(&mut kwargs))),
                    (None, true) => self.val(n, V::Map(Vec::new())),
                };
                let id = args[1].clone();
                let scope = args[0].clone();
                return self.construct(n, ty, &id, props, None, Some(&scope));
            }
        }
        // A construct: `new X(scope, "Id", props)` / `X(self, "Id", **props)`; a class of
        // another module with the same name (`cloudfront.Function`) is not one.
        let foreign = self
            .module_of(&callee)
            .is_some_and(|m| last == "Function" && !m.starts_with("lambda"));
        if (is_new || (self.lang == Lang::Python && capitalised))
            && !foreign
            && CONSTRUCTS.contains(&last.as_str())
            && args.len() >= 2
            // A scope comes first; JavaScript's own `new Function("a", "return a")` has none.
            && !matches!(args[0].v, V::Str(_))
        {
            let props = match (args.get(2), kwargs.is_empty()) {
                (Some(p), _) => p.clone(),
                (None, false) => self.val(n, V::Map(kwargs)),
                (None, true) => self.val(n, V::Map(Vec::new())),
            };
            let scope = args[0].clone();
            return self.construct(n, last, &args[1], props, None, Some(&scope));
        }
        // `new OrdersStack(app, "Orders", props)`: a class of the application.
        if (is_new || (self.lang == Lang::Python && capitalised))
            && args.len() >= 2
            && !matches!(args[0].v, V::Str(_))
            && self.follow
            && self.shared.classes.contains_key(&last)
        {
            if let Some(v) = self.instantiate(n, &last, &args, &kwargs) {
                return v;
            }
        }
        // `new cdk.Stack(app, "Monitoring")`: a stack constructs can be put in.
        if last == "Stack" && (is_new || self.lang == Lang::Python) {
            if let Some(V::Str(id)) = args.get(1).map(|a| &a.v) {
                return self.val(n, V::Scope(id.clone(), Vec::new()));
            }
        }
        // A configuration file the app loads: `yaml.safe_load(open("config.yml"))`,
        // `json.load(f)`, `JSON.parse(fs.readFileSync("config.json", "utf8"))`,
        // `require("./config.json")`.
        let loader = matches!(
            (callee.as_str(), last.as_str()),
            (_, "safeLoad" | "fullLoad" | "unsafeLoad")
                | ("yaml.load" | "json.load" | "JSON.parse" | "require", _)
        );
        if loader {
            let from = match args.first().map(|a| &a.v) {
                Some(V::Str(p)) if callee == "require" => {
                    let file = self.shared.root.join(self.file.as_ref());
                    file.parent().map(|d| d.join(p))
                }
                Some(V::Call(open, a)) if open == "open" || open == "readFileSync" => {
                    match a.first().map(|x| &x.v) {
                        Some(V::Str(p)) => Some(self.shared.app_dir.join(p)),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some(value) = from.and_then(|p| self.config(&p)) {
                return json_val(self.val(n, V::Bool(false)), &value);
            }
        }
        // `this.node.tryGetContext("stage")`: a value of `cdk.json`'s context.
        if last == "tryGetContext" {
            if let Some(V::Str(key)) = args.first().map(|a| &a.v) {
                if let Some(v) = self.shared.context.get(key) {
                    return json_val(self.val(n, V::Bool(false)), v);
                }
            }
        }
        // `props.get("table")`, `kwargs.get("env")`.
        if last == "get" {
            if let (Some((base, _)), Some(V::Str(key))) =
                (callee.rsplit_once('.'), args.first().map(|a| &a.v))
            {
                if let Some(Val {
                    v: V::Map(entries), ..
                }) = self.resolve(base)
                {
                    if let Some((_, v)) =
                        entries.iter().find(|(k, _)| *k == *key || *k == camel(key))
                    {
                        return v.clone();
                    }
                }
            }
        }
        // `Bucket.fromBucketName(this, "B", name)`: an imported resource.
        if let Some((class_path, method)) = callee.rsplit_once('.') {
            let class = class_path.rsplit('.').next().unwrap_or("");
            let method = camel(method);
            if let (true, Some(kind), Some(id)) = (
                CONSTRUCTS.contains(&class),
                import_kind(&method),
                args.get(1),
            ) {
                let what = match kind {
                    "attributes" => args
                        .get(2)
                        .cloned()
                        .unwrap_or_else(|| self.val(n, V::Map(std::mem::take(&mut kwargs)))),
                    _ => {
                        let v = args
                            .get(2)
                            .cloned()
                            .or_else(|| kwargs.first().map(|k| k.1.clone()));
                        let v = v.unwrap_or_else(|| self.val(n, V::Unknown("no value".into())));
                        self.val(n, V::Map(vec![(kind.to_string(), v)]))
                    }
                };
                let id = id.clone();
                let empty = self.val(n, V::Map(Vec::new()));
                return self.construct(n, class.to_string(), &id, empty, Some(what), None);
            }
        }
        // `api.root.addResource("items").addMethod("GET", integration)`, also chained.
        let chained = func
            .filter(|f| matches!(f.kind_name(), "member_expression" | "attribute"))
            .and_then(|f| {
                let obj = f.field("object")?;
                let prop = f.field("property").or_else(|| f.field("attribute"))?;
                matches!(obj.kind_name(), "call_expression" | "call")
                    .then(|| (obj, self.text(prop)))
            });
        // The value of the call this one is chained on, read once.
        let mut receiver: Option<Val> = None;
        let target = match chained {
            Some((obj, method)) => {
                let v = self.expr(obj, d);
                let t = match &v.v {
                    V::ApiPath(api, path) => Some((*api, path.clone(), method)),
                    _ => None,
                };
                receiver = Some(v);
                t
            }
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
        // `queue.grantSendMessages(fn)`: a method of a construct; `fn.role.addManagedPolicy(p)`
        // one of a function's role.
        if let Some((base, method)) = callee.rsplit_once('.') {
            let (base, method) = match base.strip_suffix(".role") {
                Some(f) if matches!(self.resolve(f).map(|v| v.v), Some(V::Construct(_))) => {
                    let m = match camel(method).as_str() {
                        "addToPrincipalPolicy" | "addToPolicy" => "addToRolePolicy".to_string(),
                        other => other.to_string(),
                    };
                    (f, m)
                }
                _ => (base, method.to_string()),
            };
            let method = method.as_str();
            if let Some(Val {
                v: V::Construct(i), ..
            }) = self.resolve(base)
            {
                take_positional(&camel(method), &mut args, &mut kwargs);
                let mut all = args.clone();
                if !kwargs.is_empty() {
                    all.push(self.val(n, V::Map(kwargs.clone())));
                }
                let at = self.val(n, V::Bool(false));
                self.app.calls.push(MethodCall {
                    target: i,
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
        // `new LambdaInvokeAction({ lambda: fn })`: the pipeline action lets the function
        // report its job's result.
        if last == "LambdaInvokeAction" {
            let props = args
                .first()
                .cloned()
                .unwrap_or_else(|| self.val(n, V::Map(kwargs.clone())));
            if let V::Map(entries) = &props.v {
                if let Some((
                    _,
                    Val {
                        v: V::Construct(f), ..
                    },
                )) = entries.iter().find(|(k, _)| k == "lambda")
                {
                    let at = self.val(n, V::Bool(false));
                    self.app.calls.push(MethodCall {
                        target: *f,
                        method: PIPELINE_INVOKE.into(),
                        args: Vec::new(),
                        at,
                    });
                }
            }
        }
        // `dbCluster.secret?.grantRead(fn)`: a grant by something fnguard does not model, to
        // a function of the app: that role has permissions fnguard cannot list.
        if last.starts_with("grant") && callee.contains('.') {
            let grantee = match args.first().map(|a| &a.v) {
                Some(V::Construct(i)) => Some(*i),
                Some(V::Attr(i, a)) if a == "role" || a == "grantPrincipal" => Some(*i),
                _ => None,
            };
            if let Some(i) = grantee {
                let at = self.val(n, V::Bool(false));
                let what = self.val(n, V::Str(callee.clone()));
                self.app.calls.push(MethodCall {
                    target: i,
                    method: UNMODELLED_GRANT.into(),
                    args: vec![what],
                    at,
                });
            }
        }
        let mut all = args;
        if !kwargs.is_empty() {
            all.push(self.val(n, V::Map(kwargs)));
        }
        if CHAIN_METHODS.contains(&last.as_str()) {
            let receiver = match (receiver, func.and_then(|f| f.field("object"))) {
                (Some(r), _) => Some(r),
                (None, Some(obj)) => Some(self.expr(obj, d)),
                (None, None) => None,
            };
            if let Some(r) = receiver {
                all.insert(0, r);
            }
        }
        self.val(n, V::Call(last, all))
    }

    /// Records a construct. An id built at run time (`` `${name}Fn` ``, `f"{name}-fn"`) gets a
    /// stand-in from the class and line, so the construct is still read.
    fn construct(
        &mut self,
        n: TsNode,
        class: String,
        id: &Val,
        props: Val,
        imported: Option<Val>,
        parent: Option<&Val>,
    ) -> Val {
        let mut id = match &id.v {
            V::Str(s) => s.clone(),
            _ => format!("{}{}", class.rsplit("::").next().unwrap_or(&class), id.line),
        };
        // A construct created in the scope it was given (`new Function(scope, ...)` inside a
        // construct class) sits beside that construct, not inside it.
        let (mut path, parent_stack) = match parent.map(|p| &p.v) {
            Some(V::Scope(st, p)) => (p.clone(), st.clone()),
            _ => (self.path.clone(), String::new()),
        };
        // CDK makes one `SingletonFunction` per `uuid` in a stack, named after it.
        if class == "SingletonFunction" {
            if let Some(V::Str(uuid)) = match &props.v {
                V::Map(m) => m.iter().find(|(k, _)| k == "uuid").map(|(_, v)| &v.v),
                _ => None,
            } {
                let purpose = match &props.v {
                    V::Map(m) => m
                        .iter()
                        .find(|(k, _)| k == "lambdaPurpose")
                        .and_then(|(_, v)| match &v.v {
                            V::Str(p) => Some(p.clone()),
                            _ => None,
                        }),
                    _ => None,
                };
                id = format!(
                    "{}{}",
                    purpose.unwrap_or_else(|| "SingletonLambda".into()),
                    uuid.replace('-', "")
                );
                path = Vec::new();
                let stack = if self.stack.is_empty() {
                    &self.class
                } else {
                    &self.stack
                };
                if let Some(existing) =
                    self.app.constructs.iter().position(|c| {
                        c.class == "SingletonFunction" && c.id == id && c.scope == *stack
                    })
                {
                    return self.val(n, V::Construct(existing));
                }
            }
        }
        let index = self.app.constructs.len();
        let at = self.val(n, V::Construct(index));
        if self.bindings_only {
            return self.val(n, V::Unknown("a construct made at module level".into()));
        }
        if index >= MAX_CONSTRUCTS {
            return self.val(n, V::Unknown("a construct past fnguard's limit".into()));
        }
        let root = if !parent_stack.is_empty() {
            parent_stack
        } else if self.stack.is_empty() {
            self.class.clone()
        } else {
            self.stack.clone()
        };
        let scope = std::iter::once(root)
            .chain(path.iter().cloned())
            .collect::<Vec<_>>()
            .join("/");
        self.app.constructs.push(Construct {
            class,
            id,
            props,
            scope,
            id_prefix: path.concat(),
            at: at.clone(),
            imported,
        });
        at
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
        // A segment computed at run time still makes a resource, its methods and their auth.
        let part = match args.first().map(|a| &a.v) {
            Some(V::Str(p)) => Some(p.trim_matches('/').to_string()),
            Some(_) => Some("{unresolved}".to_string()),
            None => None,
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
        match self.resolve(base).map(|v| v.v) {
            Some(V::ApiPath(i, p)) => return Some((i, p)),
            Some(V::Construct(i)) if self.is_rest_api(i) => return Some((i, String::new())),
            _ => {}
        }
        let api = base.strip_suffix(".root")?;
        match self.resolve(api).map(|v| v.v) {
            Some(V::Construct(i)) if self.is_rest_api(i) => Some((i, String::new())),
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
    fn arguments(&mut self, n: TsNode<'t>, d: usize) -> (Vec<Val>, Vec<(String, Val)>) {
        let mut args = Vec::new();
        let mut kwargs = Vec::new();
        let Some(list) = n.field("arguments") else {
            return (args, kwargs);
        };
        let mut c = list.walk();
        let items: Vec<TsNode> = list.named_children(&mut c).collect();
        for a in items {
            match a.kind_name() {
                "comment" => {}
                "keyword_argument" => {
                    let (Some(k), Some(v)) = (a.field("name"), a.field("value")) else {
                        continue;
                    };
                    let key = camel(&self.text(k));
                    let value = self.expr(v, d);
                    kwargs.push((key, value));
                }
                // `Function(self, "F", **common)`.
                "dictionary_splat" => {
                    if let Some(inner) = a.named_child(0) {
                        if let V::Map(entries) = self.expr(inner, d).v {
                            kwargs.extend(entries.into_iter().map(|(k, v)| (camel(&k), v)));
                        }
                    }
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

/// Parts joined into one string value: a plain string when every part is one.
fn concat(at: Val, parts: Vec<Val>) -> Val {
    let mut flat: Vec<Val> = Vec::new();
    for p in parts {
        match p.v {
            V::Concat(inner) => flat.extend(inner),
            _ => flat.push(p),
        }
    }
    // Adjacent literal parts merge.
    let mut merged: Vec<Val> = Vec::new();
    for p in flat {
        match (merged.last_mut().map(|l| &mut l.v), &p.v) {
            (Some(V::Str(a)), V::Str(b)) => a.push_str(b),
            _ => merged.push(p),
        }
    }
    if merged.len() == 1 {
        if let Some(V::Str(_)) = merged.first().map(|m| &m.v) {
            let mut only = merged.remove(0);
            only.file = at.file.clone();
            only.line = at.line;
            only.column = at.column;
            return only;
        }
    }
    Val {
        v: V::Concat(merged),
        ..at
    }
}

/// A value of `cdk.json`'s context as a source value.
fn json_val(at: Val, v: &serde_json::Value) -> Val {
    let x = match v {
        serde_json::Value::String(s) => V::Str(s.clone()),
        serde_json::Value::Number(n) => V::Num(n.to_string()),
        serde_json::Value::Bool(b) => V::Bool(*b),
        serde_json::Value::Array(items) => {
            V::List(items.iter().map(|i| json_val(at.clone(), i)).collect())
        }
        serde_json::Value::Object(m) => V::Map(
            m.iter()
                .map(|(k, i)| (k.clone(), json_val(at.clone(), i)))
                .collect(),
        ),
        serde_json::Value::Null => V::Unknown("null in the context".into()),
    };
    Val { v: x, ..at }
}
