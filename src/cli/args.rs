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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write image tags and digests into every matching field under the given paths.
    Set(SetArgs),
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
