#!/usr/bin/env bash
# sim.pair_election: smd on node1 (priority 3) comes up first, then smd on
# node2 (priority 9): in the end node2's SM is the only MASTER and node1's is
# STANDBY (sminfo -D 0 on each node), and it stays so.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"

sim_start "$SIM_FABRICS/pair.net"
g1=$(port_guid node1)
g2=$(port_guid node2)

sm_start node1 3
pid1=$SM_PID
must "node1's SM (priority 3) becomes MASTER" wait_until 30 sm_state_is node1 MASTER -D 0
must "ports Active" wait_until 30 all_active node1:1 node2:1

sm_start node2 9
pid2=$SM_PID

t0=$(now_ms)
must "node2 (priority 9) MASTER, node1 (priority 3) STANDBY within 60 s" wait_until 60 elected node2 node1
note "election settled after $(($(now_ms) - t0)) ms"

sminfo_of node2 -D 0
check "node2's SM reports node2's port GUID" guid_eq "$SMI_GUID" "$g2"
is "node2's SM priority" "$SMI_PRIO" 9
sminfo_of node1 -D 0
check "node1's SM reports node1's port GUID" guid_eq "$SMI_GUID" "$g1"
is "node1's SM priority" "$SMI_PRIO" 3
is "node1's SM state" "$SMI_STATE" 2

check "exactly one MASTER, stable for 5 s" holds 5 elected node2 node1
check "ports still Active" all_active node1:1 node2:1
# The fabric points at the new master: node2's LID as SMLid on both ports.
lid2=$(port_lid node2 0 1)
check "node1 SMLid is node2's LID ($lid2)" wait_until 30 smlid_is node1 "$lid2"
check "node2 SMLid is node2's LID ($lid2)" wait_until 30 smlid_is node2 "$lid2"
check "both SMs still running" proc_alive "$pid1" "$pid2"

if is_smd; then
	check "node2 log: entering MASTER" log_has "$WORK/smd-node2.log" "entering MASTER"
	check "node1 log: entering STANDBY" log_has "$WORK/smd-node1.log" "entering STANDBY"
fi

done_testing
