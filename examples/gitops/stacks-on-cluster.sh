#!/usr/bin/env bash
# Prints, one per line, the stacks whose file in stacks/ names the cluster file
# clusters/<cluster>.yaml (`dynamo-bench:cluster: clusters/<cluster>.yaml`).
# The example CI pipelines run these one after another on that cluster's
# runner, so two benchmarks never share its GPUs.
#
# Usage: bash examples/gitops/stacks-on-cluster.sh <cluster> [stacks-dir]
set -euo pipefail
cluster=${1:?usage: stacks-on-cluster.sh <cluster> [stacks-dir]}
dir=${2:-stacks}
[[ "$cluster" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "stacks-on-cluster: not a cluster name: $cluster" >&2; exit 2; }
[[ -d "$dir" ]] || { echo "stacks-on-cluster: no folder $dir (run from the project folder)" >&2; exit 2; }
# The key as `pulumi config set cluster ...` or a hand edit writes it: optional quotes, optional comment.
pattern="^[[:space:]]*dynamo-bench:cluster:[[:space:]]*[\"']?clusters/${cluster//./\\.}\\.yaml[\"']?[[:space:]]*(#.*)?$"
shopt -s nullglob
for file in "$dir"/Pulumi.*.yaml; do
  if grep -Eq "$pattern" "$file"; then
    name=${file##*/Pulumi.}
    echo "${name%.yaml}"
  fi
done
