//! The route table: the 19 operations of the contract, each with its method, path template,
//! request-body shape and the statuses its own logic can answer. The table is what
//! `contract.rs` holds against the spec, so everything the spec says about an operation that
//! the stand-in relies on is written here, once.
//!
//! Statuses that any route can answer (malformed JSON or API version 400, auth 401, 403 for a
//! missing User-Agent or a rate limit, 404 for an unknown repository, 415, 429) are
//! [`GENERAL_STATUSES`]; `undocumented` lists, with the reason, what GitHub answers although
//! the spec documents no such response for the operation.

use super::api::{Answer, Ctx, actions, contents, git, labels, pulls, repos};
use super::shape::{Field, Shape, Ty};
use super::wire::percent_decode;

pub struct Route {
    pub operation_id: &'static str,
    pub method: &'static str,
    pub template: &'static str,
    pub docs_url: &'static str,
    /// The request body's shape (`None`: the operation takes no body).
    pub body: Option<&'static Ty>,
    /// Whether a request without a body is refused (the spec's `requestBody.required`).
    pub body_required: bool,
    /// Statuses this operation's logic answers; each is documented for it in the spec.
    pub statuses: &'static [u16],
    /// Statuses GitHub answers here although the spec documents none for the operation.
    pub undocumented: &'static [(u16, &'static str)],
    pub handler: fn(&mut Ctx) -> Answer,
}

/// Statuses any route may answer, before its own logic runs (see `dispatch.rs`).
pub const GENERAL_STATUSES: [u16; 6] = [400, 401, 403, 404, 415, 429];

impl Route {
    /// Whether `status` is one this route may answer.
    pub fn allows(&self, status: u16) -> bool {
        GENERAL_STATUSES.contains(&status)
            || self.statuses.contains(&status)
            || self.undocumented.iter().any(|(s, _)| *s == status)
    }

    /// The template's parameters matched against a request path (percent-decoded), or `None`.
    /// `{ref}` and `{path}` take the rest of the path (`x-multi-segment`).
    pub fn matches(&self, path: &str) -> Option<Vec<(&'static str, String)>> {
        let want: Vec<&'static str> = self.template.split('/').collect();
        let got: Vec<&str> = path.split('/').collect();
        let mut params = Vec::new();
        for (i, w) in want.iter().enumerate() {
            let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) else {
                if got.get(i) != Some(w) {
                    return None;
                }
                continue;
            };
            if i == want.len() - 1 && matches!(name, "ref" | "path") {
                let rest = got.get(i..).map(|r| r.join("/")).unwrap_or_default();
                if rest.is_empty() {
                    return None;
                }
                params.push((name, percent_decode(&rest)));
                return Some(params);
            }
            match got.get(i) {
                Some(seg) if !seg.is_empty() => params.push((name, percent_decode(seg))),
                _ => return None,
            }
        }
        (got.len() == want.len()).then_some(params)
    }
}

/// The route for a request, with its path parameters.
pub fn find(method: &str, path: &str) -> Option<(&'static Route, Vec<(&'static str, String)>)> {
    ROUTES
        .iter()
        .filter(|r| r.method == method)
        .find_map(|r| r.matches(path).map(|p| (r, p)))
}

// Request bodies, property by property as the spec has them.

const NEW_PULL: Ty = Ty::Obj(&Shape::new(
    "PullRequest",
    &[
        Field::new("title", Ty::Str),
        Field::new("head", Ty::Str).required(),
        Field::new("head_repo", Ty::Str),
        Field::new("base", Ty::Str).required(),
        Field::new("body", Ty::Str),
        Field::new("maintainer_can_modify", Ty::Bool),
        Field::new("draft", Ty::Bool),
        Field::new("issue", Ty::Int),
    ],
));

const PULL_UPDATE: Ty = Ty::Obj(&Shape::new(
    "PullRequest",
    &[
        Field::new("title", Ty::Str),
        Field::new("body", Ty::Str),
        Field::new("state", Ty::Str).one_of(&["open", "closed"]),
        Field::new("base", Ty::Str),
        Field::new("maintainer_can_modify", Ty::Bool),
    ],
));

const CONFIDENCE: &[&str] = &["low", "medium", "high"];
const LABEL_OBJECT: Shape = Shape::new(
    "Label",
    &[
        Field::new("name", Ty::Str).required(),
        Field::new("rationale", Ty::Str),
        Field::new("suggest", Ty::Bool),
        Field::new("confidence", Ty::Str).one_of(CONFIDENCE),
    ],
);
const LABELS: Ty = Ty::OneOf(&[
    Ty::Obj(&Shape::new(
        "Label",
        &[Field::new("labels", Ty::Array(&Ty::OneOf(&[Ty::Str, Ty::Obj(&LABEL_OBJECT)]))).min_items(1)],
    )),
    Ty::Array(&Ty::Str),
    Ty::Array(&Ty::Obj(&LABEL_OBJECT)),
]);

const REVIEWERS: Ty = Ty::Obj(&Shape {
    resource: "PullRequest",
    fields: &[
        Field::new("reviewers", Ty::Array(&Ty::Str)),
        Field::new("team_reviewers", Ty::Array(&Ty::Str)),
    ],
    any_of: &["reviewers", "team_reviewers"],
});

const NEW_REF: Ty = Ty::Obj(&Shape::new(
    "Reference",
    &[
        Field::new("ref", Ty::Str).required(),
        Field::new("sha", Ty::Str).required(),
    ],
));

const REF_UPDATE: Ty = Ty::Obj(&Shape::new(
    "Reference",
    &[Field::new("sha", Ty::Str).required(), Field::new("force", Ty::Bool)],
));

const NEW_BLOB: Ty = Ty::Obj(&Shape::new(
    "Blob",
    &[
        Field::new("content", Ty::Str).required(),
        Field::new("encoding", Ty::Str),
    ],
));

pub const TREE_MODES: &[&str] = &["100644", "100755", "040000", "160000", "120000"];
const TREE_ENTRY: Shape = Shape::new(
    "Tree",
    &[
        Field::new("path", Ty::Str),
        Field::new("mode", Ty::Str).one_of(TREE_MODES),
        Field::new("type", Ty::Str).one_of(&["blob", "tree", "commit"]),
        Field::new("sha", Ty::Str).nullable(),
        Field::new("content", Ty::Str),
    ],
);
const NEW_TREE: Ty = Ty::Obj(&Shape::new(
    "Tree",
    &[
        Field::new("tree", Ty::Array(&Ty::Obj(&TREE_ENTRY))).required(),
        Field::new("base_tree", Ty::Str),
    ],
));

const GIT_PERSON: Shape = Shape::new(
    "Commit",
    &[
        Field::new("name", Ty::Str).required(),
        Field::new("email", Ty::Str).required(),
        Field::new("date", Ty::Str),
    ],
);
/// The spec's `committer` of a new commit lists no required properties (unlike `author`).
const GIT_COMMITTER: Shape = Shape::new(
    "Commit",
    &[
        Field::new("name", Ty::Str),
        Field::new("email", Ty::Str),
        Field::new("date", Ty::Str),
    ],
);
const NEW_COMMIT: Ty = Ty::Obj(&Shape::new(
    "Commit",
    &[
        Field::new("message", Ty::Str).required(),
        Field::new("tree", Ty::Str).required(),
        Field::new("parents", Ty::Array(&Ty::Str)),
        Field::new("author", Ty::Obj(&GIT_PERSON)),
        Field::new("committer", Ty::Obj(&GIT_COMMITTER)),
        Field::new("signature", Ty::Str),
    ],
));

const CONTENTS_PERSON: Shape = Shape::new(
    "Commit",
    &[
        Field::new("name", Ty::Str).required(),
        Field::new("email", Ty::Str).required(),
        Field::new("date", Ty::Str),
    ],
);
const CONTENTS_PUT: Ty = Ty::Obj(&Shape::new(
    "Commit",
    &[
        Field::new("message", Ty::Str).required(),
        Field::new("content", Ty::Str).required(),
        Field::new("sha", Ty::Str),
        Field::new("branch", Ty::Str),
        Field::new("committer", Ty::Obj(&CONTENTS_PERSON)),
        Field::new("author", Ty::Obj(&CONTENTS_PERSON)),
    ],
));

const WORKFLOW_DISPATCH: Ty = Ty::Obj(&Shape::new(
    "WorkflowDispatch",
    &[
        Field::new("ref", Ty::Str).required(),
        Field::new("inputs", Ty::FreeObj).max_props(25),
        Field::new("return_run_details", Ty::Bool),
    ],
));

const REPOSITORY_DISPATCH: Ty = Ty::Obj(&Shape::new(
    "RepositoryDispatch",
    &[
        Field::new("event_type", Ty::Str).required().len(1, 100),
        Field::new("client_payload", Ty::FreeObj).max_props(10),
    ],
));

const NO_ERRORS_DOCUMENTED: &str = "the spec documents no error response for this operation";

pub static ROUTES: [Route; 19] = [
    Route {
        operation_id: "repos/get",
        method: "GET",
        template: "/repos/{owner}/{repo}",
        docs_url: "https://docs.github.com/rest/repos/repos#get-a-repository",
        body: None,
        body_required: false,
        statuses: &[200],
        undocumented: &[],
        handler: repos::get,
    },
    Route {
        operation_id: "pulls/list",
        method: "GET",
        template: "/repos/{owner}/{repo}/pulls",
        docs_url: "https://docs.github.com/rest/pulls/pulls#list-pull-requests",
        body: None,
        body_required: false,
        statuses: &[200, 422],
        undocumented: &[],
        handler: pulls::list,
    },
    Route {
        operation_id: "pulls/create",
        method: "POST",
        template: "/repos/{owner}/{repo}/pulls",
        docs_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
        body: Some(&NEW_PULL),
        body_required: true,
        statuses: &[201, 422],
        undocumented: &[],
        handler: pulls::create,
    },
    Route {
        operation_id: "pulls/update",
        method: "PATCH",
        template: "/repos/{owner}/{repo}/pulls/{pull_number}",
        docs_url: "https://docs.github.com/rest/pulls/pulls#update-a-pull-request",
        body: Some(&PULL_UPDATE),
        body_required: false,
        statuses: &[200, 422],
        undocumented: &[],
        handler: pulls::update,
    },
    Route {
        operation_id: "issues/add-labels",
        method: "POST",
        template: "/repos/{owner}/{repo}/issues/{issue_number}/labels",
        docs_url: "https://docs.github.com/rest/issues/labels#add-labels-to-an-issue",
        body: Some(&LABELS),
        body_required: false,
        statuses: &[200, 404, 422],
        undocumented: &[],
        handler: labels::add,
    },
    Route {
        operation_id: "pulls/request-reviewers",
        method: "POST",
        template: "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
        docs_url: "https://docs.github.com/rest/pulls/review-requests#request-reviewers-for-a-pull-request",
        body: Some(&REVIEWERS),
        body_required: false,
        statuses: &[201, 422],
        undocumented: &[],
        handler: pulls::request_reviewers,
    },
    Route {
        operation_id: "git/get-ref",
        method: "GET",
        template: "/repos/{owner}/{repo}/git/ref/{ref}",
        docs_url: "https://docs.github.com/rest/git/refs#get-a-reference",
        body: None,
        body_required: false,
        statuses: &[200, 404, 409],
        undocumented: &[],
        handler: git::get_ref,
    },
    Route {
        operation_id: "git/create-ref",
        method: "POST",
        template: "/repos/{owner}/{repo}/git/refs",
        docs_url: "https://docs.github.com/rest/git/refs#create-a-reference",
        body: Some(&NEW_REF),
        body_required: true,
        statuses: &[201, 409, 422],
        undocumented: &[],
        handler: git::create_ref,
    },
    Route {
        operation_id: "git/update-ref",
        method: "PATCH",
        template: "/repos/{owner}/{repo}/git/refs/{ref}",
        docs_url: "https://docs.github.com/rest/git/refs#update-a-reference",
        body: Some(&REF_UPDATE),
        body_required: true,
        statuses: &[200, 409, 422],
        undocumented: &[],
        handler: git::update_ref,
    },
    Route {
        operation_id: "git/create-blob",
        method: "POST",
        template: "/repos/{owner}/{repo}/git/blobs",
        docs_url: "https://docs.github.com/rest/git/blobs#create-a-blob",
        body: Some(&NEW_BLOB),
        body_required: true,
        statuses: &[201, 409, 422],
        undocumented: &[],
        handler: git::create_blob,
    },
    Route {
        operation_id: "git/create-tree",
        method: "POST",
        template: "/repos/{owner}/{repo}/git/trees",
        docs_url: "https://docs.github.com/rest/git/trees#create-a-tree",
        body: Some(&NEW_TREE),
        body_required: true,
        statuses: &[201, 409, 422],
        undocumented: &[],
        handler: git::create_tree,
    },
    Route {
        operation_id: "git/get-commit",
        method: "GET",
        template: "/repos/{owner}/{repo}/git/commits/{commit_sha}",
        docs_url: "https://docs.github.com/rest/git/commits#get-a-commit-object",
        body: None,
        body_required: false,
        statuses: &[200, 404, 409],
        undocumented: &[],
        handler: git::get_commit,
    },
    Route {
        operation_id: "git/create-commit",
        method: "POST",
        template: "/repos/{owner}/{repo}/git/commits",
        docs_url: "https://docs.github.com/rest/git/commits#create-a-commit",
        body: Some(&NEW_COMMIT),
        body_required: true,
        statuses: &[201, 409, 422],
        undocumented: &[],
        handler: git::create_commit,
    },
    Route {
        operation_id: "repos/get-content",
        method: "GET",
        template: "/repos/{owner}/{repo}/contents/{path}",
        docs_url: "https://docs.github.com/rest/repos/contents#get-repository-content",
        body: None,
        body_required: false,
        statuses: &[200, 404],
        undocumented: &[],
        handler: contents::get,
    },
    Route {
        operation_id: "repos/create-or-update-file-contents",
        method: "PUT",
        template: "/repos/{owner}/{repo}/contents/{path}",
        docs_url: "https://docs.github.com/rest/repos/contents#create-or-update-file-contents",
        body: Some(&CONTENTS_PUT),
        body_required: true,
        statuses: &[200, 201, 404, 409, 422],
        undocumented: &[],
        handler: contents::put,
    },
    Route {
        operation_id: "actions/create-workflow-dispatch",
        method: "POST",
        template: "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
        docs_url: "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event",
        body: Some(&WORKFLOW_DISPATCH),
        body_required: true,
        statuses: &[200, 204],
        undocumented: &[(422, NO_ERRORS_DOCUMENTED)],
        handler: actions::dispatch_workflow,
    },
    Route {
        operation_id: "actions/list-workflow-runs",
        method: "GET",
        template: "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs",
        docs_url: "https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow",
        body: None,
        body_required: false,
        statuses: &[200],
        undocumented: &[(422, NO_ERRORS_DOCUMENTED)],
        handler: actions::list_runs,
    },
    Route {
        operation_id: "actions/get-workflow-run",
        method: "GET",
        template: "/repos/{owner}/{repo}/actions/runs/{run_id}",
        docs_url: "https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run",
        body: None,
        body_required: false,
        statuses: &[200],
        undocumented: &[],
        handler: actions::get_run,
    },
    Route {
        operation_id: "repos/create-dispatch-event",
        method: "POST",
        template: "/repos/{owner}/{repo}/dispatches",
        docs_url: "https://docs.github.com/rest/repos/repos#create-a-repository-dispatch-event",
        body: Some(&REPOSITORY_DISPATCH),
        body_required: true,
        statuses: &[204, 422],
        undocumented: &[],
        handler: actions::repository_dispatch,
    },
];
