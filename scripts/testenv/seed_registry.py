#!/usr/bin/env python3
"""Seed an OCI registry with tiny images whose tags and `created` times the caller chooses.

Each tag gets its own config blob (the `created` given, os/architecture/variant, a label
with the tag) and its own tiny gzip layer, so every tag has a distinct digest; an alias is
the same manifest put under a second tag, so it has its target's digest. With platforms,
each tag is an index (OCI image index, or Docker manifest list with --media docker) of one
image per platform. Speaks plain HTTP or HTTPS (--ca), with no auth, Basic auth or Bearer
tokens (it follows the WWW-Authenticate challenge). Stdlib only.

usage:
  seed_registry.py --registry 127.0.0.1:5000 --spec spec.json      (or --spec - for stdin)
  seed_registry.py --registry 127.0.0.1:5000 --repo team/app --count 20
      [--tag-format '1.0.{i}'] [--start 2024-01-01T00:00:00Z] [--step 3600]
      [--tags a,b] [--aliases latest=1.0.20,stable=1.0.19] [--media oci|docker]
      [--platforms linux/amd64,linux/arm64/v8 | --multiarch] [--user U --password P]
      [--ca ca.pem] [-j 4]

The spec (options on the command line fill in what it leaves out):
  {"repo": "team/app", "media": "oci",
   "platforms": ["linux/amd64", "linux/arm64/v8"],      # [] or absent: one linux/amd64 image
   "tags": [{"tag": "1.0.0", "created": "2024-01-01T00:00:00Z"},
            ["1.0.1", "2024-02-01T00:00:00Z"],          # a [tag, created] pair works too
            {"tag": "nodate", "created": null}],         # no `created` in the config
   "aliases": [{"alias": "latest", "target": "1.0.1"}]}

Prints one JSON document on stdout:
  {"registry": .., "repo": .., "media": "oci", "seconds": 0.05,
   "tags": {"1.0.0": {"digest": "sha256:..", "media_type": "..", "created": "..",
                      "platforms": {"linux/amd64": "sha256:..", ..}}},   # {} when single-arch
   "aliases": {"latest": {"target": "1.0.1", "digest": "sha256:.."}}}
"""

import argparse
import base64
import datetime as dt
import gzip
import hashlib
import http.client
import io
import json
import re
import socket
import sys
import tarfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlparse

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
D_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
D_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
D_CONFIG = "application/vnd.docker.container.image.v1+json"
D_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

# The token server logs the user agent; the test harness leaves the seeder's requests out
# of the counts it reports.
USER_AGENT = "tagbump-testenv-seed/1"


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


class Client:
    """One keep-alive connection to the registry, with its credentials."""

    def __init__(self, host, user=None, password=None, ctx=None):
        self.host, self.user, self.password, self.ctx = host, user, password, ctx
        self.conn = self._connect(host)
        self.auth = None  # the Authorization header value in use

    def _connect(self, host, https=None):
        """A connection to the registry (or, with `https` given, to the token server)."""
        https = self.ctx is not None if https is None else https
        if https:
            import ssl

            ctx = self.ctx or ssl.create_default_context()
            c = http.client.HTTPSConnection(host, timeout=30, context=ctx)
        else:
            c = http.client.HTTPConnection(host, timeout=30)
        c.connect()
        # http.client sends headers and body in two writes: without TCP_NODELAY, Nagle and
        # delayed ACK add ~40 ms to every request with a body.
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return c

    def _raw(self, method, path, body, headers):
        h = {"User-Agent": USER_AGENT, **(headers or {})}
        if self.auth:
            h["Authorization"] = self.auth
        for _attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                return r, r.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = self._connect(self.host)
        raise RuntimeError(f"{method} {path}: connection failed twice")

    def req(self, method, path, body=None, headers=None):
        r, data = self._raw(method, path, body, headers)
        if r.status == 401:
            self._authenticate(r.getheader("WWW-Authenticate", ""))
            r, data = self._raw(method, path, body, headers)
        return r, data

    def _basic(self):
        return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()

    def _authenticate(self, challenge):
        if challenge.startswith("Basic"):
            if not self.user:
                sys.exit("seed_registry.py: the registry wants Basic auth: pass --user/--password")
            self.auth = self._basic()
            return
        if not challenge.startswith("Bearer"):
            sys.exit(f"seed_registry.py: unsupported challenge {challenge!r}")
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        q = {"service": params.get("service", "")}
        if "scope" in params:
            # Ask for push too: the challenge of a pull names only pull.
            q["scope"] = re.sub(r":pull$", ":pull,push", params["scope"])
        u = urlparse(params["realm"])
        c = self._connect(u.netloc, https=u.scheme == "https")
        h = {"User-Agent": USER_AGENT}
        if self.user:
            h["Authorization"] = self._basic()
        c.request("GET", u.path + "?" + urlencode(q), headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        if r.status != 200:
            sys.exit(f"seed_registry.py: token server said {r.status}: {data[:200]!r}")
        j = json.loads(data)
        self.auth = "Bearer " + (j.get("token") or j.get("access_token"))

    def push_blob(self, repo, data):
        """Monolithic upload: POST then PUT (Distribution 2.8 has no single-request upload)."""
        d = sha(data)
        r, body = self.req("POST", f"/v2/{repo}/blobs/uploads/", body=b"", headers={"Content-Length": "0"})
        if r.status != 202:
            sys.exit(f"seed_registry.py: upload start failed {r.status}: {body[:300]!r}")
        u = urlparse(r.getheader("Location"))
        path = u.path + ("?" + u.query + "&" if u.query else "?") + urlencode({"digest": d})
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(len(data))}
        r, body = self.req("PUT", path, body=data, headers=headers)
        if r.status != 201:
            sys.exit(f"seed_registry.py: blob PUT failed {r.status}: {body[:300]!r}")
        return d

    def put_manifest(self, repo, ref, data, media):
        headers = {"Content-Type": media, "Content-Length": str(len(data))}
        r, body = self.req("PUT", f"/v2/{repo}/manifests/{ref}", body=data, headers=headers)
        if r.status != 201:
            sys.exit(f"seed_registry.py: manifest PUT {ref} failed {r.status}: {body[:300]!r}")
        got = r.getheader("Docker-Content-Digest")
        if got and got != sha(data):
            sys.exit(f"seed_registry.py: registry says {ref} is {got}, we computed {sha(data)}")
        return sha(data)


def parse_platform(p):
    parts = p.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        sys.exit(f"seed_registry.py: bad platform {p!r} (want os/arch or os/arch/variant)")
    plat = {"architecture": parts[1], "os": parts[0]}
    if len(parts) == 3:
        plat["variant"] = parts[2]
    return plat


def make_layer(text):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as t:
        b = text.encode()
        ti = tarfile.TarInfo("hello.txt")
        ti.size = len(b)
        ti.mtime = 1577836800
        t.addfile(ti, io.BytesIO(b))
    tar = raw.getvalue()
    return tar, gzip.compress(tar, mtime=0)


def push_image(cli, repo, tag, created, plat, docker):
    """Push one image's blobs; return its manifest (bytes) and media type (not yet put)."""
    tar, gz = make_layer(f"tag={tag} platform={plat} created={created}\n")
    layer = cli.push_blob(repo, gz)
    cfg = {**plat, "config": {"Env": ["PATH=/usr/bin"], "Labels": {"test.tag": tag}}}
    cfg["rootfs"] = {"type": "layers", "diff_ids": [sha(tar)]}
    cfg["history"] = [{"created_by": "seed_registry.py"}]
    if created is not None:
        cfg["created"] = created
        cfg["history"][0]["created"] = created
    cb = compact(cfg)
    config = cli.push_blob(repo, cb)
    m = {
        "schemaVersion": 2,
        "mediaType": D_MANIFEST if docker else OCI_MANIFEST,
        "config": {"mediaType": D_CONFIG if docker else OCI_CONFIG, "digest": config, "size": len(cb)},
        "layers": [{"mediaType": D_LAYER if docker else OCI_LAYER, "digest": layer, "size": len(gz)}],
    }
    return compact(m), m["mediaType"]


def seed(a, spec):
    repo = spec["repo"]
    docker = spec.get("media", "oci") == "docker"
    platforms = spec.get("platforms") or []
    tags = []
    for t in spec.get("tags", []):
        tag, created = (t["tag"], t.get("created")) if isinstance(t, dict) else (t[0], t[1])
        tags.append((tag, created))
    aliases = []
    for al in spec.get("aliases", []):
        aliases.append((al["alias"], al["target"]) if isinstance(al, dict) else (al[0], al[1]))

    local = threading.local()

    def client():
        if not hasattr(local, "c"):
            local.c = Client(a.registry, a.user, a.password, a.ctx)
        return local.c

    def push_tag(tag_created):
        tag, created = tag_created
        cli = client()
        per_platform = {}
        if platforms:
            entries = []
            for p in platforms:
                plat = parse_platform(p)
                body, media = push_image(cli, repo, tag, created, plat, docker)
                digest = cli.put_manifest(repo, sha(body), body, media)
                per_platform[p] = digest
                entries.append({"mediaType": media, "digest": digest, "size": len(body), "platform": plat})
            index = {"schemaVersion": 2, "mediaType": D_LIST if docker else OCI_INDEX, "manifests": entries}
            body, media = compact(index), index["mediaType"]
        else:
            body, media = push_image(cli, repo, tag, created, parse_platform("linux/amd64"), docker)
        digest = cli.put_manifest(repo, tag, body, media)
        info = {"digest": digest, "media_type": media, "created": created, "platforms": per_platform}
        return tag, info, body

    start = time.monotonic()
    jobs = max(1, min(a.jobs, len(tags)))
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        results = list(ex.map(push_tag, tags))
    out_tags = {tag: info for tag, info, _ in results}
    bodies = {tag: body for tag, _, body in results}
    out_aliases = {}
    for alias, target in aliases:
        if target not in bodies:
            sys.exit(f"seed_registry.py: alias {alias!r} targets {target!r}, which this run did not seed")
        info = out_tags[target]
        digest = client().put_manifest(repo, alias, bodies[target], info["media_type"])
        out_aliases[alias] = {"target": target, "digest": digest}
    return {
        "registry": a.registry,
        "repo": repo,
        "media": "docker" if docker else "oci",
        "seconds": round(time.monotonic() - start, 3),
        "tags": out_tags,
        "aliases": out_aliases,
    }


def spec_from_args(a):
    """The spec file (if any), completed by the command-line options."""
    spec = {}
    if a.spec:
        spec = json.load(sys.stdin if a.spec == "-" else open(a.spec))
    if a.repo:
        spec["repo"] = a.repo
    if "repo" not in spec:
        sys.exit("seed_registry.py: no repository (--repo, or \"repo\" in the spec)")
    if a.media:
        spec["media"] = a.media
    if a.platforms:
        spec["platforms"] = [p for p in a.platforms.split(",") if p]
    elif a.multiarch:
        spec["platforms"] = ["linux/amd64", "linux/arm64"]
    names = [a.tag_format.format(i=i) for i in range(1, a.count + 1)] + [t for t in a.tags.split(",") if t]
    t0 = dt.datetime.strptime(a.start, "%Y-%m-%dT%H:%M:%SZ")
    for n, tag in enumerate(names):
        created = (t0 + dt.timedelta(seconds=a.step * n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        spec.setdefault("tags", []).append({"tag": tag, "created": created})
    for pair in [p for p in a.aliases.split(",") if p]:
        alias, _, target = pair.partition("=")
        spec.setdefault("aliases", []).append({"alias": alias, "target": target})
    return spec


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--registry", required=True, help="host:port")
    ap.add_argument("--spec", help="JSON spec file, or - for stdin")
    ap.add_argument("--repo")
    ap.add_argument("--count", type=int, default=0, help="generate COUNT tags from --tag-format")
    ap.add_argument("--tag-format", default="1.0.{i}")
    ap.add_argument("--start", default="2024-01-01T00:00:00Z", help="created of the first generated tag")
    ap.add_argument("--step", type=int, default=3600, help="seconds between generated tags")
    ap.add_argument("--tags", default="", help="more tags, comma-separated (dated after the generated ones)")
    ap.add_argument("--aliases", default="", help="ALIAS=TARGET,... (the same manifest under ALIAS)")
    ap.add_argument("--media", choices=["oci", "docker"])
    ap.add_argument("--platforms", default="", help="os/arch[/variant],...: each tag is an index")
    ap.add_argument("--multiarch", action="store_true", help="= --platforms linux/amd64,linux/arm64")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--ca", help="speak HTTPS, trusting this CA (PEM)")
    ap.add_argument("-j", "--jobs", type=int, default=4, help="tags pushed in parallel")
    a = ap.parse_args()
    a.ctx = None
    if a.ca:
        import ssl

        a.ctx = ssl.create_default_context(cafile=a.ca)
    result = seed(a, spec_from_args(a))
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
