#!/usr/bin/env bash
# sim.pair_preempt: [sm] preempt = no keeps a working master, and SIGTERM
# hands over before exit.
#  1. node1 (priority 3, preempt = no) is MASTER; node2 (priority 9) joins:
#     node2 stays STANDBY (sminfo), though it keeps announcing itself with
#     trap 144; node1 logs that once.
#  2. SIGTERM node1: it hands over to node2 before it exits (its log, and
#     node2 MASTER at once, not after missed polls); LIDs unchanged, ports
#     Active.
. "$(dirname "$0")/lib.sh"
smd_only

sim_start "$SIM_FABRICS/pair.net"
smd_conf node1 "priority = 3" "preempt = no" >/dev/null
# A slow poll on node2: if node1 just vanished, node2 would need seconds.
smd_conf node2 "priority = 9" "poll_interval = 3000" >/dev/null

smd_start node1
pid1=$SMD_PID
log1=$SMD_LOG
must "node1 MASTER" wait_until 30 sm_state_is node1 MASTER -D 0
must "ports Active" wait_until 30 all_active node1:1 node2:1

smd_start node2
pid2=$SMD_PID
log2=$SMD_LOG
must "node2 STANDBY" wait_until 30 sm_state_is node2 STANDBY -D 0
check "preempt = no: node1 stays MASTER, node2 STANDBY for 12 s" holds 12 elected node1 node2
check "node2 announced its priority with trap 144" log_has "$log2" "announcing it with trap 144"
n=$(log_count "$log1" "preempt = no keeps it STANDBY")
is "node1 logged the better standby once" "$n" 1
check "node1 never handed over" eval '! log_has "$log1" "handing over"'
lid1=$(port_lid node1 0 1)
lid2=$(port_lid node2 0 1)

t0=$(now_ms)
smd_stop "$pid1"
is "node1 exits cleanly on SIGTERM" "$?" 0
must "node2 MASTER" wait_until 10 sm_state_is node2 MASTER -D 0
t=$(($(now_ms) - t0))
note "node2 MASTER $t ms after SIGTERM to node1"
check "node1 handed over before exiting" log_has "$log1" "handing over to SM .* before exiting"
check "node2 accepted it" log_has "$log1" "accepted the handover"
check "node2 took over by handover, not by missed polls" \
	eval '! log_has "$log2" "missed a poll" && log_has "$log2" "handover from SM"'
check "ports Active" wait_until 30 all_active node1:1 node2:1
is "node1 keeps its LID" "$(port_lid node1 0 1)" "$lid1"
is "node2 keeps its LID" "$(port_lid node2 0 1)" "$lid2"
proc_stop "$pid2"

done_testing
