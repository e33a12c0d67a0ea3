//! clap definitions: the only place clap types live, so the Action entry point and the
//! tests can drive the commands with plain option structs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Bump container image references in a GitOps config repo without disturbing one other byte.
#[derive(Debug, Parser)]
#[command(name = "tagbump", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parse arguments built by the program itself (the Action's inputs), the error as text.
    pub fn try_parse_from_args(argv: &[String]) -> Result<Command, String> {
        Cli::try_parse_from(argv).map(|c| c.command).map_err(|e| e.to_string())
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write image tags and digests into every matching field under the given paths.
    Set(SetArgs),
    /// Find the tag to deploy in the registry, by policy, and print the reference.
    Resolve(ResolveArgs),
    /// Resolve the images, edit the config repo, and write the change back as one commit
    /// (push, pull request or GitHub API commit); then optionally dispatch a workflow.
    Update(Box<UpdateArgs>),
    /// Run as a GitHub Action step: read the `INPUT_*` variables, run `update`, write the
    /// step's outputs and summary (what action.yml runs).
    Action,
    /// Keep a cluster equal to config repositories: fetch, render, server-side apply,
    /// prune, heal drift, report health (the in-cluster pull agent).
    Agent(AgentArgs),
}

/// `tagbump agent`.
#[derive(Debug, Clone, Args)]
pub struct AgentArgs {
    /// The agent's configuration file (sources, credentials, webhook, listen address).
    #[arg(long, short = 'c', value_name = "FILE", env = "TAGBUMP_AGENT_CONFIG")]
    pub config: PathBuf,

    /// Kubeconfig to use (default: KUBECONFIG, ~/.kube/config, then the Pod's service account).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Sync every source once, print the outcome and exit (1 when a source failed). Takes
    /// the leader Lease first (refused while a running agent holds it); no HTTP endpoint.
    #[arg(long)]
    pub once: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// A unified diff (`--dry-run`, `--check`) or a one-line summary per change.
    #[default]
    Text,
    /// A JSON array of edits: file, line, old, new.
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct SetArgs {
    /// Images to write, as NAME:TAG, NAME@DIGEST or NAME:TAG@DIGEST (`nginx` means
    /// `docker.io/library/nginx`; names match registry-aware).
    #[arg(value_name = "IMAGE", required = true)]
    pub images: Vec<String>,

    /// Files or directories to edit (default: the current directory). Directories are walked
    /// respecting .gitignore; symlinks are not followed.
    #[arg(long = "path", short = 'p', value_name = "DIR|FILE")]
    pub paths: Vec<PathBuf>,

    /// The tree tagbump may edit; every --path must lie inside it.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,

    /// Show the diff and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Write nothing; exit 1 when something would change (for CI).
    #[arg(long)]
    pub check: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,

    /// Add a kustomization `images:` entry for an image no entry names (kustomization files
    /// given with --path, or at the top of a --path directory).
    #[arg(long)]
    pub add_entry: bool,

    /// Helm values key path that receives the image, as PATH[=tag|name|digest|full][@IMAGE]
    /// (default part: tag; @IMAGE names the image when several are given), e.g. `image.tag`.
    /// Applies to files given with --path FILE.
    #[arg(long = "values-key", value_name = "PATH[=PART][@IMAGE]")]
    pub values_keys: Vec<String>,

    /// KCL override path that receives the full image reference, e.g. `app.image`
    /// (`app.image@IMAGE` when several images are given). Applies to .k files given with
    /// --path FILE.
    #[arg(long = "kcl-path", value_name = "PATH[@IMAGE]")]
    pub kcl_paths: Vec<String>,

    /// A Flux image policy (`namespace:name`) that stands for an image, as NS:NAME or
    /// NS:NAME=IMAGE-NAME when several images are given. Its `$imagepolicy` markers are set.
    #[arg(long = "flux-policy", value_name = "NS:NAME[=IMAGE]")]
    pub flux_policies: Vec<String>,

    /// Refuse files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_file_size: u64,
}

#[derive(Debug, Clone, Args)]
pub struct ResolveArgs {
    /// The image, as NAME (or NAME:TAG for the digest policy, default tag `latest`).
    #[arg(value_name = "IMAGE")]
    pub image: String,

    /// semver[:RANGE] (Masterminds syntax: `^1.2`, `~1.2.3`, `>=1.0 <2.0 || 3.x`, `1.2 - 1.4`;
    /// pre-releases only with a pre-release in the range, e.g. `>=1.2.3-0`), newest-build,
    /// alphabetical[:asc|desc], numerical[:asc|desc] (asc picks the greatest) or digest (keep
    /// the tag, pin its digest).
    #[arg(long, value_name = "POLICY", default_value = "semver")]
    pub policy: String,

    /// Only tags matching this regex are candidates (Flux's filterTags.pattern).
    #[arg(long, value_name = "REGEX")]
    pub filter: Option<String>,

    /// What the policy compares, built from --filter's groups, e.g. `$version` or `${ts}`
    /// (Flux's filterTags.extract).
    #[arg(long, value_name = "TEMPLATE", requires = "filter")]
    pub extract: Option<String>,

    /// Tags that are never candidates (globs: `*`, `?`), in addition to the defaults `*.sig`,
    /// `*.att`, `*.sbom`.
    #[arg(long = "ignore", value_name = "GLOB")]
    pub ignore: Vec<String>,

    /// Do not ignore `*.sig`, `*.att`, `*.sbom` tags.
    #[arg(long)]
    pub no_default_ignore: bool,

    /// The platform whose build time newest-build compares, as OS/ARCH[/VARIANT].
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", default_value = "linux/amd64")]
    pub platform: String,

    /// Pin the chosen tag's current digest: NAME:TAG@sha256:...
    #[arg(long)]
    pub digest: bool,

    /// Print every tag and why it was taken or rejected (on stderr; with --format json, in
    /// the JSON).
    #[arg(long)]
    pub explain: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,

    /// newest-build: fetch build times for at most this many tags (the most recent-looking;
    /// each costs 2-3 requests).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_builds: usize,

    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `tagbump update`: every setting of tagbump.yaml also has a flag; a flag wins over the
/// file.
#[derive(Debug, Clone, Args)]
pub struct UpdateArgs {
    /// The config file (default: ./tagbump.yaml when it exists).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// An image: NAME[:TAG][@DIGEST]. With a config file, names the configured images to
    /// bump (by short name or image name), with the given tag; without one, the images.
    #[arg(long = "image", short = 'i', value_name = "IMAGE")]
    pub images: Vec<String>,

    /// Policy for --image entries without a tag (default semver: the highest release).
    #[arg(long, value_name = "POLICY")]
    pub policy: Option<String>,

    /// Paths or globs in the config repo to edit (default: all of it).
    #[arg(long = "path", short = 'p', value_name = "PATH|GLOB")]
    pub paths: Vec<String>,

    /// The config repo: an https:// URL, OWNER/NAME on GitHub, or a local path (default:
    /// the `origin` of the current directory's clone).
    #[arg(long = "repo", value_name = "URL")]
    pub repository: Option<String>,

    /// The branch to update (default: the repository's default branch).
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,

    /// `push` (commit to the branch) or `pull-request` (commit to a work branch, open or
    /// refresh a pull request).
    #[arg(long, value_name = "MODE")]
    pub mode: Option<String>,

    /// `git` (the git command) or `api` (GitHub's Git Data API: Verified commits).
    #[arg(long, value_name = "VIA")]
    pub via: Option<String>,

    /// Commit message template ({summary}, {bumps}, {images}, {count}, {name}, {branch}, {base}).
    #[arg(long, value_name = "TEMPLATE")]
    pub message: Option<String>,

    #[arg(long, value_name = "NAME")]
    pub author_name: Option<String>,

    #[arg(long, value_name = "EMAIL")]
    pub author_email: Option<String>,

    /// Attempts at a push that loses a race (default 10).
    #[arg(long, value_name = "N")]
    pub attempts: Option<u32>,

    /// A name for this set of bumps (work branch `tagbump/<name>`, messages).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Work branch template for the pull-request mode (default `tagbump/{name}`).
    #[arg(long, value_name = "TEMPLATE")]
    pub work_branch: Option<String>,

    #[arg(long, value_name = "TEMPLATE")]
    pub pr_title: Option<String>,

    #[arg(long, value_name = "TEMPLATE")]
    pub pr_body: Option<String>,

    #[arg(long = "label", value_name = "LABEL")]
    pub labels: Vec<String>,

    #[arg(long = "reviewer", value_name = "USER")]
    pub reviewers: Vec<String>,

    #[arg(long = "team-reviewer", value_name = "TEAM")]
    pub team_reviewers: Vec<String>,

    /// Open the pull request as a draft.
    #[arg(long)]
    pub draft: bool,

    /// After a commit, run this workflow (file name or id) with workflow_dispatch.
    #[arg(long, value_name = "WORKFLOW")]
    pub dispatch_workflow: Option<String>,

    /// The ref the dispatched workflow runs on (default: the branch written to).
    #[arg(long, value_name = "REF")]
    pub dispatch_ref: Option<String>,

    /// A workflow input, KEY=VALUE (repeatable).
    #[arg(long = "dispatch-input", value_name = "KEY=VALUE")]
    pub dispatch_inputs: Vec<String>,

    /// After a commit, send a repository_dispatch event of this type.
    #[arg(long, value_name = "TYPE")]
    pub dispatch_event: Option<String>,

    /// OWNER/NAME to dispatch to (default: the config repo).
    #[arg(long, value_name = "OWNER/NAME")]
    pub dispatch_repository: Option<String>,

    /// OWNER/NAME of the config repo on GitHub, when its URL does not say it.
    #[arg(long, value_name = "OWNER/NAME")]
    pub github_repository: Option<String>,

    /// Resolve and edit in a scratch checkout, print why each tag was chosen and the diff;
    /// commit, push and dispatch nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Print every candidate tag and its verdict (stderr).
    #[arg(long)]
    pub explain: bool,

    /// Output format: text, or a JSON object (changed, commit, branch, pull request,
    /// dispatch, bumps).
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,

    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// How to reach registries; shared by every command that talks to one.
#[derive(Debug, Clone, Args)]
pub struct RegistryArgs {
    /// A registry (HOST[:PORT]) to reach without TLS verification or over plain HTTP.
    /// Loopback registries (localhost, 127.0.0.0/8, ::1) may use plain HTTP without this.
    #[arg(
        long = "insecure-registry",
        value_name = "HOST[:PORT]",
        env = "TAGBUMP_INSECURE_REGISTRIES",
        value_delimiter = ','
    )]
    pub insecure: Vec<String>,

    /// PEM file of CA certificates to trust besides the system's.
    #[arg(long, value_name = "PEM", env = "TAGBUMP_CA_FILE")]
    pub ca_file: Option<PathBuf>,

    /// Username for the registries of the images on the command line; the password comes
    /// from TAGBUMP_REGISTRY_PASSWORD or --registry-password-stdin (never the command line).
    /// Without it: TAGBUMP_REGISTRY_TOKEN, docker's config.json and credential helpers,
    /// GITHUB_TOKEN for ghcr.io.
    #[arg(long, value_name = "USER", env = "TAGBUMP_REGISTRY_USERNAME")]
    pub registry_username: Option<String>,

    /// Read the registry password from stdin.
    #[arg(long, requires = "registry_username")]
    pub registry_password_stdin: bool,

    /// Retries per request after a 429, 5xx, reset or truncated answer.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub retries: u32,

    /// Per-request timeout.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,

    /// Requests in flight per registry at most.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub registry_concurrency: usize,

    /// Print one line per HTTP request on stderr (never credentials).
    #[arg(long, env = "TAGBUMP_TRACE_HTTP")]
    pub trace_http: bool,
}
