#!/usr/bin/env bash
# Builds the binaries of the one-machine Kubernetes test control plane from Go
# modules (no internet needed beyond the Go module proxy):
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (k8s.io/kubernetes)
#   etcd                                                               (go.etcd.io/etcd/server/v3)
#   kwok                                                               (sigs.k8s.io/kwok/cmd/kwok)
# into ${DYNAMO_BENCH_CACHE:-$HOME/.cache/dynamo-bench}/k8s/<pins>/bin, where
# <pins> = k8s<K8S_VERSION>-etcd<ETCD_VERSION>-kwok<KWOK_VERSION> (scripts/versions.env).
# A binary already in the cache is kept, so a warm re-run only checks (about 1 s).
# Build times are printed and appended to <cache>/k8s/<pins>/build-times.log.
#
# Usage: bash scripts/k8s/setup-control-plane.sh [--print-bin]
#   --print-bin  print the bin folder and exit (0 if every binary is there, 1 if not)
# Then:  bash scripts/k8s/cluster-up.sh
#
# Environment knobs: DYNAMO_BENCH_CACHE, K8S_SETUP_NET_TIMEOUT (s, one Go
# download step, default 1200), K8S_SETUP_BUILD_TIMEOUT (s, one binary build,
# default 3600). Cold builds on 2 cores: kube-apiserver 6-9 min, kwok 2-3 min,
# the controller manager 1-2 min, kubectl, etcd and the scheduler under 1 min
# each; 11-15 min in all (docs/kubernetes-test-cluster.md).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

log() { printf '[setup-control-plane] %s\n' "$*"; }
die() { printf '[setup-control-plane] ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck source=scripts/versions.env
source "$REPO_ROOT/scripts/versions.env"
for v in K8S_VERSION K8S_STAGING_VERSION ETCD_VERSION KWOK_VERSION K8S_GO_MIN_VERSION; do
  [[ -n "${!v:-}" ]] || die "$v is not set in scripts/versions.env"
done

CACHE_DIR=${DYNAMO_BENCH_CACHE:-$HOME/.cache/dynamo-bench}/k8s/k8s$K8S_VERSION-etcd$ETCD_VERSION-kwok$KWOK_VERSION
CACHE_BIN=$CACHE_DIR/bin
TIMES_LOG=$CACHE_DIR/build-times.log
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok)

# kwok's default stages (the ones kwokctl gives it), copied from its module.
STAGES=$CACHE_DIR/kwok-stages.yaml
missing=()
for b in "${BINARIES[@]}"; do [[ -x "$CACHE_BIN/$b" ]] || missing+=("$b"); done
[[ -s "$STAGES" ]] || missing+=(kwok-stages)

case "${1:-}" in
  --print-bin) echo "$CACHE_BIN"; [[ ${#missing[@]} == 0 ]]; exit ;;
  -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
  "") ;;
  *) die "unknown argument: $1" ;;
esac

T_START=$SECONDS
log "pinned: Kubernetes $K8S_VERSION (staging modules $K8S_STAGING_VERSION), etcd $ETCD_VERSION, kwok $KWOK_VERSION (scripts/versions.env)"
if [[ ${#missing[@]} == 0 ]]; then
  log "ready in $((SECONDS - T_START)) s: every binary is in the cache $CACHE_BIN"
  exit 0
fi
log "to build: ${missing[*]}"

command -v go >/dev/null || die "Go >= $K8S_GO_MIN_VERSION is needed to build the Kubernetes test control plane and 'go' is not on PATH; install Go >= $K8S_GO_MIN_VERSION (Debian's golang-go is too old)"
have_go=$(go env GOVERSION); have_go=${have_go#go}
if [[ "$(printf '%s\n%s\n' "$K8S_GO_MIN_VERSION" "$have_go" | sort -V | head -n1)" != "$K8S_GO_MIN_VERSION" ]]; then
  die "Go $have_go is too old: kwok $KWOK_VERSION needs Go >= $K8S_GO_MIN_VERSION; install a newer Go"
fi
command -v node >/dev/null || die "node is not on PATH (used to read 'go mod download -json'); install Node.js >= 20"

NET_TIMEOUT=${K8S_SETUP_NET_TIMEOUT:-1200}
BUILD_TIMEOUT=${K8S_SETUP_BUILD_TIMEOUT:-3600}
export GOTOOLCHAIN=local GOWORK=off GOFLAGS="-buildvcs=false" CGO_ENABLED=0
mkdir -p "$CACHE_BIN" "$CACHE_DIR/work"
cd "$CACHE_DIR"  # module-less go commands run outside any go.mod
GO_LOG=$CACHE_DIR/go.log
log "building with go $have_go (GOPROXY=$(go env GOPROXY)) into $CACHE_BIN; full log: $GO_LOG"

record_time() { # what seconds
  printf '%s\t%s\t%ss\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" >> "$TIMES_LOG"
  log "$1 took $2 s"
}
GO_STEP_TAG='[setup-control-plane]'
# shellcheck source=scripts/go-steps.sh
source "$REPO_ROOT/scripts/go-steps.sh"
need() { local b; for b in "${missing[@]}"; do [[ "$b" == "$1" ]] && return 0; done; return 1; }
mod_file() { # module@version -> path of its go.mod in the module cache
  timeout "$NET_TIMEOUT" go mod download -json "$1" | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.GoMod)})'
}

# --- Kubernetes: one wrapper module, the staging modules replaced by releases --
K8S_CMDS=()
for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do need "$b" && K8S_CMDS+=("$b"); done
if [[ ${#K8S_CMDS[@]} -gt 0 ]]; then
  K8S_MOD=k8s.io/kubernetes@v$K8S_VERSION
  log "checking the Go module proxy: $K8S_MOD"
  proxy_has "$K8S_MOD" || die "the Go module proxy does not serve $K8S_MOD; set K8S_VERSION in scripts/versions.env to a served version (go list -m -versions k8s.io/kubernetes)"
  k8s_gomod=$(mod_file "$K8S_MOD") || die "go mod download $K8S_MOD failed"
  # Every `k8s.io/x => ./staging/src/k8s.io/x` line of Kubernetes' go.mod.
  mapfile -t staging < <(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/.*#\1#p' "$k8s_gomod")
  [[ ${#staging[@]} -gt 10 ]] || die "found no staging replacements in $k8s_gomod; the build recipe does not fit Kubernetes $K8S_VERSION"
  log "checking the Go module proxy: k8s.io/api@$K8S_STAGING_VERSION (and ${#staging[@]} staging modules at that version)"
  proxy_has "k8s.io/api@$K8S_STAGING_VERSION" || die "the Go module proxy does not serve k8s.io/api@$K8S_STAGING_VERSION; K8S_STAGING_VERSION in scripts/versions.env must be the staging release of Kubernetes $K8S_VERSION"

  w=$CACHE_DIR/work/kubernetes
  if [[ ! -f "$w/.ready" ]]; then
    t=$SECONDS; rm -rf "$w"; mkdir -p "$w"; cd "$w"
    log "resolving the Kubernetes module graph (staging modules at $K8S_STAGING_VERSION)"
    go mod init local.invalid/kubernetes-build >/dev/null 2>&1
    for m in "${staging[@]}"; do go mod edit -replace "$m=$m@$K8S_STAGING_VERSION"; done
    gonet go get "k8s.io/kubernetes/cmd/kube-apiserver@v$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-controller-manager@v$K8S_VERSION" \
      "k8s.io/kubernetes/cmd/kube-scheduler@v$K8S_VERSION" "k8s.io/kubernetes/cmd/kubectl@v$K8S_VERSION"
    touch .ready
    record_time "resolve k8s.io/kubernetes $K8S_VERSION modules" $((SECONDS - t))
  fi
  cd "$w"
  # What `hack/lib/version.sh` stamps into a release build (a plain build reports v0.0.0).
  IFS=. read -r k8s_major k8s_minor _ <<<"$K8S_VERSION"
  k8s_commit=$(go mod download -json "$K8S_MOD" | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log((j.Origin&&j.Origin.Hash)||"")})' || true)
  ldf="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf+=" -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=$k8s_major -X $p.gitMinor=$k8s_minor"
    ldf+=" -X $p.gitTreeState=clean -X $p.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    [[ -n "$k8s_commit" ]] && ldf+=" -X $p.gitCommit=$k8s_commit"
  done
  for b in "${K8S_CMDS[@]}"; do
    t=$SECONDS
    log "building $b $K8S_VERSION$([[ $b == kube-apiserver ]] && echo ' (cold: 6-9 min on 2 cores)')"
    gobuild go build -trimpath -ldflags "$ldf" -o "$CACHE_BIN/$b.tmp" "k8s.io/kubernetes/cmd/$b"
    mv -f "$CACHE_BIN/$b.tmp" "$CACHE_BIN/$b"
    record_time "build $b $K8S_VERSION" $((SECONDS - t))
  done
  cd "$CACHE_DIR"
fi

# --- etcd: the server module's root package is the etcd main ------------------
if need etcd; then
  ETCD_MOD=go.etcd.io/etcd/server/v3@v$ETCD_VERSION
  log "checking the Go module proxy: $ETCD_MOD"
  proxy_has "$ETCD_MOD" || die "the Go module proxy does not serve $ETCD_MOD; set ETCD_VERSION in scripts/versions.env to a served 3.6 release (go list -m -versions go.etcd.io/etcd/server/v3), or install Debian's etcd-server (3.4) and copy /usr/bin/etcd to $CACHE_BIN/etcd"
  t=$SECONDS; w=$CACHE_DIR/work/etcd; rm -rf "$w"; mkdir -p "$w"; cd "$w"
  log "building etcd $ETCD_VERSION"
  # server/v3's go.mod replaces its sibling modules with ../ paths: require the
  # same release of each instead (a plain `go install ...@v` refuses replaces).
  go mod init local.invalid/etcd-build >/dev/null 2>&1
  gonet go get "$ETCD_MOD" "go.etcd.io/etcd/api/v3@v$ETCD_VERSION" "go.etcd.io/etcd/client/pkg/v3@v$ETCD_VERSION" \
    "go.etcd.io/etcd/client/v3@v$ETCD_VERSION" "go.etcd.io/etcd/pkg/v3@v$ETCD_VERSION"
  gobuild go build -trimpath -ldflags "-s -w" -o "$CACHE_BIN/etcd.tmp" go.etcd.io/etcd/server/v3
  mv -f "$CACHE_BIN/etcd.tmp" "$CACHE_BIN/etcd"
  record_time "build etcd $ETCD_VERSION" $((SECONDS - t))
  cd "$CACHE_DIR"
fi

# --- kwok: its own module graph (it does not build inside the Kubernetes one) --
if need kwok; then
  KWOK_MOD=sigs.k8s.io/kwok@v$KWOK_VERSION
  log "checking the Go module proxy: $KWOK_MOD"
  proxy_has "$KWOK_MOD" || die "the Go module proxy does not serve $KWOK_MOD; set KWOK_VERSION in scripts/versions.env to a served version (go list -m -versions sigs.k8s.io/kwok)"
  t=$SECONDS; w=$CACHE_DIR/work/gobin; mkdir -p "$w"
  log "building kwok $KWOK_VERSION"
  GOBIN=$w gobuild go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
  mv -f "$w/kwok" "$CACHE_BIN/kwok"
  record_time "build kwok $KWOK_VERSION" $((SECONDS - t))
fi

# --- kwok's stages: what makes nodes Ready, pods Running and Job pods Succeeded --
if need kwok-stages; then
  kwok_dir=$(timeout "$NET_TIMEOUT" go mod download -json "sigs.k8s.io/kwok@v$KWOK_VERSION" | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})') \
    || die "go mod download sigs.k8s.io/kwok@v$KWOK_VERSION failed"
  # The stages `kwokctl` uses by default: node-initialize + node-heartbeat-with-lease
  # (kwok renews each node's Lease every few seconds, --node-lease-duration-seconds), and
  # pod-ready, pod-complete (pods owned by a Job), pod-delete.
  {
    printf '# kwok %s default stages, from sigs.k8s.io/kwok@v%s/kustomize/stage (written by scripts/k8s/setup-control-plane.sh)\n' "$KWOK_VERSION" "$KWOK_VERSION"
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      [[ -f "$kwok_dir/kustomize/stage/$f" ]] || die "kwok $KWOK_VERSION has no kustomize/stage/$f; the stage list in this script does not fit it"
      printf -- '---\n'; cat "$kwok_dir/kustomize/stage/$f"
    done
  } > "$STAGES.tmp"
  mv -f "$STAGES.tmp" "$STAGES"
  log "kwok stages written to $STAGES"
fi

# --- report --------------------------------------------------------------------
for b in "${BINARIES[@]}"; do [[ -x "$CACHE_BIN/$b" ]] || die "$b was not built into $CACHE_BIN"; done
log "versions: $("$CACHE_BIN/kube-apiserver" --version), etcd $("$CACHE_BIN/etcd" --version | sed -n 's/^etcd Version: //p'), $("$CACHE_BIN/kwok" --version 2>/dev/null | head -n1)"
log "ready in $((SECONDS - T_START)) s: ${BINARIES[*]} in $CACHE_BIN"
log "next: bash scripts/k8s/cluster-up.sh"
