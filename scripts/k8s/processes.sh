# shellcheck shell=bash
# Sourced by cluster-up.sh and cluster-down.sh: where the test cluster keeps its
# state, and how a component's recorded process is found. Needs nothing but bash.

K8S_DIR=${DYNAMO_BENCH_K8S_DIR:-/tmp/dynamo-bench-k8s}
RUN=$K8S_DIR/run

pid_of() { local pid; pid=$( { tr -dc 0-9 < "$RUN/$1.pid"; } 2>/dev/null) || return 1; [ -n "$pid" ] && echo "$pid"; }
alive() { # component: the recorded pid runs a binary of that name (not a zombie)
  local pid exe
  pid=$(pid_of "$1") || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  exe=${exe% (deleted)}
  [ "$(basename "$exe")" = "$1" ] || return 1
  ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
}
