# shellcheck shell=bash
# Environment for running the Pulumi engine installed by scripts/setup-pulumi.sh.
# Source it (do not execute):  source scripts/pulumi-env.sh
#
# Exports:
#   PULUMI_HOME         default ~/.pulumi (CLI in versions/<v>/bin, plugins in plugins/)
#   PATH                with $PULUMI_HOME/versions/<v>/bin in front
#   PULUMI_SKIP_UPDATE_CHECK=true, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
#                       no network calls for updates or missing plugins
#   PULUMI_NODEJS_TRANSPILE_ONLY=true (unless set)
#                       the program is transpiled, not type-checked, at each start
#                       (tsconfig.pulumi.json says why)
#   PULUMI_BACKEND_URL  default file://<repo>/.pulumi-state (local state, git-ignored)
#   DYNAMO_BENCH_COMMAND_RUNNER
#                       "dynamic" when the command provider plugin is not installed
#   PULUMI_CONFIG_PASSPHRASE
#                       only if neither it nor PULUMI_CONFIG_PASSPHRASE_FILE is set:
#                       "dynamo-bench-local-only". This is NOT a secret; it only
#                       unlocks stacks in the local file backend of a developer or CI
#                       machine. Set your own passphrase for any state you keep.

_pulumi_env_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_pulumi_env_cli=$(sed -n 's/^PULUMI_CLI_VERSION=//p' "$_pulumi_env_repo/scripts/versions.env")
_pulumi_env_cmd=$(sed -n 's/^PULUMI_COMMAND_VERSION=//p' "$_pulumi_env_repo/scripts/versions.env")

export PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
_pulumi_env_bin="$PULUMI_HOME/versions/$_pulumi_env_cli/bin"
case ":$PATH:" in
  *":$_pulumi_env_bin:"*) ;;
  *) export PATH="$_pulumi_env_bin:$PATH" ;;
esac
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# Pulumi.yaml asks this through tsconfig.pulumi.json; the language host built by
# setup-pulumi.sh predates that runtime option, so the variable says it too.
export PULUMI_NODEJS_TRANSPILE_ONLY="${PULUMI_NODEJS_TRANSPILE_ONLY:-true}"
if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
  mkdir -p "$_pulumi_env_repo/.pulumi-state"
  export PULUMI_BACKEND_URL="file://$_pulumi_env_repo/.pulumi-state"
fi
if [ -z "${PULUMI_CONFIG_PASSPHRASE+x}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE="dynamo-bench-local-only"
fi
# Without the command provider plugin (it could not be installed here), commands
# run through dynamic-provider resources that need no plugin (components/exec).
if [ -z "${DYNAMO_BENCH_COMMAND_RUNNER:-}" ] && [ ! -x "$PULUMI_HOME/plugins/resource-command-v$_pulumi_env_cmd/pulumi-resource-command" ]; then
  export DYNAMO_BENCH_COMMAND_RUNNER=dynamic
fi
unset _pulumi_env_repo _pulumi_env_cmd _pulumi_env_cli _pulumi_env_bin
