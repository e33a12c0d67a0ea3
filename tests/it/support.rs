//! A fluent helper for running the `tagbump` binary against files in a temporary tree:
//! `Test::new().file("a.yaml", "...").args(["set", "nginx:2"]).run().code(0)`.

use std::path::Path;
use std::process::{Command, Output};

pub struct Test {
    dir: tempfile::TempDir,
    args: Vec<String>,
}

pub struct Run {
    pub out: Output,
}

impl Test {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            args: Vec::new(),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(self, path: &str, contents: impl AsRef<[u8]>) -> Self {
        let p = self.dir.path().join(path);
        fs_err::create_dir_all(p.parent().unwrap()).unwrap();
        fs_err::write(p, contents).unwrap();
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn read(&self, path: &str) -> String {
        fs_err::read_to_string(self.dir.path().join(path)).unwrap()
    }

    pub fn run(&self) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_tagbump"))
            .args(&self.args)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        Run { out }
    }
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }

    /// Assert the exit code, showing the output when it differs.
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(
            self.out.status.code(),
            Some(code),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}
