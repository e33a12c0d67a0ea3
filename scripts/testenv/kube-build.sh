#!/usr/bin/env bash
# Build kube-apiserver and kube-controller-manager v1.20.2 for the agent's tests, once per
# machine, from Debian bookworm's `kubernetes` source package (it holds the full upstream
# tree with vendor/, though Debian packages only kubectl from it), with Debian's Go 1.19.
# Also installs etcd-server (etcd 3.4), which scripts/testenv/kube.py runs with them.
#
# usage: scripts/testenv/kube-build.sh [DIR]
#   DIR  the cache; default $TAGBUMP_TESTENV/kube, else /tmp/tagbump-testenv/kube.
#        The binaries go to DIR/bin; the build log to DIR/build.log.
#
# Idempotent: when DIR/bin holds both binaries it prints their version and exits (~0.1 s).
# Otherwise it installs the build dependencies from apt (as root, or with sudo), downloads
# the source package through a private deb-src list (the system's apt configuration stays
# untouched), and builds: ~8 min on 2 cores, ~2.5 GB of disk while building (removed after,
# leaving ~200 MB of binaries). Prints ONE line on stdout: the versions and DIR/bin.
#
# Facts behind the recipe (verified by hand, see the agent issue):
# - 1.20 builds in GOPATH mode through `make WHAT=...`, which first generates the OpenAPI
#   code (needs rsync and make).
# - Built with Go >= 1.18 the vendored modern-go/reflect2 v1.0.1 crashes the apiserver on
#   the first GET of a labelled object; Debian's reflect2 1.0.2 replaces it.
# - Without kube-controller-manager, deleted namespaces stay Terminating and Deployments get
#   no ReplicaSets; there is no scheduler or kubelet, so Pods stay Pending.
set -euo pipefail

case ${1:-} in
  -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  -*) echo "kube-build.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac
cache=${1:-${TAGBUMP_TESTENV:-/tmp/tagbump-testenv}/kube}
bin=$cache/bin
want=v1.20.2
go_bin=/usr/lib/go-1.19/bin

# present: both binaries there and of the wanted version.
present() {
  [ -x "$bin/kube-apiserver" ] && [ -x "$bin/kube-controller-manager" ] &&
    [ "$("$bin/kube-apiserver" --version 2>/dev/null)" = "Kubernetes $want" ] &&
    [ "$("$bin/kube-controller-manager" --version 2>/dev/null)" = "Kubernetes $want" ]
}

report() {
  echo "kube-apiserver $want, kube-controller-manager $want in $bin"
}

if present; then report; exit 0; fi

mkdir -p "$cache"
# One build at a time (two would share DIR/build); the second waits, then finds them present.
exec 9>"$cache/.build.lock"
if command -v flock >/dev/null; then flock 9; fi
if present; then report; exit 0; fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "kube-build.sh: need root or sudo to install the build dependencies" >&2
    exit 1
  fi
  sudo_cmd=(sudo -n)
fi

avail_kb=$(df -Pk "$cache" | awk 'NR == 2 { print $4 }')
if [ "$avail_kb" -lt 3000000 ]; then
  echo "kube-build.sh: the build needs ~2.5 GB in $cache; $((avail_kb / 1024)) MB free" >&2
  exit 1
fi

log=$cache/build.log
work=$cache/build
apt_dir=$work/apt
# From here on everything goes to the log; fd 3 and 4 are the caller's stdout and stderr.
exec 3>&1 4>&2 >"$log" 2>&1
trap 'echo "kube-build.sh: failed (exit $?); last lines of $log:" >&4; tail -n 30 "$log" | sed "s/^/  | /" >&4' ERR

echo "kube-build.sh: installing the build dependencies"
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  golang-1.19-go golang-github-modern-go-reflect2-dev etcd-server rsync make openssl

echo "kube-build.sh: downloading the kubernetes source package"
rm -rf "$work"
mkdir -p "$apt_dir/lists/partial" "$work/src" "$bin"
# A private deb-src list: the system's apt configuration stays untouched.
printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main\n' \
  >"$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists")
apt-get "${apt_opts[@]}" update -q
(cd "$work" && apt-get "${apt_opts[@]}" source --download-only kubernetes)
tar xzf "$work"/kubernetes_*.orig.tar.gz -C "$work/src"
tree=$(echo "$work"/src/kubernetes-*)

# Debian's reflect2 1.0.2 instead of the vendored 1.0.1 (see above).
reflect2=/usr/share/gocode/src/github.com/modern-go/reflect2
rm -f "$tree"/vendor/github.com/modern-go/reflect2/*.go "$tree"/vendor/github.com/modern-go/reflect2/*.s
cp "$reflect2"/*.go "$reflect2"/*.s "$tree/vendor/github.com/modern-go/reflect2/"

echo "kube-build.sh: building (~8 min on 2 cores)"
(cd "$tree" && env -u GOFLAGS -u GOPATH -u GO111MODULE PATH="$go_bin:$PATH" GOPROXY=off \
  GOCACHE="$cache/gocache" make WHAT="cmd/kube-apiserver cmd/kube-controller-manager")

# Into place under temporary names first: an interrupted copy never looks present.
for b in kube-apiserver kube-controller-manager; do
  cp "$tree/_output/bin/$b" "$bin/.$b.tmp"
  mv "$bin/.$b.tmp" "$bin/$b"
done
rm -rf "$work" "$cache/gocache"
if ! present; then
  echo "kube-build.sh: the built binaries do not report Kubernetes $want: $("$bin/kube-apiserver" --version)" >&4
  exit 1
fi
echo "kube-build.sh: done"
report >&3
