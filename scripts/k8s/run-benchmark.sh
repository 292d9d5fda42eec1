#!/usr/bin/env bash
# dynamo-bench: the benchmark Job's entry point on Kubernetes.
#
# Reads a plan (JSON, path in DYNAMO_BENCH_PLAN) written by lib/kubernetes/benchmark.ts,
# waits (bounded) until the Dynamo frontend lists the served model, runs the
# benchmark tool once per phase with the argv the plan gives (plus, where the
# plan asks, every worker's metrics URL: its workerMetrics Service name resolved
# once, before the first phase; between two phases the plan's command and
# health check, benchmark.betweenPhases), and prints each
# phase's small export files base64-encoded between markers, so `dynamo-bench
# k8s-collect` can recover them from `kubectl logs`. Any failure ends the Job
# with a non-zero exit and a FAILED marker naming the reason. While a phase
# runs, the frontend's completed-request counter is watched (stall-watch.sh,
# shipped next to this script): requests in flight and none completed for
# the plan's stall.seconds stops the tool and fails with reason=stalled (the
# collector then quotes every graph pod's log tail).
#
# Markers (parsed by lib/kubernetes/collect.ts; keep both in step):
#   ===DYNAMO-BENCH-PHASE phase=<p> BEGIN===
#   ===DYNAMO-BENCH-FILE phase=<p> name=<file> base64 BEGIN===
#   <base64 lines>
#   ===DYNAMO-BENCH-FILE phase=<p> name=<file> END===
#   ===DYNAMO-BENCH-DONE phases=<n>===
#   ===DYNAMO-BENCH-FAILED reason=<word>===
set -euo pipefail

PLAN="${DYNAMO_BENCH_PLAN:?DYNAMO_BENCH_PLAN must name the plan JSON file}"
MARK="===DYNAMO-BENCH"
# The stall watchdog's rule: next to this script in the Job (the ConfigMap
# mount), one folder up in this repository's layout (scripts/stall-watch.sh).
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STALL_WATCH="${SCRIPT_DIR}/stall-watch.sh"
[[ -r "$STALL_WATCH" ]] || STALL_WATCH="${SCRIPT_DIR}/../stall-watch.sh"
# shellcheck source=scripts/stall-watch.sh
source "$STALL_WATCH"
# How long a stopped tool gets between SIGTERM and SIGKILL.
STOP_GRACE_SECONDS=10
COMPLETED_NAMES=()
COMPLETED_DIRS=()
WORKER_METRICS_URLS=()
ARGV=()

log() { printf '[dynamo-bench] %s\n' "$*" >&2; }

# plan MODE KEY... : reads the plan. MODE str prints a value, len a list's length,
# argv a list as NUL-separated elements (so no argument is ever re-split),
# has "yes" or "no" (whether the plan holds that key at all).
plan() {
    python3 - "$PLAN" "$@" <<'PY'
import json
import sys

path, mode, *keys = sys.argv[1:]
with open(path, encoding="utf-8") as handle:
    value = json.load(handle)
try:
    for key in keys:
        value = value[int(key)] if isinstance(value, list) else value[key]
except (KeyError, IndexError):
    if mode != "has":
        raise
    sys.stdout.write("no")
    sys.exit(0)
if mode == "has":
    sys.stdout.write("yes")
elif mode == "len":
    sys.stdout.write(str(len(value)))
elif mode == "argv":
    sys.stdout.write("".join(f"{item}\0" for item in value))
else:
    sys.stdout.write(str(value))
PY
}

# Prints the small export files of one phase (not the per-request JSONL, not sweep aggregates).
emit_files() {
    local phase="$1" dir="$2" file base
    while IFS= read -r -d '' file; do
        base="$(basename "$file")"
        printf '%s-FILE phase=%s name=%s base64 BEGIN===\n' "$MARK" "$phase" "$base"
        base64 "$file"
        printf '%s-FILE phase=%s name=%s END===\n' "$MARK" "$phase" "$base"
    done < <(find "$dir" -maxdepth 3 -type f \
        \( -name 'profile_export_aiperf.json' -o -name 'profile_export_aiperf.csv' -o -name 'accuracy_results.csv' \
        -o -name '*_genai_perf.json' -o -name '*_genai_perf.csv' \) \
        -not -path '*/profile_runs/*' -not -path '*/aggregate/*' -print0 | sort -z)
}

emit_completed() {
    local i
    for ((i = 0; i < ${#COMPLETED_NAMES[@]}; i++)); do
        emit_files "${COMPLETED_NAMES[$i]}" "${COMPLETED_DIRS[$i]}"
    done
}

# fail REASON MESSAGE: keeps what finished, then ends the Job with the reason.
fail() {
    local reason="$1"
    shift
    log "ERROR: $*"
    emit_completed
    printf '%s-FAILED reason=%s===\n' "$MARK" "$reason"
    exit 1
}

wait_for_model() {
    local url="$1" model="$2" wait_seconds="$3" deadline
    deadline=$(($(date +%s) + wait_seconds))
    log "waiting up to ${wait_seconds}s for ${url} to list model '${model}'"
    until python3 - "$url" "$model" <<'PY'
import json
import sys
import urllib.request

url, model = sys.argv[1], sys.argv[2]
try:
    with urllib.request.urlopen(url, timeout=5) as response:
        ids = [entry.get("id") for entry in json.load(response).get("data", [])]
except Exception as error:  # any failure means "not yet"
    print(f"[dynamo-bench] frontend not answering yet: {error}", file=sys.stderr)
    sys.exit(1)
if model in ids:
    sys.exit(0)
print(f"[dynamo-bench] frontend lists {ids}; waiting for {model!r}", file=sys.stderr)
sys.exit(1)
PY
    do
        if (($(date +%s) >= deadline)); then
            fail model-not-listed "the frontend at ${url} did not list model '${model}' within ${wait_seconds}s"
        fi
        sleep 5
    done
    log "model '${model}' is served"
}

# resolve_worker_metrics: when the plan has workerMetrics, resolves its headless
# Service name to every Ready worker pod's IP (bounded: until the expected
# count is there or waitSeconds pass) and fills WORKER_METRICS_URLS with each
# worker's system-port /metrics. Server metrics are auxiliary: fewer workers
# than expected, or none, is a warning naming the counts, and the run goes on
# with those found (AIPerf still scrapes the frontend).
resolve_worker_metrics() {
    [[ "$(plan has workerMetrics)" == yes ]] || return 0
    local host port path expected wait_seconds deadline ip
    local -a ips=()
    host="$(plan str workerMetrics host)"
    port="$(plan str workerMetrics port)"
    path="$(plan str workerMetrics path)"
    expected="$(plan str workerMetrics expected)"
    wait_seconds="$(plan str workerMetrics waitSeconds)"
    if ! command -v getent >/dev/null 2>&1; then
        log "WARNING: getent is not in this image, so the workers' metrics (${host}) are not scraped; the frontend's are"
        return 0
    fi
    deadline=$(($(date +%s) + wait_seconds))
    while :; do
        # ahosts lists every address of the name (once per socket type); hosts would give one.
        mapfile -t ips < <(getent ahosts "$host" 2>/dev/null | awk '{ print $1 }' | sort -u)
        ((${#ips[@]} >= expected)) && break
        (($(date +%s) >= deadline)) && break
        sleep 2
    done
    if ((${#ips[@]} < expected)); then
        log "WARNING: ${host} resolved to ${#ips[@]} of ${expected} worker pods within ${wait_seconds}s (${ips[*]:-no address}); scraping those found and the frontend (a worker pod that is not Ready has no address there)"
    fi
    for ip in "${ips[@]}"; do
        [[ "$ip" == *:* ]] && ip="[${ip}]"
        WORKER_METRICS_URLS+=("http://${ip}:${port}${path}")
    done
    ((${#WORKER_METRICS_URLS[@]} == 0)) || log "worker metrics: ${WORKER_METRICS_URLS[*]}"
}

# with_worker_metrics I: inserts the worker URLs (after the plan's flag) into ARGV at phase I's
# workerMetricsAt; a phase without it (its own arguments decide the scraping) is left as is.
with_worker_metrics() {
    local i="$1" at flag
    ((${#WORKER_METRICS_URLS[@]} > 0)) || return 0
    [[ "$(plan has phases "$i" workerMetricsAt)" == yes ]] || return 0
    at="$(plan str phases "$i" workerMetricsAt)"
    flag="$(plan str workerMetrics flag)"
    ARGV=("${ARGV[@]:0:at}" "$flag" "${WORKER_METRICS_URLS[@]}" "${ARGV[@]:at}")
}

# fetch_metrics URL: prints the frontend's Prometheus text; on failure, why (stderr) and status 1.
fetch_metrics() {
    python3 - "$1" <<'PY'
import sys
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as response:
        sys.stdout.write(response.read().decode("utf-8", "replace"))
except Exception as error:  # any failure is "no answer"; the rule decides
    sys.stderr.write(str(error))
    sys.exit(1)
PY
}

# read_stall_settings: the watchdog's settings from the plan (lib/kubernetes/benchmark.ts writes them).
read_stall_settings() {
    STALL_SECONDS="$(plan str stall seconds 2>/dev/null)" || fail bad-plan "the plan ${PLAN} has no stall settings (stall.seconds); re-render it with this version"
    STALL_POLL_SECONDS="$(plan str stall pollSeconds)"
    STALL_METRICS_URL="$(plan str stall metricsUrl)"
    STALL_COMPLETED_METRIC="$(plan str stall completedMetric)"
    STALL_STARTED_METRIC="$(plan str stall startedMetric)"
}

# stop_tool PID: SIGTERM, and SIGCONT for a stopped one, then SIGKILL after the grace.
stop_tool() {
    local pid="$1" deadline
    kill -TERM "$pid" 2>/dev/null || return 0
    kill -CONT "$pid" 2>/dev/null || true
    deadline=$(($(date +%s) + STOP_GRACE_SECONDS))
    while kill -0 "$pid" 2>/dev/null && (($(date +%s) < deadline)); do sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
}

# run_phase NAME DIR ARGV...: runs the tool (its output to the Job's log and DIR/tool.log),
# watching the frontend for a stall; sets PHASE_RC to the tool's exit status.
run_phase() {
    local name="$1" dir="$2" runner tool_pid="" body why next
    shift 2
    rm -f "${dir}/.tool.pid"
    # The subshell ends once tee has written everything, so the markers that follow never interleave.
    { (cd "$dir" && printf '%s\n' "$BASHPID" >"${dir}/.tool.pid" && exec "$@") 2>&1 | tee "${dir}/tool.log"; exit "${PIPESTATUS[0]}"; } &
    runner=$!
    stall_begin "$name"
    next=$(($(date +%s) + STALL_POLL_SECONDS))
    while kill -0 "$runner" 2>/dev/null; do
        sleep 0.5
        (($(date +%s) >= next)) || continue
        next=$(($(date +%s) + STALL_POLL_SECONDS))
        if body="$(fetch_metrics "$STALL_METRICS_URL" 2>"${dir}/.scrape-error")"; then why=""; else body="" why="$(head -c 300 "${dir}/.scrape-error")"; fi
        if stall_observe "$body" "${why:-no answer}"; then
            [[ -s "${dir}/.tool.pid" ]] && tool_pid="$(cat "${dir}/.tool.pid")"
            log "${STALL_MESSAGE}; stopping ${tool_pid:+the tool (pid ${tool_pid})}"
            [[ -n "$tool_pid" ]] && stop_tool "$tool_pid"
            wait "$runner" 2>/dev/null || true
            fail stalled "${STALL_MESSAGE}; every graph pod's log tail follows from the collector"
        fi
    done
    set +e
    wait "$runner"
    PHASE_RC=$?
    set -e
}

# between_phases I AFTER NEXT: benchmark.betweenPhases after phase I, bounded by its timeoutSeconds:
# the plan's command for gap I (when there is one; its output goes to stderr, away from the
# markers), then the one-token request through the frontend until it answers.
between_phases() {
    local i="$1" after="$2" next="$3" timeout_s deadline rc kv
    local -a argv=() envs=()
    timeout_s="$(plan str betweenPhases timeoutSeconds)"
    deadline=$(($(date +%s) + timeout_s))
    mapfile -d '' -t argv < <(plan argv betweenPhases gaps "$i" argv)
    if ((${#argv[@]} > 0)); then
        mapfile -d '' -t envs < <(plan argv betweenPhases gaps "$i" env)
        log "between phases ${after} and ${next}: ${argv[*]}"
        set +e
        (
            for kv in "${envs[@]}"; do export "${kv%%=*}=${kv#*=}"; done
            exec timeout --kill-after=5 "$timeout_s" "${argv[@]}"
        ) </dev/null >&2
        rc=$?
        set -e
        if ((rc == 124 || rc == 137)); then
            fail between-phases "the command between phases ${after} and ${next} did not end within ${timeout_s}s (benchmark.betweenPhases.timeoutSeconds)"
        elif ((rc != 0)); then
            fail between-phases "the command between phases ${after} and ${next} exited with status ${rc} (its output is above)"
        fi
        log "command between phases ${after} and ${next} done"
    fi
    [[ "$(plan str betweenPhases healthCheck)" == True ]] || return 0
    until python3 - "$(plan str betweenPhases probeUrl)" "$(plan str betweenPhases probeBody)" <<'PY'
import sys
import urllib.request

url, body = sys.argv[1], sys.argv[2].encode()
request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        sys.exit(0 if 200 <= response.status < 300 else 1)
except Exception as error:  # any failure means "not yet"
    print(f"[dynamo-bench] health check: {error}", file=sys.stderr)
    sys.exit(1)
PY
    do
        if (($(date +%s) >= deadline)); then
            fail between-phases "health check after phase ${after}: the frontend did not answer a one-token request within ${timeout_s}s"
        fi
        sleep 1
    done
    log "health check after phase ${after}: the frontend serves"
}

main() {
    [[ -r "$PLAN" ]] || fail bad-plan "cannot read the plan file ${PLAN}"
    local tool models_url model wait_seconds count i name dir rc found
    tool="$(plan str tool)"
    models_url="$(plan str modelsUrl)"
    model="$(plan str model)"
    wait_seconds="$(plan str modelWaitSeconds)"
    count="$(plan len phases)"
    command -v "$tool" >/dev/null 2>&1 || fail tool-missing "'${tool}' is not installed in this image; set benchmark.image to an image that has it"

    wait_for_model "$models_url" "$model" "$wait_seconds"
    read_stall_settings
    resolve_worker_metrics

    for ((i = 0; i < count; i++)); do
        name="$(plan str phases "$i" name)"
        dir="$(plan str phases "$i" artifactDir)"
        ARGV=()
        mapfile -d '' -t ARGV < <(plan argv phases "$i" argv)
        with_worker_metrics "$i"
        mkdir -p "$dir"
        printf '%s-PHASE phase=%s BEGIN===\n' "$MARK" "$name"
        log "phase ${name} ($((i + 1))/${count}): ${ARGV[*]}"
        run_phase "$name" "$dir" "${ARGV[@]}"
        rc="$PHASE_RC"
        if ((rc != 0)); then
            fail tool-exit "phase ${name}: ${tool} exited with status ${rc} (last lines above)"
        fi
        found="$(emit_files "$name" "$dir" | grep -c "^${MARK}-FILE .* BEGIN===\$" || true)"
        if ((found == 0)); then
            fail no-exports "phase ${name}: ${tool} exited 0 but wrote no export files under ${dir}"
        fi
        COMPLETED_NAMES+=("$name")
        COMPLETED_DIRS+=("$dir")
        if ((i + 1 < count)); then between_phases "$i" "$name" "$(plan str phases "$((i + 1))" name)"; fi
    done

    emit_completed
    printf '%s-DONE phases=%s===\n' "$MARK" "$count"
}

main "$@"
