#!/usr/bin/env bash
# node.sh - starts one process of a dynamo-bench Slurm job on the node srun
# placed it on (inside the container in pyxis mode). Static: everything it
# runs is described in the job's env file, which dynamo-bench renders with
# every value single-quoted.
#
# Usage: node.sh ENV_FILE KEY NAME NODE_HOST LEADER_HOST FRONTEND_HOST
#   KEY     the process in ENV_FILE: P_<KEY>_ARGV (argv), P_<KEY>_ENV (NAME=value
#           items) and, for workers, P_<KEY>_GPUS (first index, count)
#   NAME    log and pid-file name (decode-0, frontend, phase-main, ...)
#   *_HOST  addresses that replace {node_host}, {leader_host} and
#           {frontend_host} in the argv and environment values
#           ({slot_host_N}: node slot N's address, from RUN_DIR/nodes.txt)
#
# It selects the process's GPUs (a slice of the CUDA_VISIBLE_DEVICES Slurm
# gave the step, or of 0..GPUS_PER_NODE-1), prepares a bare-metal
# environment (modules, venv, PATH, env), writes RUN_DIR/pids/NAME.pid and
# execs the process, so srun sees its exit status and signals reach it; a
# sampler (P_<KEY>_REPEAT) instead runs its argv every interval into a CSV,
# and the benchmark client (P_<KEY>_PRIVATE_TMP) runs with a temp folder of
# its own, removed when it ends.
# Needs bash only; no Node.js, no jq.
set -euo pipefail

die() { printf 'dynamo-bench node.sh: %s\n' "$*" >&2; exit 97; }

[ $# -eq 6 ] || die "usage: node.sh ENV_FILE KEY NAME NODE_HOST LEADER_HOST FRONTEND_HOST (got $# arguments)"
ENV_FILE=$1 KEY=$2 NAME=$3 NODE_HOST=$4 LEADER_HOST=$5 FRONTEND_HOST=$6
[[ $KEY =~ ^[A-Za-z0-9_]+$ ]] || die "invalid process key '$KEY'"
[ -r "$ENV_FILE" ] || die "cannot read $ENV_FILE on $(hostname)"
# shellcheck source=/dev/null
source "$ENV_FILE"

declare -p "P_${KEY}_ARGV" >/dev/null 2>&1 || die "$ENV_FILE describes no process $KEY"
ref="P_${KEY}_ARGV[@]"; argv=("${!ref}")
envs=()
if declare -p "P_${KEY}_ENV" >/dev/null 2>&1; then ref="P_${KEY}_ENV[@]"; envs=("${!ref}"); fi
gpus=()
if declare -p "P_${KEY}_GPUS" >/dev/null 2>&1; then ref="P_${KEY}_GPUS[@]"; gpus=("${!ref}"); fi
[ ${#argv[@]} -gt 0 ] || die "process $KEY has an empty argv"

# --- placeholders: literal replacement, nothing is evaluated
# {slot_host_N} is the address of node slot N (another node's worker, e.g. its
# /metrics for the benchmark client): batch.sh lists every slot in
# RUN_DIR/nodes.txt ("slot host address roles") before it starts any process.
SLOT_ADDRS=()
if [ -r "$RUN_DIR/nodes.txt" ]; then
  while read -r slot _ addr _; do
    [[ $slot =~ ^[0-9]+$ ]] && SLOT_ADDRS[slot]=$addr
  done < "$RUN_DIR/nodes.txt"
fi
subst() { # subst VARNAME: replaces the placeholders in the named variable
  local -n value=$1
  local i
  value=${value//"{node_host}"/"$NODE_HOST"}
  value=${value//"{leader_host}"/"$LEADER_HOST"}
  value=${value//"{frontend_host}"/"$FRONTEND_HOST"}
  if [[ $value == *"{slot_host_"* ]]; then
    for i in "${!SLOT_ADDRS[@]}"; do value=${value//"{slot_host_$i}"/"${SLOT_ADDRS[$i]}"}; done
    [[ $value != *"{slot_host_"* ]] || die "$KEY names a node slot $RUN_DIR/nodes.txt does not list: $value"
  fi
}
for i in "${!argv[@]}"; do subst "argv[$i]"; done

# --- bare-metal environment (pyxis: the image provides it)
if [ "$RUNTIME" = bare-metal ]; then
  if [ ${#MODULES[@]} -gt 0 ]; then
    set +u   # module and Lmod init scripts read unset variables
    if ! type module >/dev/null 2>&1; then
      for init in /etc/profile.d/lmod.sh /etc/profile.d/modules.sh /usr/share/lmod/lmod/init/bash /usr/share/modules/init/bash; do
        # shellcheck source=/dev/null
        if [ -r "$init" ]; then source "$init"; break; fi
      done
    fi
    type module >/dev/null 2>&1 || die "slurm.container.modules is set but the module command is not available on $(hostname)"
    for m in "${MODULES[@]}"; do module load "$m" || die "module load $m failed on $(hostname)"; done
    set -u
  fi
  for (( i=${#PATH_PREPEND[@]}-1; i>=0; i-- )); do PATH="${PATH_PREPEND[$i]}:$PATH"; done
  if [ -n "$VENV" ]; then
    [ -x "$VENV/bin/python" ] || die "venv $VENV has no bin/python on $(hostname) (slurm.container.venv must be on a filesystem every node sees)"
    PATH="$VENV/bin:$PATH"; export VIRTUAL_ENV=$VENV
  fi
  export PATH
  for kv in "${RUNTIME_ENV[@]}"; do export "${kv%%=*}=${kv#*=}"; done
fi

# --- secrets, mode 600 in the job's folder (a sweep job's points share it):
# HF_TOKEN for every process; the SECRET_ENV items (config secretEnv) only for
# the Dynamo processes (P_<KEY>_SECRET_ENV=1), never the client, etcd or NATS.
# Nothing here prints a value.
SECRET_ENV=()
if [ -f "$JOB_DIR/secrets.env" ]; then
  # shellcheck source=/dev/null
  source "$JOB_DIR/secrets.env"
  if [ -n "${HF_TOKEN:-}" ]; then export HF_TOKEN; fi
  ref="P_${KEY}_SECRET_ENV"
  if [ "${!ref:-0}" = 1 ]; then
    for kv in "${SECRET_ENV[@]}"; do
      k=${kv%%=*}
      [[ $k =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "invalid secretEnv item in secrets.env: '$k'"
      export "$k=${kv#*=}"
    done
  fi
fi

# --- the process's own environment
for kv in "${envs[@]}"; do
  k=${kv%%=*} v=${kv#*=}
  [[ $k =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "invalid environment item for $KEY: '$k'"
  subst v
  export "$k=$v"
done

# --- GPUs: a slice of what Slurm gave this step (or of the node's GPUs)
if [ ${#gpus[@]} -eq 2 ] && [ "${gpus[1]}" -gt 0 ]; then
  first=${gpus[0]} count=${gpus[1]}
  if [ -n "${CUDA_VISIBLE_DEVICES:-}" ]; then
    IFS=, read -r -a avail <<<"$CUDA_VISIBLE_DEVICES"
  else
    avail=()
    for (( i=0; i<GPUS_PER_NODE; i++ )); do avail+=("$i"); done
  fi
  if (( first + count > ${#avail[@]} )); then
    die "$NAME needs GPUs $first..$((first + count - 1)) of node $(hostname), but only ${#avail[@]} are visible (CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-unset})"
  fi
  slice=("${avail[@]:first:count}")
  CUDA_VISIBLE_DEVICES=$(IFS=,; printf '%s' "${slice[*]}")
  export CUDA_VISIBLE_DEVICES
fi

mkdir -p "$RUN_DIR/pids"
printf '%s %s %s\n' "$$" "${SLURMD_NODENAME:-$(hostname)}" "$(date +%s%N)" > "$RUN_DIR/pids/$NAME.pid"
cd "${WORKDIR:-$RUN_DIR}"
printf 'dynamo-bench: %s on %s (%s), CUDA_VISIBLE_DEVICES=%s, argv:' "$NAME" "${SLURMD_NODENAME:-$(hostname)}" "$NODE_HOST" "${CUDA_VISIBLE_DEVICES:-}"
printf ' %q' "${argv[@]}"
printf '\n'

# --- a sampler (P_<KEY>_REPEAT: seconds, file): runs argv every interval until stopped,
# appending its CSV rows to the file behind the epoch milliseconds of the run (its
# header once, behind "epoch_ms"), so the samples can be split by phase afterwards.
if declare -p "P_${KEY}_REPEAT" >/dev/null 2>&1; then
  ref="P_${KEY}_REPEAT[@]"; repeat=("${!ref}")
  [ ${#repeat[@]} -eq 2 ] || die "P_${KEY}_REPEAT must hold seconds and a file"
  every=${repeat[0]} out=${repeat[1]}
  mkdir -p "$(dirname "$out")"
  trap 'exit 0' TERM INT
  header=0
  while :; do
    now=$(date +%s%3N)
    rows=$("${argv[@]}") || die "$NAME: ${argv[0]} failed with status $? on ${SLURMD_NODENAME:-$(hostname)}"
    while IFS= read -r row; do
      [ -n "$row" ] || continue
      if [ "$header" = 0 ]; then printf 'epoch_ms, %s\n' "$row" >> "$out"; header=1; continue; fi
      [[ $row == timestamp* ]] && continue
      printf '%s, %s\n' "$now" "$row" >> "$out"
    done <<< "$rows"
    sleep "$every" & wait $!
  done
fi
# --- the benchmark client (P_<KEY>_PRIVATE_TMP=1): AIPerf leaves its IPC and mmap
# folders in the temp folder, so it gets one of its own, removed when it ends. It
# runs as a child then; srun's and batch.sh's signals reach both (scancel signals
# the whole step), and a SIGTERM to this shell alone is passed on.
ref="P_${KEY}_PRIVATE_TMP"
if [ "${!ref:-0}" = 1 ]; then
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/dynamo-bench-$NAME.XXXXXX") || die "$NAME: no temp folder could be made in ${TMPDIR:-/tmp}"
  export TMPDIR=$tmp TEMP=$tmp TMP=$tmp
  # the trap is in place before the client starts, so no SIGTERM is lost in between
  child="" stopping=0
  trap 'stopping=1; [ -z "$child" ] || kill -TERM "$child" 2>/dev/null' TERM INT
  "${argv[@]}" &
  child=$!
  [ "$stopping" = 0 ] || kill -TERM "$child" 2>/dev/null
  rc=0
  while :; do
    wait "$child" && rc=0 || rc=$?
    kill -0 "$child" 2>/dev/null || break
  done
  rm -rf "$tmp"
  exit "$rc"
fi
exec "${argv[@]}"
