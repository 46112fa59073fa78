#!/usr/bin/env bash
# Builds the local control plane's binaries from the Go module proxy into a cache outside the
# repository: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd, kwok, helm,
# kind.
# Each tool lives in a directory keyed by its version and the hash of its wrapper module, so a
# warm cache rebuilds nothing and a version bump rebuilds only that tool. Stable symlinks to the
# current builds are kept in "$WABA_CACHE/bin".
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${WABA_CACHE:-$HOME/.cache/waba-operator}
mkdir -p "$cache/bin"

module_version() { (cd "$here/tools/$1" && go list -m -f '{{.Version}}' "$2"); }

# build TOOL-DIR OUT-NAME PACKAGE LDFLAGS: builds one binary unless the keyed directory has it.
build() {
  local tool=$1 name=$2 pkg=$3 ldflags=$4 key dir
  key=$(cat "$here/tools/$tool/go.mod" "$here/tools/$tool/go.sum" <(go env GOVERSION) | sha256sum | cut -c1-12)
  dir="$cache/$tool-$key"
  if [ ! -x "$dir/$name" ]; then
    echo "building $name ($tool, key $key)" >&2
    mkdir -p "$dir"
    (cd "$here/tools/$tool" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$dir/$name.tmp" "$pkg")
    mv "$dir/$name.tmp" "$dir/$name"
  fi
  ln -sfn "$dir/$name" "$cache/bin/$name"
}

k8s=$(module_version kubernetes k8s.io/kubernetes)            # v1.36.3
minor=$(echo "$k8s" | cut -d. -f2)
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $pkg.gitVersion=$k8s -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  stamp+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  build kubernetes "$cmd" "k8s.io/kubernetes/cmd/$cmd" "$stamp"
done

build etcd etcd go.etcd.io/etcd/server/v3 ""

kwok=$(module_version kwok sigs.k8s.io/kwok)
build kwok kwok sigs.k8s.io/kwok/cmd/kwok "-X sigs.k8s.io/kwok/pkg/consts.Version=${kwok#v}"

helm=$(module_version helm helm.sh/helm/v3)
hstamp="-X helm.sh/helm/v3/internal/version.version=$helm -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  hstamp+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$minor"
done
build helm helm helm.sh/helm/v3/cmd/helm "$hstamp"

# kind, for the kind path (make kind-up) on machines with Docker; here it checks e2e/kind/cluster.yaml.
build kind kind sigs.k8s.io/kind ""

echo "$cache/bin"
