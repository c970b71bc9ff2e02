#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter, or explains what to install.
# Rasa 3.6 runs only on Python 3.10, and our action server uses rasa-sdk 3.6 from the same line.
set -u

works() { [ -n "$1" ] && "$1" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; }

candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for d in $(ls -d "$root"/versions/3.10* 2>/dev/null | sort -Vr); do candidates+=("$d/bin/python3.10"); done
fi
for d in "$HOME"/.pyenv/versions/3.10* /usr/local/bin /usr/bin /opt/homebrew/bin /opt/python/3.10*/bin; do
  [ -x "$d/python3.10" ] && candidates+=("$d/python3.10")
  [ -x "$d/bin/python3.10" ] && candidates+=("$d/bin/python3.10")
done

for c in "${candidates[@]}"; do
  if works "$c"; then echo "$c"; exit 0; fi
done

if [ -n "${PYTHON310:-}" ]; then
  echo "PYTHON310=$PYTHON310 is not a working Python 3.10 with the venv module." >&2
fi
cat >&2 <<'MSG'
Python 3.10 was not found. Rasa 3.6 (the dialogue engine) runs only on Python 3.10.
Install it, then run the command again:
  - with pyenv:          pyenv install 3.10
  - on Debian/Ubuntu:    sudo apt-get install python3.10 python3.10-venv
  - on macOS (Homebrew): brew install python@3.10
Or point to one you have:  PYTHON310=/path/to/python3.10 make run
MSG
exit 1
