#!/usr/bin/env bash
# The whole flow of `tagbump update` on this machine, nothing from the internet: a real OCI
# registry with the shop's releases, a real git server (smart HTTP, token auth) holding the
# Kustomize config repo of examples/config-kustomize, and tagbump resolving the newest 1.x
# release, writing it into dev/ and pushing one commit.
#
# usage: examples/local-demo.sh            (after scripts/testenv/install.sh)
# env:   TAGBUMP   the binary to run (default: target/debug/tagbump, built when missing)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
die() { echo "local-demo: error: $*" >&2; exit 1; }
for tool in docker-registry git python3; do command -v "$tool" >/dev/null || die "$tool missing: run scripts/testenv/install.sh"; done
command -v lighttpd >/dev/null || [ -x /usr/sbin/lighttpd ] || die "lighttpd missing: run scripts/testenv/install.sh"
bin=${TAGBUMP:-$root/target/debug/tagbump}
if [ ! -x "$bin" ]; then cargo build --quiet --locked; fi

work=$(mktemp -d /tmp/tagbump-demo.XXXXXX)
exec 8<>"$work/.registry-stdin" 9<>"$work/.git-stdin"  # the servers live while these are open
rm -f "$work"/.registry-stdin "$work"/.git-stdin
cleanup() { exec 8>&- 9>&-; sleep 0.2; rm -rf "$work"; }
trap cleanup EXIT
json() { python3 -c 'import json,sys;print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$1" "$2"; }
wait_for() { for _ in $(seq 1 100); do [ -s "$1" ] && return; sleep 0.05; done; die "$2 did not start (see $work)"; }

say "a registry with the shop's releases"
PATH=$PATH:/usr/sbin python3 scripts/testenv/registry.py --workdir "$work/registry" <&8 >"$work/registry.json" 2>"$work/registry.log" &
wait_for "$work/registry.json" registry
reg=$(json "$work/registry.json" addr)
python3 scripts/testenv/seed_registry.py --registry "$reg" --repo acme/shop --tags 1.3.2,1.4.0,1.5.0,1.6.0-rc.1,2.0.0-beta.1 >/dev/null
echo "$reg/acme/shop: 1.3.2 1.4.0 1.5.0 1.6.0-rc.1 2.0.0-beta.1" >&2

say "a git server holding the config repo (examples/config-kustomize)"
PATH=$PATH:/usr/sbin GIT_HTTP_TOKEN=demo-token python3 scripts/testenv/git_http.py --workdir "$work/git" --repo config <&9 >"$work/git.json" 2>"$work/git.log" &
wait_for "$work/git.json" "git server"
url=$(json "$work/git.json" url)/config.git
src=$work/src
cp -r examples/config-kustomize "$src"
# The demo's images come from the local registry, and its config names the local repo.
grep -rl 'ghcr.io/acme/shop' "$src" | xargs sed -i "s#ghcr.io/acme/shop#$reg/acme/shop#g"
sed -i "s#repository: acme/config-kustomize#repository: $url#; /^dispatch:/,\$d" "$src/tagbump.yaml"
git -C "$src" init -q -b main
git -C "$src" add -A
git -C "$src" -c user.name=demo -c user.email=demo@example.com commit -q -m "config repo"
git -C "$src" push -q "$work/git/repos/config.git" main
echo "$url (token via TAGBUMP_GIT_TOKEN, never in a URL)" >&2
export TAGBUMP_GIT_TOKEN=demo-token
cp "$src/tagbump.yaml" "$work/tagbump.yaml"

say "tagbump update --dry-run --explain: why 1.5.0, and the diff"
"$bin" update --config "$work/tagbump.yaml" --dry-run --explain

say "tagbump update: one commit, pushed"
"$bin" update --config "$work/tagbump.yaml"
git -C "$work/git/repos/config.git" log --format='%h %an: %s%n%b' -1 main
git -C "$work/git/repos/config.git" show --format= main -- dev/kustomization.yaml

say "again: nothing to do"
"$bin" update --config "$work/tagbump.yaml"
