#!/usr/bin/env bash
# Start cost of the two candidate network back ends, side by side, for one container:
#   CNI (Debian's containernetworking-plugins: bridge+host-local, portmap, firewall, tuning)
#   netavark 1.4 (+ aardvark-dns when DNS is on)
# Each round: create a netns, set up a veth on a bridge with an address and one published port,
# tear it down, delete the netns. Rounds interleave the candidates. Only loopback and a bridge
# made here (unique name, 10.254.x.0/24) are touched; everything is removed at exit.
#
#   sudo bash bench/net-parts.sh [rounds]
set -euo pipefail
ROUNDS=${1:-20}
CNI_PATH=/usr/lib/cni
NETAVARK=/usr/lib/podman/netavark
TMP=$(mktemp -d /tmp/berth-netparts.XXXXXX)
BR_CNI=bnpc$$; BR_NV=bnpn$$
NS=bnp$$

cleanup() {
  ip netns del "$NS" 2>/dev/null || true
  ip link del "$BR_CNI" 2>/dev/null || true
  ip link del "$BR_NV" 2>/dev/null || true
  # CNI's firewall/portmap chains and netavark's chains for these subnets
  for t in filter nat; do
    iptables -t $t -S 2>/dev/null | grep -E "10\.254\.(1|2)\.|CNI-|NETAVARK" | grep '^-A' |
      sed 's/^-A/-D/' | while read -r rule; do eval iptables -t $t "$rule" 2>/dev/null || true; done
  done
  for t in filter nat; do
    for c in $(iptables -t $t -S 2>/dev/null | awk '/^-N (CNI-|NETAVARK)/{print $2}'); do
      iptables -t $t -F "$c" 2>/dev/null || true; iptables -t $t -X "$c" 2>/dev/null || true
    done
  done
  pkill -F "$TMP/nv/aardvark-dns/aardvark.pid" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

now() { date +%s%N; }

# ---- CNI: a conflist run by hand, in the order the spec says (prevResult threaded through)
cat >"$TMP/cni.json" <<EOF
{"cniVersion":"1.0.0","name":"bench","plugins":[
 {"type":"bridge","bridge":"$BR_CNI","isGateway":true,"ipMasq":true,"hairpinMode":true,
  "ipam":{"type":"host-local","ranges":[[{"subnet":"10.254.1.0/24"}]],"routes":[{"dst":"0.0.0.0/0"}],
          "dataDir":"$TMP/ipam"}},
 {"type":"portmap","capabilities":{"portMappings":true},"snat":true},
 {"type":"firewall"},
 {"type":"tuning"}]}
EOF
cni_run() { # cmd
  local cmd=$1 prev='' n i plugin conf out
  n=$(jq '.plugins|length' "$TMP/cni.json")
  local order; if [[ $cmd == DEL ]]; then order=$(seq $((n - 1)) -1 0); else order=$(seq 0 $((n - 1))); fi
  for i in $order; do
    plugin=$(jq -r ".plugins[$i].type" "$TMP/cni.json")
    conf=$(jq -c --argjson prev "${prev:-null}" ".plugins[$i] + {cniVersion:.cniVersion,name:.name}
      + (if \$prev then {prevResult:\$prev} else {} end)
      + (if .plugins[$i].type==\"portmap\" then {runtimeConfig:{portMappings:[{hostPort:18080,containerPort:80,protocol:\"tcp\"}]}} else {} end)" "$TMP/cni.json")
    out=$(CNI_COMMAND=$cmd CNI_CONTAINERID=bench CNI_NETNS=/run/netns/$NS CNI_IFNAME=eth0 CNI_PATH=$CNI_PATH \
      "$CNI_PATH/$plugin" <<<"$conf")
    if [[ $cmd == ADD ]]; then prev=$out; fi
  done
}

# ---- netavark
mkdir -p "$TMP/nv"
cat >"$TMP/nv.json" <<EOF
{"container_id":"bench","container_name":"bench",
 "port_mappings":[{"host_ip":"","container_port":80,"host_port":18081,"range":1,"protocol":"tcp"}],
 "networks":{"bench":{"static_ips":["10.254.2.2"],"interface_name":"eth0"}},
 "network_info":{"bench":{"name":"bench","id":"$(printf '%064d' 1)","driver":"bridge",
   "network_interface":"$BR_NV","subnets":[{"subnet":"10.254.2.0/24","gateway":"10.254.2.1"}],
   "ipv6_enabled":false,"internal":false,"dns_enabled":DNS}}}
EOF

time_one() { # label command...
  local t0 t1; t0=$(now); "${@:2}" >/dev/null; t1=$(now)
  echo "$1 $(((t1 - t0) / 1000))" >>"$TMP/times"
}
nv_setup() { $NETAVARK --config "$TMP/nv" setup /run/netns/$NS <"$TMP/nv-$1.json"; }
nv_teardown() { $NETAVARK --config "$TMP/nv" teardown /run/netns/$NS <"$TMP/nv-$1.json"; }
sed 's/DNS/false/' "$TMP/nv.json" >"$TMP/nv-nodns.json"
sed 's/DNS/true/' "$TMP/nv.json" >"$TMP/nv-dns.json"

round() {
  ip netns add "$NS"
  time_one cni-add cni_run ADD; time_one cni-del cni_run DEL
  ip netns del "$NS"; ip netns add "$NS"
  time_one netavark-setup nv_setup nodns; time_one netavark-teardown nv_teardown nodns
  ip netns del "$NS"; ip netns add "$NS"
  time_one netavark+dns-setup nv_setup dns; time_one netavark+dns-teardown nv_teardown dns
  ip netns del "$NS"
}
round # warm-up, also proves both work
: >"$TMP/times"
for _ in $(seq "$ROUNDS"); do round; done

echo "| step (µs → ms) | median | p25 | p75 | min | max |"
echo "|:---|---:|---:|---:|---:|---:|"
for k in cni-add cni-del netavark-setup netavark-teardown netavark+dns-setup netavark+dns-teardown; do
  awk -v k="$k" '$1==k{print $2}' "$TMP/times" | sort -n | awk -v k="$k" '
    {a[NR]=$1} END{m=a[int((NR+1)/2)]; printf "| %s | %.1f | %.1f | %.1f | %.1f | %.1f |\n",
      k, m/1000, a[int(NR/4)+1]/1000, a[int(3*NR/4)]/1000, a[1]/1000, a[NR]/1000}'
done
echo "(CNI ADD = 4 plugin execs incl. host-local; the bridge name and IPAM state are per run; rounds=$ROUNDS, load $(cut -d' ' -f1-3 /proc/loadavg))"
