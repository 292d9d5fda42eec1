# shellcheck shell=bash
# shellcheck disable=SC2034  # STALL_MESSAGE and the state are read by the scripts that source this file
# stall-watch.sh - the stall watchdog's rule for the node scripts. Sourced,
# never run: by scripts/slurm/batch.sh (shipped next to it in the job folder)
# and by scripts/k8s/run-benchmark.sh (mounted next to it from the Job's
# ConfigMap). The local target applies the same rule in TypeScript
# (lib/watchdog/stall.ts); keep both in step, including the report's words.
#
# The rule: while requests are in flight (the frontend's started counter above
# its completed counter), a phase must complete one at least every
# STALL_SECONDS; the clock restarts at each completed request and whenever
# nothing is in flight (client start-up, tokenizer download, export), so only
# a phase that owes answers can stall. A scrape that fails (the frontend hung
# or gone) leaves the clock running.
#
# The caller sets STALL_SECONDS, STALL_COMPLETED_METRIC and STALL_STARTED_METRIC
# (lib/dynamo/progress-metrics.ts), calls `stall_begin PHASE` when a phase
# starts and `stall_observe TEXT [WHY]` with each scrape of the frontend's
# /metrics (TEXT empty and WHY set when it did not answer). stall_observe
# returns 0 once the phase has stalled and sets STALL_MESSAGE, one line.
# Needs bash, awk and date only. STALL_NOW (epoch seconds), when set, is the
# clock instead of `date` (the unit tests drive the rule with it).

stall_now() { printf '%s' "${STALL_NOW:-$(date +%s)}"; }

# stall_counts TEXT: "completed started", each summed over every label set;
# nothing when TEXT has no completed counter.
stall_counts() {
  awk -v c="$STALL_COMPLETED_METRIC" -v s="$STALL_STARTED_METRIC" '
    /^[ \t]*(#|$)/ { next }
    {
      line = $0; sub(/^[ \t]+/, "", line)
      name = line; sub(/[{ \t].*$/, "", name)
      if (name != c && name != s) next
      rest = substr(line, length(name) + 1)
      # labels may hold spaces and braces: the value follows the last "}"
      if (substr(rest, 1, 1) == "{") { n = split(rest, parts, "}"); rest = parts[n] }
      sub(/^[ \t]+/, "", rest); split(rest, v, /[ \t]+/)
      if (v[1] !~ /^[-+]?[0-9.eE+-]+$/) next
      if (name == c) { done += v[1]; seen = 1 } else started += v[1]
    }
    END { if (seen) printf "%.0f %.0f\n", done, started }' <<<"$1"
}

stall_begin() { # stall_begin PHASE
  STALL_PHASE=$1
  STALL_CLOCK_FROM=$(stall_now)
  STALL_LAST="" STALL_LAST_AT="" STALL_PROGRESSED=0 STALL_INFLIGHT="" STALL_SCRAPE_ERROR="" STALL_MESSAGE=""
}

stall_observe() { # stall_observe TEXT [WHY]: 0 once the phase has stalled (STALL_MESSAGE set), 1 otherwise
  local now counts completed started flight last
  now=$(stall_now)
  counts=$(stall_counts "$1")
  if [ -n "$counts" ]; then
    read -r completed started <<<"$counts"
    STALL_SCRAPE_ERROR=""
    if [ "$completed" != "$STALL_LAST" ]; then
      [ -n "$STALL_LAST" ] && STALL_PROGRESSED=1
      STALL_LAST=$completed STALL_LAST_AT=$now STALL_CLOCK_FROM=$now
    fi
    STALL_INFLIGHT=$(( started > completed ? started - completed : 0 ))
    [ "$STALL_INFLIGHT" -gt 0 ] || STALL_CLOCK_FROM=$now
  else
    STALL_SCRAPE_ERROR=${2:-no $STALL_COMPLETED_METRIC in the frontend metrics}
  fi
  [ $(( now - STALL_CLOCK_FROM )) -ge "$STALL_SECONDS" ] || return 1
  if [ -n "$STALL_SCRAPE_ERROR" ]; then flight="the frontend's metrics did not answer ($STALL_SCRAPE_ERROR)"
  else flight="${STALL_INFLIGHT:-?} request(s) in flight"; fi
  if [ -z "$STALL_LAST" ]; then last="no reading of $STALL_COMPLETED_METRIC in this phase"
  else
    if [ "$STALL_PROGRESSED" = 1 ]; then last="last completed request"; else last="no request completed in this phase; count"; fi
    last="$last: $STALL_COMPLETED_METRIC=$STALL_LAST at $(date -u -d "@$STALL_LAST_AT" +%Y-%m-%dT%H:%M:%S.000Z) ($(( now - STALL_LAST_AT ))s ago)"
  fi
  STALL_MESSAGE="stalled: benchmark phase \"$STALL_PHASE\" completed no request for $(( now - STALL_CLOCK_FROM ))s (timeouts.stallSeconds $STALL_SECONDS) with $flight; $last"
  return 0
}
