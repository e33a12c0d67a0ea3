//! The operations, one file per API area. A handler runs after `dispatch` has checked the
//! headers, found the repository and validated the body against the route's shape, so it only
//! does what GitHub does beyond that: look things up, enforce GitHub's rules (fast-forward,
//! duplicate pull requests, collaborators, known workflows), change the state and render the
//! documented body. It returns `Err` for an error answer so `?` reads naturally.

pub mod actions;
pub mod contents;
pub mod git;
pub mod labels;
pub mod pulls;
pub mod render;
pub mod repos;

use serde_json::Value;

use super::routes::Route;
use super::state::{Counters, Repo, State, repo_key};
use super::wire::{Reply, Req};

pub type Answer = Result<Reply, Reply>;

/// One request, validated, with the state to act on.
pub struct Ctx<'a> {
    pub req: &'a Req,
    /// Path parameters by template name (`owner`, `repo`, `ref`, ...), percent-decoded.
    pub params: Vec<(&'static str, String)>,
    /// The body (validated against the route's shape), `Null` when none.
    pub body: Value,
    pub st: &'a mut State,
    /// The stand-in's base URL.
    pub base: &'a str,
    /// `X-GitHub-Api-Version: 2026-03-10`.
    pub v2026: bool,
    /// The login the token belongs to.
    pub login: &'a str,
    pub route: &'static Route,
}

impl Ctx<'_> {
    pub fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{} has no parameter {name}", self.route.template))
    }

    pub fn docs(&self) -> &'static str {
        self.route.docs_url
    }

    fn key(&self) -> String {
        repo_key(self.param("owner"), self.param("repo"))
    }

    /// The request's repository (`dispatch` checked it exists).
    pub fn repo(&self) -> &Repo {
        &self.st.repos[&self.key()]
    }

    /// The repository and the id/clock counters, both mutable.
    pub fn parts(&mut self) -> (&mut Repo, &mut Counters) {
        let key = self.key();
        let State { repos, counters, .. } = &mut *self.st;
        (repos.get_mut(&key).expect("dispatch checked the repository"), counters)
    }

    pub fn not_found(&self) -> Reply {
        Reply::not_found(self.docs())
    }

    pub fn unprocessable(&self, message: &str) -> Reply {
        Reply::unprocessable(message, self.docs())
    }

    pub fn validation(&self, errors: Vec<Value>) -> Reply {
        Reply::validation("Validation Failed", errors, self.docs())
    }

    /// A string property of the body.
    pub fn str_field(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }

    pub fn bool_field(&self, name: &str) -> Option<bool> {
        self.body.get(name).and_then(Value::as_bool)
    }

    /// GitHub's 409 for the Git Data API on a repository without commits.
    pub fn require_git_data(&self) -> Result<(), Reply> {
        if self.repo().is_empty() {
            return Err(Reply::error(409, "Git Repository is empty.", self.docs()));
        }
        Ok(())
    }
}

/// `page` and `per_page` from the query (GitHub: per_page default 30, at most 100).
pub fn paging(req: &Req) -> (usize, usize) {
    let num = |name: &str| req.query_param(name).and_then(|v| v.parse::<usize>().ok());
    let per_page = num("per_page").unwrap_or(30).clamp(1, 100);
    let page = num("page").unwrap_or(1).max(1);
    (page, per_page)
}

/// The `Link` header for page `page` of `total` items (`None` when all fit one page): `prev`,
/// `next`, `last`, `first` as GitHub writes them, carrying every other query parameter,
/// `per_page` included.
pub fn link_header(base: &str, req: &Req, page: usize, per_page: usize, total: usize) -> Option<String> {
    let last = total.div_ceil(per_page).max(1);
    if last <= 1 {
        return None;
    }
    let url = |p: usize| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in req.query_pairs() {
            if k != "page" && k != "per_page" {
                q.append_pair(&k, &v);
            }
        }
        q.append_pair("per_page", &per_page.to_string());
        q.append_pair("page", &p.to_string());
        format!("<{base}{}?{}>", req.path, q.finish())
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", url((page - 1).min(last))));
    }
    if page < last {
        links.push(format!("{}; rel=\"next\"", url(page + 1)));
        links.push(format!("{}; rel=\"last\"", url(last)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", url(1)));
    }
    Some(links.join(", "))
}

/// The items of page `page`.
pub fn page_of<T>(items: Vec<T>, page: usize, per_page: usize) -> Vec<T> {
    items.into_iter().skip((page - 1) * per_page).take(per_page).collect()
}
