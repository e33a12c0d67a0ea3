//! The GitHub side of a run, on its own small runtime: the write phase is sequential and
//! mostly `git` subprocesses, so it stays synchronous and blocks on each API call.

use std::future::Future;

use crate::github::{GitHub, GitHubError, GitHubOptions};

pub struct Api {
    pub gh: GitHub,
    rt: tokio::runtime::Runtime,
}

impl Api {
    pub fn new(opts: &GitHubOptions, repo: &str) -> Result<Api, GitHubError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| GitHubError::Setup {
                api: opts.api_url.clone(),
                message: e.to_string(),
            })?;
        let gh = {
            let _guard = rt.enter();
            GitHub::new(opts, repo)?
        };
        Ok(Api { gh, rt })
    }

    pub fn block<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
}
