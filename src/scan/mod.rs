//! Which files under the user's paths tagbump reads.
//!
//! A config repo is walked the way ripgrep walks a source tree (the `ignore` crate):
//! `.gitignore`, `.ignore` and `.git/info/exclude` are honoured, hidden directories are
//! skipped except for the files tagbump owns there (`.argocd-source-*.yaml`), and symlinks
//! are never followed, so a link cannot lead an edit out of the tree. Every path the user
//! gives must lie inside the root (the current directory unless `--root` says otherwise),
//! after resolving `..` and symlinks.

use std::path::{Path, PathBuf};

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use ignore::{DirEntry, WalkBuilder, WalkState};

use crate::edit::file::kind_of;

/// A file to read, and how the user reached it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Path relative to the root: shown to the user, joined to the root to read.
    pub path: PathBuf,
    /// The user named this file itself.
    pub explicit: bool,
    /// Named, or directly inside a directory the user named (not deeper).
    pub top_level: bool,
}

/// Why a path was refused.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{}: no such file or directory", .0.display())]
    Missing(PathBuf),
    #[error("{}: lies outside the tree {} (after resolving `..` and symlinks); tagbump never edits outside it\nhint: run tagbump from the config repo, or pass --root", path.display(), root.display())]
    OutsideRoot { path: PathBuf, root: PathBuf },
    #[error("{}: {cause}", path.display())]
    Io { path: PathBuf, cause: std::io::Error },
    #[error("{cause}")]
    Walk { cause: ignore::Error },
}

/// Resolve `path` against `root` and refuse it when it leaves the tree.
pub fn check_inside(root: &Path, path: &Path) -> Result<PathBuf, ScanError> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    };
    let real = fs_err::canonicalize(&joined).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ScanError::Missing(path.to_path_buf()),
        _ => ScanError::Io {
            path: path.to_path_buf(),
            cause: e,
        },
    })?;
    let real_root = fs_err::canonicalize(root).map_err(|cause| ScanError::Io {
        path: root.to_path_buf(),
        cause,
    })?;
    if !real.starts_with(&real_root) {
        return Err(ScanError::OutsideRoot {
            path: path.to_path_buf(),
            root: root.to_path_buf(),
        });
    }
    Ok(real)
}

/// A path relative to the root (the form shown to the user and joined to the root to read).
fn relative(real_root: &Path, p: &Path) -> PathBuf {
    p.strip_prefix(real_root)
        .map_or_else(|_| p.to_path_buf(), Path::to_path_buf)
}

/// The walk of one directory: `.gitignore` and friends honoured, symlinks not followed, VCS
/// and other hidden directories skipped (hidden files kept: Argo's write-back files).
fn walker(dir: &Path) -> WalkBuilder {
    let mut b = WalkBuilder::new(dir);
    b.follow_links(false)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .ignore(true)
        .require_git(false)
        .filter_entry(|e| {
            let hidden_dir = e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && e.file_name().to_str().is_some_and(|n| n.starts_with('.'));
            !hidden_dir
        });
    b
}

/// The candidate a walked entry is, if tagbump reads it.
fn candidate(real_root: &Path, entry: &DirEntry) -> Option<Candidate> {
    // Symlinks are not followed: a link to a file inside the tree is edited at its real
    // location; a link out of it is never read.
    let ft = entry.file_type()?;
    if !ft.is_file() || kind_of(entry.path()).is_none() {
        return None;
    }
    Some(Candidate {
        path: relative(real_root, entry.path()),
        explicit: false,
        top_level: entry.depth() == 1,
    })
}

/// Walk `dir` into `out`, on every core: a large tree's walk (directory reads, ignore-file
/// probes, a stat per entry) is otherwise a serial tenth of a bump. Order does not matter
/// (the caller sorts). On an error, the serial walk runs again so the error reported is the
/// first one in walk order, the same every run.
fn walk(dir: &Path, real_root: &Path, out: &mut Vec<Candidate>) -> Result<(), ScanError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads > 1 {
        let found = Mutex::new(Vec::new());
        let failed = AtomicBool::new(false);
        walker(dir).threads(threads).build_parallel().run(|| {
            let (found, failed) = (&found, &failed);
            Box::new(move |entry| match entry {
                Ok(e) => {
                    if let Some(c) = candidate(real_root, &e) {
                        found.lock().expect("no visitor panics holding it").push(c);
                    }
                    WalkState::Continue
                }
                Err(_) => {
                    failed.store(true, Ordering::Relaxed);
                    WalkState::Quit
                }
            })
        });
        if !failed.into_inner() {
            out.extend(found.into_inner().expect("no visitor panicked"));
            return Ok(());
        }
    }
    for entry in walker(dir).build() {
        let entry = entry.map_err(|cause| ScanError::Walk { cause })?;
        out.extend(candidate(real_root, &entry));
    }
    Ok(())
}

/// The files under `paths` that tagbump edits, sorted and without duplicates.
pub fn candidates(root: &Path, paths: &[PathBuf]) -> Result<Vec<Candidate>, ScanError> {
    let real_root = fs_err::canonicalize(root).map_err(|cause| ScanError::Io {
        path: root.to_path_buf(),
        cause,
    })?;
    let mut out = Vec::new();
    for p in paths {
        // Resolved (`..`, symlinks) and refused when it leaves the tree: a symlink leading
        // out of the tree is refused here, whether it names a file or a directory.
        let real = check_inside(root, p)?;
        if real.is_file() {
            out.push(Candidate {
                path: relative(&real_root, &real),
                explicit: true,
                top_level: true,
            });
            continue;
        }
        walk(&real, &real_root, &mut out)?;
    }
    out.sort_by(|a, b| a.path.cmp(&b.path).then(b.explicit.cmp(&a.explicit)));
    // A file reached twice (two overlapping paths) keeps the strongest of each flag.
    out.dedup_by(|a, b| {
        let same = a.path == b.path;
        if same {
            b.top_level |= a.top_level;
        }
        same
    });
    Ok(out)
}
