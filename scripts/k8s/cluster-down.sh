#!/usr/bin/env bash
# cluster-down.sh - stop what scripts/k8s/cluster-up.sh started: kwok, the
# scheduler, the controller manager, the API server and etcd, in that order,
# each by its PID file and its whole process group (TERM, up to 10 s, then KILL),
# and check their ports are free. Safe to run repeatedly and when nothing runs.
#   DYNAMO_BENCH_K8S_DIR=/tmp/dynamo-bench-k8s (as for cluster-up.sh)
#   --purge   also delete $DYNAMO_BENCH_K8S_DIR (certificates, kubeconfigs, etcd data, logs)
set -uo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/k8s/processes.sh
source "$SCRIPT_DIR/processes.sh"
PURGE=0
case "${1:-}" in
  --purge) PURGE=1 ;;
  "") ;;
  *) echo "usage: $0 [--purge]" >&2; exit 2 ;;
esac
log() { printf '[k8s cluster-down %s] %s\n' "$(date +%T)" "$*" >&2; }
case $K8S_DIR in /*) ;; *) log "ERROR: DYNAMO_BENCH_K8S_DIR must be an absolute path, got '$K8S_DIR'"; exit 2;; esac
T_START=$SECONDS

group_alive() { kill -0 -- "-$1" 2>/dev/null; }
stopped=0 failed=0
# cluster-up.sh starts each component with setsid: its pid is its process group,
# and the whole group is signalled. A pid that leads no group is signalled alone.
target() { # pid -> what kill takes
  if [ "$(ps -o pgid= -p "$1" 2>/dev/null | tr -d ' ')" = "$1" ]; then echo "-$1"; else echo "$1"; fi
}
stop() { # components...: TERM them together, wait up to 10 s, then KILL what is left
  local c pid t comps=() targets=()
  for c in "$@"; do
    if ! alive "$c"; then rm -f "$RUN/$c.pid"; continue; fi
    pid=$(pid_of "$c"); t=$(target "$pid")
    log "stopping $c (pid $pid)"
    kill -TERM -- "$t" 2>/dev/null || true
    comps+=("$c"); targets+=("$t")
  done
  [ ${#comps[@]} -gt 0 ] || return 0
  gone() { local t; for t in "${targets[@]}"; do kill -0 -- "$t" 2>/dev/null && return 1; done; return 0; }
  for _ in $(seq 100); do gone && break; sleep 0.1; done
  if ! gone; then
    log "${comps[*]}: still running 10 s after TERM: KILL"
    for t in "${targets[@]}"; do kill -KILL -- "$t" 2>/dev/null || true; done
    sleep 0.3
  fi
  for c in "${comps[@]}"; do
    if alive "$c"; then log "ERROR: $c (pid $(pid_of "$c")) is still running"; failed=1; continue; fi
    rm -f "$RUN/$c.pid"; stopped=$((stopped + 1))
  done
}
# The API server's clients first (together), then the API server, then etcd.
stop kwok kube-scheduler kube-controller-manager
stop kube-apiserver
stop etcd

# Their ports must be free now.
if [ -s "$K8S_DIR/ports.env" ]; then
  mapfile -t ports < <(sed -n 's/^[A-Z_]*PORT=\([0-9]*\)$/\1/p' "$K8S_DIR/ports.env")
  for p in "${ports[@]}"; do
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || break; sleep 0.1; done
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then log "ERROR: port $p is still in use"; failed=1; fi
  done
fi

# The kubernetes provider copies the kubeconfig it is given to a new
# $TMPDIR/kubeconfig<digits> each time it is configured and never removes it
# (pulumi-kubernetes 4.25.0, provider/pkg/provider/util.go writeKubeconfigToFile).
# Remove the copies that point at this cluster (they name its CA file).
copies=0
while IFS= read -r -d '' f; do
  grep -qF "$K8S_DIR/pki/" "$f" 2>/dev/null && rm -f "$f" && copies=$((copies + 1))
done < <(find "${TMPDIR:-/tmp}" -maxdepth 1 -type f -name 'kubeconfig[0-9]*' -user "$(id -u)" -print0 2>/dev/null)
[ $copies -eq 0 ] || log "removed $copies kubeconfig copies the kubernetes provider left in ${TMPDIR:-/tmp}"

if [ $PURGE = 1 ] && [ $failed = 0 ] && [ -d "$K8S_DIR" ]; then
  rm -rf "$K8S_DIR"; log "deleted $K8S_DIR"
fi
if [ $failed = 1 ]; then log "ERROR: the test cluster did not stop cleanly"; exit 1; fi
if [ $stopped -gt 0 ]; then log "stopped $stopped processes in $((SECONDS - T_START)) s"; else log "nothing was running"; fi
