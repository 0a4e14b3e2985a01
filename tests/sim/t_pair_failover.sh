#!/usr/bin/env bash
# sim.pair_failover: node1 (priority 3) STANDBY under node2 (priority 9)
# MASTER; SIGKILL node2's SM: node1's SM takes over as MASTER within 30 s,
# without renumbering, and the ports stay (or come back) Active.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"

sim_start "$SIM_FABRICS/pair.net"

sm_start node1 3
pid1=$SM_PID
must "node1's SM becomes MASTER" wait_until 30 sm_state_is node1 MASTER -D 0
sm_start node2 9
pid2=$SM_PID

must "node2 MASTER, node1 STANDBY" wait_until 60 elected node2 node1
must "ports Active" wait_until 30 all_active node1:1 node2:1
check "election stable for 3 s" holds 3 elected node2 node1
lid1=$(port_lid node1 0 1)
lid2=$(port_lid node2 0 1)
note "LIDs before failover: node1 $lid1, node2 $lid2"

note "SIGKILL node2's SM (pid $pid2)"
t0=$(now_ms)
proc_stop "$pid2" KILL
is "node2's SM killed" "$?" 137

must "node1's SM reports MASTER within 30 s" wait_until 30 sm_state_is node1 MASTER -D 0
note "takeover after $(($(now_ms) - t0)) ms"
sminfo_of node1 -D 0
is "new master's priority" "$SMI_PRIO" 3

check "ports Active" wait_until 30 all_active node1:1 node2:1
is "node1 keeps its LID" "$(port_lid node1 0 1)" "$lid1"
is "node2 keeps its LID" "$(port_lid node2 0 1)" "$lid2"
check "node2 SMLid now points at node1 ($lid1)" \
	wait_until 30 smlid_is node2 "$lid1"
check "sminfo from node2 (LID-routed) finds the MASTER" wait_until 10 sm_state_is node2 MASTER
check "node1's SM still MASTER after 3 s" holds 3 sm_state_is node1 MASTER -D 0
check "node1's SM still running" proc_alive "$pid1"

if is_smd; then
	check "node1 log: entering MASTER after STANDBY" \
		last_state_is "$WORK/smd-node1.log" MASTER
fi

done_testing
