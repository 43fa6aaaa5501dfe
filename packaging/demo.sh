#!/usr/bin/env bash
# Fresh machine to a running rootless container: installs packages and npm
# dependencies, builds tspod, builds a demo image locally and runs it as a
# non-root user. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/setup/host.sh
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
node_modules/.bin/node --experimental-strip-types --no-warnings packaging/demo.ts
