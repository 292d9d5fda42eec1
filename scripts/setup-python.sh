#!/usr/bin/env bash
# Sets up the Python side of the `local` target:
#   a venv with the pinned ai-dynamo (frontend + mocker) and aiperf, and
#   a tiny offline model folder (config + locally trained tokenizer, no weights).
#
# Venv:  ${DYNAMO_BENCH_VENV:-<repo>/.venv}          (.venv is gitignored)
# Model: ${DYNAMO_BENCH_CACHE:-$HOME/.cache/dynamo-bench}/models/tiny-model
# Versions come from scripts/versions.env (section "Python").
#
# ai-dynamo 1.6.1 declares `aisimulate==0.13.0` (Python 3.11-3.13), a placeholder
# on PyPI that downloads its real wheel from pypi.nvidia.com at install time.
# The frontend and the mocker do not import it (only the AIS timing model and
# the planner do), so ai-dynamo is installed with --no-deps and its other
# declared dependencies are installed from its own metadata, minus the
# packages listed in DYNAMO_EXCLUDED_DEPS.
#
# Idempotent: a stamp in the venv records what was installed; when it matches
# the pins and the modules import, nothing is downloaded.
#
# Usage: bash scripts/setup-python.sh [--force]
#   --force  reinstall even when the stamp matches.
# Environment knobs: DYNAMO_BENCH_PYTHON (interpreter for the venv, default
# python3), DYNAMO_BENCH_VENV, DYNAMO_BENCH_CACHE, PIP_SETUP_TIMEOUT (s, per
# network operation, default 60), PIP_SETUP_RETRIES (default 3),
# PIP_SETUP_STEP_TIMEOUT (s, one whole pip install, default 1200).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

FORCE=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,25p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "[setup-python] ERROR: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '[setup-python] %s\n' "$*"; }
die() { printf '[setup-python] ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck source=scripts/versions.env
source "$SCRIPT_DIR/versions.env"
for v in AI_DYNAMO_VERSION AIPERF_VERSION TOKENIZERS_VERSION TRANSFORMERS_VERSION; do
  [[ -n "${!v:-}" ]] || die "$v is not set in scripts/versions.env"
done
EXCLUDED=${DYNAMO_EXCLUDED_DEPS:-}

PYTHON=${DYNAMO_BENCH_PYTHON:-python3}
VENV=${DYNAMO_BENCH_VENV:-$REPO_ROOT/.venv}
CACHE=${DYNAMO_BENCH_CACHE:-$HOME/.cache/dynamo-bench}
MODEL_DIR=$CACHE/models/tiny-model
STEP_TIMEOUT=${PIP_SETUP_STEP_TIMEOUT:-1200}
PIP_OPTS=(--disable-pip-version-check --no-input --timeout "${PIP_SETUP_TIMEOUT:-60}" --retries "${PIP_SETUP_RETRIES:-3}")

# --- interpreter -----------------------------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python >= 3.10 or set DYNAMO_BENCH_PYTHON"
PY_VERSION=$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  die "$PYTHON is Python $PY_VERSION; ai-dynamo $AI_DYNAMO_VERSION needs Python >= 3.10 (set DYNAMO_BENCH_PYTHON to a newer interpreter)"
fi

STAMP_WANTED="ai-dynamo=$AI_DYNAMO_VERSION aiperf=$AIPERF_VERSION tokenizers=$TOKENIZERS_VERSION transformers=$TRANSFORMERS_VERSION excluded=$EXCLUDED python=$PY_VERSION"
STAMP_FILE=$VENV/.dynamo-bench-stamp
VPY=$VENV/bin/python

venv_ok() {
  [[ -x "$VPY" && -f "$STAMP_FILE" ]] || return 1
  [[ "$(cat "$STAMP_FILE")" == "$STAMP_WANTED" ]] || return 1
  "$VPY" -c 'import dynamo.frontend, dynamo.mocker, aiperf, tokenizers' >/dev/null 2>&1
}

pip_install() {
  # One bounded pip step; a failure names what was being installed.
  local what=$1; shift
  if ! timeout "$STEP_TIMEOUT" "$VPY" -m pip install "${PIP_OPTS[@]}" "$@"; then
    die "pip could not install $what (see the pip output above). Check that PyPI is reachable (pip config, PIP_INDEX_URL, proxy) and re-run (the venv has no stamp yet, so the next run installs again)"
  fi
}

if [[ $FORCE -eq 0 ]] && venv_ok; then
  log "venv up to date: $VENV ($STAMP_WANTED)"
else
  if [[ ! -x "$VPY" ]]; then
    log "creating venv $VENV with $PYTHON ($PY_VERSION)"
    "$PYTHON" -m venv "$VENV" || die "could not create a venv at $VENV with $PYTHON (on Debian: apt-get install python3-venv)"
  fi
  rm -f "$STAMP_FILE"

  log "installing ai-dynamo==$AI_DYNAMO_VERSION (without its declared dependencies)"
  pip_install "ai-dynamo==$AI_DYNAMO_VERSION" --no-deps "ai-dynamo==$AI_DYNAMO_VERSION"

  # ai-dynamo's own requirements, markers evaluated for this interpreter, extras
  # and excluded packages dropped. pip's vendored `packaging` does the parsing.
  REQS=$VENV/dynamo-bench-requirements.txt
  "$VPY" "$SCRIPT_DIR/declared-requirements.py" "$EXCLUDED" ai-dynamo >"$REQS" || die "could not read ai-dynamo's dependency list from its metadata"
  log "installing ai-dynamo's dependencies ($(wc -l <"$REQS") requirements, excluded: ${EXCLUDED:-none}), aiperf==$AIPERF_VERSION, tokenizers==$TOKENIZERS_VERSION, transformers==$TRANSFORMERS_VERSION"
  pip_install "the ai-dynamo dependencies and aiperf" -r "$REQS" \
    "aiperf==$AIPERF_VERSION" "tokenizers==$TOKENIZERS_VERSION" "transformers==$TRANSFORMERS_VERSION"

  if ! "$VPY" -c 'import dynamo.frontend, dynamo.mocker, aiperf, tokenizers'; then
    die "the venv was installed but dynamo.frontend, dynamo.mocker or aiperf does not import (see the traceback above)"
  fi
  printf '%s\n' "$STAMP_WANTED" >"$STAMP_FILE"
  log "venv ready: $VENV"
fi

# --- tiny model ------------------------------------------------------------
# The generator keeps its own stamp and returns at once when the folder is current.
"$VPY" "$SCRIPT_DIR/make-tiny-model.py" "$MODEL_DIR" || die "could not create the tiny model at $MODEL_DIR"

log "python:     $VPY"
log "tiny model: $MODEL_DIR"
