# Shared by up.sh, down.sh and component.sh; sourcing it only defines names.
#
# A cluster is a directory (WABA_CLUSTER_DIR, default /tmp/waba-cluster) holding everything:
#   .waba-cluster        marker: this directory belongs to a cluster and may be deleted
#   cluster.env          the loopback ports chosen at start
#   kubeconfig           admin kubeconfig (client certificate in system:masters)
#   pki/                 CA, serving certificate, admin certificate, service-account keys
#   etcd/                etcd data (fsync off)
#   volumes/             hostPath directories of provisioned PersistentVolumes
#   logs/NAME.log        one log per component
#   run/NAME.pid|.cmd    pid and command line of each component (so it can be restarted in place)
#   owner, users/        who started it (make cluster-up or a test run) and which test runs use it

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cluster_src=$repo/e2e/cluster
bin=${WABA_CACHE:-$HOME/.cache/waba-operator}/bin
dir=${WABA_CLUSTER_DIR:-/tmp/waba-cluster}
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
dir=${dir%/}

# Start order; stopped in reverse.
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok pv-provisioner)

log() { echo "[cluster $dir] $*" >&2; }
die() { log "error: $*"; exit 1; }

# Serialises up/down/restart of clusters that share a parent directory, so two test runs that
# reach for the same shared cluster at once do not both start it or stop it under each other.
lock_clusters() {
  local parent
  parent=$(dirname "$dir")
  mkdir -p "$parent"
  exec 9<"$parent"
  flock -w 600 9 || die "timed out waiting for the lock on $parent"
}

pid_of() { cat "$dir/run/$1.pid" 2>/dev/null || true; }

# A pid belongs to this cluster if it is alive and its command line names the cluster directory
# (every component gets a path inside it), which guards against recycled pids.
owns_pid() {
  local pid=$1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$dir/"
}

is_running() { owns_pid "$(pid_of "$1")"; }

# launch NAME: starts a component from its recorded command line, detached from the caller's
# session (a Ctrl-C in the terminal that ran the tests must not kill the cluster half-way).
launch() {
  local name=$1 cmd
  mapfile -d '' cmd <"$dir/run/$name.cmd"
  # 9<&-: the component must not inherit (and so hold) the lock taken by lock_clusters.
  (cd "$repo" && exec setsid "${cmd[@]}" >>"$dir/logs/$name.log" 2>&1 </dev/null 9<&-) &
  local pid=$!
  echo "$pid" >"$dir/run/$name.pid"
  # Until the subshell has exec'd, its command line is this script's, and is_running would take
  # the component for one that had exited (seen once on a busy machine: "exited", empty log).
  while alive "$pid" && ! owns_pid "$pid"; do sleep 0.05; done
}

# start_component NAME COMMAND...: records the command line, then launches it.
start_component() {
  local name=$1
  shift
  printf '%s\0' "$@" >"$dir/run/$name.cmd"
  launch "$name"
}

# wait_until WHAT SECONDS COMPONENT COMMAND...: polls COMMAND until it succeeds; fails at the
# deadline, or at once if COMPONENT (when not empty) has exited, showing the end of its log.
wait_until() {
  local what=$1 seconds=$2 component=$3 deadline
  shift 3
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ -n "$component" ] && ! is_running "$component"; then
      tail -n 30 "$dir/logs/$component.log" >&2 || true
      die "$component exited while waiting for $what (log: $dir/logs/$component.log)"
    fi
    if ((SECONDS >= deadline)); then
      [ -n "$component" ] && tail -n 30 "$dir/logs/$component.log" >&2
      die "timed out after ${seconds}s waiting for $what"
    fi
    sleep 0.2
  done
}

# alive PID: running and not a zombie (a child of this shell that exited but was not reaped yet).
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# stop_pid PID: SIGTERM, then SIGKILL if it is still there after 15 s.
stop_pid() {
  local pid=$1 deadline=$((SECONDS + 15))
  kill -TERM "$pid" 2>/dev/null || return 0
  while alive "$pid"; do
    if ((SECONDS >= deadline)); then kill -KILL "$pid" 2>/dev/null || true; fi
    sleep 0.1
  done
}

stop_component() {
  local pid
  pid=$(pid_of "$1")
  if owns_pid "$pid"; then stop_pid "$pid"; fi
  rm -f "$dir/run/$1.pid"
}

# Processes of this cluster found by name rather than by pid file: the fallback for a pid file
# that was lost or overwritten. Matches our binaries (and node running the provisioner) whose
# command line names the cluster directory.
stray_pids() {
  local p first
  for p in /proc/[0-9]*; do
    { IFS= read -r -d '' first <"$p/cmdline"; } 2>/dev/null || continue
    case ${first##*/} in
      etcd | kube-apiserver | kube-controller-manager | kube-scheduler | kwok) ;;
      node) grep -qF pv-provisioner "$p/cmdline" 2>/dev/null || continue ;;
      *) continue ;;
    esac
    if owns_pid "${p#/proc/}"; then echo "${p#/proc/}"; fi
  done
}

stop_all() {
  local i pid
  for ((i = ${#components[@]} - 1; i >= 0; i--)); do stop_component "${components[i]}"; done
  for pid in $(stray_pids); do
    log "stopping stray process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-80))"
    stop_pid "$pid"
  done
}

apiserver_ready() {
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
  curl -sf --max-time 2 --cacert "$dir/pki/ca.crt" --cert "$dir/pki/admin.crt" --key "$dir/pki/admin.key" \
    "https://127.0.0.1:$APISERVER_PORT/readyz" | grep -qx ok
}

# All nodes Ready and without taints (the node lifecycle controller taints a node until it is Ready).
nodes_ready() {
  local want=$1
  [ "$(kubectl_ get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{.spec.taints}{"\n"}{end}' | grep -cx True)" = "$want" ]
}

# wait_ready COMPONENT: waits until a (re)started component serves.
wait_ready() {
  local name=$1
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
  case $name in
    etcd) wait_until "etcd" 60 etcd curl -sf "http://127.0.0.1:$ETCD_PORT/health" ;;
    kube-apiserver) wait_until "kube-apiserver /readyz" 120 kube-apiserver apiserver_ready ;;
    kube-controller-manager) wait_until "controller-manager /healthz" 60 "$name" curl -skf "https://127.0.0.1:$KCM_PORT/healthz" ;;
    kube-scheduler) wait_until "scheduler /healthz" 60 "$name" curl -skf "https://127.0.0.1:$SCHEDULER_PORT/healthz" ;;
    kwok) wait_until "$NODE_COUNT Ready nodes without taints" 120 kwok nodes_ready "$NODE_COUNT" ;;
    pv-provisioner) wait_until "the volume provisioner" 60 pv-provisioner test -f "$dir/run/pv-provisioner.ready" ;;
  esac
}

healthy() {
  local c
  [ -f "$dir/.waba-cluster" ] && [ -f "$dir/cluster.env" ] || return 1
  for c in "${components[@]}"; do is_running "$c" || return 1; done
  apiserver_ready
}

kubectl_() { "$bin/kubectl" --kubeconfig "$dir/kubeconfig" "$@"; }
