#!/usr/bin/env bash
# job-processes.sh - the processes of a dynamo-bench Slurm job, sourced by
# batch.sh: starting one on its node (an srun step running node.sh), watching
# them (exit, fatal log patterns, a full disk), reading their states when a
# phase stalls, and stopping them all (SIGTERM, STOP_GRACE seconds, SIGKILL).
# Functions only; they use batch.sh's settings and its log, fail and
# write_failure, and keep their bookkeeping in PIDS, PNAMES, PLOGS, PKINDS and
# BENCH_PID.
# shellcheck disable=SC2154  # the settings come from job.env and batch.sh

# shellcheck disable=SC2317  # reached through the EXIT trap
stop_processes() { # SIGTERM to every step's processes, STOP_GRACE seconds, then SIGKILL
  local pid step deadline alive
  local all=("${PIDS[@]}")
  [ -n "$BENCH_PID" ] && all+=("$BENCH_PID")
  [ ${#all[@]} -gt 0 ] || return 0
  # signal the processes themselves (srun would only relay and then kill them)
  if [ "$JOB_ID" != none ]; then
    for step in $(timeout 10 squeue -h -s -j "$JOB_ID" -o %i 2>/dev/null); do
      case $step in *.batch|*.extern) continue;; esac
      timeout 10 scancel --signal=TERM "$step" 2>/dev/null
      # a stopped process (SIGSTOP, a hung worker) keeps SIGTERM pending until it runs again
      timeout 10 scancel --signal=CONT "$step" 2>/dev/null
    done
  fi
  for pid in "${all[@]}"; do kill -0 "$pid" 2>/dev/null || continue; [ "$JOB_ID" = none ] && kill -TERM "$pid" 2>/dev/null && kill -CONT "$pid" 2>/dev/null; done
  deadline=$((SECONDS + STOP_GRACE))
  while [ "$SECONDS" -lt "$deadline" ]; do
    alive=0
    for pid in "${all[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for pid in "${all[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then log "srun $pid still running ${STOP_GRACE}s after SIGTERM: SIGKILL"; kill -KILL "$pid" 2>/dev/null; fi
  done
  if [ "$JOB_ID" != none ]; then
    for step in $(timeout 10 squeue -h -s -j "$JOB_ID" -o %i 2>/dev/null); do
      case $step in *.batch|*.extern) continue;; esac
      timeout 10 scancel --signal=KILL "$step" 2>/dev/null
    done
  fi
  wait 2>/dev/null
  log "stopped ${#all[@]} processes"
}

launch() { # launch KEY NAME SLOT LEADER_SLOT KIND
  local key=$1 name=$2 slot=$3 leader=$4 kind=$5 logf=$LOG_DIR/$2.log
  : > "$logf"
  srun --overlap --nodes=1 --ntasks=1 --nodelist="${HOSTS[$slot]}" --job-name="$name" \
    --output="${logf//%/%%}" --open-mode=append "${SRUN_ARGS[@]}" \
    bash "$NODE_SH" "$ENV_FILE" "$key" "$name" "${ADDRS[$slot]}" "${ADDRS[$leader]}" "$FRONTEND_ADDR" \
    </dev/null >>"$LOG_DIR/srun.log" 2>&1 &
  LAST_PID=$!
  if [ "$kind" = bench ]; then BENCH_PID=$LAST_PID; else
    PIDS+=("$LAST_PID"); PNAMES+=("$name"); PLOGS+=("$logf"); PKINDS+=("$kind")
  fi
  log "started $name on ${HOSTS[$slot]} (srun pid $LAST_PID)"
}

check_processes() { # every started process still runs
  local i rc
  for i in "${!PIDS[@]}"; do
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
      wait "${PIDS[$i]}"; rc=$?
      fail "${PNAMES[$i]} exited with status $rc while $STATE" "${PLOGS[$i]}" "$LOG_DIR/srun.log"
    fi
  done
}

scan_fatal() { # a worker log line matching a fatal pattern fails the job
  local i line
  [ ${#PATTERN_ARGS[@]} -gt 0 ] || return 0
  for i in "${!PIDS[@]}"; do
    [ "${PKINDS[$i]}" = worker ] || continue
    line=$(grep -E -m 1 "${PATTERN_ARGS[@]}" "${PLOGS[$i]}" 2>/dev/null) || continue
    fail "fatal error in the log of ${PNAMES[$i]}: $line" "${PLOGS[$i]}"
  done
}

check_disk() { # the processes lose their writes silently on a full disk: fail at once, naming it
  local free
  free=$(df -P -k -- "$RUN_DIR" 2>/dev/null | awk 'NR == 2 { print $4 }')
  [ -n "$free" ] && [ "$free" -lt "$MIN_FREE_KB" ] || return 0
  fail "no space left on device (ENOSPC) in the run folder $RUN_DIR (${free} KiB free) while $STATE; free space there or set slurm.outputDir to a filesystem with room" "$LOG_DIR/job.log"
}

watch() { check_processes; scan_fatal; check_disk; }

proc_states() { # each process's state on its node (pids/NAME.pid: pid node), one srun per other node, bounded
  local f name pid node states line now here=${SLURMD_NODENAME:-$(hostname)}
  declare -A on=()
  for f in "$RUN_DIR"/pids/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    case $name in phase-*) continue;; esac
    read -r pid node _ < "$f"
    on[$node]+="$pid:$name "
  done
  # shellcheck disable=SC2016  # the inner script expands its own arguments
  local show='for a in "$@"; do p=${a%%:*}; s=$(cat "/proc/$p/stat" 2>/dev/null) || { printf "  %s (pid %s): gone\n" "${a#*:}" "$p"; continue; }; s=${s##*) }; printf "  %s (pid %s): %s\n" "${a#*:}" "$p" "${s%% *}"; done'
  now=$(date +%s)
  for node in "${!on[@]}"; do
    # shellcheck disable=SC2086  # one word per process
    if [ "$node" = "$here" ]; then states=$(bash -c "$show" _ ${on[$node]})
    else states=$(timeout 20 srun --overlap --nodes=1 --ntasks=1 --nodelist="$node" bash -c "$show" _ ${on[$node]} 2>/dev/null) || states="  (states on $node could not be read)"
    fi
    while IFS= read -r line; do
      # a worker hung while sleeping shows no state of its own, but stops logging
      name=${line#  }; name=${name%% *}; f=$LOG_DIR/$name.log
      if [ -e "$f" ]; then printf '%s on %s; log last written %ss ago\n' "$line" "$node" "$(( now - $(stat -c %Y "$f") ))"
      else printf '%s on %s\n' "$line" "$node"; fi
    done <<<"$states"
  done
}

stalled() { # stalled PHASE: the phase completes no request (stall-watch.sh); names stopped processes, quotes every log
  local states stopped
  states=$(proc_states)
  stopped=$(awk -F'[ (]' '/\): [Tt] on / { printf "%s%s", sep, $3; sep = ", " }' <<<"$states")
  printf 'process states (/proc, T = stopped):\n%s\n' "$states" > "$RUN_DIR/stall-states.txt"
  if [ -n "$stopped" ]; then stopped="stopped process: $stopped"; else stopped="no process is stopped (see the states and logs below)"; fi
  fail "$STALL_MESSAGE; $stopped" "$RUN_DIR/stall-states.txt" "${PLOGS[@]}" "$LOG_DIR/phase-$1.log"
}
