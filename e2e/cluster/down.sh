#!/usr/bin/env bash
# Stops a local cluster started by up.sh and removes its directory: every component by its
# recorded pid, then any process still naming the directory (found by name), so neither a
# process nor a temporary directory is left.
#
# Usage: [WABA_CLUSTER_DIR=dir] down.sh [--user PID]
#   --user PID   a test run leaving: the cluster is stopped only if a test run started it and
#                no other live test run still uses it; one started by `make cluster-up` stays.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

user=""
case "${1-}" in
  --user) user=${2:?--user needs a pid} ;;
  "") ;;
  *) die "usage: down.sh [--user PID]" ;;
esac

lock_clusters
if [ ! -e "$dir" ]; then
  log "no cluster here"
  exit 0
fi
if [ ! -f "$dir/.waba-cluster" ]; then
  # An empty directory is one that up.sh was given but never started in.
  rmdir "$dir" 2>/dev/null || die "$dir is not a cluster directory; refusing to remove it"
  log "removed the empty directory"
  exit 0
fi

if [ -n "$user" ]; then
  rm -f "$dir/users/$user"
  for f in "$dir"/users/*; do
    if [ -e "$f" ] && ! alive "$(basename "$f")"; then rm -f "$f"; fi
  done
  if [ "$(cat "$dir/owner" 2>/dev/null)" != tests ]; then
    log "left running: started by make cluster-up"
    exit 0
  fi
  if [ -n "$(ls -A "$dir/users")" ]; then
    log "left running: still used by test run(s) $(ls "$dir/users" | tr '\n' ' ')"
    exit 0
  fi
fi

stop_all
rm -rf "$dir"
log "stopped and removed"
