//! Pull requests and labels as GitHub keeps them: a pull request's number comes from the
//! repository's issue counter, its head names a branch (whose tip is read when the pull
//! request is shown, so a push to the branch shows up), and labels belong to the repository,
//! created on first use with GitHub's default colour.

/// `open` or `closed` (the stand-in does not merge).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullState {
    Open,
    Closed,
}

impl PullState {
    pub fn as_str(self) -> &'static str {
        match self {
            PullState::Open => "open",
            PullState::Closed => "closed",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Pull {
    pub number: u64,
    pub id: u64,
    pub title: String,
    pub body: Option<String>,
    /// The head branch (in this repository: the stand-in has no forks).
    pub head: String,
    pub base: String,
    pub state: PullState,
    pub draft: bool,
    pub maintainer_can_modify: bool,
    /// Label names, in the order they were added.
    pub labels: Vec<String>,
    pub requested_reviewers: Vec<String>,
    pub requested_teams: Vec<String>,
    /// The login that opened it.
    pub user: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: String,
}

/// The colour GitHub gives a label created by adding it to an issue.
pub const DEFAULT_LABEL_COLOR: &str = "ededed";
