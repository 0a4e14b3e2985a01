#!/usr/bin/env bash
# sim.partitions_reload: partitions changed on a running master (quad: four
# hosts on one switch). SIGHUP with an edited partitions.conf reprograms the
# P_Key tables and the groups with no heavy sweep and no LID changed: a port
# taken out of a partition loses its key and its memberships there, a port
# added gets the key, a new ipoib partition gets its broadcast group; a bad
# file is refused with file:line and nothing changes. smctl partitions
# (text and --json) shows the partitions and their members.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

sim_start "$SIM_FABRICS/quad.net"
declare -A G
for n in node1 node2 node3 node4; do G[$n]=$(port_guid "$n"); done
pconf=$WORK/partitions.conf
cat >"$pconf" <<EOP
Default=0x7fff, ipoib : ALL=full ;
storage=0x8001, ipoib, mtu=4 : ${G[node2]}=full, ${G[node3]}=full ;
EOP
smd_conf node1 "" "[partitions]" "file = $pconf" >/dev/null
smd_start node1

# keys NODE: the non-empty entries of NODE's P_Key table ("0:0xffff 1:0x8001").
keys() {
	diag "$1" smpquery -D pkeys 0 1 2>/dev/null | grep -v capacity |
		awk '{ for (i = 2; i <= NF; i++) if ($i != "0x0000") printf "%d:%s ", $1 + i - 2, $i }'
}
keys_are() { [ "$(keys "$1")" = "$2" ]; }
lids() { for n in node1 node2 node3 node4; do printf '%s ' "$(port_lid "$n" 0 1)"; done; }

must "node3 holds storage's key" wait_until 30 keys_are node3 "0:0xffff 1:0x8001 "
must "storage's group is ready" wait_until 10 log_has "$SMD_LOG" "group ready: .*partition storage"
lids_before=$(lids)
SACLIENT_PKEY=0x8001 sac node3 partial-join ff12:401b:8001::ffff:ffff
is "node3 joins storage's broadcast group" "$(sac_f status)" 0x0000

SMCTL_OUT=$(smctl node1 partitions)
note "$SMCTL_OUT"
check "smctl partitions names storage" grep -q "^storage  P_Key 0x0001  ipoib mtu 2048" <<<"$SMCTL_OUT"
check "smctl partitions: node3 a full member of storage" \
	grep -qE "^    $(printf '0x%016x' "${G[node3]}") +[0-9]+  full +node3" <<<"$SMCTL_OUT"
JS=$(smctl node1 partitions --json)
check "smctl partitions --json: storage with node2 and node3" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
p = [x for x in d["partitions"] if x["name"] == "storage"][0]
assert p["pkey"] == "0x0001" and p["ipoib"] and p["mtu"] == 2048, p
got = sorted(int(m["guid"], 16) for m in p["members"])
assert got == sorted([int(sys.argv[2], 16), int(sys.argv[3], 16)]), got
assert d["file"] == sys.argv[4]
' "$(sed 's/^OK//' <<<"$JS")" "${G[node2]}" "${G[node3]}" "$pconf"

sweeps=$(log_count "$SMD_LOG" "sweep: [0-9]+ SMPs")
# node3 leaves storage, node4 comes in, and a new ipoib partition
cat >"$pconf" <<EOP
Default=0x7fff, ipoib : ALL=full ;
storage=0x8001, ipoib, mtu=4 : ${G[node2]}=full, ${G[node4]}=full ;
tenant=0x8002, ipoib, mtu=5 : ${G[node3]}=full ;
EOP
kill -HUP "$SMD_PID"
must "node3 loses storage's key, gets tenant's (index 1 was storage's: a hole, then 2)" \
	wait_until 15 keys_are node3 "0:0xffff 2:0x8002 "
must "node4 gets storage's key" wait_until 15 keys_are node4 "0:0xffff 1:0x8001 "
is "node2 keeps storage's key where it was" "$(keys node2)" "0:0xffff 1:0x8001 "
is "no LID changed" "$(lids)" "$lids_before"
is "no heavy sweep for it" "$(log_count "$SMD_LOG" "sweep: [0-9]+ SMPs")" "$sweeps"
GROUPS_JS=$(smctl node1 groups --json)
check "node3 is no longer a member of storage's group" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
g = [x for x in d if x["mgid"].startswith("ff12:401b:8001")][0]
assert int(sys.argv[2], 16) not in [int(m["guid"], 16) for m in g["members"]], g
' "$(sed 's/^OK//' <<<"$GROUPS_JS")" "${G[node3]}"
check "the log says why" log_has "$SMD_LOG" "1 multicast membership of ports no longer in the group's partition dropped"
SACLIENT_PKEY=0x8002 sac node3 partial-join ff12:401b:8002::ffff:ffff
is "node3 joins tenant's new broadcast group" "$(sac_f status)" 0x0000
is "... with tenant's MTU (mtu=5)" "$(sac_f mtu)" 5
SACLIENT_PKEY=0x8001 sac node3 partial-join ff12:401b:8001::ffff:ffff
is "node3 may not join storage's group any more" "$(sac_f status)" 0x0200

# a bad file: refused with file:line, the running partitions stay
cp "$pconf" "$WORK/good.conf"
printf 'storage=0x8001 : %s=full ;\nbad=0x10 : ALL_ROUTERS ;\n' "${G[node3]}" >"$pconf"
kill -HUP "$SMD_PID"
must "the bad file is named with its line" wait_until 10 log_has "$SMD_LOG" \
	"$pconf:2: ALL_ROUTERS is not supported"
check "... and the running partitions kept" log_has "$SMD_LOG" "keeping the running configuration and partitions"
sleep 1
is "node3's table unchanged" "$(keys node3)" "0:0xffff 2:0x8002 "
is "node4's table unchanged" "$(keys node4)" "0:0xffff 1:0x8001 "
check "smctl partitions still shows tenant" grep -q "^tenant  P_Key 0x0002" <<<"$(smctl node1 partitions)"
check "smd still runs" proc_alive "$SMD_PID"
smd_stop "$SMD_PID"
done_testing
