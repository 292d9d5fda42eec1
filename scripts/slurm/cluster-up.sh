#!/usr/bin/env bash
# cluster-up.sh - a throw-away Slurm cluster on this one machine, for tests:
# munge + slurmctld + N slurmd (emulated nodes n1..nN, all on 127.0.0.1 with
# distinct ports), fake GPUs through gres.conf, job accounting through
# jobcomp/filetxt (`sacct -c`) or, with WITH_DBD=1, MariaDB + slurmdbd.
# Everything lives under $LAB; nothing under /etc is touched.
#
# Idempotent: daemons already running are left alone; a changed slurm.conf or
# gres.conf restarts the Slurm daemons only. Every wait is bounded.
#
# Knobs (environment):
#   LAB=/tmp/dynamo-bench-slurm   state, config, logs, and the shared dir $LAB/shared
#   SLURM_NODES=3          emulated nodes n1..nN (one slurmd each)
#   GPUS_PER_NODE=8        fake GPUs per node (gres gpu, /dev/null symlinks); 0 = none
#   CPUS_PER_NODE=max(nproc,GPUS_PER_NODE)   CPUs each node advertises
#   MEM_PER_NODE=<95% of RAM / N>            RealMemory (MB) each node advertises
#   CTLD_PORT=16817  SLURMD_PORT_BASE=16901  (node i listens on base+i-1)
#   WITH_DBD=0             1 = MariaDB + slurmdbd so plain `sacct` works
#   DBD_PORT=16819  MYSQL_PORT=16306
#   AUTO_INSTALL=1         apt-get install missing Debian packages
#   UP_TIMEOUT=60          seconds to wait for each daemon
#
# Afterwards: source "$LAB/env.sh"   (exports SLURM_CONF and DYNAMO_BENCH_SLURM_SHARED)
# Stop with scripts/slurm/cluster-down.sh [--purge].
set -euo pipefail

LAB=${LAB:-/tmp/dynamo-bench-slurm}
SLURM_NODES=${SLURM_NODES:-3}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CTLD_PORT=${CTLD_PORT:-16817}
SLURMD_PORT_BASE=${SLURMD_PORT_BASE:-16901}
WITH_DBD=${WITH_DBD:-0}
DBD_PORT=${DBD_PORT:-16819}
MYSQL_PORT=${MYSQL_PORT:-16306}
AUTO_INSTALL=${AUTO_INSTALL:-1}
UP_TIMEOUT=${UP_TIMEOUT:-60}

log() { printf '[cluster-up %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case $LAB in /*) ;; *) die "LAB must be an absolute path, got '$LAB'";; esac
[[ $SLURM_NODES =~ ^[1-9][0-9]*$ ]] || die "SLURM_NODES must be a positive integer, got '$SLURM_NODES'"
[[ $GPUS_PER_NODE =~ ^[0-9]+$ ]] || die "GPUS_PER_NODE must be an integer, got '$GPUS_PER_NODE'"
[ "$(id -u)" = 0 ] || die "run as root (the daemons run as root and write under $LAB)"

# ---------------------------------------------------------------- packages
need_pkgs=()
command -v slurmctld >/dev/null || need_pkgs+=(slurmctld)
command -v slurmd    >/dev/null || need_pkgs+=(slurmd)
command -v sbatch    >/dev/null || need_pkgs+=(slurm-client)
command -v munged    >/dev/null || need_pkgs+=(munge)
command -v curl      >/dev/null || need_pkgs+=(curl)
# what a benchmark job may start on its frontend node (discovery: etcd)
command -v etcd        >/dev/null || need_pkgs+=(etcd-server)
command -v nats-server >/dev/null || need_pkgs+=(nats-server)
if [ "$WITH_DBD" = 1 ]; then
  command -v slurmdbd >/dev/null || need_pkgs+=(slurmdbd)
  command -v mariadbd >/dev/null || need_pkgs+=(mariadb-server)
fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  [ "$AUTO_INSTALL" = 1 ] || die "missing packages: ${need_pkgs[*]} (apt-get install ${need_pkgs[*]}, or AUTO_INSTALL=1)"
  log "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq || die "apt-get update failed"
  timeout 600 apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null \
    || die "apt-get install ${need_pkgs[*]} failed"
fi

# ---------------------------------------------------------------- helpers
pid_of() { local pid; pid=$(tr -dc 0-9 < "$1" 2>/dev/null) || return 1; [ -n "$pid" ] && echo "$pid"; }
alive() { # alive PIDFILE COMM: the PID in PIDFILE is a live (non-zombie) process named COMM
  local pid
  [ -s "$1" ] || return 1
  pid=$(pid_of "$1") || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
  ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { # wait_for DESC CMD...: poll CMD until it succeeds, at most UP_TIMEOUT seconds
  local desc=$1 deadline=$((SECONDS + UP_TIMEOUT)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
  log "$desc ready"
}
stop_pid() { # stop_pid PIDFILE COMM: TERM, up to 10 s, then KILL
  local pid
  if ! alive "$1" "$2"; then rm -f "$1"; return 0; fi
  pid=$(pid_of "$1")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$1" "$2" || break; sleep 0.1; done
  if alive "$1" "$2"; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$1"
}

mkdir -p "$LAB"/{etc,state,spool,log,run,munge,dev,mysql,shared}
chmod 755 "$LAB" "$LAB/munge"          # munged: every parent of its socket must be o+x
chmod 1777 "$LAB/shared"               # the cluster's shared output directory

# ---------------------------------------------------------------- munge
MUNGE_SOCK=$LAB/munge/munge.socket.2
[ -s "$LAB/munge/munge.key" ] || dd if=/dev/urandom of="$LAB/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$LAB/munge/munge.key"
if ! alive "$LAB/run/munged.pid" munged; then
  rm -f "$MUNGE_SOCK" "$MUNGE_SOCK.lock"
  munged --key-file="$LAB/munge/munge.key" --socket="$MUNGE_SOCK" \
         --pid-file="$LAB/run/munged.pid" --seed-file="$LAB/munge/munged.seed" \
         --log-file="$LAB/log/munged.log" \
    || die "munged failed: $(tail -3 "$LAB/log/munged.log" 2>/dev/null)"
fi
munge_ok() { munge -n -S "$MUNGE_SOCK" | unmunge -S "$MUNGE_SOCK"; }
wait_for munge munge_ok || die "munge not answering: $(tail -3 "$LAB/log/munged.log" 2>/dev/null)"

# ---------------------------------------------------------------- slurm config
REAL_CPUS=$(nproc)
REAL_MEM=$(awk '/MemTotal/{print int($2/1024)}' /proc/meminfo)
DEF_CPUS=$REAL_CPUS; [ "$GPUS_PER_NODE" -gt "$DEF_CPUS" ] && DEF_CPUS=$GPUS_PER_NODE
CPUS_PER_NODE=${CPUS_PER_NODE:-$DEF_CPUS}
MEM_PER_NODE=${MEM_PER_NODE:-$(( REAL_MEM * 95 / 100 / SLURM_NODES ))}
if [ "$SLURM_NODES" = 1 ]; then NODES=n1; PORTS=$SLURMD_PORT_BASE
else NODES="n[1-$SLURM_NODES]"; PORTS="[$SLURMD_PORT_BASE-$(( SLURMD_PORT_BASE + SLURM_NODES - 1 ))]"; fi
GRES_NODE=""; GRES_TYPES=""
if [ "$GPUS_PER_NODE" -gt 0 ]; then
  GRES_NODE=" Gres=gpu:$GPUS_PER_NODE"; GRES_TYPES="GresTypes=gpu"
  # slurmd 22.05 drops GPUs without File=, and File= must be a device: symlink /dev/null
  for i in $(seq 0 $(( GPUS_PER_NODE - 1 ))); do ln -sfn /dev/null "$LAB/dev/gpu$i"; done
fi
if [ "$WITH_DBD" = 1 ]; then
  GATHER_LINE="JobAcctGatherType=jobacct_gather/linux"
  # AccountingStoragePass = the munge socket of the slurmctld->slurmdbd link
  ACCT_LINES="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$DBD_PORT
AccountingStoragePass=$MUNGE_SOCK"
  [ "$GPUS_PER_NODE" -gt 0 ] && ACCT_LINES="$ACCT_LINES
AccountingStorageTRES=gres/gpu"
else
  GATHER_LINE="JobAcctGatherType=jobacct_gather/none"
  ACCT_LINES="AccountingStorageType=accounting_storage/none"   # TRES gres/gpu here is fatal
fi
new_conf=$LAB/etc/slurm.conf.new
cat > "$new_conf" <<CONF
# generated by dynamo-bench scripts/slurm/cluster-up.sh
ClusterName=dynbench
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCK
StateSaveLocation=$LAB/state
SlurmdSpoolDir=$LAB/spool/slurmd-%n
SlurmctldPidFile=$LAB/run/slurmctld.pid
SlurmdPidFile=$LAB/run/slurmd-%n.pid
SlurmctldLogFile=$LAB/log/slurmctld.log
SlurmdLogFile=$LAB/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
$GATHER_LINE
$ACCT_LINES
JobCompType=jobcomp/filetxt
JobCompLoc=$LAB/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SlurmdParameters=config_overrides
EnforcePartLimits=ALL
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SlurmdTimeout=60
MinJobAge=3600
KillWait=5
$GRES_TYPES
NodeName=$NODES NodeAddr=127.0.0.1 Port=$PORTS CPUs=$CPUS_PER_NODE Boards=1 SocketsPerBoard=1 CoresPerSocket=$CPUS_PER_NODE ThreadsPerCore=1 RealMemory=$MEM_PER_NODE$GRES_NODE State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
new_gres=$LAB/etc/gres.conf.new
echo "AutoDetect=off" > "$new_gres"
if [ "$GPUS_PER_NODE" -gt 1 ]; then
  echo "NodeName=$NODES Name=gpu File=$LAB/dev/gpu[0-$(( GPUS_PER_NODE - 1 ))]" >> "$new_gres"
elif [ "$GPUS_PER_NODE" = 1 ]; then
  echo "NodeName=$NODES Name=gpu File=$LAB/dev/gpu0" >> "$new_gres"
fi

export SLURM_CONF=$LAB/etc/slurm.conf
slurm_any_alive() {
  local f
  alive "$LAB/run/slurmctld.pid" slurmctld && return 0
  for f in "$LAB"/run/slurmd-*.pid; do
    if [ -e "$f" ] && alive "$f" slurmd; then return 0; fi
  done
  return 1
}
if ! cmp -s "$new_conf" "$LAB/etc/slurm.conf" || ! cmp -s "$new_gres" "$LAB/etc/gres.conf"; then
  if slurm_any_alive; then
    log "configuration changed: restarting the Slurm daemons"
    for f in "$LAB"/run/slurmd-*.pid; do
      if [ -e "$f" ]; then stop_pid "$f" slurmd; fi
    done
    stop_pid "$LAB/run/slurmctld.pid" slurmctld
  fi
  mv "$new_conf" "$LAB/etc/slurm.conf"; mv "$new_gres" "$LAB/etc/gres.conf"
else
  rm -f "$new_conf" "$new_gres"
fi
for f in "$LAB"/run/slurmd-*.pid; do      # nodes that no longer exist
  [ -e "$f" ] || continue
  n=${f##*/slurmd-}; n=${n%.pid}; i=${n#n}
  if ! [[ $i =~ ^[0-9]+$ ]] || [ "$i" -gt "$SLURM_NODES" ]; then stop_pid "$f" slurmd; fi
done

# ---------------------------------------------------------------- MariaDB + slurmdbd (optional)
if [ "$WITH_DBD" = 1 ]; then
  MYSQL_SOCK=$LAB/mysql/mysqld.sock
  if [ ! -d "$LAB/mysql/data/mysql" ]; then
    mariadb-install-db --user=root --datadir="$LAB/mysql/data" --skip-test-db \
      --auth-root-authentication-method=socket >"$LAB/log/mariadb-install.log" 2>&1 \
      || die "mariadb-install-db failed: $(tail -5 "$LAB/log/mariadb-install.log")"
  fi
  if ! alive "$LAB/run/mariadbd.pid" mariadbd; then
    port_busy "$MYSQL_PORT" && die "port $MYSQL_PORT already in use (set MYSQL_PORT)"
    setsid nohup mariadbd --user=root --datadir="$LAB/mysql/data" --socket="$MYSQL_SOCK" \
      --pid-file="$LAB/run/mariadbd.pid" --bind-address=127.0.0.1 --port="$MYSQL_PORT" \
      --log-error="$LAB/log/mariadb.log" --innodb-buffer-pool-size=128M \
      </dev/null >/dev/null 2>&1 &
  fi
  wait_for mariadb mariadb -S "$MYSQL_SOCK" -e 'select 1' \
    || die "mariadb not up: $(tail -5 "$LAB/log/mariadb.log")"
  mariadb -S "$MYSQL_SOCK" -e "CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'dynbench';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';" || die "mariadb user set-up failed"
  cat > "$LAB/etc/slurmdbd.conf" <<DBD
DbdHost=localhost
DbdPort=$DBD_PORT
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCK
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$MYSQL_PORT
StorageUser=slurm
StoragePass=dynbench
StorageLoc=slurm_acct_db
PidFile=$LAB/run/slurmdbd.pid
LogFile=$LAB/log/slurmdbd.log
DebugLevel=info
DBD
  chmod 600 "$LAB/etc/slurmdbd.conf"
  if ! alive "$LAB/run/slurmdbd.pid" slurmdbd; then
    port_busy "$DBD_PORT" && die "port $DBD_PORT already in use (set DBD_PORT)"
    slurmdbd || die "slurmdbd failed: $(tail -5 "$LAB/log/slurmdbd.log")"
  fi
  wait_for slurmdbd port_busy "$DBD_PORT" || die "slurmdbd not listening: $(tail -5 "$LAB/log/slurmdbd.log")"
else
  stop_pid "$LAB/run/slurmdbd.pid" slurmdbd; stop_pid "$LAB/run/mariadbd.pid" mariadbd
fi

# ---------------------------------------------------------------- slurmctld
if ! alive "$LAB/run/slurmctld.pid" slurmctld; then
  port_busy "$CTLD_PORT" && die "port $CTLD_PORT already in use (another slurmctld? set CTLD_PORT)"
  rm -rf "${LAB:?}/state/"*
  slurmctld -f "$SLURM_CONF" -i || die "slurmctld failed: $(tail -5 "$LAB/log/slurmctld.log" 2>/dev/null)"
fi
# slurmctld daemonizes before it reads its state: a fatal error shows only in its log
wait_for slurmctld timeout 3 scontrol ping \
  || die "slurmctld not answering: $(grep -E 'fatal|error' "$LAB/log/slurmctld.log" | grep -v pmix | tail -5)"

# ---------------------------------------------------------------- slurmd x N (only after slurmctld answers)
for i in $(seq 1 "$SLURM_NODES"); do
  n=n$i
  mkdir -p "$LAB/spool/slurmd-$n"
  alive "$LAB/run/slurmd-$n.pid" slurmd && continue
  port_busy $(( SLURMD_PORT_BASE + i - 1 )) && die "port $(( SLURMD_PORT_BASE + i - 1 )) already in use (set SLURMD_PORT_BASE)"
  slurmd -f "$SLURM_CONF" -N "$n" || die "slurmd $n failed: $(tail -5 "$LAB/log/slurmd-$n.log" 2>/dev/null)"
done
all_idle() {
  local out
  out=$(timeout 5 sinfo -h -N -o '%N %T' 2>/dev/null) || return 1
  [ "$(grep -c . <<<"$out")" -eq "$SLURM_NODES" ] || return 1
  ! grep -v -E ' (idle|mixed|allocated|completing)$' <<<"$out" | grep -q .
}
if ! wait_for "nodes ($SLURM_NODES)" all_idle; then
  timeout 5 scontrol update nodename="$NODES" state=resume >/dev/null 2>&1 || true
  wait_for "nodes after resume" all_idle || die "nodes not idle: $(timeout 5 sinfo -N -o '%N %T %E' 2>&1)"
fi

cat > "$LAB/env.sh" <<ENV
export SLURM_CONF=$SLURM_CONF
export DYNAMO_BENCH_SLURM_SHARED=$LAB/shared
ENV
log "up: $SLURM_NODES nodes x $GPUS_PER_NODE fake GPUs; run: source $LAB/env.sh"
timeout 5 sinfo -N -o '%N %T %c %m %G' >&2 || true
