//! Atomic replacement of a file's contents.
//!
//! Atomic, not durable: a reader sees the old file or the new one, never a mix, and a failed
//! write leaves the old file in place. There is no fsync per file: a bump rewrites thousands
//! of files of a repository that git then commits (and git does not fsync by default either);
//! syncing each one made a 7,500-file bump five times slower in `bench/run`.

use std::io::Write;
use std::path::Path;

/// Write `contents` to `path` through a temporary file in the same directory and a rename,
/// keeping the original file's permissions.
pub fn write(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let perms = fs_err::metadata(path).map(|m| m.permissions()).ok();
    let mut tmp = tempfile::Builder::new()
        .prefix(".tagbump-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    // Set explicitly after creation: a mode given at creation would pass through the umask.
    if let Some(p) = perms {
        fs_err::set_permissions(tmp.path(), p)?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn keeps_permissions_and_leaves_no_temp_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.yaml");
        fs_err::write(&f, "a: 1\n").unwrap();
        // 0o666 would not survive a umask of 022 if the mode were given at creation.
        for mode in [0o640, 0o666, 0o755] {
            fs_err::set_permissions(&f, std::fs::Permissions::from_mode(mode)).unwrap();
            write(&f, b"a: 2\n").unwrap();
            assert_eq!(fs_err::read_to_string(&f).unwrap(), "a: 2\n");
            assert_eq!(fs_err::metadata(&f).unwrap().permissions().mode() & 0o777, mode);
        }
        assert_eq!(fs_err::read_dir(dir.path()).unwrap().count(), 1);
    }
}
