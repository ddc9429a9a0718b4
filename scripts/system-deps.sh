#!/usr/bin/env bash
# Install the system packages Seva's tests and demo need, if they are missing:
# redis-server (every integration test, the demo), chromium (the web desk's browser
# tests drive Debian's Chromium through Playwright; `playwright install` is not used) and a
# Devanagari font for it.
# Runs unattended (CI=true, no stdin). Needs root for apt-get; otherwise it explains.
# SEVA_SKIP_CHROMIUM=1 leaves chromium out (the browser tests then skip, except under CI).
set -euo pipefail

need=()
command -v redis-server >/dev/null || need+=(redis-server)
if [[ -z "${SEVA_SKIP_CHROMIUM:-}" ]] && ! [[ -x /usr/bin/chromium ]]; then
  need+=(chromium)
fi
# A Devanagari font, so the desk's pages (and the README's screenshots) show Hindi posts
# as text rather than empty boxes.
if [[ -z "${SEVA_SKIP_CHROMIUM:-}" ]] && ! fc-list :lang=hi 2>/dev/null | grep -q .; then
  need+=(fonts-lohit-deva)
fi

if ((${#need[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "missing system packages: ${need[*]}; install them (e.g. sudo apt-get install ${need[*]})" >&2
  # Without redis-server nothing runs; without chromium only the browser tests skip
  # (and fail under CI=true, where they must run).
  if [[ " ${need[*]} " == *" redis-server "* || "${CI:-}" == "true" ]]; then
    exit 1
  fi
  exit 0
fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
