#!/usr/bin/env bash
# The project's test command (`npm test`): type check, unit tests, then the
# integration and end-to-end tests on the real tools, after making sure those
# tools are set up. Each stage prints its own summary; the first failure stops.
set -euo pipefail
cd "$(dirname "$0")/.."

stage() { printf '\n=== %s ===\n' "$*"; }

stage "type check"
npx tsc --noEmit -p .

stage "lint (eslint) and formatting (prettier)"
npm run --silent lint
npm run --silent format:check

stage "shell scripts (shellcheck)"
bash scripts/lint-shell.sh

stage "unit tests"
npm run --silent test:unit

stage "set-up of the real tools (idempotent)"
# The Slurm cluster and sshd exist for these tests only: stop them at the end
# unless asked to keep them (KEEP_TEST_SERVICES=1) for a faster next run.
if [ "${KEEP_TEST_SERVICES:-0}" != 1 ]; then trap 'bash scripts/teardown-test-env.sh' EXIT; fi
bash scripts/setup-test-env.sh

stage "integration tests (real mocker, AIPerf, engine argument parsers, Kubernetes API server, Slurm, sshd)"
npm run --silent test:integration

stage "end-to-end tests (real Pulumi engine)"
npm run --silent test:e2e
