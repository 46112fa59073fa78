#!/usr/bin/env bash
# Stops the operator that `make up` runs beside the local control plane (make down and make
# cluster-down call it before stopping the cluster; up.ts before starting a new one). SIGTERM lets
# it release its Lease; it is killed if still there after 45 s. Nothing to do when none runs.
set -euo pipefail

dir=${WABA_CLUSTER_DIR:-/tmp/waba-cluster}
state="$dir/waba-operator"
pid=$(cat "$state/pid" 2>/dev/null || true)

# Ours: alive and running operator/main.ts (guards against a recycled pid).
if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "operator/main.ts"; then
  kill -TERM "$pid"
  for _ in $(seq 450); do
    [ -e "/proc/$pid" ] || break
    sleep 0.1
  done
  if [ -e "/proc/$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  echo "stopped the local operator (pid $pid)" >&2
fi
rm -rf "$state/pid" "$state/files"
