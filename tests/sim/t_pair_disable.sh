#!/usr/bin/env bash
# sim.pair_disable: an SM told to disable stays out only while the master
# that told it lives. node2 (priority 9) MASTER, node1 (priority 3)
# STANDBY; a DISABLE with the fabric's SM_Key, as node2's SM would send it
# (smiset, attached to node2): node1 NOTACTIVE and staying so while node2
# lives; node2's SM killed: node1 comes back, becomes MASTER and the ports
# stay Active. (Before, a disabled SM stayed NOTACTIVE for good: an SM on
# every node could end in a fabric with none.)
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

pair_elected
g2=$G2 pid2=$PID2 log1=$LOG1

must "DISABLE from the master answered" smiset node2 0,1 3 "$g2" 0x1 9 3
is "accepted" "$SMISET_STATUS" 0x0000
check "node1 NOTACTIVE" wait_until 5 sm_state_is node1 NOTACT -D 0
check "node1 stays NOTACTIVE while node2 is master (3 s)" holds 3 sm_state_is node1 NOTACT -D 0
check "the log says so" log_has "$log1" "disabled by master SM .*back when it is gone"

note "SIGKILL node2's SM (pid $pid2)"
proc_stop "$pid2" KILL
check "node1 comes back as MASTER" wait_until 15 sm_state_is node1 MASTER -D 0
check "ports Active" wait_until 15 all_active node1:1 node2:1

done_testing
