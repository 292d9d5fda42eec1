#!/usr/bin/env bash
# Builds actionlint, the checker of GitHub Actions workflows that
# test/integration/gitops-actionlint.test.ts runs over examples/gitops/github/, from the
# Go module proxy (github.com/rhysd/actionlint/cmd/actionlint at
# ACTIONLINT_VERSION, scripts/versions.env) into
#   ${DYNAMO_BENCH_CACHE:-$HOME/.cache/dynamo-bench}/actionlint/<version>/bin/actionlint
# A binary already there is kept, so a warm re-run only checks. The build time
# is printed and appended to <cache>/actionlint/<version>/build-times.log.
#
# Usage: bash scripts/setup-actionlint.sh [--print-bin]
#   --print-bin  print the binary's path and exit (0 if it is built, 1 if not)
#
# Environment knobs: DYNAMO_BENCH_CACHE, ACTIONLINT_SETUP_NET_TIMEOUT (s, the
# module download, default 600), ACTIONLINT_SETUP_BUILD_TIMEOUT (s, the build,
# default 1200). Cold on 2 cores: about 25 s (download and build); warm: instant.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { printf '[setup-actionlint] %s\n' "$*"; }
die() { printf '[setup-actionlint] ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck source=scripts/versions.env
source "$SCRIPT_DIR/versions.env"
for v in ACTIONLINT_VERSION ACTIONLINT_GO_MIN_VERSION; do
  [[ -n "${!v:-}" ]] || die "$v is not set in scripts/versions.env"
done

CACHE_DIR=${DYNAMO_BENCH_CACHE:-$HOME/.cache/dynamo-bench}/actionlint/$ACTIONLINT_VERSION
BIN=$CACHE_DIR/bin/actionlint
TIMES_LOG=$CACHE_DIR/build-times.log

case "${1:-}" in
  --print-bin) echo "$BIN"; [[ -x "$BIN" ]]; exit ;;
  -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}"; exit 0 ;;
  "") ;;
  *) die "unknown argument: $1" ;;
esac

if [[ -x "$BIN" ]]; then
  log "ready: actionlint $ACTIONLINT_VERSION in the cache ($BIN)"
  exit 0
fi

command -v go >/dev/null || die "Go >= $ACTIONLINT_GO_MIN_VERSION is needed to build actionlint and 'go' is not on PATH; install Go >= $ACTIONLINT_GO_MIN_VERSION"
have_go=$(go env GOVERSION); have_go=${have_go#go}
if [[ "$(printf '%s\n%s\n' "$ACTIONLINT_GO_MIN_VERSION" "$have_go" | sort -V | head -n1)" != "$ACTIONLINT_GO_MIN_VERSION" ]]; then
  die "Go $have_go is too old: actionlint $ACTIONLINT_VERSION needs Go >= $ACTIONLINT_GO_MIN_VERSION; install a newer Go"
fi

NET_TIMEOUT=${ACTIONLINT_SETUP_NET_TIMEOUT:-600}
BUILD_TIMEOUT=${ACTIONLINT_SETUP_BUILD_TIMEOUT:-1200}
export GOTOOLCHAIN=local GOWORK=off GOFLAGS="-buildvcs=false" CGO_ENABLED=0
mkdir -p "$CACHE_DIR/work"
cd "$CACHE_DIR"  # module-less go commands run outside any go.mod
GO_LOG=$CACHE_DIR/go.log GO_STEP_TAG='[setup-actionlint]'
# shellcheck source=scripts/go-steps.sh
source "$SCRIPT_DIR/go-steps.sh"

MOD=github.com/rhysd/actionlint@v$ACTIONLINT_VERSION
log "checking the Go module proxy: $MOD (GOPROXY=$(go env GOPROXY))"
proxy_has "$MOD" || die "the Go module proxy does not serve $MOD; set ACTIONLINT_VERSION in scripts/versions.env to a served version (go list -m -versions github.com/rhysd/actionlint)"

t=$SECONDS
log "downloading $MOD and its dependencies (bounded: ${NET_TIMEOUT}s); full log: $GO_LOG"
gonet go mod download "$MOD"
log "building actionlint $ACTIONLINT_VERSION (bounded: ${BUILD_TIMEOUT}s)"
# `go install pkg@version` builds in the module's own graph; the version is
# stamped into the build info, which `actionlint -version` reports.
GOBIN=$CACHE_DIR/work gobuild go install -trimpath -ldflags "-s -w" "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
mkdir -p "$(dirname "$BIN")"
mv -f "$CACHE_DIR/work/actionlint" "$BIN"
elapsed=$((SECONDS - t))
printf '%s\t%s\t%ss\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "download and build actionlint $ACTIONLINT_VERSION" "$elapsed" >> "$TIMES_LOG"
log "built $BIN in ${elapsed}s: $("$BIN" -version | head -n1)"
