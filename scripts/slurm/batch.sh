#!/usr/bin/env bash
# batch.sh - the batch script of a dynamo-bench Slurm job. Static: every
# parameter comes from the env file dynamo-bench rendered (single-quoted
# values), and every sbatch option from the sbatch command line.
#
#   sbatch [options] RUN_DIR/batch.sh RUN_DIR/job.env
#
# On the first node of the allocation it:
#   1. maps the plan's node slots to the allocated nodes (scontrol show hostnames),
#      checking nodes the config names are in the allocation;
#   2. runs the start-up commands (setup.commands) on every node, one srun
#      step per node bounded by SETUP_TIMEOUT, and fails with a node's log tail;
#   3. starts, one srun step each (--overlap), etcd+NATS when discovery needs
#      them, the LMCache controller on the frontend's node when asked (waiting
#      for its HTTP port), the DCGM exporter on every node when asked (waiting
#      for its /metrics), every worker process and the frontend, through node.sh;
#   4. waits, bounded by READY_TIMEOUT, until the frontend lists every worker
#      (GET /health), serves the model (GET /v1/models) and answers a one-token
#      request; meanwhile a process that exits or a worker log line matching a
#      fatal pattern fails the job at once;
#   5. starts a GPU sampler on every node when asked (slurm.gpuUtilization), then
#      runs the benchmark phases on the frontend's node, bounded by BENCH_TIMEOUT,
#      still watching every process, and the frontend's completed-request
#      counter (stall-watch.sh): a phase with requests in flight and none
#      completed for STALL_SECONDS fails with reason "stalled", naming each
#      process's state (/proc on its node) and quoting every log;
#      between two phases, the configured command (P_BW<i>) and the one-token
#      health check, bounded by BETWEEN_TIMEOUT;
#   6. writes RUN_DIR/SUCCESS.json (timings, nodes, phases) or RUN_DIR/FAILURE
#      (reason first, then the log tail that explains it), and on every exit
#      stops every process it started: SIGTERM, STOP_GRACE seconds, SIGKILL.
# SIGUSR1 (sbatch --signal=B:USR1@N, sent before the time limit) and SIGTERM
# (scancel, preemption, time limit) stop the run with that reason.
set -uo pipefail

ENV_FILE=${1:-}
if [ -z "$ENV_FILE" ] || [ ! -r "$ENV_FILE" ]; then
  echo "dynamo-bench job: usage: batch.sh ENV_FILE (got '${ENV_FILE}')" >&2
  exit 2
fi
# shellcheck source=/dev/null
source "$ENV_FILE"

# the shared scripts: the run folder, or the sweep job's folder when this run is a point of one (sweep.sh)
NODE_SH=$JOB_DIR/node.sh
# shellcheck source=scripts/stall-watch.sh
source "$JOB_DIR/stall-watch.sh" || { echo "dynamo-bench job: cannot read $JOB_DIR/stall-watch.sh" >&2; exit 2; }
# shellcheck source=scripts/slurm/job-processes.sh
source "$JOB_DIR/job-processes.sh" || { echo "dynamo-bench job: cannot read $JOB_DIR/job-processes.sh" >&2; exit 2; }
LOG_DIR=$RUN_DIR/logs
FAILURE_MARKER=$RUN_DIR/FAILURE
# room kept for the failure marker: a full disk must not swallow the reason
DISK_RESERVE=$RUN_DIR/.failure-reserve DISK_RESERVE_BYTES=262144
MIN_FREE_KB=1024
SUCCESS_MARKER=$RUN_DIR/SUCCESS.json
JOB_ID=${SLURM_JOB_ID:-none}

PIDS=() PNAMES=() PLOGS=() PKINDS=()
BENCH_PID=""
STATE=starting
JOB_START_NS=$(date +%s%N)

log() { printf '[%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$*"; }
set_state() { STATE=$1; printf '%s\n' "$1" > "$RUN_DIR/state"; log "$1"; }

write_failure() { # write_failure REASON [LOGFILE...]: the first reason wins
  local reason=$1 f text; shift
  [ -e "$FAILURE_MARKER" ] && return 0
  text=$(
    printf 'reason: %s\n' "$reason"
    printf 'state: %s\n' "$STATE"
    printf 'job: %s\n' "$JOB_ID"
    for f in "$@"; do
      printf -- '--- last %s lines of %s ---\n' "$TAIL_LINES" "$f"
      tail -n "$TAIL_LINES" "$f" 2>/dev/null || printf '(no log)\n'
    done
  )
  # over the reserve's own blocks (a full disk has no new ones), cut to size, renamed: no new space needed
  if [ -f "$DISK_RESERVE" ] \
    && printf '%s\n' "$text" | head -c "$DISK_RESERVE_BYTES" 1<>"$DISK_RESERVE" \
    && truncate -s "$(printf '%s\n' "$text" | head -c "$DISK_RESERVE_BYTES" | wc -c)" "$DISK_RESERVE" \
    && mv -f "$DISK_RESERVE" "$FAILURE_MARKER"; then
    return 0
  fi
  printf '%s\n' "$text" > "$FAILURE_MARKER.tmp" && mv -f "$FAILURE_MARKER.tmp" "$FAILURE_MARKER"
}
fail() { write_failure "$@"; log "FAILED: $1"; exit 1; }


# shellcheck disable=SC2317  # the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT
  trap '' TERM INT USR1
  if [ "$rc" -ne 0 ] && [ ! -e "$FAILURE_MARKER" ]; then
    write_failure "the job script stopped with status $rc while $STATE" "$LOG_DIR/job.log"
  fi
  if [ "$rc" -eq 0 ] && [ ! -e "$SUCCESS_MARKER" ] && [ ! -e "$FAILURE_MARKER" ]; then
    write_failure "the job script ended without a result while $STATE"
    rc=1
  fi
  stop_processes
  rm -f "$DISK_RESERVE"
  log "job script exits with status $rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'fail "time limit: the job reaches its time limit ($TIME_LIMIT) in less than ${TIME_LIMIT_WARNING}s; stopped while $STATE"' USR1
trap 'fail "received SIGTERM while $STATE: the job was cancelled (scancel or pulumi destroy), preempted, or reached its time limit"' TERM
trap 'fail "received SIGINT while $STATE"' INT

mkdir -p "$LOG_DIR" "$RUN_DIR/pids" "$RUN_DIR/exports" || { echo "cannot create folders in $RUN_DIR" >&2; exit 1; }
rm -f "$FAILURE_MARKER" "$SUCCESS_MARKER" "$RUN_DIR/stall-states.txt" "$RUN_DIR/pids/"*.pid
head -c "$DISK_RESERVE_BYTES" /dev/zero > "$DISK_RESERVE" 2>/dev/null || fail "no space left on device (ENOSPC) in the run folder $RUN_DIR before the job started; free space there or set slurm.outputDir to a filesystem with room"
log "dynamo-bench job $JOB_ID ($JOB_NAME), run $RUN_DIR"

# ---------------------------------------------------------------- HTTP
HTTP_CODE="" HTTP_BODY=""
if [ "$HTTP_CLIENT" = auto ]; then
  if command -v curl >/dev/null 2>&1; then HTTP_CLIENT=curl; else HTTP_CLIENT=bash; fi
fi
http() { # http URL [JSON_BODY]: sets HTTP_CODE (000 when unreachable) and HTTP_BODY
  local url=$1 body=${2-} out
  HTTP_CODE=000 HTTP_BODY=""
  if [ "$HTTP_CLIENT" = curl ]; then
    if [ -n "$body" ]; then
      out=$(curl -sS -m "$HTTP_TIMEOUT" -H 'Content-Type: application/json' --data-binary "$body" -w '\n%{http_code}' "$url" 2>/dev/null) || return 1
    else
      out=$(curl -sS -m "$HTTP_TIMEOUT" -w '\n%{http_code}' "$url" 2>/dev/null) || return 1
    fi
    HTTP_CODE=${out##*$'\n'} HTTP_BODY=${out%$'\n'*}
  else
    # HTTP/1.0 over bash's /dev/tcp, for nodes without curl
    local rest=${url#http://} hostport path req
    hostport=${rest%%/*} path=/${rest#*/}
    [ "$rest" = "$hostport" ] && path=/
    if [ -n "$body" ]; then
      printf -v req 'POST %s HTTP/1.0\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n%s' "$path" "$hostport" "$(LC_ALL=C; printf '%s' "${#body}")" "$body"
    else
      printf -v req 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$hostport"
    fi
    # shellcheck disable=SC2016  # the inner script expands its own arguments
    out=$(timeout "$HTTP_TIMEOUT" bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "%s" "$3" >&3 && cat <&3' _ "${hostport%:*}" "${hostport##*:}" "$req" 2>/dev/null) || return 1
    HTTP_CODE=$(printf '%s' "${out%%$'\r'*}" | awk '{print $2}')
    HTTP_BODY=${out#*$'\r\n\r\n'}
  fi
  [ "$HTTP_CODE" -ge 200 ] 2>/dev/null && [ "$HTTP_CODE" -lt 300 ]
}

# ---------------------------------------------------------------- nodes
set_state "resolving nodes"
[ -n "${SLURM_JOB_NODELIST:-}" ] || fail "SLURM_JOB_NODELIST is not set: batch.sh must run as a Slurm batch job"
mapfile -t ALLOC < <(timeout 30 scontrol show hostnames "$SLURM_JOB_NODELIST")
[ ${#ALLOC[@]} -gt 0 ] || fail "scontrol show hostnames '$SLURM_JOB_NODELIST' gave no nodes"
[ ${#ALLOC[@]} -ge ${#SLOT_NAMES[@]} ] || fail "the plan needs ${#SLOT_NAMES[@]} nodes, the allocation has ${#ALLOC[@]}: ${ALLOC[*]}"
declare -A TAKEN=()
HOSTS=()
for i in "${!SLOT_NAMES[@]}"; do
  n=${SLOT_NAMES[$i]}
  [ -z "$n" ] && continue
  found=0
  for a in "${ALLOC[@]}"; do [ "$a" = "$n" ] && found=1; done
  [ "$found" = 1 ] || fail "node $n named in the config is not in the allocation (${ALLOC[*]})"
  HOSTS[i]=$n; TAKEN[$n]=1
done
next=0
for i in "${!SLOT_NAMES[@]}"; do
  [ -n "${SLOT_NAMES[$i]}" ] && continue
  while [ "$next" -lt ${#ALLOC[@]} ] && [ -n "${TAKEN[${ALLOC[$next]}]:-}" ]; do next=$((next + 1)); done
  [ "$next" -lt ${#ALLOC[@]} ] || fail "not enough allocated nodes for the plan (${#SLOT_NAMES[@]} slots, allocation ${ALLOC[*]})"
  HOSTS[i]=${ALLOC[$next]}; TAKEN[${ALLOC[$next]}]=1
done
ADDRS=()
: > "$RUN_DIR/nodes.txt"
for i in "${!HOSTS[@]}"; do
  addr=$(timeout 30 scontrol show node -o "${HOSTS[$i]}" 2>/dev/null | grep -o 'NodeAddr=[^ ]*' | head -n 1)
  addr=${addr#NodeAddr=}
  ADDRS[i]=${addr:-${HOSTS[$i]}}
  printf '%s %s %s %s\n' "$i" "${HOSTS[$i]}" "${ADDRS[$i]}" "${SLOT_ROLES[$i]}" >> "$RUN_DIR/nodes.txt"
done
FRONTEND_ADDR=${ADDRS[$FRONTEND_SLOT]}
FRONTEND_URL="http://$FRONTEND_ADDR:$FRONTEND_PORT"
log "nodes: $(tr '\n' ';' < "$RUN_DIR/nodes.txt")"

# fatal patterns: grep -E arguments, checked once so a typo fails clearly
PATTERN_ARGS=()
for p in "${FATAL_PATTERNS[@]}"; do
  grep -E -e "$p" </dev/null >/dev/null 2>&1
  [ $? -eq 2 ] && fail "invalid fatal error pattern (extended regex): $p"
  PATTERN_ARGS+=(-e "$p")
done

# ---------------------------------------------------------------- processes

if [ "$PREPARE_CONTAINERS" = 1 ]; then
  set_state "preparing the container on ${#HOSTS[@]} nodes"
  timeout "$READY_TIMEOUT" srun --overlap --nodes=${#HOSTS[@]} --ntasks=${#HOSTS[@]} --ntasks-per-node=1 \
    --nodelist="$(IFS=,; printf '%s' "${HOSTS[*]}")" "${SRUN_ARGS[@]}" true >>"$LOG_DIR/srun.log" 2>&1 \
    || fail "the container could not be started on every node (srun --container-image failed)" "$LOG_DIR/srun.log"
fi

if [ "${SETUP:-0}" = 1 ]; then
  set_state "running the setup commands on ${#HOSTS[@]} nodes"
  SETUP_PIDS=()
  for i in "${!HOSTS[@]}"; do
    logf=$LOG_DIR/setup-$i.log
    : > "$logf"
    # one step per node, all at once; timeout bounds the step (srun relays its SIGTERM to the commands)
    timeout --kill-after=10 "$SETUP_TIMEOUT" srun --overlap --nodes=1 --ntasks=1 --nodelist="${HOSTS[$i]}" --job-name=setup \
      --output="${logf//%/%%}" --open-mode=append "${SRUN_ARGS[@]}" \
      bash "$NODE_SH" "$ENV_FILE" SETUP "setup-$i" "${ADDRS[$i]}" "${ADDRS[$i]}" "$FRONTEND_ADDR" \
      </dev/null >>"$LOG_DIR/srun.log" 2>&1 &
    SETUP_PIDS[i]=$!
  done
  for i in "${!SETUP_PIDS[@]}"; do
    wait "${SETUP_PIDS[$i]}"; rc=$?
    case $rc in
      0) ;;
      124|137) fail "the setup commands did not finish on ${HOSTS[$i]} within ${SETUP_TIMEOUT}s (setup.timeoutSeconds)" "$LOG_DIR/setup-$i.log" ;;
      *) fail "the setup commands failed on ${HOSTS[$i]} with status $rc" "$LOG_DIR/setup-$i.log" "$LOG_DIR/srun.log" ;;
    esac
  done
  log "setup commands done on ${#HOSTS[@]} nodes"
fi

if [ "$DISCOVERY" = file ]; then
  if ! { rm -rf "$RUN_DIR/discovery" && mkdir -p "$RUN_DIR/discovery"; }; then fail "cannot reset $RUN_DIR/discovery"; fi
else
  set_state "starting etcd and NATS on ${HOSTS[$FRONTEND_SLOT]}"
  rm -rf "$RUN_DIR/etcd" "$RUN_DIR/nats"
  launch ETCD etcd "$FRONTEND_SLOT" "$FRONTEND_SLOT" service
  launch NATS nats "$FRONTEND_SLOT" "$FRONTEND_SLOT" service
  deadline=$((SECONDS + READY_TIMEOUT))
  until http "http://$FRONTEND_ADDR:$ETCD_PORT/health" && (exec 3<>"/dev/tcp/$FRONTEND_ADDR/$NATS_PORT") 2>/dev/null; do
    check_processes
    [ "$SECONDS" -lt "$deadline" ] || fail "etcd or NATS not ready after ${READY_TIMEOUT}s" "$LOG_DIR/etcd.log" "$LOG_DIR/nats.log"
    sleep "$POLL_SECONDS"
  done
  log "etcd and NATS ready"
fi

if [ "$LMCACHE_CONTROLLER" = 1 ]; then
  # the LMCache workers connect to it as they start: it must listen first
  set_state "starting the LMCache controller on ${HOSTS[$FRONTEND_SLOT]}"
  launch LMCTL lmcache-controller "$FRONTEND_SLOT" "$FRONTEND_SLOT" service
  deadline=$((SECONDS + LMCACHE_CONTROLLER_TIMEOUT))
  # shellcheck disable=SC2016  # the inner script expands its own arguments
  until timeout "$HTTP_TIMEOUT" bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$FRONTEND_ADDR" "$LMCACHE_CONTROLLER_PORT" 2>/dev/null; do
    check_processes
    [ "$SECONDS" -lt "$deadline" ] || fail "the LMCache controller on ${HOSTS[$FRONTEND_SLOT]} did not accept connections on port $LMCACHE_CONTROLLER_PORT within ${LMCACHE_CONTROLLER_TIMEOUT}s (kvCache.lmcache.controller.startupTimeoutSeconds)" "$LOG_DIR/lmcache-controller.log"
    sleep "$POLL_SECONDS"
  done
  log "the LMCache controller accepts connections on port $LMCACHE_CONTROLLER_PORT"
fi

if [ "$DCGM_EXPORTER" = 1 ]; then
  set_state "starting the DCGM exporter on ${#HOSTS[@]} nodes"
  for i in "${!HOSTS[@]}"; do launch "DCGM$i" "dcgm-exporter-$i" "$i" "$i" service; done
  deadline=$((SECONDS + DCGM_TIMEOUT))
  for i in "${!HOSTS[@]}"; do
    until http "http://${ADDRS[$i]}:$DCGM_PORT/metrics"; do
      check_processes
      [ "$SECONDS" -lt "$deadline" ] || fail "the DCGM exporter on ${HOSTS[$i]} did not serve /metrics on port $DCGM_PORT within ${DCGM_TIMEOUT}s (slurm.dcgmExporter.startupTimeoutSeconds)" "$LOG_DIR/dcgm-exporter-$i.log"
      sleep "$POLL_SECONDS"
    done
  done
  log "the DCGM exporter serves /metrics on every node"
fi

set_state "starting workers and frontend"
for i in "${!INSTANCES[@]}"; do
  launch "W$i" "${INSTANCES[$i]}" "${INSTANCE_SLOT[$i]}" "${INSTANCE_LEADER_SLOT[$i]}" worker
done
launch FRONTEND frontend "$FRONTEND_SLOT" "$FRONTEND_SLOT" frontend
LAUNCHED_NS=$(date +%s%N)

# ---------------------------------------------------------------- readiness
set_state "waiting for workers"
FRONTEND_UP_NS="" REGISTERED_NS="" MODEL_NS="" PROBE_NS=""
WAITING="frontend"
registered() { # the frontend lists EXPECT_COUNTS[i] instances of EXPECT_COMPONENTS[i]
  local i n flat
  http "$FRONTEND_URL/health" || { WAITING="frontend /health (HTTP $HTTP_CODE)"; return 1; }
  [ -n "$FRONTEND_UP_NS" ] || FRONTEND_UP_NS=$(date +%s%N)
  flat=$(tr -d ' \t\r\n' <<<"$HTTP_BODY")
  for i in "${!EXPECT_COMPONENTS[@]}"; do
    n=$(grep -o -F "\"component\":\"${EXPECT_COMPONENTS[$i]}\",\"endpoint\":\"generate\",\"namespace\":\"$NAMESPACE\"" <<<"$flat" | wc -l)
    if [ "$n" -lt "${EXPECT_COUNTS[$i]}" ]; then
      WAITING="workers of component ${EXPECT_COMPONENTS[$i]}: the frontend lists $n of ${EXPECT_COUNTS[$i]}"
      return 1
    fi
  done
}
patterns_seen() {
  local i
  [ -n "$WORKER_READY_PATTERN" ] || return 0
  for i in "${!PIDS[@]}"; do
    [ "${PKINDS[$i]}" = worker ] || continue
    grep -E -q -e "$WORKER_READY_PATTERN" "${PLOGS[$i]}" 2>/dev/null || { WAITING="${PNAMES[$i]} to log /$WORKER_READY_PATTERN/"; return 1; }
  done
}
deadline=$((SECONDS + READY_TIMEOUT))
while :; do
  watch
  if registered; then
    [ -n "$REGISTERED_NS" ] || { REGISTERED_NS=$(date +%s%N); log "frontend lists every worker"; }
    if ! http "$FRONTEND_URL/v1/models" || ! grep -q -F -- "$SERVED_MODEL_JSON" <<<"$HTTP_BODY"; then
      WAITING="the model in /v1/models (HTTP $HTTP_CODE)"
    elif ! patterns_seen; then :
    elif ! http "$FRONTEND_URL$PROBE_PATH" "$PROBE_BODY"; then
      WAITING="a one-token request to $PROBE_PATH (HTTP $HTTP_CODE: ${HTTP_BODY:0:200})"
    else
      MODEL_NS=${MODEL_NS:-$(date +%s%N)}
      PROBE_NS=$(date +%s%N)
      break
    fi
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    fail "not ready after ${READY_TIMEOUT}s (timeouts.readySeconds): waiting for $WAITING" "${PLOGS[@]}"
  fi
  sleep "$POLL_SECONDS"
done
log "ready: every worker registered, model served, probe answered"

# GPU utilisation samples on every node from here to the end (slurm.gpuUtilization); a
# sampler that stops (no nvidia-smi, a failing query) fails the job with its log
if [ "$GPU_SAMPLING" = 1 ]; then
  for i in "${!HOSTS[@]}"; do launch "GPU$i" "gpu-sampler-$i" "$i" "$i" sampler; done
fi

# ---------------------------------------------------------------- benchmark
PHASE_START=() PHASE_END=()
bench_deadline=$((SECONDS + BENCH_TIMEOUT))

between_phases() { # between_phases I: benchmark.betweenPhases after phase I, bounded by BETWEEN_TIMEOUT
  local i=$1 after=${PHASE_NAMES[$1]} next=${PHASE_NAMES[$1 + 1]} bound rc logf
  bound=$((SECONDS + BETWEEN_TIMEOUT))
  [ "$bound" -le "$bench_deadline" ] || bound=$bench_deadline
  if [ "$BETWEEN_COMMAND" = 1 ]; then
    set_state "between phases $after and $next"
    logf=$LOG_DIR/between-$after.log
    launch "BW$i" "between-$after" "$FRONTEND_SLOT" "$FRONTEND_SLOT" bench
    while kill -0 "$BENCH_PID" 2>/dev/null; do
      watch
      [ "$SECONDS" -lt "$bound" ] || fail "the command between phases $after and $next did not end within ${BETWEEN_TIMEOUT}s (benchmark.betweenPhases.timeoutSeconds) or the benchmark's time" "$logf"
      sleep "$POLL_SECONDS"
    done
    wait "$BENCH_PID"; rc=$?
    BENCH_PID=""
    [ "$rc" -eq 0 ] || fail "the command between phases $after and $next exited with status $rc" "$logf"
    log "command between phases $after and $next done"
  fi
  if [ "$BETWEEN_HEALTH_CHECK" = 1 ]; then
    set_state "health check after phase $after"
    until http "$FRONTEND_URL$PROBE_PATH" "$PROBE_BODY"; do
      watch
      [ "$SECONDS" -lt "$bound" ] || fail "health check after phase $after: the frontend did not answer a one-token request within ${BETWEEN_TIMEOUT}s (HTTP $HTTP_CODE: ${HTTP_BODY:0:200})" "$LOG_DIR/frontend.log"
      sleep "$POLL_SECONDS"
    done
    log "health check after phase $after: the frontend serves"
  fi
}

for i in "${!PHASE_NAMES[@]}"; do
  name=${PHASE_NAMES[$i]}
  set_state "benchmark phase $name"
  if ! { rm -rf "${PHASE_DIRS[$i]}" && mkdir -p "${PHASE_DIRS[$i]}"; }; then fail "cannot create ${PHASE_DIRS[$i]}"; fi
  PHASE_START[i]=$(date +%s%N)
  launch "PH$i" "phase-$name" "$FRONTEND_SLOT" "$FRONTEND_SLOT" bench
  stall_begin "$name"
  next_scrape=$((SECONDS + STALL_POLL_SECONDS))
  while kill -0 "$BENCH_PID" 2>/dev/null; do
    watch
    [ "$SECONDS" -lt "$bench_deadline" ] || fail "benchmark not done after ${BENCH_TIMEOUT}s (timeouts.benchmarkSeconds), in phase $name" "$LOG_DIR/phase-$name.log"
    if [ "$SECONDS" -ge "$next_scrape" ]; then
      next_scrape=$((SECONDS + STALL_POLL_SECONDS))
      if http "$FRONTEND_URL$STALL_METRICS_PATH"; then stall_observe "$HTTP_BODY" && stalled "$name"
      else stall_observe "" "HTTP $HTTP_CODE from $FRONTEND_URL$STALL_METRICS_PATH" && stalled "$name"
      fi
    fi
    sleep "$POLL_SECONDS"
  done
  wait "$BENCH_PID"; rc=$?
  BENCH_PID=""
  PHASE_END[i]=$(date +%s%N)
  [ "$rc" -eq 0 ] || fail "benchmark phase $name exited with status $rc" "$LOG_DIR/phase-$name.log"
  watch
  log "phase $name done in $(( (PHASE_END[i] - PHASE_START[i]) / 1000000 )) ms"
  if [ "$i" -lt $(( ${#PHASE_NAMES[@]} - 1 )) ]; then between_phases "$i"; fi
done

# ---------------------------------------------------------------- result
json_str() {
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\r'/\\r}; s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}
{
  printf '{\n  "format": 1,\n  "jobId": %s,\n  "jobName": %s,\n' "$(json_str "$JOB_ID")" "$(json_str "$JOB_NAME")"
  printf '  "timestamps": {"jobStartNs": %s, "launchedNs": %s, "frontendUpNs": %s, "workersRegisteredNs": %s, "modelServedNs": %s, "readyNs": %s, "benchmarkStartNs": %s, "benchmarkEndNs": %s},\n' \
    "$JOB_START_NS" "$LAUNCHED_NS" "${FRONTEND_UP_NS:-null}" "${REGISTERED_NS:-null}" "${MODEL_NS:-null}" "$PROBE_NS" "${PHASE_START[0]}" "${PHASE_END[${#PHASE_END[@]}-1]}"
  printf '  "nodes": ['
  for i in "${!HOSTS[@]}"; do
    [ "$i" -gt 0 ] && printf ', '
    printf '{"slot": %s, "host": %s, "address": %s, "roles": %s}' "$i" "$(json_str "${HOSTS[$i]}")" "$(json_str "${ADDRS[$i]}")" "$(json_str "${SLOT_ROLES[$i]}")"
  done
  printf '],\n  "phases": ['
  for i in "${!PHASE_NAMES[@]}"; do
    [ "$i" -gt 0 ] && printf ', '
    printf '{"name": %s, "dir": %s, "startNs": %s, "endNs": %s}' "$(json_str "${PHASE_NAMES[$i]}")" "$(json_str "${PHASE_DIRS[$i]}")" "${PHASE_START[$i]}" "${PHASE_END[$i]}"
  done
  printf ']\n}\n'
} > "$SUCCESS_MARKER.tmp"
mv -f "$SUCCESS_MARKER.tmp" "$SUCCESS_MARKER" || fail "cannot write $SUCCESS_MARKER"
set_state "done"
exit 0
