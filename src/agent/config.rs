//! The agent's configuration file (`agent.yaml`), checked when loaded: every error names
//! the file, line and column and the field, all at once, as for `tagbump.yaml`.
//!
//! ```yaml
//! listen: 0.0.0.0:8080            # webhook, /metrics, /healthz, /readyz
//! sources:
//!   - name: shop-prod
//!     repository: https://github.com/acme/config.git
//!     branch: main
//!     path: envs/prod
//!     render: kustomize            # plain | kustomize | kcl | command
//!     command: [sh, -c, "..."]     # render: command
//!     interval: 60s
//!     timeout: 2m
//!     namespace: shop              # for namespaced objects that name none
//!     prune: true
//!     self_heal: true              # false: report drift only
//!     max_shrink: 0.5              # refuse to prune more than half of the inventory
//!     force: false                 # take over fields other managers own
//! credentials:
//!   token_file: /etc/tagbump/git/token   # or TAGBUMP_GIT_TOKEN in the environment
//! webhook:
//!   secret_file: /etc/tagbump/webhook/secret   # or TAGBUMP_WEBHOOK_SECRET
//! state_namespace: tagbump-system  # inventory/status ConfigMaps, Events, the Lease
//!                                  # (default: $POD_NAMESPACE, else tagbump-system)
//! work_dir: /tmp/tagbump-agent     # the sources' checkouts (an emptyDir in the Pod)
//! leader_election: true            # replicas elect one leader through a Lease
//! lease_duration: 15s
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::render::Renderer;
use crate::config::{ConfigError, ConfigErrors, Origin};

#[derive(Debug, Clone)]
pub struct AgentConfig {
    pub listen: String,
    pub sources: Vec<SourceConfig>,
    pub token_file: Option<PathBuf>,
    pub webhook_secret_file: Option<PathBuf>,
    pub state_namespace: Option<String>,
    pub work_dir: PathBuf,
    pub leader_election: bool,
    pub lease_duration: Duration,
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub name: String,
    pub repository: String,
    pub branch: String,
    pub path: String,
    pub render: Renderer,
    pub interval: Duration,
    pub timeout: Duration,
    pub namespace: Option<String>,
    pub prune: bool,
    pub self_heal: bool,
    /// Refuse to prune when the render has fewer than `(1 - max_shrink)` of the inventory.
    pub max_shrink: f64,
    pub force: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    listen: Option<String>,
    #[serde(default)]
    sources: Vec<RawSource>,
    credentials: Option<RawCredentials>,
    webhook: Option<RawWebhook>,
    state_namespace: Option<String>,
    work_dir: Option<PathBuf>,
    leader_election: Option<bool>,
    lease_duration: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCredentials {
    token_file: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    secret_file: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Spanned<String>,
    repository: Spanned<String>,
    branch: Option<String>,
    path: Option<Spanned<String>>,
    render: Option<Spanned<String>>,
    command: Option<Vec<String>>,
    interval: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    namespace: Option<String>,
    prune: Option<bool>,
    self_heal: Option<bool>,
    max_shrink: Option<Spanned<f64>>,
    force: Option<bool>,
}

/// `90s`, `5m`, `1h`, `1h30m`, or plain seconds.
pub fn duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let mut total = 0u64;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().ok()?;
        num.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return None,
        };
    }
    (num.is_empty() && total > 0).then(|| Duration::from_secs(total))
}

impl AgentConfig {
    pub fn load(path: &Path) -> Result<AgentConfig, ConfigErrors> {
        let text = fs_err::read_to_string(path).map_err(|source| {
            ConfigErrors(vec![ConfigError::Read {
                path: path.to_path_buf(),
                source,
            }])
        })?;
        AgentConfig::parse(&path.display().to_string(), &text)
    }

    pub fn parse(file: &str, text: &str) -> Result<AgentConfig, ConfigErrors> {
        let raw: Raw = serde_saphyr::from_str(text).map_err(|e| {
            let origin = e.location().map_or(
                Origin::File {
                    file: file.into(),
                    line: 1,
                    column: 1,
                },
                |l| Origin::at(file, l),
            );
            ConfigErrors(vec![ConfigError::Syntax {
                origin,
                message: e.without_snippet().to_string(),
            }])
        })?;
        let mut errors = Vec::new();
        let mut sources = Vec::new();
        let at = |l| Origin::at(file, l);
        for (i, s) in raw.sources.iter().enumerate() {
            let field = |f: &str| format!("sources[{i}].{f}");
            let name = s.name.value.clone();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') || name.len() > 50 {
                errors.push(ConfigError::invalid(
                    at(s.name.referenced),
                    field("name"),
                    "letters, digits and `-`, at most 50 (it names the inventory)",
                ));
            }
            if sources.iter().any(|o: &SourceConfig| o.name == name) {
                errors.push(ConfigError::invalid(
                    at(s.name.referenced),
                    field("name"),
                    format!("`{name}` is used twice"),
                ));
            }
            let render = match (s.render.as_ref().map(|r| r.value.as_str()), &s.command) {
                (None | Some("plain"), None) => Renderer::Plain,
                (Some("kustomize"), None) => Renderer::Kustomize,
                (Some("kcl"), None) => Renderer::Kcl,
                (Some("command"), Some(argv)) if !argv.is_empty() => Renderer::Command(argv.clone()),
                (Some(other), _) => {
                    let r = s.render.as_ref().expect("matched Some");
                    let why = if other == "command" {
                        "render: command needs `command: [PROGRAM, ARGS...]`".to_string()
                    } else if s.command.is_some() {
                        "`command` is only for render: command".to_string()
                    } else {
                        format!("unknown renderer `{other}`: expected plain, kustomize, kcl or command")
                    };
                    errors.push(ConfigError::invalid(at(r.referenced), field("render"), why));
                    Renderer::Plain
                }
                (None, Some(_)) => {
                    errors.push(ConfigError::invalid(
                        at(s.name.referenced),
                        field("command"),
                        "`command` needs render: command",
                    ));
                    Renderer::Plain
                }
            };
            let dur = |v: &Option<Spanned<String>>, f: &str, default: u64, errors: &mut Vec<ConfigError>| match v {
                None => Duration::from_secs(default),
                Some(t) => duration(&t.value).unwrap_or_else(|| {
                    errors.push(ConfigError::invalid(
                        at(t.referenced),
                        field(f),
                        format!("`{}` is not a duration (e.g. 60s, 5m, 1h)", t.value),
                    ));
                    Duration::from_secs(default)
                }),
            };
            let interval = dur(&s.interval, "interval", 60, &mut errors);
            let timeout = dur(&s.timeout, "timeout", 120, &mut errors);
            let max_shrink = match &s.max_shrink {
                Some(m) if !(0.0..=1.0).contains(&m.value) => {
                    errors.push(ConfigError::invalid(
                        at(m.referenced),
                        field("max_shrink"),
                        "a ratio between 0 and 1",
                    ));
                    0.5
                }
                Some(m) => m.value,
                None => 0.5,
            };
            let path = s.path.as_ref().map(|p| p.value.clone()).unwrap_or_else(|| ".".into());
            if let Some(p) = &s.path
                && (p.value.starts_with('/') || p.value.split('/').any(|c| c == ".."))
            {
                errors.push(ConfigError::invalid(
                    at(p.referenced),
                    field("path"),
                    "a path inside the repository (no leading `/`, no `..`)",
                ));
            }
            if s.repository
                .value
                .split("://")
                .nth(1)
                .is_some_and(|r| r.split('/').next().unwrap_or("").contains('@'))
            {
                errors.push(ConfigError::invalid(
                    at(s.repository.referenced),
                    field("repository"),
                    "the URL carries credentials; give the token in credentials.token_file",
                ));
            }
            sources.push(SourceConfig {
                name,
                repository: s.repository.value.clone(),
                branch: s.branch.clone().unwrap_or_else(|| "main".into()),
                path,
                render,
                interval,
                timeout,
                namespace: s.namespace.clone(),
                prune: s.prune.unwrap_or(true),
                self_heal: s.self_heal.unwrap_or(true),
                max_shrink,
                force: s.force.unwrap_or(false),
            });
        }
        let lease_duration = match &raw.lease_duration {
            None => Duration::from_secs(15),
            Some(t) => match duration(&t.value) {
                Some(d) if d >= Duration::from_secs(2) => d,
                _ => {
                    errors.push(ConfigError::invalid(
                        at(t.referenced),
                        "lease_duration",
                        format!("`{}` is not a duration of at least 2s (e.g. 15s)", t.value),
                    ));
                    Duration::from_secs(15)
                }
            },
        };
        if raw.sources.is_empty() {
            errors.push(ConfigError::invalid(
                Origin::File {
                    file: file.into(),
                    line: 1,
                    column: 1,
                },
                "sources",
                "no sources: the agent has nothing to sync",
            ));
        }
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        Ok(AgentConfig {
            listen: raw.listen.unwrap_or_else(|| "0.0.0.0:8080".into()),
            sources,
            token_file: raw.credentials.and_then(|c| c.token_file),
            webhook_secret_file: raw.webhook.and_then(|w| w.secret_file),
            state_namespace: raw.state_namespace,
            work_dir: raw.work_dir.unwrap_or_else(|| PathBuf::from("/tmp/tagbump-agent")),
            leader_election: raw.leader_election.unwrap_or(true),
            lease_duration,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(duration("1h30m"), Some(Duration::from_secs(5400)));
        for bad in ["", "5x", "m", "1h30", "-1s"] {
            assert_eq!(duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_full_config_and_its_defaults() {
        let c = AgentConfig::parse(
            "agent.yaml",
            "sources:\n  - name: shop-prod\n    repository: https://git.example/acme/config.git\n    path: envs/prod\n    render: kustomize\n    interval: 30s\n    self_heal: false\n  - name: raw\n    repository: https://git.example/acme/raw.git\n    render: command\n    command: [sh, -c, cat x.yaml]\ncredentials: {token_file: /t}\n",
        )
        .unwrap();
        assert_eq!(c.listen, "0.0.0.0:8080");
        let s = &c.sources[0];
        assert_eq!(
            (s.render.clone(), s.interval, s.branch.as_str(), s.prune, s.self_heal),
            (Renderer::Kustomize, Duration::from_secs(30), "main", true, false)
        );
        assert_eq!((s.timeout, s.max_shrink), (Duration::from_secs(120), 0.5));
        assert_eq!(
            c.sources[1].render,
            Renderer::Command(vec!["sh".into(), "-c".into(), "cat x.yaml".into()])
        );
        assert_eq!(c.token_file.as_deref(), Some(Path::new("/t")));
    }

    #[test]
    fn errors_name_line_and_field() {
        let e = AgentConfig::parse(
            "agent.yaml",
            "sources:\n  - name: 'bad name'\n    repository: https://u:p@x/y.git\n    render: helm\n    interval: soon\n    max_shrink: 2\n    path: ../up\n",
        )
        .unwrap_err()
        .to_string();
        for want in [
            "agent.yaml:2:11: sources[0].name: ",
            "agent.yaml:3:17: sources[0].repository: the URL carries credentials",
            "agent.yaml:4:13: sources[0].render: unknown renderer `helm`",
            "agent.yaml:5:15: sources[0].interval: `soon` is not a duration",
            "agent.yaml:6:17: sources[0].max_shrink: a ratio between 0 and 1",
            "agent.yaml:7:11: sources[0].path: ",
        ] {
            assert!(e.contains(want), "missing {want:?} in:\n{e}");
        }
        let e = AgentConfig::parse(
            "agent.yaml",
            "sources:\n  - name: a\n    repository: x\n    intervall: 5s\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("agent.yaml:4:5: unknown field `intervall`"), "{e}");
    }
}
