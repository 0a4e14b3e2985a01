#!/usr/bin/env bash
# sim.partitions_failover: smd and OpenSM with the same partitions.conf,
# on quad (four hosts on one switch), both ways. The master's tables are
# made by two files in turn (the second adds 0x0100, which OpenSM's order
# puts before 0x0001 on a fresh port but a running SM appends after it), so
# only a successor that keeps every index finds nothing to change:
#  1. OpenSM master, smd standby; OpenSM killed: smd takes over and every
#     P_Key table (CA ports, switch port 0, switch ports facing hosts) is
#     what it was, keys and indexes, with no table block written;
#  2. smd master (the second file by SIGHUP), OpenSM standby; smd killed:
#     OpenSM takes over and the tables are what smd left.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only
command -v opensm >/dev/null || fail "opensm is needed"

sim_start "$SIM_FABRICS/quad.net"
declare -A G
for n in node1 node2 node3 node4; do G[$n]=$(port_guid "$n"); done
pconf=$WORK/partitions.conf
file_a() {
	cat >"$pconf" <<EOP
Default=0x7fff, ipoib : ALL=full ;
storage=0x8001, ipoib, mtu=4 : ${G[node2]}=full, ${G[node3]}=limited, ${G[node4]}=full ;
EOP
}
file_b() {
	file_a
	echo "tenant=0x0100 : ${G[node3]}=full, ${G[node4]} ;" >>"$pconf"
}

# pk NODE DRPATH PORT: the non-empty entries of a P_Key table.
pk() {
	diag "$1" smpquery -D pkeys "$2" "$3" 2>/dev/null | grep -v capacity |
		awk '{ for (i = 2; i <= NF; i++) if ($i != "0x0000") printf "%d:%s ", $1 + i - 2, $i }'
}
snap() {
	local n p
	for n in node1 node2 node3 node4; do echo "$n: $(pk "$n" 0 1)"; done
	for p in 0 1 2 3 4; do echo "sw port $p: $(pk node1 0,1 "$p")"; done
}
has_keys() { [ "$(pk "$1" 0 1)" = "$2" ]; }

note "1. OpenSM master, smd standby"
file_a
osm_start node1 -p 9 -P "$pconf"
osm=$OSM_PID
must "OpenSM MASTER with file A's tables" wait_until 60 has_keys node4 "0:0xffff 1:0x8001 "
file_b
kill -HUP "$osm"
must "OpenSM appends tenant after storage" wait_until 60 has_keys node4 "0:0xffff 1:0x8001 2:0x0100 "
smd_conf node2 "" "[partitions]" "file = $pconf" >/dev/null
smd_start node2 -p 3
smd=$SMD_PID
must "smd STANDBY" wait_until 60 sm_state_is node2 STANDBY -D 0
snap >"$WORK/before1"
note "OpenSM's tables:"; sed 's/^/#   /' "$WORK/before1"
proc_stop "$osm" KILL
must "smd takes over" wait_until 60 sm_state_is node2 MASTER -D 0
must "smd's P_Key pass done" wait_until 30 log_has "$SMD_LOG" "partitions: [0-9]+ P_Key table and enforcement writes"
snap >"$WORK/after1"
if diff -u "$WORK/before1" "$WORK/after1" >"$WORK/diff1"; then
	ok "every table as OpenSM left it (keys and indexes)"
else
	not_ok "tables changed at the failover: $(cat "$WORK/diff1")"
fi
is "no P_Key table block written by smd" "$(log_count "$SMD_LOG" "P_Key table block")" 0
smd_stop "$smd"

note "2. smd master, OpenSM standby"
sim_stop
sim_start "$SIM_FABRICS/quad.net"
file_a
rm -f "$WORK/smd-node1.conf"
smd_conf node1 "" "[partitions]" "file = $pconf" >/dev/null
smd_start node1 -p 9
smd=$SMD_PID
must "smd MASTER with file A's tables" wait_until 60 has_keys node4 "0:0xffff 1:0x8001 "
file_b
kill -HUP "$smd"
must "smd appends tenant after storage" wait_until 30 has_keys node4 "0:0xffff 1:0x8001 2:0x0100 "
osm_start node2 -p 3 -P "$pconf"
osm=$OSM_PID
must "OpenSM STANDBY" wait_until 60 sm_state_is node2 STANDBY -D 0
snap >"$WORK/before2"
note "smd's tables:"; sed 's/^/#   /' "$WORK/before2"
proc_stop "$smd" KILL
must "OpenSM takes over" wait_until 90 sm_state_is node2 MASTER -D 0
# OpenSM writes P_Key tables before it gives the ports its SM LID (and
# flushes its log only at exit): every port naming it means its pass is done.
osm_lid=$(port_lid node2 0 1)
smlid_all() { for n in node1 node2 node3 node4; do smlid_is "$n" "$osm_lid" || return 1; done; }
must "OpenSM's sweep done (every port's SM LID is OpenSM's)" wait_until 60 smlid_all
sleep 2
snap >"$WORK/after2"
if diff -u "$WORK/before2" "$WORK/after2" >"$WORK/diff2"; then
	ok "every table as smd left it (keys and indexes)"
else
	not_ok "tables changed at the failover: $(cat "$WORK/diff2")"
fi
proc_stop "$osm"
done_testing
