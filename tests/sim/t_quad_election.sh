#!/usr/bin/env bash
# sim.quad_election: four SMs on four nodes behind one switch.
#  1. All four start at the same instant with equal priority: exactly one
#     MASTER, the lowest port GUID; the others STANDBY; no state changes while
#     the test watches; one standby is next in line (the rest poll slowly).
#  2. SIGKILL the master: the next in line (next lowest GUID) takes over;
#     every port stays Active throughout and keeps its LID; every node's
#     SMLid points at the new master and the remaining standbys follow it.
#  3. The killed node comes back with a higher priority: it gets the
#     mastership (handover), the rest stand by.
. "$(dirname "$0")/lib.sh"

sim_start "$SIM_FABRICS/quad.net"
NODES="node1 node2 node3 node4"
declare -A G PID LID
for n in $NODES; do G[$n]=$(port_guid "$n"); done
# The nodes by port GUID, lowest first.
mapfile -t ORDER < <(for n in $NODES; do printf '%d %s\n' "${G[$n]}" "$n"; done | sort -n | cut -d' ' -f2)
note "by port GUID: ${ORDER[*]}"

for n in $NODES; do
	sm_start "$n" 5
	PID[$n]=$SM_PID
done

# states_are M: node M is the only MASTER, every other live node STANDBY.
states_are() {
	local m=$1 n
	for n in $NODES; do
		[ -n "${PID[$n]:-}" ] || continue
		if [ "$n" = "$m" ]; then sm_state_is "$n" MASTER -D 0 || return 1
		else sm_state_is "$n" STANDBY -D 0 || return 1; fi
	done
}
m=${ORDER[0]}
must "$m (lowest GUID) MASTER, the others STANDBY" wait_until 60 states_are "$m"
must "ports Active" wait_until 30 all_active node1:1 node2:1 node3:1 node4:1
if is_smd; then
	entering() { cat "$WORK"/smd-node*.log | grep -c "entering "; }
	before=$(entering)
fi
check "no state change for 8 s" holds 8 states_are "$m"
if is_smd; then
	is "no 'entering' line logged while watching" "$(entering)" "$before"
	next=$(grep -l "next in line" "$WORK"/smd-node*.log | wc -l)
	is "one standby is next in line" "$next" 1
	# (the count of standbys each saw depends on who had started yet)
	slow=$(grep -l "standby [0-9] of [0-9] in line" "$WORK"/smd-node*.log | wc -l)
	is "two standbys poll slowly" "$slow" 2
fi
for n in $NODES; do LID[$n]=$(port_lid "$n" 0 1); done
note "LIDs: node1 ${LID[node1]} node2 ${LID[node2]} node3 ${LID[node3]} node4 ${LID[node4]}"

note "2. SIGKILL the master on $m"
proc_stop "${PID[$m]}" KILL
PID[$m]=""
m2=${ORDER[1]}
bad=0
t0=$(now_ms)
# Watch the ports while the new master takes over: none may leave Active.
until sm_state_is "$m2" MASTER -D 0; do
	all_active node1:1 node2:1 node3:1 node4:1 || bad=$((bad + 1))
	[ $(($(now_ms) - t0)) -lt 30000 ] || break
done
must "$m2 (next lowest GUID) MASTER" sm_state_is "$m2" MASTER -D 0
note "takeover after $(($(now_ms) - t0)) ms"
is "ports seen leaving Active during the takeover" "$bad" 0
must "the others STANDBY under $m2" wait_until 30 states_are "$m2"
check "ports Active" all_active node1:1 node2:1 node3:1 node4:1
for n in $NODES; do
	is "$n keeps its LID" "$(port_lid "$n" 0 1)" "${LID[$n]}"
done
for n in $NODES; do
	check "$n SMLid points at $m2 (${LID[$m2]})" wait_until 30 smlid_is "$n" "${LID[$m2]}"
done

note "3. $m returns with priority 12"
sm_start "$m" 12
PID[$m]=$SM_PID
must "$m MASTER again, the others STANDBY" wait_until 60 states_are "$m"
check "stable for 4 s" holds 4 states_are "$m"
check "ports Active" all_active node1:1 node2:1 node3:1 node4:1

done_testing
