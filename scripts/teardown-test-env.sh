#!/usr/bin/env bash
# Stops the test-only services scripts/setup-test-env.sh started (the Slurm
# test cluster and the sshd on 127.0.0.1), so a test run leaves nothing running.
# Best effort: one service failing to stop does not keep the other running.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
bash scripts/slurm/cluster-down.sh || echo "[teardown-test-env] the Slurm test cluster did not stop cleanly" >&2
bash scripts/setup-sshd.sh down || echo "[teardown-test-env] the test sshd did not stop cleanly" >&2
bash scripts/k8s/cluster-down.sh || echo "[teardown-test-env] the Kubernetes test cluster did not stop cleanly" >&2
