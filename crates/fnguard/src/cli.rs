use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "fnguard",
    version,
    about = "Secure serverless applications: perimeter, roles, configuration and data flow of AWS Lambda apps",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan serverless projects (Serverless Framework, CloudFormation, SAM, CDK, Terraform, Chalice, Zappa) under PATH.
    Scan(Box<ScanArgs>),
    /// Apply the fixes rules offer to the descriptors (safe ones; unsafe ones with
    /// --unsafe-fixes), or show them as a diff; --add-ignore REASON silences every current
    /// finding with a comment instead.
    Fix(Box<FixArgs>),
    /// List the rules.
    Rules(RulesArgs),
    /// Per-function permissions: granted by the role, needed by the code, unused, missing, and a
    /// suggested least-privilege policy.
    Iam(Box<IamArgs>),
    /// The application graph: entry points, functions, data stores, roles, and who triggers,
    /// invokes, reads and writes what.
    Map(Box<MapArgs>),
    /// Denial-of-wallet: the worst cost per hour an attacker can cause through each entry point,
    /// and the limit that sets it.
    Wallet(Box<WalletArgs>),
    /// Per-function dependencies: the packages each function ships and the advisories that
    /// affect them (FG102, FG401-FG403).
    Deps(Box<DepsArgs>),
    /// CycloneDX SBOM of every function's packages.
    Sbom(Box<SbomArgs>),
    /// The offline OSV advisory database.
    Db(DbArgs),
    /// Live mode: the same rules on a deployed AWS account (read-only).
    Aws(AwsArgs),
    /// The runtime shield (fnguard-shield): its policy from the static analysis.
    Shield(ShieldArgs),
    /// The application model of every project as JSON (what custom Rego rules get as `input`).
    Model(Box<ModelArgs>),
    /// Custom rules in Rego: run their tests.
    Policy(PolicyArgs),
    /// Print the JSON Schema of `scan --format json` output (fnguard/v1).
    Schema,
    /// Show a rule's documentation.
    Explain {
        /// Rule id (FG201) or name (function-url-without-auth).
        rule: String,
    },
}

#[derive(Args, Debug)]
pub struct ModelArgs {
    #[command(flatten)]
    pub load: crate::load::LoadArgs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ModelFormat::Json)]
    pub format: ModelFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelFormat {
    /// One `fnguard-model/v1` document per project, in a JSON array.
    Json,
    /// The JSON Schema of one document.
    Schema,
}

#[derive(Args, Debug)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Run the `test_*` rules of every `*_test.rego` file under DIR with the policies beside
    /// them; exit 1 when one fails.
    Test {
        /// Policy directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Read the policies as Rego v0 (rules without `if`/`contains`).
        #[arg(long)]
        rego_v0: bool,
    },
}

#[derive(Args, Debug)]
pub struct ShieldArgs {
    #[command(subcommand)]
    pub command: ShieldCommand,
}

#[derive(Subcommand, Debug)]
pub enum ShieldCommand {
    /// Write, per function, which event fields reach which dangerous sink (from the FG5xx
    /// findings): the file the shield reads from `FNGUARD_POLICY` to check those fields with
    /// the sink's grammar.
    Policy(Box<ShieldPolicyArgs>),
}

#[derive(Args, Debug)]
pub struct ShieldPolicyArgs {
    #[command(flatten)]
    pub load: crate::load::LoadArgs,
    /// Write the policy to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// How the shield treats fields the policy does not list [default: monitor when the
    /// handler's code was fully analysed, block otherwise].
    #[arg(long, value_enum)]
    pub rest: Option<RestMode>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestMode {
    Block,
    Monitor,
    Off,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RulesFormat {
    Human,
    Json,
    Markdown,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Json,
    Html,
    Sarif,
    Junit,
    Markdown,
    /// GitHub Actions workflow annotations.
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    None,
}

impl FailOn {
    /// Whether any finding is at or above the threshold: exit code 1.
    pub fn fails(self, findings: &[fnguard_model::Finding]) -> bool {
        use fnguard_model::Severity;
        let threshold = match self {
            FailOn::Critical => Severity::Critical,
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
            FailOn::Info => Severity::Info,
            FailOn::None => return false,
        };
        findings.iter().any(|f| f.severity >= threshold)
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug, Clone)]
pub struct ScanArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub rules: RuleArgs,
    #[command(flatten)]
    pub load: crate::load::LoadArgs,
    /// Never use the network (the static scan never does; accepted for scripts).
    #[arg(long)]
    pub offline: bool,
    /// Skip files larger than this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = 20)]
    pub max_file_size: u64,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Synthesize CDK applications that have no `cdk.out` (runs each one's `app` command from
    /// `cdk.json`, as `cdk synth` does, into a temporary directory) and scan the templates;
    /// an existing `cdk.out` is scanned as it is.
    #[arg(long)]
    pub synth: bool,
    /// Stop a `--synth` run that takes longer than this.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub synth_timeout: u64,
    /// Use DIR/iam-catalog.txt instead of the embedded IAM action catalog.
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// The OSV database directory [default: $FNGUARD_DB, fnguard.toml `[deps] db`, or the user
    /// cache directory].
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Evaluate date-dependent rules as of this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE", hide = true, env = "FNGUARD_TODAY")]
    pub today: Option<String>,
    /// Report only findings that are not in this baseline (written by --create-baseline).
    #[arg(long, value_name = "FILE", conflicts_with = "create_baseline")]
    pub baseline: Option<PathBuf>,
    /// Write the current findings to FILE as a baseline (they are still reported).
    #[arg(long, value_name = "FILE")]
    pub create_baseline: Option<PathBuf>,
    /// Report only findings introduced since this git ref (the same paths are scanned at the
    /// ref in a temporary worktree).
    #[arg(long, value_name = "REF")]
    pub diff_base: Option<String>,
    /// Directory of custom rules in Rego (repeatable; added to fnguard.toml `[policies] dirs`).
    #[arg(long = "policy", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
    /// Read custom rules as Rego v0 (rules without `if`/`contains`).
    #[arg(long)]
    pub rego_v0: bool,
}

impl ScanArgs {
    /// What the pipeline is asked to do.
    pub fn request(&self) -> fnguard_scan::ScanRequest {
        let mut load = self.load.request();
        load.max_file_bytes = self.max_file_size.saturating_mul(1024 * 1024);
        fnguard_scan::ScanRequest {
            load,
            select: self.rules.select.clone(),
            ignore: self.rules.ignore.clone(),
            today: self.today.clone(),
            db: self.db.clone(),
            policies: self.policies.clone(),
            rego_v0: self.rego_v0,
            synth: self
                .synth
                .then(|| std::time::Duration::from_secs(self.synth_timeout)),
        }
    }
}

#[derive(Args, Debug)]
pub struct FixArgs {
    /// Print a unified diff (for `git apply`) instead of writing; exits 1 when there is one.
    #[arg(long)]
    pub diff: bool,
    /// Apply unsafe fixes too: they change behaviour (callers must sign requests, a new
    /// runtime, a throttle) and need review.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Instead of fixing, add a `fnguard:ignore <rules> REASON` comment above every line with
    /// findings (for adopting fnguard on an existing project; JSON files get none).
    #[arg(long, value_name = "REASON", conflicts_with = "unsafe_fixes")]
    pub add_ignore: Option<String>,
    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum IamFormat {
    Human,
    Json,
}

#[derive(Args, Debug)]
pub struct IamArgs {
    #[command(flatten)]
    pub load: crate::load::LoadArgs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = IamFormat::Human)]
    pub format: IamFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write each function's suggested policy to DIR/<function>.json.
    #[arg(long, value_name = "DIR")]
    pub emit_policies: Option<PathBuf>,
    /// Record what every function's role grants, to compare later with --baseline.
    #[arg(long, value_name = "FILE")]
    pub save_baseline: Option<PathBuf>,
    /// Compare what roles grant now with a saved baseline; exit 1 when access was added.
    #[arg(long, value_name = "FILE", conflicts_with = "save_baseline")]
    pub baseline: Option<PathBuf>,
    /// Use DIR/iam-catalog.txt (format of tools/gen_iam_catalog.py) instead of the embedded
    /// IAM action catalog.
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct DepsArgs {
    #[command(flatten)]
    pub load: crate::load::LoadArgs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = DepsFormat::Human)]
    pub format: DepsFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a dependency finding at or above this severity remains.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// The OSV database directory [default: $FNGUARD_DB or the user cache directory].
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Evaluate acceptance expiry dates as of this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", hide = true, env = "FNGUARD_TODAY")]
    pub today: Option<String>,
    /// Also list the lockfiles in the tree that no function's packages come from.
    #[arg(long)]
    pub all: bool,
    /// Instead of scanning, check a saved CycloneDX SBOM (`fnguard sbom`, or another tool's)
    /// or live snapshot (`aws scan --with-code --save-snapshot`) against the database: report
    /// advisories published or modified since it was written (exit 1 when there is one), for a
    /// scheduled job on what is deployed.
    #[arg(long, value_name = "SBOM|SNAPSHOT")]
    pub recheck: Option<PathBuf>,
    /// With --recheck: the cut-off, YYYY-MM-DD or RFC 3339 [default: the SBOM's timestamp].
    #[arg(long, value_name = "DATE", requires = "recheck")]
    pub since: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DepsFormat {
    Human,
    Json,
}

#[derive(Args, Debug)]
pub struct SbomArgs {
    #[command(flatten)]
    pub load: crate::load::LoadArgs,
    /// SBOM format.
    #[arg(long, short = 'f', value_enum, default_value_t = SbomFormat::Cyclonedx)]
    pub format: SbomFormat,
    /// Write the SBOM to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add the advisories affecting each package (needs the OSV database).
    #[arg(long)]
    pub with_vulnerabilities: bool,
    /// The OSV database directory (for --with-vulnerabilities).
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbomFormat {
    /// CycloneDX 1.5 JSON.
    Cyclonedx,
}

#[derive(Args, Debug)]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,
    /// The database directory [default: $FNGUARD_DB or the user cache directory].
    #[arg(long, value_name = "DIR", global = true)]
    pub db: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Download osv.dev's per-ecosystem archives and import them (atomically, per ecosystem).
    Update {
        /// Base URL of the archives (`<URL>/<Ecosystem>/all.zip`).
        #[arg(long, value_name = "URL", env = "FNGUARD_OSV_URL")]
        base_url: Option<String>,
        /// Only these ecosystems (npm, PyPI, Maven, Go, crates.io, RubyGems, NuGet, Packagist).
        #[arg(long = "ecosystem", value_name = "NAME", value_delimiter = ',')]
        ecosystems: Vec<String>,
        /// Download even when the server reports the archive unchanged.
        #[arg(long)]
        force: bool,
        /// Refuse, for scripts that must not touch the network.
        #[arg(long)]
        offline: bool,
        /// Hide the progress bar.
        #[arg(long)]
        no_progress: bool,
    },
    /// Import a zip archive (or a directory) of OSV JSON records.
    Import {
        /// The archive or directory.
        file: PathBuf,
        /// Only import entries of this ecosystem (the others in the archive are left alone).
        #[arg(long, value_name = "NAME")]
        ecosystem: Option<String>,
    },
    /// Ecosystems, record counts and age of the database.
    Status {
        /// Output format.
        #[arg(long, short = 'f', value_enum, default_value_t = DepsFormat::Human)]
        format: DepsFormat,
    },
}

#[derive(Args, Debug)]
pub struct MapArgs {
    #[command(flatten)]
    pub load: crate::load::LoadArgs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = MapFormat::Human)]
    pub format: MapFormat,
    /// Write the map to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapFormat {
    Human,
    Json,
    Html,
    Dot,
    Mermaid,
}

#[derive(Args, Debug)]
pub struct WalletArgs {
    #[command(flatten)]
    pub load: crate::load::LoadArgs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = DepsFormat::Human)]
    pub format: DepsFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The account's concurrency limit [default: fnguard.toml `[wallet] account_concurrency`, else 1000].
    #[arg(long, value_name = "N")]
    pub account_concurrency: Option<u64>,
}

#[derive(Args, Debug)]
pub struct AwsArgs {
    #[command(subcommand)]
    pub command: AwsCommand,
}

#[derive(Subcommand, Debug)]
pub enum AwsCommand {
    /// Read the account's functions, roles, APIs and event sources and run every rule on them.
    Scan(Box<AwsScanArgs>),
    /// Compare the functions declared under PATH with those deployed in the account (FG612).
    Drift(Box<AwsDriftArgs>),
    /// What each function's role session was seen calling in CloudTrail, next to what its role
    /// grants: unused permissions (FG306) with observed evidence.
    Usage(Box<AwsUsageArgs>),
    /// Restore drifted roles, function URLs and resource policies to what the templates under
    /// PATH declare: prints the plan of write calls; --apply makes them and writes a journal;
    /// --undo JOURNAL replays a journal backwards.
    Remediate(Box<AwsRemediateArgs>),
    /// Print the read-only IAM policy fnguard needs for `aws scan`, `drift` and `usage` (with
    /// --remediate: the write policy `aws remediate --apply` and `--undo` need).
    Policy(AwsPolicyArgs),
}

#[derive(Args, Debug)]
pub struct AwsPolicyArgs {
    /// The narrow write policy of `aws remediate --apply` and `--undo` instead.
    #[arg(long)]
    pub remediate: bool,
}

#[derive(Args, Debug)]
pub struct AwsRemediateArgs {
    /// Make the calls (default: print the plan only).
    #[arg(long)]
    pub apply: bool,
    /// Where --apply records the calls it made [default: fnguard-remediate-<time>.json].
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Undo what a journal records, newest call first (the journal shrinks as calls are undone).
    #[arg(long, value_name = "JOURNAL", conflicts_with = "apply")]
    pub undo: Option<PathBuf>,
    #[command(flatten)]
    pub drift: AwsDriftArgs,
}

#[derive(Args, Debug)]
pub struct AwsDriftArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Directories or descriptor files that declare the application.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Stage for Serverless Framework names (`{service}-{stage}-{function}`) and variables.
    #[arg(long)]
    pub stage: Option<String>,
    /// Template parameter values, KEY=VALUE (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// CloudFormation stack name: unnamed functions are deployed as `{stack}-{LogicalId}-…`.
    #[arg(long)]
    pub stack: Option<String>,
    /// Do not report deployed functions that no scanned template declares.
    #[arg(long)]
    pub ignore_undeclared: bool,
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    #[command(flatten)]
    pub account: AccountArgs,
    #[arg(long, value_name = "DATE", hide = true, env = "FNGUARD_TODAY")]
    pub today: Option<String>,
}

/// Where and how to read the account (shared by `aws scan` and `aws drift`).
#[derive(Args, Debug)]
pub struct AccountArgs {
    /// AWS profile (default: the standard credential chain: environment, profile, SSO, IMDS).
    #[arg(long)]
    pub profile: Option<String>,
    /// Region to read (repeatable); default: the profile's region.
    #[arg(long = "region", conflicts_with = "all_regions")]
    pub regions: Vec<String>,
    /// Read every region enabled for the account (`account:ListRegions`).
    #[arg(long)]
    pub all_regions: bool,
    /// Endpoint for every service (a local emulator such as moto).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Concurrent requests.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Use a snapshot saved with --save-snapshot instead of calling AWS.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Vec<PathBuf>,
    /// Save what was read (JSON), to rescan or diff later without calling AWS.
    #[arg(long, value_name = "FILE")]
    pub save_snapshot: Option<PathBuf>,
    /// Write every AWS API operation called, one per line (an audit of what fnguard did).
    #[arg(long, value_name = "FILE")]
    pub calls_log: Option<PathBuf>,
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Args, Debug)]
pub struct AwsScanArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub rules: RuleArgs,
    #[command(flatten)]
    pub account: AccountArgs,
    #[command(flatten)]
    pub code: CodeArgs,
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, value_name = "DATE", hide = true, env = "FNGUARD_TODAY")]
    pub today: Option<String>,
}

/// Reads the account (or the saved snapshots) and writes the calls log and snapshot asked
/// for; `None` after telling the user why nothing could be read.

#[derive(Args, Debug)]
pub struct AwsUsageArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub account: AccountArgs,
    /// Read CloudTrail log files (`*.json`, `*.json.gz` under DIR, as delivered to the trail's
    /// bucket, or saved `aws cloudtrail lookup-events` output) instead of calling LookupEvents.
    #[arg(long, value_name = "DIR")]
    pub cloudtrail: Vec<PathBuf>,
    /// How far back LookupEvents looks (at most 90 days).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=90))]
    pub days: u32,
    // With `--with-code`, "unused" needs both proofs: CloudTrail's and the code's.
    #[command(flatten)]
    pub code: CodeArgs,
    #[arg(long, value_name = "DATE", hide = true, env = "FNGUARD_TODAY")]
    pub today: Option<String>,
}

/// The deployed code of a live account (`aws scan`, `aws usage`).
#[derive(Args, Debug, Clone)]
pub struct CodeArgs {
    /// Download each function's deployed package and layers (to a temporary directory) and run
    /// the code and dependency analyses on them.
    #[arg(long)]
    pub with_code: bool,
    /// OSV database for the dependency analysis of `--with-code` (default as for `scan`).
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
}

/// How a report is written and what fails the run (scan and the live commands).
#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity remains [default: high; none for SARIF].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
}

/// Which rules run.
#[derive(Args, Debug, Clone)]
pub struct RuleArgs {
    /// Run only these rules (ids, prefixes such as FG2, or names); includes opt-in rules.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Never run these rules (ids, prefixes or names).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
}
