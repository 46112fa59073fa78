#!/usr/bin/env bash
# Shared by the kind scripts: names, versions, tools and a kubeconfig of the cluster's own (the
# user's ~/.kube/config is left alone).
# Variables here are read by the scripts that source this file.
# shellcheck disable=SC2034
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kind_dir="$root/e2e/kind"
cache=${WABA_CACHE:-$HOME/.cache/waba-operator}
cluster=${WABA_KIND_CLUSTER:-waba}
# Where the kubeconfig (and helm's caches, for the e2e suite) of the kind cluster live.
state=${WABA_KIND_DIR:-/tmp/waba-kind}
kubeconfig="$state/kubeconfig"
version=$(node -p "require('$root/package.json').version")
operator_image="waba-operator:$version"
runtime_image="waba-runtime:$version"
release=waba-operator
system_ns=waba-system
demo_ns=waba-demo
demo_instance=acme-webhooks

die() { echo "error: $*" >&2; exit 1; }
step() { printf '\n==> %s\n' "$*" >&2; }

# tool NAME: the cached build (make tools) or the one on PATH.
tool() {
  if [ -x "$cache/bin/$1" ]; then echo "$cache/bin/$1"
  elif command -v "$1" >/dev/null; then command -v "$1"
  else die "$1 not found: install it, or build it with make tools"
  fi
}

kind_bin=$(tool kind)
kubectl_bin=$(tool kubectl)
helm_bin=$(tool helm)
kctl() { "$kubectl_bin" --kubeconfig "$kubeconfig" "$@"; }
helm_() {
  HELM_CACHE_HOME="$state/helm/cache" HELM_CONFIG_HOME="$state/helm/config" HELM_DATA_HOME="$state/helm/data" \
    "$helm_bin" --kubeconfig "$kubeconfig" "$@"
}

cluster_exists() { "$kind_bin" get clusters 2>/dev/null | grep -qx "$cluster"; }

# The operator as kind-up installs it (the chart's defaults: its gateway is the in-cluster
# simulator) and the example instance that posts to the webhook receiver, waited for until Ready.
install_demo() {
  step "installing the chart (release $release in $system_ns)"
  helm_ upgrade --install "$release" "$root/charts/waba-operator" --namespace "$system_ns" --wait --timeout 5m
  step "applying the example instance $demo_instance in $demo_ns"
  kctl -n "$demo_ns" apply -f "$root/charts/waba-operator/examples/webhooks.yaml"
  kctl -n "$demo_ns" wait "wabainstance/$demo_instance" --for=jsonpath='{.status.phase}'=Ready --timeout 10m
}
