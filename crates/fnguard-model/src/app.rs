use crate::{Location, PolicyDocument, Setting, Val};
use serde::Serialize;

/// The descriptor format a project was loaded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    Serverless,
    CloudFormation,
    Sam,
    Cdk,
    Terraform,
    Chalice,
    Zappa,
    Live,
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Serverless => "serverless",
            SourceFormat::CloudFormation => "cloudformation",
            SourceFormat::Sam => "sam",
            SourceFormat::Cdk => "cdk",
            SourceFormat::Terraform => "terraform",
            SourceFormat::Chalice => "chalice",
            SourceFormat::Zappa => "zappa",
            SourceFormat::Live => "live",
        }
    }
}

/// One deployable application (a serverless service, a stack, a Terraform root), as deployed.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// The descriptor's path relative to the scanned root.
    pub path: String,
    pub format: SourceFormat,
    pub functions: Vec<Function>,
    pub apis: Vec<Api>,
    pub resources: Vec<Resource>,
    pub roles: Vec<Role>,
    pub permissions: Vec<InvokePermission>,
    pub parameters: Vec<TemplateParameter>,
    /// CDK construct paths (`aws:cdk:path` metadata) by logical id, for CDK output.
    pub construct_paths: Vec<(String, String)>,
}

impl Project {
    pub fn construct_path(&self, id: &str) -> Option<&str> {
        self.construct_paths
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, p)| p.as_str())
    }

    pub fn new(path: impl Into<String>, format: SourceFormat) -> Self {
        Self {
            path: path.into(),
            format,
            functions: Vec::new(),
            apis: Vec::new(),
            resources: Vec::new(),
            roles: Vec::new(),
            permissions: Vec::new(),
            parameters: Vec::new(),
            construct_paths: Vec::new(),
        }
    }

    pub fn api(&self, id: &str) -> Option<&Api> {
        self.apis.iter().find(|a| a.id == id)
    }

    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.id == id)
    }

    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    pub fn function(&self, id: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.id == id)
    }

    /// Functions whose triggers read from the resource `id`.
    pub fn functions_triggered_by<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Function> {
        self.functions.iter().filter(move |f| {
            f.triggers
                .iter()
                .any(|t| t.kind.source_resource().is_some_and(|s| s == id))
        })
    }
}

/// The settings most functions leave unset are boxed (`Option<Box<Setting<_>>>`, 8 bytes
/// instead of 40–48): a template of ninety thousand functions holds one of these per function.
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    /// The id as written in the descriptor: serverless function key, logical id, TF address.
    pub id: String,
    pub name: Option<Val<String>>,
    pub location: Location,
    /// CDK construct path (`aws:cdk:path`), when the template came from CDK.
    pub construct_path: Option<String>,
    pub runtime: Option<Setting<String>>,
    /// The language (`python`, `nodejs`) when the descriptor fixes it but not the exact
    /// runtime (Chalice and Zappa deploy with the Python version that runs them).
    pub runtime_family: Option<String>,
    pub is_image: bool,
    pub handler: Option<Setting<String>>,
    /// Local directory of the code package, relative to the scanned root, when known.
    pub code_path: Option<String>,
    /// How `code_path` was decided when it is not simply what the descriptor says (a build
    /// output resolved back to its sources, a module directory used for an absent archive).
    pub code_origin: Option<String>,
    /// Why the function's code could not be found in the scanned tree (an S3 location, an
    /// archive that is built at deploy time): code-based checks could not run for it.
    pub code_missing: Option<String>,
    /// The web application served behind the handler (serverless-wsgi, Mangum, Zappa, Chalice
    /// routes): its routes, not a handler function, are the entry points.
    pub web_app: Option<Box<WebApp>>,
    /// The tool that writes the handler file at package time (Zappa's `handler.lambda_handler`,
    /// serverless-wsgi's `wsgi_handler.handler`): it is not in the tree, and never "not found".
    pub handler_generated_by: Option<String>,
    /// Handlers of the user's code that the generated handler passes events to (Zappa's
    /// `events[].function`, its authorizer function), each analysed as a handler.
    pub dispatched: Vec<Setting<String>>,
    pub memory_mb: Option<Setting<i64>>,
    pub timeout_s: Option<Setting<i64>>,
    pub reserved_concurrency: Option<Setting<i64>>,
    pub provisioned_concurrency: Option<Box<Setting<i64>>>,
    pub environment: Vec<EnvVar>,
    pub kms_key: Option<Box<Setting<String>>>,
    pub layers: Vec<Setting<String>>,
    pub in_vpc: bool,
    pub tracing: Option<Setting<String>>,
    pub dead_letter: Option<Box<Setting<String>>>,
    pub on_failure_destination: Option<Box<Setting<String>>>,
    pub async_max_retries: Option<Box<Setting<i64>>>,
    pub async_max_event_age_s: Option<Box<Setting<i64>>>,
    pub url: Option<Box<FunctionUrl>>,
    pub architecture: Option<Box<Setting<String>>>,
    pub role: RoleRef,
    pub code_signing: Option<Box<Setting<String>>>,
    /// Retention of the function's log group, in days; `None` when no log group declares one.
    pub log_retention_days: Option<Box<Setting<i64>>>,
    pub triggers: Vec<Trigger>,
    /// Model resource ids this function's configuration refers to (environment, destinations).
    pub uses: Vec<String>,
    /// What the handler's code does, once code analysis has run.
    pub code: Option<Box<CodeFacts>>,
    /// The packages the function ships and their advisories, once dependency analysis has run.
    pub deps: Option<Box<crate::DepFacts>>,
    /// The IAM actions the function's role session was seen calling (CloudTrail), when read.
    pub observed: Option<Box<ObservedUsage>>,
}

/// What CloudTrail recorded the function doing: evidence of use that complements the code.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ObservedUsage {
    /// IAM actions of the successful calls made with the function's role session.
    pub actions: std::collections::BTreeSet<String>,
    /// Where the events came from (`CloudTrail LookupEvents, 30 days`, `3 CloudTrail files`).
    pub source: String,
    /// Whether data events (S3 object, DynamoDB item, Lambda invoke…) were in the trail;
    /// without them those calls cannot be seen, so their absence proves nothing.
    pub data_events: bool,
}

/// Facts about a function's handler code, added by the code analysis.
#[derive(Debug, Clone, Serialize, Default)]
pub struct CodeFacts {
    /// Where the handler function is defined, if it was found.
    pub handler: Option<Location>,
    /// Why the handler could not be found.
    pub unresolved: Option<String>,
    /// Source files read (the handler's and the local modules it imports).
    pub files: Vec<String>,
    /// AWS SDK calls, as the IAM actions they need.
    pub calls: Vec<SdkCall>,
    /// Environment variables the code reads by a literal name (`os.environ["TABLE"]`,
    /// `process.env.TABLE`): how a call's resource is traced back to the template.
    pub env_reads: Vec<String>,
    /// False when the code makes SDK calls fnguard cannot name (dynamic method names, clients
    /// passed in from elsewhere): then "unused" cannot be proven.
    pub complete: bool,
    /// Imported code that may make SDK calls fnguard did not read (repository modules outside
    /// the function's package, libraries that call AWS themselves): why `complete` is false.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_followed: Vec<String>,
    /// What the taint analysis and the secret scan found in the handler's code.
    pub findings: Vec<CodeFinding>,
    /// Prefix tests on record keys in the handler's code (how it ignores its own writes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key_filters: Vec<KeyFilter>,
}

/// A problem in handler code: data from a source reaching a sink (with the path it took), or a
/// pattern such as a hardcoded credential.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CodeFinding {
    /// The rule it belongs to (`FG501`).
    pub rule: String,
    /// What was reached, as the user wrote it (`subprocess.run(..., shell=True)`).
    pub sink: String,
    /// The line to change: the sink call (or the secret).
    pub location: Location,
    /// Source to sink: each step's location and what happened there.
    pub path: Vec<FlowStep>,
    /// A short, rule-specific description (`event data reaches a shell command`).
    pub detail: String,
    /// The fields of the handler's event that reach the sink (`queryStringParameters.name`,
    /// `Records[*].body`), when the analysis followed them as fields: what
    /// `fnguard shield policy` tells the runtime shield to check with the sink's grammar.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub event_fields: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FlowStep {
    pub location: Location,
    pub note: String,
}

/// `SdkCall::resource_env` of a call on the bucket whose S3 event triggered the function
/// (`Bucket=record["s3"]["bucket"]["name"]`).
pub const TRIGGERING_BUCKET: &str = "@triggering-bucket";

/// `resource_env` of a `PutEvents` call whose entries name no bus: the account's default bus.
pub const DEFAULT_EVENT_BUS: &str = "@default-event-bus";

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct SdkCall {
    /// `s3:GetObject`
    pub action: String,
    pub location: Location,
    /// The call runs from the function's entry points (it is in a function they reach, or at
    /// module level); calls in code of a shared module that the function never calls are not.
    pub reachable: bool,
    /// The environment variable whose value names the resource the call acts on
    /// (`Bucket=os.environ["OUTPUT_BUCKET"]`, `dynamodb.Table(TABLE)`), when the code says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_env: Option<String>,
    /// Key fields the call writes with a literal start (`Key={"sk": "totalquantity"}`,
    /// `Key="processed/" + name`): what the records its write produces will carry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub written_keys: Vec<KeyLiteral>,
    /// How event data reaches the call's parameters (empty: it does not): a write that stores
    /// the caller's data for the functions that read the store.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub event_data: Vec<FlowStep>,
}

/// A key field written with a literal beginning; `field` is `key` for an S3 object key.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyLiteral {
    pub field: String,
    /// The literal start of the value (all of it when the value is a literal).
    pub prefix: String,
    /// The whole value is this literal (not just its start).
    pub exact: bool,
    /// The literal end of the value (`${name}.gif` ends with `.gif`); empty when unknown.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub suffix: String,
}

/// A test on a field of each incoming record that decides whether the handler acts on it
/// (`if keys["sk"].startswith("product#")`, `if (key.startsWith("processed/")) continue;`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyFilter {
    /// The record field tested (`sk`, `key`).
    pub field: String,
    pub prefixes: Vec<String>,
    /// The test is on the end of the field (`endswith`): `prefixes` holds suffixes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub suffix: bool,
    /// `true`: only records whose field starts with one of the prefixes are acted on;
    /// `false`: those records are skipped.
    pub only: bool,
    pub location: Location,
}

impl Function {
    pub fn new(id: impl Into<String>, location: Location) -> Self {
        Self {
            id: id.into(),
            name: None,
            location,
            construct_path: None,
            runtime: None,
            runtime_family: None,
            is_image: false,
            handler: None,
            code_path: None,
            code_origin: None,
            code_missing: None,
            web_app: None,
            handler_generated_by: None,
            dispatched: Vec::new(),
            memory_mb: None,
            timeout_s: None,
            reserved_concurrency: None,
            provisioned_concurrency: None,
            environment: Vec::new(),
            kms_key: None,
            layers: Vec::new(),
            in_vpc: false,
            tracing: None,
            dead_letter: None,
            on_failure_destination: None,
            async_max_retries: None,
            async_max_event_age_s: None,
            url: None,
            architecture: None,
            role: RoleRef::None,
            code_signing: None,
            log_retention_days: None,
            triggers: Vec::new(),
            uses: Vec::new(),
            code: None,
            deps: None,
            observed: None,
        }
    }

    /// The runtime's language family (`python`, `nodejs`, `java`, `go`, `ruby`, `dotnet`,
    /// `provided`), from the runtime or, when that is not known, from the descriptor's format.
    pub fn family(&self) -> Option<&str> {
        const FAMILIES: &[&str] = &[
            "python", "nodejs", "java", "go", "ruby", "dotnet", "provided",
        ];
        let runtime = self.runtime.as_ref().and_then(|r| r.value.as_str());
        runtime
            .and_then(|r| FAMILIES.iter().copied().find(|f| r.starts_with(f)))
            .or(self.runtime_family.as_deref())
    }

    pub fn is_http(&self) -> bool {
        self.url.is_some()
            || self
                .triggers
                .iter()
                .any(|t| matches!(t.kind, TriggerKind::Api { .. } | TriggerKind::Alb { .. }))
    }
}

/// A web application (Flask, Django, FastAPI, Express, Chalice…) that one Lambda handler serves.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WebApp {
    /// How the handler serves it: `serverless-wsgi`, `Zappa`, `Chalice`, `Mangum`, ….
    pub adapter: String,
    /// The module that defines the application, as the descriptor names it (`app`, `api.main`,
    /// `src/app`), relative to the code package.
    pub module: String,
    /// The application object in that module (`app`); empty when the framework finds it
    /// itself (Django's settings, Chalice's `app`).
    pub object: String,
    /// Where the descriptor names the application.
    pub location: Location,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvVar {
    pub name: String,
    pub value: Val<String>,
    /// Model resource ids the value refers to (`!Ref OrdersTable`, `aws_sqs_queue.jobs.url`).
    pub refs: Vec<String>,
    pub location: Location,
}

/// Which role a function runs with.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum RoleRef {
    /// A role declared in the same project (its id in `Project::roles`).
    Declared {
        id: String,
        location: Location,
    },
    /// A role given by name or ARN that the project does not declare.
    External {
        arn: Val<String>,
        location: Location,
    },
    None,
}

impl RoleRef {
    pub fn declared_id(&self) -> Option<&str> {
        match self {
            RoleRef::Declared { id, .. } => Some(id),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FunctionUrl {
    pub auth_type: Setting<String>,
    pub cors: Option<Cors>,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cors {
    pub allow_origins: Vec<Val<String>>,
    pub allow_credentials: Option<Val<bool>>,
    pub location: Location,
}

impl Cors {
    pub fn allows_any_origin(&self) -> bool {
        self.allow_origins
            .iter()
            .any(|o| o.as_str().is_some_and(|s| s.trim_matches('\'') == "*"))
    }
}

/// How a route or listener authenticates callers before the function runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "detail", rename_all = "lowercase")]
pub enum Auth {
    None,
    Iam,
    Cognito,
    Lambda,
    Jwt,
    Unknown(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct Trigger {
    pub kind: TriggerKind,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum TriggerKind {
    /// An API Gateway route (REST, HTTP or WebSocket) reaching the function.
    Api {
        api: String,
        method: String,
        path: String,
        auth: Auth,
        /// Whether the route has a request validator or model; `None` when not applicable.
        validated: Option<bool>,
        api_key_required: bool,
    },
    Alb {
        api: String,
        auth: Auth,
    },
    S3 {
        bucket: Val<String>,
        events: Vec<String>,
        prefix: Option<String>,
        suffix: Option<String>,
    },
    Sqs {
        queue: Val<String>,
        partial_batch_response: bool,
    },
    Sns {
        topic: Val<String>,
    },
    Stream {
        source: Val<String>,
        service: String,
        partial_batch_response: bool,
        on_failure: bool,
    },
    EventBridge {
        bus: Option<Val<String>>,
        /// The `source` values the rule's event pattern matches, when they are literals; `None`
        /// when the pattern does not constrain the source or could not be read.
        #[serde(skip_serializing_if = "Option::is_none")]
        sources: Option<Vec<String>>,
    },
    Schedule {
        expression: Val<String>,
    },
    Cognito {
        pool: Val<String>,
    },
    Other {
        source: String,
        /// A Kafka trigger that validates and decodes records with a schema registry (the
        /// Lambda service reads the schemas with the function's role).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        schema_registry: bool,
    },
}

impl TriggerKind {
    /// The model resource the trigger reads from, when it names one.
    pub fn source_resource(&self) -> Option<&str> {
        match self {
            TriggerKind::S3 { bucket: v, .. }
            | TriggerKind::Sqs { queue: v, .. }
            | TriggerKind::Sns { topic: v }
            | TriggerKind::Stream { source: v, .. }
            | TriggerKind::Cognito { pool: v } => v.as_str(),
            TriggerKind::EventBridge { bus, .. } => bus.as_ref().and_then(Val::as_str),
            TriggerKind::Api { api, .. } | TriggerKind::Alb { api, .. } => Some(api),
            _ => None,
        }
    }

    /// Invoked asynchronously by the Lambda service (retries, failure destinations apply).
    pub fn is_async(&self) -> bool {
        matches!(
            self,
            TriggerKind::S3 { .. }
                | TriggerKind::Sns { .. }
                | TriggerKind::EventBridge { .. }
                | TriggerKind::Schedule { .. }
        )
    }

    pub fn label(&self) -> &'static str {
        match self {
            TriggerKind::Api { .. } => "api",
            TriggerKind::Alb { .. } => "alb",
            TriggerKind::S3 { .. } => "s3",
            TriggerKind::Sqs { .. } => "sqs",
            TriggerKind::Sns { .. } => "sns",
            TriggerKind::Stream { .. } => "stream",
            TriggerKind::EventBridge { .. } => "eventbridge",
            TriggerKind::Schedule { .. } => "schedule",
            TriggerKind::Cognito { .. } => "cognito",
            TriggerKind::Other { .. } => "other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiKind {
    Rest,
    Http,
    WebSocket,
    Alb,
}

impl ApiKind {
    pub fn label(self) -> &'static str {
        match self {
            ApiKind::Rest => "REST API",
            ApiKind::Http => "HTTP API",
            ApiKind::WebSocket => "WebSocket API",
            ApiKind::Alb => "load balancer",
        }
    }
}

/// An API Gateway API or an application load balancer in front of functions.
#[derive(Debug, Clone, Serialize)]
pub struct Api {
    pub id: String,
    pub kind: ApiKind,
    pub location: Location,
    /// Private endpoint (VPC only) or internal load balancer: not reachable from the internet.
    pub private: bool,
    pub cors: Option<Cors>,
    pub stages: Vec<Stage>,
    /// Generated by the framework (SAM implicit API, serverless `ApiGatewayRestApi`).
    pub implicit: bool,
    /// Throttling from usage plans that cover the API.
    pub usage_plan_throttle: Option<Throttle>,
    /// WebSocket route keys with a route response: only there does what the function returns
    /// reach the client.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub two_way_routes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub name: Val<String>,
    pub location: Location,
    pub access_logging: Val<bool>,
    pub throttle: Option<Throttle>,
    pub waf: bool,
    pub variables: Vec<EnvVar>,
    /// Where the stage turns on data tracing (`DataTraceEnabled: true`, Serverless
    /// `fullExecutionData`): full requests and responses written to CloudWatch Logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_trace: Option<Location>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Throttle {
    pub rate: Option<Val<f64>>,
    pub burst: Option<Val<i64>>,
}

impl Throttle {
    /// A rate or burst limit is set (perhaps to a value fnguard cannot read); a usage plan
    /// without `Throttle` limits nothing.
    pub fn is_set(&self) -> bool {
        self.rate.is_some() || self.burst.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    Bucket,
    Table,
    Queue,
    Topic,
    Stream,
    Secret,
    Key,
    LogGroup,
    Parameter,
    UserPool,
    UserPoolClient,
    EventBus,
    Layer,
    StateMachine,
    Other,
}

impl ResourceKind {
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::Bucket => "S3 bucket",
            ResourceKind::Table => "DynamoDB table",
            ResourceKind::Queue => "SQS queue",
            ResourceKind::Topic => "SNS topic",
            ResourceKind::Stream => "Kinesis stream",
            ResourceKind::Secret => "secret",
            ResourceKind::Key => "KMS key",
            ResourceKind::LogGroup => "log group",
            ResourceKind::Parameter => "SSM parameter",
            ResourceKind::UserPool => "Cognito user pool",
            ResourceKind::UserPoolClient => "Cognito app client",
            ResourceKind::EventBus => "event bus",
            ResourceKind::Layer => "Lambda layer",
            ResourceKind::StateMachine => "Step Functions state machine",
            ResourceKind::Other => "resource",
        }
    }
}

/// A data store, event source or other resource around the functions.
/// A bucket's S3 Block Public Access configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// S3 refuses to store a public bucket policy (`BlockPublicPolicy`) or limits a stored one to
    /// AWS services and the owner account's principals (`RestrictPublicBuckets`).
    pub fn neutralises_public_policy(&self) -> bool {
        self.block_public_policy || self.restrict_public_buckets
    }

    /// S3 refuses public ACLs (`BlockPublicAcls`) or ignores them (`IgnorePublicAcls`).
    pub fn neutralises_public_acls(&self) -> bool {
        self.block_public_acls || self.ignore_public_acls
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub id: String,
    pub kind: ResourceKind,
    /// The provider's type name (`AWS::S3::Bucket`, `aws_s3_bucket`).
    pub type_name: String,
    pub name: Option<Val<String>>,
    pub location: Location,
    /// At-rest encryption when the service does not always encrypt; `None` when always encrypted
    /// or not applicable.
    pub encrypted: Option<Setting<bool>>,
    /// Resource-based policies attached to this resource (bucket/queue/topic/bus policies).
    pub policies: Vec<PolicyDocument>,
    /// S3 canned ACL, e.g. `PublicRead`.
    pub acl: Option<Setting<String>>,
    /// S3 Block Public Access settings of the bucket (only settings known to be on count).
    pub public_access_block: Option<PublicAccessBlock>,
    /// SQS: has a redrive policy (dead-letter queue).
    pub has_dead_letter: bool,
    /// Cognito user pool: custom attribute names (`custom:role`).
    pub custom_attributes: Vec<String>,
    /// Cognito app client: `WriteAttributes`, `None` when unset (every attribute writable).
    pub write_attributes: Option<Setting<Vec<String>>>,
    /// Cognito app client: the pool it belongs to.
    pub user_pool: Option<String>,
    /// SSM `String` parameter value (plain text).
    pub plain_value: Option<Setting<String>>,
    pub tags: Vec<(String, String)>,
    /// Lambda layer: the local directory of its content, relative to the scanned root.
    pub content_path: Option<String>,
    /// Step Functions: the functions (ids in this project) its definition invokes.
    pub invokes: Vec<String>,
}

impl Resource {
    pub fn new(
        id: impl Into<String>,
        kind: ResourceKind,
        type_name: impl Into<String>,
        location: Location,
    ) -> Self {
        Self {
            id: id.into(),
            kind,
            type_name: type_name.into(),
            name: None,
            location,
            encrypted: None,
            policies: Vec::new(),
            acl: None,
            public_access_block: None,
            has_dead_letter: false,
            custom_attributes: Vec::new(),
            write_attributes: None,
            user_pool: None,
            plain_value: None,
            tags: Vec::new(),
            content_path: None,
            invokes: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub id: String,
    pub name: Option<Val<String>>,
    pub location: Location,
    pub trust_policy: Option<PolicyDocument>,
    pub inline_policies: Vec<PolicyDocument>,
    /// Managed policies by ARN or (SAM) by name.
    pub managed_policies: Vec<Setting<String>>,
    pub permissions_boundary: Option<Setting<String>>,
    /// Created by the framework rather than written by the user (serverless default role,
    /// SAM generated role).
    pub generated: bool,
    /// A policy the deployment tool writes from the SDK calls in handler code (Chalice's
    /// `autogen_policy`): filled by the code analysis, which knows those calls.
    pub autogen: Option<AutogenPolicy>,
    /// How to change this role in the tool it comes from, when that is not by editing a
    /// statement (Chalice's `autogen_policy`, Zappa's default policy); added to the fixes of
    /// the permission rules.
    pub fix_hint: Option<String>,
}

/// How a deployment tool generates a role's policy from code, so that the analysis can add the
/// same statement the tool would deploy.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AutogenPolicy {
    /// The tool (`Chalice`).
    pub tool: String,
    /// Source files (relative to the scanned root) whose SDK calls the tool reads.
    pub files: Vec<String>,
    /// Where the user can turn the generation off or replace it.
    pub location: Location,
}

impl Role {
    pub fn new(id: impl Into<String>, location: Location) -> Self {
        Self {
            id: id.into(),
            name: None,
            location,
            trust_policy: None,
            inline_policies: Vec::new(),
            managed_policies: Vec::new(),
            permissions_boundary: None,
            generated: false,
            autogen: None,
            fix_hint: None,
        }
    }
}

/// A statement of a function's resource policy (`AWS::Lambda::Permission`, `aws_lambda_permission`).
#[derive(Debug, Clone, Serialize)]
pub struct InvokePermission {
    pub id: String,
    /// The function's model id when it is declared here, else its name or ARN.
    pub function: Val<String>,
    pub action: Val<String>,
    pub principal: Setting<String>,
    pub source_arn: Option<Val<String>>,
    pub source_account: Option<Val<String>>,
    pub principal_org_id: Option<Val<String>>,
    pub function_url_auth_type: Option<Val<String>>,
    pub location: Location,
}

/// A deploy-time parameter (CloudFormation `Parameters`, Terraform `variable`).
#[derive(Debug, Clone, Serialize)]
pub struct TemplateParameter {
    pub name: String,
    /// `String`, `Number`, `AWS::SSM::Parameter::Value<String>`, a Terraform type, ...
    pub type_name: String,
    pub no_echo: bool,
    pub default: Option<String>,
    pub location: Location,
}

#[cfg(test)]
mod tests {
    /// A template can declare ninety thousand functions: every byte of `Function` counts that
    /// many times (it was 1,104 bytes before the rarely set settings were boxed).
    #[test]
    fn a_function_stays_small() {
        let size = std::mem::size_of::<super::Function>();
        assert!(size <= 800, "Function is {size} bytes");
    }
}
