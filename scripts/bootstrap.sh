#!/usr/bin/env bash
# Creates the two Python 3.10 environments from their lock files, only when a lock changed:
#   .venv/rasa  Rasa Open Source alone (its old pins stay fenced in here)
#   .venv/app   the application, action server and tests
set -euo pipefail
cd "$(dirname "$0")/.."

PY=$(bash scripts/find_python310.sh) || exit 1
mkdir -p var/logs

ensure_env() {
  local name=$1 lock=$2 dir=.venv/$1
  local want; want=$(sha256sum "$lock" | cut -c1-64)
  if [ -f "$dir/.lock-sha256" ] && [ "$(cat "$dir/.lock-sha256")" = "$want" ] && [ -x "$dir/bin/python" ]; then
    return 0
  fi
  echo "==> Setting up the $name environment in $dir (first run takes a few minutes)"
  [ -x "$dir/bin/python" ] || "$PY" -m venv "$dir"
  local log=var/logs/pip-$name.log
  if ! { "$dir/bin/python" -m pip install --disable-pip-version-check --upgrade "pip>=24" &&
         "$dir/bin/python" -m pip install --disable-pip-version-check -r "$lock"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "Installing the $name environment failed; the full log is in $log" >&2
    exit 1
  fi
  echo "$want" >"$dir/.lock-sha256"
}

ensure_env rasa requirements/rasa.lock
ensure_env app requirements/app.lock
