//! The Action's inputs, read from `INPUT_*` variables and checked here: the runner does not
//! enforce `required:`, passes every value as a string, and a typo in a boolean would
//! otherwise silently mean `false`.
//!
//! An input `dry-run` arrives as `INPUT_DRY_RUN`: action.yml maps each input explicitly
//! into the environment (never through `${{ }}` in a script), with underscores so every
//! shell can name the variable. `INPUT_DRY-RUN`, the runner's own spelling for JavaScript
//! and container actions, is read too.
//! Inputs become the arguments of `tagbump update` (each as `--flag=value`, so a value
//! starting with `-` stays a value); secrets do not: they go straight into [`UpdateEnv`].

use std::collections::BTreeMap;

use crate::cli::{Cli, Command, UpdateArgs, UpdateEnv};
use crate::registry::secret::Secret;

/// A problem with one input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("input `{input}`: {message}")]
pub struct InputError {
    pub input: String,
    pub message: String,
}

/// Every input action.yml declares, and the `tagbump update` flag it becomes (`None`:
/// handled specially).
pub const INPUTS: &[(&str, Option<&str>)] = &[
    ("images", None),
    ("policy", Some("--policy")),
    ("paths", None),
    ("config", Some("--config")),
    ("repository", Some("--repo")),
    ("branch", Some("--branch")),
    ("token", None),
    ("mode", Some("--mode")),
    ("via", Some("--via")),
    ("message", Some("--message")),
    ("author-name", Some("--author-name")),
    ("author-email", Some("--author-email")),
    ("attempts", Some("--attempts")),
    ("name", Some("--name")),
    ("work-branch", Some("--work-branch")),
    ("pr-title", Some("--pr-title")),
    ("pr-body", Some("--pr-body")),
    ("labels", None),
    ("reviewers", None),
    ("team-reviewers", None),
    ("draft", None),
    ("dispatch-workflow", Some("--dispatch-workflow")),
    ("dispatch-ref", Some("--dispatch-ref")),
    ("dispatch-inputs", None),
    ("dispatch-event", Some("--dispatch-event")),
    ("dispatch-repository", Some("--dispatch-repository")),
    ("github-repository", Some("--github-repository")),
    ("dry-run", None),
    ("registry-username", Some("--registry-username")),
    ("registry-password", None),
    ("insecure-registries", None),
    ("github-api-url", None),
    ("github-server-url", None),
];

/// The inputs as `tagbump update` options.
#[derive(Debug)]
pub struct Inputs {
    pub args: UpdateArgs,
    pub env: UpdateEnv,
    /// Values to mask before anything is printed.
    pub secrets: Vec<String>,
}

/// The variable action.yml maps an input to.
pub fn var_name(input: &str) -> String {
    format!("INPUT_{}", input.replace([' ', '-'], "_").to_uppercase())
}

/// The runner's own name for an input (hyphens kept).
fn runner_name(input: &str) -> String {
    format!("INPUT_{}", input.replace(' ', "_").to_uppercase())
}

/// A list input: one item per line or comma-separated; blanks dropped.
fn list(value: &str) -> Vec<String> {
    value
        .split(['\n', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The YAML 1.2 core booleans, as `core.getBooleanInput` accepts them.
fn boolean(input: &str, value: &str) -> Result<bool, InputError> {
    match value.trim() {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" | "" => Ok(false),
        other => Err(InputError {
            input: input.into(),
            message: format!("`{other}` is not a boolean (true or false)"),
        }),
    }
}

pub fn read(vars: &BTreeMap<String, String>) -> Result<Inputs, Vec<InputError>> {
    let get = |input: &str| {
        vars.get(&var_name(input))
            .or_else(|| vars.get(&runner_name(input)))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut errors = Vec::new();
    let mut argv: Vec<String> = vec!["tagbump".into(), "update".into(), "--format=json".into()];

    for (input, flag) in INPUTS {
        if let (Some(flag), Some(v)) = (flag, get(input)) {
            argv.push(format!("{flag}={v}"));
        }
    }
    for (input, flag) in [
        ("images", "--image"),
        ("paths", "--path"),
        ("labels", "--label"),
        ("reviewers", "--reviewer"),
        ("team-reviewers", "--team-reviewer"),
        ("insecure-registries", "--insecure-registry"),
    ] {
        for item in list(&get(input).unwrap_or_default()) {
            argv.push(format!("{flag}={item}"));
        }
    }
    // KEY=VALUE per line (values may hold commas).
    for line in get("dispatch-inputs")
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if !line.contains('=') {
            errors.push(InputError {
                input: "dispatch-inputs".into(),
                message: format!("`{line}`: expected KEY=VALUE, one per line"),
            });
        }
        argv.push(format!("--dispatch-input={line}"));
    }
    let mut dry_run = false;
    for (input, flag) in [("draft", "--draft"), ("dry-run", "--dry-run")] {
        match boolean(input, &get(input).unwrap_or_default()) {
            Ok(true) => {
                argv.push(flag.into());
                if input == "dry-run" {
                    dry_run = true;
                }
            }
            Ok(false) => {}
            Err(e) => errors.push(e),
        }
    }
    if let Some(a) = get("attempts")
        && a.parse::<u32>().is_err()
    {
        errors.push(InputError {
            input: "attempts".into(),
            message: format!("`{a}` is not a whole number"),
        });
    }
    if get("images").is_none() && get("config").is_none() && get("repository").is_none() {
        errors.push(InputError {
            input: "images".into(),
            message: "give the images to bump (one per line), a config file in `config`, or a `repository` whose tagbump.yaml lists them".into(),
        });
    }
    let token = get("token");
    if token.is_none() && !dry_run {
        errors.push(InputError {
            input: "token".into(),
            message: "a token is required to write to the config repo (the default is `${{ github.token }}`; a GitHub App or fine-grained token for another repository)".into(),
        });
    }
    let password = get("registry-password");
    if password.is_some() && get("registry-username").is_none() {
        errors.push(InputError {
            input: "registry-password".into(),
            message: "needs `registry-username`".into(),
        });
    }
    let unknown: Vec<&String> = vars
        .keys()
        .filter(|k| k.starts_with("INPUT_") && !INPUTS.iter().any(|(i, _)| var_name(i) == **k || runner_name(i) == **k))
        .collect();
    for k in unknown {
        errors.push(InputError {
            input: k.trim_start_matches("INPUT_").to_lowercase(),
            message: "unknown input (see action.yml)".into(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let args = match Cli::try_parse_from_args(&argv) {
        Ok(Command::Update(a)) => *a,
        Ok(_) => unreachable!("argv starts with `update`"),
        Err(e) => {
            return Err(vec![InputError {
                input: "(inputs)".into(),
                message: e,
            }]);
        }
    };
    let mut secrets = Vec::new();
    if let Some(t) = &token {
        secrets.push(t.clone());
        // What git sends: base64("x-access-token:TOKEN").
        use base64::Engine as _;
        secrets.push(base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{t}")));
    }
    if let Some(p) = &password {
        secrets.push(p.clone());
    }
    let env_or = |input: &str, var: &str| get(input).or_else(|| vars.get(var).cloned().filter(|v| !v.is_empty()));
    Ok(Inputs {
        args,
        env: UpdateEnv {
            token: token.map(Secret::new),
            api_url: env_or("github-api-url", "GITHUB_API_URL"),
            server_url: env_or("github-server-url", "GITHUB_SERVER_URL"),
            registry_password: password.map(Secret::new),
            cwd: vars.get("GITHUB_WORKSPACE").map(Into::into),
        },
        secrets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (var_name(k), v.to_string())).collect()
    }

    #[test]
    fn inputs_become_flags_and_secrets_stay_out_of_them() {
        let v = vars(&[
            ("images", "ghcr.io/acme/shop:1.5.0\nghcr.io/acme/api, ghcr.io/acme/web"),
            ("token", "ghs_secret"),
            ("mode", "pull-request"),
            ("labels", "deploy, prod"),
            ("draft", "true"),
            ("dispatch-inputs", "env=prod\nlist=a,b"),
            ("message", "-starts with a dash"),
        ]);
        let i = read(&v).unwrap();
        assert_eq!(
            i.args.images,
            ["ghcr.io/acme/shop:1.5.0", "ghcr.io/acme/api", "ghcr.io/acme/web"]
        );
        assert_eq!(i.args.mode.as_deref(), Some("pull-request"));
        assert_eq!(i.args.labels, ["deploy", "prod"]);
        assert!(i.args.draft && !i.args.dry_run);
        assert_eq!(i.args.dispatch_inputs, ["env=prod", "list=a,b"]);
        assert_eq!(i.args.message.as_deref(), Some("-starts with a dash"));
        assert_eq!(i.env.token.as_ref().map(Secret::expose), Some("ghs_secret"));
        assert_eq!(i.secrets[0], "ghs_secret");
        assert_eq!(i.secrets[1], "eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA==");
    }

    #[test]
    fn every_problem_is_reported_by_input_name() {
        let v = vars(&[
            ("draft", "yes"),
            ("attempts", "many"),
            ("dispatch-inputs", "novalue"),
            ("registry-password", "p"),
            ("colour", "blue"),
        ]);
        let errors: Vec<String> = read(&v).unwrap_err().iter().map(ToString::to_string).collect();
        for want in [
            "input `draft`: `yes` is not a boolean",
            "input `attempts`: `many` is not a whole number",
            "input `dispatch-inputs`: `novalue`: expected KEY=VALUE",
            "input `images`: give the images",
            "input `token`: a token is required",
            "input `registry-password`: needs `registry-username`",
            "input `colour`: unknown input",
        ] {
            assert!(
                errors.iter().any(|e| e.starts_with(want)),
                "missing {want:?} in {errors:#?}"
            );
        }
    }

    #[test]
    fn a_dry_run_needs_no_token() {
        let i = read(&vars(&[("images", "a/b:1"), ("dry-run", "TRUE")])).unwrap();
        assert!(i.args.dry_run && i.env.token.is_none() && i.secrets.is_empty());
    }
}
