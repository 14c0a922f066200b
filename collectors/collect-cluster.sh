#!/bin/sh
# collect-cluster.sh — capture a cluster's Services, EndpointSlices, Endpoints, Pods, Nodes and
# Events with kubectl into a kube-netpath bundle (format v1), optionally with the node collector
# run on some or all nodes through `kubectl debug node/NAME`, merged into one multi-node bundle.
# Never reads Secrets; pod env values and credential-looking annotations are redacted. POSIX sh.
#
#   collect-cluster.sh [-o OUTPUT.tar.gz] [--context CTX] [--nodes all|NAME[,NAME...]]
#                      [--image IMAGE] [--timeout SECONDS] [--node-timeout SECONDS]
#                      [--redact [--redact-key KEY] [--redact-name NAME]...]

KNP_HERE=$(cd "$(dirname "$0")" && pwd) || exit 1
KNP_NODE_SCRIPT="$KNP_HERE/collect-node.sh"
KNP_PROG=collect-cluster.sh
KNP_LIB=1
# shellcheck source=collect-node.sh
. "$KNP_NODE_SCRIPT"

knp_cluster_usage() {
  cat <<'EOF'
usage: collect-cluster.sh [-o OUTPUT.tar.gz] [--context CTX] [--nodes all|NAME[,NAME...]]
                          [--image IMAGE] [--timeout SECONDS] [--node-timeout SECONDS]
                          [--redact [--redact-key KEY] [--redact-name NAME]...]

  -o FILE            output (default ./kube-netpath-cluster-TIMESTAMP.tar.gz)
  --context CTX      kubectl context
  --nodes LIST       also run collect-node.sh on these nodes ("all" for every node) through
                     "kubectl debug node/NAME --profile=sysadmin" with the host under /host
  --image IMAGE      image of the debug pods (default busybox:1.36); the collector runs in
                     "chroot /host", with the node's own tools
  --timeout SECS     timeout of each kubectl get (default 60)
  --node-timeout S   timeout of each node capture (default 300)
  --redact ...       as collect-node.sh: consistent, subnet-preserving replacement of addresses
                     and of node names; the map goes to FILE.redact-map, never into the bundle
EOF
}

# kubectl with the chosen context; a function so that knp_run records "kubectl ..." commands.
knp_kubectl_args() {
  if [ -n "$KNP_CONTEXT" ]; then
    printf '%s\n' --context "$KNP_CONTEXT"
  fi
}

# knp_get REL RESOURCE [ALL_NAMESPACES]: kubectl get RESOURCE -o json into REL, credentials
# redacted.
knp_get() {
  _knp_gr=$1 _knp_res=$2
  if [ "${3:-}" = all ]; then
    # shellcheck disable=SC2046 # the context flag is two words or none
    knp_run "$_knp_gr" kubectl $(knp_kubectl_args) get "$_knp_res" -A -o json
  else
    # shellcheck disable=SC2046
    knp_run "$_knp_gr" kubectl $(knp_kubectl_args) get "$_knp_res" -o json
  fi && knp_redact_credentials "$KNP_ROOT/$_knp_gr"
}

# knp_debug_node NODE: run collect-node.sh on NODE through kubectl debug, the bundle coming back
# base64-encoded between markers on stdout; unpack its nodes/NODE and keep its manifest entries.
knp_debug_node() {
  _knp_dn=$1
  _knp_raw="$KNP_TMP/debug-$_knp_dn.out"
  # The remote side: the collector is read from stdin by "sh -s" in the host's root.
  # shellcheck disable=SC2016 # expanded on the node
  _knp_remote='t=$(mktemp -d) && sh -s -- -o "$t/b.tar.gz" --node "$1" --timeout "$2" >&2 && echo KNP-BUNDLE-BEGIN && base64 "$t/b.tar.gz" && echo KNP-BUNDLE-END; rc=$?; rm -rf "$t"; exit $rc'
  _knp_t0=$(knp_now_ms)
  # shellcheck disable=SC2046
  kubectl $(knp_kubectl_args) debug "node/$_knp_dn" -i --image="$KNP_IMAGE" --profile=sysadmin -- \
    chroot /host sh -c "$_knp_remote" sh "$_knp_dn" "$KNP_TIMEOUT" <"$KNP_NODE_SCRIPT" >"$_knp_raw" 2>"$KNP_TMP/debug-$_knp_dn.err" &
  knp_wait_timeout $! "$KNP_NODE_TIMEOUT" "debug-$_knp_dn"
  [ "$_knp_rc" -eq 124 ] && echo "timed out after ${KNP_NODE_TIMEOUT}s" >>"$KNP_TMP/debug-$_knp_dn.err"
  # kubectl debug names its pod node-debugger-NODE-xxxxx and says so on stdout: delete it.
  _knp_pod=$(sed -n 's/^Creating debugging pod \([^ ]*\) .*/\1/p' "$_knp_raw" | head -n 1)
  if [ -n "$_knp_pod" ]; then
    # shellcheck disable=SC2046
    kubectl $(knp_kubectl_args) delete pod "$_knp_pod" --wait=false >/dev/null 2>&1
  fi
  _knp_b64="$KNP_TMP/debug-$_knp_dn.b64"
  sed -n '/^KNP-BUNDLE-BEGIN$/,/^KNP-BUNDLE-END$/p' "$_knp_raw" | sed '1d;$d' >"$_knp_b64"
  _knp_ex="$KNP_TMP/node-$_knp_dn"
  mkdir -p "$_knp_ex"
  if [ "$_knp_rc" -eq 0 ] && [ -s "$_knp_b64" ] && base64 -d <"$_knp_b64" | tar -C "$_knp_ex" -xzf - &&
    [ -d "$_knp_ex/nodes/$_knp_dn" ]; then
    mkdir -p "$KNP_ROOT/nodes"
    mv "$_knp_ex/nodes/$_knp_dn" "$KNP_ROOT/nodes/$_knp_dn"
    grep '^    {"path": ' "$_knp_ex/manifest.json" >>"$KNP_TMP/node-entries"
    KNP_CAPTURED="$KNP_CAPTURED $_knp_dn"
  elif [ "$_knp_rc" -eq 0 ]; then
    _knp_rc=1
    echo "no bundle came back from the node" >>"$KNP_TMP/debug-$_knp_dn.err"
  fi
  knp_record "nodes/$_knp_dn" "$_knp_rc" $(($(knp_now_ms) - _knp_t0)) \
    "kubectl debug node/$_knp_dn -i --image=$KNP_IMAGE --profile=sysadmin -- chroot /host sh -s (collect-node.sh)" \
    "$KNP_TMP/debug-$_knp_dn.err"
}

knp_cluster_main() {
  _knp_outp= _knp_nodes= _knp_redact= _knp_key= _knp_names=
  KNP_CONTEXT= KNP_IMAGE=busybox:1.36 KNP_TIMEOUT=60 KNP_NODE_TIMEOUT=300 KNP_CAPTURED=
  while [ $# -gt 0 ]; do
    case $1 in
      -o) [ $# -ge 2 ] || knp_die "-o needs a file"; _knp_outp=$2; shift ;;
      --context) [ $# -ge 2 ] || knp_die "--context needs a name"; KNP_CONTEXT=$2; shift ;;
      --nodes) [ $# -ge 2 ] || knp_die "--nodes needs 'all' or names"; _knp_nodes=$2; shift ;;
      --image) [ $# -ge 2 ] || knp_die "--image needs an image"; KNP_IMAGE=$2; shift ;;
      --timeout) [ $# -ge 2 ] || knp_die "--timeout needs seconds"; KNP_TIMEOUT=$2; shift ;;
      --node-timeout) [ $# -ge 2 ] || knp_die "--node-timeout needs seconds"; KNP_NODE_TIMEOUT=$2; shift ;;
      --redact) _knp_redact=1 ;;
      --redact-key) [ $# -ge 2 ] || knp_die "--redact-key needs a key"; _knp_key=$2; _knp_redact=1; shift ;;
      --redact-name) [ $# -ge 2 ] || knp_die "--redact-name needs a name"; _knp_names="$_knp_names
$2"; shift ;;
      -h | --help) knp_cluster_usage; exit 0 ;;
      *) knp_cluster_usage >&2; exit 2 ;;
    esac
    shift
  done
  for _knp_v in "$KNP_TIMEOUT" "$KNP_NODE_TIMEOUT"; do
    case $_knp_v in '' | *[!0-9]*) knp_die "timeouts are numbers of seconds" ;; esac
  done
  [ -n "$_knp_outp" ] || _knp_outp="./kube-netpath-cluster-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
  umask 077
  KNP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/knp-cluster.XXXXXX") || knp_die "cannot create a temporary directory"
  trap 'rm -rf "$KNP_TMP"' EXIT
  trap 'exit 130' INT TERM
  KNP_REC="$KNP_TMP/records"
  : >"$KNP_REC"
  : >"$KNP_TMP/node-entries"
  KNP_ROOT="$KNP_TMP/bundle"
  mkdir -p "$KNP_ROOT/cluster"

  knp_get cluster/services.json services all
  knp_get cluster/endpointslices.json endpointslices.discovery.k8s.io all
  knp_get cluster/endpoints.json endpoints all
  knp_get cluster/pods.json pods all
  knp_get cluster/nodes.json nodes
  knp_get cluster/events.json events all

  # Every node name: the nodes to capture with --nodes all, and names to redact.
  # shellcheck disable=SC2046
  _knp_all=$(kubectl $(knp_kubectl_args) get nodes -o 'jsonpath={.items[*].metadata.name}' 2>/dev/null)
  case $_knp_nodes in
    '') _knp_list= ;;
    all) _knp_list=$_knp_all ;;
    *) _knp_list=$(printf '%s' "$_knp_nodes" | tr ',' ' ') ;;
  esac
  for _knp_dn in $_knp_list; do
    case $_knp_dn in .* | *[!A-Za-z0-9._-]*) knp_die "invalid node name: '$_knp_dn'" ;; esac
    knp_log "collecting node $_knp_dn"
    knp_debug_node "$_knp_dn"
  done

  # shellcheck disable=SC2086 # a space-separated list of node names
  knp_write_manifest "$KNP_ROOT" collect-cluster.sh "$(echo $KNP_CAPTURED)" "$KNP_TMP/node-entries"
  if [ -n "$_knp_redact" ]; then
    [ -n "$_knp_key" ] || _knp_key=$(knp_new_key)
    # shellcheck disable=SC2086 # space-separated lists of node names
    _knp_names="$(printf '%s\n' $_knp_all $_knp_list)$_knp_names"
    _knp_old_ifs=$IFS
    IFS='
'
    # shellcheck disable=SC2086 # one name per line
    knp_redact_tree "$KNP_ROOT" "$_knp_key" "$_knp_outp.redact-map" $_knp_names
    IFS=$_knp_old_ifs
    knp_log "redaction map (keep it private): $_knp_outp.redact-map"
  fi
  set -- manifest.json cluster
  [ -d "$KNP_ROOT/nodes" ] && set -- "$@" nodes
  tar -C "$KNP_ROOT" -czf "$_knp_outp" "$@" || knp_die "cannot write $_knp_outp"
  printf '%s\n' "$_knp_outp"
}

knp_cluster_main "$@"
