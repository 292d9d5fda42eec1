#!/usr/bin/env bash
# Makes the real Pulumi engine usable without internet access:
#   pulumi CLI + pulumi-language-nodejs  -> $PULUMI_HOME/versions/<cli>/bin
#   pulumi-resource-pulumi-nodejs        -> beside the CLI (pulumi.dynamic)
#   resource plugins kubernetes, command -> $PULUMI_HOME/plugins/resource-<name>-v<version>/
#
# Order: an installed CLI of the pinned version is reused; otherwise the official
# release is downloaded if get.pulumi.com answers within seconds; otherwise the
# binaries are built from Go modules into a cache outside the repository
# (${DYNAMO_BENCH_CACHE:-$HOME/.cache/dynamo-bench}/pulumi/<cli>-k8s<kv>-cmd<cv>/bin).
# Versions come from scripts/versions.env. Idempotent: a second run only checks.
#
# Usage: bash scripts/setup-pulumi.sh [--strict]
#   --strict  fail (instead of warning) when a resource plugin cannot be built.
# Then:  source scripts/pulumi-env.sh
#
# Environment knobs: PULUMI_HOME (default ~/.pulumi), DYNAMO_BENCH_CACHE,
# PULUMI_SETUP_NET_TIMEOUT (s, one Go download step, default 1200),
# PULUMI_SETUP_BUILD_TIMEOUT (s, one binary build, default 3600),
# PULUMI_SETUP_SKIP_DOWNLOAD=1 (do not try get.pulumi.com).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

STRICT=0
for arg in "$@"; do
  case "$arg" in
    --strict) STRICT=1 ;;
    -h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "[setup-pulumi] ERROR: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '[setup-pulumi] %s\n' "$*"; }
warn() { printf '[setup-pulumi] WARNING: %s\n' "$*" >&2; }
die() { printf '[setup-pulumi] ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck source=scripts/versions.env
source "$SCRIPT_DIR/versions.env"
for v in PULUMI_GO_MIN_VERSION PULUMI_CLI_VERSION PULUMI_NODEJS_HOST_MODULE \
         PULUMI_NODEJS_HOST_PACKAGE PULUMI_NODEJS_HOST_VERSION PULUMI_KUBERNETES_VERSION \
         PULUMI_KUBERNETES_MODULE_VERSION PULUMI_KUBERNETES_GO_SDK_VERSION \
         PULUMI_COMMAND_VERSION PULUMI_COMMAND_MODULE_VERSION; do
  [[ -n "${!v:-}" ]] || die "$v is not set in scripts/versions.env"
done
CLI_V=$PULUMI_CLI_VERSION
K8S_V=$PULUMI_KUBERNETES_VERSION
CMD_V=$PULUMI_COMMAND_VERSION

NET_TIMEOUT=${PULUMI_SETUP_NET_TIMEOUT:-1200}
BUILD_TIMEOUT=${PULUMI_SETUP_BUILD_TIMEOUT:-3600}

export PULUMI_HOME=${PULUMI_HOME:-$HOME/.pulumi}
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
VBIN=$PULUMI_HOME/versions/$CLI_V/bin
CACHE_ROOT=${DYNAMO_BENCH_CACHE:-$HOME/.cache/dynamo-bench}/pulumi
CACHE_DIR=$CACHE_ROOT/$CLI_V-k8s$K8S_V-cmd$CMD_V
CACHE_BIN=$CACHE_DIR/bin
TIMES_LOG=$CACHE_DIR/build-times.log

T_START=$SECONDS
log "pinned: pulumi CLI $CLI_V, kubernetes provider $K8S_V, command provider $CMD_V (scripts/versions.env)"

# --- 1. the npm packages must ask for exactly the plugin versions we install --
command -v node >/dev/null || die "node is not on PATH; install Node.js >= 20 and run 'npm ci' first"
npm_version() {
  local pj="$REPO_ROOT/node_modules/$1/package.json"
  [[ -f "$pj" ]] || die "$1 is not installed in $REPO_ROOT/node_modules; run 'npm ci' in $REPO_ROOT first"
  node -p "require(process.argv[1]).version" "$pj"
}
NPM_SDK_V=$(npm_version @pulumi/pulumi)
NPM_K8S_V=$(npm_version @pulumi/kubernetes)
NPM_CMD_V=$(npm_version @pulumi/command)
if [[ "$NPM_K8S_V" != "$K8S_V" ]]; then
  die "node_modules has @pulumi/kubernetes $NPM_K8S_V but scripts/versions.env builds the kubernetes plugin $K8S_V; the engine only accepts an exact match. Pin @pulumi/kubernetes to $K8S_V in package.json or change PULUMI_KUBERNETES_* in scripts/versions.env (the Go module proxy must serve that provider commit)."
fi
if [[ "$NPM_CMD_V" != "$CMD_V" ]]; then
  die "node_modules has @pulumi/command $NPM_CMD_V but scripts/versions.env builds the command plugin $CMD_V; pin @pulumi/command to $CMD_V in package.json or change PULUMI_COMMAND_* in scripts/versions.env."
fi
if [[ "$(printf '%s\n%s\n' "$NPM_SDK_V" "$CLI_V" | sort -V | head -n1)" != "$NPM_SDK_V" ]]; then
  warn "@pulumi/pulumi $NPM_SDK_V is newer than the pulumi CLI $CLI_V; pin a CLI >= the SDK in scripts/versions.env"
fi
log "node_modules: @pulumi/pulumi $NPM_SDK_V, @pulumi/kubernetes $NPM_K8S_V, @pulumi/command $NPM_CMD_V"

# --- helpers -------------------------------------------------------------------
cli_version_of() { # prints the version a pulumi binary reports, or nothing
  timeout 30 "$1" version 2>/dev/null | head -n1 | tr -d '[:space:]' || true
}
plugin_installed() { # kind name version
  local dir="$PULUMI_HOME/plugins/$1-$2-v$3"
  [[ -x "$dir/pulumi-$1-$2" && ! -e "$dir.partial" ]]
}
record_time() { # what seconds
  mkdir -p "$CACHE_DIR"
  printf '%s\t%s\t%ss\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" >> "$TIMES_LOG"
  log "$1 took $2 s"
}
plugin_install() { # name version file
  log "installing resource plugin $1 $2 into $PULUMI_HOME/plugins"
  local out
  out=$(timeout 300 "$VBIN/pulumi" plugin install resource "$1" "$2" --file "$3" --non-interactive 2>&1) \
    || die "'pulumi plugin install resource $1 $2 --file $3' failed: $out"
}

# --- 2. CLI + language host ----------------------------------------------------
cli_ok() {
  [[ -x "$VBIN/pulumi" && "$(cli_version_of "$VBIN/pulumi")" == "v$CLI_V" && -x "$VBIN/pulumi-language-nodejs" ]]
}
plugins_ok() {
  plugin_installed resource kubernetes "$K8S_V" && plugin_installed resource command "$CMD_V"
}

if ! cli_ok; then
  # A pulumi of the right version on PATH, with its language host beside it, is reused.
  if onpath=$(command -v pulumi 2>/dev/null) && [[ "$(cli_version_of "$onpath")" == "v$CLI_V" ]]; then
    real=$(readlink -f "$onpath"); host=$(dirname "$real")/pulumi-language-nodejs
    if [[ -x "$host" ]]; then
      log "reusing pulumi v$CLI_V from $real"
      mkdir -p "$VBIN"
      ln -sf "$real" "$VBIN/pulumi"; ln -sf "$host" "$VBIN/pulumi-language-nodejs"
    fi
  fi
fi

install_cli_from_cache() {
  mkdir -p "$VBIN"
  install -m 0755 "$CACHE_BIN/pulumi" "$CACHE_BIN/pulumi-language-nodejs" "$VBIN/"
}
if ! cli_ok && [[ -x "$CACHE_BIN/pulumi" && -x "$CACHE_BIN/pulumi-language-nodejs" ]]; then
  log "installing pulumi $CLI_V from the build cache $CACHE_BIN"
  install_cli_from_cache
fi

OFFICIAL=0
if ! cli_ok && [[ "${PULUMI_SETUP_SKIP_DOWNLOAD:-0}" != 1 ]] && command -v curl >/dev/null; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) plat=linux-x64 ;; Linux-aarch64|Linux-arm64) plat=linux-arm64 ;;
    Darwin-x86_64) plat=darwin-x64 ;; Darwin-arm64) plat=darwin-arm64 ;; *) plat= ;;
  esac
  url="https://get.pulumi.com/releases/sdk/pulumi-v$CLI_V-$plat.tar.gz"
  if [[ -n "$plat" ]] && curl -fsSI --connect-timeout 5 --max-time 10 "$url" >/dev/null 2>&1; then
    log "downloading the official release $url"
    tmp=$(mktemp -d)
    if curl -fsSL --connect-timeout 5 --max-time 600 --speed-limit 10000 --speed-time 30 "$url" -o "$tmp/p.tgz" \
       && tar -xzf "$tmp/p.tgz" -C "$tmp"; then
      mkdir -p "$VBIN"; cp -f "$tmp"/pulumi/* "$VBIN/"; OFFICIAL=1
    else
      warn "download of $url failed; building from Go modules instead"
    fi
    rm -rf "$tmp"
  else
    log "get.pulumi.com is not reachable (10 s probe); building from Go modules"
  fi
fi
if [[ $OFFICIAL == 1 ]] && ! plugins_ok; then
  # Plugins from the official release only go with the official CLI; with a CLI
  # built here the plugins come from the build below.
  for p in "kubernetes $K8S_V" "command $CMD_V"; do
    read -r name ver <<<"$p"
    plugin_installed resource "$name" "$ver" && continue
    log "downloading the official plugin $name $ver"
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=false timeout 600 "$VBIN/pulumi" plugin install resource "$name" "$ver" \
      --non-interactive >/dev/null 2>&1 || warn "download of plugin $name $ver failed; building it from Go modules"
  done
fi

# --- 3. build what is still missing from Go modules ---------------------------
# need_X: X must be compiled (not installed and not in the build cache).
need_cli=0; need_k8s=0; need_cmd=0
cli_ok || need_cli=1
plugin_installed resource kubernetes "$K8S_V" || [[ -x "$CACHE_BIN/pulumi-resource-kubernetes" ]] || need_k8s=1
plugin_installed resource command "$CMD_V" || [[ -x "$CACHE_BIN/pulumi-resource-command" ]] || need_cmd=1

if (( need_cli + need_k8s == 0 && need_cmd == 1 )) && ! command -v go >/dev/null; then
  warn "the command plugin $CMD_V is not installed and Go is not on PATH to build it"
  need_cmd=0
fi
if (( need_cli + need_k8s + need_cmd > 0 )); then
  command -v go >/dev/null || die "Go >= $PULUMI_GO_MIN_VERSION is needed to build the Pulumi engine offline and 'go' is not on PATH; install Go >= $PULUMI_GO_MIN_VERSION (Debian's golang-go is too old) or make get.pulumi.com reachable"
  have_go=$(go env GOVERSION); have_go=${have_go#go}
  if [[ "$(printf '%s\n%s\n' "$PULUMI_GO_MIN_VERSION" "$have_go" | sort -V | head -n1)" != "$PULUMI_GO_MIN_VERSION" ]]; then
    die "Go $have_go is too old: building the Pulumi engine needs Go >= $PULUMI_GO_MIN_VERSION; install a newer Go"
  fi
  export GOTOOLCHAIN=local GOWORK=off GOFLAGS="-buildvcs=false" CGO_ENABLED=0
  mkdir -p "$CACHE_BIN" "$CACHE_DIR/work"
  cd "$CACHE_DIR"  # run module-less go commands outside any go.mod
  log "building from Go modules (go $have_go, GOPROXY=$(go env GOPROXY)) into $CACHE_BIN"

  GO_LOG=$CACHE_DIR/go.log GO_STEP_TAG='[setup-pulumi]'
  # shellcheck source=scripts/go-steps.sh
  source "$SCRIPT_DIR/go-steps.sh"
  LDF_SDK=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version

  if (( need_cli )); then
    CLI_MOD=github.com/pulumi/pulumi/pkg/v3@v$CLI_V
    HOST_MOD=$PULUMI_NODEJS_HOST_MODULE@$PULUMI_NODEJS_HOST_VERSION
    log "checking the Go module proxy: $CLI_MOD, $HOST_MOD"
    proxy_has "$CLI_MOD" || die "the Go module proxy does not serve $CLI_MOD; set PULUMI_CLI_VERSION in scripts/versions.env to a served version (go list -m -versions github.com/pulumi/pulumi/pkg/v3)"
    proxy_has "$HOST_MOD" || die "the Go module proxy does not serve $HOST_MOD (Node.js language host); see PULUMI_NODEJS_HOST_* in scripts/versions.env"

    if [[ ! -x "$CACHE_BIN/pulumi" ]]; then
      t=$SECONDS; w=$CACHE_DIR/work/cli; rm -rf "$w"; mkdir -p "$w"
      log "building pulumi $CLI_V (cold: about 5 min on 2 cores)"
      (cd "$w" && go mod init local.invalid/pulumi-cli-build >/dev/null 2>&1 \
        && gonet go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$CLI_V" "github.com/pulumi/pulumi/sdk/v3@v$CLI_V" \
        && gobuild go build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w -X $LDF_SDK=v$CLI_V" \
             -o "$CACHE_BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
      mv -f "$CACHE_BIN/pulumi.tmp" "$CACHE_BIN/pulumi"
      record_time "build pulumi $CLI_V" $((SECONDS - t))
    fi
    if [[ ! -x "$CACHE_BIN/pulumi-language-nodejs" ]]; then
      t=$SECONDS; w=$CACHE_DIR/work/langhost; rm -rf "$w"; mkdir -p "$w"
      log "building pulumi-language-nodejs from $HOST_MOD"
      (cd "$w" && go mod init local.invalid/pulumi-language-nodejs-build >/dev/null 2>&1 \
        && gonet go get "$PULUMI_NODEJS_HOST_PACKAGE@$PULUMI_NODEJS_HOST_VERSION" \
        && gobuild go build -trimpath -tags osusergo,grpcnotrace \
             -ldflags "-s -w -X $LDF_SDK=$PULUMI_NODEJS_HOST_VERSION" \
             -o "$CACHE_BIN/pulumi-language-nodejs.tmp" "$PULUMI_NODEJS_HOST_PACKAGE")
      mv -f "$CACHE_BIN/pulumi-language-nodejs.tmp" "$CACHE_BIN/pulumi-language-nodejs"
      record_time "build pulumi-language-nodejs $PULUMI_NODEJS_HOST_VERSION" $((SECONDS - t))
    fi
    install_cli_from_cache
    cli_ok || die "the built pulumi in $VBIN does not report v$CLI_V"
  fi

  if (( need_k8s )); then
    K8S_MOD=github.com/pulumi/pulumi-kubernetes/provider/v4@$PULUMI_KUBERNETES_MODULE_VERSION
    K8S_SDK_MOD=github.com/pulumi/pulumi-kubernetes/sdk/v4@$PULUMI_KUBERNETES_GO_SDK_VERSION
    log "checking the Go module proxy: $K8S_MOD, $K8S_SDK_MOD"
    proxy_has "$K8S_MOD" || die "the Go module proxy does not serve $K8S_MOD (kubernetes provider $K8S_V); see PULUMI_KUBERNETES_* in scripts/versions.env"
    proxy_has "$K8S_SDK_MOD" || die "the Go module proxy does not serve $K8S_SDK_MOD; see PULUMI_KUBERNETES_GO_SDK_VERSION in scripts/versions.env"
    if [[ ! -x "$CACHE_BIN/pulumi-resource-kubernetes" ]]; then
      t=$SECONDS; w=$CACHE_DIR/work/kubernetes
      log "building pulumi-resource-kubernetes $K8S_V (cold: about 11 min on 2 cores)"
      src=$(timeout "$NET_TIMEOUT" go mod download -json "$K8S_MOD" | node -e \
        'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})') \
        || die "go mod download $K8S_MOD failed"
      # The module cache is read-only and the provider needs generated files: work on a copy.
      rm -rf "$w"; mkdir -p "$(dirname "$w")"; cp -r "$src" "$w"; chmod -R u+w "$w"
      (cd "$w" \
        && go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4 \
        && go mod edit -require "$K8S_SDK_MOD" \
        && GOFLAGS="$GOFLAGS -mod=mod" gonet go mod download \
             github.com/pulumi/pulumi-kubernetes/sdk/v4 github.com/pulumi/pulumi/pkg/v3 \
        && cd cmd/pulumi-resource-kubernetes \
        && VERSION=$K8S_V GOFLAGS="$GOFLAGS -mod=mod" gobuild go run ./generate.go \
        && cd ../.. \
        && GOFLAGS="$GOFLAGS -mod=mod" gobuild go build -trimpath \
             -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_V" \
             -o "$CACHE_BIN/pulumi-resource-kubernetes.tmp" ./cmd/pulumi-resource-kubernetes)
      mv -f "$CACHE_BIN/pulumi-resource-kubernetes.tmp" "$CACHE_BIN/pulumi-resource-kubernetes"
      record_time "build pulumi-resource-kubernetes $K8S_V" $((SECONDS - t))
    fi
  fi

  if (( need_cmd )); then
    CMD_MOD=github.com/pulumi/pulumi-command/provider@$PULUMI_COMMAND_MODULE_VERSION
    log "checking the Go module proxy: $CMD_MOD"
    if proxy_has "$CMD_MOD"; then
      t=$SECONDS; w=$CACHE_DIR/work/gobin; mkdir -p "$w"
      log "building pulumi-resource-command $CMD_V"
      GOBIN=$w gobuild go install -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$CMD_V" \
        "github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command@$PULUMI_COMMAND_MODULE_VERSION"
      mv -f "$w/pulumi-resource-command" "$CACHE_BIN/pulumi-resource-command"
      record_time "build pulumi-resource-command $CMD_V" $((SECONDS - t))
    else
      msg="the Go module proxy does not serve $CMD_MOD, so the command plugin $CMD_V cannot be built here; Pulumi programs that create @pulumi/command resources will fail with 'plugin not installed' (use pulumi.dynamic resources, or make get.pulumi.com reachable)"
      [[ $STRICT == 1 ]] && die "$msg"
      warn "$msg"
    fi
  fi
fi

# --- 4. install into $PULUMI_HOME ---------------------------------------------
cli_ok || die "pulumi v$CLI_V is not installed in $VBIN"
# Dynamic providers (pulumi.dynamic) need this script beside the CLI; it comes with the SDK.
dyn_src=$REPO_ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs
if [[ -f "$dyn_src" ]] && ! cmp -s "$dyn_src" "$VBIN/pulumi-resource-pulumi-nodejs"; then
  install -m 0755 "$dyn_src" "$VBIN/pulumi-resource-pulumi-nodejs"
fi
if ! plugin_installed resource kubernetes "$K8S_V"; then
  [[ -x "$CACHE_BIN/pulumi-resource-kubernetes" ]] || die "no pulumi-resource-kubernetes $K8S_V was built"
  plugin_install kubernetes "$K8S_V" "$CACHE_BIN/pulumi-resource-kubernetes"
fi
if ! plugin_installed resource command "$CMD_V" && [[ -x "$CACHE_BIN/pulumi-resource-command" ]]; then
  plugin_install command "$CMD_V" "$CACHE_BIN/pulumi-resource-command"
fi

# --- 5. report -----------------------------------------------------------------
status=$(plugin_installed resource command "$CMD_V" && echo "command $CMD_V" || echo "command MISSING")
log "ready in $((SECONDS - T_START)) s: pulumi $("$VBIN/pulumi" version) in $VBIN; plugins: kubernetes $K8S_V, $status"
log "next: source scripts/pulumi-env.sh"
