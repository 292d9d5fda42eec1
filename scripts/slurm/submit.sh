#!/usr/bin/env bash
# submit.sh - submits a rendered dynamo-bench run from the login node and
# prints the job id. Static: the job name, sbatch arguments and batch script
# come from RUN_DIR/job.env (JOB_NAME, SBATCH_ARGS, BATCH_SCRIPT).
#
#   bash RUN_DIR/submit.sh RUN_DIR
#   bash RUN_DIR/submit.sh --cancel RUN_DIR   cancel this run's jobs only (by name and
#                                             working directory), e.g. one submitted by
#                                             a deployment interrupted before it recorded the id
#
# Jobs of the same name and user are cancelled first (and waited for, at most
# 60 s): they can only be left by an interrupted earlier deployment of the
# same stack and benchmark, and would compete for the nodes and the run folder.
# The job id is also written to RUN_DIR/job-id.
set -euo pipefail
CANCEL=0
if [ "${1:-}" = --cancel ]; then CANCEL=1; shift; fi
RUN_DIR=${1:?usage: submit.sh [--cancel] RUN_DIR}
# shellcheck source=/dev/null
source "$RUN_DIR/job.env"
me=$(id -un)

if [ "$CANCEL" = 1 ]; then
  jobs=$(timeout 30 squeue -h -u "$me" -n "$JOB_NAME" -o '%i %Z') || { echo "submit.sh: squeue failed" >&2; exit 1; }
  while read -r id dir; do
    if [ -n "$id" ] && [ "$dir" = "$RUN_DIR" ]; then
      echo "submit.sh: cancelling job $id of run $RUN_DIR" >&2
      timeout 30 scancel "$id" || true
    fi
  done <<<"$jobs"
  exit 0
fi

old=$(timeout 30 squeue -h -u "$me" -n "$JOB_NAME" -o %i) || { echo "submit.sh: squeue failed" >&2; exit 1; }
if [ -n "$old" ]; then
  echo "submit.sh: cancelling earlier jobs named $JOB_NAME: $(tr '\n' ' ' <<<"$old")" >&2
  timeout 30 scancel -u "$me" -n "$JOB_NAME" || true
  for _ in $(seq 120); do
    [ -z "$(timeout 30 squeue -h -u "$me" -n "$JOB_NAME" -t PD,R,CG,S,CF -o %i)" ] && break
    sleep 0.5
  done
fi
rm -f "$RUN_DIR/FAILURE" "$RUN_DIR/SUCCESS.json" "$RUN_DIR/SWEEP.tsv" "$RUN_DIR/state" "$RUN_DIR/job-id"
mkdir -p "$RUN_DIR/logs"
# BATCH_SCRIPT: batch.sh for one benchmark, sweep.sh for a sweep job (slurm.sweepJob)
out=$(timeout 120 sbatch --parsable "${SBATCH_ARGS[@]}" "$RUN_DIR/$BATCH_SCRIPT" "$RUN_DIR/job.env") || { echo "submit.sh: sbatch failed: $out" >&2; exit 1; }
job_id=${out%%;*}
[[ $job_id =~ ^[0-9]+$ ]] || { echo "submit.sh: unexpected sbatch output: $out" >&2; exit 1; }
printf '%s\n' "$job_id" > "$RUN_DIR/job-id"
printf '%s\n' "$job_id"
