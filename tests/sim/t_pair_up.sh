#!/usr/bin/env bash
# sim.pair_up: smd on node1 (priority 5, from its config) brings up a
# back-to-back pair: both ports Active, distinct non-zero LIDs, sminfo shows
# smd as MASTER with priority 5, "subnet up:" logged, smd-guid2lid holds both GUIDs.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"

sim_start "$SIM_FABRICS/pair.net"

g1=$(port_guid node1)
g2=$(port_guid node2)
[ -n "$g1" ] && [ -n "$g2" ] || fail "read PortGuid of node1/node2"
note "node1 port GUID $g1, node2 port GUID $g2"

must "ports start in Initialize, LID 0" \
	test "$(port_state node1 0 1)/$(port_lid node1 0 1)/$(port_state node2 0 1)/$(port_lid node2 0 1)" = "Initialize/0/Initialize/0"

t0=$(now_ms)
if is_smd; then
	smd_conf node1 "priority = 5" >/dev/null
	smd_start node1
	SM_PID=$SMD_PID
else
	osm_start node1 -p 5
	SM_PID=$OSM_PID
fi

must "both ports Active within 30 s" wait_until 30 all_active node1:1 node2:1
note "ports Active after $(($(now_ms) - t0)) ms"

lid1=$(port_lid node1 0 1)
lid2=$(port_lid node2 0 1)
check "node1 LID non-zero ($lid1)" test "${lid1:-0}" -gt 0
check "node2 LID non-zero ($lid2)" test "${lid2:-0}" -gt 0
check "LIDs distinct" test "$lid1" != "$lid2"
# node2 as seen across the link from node1 (directed route 0,1).
is "node2 LID read from node1 by DR 0,1" "$(port_lid node1 0,1 1)" "$lid2"
is "node1 SMLid points at the SM" "$(port_field node1 0 1 SMLid)" "$lid1"
is "node2 SMLid points at the SM" "$(port_field node2 0 1 SMLid)" "$lid1"

# The SM on node1, asked three ways.
for how in "node1 -D 0" "node2 -D 0,1" "node2"; do
	# shellcheck disable=SC2086
	if wait_until 10 sminfo_of $how; then
		check "sminfo ($how): GUID is node1's port ($SMI_GUID)" guid_eq "$SMI_GUID" "$g1"
		is "sminfo ($how): priority" "$SMI_PRIO" 5
		is "sminfo ($how): state" "$SMI_NAME" SMINFO_MASTER
	else
		not_ok "sminfo ($how) answers"
	fi
done
if sminfo_of node2; then
	is "sminfo (LID-routed): sm lid" "$SMI_LID" "$lid1"
fi

must "SM still running" proc_alive "$SM_PID"

if is_smd; then
	check "log: entering MASTER" log_has "$SMD_LOG" "entering MASTER"
	check "log: subnet up" wait_until 5 log_has "$SMD_LOG" "subnet up: [0-9]+ nodes \([0-9]+ switches\), [0-9]+ ports Active in [0-9]+ ms"
	state=$WORK/state-node1/smd-guid2lid
	# state file lines: "0x<16 hex digits> <lid>"
	map_has() { grep -Eqi "^0x0*${1#0x} +$2\$" "$state" 2>/dev/null; }
	check "state file maps node1 GUID to LID $lid1" wait_until 10 map_has "$(printf '%x' "$((g1))")" "$lid1"
	check "state file maps node2 GUID to LID $lid2" wait_until 10 map_has "$(printf '%x' "$((g2))")" "$lid2"
	smd_stop "$SM_PID"
	is "smd exits 0 on SIGTERM" "$?" 0
fi

done_testing
