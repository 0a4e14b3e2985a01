#!/usr/bin/env bash
# sim.fake_sm: an impostor that answers SMInfo as MASTER, priority 15, SM_Key
# 0, while the real SMs share a secret key, takes nothing (issue 16: within
# 0.6 s the master handed over to it, both smd followed it and for 35 s every
# SA query got BUSY). Four hosts on a switch: node1 (priority 5) MASTER and
# node2 (priority 3) STANDBY, both sm_key 0x5; node3 runs fakesm (issm held,
# SMInfo answered, nothing else), then:
#  1. the master's sweeps see it (smctl sweep forces one): node1 stays
#     MASTER, node2 STANDBY, the SA keeps answering node4 (0x0000, no BUSY),
#     and node1 logs once why it ignores the impostor;
#  2. node2 restarted meanwhile finds both: it follows node1, not the fake;
#  3. the impostor claiming STANDBY with priority 15 (the handover target
#     it would be with our key) gets no handover either.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

sim_start "$SIM_FABRICS/quad.net"
smd_conf node1 "priority = 5" "sm_key = 0x5" "sweep_interval = 2" >/dev/null
smd_conf node2 "priority = 3" "sm_key = 0x5" >/dev/null
smd_start node1
PID1=$SMD_PID LOG1=$SMD_LOG
must "node1 MASTER" wait_until 30 sm_state_is node1 MASTER -D 0
smd_start node2
PID2=$SMD_PID LOG2=$SMD_LOG
must "node1 MASTER, node2 STANDBY" wait_until 30 elected node1 node2

log_lacks() { ! log_has "$@"; }
fake=$(dirname "$SMD_BIN")/fakesm
preload_for "$fake"
fake_start() {
	FAKE_LOG=$(_newlog fakesm-node3)
	_bg_start "$FAKE_LOG" node3 "$PRELOAD" "$fake" "$@"
	FAKE_PID=$BG_PID
	must "fakesm answers on node3 ($*)" wait_until 10 log_has "$FAKE_LOG" "claims state"
}
note "1. the impostor claims MASTER, priority 15, SM_Key 0"
fake_start 0 15 3 120
smctl node1 sweep >/dev/null
must "node1 sees the impostor" wait_until 20 log_has "$LOG1" "ignoring SM .*SM_Key differs"
check "node1 stays MASTER for 6 s" holds 6 sm_state_is node1 MASTER -D 0
check "node2 stays STANDBY" sm_state_is node2 STANDBY -D 0
is "node4's PathRecord answered" "$(sac node4 path "$(port_gid6 node1)" >/dev/null; sac_f status)" 0x0000
is "node4's broadcast join answered" "$(sac node4 bcast-join >/dev/null; sac_f status)" 0x0000
check "node1 did not hand over" log_lacks "$LOG1" "handing over|handover to"
n=$(log_count "$LOG1" "ignoring SM .*SM_Key differs")
check "node1 said why once or a few times, not per sweep ($n)" [ "$n" -le 3 ]

note "2. node2 restarted finds the master and the impostor"
smd_stop "$PID2"
smd_start node2
PID2=$SMD_PID LOG2=$SMD_LOG
must "node2 STANDBY again" wait_until 30 sm_state_is node2 STANDBY -D 0
check "node2 follows node1 (polls its master)" holds 4 sm_state_is node2 STANDBY -D 0
check "node1 still MASTER" sm_state_is node1 MASTER -D 0
check "node2 never MASTER" log_lacks "$LOG2" "entering MASTER"
proc_stop "$FAKE_PID"

note "3. the impostor claims STANDBY with priority 15"
fake_start 0 15 2 60
smctl node1 sweep >/dev/null
sleep 4
check "node1 stays MASTER" holds 4 sm_state_is node1 MASTER -D 0
check "no handover to the impostor" log_lacks "$LOG1" "handing over|handover to"
proc_stop "$FAKE_PID"
check "smd alive" proc_alive "$PID1"
check "smd alive" proc_alive "$PID2"
done_testing
