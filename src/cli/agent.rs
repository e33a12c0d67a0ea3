//! `tagbump agent`: load the configuration, start a runtime, run the agent.

use anyhow::Context as _;

use super::args::AgentArgs;
use super::exit::Failure;
use crate::agent::config::AgentConfig;
use crate::agent::run::{Options, run};

pub fn run_agent(a: &AgentArgs) -> Result<u8, Failure> {
    let config = AgentConfig::load(&a.config).map_err(|e| Failure::new(Failure::USAGE, anyhow::anyhow!("{e}")))?;
    // Two workers: syncs of several sources, the HTTP endpoint and the Lease run side by
    // side; renders and git run on the blocking pool.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")
        .map_err(|e| Failure::new(Failure::AGENT, e))?;
    let opts = Options {
        config,
        kubeconfig: a.kubeconfig.clone(),
        once: a.once,
    };
    match runtime.block_on(run(opts)) {
        Ok(true) => Ok(0),
        Ok(false) => Ok(1),
        Err(e) => Err(Failure::new(
            Failure::AGENT,
            anyhow::Error::new(e).context("the agent could not start"),
        )),
    }
}
