//! The clap definition: every command and flag is documented once here;
//! help, the man page and shell completions are generated from it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "cairn",
    version,
    about = "Cairn: turn business requirements into a ranked, forecast, traceable backlog",
    long_about = "Cairn is a technical product owner's workbench. Items (requirements, epics, stories, \
tasks, bugs, spikes, debt) live in an embedded SQLite database by default, or in PostgreSQL for a team. \
Every change is recorded in a tamper-evident audit trail.",
    after_help = "Start with `cairn demo` for a sample product, then try `cairn query 'category != done ORDER BY rank'`."
)]
pub struct Cli {
    /// Database URL: a SQLite file (sqlite:PATH or a path) or postgres://user@host/db.
    /// Default: the workspace's .cairn/cairn.db, found from the current folder upwards.
    #[arg(long, global = true, env = "CAIRN_DB")]
    pub db: Option<String>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value = "table")]
    pub format: Format,
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Who is making the change (recorded in the audit trail). Default: $USER.
    #[arg(long, global = true, env = "CAIRN_ACTOR")]
    pub actor: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a workspace in the current folder (.cairn/cairn.db) or at --db.
    Init,
    /// Create a realistic sample product with six months of history.
    Demo(DemoArgs),
    /// Products: backlogs with a key prefix.
    #[command(subcommand)]
    Product(ProductCmd),
    /// People who can be assigned items.
    #[command(subcommand)]
    Person(PersonCmd),
    /// Releases: named target dates per product.
    #[command(subcommand)]
    Release(ReleaseCmd),
    /// Goals (objectives with key results) and the items that serve them.
    #[command(subcommand)]
    Goal(GoalCmd),
    /// Add, show, edit, move and remove items.
    #[command(subcommand)]
    Item(Box<ItemCmd>),
    /// Link two items: KEY blocks|blocked-by|relates|duplicates|implements|verifies KEY.
    Link(LinkArgs),
    /// Remove a link.
    Unlink(LinkArgs),
    /// Find items with the query language (see docs/query-language.md).
    Query(QueryArgs),
    /// Rank the backlog with a scoring model, blockers first; compare with
    /// the current order, explain a position, or apply the new order.
    Rank(RankArgs),
    /// Forecast delivery from the team's own throughput: flow history, when,
    /// how many by a date, and the cut line over the ranked backlog.
    #[command(subcommand)]
    Forecast(ForecastCmd),
    /// Plan sprints or a release from the ranked backlog, or find the
    /// critical path through the blocks links.
    #[command(subcommand)]
    Plan(PlanCmd),
    /// Kano surveys: classify features from customers' answer pairs.
    #[command(subcommand)]
    Kano(KanoCmd),
    /// Requirements: import Markdown or CSV documents (re-import updates
    /// them), and classify them as functional or non-functional.
    #[command(subcommand)]
    Req(ReqCmd),
    /// Items marked suspect because a requirement they are linked to changed.
    #[command(subcommand)]
    Suspect(SuspectCmd),
    /// Check story quality: the Quality User Story criteria, INVEST and
    /// Gherkin acceptance criteria. Exits 1 when an error-level finding remains.
    Lint(LintArgs),
    /// Find near-duplicate requirements and stories by text similarity.
    Dupes(DupesArgs),
    /// Propose an epic, stories and tasks for a requirement, from the
    /// templates for its class; --apply creates them.
    Decompose(DecomposeArgs),
    /// Report problems: cycles of blocks links, hierarchy violations, done items still blocked.
    Check,
    /// Show everything that ever happened to an item (also after it was deleted).
    History {
        /// An item key, e.g. PAY-42, or user:HANDLE for an account.
        key: String,
    },
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Show or change the workspace config (workflows, hierarchy, custom fields).
    #[command(subcommand)]
    Config(ConfigCmd),
    /// The risk register: likelihood × impact, owner, status, mitigating items.
    #[command(subcommand)]
    Risk(RiskCmd),
    /// The decision log (ADR style): context, options and trade-offs, decision.
    #[command(subcommand)]
    Decision(DecisionCmd),
    /// The traceability matrix: requirement → work → tests → latest result, and its gaps.
    Trace(TraceArgs),
    /// The Definition of Ready and of Done: check items against their rules.
    #[command(subcommand)]
    Gate(GateCmd),
    /// Baselines: freeze a scope under a name; diff two baselines, or one against now.
    #[command(subcommand)]
    Baseline(BaselineCmd),
    /// Follow an item: its comments, mentions of you, assignments and moves reach your inbox.
    Watch {
        key: String,
        /// Stop watching instead.
        #[arg(long)]
        stop: bool,
    },
    /// Your in-app notifications, newest first; `cairn inbox settings` chooses what reaches
    /// your inbox and your mail.
    #[command(args_conflicts_with_subcommands = true)]
    Inbox {
        #[command(subcommand)]
        settings: Option<InboxCmd>,
        /// Only the unread ones.
        #[arg(long)]
        unread: bool,
        /// Mark these read (repeatable), or every one with --read-all.
        #[arg(long = "read", value_name = "ID")]
        read: Vec<i64>,
        #[arg(long)]
        read_all: bool,
    },
    /// Notification mail: send what is due now (the CLI also sends it after each change, and
    /// `cairn serve` every few seconds).
    #[command(subcommand)]
    Mail(MailCmd),
    /// Outgoing webhooks of a product: add, list, change or pause, delete, the delivery log,
    /// replay, and send
    /// what is due now (the CLI also sends after each change, and `cairn serve` every few
    /// seconds). Product owners only.
    #[command(subcommand)]
    Webhook(WebhookCmd),
    /// Discussions on items: comment, reply, edit and delete (the old text stays in the audit
    /// trail). `@handle` mentions people; item keys become links on the web.
    #[command(subcommand)]
    Comment(CommentCmd),
    /// Customer feedback: capture, link to items (with suggestions), merge duplicates, themes,
    /// demand per item, who to tell when it ships, insights.
    #[command(subcommand)]
    Feedback(FeedbackCmd),
    /// Sign an item or a baseline electronically (21 CFR Part 11): your password again, a
    /// meaning, bound to exactly the content signed.
    Sign(SignArgs),
    /// The signatures of an item or a baseline, each valid while the content is unchanged.
    Signatures {
        /// An item key (or use --baseline).
        key: Option<String>,
        #[arg(long)]
        baseline: Option<String>,
        #[arg(long)]
        product: Option<String>,
    },
    /// Test evidence: JUnit reports per build, tests linked to the items they verify.
    #[command(subcommand)]
    Evidence(EvidenceCmd),
    /// Commits: link a repository's commits to the items their messages name ("Fixes PAY-12"
    /// can move the item), and list an item's commits.
    #[command(subcommand)]
    Git(GitCmd),
    /// Reports for stakeholders, as self-contained HTML, Markdown or JSON.
    Report(ReportArgs),
    /// Serve the web app and the REST API (/api/v1) for a team.
    Serve(ServeArgs),
    /// Accounts for `cairn serve`: users, roles per product, API tokens.
    #[command(subcommand)]
    User(UserCmd),
    /// Import items or a whole workspace.
    #[command(subcommand)]
    Import(ImportCmd),
    /// Export the whole workspace.
    #[command(subcommand)]
    Export(ExportCmd),
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man page (cairn.1) to a folder, or print it.
    Man {
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum GitCmd {
    /// Read a repository's new commits and link each to the items its message names (keys of
    /// this workspace's products, e.g. PAY-12). "Fixes PAY-12" (or closes, resolves) moves the
    /// item to `[git] fixes_state` when the config sets one. Re-scanning reads only new commits
    /// and never links a commit twice.
    Scan {
        /// The repository: a clone's folder or a bare repository (default: the current folder).
        path: Option<PathBuf>,
        /// Show what would be linked and moved, and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// The commits that mention an item, newest first.
    Commits {
        /// An item key, e.g. PAY-12.
        key: String,
    },
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Seed for the generator: same seed, same product.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Key prefix of the demo product.
    #[arg(long, default_value = "PAY")]
    pub prefix: String,
}

#[derive(Subcommand, Debug)]
pub enum ProductCmd {
    /// Add a product: cairn product add PAY "Payments".
    Add { prefix: String, name: String },
    /// List products.
    List,
}

#[derive(Subcommand, Debug)]
pub enum PersonCmd {
    /// Add a person: cairn person add ada "Ada Lovelace".
    Add {
        handle: String,
        name: String,
        #[arg(long)]
        email: Option<String>,
    },
    /// List people.
    List,
}

#[derive(Subcommand, Debug)]
pub enum ReleaseCmd {
    /// Add a release: cairn release add 2026.1 --date 2026-03-31.
    Add {
        name: String,
        /// Target date, YYYY-MM-DD.
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        product: Option<String>,
    },
    /// List releases.
    List,
}

#[derive(Subcommand, Debug)]
pub enum GoalCmd {
    /// Add a goal with key results: --kr "Checkout conversion %:65:58".
    Add {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// A key result as DESCRIPTION:TARGET:CURRENT[:UNIT]; repeatable.
        #[arg(long = "kr")]
        key_results: Vec<String>,
    },
    /// List goals.
    List,
    /// Link an item to a goal.
    Link { goal: String, key: String },
    /// Unlink an item from a goal.
    Unlink { goal: String, key: String },
}

#[derive(Subcommand, Debug)]
pub enum ItemCmd {
    /// Add an item at the bottom of its product's backlog.
    Add(ItemAddArgs),
    /// Show an item with its links and children.
    Show { key: String },
    /// Change an item's fields.
    Edit(ItemEditArgs),
    /// Move an item to another workflow state.
    State {
        key: String,
        state: String,
        /// Move although the Definition of Ready or of Done fails (owners only; needs --reason,
        /// kept in the audit trail).
        #[arg(long)]
        override_gate: bool,
        #[command(flatten)]
        common: WriteArgs,
    },
    /// Move an item in the ranking.
    Move(ItemMoveArgs),
    /// Delete an item (its key is never reused; its history stays).
    Rm {
        key: String,
        #[command(flatten)]
        common: WriteArgs,
    },
}

#[derive(Args, Debug, Default)]
pub struct WriteArgs {
    /// Refuse unless the item is still at this version (as shown by `item show`).
    #[arg(long = "if-version")]
    pub if_version: Option<i64>,
    /// Why: recorded in the audit trail.
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Args, Debug)]
pub struct ItemAddArgs {
    /// requirement, epic, story, task, bug, spike or debt.
    pub kind: String,
    pub title: String,
    #[arg(long)]
    pub product: Option<String>,
    #[arg(long, short = 'd', default_value = "")]
    pub description: String,
    #[arg(long)]
    pub state: Option<String>,
    #[arg(long)]
    pub assignee: Option<String>,
    /// Repeatable.
    #[arg(long = "label", short = 'l')]
    pub labels: Vec<String>,
    /// Story points.
    #[arg(long, short = 'e')]
    pub estimate: Option<f64>,
    /// Acceptance criteria (text or Gherkin).
    #[arg(long, default_value = "")]
    pub acceptance: String,
    /// A custom field as NAME=VALUE; repeatable.
    #[arg(long = "field", short = 'f')]
    pub fields: Vec<String>,
    #[arg(long)]
    pub parent: Option<String>,
    #[arg(long)]
    pub release: Option<String>,
    /// A goal name; repeatable.
    #[arg(long = "goal")]
    pub goals: Vec<String>,
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Args, Debug)]
pub struct ItemEditArgs {
    pub key: String,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long, short = 'd')]
    pub description: Option<String>,
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long, conflicts_with = "unassign")]
    pub assignee: Option<String>,
    #[arg(long)]
    pub unassign: bool,
    /// Replace all labels (repeatable).
    #[arg(long = "label")]
    pub labels: Vec<String>,
    #[arg(long = "add-label")]
    pub add_labels: Vec<String>,
    #[arg(long = "remove-label")]
    pub remove_labels: Vec<String>,
    #[arg(long, conflicts_with = "no_estimate")]
    pub estimate: Option<f64>,
    #[arg(long)]
    pub no_estimate: bool,
    #[arg(long)]
    pub acceptance: Option<String>,
    /// NAME=VALUE; repeatable.
    #[arg(long = "field")]
    pub fields: Vec<String>,
    /// Remove a custom field's value; repeatable.
    #[arg(long = "clear-field")]
    pub clear_fields: Vec<String>,
    #[arg(long, conflicts_with = "no_parent")]
    pub parent: Option<String>,
    #[arg(long)]
    pub no_parent: bool,
    #[arg(long, conflicts_with = "no_release")]
    pub release: Option<String>,
    #[arg(long)]
    pub no_release: bool,
    #[command(flatten)]
    pub common: WriteArgs,
}

#[derive(Args, Debug)]
#[group(required = true, multiple = false, id = "position")]
pub struct MoveTo {
    #[arg(long)]
    pub top: bool,
    #[arg(long)]
    pub bottom: bool,
    #[arg(long)]
    pub before: Option<String>,
    #[arg(long)]
    pub after: Option<String>,
}

#[derive(Args, Debug)]
pub struct ItemMoveArgs {
    pub key: String,
    #[command(flatten)]
    pub to: MoveTo,
    #[command(flatten)]
    pub common: WriteArgs,
}

#[derive(Args, Debug)]
pub struct LinkArgs {
    pub from: String,
    /// blocks, blocked-by, relates, duplicates, duplicated-by, implements, implemented-by, verifies, verified-by
    pub relation: String,
    pub to: String,
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Args, Debug)]
pub struct QueryArgs {
    /// e.g. 'category != done AND label = payments ORDER BY rank'. Empty: every item.
    #[arg(default_value = "")]
    pub query: String,
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
}

#[derive(Args, Debug)]
pub struct RankArgs {
    /// Which open items to rank (query language). Default: the workspace's
    /// [ranking] scope, `kind IN (story, bug, spike, debt)`.
    #[arg(default_value = "")]
    pub query: String,
    /// rice, wsjf, ice, moscow, kano or weighted. Default: the workspace's
    /// [ranking] default_model, else wsjf.
    #[arg(long, short)]
    pub model: Option<String>,
    /// Explain one item's place: its inputs, each term, what it inherits,
    /// and what would move it past its neighbours.
    #[arg(long, value_name = "KEY", conflicts_with = "apply")]
    pub explain: Option<String>,
    /// Write the proposed order as the backlog's ranks (one transaction,
    /// audited; only items that must move are rewritten).
    #[arg(long)]
    pub apply: bool,
    /// Why the order is applied (recorded in the audit trail).
    #[arg(long, requires = "apply")]
    pub reason: Option<String>,
    /// The product to rank (needed when the workspace has several).
    #[arg(long)]
    pub product: Option<String>,
    /// Show at most this many items (0: all).
    #[arg(long, default_value_t = 0)]
    pub limit: usize,
}

#[derive(Subcommand, Debug)]
pub enum KanoCmd {
    /// Read a survey CSV (columns item, functional, dysfunctional and
    /// optionally respondent; answers like, must-be, neutral, live-with,
    /// dislike or 1-5) and classify each item.
    Import {
        file: PathBuf,
        /// Store each item's class and better/worse coefficients in its
        /// kano, kano_better and kano_worse fields.
        #[arg(long)]
        apply: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Check the hash chain of the whole trail; names the first broken entry.
    Verify,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCmd {
    /// Print the workspace config (TOML).
    Show,
    /// Validate a config file and make it the workspace config.
    Apply {
        file: PathBuf,
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCmd {
    /// Load a full dump (JSON Lines) into an empty database.
    Dump { file: PathBuf },
    /// Import items from CSV. Columns are matched by name (title, kind,
    /// description, estimate, labels, parent, state, assignee, acceptance).
    Csv {
        file: PathBuf,
        #[arg(long)]
        product: Option<String>,
        /// Map a CSV column to a field: FIELD=COLUMN (e.g. title=Summary); repeatable.
        #[arg(long = "map")]
        map: Vec<String>,
        /// Import the good rows and report the bad ones, instead of importing nothing.
        #[arg(long)]
        skip_bad: bool,
    },
    /// Import Jira issues: the JSON of its search API (`/rest/api/2/search?expand=changelog`;
    /// several pages as several files) or its CSV export. Re-importing updates the items it
    /// made before.
    Jira {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        opts: ExtImportArgs,
    },
    /// Import GitHub issues: the JSON of `GET /repos/{owner}/{repo}/issues?state=all` (several
    /// pages as several files), with `--comments` from `.../issues/comments`.
    Github {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The repository's comments (JSON); repeatable for several pages.
        #[arg(long = "comments")]
        comments: Vec<PathBuf>,
        /// owner/name, when the issues do not carry their repository.
        #[arg(long)]
        repo: Option<String>,
        #[command(flatten)]
        opts: ExtImportArgs,
    },
}

#[derive(Args, Debug)]
pub struct ExtImportArgs {
    #[arg(long)]
    pub product: Option<String>,
    /// Map a status onto a state: "STATUS=STATE" (e.g. "Blocked by Vendor=in-progress"); repeatable.
    #[arg(long = "status", value_name = "STATUS=STATE")]
    pub status: Vec<String>,
    /// Map an issue type onto a kind: "TYPE=KIND" (e.g. Improvement=story); repeatable.
    #[arg(long = "type", value_name = "TYPE=KIND")]
    pub kind: Vec<String>,
    /// What to do with issues whose status maps onto no state.
    #[arg(long, value_enum, default_value = "fail")]
    pub unknown_status: UnknownStatusArg,
    /// Show what would change, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum UnknownStatusArg {
    /// Import nothing and list them.
    Fail,
    /// Leave those issues out.
    Skip,
    /// Import them in the initial state.
    Initial,
}

#[derive(Subcommand, Debug)]
pub enum ExportCmd {
    /// Write a full dump (JSON Lines): config, products, people, releases, goals,
    /// items, links and the audit trail.
    Dump {
        /// Output file (default: standard output).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ForecastCmd {
    /// Throughput per working day, cycle-time percentiles, work in progress
    /// and its age, over a window of history.
    History(FlowArgs),
    /// When will a number of items, a query's items or a release be done?
    When(WhenArgs),
    /// How many items will be done by a date?
    HowMany(HowManyArgs),
    /// Work through the ranked backlog: which items are likely, coin flips
    /// or unlikely by a date, and P50/P85 dates per epic and release.
    CutLine(CutLineArgs),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FlowChart {
    /// Items delivered per working day.
    Throughput,
    /// Cumulative flow: to do, in progress, done per day.
    Cfd,
    /// Cycle time of each delivered item, with percentile lines.
    CycleTime,
}

#[derive(Args, Debug)]
pub struct FlowArgs {
    /// Which items (query language). Default: the workspace's [ranking] scope.
    #[arg(default_value = "")]
    pub query: String,
    /// The product (needed when the workspace has several).
    #[arg(long)]
    pub product: Option<String>,
    /// Days of history, ending today. Default: [forecast] window (90).
    #[arg(long, value_name = "DAYS")]
    pub window: Option<u32>,
    /// Write a chart as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
    /// Which chart --chart writes.
    #[arg(long, value_enum, default_value = "throughput")]
    pub chart_type: FlowChart,
}

/// Options every forecast takes.
#[derive(Args, Debug)]
pub struct ForecastOpts {
    /// The product (needed when the workspace has several).
    #[arg(long)]
    pub product: Option<String>,
    /// Days of delivered history to sample, ending today. Default: [forecast] window (90).
    #[arg(long, value_name = "DAYS", conflicts_with = "throughput")]
    pub window: Option<u32>,
    /// No usable history? A weekly throughput estimate: LOW,HIGH or
    /// LOW,MOST-LIKELY,HIGH items per week. Forecasts are then in weeks.
    #[arg(long, value_name = "LOW,LIKELY,HIGH")]
    pub throughput: Option<String>,
    /// First day of the forecast (YYYY-MM-DD). Default: tomorrow.
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,
    /// Monte Carlo trials. Default: [forecast] trials (10000).
    #[arg(long)]
    pub trials: Option<u32>,
    /// Seed for the random draws; the same seed gives the same forecast.
    /// Default: a fresh one, printed with the forecast.
    #[arg(long)]
    pub seed: Option<u64>,
    /// A what-if shown beside the plain forecast: add=N, remove=N,
    /// throughput=0.8 (or 80%), people=-1; join changes with commas.
    #[arg(long = "what-if", value_name = "SPEC")]
    pub what_if: Vec<String>,
    /// Write the forecast chart as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct WhenArgs {
    /// The open items to finish (query language), e.g. 'label = checkout'.
    #[arg(default_value = "")]
    pub query: String,
    /// A number of items instead of a query.
    #[arg(long, conflicts_with_all = ["release", "stories"])]
    pub count: Option<u32>,
    /// The open items of a release.
    #[arg(long, conflicts_with = "stories")]
    pub release: Option<String>,
    /// A story-count range LOW-HIGH (e.g. 20-25), when the work is not in Cairn yet.
    #[arg(long, value_name = "LOW-HIGH")]
    pub stories: Option<String>,
    /// How many items each story becomes once worked on, LOW-HIGH (e.g. 1-1.5). Default 1-1.
    #[arg(long, value_name = "LOW-HIGH", requires = "stories")]
    pub split: Option<String>,
    #[command(flatten)]
    pub opts: ForecastOpts,
}

#[derive(Args, Debug)]
pub struct HowManyArgs {
    /// The date (YYYY-MM-DD).
    pub date: String,
    #[command(flatten)]
    pub opts: ForecastOpts,
}

#[derive(Args, Debug)]
pub struct CutLineArgs {
    /// Which open items make up the backlog (query language). Default: the
    /// workspace's [ranking] scope.
    #[arg(default_value = "")]
    pub query: String,
    /// The target date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub by: String,
    /// Show at most this many items (0: all).
    #[arg(long, default_value_t = 0)]
    pub limit: usize,
    #[command(flatten)]
    pub opts: ForecastOpts,
}

#[derive(Subcommand, Debug)]
pub enum PlanCmd {
    /// Fill sprints from the ranked backlog, blockers first, and list what
    /// does not fit.
    Sprints(SprintArgs),
    /// Plan a release's items across sprints and check its target date.
    Release {
        /// The release name.
        name: String,
        #[command(flatten)]
        sprint: SprintArgs,
    },
    /// The critical path through the blocks links, from estimates, with
    /// each item's slack.
    CriticalPath {
        /// Which open items (query language). Default: the workspace's [ranking] scope.
        #[arg(default_value = "")]
        query: String,
        /// The product (needed when the workspace has several).
        #[arg(long)]
        product: Option<String>,
        /// Estimate for items that have none (default: refuse them).
        #[arg(long, value_name = "N")]
        default_estimate: Option<f64>,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanUnit {
    /// Capacity in estimate points.
    Points,
    /// Capacity in items.
    Items,
}

#[derive(Args, Debug)]
pub struct SprintArgs {
    /// Which open items (query language). Default: the workspace's [ranking] scope.
    #[arg(default_value = "")]
    pub query: String,
    /// The product (needed when the workspace has several).
    #[arg(long)]
    pub product: Option<String>,
    /// What a sprint holds, in --unit.
    #[arg(long)]
    pub capacity: f64,
    /// Plan by estimate points or by item count.
    #[arg(long, value_enum, default_value = "points")]
    pub unit: PlanUnit,
    /// How many sprints.
    #[arg(long, default_value_t = 6)]
    pub sprints: u32,
    /// Working days per sprint.
    #[arg(long, value_name = "DAYS", default_value_t = 10)]
    pub length: u32,
    /// First day of the first sprint (YYYY-MM-DD). Default: the next working day.
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,
    /// A sprint's own capacity, N=CAPACITY (e.g. 3=12 for a sprint with holidays); repeatable.
    #[arg(long = "override", value_name = "N=CAPACITY")]
    pub overrides: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum ReqCmd {
    /// Import requirements from a Markdown document (numbered items and
    /// "shall"/"must" sentences under headings), a CSV file (a text
    /// column, optional id, title and section) or a ReqIF file. Importing
    /// the same file again updates the requirements it holds and marks
    /// items linked to changed ones suspect.
    Import {
        file: PathBuf,
        /// The product new requirements go into (default: the only product).
        #[arg(long)]
        product: Option<String>,
        /// The document format, when the file name does not say (.md, .csv, .reqif).
        #[arg(long = "as", id = "doc_format", value_enum)]
        doc_format: Option<ReqFormatArg>,
    },
    /// Export requirements as ReqIF 1.2, for DOORS, Polarion, Jama or Capella: title, text
    /// and key of each, their hierarchy and the links between them.
    Export {
        /// Which items (default: kind = requirement).
        query: Option<String>,
        /// The file to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        product: Option<String>,
    },
    /// Classify requirements as functional or non-functional, with the NFR
    /// class (security, performance, usability, ...) and a confidence.
    Classify {
        /// Which requirements (default: kind = requirement).
        query: Option<String>,
        /// Classify this text instead of stored requirements.
        #[arg(long, conflicts_with = "query")]
        text: Option<String>,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReqFormatArg {
    Md,
    Csv,
    Reqif,
}

#[derive(Subcommand, Debug)]
pub enum SuspectCmd {
    /// List suspect items and the requirement change behind each mark.
    List,
    /// Clear an item's suspect marks once it has been reviewed.
    Clear {
        key: String,
        /// Why the item is still right (recorded in the audit trail).
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Which items to check (default: the [lint] scope, `category != done`).
    pub query: Option<String>,
    /// Lint a text file of stories, one per line, without a workspace.
    #[arg(long, conflicts_with = "query")]
    pub file: Option<PathBuf>,
    /// Also write the findings as SARIF 2.1.0 to this file (`-` for stdout),
    /// for CI systems and code-scanning pages.
    #[arg(long)]
    pub sarif: Option<PathBuf>,
    /// List the rules with their ids, severities and what they check.
    #[arg(long)]
    pub rules: bool,
}

#[derive(Args, Debug)]
pub struct DupesArgs {
    /// Which items to compare (default: open requirements and stories).
    pub query: Option<String>,
    /// Similarity from 0 to 1 at which two items are reported (default:
    /// the [lint] duplicate_threshold, 0.85).
    #[arg(long)]
    pub threshold: Option<f64>,
}

#[derive(Args, Debug)]
pub struct DecomposeArgs {
    /// The requirement to break down, e.g. REQ-7.
    pub key: String,
    /// Create the proposed items, linked to the requirement, in one transaction.
    #[arg(long)]
    pub apply: bool,
    /// Use this class's template instead of the classifier's choice
    /// (functional, security, performance, usability, ...).
    #[arg(long)]
    pub class: Option<String>,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub addr: String,
    /// Database connections (requests served at once).
    #[arg(long, default_value_t = 8)]
    pub connections: usize,
    /// Mark cookies Secure and send HSTS: set this when Cairn is served
    /// behind a TLS proxy.
    #[arg(long)]
    pub secure_cookies: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Create a user. The password is asked for (or read from stdin when
    /// it is not a terminal). The first one should be an admin.
    Add {
        handle: String,
        /// Full name, shown in the app.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// May do everything in every product, and manage users.
        #[arg(long)]
        admin: bool,
        /// Roles to give at once, as PRODUCT=ROLE (owner, member, stakeholder).
        #[arg(long = "role", value_name = "PRODUCT=ROLE")]
        roles: Vec<String>,
    },
    /// List users and their roles.
    List,
    /// Give a user a role in a product: owner, member or stakeholder.
    Grant {
        handle: String,
        product: String,
        role: String,
    },
    /// Take a user's role in a product away.
    Revoke { handle: String, product: String },
    /// Set a user's password (asked for, or read from stdin); ends their sessions.
    Passwd { handle: String },
    /// Disable an account: its sessions end and its tokens stop working.
    Disable { handle: String },
    /// Enable a disabled account again.
    Enable { handle: String },
    /// Set the address notification mail goes to (leave it out to clear it).
    Email {
        handle: String,
        address: Option<String>,
    },
    /// Personal API tokens for scripts and CI.
    #[command(subcommand)]
    Token(TokenCmd),
}

#[derive(Subcommand, Debug)]
pub enum TokenCmd {
    /// Create a token; its secret is printed once.
    Add { handle: String, name: String },
    /// List a user's tokens (never their secrets).
    List { handle: String },
    /// Revoke a token by its id.
    Revoke { handle: String, id: i64 },
}

#[derive(clap::Args, Debug)]
pub struct SignArgs {
    /// The item to sign (or use --baseline).
    pub key: Option<String>,
    /// Sign a baseline instead.
    #[arg(long)]
    pub baseline: Option<String>,
    /// authorship, review, approval or responsibility.
    #[arg(long)]
    pub meaning: String,
    #[arg(long, default_value = "")]
    pub comment: String,
    /// The account signing (default: the actor). The password is asked for on a terminal, or
    /// read as one line from stdin.
    #[arg(long)]
    pub user: Option<String>,
    #[arg(long)]
    pub product: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum BaselineCmd {
    /// Freeze the items a query selects (default: the product's requirements).
    Create {
        name: String,
        /// e.g. 'kind = requirement AND release = "2.0"'.
        query: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long)]
        product: Option<String>,
    },
    /// The product's baselines, oldest first.
    List {
        #[arg(long)]
        product: Option<String>,
    },
    /// One baseline's items (checked against their hashes).
    Show {
        name: String,
        #[arg(long)]
        product: Option<String>,
    },
    /// What was added, removed and changed (field by field, old and new) from one baseline to
    /// another, or to now.
    Diff {
        from: String,
        /// Another baseline (default: the items as they are now).
        to: Option<String>,
        /// Write the diff to a file: .html (self-contained), .md or .json.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The web app's address, so item links in the file open it.
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long)]
        product: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum GateCmd {
    /// Explain every rule of each gate for items, or for every item of a release. Exits 1 when
    /// any rule fails.
    Check {
        /// Items to check.
        keys: Vec<String>,
        /// Check every item of this release.
        #[arg(long)]
        release: Option<String>,
        /// Only this gate: ready or done.
        #[arg(long)]
        gate: Option<String>,
        #[arg(long)]
        product: Option<String>,
    },
}

#[derive(clap::Args, Debug)]
pub struct TraceArgs {
    /// Narrow the requirements (rows), e.g. 'release = "2.0"' or 'label = pci'.
    #[arg(default_value = "")]
    pub query: String,
    /// List the gaps (untested stories, failing, stale and never-run tests, suspect links)
    /// instead of the requirements.
    #[arg(long)]
    pub gaps: bool,
    /// Exit with status 1 when there is any gap (for CI).
    #[arg(long)]
    pub fail_on_gaps: bool,
    /// Write the matrix to a file: .html (self-contained), .md, .csv or .json.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The web app's address, so item links in an HTML or Markdown file open it.
    #[arg(long)]
    pub base_url: Option<String>,
    #[arg(long)]
    pub product: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum EvidenceCmd {
    /// Import JUnit XML reports of one build (all files, or nothing). A test links to the items
    /// its name mentions (PAY-12, [PAY-12]) or a `requirement` property names.
    Import {
        /// JUnit XML files, from any runner (Surefire, pytest, cargo-nextest, jest ...).
        #[arg(required = true, value_name = "REPORT.xml")]
        files: Vec<PathBuf>,
        /// The CI build these results belong to (importing a file again for the same build
        /// replaces its results).
        #[arg(long)]
        build: String,
        /// Import even when a test names a key that is not an item (those links are skipped
        /// and listed); otherwise nothing is imported.
        #[arg(long)]
        skip_unknown_keys: bool,
        #[arg(long)]
        product: Option<String>,
    },
    /// Imported runs, newest first.
    Runs {
        #[arg(long)]
        product: Option<String>,
    },
    /// Every test with its latest result and the items it verifies.
    Tests {
        /// Only tests whose latest result is this: passed, failed, error or skipped.
        #[arg(long)]
        outcome: Option<String>,
        #[arg(long)]
        product: Option<String>,
    },
    /// One test: the items it verifies and its result in every build.
    Show {
        test: String,
        #[arg(long)]
        product: Option<String>,
    },
    /// Record that a test verifies an item (the test need not have run yet).
    Link {
        test: String,
        key: String,
        #[arg(long)]
        product: Option<String>,
    },
    /// Remove a test's link to an item.
    Unlink {
        test: String,
        key: String,
        #[arg(long)]
        product: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum RiskCmd {
    /// Record a risk.
    Add {
        title: String,
        /// 1 (rare) to 5 (almost certain).
        #[arg(long, short = 'L')]
        likelihood: u8,
        /// 1 (negligible) to 5 (severe).
        #[arg(long, short = 'I')]
        impact: u8,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// An item that mitigates it (repeatable).
        #[arg(long = "mitigation", value_name = "KEY")]
        mitigations: Vec<String>,
        /// open, mitigating, accepted or closed (default open).
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        product: Option<String>,
    },
    /// The register, highest score first.
    List {
        /// Include closed and accepted risks.
        #[arg(long)]
        all: bool,
    },
    /// One risk with its mitigations and its trend over time.
    Show { id: String },
    /// Change a risk (its trend is kept in the audit trail).
    Update {
        id: String,
        #[arg(long, short = 'L')]
        likelihood: Option<u8>,
        #[arg(long, short = 'I')]
        impact: Option<u8>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        title: Option<String>,
        #[arg(long = "mitigation", value_name = "KEY")]
        add_mitigations: Vec<String>,
        #[arg(long = "remove-mitigation", value_name = "KEY")]
        remove_mitigations: Vec<String>,
        /// Refuse unless the risk is still at this version.
        #[arg(long)]
        if_version: Option<i64>,
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum DecisionCmd {
    /// Record a decision, or one still to be made (without --decision).
    Add {
        title: String,
        /// Why a decision is needed.
        #[arg(long)]
        context: Option<String>,
        /// An option and its trade-offs: 'NAME: +pro, -con' (repeatable).
        #[arg(long = "option", value_name = "OPTION")]
        options: Vec<String>,
        /// What was decided.
        #[arg(long)]
        decision: Option<String>,
        #[arg(long)]
        consequences: Option<String>,
        #[arg(long)]
        decider: Option<String>,
        /// YYYY-MM-DD (default: today, once decided).
        #[arg(long)]
        date: Option<String>,
        /// An item it affects (repeatable).
        #[arg(long = "item", value_name = "KEY")]
        items: Vec<String>,
        #[arg(long)]
        product: Option<String>,
    },
    /// The log, newest first.
    List,
    /// Decide a proposed decision: accepted (default), rejected or superseded.
    Decide {
        id: String,
        #[arg(long)]
        decision: Option<String>,
        #[arg(long, default_value = "accepted")]
        status: String,
        #[arg(long)]
        decider: Option<String>,
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportKind {
    /// For executives: goal progress, release dates at 85 % and how they
    /// moved since the last report, scope changes, top risks, decisions needed.
    Exec,
    /// For the team: blocked items and chains, aging work in progress,
    /// lint findings, tech-debt share, throughput and cycle time.
    Team,
    /// Now / Next / Later by goal, with a forecast timeline of the epics.
    Roadmap,
    /// Release notes: done items grouped as new, improved and fixed, in customer words.
    ReleaseNotes,
    /// The risk register with a heat map, trends and the decisions still needed.
    Risks,
    /// For auditors: the traceability matrix, requirement → work → tests → latest result, with
    /// its gaps (`--scope` narrows the requirements; `cairn trace` has more options).
    Trace,
    /// Customer feedback: top themes by demand and their trend, the most demanded items, the
    /// breakdown by segment, and the inbox of unlinked feedback (default period: 26 weeks).
    Feedback,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[arg(value_enum)]
    pub kind: ReportKind,
    /// Start of the period: a date (YYYY-MM-DD) or a span back from today
    /// (2w, 10d). Default: 2 weeks (26 weeks for feedback).
    #[arg(long)]
    pub since: Option<String>,
    /// Release notes of one release instead of a period.
    #[arg(long)]
    pub release: Option<String>,
    /// Narrow the items a report covers with a query, e.g.
    /// `label = checkout` (exec, team, roadmap, release notes).
    #[arg(long)]
    pub scope: Option<String>,
    /// Exec: do not record this report, so the next one still compares
    /// with the last recorded report.
    #[arg(long)]
    pub no_record: bool,
    /// Team: days of flow history (default: [forecast] window).
    #[arg(long)]
    pub window: Option<u32>,
    #[arg(long)]
    pub product: Option<String>,
    /// Write to a file: .html (self-contained), .md or .json. Without it,
    /// Markdown (or JSON with --format json) goes to stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The web app's address, so item links open it (e.g. https://cairn.example.com).
    #[arg(long, env = "CAIRN_URL")]
    pub base_url: Option<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct FeedbackFields {
    /// support, sales, interview, survey, app-review, intake, email, other (or one added
    /// under [feedback] sources). Default: other.
    #[arg(long)]
    pub source: Option<String>,
    /// The record's id in the source system (a ticket number, a CRM note id).
    #[arg(long)]
    pub source_id: Option<String>,
    /// The customer's organisation.
    #[arg(long)]
    pub customer: Option<String>,
    /// The person who asked (name or address).
    #[arg(long)]
    pub requester: Option<String>,
    /// The day it was given (YYYY-MM-DD). Default: today.
    #[arg(long)]
    pub date: Option<String>,
    /// nice-to-have, important or critical. Default: nice-to-have.
    #[arg(long)]
    pub importance: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum FeedbackCmd {
    /// Record feedback; prints the items it most likely asks for.
    Add {
        text: String,
        #[command(flatten)]
        fields: FeedbackFields,
        /// The customer's segment (kept on the customer).
        #[arg(long)]
        segment: Option<String>,
        /// The customer's revenue weight (kept on the customer).
        #[arg(long)]
        revenue: Option<f64>,
        /// An item it asks for (repeatable).
        #[arg(long = "item", value_name = "KEY")]
        items: Vec<String>,
        #[arg(long)]
        product: Option<String>,
    },
    /// Feedback, newest first.
    List {
        /// Only feedback linked to no item (the inbox).
        #[arg(long)]
        unlinked: bool,
        /// Only feedback given on or after this day (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        /// Include records merged into others as duplicates.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        product: Option<String>,
    },
    /// One piece of feedback, its duplicates, and the items it most likely asks for.
    Show { id: String },
    /// Change feedback.
    Edit {
        id: String,
        #[arg(long)]
        text: Option<String>,
        #[command(flatten)]
        fields: FeedbackFields,
        /// Refuse unless the feedback is still at this version.
        #[arg(long)]
        if_version: Option<i64>,
    },
    /// Link feedback to the items it asks for.
    Link {
        id: String,
        #[arg(required = true)]
        keys: Vec<String>,
    },
    /// Remove links.
    Unlink {
        id: String,
        #[arg(required = true)]
        keys: Vec<String>,
    },
    /// Merge a duplicate into another record: its customer and vote count there.
    Merge { duplicate: String, into: String },
    /// The items a piece of feedback (or a text) most likely asks for, with the words they share.
    Suggest {
        /// A feedback id (or give --text).
        id: Option<String>,
        #[arg(long)]
        text: Option<String>,
        #[arg(long, default_value_t = 5)]
        limit: usize,
        #[arg(long)]
        product: Option<String>,
    },
    /// Import feedback from CSV. Columns are matched by name (text, source, source id,
    /// customer, segment, revenue, requester, date, importance, items) or mapped with --map.
    /// A row whose source id was imported before updates that record. Any bad row and nothing
    /// is imported.
    Import {
        file: std::path::PathBuf,
        /// FIELD=COLUMN, e.g. --map text=Comment (repeatable).
        #[arg(long = "map")]
        map: Vec<String>,
        /// The source of rows without a source column. Default: other.
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        product: Option<String>,
    },
    /// Themes: similar feedback grouped, with the words they share and their demand.
    Themes {
        /// Only feedback given on or after this day (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        /// Only feedback linked to no item (the inbox).
        #[arg(long)]
        unlinked: bool,
        /// How alike (0.05 to 1) feedback must be to share a theme. Default: [feedback]
        /// theme_threshold (0.4).
        #[arg(long)]
        threshold: Option<f64>,
        #[arg(long)]
        product: Option<String>,
    },
    /// Demand per item: requests, unique customers, revenue-weighted and recent demand.
    Demand {
        #[arg(long)]
        product: Option<String>,
    },
    /// Who to tell that what they asked for is done: CSV or JSON with --format, or a table.
    Tell {
        /// Only these done items (repeatable).
        #[arg(long = "item", value_name = "KEY")]
        items: Vec<String>,
        /// Only the items of this release.
        #[arg(long)]
        release: Option<String>,
        /// List those already told too.
        #[arg(long)]
        all: bool,
        /// Mark everyone listed as told.
        #[arg(long)]
        mark: bool,
        #[arg(long)]
        product: Option<String>,
    },
    /// Insights: top themes by demand and their trend, the most demanded items, segments and
    /// the inbox.
    Insights {
        /// Start of the period (YYYY-MM-DD). Default: 180 days ago.
        #[arg(long)]
        since: Option<String>,
        /// Write the insights to a file: .html, .md or .json.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        #[arg(long)]
        product: Option<String>,
    },
    /// Customers with their segment and revenue weight.
    Customers,
    /// Set a customer's segment or revenue weight.
    Customer {
        name: String,
        #[arg(long)]
        segment: Option<String>,
        #[arg(long)]
        revenue: Option<f64>,
    },
}

#[derive(Subcommand, Debug)]
pub enum CommentCmd {
    /// Comment on an item, or answer a comment with --reply-to.
    Add {
        key: String,
        text: String,
        /// The comment this one answers.
        #[arg(long)]
        reply_to: Option<i64>,
    },
    /// An item's discussion, replies under what they answer.
    List { key: String },
    /// Change your comment's text.
    Edit { id: i64, text: String },
    /// Delete a comment (yours, or any as an owner of its product).
    Rm {
        id: i64,
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum InboxCmd {
    /// Show or change what reaches your inbox and your mail, per reason (mention, assigned,
    /// comment, state). Example: `cairn inbox settings --email comment=on --inbox state=off`.
    Settings {
        /// REASON=on|off for mail (repeatable).
        #[arg(long = "email", value_name = "REASON=on|off")]
        email: Vec<String>,
        /// REASON=on|off for the in-app inbox (repeatable).
        #[arg(long = "inbox", value_name = "REASON=on|off")]
        inbox: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum WebhookCmd {
    /// Send a product's events to URL, signed with a secret (generated when not given, shown
    /// once).
    Add {
        /// The product prefix, e.g. PAY.
        product: String,
        /// An http:// URL (this build has no TLS).
        url: String,
        /// Comma-separated events: item.created, item.changed, item.moved, comment.added,
        /// release.shipped, gate.failed; or * (the default) for all.
        #[arg(long)]
        events: Option<String>,
        /// The signing secret, at least 16 characters.
        #[arg(long)]
        secret: Option<String>,
    },
    /// The webhooks of a product, or of every product you own.
    List { product: Option<String> },
    /// Change a webhook: its URL, its events, its secret, or pause and resume it. A paused
    /// webhook is sent nothing; resumed, what waited goes out on the next run.
    Edit {
        id: i64,
        /// A new http:// URL.
        #[arg(long)]
        url: Option<String>,
        /// New comma-separated events, or * for all.
        #[arg(long)]
        events: Option<String>,
        /// A new signing secret, at least 16 characters.
        #[arg(long, conflicts_with = "new_secret")]
        secret: Option<String>,
        /// Generate a new signing secret (shown once).
        #[arg(long)]
        new_secret: bool,
        /// Stop sending to it, and queue nothing for it, until resumed.
        #[arg(long, conflicts_with = "resume")]
        pause: bool,
        /// Send to it again, starting with what waited.
        #[arg(long)]
        resume: bool,
    },
    /// Delete a webhook and its delivery log.
    Rm { id: i64 },
    /// The delivery log, newest first.
    Deliveries {
        /// Only this webhook's.
        #[arg(long)]
        webhook: Option<i64>,
        /// Only the ones given up.
        #[arg(long)]
        failed: bool,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Queue a delivery again: a new delivery with the same body.
    Replay { delivery: i64 },
    /// Send the deliveries that are due now, and say what is still waiting.
    Deliver,
    /// Remove delivered and failed deliveries older than `[webhooks]
    /// keep_days` (30 unless set; 0 keeps them all), as `cairn serve` does
    /// every hour.
    Prune,
}

#[derive(Subcommand, Debug)]
pub enum MailCmd {
    /// Send the notification mails that are due, and say what is still waiting.
    Send,
}
