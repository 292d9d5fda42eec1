#!/usr/bin/env bash
# dynamo-bench: the benchmark Job's entry point on Kubernetes.
#
# Reads a plan (JSON, path in DYNAMO_BENCH_PLAN) written by lib/kubernetes/benchmark.ts,
# waits (bounded) until the Dynamo frontend lists the served model, runs the
# benchmark tool once per phase with the argv the plan gives, and prints each
# phase's small export files base64-encoded between markers, so `dynamo-bench
# k8s-collect` can recover them from `kubectl logs`. Any failure ends the Job
# with a non-zero exit and a FAILED marker naming the reason.
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
COMPLETED_NAMES=()
COMPLETED_DIRS=()

log() { printf '[dynamo-bench] %s\n' "$*" >&2; }

# plan MODE KEY... : reads the plan. MODE str prints a value, len a list's length,
# argv a list as NUL-separated elements (so no argument is ever re-split).
plan() {
    python3 - "$PLAN" "$@" <<'PY'
import json
import sys

path, mode, *keys = sys.argv[1:]
with open(path, encoding="utf-8") as handle:
    value = json.load(handle)
for key in keys:
    value = value[int(key)] if isinstance(value, list) else value[key]
if mode == "len":
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
        \( -name 'profile_export_aiperf.json' -o -name 'profile_export_aiperf.csv' \
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

    for ((i = 0; i < count; i++)); do
        name="$(plan str phases "$i" name)"
        dir="$(plan str phases "$i" artifactDir)"
        local -a argv=()
        mapfile -d '' -t argv < <(plan argv phases "$i" argv)
        mkdir -p "$dir"
        printf '%s-PHASE phase=%s BEGIN===\n' "$MARK" "$name"
        log "phase ${name} ($((i + 1))/${count}): ${argv[*]}"
        set +e
        (cd "$dir" && "${argv[@]}") 2>&1 | tee "${dir}/tool.log"
        rc="${PIPESTATUS[0]}"
        set -e
        if ((rc != 0)); then
            fail tool-exit "phase ${name}: ${tool} exited with status ${rc} (last lines above)"
        fi
        found="$(emit_files "$name" "$dir" | grep -c "^${MARK}-FILE .* BEGIN===\$" || true)"
        if ((found == 0)); then
            fail no-exports "phase ${name}: ${tool} exited 0 but wrote no export files under ${dir}"
        fi
        COMPLETED_NAMES+=("$name")
        COMPLETED_DIRS+=("$dir")
    done

    emit_completed
    printf '%s-DONE phases=%s===\n' "$MARK" "$count"
}

main "$@"
