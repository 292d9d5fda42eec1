#!/usr/bin/env bash
# sweep.sh - the batch script of a dynamo-bench sweep job (slurm.sweepJob):
# every point of a sweep, one after another, in one allocation. Static: the
# points come from the env file dynamo-bench rendered (single-quoted values).
#
#   sbatch [options] RUN_DIR/sweep.sh RUN_DIR/job.env
#
# Each point is a complete benchmark run of its own (POINT_DIRS[i]/job.env),
# run by batch.sh exactly as a job of its own would be: its processes started,
# bounded readiness, its load phases, SUCCESS.json or FAILURE in its folder,
# every process stopped. Between two points this script checks that nothing of
# the point is left: no job step but this one (bounded, then SIGKILL) and the
# frontend's port closed. A point that fails is recorded with its reason and
# the next point runs (its processes start from nothing, so an earlier point's
# failure does not carry over); the sweep stops early only when the job itself
# is stopping (time limit, scancel) or a point's processes could not be stopped.
#
# RUN_DIR/SWEEP.tsv, rewritten after every point and on exit, is what
# dynamo-bench slurm-wait reads: one line per point,
#   id  status(ok|failed|not run)  startNs  endNs  clearNs  reason
# The job exits 0 when every point succeeded, 1 otherwise.
set -uo pipefail

ENV_FILE=${1:-}
if [ -z "$ENV_FILE" ] || [ ! -r "$ENV_FILE" ]; then
  echo "dynamo-bench sweep job: usage: sweep.sh ENV_FILE (got '${ENV_FILE}')" >&2
  exit 2
fi
# shellcheck source=/dev/null
source "$ENV_FILE"

OUTCOME=$RUN_DIR/SWEEP.tsv
FAILURE_MARKER=$RUN_DIR/FAILURE
JOB_ID=${SLURM_JOB_ID:-none}
STATUS=() REASON=() START_NS=() END_NS=() CLEAR_NS=()
CHILD="" CURRENT="" STOPPING="" STATE=starting

log() { printf '[%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$*"; }
set_state() { STATE=$1; printf '%s\n' "$1" > "$RUN_DIR/state"; log "$1"; }
one_line() { local s=${1//[$'\t\r\n']/ }; printf '%s' "$s"; }

write_outcome() { # every point: its status so far ("not run" until it ran)
  local i reason
  {
    printf 'id\tstatus\tstartNs\tendNs\tclearNs\treason\n'
    for i in "${!POINT_IDS[@]}"; do
      reason=${REASON[$i]-${STOPPING:-the sweep ended before this point}}
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "${POINT_IDS[$i]}" "${STATUS[$i]:-not run}" "${START_NS[$i]:-}" "${END_NS[$i]:-}" "${CLEAR_NS[$i]:-}" "$(one_line "$reason")"
    done
  } > "$OUTCOME.tmp" && mv -f "$OUTCOME.tmp" "$OUTCOME"
}

other_steps() { # job steps still running besides this batch script
  [ "$JOB_ID" != none ] || return 0
  timeout 10 squeue -h -s -j "$JOB_ID" -o %i 2>/dev/null | grep -v -e '\.batch$' -e '\.extern$'
}

port_open() { # port_open ADDR PORT: something still listens there
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# shellcheck disable=SC2317  # reached through the traps
stop_child() { # the running point stops itself on SIGTERM (batch.sh); SIGKILL after the grace
  local deadline
  [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null || return 0
  kill -TERM "$CHILD" 2>/dev/null
  deadline=$((SECONDS + STOP_GRACE + 30))
  while kill -0 "$CHILD" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  kill -0 "$CHILD" 2>/dev/null && kill -KILL "$CHILD" 2>/dev/null
  wait "$CHILD" 2>/dev/null
}

# shellcheck disable=SC2317  # the EXIT trap
cleanup() {
  local rc=$? i
  trap - EXIT
  trap '' TERM INT USR1
  stop_child
  [ -n "$STOPPING" ] || STOPPING="the sweep script stopped with status $rc while $STATE"
  if [ -n "$CURRENT" ] && [ -z "${STATUS[$CURRENT]:-}" ]; then # stopped while the point ran
    STATUS[CURRENT]=failed
    REASON[CURRENT]=$(head -n 1 "${POINT_DIRS[$CURRENT]}/FAILURE" 2>/dev/null)
    REASON[CURRENT]=${REASON[$CURRENT]#reason: }
    REASON[CURRENT]=${REASON[$CURRENT]:-$STOPPING}
  fi
  write_outcome
  for i in "${!POINT_IDS[@]}"; do [ "${STATUS[$i]:-}" = ok ] || rc=1; done
  log "sweep job script exits with status $rc"
  exit "$rc"
}
# A signal only notes why the sweep stops and passes it on to the running point,
# which stops its processes and reports the reason itself.
# shellcheck disable=SC2317  # reached through the traps
stopping() { # stopping REASON SIGNAL
  STOPPING=$1
  log "stopping: $1"
  [ -n "$CHILD" ] && kill "-$2" "$CHILD" 2>/dev/null
}
trap cleanup EXIT
trap 'stopping "time limit: the job reaches its time limit ($TIME_LIMIT) in less than ${TIME_LIMIT_WARNING}s" USR1' USR1
trap 'stopping "received SIGTERM: the job was cancelled (scancel or pulumi destroy), preempted, or reached its time limit" TERM' TERM
trap 'stopping "received SIGINT" INT' INT

mkdir -p "$RUN_DIR/logs" || { echo "cannot create $RUN_DIR/logs" >&2; exit 1; }
rm -f "$FAILURE_MARKER" "$OUTCOME"
for dir in "${POINT_DIRS[@]}"; do rm -f "$dir/SUCCESS.json" "$dir/FAILURE"; done
log "dynamo-bench sweep job $JOB_ID ($JOB_NAME): ${#POINT_IDS[@]} points, run $RUN_DIR"
write_outcome

run_point() { # run_point I: one point through batch.sh, bounded by POINT_BOUNDS[I]
  local i=$1 dir=${POINT_DIRS[$1]} id=${POINT_IDS[$1]} deadline rc overrun=0 reason
  mkdir -p "$dir/logs"
  CURRENT=$i
  START_NS[i]=$(date +%s%N)
  bash "$JOB_DIR/batch.sh" "$dir/job.env" > "$dir/logs/job.log" 2>&1 < /dev/null &
  CHILD=$!
  deadline=$((SECONDS + POINT_BOUNDS[i]))
  while kill -0 "$CHILD" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ] && [ "$overrun" = 0 ]; then
      overrun=1
      log "point $id still running after ${POINT_BOUNDS[$i]}s: stopping it"
      kill -TERM "$CHILD" 2>/dev/null
      deadline=$((SECONDS + STOP_GRACE + 30))
    elif [ "$SECONDS" -ge "$deadline" ]; then
      kill -KILL "$CHILD" 2>/dev/null
    fi
    sleep 0.2
  done
  wait "$CHILD"; rc=$?
  CHILD=""
  END_NS[i]=$(date +%s%N)
  if [ "$rc" -eq 0 ] && [ -s "$dir/SUCCESS.json" ] && [ ! -e "$dir/FAILURE" ]; then
    STATUS[i]=ok REASON[i]=""
  else
    reason=$(head -n 1 "$dir/FAILURE" 2>/dev/null)
    reason=${reason#reason: }
    [ -n "$reason" ] || reason="its batch script exited with status $rc without a failure marker (see $dir/logs/job.log)"
    [ "$overrun" = 1 ] && reason="not done within ${POINT_BOUNDS[$i]}s (timeouts.readySeconds + benchmarkSeconds + a margin): $reason"
    STATUS[i]=failed REASON[i]=$reason
  fi
  CURRENT=""
  log "point $id: ${STATUS[$i]}${REASON[$i]:+: ${REASON[$i]}}"
}

clear_point() { # clear_point I: no step of the point left, its frontend port closed (bounded)
  local i=$1 dir=${POINT_DIRS[$1]} id=${POINT_IDS[$1]} deadline steps addr step
  deadline=$((SECONDS + STOP_GRACE + 30))
  while steps=$(other_steps) && [ -n "$steps" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  if [ -n "$steps" ]; then
    log "steps of point $id still running: $(tr '\n' ' ' <<<"$steps"); SIGKILL"
    for step in $steps; do timeout 10 scancel --signal=KILL "$step" 2>/dev/null; done
    sleep 2
    steps=$(other_steps)
    [ -z "$steps" ] || { STOPPING="the processes of point $id could not be stopped (job steps $(tr '\n' ' ' <<<"$steps")); the next points were not run"; return 1; }
  fi
  addr=$(awk '$4 ~ /(^|,)frontend(,|$)/ { print $3; exit }' "$dir/nodes.txt" 2>/dev/null)
  if [ -n "$addr" ]; then
    while port_open "$addr" "${POINT_FRONTEND_PORTS[$i]}" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if port_open "$addr" "${POINT_FRONTEND_PORTS[$i]}"; then
      STOPPING="port ${POINT_FRONTEND_PORTS[$i]} on $addr still answers after point $id stopped; the next points were not run"
      return 1
    fi
  fi
  CLEAR_NS[i]=$(date +%s%N)
}

for i in "${!POINT_IDS[@]}"; do
  [ -z "$STOPPING" ] || break
  set_state "point $((i + 1))/${#POINT_IDS[@]} ${POINT_IDS[$i]}"
  run_point "$i"
  write_outcome
  clear_point "$i" || log "$STOPPING"
  write_outcome
done
set_state "done"
exit 0
