#!/usr/bin/env python3
"""Generate a synthetic GitOps config repo for bench/run: deterministic for a given seed.

The repo mixes the formats tagbump edits, written the way people write them (comments,
commented-out images, 2- and 4-space indentation, indented and flush sequences, quoted and
plain scalars):

  apps/<team>/<svc>/base/{kustomization,workloads,service}.yaml   Kustomize base
  apps/<team>/<svc>/overlays/<env>/kustomization.yaml              `images:` entries
  charts/<team>/<svc>/{Chart,values,values-<env>}.yaml             Helm values
  manifests/<team>/<svc>/*.yaml                                     multi-document workloads

Workloads are Deployments, StatefulSets, DaemonSets and CronJobs (1-3 per file, sometimes with
a Service), each with 1-3 containers and sometimes initContainers.

An "image reference" is one place that names an image and a tag: a container `image:`, a
kustomize `images:` entry, a Helm `image:` block (repository+tag or registry+repository+tag)
or a plain `image: repo:tag` value. About a third use the bumped image (--app-image); the
others include look-alikes that must not match (`ghcr.io/acme/app-worker`, `.../app/cli`).
Commented-out references are not counted. Statistics go to stderr and to --stats (JSON).

usage: gen_repo.py --out DIR [--files 10000] [--seed 1] [--app-image ghcr.io/acme/app]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

TEAMS = [
    "payments", "checkout", "catalog", "search", "identity", "billing", "notify", "media",
    "growth", "data", "platform", "risk", "support", "ledger", "shipping", "pricing",
]
NOUNS = [
    "api", "worker", "gateway", "indexer", "scheduler", "web", "sync", "exporter", "relay",
    "ingest", "router", "auth", "cart", "feed", "report", "backfill", "events", "store",
]
ENVS = ["dev", "staging", "prod", "prod-eu", "sandbox"]

# Other images, as people write them: short Docker Hub names, fully qualified names, ports,
# nested paths, and names that share a prefix with the app image (must never match it).
OTHER_IMAGES = [
    ("nginx", ["1.25", "1.25.3", "1.27-alpine", "stable"]),
    ("docker.io/library/redis", ["7.2", "7.2.4-alpine", "6.2"]),
    ("redis", ["7.2", "7.0.15"]),
    ("postgres", ["16.2", "15-alpine"]),
    ("busybox", ["1.36", "1.36.1"]),
    ("alpine", ["3.19", "3.20"]),
    ("bitnami/kubectl", ["1.29", "1.30.2"]),
    ("quay.io/prometheus/node-exporter", ["v1.7.0", "v1.8.1"]),
    ("quay.io/prometheus/statsd-exporter", ["v0.26.0"]),
    ("gcr.io/distroless/static", ["nonroot", "latest"]),
    ("registry.k8s.io/ingress-nginx/controller", ["v1.10.0", "v1.9.6"]),
    ("registry.k8s.io/pause", ["3.9"]),
    ("public.ecr.aws/aws-observability/aws-otel-collector", ["v0.38.1"]),
    ("otel/opentelemetry-collector-contrib", ["0.97.0", "0.98.0"]),
    ("grafana/promtail", ["2.9.4", "3.0.0"]),
    ("ghcr.io/acme/app-worker", ["1.2.3", "1.3.0", "2.0.0-rc.1"]),
    ("ghcr.io/acme/app/cli", ["1.2.3", "1.1.0"]),
    ("ghcr.io/acme/web", ["4.1.0", "4.2.1"]),
    ("ghcr.io/acme/migrations", ["2024.05.01", "2024.06.12"]),
    ("ghcr.io/acme/sidecar-proxy", ["0.9.2", "0.10.0"]),
    ("registry.acme.internal:5000/tools/debug", ["2023-11", "latest"]),
    ("docker.io/envoyproxy/envoy", ["v1.29.2", "v1.30.1"]),
    ("hashicorp/vault", ["1.15.6"]),
    ("mcr.microsoft.com/dotnet/aspnet", ["8.0", "8.0.3-jammy"]),
]

# Share of the app image among container, Helm and plain references. A kustomization names
# the app at most once (in 90% of them), so overall about a third of references are the app.
APP_SHARE = 0.45

HEADER_COMMENTS = [
    "# Managed by GitOps: changes merged to main are deployed within minutes.",
    "# Owner: team {team} (#{team}-oncall)",
    "# DO NOT EDIT image tags by hand; CI bumps them.",
    "# See docs/runbooks/{svc}.md before changing resources.",
    "# yaml-language-server: $schema=https://json.schemastore.org/kustomization.json",
]
ENTRY_COMMENTS = ["pinned until the migration lands", "mirror for air-gapped clusters", "bumped by CI"]
TAG_COMMENTS = [
    "bumped by CI", "pinned: see INC-2231", "keep in sync with the chart", "x-release-please-version",
    "TODO: move to digest", "canary",
]


class Gen:
    def __init__(self, seed: int, app_image: str):
        self.r = random.Random(seed)
        self.app = app_image
        self.refs = Counter()  # kind -> count
        self.app_refs = 0

    # --- small choices ------------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def hexstr(self, n: int) -> str:
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def digest(self) -> str:
        return "sha256:" + self.hexstr(64)

    def app_tag(self) -> str:
        return f"1.{self.r.randint(0, 9)}.{self.r.randint(0, 20)}"

    def image(self, kind: str, avoid: set[str] | None = None, app: bool | None = None) -> tuple[str, str]:
        """One image reference (name, tag), counted under `kind`; never a name in `avoid`.
        `app` forces (True) or forbids (False) the app image; by default it is the app image
        with probability APP_SHARE."""
        avoid = avoid if avoid is not None else set()
        if app is None:
            app = self.app not in avoid and self.chance(APP_SHARE)
        if app:
            name, tag = self.app, self.app_tag()
            self.app_refs += 1
        else:
            name, tags = self.r.choice([i for i in OTHER_IMAGES if i[0] not in avoid])
            tag = self.r.choice(tags)
        self.refs[kind] += 1
        avoid.add(name)
        return name, tag

    def other_image(self) -> str:
        """An image string for a comment (not counted)."""
        name, tags = self.r.choice(OTHER_IMAGES + [(self.app, ["1.0.0", "1.1.9"])])
        return f"{name}:{self.r.choice(tags)}"

    def quote(self, s: str) -> str:
        q = self.r.random()
        if q < 0.2:
            return f'"{s}"'
        if q < 0.3:
            return f"'{s}'"
        return s

    def tag_scalar(self, tag: str) -> str:
        # A tag like 1.25 or 2024.05.01 would be a float/other if unquoted: quote those.
        if tag.count(".") == 1 and tag.replace(".", "").isdigit():
            return self.r.choice(['"%s"', "'%s'"]) % tag
        return self.quote(tag)

    def trailing(self, p: float = 0.15) -> str:
        return f"  # {self.r.choice(TAG_COMMENTS)}" if self.chance(p) else ""

    def header(self, team: str, svc: str) -> list[str]:
        n = self.r.choice([0, 1, 1, 2, 3])
        return [c.format(team=team, svc=svc) for c in self.r.sample(HEADER_COMMENTS, n)]


class Out:
    """Lines of one YAML file in one indentation style."""

    def __init__(self, g: Gen):
        self.g = g
        self.ind = g.r.choice([2, 2, 2, 4])
        self.seq_in = g.chance(0.7)  # `key:\n  - item` rather than `key:\n- item`
        self.lines: list[str] = []

    def put(self, col: int, text: str) -> None:
        self.lines.append(" " * col + text)

    def child(self, col: int) -> int:
        return col + self.ind

    def item(self, col: int) -> int:
        """Column of `- ` for a sequence under a key at `col`."""
        return col + self.ind if self.seq_in else col

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


# --- Kubernetes workloads ---------------------------------------------------------------------


def containers(o: Out, col: int, key: str, n: int, svc: str) -> None:
    g = o.g
    o.put(col, f"{key}:")
    it = o.item(col)
    for i in range(n):
        name, tag = g.image("container")
        if i == 0 and key == "containers":
            cname = svc
        else:
            cname = g.r.choice(["migrate", "sidecar", "proxy", "log", "init"]) + f"-{i}"
        o.put(it, f"- name: {cname}")
        c = it + 2
        o.put(c, f"image: {g.quote(f'{name}:{tag}')}{g.trailing()}")
        if g.chance(0.6):
            o.put(c, f"imagePullPolicy: {g.r.choice(['IfNotPresent', 'Always'])}")
        if key == "initContainers" or g.chance(0.3):
            o.put(c, f'command: ["/bin/{cname}", "--config", "/etc/{svc}/config.yaml"]')
        if key == "containers" and g.chance(0.7):
            o.put(c, "ports:")
            p = o.item(c)
            o.put(p, "- name: http")
            o.put(p + 2, f"containerPort: {g.r.choice([8080, 8443, 9090, 3000])}")
        if g.chance(0.6):
            o.put(c, "env:")
            p = o.item(c)
            for ename, val in [("LOG_LEVEL", g.r.choice(["info", "debug", "warn"])), ("OTEL_SERVICE_NAME", svc)][
                : g.r.randint(1, 2)
            ]:
                o.put(p, f"- name: {ename}")
                o.put(p + 2, f"value: {g.quote(val)}")
        if g.chance(0.5):
            o.put(c, "resources:")
            o.put(o.child(c), f"requests: {{cpu: {g.r.choice(['50m', '100m', '250m'])}, memory: 128Mi}}")
            o.put(o.child(c), "limits:")
            o.put(o.child(o.child(c)), f"memory: {g.r.choice(['256Mi', '512Mi', '1Gi'])}")
    if g.chance(0.1):
        o.put(it, "# - name: debug")
        o.put(it, f"#   image: {g.other_image()}")


def pod_spec(o: Out, col: int, svc: str, kind: str) -> None:
    g = o.g
    o.put(col, f"serviceAccountName: {svc}")
    if g.chance(0.3):
        o.put(col, "securityContext: {runAsNonRoot: true, runAsUser: 10001}")
    if g.chance(0.45):
        containers(o, col, "initContainers", g.r.randint(1, 2), svc)
    containers(o, col, "containers", g.r.choice([1, 2, 2, 3]), svc)
    if kind == "CronJob":
        o.put(col, "restartPolicy: OnFailure")


def labels(o: Out, col: int, team: str, svc: str) -> None:
    o.put(col, "labels:")
    o.put(o.child(col), f"app.kubernetes.io/name: {svc}")
    o.put(o.child(col), f"app.kubernetes.io/part-of: {team}")


def workload(o: Out, team: str, svc: str) -> None:
    g = o.g
    kind = g.r.choice(["Deployment"] * 5 + ["StatefulSet"] * 2 + ["CronJob"] * 2 + ["DaemonSet"])
    api = "batch/v1" if kind == "CronJob" else "apps/v1"
    o.put(0, f"apiVersion: {api}")
    o.put(0, f"kind: {kind}")
    o.put(0, "metadata:")
    m = o.child(0)
    o.put(m, f"name: {svc}" + ("-cron" if kind == "CronJob" else ""))
    o.put(m, f"namespace: {team}")
    labels(o, m, team, svc)
    if g.chance(0.3):
        o.put(m, "annotations:")
        o.put(o.child(m), "# rolled when the config map changes")
        o.put(o.child(m), f"checksum/config: {g.hexstr(16)}")
    o.put(0, "spec:")
    s = o.child(0)
    if kind == "CronJob":
        o.put(s, f'schedule: "{g.r.randint(0, 59)} {g.r.randint(0, 23)} * * *"')
        o.put(s, "concurrencyPolicy: Forbid")
        o.put(s, "jobTemplate:")
        s = o.child(s)
        o.put(s, "spec:")
        s = o.child(s)
        o.put(s, f"backoffLimit: {g.r.randint(0, 3)}")
    else:
        if kind != "DaemonSet":
            o.put(s, f"replicas: {g.r.choice([1, 2, 3, 5])}")
        if kind == "StatefulSet":
            o.put(s, f"serviceName: {svc}")
        o.put(s, "selector:")
        o.put(o.child(s), "matchLabels:")
        o.put(o.child(o.child(s)), f"app.kubernetes.io/name: {svc}")
    o.put(s, "template:")
    t = o.child(s)
    o.put(t, "metadata:")
    labels(o, o.child(t), team, svc)
    o.put(t, "spec:")
    pod_spec(o, o.child(t), svc, kind)
    if kind == "StatefulSet":
        o.put(s, "volumeClaimTemplates:")
        v = o.item(s)
        o.put(v, "- metadata: {name: data}")
        o.put(v + 2, "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Gi}}}")


def service(o: Out, team: str, svc: str) -> None:
    o.put(0, "apiVersion: v1")
    o.put(0, "kind: Service")
    o.put(0, "metadata:")
    o.put(o.child(0), f"name: {svc}")
    o.put(o.child(0), f"namespace: {team}")
    o.put(0, "spec:")
    s = o.child(0)
    o.put(s, "selector:")
    o.put(o.child(s), f"app.kubernetes.io/name: {svc}")
    o.put(s, "ports:")
    o.put(o.item(s), "- name: http")
    o.put(o.item(s) + 2, "port: 80")
    o.put(o.item(s) + 2, "targetPort: http")


def manifest_file(g: Gen, team: str, svc: str, with_service: bool) -> str:
    o = Out(g)
    o.lines += g.header(team, svc)
    docs = g.r.choice([1, 2, 2, 3])
    for d in range(docs):
        if d > 0 or (o.lines and g.chance(0.5)):
            o.put(0, "---")
        workload(o, team, svc if d == 0 else f"{svc}-{d}")
    if with_service:
        o.put(0, "---")
        service(o, team, svc)
    return o.text()


# --- Kustomize ------------------------------------------------------------------------------------


def image_entries(o: Out, n: int) -> None:
    g = o.g
    o.put(0, "images:")
    it = o.item(0)
    seen: set[str] = set()  # kustomize applies the first entry for a name: one entry per name
    app_at = g.r.randrange(n) if g.chance(0.9) else -1  # most overlays pin the app
    for i in range(n):
        name, tag = g.image("kustomize-entry", seen, app=i == app_at)
        form = g.r.random()
        if g.chance(0.1):
            o.put(it, f"# {g.r.choice(ENTRY_COMMENTS)}")
        o.put(it, f"- name: {name}")
        if form < 0.15:
            o.put(it + 2, f"newName: registry.acme.internal/mirror/{name.rsplit('/', 1)[-1]}")
            o.put(it + 2, f"newTag: {g.tag_scalar(tag)}{g.trailing()}")
        elif form < 0.25:
            o.put(it + 2, f"digest: {g.digest()}{g.trailing(0.5)}")
        else:
            o.put(it + 2, f"newTag: {g.tag_scalar(tag)}{g.trailing()}")


def kustomization(g: Gen, team: str, svc: str, resources: list[str], entries: int, env: str | None) -> str:
    o = Out(g)
    o.lines += g.header(team, svc)
    o.put(0, "apiVersion: kustomize.config.k8s.io/v1beta1")
    o.put(0, "kind: Kustomization")
    o.put(0, f"namespace: {team}" if env is None else f"namespace: {team}-{env}")
    o.put(0, "resources:")
    for r in resources:
        o.put(o.item(0), f"- {r}")
    if g.chance(0.2):
        o.put(o.item(0), "# - networkpolicy.yaml")
    if env is not None and g.chance(0.5):
        o.put(0, "labels:")
        o.put(o.item(0), "- pairs:")
        o.put(o.item(0) + 2 + o.ind, f"env: {env}")
    if entries:
        image_entries(o, entries)
    return o.text()


# --- Helm values ----------------------------------------------------------------------------------


def helm_image_block(o: Out, col: int) -> None:
    g = o.g
    name, tag = g.image("helm-block")
    o.put(col, "image:")
    c = o.child(col)
    if g.chance(0.25) and "/" in name and "." in name.split("/", 1)[0]:
        registry, repo = name.split("/", 1)
        o.put(c, f"registry: {registry}")
        o.put(c, f"repository: {repo}")
    else:
        o.put(c, f"repository: {g.quote(name)}")
    o.put(c, f"tag: {g.tag_scalar(tag)}{g.trailing()}")
    if g.chance(0.5):
        o.put(c, f"pullPolicy: {g.r.choice(['IfNotPresent', 'Always'])}")


def values_file(g: Gen, team: str, svc: str, env: str | None) -> str:
    o = Out(g)
    if env is None:
        o.put(0, f"# Default values for {svc}.")
        o.put(0, "# This is a YAML-formatted file.")
        o.put(0, "# Declare variables to be passed into your templates.")
        o.put(0, "")
    else:
        o.put(0, f"# {env} overrides for {svc}")
    o.put(0, f"replicaCount: {g.r.choice([1, 2, 3])}")
    o.put(0, "")
    helm_image_block(o, 0)
    o.put(0, "")
    for comp in g.r.sample(["worker", "scheduler", "migrations", "consumer", "api"], g.r.randint(2, 4)):
        o.put(0, f"{comp}:")
        c = o.child(0)
        o.put(c, f"enabled: {g.r.choice(['true', 'false'])}")
        helm_image_block(o, c)
        if g.chance(0.4):
            o.put(c, "resources: {}")
    o.put(0, "sidecars:")
    for sc in g.r.sample(["metrics", "proxy", "logs", "vault"], g.r.randint(2, 4)):
        name, tag = g.image("helm-plain")
        o.put(o.child(0), f"{sc}:")
        o.put(o.child(o.child(0)), f"image: {g.quote(f'{name}:{tag}')}{g.trailing()}")
    if g.chance(0.3):
        o.put(0, f"# extraImage: {g.other_image()}")
    o.put(0, "")
    o.put(0, "service:")
    o.put(o.child(0), "type: ClusterIP")
    o.put(o.child(0), "port: 80")
    o.put(0, "nodeSelector: {}")
    o.put(0, "tolerations: []")
    return o.text()


def chart_file(team: str, svc: str) -> str:
    return f"apiVersion: v2\nname: {svc}\ndescription: {svc} for team {team}\ntype: application\nversion: 0.1.0\n"


# --- the repo -----------------------------------------------------------------------------------


def units(g: Gen):
    """Yield (relative path, text) for one service after another."""
    n = 0
    while True:
        n += 1
        team = TEAMS[n % len(TEAMS)]
        svc = f"{g.r.choice(NOUNS)}-{n}"
        style = g.r.choices(["kustomize", "helm", "plain"], weights=[4, 3, 3])[0]
        if style == "kustomize":
            base = f"apps/{team}/{svc}/base"
            svc_file = g.chance(0.6)
            res = ["workloads.yaml"] + (["service.yaml"] if svc_file else [])
            yield f"{base}/kustomization.yaml", kustomization(g, team, svc, res, g.r.choice([0, 0, 1, 2]), None)
            yield f"{base}/workloads.yaml", manifest_file(g, team, svc, False)
            if svc_file:
                o = Out(g)
                service(o, team, svc)
                yield f"{base}/service.yaml", o.text()
            for env in g.r.sample(ENVS, g.r.randint(2, 4)):
                yield (
                    f"apps/{team}/{svc}/overlays/{env}/kustomization.yaml",
                    kustomization(g, team, svc, ["../../base"], g.r.randint(3, 10), env),
                )
        elif style == "helm":
            root = f"charts/{team}/{svc}"
            yield f"{root}/Chart.yaml", chart_file(team, svc)
            yield f"{root}/values.yaml", values_file(g, team, svc, None)
            for env in g.r.sample(ENVS, g.r.randint(1, 3)):
                yield f"{root}/values-{env}.yaml", values_file(g, team, svc, env)
        else:
            for part in g.r.sample(["workloads", "jobs", "daemons", "batch"], g.r.randint(1, 3)):
                yield f"manifests/{team}/{svc}/{part}.yaml", manifest_file(g, team, svc, g.chance(0.3))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="directory to create (replaced if it exists)")
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--app-image", default="ghcr.io/acme/app")
    ap.add_argument("--stats", type=Path, help="write statistics as JSON here")
    a = ap.parse_args()

    t0 = time.monotonic()
    g = Gen(a.seed, a.app_image)
    if a.out.exists():
        shutil.rmtree(a.out)
    kinds = Counter()
    size = 0
    gen = units(g)
    for _ in range(a.files):
        rel, text = next(gen)
        p = a.out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        kinds[rel.split("/", 1)[0]] += 1
        size += len(text)
    total = sum(g.refs.values())
    stats = {
        "seed": a.seed,
        "files": a.files,
        "bytes": size,
        "files_by_tree": dict(sorted(kinds.items())),
        "references": total,
        "references_by_kind": dict(sorted(g.refs.items())),
        "app_image": a.app_image,
        "app_references": g.app_refs,
        "seconds": round(time.monotonic() - t0, 2),
    }
    if a.stats:
        a.stats.write_text(json.dumps(stats, indent=2) + "\n")
    print(
        f"gen_repo: {a.files} files ({size / 1e6:.1f} MB: "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        + f"), {total} image references ("
        + ", ".join(f"{k} {v}" for k, v in sorted(g.refs.items()))
        + f"), {g.app_refs} of {a.app_image} ({100 * g.app_refs / max(total, 1):.0f}%), "
        f"seed {a.seed}, {stats['seconds']}s -> {a.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
