#!/usr/bin/env bash
# make kind-down: deletes the kind cluster and its kubeconfig directory.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

if cluster_exists; then
  "$kind_bin" delete cluster --name "$cluster" --kubeconfig "$kubeconfig"
else
  echo "no kind cluster named $cluster" >&2
fi
rm -rf "$state"
