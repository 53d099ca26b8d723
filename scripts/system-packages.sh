#!/usr/bin/env bash
# Install the Debian packages the lab needs, if any is missing: nginx, redis-server, and
# python3-venv (for `make`'s virtualenv), plus any program named as an argument (make test
# adds chromium and wrk). Uses sudo when not root. Does nothing when all
# are present, so `make up` and `make test` can call it every time.
set -euo pipefail

missing=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/local/sbin/$1" ]; }
have nginx || missing+=(nginx)
have redis-server || missing+=(redis-server)
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
for extra in "$@"; do
  have "$extra" || missing+=("$extra")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: authlab needs ${missing[*]}; install them with your system's package manager." >&2
  exit 2
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "error: authlab needs ${missing[*]}: run 'apt-get install ${missing[*]}' as root." >&2
    exit 2
  fi
  sudo="sudo"
fi
echo "Installing Debian packages: ${missing[*]}"
# Installing nginx or redis-server must not start their system services on ports of their
# own: the lab starts its own servers, on loopback, and stops them. policy-rc.d is Debian's
# switch for that, and is removed again afterwards.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
