//! `GET /repos/{owner}/{repo}`: the repository, with its default branch and the token's
//! permissions (push: the stand-in's token can write).

use super::super::wire::Reply;
use super::{Answer, Ctx, render};

pub fn get(ctx: &mut Ctx) -> Answer {
    Ok(Reply::json(200, render::full_repo(ctx.base, ctx.repo(), ctx.v2026)))
}
