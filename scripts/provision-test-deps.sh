#!/usr/bin/env bash
# Makes sure the OS programs the test suite needs are installed: OpenSSH's sshd (the remote-ssh tests run a
# real sshd on loopback) and ssh-keygen/scp. Used by `npm test` and by .ci/run, so a fresh machine either
# gets them (root with apt-get, or passwordless sudo) or is told the exact command in ONE line and the test
# command fails — the suite never runs with those tests silently broken.
#
# IMGATE_PROVISION_NO_INSTALL=1 only checks (never installs). IMGATE_SSHD overrides the sshd path
# (default /usr/sbin/sshd, the path the sshd test harness uses).
set -euo pipefail

sshd="${IMGATE_SSHD:-/usr/sbin/sshd}"
missing=()
[ -x "$sshd" ] || missing+=(openssh-server)
{ command -v ssh-keygen >/dev/null 2>&1 && command -v scp >/dev/null 2>&1; } || missing+=(openssh-client)
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
  how="sudo dnf install -y ${missing[*]/openssh-client/openssh-clients}"
elif command -v brew >/dev/null 2>&1; then
  how="brew install openssh"
else
  how="install OpenSSH (${missing[*]}) with your package manager"
fi
echo "imgate: the tests need ${missing[*]} (sshd at $sshd, ssh-keygen, scp); run: $how — then npm test again." >&2
exit 1
