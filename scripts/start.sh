#!/usr/bin/env bash
# Starts the whole system on embedded defaults: installs what is missing, builds, and runs
# `octavia-ts up` (its own PostgreSQL and Redis under ./.data unless URLs are given).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare-host.sh
exec node bin/octavia-ts up
