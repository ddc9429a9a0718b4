#!/usr/bin/env bash
# Install the system packages Seva's tests and demo need, if they are missing.
# Runs unattended (CI=true, no stdin). Needs root for apt-get; otherwise it explains.
set -euo pipefail

need=()
command -v redis-server >/dev/null || need+=(redis-server)
[[ -n "${SEVA_NEED_CHROMIUM:-}" ]] && { command -v chromium >/dev/null || need+=(chromium); }

if ((${#need[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "missing system packages: ${need[*]}; install them (e.g. sudo apt-get install ${need[*]})" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
