use super::*;

fn parse(text: &str) -> Result<Config, ConfigErrors> {
    Config::parse("tagbump.yaml", text, &Overrides::default())
}

fn errors(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

const FULL: &str = "\
name: shop-prod
images:
  - image: ghcr.io/acme/shop
    policy: semver:^1.2
    filter: '^v(?P<v>.*)$'
    extract: '$v'
    platform: linux/arm64
    digest: true
    files: [envs/prod/]
    helm_keys: [image.tag, 'sidecar.image=full']
  - image: ghcr.io/acme/api:2.0.1
    name: backend
files: [envs/]
git:
  repository: https://github.com/acme/config
  branch: main
write:
  mode: pull-request
  via: api
  message: 'deploy: {summary}'
  author: {name: Bot, email: bot@example.com}
  attempts: 7
pull_request:
  labels: [deploy]
  reviewers: [alice]
  draft: true
dispatch:
  workflow: deploy.yml
  inputs: {env: prod}
  event_type: bumped
";

#[test]
fn full_file() {
    let c = parse(FULL).unwrap();
    assert_eq!(c.name, "shop-prod");
    assert_eq!(c.images.len(), 2);
    let shop = &c.images[0];
    assert_eq!(shop.name, "shop");
    assert!(matches!(shop.policy, Some(Policy::Semver(_))));
    assert!(shop.pin_digest);
    assert_eq!(shop.platform.to_string(), "linux/arm64");
    assert_eq!(
        shop.helm_keys,
        vec![("image.tag".into(), Part::Tag), ("sidecar.image".into(), Part::Full)]
    );
    assert_eq!(
        shop.origin,
        Origin::File {
            file: "tagbump.yaml".into(),
            line: 3,
            column: 12
        }
    );
    let api = &c.images[1];
    assert_eq!(api.name, "backend");
    assert!(api.policy.is_none(), "a tag without a policy is deployed as given");
    assert_eq!(api.image.tag.as_deref(), Some("2.0.1"));
    assert_eq!(c.files, vec!["envs/"]);
    assert_eq!(c.git.repository.as_deref(), Some("https://github.com/acme/config"));
    assert_eq!(
        (c.write.mode, c.write.via, c.write.attempts),
        (Mode::PullRequest, Via::Api, 7)
    );
    assert_eq!(
        c.write.author,
        Identity {
            name: "Bot".into(),
            email: "bot@example.com".into()
        }
    );
    assert_eq!(c.write.message.source(), "deploy: {summary}");
    assert!(c.pull_request.draft);
    assert_eq!(c.pull_request.branch.source(), DEFAULT_WORK_BRANCH);
    let w = c.dispatch.workflow.unwrap();
    assert_eq!((w.workflow.as_str(), w.inputs["env"].as_str()), ("deploy.yml", "prod"));
    assert_eq!(c.dispatch.event.unwrap().event_type, "bumped");
}

#[test]
fn defaults() {
    let c = parse("images:\n  - image: ghcr.io/acme/shop\n").unwrap();
    assert_eq!(c.name, "shop");
    assert!(
        matches!(c.images[0].policy, Some(Policy::Semver(_))),
        "default policy is semver"
    );
    assert_eq!(
        (c.write.mode, c.write.via, c.write.attempts),
        (Mode::Push, Via::Git, 10)
    );
    assert_eq!(c.write.author.name, ACTIONS_BOT_NAME);
    assert!(c.files.is_empty());
    assert!(c.dispatch.workflow.is_none() && c.dispatch.event.is_none());
}

#[test]
fn syntax_errors_name_file_line_column() {
    let e = errors("images:\n  - image: a/b\n    polcy: x\n");
    assert!(e.starts_with("tagbump.yaml:3:5: unknown field `polcy`"), "{e}");
    let e = errors("images:\n  - image: a/b\n    digest: yes\n");
    assert!(e.starts_with("tagbump.yaml:3:13: "), "{e}");
    let e = errors("images: [\n");
    assert!(e.starts_with("tagbump.yaml:1:"), "{e}");
    let e = errors("images:\n  - image: a\n  - image: b\nimages: []\n");
    assert!(
        e.contains("tagbump.yaml:4:") && e.to_lowercase().contains("duplicate"),
        "{e}"
    );
}

#[test]
fn invalid_values_name_line_and_field_all_at_once() {
    let e = errors(
        "images:\n  - image: ghcr.io/acme/shop\n    policy: semver:>>1\n  - image: 'UPPER/Case'\n  - image: a/b\n    filter: '(['\nwrite:\n  mode: yolo\n  message: 'bump {nmae}'\n",
    );
    let lines: Vec<&str> = e.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("tagbump.yaml:3:13: images[0].policy: ")),
        "{e}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("tagbump.yaml:4:12: images[1].image: invalid image")),
        "{e}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("tagbump.yaml:6:13: images[2].filter: ")),
        "{e}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("tagbump.yaml:8:9: write.mode: unknown mode `yolo`")),
        "{e}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("tagbump.yaml:9:12: write.message: unknown variable `{nmae}`")),
        "{e}"
    );
}

#[test]
fn refuses_credentials_in_urls_and_bad_branches() {
    let e = errors(
        "images: [{image: a/b}]\ngit:\n  repository: https://x-access-token:ghp_secret@github.com/a/b\n  branch: 'feat..x'\n",
    );
    assert!(e.contains("git.repository: the URL carries credentials"), "{e}");
    assert!(!e.contains("ghp_secret"), "the secret must not be echoed: {e}");
    assert!(e.contains("tagbump.yaml:4:11: git.branch: `feat..x`"), "{e}");
}

#[test]
fn no_images_is_an_error() {
    let e = errors("files: [envs/]\n");
    assert!(e.contains("no images to bump"), "{e}");
    let e = Config::from_overrides(&Overrides::default()).unwrap_err().to_string();
    assert!(e.starts_with("--image: images: no images"), "{e}");
}

#[test]
fn image_flags_select_and_pin() {
    let o = Overrides {
        images: vec!["shop:1.9.0".into()],
        ..Overrides::default()
    };
    let c = Config::parse("tagbump.yaml", FULL, &o).unwrap();
    assert_eq!(c.images.len(), 1, "only the named image is bumped");
    assert_eq!(c.images[0].name, "shop");
    assert_eq!(c.images[0].image.to_string(), "ghcr.io/acme/shop:1.9.0");
    assert!(c.images[0].policy.is_none(), "the given tag is deployed as is");
    assert_eq!(c.images[0].helm_keys.len(), 2, "the file's settings stay");

    let o = Overrides {
        images: vec!["ghcr.io/acme/api".into(), "ghcr.io/acme/new".into()],
        policy: Some("numerical".into()),
        ..Overrides::default()
    };
    let c = Config::parse("tagbump.yaml", FULL, &o).unwrap();
    let names: Vec<&str> = c.images.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["backend", "new"]);
    assert!(matches!(c.images[1].policy, Some(Policy::Numerical(_))));
    assert_eq!(c.name, "shop-prod", "the file's name stays");
}

#[test]
fn flags_override_and_errors_name_the_flag() {
    let o = Overrides {
        images: vec!["ghcr.io/acme/shop:1.0.0".into()],
        mode: Some("pull-request".into()),
        branch: Some("release".into()),
        labels: vec!["x".into()],
        ..Overrides::default()
    };
    let c = Config::from_overrides(&o).unwrap();
    assert_eq!(
        (c.write.mode, c.git.branch.as_deref()),
        (Mode::PullRequest, Some("release"))
    );
    assert_eq!(c.pull_request.labels, ["x"]);
    assert_eq!(c.name, "shop");
    let o = Overrides {
        images: vec!["ghcr.io/acme/shop".into()],
        policy: Some("sermver".into()),
        via: Some("ftp".into()),
        ..Overrides::default()
    };
    let e = Config::from_overrides(&o).unwrap_err().to_string();
    assert!(e.contains("--policy: policy: unknown policy"), "{e}");
    assert!(e.contains("--via: write.via: unknown value `ftp`"), "{e}");
}

#[test]
fn dispatch_limits() {
    let inputs: String = (0..26).map(|i| format!("    k{i}: v\n")).collect();
    let e = errors(&format!(
        "images: [{{image: a/b}}]\ndispatch:\n  workflow: d.yml\n  inputs:\n{inputs}"
    ));
    assert!(e.contains("26 inputs; GitHub accepts at most 25"), "{e}");
    let e = errors("images: [{image: a/b}]\ndispatch:\n  ref: main\n");
    assert!(e.contains("need a workflow"), "{e}");
    let long = "x".repeat(101);
    let e = errors(&format!("images: [{{image: a/b}}]\ndispatch:\n  event_type: {long}\n"));
    assert!(e.contains("1 to 100 characters"), "{e}");
}
