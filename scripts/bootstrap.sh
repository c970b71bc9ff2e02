#!/usr/bin/env bash
# Creates the two Python 3.10 environments from their lock files, only when a lock changed:
#   .venv/rasa  Rasa Open Source alone (its old pins stay fenced in here)
#   .venv/app   the application, action server and tests
set -euo pipefail
cd "$(dirname "$0")/.."

PY=$(bash scripts/find_python310.sh) || exit 1
mkdir -p var/logs

ensure_env() {
  # $3 (optional): a requirements file installed after the lock without dependencies; its hash
  # is part of the marker, so a change to it reinstalls the environment too.
  local name=$1 lock=$2 extra=${3:-} dir=.venv/$1
  local want; want=$(cat "$lock" ${extra:+"$extra"} | sha256sum | cut -c1-64)
  if [ -f "$dir/.lock-sha256" ] && [ "$(cat "$dir/.lock-sha256")" = "$want" ] && [ -x "$dir/bin/python" ]; then
    return 0
  fi
  echo "==> Setting up the $name environment in $dir (first run takes a few minutes)"
  [ -x "$dir/bin/python" ] || "$PY" -m venv "$dir"
  local log=var/logs/pip-$name.log
  if ! { "$dir/bin/python" -m pip install --disable-pip-version-check --upgrade "pip>=24" &&
         "$dir/bin/python" -m pip install --disable-pip-version-check -r "$lock" &&
         { [ -z "$extra" ] ||
           "$dir/bin/python" -m pip install --disable-pip-version-check --no-deps --ignore-requires-python -r "$extra"; }
       } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "Installing the $name environment failed; the full log is in $log" >&2
    exit 1
  fi
  echo "$want" >"$dir/.lock-sha256"
}

ensure_env rasa requirements/rasa.lock
# The console's NHS.UK Jinja macros (nhsuk-frontend-jinja) declare Python >=3.11 but are only
# template files (an empty __init__.py), so they run on our 3.10; installed without dependencies
# and ignoring that declaration, which pip would otherwise refuse.
ensure_env app requirements/app.lock requirements/app-templates.txt
