//! Edit a whole tree in memory, all or nothing.
//!
//! `tagbump set` and `tagbump update` both bump a tree of files: find the candidate files,
//! edit each in memory (on all cores), and report every failure rather than the first.
//! Nothing is written here; [`write_all`] writes the edits, each file atomically, only
//! after every file was edited successfully, so a run that cannot finish leaves the tree as
//! it was.

pub mod scope;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::edit::file::{FileEdit, FileError, FileOptions, edit_file};
use crate::edit::{Request, kustomize};
use crate::scan::{self, Candidate, ScanError};

pub use scope::{Scope, ScopeError};

/// The default size limit for a file tagbump reads (config files are small; a 10 MiB YAML
/// file is a mistake or an attack).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

#[derive(Debug, Clone, Copy)]
pub struct TreeOptions {
    /// Add a kustomization `images:` entry where none exists (top-level kustomizations).
    pub add_entries: bool,
    pub max_file_size: u64,
}

impl Default for TreeOptions {
    fn default() -> Self {
        TreeOptions {
            add_entries: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error("{}\n{} file{} could not be edited; nothing was written", list(.0), .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Files(Vec<FileError>),
}

fn list(errors: &[FileError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

impl TreeError {
    /// A file that could not even be read is an I/O failure, not a refused edit.
    pub fn is_io(&self) -> bool {
        match self {
            TreeError::Scan(ScanError::Io { .. } | ScanError::Walk { .. }) => true,
            TreeError::Scan(_) => false,
            TreeError::Files(errors) => errors.iter().any(|e| matches!(e, FileError::Read(_))),
        }
    }
}

/// What to do with one file: the request, and whether the user named the file itself
/// (explicit key paths and KCL paths apply only to such files).
pub struct Planned {
    pub request: Request,
    pub explicit: bool,
}

/// Edit every candidate file under `paths` (relative to `root`) in memory. `plan` gives the
/// request for a file (`None`: leave it alone), so different files can receive different
/// images. Returns the files that change, sorted by path.
pub fn edit_tree<F>(root: &Path, paths: &[PathBuf], plan: F, opts: TreeOptions) -> Result<Vec<FileEdit>, TreeError>
where
    F: Fn(&Candidate) -> Option<Planned> + Sync,
{
    let candidates = scan::candidates(root, paths)?;
    let results = crate::parallel::map(&candidates, |c| {
        let Some(Planned { request: req, explicit }) = plan(c) else {
            return Ok(None);
        };
        let file_opts = FileOptions {
            add_entries: opts.add_entries && kustomize::is_kustomization(&c.path) && c.top_level,
            explicit,
        };
        read(root, &c.path, opts.max_file_size).and_then(|text| edit_file(&c.path, &text, &req, file_opts))
    });
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(Some(edit)) => files.push(edit),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(TreeError::Files(errors));
    }
    Ok(files)
}

/// Write the edits, each file atomically (temp file + rename, permissions kept).
pub fn write_all(root: &Path, files: &[FileEdit]) -> std::io::Result<()> {
    let written = crate::parallel::map(files, |f| {
        crate::write::atomic::write(&root.join(&f.path), f.updated.as_bytes())
    });
    written.into_iter().collect::<std::io::Result<Vec<()>>>().map(drop)
}

/// Read a file for editing, refusing what tagbump must not touch.
pub fn read(root: &Path, path: &Path, limit: u64) -> Result<String, FileError> {
    // One path lookup: the size comes from the open file, and the read stops past the limit
    // even if the file grew since.
    let file = fs_err::File::open(root.join(path)).map_err(FileError::Read)?;
    let size = file.metadata().map_err(FileError::Read)?.len();
    let too_large = |size| FileError::TooLarge {
        path: path.to_path_buf(),
        size,
        limit,
    };
    if size > limit {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(FileError::Read)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|_| FileError::NotUtf8 {
        path: path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::edit::FileError;

    /// Regression (review): a file that cannot be read was reported as "not UTF-8".
    #[test]
    fn read_errors_are_not_called_encoding_errors() {
        let dir = tempfile::tempdir().unwrap();
        let e = super::read(dir.path(), Path::new("gone.yaml"), 1 << 20).unwrap_err();
        assert!(matches!(e, FileError::Read(_)), "{e}");
        assert!(e.to_string().contains("gone.yaml"), "{e}");
        fs_err::write(dir.path().join("l1.yaml"), b"a: caf\xe9\n").unwrap();
        let e = super::read(dir.path(), Path::new("l1.yaml"), 1 << 20).unwrap_err();
        assert!(matches!(e, FileError::NotUtf8 { .. }), "{e}");
    }
}
