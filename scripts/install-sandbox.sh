#!/usr/bin/env bash
# Installs bubblewrap (`bwrap`), which confines every command longhaul runs on a checkout. Linux only:
# elsewhere there is no sandbox backend yet, and workers refuse to run commands unless the sandbox is
# turned off explicitly (LONGHAUL_SANDBOX=off).
set -euo pipefail
if [ "$(uname -s)" != "Linux" ]; then
  echo "install-sandbox: bubblewrap needs Linux; on $(uname -s) set LONGHAUL_SANDBOX=off to run commands unconfined" >&2
  exit 0
fi
if ! command -v bwrap >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq bubblewrap >/dev/null
fi
