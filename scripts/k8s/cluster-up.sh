#!/usr/bin/env bash
# cluster-up.sh - a throw-away Kubernetes control plane on this one machine, for
# tests: etcd, kube-apiserver, kube-controller-manager and kube-scheduler (real,
# built by scripts/k8s/setup-control-plane.sh) and kwok, which plays the kubelet
# of three fake GPU nodes (8 nvidia.com/gpu each): their pods become Running
# without running anything, and pods of a Job then Succeed.
# Everything listens on 127.0.0.1 only and lives under $K8S_DIR; no root needed.
#
# Idempotent: a running, healthy cluster is kept as it is. Otherwise whatever is
# left of an earlier one is stopped and a fresh cluster (empty etcd) is started;
# certificates are kept. Every wait is bounded; a failure prints the tail of the
# failing component's log and stops what was started (the logs stay in logs/).
#
# Knobs (environment):
#   DYNAMO_BENCH_K8S_DIR=/tmp/dynamo-bench-k8s   state: pki/, etcd/, logs/, run/, kubeconfigs
#   K8S_NODES=3  GPUS_PER_NODE=8  NODE_CPU=64  NODE_MEMORY=1024Gi   the fake nodes
#   NODE_GPU_PRODUCT=NVIDIA-H100-80GB-HBM3       their nvidia.com/gpu.product label
#   K8S_PORT_BASE=26440   first port tried; etcd client/peer, API server, controller
#                          manager and scheduler take the next free loopback ports
#   UP_TIMEOUT=120        seconds to wait for each component
#   K8S_BIN=<dir>         binaries (default: the cache folder setup-control-plane.sh fills)
#
# Afterwards: source "$DYNAMO_BENCH_K8S_DIR/env.sh"   (KUBECONFIG, and PATH with kubectl 1.34)
# Stop with scripts/k8s/cluster-down.sh [--purge].
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/k8s/processes.sh
source "$SCRIPT_DIR/processes.sh"
K8S_NODES=${K8S_NODES:-3}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
NODE_CPU=${NODE_CPU:-64}
NODE_MEMORY=${NODE_MEMORY:-1024Gi}
NODE_GPU_PRODUCT=${NODE_GPU_PRODUCT:-NVIDIA-H100-80GB-HBM3}
K8S_PORT_BASE=${K8S_PORT_BASE:-26440}
UP_TIMEOUT=${UP_TIMEOUT:-120}
SERVICE_CIDR=10.96.0.0/16
SERVICE_IP=10.96.0.1   # first address of SERVICE_CIDR: the `kubernetes` Service

T_START=$SECONDS
log() { printf '[k8s cluster-up %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
tail_log() { # component: the end of its log, for a failure message
  [ -f "$K8S_DIR/logs/$1.log" ] || return 0
  printf '[k8s cluster-up] --- last lines of %s ---\n' "$K8S_DIR/logs/$1.log" >&2
  tail -n "${2:-25}" "$K8S_DIR/logs/$1.log" >&2
}
fail() { # component message: the reason and the log tail, then nothing of this attempt is left running
  tail_log "$1"
  log "ERROR: $2 (log: $K8S_DIR/logs/$1.log)"
  bash "$SCRIPT_DIR/cluster-down.sh" >&2 || true
  exit 1
}

case $K8S_DIR in /*) ;; *) die "DYNAMO_BENCH_K8S_DIR must be an absolute path, got '$K8S_DIR'";; esac
[[ $K8S_NODES =~ ^[1-9][0-9]*$ ]] || die "K8S_NODES must be a positive integer, got '$K8S_NODES'"
[[ $GPUS_PER_NODE =~ ^[0-9]+$ ]] || die "GPUS_PER_NODE must be an integer, got '$GPUS_PER_NODE'"
command -v openssl >/dev/null || die "openssl is not on PATH (apt-get install openssl)"
command -v curl >/dev/null || die "curl is not on PATH (apt-get install curl)"

if [ -z "${K8S_BIN:-}" ]; then
  K8S_BIN=$(bash "$SCRIPT_DIR/setup-control-plane.sh" --print-bin) \
    || die "the control plane binaries are not built in $K8S_BIN; run: bash scripts/k8s/setup-control-plane.sh (cold: 11-15 min on 2 cores)"
fi
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok; do
  [ -x "$K8S_BIN/$b" ] || die "$K8S_BIN/$b is missing; run: bash scripts/k8s/setup-control-plane.sh"
done
STAGES=$(dirname "$K8S_BIN")/kwok-stages.yaml
[ -s "$STAGES" ] || die "$STAGES is missing; run: bash scripts/k8s/setup-control-plane.sh"

PKI=$K8S_DIR/pki LOGS=$K8S_DIR/logs
KUBECONFIG_ADMIN=$K8S_DIR/kubeconfig
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)   # start order
mkdir -p "$PKI" "$RUN" "$LOGS"
chmod 700 "$K8S_DIR" "$PKI"

# ---------------------------------------------------------------- helpers
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
kc() { "$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" --request-timeout=10s "$@"; }
wait_for() { # component desc command...: poll until it succeeds, at most UP_TIMEOUT s; the component must stay alive
  local comp=$1 desc=$2 deadline=$((SECONDS + UP_TIMEOUT)); shift 2
  until "$@" >/dev/null 2>&1; do
    if [ "$comp" != - ] && ! alive "$comp"; then fail "$comp" "$comp exited while waiting for $desc"; fi
    [ "$SECONDS" -lt "$deadline" ] || fail "${comp/#-/kube-apiserver}" "$desc: not within ${UP_TIMEOUT}s"
    sleep 0.25
  done
  log "$desc ($((SECONDS - T_START)) s)"
}
start() { # component args...: own session and process group (pid = pgid), log in logs/
  local comp=$1; shift
  # A non-interactive shell's background child is no group leader, so setsid
  # makes it one without forking: $! is the daemon's pid and process group.
  setsid "$K8S_BIN/$comp" "$@" >>"$LOGS/$comp.log" 2>&1 </dev/null &
  echo $! > "$RUN/$comp.pid"
}
http_ok() { curl -fsS --max-time 3 "$@"; }

# ---------------------------------------------------------------- already up?
if [ -s "$K8S_DIR/ports.env" ] && [ -s "$KUBECONFIG_ADMIN" ]; then
  # shellcheck source=/dev/null
  source "$K8S_DIR/ports.env"
  all_alive=1
  for c in "${COMPONENTS[@]}"; do alive "$c" || all_alive=0; done
  if [ $all_alive = 1 ] && http_ok --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
       "https://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1 \
     && [ "$(kc get nodes -l type=kwok -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null | grep -c True)" -ge "$K8S_NODES" ]; then
    log "already running and healthy (API server https://127.0.0.1:$API_PORT, $K8S_NODES nodes Ready); kept"
    log "kubeconfig: $KUBECONFIG_ADMIN   (source $K8S_DIR/env.sh)"
    exit 0
  fi
fi
# Whatever is left of an earlier cluster goes; its certificates stay.
bash "$SCRIPT_DIR/cluster-down.sh" >/dev/null 2>&1 || true
for c in "${COMPONENTS[@]}"; do
  if alive "$c"; then die "$c (pid $(pid_of "$c")) of an earlier cluster did not stop; run scripts/k8s/cluster-down.sh and look at its message"; fi
done

# ---------------------------------------------------------------- ports
next_free() { # first port >= $1 that nothing listens on and that is not taken yet
  local p=$1
  while port_busy "$p" || [[ " ${taken[*]:-} " == *" $p "* ]]; do p=$((p + 1)); done
  taken+=("$p"); echo "$p"
}
taken=()
ETCD_PORT=$(next_free "$K8S_PORT_BASE")
ETCD_PEER_PORT=$(next_free $((ETCD_PORT + 1)))
API_PORT=$(next_free $((ETCD_PEER_PORT + 1)))
CM_PORT=$(next_free $((API_PORT + 1)))
SCHED_PORT=$(next_free $((CM_PORT + 1)))
cat > "$K8S_DIR/ports.env" <<EOF
# ports of the running test cluster (written by scripts/k8s/cluster-up.sh)
ETCD_PORT=$ETCD_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
API_PORT=$API_PORT
CM_PORT=$CM_PORT
SCHED_PORT=$SCHED_PORT
EOF
log "ports on 127.0.0.1: etcd $ETCD_PORT/$ETCD_PEER_PORT, API server $API_PORT, controller manager $CM_PORT, scheduler $SCHED_PORT"

# ---------------------------------------------------------------- certificates
# One CA signs the API server's serving certificate and every client
# certificate; a separate RSA key pair signs service-account tokens.
ossl() { openssl "$@" >/dev/null 2>&1 || die "openssl $1 failed: $(openssl "$@" 2>&1 | tail -n 3)"; }
if [ ! -s "$PKI/ca.crt" ] || [ ! -s "$PKI/ca.key" ]; then
  rm -f "$PKI"/*
  ossl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=dynamo-bench-test-ca" \
    -keyout "$PKI/ca.key" -out "$PKI/ca.crt"
  log "made a CA in $PKI"
fi
client_cert() { # name CN O [CA]
  [ -s "$PKI/$1.crt" ] && return 0
  local ca=${4:-ca}
  local subj="/CN=$2"; [ -n "$3" ] && subj="/O=$3/CN=$2"
  ossl req -newkey rsa:2048 -nodes -sha256 -subj "$subj" -keyout "$PKI/$1.key" -out "$PKI/$1.csr"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' > "$PKI/$1.ext"
  ossl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial -days 3650 -sha256 \
    -extfile "$PKI/$1.ext" -out "$PKI/$1.crt"
  rm -f "$PKI/$1.csr" "$PKI/$1.ext"
}
if [ ! -s "$PKI/apiserver.crt" ]; then
  ossl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=kube-apiserver" -keyout "$PKI/apiserver.key" -out "$PKI/apiserver.csr"
  cat > "$PKI/apiserver.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
  ossl x509 -req -in "$PKI/apiserver.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 3650 -sha256 \
    -extfile "$PKI/apiserver.ext" -out "$PKI/apiserver.crt"
  rm -f "$PKI/apiserver.csr" "$PKI/apiserver.ext"
fi
if [ ! -s "$PKI/sa.key" ]; then
  ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key"
  ossl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"
fi
# The aggregation layer's front proxy: its own CA, so no other client certificate can set X-Remote-User.
if [ ! -s "$PKI/front-proxy-ca.crt" ]; then
  ossl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=dynamo-bench-test-front-proxy-ca" \
    -keyout "$PKI/front-proxy-ca.key" -out "$PKI/front-proxy-ca.crt"
fi
client_cert front-proxy-client front-proxy-client "" front-proxy-ca
client_cert admin dynamo-bench-admin system:masters
client_cert kube-controller-manager system:kube-controller-manager ""
client_cert kube-scheduler system:kube-scheduler ""
client_cert kwok kwok system:masters     # plays every node's kubelet: node and pod status
chmod 600 "$PKI"/*.key

kubeconfig() { # file user
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: dynamo-bench-test
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: $2
  user:
    client-certificate: $PKI/$2.crt
    client-key: $PKI/$2.key
contexts:
- name: dynamo-bench-test
  context:
    cluster: dynamo-bench-test
    user: $2
current-context: dynamo-bench-test
EOF
  chmod 600 "$1"
}
kubeconfig "$KUBECONFIG_ADMIN" admin
for c in kube-controller-manager kube-scheduler kwok; do kubeconfig "$K8S_DIR/$c.kubeconfig" "$c"; done
cat > "$K8S_DIR/env.sh" <<EOF
# source me: the dynamo-bench Kubernetes test cluster (scripts/k8s/cluster-up.sh)
export KUBECONFIG=$KUBECONFIG_ADMIN
export PATH=$K8S_BIN:\$PATH
EOF

# ---------------------------------------------------------------- etcd
rm -rf "$K8S_DIR/etcd"; mkdir -p "$K8S_DIR/etcd"; chmod 700 "$K8S_DIR/etcd"
for c in "${COMPONENTS[@]}"; do : > "$LOGS/$c.log"; done
start etcd --name dynamo-bench-test --data-dir "$K8S_DIR/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "dynamo-bench-test=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls "" \
  --unsafe-no-fsync --quota-backend-bytes 2147483648 --log-level warn
etcd_ok() { http_ok "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; }
wait_for etcd "etcd answers on 127.0.0.1:$ETCD_PORT" etcd_ok

# ---------------------------------------------------------------- API server
start kube-apiserver \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --secure-port "$API_PORT" \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" \
  --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
  --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
  --requestheader-extra-headers-prefix X-Remote-Extra- \
  --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
  --authorization-mode Node,RBAC \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --allow-privileged=true --profiling=false --v=1
api_ready() { http_ok --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "https://127.0.0.1:$API_PORT/readyz"; }
wait_for kube-apiserver "API server /readyz on https://127.0.0.1:$API_PORT" api_ready

# ---------------------------------------------------------------- controllers
# Every controller on by default except the three that need a cloud provider.
start kube-controller-manager \
  --kubeconfig "$K8S_DIR/kube-controller-manager.kubeconfig" \
  --authentication-kubeconfig "$K8S_DIR/kube-controller-manager.kubeconfig" \
  --authorization-kubeconfig "$K8S_DIR/kube-controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$CM_PORT" --leader-elect=false \
  --controllers '*,-cloud-node-lifecycle-controller,-node-route-controller,-service-lb-controller' \
  --use-service-account-credentials=true \
  --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
  --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" --profiling=false --v=1
start kube-scheduler \
  --kubeconfig "$K8S_DIR/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig "$K8S_DIR/kube-scheduler.kubeconfig" \
  --authorization-kubeconfig "$K8S_DIR/kube-scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --leader-elect=false --profiling=false --v=1
cm_ok() { http_ok -k "https://127.0.0.1:$CM_PORT/healthz"; }
sched_ok() { http_ok -k "https://127.0.0.1:$SCHED_PORT/healthz"; }
wait_for kube-controller-manager "controller manager /healthz" cm_ok
wait_for kube-scheduler "scheduler /healthz" sched_ok

# ---------------------------------------------------------------- kwok + nodes
start kwok --kubeconfig "$K8S_DIR/kwok.kubeconfig" --config "$STAGES" --config "$SCRIPT_DIR/kwok-test-stages.yaml" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
  --node-lease-duration-seconds 40 --node-ip 127.0.0.1
nodes=$K8S_DIR/nodes.yaml
: > "$nodes"
for i in $(seq 1 "$K8S_NODES"); do
  cat >> "$nodes" <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-gpu-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: kwok-gpu-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node-role.kubernetes.io/worker: ""
    nvidia.com/gpu.present: "true"
    nvidia.com/gpu.count: "$GPUS_PER_NODE"
    nvidia.com/gpu.product: $NODE_GPU_PRODUCT
status:
  capacity: &res
    cpu: "$NODE_CPU"
    memory: $NODE_MEMORY
    ephemeral-storage: 2Ti
    pods: "110"
    nvidia.com/gpu: "$GPUS_PER_NODE"
  allocatable: *res
EOF
done
nodes_applied() { kc apply -f "$nodes"; }
wait_for - "$K8S_NODES fake nodes created" nodes_applied
nodes_ready() {
  [ "$(kc get nodes -l type=kwok -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)" -ge "$K8S_NODES" ]
}
wait_for kwok "$K8S_NODES nodes Ready ($GPUS_PER_NODE nvidia.com/gpu each)" nodes_ready
# Pods need their namespace's default ServiceAccount (the controller manager makes it).
default_sa() { kc -n default get serviceaccount default; }
wait_for kube-controller-manager "default ServiceAccount made by the controller manager" default_sa

log "ready in $((SECONDS - T_START)) s: Kubernetes $("$K8S_BIN/kube-apiserver" --version | awk '{print $2}') at https://127.0.0.1:$API_PORT, $K8S_NODES kwok nodes"
log "kubeconfig: $KUBECONFIG_ADMIN"
log "use it:     source $K8S_DIR/env.sh   (KUBECONFIG, and kubectl $("$K8S_BIN/kubectl" version --client -o json 2>/dev/null | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | head -n1) on PATH)"
log "stop it:    bash scripts/k8s/cluster-down.sh"
