#!/usr/bin/env bash
# sim.pair_smkey: SMInfo Sets are accepted only from a trusted SM in the
# right state, as OpenSM does; an SM with a foreign SM_Key is never a
# handover target. node2 (priority 9) MASTER, node1 (priority 3) STANDBY;
# smiset, attached to node2, sends Sets to node1's SM by directed route:
#  - HANDOVER with SM_Key 0x2 (ours is 0x1): refused (status 0x001c), node1
#    stays STANDBY; the same for DISABLE, and for DISABLE with SM_Key 0
#    sent to the standby and to the master (0 is no wildcard);
#  - HANDOVER from an SM claiming STANDBY: refused;
#  - HANDOVER with key 0x1 from a MASTER: accepted, node1 MASTER; the two
#    masters then resolve to one (node1 hands back to the better node2).
# Then node1 restarts with sm_key = 0x2 and priority 12: node2 does not hand
# over to it (and logs why).
. "$(dirname "$0")/lib.sh"
smd_only

pair_elected
g2=$G2 pid1=$PID1 pid2=$PID2 log2=$LOG2

# smiset DRPATH MOD GUID KEY PRIORITY STATE (MOD 1 HANDOVER, 3 DISABLE)
must "HANDOVER with a foreign SM_Key answered" smiset node2 0,1 1 "$g2" 0x2 9 3
is "refused with status 0x001c" "$SMISET_STATUS" 0x001c
must "DISABLE with a foreign SM_Key answered" smiset node2 0,1 3 "$g2" 0x2 9 3
is "refused with status 0x001c" "$SMISET_STATUS" 0x001c
# SM_Key 0 is no wildcard: any node can send it (two such DISABLEs, to the
# standby and to the master, left the fabric with no SM at all)
must "DISABLE with SM_Key 0 to the standby answered" smiset node2 0,1 3 "$g2" 0x0 9 3
is "refused with status 0x001c" "$SMISET_STATUS" 0x001c
must "DISABLE with SM_Key 0 to the master answered" smiset node1 0,1 3 "$(port_guid node1)" 0x0 9 3
is "refused with status 0x001c" "$SMISET_STATUS" 0x001c
must "HANDOVER from an SM claiming STANDBY answered" smiset node2 0,1 1 "$g2" 0x1 9 2
is "refused with status 0x001c" "$SMISET_STATUS" 0x001c
check "node1 still STANDBY, node2 MASTER" holds 2 elected node2 node1

must "HANDOVER with our key from a MASTER answered" smiset node2 0,1 1 "$g2" 0x1 9 3
is "accepted" "$SMISET_STATUS" 0x0000
is "node1 reports MASTER" "$SMISET_STATE" 3
check "two masters resolve to one: node2 MASTER, node1 STANDBY" wait_until 30 elected node2 node1
check "ports Active" wait_until 30 all_active node1:1 node2:1

note "node1 with sm_key 0x2 and priority 12"
proc_stop "$pid1"
smd_conf node1 "priority = 12" "sm_key = 0x2" >/dev/null
smd_start node1
pid1=$SMD_PID
must "node1's SM answers" wait_until 30 sminfo_of node1 -D 0
check "node2 stays MASTER for 5 s" holds 5 sm_state_is node2 MASTER -D 0
check "node2 never handed over" eval '! log_has "$log2" "handing over"'
check "node2 logs why" log_has "$log2" "ignoring SM .*SM_Key differs"
check "both running" proc_alive "$pid1" "$pid2"

done_testing
