#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages: the pinned Temporal CLI and test server
# (scripts/install-temporal.sh), bubblewrap for the command sandbox (scripts/install-sandbox.sh) and
# docker-compose, which validates docker-compose.temporal.yml without a container engine. Prints the
# folder of the Temporal binaries.
set -euo pipefail
here=$(dirname "$0")
temporal_dir=$(bash "$here/install-temporal.sh")
bash "$here/install-sandbox.sh" >&2
if ! command -v docker-compose >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq docker-compose >/dev/null
fi
echo "$temporal_dir"
