#!/usr/bin/env bash
# The machine's own servers and browser that the full test run needs, from Debian's packages:
#   PostgreSQL (storage tests and the scaled stack), Redis (Rasa's lock store), Chromium (console
#   browser tests). As root, missing ones are installed; otherwise this stops at once and names the
#   one command to run. `make run` needs none of them (SQLite is the embedded default).
set -euo pipefail

missing=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them with:  sudo sh -c '$cmd'" >&2
  exit 1
fi
echo "==> Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/cc-apt.log 2>&1; then
  tail -n 20 /tmp/cc-apt.log >&2
  echo "Installing ${missing[*]} failed; the full log is in /tmp/cc-apt.log" >&2
  exit 1
fi
