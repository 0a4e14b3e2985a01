#!/usr/bin/env bash
# sim.opensm_interop: smd and OpenSM 3.3 on the two nodes of the pair, in
# both directions, judged with sminfo and smpquery:
#  1. OpenSM (priority 3) is MASTER; smd (priority 9) joins: OpenSM hands
#     over, smd is MASTER, OpenSM STANDBY. smd stops: OpenSM is MASTER again
#     (it accepted smd's answers, so it keeps no stuck request).
#     smd's SIGTERM hands over to OpenSM before it exits.
#  2. smd (priority 3) is MASTER; OpenSM (priority 9) joins: smd hands over
#     and stands by. OpenSM is killed: smd takes over, LIDs unchanged.
#  3. smd (priority 3, preempt = no) is MASTER; OpenSM (priority 9) joins and
#     stays STANDBY, though it sends trap 144 at every poll; smd logs that
#     once.
. "$(dirname "$0")/lib.sh"
smd_only

sim_start "$SIM_FABRICS/pair.net"

note "1. OpenSM first, smd ranked higher"
osm_start node2 -p 3
osm=$OSM_PID
must "OpenSM MASTER" wait_until 60 sm_state_is node2 MASTER -D 0
smd_start node1 -p 9
smd=$SMD_PID
must "smd MASTER" wait_until 60 sm_state_is node1 MASTER -D 0
must "OpenSM STANDBY" wait_until 60 sm_state_is node2 STANDBY -D 0
check "ports Active" wait_until 30 all_active node1:1 node2:1
smd_stop "$smd"
check "smd handed over to OpenSM before exiting" log_has "$SMD_LOG" "accepted the handover"
check "OpenSM MASTER again once smd is gone" wait_until 90 sm_state_is node2 MASTER -D 0
check "ports Active under OpenSM" wait_until 30 all_active node1:1 node2:1
proc_stop "$osm"

note "2. smd first, OpenSM ranked higher"
smd_start node1 -p 3
smd=$SMD_PID
must "smd MASTER" wait_until 60 sm_state_is node1 MASTER -D 0
osm_start node2 -p 9
osm=$OSM_PID
must "OpenSM MASTER" wait_until 60 sm_state_is node2 MASTER -D 0
must "smd STANDBY" wait_until 60 sm_state_is node1 STANDBY -D 0
must "ports Active" wait_until 30 all_active node1:1 node2:1
lid1=$(port_lid node1 0 1)
lid2=$(port_lid node2 0 1)
proc_stop "$osm" KILL
check "smd takes over from the killed OpenSM" wait_until 60 sm_state_is node1 MASTER -D 0
check "ports Active" wait_until 30 all_active node1:1 node2:1
is "node1 keeps its LID" "$(port_lid node1 0 1)" "$lid1"
is "node2 keeps its LID" "$(port_lid node2 0 1)" "$lid2"
proc_stop "$smd"

note "3. smd with preempt = no, OpenSM ranked higher"
smd_conf node1 "preempt = no" >/dev/null
smd_start node1 -p 3
smd=$SMD_PID
must "smd MASTER" wait_until 60 sm_state_is node1 MASTER -D 0
osm_start node2 -p 9
osm=$OSM_PID
must "OpenSM STANDBY" wait_until 60 sm_state_is node2 STANDBY -D 0
# OpenSM's standby polls every 2 s here (tests' opensm.conf) and sends a
# trap 144 each time it finds a lower-ranked master.
# (OpenSM leaves an SMInfo Get unanswered now and then: judge it by its log.)
check "smd stays MASTER for 8 s" holds 8 sm_state_is node1 MASTER -D 0
check "OpenSM still STANDBY" wait_until 10 sm_state_is node2 STANDBY -D 0
is "OpenSM's last state change" \
	"$(grep -o 'Entering [A-Z]* state' "$WORK/opensm-node2.log" | tail -n 1)" "Entering STANDBY state"
is "smd logged the better standby once" "$(log_count "$SMD_LOG" "preempt = no keeps it STANDBY")" 1
check "OpenSM did send trap 144" log_has "$SMD_LOG" "trap 144 \(SM priority\)"
check "ports Active" all_active node1:1 node2:1

done_testing
