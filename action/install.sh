#!/usr/bin/env bash
# Put the tagbump binary for this Action run in place and print its path as the step output
# `path`. Run by action.yml; needs no compiler, starts in about a second.
#
# Either the binary given as input `tagbump-path` (self-test, self-hosted runners), or the
# release asset for this runner's platform, downloaded from the release named in
# action/version and verified against action/checksums.txt. Both files are committed with
# the action (the release workflow writes them before it moves the major tag), so the
# action's ref pins the exact binary: a changed or replaced release asset fails the check.
# Downloads are cached in the runner's tool cache.
#
# Environment (set by action.yml): TAGBUMP_PATH, ACTION_REPOSITORY (owner/name of the
# action), and the runner's RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE, RUNNER_TEMP,
# GITHUB_SERVER_URL, GITHUB_OUTPUT.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fail() { echo "::error title=tagbump install::$*" >&2; exit 1; }
out=${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: run this as a step of the tagbump action}

if [ -n "${TAGBUMP_PATH:-}" ]; then
  [ -f "$TAGBUMP_PATH" ] && [ -x "$TAGBUMP_PATH" ] || fail "input tagbump-path: '$TAGBUMP_PATH' is not an executable file"
  echo "path=$TAGBUMP_PATH" >>"$out"
  exit 0
fi

[ -f "$here/version" ] && [ -f "$here/checksums.txt" ] ||
  fail "this ref of the action has no release binary (no action/version): use a release tag such as @v1, or give a prebuilt binary in input tagbump-path"
version=$(tr -d '[:space:]' <"$here/version")
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) asset=tagbump-linux-x86_64.tar.gz ;;
  Linux/ARM64) asset=tagbump-linux-aarch64.tar.gz ;;
  macOS/ARM64) asset=tagbump-macos-aarch64.tar.gz ;;
  macOS/X64) asset=tagbump-macos-x86_64.tar.gz ;;
  *) fail "no tagbump binary for runner ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}: supported are Linux and macOS on X64 and ARM64" ;;
esac
want=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$here/checksums.txt")
[ -n "$want" ] || fail "action/checksums.txt has no checksum for $asset"

cache=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/tagbump/$version/${asset%.tar.gz}
if [ ! -x "$cache/tagbump" ]; then
  repo=${ACTION_REPOSITORY:?ACTION_REPOSITORY is not set}
  url=${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download/$version/$asset
  tmp=$(mktemp -d "${RUNNER_TEMP:-/tmp}/tagbump-install.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  curl -fsSL --retry 3 --retry-connrefused -o "$tmp/$asset" "$url" || fail "downloading $url failed"
  if command -v sha256sum >/dev/null; then
    got=$(sha256sum "$tmp/$asset" | cut -d' ' -f1)
  else
    got=$(shasum -a 256 "$tmp/$asset" | cut -d' ' -f1)
  fi
  [ "$got" = "$want" ] || fail "checksum mismatch for $asset from $url: got $got, action/checksums.txt says $want"
  mkdir -p "$tmp/x"
  tar -xzf "$tmp/$asset" -C "$tmp/x"
  [ -f "$tmp/x/tagbump" ] || fail "$asset holds no tagbump binary"
  mkdir -p "$cache"
  mv "$tmp/x/tagbump" "$cache/tagbump"
  chmod +x "$cache/tagbump"
fi
echo "path=$cache/tagbump" >>"$out"
