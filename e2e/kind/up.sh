#!/usr/bin/env bash
# make kind-up: a kind cluster with the operator installed from the chart, the WhatsApp network
# simulator and a webhook receiver in-cluster, and an example instance Ready. Re-running it
# rebuilds and reloads the images (same tag), restarts what runs them in waba-system and upgrades
# the chart; instances' pods take the new runtime image when they next restart.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

docker info >/dev/null 2>&1 || die "the kind path needs a running Docker engine (without one: make up uses the local control plane)"
mkdir -p "$state"

reused=false
if cluster_exists; then
  reused=true
  step "kind cluster $cluster exists: reusing it"
  "$kind_bin" export kubeconfig --name "$cluster" --kubeconfig "$kubeconfig"
else
  step "creating kind cluster $cluster (a control plane and a worker per region)"
  "$kind_bin" create cluster --name "$cluster" --config "$kind_dir/cluster.yaml" --kubeconfig "$kubeconfig" --wait 5m
fi

step "building $operator_image and $runtime_image"
make -C "$root" --no-print-directory images
step "loading the images into the nodes"
"$kind_bin" load docker-image --name "$cluster" "$operator_image" "$runtime_image"

step "storage classes of the regions, namespaces (Pod Security: restricted)"
kctl apply -f "$kind_dir/storage-classes.yaml" -f "$kind_dir/namespaces.yaml"

step "the WhatsApp network simulator and the webhook receiver in $system_ns"
kctl -n "$system_ns" create configmap waba-webhook-receiver --from-file=receiver.mjs="$kind_dir/receiver.mjs" \
  --dry-run=client -o yaml | kctl apply -f -
for manifest in simulator.yaml receiver.yaml; do
  sed "s|@RUNTIME_IMAGE@|$runtime_image|g" "$kind_dir/$manifest" | kctl -n "$system_ns" apply -f -
done
kctl -n "$system_ns" rollout status deployment/waba-simulator deployment/waba-webhook-receiver --timeout 3m

install_demo
if $reused; then
  step "restarting the operator, simulator and receiver on the reloaded images"
  kctl -n "$system_ns" rollout restart deployment
  kctl -n "$system_ns" rollout status deployment --timeout 3m
fi

cat <<INFO

The kind cluster "$cluster" runs the operator and a Ready WabaInstance:
$(kctl -n "$demo_ns" get wabainstances)

$(kctl -n "$demo_ns" get pods -o wide)

Look around:
  export KUBECONFIG=$kubeconfig
  kubectl -n $demo_ns describe wabainstance $demo_instance
  kubectl -n $system_ns logs deployment/$release
  kubectl -n $demo_ns port-forward service/$demo_instance-webapp 8080:80
Test it end to end: make kind-e2e.   Remove it: make kind-down.
INFO
