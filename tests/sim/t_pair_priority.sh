#!/usr/bin/env bash
# sim.pair_priority: a priority changed in smd.conf and applied with SIGHUP
# re-ranks at once, without a heavy sweep.
#  1. node1 (priority 9) MASTER, node2 (priority 3) STANDBY. node2's file
#     says 12, SIGHUP: node2 announces itself with trap 144, node1 hands
#     over, node2 is MASTER; node1 ran no heavy sweep for it.
#  2. node2's file says 1, SIGHUP: the master now ranks below its standby
#     and hands back to node1 by itself.
. "$(dirname "$0")/lib.sh"
smd_only

sim_start "$SIM_FABRICS/pair.net"
smd_conf node1 "priority = 9" >/dev/null
conf2=$(smd_conf node2 "priority = 3")
smd_start node1
pid1=$SMD_PID
log1=$SMD_LOG
must "node1 MASTER" wait_until 30 sm_state_is node1 MASTER -D 0
smd_start node2
pid2=$SMD_PID
log2=$SMD_LOG
must "node1 MASTER, node2 STANDBY" wait_until 30 elected node1 node2
must "ports Active" wait_until 30 all_active node1:1 node2:1
lid1=$(port_lid node1 0 1)
lid2=$(port_lid node2 0 1)
# A quiet fabric from here: no heavy sweep is due.
check "quiet for 2 s" holds 2 elected node1 node2
sweeps1=$(log_count "$log1" "heavy sweep")

note "1. node2: priority 3 -> 12"
smd_conf node2 "priority = 12" >/dev/null
t0=$(now_ms)
kill -HUP "$pid2"
must "node2 MASTER, node1 STANDBY" wait_until 10 elected node2 node1
note "re-ranked $(($(now_ms) - t0)) ms after SIGHUP"
check "node2 announced itself with trap 144" log_has "$log2" "announcing it with trap 144"
check "node1 handed over" log_has "$log1" "handing over to SM"
is "node1 ran no heavy sweep for it" "$(log_count "$log1" "heavy sweep")" "$sweeps1"
check "ports Active" wait_until 30 all_active node1:1 node2:1

note "2. node2 (MASTER): priority 12 -> 1"
smd_conf node2 "priority = 1" >/dev/null
kill -HUP "$pid2"
must "node1 MASTER again, node2 STANDBY" wait_until 10 elected node1 node2
check "node2 handed over" log_has "$log2" "handing over to SM"
check "ports Active" wait_until 30 all_active node1:1 node2:1
is "node1 keeps its LID" "$(port_lid node1 0 1)" "$lid1"
is "node2 keeps its LID" "$(port_lid node2 0 1)" "$lid2"
check "both running" proc_alive "$pid1" "$pid2"

done_testing
