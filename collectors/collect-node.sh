#!/bin/sh
# collect-node.sh — capture one Kubernetes node's networking state into a kube-netpath bundle
# (format v1, see DESIGN.md). POSIX sh: runs under dash, bash and busybox ash.
#
#   collect-node.sh [-o OUTPUT.tar.gz] [--node NAME] [--timeout SECONDS]
#                   [--redact [--redact-key KEY] [--redact-name NAME]...]
#
# Read-only: it only runs listing commands. Every command runs under a timeout; a missing tool or
# a failing command is recorded in manifest.json and the collection goes on. Prints the path of
# the bundle on stdout. See collectors/README.md.
#
# collect-cluster.sh sources this file with KNP_LIB=1 to reuse its functions.

KNP_VERSION=1
KNP_TIMEOUT=20
KNP_STDERR_MAX=4000

knp_log() { printf '%s: %s\n' "${KNP_PROG:-collect-node.sh}" "$*" >&2; }
knp_die() { knp_log "$*"; exit 1; }

# Milliseconds since boot, from /proc/uptime (10 ms resolution; no date +%N on busybox).
knp_now_ms() {
  read -r _knp_up _knp_rest </proc/uptime || { echo 0; return; }
  _knp_s=${_knp_up%.*}
  _knp_cs=${_knp_up#*.}
  _knp_cs=${_knp_cs#0}
  echo $((_knp_s * 1000 + ${_knp_cs:-0} * 10))
}

# knp_record PATH EXIT DURATION_MS COMMAND STDERR_FILE: one manifest entry. $KNP_REC holds one
# tab-separated line per entry; knp_write_manifest turns them into JSON.
knp_record() {
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$KNP_REC"
}

# knp_wait_timeout PID SECONDS TAG: wait for PID, killing it after SECONDS; sets $_knp_rc to its
# exit status, 124 when it was killed. The watchdog is sent no signal (a trap racing with wait
# is unreliable in some shells): it sleeps in a process whose pid it leaves in a file, and the
# sleep is ended once PID is done; it kills PID only while $KNP_TMP exists and PID is not done.
knp_wait_timeout() {
  _knp_w="$KNP_TMP/watch.$3"
  (
    sleep "$2" &
    echo $! >"$_knp_w.sleep"
    wait $!
    if [ -d "$KNP_TMP" ] && [ ! -e "$_knp_w.done" ]; then
      : >"$_knp_w.timeout"
      kill -9 "$1"
    fi
  ) </dev/null >/dev/null 2>&1 &
  wait "$1"
  _knp_rc=$?
  : >"$_knp_w.done"
  [ -s "$_knp_w.sleep" ] && kill "$(cat "$_knp_w.sleep")" 2>/dev/null
  [ -e "$_knp_w.timeout" ] && _knp_rc=124
  return 0
}

# knp_run REL_PATH COMMAND [ARGS...]: run COMMAND with its stdout in $KNP_ROOT/REL_PATH, under
# a watchdog of $KNP_TIMEOUT seconds, and record it. Returns the command's exit status (124 on
# timeout, 127 when the tool is missing). An output file that is empty after a failure is
# removed; the manifest entry stays. $KNP_SHOWN, when set, is the command recorded instead of
# the words run. With $KNP_EXPECT_JSON set, output that is not JSON (old iproute2 accepting -j
# but printing text) is kept under the .txt name instead of .json.
knp_run() {
  _knp_rel=$1
  shift
  _knp_shown=${KNP_SHOWN:-$*}
  _knp_n=$((${_knp_n:-0} + 1))
  _knp_err="$KNP_TMP/stderr.$_knp_n"
  _knp_out="$KNP_ROOT/$_knp_rel"
  mkdir -p "${_knp_out%/*}"
  if ! command -v "$1" >/dev/null 2>&1; then
    printf '%s: command not found\n' "$1" >"$_knp_err"
    knp_record "$_knp_rel" 127 0 "$_knp_shown" "$_knp_err"
    _knp_rc=127
    return 127
  fi
  _knp_t0=$(knp_now_ms)
  "$@" >"$_knp_out" 2>"$_knp_err" &
  knp_wait_timeout $! "$KNP_TIMEOUT" "$_knp_n"
  if [ "$_knp_rc" -eq 124 ]; then
    printf 'timed out after %ss\n' "$KNP_TIMEOUT" >>"$_knp_err"
  fi
  _knp_t1=$(knp_now_ms)
  if [ "$_knp_rc" -ne 0 ] && [ ! -s "$_knp_out" ]; then
    rm -f "$_knp_out"
  elif [ "$_knp_rc" -eq 0 ] && [ -n "${KNP_EXPECT_JSON:-}" ] && [ -s "$_knp_out" ]; then
    case $(dd bs=1 count=1 <"$_knp_out" 2>/dev/null) in
      '[' | '{') ;;
      *)
        mv "$_knp_out" "${_knp_out%.json}.txt"
        _knp_rel=${_knp_rel%.json}.txt
        ;;
    esac
  fi
  knp_record "$_knp_rel" "$_knp_rc" $((_knp_t1 - _knp_t0)) "$_knp_shown" "$_knp_err"
  return "$_knp_rc"
}

# knp_run_json BASE JSON_COMMAND... -- TEXT_COMMAND...: the JSON form into BASE.json; when it
# fails (iproute2 without -j), the text form into BASE.txt.
knp_run_json() {
  _knp_base=$1
  shift
  _knp_json=
  while [ "$1" != -- ]; do
    _knp_json="$_knp_json $1"
    shift
  done
  shift
  KNP_EXPECT_JSON=1
  # shellcheck disable=SC2086 # the JSON command is a list of plain words
  knp_run "$_knp_base.json" $_knp_json
  KNP_EXPECT_JSON=
  case $_knp_rc in 0 | 127) return "$_knp_rc" ;; esac
  knp_run "$_knp_base.txt" "$@"
}

# The sysctls that decide how packets cross a node, and their per-interface variants.
knp_sysctl_keys() {
  echo net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.ipv4.conf.all.rp_filter \
    net.ipv4.conf.default.rp_filter net.ipv4.conf.all.route_localnet net.ipv4.conf.all.proxy_arp \
    net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce \
    net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables \
    net.bridge.bridge-nf-call-arptables net.netfilter.nf_conntrack_max \
    net.netfilter.nf_conntrack_count net.ipv4.vs.conntrack net.ipv4.ip_local_port_range
  for _knp_d in /proc/sys/net/ipv4/conf/*; do
    _knp_if=${_knp_d##*/}
    case $_knp_if in all | default | '*') continue ;; esac
    # sysctl writes the dots of an interface name (flannel.1) as slashes.
    _knp_if=$(printf '%s' "$_knp_if" | tr . /)
    for _knp_k in rp_filter forwarding proxy_arp route_localnet; do
      echo "net.ipv4.conf.$_knp_if.$_knp_k"
    done
  done
}

# The network namespaces the node knows by name: /run/netns and /var/run/netns (usually the same
# directory). Names that are not plain file names are skipped.
knp_netns_names() {
  for _knp_d in /run/netns /var/run/netns; do
    [ -d "$_knp_d" ] || continue
    for _knp_f in "$_knp_d"/*; do
      [ -e "$_knp_f" ] || continue
      _knp_ns=${_knp_f##*/}
      case $_knp_ns in *[!A-Za-z0-9._-]* | .*) continue ;; esac
      echo "$_knp_ns"
    done
  done | sort -u
}

# knp_collect_node ROOT NODE: everything for one node under ROOT/nodes/NODE. Sets $KNP_ROOT.
knp_collect_node() {
  KNP_ROOT=$1
  _knp_nd="nodes/$2"
  mkdir -p "$KNP_ROOT/$_knp_nd"
  knp_run "$_knp_nd/hostname.txt" hostname
  knp_run "$_knp_nd/uname.txt" uname -a
  knp_run "$_knp_nd/nft-ruleset.txt" nft list ruleset
  knp_run "$_knp_nd/nft-ruleset.json" nft -j list ruleset
  knp_run "$_knp_nd/iptables-save.txt" iptables-save -c
  knp_run "$_knp_nd/ip6tables-save.txt" ip6tables-save -c
  knp_run "$_knp_nd/ipvsadm.txt" ipvsadm -Ln
  knp_run_json "$_knp_nd/ip-link" ip -d -j link show -- ip -d link show
  knp_run_json "$_knp_nd/ip-addr" ip -j addr show -- ip addr show
  knp_run_json "$_knp_nd/ip-route" ip -j route show table all -- ip route show table all
  knp_run_json "$_knp_nd/ip-rule" ip -j rule show -- ip rule show
  knp_run_json "$_knp_nd/ip-neigh" ip -j neigh show -- ip neigh show
  knp_run_json "$_knp_nd/bridge-fdb" bridge -j fdb show -- bridge fdb show
  KNP_SHOWN='ip netns list-id; ip netns list'
  knp_run "$_knp_nd/netns.txt" sh -c 'ip netns list-id; a=$?; ip netns list; b=$?; [ "$a" -ne 0 ] && exit "$a"; exit "$b"'
  KNP_SHOWN=
  for _knp_ns in $(knp_netns_names); do
    _knp_nsd="$_knp_nd/netns/$_knp_ns"
    knp_run_json "$_knp_nsd/ip-link" ip -n "$_knp_ns" -d -j link show -- ip -n "$_knp_ns" -d link show
    knp_run_json "$_knp_nsd/ip-addr" ip -n "$_knp_ns" -j addr show -- ip -n "$_knp_ns" addr show
    knp_run_json "$_knp_nsd/ip-route" ip -n "$_knp_ns" -j route show table all -- ip -n "$_knp_ns" route show table all
  done
  if knp_run "$_knp_nd/crictl-pods.json" crictl pods -o json; then
    knp_redact_credentials "$KNP_ROOT/$_knp_nd/crictl-pods.json"
    # Sandbox ids are hex; anything else is ignored (they become file names).
    for _knp_id in $(sed -n 's/^ *"id": *"\([0-9a-f][0-9a-f]*\)".*/\1/p' "$KNP_ROOT/$_knp_nd/crictl-pods.json"); do
      if knp_run "$_knp_nd/crictl-inspectp/$_knp_id.json" crictl inspectp -o json "$_knp_id"; then
        knp_redact_credentials "$KNP_ROOT/$_knp_nd/crictl-inspectp/$_knp_id.json"
      fi
    done
  fi
  KNP_SHOWN='sysctl -e KEYS (forwarding, rp_filter, route_localnet, proxy_arp, arp_*, bridge-nf-call-*, conntrack, ip_local_port_range; per interface too)'
  # shellcheck disable=SC2046 # one argument per key
  knp_run "$_knp_nd/sysctl.txt" sysctl -e $(knp_sysctl_keys)
  KNP_SHOWN=
}

# knp_write_manifest ROOT COLLECTOR_NAME NODES [EXTRA_ENTRIES_FILE]: ROOT/manifest.json from
# $KNP_REC. NODES is a space-separated list. EXTRA_ENTRIES_FILE holds ready-made entry lines
# (the "files" lines of other manifests written by this function).
knp_write_manifest() {
  LC_ALL=C awk -v rec="$KNP_REC" -v extra="${4:-}" -v name="$2" -v version="$KNP_VERSION" \
    -v nodes="$3" -v created="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v max="$KNP_STDERR_MAX" '
    function jstr(s,   out, i, c, n) {
      out = ""
      n = length(s)
      for (i = 1; i <= n; i++) {
        c = substr(s, i, 1)
        if (c == "\\") out = out "\\\\"
        else if (c == "\"") out = out "\\\""
        else if (c == "\n") out = out "\\n"
        else if (c == "\t") out = out "\\t"
        else if (c == "\r") out = out "\\r"
        else if (c in CTRL) out = out sprintf("\\u%04x", CTRL[c])
        else out = out c
      }
      return "\"" out "\""
    }
    function slurp(f,   s, l, n) {
      s = ""; n = 0
      while ((getline l < f) > 0) { s = s (n++ ? "\n" : "") l }
      close(f)
      if (length(s) > max) s = substr(s, 1, max) "...(truncated)"
      return s
    }
    BEGIN {
      for (i = 1; i < 32; i++) CTRL[sprintf("%c", i)] = i
      CTRL[sprintf("%c", 127)] = 127
      print "{"
      print "  \"format\": \"kube-netpath-bundle\","
      print "  \"formatVersion\": 1,"
      print "  \"createdAt\": " jstr(created) ","
      print "  \"collector\": {\"name\": " jstr(name) ", \"version\": " jstr(version) "},"
      n = split(nodes, nl, " ")
      s = ""
      for (i = 1; i <= n; i++) s = s (i > 1 ? ", " : "") jstr(nl[i])
      print "  \"nodes\": [" s "],"
      print "  \"files\": ["
      count = 0
      if (extra != "") {
        while ((getline l < extra) > 0) {
          sub(/,$/, "", l)
          printf "%s%s", (count++ ? ",\n" : ""), l
        }
      }
      FS = "\t"
      while ((getline l < rec) > 0) {
        split(l, f, "\t")
        e = "    {\"path\": " jstr(f[1]) ", \"command\": " jstr(f[4]) ", \"exitCode\": " (f[2] + 0) \
          ", \"durationMs\": " (f[3] + 0) ", \"stderr\": " jstr(slurp(f[5])) "}"
        printf "%s%s", (count++ ? ",\n" : ""), e
      }
      print ""
      print "  ]"
      print "}"
    }' >"$1/manifest.json"
}

# knp_redact_credentials FILE: in a JSON document, replace pod env values, annotations whose key
# or value looks like a credential (and kubectl's last-applied-configuration, which repeats the
# env), and JWT/PEM-looking strings anywhere, with "REDACTED". A streaming tokenizer: works on
# pretty-printed and compact JSON alike.
knp_redact_credentials() {
  LC_ALL=C awk '
    function emit_string(tok,   d, k, v) {
      d = depth
      if (d > 0 && type[d] == "{" && wantkey[d]) { key[d] = substr(tok, 2, length(tok) - 2); wantkey[d] = 0; return tok }
      v = tok
      k = (d > 0 && type[d] == "{") ? tolower(key[d]) : ""
      if (k == "value" && d > 1 && type[d - 1] == "[" && pkey[d - 1] == "env") return "\"REDACTED\""
      if (pkey[d] == "annotations" && k ~ /passw|pwd|secret|token|credential|api[-_]?key|access[-_]?key|private[-_]?key|auth|cert|last-applied-configuration/) return "\"REDACTED\""
      if (v ~ /^"eyJ[A-Za-z0-9_-]+\.eyJ/ || v ~ /-----BEGIN/) return "\"REDACTED\""
      return v
    }
    {
      line = $0; out = ""
      while (line != "") {
        c = substr(line, 1, 1)
        if (c == "\"") {
          if (!match(line, /^"([^"\\]|\\.)*"/)) { out = out line; line = ""; break }
          out = out emit_string(substr(line, 1, RLENGTH))
          line = substr(line, RLENGTH + 1)
          continue
        }
        if (c == "{" || c == "[") {
          depth++
          type[depth] = c
          pkey[depth] = (depth > 1 && type[depth - 1] == "{") ? key[depth - 1] : ""
          wantkey[depth] = (c == "{")
          key[depth] = ""
        } else if (c == "}" || c == "]") {
          if (depth > 0) depth--
        } else if (c == ",") {
          if (depth > 0 && type[depth] == "{") wantkey[depth] = 1
        }
        out = out c
        line = substr(line, 2)
      }
      print out
    }' "$1" >"$1.knp-tmp" && mv "$1.knp-tmp" "$1"
}

# The redaction program: consistent, subnet-preserving replacement of IPv4/IPv6/MAC addresses and
# of the given names, keyed by KEY. See collectors/README.md for the scheme.
KNP_REDACT_AWK='
function mulmod(a, b,   hi, lo) { hi = int(a / 65536); lo = a % 65536; return ((hi * b) % P * 65536 + lo * b) % P }
function step(h, x) { h = mulmod((h + K0 + x * K1) % P, KA); h = mulmod(h, h); return (h + K2) % P }
function rbit(h) { return int(mulmod(h, KB) / 32768) % 2 }
function seedof(s,   h, i) { h = SEED; for (i = 1; i <= length(s); i++) h = step(h, ORD[substr(s, i, 1)] + 1); return h }
# Prefix-preserving permutation of a bit string (Crypto-PAn style): past the first KEEP bits,
# bit i is flipped by a keyed function of the bits before it. Two addresses sharing their first
# N bits share the first N bits of their images, for every N: subnets map onto subnets.
function permbits(b, keep, h,   i, n, x, out) {
  out = ""; n = length(b)
  for (i = 1; i <= n; i++) {
    x = substr(b, i, 1) + 0
    out = out ((i > keep && rbit(h)) ? 1 - x : x)
    h = step(h, x)
  }
  return out
}
# A network written ADDR/LEN (host bits 0) stays one: the image of ADDR with its host bits
# cleared is the network that holds the images of all of the network'"'"'s addresses.
function masknet(orig, img, len,   n) {
  n = length(orig)
  if (len == "" || len + 0 >= n || substr(orig, len + 1) !~ /^0+$/) return img
  return substr(img, 1, len) substr(orig, len + 1)
}
function tobits(v, w,   s) { s = ""; while (w-- > 0) { s = (v % 2) s; v = int(v / 2) } return s }
function frombits(b,   v, i) { v = 0; for (i = 1; i <= length(b); i++) v = v * 2 + substr(b, i, 1); return v }
function hexval(h,   v, i) { v = 0; for (i = 1; i <= length(h); i++) v = v * 16 + HEX[substr(h, i, 1)]; return v }
function hex(v, w,   s) { s = ""; while (w-- > 0) { s = HEXD[v % 16] s; v = int(v / 16) } return s }
function hexnz(v,   s) { s = hex(v, 4); sub(/^0+/, "", s); return s == "" ? "0" : s }
function ip4(a, len,   o, n, i, b, r, f) {
  if (len == "" && (a in MAP)) return MAP[a]
  n = split(a, o, ".")
  for (i = 1; i <= 4; i++) { if (o[i] + 0 > 255 || length(o[i]) > 3) return a }
  if (o[1] + 0 == 0 || o[1] + 0 == 127 || o[1] + 0 >= 224) return a
  b = ""
  for (i = 1; i <= 4; i++) b = b tobits(o[i] + 0, 8)
  r = permbits(b, 8, SEED4)
  f = frombits(substr(r, 1, 8)) "." frombits(substr(r, 9, 8)) "." frombits(substr(r, 17, 8)) "." frombits(substr(r, 25, 8))
  if (!(a in MAP)) { MAP[a] = f; MAPKIND[a] = "ip"; ORDER[++NMAP] = a }
  r = masknet(b, r, len)
  return frombits(substr(r, 1, 8)) "." frombits(substr(r, 9, 8)) "." frombits(substr(r, 17, 8)) "." frombits(substr(r, 25, 8))
}
function mac(m,   g, n, i, b, r, f, pad, up) {
  if (m in MAP) return MAP[m]
  n = split(m, g, ":")
  pad = 1; up = (m ~ /[A-F]/)
  b = ""
  for (i = 1; i <= 6; i++) { if (length(g[i]) > 2) return m; if (length(g[i]) < 2) pad = 0; b = b tobits(hexval(g[i]), 8) }
  # All-zero, and group (multicast/broadcast) addresses, which the IPs they carry decide.
  if (b ~ /^0+$/ || substr(b, 8, 1) == "1") return m
  r = permbits(b, 24, SEEDM)
  f = ""
  for (i = 0; i < 6; i++) {
    g[i] = hex(frombits(substr(r, i * 8 + 1, 8)), 2)
    if (!pad) sub(/^0/, "", g[i])
    f = f (i ? ":" : "") (up ? toupper(g[i]) : g[i])
  }
  MAP[m] = f; MAPKIND[m] = "mac"; ORDER[++NMAP] = m
  return f
}
# IPv6: "" when s is not an address.
function ip6(s, len,   t, dq, v4, left, right, ln, rn, lg, rg, g, i, n, b, r) {
  if (len == "" && (s in MAP)) return MAP[s]
  t = s; v4 = ""
  if (match(t, /:[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/)) { v4 = substr(t, RSTART + 1); t = substr(t, 1, RSTART) "0:0" }
  if (t ~ /:::/ || t !~ /^[0-9A-Fa-f:]+$/) return ""
  dq = index(t, "::")
  if (dq) {
    left = substr(t, 1, dq - 1); right = substr(t, dq + 2)
    if (index(right, "::")) return ""
    ln = left == "" ? 0 : split(left, lg, ":"); rn = right == "" ? 0 : split(right, rg, ":")
    if (ln + rn > 7) return ""
    for (i = 1; i <= 8; i++) g[i] = 0
    for (i = 1; i <= ln; i++) { if (length(lg[i]) < 1 || length(lg[i]) > 4) return ""; g[i] = hexval(lg[i]) }
    for (i = 1; i <= rn; i++) { if (length(rg[i]) < 1 || length(rg[i]) > 4) return ""; g[8 - rn + i] = hexval(rg[i]) }
  } else {
    if (split(t, lg, ":") != 8) return ""
    for (i = 1; i <= 8; i++) { if (length(lg[i]) < 1 || length(lg[i]) > 4) return ""; g[i] = hexval(lg[i]) }
  }
  if (v4 != "") {
    if (g[1] + g[2] + g[3] + g[4] + g[5] == 0 && g[6] == 65535) return substr(s, 1, length(s) - length(v4)) ip4(v4, "")
    return ""
  }
  n = 0; for (i = 1; i <= 8; i++) n += g[i]
  if (n == 0 || (n == 1 && g[8] == 1) || int(g[1] / 256) == 255) return s
  b = ""
  for (i = 1; i <= 8; i++) b = b tobits(g[i], 16)
  r = permbits(b, 16, SEED6)
  if (!(s in MAP)) { MAP[s] = fmt6(r); MAPKIND[s] = "ip"; ORDER[++NMAP] = s }
  return fmt6(masknet(b, r, len))
}
# 128 bits as an RFC 5952 IPv6 address (longest run of zero groups as "::").
function fmt6(r,   g, i, best, bl, cur, cl, f) {
  for (i = 1; i <= 8; i++) g[i] = frombits(substr(r, (i - 1) * 16 + 1, 16))
  best = 0; bl = 0; cur = 0; cl = 0
  for (i = 1; i <= 8; i++) {
    if (g[i] == 0) { if (!cl) cur = i; cl++; if (cl > bl) { bl = cl; best = cur } } else cl = 0
  }
  f = ""
  for (i = 1; i <= 8; i++) {
    if (bl >= 2 && i == best) { f = f "::"; i += bl - 1; continue }
    f = f ((f == "" || f ~ /:$/) ? "" : ":") hexnz(g[i])
  }
  return f
}
# One run of address characters; LEN is the prefix length written right after it, if any.
function run(s, len,   p, r, m) {
  if (match(s, MACRE)) return mac(s)
  if (match(s, BRIDGEIDRE) && substr(s, 5, 1) == ".") return substr(s, 1, 5) mac(substr(s, 6))
  if (match(s, IP4RE)) {
    p = substr(s, 1, RLENGTH); r = substr(s, RLENGTH + 1)
    if (r ~ /^\.[0-9]/) return s
    return ip4(p, r == "" ? len : "") r
  }
  p = s; r = ""
  if (sub(/\.$/, "", p)) r = "."
  m = ip6(p, r == "" ? len : "")
  return m == "" ? s : m r
}
function line(s,   out, i, j, n, nm, before, after, st, ln, tail, plen) {
  for (i = 1; i <= NNAMES; i++) {
    nm = NAMES[i]; out = ""
    while ((j = index(s, nm)) > 0) {
      before = j > 1 ? substr(s, j - 1, 1) : ""
      after = substr(s, j + length(nm), 1)
      if (before ~ /[A-Za-z0-9_]/ || after ~ /[A-Za-z0-9_]/) { out = out substr(s, 1, j + length(nm) - 1) }
      else { out = out substr(s, 1, j - 1) FAKE[nm] }
      s = substr(s, j + length(nm))
    }
    s = out s
  }
  out = ""
  while (match(s, /[0-9A-Fa-f:.]*[.:][0-9A-Fa-f:.]*/)) {
    st = RSTART; ln = RLENGTH
    tail = substr(s, st + ln, 4)
    plen = match(tail, /^\/[0-9]+/) ? substr(tail, 2, RLENGTH - 1) : ""
    out = out substr(s, 1, st - 1) run(substr(s, st, ln), plen)
    s = substr(s, st + ln)
  }
  return out s
}
function fakename(s,   h) { h = seedof("name:" s); return "redacted-" hex(h % 65536, 4) hex(int(step(h, 1) / 32768) % 65536, 4) }
BEGIN {
  P = 2147483647
  for (i = 1; i < 256; i++) ORD[sprintf("%c", i)] = i
  for (i = 0; i < 16; i++) { c = substr("0123456789abcdef", i + 1, 1); HEX[c] = i; HEX[toupper(c)] = i; HEXD[i] = c }
  SEED = 5381; K0 = 40503; K1 = 9301; KA = 48271; K2 = 12345; KB = 16807
  h = SEED
  for (i = 1; i <= length(KEY); i++) h = (mulmod(h, 1103515) + ORD[substr(KEY, i, 1)] + 1) % P
  SEED = h; K0 = mulmod(h, 69621) + 1; K1 = mulmod(K0, 69621) + 1; KA = mulmod(K1, 69621) % 2000000 + 3
  K2 = mulmod(KA, 48271) + 1; KB = mulmod(K2, 48271) % 2000000 + 3
  SEED4 = seedof("ipv4"); SEED6 = seedof("ipv6"); SEEDM = seedof("mac")
  # No "?" or intervals: some awks match them shorter than the longest; lengths are checked in
  # ip4() and mac().
  H = "[0-9A-Fa-f]"; H12 = H "+"; D = "[0-9]+"
  MACRE = "^" H12 ":" H12 ":" H12 ":" H12 ":" H12 ":" H12 "$"
  BRIDGEIDRE = "^" H H H H "\\." H12 ":" H12 ":" H12 ":" H12 ":" H12 ":" H12 "$"
  IP4RE = "^" D "\\." D "\\." D "\\." D
  # Names, longest first so that an FQDN is replaced before its first label.
  while ((getline nm < NAMEFILE) > 0) { if (length(nm) >= 3 && !(nm in FAKE)) { FAKE[nm] = fakename(nm); NAMES[++NNAMES] = nm } }
  for (i = 2; i <= NNAMES; i++) for (j = i; j > 1 && length(NAMES[j]) > length(NAMES[j - 1]); j--) { t = NAMES[j]; NAMES[j] = NAMES[j - 1]; NAMES[j - 1] = t }
  n = 0
  while ((getline f < FILELIST) > 0) ARGV[++n] = f
  ARGC = n + 1
  if (JSONRS) RS = ","
}
function flush() { if (held) printf "%s", prev > outf; held = 0; if (outf != "") close(outf) }
FNR == 1 { flush(); outf = FILENAME ".knp-redacted" }
# JSON (one huge line from ip -j and nft -j) is read in records cut at commas, which no address
# contains; a comma is written back between records.
RS == "," { if (held) printf "%s,", prev > outf; prev = line($0); held = 1; next }
{ print line($0) > outf }
END {
  flush()
  if (NAMESOUT) for (i = 1; i <= NNAMES; i++) print "name " NAMES[i] " " FAKE[NAMES[i]] >> MAPFILE
  for (i = 1; i <= NMAP; i++) print MAPKIND[ORDER[i]] " " ORDER[i] " " MAP[ORDER[i]] >> MAPFILE
}'

# knp_new_key: a random redaction key (hex).
knp_new_key() {
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

# knp_redact_tree ROOT KEY MAPFILE NAME...: redact every file under ROOT in place, rename
# ROOT/nodes/<name> directories, and write the mapping to MAPFILE (which must be outside ROOT).
knp_redact_tree() {
  _knp_root=$1 _knp_key=$2 _knp_map=$3
  shift 3
  : >"$KNP_TMP/redact-names"
  for _knp_nm in "$@"; do
    printf '%s\n' "$_knp_nm" >>"$KNP_TMP/redact-names"
  done
  find "$_knp_root" -type f -size +0 -name '*.json' >"$KNP_TMP/redact-json"
  find "$_knp_root" -type f -size +0 ! -name '*.json' >"$KNP_TMP/redact-text"
  (umask 077 && printf '# kube-netpath redaction map: keep it private, it undoes the redaction.\nkey %s\n' "$_knp_key" >"$_knp_map")
  LC_ALL=C awk -v KEY="$_knp_key" -v NAMEFILE="$KNP_TMP/redact-names" -v FILELIST="$KNP_TMP/redact-json" \
    -v MAPFILE="$_knp_map" -v NAMESOUT=1 -v JSONRS=1 "$KNP_REDACT_AWK" || knp_die "redaction failed"
  LC_ALL=C awk -v KEY="$_knp_key" -v NAMEFILE="$KNP_TMP/redact-names" -v FILELIST="$KNP_TMP/redact-text" \
    -v MAPFILE="$_knp_map" "$KNP_REDACT_AWK" || knp_die "redaction failed"
  cat "$KNP_TMP/redact-json" "$KNP_TMP/redact-text" | while IFS= read -r _knp_f; do
    mv "$_knp_f.knp-redacted" "$_knp_f"
  done
  sort -u "$_knp_map" -o "$_knp_map.sorted" && mv "$_knp_map.sorted" "$_knp_map"
  while IFS=' ' read -r _knp_kind _knp_real _knp_fake; do
    if [ "$_knp_kind" = name ] && [ -d "$_knp_root/nodes/$_knp_real" ]; then
      mv "$_knp_root/nodes/$_knp_real" "$_knp_root/nodes/$_knp_fake"
    fi
  done <"$_knp_map"
}

knp_usage() {
  cat <<'EOF'
usage: collect-node.sh [-o OUTPUT.tar.gz] [--node NAME] [--timeout SECONDS]
                       [--redact [--redact-key KEY] [--redact-name NAME]...]

Captures this node's networking state (nftables, iptables, IPVS, links, addresses, routes, rules,
neighbours, bridge FDB, every named network namespace, CRI pod sandboxes, sysctls) into a
kube-netpath bundle (format v1) and prints the bundle's path. Run as root on the node, or in
"kubectl debug node/NAME" under "chroot /host". Read-only. See collectors/README.md.

  -o FILE           output (default ./kube-netpath-NODE-TIMESTAMP.tar.gz)
  --node NAME       node name in the bundle (default: hostname)
  --timeout SECS    timeout of each command (default 20)
  --redact          replace IP/MAC addresses and the node name and hostname consistently; the
                    mapping is written to FILE.redact-map beside the output, never into it
  --redact-key KEY  redaction key (default: random per run); the same key gives the same mapping
                    across runs and nodes
  --redact-name N   also replace the name N (repeatable)
EOF
}

knp_main() {
  _knp_outp= _knp_node= _knp_redact= _knp_key= _knp_names=
  while [ $# -gt 0 ]; do
    case $1 in
      -o) [ $# -ge 2 ] || knp_die "-o needs a file"; _knp_outp=$2; shift ;;
      --node) [ $# -ge 2 ] || knp_die "--node needs a name"; _knp_node=$2; shift ;;
      --timeout) [ $# -ge 2 ] || knp_die "--timeout needs seconds"; KNP_TIMEOUT=$2; shift ;;
      --redact) _knp_redact=1 ;;
      --redact-key) [ $# -ge 2 ] || knp_die "--redact-key needs a key"; _knp_key=$2; _knp_redact=1; shift ;;
      --redact-name) [ $# -ge 2 ] || knp_die "--redact-name needs a name"; _knp_names="$_knp_names
$2"; shift ;;
      -h | --help) knp_usage; exit 0 ;;
      *) knp_usage >&2; exit 2 ;;
    esac
    shift
  done
  case $KNP_TIMEOUT in '' | *[!0-9]*) knp_die "--timeout must be a number of seconds" ;; esac
  _knp_host=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)
  [ -n "$_knp_node" ] || _knp_node=$_knp_host
  case $_knp_node in '' | .* | *[!A-Za-z0-9._-]*) knp_die "invalid node name: '$_knp_node'" ;; esac
  [ -n "$_knp_outp" ] || _knp_outp="./kube-netpath-$_knp_node-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
  umask 077
  KNP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/knp-collect.XXXXXX") || knp_die "cannot create a temporary directory"
  trap 'rm -rf "$KNP_TMP"' EXIT
  trap 'exit 130' INT TERM
  KNP_REC="$KNP_TMP/records"
  : >"$KNP_REC"
  knp_log "collecting node $_knp_node"
  knp_collect_node "$KNP_TMP/bundle" "$_knp_node"
  knp_write_manifest "$KNP_TMP/bundle" collect-node.sh "$_knp_node"
  if [ -n "$_knp_redact" ]; then
    [ -n "$_knp_key" ] || _knp_key=$(knp_new_key)
    _knp_old_ifs=$IFS
    IFS='
'
    # shellcheck disable=SC2086 # one name per line
    knp_redact_tree "$KNP_TMP/bundle" "$_knp_key" "$_knp_outp.redact-map" "$_knp_node" "$_knp_host" $_knp_names
    IFS=$_knp_old_ifs
    knp_log "redaction map (keep it private): $_knp_outp.redact-map"
  fi
  tar -C "$KNP_TMP/bundle" -czf "$_knp_outp" manifest.json nodes || knp_die "cannot write $_knp_outp"
  printf '%s\n' "$_knp_outp"
}

if [ "${KNP_LIB:-}" != 1 ]; then
  knp_main "$@"
fi
