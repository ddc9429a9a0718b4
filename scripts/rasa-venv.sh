#!/usr/bin/env bash
# Create the Rasa venv (.venv-rasa, Python 3.10, rasa==3.6.21) if it is missing or stale.
# Rasa 3.6 does not run on Python >= 3.11, so it gets its own interpreter and venv and runs
# as its own server (README, "The NLU (Rasa)"). Without a Python 3.10 we say so: locally the Rasa tests
# then skip with that reason; under CI=true this is an error, because CI must run them.
set -euo pipefail
venv=${1:-.venv-rasa}
reqs=${2:-nlu/requirements.txt}
stamp="$venv/.installed-stamp"

if [[ -f $stamp && $stamp -nt $reqs ]]; then exit 0; fi

is_py310() { [[ -n $1 && -x $1 ]] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }

py=${SEVA_RASA_PYTHON:-}
if ! is_py310 "$py"; then
  # pyenv's python3.10 shim fails unless PYENV_VERSION names an installed 3.10.
  if command -v pyenv >/dev/null; then
    for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' || true); do
      cand=$(PYENV_VERSION=$v pyenv which python3.10 2>/dev/null || true)
      if is_py310 "$cand"; then py=$cand; break; fi
    done
  fi
fi
if ! is_py310 "$py"; then
  for cand in python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
    c=$(command -v "$cand" 2>/dev/null || true)
    if is_py310 "$c"; then py=$c; break; fi
  done
fi
if ! is_py310 "$py"; then
  msg="no Python 3.10 found for the Rasa server (set SEVA_RASA_PYTHON=/path/to/python3.10, or use the Docker route: docker compose up rasa)"
  if [[ ${CI:-} == true ]]; then echo "error: $msg" >&2; exit 1; fi
  echo "warning: $msg; Rasa tests will be skipped" >&2
  exit 0
fi

echo "creating $venv with $py ($("$py" --version)); installing $(grep -v '^#' "$reqs" | xargs) - this takes a few minutes once"
rm -rf "$venv"
"$py" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip 'setuptools<70' wheel
"$venv/bin/pip" install --quiet -r "$reqs"
"$venv/bin/python" -c 'import rasa, sys; print("rasa", rasa.__version__, "on Python", sys.version.split()[0])'
touch "$stamp"
