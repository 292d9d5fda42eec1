#!/usr/bin/env bash
# The main job for a new user (`npm run bench`): set up the Python tools and
# the Pulumi engine, then `pulumi up` the default `local` stack (a disaggregated
# GPU-free Dynamo benchmark) and print its metrics. Pass another stack name to
# run that one instead.
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-local}"

bash scripts/setup-python.sh
bash scripts/setup-pulumi.sh
# shellcheck source=scripts/pulumi-env.sh
source scripts/pulumi-env.sh

# stacks/Pulumi.local.yaml carries the encryption salt of the local-only
# passphrase (scripts/pulumi-env.sh), so neither of these rewrites the tracked
# stack file: the clone stays clean.
if ! pulumi stack select --create "$stack" --non-interactive >/dev/null; then
  echo "quickstart: cannot select or create stack $stack; if Pulumi said 'incorrect passphrase', see the encryptionsalt comment in stacks/Pulumi.$stack.yaml" >&2
  exit 1
fi
pulumi up --yes --non-interactive --skip-preview --stack "$stack"
pulumi stack output --json --stack "$stack" >"${TMPDIR:-/tmp}/dynamo-bench-$stack-outputs.json"
node bin/dynamo-bench.js outputs "${TMPDIR:-/tmp}/dynamo-bench-$stack-outputs.json"
