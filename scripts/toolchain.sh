#!/usr/bin/env bash
# Makes sure the project's toolchain is in place, then runs the given command with it.
#
#   scripts/toolchain.sh <command> [args...]
#
# On a machine whose Node is older than the one in .node-version, Node (an npm registry
# package) and pnpm (the version pinned in package.json "packageManager") are installed
# into .toolchain/ with the machine's own npm. Then workspace dependencies are installed
# and the packages built when their inputs changed. Each step is skipped when its stamp is
# newer than its inputs, so a warm run costs a few milliseconds.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tc="$root/.toolchain"

say() { printf 'imgate: %s\n' "$*" >&2; }
die() { printf 'imgate: %s\n' "$*" >&2; exit 1; }

node_version="$(tr -d '[:space:]' <"$root/.node-version")"
pnpm_version="$(sed -n 's/.*"packageManager": *"pnpm@\([^"+]*\).*/\1/p' "$root/package.json")"
[ -n "$pnpm_version" ] || die "package.json has no \"packageManager\": \"pnpm@…\" entry; restore it from git."
want="node=$node_version pnpm=$pnpm_version"

node_package() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;; Darwin) os=darwin ;;
    *) die "no Node package for $(uname -s); install Node $node_version yourself and rerun." ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;;
    *) die "no Node package for $(uname -m); install Node $node_version yourself and rerun." ;;
  esac
  printf 'node-%s-%s@%s' "$os" "$arch" "$node_version"
}

system_node_is_new_enough() {
  local v
  v="$(node --version 2>/dev/null)" || return 1
  v="${v#v}"
  [ "${v%%.*}" -ge "${node_version%%.*}" ]
}

ensure_tools() {
  if [ -f "$tc/tools.stamp" ] && [ "$(cat "$tc/tools.stamp")" = "$want" ]; then return; fi
  command -v npm >/dev/null || die "npm is not installed; install Node.js (any version ≥ 18) with npm and rerun."
  mkdir -p "$tc"
  printf '{ "private": true }\n' >"$tc/package.json"
  local packages=("pnpm@$pnpm_version")
  if system_node_is_new_enough; then
    rm -f "$tc/node_modules/.bin/node"
  else
    packages+=("$(node_package)")
  fi
  say "installing ${packages[*]} into .toolchain/ (one time, a few seconds)…"
  npm install --prefix "$tc" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "${packages[@]}" >&2 || die "could not install ${packages[*]} from the npm registry; check the network and rerun."
  printf '%s' "$want" >"$tc/tools.stamp"
}

# Prints the first file under the given roots newer than the stamp, if any.
newer_than() {
  local stamp="$1"
  shift
  [ -f "$stamp" ] || { echo "$stamp"; return; }
  find "$@" \( -name node_modules -o -name dist -o -name .turbo \) -prune -o -newer "$stamp" -type f -print -quit 2>/dev/null
}

ensure_dependencies() {
  local changed
  changed="$(newer_than "$tc/install.stamp" "$root/package.json" "$root/pnpm-lock.yaml" "$root/pnpm-workspace.yaml" \
    $(printf '%s ' "$root"/packages/*/package.json "$root"/apps/*/package.json "$root"/tests-e2e/package.json))"
  [ -d "$root/node_modules" ] || changed=yes
  [ -n "$changed" ] || return 0
  say "installing dependencies…"
  (cd "$root" && pnpm install --frozen-lockfile --reporter=append-only >&2) ||
    die "pnpm install failed (see above); fix the cause and rerun."
  touch "$tc/install.stamp"
}

ensure_build() {
  local changed
  changed="$(newer_than "$tc/build.stamp" "$root/packages" "$root/apps" "$root/tsconfig.base.json" "$root/tsconfig.json")"
  [ -n "$changed" ] || return 0
  say "building…"
  (cd "$root" && pnpm run --silent build >&2) || die "the build failed (see above); fix the error and rerun."
  touch "$tc/build.stamp"
}

ensure_tools
export PATH="$tc/node_modules/.bin:$PATH"
IMGATE_NODE="$(command -v node)"
export IMGATE_NODE
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
ensure_dependencies
[ "${IMGATE_SKIP_BUILD:-}" = 1 ] || ensure_build

[ "$#" -gt 0 ] || exit 0
exec "$@"
