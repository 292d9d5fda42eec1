#!/usr/bin/env bash
# Stops the test-only services scripts/setup-test-env.sh started (the Slurm
# test cluster and the sshd on 127.0.0.1), so a test run leaves nothing running.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -x scripts/slurm/cluster-down.sh ] && bash scripts/slurm/cluster-down.sh || true
bash scripts/setup-sshd.sh down || true
