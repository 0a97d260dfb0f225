#!/usr/bin/env bash
# Makes sure the OS programs the test suite needs are installed: OpenSSH's sshd (the remote-ssh tests run a
# real sshd on loopback), ssh-keygen/scp, and PostgreSQL's server (the state-postgres tests run a throwaway
# server on a private socket; as root it runs as the `postgres` user the package creates). Used by `npm test` and by .ci/run, so a fresh machine either
# gets them (root with apt-get, or passwordless sudo) or is told the exact command in ONE line and the test
# command fails — the suite never runs with those tests silently broken.
#
# IMGATE_PROVISION_NO_INSTALL=1 only checks (never installs). IMGATE_SSHD overrides the sshd path
# (default /usr/sbin/sshd, the path the sshd test harness uses). IMGATE_PG_BIN names the directory of
# initdb and postgres (default: the newest /usr/lib/postgresql/N/bin, else PATH — the harness's order).
set -euo pipefail

sshd="${IMGATE_SSHD:-/usr/sbin/sshd}"

# PostgreSQL's server programs: Debian keeps them off PATH, in /usr/lib/postgresql/N/bin.
postgres_found() {
  if [ -n "${IMGATE_PG_BIN:-}" ]; then
    [ -x "$IMGATE_PG_BIN/initdb" ] && [ -x "$IMGATE_PG_BIN/postgres" ]
    return
  fi
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ] && return 0
  done
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1
}

missing=()
[ -x "$sshd" ] || missing+=(openssh-server)
{ command -v ssh-keygen >/dev/null 2>&1 && command -v scp >/dev/null 2>&1; } || missing+=(openssh-client)
postgres_found || missing+=(postgresql)
[ "${#missing[@]}" -eq 0 ] && exit 0

install=(apt-get install -y -qq --no-install-recommends "${missing[@]}")
if [ "${IMGATE_PROVISION_NO_INSTALL:-}" != 1 ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "imgate: installing ${missing[*]} for the tests" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${install[@]}" >&2
    exit 0
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "imgate: installing ${missing[*]} for the tests (sudo)" >&2
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive "${install[@]}" >&2
    exit 0
  fi
fi

if command -v apt-get >/dev/null 2>&1; then
  how="sudo apt-get install -y ${missing[*]}"
elif command -v dnf >/dev/null 2>&1; then
  dnf_names=("${missing[@]/openssh-client/openssh-clients}")
  how="sudo dnf install -y ${dnf_names[*]/postgresql/postgresql-server}"
elif command -v brew >/dev/null 2>&1; then
  brew_names=("${missing[@]/openssh-*/openssh}")
  how="brew install $(printf '%s\n' "${brew_names[@]}" | sort -u | paste -sd' ' -)"
else
  how="install ${missing[*]} with your package manager"
fi
echo "imgate: the tests need ${missing[*]} (sshd at $sshd, ssh-keygen, scp, PostgreSQL's initdb and postgres); run: $how — then npm test again." >&2
exit 1
