#!/usr/bin/env bash
# Starts a local Kubernetes control plane on loopback and waits until it is usable: etcd,
# kube-apiserver (RBAC, Pod Security Admission), kube-controller-manager, kube-scheduler, kwok
# playing the kubelet of 8 fake nodes in 2 regions x 2 zones, and a volume provisioner for the
# regions' StorageClasses. Reuses the cluster if a healthy one already runs in the directory.
#
# Usage: [WABA_CLUSTER_DIR=dir] up.sh [--user PID]
#   --user PID   a test run (its pid) that wants the cluster; see down.sh --user.
# Binaries come from $WABA_CACHE/bin (make tools). See lib.sh for the directory's layout.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=pki.sh
. "$cluster_src/pki.sh"

user=""
case "${1-}" in
  --user) user=${2:?--user needs a pid} ;;
  "") ;;
  *) die "usage: up.sh [--user PID]" ;;
esac

zones=(eu-central-1a eu-central-1b me-central-1a me-central-1b)
nodes_per_zone=2

for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok helm; do
  [ -x "$bin/$b" ] || die "$bin/$b is missing: run 'make tools' first"
done

# Records who asked for the cluster: a test run (stopped by the last one that leaves, if a
# test run started it) or a person (kept until `make cluster-down`).
register() {
  if [ -n "$user" ]; then
    touch "$dir/users/$user"
    [ -f "$dir/owner" ] || echo tests >"$dir/owner"
  else
    echo manual >"$dir/owner"
  fi
}

summary() {
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
  cat <<EOF
Local cluster ready ($(kubectl_ get nodes --no-headers | wc -l) nodes, API server https://127.0.0.1:$APISERVER_PORT)
  kubeconfig  $dir/kubeconfig   (export KUBECONFIG=$dir/kubeconfig)
  kubectl     $bin/kubectl
  helm        $bin/helm
  logs        $dir/logs/
  stop        make cluster-down   (or: WABA_CLUSTER_DIR=$dir e2e/cluster/down.sh)
EOF
}

nodes_manifest() {
  local zone n i=0 name
  for zone in "${zones[@]}"; do
    for ((n = 1; n <= nodes_per_zone; n++)); do
      i=$((i + 1))
      name=kwok-$zone-$n
      # The InternalIP is a loopback address, so nothing ever reaches out of the machine for
      # a "kubelet" (kubectl logs/exec simply fail). Pod IPs come from the node's podCIDR.
      cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels:
    kubernetes.io/hostname: $name
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    topology.kubernetes.io/region: ${zone%?}
    topology.kubernetes.io/zone: $zone
    type: kwok
spec:
  podCIDR: 10.244.$i.0/24
  podCIDRs: [10.244.$i.0/24]
status:
  addresses:
  - {type: InternalIP, address: 127.0.1.$i}
  - {type: Hostname, address: $name}
  allocatable: {cpu: "16", memory: 64Gi, pods: "110"}
  capacity: {cpu: "16", memory: 64Gi, pods: "110"}
EOF
    done
  done
}

# Five distinct free loopback ports, all held open until each is chosen.
free_ports() {
  node -e '
    const net = require("node:net");
    const servers = Array.from({ length: 5 }, () => net.createServer());
    let listening = 0;
    for (const s of servers) s.listen(0, "127.0.0.1", () => {
      if (++listening < servers.length) return;
      console.log(servers.map((x) => x.address().port).join(" "));
      for (const x of servers) x.close();
    });'
}

lock_clusters

if healthy; then
  register
  log "reusing the cluster already running"
  summary
  exit 0
fi

if [ -e "$dir" ]; then
  if [ -f "$dir/.waba-cluster" ]; then
    log "removing a cluster that is not healthy (logs were in $dir/logs)"
    stop_all
    rm -rf "$dir"
  elif [ -n "$(ls -A "$dir")" ]; then
    die "$dir exists and is not a cluster directory; choose another WABA_CLUSTER_DIR"
  fi
fi

started=no
# On failure stop whatever was started; the directory stays for its logs, and the next up.sh
# or down.sh removes it.
trap '[ $started = yes ] || { log "start failed, stopping what was started; logs in $dir/logs"; stop_all; }' EXIT

mkdir -p "$dir"/{logs,run,volumes,users}
chmod 700 "$dir"
touch "$dir/.waba-cluster"

read -r etcd_port peer_port api_port kcm_port sched_port < <(free_ports)
cat >"$dir/cluster.env" <<EOF
ETCD_PORT=$etcd_port
ETCD_PEER_PORT=$peer_port
APISERVER_PORT=$api_port
KCM_PORT=$kcm_port
SCHEDULER_PORT=$sched_port
NODE_COUNT=$((${#zones[@]} * nodes_per_zone))
EOF
make_pki
write_kubeconfig "$api_port"
pki=$dir/pki
kubeconfig=$dir/kubeconfig
service_range=10.96.0.0/16

start_component etcd "$bin/etcd" --name=waba --data-dir="$dir/etcd" \
  --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
  --listen-peer-urls="http://127.0.0.1:$peer_port" --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
  --initial-cluster="waba=http://127.0.0.1:$peer_port" --unsafe-no-fsync=true --log-level=warn
wait_ready etcd

start_component kube-apiserver "$bin/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$etcd_port" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --client-ca-file="$pki/ca.crt" \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --authorization-mode=Node,RBAC --allow-privileged=true \
  --service-cluster-ip-range="$service_range" --endpoint-reconciler-type=none --profiling=false \
  --requestheader-client-ca-file="$pki/ca.crt" --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- --shutdown-watch-termination-grace-period=2s
wait_ready kube-apiserver

start_component kube-controller-manager "$bin/kube-controller-manager" \
  --kubeconfig="$kubeconfig" --authentication-kubeconfig="$kubeconfig" --authorization-kubeconfig="$kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$kcm_port" --leader-elect=false --profiling=false \
  --use-service-account-credentials=true --service-account-private-key-file="$pki/sa.key" \
  --root-ca-file="$pki/ca.crt" --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
  --service-cluster-ip-range="$service_range"
start_component kube-scheduler "$bin/kube-scheduler" \
  --kubeconfig="$kubeconfig" --authentication-kubeconfig="$kubeconfig" --authorization-kubeconfig="$kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$sched_port" --leader-elect=false --profiling=false
cp "$cluster_src/kwok.yaml" "$dir/kwok.yaml"
# kwok plays the kubelet of the nodes annotated kwok.x-k8s.io/node=fake and renews their Leases.
start_component kwok "$bin/kwok" --kubeconfig="$kubeconfig" --config="$dir/kwok.yaml" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --node-lease-duration-seconds=40
# A small young generation: the provisioner allocates little, and it saves ~40 MB of RSS.
start_component pv-provisioner node --max-semi-space-size=1 --import tsx "$cluster_src/pv-provisioner.ts" \
  --kubeconfig="$kubeconfig" --volumes="$dir/volumes" --ready-file="$dir/run/pv-provisioner.ready"

nodes_manifest | kubectl_ create -f - >/dev/null
kubectl_ apply -f "$cluster_src/storage-classes.yaml" >/dev/null
for c in kube-controller-manager kube-scheduler kwok pv-provisioner; do wait_ready "$c"; done
# Pods are refused in a namespace until its default ServiceAccount exists.
wait_until "the default ServiceAccount" 60 kube-controller-manager kubectl_ get serviceaccount default -n default

register
started=yes
log "started in ${SECONDS}s"
summary
