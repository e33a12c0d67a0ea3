//! A failed command: the error chain to print and the exit code it maps to.

/// An error with the exit code it maps to (see the module docs of [`crate::cli`]).
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

impl Failure {
    pub const USAGE: u8 = 2;
    pub const EDIT: u8 = 3;
    pub const IO: u8 = 4;
    pub const REGISTRY: u8 = 5;
    pub const NO_TAG: u8 = 6;
    pub const GIT: u8 = 7;
    pub const GITHUB: u8 = 8;
    pub const AGENT: u8 = 9;

    pub fn new(code: u8, error: impl Into<anyhow::Error>) -> Self {
        Self {
            code,
            error: error.into(),
        }
    }

    pub fn is_broken_pipe(&self) -> bool {
        self.error.chain().any(|e| {
            e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
        })
    }
}
