#!/usr/bin/env bash
# Sets up the venvs in which the engines' own argument parsers judge the
# command lines the project generates (scripts/judge/judge_commands.py):
#   vllm:       ai-dynamo + the vllm release ai-dynamo[vllm] pins
#   sglang:     ai-dynamo + the sglang release ai-dynamo[sglang] pins
#   genai-perf: genai-perf alone (its CLI parser)
# dynamo.frontend, dynamo.mocker and aiperf are judged in the project venv
# (scripts/setup-python.sh); TensorRT-LLM cannot be installed here, so the
# trtllm judge reads dynamo/trtllm's flag definitions in that venv too.
#
# Venvs: ${DYNAMO_BENCH_CACHE:-$HOME/.cache/dynamo-bench}/engines/
#          <backend>-<engineVersion>-dynamo-<dynamoVersion>   (vllm, sglang)
#          genai-perf-<version>
# Versions come from scripts/versions.env (sections "Python" and "Engine
# argument judges"); lib/dynamo/judge.ts computes the same paths.
#
# Why --no-deps and a requirements list: ai-dynamo declares aisimulate and
# sglang declares cuda-tile, PyPI placeholders that download from NVIDIA's own
# index (unreachable here). Each package is installed without its declared
# dependencies, and those are then installed from its own metadata minus the
# excluded names (DYNAMO_EXCLUDED_DEPS, SGLANG_EXCLUDED_DEPS), the same way as
# scripts/setup-python.sh. Only the bare engines are installed, not the
# extras' other packages (nixl, flashinfer, ...): argument parsing does not
# import them.
#
# Idempotent: a venv is ready when its marker file holds the wanted versions;
# then nothing is downloaded or imported (a re-run takes about a second). The
# marker is written only after the judge has loaded the venv's parsers, so a
# failed or interrupted install is resumed by the next run.
#
# Usage: bash scripts/setup-engines.sh [--force] [vllm|sglang|genai-perf ...]
#   --force  reinstall even when the marker matches.
#   names    set up only these venvs (default: all).
# Environment knobs: DYNAMO_BENCH_PYTHON (interpreter, default python3),
# DYNAMO_BENCH_CACHE, PIP_SETUP_TIMEOUT (s, per network operation, default 60),
# PIP_SETUP_RETRIES (default 3), PIP_SETUP_STEP_TIMEOUT (s, one pip install,
# default 1800).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JUDGE=$SCRIPT_DIR/judge/judge_commands.py

log() { printf '[setup-engines] %s\n' "$*"; }
die() { printf '[setup-engines] ERROR: %s\n' "$*" >&2; exit 1; }

FORCE=0
WANTED=()
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    vllm|sglang|genai-perf) WANTED+=("$arg") ;;
    -h|--help) sed -n '2,38p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument: $arg (expected --force, vllm, sglang or genai-perf)" ;;
  esac
done
[[ ${#WANTED[@]} -gt 0 ]] || WANTED=(vllm sglang genai-perf)

# shellcheck source=scripts/versions.env
source "$SCRIPT_DIR/versions.env"
for v in AI_DYNAMO_VERSION ENGINE_VLLM_VERSION ENGINE_SGLANG_VERSION GENAI_PERF_VERSION; do
  [[ -n "${!v:-}" ]] || die "$v is not set in scripts/versions.env"
done

PYTHON=${DYNAMO_BENCH_PYTHON:-python3}
CACHE=${DYNAMO_BENCH_CACHE:-$HOME/.cache/dynamo-bench}
STEP_TIMEOUT=${PIP_SETUP_STEP_TIMEOUT:-1800}
# --no-compile: pip would byte-compile every file of torch, vllm and sglang
# (minutes on two cores); Python compiles and caches the few modules argument
# parsing imports the first time the judge loads them.
PIP_OPTS=(--disable-pip-version-check --no-input --no-compile --timeout "${PIP_SETUP_TIMEOUT:-60}" --retries "${PIP_SETUP_RETRIES:-3}")
MARKER_NAME=.dynamo-bench-ready

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python >= 3.10 or set DYNAMO_BENCH_PYTHON"
PY_VERSION=$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])') \
  || die "$PYTHON did not run (see its message above); set DYNAMO_BENCH_PYTHON to a working interpreter"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || die "$PYTHON is Python $PY_VERSION; the engines need Python >= 3.10 (set DYNAMO_BENCH_PYTHON)"

# pip_install <venv> <what> <pip args...>: one bounded pip step; a failure names what was installed.
pip_install() {
  local venv=$1 what=$2; shift 2
  if ! timeout "$STEP_TIMEOUT" "$venv/bin/python" -m pip install "${PIP_OPTS[@]}" "$@"; then
    die "pip could not install $what into $venv (see the pip output above). Check that PyPI is reachable and re-run (the venv has no marker yet, so the next run resumes)"
  fi
}

# requirements_of <venv> <excluded,comma,list> <dist...>: the declared
# dependencies of installed distributions, markers evaluated for the venv's
# interpreter without extras, excluded names dropped.
requirements_of() {
  local venv=$1 excluded=$2; shift 2
  "$venv/bin/python" "$SCRIPT_DIR/declared-requirements.py" "$excluded" "$@"
}

# setup_venv <venv> <judge> <excluded> <pin...>: installs the pins without
# their dependencies, then every declared dependency but the excluded ones
# with the pins as constraints (naming them as requirements would make pip
# resolve their full dependency lists again, excluded names included), then
# loads the judge's parser and writes the marker.
setup_venv() {
  local venv=$1 judge=$2 excluded=$3; shift 3
  local pins=("$@") stamp="${*} excluded=${excluded} python=${PY_VERSION}"
  local marker=$venv/$MARKER_NAME t0=$SECONDS t
  if [[ $FORCE -eq 0 && -x "$venv/bin/python" && -f "$marker" && "$(cat "$marker")" == "$stamp" ]]; then
    log "ready: $venv ($stamp)"
    return 0
  fi
  rm -f "$marker"
  if [[ ! -x "$venv/bin/python" ]]; then
    log "creating venv $venv with $PYTHON ($PY_VERSION)"
    mkdir -p "$(dirname "$venv")"
    "$PYTHON" -m venv "$venv" || die "could not create a venv at $venv with $PYTHON (on Debian: apt-get install python3-venv)"
  fi

  t=$SECONDS
  log "installing ${pins[*]} (without their declared dependencies)"
  pip_install "$venv" "${pins[*]}" --no-deps "${pins[@]}"
  local dists=() p
  for p in "${pins[@]}"; do dists+=("${p%%==*}"); done
  local reqs=$venv/dynamo-bench-requirements.txt
  requirements_of "$venv" "$excluded" "${dists[@]}" >"$reqs" \
    || die "could not read the dependency lists of ${dists[*]} from their metadata"
  local constraints=$venv/dynamo-bench-constraints.txt
  printf '%s\n' "${pins[@]}" >"$constraints"
  log "installing their dependencies ($(wc -l <"$reqs") requirements, excluded: ${excluded:-none})"
  pip_install "$venv" "the dependencies of ${pins[*]}" -r "$reqs" -c "$constraints"
  log "installed in $((SECONDS - t)) s"

  # The marker means "the judge can load this venv's parser", not only "pip succeeded".
  t=$SECONDS
  "$venv/bin/python" "$JUDGE" --check --judge "$judge" \
    || die "the packages installed but the $judge parser does not load in $venv (see the message above)"
  log "the $judge parser loads ($((SECONDS - t)) s)"

  printf '%s\n' "$stamp" >"$marker"
  log "ready: $venv in $((SECONDS - t0)) s, $(du -sh "$venv" 2>/dev/null | cut -f1) on disk"
}

for name in "${WANTED[@]}"; do
  case "$name" in
    vllm)
      setup_venv "$CACHE/engines/vllm-$ENGINE_VLLM_VERSION-dynamo-$AI_DYNAMO_VERSION" dynamo.vllm \
        "${DYNAMO_EXCLUDED_DEPS:-}" "ai-dynamo==$AI_DYNAMO_VERSION" "vllm==$ENGINE_VLLM_VERSION" ;;
    sglang)
      setup_venv "$CACHE/engines/sglang-$ENGINE_SGLANG_VERSION-dynamo-$AI_DYNAMO_VERSION" dynamo.sglang \
        "${DYNAMO_EXCLUDED_DEPS:-},${SGLANG_EXCLUDED_DEPS:-}" "ai-dynamo==$AI_DYNAMO_VERSION" "sglang==$ENGINE_SGLANG_VERSION" ;;
    genai-perf)
      setup_venv "$CACHE/engines/genai-perf-$GENAI_PERF_VERSION" genai-perf \
        "" "genai-perf==$GENAI_PERF_VERSION" ;;
  esac
done
