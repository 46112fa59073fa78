#!/usr/bin/env bash
# make kind-e2e: the end-to-end suites on the kind cluster of make kind-up, with real pods:
#  1. a message sent through the demo instance's WebApp Service, its statuses seen at the webhook
#     receiver (e2e/kind/message.kind.test.ts);
#  2. the chart suite (e2e/chart/), whose releases run the operator image in-cluster. The demo
#     release and instance are set aside meanwhile (one operator per cluster, one instance per
#     number) and restored afterwards, whatever the outcome.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

cluster_exists || die "no kind cluster named $cluster: run make kind-up first"
"$kind_bin" export kubeconfig --name "$cluster" --kubeconfig "$kubeconfig"
export WABA_E2E_KIND_DIR="$state"
jest=(node --experimental-vm-modules "$root/node_modules/jest/bin/jest.js" --config "$kind_dir/jest.config.js")

step "a message through the WebApp of $demo_instance, its statuses at the webhook receiver"
"${jest[@]}" --selectProjects kind-demo

step "setting the demo release and instance aside for the chart suite"
kctl -n "$demo_ns" delete wabainstance "$demo_instance" --ignore-not-found --wait
helm_ uninstall "$release" --namespace "$system_ns" --wait
trap install_demo EXIT

step "the chart suite against the kind cluster"
"${jest[@]}" --selectProjects chart
