#!/usr/bin/env bash
# Stops, starts or restarts one component of a running local cluster in place: same command
# line, so the same ports, certificates and etcd data. For disruptive tests ("the API server
# restarts while the operator runs"); start and restart return once the component serves.
#
# Usage: [WABA_CLUSTER_DIR=dir] component.sh stop|start|restart COMPONENT
#   COMPONENT: etcd kube-apiserver kube-controller-manager kube-scheduler kwok pv-provisioner
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

action=${1-}
name=${2-}
[[ " ${components[*]} " == *" $name "* ]] && [[ $action =~ ^(stop|start|restart)$ ]] ||
  die "usage: component.sh stop|start|restart COMPONENT (one of: ${components[*]})"

lock_clusters
[ -f "$dir/run/$name.cmd" ] || die "no cluster here with a $name to $action"

if [ "$action" != start ]; then
  stop_component "$name"
  log "$name stopped"
fi
if [ "$action" != stop ]; then
  if is_running "$name"; then
    log "$name already runs"
  else
    rm -f "$dir/run/$name.ready"
    launch "$name"
    wait_ready "$name"
    log "$name started (pid $(pid_of "$name"))"
  fi
fi
