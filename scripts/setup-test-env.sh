#!/usr/bin/env bash
# Sets up everything the integration and end-to-end tests run against:
# the Python venv with Dynamo and AIPerf (plus the tiny offline model), the
# engine-judge venvs, the Pulumi engine, a one-machine Kubernetes control
# plane with kwok GPU nodes, a one-machine Slurm cluster, an sshd on
# 127.0.0.1, and Debian's chromium for the report HTML test. Idempotent: what
# is already there is kept. The Slurm cluster, sshd and chromium need root
# (they install Debian packages); without it they are skipped with the reason,
# and the tests that need them say so when they skip.
#
# On a fresh machine the Go builds (Pulumi, Kubernetes) take most of the time
# and are CPU-bound, while the engine-judge venvs are mostly downloads and
# unpacking: the venvs are made in the background meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '[setup-test-env] %s\n' "$*"; }

step "Python venv (ai-dynamo, aiperf) and the tiny offline model"
bash scripts/setup-python.sh

ENGINES_LOG=$(mktemp "${TMPDIR:-/tmp}/dynamo-bench-setup-engines.XXXXXX")
step "engine judge venvs (vLLM, SGLang, genai-perf argument parsers of the pinned release), in the background: $ENGINES_LOG"
bash scripts/setup-engines.sh >"$ENGINES_LOG" 2>&1 &
ENGINES_PID=$!
# Never leave the background set-up running when this script fails.
trap 'kill "$ENGINES_PID" 2>/dev/null || true' EXIT

step "Pulumi engine (CLI, Node.js language host, command and kubernetes providers)"
bash scripts/setup-pulumi.sh

step "actionlint for the example GitHub Actions workflow (built from the Go module proxy; about 30 s cold)"
# Not fatal: test/unit/gitops-examples.test.ts checks the workflow's structure either way.
bash scripts/setup-actionlint.sh || step "actionlint could not be built (reason above); test/integration/gitops-actionlint.test.ts skips and says so"

step "Kubernetes test cluster (API server, controller manager, scheduler 1.34 built from Go modules; kwok GPU nodes)"
bash scripts/k8s/setup-control-plane.sh
bash scripts/k8s/cluster-up.sh

if [ "$(id -u)" = 0 ]; then
    step "Slurm test cluster (three emulated nodes with fake GPUs)"
    bash scripts/slurm/cluster-up.sh
    step "sshd on 127.0.0.1 for the SSH path"
    bash scripts/setup-sshd.sh up
else
    step "skipping the Slurm test cluster and sshd: they need root to install slurm-wlm, munge and openssh-server (run this script as root)"
fi

bash scripts/setup-chromium.sh # headless Chromium for test/integration/report-html.test.ts; says why when it cannot install

step "waiting for the engine judge venvs"
if ! wait "$ENGINES_PID"; then
    step "scripts/setup-engines.sh failed; its output:"
    cat "$ENGINES_LOG"
    exit 1
fi
trap - EXIT
sed 's/^/  /' "$ENGINES_LOG"
rm -f "$ENGINES_LOG"
