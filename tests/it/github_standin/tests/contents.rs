//! The contents API: read a file or directory, create or update a file (GitHub signs the
//! commit), with the blob SHA guarding updates.

use base64::Engine as _;
use serde_json::json;

use super::setup;

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn get_reads_files_and_directories_at_a_ref() {
    let (gh, api, base) = setup();
    let r = api.get("/repos/acme/config/contents/README.md").expect(200);
    assert_eq!(r.body["type"], "file");
    assert_eq!(r.body["encoding"], "base64");
    assert_eq!(r.body["content"], format!("{}\n", b64("# config\n")));
    assert_eq!(r.body["size"], 9);
    let dir = api.get("/repos/acme/config/contents/apps/shop").expect(200);
    assert_eq!(dir.body[0]["path"], "apps/shop/kustomization.yaml");
    assert_eq!(dir.body[0]["type"], "file");
    gh.seed_commit("acme", "config", "main", &[("README.md", "# changed\n")]);
    let old = api
        .get(&format!("/repos/acme/config/contents/README.md?ref={base}"))
        .expect(200);
    assert_eq!(old.body["content"], format!("{}\n", b64("# config\n")));
    api.get("/repos/acme/config/contents/nope.md").expect(404);
    api.get("/repos/acme/config/contents/README.md?ref=nope").expect(404);
}

#[test]
fn put_creates_then_updates_with_the_blob_sha_and_refuses_a_stale_one() {
    let (gh, api, base) = setup();
    let created = api
        .put(
            "/repos/acme/config/contents/apps/cart/values.yaml",
            json!({"message": "add cart", "content": b64("tag: 1\n")}),
        )
        .expect(201);
    assert_eq!(created.body["content"]["path"], "apps/cart/values.yaml");
    assert_eq!(created.body["commit"]["verification"]["verified"], true);
    assert_eq!(created.body["commit"]["parents"][0]["sha"], base.as_str());
    let sha = created.body["content"]["sha"].as_str().unwrap().to_string();
    let r = api
        .put(
            "/repos/acme/config/contents/apps/cart/values.yaml",
            json!({"message": "m", "content": b64("tag: 2\n")}),
        )
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "sha");
    let updated = api
        .put(
            "/repos/acme/config/contents/apps/cart/values.yaml",
            json!({"message": "bump cart", "content": b64("tag: 2\n"), "sha": sha}),
        )
        .expect(200);
    assert_ne!(updated.body["content"]["sha"], sha.as_str());
    let stale = api
        .put(
            "/repos/acme/config/contents/apps/cart/values.yaml",
            json!({"message": "m", "content": b64("tag: 3\n"), "sha": sha}),
        )
        .expect(409);
    assert!(stale.body["message"].as_str().unwrap().contains("does not match"));
    assert_eq!(
        gh.file("acme", "config", "main", "apps/cart/values.yaml").unwrap(),
        b"tag: 2\n"
    );
    api.put(
        "/repos/acme/config/contents/x",
        json!({"message": "m", "content": b64("x"), "branch": "nope"}),
    )
    .expect(404);
}
