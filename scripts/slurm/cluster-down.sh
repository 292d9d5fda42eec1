#!/usr/bin/env bash
# cluster-down.sh - stop what cluster-up.sh started, by PID file, and cancel
# its jobs first. Safe to run repeatedly and when nothing runs.
#   LAB=/tmp/dynamo-bench-slurm (as for cluster-up.sh)
#   --purge   also delete $LAB (keys, state, logs, the shared directory)
set -uo pipefail
LAB=${LAB:-/tmp/dynamo-bench-slurm}
PURGE=0; [ "${1:-}" = --purge ] && PURGE=1
log() { printf '[cluster-down %s] %s\n' "$(date +%T)" "$*" >&2; }

pid_of() { local pid; pid=$( { tr -dc 0-9 < "$1"; } 2>/dev/null) || return 1; [ -n "$pid" ] && echo "$pid"; }
alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(pid_of "$1") || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
  ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
}
stop_pid() {
  local pid
  if ! alive "$1" "$2"; then rm -f "$1"; return 0; fi
  pid=$(pid_of "$1")
  log "stopping $2 (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$1" "$2" || break; sleep 0.1; done
  if alive "$1" "$2"; then log "$2 $pid ignored TERM: KILL"; kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$1"
}

# 1. cancel jobs while slurmctld still answers, so their processes end
if [ -f "$LAB/etc/slurm.conf" ] && alive "$LAB/run/slurmctld.pid" slurmctld; then
  export SLURM_CONF=$LAB/etc/slurm.conf
  if timeout 5 squeue -h -t PD,R,CG,S -o %i 2>/dev/null | grep -q .; then
    log "cancelling jobs"
    timeout 5 scancel --full --user=root 2>/dev/null || true
    for _ in $(seq 100); do
      timeout 5 squeue -h -t PD,R,CG,S -o %i 2>/dev/null | grep -q . || break
      sleep 0.2
    done
  fi
fi

# 2. daemons in reverse start order
for f in "$LAB"/run/slurmd-*.pid; do
  if [ -e "$f" ]; then stop_pid "$f" slurmd; fi
done
stop_pid "$LAB/run/slurmctld.pid" slurmctld
stop_pid "$LAB/run/slurmdbd.pid" slurmdbd
stop_pid "$LAB/run/mariadbd.pid" mariadbd
stop_pid "$LAB/run/munged.pid" munged

uses_lab() { # uses_lab /proc/PID: its cwd or an open file is under $LAB
  local f
  for f in "$1/cwd" "$1"/fd/*; do
    case $(readlink "$f" 2>/dev/null) in "$LAB"/*) return 0;; esac
  done
  return 1
}
# 3. strays tied to this $LAB (a slurmd that never wrote its PID file, a
#    slurmstepd that outlived its slurmd), matched one by one, killed by PID
for p in /proc/[0-9]*; do
  comm=$(cat "$p/comm" 2>/dev/null) || continue
  case $comm in slurmd|slurmctld|slurmdbd|slurmstepd) ;; *) continue;; esac
  pid=${p#/proc/}
  if tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -q -- "$LAB/etc/slurm.conf" || uses_lab "$p"; then
    grep -q '^State:[[:space:]]*Z' "$p/status" 2>/dev/null && continue
    log "killing stray $comm $pid"; kill -9 "$pid" 2>/dev/null || true
  fi
done
rm -f "$LAB/munge/munge.socket.2" "$LAB/munge/munge.socket.2.lock"
if [ "$PURGE" = 1 ]; then rm -rf "${LAB:?}"; log "purged $LAB"; fi
log "down"
