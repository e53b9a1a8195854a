//! The taint engine: follows event data (and caught errors, and secrets) from the handler's
//! parameters through assignments, string building, collections, local functions and local
//! modules, and reports where it reaches a sink of the catalog.

use super::catalog::{callee_matches, Catalog, Sink};
use super::ir::{Call, Expr, FunctionDef, Module, Param, Pos, Stmt, Target};
use super::values::{self, Slots, Value};
use crate::{HashMap, HashSet};
use fnguard_model::secrets::is_secret_name;
use fnguard_model::{CodeFinding, FlowStep, Location};
use std::rc::Rc;

mod state;

pub const EVENT: u8 = 1;
pub const ERROR: u8 = 2;
pub const SECRET: u8 = 4;
/// The whole environment (`os.environ`, `process.env`): it holds the function's temporary AWS
/// credentials. One variable read from it is not.
pub const ENVIRON: u8 = 8;
/// A value from a non-cryptographic random generator (`random.random()`, `Math.random()`).
pub const RANDOM: u8 = 16;
/// A digest of a broken hash function (MD5, SHA-1): collisions are practical, and the fast
/// functions give up stored credentials to brute force.
pub const WEAK_DIGEST: u8 = 32;

/// Calls into local functions are followed this deep.
const MAX_CALL_DEPTH: usize = 6;
/// Bound on the work per handler, so hostile code cannot make analysis explode.
const MAX_STEPS: usize = 200_000;

/// Functions kept in the fields of an object, by field name.
type FieldFunctions = Vec<(String, Vec<state::Callable>)>;

/// What a constructor builds: the instance's fields and the functions kept in them.
type Built = (Slots, FieldFunctions);

/// The functions kept in fields of `obj` (`obj.run`), by field name.
fn field_functions(functions: &HashMap<String, Vec<state::Callable>>, obj: &str) -> FieldFunctions {
    let prefix = format!("{obj}.");
    functions
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.to_string(), v.clone())))
        .collect()
}

/// A local call's analysis is reused for the same (file, function, tainted arguments,
/// module-state generation, functions passed as arguments).
type MemoKey = (usize, String, Vec<bool>, usize, Vec<(usize, Pos)>);

/// (file, position, what happened), source first.
pub type Steps = Vec<(usize, Pos, String)>;

#[derive(Debug, Clone, Default)]
pub struct Taint {
    pub kinds: u8,
    /// (file, position, what happened), source first.
    pub steps: Vec<(usize, Pos, String)>,
    /// The value is an object built in code (`{"a": x}`), not a string.
    pub obj: bool,
    /// The value went through string building.
    pub stringy: bool,
    /// The whole event, or its headers (for logging).
    pub whole: bool,
    /// An identity field (user id, tenant, role) read from the request.
    pub identity: bool,
    /// Read through the authorizer context (`requestContext.authorizer`), which the caller does
    /// not control.
    pub authorizer: bool,
    /// Rules a sanitizer on the way protects against.
    pub cleared: Vec<String>,
    /// Parsed from JSON (or the raw event object): may be an object or array, not only a string.
    pub parsed: bool,
    /// Built as `"https://fixed.host/..." + value`: the value cannot choose the host.
    pub host_fixed: bool,
    /// Returned by a function fnguard did not analyse (`processEvent(event)` from a package):
    /// where its fields come from (the body or the authorizer context) is not known.
    pub opaque: bool,
    /// A canonical path (`os.path.realpath`, `path.resolve`): a prefix test on it is a real
    /// containment check.
    pub canonical: bool,
    /// How far a token from the request was taken apart by hand: 1 split on `.`, 2 its
    /// payload part, 3 that part base64-decoded (a JWT's claims, not verified).
    pub jwt: u8,
    /// The raw response of a Lambda invoke: its `Payload` is a failed function's error message
    /// and stack trace until a field of it is taken.
    pub payload: bool,
    /// Which fields of the handler's event the value is (`queryStringParameters.name`,
    /// `Records.body`; `""` is the whole event), while it is still a projection of the event:
    /// what the runtime shield checks with the sink's grammar.
    pub fields: Vec<String>,
    /// Still a field of the event (member access, parsing), not text built from it.
    pub projection: bool,
}

/// Event fields kept per value: enough for the usual handler, bounded for generated code.
const MAX_FIELDS: usize = 4;
/// Segments kept per field path.
const MAX_FIELD_DEPTH: usize = 8;

impl Taint {
    pub(crate) fn merge(a: Option<Taint>, b: Option<Taint>) -> Option<Taint> {
        match (a, b) {
            (None, x) | (x, None) => x,
            (Some(mut a), Some(b)) => {
                if a.steps.is_empty() || (!b.steps.is_empty() && b.kinds & !a.kinds != 0) {
                    a.steps = b.steps.clone();
                }
                a.kinds |= b.kinds;
                a.obj &= b.obj;
                a.stringy |= b.stringy;
                a.whole |= b.whole;
                a.identity |= b.identity;
                a.parsed |= b.parsed;
                a.host_fixed &= b.host_fixed;
                a.opaque &= b.opaque;
                a.canonical &= b.canonical;
                a.jwt = a.jwt.max(b.jwt);
                a.payload |= b.payload;
                a.authorizer &= b.authorizer;
                a.cleared.retain(|r| b.cleared.contains(r));
                for f in b.fields {
                    if a.fields.len() < MAX_FIELDS && !a.fields.contains(&f) {
                        a.fields.push(f);
                    }
                }
                a.projection &= b.projection;
                Some(a)
            }
        }
    }

    fn step(mut self, file: usize, pos: Pos, note: impl Into<String>) -> Taint {
        // Paths stay readable: at most 12 steps (source, the last 11).
        if self.steps.len() >= 12 {
            self.steps.remove(1);
        }
        self.steps.push((file, pos, note.into()));
        self
    }
}

/// Request fields that name who the caller is (compared without case, `-` or `_`).
const IDENTITY_KEYS: &[&str] = &[
    "userid",
    "username",
    "user",
    "tenantid",
    "tenant",
    "accountid",
    "companyid",
    "orgid",
    "organizationid",
    "role",
    "roles",
    "isadmin",
    "admin",
    "ownerid",
    "customerid",
    "sub",
    "email",
];
/// Suffixes that make a header or field an identity (`x-tenant-id`, `requestingUserId`).
const IDENTITY_SUFFIXES: &[&str] = &[
    "userid",
    "tenantid",
    "accountid",
    "companyid",
    "ownerid",
    "customerid",
    "orgid",
];

fn is_identity_key(k: &str) -> bool {
    let k: String = k
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    IDENTITY_KEYS.contains(&k.as_str()) || IDENTITY_SUFFIXES.iter().any(|s| k.ends_with(s))
}

/// The functions a frame sees by name: its module's, shared by every frame of the file (a copy
/// per frame made the analysis quadratic in the number of functions), and those its own code
/// defined (nested `def`s), which hide the module's.
#[derive(Clone, Default)]
struct Locals {
    module: Rc<HashMap<String, Rc<FunctionDef>>>,
    nested: HashMap<String, Rc<FunctionDef>>,
}

impl Locals {
    fn get(&self, name: &str) -> Option<&Rc<FunctionDef>> {
        self.nested.get(name).or_else(|| self.module.get(name))
    }

    fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// A file's functions by name: as a frame sees them (the last definition of a name wins) and
/// as an import finds them (the first).
#[derive(Default)]
struct ModuleDefs {
    by_name: Rc<HashMap<String, Rc<FunctionDef>>>,
    first: HashMap<String, Rc<FunctionDef>>,
}

struct Frame {
    file: usize,
    env: HashMap<String, Taint>,
    /// The handler itself: its return value is the response.
    is_handler: bool,
    returns: Option<Taint>,
    /// Functions visible by name (module functions, nested defs).
    locals: Locals,
    /// Names holding the start of a URL the code's author chose (a literal, or configuration
    /// read from the environment): what comes after it cannot move the request to another host.
    bases: HashMap<String, UrlBase>,
    depth: usize,
    /// Variables holding a known constant.
    consts: HashMap<String, Value>,
    /// Variables holding a container whose contents are known element by element.
    slots: HashMap<String, Slots>,
    /// Variables holding an instance of a class of this code base: (file, class).
    instances: HashMap<String, (usize, String)>,
    /// Variables holding a parsed URL (`u = urlparse(x)`) -> the variable parsed.
    url_of: HashMap<String, String>,
    /// A web route whose returned text is an HTML page (Flask's default `text/html`).
    html: bool,
    /// Module-level names this function assigns (`global x`; JS names it does not declare).
    globals: HashSet<String>,
    /// Variables holding a file opened at a path named for credentials (`passwords.txt`).
    credential_files: HashSet<String>,
    /// Names bound in this function (parameters, assignments): they hide module-level state.
    bound: HashSet<String>,
    /// Variables and table entries holding functions: `f`, `table.key`, and `table[]` for every
    /// entry of a table.
    functions: HashMap<String, Vec<state::Callable>>,
}

/// What flows into a branch or a loop, restored and joined around it.
#[derive(Clone)]
struct State {
    env: HashMap<String, Taint>,
    consts: HashMap<String, Value>,
    slots: HashMap<String, Slots>,
}

impl Frame {
    fn save(&self) -> State {
        State {
            env: self.env.clone(),
            consts: self.consts.clone(),
            slots: self.slots.clone(),
        }
    }

    fn restore(&mut self, st: State) -> State {
        State {
            env: std::mem::replace(&mut self.env, st.env),
            consts: std::mem::replace(&mut self.consts, st.consts),
            slots: std::mem::replace(&mut self.slots, st.slots),
        }
    }

    /// After two paths meet: taint is the union, constants and contents what both agree on.
    fn join(&mut self, other: State) {
        join_env(&mut self.env, other.env);
        values::join_consts(&mut self.consts, &other.consts);
        values::join_slots(&mut self.slots, other.slots);
    }

    fn value(&self, e: &Expr) -> Option<Value> {
        values::value_of(&self.consts, &self.slots, e)
    }

    /// A child frame for a callback or closure defined here: it sees what is in scope.
    fn closure(&self) -> Frame {
        Frame {
            file: self.file,
            env: self.env.clone(),
            is_handler: false,
            returns: None,
            locals: self.locals.clone(),
            bases: self.bases.clone(),
            depth: self.depth + 1,
            consts: self.consts.clone(),
            slots: self.slots.clone(),
            instances: self.instances.clone(),
            url_of: self.url_of.clone(),
            html: false,
            globals: self.globals.clone(),
            credential_files: self.credential_files.clone(),
            bound: self.bound.clone(),
            functions: self.functions.clone(),
        }
    }

    /// The container's elements changed: the variable as a whole carries their union.
    fn sync_slots(&mut self, name: &str) {
        if let Some(s) = self.slots.get(name) {
            match s.union() {
                Some(t) => {
                    self.env.insert(name.to_string(), t);
                }
                None => {
                    self.env.remove(name);
                }
            }
        }
    }
}

pub struct Analyzer<'c> {
    catalog: &'c Catalog,
    /// (path relative to the root, module, source text)
    files: Vec<(String, Module, String)>,
    /// Per file: its functions, shared by the frames that run its code.
    defs: Vec<ModuleDefs>,
    pub findings: Vec<CodeFinding>,
    reported: HashSet<(String, usize, u32, u32)>,
    /// Results of local calls.
    memo: HashMap<MemoKey, Option<Taint>>,
    /// Module-level state event data was stored in: (file, name) -> what it holds. It
    /// outlives the invocation that set it (a warm execution environment keeps it).
    module_state: HashMap<(usize, String), Taint>,
    /// Bumped whenever module-level state gains taint: local calls analysed before then are
    /// analysed again.
    state_generation: usize,
    /// Per file: its module-level names and the functions its top level binds.
    facts: Vec<Rc<state::ModuleFacts>>,
    /// The fields of the instance a method runs on, for the next [`Self::run_call_on`]: their
    /// taint, and the functions kept in them (by field name).
    pending_this_fields: Option<Slots>,
    pending_this_functions: FieldFunctions,
    /// Promise executors running: the name of their `resolve` parameter and what it was
    /// called with.
    resolving: Vec<(String, Option<Taint>)>,
    /// The instance built by the last constructor call analysed: (call position, the fields
    /// its constructor set).
    constructed: Option<(Pos, Slots, FieldFunctions)>,
    /// Fields constructors set, by (file, constructor, which arguments are tainted).
    ctor_memo: HashMap<(usize, String, Vec<bool>), Option<Built>>,
    steps: usize,
    /// Function definitions whose bodies ran (file, start): what the entry points reach.
    pub visited: HashSet<(usize, Pos)>,
    /// The last segment of every callee evaluated (`getEmailAsset` of
    /// `client.getEmailAsset(...)`): methods of this code base called by name.
    pub called: HashSet<String>,
    /// Calls whose arguments carry event data (file, position) -> how it got there: a write
    /// call among them stores event data for other functions to read.
    pub carrying: HashMap<(usize, Pos), Steps>,
    /// Calls whose result is event data another function stored (file, position) -> where it
    /// came from (second-order flows).
    pub stored_reads: HashMap<(usize, Pos), String>,
    /// Where the handler's event comes from, when another function wrote it from its own
    /// event (a queue or stream it is triggered by).
    pub event_origin: Option<String>,
}

impl<'c> Analyzer<'c> {
    pub fn new(catalog: &'c Catalog) -> Self {
        Analyzer {
            catalog,
            files: Vec::new(),
            defs: Vec::new(),
            findings: Vec::new(),
            reported: HashSet::default(),
            memo: HashMap::default(),
            module_state: HashMap::default(),
            state_generation: 0,
            facts: Vec::new(),
            pending_this_fields: None,
            pending_this_functions: Vec::new(),
            resolving: Vec::new(),
            constructed: None,
            ctor_memo: HashMap::default(),
            steps: 0,
            visited: HashSet::default(),
            called: HashSet::default(),
            carrying: HashMap::default(),
            stored_reads: HashMap::default(),
            event_origin: None,
        }
    }

    pub fn add_file(&mut self, rel: String, module: Module, text: String) -> usize {
        let mut by_name = HashMap::default();
        let mut first = HashMap::default();
        for f in &module.functions {
            let def = Rc::new(f.clone());
            first.entry(f.name.clone()).or_insert_with(|| def.clone());
            by_name.insert(f.name.clone(), def);
        }
        self.defs.push(ModuleDefs {
            by_name: Rc::new(by_name),
            first,
        });
        self.files.push((rel, module, text));
        self.files.len() - 1
    }

    /// The files analysed, with their lowered modules.
    pub fn modules(&self) -> impl Iterator<Item = (usize, &str, &Module)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, (rel, m, _))| (i, rel.as_str(), m))
    }

    pub fn file_id(&self, rel: &str) -> Option<usize> {
        self.file_of(rel)
    }

    /// Runs every Django view (a function or method whose first parameter is `request`): the
    /// request and the URL parameters are request data.
    pub fn run_views(&mut self) {
        self.ensure_facts();
        for file in 0..self.files.len() {
            let views = self.files[file].1.views.clone();
            for def in views {
                self.visited.insert((file, def.pos));
                let mut fr = self.frame(file, true, 0);
                let source = Taint {
                    kinds: EVENT,
                    steps: vec![(
                        file,
                        def.pos,
                        format!("request data of the view `{}`", def.name),
                    )],
                    parsed: true,
                    ..Taint::default()
                };
                self.bind_params(&mut fr, &def, |_, _| Some(source.clone()));
                self.block(&mut fr, &def.body);
            }
        }
    }

    fn file_of(&self, rel: &str) -> Option<usize> {
        self.files.iter().position(|(r, _, _)| r == rel)
    }

    /// Analyses the handler `name` of file `file`: its first parameter is the event.
    pub fn run_handler(&mut self, file: usize, name: &str) -> bool {
        self.ensure_facts();
        let Some(def) = self.find_function(file, name) else {
            return false;
        };
        self.visited.insert((file, def.pos));
        let mut fr = self.frame(file, true, 0);
        let note = match &self.event_origin {
            Some(origin) => format!("the event parameter: {origin}"),
            None => "the event parameter".to_string(),
        };
        self.bind_params(&mut fr, &def, |i, _| {
            (i == 0).then(|| Taint {
                kinds: EVENT,
                steps: vec![(file, def.pos, note.clone())],
                whole: true,
                fields: vec![String::new()],
                projection: true,
                ..Taint::default()
            })
        });
        self.block(&mut fr, &def.body);
        true
    }

    /// Runs every web route of every file (Flask/FastAPI/Chalice functions, Express route
    /// callbacks): their parameters and the framework's request object are request data.
    pub fn run_routes(&mut self) {
        self.ensure_facts();
        for file in 0..self.files.len() {
            let (routes, flask) = {
                let m = &self.files[file].1;
                let flask = m
                    .imported
                    .iter()
                    .any(|i| i == "flask" || i == "quart" || i.starts_with("flask."));
                (m.routes.clone(), flask)
            };
            for def in routes {
                self.visited.insert((file, def.pos));
                let mut fr = self.frame(file, true, 0);
                let source = Taint {
                    kinds: EVENT,
                    steps: vec![(
                        file,
                        def.pos,
                        format!("request data of the route `{}`", def.name),
                    )],
                    parsed: true,
                    ..Taint::default()
                };
                if flask {
                    fr.html = true;
                    fr.env.insert("request".into(), source.clone());
                    // A route without parameters is only called at its own path.
                    let fixed = self.files[file]
                        .1
                        .static_routes
                        .iter()
                        .find(|(p, _)| *p == def.pos)
                        .map(|(_, path)| path.clone());
                    if let Some(path) = fixed {
                        fr.consts.insert("request.path".into(), Value::Str(path));
                    }
                }
                self.bind_params(&mut fr, &def, |_, _| Some(source.clone()));
                self.block(&mut fr, &def.body);
            }
            let refs = self.files[file].1.route_refs.clone();
            for callee in refs {
                let here = self.frame(file, true, 0);
                let Some((target, def)) = self.resolve_local(&here, &callee) else {
                    continue;
                };
                if !self.visited.insert((target, def.pos)) {
                    continue;
                }
                let mut fr = self.frame(target, true, 0);
                let source = Taint {
                    kinds: EVENT,
                    steps: vec![(
                        target,
                        def.pos,
                        format!("request data of the route handler `{callee}`"),
                    )],
                    parsed: true,
                    ..Taint::default()
                };
                self.bind_params(&mut fr, &def, |_, _| Some(source.clone()));
                self.block(&mut fr, &def.body);
            }
        }
    }

    fn find_function(&self, file: usize, name: &str) -> Option<Rc<FunctionDef>> {
        let m = &self.files.get(file)?.1;
        let target = m
            .exports
            .iter()
            .find(|(e, _)| e == name)
            .map(|(_, f)| f.as_str())
            .unwrap_or(name);
        self.defs.get(file)?.first.get(target).cloned()
    }

    fn frame(&self, file: usize, is_handler: bool, depth: usize) -> Frame {
        let locals = Locals {
            module: self
                .defs
                .get(file)
                .map(|d| d.by_name.clone())
                .unwrap_or_default(),
            nested: HashMap::default(),
        };
        let mut bases = HashMap::default();
        if let Some((_, m, _)) = self.files.get(file) {
            for st in &m.top {
                if let Stmt::Assign { targets, value, .. } = st {
                    bind_bases(&mut bases, targets, value);
                }
            }
        }
        Frame {
            file,
            env: HashMap::default(),
            is_handler,
            returns: None,
            locals,
            bases,
            depth,
            consts: HashMap::default(),
            slots: HashMap::default(),
            instances: HashMap::default(),
            url_of: HashMap::default(),
            html: false,
            globals: HashSet::default(),
            credential_files: HashSet::default(),
            bound: HashSet::default(),
            functions: self
                .facts
                .get(file)
                .map(|f| f.functions.clone())
                .unwrap_or_default(),
        }
    }

    fn bind_params(
        &self,
        fr: &mut Frame,
        def: &FunctionDef,
        taint_of: impl Fn(usize, &Param) -> Option<Taint>,
    ) {
        fr.globals.extend(def.globals.iter().cloned());
        for p in &def.params {
            match p {
                Param::Name(n) => {
                    fr.bound.insert(n.clone());
                }
                Param::Destructure(names) => fr.bound.extend(names.iter().map(|(_, l)| l.clone())),
            }
        }
        for (i, p) in def.params.iter().enumerate() {
            let Some(t) = taint_of(i, p) else { continue };
            match p {
                Param::Name(n) => {
                    fr.env.insert(n.clone(), t);
                }
                Param::Destructure(names) => {
                    for (key, local) in names {
                        fr.env
                            .insert(local.clone(), member_taint(t.clone(), key.as_deref()));
                    }
                }
            }
        }
    }

    fn block(&mut self, fr: &mut Frame, body: &[Stmt]) -> bool {
        for s in body {
            if self.stmt(fr, s) {
                return true;
            }
        }
        false
    }

    /// Runs one statement; true when it ends the block (return/raise).
    fn stmt(&mut self, fr: &mut Frame, s: &Stmt) -> bool {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return true;
        }
        match s {
            Stmt::Assign {
                targets,
                value,
                augment,
                pos,
            } => {
                let t = self.eval(fr, value);
                bind_bases(&mut fr.bases, targets, value);
                let constant = if *augment { None } else { fr.value(value) };
                let contents = if *augment {
                    None
                } else {
                    self.contents(fr, value)
                };
                let instance = match value {
                    Expr::Call(c) if !*augment => self.resolve_class(fr, &c.callee),
                    _ => None,
                };
                let parsed_url = match value {
                    Expr::Call(c)
                        if matches!(
                            c.callee.as_str(),
                            "urllib.parse.urlparse"
                                | "urllib.parse.urlsplit"
                                | "urlparse"
                                | "urlsplit"
                                | "URL"
                                | "url.parse"
                        ) =>
                    {
                        match c.args.first() {
                            Some(Expr::Name(x, _)) => Some(x.clone()),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                let credential_file = match value {
                    Expr::Call(c) => opens_credential_file(c),
                    _ => false,
                };
                for target in targets {
                    // `handlers.run = (x) => ...`, `this.cb = cb`: a function kept in a field.
                    if let Target::Index(base, key) = target {
                        if let Some(k) = fr.value(key).and_then(|v| v.key()) {
                            let fns = self.functions_of(fr, value);
                            let field = format!("{base}.{k}");
                            if fns.is_empty() {
                                fr.functions.remove(&field);
                            } else {
                                fr.functions.insert(field, fns);
                            }
                        }
                    }
                    if let Target::Name(n) = target {
                        if credential_file {
                            fr.credential_files.insert(n.clone());
                        } else {
                            fr.credential_files.remove(n);
                        }
                        if !*augment
                            && (!fr.functions.is_empty()
                                || matches!(value, Expr::Object(..) | Expr::Function(..)))
                        {
                            self.bind_functions(fr, n, value);
                        }
                        match &parsed_url {
                            Some(x) => {
                                fr.url_of.insert(n.clone(), x.clone());
                            }
                            None => {
                                fr.url_of.remove(n);
                            }
                        }
                        match &instance {
                            Some(i) => {
                                fr.instances.insert(n.clone(), i.clone());
                            }
                            None => {
                                fr.instances.remove(n);
                            }
                        }
                        let augmented = if *augment {
                            fr.consts.get(n).cloned().and_then(|old| {
                                let grown = Expr::Op(
                                    "+".into(),
                                    vec![const_expr(&old), value.clone()],
                                    *pos,
                                );
                                fr.value(&grown)
                            })
                        } else {
                            None
                        };
                        match constant.clone().or(augmented) {
                            Some(v) => {
                                fr.consts.insert(n.clone(), v);
                            }
                            None => {
                                fr.consts.remove(n);
                            }
                        }
                        match contents.clone() {
                            Some(c) if targets.len() == 1 => {
                                fr.slots.insert(n.clone(), c);
                            }
                            _ => {
                                fr.slots.remove(n);
                            }
                        }
                    }
                    self.assign(fr, target, t.clone(), *augment, *pos);
                }
                // `j = Job(event)`: the instance's fields are what its constructor set.
                let built = self.constructed.take();
                if let (Some((at, fields, functions)), Expr::Call(c), [Target::Name(n)]) =
                    (built, value, targets.as_slice())
                {
                    if at == c.pos && instance.is_some() && !*augment {
                        fr.slots.insert(n.clone(), fields);
                        fr.sync_slots(n);
                        for (field, fns) in functions {
                            fr.functions.insert(format!("{n}.{field}"), fns);
                        }
                    }
                }
                false
            }
            Stmt::Expr(e) => {
                self.eval(fr, e);
                false
            }
            Stmt::Return(e, pos) => {
                let t = e.as_ref().and_then(|e| self.eval(fr, e));
                if fr.is_handler {
                    if let Some(t) = &t {
                        self.response_sinks(fr.file, t, *pos, fr.html);
                    }
                    // A Lambda proxy response: its body is what the client reads (an HTML page
                    // when its headers say so).
                    if let Some((body, html)) = e.as_ref().and_then(proxy_body) {
                        if let Some(bt) = self.peek(fr, body) {
                            self.response_sinks(fr.file, &bt, *pos, html);
                        }
                    }
                }
                fr.returns = Taint::merge(fr.returns.take(), t);
                true
            }
            Stmt::Raise(e, _) => {
                if let Some(e) = e {
                    self.eval(fr, e);
                }
                true
            }
            Stmt::If {
                cond,
                then,
                otherwise,
            } => self.branch(fr, cond, then, otherwise),
            Stmt::Loop { target, iter, body } => {
                let t = self
                    .eval(fr, iter)
                    .map(|t| t.step(fr.file, iter.pos(), "iterated"));
                // What the body changes is not a constant, nor are the contents it grows known.
                for n in values::changed_in(std::slice::from_ref(s)) {
                    fr.consts.remove(&n);
                    fr.slots.remove(&n);
                }
                for tg in target {
                    self.assign(fr, tg, t.clone(), false, iter.pos());
                }
                // Twice, so that values carried around the loop reach the sinks before them.
                let before = fr.save();
                self.block(fr, body);
                self.block(fr, body);
                fr.join(before);
                false
            }
            Stmt::Try {
                body,
                handlers,
                finally,
            } => {
                let before = fr.save();
                let ended = self.block(fr, body);
                let after_body = fr.save();
                // The states that go on after the statement: the body's end, and the end of
                // every handler that does not return.
                let mut live: Vec<State> = Vec::new();
                if !ended {
                    live.push(after_body.clone());
                }
                for (name, hbody, pos) in handlers {
                    // The exception may have come from any statement of the body.
                    fr.restore(before.clone());
                    fr.join(after_body.clone());
                    if let Some(n) = name {
                        fr.env.insert(
                            n.clone(),
                            Taint {
                                kinds: ERROR,
                                steps: vec![(fr.file, *pos, format!("the caught exception `{n}`"))],
                                ..Taint::default()
                            },
                        );
                    }
                    if !self.block(fr, hbody) {
                        live.push(fr.save());
                    }
                }
                match live.split_first() {
                    None => {
                        fr.restore(after_body);
                        self.block(fr, finally);
                        true
                    }
                    Some((first, rest)) => {
                        fr.restore(first.clone());
                        for state in rest {
                            fr.join(state.clone());
                        }
                        self.block(fr, finally)
                    }
                }
            }
            Stmt::Def(def) => {
                fr.locals
                    .nested
                    .insert(def.name.clone(), Rc::new(def.clone()));
                false
            }
        }
    }

    fn assign(
        &mut self,
        fr: &mut Frame,
        target: &Target,
        t: Option<Taint>,
        augment: bool,
        pos: Pos,
    ) {
        match target {
            Target::Name(n) => {
                let t = if augment {
                    Taint::merge(fr.env.get(n).cloned(), t)
                } else {
                    t
                };
                if let Some(dt) = t.as_ref().filter(|t| t.kinds & WEAK_DIGEST != 0) {
                    if is_credential_word(n) || is_signature_word(n) {
                        self.report(
                            "FG529",
                            fr.file,
                            pos,
                            &format!("{n} = …"),
                            dt.clone(),
                            "an MD5/SHA-1 digest becomes a credential or signature".into(),
                        );
                    }
                }
                if let Some(rt) = t.as_ref().filter(|t| t.kinds & RANDOM != 0) {
                    if is_credential_word(n) {
                        self.report(
                            "FG525",
                            fr.file,
                            pos,
                            &format!("{n} = …"),
                            rt.clone(),
                            "a non-cryptographic random value becomes a token or secret".into(),
                        );
                    }
                }
                let module_level = self.is_module_state(fr, n, true);
                if !module_level {
                    fr.bound.insert(n.clone());
                }
                match t {
                    Some(t) => {
                        let t = t.step(fr.file, pos, format!("assigned to `{n}`"));
                        if module_level {
                            self.store_module_state(fr, n, t.clone());
                        }
                        fr.env.insert(n.clone(), t);
                    }
                    None => {
                        fr.env.remove(n);
                    }
                }
            }
            Target::Member(base, keys) => {
                fr.consts.remove(base);
                if let Some(t) = t.as_ref().filter(|_| self.is_module_state(fr, base, false)) {
                    self.store_module_state(fr, base, t.clone());
                }
                // A field of an object literal nested in a tracked container:
                // `cfg["db"]["cmd"] = x` sets that field only.
                let path: Option<Vec<String>> = keys
                    .iter()
                    .map(|k| fr.value(k).and_then(|v| v.key()))
                    .collect();
                if let (Some(path), false) = (path, augment) {
                    if let Some(Slots::Keys { entries, .. }) = fr.slots.get_mut(base) {
                        if set_nested(entries, &path, &t) {
                            fr.sync_slots(base);
                            return;
                        }
                    }
                }
                fr.slots.remove(base);
                if let Some(t) = t {
                    let merged = Taint::merge(fr.env.get(base).cloned(), Some(t));
                    if let Some(m) = merged {
                        fr.env.insert(base.clone(), m);
                    }
                }
            }
            Target::Index(base, key) => {
                let is_module_level = self.is_module_state(fr, base, false);
                if let Some(t) = t.as_ref().filter(|_| is_module_level) {
                    self.store_module_state(fr, base, t.clone());
                }
                let key = fr.value(key).and_then(|k| k.key());
                let was_constant = fr.consts.remove(base).is_some();
                let held = fr.env.get(base).cloned();
                let updated = match (fr.slots.get_mut(base), key) {
                    (Some(Slots::Keys { entries, .. }), Some(k)) if !augment => {
                        // What was known of the fields of the old value no longer holds.
                        let nested = format!("{k}{NESTED}");
                        entries.retain(|e, _| !e.starts_with(&nested));
                        entries.insert(k, (t.clone(), Vec::new()));
                        true
                    }
                    (Some(Slots::Fields { fields, .. }), Some(k)) if !augment => {
                        fields.insert(k, t.clone());
                        true
                    }
                    // An object the code did not build gets its first field set: the field is
                    // known from now on, the rest is what the object held.
                    (None, Some(k)) if !augment && !was_constant && !is_module_level => {
                        let mut fields = std::collections::BTreeMap::new();
                        fields.insert(k, t.clone());
                        fr.slots
                            .insert(base.clone(), Slots::Fields { base: held, fields });
                        true
                    }
                    (Some(Slots::List(items)), Some(k)) if !augment => {
                        match k.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                            Some(slot) => {
                                *slot = (t.clone(), Vec::new());
                                true
                            }
                            None => false,
                        }
                    }
                    _ => false,
                };
                if updated {
                    fr.sync_slots(base);
                    return;
                }
                fr.slots.remove(base);
                if let Some(t) = t {
                    let merged = Taint::merge(fr.env.get(base).cloned(), Some(t));
                    if let Some(m) = merged {
                        fr.env.insert(base.clone(), m);
                    }
                }
            }
            Target::Destructure(names) => {
                for (key, local) in names {
                    fr.bound.insert(local.clone());
                    if key.as_deref().is_some_and(is_service_field) {
                        fr.env.remove(local);
                        continue;
                    }
                    match &t {
                        Some(t) => {
                            let tt = member_taint(t.clone(), key.as_deref()).step(
                                fr.file,
                                pos,
                                format!("destructured into `{local}`"),
                            );
                            fr.env.insert(local.clone(), tt);
                        }
                        None => {
                            fr.env.remove(local);
                        }
                    }
                }
            }
            Target::Ignore => {}
        }
    }

    /// `if`: allow-list and guard patterns clean the tested variable where they hold.
    fn branch(&mut self, fr: &mut Frame, cond: &Expr, then: &[Stmt], otherwise: &[Stmt]) -> bool {
        self.eval(fr, cond);
        // A condition decided by constants takes one way only.
        if let Some(v) = fr.value(cond) {
            return self.block(fr, if v.truthy() { then } else { otherwise });
        }
        self.comparison_checks(fr, cond);
        let (positive, negative) = guard_names(cond);
        // A prefix test is a containment check only on a canonical path (`../` resolved).
        let real =
            |fr: &Frame, g: &(String, bool)| !g.1 || fr.env.get(&g.0).is_some_and(|t| t.canonical);
        let positive: Vec<String> = positive
            .iter()
            .filter(|g| real(fr, g))
            .map(|g| g.0.clone())
            .collect();
        let negative: Vec<String> = negative
            .iter()
            .filter(|g| real(fr, g))
            .map(|g| g.0.clone())
            .collect();
        let literal = quoted_literal_guard(cond);
        let (host_ok, host_failed) = host_allow_list_guard(cond);
        let (no_dots, dots_failed) = dot_dot_guard(cond);
        let (no_quotes, quotes_failed) = quote_guard(cond);
        let no_traversal = |fr: &mut Frame, names: &[String], rules: &[&str]| {
            for n in names {
                if let Some(t) = fr.env.get_mut(n) {
                    clear(t, rules);
                }
            }
        };
        // A URL whose parsed host passed an allow-list, and the text it was parsed from.
        let allowed_hosts = |fr: &mut Frame, urls: &[String]| {
            for u in urls {
                let names = [Some(u.clone()), fr.url_of.get(u).cloned()];
                for n in names.into_iter().flatten() {
                    if let Some(t) = fr.env.get_mut(&n) {
                        clear(t, &["FG519", "FG507"]);
                    }
                }
            }
        };
        let passed_literal = |fr: &mut Frame| {
            if let Some(t) = literal.as_ref().and_then(|n| fr.env.get_mut(n)) {
                clear(t, &["FG502", "FG517"]);
            }
            allowed_hosts(fr, &host_failed);
            no_traversal(fr, &dots_failed, &["FG506", "FG901"]);
            // XPath string literals have no escapes: without a quote the value stays inside.
            no_traversal(fr, &quotes_failed, &["FG521"]);
        };
        let before = fr.save();
        for n in &positive {
            fr.env.remove(n);
        }
        allowed_hosts(fr, &host_ok);
        no_traversal(fr, &no_dots, &["FG506", "FG901"]);
        no_traversal(fr, &no_quotes, &["FG521"]);
        let then_ends = self.block(fr, then);
        let after_then = fr.restore(before);
        for n in &negative {
            // In the else branch of a failed negative test the value passed it.
            fr.env.remove(n);
        }
        passed_literal(fr);
        let else_ends = self.block(fr, otherwise);
        match (then_ends, else_ends) {
            (true, true) => true,
            (true, false) => {
                // `if not allowed(x): return` — after it, x passed the check.
                for n in &negative {
                    fr.env.remove(n);
                }
                passed_literal(fr);
                false
            }
            (false, true) => {
                fr.restore(after_then);
                false
            }
            (false, false) => {
                fr.join(after_then);
                false
            }
        }
    }

    fn eval(&mut self, fr: &mut Frame, e: &Expr) -> Option<Taint> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return None;
        }
        match e {
            Expr::Name(n, _) => match fr.env.get(n) {
                Some(t) => Some(t.clone()),
                None => self.module_value(fr, n),
            },
            Expr::Member { .. } if is_env_object(e) => Some(Taint {
                kinds: ENVIRON,
                steps: vec![(fr.file, e.pos(), "the whole environment".to_string())],
                ..Taint::default()
            }),
            // A member known to be a constant (a parameterless route's `request.path`).
            Expr::Member { .. } if e.text().is_some_and(|t| fr.consts.contains_key(&t)) => None,
            Expr::Member {
                obj, key, index, ..
            } => {
                if let Some(i) = index {
                    self.eval(fr, i);
                }
                // A field of an object literal nested in a tracked one: `cfg["db"]["host"]`.
                if let Some((base, path)) = access_path(fr, e) {
                    if let Some(Slots::Keys { entries, .. }) = fr.slots.get(&base) {
                        if let Some(t) = get_nested(entries, &path) {
                            return t
                                .map(|t| t.step(fr.file, e.pos(), format!("field of `{base}`")));
                        }
                    }
                }
                // An element of a container whose contents are known.
                if let Expr::Name(base, _) = obj.as_ref() {
                    let k = match (key, index) {
                        (Some(k), _) => Some(Value::Str(k.clone())),
                        (None, Some(i)) => fr.value(i),
                        _ => None,
                    };
                    if let Some(element) = k.clone().and_then(|k| fr.slots.get(base)?.get(&k)) {
                        return element
                            .0
                            .map(|t| t.step(fr.file, e.pos(), format!("element of `{base}`")));
                    }
                }
                if let (Some(base), Some(k)) = (obj.text(), key) {
                    if (base == "os.environ" || base == "process.env") && is_secret_name(k) {
                        return Some(Taint {
                            kinds: SECRET,
                            steps: vec![(
                                fr.file,
                                e.pos(),
                                format!("the secret environment variable `{k}`"),
                            )],
                            ..Taint::default()
                        });
                    }
                }
                // URLs the invoking AWS service provides (a CloudFormation custom resource's
                // pre-signed response URL, S3 Object Lambda's input URL and route) are not the
                // caller's choice.
                if key.as_deref().is_some_and(is_service_field) {
                    return None;
                }
                // Chalice: `app.current_request` is the request.
                if key.as_deref() == Some("current_request") {
                    return Some(Taint {
                        kinds: EVENT,
                        steps: vec![(fr.file, e.pos(), "the Chalice request".to_string())],
                        parsed: true,
                        ..Taint::default()
                    });
                }
                let t = self.eval(fr, obj)?;
                // A length is a number: it carries no injection and no secret.
                if matches!(key.as_deref(), Some("length" | "size" | "byteLength")) {
                    return None;
                }
                // The middle part of a token split on `.`: a JWT's payload.
                let payload = t.jwt == 1
                    && index
                        .as_ref()
                        .and_then(|i| fr.value(i))
                        .is_some_and(|v| v == Value::Int(1));
                Some(member_taint(t, key.as_deref()))
                    .filter(|t| t.kinds != 0)
                    .map(|mut t| {
                        t.jwt = if payload { 2 } else { 0 };
                        t
                    })
            }
            Expr::Call(c) => self.call(fr, c),
            Expr::Concat(parts, _) => {
                let mut flat = Vec::new();
                flatten_concat(parts, &mut flat);
                let mut t = None;
                // The URL text before the first part the event decides (untrusted parts stop
                // it; other values stand in as `x`): `https://cognito-idp.{region}.amazonaws.com/`
                // then `{pool}` has its host fixed.
                let mut before_taint = String::new();
                let mut tainted_yet = false;
                for p in flat {
                    let pt = self.eval(fr, p);
                    if !tainted_yet {
                        match (&pt, p) {
                            (Some(_), _) => tainted_yet = true,
                            (None, Expr::Str(s, _)) => before_taint.push_str(s),
                            (None, _) => before_taint.push('x'),
                        }
                    }
                    t = Taint::merge(t, pt);
                }
                let host_fixed = fixed_host(e, &fr.bases) || literal_host_and_path(&before_taint);
                t.map(|mut t| {
                    t.host_fixed = host_fixed;
                    t.stringy = true;
                    t.obj = false;
                    t.whole = false;
                    t.projection = false;
                    t
                })
            }
            Expr::Object(entries, _) => {
                let mut t = None;
                for (_, v) in entries {
                    let vt = self.eval(fr, v);
                    t = Taint::merge(t, vt);
                }
                t.map(|mut t| {
                    t.obj = true;
                    t.stringy = false;
                    t.whole = false;
                    t.projection = false;
                    t
                })
            }
            Expr::Op(op, parts, _) if op == "?:" && parts.len() == 3 => {
                self.eval(fr, &parts[0]);
                match fr.value(&parts[0]) {
                    Some(v) => self.eval(fr, &parts[if v.truthy() { 1 } else { 2 }]),
                    None => {
                        let a = self.eval(fr, &parts[1]);
                        let b = self.eval(fr, &parts[2]);
                        Taint::merge(a, b)
                    }
                }
            }
            Expr::Seq(items, _) | Expr::Op(_, items, _) | Expr::Other(items, _) => {
                let mut t = None;
                for p in items {
                    let pt = self.eval(fr, p);
                    t = Taint::merge(t, pt);
                }
                t
            }
            Expr::Compare { left, right, .. } => {
                self.eval(fr, left);
                self.eval(fr, right);
                self.comparison_checks(fr, e);
                None
            }
            Expr::Not(inner, _) => {
                self.eval(fr, inner);
                None
            }
            Expr::Function(def) => {
                // A callback defined here: its body runs with what it closes over.
                let mut inner = fr.closure();
                if fr.depth < MAX_CALL_DEPTH {
                    self.visited.insert((fr.file, def.pos));
                    self.block(&mut inner, &def.body);
                }
                None
            }
            Expr::Str(..) | Expr::Const(..) => None,
        }
    }

    fn call(&mut self, fr: &mut Frame, c: &Call) -> Option<Taint> {
        if let Some(last) = c.callee.rsplit('.').next() {
            if !self.called.contains(last) {
                self.called.insert(last.to_string());
            }
        }
        if let Some(r) = self.promise_executor(fr, c) {
            return r;
        }
        // `resolve(value)` inside a promise's executor: the promise's value.
        if let Some(i) = self
            .resolving
            .iter()
            .rposition(|(name, _)| name == &c.callee)
        {
            let t = c
                .args
                .first()
                .and_then(|a| self.eval(fr, a))
                .map(|t| t.step(fr.file, c.pos, "resolves the promise"));
            let slot = &mut self.resolving[i].1;
            *slot = Taint::merge(slot.take(), t);
            return None;
        }
        let recv = c.receiver.as_ref().and_then(|r| self.eval(fr, r));
        let args: Vec<Option<Taint>> = c.args.iter().map(|a| self.eval_arg(fr, a, &recv)).collect();
        let kwargs: Vec<Option<Taint>> = c.kwargs.iter().map(|(_, v)| self.eval(fr, v)).collect();
        // A function of this code base named like a library sink (`readFile`) is analysed, not
        // matched by name.
        if self.resolve_local(fr, &c.callee).is_none() && self.dispatched(fr, c).is_empty() {
            self.sinks(fr, c, &recv, &args, &kwargs);
        }
        self.weak_hash_check(fr, c);
        if let Some(t) = args
            .iter()
            .chain(kwargs.iter())
            .flatten()
            .find(|t| t.kinds & EVENT != 0)
        {
            self.carrying.insert((fr.file, c.pos), t.steps.clone());
        }
        // Data another function stored from its event (second-order).
        if let Some(origin) = self.stored_reads.get(&(fr.file, c.pos)) {
            return Some(Taint {
                kinds: EVENT,
                steps: vec![(fr.file, c.pos, origin.clone())],
                parsed: true,
                ..Taint::default()
            });
        }
        self.shell_list_check(fr, c, &args);
        self.store_checks(fr, c, &args);
        self.credential_file_write(fr, c, &args);
        if let Some(Expr::Name(base, _)) = &c.receiver {
            if let Some(r) = self.container_call(fr, base, c, &args, &kwargs) {
                return r;
            }
        }

        let callee = c.callee.as_str();
        let cat = self.catalog;
        if is_lambda_invoke(c) {
            return Some(Taint {
                kinds: ERROR,
                steps: vec![(
                    fr.file,
                    c.pos,
                    format!(
                        "the raw response of `{}` (a failed function's error message and stack trace)",
                        c.text
                    ),
                )],
                payload: true,
                ..Taint::default()
            });
        }
        if let Some(algo) = broken_digest(fr, c) {
            return Some(Taint {
                kinds: WEAK_DIGEST,
                steps: vec![(
                    fr.file,
                    c.pos,
                    format!("an {algo} digest from `{}`", c.text),
                )],
                ..Taint::default()
            });
        }
        if is_weak_random(callee) {
            return Some(Taint {
                kinds: RANDOM,
                steps: vec![(
                    fr.file,
                    c.pos,
                    format!("a non-cryptographic random value from `{}`", c.text),
                )],
                ..Taint::default()
            });
        }
        if cat
            .sources
            .error_calls
            .iter()
            .any(|p| callee_matches(p, callee))
        {
            return Some(Taint {
                kinds: ERROR,
                steps: vec![(fr.file, c.pos, format!("error details from `{}`", c.text))],
                ..Taint::default()
            });
        }
        if cat
            .sources
            .secret_calls
            .iter()
            .any(|p| callee_matches(p, callee))
            || ((callee == "os.getenv" || callee == "os.environ.get")
                && c.args
                    .first()
                    .and_then(Expr::text)
                    .is_some_and(|n| is_secret_name(&n)))
        {
            return Some(Taint {
                kinds: SECRET,
                steps: vec![(fr.file, c.pos, format!("a secret read by `{}`", c.text))],
                ..Taint::default()
            });
        }
        // `Request(url, data=...)`, `new URL(path, base)`: what the object points at is its URL.
        if matches!(callee.rsplit('.').next(), Some("Request" | "URL")) {
            return args.first().cloned().flatten();
        }
        // `os.environ.get("X")`, `process.env.hasOwnProperty(k)`: one variable, not the
        // environment.
        let recv = if matches!(
            callee.rsplit('.').next(),
            Some(
                "get" | "getenv" | "__getitem__" | "pop" | "setdefault" | "keys" | "hasOwnProperty"
            )
        ) {
            recv.and_then(|mut t| {
                t.kinds &= !ENVIRON;
                (t.kinds != 0).then_some(t)
            })
        } else {
            recv
        };
        // `event.get("queryStringParameters")`, `params.get("id")`, Java's
        // `event.getQueryStringParameters()`: a field of the event, as member access is.
        let recv = recv.map(|mut t| {
            if t.projection {
                let method = callee.rsplit('.').next().unwrap_or("");
                let literal_key = || match c.args.first() {
                    Some(Expr::Str(k, _)) => Some(k.clone()),
                    _ => None,
                };
                let key = match method {
                    "get" | "__getitem__" | "getOrDefault" | "pop" | "getString" => literal_key(),
                    _ if c.args.is_empty()
                        && method.len() > 3
                        && method.starts_with("get")
                        && method[3..].starts_with(|ch: char| ch.is_ascii_uppercase()) =>
                    {
                        let name = &method[3..];
                        let mut chars = name.chars();
                        chars
                            .next()
                            .map(|first| first.to_ascii_lowercase().to_string() + chars.as_str())
                    }
                    _ => None,
                };
                if let Some(k) = key {
                    extend_fields(&mut t, Some(&k));
                }
            }
            t
        });
        let mut result: Option<Taint> = recv.clone();
        // Credentials passed in options (`headers={'x-api-key': key}`) authenticate the call;
        // they are not part of what it returns.
        let strip_secret = |t: &Option<Taint>| {
            t.clone().and_then(|mut t| {
                t.kinds &= !SECRET;
                (t.kinds != 0).then_some(t)
            })
        };
        // Serialising an object keeps everything in it, secrets included.
        let serialises = is_stringify(callee);
        for (a, t) in c.args.iter().zip(args.iter()) {
            let t = if matches!(a, Expr::Object(..)) && !serialises {
                strip_secret(t)
            } else {
                t.clone()
            };
            result = Taint::merge(result, t);
        }
        for t in &kwargs {
            result = Taint::merge(result, strip_secret(t));
        }
        // What a call returns is still the event field for a parser or a getter
        // (`json.loads(event["body"])["x"]` is `body.x`); after any other call
        // (`urlparse(event["url"]).path`) a member of the result is not a field of the event.
        {
            let method = callee.rsplit('.').next().unwrap_or("");
            let getter = method.len() > 3
                && method.starts_with("get")
                && method[3..].starts_with(|ch: char| ch.is_ascii_uppercase())
                && c.args.is_empty();
            let keeps = getter
                || matches!(
                    method,
                    "loads"
                        | "parse"
                        | "get"
                        | "__getitem__"
                        | "getOrDefault"
                        | "pop"
                        | "getString"
                        | "b64decode"
                        | "unquote"
                        | "unquote_plus"
                        | "decodeURIComponent"
                        | "readValue"
                        | "fromJson"
                        | "Unmarshal"
                );
            if !keeps {
                if let Some(t) = result.as_mut() {
                    t.projection = false;
                }
            }
        }
        // Local functions (and functions of local modules) are analysed with the taint of their
        // arguments: what they return, and the sinks they reach. A container handed to one may
        // be changed there.
        if self.resolve_local(fr, &c.callee).is_some() {
            for a in &c.args {
                if let Expr::Name(n, _) = a {
                    fr.slots.remove(n);
                }
            }
        }
        if let Some(r) = self.local_call(fr, c, &args) {
            // A function of the code base named as an escaper (`escape_for_html`) says what it
            // is for: the catalog's rule-specific sanitizers apply to it too.
            let rules: Vec<String> = cat
                .sanitizers
                .iter()
                .filter(|s| {
                    !s.rules.is_empty() && s.calls.iter().any(|p| callee_matches(p, callee))
                })
                .flat_map(|s| s.rules.iter().cloned())
                .collect();
            return r.map(|mut t| {
                t.cleared.extend(rules);
                t
            });
        }
        let capitalised = callee
            .rsplit('.')
            .next()
            .and_then(|n| n.chars().next())
            .is_some_and(char::is_uppercase);
        if c.is_new || capitalised {
            if let Some(class) = self.resolve_class(fr, callee) {
                self.run_constructor(fr, c, class, &args);
            }
        }
        // Flask/Werkzeug responses: `make_response((body, headers))`, `Response(body, ...)`: the
        // body is what the page shows; a non-HTML mimetype is no page.
        if matches!(
            callee,
            "flask.make_response"
                | "make_response"
                | "flask.Response"
                | "werkzeug.Response"
                | "werkzeug.wrappers.Response"
        ) {
            let body = match c.args.first() {
                Some(Expr::Seq(items, _)) => items.first().and_then(|b| self.peek(fr, b)),
                Some(_) => args.first().cloned().flatten(),
                None => None,
            };
            let not_html = c.kwargs.iter().any(|(k, v)| {
                matches!(k.as_str(), "mimetype" | "content_type")
                    && v.text().is_some_and(|t| !t.contains("html"))
            });
            return body.map(|mut t| {
                if not_html {
                    t.cleared.push("FG518".into());
                }
                t
            });
        }
        let built_by = c.receiver.as_ref().and_then(builder_callee);
        for s in &cat.sanitizers {
            let by_receiver =
                built_by.is_some_and(|b| s.receivers.iter().any(|p| callee_matches(p, b)));
            if by_receiver || s.calls.iter().any(|p| callee_matches(p, callee)) {
                if s.rules.is_empty() {
                    // A number made from a random value is as guessable as the value, and a
                    // broken digest's hex text is that digest.
                    return result.and_then(|mut t| {
                        t.kinds &= RANDOM | WEAK_DIGEST;
                        (t.kinds != 0).then_some(t)
                    });
                }
                // What no longer is a secret (a signed token, a MAC) loses the kind itself, so
                // that merging it with other data does not bring the secret back.
                let unsecret = s.rules.iter().any(|r| r == "FG516");
                result = result
                    .map(|mut t| {
                        t.cleared.extend(s.rules.iter().cloned());
                        if unsecret {
                            t.kinds &= !SECRET;
                        }
                        t
                    })
                    .filter(|t| t.kinds != 0);
            }
        }
        let method = callee.rsplit('.').next().unwrap_or("");
        let split_on_dot = method == "split"
            && matches!(c.args.first(), Some(Expr::Str(sep, _)) if sep == ".")
            && recv.as_ref().is_some_and(|t| t.kinds & EVENT != 0);
        let base64_decodes = matches!(
            callee,
            "base64.b64decode"
                | "base64.urlsafe_b64decode"
                | "base64.decodebytes"
                | "atob"
                | "base64url.decode"
                | "base64url"
        ) || (callee == "Buffer.from"
            && c.args
                .get(1)
                .and_then(Expr::text)
                .is_some_and(|e| e.starts_with("base64")));
        let jwt_stage = result.as_ref().map_or(0, |t| t.jwt);
        let parses_json = matches!(callee, "json.loads" | "JSON.parse");
        if parses_json && jwt_stage == 3 {
            if let Some(t) = result.clone() {
                let text = c.text.clone();
                self.report(
                    "FG510",
                    fr.file,
                    c.pos,
                    &text,
                    t,
                    "a JWT from the event is decoded by hand, without verifying its signature"
                        .into(),
                );
            }
        }
        let parses = matches!(
            callee,
            "json.loads"
                | "JSON.parse"
                | "querystring.parse"
                | "qs.parse"
                | "urllib.parse.parse_qs"
                | "yaml.safe_load"
        );
        // A plain function this analysis did not read decides what its result holds.
        // (A method of the data itself, `body.get("userId")`, keeps the access path.)
        // Decoders named by the catalog (`base64.b64decode`, `unquote_plus`) return their input.
        let propagates = cat
            .sources
            .propagators
            .iter()
            .any(|p| callee == p || crate::ends_with_dotted(callee, p));
        // `"{0}".format(x)`, `", ".join(xs)`: string building on a literal.
        let on_literal = matches!(c.receiver, Some(Expr::Str(..) | Expr::Concat(..)));
        // An instance of a class of this code base holds what its constructor was given (looked
        // up last: it is the costly test).
        let opaque = recv.is_none()
            && !on_literal
            && !c.is_new
            && !parses
            && !propagates
            && !is_stringify(callee)
            && self.resolve_class(fr, callee).is_none();
        // `x.replace("'", "&apos;")` (Python replaces every occurrence; JS only with
        // `replaceAll`): the result holds no quote, so it cannot end an XPath literal.
        let method = callee.rsplit('.').next().unwrap_or("");
        let quote_removed = c.receiver.is_some()
            && c.args.len() == 2
            && (method == "replaceAll"
                || (method == "replace"
                    && (self.files[fr.file].1.python || self.files[fr.file].1.lang == "java")))
            && matches!((&c.args[0], &c.args[1]), (Expr::Str(q, _), Expr::Str(r, _))
                if (q == "'" || q == "\"") && !r.contains(q.as_str()));
        result.map(|mut t| {
            if quote_removed {
                clear(&mut t, &["FG521"]);
            }
            t.jwt = if split_on_dot {
                1
            } else if base64_decodes && t.jwt >= 2 {
                3
            } else if parses_json {
                0
            } else {
                t.jwt
            };
            t.whole = t.whole && is_stringify(callee);
            t.parsed = (t.parsed || parses) && !is_stringify(callee);
            t.obj = false;
            t.opaque |= opaque;
            t.canonical = matches!(
                callee,
                "os.path.realpath"
                    | "os.path.abspath"
                    | "os.path.normpath"
                    | "path.resolve"
                    | "path.normalize"
                    | "fs.realpathSync"
            ) || (method == "resolve" && c.receiver.is_some());
            if matches!(
                callee.rsplit('.').next(),
                Some(
                    "format"
                        | "join"
                        | "replace"
                        | "strip"
                        | "lower"
                        | "upper"
                        | "concat"
                        | "trim"
                        | "toString"
                        | "decode"
                        | "encode"
                )
            ) {
                t.stringy = true;
            }
            t
        })
    }

    /// FG525: a non-cryptographic random value stored as a token, session value or cookie;
    /// FG526: a cookie set without `Secure`, or a credential cookie without `HttpOnly`.
    fn store_checks(&mut self, fr: &Frame, c: &Call, args: &[Option<Taint>]) {
        let method = c.callee.rsplit('.').next().unwrap_or("");
        let (_, module, _) = &self.files[fr.file];
        let express = module
            .imported
            .iter()
            .any(|m| m == "express" || m == "cookie-parser");
        let cookie = method == "set_cookie" || (method == "cookie" && express);
        let store = matches!(method, "__setitem__" | "__setattr__");
        if !(cookie || store) {
            return;
        }
        let key_text = c
            .args
            .first()
            .and_then(|k| k.text().or_else(|| fr.value(k).and_then(|v| v.key())))
            .unwrap_or_default();
        if let Some(t) = args.get(1).cloned().flatten() {
            let receiver = c.callee.rsplit_once('.').map(|(r, _)| r).unwrap_or("");
            if t.kinds & WEAK_DIGEST != 0
                && (cookie
                    || is_credential_word(receiver)
                    || is_credential_word(&key_text)
                    || is_signature_word(&key_text))
            {
                let text = c.text.clone();
                self.report(
                    "FG529",
                    fr.file,
                    c.pos,
                    &text,
                    t.clone(),
                    "an MD5/SHA-1 digest is stored as a credential or signature".into(),
                );
            }
            if t.kinds & RANDOM != 0
                && (cookie || is_credential_word(receiver) || is_credential_word(&key_text))
            {
                let text = c.text.clone();
                self.report(
                    "FG525",
                    fr.file,
                    c.pos,
                    &text,
                    t,
                    "a non-cryptographic random value becomes a token, session value or cookie"
                        .into(),
                );
            }
        }
        if !cookie {
            return;
        }
        let flag = |names: &[&str]| -> Option<bool> {
            c.kwargs
                .iter()
                .find(|(k, _)| names.contains(&k.as_str()))
                .map(|(_, v)| {
                    fr.value(v).is_some_and(|v| v.truthy())
                        || v.text().is_some_and(|t| t == "True" || t == "true")
                })
        };
        let secure = flag(&["secure"]);
        let http_only = flag(&["httponly", "httpOnly"]);
        // A cookie the page's scripts must read (preferences, CSRF tokens) is not a credential.
        let credential = is_credential_word(&key_text)
            && !key_text.to_ascii_lowercase().contains("csrf")
            && !key_text.to_ascii_lowercase().contains("xsrf");
        let missing = match (secure, http_only) {
            (Some(true), Some(true)) => None,
            (Some(true), _) if !credential => None,
            (Some(true), _) => Some("without HttpOnly"),
            (_, Some(true)) => Some("without Secure"),
            _ if credential => Some("without Secure or HttpOnly"),
            _ => Some("without Secure"),
        };
        if let Some(missing) = missing {
            self.report_call(
                "FG526",
                fr.file,
                c,
                "a cookie",
                format!("a cookie is set {missing}"),
            );
        }
    }

    /// FG529: a broken digest written to a file named for credentials
    /// (`open("passwords.txt").write(md5)`, `fs.appendFileSync("passwords.txt", md5)`).
    fn credential_file_write(&mut self, fr: &Frame, c: &Call, args: &[Option<Taint>]) {
        let method = c.callee.rsplit('.').next().unwrap_or("");
        let data = match (method, &c.receiver) {
            ("write" | "writelines" | "write_text" | "write_bytes", Some(Expr::Name(f, _)))
                if fr.credential_files.contains(f) =>
            {
                args.first()
            }
            ("writeFileSync" | "appendFileSync" | "writeFile" | "appendFile", _)
                if c.args.first().is_some_and(names_credential_file) =>
            {
                args.get(1)
            }
            _ => return,
        };
        if let Some(t) = data
            .cloned()
            .flatten()
            .filter(|t| t.kinds & WEAK_DIGEST != 0)
        {
            let text = c.text.clone();
            self.report(
                "FG529",
                fr.file,
                c.pos,
                &text,
                t,
                "an MD5/SHA-1 digest is stored in a credentials file".into(),
            );
        }
    }

    /// FG501 through an argument list: `subprocess.run(["sh", "-c", cmd])`,
    /// `spawn("bash", ["-c", cmd])`, where the list starts a shell whose command line the event
    /// decides. The list may be built element by element (`argv.append("sh")`).
    fn shell_list_check(&mut self, fr: &mut Frame, c: &Call, args: &[Option<Taint>]) {
        let (program_in_list, list_at) = match c.callee.as_str() {
            "subprocess.run"
            | "subprocess.call"
            | "subprocess.Popen"
            | "subprocess.check_output"
            | "subprocess.check_call"
            | "asyncio.create_subprocess_exec" => (true, 0),
            "os.execv" | "os.execvp" | "os.execve" | "os.execvpe" | "os.spawnv" => (true, 1),
            "child_process.spawn"
            | "child_process.spawnSync"
            | "child_process.execFile"
            | "child_process.execFileSync" => (false, 1),
            _ => return,
        };
        let Some(list) = c.args.get(list_at) else {
            return;
        };
        let mut elements: Vec<values::Element> = match list {
            Expr::Name(n, _) => match fr.slots.get(n) {
                Some(Slots::List(items)) => items.clone(),
                _ => return,
            },
            Expr::Seq(items, _) => items
                .iter()
                .map(|i| (self.peek(fr, i), fr.value(i).into_iter().collect()))
                .collect(),
            _ => return,
        };
        if !program_in_list {
            let program = c.args.first().and_then(|a| fr.value(a));
            elements.insert(
                0,
                (
                    args.first().cloned().flatten(),
                    program.into_iter().collect(),
                ),
            );
        }
        let Some((_, first)) = elements.first() else {
            return;
        };
        if !first.iter().any(values::is_shell_program) {
            return;
        }
        let Some(flag) = elements
            .iter()
            .position(|(_, v)| v.iter().any(values::is_command_flag))
        else {
            return;
        };
        let tainted = elements[flag + 1..].iter().find_map(|(t, _)| {
            t.clone()
                .filter(|t| t.kinds & EVENT != 0 && !t.cleared.iter().any(|r| r == "FG501"))
        });
        if let Some(t) = tainted {
            let detail = format!(
                "{} reaches a command line run by a shell (`-c`)",
                describe(&t)
            );
            let text = c.text.clone();
            self.report("FG501", fr.file, c.pos, &text, t, detail);
        }
    }

    /// The contents of a container a value builds, when they are known element by element.
    fn contents(&mut self, fr: &mut Frame, value: &Expr) -> Option<Slots> {
        // Elements are evaluated a second time (without sinks): only side-effect free ones.
        let simple = |e: &Expr| {
            let calls = std::cell::Cell::new(false);
            super::ir::visit_body(
                &[Stmt::Expr(e.clone())],
                &mut |_| calls.set(true),
                &mut |_| calls.set(true),
            );
            !calls.get()
        };
        match value {
            Expr::Seq(items, _) if items.iter().all(simple) => Some(Slots::List(
                items
                    .iter()
                    .map(|i| (self.peek(fr, i), fr.value(i).into_iter().collect()))
                    .collect(),
            )),
            Expr::Object(entries, _) if entries.iter().all(|(k, v)| k.is_some() && simple(v)) => {
                let mut map = std::collections::BTreeMap::new();
                for (k, v) in entries {
                    let k = k.clone().unwrap_or_default();
                    let element = (self.peek(fr, v), fr.value(v).into_iter().collect());
                    map.insert(k.clone(), element);
                    // Further down: the fields of object literals inside, under
                    // `outer` + SEP + `inner`, and `outer` + SEP marking that all of them are
                    // known.
                    if let Expr::Object(inner, _) = v {
                        self.nested_fields(fr, &k, inner, &mut map, 1);
                    }
                }
                Some(Slots::Keys {
                    entries: map,
                    sectioned: false,
                })
            }
            Expr::Call(c) if c.args.is_empty() => match c.callee.as_str() {
                "list" | "Array" => Some(Slots::List(Vec::new())),
                "dict" | "collections.OrderedDict" | "OrderedDict" | "Map" | "Object" => {
                    Some(Slots::Keys {
                        entries: Default::default(),
                        sectioned: false,
                    })
                }
                // A text buffer: the chunks written to it, in order.
                "io.StringIO" | "io.BytesIO" | "StringIO" | "BytesIO" => {
                    Some(Slots::List(Vec::new()))
                }
                "configparser.ConfigParser" | "configparser.RawConfigParser" => Some(Slots::Keys {
                    entries: Default::default(),
                    sectioned: true,
                }),
                _ => None,
            },
            _ => None,
        }
    }

    /// The fields of an object literal at `prefix` inside a tracked container, to
    /// `MAX_NESTING` levels.
    fn nested_fields(
        &mut self,
        fr: &mut Frame,
        prefix: &str,
        fields: &[(Option<String>, Expr)],
        map: &mut std::collections::BTreeMap<String, values::Element>,
        depth: usize,
    ) {
        if depth > MAX_NESTING || fields.iter().any(|(k, _)| k.is_none()) {
            return;
        }
        map.insert(format!("{prefix}{NESTED}"), (None, Vec::new()));
        for (k, v) in fields {
            let key = format!("{prefix}{NESTED}{}", k.clone().unwrap_or_default());
            let element = (self.peek(fr, v), fr.value(v).into_iter().collect());
            map.insert(key.clone(), element);
            if let Expr::Object(inner, _) = v {
                self.nested_fields(fr, &key, inner, map, depth + 1);
            }
        }
    }

    /// Methods of a container variable: elements added, taken and read by constant position or
    /// key (`lst.append(x)`, `lst.pop(0)`, `m.get("k")`, `conf.set(section, key, v)`). Returns the
    /// call's taint when the call was understood here.
    fn container_call(
        &mut self,
        fr: &mut Frame,
        base: &str,
        c: &Call,
        args: &[Option<Taint>],
        kwargs: &[Option<Taint>],
    ) -> Option<Option<Taint>> {
        let method = c.callee.rsplit('.').next().unwrap_or("");
        let key = |fr: &Frame, i: usize| c.args.get(i).and_then(|a| fr.value(a));
        let values = |fr: &Frame, i: usize| -> values::Values {
            c.args
                .get(i)
                .and_then(|a| fr.value(a))
                .into_iter()
                .collect()
        };
        let arg = |i: usize| args.get(i).cloned().flatten();
        let stored =
            |t: Option<Taint>| t.map(|t| t.step(fr.file, c.pos, format!("stored in `{base}`")));
        let n = c.args.len();
        let outcome: Option<Option<Taint>> = match (fr.slots.get(base).cloned(), method) {
            (None, _) => None,
            // `obj.get("k")` on an object some of whose fields were set.
            (Some(Slots::Fields { base: held, fields }), "get") if n >= 1 => key(fr, 0)
                .and_then(|k| k.key())
                .map(|k| match fields.get(&k) {
                    Some(t) => Taint::merge(t.clone(), arg(1)),
                    None => Taint::merge(held.map(|b| member_taint(b, Some(&k))), arg(1)),
                }),
            (Some(Slots::Fields { .. }), _) => None,
            (Some(Slots::List(mut items)), m) => {
                let mut result = None;
                let understood = match (m, n) {
                    ("append" | "push" | "write", 1) => {
                        items.push((stored(arg(0)), values(fr, 0)));
                        true
                    }
                    ("unshift" | "appendleft", 1) => {
                        items.insert(0, (stored(arg(0)), values(fr, 0)));
                        true
                    }
                    ("insert", 2) => match key(fr, 0) {
                        Some(Value::Int(i)) => {
                            let at = usize::try_from(i.max(0)).unwrap_or(0).min(items.len());
                            items.insert(at, (stored(arg(1)), values(fr, 1)));
                            true
                        }
                        _ => false,
                    },
                    ("pop", 0) | ("shift" | "popleft", 0) => {
                        let taken = if m == "pop" {
                            items.pop()
                        } else if items.is_empty() {
                            None
                        } else {
                            Some(items.remove(0))
                        };
                        result = Some(taken.and_then(|(t, _)| t));
                        true
                    }
                    ("pop", 1) => match key(fr, 0) {
                        Some(Value::Int(i)) => {
                            let idx = if i < 0 { items.len() as i64 + i } else { i };
                            let taken = usize::try_from(idx)
                                .ok()
                                .filter(|i| *i < items.len())
                                .map(|i| items.remove(i));
                            result = Some(taken.and_then(|(t, _)| t));
                            true
                        }
                        _ => false,
                    },
                    _ => false,
                };
                if understood {
                    fr.slots.insert(base.to_string(), Slots::List(items));
                    fr.sync_slots(base);
                    Some(result.unwrap_or(None))
                } else {
                    None
                }
            }
            (
                Some(Slots::Keys {
                    mut entries,
                    sectioned,
                }),
                m,
            ) => {
                let mut result = None;
                let joined_key = |fr: &Frame| -> Option<String> {
                    if sectioned {
                        Some(format!("{}\0{}", key(fr, 0)?.key()?, key(fr, 1)?.key()?))
                    } else {
                        key(fr, 0)?.key()
                    }
                };
                let value_at = if sectioned { 2 } else { 1 };
                let understood = match m {
                    "set" | "put" | "setItem" if n == value_at + 1 => match joined_key(fr) {
                        Some(k) => {
                            entries.insert(k, (stored(arg(value_at)), values(fr, value_at)));
                            true
                        }
                        None => false,
                    },
                    "get" | "getItem" if n >= value_at => match joined_key(fr) {
                        Some(k) => {
                            let fallback = if sectioned {
                                c.kwargs
                                    .iter()
                                    .position(|(k, _)| k == "fallback")
                                    .and_then(|i| kwargs.get(i).cloned().flatten())
                            } else {
                                arg(1)
                            };
                            result = Some(match entries.get(&k) {
                                Some((t, _)) => t.clone(),
                                None => fallback,
                            });
                            true
                        }
                        None => false,
                    },
                    "add_section" | "has_section" | "has_option" | "has" | "sections" => true,
                    _ => false,
                };
                if understood {
                    fr.slots
                        .insert(base.to_string(), Slots::Keys { entries, sectioned });
                    fr.sync_slots(base);
                    Some(result.unwrap_or(None))
                } else {
                    None
                }
            }
        };
        if outcome.is_some() {
            return outcome;
        }
        // Any other change: the contents are no longer known; what goes in, the variable holds.
        if MUTATORS.contains(&method) {
            fr.slots.remove(base);
            fr.consts.remove(base);
            let mut t = None;
            for a in args.iter().chain(kwargs) {
                t = Taint::merge(t, a.clone());
            }
            if let Some(t) = t {
                let t = t.step(fr.file, c.pos, format!("stored in `{base}`"));
                let merged = Taint::merge(fr.env.get(base).cloned(), Some(t));
                if let Some(m) = merged {
                    fr.env.insert(base.to_string(), m);
                }
            }
        }
        None
    }

    /// Arguments: a callback passed to a method of tainted data (`records.forEach(r => ...)`,
    /// `promise.then(body => ...)`) runs with the data as its first parameter.
    fn eval_arg(&mut self, fr: &mut Frame, a: &Expr, recv: &Option<Taint>) -> Option<Taint> {
        if let (Expr::Function(def), Some(rt)) = (a, recv) {
            if fr.depth < MAX_CALL_DEPTH {
                let mut inner = fr.closure();
                let t = rt.clone().step(fr.file, def.pos, "passed to a callback");
                self.bind_params(&mut inner, def, |i, _| (i == 0).then(|| t.clone()));
                self.block(&mut inner, &def.body);
                return inner.returns;
            }
        }
        self.eval(fr, a)
    }

    fn local_call(
        &mut self,
        fr: &mut Frame,
        c: &Call,
        args: &[Option<Taint>],
    ) -> Option<Option<Taint>> {
        if fr.depth >= MAX_CALL_DEPTH {
            return None;
        }
        // A method of an instance of a class of this code base: `self` is the instance.
        if let Some(Expr::Name(obj, _)) = &c.receiver {
            if let Some((file, class)) = fr.instances.get(obj).cloned() {
                let method = c.callee.rsplit('.').next().unwrap_or("");
                let full = format!("{class}.{method}");
                let def = self.files[file]
                    .1
                    .methods
                    .iter()
                    .find(|m| m.name == full)
                    .map(|m| Rc::new(m.clone()));
                if let Some(def) = def {
                    // Lowering leaves `self` out of the parameters: it is bound by name.
                    let this = fr.env.get(obj).cloned();
                    self.pending_this_fields = fr
                        .slots
                        .get(obj)
                        .filter(|s| matches!(s, Slots::Fields { .. }))
                        .cloned();
                    self.pending_this_functions = field_functions(&fr.functions, obj);
                    return Some(self.run_call_on(fr, c, file, def, args, this));
                }
            }
        }
        if let Some((file, def)) = self.resolve_local(fr, &c.callee) {
            return Some(self.run_call(fr, c, file, def, args));
        }
        if let Some(r) = self.run_dispatched(fr, c, args) {
            return Some(r);
        }
        // A method called on an object the analysis cannot type (built by a factory,
        // `getattr`): the code base's methods of that name, when there are few, are what runs.
        let Some(Expr::Name(obj, _)) = &c.receiver else {
            return None;
        };
        let module = &self.files[fr.file].1;
        let imported = module.aliases.iter().any(|(a, _)| a == obj)
            || module
                .local_imports
                .iter()
                .any(|(b, _, _)| crate::is_dotted_under(b, obj));
        if imported || obj == "self" || obj == "this" {
            return None;
        }
        let method = c.callee.rsplit('.').next().unwrap_or("");
        let suffix = format!(".{method}");
        let candidates: Vec<(usize, Rc<FunctionDef>)> = self
            .files
            .iter()
            .enumerate()
            .flat_map(|(i, (_, m, _))| {
                m.methods
                    .iter()
                    .filter(|d| d.name.ends_with(&suffix))
                    .map(move |d| (i, Rc::new(d.clone())))
            })
            .collect();
        if candidates.is_empty() || candidates.len() > 4 {
            return None;
        }
        let this = fr.env.get(obj).cloned();
        let mut ret = None;
        for (file, def) in candidates {
            let r = self.run_call_on(fr, c, file, def, args, this.clone());
            ret = Taint::merge(ret, r);
        }
        Some(ret)
    }

    /// Analyses `def` (of `file`) called at `c` with `args` bound to its parameters in order.
    fn run_call(
        &mut self,
        fr: &mut Frame,
        c: &Call,
        file: usize,
        def: Rc<FunctionDef>,
        args: &[Option<Taint>],
    ) -> Option<Taint> {
        self.run_call_on(fr, c, file, def, args, None)
    }

    /// [`Self::run_call`] for a method, with the instance's taint as `self`/`this`.
    fn run_call_on(
        &mut self,
        fr: &mut Frame,
        c: &Call,
        file: usize,
        def: Rc<FunctionDef>,
        args: &[Option<Taint>],
        this: Option<Taint>,
    ) -> Option<Taint> {
        let this_fields = self.pending_this_fields.take();
        let this_functions = std::mem::take(&mut self.pending_this_functions);
        let mut mask: Vec<bool> = args.iter().map(Option::is_some).collect();
        mask.push(this.is_some());
        // Which fields of the instance carry taint is part of what the result depends on.
        if let Some(Slots::Fields { fields, .. }) = &this_fields {
            mask.extend(fields.values().map(Option::is_some));
        }
        // Functions passed as arguments (`apply(run_cmd, x)`, callbacks) are what the
        // parameters call; which ones they are is part of what the result depends on.
        let passed = self.passed_functions(fr, c, &def);
        // Object literals passed whole (`send({config: {url}, operation: body})`): the callee
        // reads their fields one by one, as if the literal were assigned to the parameter
        // there; without this every field of the literal was as tainted as its worst one.
        let literals: Vec<(String, Slots, Pos)> = if c.args.len() == args.len() {
            let pairs: Vec<(&Expr, &Param)> = c.args.iter().zip(&def.params).collect();
            pairs
                .into_iter()
                .filter_map(|(a, p)| match (a, p) {
                    (Expr::Object(..), Param::Name(name)) => {
                        self.contents(fr, a).map(|s| (name.clone(), s, a.pos()))
                    }
                    _ => None,
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut identity: Vec<(usize, Pos)> = passed
            .iter()
            .chain(&this_functions)
            .flat_map(|(_, fns)| fns.iter().map(|(f, d)| (*f, d.pos)))
            .collect();
        // Which literal was passed is part of what the result depends on.
        identity.extend(literals.iter().map(|(_, _, pos)| (fr.file, *pos)));
        let key = (
            file,
            def.name.clone(),
            mask,
            self.state_generation,
            identity,
        );
        if let Some(r) = self.memo.get(&key) {
            return r.clone();
        }
        self.memo.insert(key.clone(), None);
        self.visited.insert((file, def.pos));
        let mut inner = self.frame(file, false, fr.depth + 1);
        if let Some(t) = &this {
            for name in ["self", "this"] {
                inner.env.insert(name.to_string(), t.clone());
            }
        }
        if let Some(fields) = this_fields {
            for name in ["self", "this"] {
                inner.slots.insert(name.to_string(), fields.clone());
            }
        }
        for (field, fns) in this_functions {
            for name in ["self", "this"] {
                inner
                    .functions
                    .insert(format!("{name}.{field}"), fns.clone());
            }
        }
        inner.functions.extend(passed);
        let callee_text = c.text.clone();
        let step_file = fr.file;
        self.bind_params(&mut inner, &def, |i, _| {
            args.get(i)
                .cloned()
                .flatten()
                .map(|t| t.step(step_file, c.pos, format!("passed to `{callee_text}`")))
        });
        for (name, slots, _) in literals {
            inner.slots.insert(name, slots);
        }
        self.block(&mut inner, &def.body);
        let ret = inner
            .returns
            .map(|t| t.step(step_file, c.pos, format!("returned by `{}`", def.name)));
        self.memo.insert(key, ret.clone());
        ret
    }

    /// The functions a call passes, by the parameter that receives them.
    fn passed_functions(&self, fr: &Frame, c: &Call, def: &FunctionDef) -> FieldFunctions {
        c.args
            .iter()
            .zip(&def.params)
            .filter_map(|(a, p)| match p {
                Param::Name(p) => {
                    let fns = self.functions_of(fr, a);
                    (!fns.is_empty()).then(|| (p.clone(), fns))
                }
                Param::Destructure(_) => None,
            })
            .collect()
    }

    /// `new Promise((resolve, reject) => { ... resolve(v) ... })`: runs the executor, and the
    /// promise holds what it resolves with (also from callbacks inside it).
    fn promise_executor(&mut self, fr: &mut Frame, c: &Call) -> Option<Option<Taint>> {
        if !(c.is_new && c.callee == "Promise") || fr.depth >= MAX_CALL_DEPTH {
            return None;
        }
        let Some(Expr::Function(def)) = c.args.first() else {
            return None;
        };
        let resolver = match def.params.first() {
            Some(Param::Name(r)) => r.clone(),
            _ => return None,
        };
        self.resolving.push((resolver, None));
        let mut inner = fr.closure();
        self.bind_params(&mut inner, def, |_, _| None);
        self.block(&mut inner, &def.body);
        Some(self.resolving.pop().and_then(|(_, t)| t))
    }

    /// Runs the constructor of a class of this code base (`__init__`, `constructor`) for
    /// `Class(...)`/`new Class(...)`: the sinks it reaches, and the fields it sets on the new
    /// instance (known field by field, the rest holding what the constructor was given).
    fn run_constructor(
        &mut self,
        fr: &mut Frame,
        c: &Call,
        (file, class): (usize, String),
        args: &[Option<Taint>],
    ) {
        if fr.depth >= MAX_CALL_DEPTH {
            return;
        }
        let def = self.files[file]
            .1
            .methods
            .iter()
            .find(|m| {
                m.name == format!("{class}.__init__") || m.name == format!("{class}.constructor")
            })
            .cloned();
        let Some(def) = def else { return };
        let passed = self.passed_functions(fr, c, &def);
        let mut mask: Vec<bool> = args.iter().map(Option::is_some).collect();
        // Which functions it is given decides what it keeps; a constructor given functions is
        // analysed at each call.
        mask.push(!passed.is_empty());
        let key = (file, def.name.clone(), mask);
        let memo = if passed.is_empty() {
            self.ctor_memo.get(&key).cloned()
        } else {
            None
        };
        let fields = match memo {
            Some(f) => f,
            None => {
                self.ctor_memo.insert(key.clone(), None);
                self.visited.insert((file, def.pos));
                let mut inner = self.frame(file, false, fr.depth + 1);
                inner.functions.extend(passed);
                let fresh = Slots::Fields {
                    base: None,
                    fields: Default::default(),
                };
                for name in ["self", "this"] {
                    inner.slots.insert(name.to_string(), fresh.clone());
                }
                let callee_text = c.text.clone();
                let step_file = fr.file;
                self.bind_params(&mut inner, &def, |i, _| {
                    args.get(i)
                        .cloned()
                        .flatten()
                        .map(|t| t.step(step_file, c.pos, format!("passed to `{callee_text}`")))
                });
                self.block(&mut inner, &def.body);
                let me = if self.files[file].1.python {
                    "self"
                } else {
                    "this"
                };
                let built = inner
                    .slots
                    .get(me)
                    .filter(|s| matches!(s, Slots::Fields { .. }))
                    .cloned()
                    .map(|s| (s, field_functions(&inner.functions, me)));
                self.ctor_memo.insert(key, built.clone());
                built
            }
        };
        if let Some((Slots::Fields { fields, .. }, functions)) = fields {
            let base = args
                .iter()
                .fold(None, |acc, a| Taint::merge(acc, a.clone()));
            self.constructed = Some((c.pos, Slots::Fields { base, fields }, functions));
        }
    }

    /// The class of this code base a call instantiates: `Class(...)`, `module.Class(...)`.
    fn resolve_class(&self, fr: &Frame, callee: &str) -> Option<(usize, String)> {
        let has_class = |file: usize, class: &str| {
            let prefix = format!("{class}.");
            self.files[file]
                .1
                .methods
                .iter()
                .any(|m| m.name.starts_with(&prefix))
        };
        if !callee.contains('.') && has_class(fr.file, callee) {
            return Some((fr.file, callee.to_string()));
        }
        let module = &self.files.get(fr.file)?.1;
        for (binding, spec, imported) in &module.local_imports {
            let class = if let Some(name) = callee.strip_prefix(&format!("{binding}.")) {
                name.to_string()
            } else if callee == binding {
                imported.clone()?
            } else {
                continue;
            };
            let Some(f) = self.file_of(spec) else {
                continue;
            };
            if !class.contains('.') && has_class(f, &class) {
                return Some((f, class));
            }
        }
        None
    }

    fn resolve_local(&self, fr: &Frame, callee: &str) -> Option<(usize, Rc<FunctionDef>)> {
        if let Some(def) = fr.locals.get(callee) {
            return Some((fr.file, def.clone()));
        }
        let module = &self.files.get(fr.file)?.1;
        // `helpers.run(...)` or `run(...)` imported from a local module.
        for (binding, spec, imported) in &module.local_imports {
            let (file, name) = if let Some(name) = callee
                .strip_prefix(binding.as_str())
                .and_then(|rest| rest.strip_prefix('.'))
            {
                (spec, name.to_string())
            } else if callee == binding {
                (spec, imported.clone().unwrap_or_else(|| binding.clone()))
            } else {
                continue;
            };
            let Some(f) = self.file_of(file) else {
                continue;
            };
            let Some(def) = self.find_function(f, &name) else {
                continue;
            };
            return Some((f, def));
        }
        None
    }

    fn sinks(
        &mut self,
        fr: &Frame,
        c: &Call,
        recv: &Option<Taint>,
        args: &[Option<Taint>],
        kwargs: &[Option<Taint>],
    ) {
        let cat = self.catalog;
        let (_, module, text) = &self.files[fr.file];
        let mut hits: Vec<(&Sink, Taint, String)> = Vec::new();
        let assembled: Vec<(String, &Expr, Option<Taint>)> = match c.args.last() {
            Some(e @ Expr::Name(n, _)) => match fr.slots.get(n) {
                Some(Slots::Keys {
                    entries,
                    sectioned: false,
                }) => entries
                    .iter()
                    .map(|(k, (t, _))| (k.clone(), e, t.clone()))
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        for s in cat
            .sinks_for_callee(&c.callee)
            .into_iter()
            .filter(|s| !s.response)
        {
            if !s.applies_to(module.lang)
                || !s.calls.iter().any(|p| callee_matches(p, &c.callee))
                || s.except_calls.iter().any(|p| callee_matches(p, &c.callee))
            {
                continue;
            }
            if !s.requires_import.is_empty()
                && !s
                    .requires_import
                    .iter()
                    .any(|m| module.imported.iter().any(|i| i == m))
            {
                continue;
            }
            if !s.requires_text.is_empty()
                && !s.requires_text.iter().any(|t| text.contains(t.as_str()))
            {
                continue;
            }
            if let [k, v] = s.when_kwarg.as_slice() {
                let ok = c
                    .kwargs
                    .iter()
                    .any(|(name, e)| name == k && e.text().is_some_and(|t| t == *v));
                if !ok {
                    continue;
                }
            }
            if let Some((k, values)) = s.unless_kwarg.split_first() {
                let safe = c.kwargs.iter().any(|(name, e)| {
                    name == k
                        && e.text().is_some_and(|t| {
                            values
                                .iter()
                                .any(|v| t == *v || crate::ends_with_dotted(&t, v))
                        })
                });
                if safe {
                    continue;
                }
            }
            // `HttpResponse(body, content_type="application/json")` is no page.
            if s.html
                && c.kwargs.iter().any(|(k, v)| {
                    matches!(k.as_str(), "content_type" | "mimetype" | "media_type")
                        && v.text().is_some_and(|t| !t.contains("html"))
                })
            {
                continue;
            }
            // `res.send(...)` on the response object, not `client.send(command)`.
            if !s.receiver_roots.is_empty() {
                let root = c.receiver.as_ref().and_then(receiver_root);
                if !root.is_some_and(|r| s.receiver_roots.contains(&r)) {
                    continue;
                }
            }
            if s.write_mode {
                let mode = c.args.get(1).and_then(Expr::text).or_else(|| {
                    c.kwargs
                        .iter()
                        .find(|(k, _)| k == "mode")
                        .and_then(|(_, e)| e.text())
                });
                if !mode.is_some_and(|m| m.contains(['w', 'a', 'x'])) {
                    continue;
                }
            }
            let mut candidates: Vec<(&Expr, &Option<Taint>)> = Vec::new();
            if s.receiver {
                if let Some(r) = &c.receiver {
                    candidates.push((r, recv));
                }
            }
            for (i, a) in c.args.iter().enumerate() {
                if s.args.contains(&-1) || s.args.contains(&(i as i32)) {
                    candidates.push((a, &args[i]));
                }
            }
            for (i, (k, v)) in c.kwargs.iter().enumerate() {
                if s.kwargs.iter().any(|n| n == k) {
                    candidates.push((v, &kwargs[i]));
                }
            }
            // An input object assembled in a variable first (`new ScanCommand(input)`): its
            // known properties are the options.
            for (k, expr, t) in &assembled {
                if s.kwargs.iter().any(|n| n == k) {
                    candidates.push((*expr, t));
                }
            }
            for (expr, t) in candidates {
                let Some(t) = t else { continue };
                if !sink_accepts(s, expr, t, fixed_host(expr, &fr.bases)) {
                    continue;
                }
                hits.push((s, t.clone(), c.text.clone()));
                break;
            }
        }
        for (s, t, text) in hits {
            let detail = format!("{} reaches {}", describe(&t), s.note);
            self.report(&s.rule, fr.file, c.pos, &text, t, detail);
        }
    }

    fn response_sinks(&mut self, file: usize, t: &Taint, pos: Pos, html: bool) {
        let cat = self.catalog;
        let hits: Vec<&Sink> = cat
            .sinks
            .iter()
            .filter(|s| {
                s.response
                    && kind_ok(s, t)
                    && !t.cleared.contains(&s.rule)
                    // A page built with the value (`f"<p>{name}</p>"`, `html += name`).
                    && (!s.html || (html && !t.obj && t.stringy))
                    && (!s.direct || !t.opaque)
                    && (!s.logged || t.whole)
            })
            .collect();
        for s in hits {
            let what = if s.logged && t.whole {
                "the whole event (or its headers)"
            } else {
                describe(t)
            };
            let detail = format!("{what} reaches {}", s.note);
            self.report(&s.rule, file, pos, "return", t.clone(), detail);
        }
    }

    /// FG514: an event value compared with `==` to a secret; FG513: a request role decides a
    /// branch.
    fn comparison_checks(&mut self, fr: &mut Frame, e: &Expr) {
        let Expr::Compare {
            op,
            left,
            right,
            pos,
        } = e
        else {
            return;
        };
        if !matches!(op.as_str(), "==" | "!=" | "===" | "!==") {
            return;
        }
        let (lt, rt) = (self.peek(fr, left), self.peek(fr, right));
        // FG513: a role or admin flag from the request decides an authorization branch
        // (`if body["role"] == "admin"`).
        for (side, t, other) in [(left, &lt, right), (right, &rt, left)] {
            let Some(t) = t else { continue };
            let mut words = Vec::new();
            side.words(&mut words);
            let privilege = words.iter().any(|w| {
                let w: String = w
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_lowercase();
                matches!(
                    w.as_str(),
                    "role"
                        | "roles"
                        | "isadmin"
                        | "admin"
                        | "group"
                        | "groups"
                        | "permission"
                        | "permissions"
                        | "scope"
                )
            });
            let literal = matches!(**other, Expr::Str(..) | Expr::Const(..));
            if t.identity && !t.authorizer && privilege && literal {
                let text = format!(
                    "{} {op} {}",
                    side.text().unwrap_or_default(),
                    other.text().unwrap_or_default()
                );
                self.report(
                    "FG513",
                    fr.file,
                    *pos,
                    &text,
                    t.clone(),
                    "a role or admin flag from the request decides an authorization branch".into(),
                );
            }
        }
        let locals = &fr.locals;
        // A value that came from the request is not a secret the function holds, whatever its
        // name (`body.password == body.confirmPassword`).
        let secretish = |x: &Expr, t: &Option<Taint>| {
            t.as_ref().is_some_and(|t| t.kinds & SECRET != 0)
                || t.as_ref().is_none_or(|t| t.kinds & EVENT == 0)
                    && matches!(x, Expr::Name(..) | Expr::Member { .. })
                    && x.text().is_some_and(|n| {
                        // A function (`createSecret`) is not a secret value.
                        !locals.contains(&n) && {
                            let last = n.rsplit(['.', '[']).next().unwrap_or(&n).to_string();
                            is_secret_name(&last) || is_secret_name(&n)
                        }
                    })
        };
        // The event side must be a credential too: a token, key, signature or auth header.
        let authish = |x: &Expr| {
            let mut words = Vec::new();
            x.words(&mut words);
            words.iter().any(|w| {
                let w = w.to_ascii_lowercase();
                [
                    "token",
                    "key",
                    "secret",
                    "signature",
                    "sig",
                    "auth",
                    "password",
                    "hmac",
                    "digest",
                ]
                .iter()
                .any(|k| w.contains(k))
            })
        };
        let eventish = |x: &Expr, t: &Option<Taint>| {
            t.as_ref().is_some_and(|t| t.kinds & EVENT != 0) && authish(x)
        };
        let ev = if eventish(left, &lt) && secretish(right, &rt) {
            lt
        } else if eventish(right, &rt) && secretish(left, &lt) {
            rt
        } else {
            return;
        };
        if let Some(t) = ev {
            let text = format!(
                "{} {op} {}",
                left.text().unwrap_or_default(),
                right.text().unwrap_or_default()
            );
            self.report(
                "FG514",
                fr.file,
                *pos,
                &text,
                t,
                "an event value is compared with a secret using `==`".into(),
            );
        }
    }

    /// Taint of an expression without running sinks again.
    fn peek(&mut self, fr: &mut Frame, e: &Expr) -> Option<Taint> {
        let saved = std::mem::take(&mut self.findings);
        let saved_reported = self.reported.clone();
        let t = self.eval(fr, e);
        self.findings = saved;
        self.reported = saved_reported;
        t
    }

    /// FG515: a password hashed with a fast hash.
    fn weak_hash_check(&mut self, fr: &Frame, c: &Call) {
        let fast = [
            "hashlib.md5",
            "hashlib.sha1",
            "hashlib.sha224",
            "hashlib.sha256",
            "hashlib.sha384",
            "hashlib.sha512",
            "md5",
            "sha1",
            "sha256",
        ];
        let mut words = Vec::new();
        let mut hashed = false;
        if fast.contains(&c.callee.as_str()) || c.callee == "hashlib.new" {
            c.args.iter().for_each(|a| a.words(&mut words));
            hashed = true;
        } else if c.callee == "update" || c.callee.ends_with(".update") {
            // crypto.createHash('sha256').update(password)
            if let Some(Expr::Call(inner)) = &c.receiver {
                let algo = inner
                    .args
                    .first()
                    .and_then(Expr::text)
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if inner.callee.ends_with("createHash")
                    && ["md5", "sha1", "sha256", "sha512"].contains(&algo.as_str())
                {
                    c.args.iter().for_each(|a| a.words(&mut words));
                    hashed = true;
                }
            }
        }
        if !hashed {
            return;
        }
        let about_password = words.iter().any(|w| {
            let w = w.to_ascii_lowercase();
            w.contains("password") || w.contains("passwd") || w == "pwd" || w.ends_with("_pwd")
        });
        if about_password {
            self.report_call(
                "FG515",
                fr.file,
                c,
                "a password",
                "a password is hashed with a fast hash".into(),
            );
        }
    }

    /// A finding whose whole path is the call itself (a cookie set, a password hashed).
    fn report_call(&mut self, rule: &str, file: usize, c: &Call, what: &str, detail: String) {
        let t = Taint {
            steps: vec![(file, c.pos, what.to_string())],
            ..Taint::default()
        };
        self.report(rule, file, c.pos, &c.text, t, detail);
    }

    fn report(&mut self, rule: &str, file: usize, pos: Pos, sink: &str, t: Taint, detail: String) {
        if !self
            .reported
            .insert((rule.to_string(), file, pos.line, pos.col))
        {
            return;
        }
        let loc = |f: usize, p: Pos| Location::new(self.files[f].0.clone(), p.line, p.col);
        let mut path: Vec<FlowStep> = t
            .steps
            .iter()
            .map(|(f, p, note)| FlowStep {
                location: loc(*f, *p),
                note: note.clone(),
            })
            .collect();
        path.push(FlowStep {
            location: loc(file, pos),
            note: format!("reaches `{sink}`"),
        });
        let mut event_fields: Vec<String> =
            t.fields.iter().filter(|f| !f.is_empty()).cloned().collect();
        event_fields.sort();
        self.findings.push(CodeFinding {
            rule: rule.to_string(),
            sink: sink.to_string(),
            location: loc(file, pos),
            path,
            detail,
            event_fields,
        });
    }
}

fn is_stringify(callee: &str) -> bool {
    matches!(
        callee,
        "json.dumps" | "JSON.stringify" | "str" | "repr" | "String"
    )
}

/// The event fields a projection of the event reaches through `key` (`None`: an index or a
/// computed key, any element).
fn extend_fields(t: &mut Taint, key: Option<&str>) {
    if !t.projection {
        return;
    }
    for f in &mut t.fields {
        if f.split('.').count() >= MAX_FIELD_DEPTH {
            continue;
        }
        match key {
            None => {
                if !f.is_empty() {
                    f.push_str("[*]");
                }
            }
            Some(k) => {
                if !f.is_empty() {
                    f.push('.');
                }
                f.push_str(k);
            }
        }
    }
}

pub(super) fn member_taint(mut t: Taint, key: Option<&str>) -> Taint {
    // One variable of the environment is not the environment.
    t.kinds &= !ENVIRON;
    extend_fields(&mut t, key);
    // A field of an invoke's payload (`result["body"]`) is the function's answer, not its error.
    if t.payload && !matches!(key, Some("Payload" | "payload")) {
        t.kinds &= !ERROR;
        t.payload = false;
    }
    match key {
        Some(k) => {
            let lower = k.to_ascii_lowercase();
            if matches!(
                lower.as_str(),
                "requestcontext" | "authorizer" | "claims" | "jwt"
            ) {
                t.authorizer = true;
            }
            t.whole = t.whole
                && (lower == "headers" || lower == "multivalueheaders" || lower == "authorization");
            if lower == "authorization" || lower == "headers" {
                t.whole = true;
            }
            if is_identity_key(k) && !t.authorizer && !t.opaque && t.kinds & EVENT != 0 {
                t.identity = true;
            }
        }
        None => t.whole = false,
    }
    t.obj = false;
    t
}

fn kind_ok(s: &Sink, t: &Taint) -> bool {
    let want = if s.kinds.is_empty() {
        EVENT
    } else {
        s.kinds.iter().fold(0, |acc, k| {
            acc | match k.as_str() {
                "event" => EVENT,
                "error" => ERROR,
                "secret" => SECRET,
                "environ" => ENVIRON,
                "random" => RANDOM,
                "weak-digest" => WEAK_DIGEST,
                _ => 0,
            }
        })
    };
    t.kinds & want != 0
}

fn sink_accepts(s: &Sink, expr: &Expr, t: &Taint, host_fixed: bool) -> bool {
    if !kind_ok(s, t) || t.cleared.contains(&s.rule) {
        return false;
    }
    match s.shape.as_deref() {
        Some("string") if t.obj || matches!(expr, Expr::Object(..)) => return false,
        // Only parsed JSON (or the raw event) can carry an operator object (`{"$ne": null}`);
        // path and query parameters are always strings.
        Some("object-from-event") if t.stringy || !(t.parsed || t.whole) => return false,
        _ => {}
    }
    // SQL text: a value built by a query builder (`query.get(ref)`) is not text.
    if s.sql {
        if let Expr::Call(c) = expr {
            let method = c.callee.rsplit('.').next().unwrap_or("");
            if !matches!(
                method,
                "format"
                    | "join"
                    | "replace"
                    | "concat"
                    | "strip"
                    | "trim"
                    | "toString"
                    | "Sprintf"
                    | "Sprint"
                    | "Join"
            ) {
                return false;
            }
        }
    }
    if s.identity && (!t.identity || t.authorizer) {
        return false;
    }
    if s.direct && t.opaque {
        return false;
    }

    if s.logged && !t.whole {
        return false;
    }
    if s.rule == "FG507" && (host_fixed || t.host_fixed) {
        return false;
    }
    if let Some(needle) = &s.arg_contains {
        let mut lits = Vec::new();
        expr.literals(&mut lits);
        if !lits.iter().any(|l| l.contains(needle.as_str())) {
            return false;
        }
    }
    true
}

/// Fields the invoking AWS service fills in, not the caller: a CloudFormation custom resource's
/// pre-signed `ResponseURL`, S3 Object Lambda's `inputS3Url`, `outputRoute`, `outputToken`.
fn is_service_field(key: &str) -> bool {
    matches!(
        key,
        "ResponseURL" | "inputS3Url" | "outputRoute" | "outputToken"
    )
}

/// How much of a URL a value fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UrlBase {
    /// Scheme and host, and the path has begun (`https://api.example.com/`): anything appended
    /// lands in the path.
    Host,
    /// Configuration (`os.environ["API_URL"]`): the host is the operator's, but what follows
    /// could still extend it (`@evil.example`) unless a literal `/` comes first.
    Configured,
}

/// Records which assigned names now hold a URL base, and forgets those reassigned otherwise.
fn bind_bases(bases: &mut HashMap<String, UrlBase>, targets: &[Target], value: &Expr) {
    let base = url_base(value, bases);
    for target in targets {
        match target {
            Target::Name(n) => match base {
                Some(b) => {
                    bases.insert(n.clone(), b);
                }
                None => {
                    bases.remove(n);
                }
            },
            // `const { API_URL } = process.env`
            Target::Destructure(names) => {
                let from_env = is_env_object(value);
                for (_, local) in names {
                    if from_env {
                        bases.insert(local.clone(), UrlBase::Configured);
                    } else {
                        bases.remove(local);
                    }
                }
            }
            Target::Member(..) | Target::Index(..) | Target::Ignore => {}
        }
    }
}

fn is_env_object(e: &Expr) -> bool {
    matches!(e.text().as_deref(), Some("os.environ" | "process.env"))
}

/// A read of one environment variable: `os.environ["X"]`, `os.environ.get("X")`,
/// `os.getenv("X")`, `process.env.X`.
fn is_env_read(e: &Expr) -> bool {
    match e {
        Expr::Member { obj, .. } => is_env_object(obj),
        Expr::Call(c) => matches!(
            c.callee.as_str(),
            "os.getenv" | "os.environ.get" | "os.environ.__getitem__"
        ),
        _ => false,
    }
}

/// What part of a URL `e` fixes, if any.
fn url_base(e: &Expr, bases: &HashMap<String, UrlBase>) -> Option<UrlBase> {
    match e {
        Expr::Str(s, _) => literal_host_and_path(s).then_some(UrlBase::Host),
        Expr::Name(n, _) => bases.get(n).copied(),
        _ if is_env_read(e) => Some(UrlBase::Configured),
        Expr::Concat(parts, _) => {
            let mut parts = parts.iter();
            let first = url_base(parts.next()?, bases)?;
            if first == UrlBase::Host {
                return Some(UrlBase::Host);
            }
            match parts.next() {
                Some(next) if leading_literal(next).is_some_and(|s| s.starts_with('/')) => {
                    Some(UrlBase::Host)
                }
                Some(_) => None,
                None => Some(first),
            }
        }
        // `BASE.rstrip("/")`, `` `${BASE}`.trim() ``: still the same base.
        Expr::Call(c)
            if matches!(
                c.callee.rsplit('.').next(),
                Some("rstrip" | "strip" | "trim" | "trimEnd" | "removesuffix")
            ) =>
        {
            url_base(c.receiver.as_ref()?, bases)
        }
        _ => None,
    }
}

/// The pieces of nested concatenations (`BASE + f"/items/{id}"`), in order.
fn flatten_concat<'e>(parts: &'e [Expr], out: &mut Vec<&'e Expr>) {
    for p in parts {
        match p {
            Expr::Concat(inner, _) => flatten_concat(inner, out),
            other => out.push(other),
        }
    }
}

/// The literal text an expression starts with: `"/items/" + id`, `f"/items/{id}"`.
fn leading_literal(e: &Expr) -> Option<&str> {
    match e {
        Expr::Str(s, _) => Some(s),
        Expr::Concat(parts, _) => leading_literal(parts.first()?),
        _ => None,
    }
}

/// `"https://api.example.com/items/"`: a scheme, a literal host, and the start of the path.
fn literal_host_and_path(s: &str) -> bool {
    let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    else {
        return false;
    };
    match rest.find('/') {
        Some(i) => i > 0 && !rest[..i].contains(['{', '$', '%']),
        None => false,
    }
}

/// `"https://api.example.com/items/" + id`, `f"{os.environ['API']}/items/{id}"`: the event only
/// chooses the path, not the host.
fn fixed_host(expr: &Expr, bases: &HashMap<String, UrlBase>) -> bool {
    matches!(expr, Expr::Concat(..)) && url_base(expr, bases) == Some(UrlBase::Host)
}

fn describe(t: &Taint) -> &'static str {
    if t.kinds & EVENT != 0 {
        "event data"
    } else if t.kinds & RANDOM != 0 {
        "a non-cryptographic random value"
    } else if t.kinds & SECRET != 0 {
        "a secret"
    } else if t.kinds & ENVIRON != 0 {
        "the whole environment"
    } else if t.kinds & WEAK_DIGEST != 0 {
        "an MD5/SHA-1 digest"
    } else {
        "error details"
    }
}

/// Variables a condition checks (positive: clean in the `then` branch; negative: clean after an
/// early exit or in the `else` branch), each with whether the check is a prefix test (a
/// containment check only on a canonical path): `x in ALLOWED`, `x == "a"`,
/// `ALLOWED.includes(x)`, `re.fullmatch(p, x)`, an anchored `/^…$/.test(x)`,
/// `x.startswith(BASE)` and their negations. Only a plain variable is cleaned: a test of one
/// field (`event["httpMethod"] == "GET"`) routes, it does not clean the event; comparing two
/// values and truthiness or length tests clean nothing.
/// A variable a condition checks, and whether the check is a prefix test.
type Guarded = (String, bool);

/// Names that say a value authenticates someone or must not be guessed.
fn is_credential_word(text: &str) -> bool {
    let t: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "token",
        "secret",
        "passw",
        "nonce",
        "onetime",
        "salt",
        "session",
        "remember",
        "csrf",
        "apikey",
        "authkey",
        "authcode",
        "credential",
        "sessionid",
        "jwt",
        "resetcode",
        "verificationcode",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// A Lambda invoke: boto3 `client.invoke(FunctionName=...)`, SDK v2 `lambda.invoke({FunctionName})`,
/// v3 `client.send(new InvokeCommand(...))`.
fn is_lambda_invoke(c: &Call) -> bool {
    let method = c.callee.rsplit('.').next().unwrap_or("");
    match method {
        // An asynchronous invoke (`InvocationType="Event"`) returns no payload.
        "invoke" => {
            c.kwargs.iter().any(|(k, _)| k == "FunctionName")
                && !c.kwargs.iter().any(|(k, v)| {
                    k == "InvocationType" && v.text().is_some_and(|t| t != "RequestResponse")
                })
        }
        "send" => matches!(c.args.first(), Some(Expr::Call(inner))
            if inner.callee.rsplit('.').next() == Some("InvokeCommand")),
        _ => false,
    }
}

/// Generators that are not for secrets: `random` (Mersenne Twister), `Math.random`, numpy.
/// `open(path)`, `io.open(path)`, `Path(path).open()` with a path named for credentials.
fn opens_credential_file(c: &Call) -> bool {
    match c.callee.as_str() {
        "open" | "io.open" | "codecs.open" => c.args.first().is_some_and(names_credential_file),
        callee if callee.ends_with(".open") => match &c.receiver {
            Some(Expr::Call(inner)) if inner.callee.ends_with("Path") => {
                inner.args.first().is_some_and(names_credential_file)
            }
            _ => false,
        },
        _ => false,
    }
}

/// A path whose literal parts name a credentials store (`passwords.txt`, `/data/secrets.db`).
fn names_credential_file(path: &Expr) -> bool {
    let mut parts = Vec::new();
    path.literals(&mut parts);
    parts.iter().any(|p| {
        let file = p.rsplit('/').next().unwrap_or(p);
        is_credential_word(file)
    })
}

/// Names of signatures and integrity tags, which a broken hash cannot protect.
fn is_signature_word(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("signature") || t.contains("hmac") || t == "sig" || t.ends_with("_sig")
}

/// The broken hash function a call computes a digest with (`hashlib.md5(...)`,
/// `hashlib.new("sha1")`, `crypto.createHash("md5")`), unless the code says the digest is not
/// for security (`usedforsecurity=False`) or it hashes a password (FG515 reports that).
fn broken_digest(fr: &Frame, c: &Call) -> Option<&'static str> {
    let named = |e: Option<&Expr>| -> Option<&'static str> {
        let v = fr
            .value(e?)?
            .key()?
            .to_ascii_lowercase()
            .replace(['-', '_'], "");
        match v.as_str() {
            "md5" => Some("MD5"),
            "sha1" => Some("SHA-1"),
            _ => None,
        }
    };
    let algo = match c.callee.as_str() {
        "hashlib.md5" | "md5" | "Crypto.Hash.MD5.new" | "MD5.new" => Some("MD5"),
        "hashlib.sha1" | "sha1" | "Crypto.Hash.SHA1.new" | "SHA1.new" => Some("SHA-1"),
        "hashlib.new" => named(c.args.first()),
        callee if callee.ends_with("createHash") => named(c.args.first()),
        _ => None,
    }?;
    let not_for_security = c.kwargs.iter().any(|(k, v)| {
        k == "usedforsecurity" && v.text().is_some_and(|t| t == "False" || t == "false")
    });
    let mut words = Vec::new();
    c.args.iter().for_each(|a| a.words(&mut words));
    let password = words.iter().any(|w| {
        let w = w.to_ascii_lowercase();
        w.contains("password") || w.contains("passwd") || w == "pwd" || w.ends_with("_pwd")
    });
    (!not_for_security && !password).then_some(algo)
}

fn is_weak_random(callee: &str) -> bool {
    if callee == "Math.random" || callee == "java.lang.Math.random" {
        return true;
    }
    // Java's `Random` (not `SecureRandom`), commons-lang's `RandomStringUtils.random*`, Go's
    // `math/rand`.
    if callee.starts_with("java.util.Random.next")
        || callee.starts_with("java.util.concurrent.ThreadLocalRandom.current.next")
        || callee.starts_with("org.apache.commons.lang3.RandomStringUtils.random")
        || callee.starts_with("org.apache.commons.lang.RandomStringUtils.random")
        || callee.starts_with("math/rand.")
        || callee.starts_with("math/rand/v2.")
    {
        return true;
    }
    let Some(rest) = callee
        .strip_prefix("random.")
        .or_else(|| callee.strip_prefix("numpy.random."))
    else {
        return false;
    };
    !rest.starts_with("SystemRandom") && !rest.is_empty()
}

/// The `body` of a proxy response `{"statusCode": 200, "headers": {...}, "body": x}`, and
/// whether its headers declare HTML.
fn proxy_body(e: &Expr) -> Option<(&Expr, bool)> {
    let Expr::Object(entries, _) = e else {
        return None;
    };
    let html = entries.iter().any(|(k, v)| {
        k.as_deref() == Some("headers")
            && matches!(v, Expr::Object(h, _) if h.iter().any(|(hk, hv)| {
                hk.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("content-type"))
                    && matches!(hv, Expr::Str(s, _) if s.contains("html"))
            }))
    });
    entries
        .iter()
        .find(|(k, _)| k.as_deref() == Some("body"))
        .map(|(_, v)| (v, html))
}

/// The operands of a chain of one boolean operator (`a or b or c`); the condition itself when it
/// is not such a chain.
fn operands<'e>(cond: &'e Expr, op: &str) -> Vec<&'e Expr> {
    fn walk<'e>(e: &'e Expr, op: &str, out: &mut Vec<&'e Expr>) {
        match e {
            Expr::Op(o, parts, _) if o == op => parts.iter().for_each(|p| walk(p, op, out)),
            _ => out.push(e),
        }
    }
    let mut out = Vec::new();
    walk(cond, op, &mut out);
    out
}

fn clear(t: &mut Taint, rules: &[&str]) {
    for rule in rules {
        if !t.cleared.iter().any(|r| r == rule) {
            t.cleared.push(rule.to_string());
        }
    }
}

/// A test that the value holds no `..` (`if ".." in name: return`, `name.includes("..")`):
/// appended to a fixed directory, it cannot leave it. Returns the variables without `..` when
/// the condition is true, and those without it when it is false.
fn dot_dot_guard(cond: &Expr) -> (Vec<String>, Vec<String>) {
    contains_guard(cond, &|s| s.contains(".."))
}

/// A test that the value holds no quote (`if "'" in x: return`): it cannot end a quoted
/// literal it is placed in.
fn quote_guard(cond: &Expr) -> (Vec<String>, Vec<String>) {
    contains_guard(cond, &|s| s == "'" || s == "\"")
}

/// Variables tested to hold no text `needle` accepts: those clean when the condition is true,
/// and those clean when it is false.
fn contains_guard(cond: &Expr, needle: &dyn Fn(&str) -> bool) -> (Vec<String>, Vec<String>) {
    // (variable, true when the test says "contains")
    fn test(e: &Expr, needle: &dyn Fn(&str) -> bool) -> Option<(String, bool)> {
        let dots = |x: &Expr| matches!(x, Expr::Str(s, _) if needle(s));
        match e {
            Expr::Not(inner, _) => test(inner, needle).map(|(n, c)| (n, !c)),
            Expr::Compare {
                op, left, right, ..
            } if dots(left) => match (op.as_str(), right.as_ref()) {
                ("in", Expr::Name(n, _)) => Some((n.clone(), true)),
                ("not in", Expr::Name(n, _)) => Some((n.clone(), false)),
                _ => None,
            },
            Expr::Call(c) if c.args.first().is_some_and(dots) => {
                let method = c.callee.rsplit('.').next().unwrap_or("");
                match (method, c.receiver.as_ref()) {
                    ("includes" | "contains", Some(Expr::Name(n, _))) => Some((n.clone(), true)),
                    _ => None,
                }
            }
            _ => None,
        }
    }
    let (mut when_true, mut when_false) = (Vec::new(), Vec::new());
    let conj = operands(cond, "and");
    for c in conj {
        if let Some((n, false)) = test(c, needle) {
            when_true.push(n);
        }
    }
    let disj = operands(cond, "or");
    for d in disj {
        if let Some((n, true)) = test(d, needle) {
            when_false.push(n);
        }
    }
    (when_true, when_false)
}

/// Host allow-lists on a parsed URL: `u.netloc in ALLOWED`, `u.hostname == "example.com"`
/// (true when the host is allowed), and their negations chained with `or` (`if u.netloc not in
/// ALLOWED or u.scheme != "https": return`). Returns the URL variables whose host is allowed when
/// the condition is true, and those whose host is allowed when it is false.
fn host_allow_list_guard(cond: &Expr) -> (Vec<String>, Vec<String>) {
    fn host_test(e: &Expr) -> Option<(String, bool)> {
        let Expr::Compare {
            op, left, right, ..
        } = e
        else {
            return None;
        };
        let Expr::Member { obj, key, .. } = left.as_ref() else {
            return None;
        };
        // `u.netloc` of `u = urlparse(x)`, or `urlparse(x).netloc` itself.
        let u = match obj.as_ref() {
            Expr::Name(u, _) => u,
            Expr::Call(c)
                if matches!(
                    c.callee.as_str(),
                    "urllib.parse.urlparse" | "urllib.parse.urlsplit" | "urlparse" | "urlsplit"
                ) =>
            {
                match c.args.first() {
                    Some(Expr::Name(x, _)) => x,
                    _ => return None,
                }
            }
            _ => return None,
        };
        if !matches!(
            key.as_deref(),
            Some("netloc" | "hostname" | "host" | "origin")
        ) {
            return None;
        }
        let list = matches!(
            right.as_ref(),
            Expr::Seq(..) | Expr::Name(..) | Expr::Member { .. }
        );
        let constant = matches!(right.as_ref(), Expr::Str(..));
        match op.as_str() {
            "in" if list => Some((u.clone(), true)),
            "not in" if list => Some((u.clone(), false)),
            "==" | "===" if constant => Some((u.clone(), true)),
            "!=" | "!==" if constant => Some((u.clone(), false)),
            _ => None,
        }
    }
    let mut when_true = Vec::new();
    let conj = operands(cond, "and");
    for c in conj {
        if let Some((u, true)) = host_test(c) {
            when_true.push(u);
        }
    }
    let mut when_false = Vec::new();
    let disj = operands(cond, "or");
    for d in disj {
        if let Some((u, false)) = host_test(d) {
            when_false.push(u);
        }
    }
    (when_true, when_false)
}

/// `not x.startswith("'") or not x.endswith("'") or "'" in x[1:-1]`: true unless `x` is one
/// quoted string literal with no quote inside, which evaluates to a plain string whatever it
/// holds. Returns `x` (checked when the condition is false).
fn quoted_literal_guard(cond: &Expr) -> Option<String> {
    let parts = operands(cond, "or");
    let name_of = |e: &Expr| match e {
        Expr::Name(n, _) => Some(n.clone()),
        Expr::Member { obj, .. } => match obj.as_ref() {
            Expr::Name(n, _) => Some(n.clone()),
            _ => None,
        },
        _ => None,
    };
    let quote_test = |e: &Expr, methods: &[&str]| -> Option<(String, String)> {
        let Expr::Not(inner, _) = e else { return None };
        let Expr::Call(c) = inner.as_ref() else {
            return None;
        };
        let method = c.callee.rsplit('.').next().unwrap_or("");
        if !methods.contains(&method) {
            return None;
        }
        let Some(Expr::Str(q, _)) = c.args.first() else {
            return None;
        };
        let x = c.receiver.as_ref().and_then(|r| match r {
            Expr::Name(n, _) => Some(n.clone()),
            _ => None,
        })?;
        (q == "'" || q == "\"").then(|| (x, q.clone()))
    };
    let starts: Vec<_> = parts
        .iter()
        .filter_map(|p| quote_test(p, &["startswith", "startsWith"]))
        .collect();
    let ends: Vec<_> = parts
        .iter()
        .filter_map(|p| quote_test(p, &["endswith", "endsWith"]))
        .collect();
    let inner_quote = |x: &str, q: &str| {
        parts.iter().any(|p| match p {
            Expr::Compare {
                op, left, right, ..
            } if op == "in" => {
                matches!(left.as_ref(), Expr::Str(s, _) if s == q)
                    && matches!(right.as_ref(), Expr::Member { index: Some(_), .. })
                    && name_of(right).as_deref() == Some(x)
            }
            _ => false,
        })
    };
    starts
        .into_iter()
        .find(|s| ends.contains(s) && inner_quote(&s.0, &s.1))
        .map(|(x, _)| x)
}

fn guard_names(cond: &Expr) -> (Vec<Guarded>, Vec<Guarded>) {
    // `str(p)`, `String(p)`, `p.toString()` test the value itself.
    fn plain(e: &Expr) -> Option<String> {
        match e {
            Expr::Name(n, _) => Some(n.clone()),
            Expr::Call(c)
                if matches!(c.callee.as_str(), "str" | "String" | "os.fspath")
                    && c.args.len() == 1 =>
            {
                plain(&c.args[0])
            }
            Expr::Call(c) if c.callee.ends_with("toString") && c.args.is_empty() => {
                c.receiver.as_ref().and_then(plain)
            }
            _ => None,
        }
    }
    match cond {
        Expr::Not(inner, _) => {
            let (p, n) = guard_names(inner);
            (n, p)
        }
        Expr::Compare {
            op, left, right, ..
        } => {
            let Some(name) = plain(left) else {
                return (vec![], vec![]);
            };
            let constant = matches!(**right, Expr::Str(..) | Expr::Const(..));
            let allow_list = matches!(
                **right,
                Expr::Seq(..) | Expr::Name(..) | Expr::Member { .. }
            );
            match op.as_str() {
                "in" if constant || allow_list => (vec![(name, false)], vec![]),
                "not in" if constant || allow_list => (vec![], vec![(name, false)]),
                "==" | "===" if constant => (vec![(name, false)], vec![]),
                "!=" | "!==" if constant => (vec![], vec![(name, false)]),
                _ => (vec![], vec![]),
            }
        }
        Expr::Call(c) => {
            let last = c.callee.rsplit('.').next().unwrap_or("");
            let anchored = |p: Option<&Expr>| {
                p.and_then(Expr::text).is_some_and(|t| {
                    let t = t.trim_matches(|c| c == '"' || c == '\'' || c == 'r');
                    let body = t.trim_start_matches('/');
                    let body = body.trim_end_matches(|c: char| c.is_ascii_alphabetic());
                    let body = body.trim_end_matches('/');
                    body.starts_with('^') && (body.ends_with('$') || body.ends_with("\\Z"))
                })
            };
            let tested = match last {
                "includes" | "has" => c.args.last().map(|a| (a, false)),
                "fullmatch" => c.args.last().map(|a| (a, false)),
                // `re.match(p, x)` anchors only the start; `x.match(/^…$/)` and
                // `/^…$/.test(x)` check the whole value when both ends are anchored.
                "match" if c.receiver.is_none() || c.callee.starts_with("re.") => {
                    if anchored(c.args.first()) {
                        c.args.last().map(|a| (a, false))
                    } else {
                        None
                    }
                }
                "match" => {
                    if anchored(c.args.first()) {
                        c.receiver.as_ref().map(|r| (r, false))
                    } else {
                        None
                    }
                }
                "test" => {
                    if anchored(c.receiver.as_ref()) {
                        c.args.last().map(|a| (a, false))
                    } else {
                        None
                    }
                }
                "startswith" | "startsWith" => c.receiver.as_ref().map(|r| (r, true)),
                _ => None,
            };
            match tested.and_then(|(e, prefix)| plain(e).map(|n| (n, prefix))) {
                Some(g) => (vec![g], vec![]),
                None => (vec![], vec![]),
            }
        }
        _ => (vec![], vec![]),
    }
}

/// An expression standing for a constant (to fold `x += 1` as `x + 1`).
fn const_expr(v: &Value) -> Expr {
    let p = Pos::default();
    match v {
        Value::Int(i) => Expr::Const(i.to_string(), p),
        Value::Str(s) => Expr::Str(s.clone(), p),
        Value::Bool(b) => Expr::Const(if *b { "True" } else { "False" }.into(), p),
        Value::Null => Expr::Const("None".into(), p),
    }
}

/// Separates an outer and an inner key of a nested object literal in a container's keys.
const NESTED: char = '\u{1}';

/// How many levels of object literals inside a tracked container are tracked field by field.
const MAX_NESTING: usize = 3;

/// `base["a"]["b"]...` with constant keys, two levels or more: the base and the keys.
fn access_path(fr: &Frame, e: &Expr) -> Option<(String, Vec<String>)> {
    let mut keys = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            Expr::Member {
                obj, key, index, ..
            } => {
                let k = match (key, index) {
                    (Some(k), _) => k.clone(),
                    (None, Some(i)) => fr.value(i)?.key()?,
                    _ => return None,
                };
                keys.push(k);
                if keys.len() > MAX_NESTING + 1 {
                    return None;
                }
                cur = obj;
            }
            Expr::Name(base, _) if keys.len() >= 2 => {
                keys.reverse();
                return Some((base.clone(), keys));
            }
            _ => return None,
        }
    }
}

/// The key of a nested field: the path's keys joined by SEP.
fn nested_key(path: &[String]) -> String {
    path.join(&NESTED.to_string())
}

/// A nested field's taint when the object holding it is known field by field (`Some(None)`:
/// known to carry nothing); `None` when the read cannot be decided here.
fn get_nested(
    entries: &std::collections::BTreeMap<String, values::Element>,
    path: &[String],
) -> Option<Option<Taint>> {
    let (_, parent) = path.split_last()?;
    if !entries.contains_key(&format!("{}{NESTED}", nested_key(parent))) {
        return None;
    }
    Some(entries.get(&nested_key(path)).and_then(|(t, _)| t.clone()))
}

/// Sets a nested field of an object known field by field, and merges the value into the
/// objects that enclose it; false when that object is not known field by field.
fn set_nested(
    entries: &mut std::collections::BTreeMap<String, values::Element>,
    path: &[String],
    t: &Option<Taint>,
) -> bool {
    let Some((_, parent)) = path.split_last() else {
        return false;
    };
    if parent.is_empty() || !entries.contains_key(&format!("{}{NESTED}", nested_key(parent))) {
        return false;
    }
    let key = nested_key(path);
    let below = format!("{key}{NESTED}");
    entries.retain(|e, _| !e.starts_with(&below));
    entries.insert(key, (t.clone(), Vec::new()));
    for i in 1..path.len() {
        if let Some((et, values)) = entries.get_mut(&nested_key(&path[..i])) {
            *et = Taint::merge(et.take(), t.clone());
            values.clear();
        }
    }
    true
}

/// Methods that put their arguments into the object they are called on.
const MUTATORS: &[&str] = &[
    "append",
    "appendleft",
    "push",
    "unshift",
    "add",
    "extend",
    "insert",
    "update",
    "set",
    "put",
    "setdefault",
    "setItem",
    "set_cookie",
];

fn join_env(env: &mut HashMap<String, Taint>, other: HashMap<String, Taint>) {
    for (k, v) in other {
        let merged = Taint::merge(env.remove(&k), Some(v));
        if let Some(m) = merged {
            env.insert(k, m);
        }
    }
}

/// The variable a method chain starts from: `res` of `res.status(200).send`.
fn receiver_root(e: &Expr) -> Option<String> {
    let mut e = e;
    loop {
        match e {
            Expr::Name(n, _) => return Some(n.clone()),
            Expr::Member { obj, .. } => e = obj,
            Expr::Call(c) => e = c.receiver.as_ref()?,
            _ => return None,
        }
    }
}

/// The call that built a method chain's receiver: `Key("pk")` for `Key("pk").eq(v).and(...)`.
fn builder_callee(e: &Expr) -> Option<&str> {
    let mut e = e;
    loop {
        match e {
            Expr::Call(c) => match &c.receiver {
                Some(r) => e = r,
                None => return Some(&c.callee),
            },
            _ => return None,
        }
    }
}
